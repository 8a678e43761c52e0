// `npm run demo:web`: serves the Mote demo page on 127.0.0.1 (a random free port unless --port N or
// PORT is given) and prints its URL. The page is bundled from web/app.ts on start; the runtime
// builds come from build/ (run `npm run build` first).
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noNodeLoader } from '../devices/react-native/scripts/build-page.js';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '..');

export async function bundleApp(): Promise<string> {
  const out = await build({
    entryPoints: [join(webDir, 'app.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    plugins: [noNodeLoader],
  });
  return out.outputFiles[0].text;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

export async function startDemoServer(opts: { port?: number } = {}): Promise<DemoServer> {
  const wasm = (b: string) => {
    const p = join(repoRoot, 'build', `mote.${b}.wasm`);
    if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\` first`);
    return readFileSync(p);
  };
  const routes: Record<string, { type: string; body: string | Uint8Array }> = {
    '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(webDir, 'index.html'), 'utf8') },
    '/style.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(webDir, 'style.css'), 'utf8') },
    '/app.js': { type: 'text/javascript; charset=utf-8', body: await bundleApp() },
    '/mote.simd.wasm': { type: 'application/wasm', body: wasm('simd') },
    '/mote.scalar.wasm': { type: 'application/wasm', body: wasm('scalar') },
  };
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0]];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, {
        'content-type': route.type,
        'cache-control': 'no-store',
        // Cross-origin isolation: browsers then give performance.now() 5 µs resolution instead of
        // 100 µs (Chromium), which per-op times of a few µs need.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      })
      .end(req.method === 'HEAD' ? undefined : route.body);
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(opts.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function portArg(): number | undefined {
  const i = process.argv.indexOf('--port');
  const text = i >= 0 ? process.argv[i + 1] : process.env.PORT;
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`demo:web: --port/PORT must be an integer in [0, 65535], got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  startDemoServer({ port: portArg() }).then(
    (s) => {
      console.log(`Mote demo page: ${s.url}`);
      console.log('Open it, then drop a .mote model and an input (.npy or raw bytes). Ctrl-C stops the server.');
      const stop = () => void s.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: Error) => {
      console.error(`demo:web: ${e.message}`);
      process.exit(1);
    },
  );
}
