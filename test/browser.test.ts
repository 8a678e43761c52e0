// The React Native WebView page (devices/react-native) in headless Chromium, driven through its
// message protocol with a window.ReactNativeWebView shim: every output must be byte-identical to
// what Node's host/runtime.ts computes from the same blob and input, on the SIMD path and on the
// scalar path (forced by the protocol and by pretending SIMD is absent); profiles must parse with
// host/profile-format.ts. Also measures the cost of inlining the runtimes as base64.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { readIdx } from '../converter/data/idx.js';
import { initCnn, trainCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES, makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { readBlob } from '../host/blob-reader.js';
import { parseProfile } from '../host/profile-format.js';
import { type MoteBuild, MoteRuntime, type MoteTypedArray } from '../host/runtime.js';
import { buildPage, wasmPath } from '../devices/react-native/scripts/build-page.js';
import {
  base64ToBytes,
  bytesToBase64,
  encodeTensor,
  type LoadedResponse,
  type MoteResponse,
  type OutputsResponse,
  type ProfileResponse,
} from '../devices/react-native/src/protocol.js';
import { haveChromium, launchChromium, noticeIfNoChromium, PageClient, serveRoutes, type LocalServer } from './browser-harness.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';

interface Case {
  name: string;
  blob: Uint8Array;
  inputs: MoteTypedArray[][]; // samples × model inputs
}

const modules: Partial<Record<MoteBuild, WebAssembly.Module>> = {};
async function nodeOutputs(build: MoteBuild, c: Case): Promise<Uint8Array[][]> {
  modules[build] ??= await WebAssembly.compile(readFileSync(wasmPath(build)));
  const model = MoteRuntime.fromModule(build, modules[build]!).load(c.blob);
  return c.inputs.map((sample) => model.run(sample).map((o) => new Uint8Array(o.buffer, o.byteOffset, o.byteLength)));
}

/** A float sample in the blob's input dtype: quantized with its input's scale and zero point when s8. */
function asModelInput(blob: Uint8Array, x: Float32Array): MoteTypedArray {
  const v = readBlob(blob);
  const t = v.tensors[v.inputs[0]];
  if (t.dtypeName === 'f32') return x;
  if (t.dtypeName !== 's8') throw new Error(`test: unexpected input dtype ${t.dtypeName}`);
  return Int8Array.from(x, (f) => Math.max(-128, Math.min(127, Math.round(f / t.scale) + t.zeroPoint)));
}

function demoCase(): Case[] {
  // The project's demo network, trained briefly (the test needs real weights, not a good model).
  const train = makeDataset(120, 31);
  const p = initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 32);
  trainCnn(p, train, { epochs: 1, batchSize: 32, learningRate: 0.01, seed: 33 });
  const onnx = cnnToOnnx(p, DEMO_CLASSES);
  const pix = 256;
  const sample = (i: number) => [train.images.slice(i * pix, (i + 1) * pix)];
  const calibration = Array.from({ length: 16 }, (_, i) => sample(i));
  return [
    convert(onnx, 'demo.onnx', { precision: 'f32' }).blob,
    convert(onnx, 'demo.onnx', { precision: 'int8', calibration }).blob,
  ].map((blob, k) => ({
    name: k === 0 ? 'demo-f32' : 'demo-int8',
    blob,
    inputs: [100, 101, 102].map((i) => [asModelInput(blob, sample(i)[0])]),
  }));
}

function sharedCases(): Case[] {
  if (!haveShared) return [];
  const img = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')), 't10k-images');
  const image = (i: number) => Float32Array.from((img.data as Uint8Array).subarray(i * 784, (i + 1) * 784));
  const mnist = convert(readFileSync(sharedPath('onnx_mnist8/model.onnx')), 'model.onnx', {
    precision: 'int8',
    calibration: Array.from({ length: 8 }, (_, i) => [image(i)]),
  });
  const mnistInputs = [100, 101, 102].map((i) => [asModelInput(mnist.blob, image(i))]);
  const kws = convert(readFileSync(sharedPath('mlperf_tiny/kws/kws_ref_model.tflite')), 'kws_ref_model.tflite', { precision: 'int8' });
  const kwsFiles = readdirSync(sharedPath('eembc_kws01')).filter((f) => f.endsWith('.bin')).sort().slice(0, 3);
  const kwsInputs = kwsFiles.map((f) => {
    const b = readFileSync(join(sharedPath('eembc_kws01'), f));
    return [new Int8Array(b.buffer, b.byteOffset, b.byteLength).slice()];
  });
  return [
    { name: 'mnist-8 int8', blob: mnist.blob, inputs: mnistInputs },
    { name: 'kws int8', blob: kws.blob, inputs: kwsInputs },
  ];
}

function expectType<T extends MoteResponse['type']>(r: MoteResponse, type: T): Extract<MoteResponse, { type: T }> {
  if (r.type !== type) throw new Error(`expected a '${type}' response, got ${JSON.stringify(r).slice(0, 300)}`);
  return r as Extract<MoteResponse, { type: T }>;
}

describe.skipIf(!haveChromium)('the WebView page in headless Chromium', () => {
  noticeIfNoChromium('browser tests of the React Native WebView page');
  noticeIfNoShared('mnist-8 and KWS in the browser (the demo model still runs)');
  let browser: Browser;
  let server: LocalServer;
  let cases: Case[];
  let page: PageClient;
  const pageBytes: Record<string, number> = {};

  beforeAll(async () => {
    const [inline, raw] = await Promise.all([buildPage(), buildPage({ wasmUrl: (b) => `/mote.${b}.wasm` })]);
    pageBytes.inline = inline.html.length;
    pageBytes.raw = raw.html.length;
    server = await serveRoutes({
      '/page.html': { type: 'text/html', body: inline.html },
      '/raw.html': { type: 'text/html', body: raw.html },
      '/mote.simd.wasm': { type: 'application/wasm', body: readFileSync(wasmPath('simd')) },
      '/mote.scalar.wasm': { type: 'application/wasm', body: readFileSync(wasmPath('scalar')) },
    });
    browser = await launchChromium();
    cases = [...demoCase(), ...sharedCases()];
    page = await PageClient.open(browser, `${server.url}/page.html`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('detects SIMD in Chromium and reports ready', async () => {
    const ready = await page.ready();
    expect(ready.simd).toBe(true);
    expect(ready.timings.decodeMs).toBeGreaterThanOrEqual(0);
  });

  async function checkCase(client: PageClient, c: Case, build: 'auto' | 'scalar', expectBuild: MoteBuild): Promise<void> {
    const loaded = expectType(await client.request({ type: 'load', blob: bytesToBase64(c.blob), name: c.name, build }), 'loaded') as LoadedResponse;
    expect(loaded.build).toBe(expectBuild);
    const want = await nodeOutputs(expectBuild, c);
    for (let s = 0; s < c.inputs.length; s++) {
      const inputs = c.inputs[s].map((x, i) => encodeTensor(x, loaded.inputs[i].shape));
      const r = expectType(await client.request({ type: 'run', handle: loaded.handle, inputs }), 'outputs') as OutputsResponse;
      expect(r.outputs.length).toBe(want[s].length);
      r.outputs.forEach((o, k) => {
        expect(o.dtype).toBe(loaded.outputs[k].dtype);
        expect(o.shape).toEqual(loaded.outputs[k].shape);
        expect(Buffer.from(base64ToBytes(o.data)).equals(Buffer.from(want[s][k])), `${c.name} ${build} sample ${s} output ${k}`).toBe(true);
      });
    }
    expectType(await client.request({ type: 'unload', handle: loaded.handle }), 'unloaded');
  }

  it('outputs are byte-identical to Node (SIMD, chosen by feature detection)', async () => {
    await page.ready();
    expect(cases.map((c) => c.name)).toEqual(['demo-f32', 'demo-int8', ...(haveShared ? ['mnist-8 int8', 'kws int8'] : [])]);
    for (const c of cases) await checkCase(page, c, 'auto', 'simd');
  });

  it("outputs are byte-identical to Node on the scalar build (forced with build: 'scalar')", async () => {
    await page.ready();
    for (const c of cases) await checkCase(page, c, 'scalar', 'scalar');
  });

  it('a WebView without SIMD (MOTE_DISABLE_SIMD) picks the scalar build, same bytes', async () => {
    const noSimd = await PageClient.open(browser, `${server.url}/page.html`, { disableSimd: true });
    try {
      const ready = await noSimd.ready();
      expect(ready.simd).toBe(false);
      await checkCase(noSimd, cases[cases.length - 1], 'auto', 'scalar');
      const refused = expectType(await noSimd.request({ type: 'load', blob: bytesToBase64(cases[0].blob), build: 'simd' }), 'error');
      expect(refused.code).toBe('NO_SIMD');
    } finally {
      await noSimd.close();
    }
  });

  it('Android-style delivery (message events on document) works too', async () => {
    await page.ready();
    const c = cases[0];
    const r = expectType(await page.request({ type: 'load', blob: bytesToBase64(c.blob), handle: 'android' }, 'document'), 'loaded');
    expect(r.handle).toBe('android');
  });

  it('profiles parse with host/profile-format.ts: one record per scheduled op, same outputs', async () => {
    await page.ready();
    for (const c of cases) {
      const loaded = expectType(await page.request({ type: 'load', blob: bytesToBase64(c.blob), name: `${c.name}.mote` }), 'loaded') as LoadedResponse;
      const inputs = c.inputs[0].map((x, i) => encodeTensor(x, loaded.inputs[i].shape));
      const r = expectType(await page.request({ type: 'profile', handle: loaded.handle, inputs, runs: 2 }), 'profile') as ProfileResponse;
      const profile = parseProfile(r.jsonl);
      const view = readBlob(c.blob);
      expect(profile.runs.length).toBe(2);
      for (const run of profile.runs) {
        expect(run.run).toMatchObject({ model: `${c.name}.mote`, build: 'simd', host: 'react-native' });
        expect(run.ops.map((o) => o.op)).toEqual(view.ops.map((o) => o.opName));
        expect(run.ops.map((o) => o.name)).toEqual(view.ops.map((o) => o.name));
      }
      const want = (await nodeOutputs('simd', c))[0];
      r.outputs.forEach((o, k) => expect(Buffer.from(base64ToBytes(o.data)).equals(Buffer.from(want[k]))).toBe(true));
    }
  });

  it('bad requests get error responses naming the problem', async () => {
    await page.ready();
    const blob = cases[0].blob.slice();
    blob[blob.length - 1] ^= 0xff; // breaks the CRC
    const bad = expectType(await page.request({ type: 'load', blob: bytesToBase64(blob) }), 'error');
    expect(bad.code).toBe('ERR_BAD_CRC');
    const unknown = expectType(await page.send(JSON.stringify({ protocol: 'mote/1', type: 'train', id: 77 }), 77), 'error');
    expect(unknown).toMatchObject({ id: 77, code: 'UNKNOWN_TYPE' });
    const noModel = expectType(await page.request({ type: 'run', handle: 'nope', inputs: [] }), 'error');
    expect(noModel.code).toBe('UNKNOWN_MODEL');
  });

  it('measures the base64 cost: page with inlined runtimes vs fetching the raw .wasm', async () => {
    const rounds = 3;
    const ms: Record<'inline' | 'raw', number[]> = { inline: [], raw: [] };
    const load: Record<'inline' | 'raw', number[]> = { inline: [], raw: [] }; // decode (or fetch) + compile
    let decode: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['inline', 'raw'] as const) {
        const p = await PageClient.open(browser, `${server.url}/${kind === 'inline' ? 'page' : 'raw'}.html`);
        const ready = await p.ready();
        ms[kind].push(ready.timings.readyMs);
        load[kind].push(ready.timings.decodeMs + ready.timings.compileMs);
        if (kind === 'inline') {
          // The decode itself, isolated: atob + byte copy of the SIMD build's base64, 20 times.
          decode = await p.page.evaluate(() => {
            const b64 = (window as unknown as { __MOTE_WASM__: { simd: { base64: string } } }).__MOTE_WASM__.simd.base64;
            const times: number[] = [];
            for (let i = 0; i < 20; i++) {
              const t0 = performance.now();
              const bin = atob(b64);
              const out = new Uint8Array(bin.length);
              for (let j = 0; j < bin.length; j++) out[j] = bin.charCodeAt(j);
              times.push(performance.now() - t0);
            }
            return times.sort((a, b) => a - b);
          });
        }
        await p.close();
      }
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const report = {
      pageBytes,
      readyMsMedian: { inline: median(ms.inline), raw: median(ms.raw) },
      decodeOrFetchPlusCompileMsMedian: { inline: median(load.inline), raw: median(load.raw) },
      simdBase64DecodeMsMedian: median(decode),
    };
    console.log(`[mote] base64 cost (Chromium, ${rounds} rounds): ${JSON.stringify(report)}`);
    expect(report.readyMsMedian.inline).toBeGreaterThan(0);
    expect(report.readyMsMedian.raw).toBeGreaterThan(0);
    expect(pageBytes.inline).toBeGreaterThan(pageBytes.raw);
  });
});
