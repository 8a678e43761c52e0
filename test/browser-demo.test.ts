// `npm run demo:web` (web/serve.ts) in headless Chromium, used as a person would: files set on the
// page's <input type=file> elements; the outputs it shows must be Node's host/runtime.ts outputs for
// the same blob and input, and the profile table must list every scheduled op.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { initCnn, trainCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES, makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import { readBlob } from '../host/blob-reader.js';
import { writeNpy } from '../host/npy.js';
import { MoteRuntime } from '../host/runtime.js';
import { startDemoServer, type DemoServer } from '../web/serve.js';
import { haveChromium, launchChromium, noticeIfNoChromium } from './browser-harness.js';
import { haveShared, sharedPath } from './support/shared.js';

async function nodeRun(blob: Uint8Array, x: Int8Array | Float32Array): Promise<number[]> {
  const model = (await MoteRuntime.create('simd')).load(blob);
  return Array.from(model.run([x])[0] as ArrayLike<number>);
}

async function shownRawOutput(page: Page): Promise<number[]> {
  const text = await page.locator('[data-output="0"] .values').last().textContent();
  const m = /^raw s8: (.*)$/.exec(text ?? '');
  if (!m) throw new Error(`no raw output on the page: ${text}`);
  return m[1].split(', ').map(Number);
}

describe('the demo:web sources', () => {
  it('typecheck as browser code (web/tsconfig.json)', () => {
    const root = join(import.meta.dirname, '..');
    const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'web', 'tsconfig.json'), '--noEmit'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!haveChromium)('npm run demo:web in headless Chromium', () => {
  noticeIfNoChromium('the demo:web page test');
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'mote-demo-web-'));
  let blob: Uint8Array;
  let image: Float32Array;

  beforeAll(async () => {
    const train = makeDataset(120, 41);
    const p = initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 42);
    trainCnn(p, train, { epochs: 1, batchSize: 32, learningRate: 0.01, seed: 43 });
    const pix = 256;
    blob = convert(cnnToOnnx(p, DEMO_CLASSES), 'demo.onnx', {
      precision: 'int8',
      calibration: Array.from({ length: 16 }, (_, i) => [train.images.slice(i * pix, (i + 1) * pix)]),
    }).blob;
    image = train.images.slice(100 * pix, 101 * pix);
    writeFileSync(join(dir, 'demo.int8.mote'), blob);
    writeFileSync(join(dir, 'image.npy'), writeNpy(image, [1, 1, 16, 16]));
    writeFileSync(join(dir, 'short.raw'), new Uint8Array(10));
    server = await startDemoServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.goto(server.url, { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ready'), null, { timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a .mote and a float .npy: the page quantizes the input and shows the same int8 outputs as Node', async () => {
    await page.setInputFiles('#model-file', join(dir, 'demo.int8.mote'));
    await page.setInputFiles('#input-file', join(dir, 'image.npy'));
    await page.locator('#result').waitFor({ state: 'visible', timeout: 30_000 });
    // The reference input: the blob's input quantization applied here, independently of web/inputs.ts.
    const v = readBlob(blob);
    const t = v.tensors[v.inputs[0]];
    const q = Int8Array.from(image, (f) => Math.max(-128, Math.min(127, Math.round(f / t.scale) + t.zeroPoint)));
    expect(await shownRawOutput(page)).toEqual(await nodeRun(blob, q));
    expect(await page.locator('#status').textContent()).toMatch(/quantized with scale/);
    // One profile row per scheduled op, in order.
    const ops = await page.locator('#profile tbody tr td:nth-child(2)').allTextContents();
    expect(ops).toEqual(v.ops.map((o) => o.opName));
    const shot = join(tmpdir(), 'mote-demo-web.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`[mote] demo:web screenshot: ${shot}`);
  });

  it('a raw input of the wrong size gets an error naming the file and the sizes', async () => {
    await page.setInputFiles('#input-file', join(dir, 'short.raw'));
    await expect
      .poll(() => page.locator('#status.error').textContent(), { timeout: 10_000 })
      .toMatch(/input 0 \('image', s8\[1, 1, 16, 16\]\) from short\.raw: a raw file must hold exactly 256 bytes .* has 10/);
  });

  it.skipIf(!haveShared)('KWS int8 with a raw EEMBC .bin input (needs ../shared)', async () => {
    const kws = convert(readFileSync(sharedPath('mlperf_tiny/kws/kws_ref_model.tflite')), 'kws_ref_model.tflite', { precision: 'int8' }).blob;
    writeFileSync(join(dir, 'kws.mote'), kws);
    const bin = readdirSync(sharedPath('eembc_kws01')).filter((f) => f.endsWith('.bin')).sort()[0];
    await page.setInputFiles('#input-file', []);
    await page.setInputFiles('#model-file', join(dir, 'kws.mote'));
    await page.setInputFiles('#input-file', sharedPath(`eembc_kws01/${bin}`));
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 30_000 }).toMatch(new RegExp(`Ran kws\\.mote on ${bin.replace('.', '\\.')}`));
    const raw = readFileSync(sharedPath(`eembc_kws01/${bin}`));
    expect(await shownRawOutput(page)).toEqual(await nodeRun(kws, new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength).slice()));
  });
});
