// Builds everything a checkout needs to run: the WASM runtimes (scripts/build-wasm.mjs, owned by
// the runtime) and the bundled CLI (dist/mote.js). Runs as the root `prepare` script, so a plain
// `npm install` on a fresh clone leaves `./bin/mote`, `npm start` and `npm test` ready.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function step(what) {
  process.stderr.write(`[mote build] ${what}\n`);
}

// `--cli-only` skips the WASM runtimes (tests use it to refresh a stale bundle quickly).
const cliOnly = process.argv.includes('--cli-only');

// 1. WASM runtimes (build/mote.simd.wasm, build/mote.scalar.wasm).
const wasmScript = join(root, 'scripts', 'build-wasm.mjs');
if (cliOnly) {
  step('--cli-only: skipping the WASM runtimes');
} else if (existsSync(wasmScript)) {
  step('WASM runtimes (scripts/build-wasm.mjs)');
  const r = spawnSync(process.execPath, [wasmScript], { stdio: 'inherit' });
  if (r.status !== 0) {
    step(`scripts/build-wasm.mjs failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
} else {
  step('no scripts/build-wasm.mjs yet: skipping the WASM runtimes');
}

// 2. The CLI bundle. Dependencies stay external (resolved from node_modules at run time); only the
// project's own TypeScript is bundled, so the CLI starts without a TS loader.
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  step('esbuild is not installed (devDependency): run `npm install` without --omit=dev');
  process.exit(1);
}
step('CLI bundle (host/cli/main.ts -> dist/mote.js)');
mkdirSync(join(root, 'dist'), { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(root, 'host', 'cli', 'main.ts')],
  outfile: join(root, 'dist', 'mote.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
// Write each output beside its target and rename it into place, so a `mote` started meanwhile
// (tests run in parallel) never loads a half-written bundle.
for (const file of result.outputFiles) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
step('done');
