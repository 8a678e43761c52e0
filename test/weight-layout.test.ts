// `convert(..., { weightLayout })` / `mote convert --weight-layout auto|packed|plain`: the packed
// layout (OPF_PACKED_W16) trades flash for speed; plain must give the same outputs from a smaller or
// equal blob, with no op marked packed; auto packs only the layers where packing adds at most
// PACK_AUTO_OVERHEAD, or PACK_AUTO_SLACK bytes within a model-wide PACK_AUTO_OVERHEAD (neither model
// has a small-K 1x1 conv), so its blob lies between the two and it computes the same bytes. Checked on the MLPerf Tiny KWS and AD int8 models (real
// channel counts, one of them not a multiple of 16) on both WASM builds.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import { convert } from '../converter/convert.js';
import { PACK_AUTO_OVERHEAD, PACK_AUTO_SLACK } from '../converter/emit/index.js';
import { packedW16Bytes } from '../converter/emit/pack-conv.js';
import { readBlob } from '../host/blob-reader.js';
import { BUILDS, ensureWasmBuilt, randS8, rng, runBlob } from './runtime-harness.js';
import { noticeIfNoShared, sharedPath } from './support/shared.js';
import { ensureBuilt, mote, tempDir } from './support/mote-cli.js';
import { join } from 'node:path';

const have = noticeIfNoShared('weight-layout tests on MLPerf Tiny models');

const MODELS = ['mlperf_tiny/kws/kws_ref_model.tflite', 'mlperf_tiny/ad/ad01_int8.tflite'];

function packedOps(blob: Uint8Array): number {
  return readBlob(blob).ops.filter((o) => (o.flags & F.OPF_PACKED_W16) !== 0).length;
}

describe.skipIf(!have)('weight layout: packed vs plain', () => {
  beforeAll(async () => {
    await ensureWasmBuilt();
  }, 300_000);

  for (const rel of MODELS) {
    it(`${rel}: plain and auto blobs are no larger than packed and compute the same bytes`, async () => {
      const bytes = readFileSync(sharedPath(rel));
      const packed = convert(bytes, rel, { precision: 'int8', weightLayout: 'packed' }).blob;
      const plain = convert(bytes, rel, { precision: 'int8', weightLayout: 'plain' }).blob;
      const auto = convert(bytes, rel, { precision: 'int8' }).blob;
      expect(packedOps(packed)).toBeGreaterThan(0);
      expect(packedOps(plain)).toBe(0);
      expect(plain.length).toBeLessThanOrEqual(auto.length);
      expect(auto.length).toBeLessThanOrEqual(packed.length);
      // auto packs every layer within the per-layer bound, and layers that only the byte slack
      // admits while the model's packed weights stay within PACK_AUTO_OVERHEAD of plain, cheapest
      // first: recomputed here from the packed blob's own shapes.
      const pk = readBlob(packed), au = readBlob(auto);
      const extraOf = (n: number, k: number) => packedW16Bytes(n, k) + 4 * n - n * k;
      let plainTotal = 0, autoExtra = 0;
      const slackLeft: number[] = [];
      pk.ops.forEach((op, i) => {
        if ((op.flags & F.OPF_PACKED_W16) === 0) return;
        const w = pk.tensors[op.inputs[1]];
        const n = w.shape[0], k = w.shape.slice(1).reduce((a, b) => a * b, 1);
        plainTotal += n * k;
        const extra = extraOf(n, k);
        const isPacked = (au.ops[i].flags & F.OPF_PACKED_W16) !== 0;
        if (extra <= (PACK_AUTO_OVERHEAD - 1) * n * k) expect(isPacked, `op ${i} within the per-layer bound`).toBe(true);
        else if (extra > PACK_AUTO_SLACK) expect(isPacked, `op ${i} over the slack`).toBe(false);
        else if (!isPacked) slackLeft.push(extra);
        if (isPacked) autoExtra += extra;
      });
      expect(autoExtra).toBeLessThanOrEqual((PACK_AUTO_OVERHEAD - 1) * plainTotal);
      // Cheapest first: no slack layer left out would still have fit.
      for (const extra of slackLeft) expect(autoExtra + extra).toBeGreaterThan((PACK_AUTO_OVERHEAD - 1) * plainTotal);
      const info = readBlob(plain);
      const r = rng(7);
      const inputs = info.inputs.map((t) => randS8(r, info.tensors[t].shape.reduce((a, b) => a * b, 1)));
      for (const build of BUILDS) {
        const a = await runBlob(build, packed, inputs);
        const b = await runBlob(build, plain, inputs);
        const c = await runBlob(build, auto, inputs);
        expect(Array.from(b[0]), `${build}`).toEqual(Array.from(a[0]));
        expect(Array.from(c[0]), `${build}`).toEqual(Array.from(a[0]));
      }
    });
  }

  it('mote convert --weight-layout plain writes the plain blob; a bad value is a usage error', () => {
    ensureBuilt();
    const dir = tempDir('mote-layout-');
    const out = join(dir, 'kws.mote');
    const ok = mote(['convert', sharedPath(MODELS[0]), '-o', out, '--precision', 'int8', '--weight-layout', 'plain']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(packedOps(readFileSync(out))).toBe(0);
    const bad = mote(['convert', sharedPath(MODELS[0]), '-o', out, '--precision', 'int8', '--weight-layout', 'tiled']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--weight-layout must be auto, packed or plain, not 'tiled'/);
  });

  it('rejects an unknown layout by name', () => {
    const bytes = readFileSync(sharedPath(MODELS[0]));
    expect(() => convert(bytes, 'kws', { precision: 'int8', weightLayout: 'tiled' as 'plain' })).toThrow(/weight layout 'tiled'/);
  });
});
