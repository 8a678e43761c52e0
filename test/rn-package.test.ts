// The React Native package (devices/react-native): it typechecks against react-native-webview's,
// React Native's and React's declarations (with a misuse probe proving those types are really
// checked), and its protocol round-trips — base64 against Node's Buffer, tensors of every dtype,
// request ids matched under concurrency, and the error cases — with the app-side MoteClient
// talking to the page's MoteEngine in Node, whose outputs must equal host/runtime.ts's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { initCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { parseProfile } from '../host/profile-format.js';
import { type MoteBuild, MoteRuntime } from '../host/runtime.js';
import { packageDir, wasmPath, writePage } from '../devices/react-native/scripts/build-page.js';
import { MoteClient, MoteRequestError } from '../devices/react-native/src/client.js';
import {
  base64ToBytes,
  bytesToBase64,
  decodeRequest,
  decodeResponse,
  decodeTensor,
  encodeRequest,
  encodeResponse,
  encodeTensor,
  type MoteRequest,
  PROTOCOL,
  ProtocolError,
} from '../devices/react-native/src/protocol.js';
import { MoteEngine } from '../devices/react-native/webview/engine.js';

const repoRoot = join(packageDir, '..', '..');
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');

function typecheck(project: string): { status: number | null; out: string } {
  const r = spawnSync(tsc, ['-p', project, '--noEmit'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the React Native package typechecks', () => {
  beforeAll(async () => {
    await writePage(); // dist/mote-page-html.{js,d.ts}, imported by MoteProvider
  });

  it('src/ against react-native-webview, react-native and React types (tsc)', () => {
    const r = typecheck('devices/react-native/tsconfig.json');
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('webview/ (the page) against the DOM and the host runtime (tsc)', () => {
    const r = typecheck('devices/react-native/webview/tsconfig.json');
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('a misuse of the WebView API fails the same check (the types are real, not any)', () => {
    const dir = join(packageDir, `.probe-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(
        join(dir, 'probe.tsx'),
        [
          "import { WebView } from 'react-native-webview';",
          "export const a = <WebView source={{ html: '' }} onMessage={(e) => e.nativeEvent.data.toFixed(2)} />;",
          "export const b = <WebView source={{ html: '' }} javaScriptEnabled=\"yes\" />;",
        ].join('\n'),
      );
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['probe.tsx'] }));
      const r = typecheck(join(dir, 'tsconfig.json'));
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/toFixed/); // nativeEvent.data is a string
      expect(r.out).toMatch(/probe\.tsx\(3,/); // javaScriptEnabled is a boolean
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('protocol encoding', () => {
  it('base64 agrees with Node Buffer both ways, every length 0..70 and 100 KB', () => {
    const r = rng(1);
    for (const n of [...Array.from({ length: 71 }, (_, i) => i), 100_003]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(Buffer.from(base64ToBytes(b64)).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(Array.from(base64ToBytes('AQID\nBA=='))).toEqual([1, 2, 3, 4]); // whitespace is skipped
  });

  it('base64 rejects what is not base64, naming the place', () => {
    expect(() => base64ToBytes('abc', 'blob')).toThrow(/blob: length 3 is not a multiple of 4/);
    expect(() => base64ToBytes('ab$d', 'blob')).toThrow(/blob: character "\$" at 2 is not base64/);
    expect(() => base64ToBytes('a=bc', 'blob')).toThrow(/character "=" at 1/);
    expect(() => base64ToBytes(42 as unknown as string, 'blob')).toThrow(/blob must be a base64 string/);
  });

  it('tensors of every dtype round-trip bit for bit (NaN payloads and -0 included)', () => {
    const r = rng(2);
    const f = new Float32Array(37).map(() => (r() - 0.5) * 1e6);
    new Uint32Array(f.buffer)[3] = 0x7fc01234; // a NaN with a payload
    f[4] = -0;
    const arrays = [
      f,
      Int8Array.from({ length: 33 }, () => Math.floor(r() * 256) - 128),
      Int32Array.from({ length: 9 }, () => Math.floor(r() * 2 ** 32) | 0),
      Uint8Array.from({ length: 5 }, () => Math.floor(r() * 256)),
      Int16Array.from({ length: 7 }, () => Math.floor(r() * 65536) - 32768),
    ];
    for (const a of arrays) {
      const wire = JSON.parse(JSON.stringify(encodeTensor(a)));
      const back = decodeTensor(wire);
      expect(back.constructor).toBe(a.constructor);
      expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
    }
    // A view into a larger buffer sends only its own bytes.
    const big = Int16Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(decodeTensor(encodeTensor(big.subarray(1, 3))))).toEqual([2, 3]);
  });

  it('bad tensors name the problem', () => {
    expect(() => decodeTensor({ dtype: 'f64' as never, shape: [1], data: 'AAAAAAAAAAA=' }, 'input 0')).toThrow(/input 0: unknown dtype "f64"/);
    expect(() => decodeTensor({ dtype: 'toString' as never, shape: [1], data: '' }, 'input 0')).toThrow(/unknown dtype "toString"/);
    expect(() => decodeTensor({ dtype: 'f32', shape: [2], data: 'AAAAAA==' }, 'input 0')).toThrow(/input 0: 4 bytes for f32\[2\] \(needs 8\)/);
    expect(() => decodeTensor({ dtype: 'f32', shape: [-1], data: '' }, 'input 0')).toThrow(/shape must be an array of non-negative integers/);
  });

  it('requests round-trip with their ids; responses too', () => {
    const reqs: MoteRequest[] = [
      { type: 'load', id: 1, blob: 'AAAA', handle: 'kws', name: 'kws.mote', build: 'scalar' },
      { type: 'load', id: 2, blob: 'AAAA' },
      { type: 'run', id: 3, handle: 'kws', inputs: [encodeTensor(Int8Array.from([1, -2]))] },
      { type: 'profile', id: 4, handle: 'kws', inputs: [], runs: 5 },
      { type: 'unload', id: 5, handle: 'kws' },
    ];
    for (const req of reqs) {
      const text = encodeRequest(req);
      expect(JSON.parse(text).protocol).toBe(PROTOCOL);
      expect(decodeRequest(text)).toEqual(req);
    }
    const err = { type: 'error', id: 9, code: 'ERR_BAD_CRC', message: 'x' } as const;
    expect(decodeResponse(encodeResponse(err))).toEqual(err);
  });

  it('malformed requests: a ProtocolError with a code, and the id whenever it was readable', () => {
    const fails = (text: unknown, code: string, id: number, msg: RegExp) => {
      let e: unknown;
      try {
        decodeRequest(text);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe(code);
      expect((e as ProtocolError).id).toBe(id);
      expect((e as Error).message).toMatch(msg);
    };
    const msg = (o: object) => JSON.stringify({ protocol: PROTOCOL, ...o });
    fails(msg({ type: 'train', id: 7 }), 'UNKNOWN_TYPE', 7, /unknown request type "train"/);
    fails('{not json', 'BAD_MESSAGE', 0, /not JSON/);
    fails(JSON.stringify({ type: 'load', id: 1 }), 'BAD_MESSAGE', 0, /not a mote\/1 message/);
    fails(msg({ type: 'run', handle: 'm' }), 'BAD_MESSAGE', 0, /integer "id" ≥ 1/);
    fails(msg({ type: 'load', id: 3 }), 'BAD_MESSAGE', 3, /'load' message 3: "blob" must be a non-empty base64 string/);
    fails(msg({ type: 'load', id: 3, blob: 'AAAA', build: 'gpu' }), 'BAD_MESSAGE', 3, /"build" must be 'auto', 'simd' or 'scalar'/);
    fails(msg({ type: 'run', id: 4, handle: 'm', inputs: 'x' }), 'BAD_MESSAGE', 4, /"inputs" must be an array of tensors/);
    fails(msg({ type: 'profile', id: 5, handle: 'm', inputs: [], runs: 1000 }), 'BAD_MESSAGE', 5, /"runs" must be an integer in \[1, 100\]/);
    fails(42, 'BAD_MESSAGE', 0, /must be a string/);
  });
});

describe('MoteClient ↔ MoteEngine (the page, in Node)', () => {
  const modules: Partial<Record<MoteBuild, Promise<WebAssembly.Module>>> = {};
  const module = (b: MoteBuild) => (modules[b] ??= WebAssembly.compile(readFileSync(wasmPath(b))));
  let blob: Uint8Array;

  function connect(opts: { timeoutMs?: number; drop?: (text: string) => boolean } = {}) {
    const engine = new MoteEngine({ module, simd: true, host: 'react-native', device: 'node-test' });
    const client: MoteClient = new MoteClient(
      (text) => {
        if (opts.drop?.(text)) return;
        void engine.handle(text).then((reply) => client.receive(reply));
      },
      { timeoutMs: opts.timeoutMs },
    );
    client.receive(encodeResponse({ type: 'ready', id: 0, simd: true, timings: { decodeMs: 0, compileMs: 0, readyMs: 0 } }));
    return client;
  }

  beforeAll(() => {
    // The demo network (untrained weights suffice: the check is equality with the Node host).
    blob = convert(cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 5), DEMO_CLASSES), 'demo.onnx', { precision: 'f32' }).blob;
  });

  it('load, concurrent runs (ids matched), profile, unload; outputs equal host/runtime.ts', async () => {
    const client = connect();
    const model = await client.load(blob, { name: 'demo.mote' });
    expect(model.build).toBe('simd');
    expect(model.inputs[0]).toMatchObject({ dtype: 'f32', shape: [1, 1, 16, 16] });
    const r = rng(3);
    const xs = [0, 1, 2].map(() => Float32Array.from({ length: 256 }, () => r()));
    const node = MoteRuntime.fromModule('simd', await module('simd')).load(blob);
    const results = await Promise.all(xs.map((x) => model.run([x])));
    results.forEach((res, i) => {
      const want = node.run([xs[i]])[0] as Float32Array;
      expect(res.outputs[0].name).toBe(model.outputs[0].name);
      expect(Buffer.from(res.outputs[0].data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    });
    const p = await model.profile([xs[0]], 3);
    const parsed = parseProfile(p.jsonl);
    expect(parsed.runs.map((x) => x.run.run)).toEqual([0, 1, 2]);
    expect(parsed.runs[0].run).toMatchObject({ model: 'demo.mote', host: 'react-native', build: 'simd', device: 'node-test' });
    expect(parsed.runs[0].ops.some((o) => (o.macs ?? 0) > 0)).toBe(true);
    await model.unload();
    await expect(model.run([xs[0]])).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });

  it('errors come back as MoteRequestError with the runtime code or the protocol code', async () => {
    const client = connect();
    await expect(client.load(new Uint8Array(200))).rejects.toMatchObject({ code: 'ERR_BAD_MAGIC', message: expect.stringMatching(/cannot load blob/) });
    const bad = blob.slice();
    bad[bad.length - 1] ^= 1;
    await expect(client.load(bad)).rejects.toMatchObject({ code: 'ERR_BAD_CRC' });
    await expect(client.load('%%%%')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not base64/) });
    const model = await client.load(blob, { build: 'scalar' });
    expect(model.build).toBe('scalar');
    // Checked by the client before sending...
    await expect(model.run([new Float32Array(3)])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/input 0 \('image'\) must be f32\[1, 1, 16, 16\] \(256 values\), got f32\[3\]/) });
    await expect(model.run([new Int8Array(256)])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/got s8\[256\]/) });
    await expect(model.run([])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/takes 1 input/) });
    // ...and by the page, for a client that does not know the model's inputs.
    await expect(client.run(model.handle, [new Float32Array(3)])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/must be f32\[1, 1, 16, 16\], got f32\[3\]/) });
    await expect(client.run(model.handle, [new Int8Array(256)])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/got s8\[256\]/) });
    await expect(client.run(model.handle, [])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/takes 1 input/) });
    await expect(client.run('missing', [])).rejects.toBeInstanceOf(MoteRequestError);
  });

  it('an unanswered request times out; closing rejects what is pending', async () => {
    const client = connect({ timeoutMs: 100, drop: (t) => t.includes('"type":"load"') });
    await expect(client.load(blob)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/no answer to 'load' request 1 within 100 ms/) });
    const slow = connect({ drop: () => true });
    const pending = slow.load(blob);
    await new Promise((ok) => setTimeout(ok, 10));
    slow.close('gone');
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(slow.load(blob)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('requests wait for the page to be ready', async () => {
    const engine = new MoteEngine({ module, simd: true, host: 'react-native' });
    const sent: string[] = [];
    const client: MoteClient = new MoteClient((t) => {
      sent.push(t);
      void engine.handle(t).then((reply) => client.receive(reply));
    });
    const loading = client.load(blob);
    await new Promise((ok) => setTimeout(ok, 20));
    expect(sent).toEqual([]);
    client.receive(encodeResponse({ type: 'ready', id: 0, simd: true, timings: { decodeMs: 0, compileMs: 0, readyMs: 0 } }));
    await expect(loading).resolves.toMatchObject({ build: 'simd' });
    expect(sent.length).toBe(1);
  });
});
