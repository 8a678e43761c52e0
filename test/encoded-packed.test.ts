// Encoded weights packed at load (format.ts ENC_FLAG_PACK_W16): an int8 conv2d / fully_connected
// whose weights are stored as a palette, palette-Huffman, Huffman or sparse stream of their plain
// bytes runs on the packed kernels (OPF_PACKED_W16) after the runtime decodes and packs them at
// load. Each blob is checked against the reference interpreter and the plain-layout blob of the same
// encoding, byte for byte on both builds; damaged records are refused with typed errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as F from '../format/format.js';
import * as RF from '../format/runtime-features.js';
import { emitBlob } from '../converter/emit/index.js';
import { packedW16Bytes } from '../converter/emit/pack-conv.js';
import type { Graph } from '../converter/ir/graph.js';
import { planMemory } from '../converter/plan/index.js';
import { runGraph } from '../converter/reference/interpreter.js';
import { ENCODING_CODE, type WeightEncoding } from '../converter/codec/streams.js';
import { quantizeMultiplier } from '../converter/passes/quantize/multiplier.js';
import { readBlob, type BlobView } from '../host/blob-reader.js';
import { blobFeatures } from '../host/runtime-features.js';
import { buildRuntimeFor } from '../host/runtime-build.js';
import { MoteError, MoteRuntime } from '../host/runtime.js';
import { BUILDS, ensureWasmBuilt, expectBlobsMatch, fixCrc, freshRuntime, oneOpGraph, randInt, randS8, rng, runBlob, setU32, u32, type TensorSpec } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 300_000);

/** How a case's weights are drawn, so that the encoding under test is smaller than int8 bytes. */
interface Weights { label: string; encoding: WeightEncoding; draw: (r: () => number, n: number, k: number) => Int8Array }

/** Values from 2^bits random levels (k-means clusters): a palette of that width. */
const paletteOf = (bits: number): Weights => ({
  label: `palette ${bits}-bit`,
  encoding: 'palette',
  draw: (r, n, k) => {
    const levels = randS8(r, 1 << bits);
    return Int8Array.from({ length: n * k }, () => levels[randInt(r, 0, levels.length - 1)]);
  },
});
/** Small magnitudes far more often than large ones (what Huffman codes short). */
const skewed = (r: () => number): number => {
  const m = Math.min(127, Math.floor(-Math.log(1 - r()) * 3));
  return r() < 0.5 ? -m : m;
};
const WEIGHTS: Weights[] = [
  paletteOf(1),
  paletteOf(2),
  paletteOf(4),
  // 8-bit indices: up to 256 levels, Huffman-coded (an uncoded 8-bit palette is never smaller than s8).
  { label: 'palette-huffman 8-bit', encoding: 'palette-huffman', draw: (r, n, k) => Int8Array.from({ length: n * k }, () => skewed(r)) },
  { label: 'palette-huffman 4-bit', encoding: 'palette-huffman', draw: (r, n, k) => Int8Array.from({ length: n * k }, () => (r() < 0.7 ? 0 : 8 * randInt(r, -7, 8))) },
  { label: 'huffman', encoding: 'huffman', draw: (r, n, k) => Int8Array.from({ length: n * k }, () => skewed(r)) },
  { label: 'sparse', encoding: 'sparse', draw: (r, n, k) => Int8Array.from({ length: n * k }, () => (r() < 0.8 ? 0 : randInt(r, -128, 127) || 1)) },
];

interface Shape { label: string; graph: (r: () => number, w: Weights) => Graph }

function requantSpecs(r: () => number, o: number, ratio: number): TensorSpec[] {
  const mult = new Int32Array(o), shift = new Int32Array(o);
  for (let i = 0; i < o; i++) ({ multiplier: mult[i], shift: shift[i] } = quantizeMultiplier(ratio * (0.5 + r())));
  return [{ dtype: 's32', shape: [o], data: mult }, { dtype: 's32', shape: [o], data: shift }];
}

function convShape(x: [number, number, number, number], o: number, kh: number, kw: number, strides: [number, number], pads: [number, number, number, number]): Shape {
  const c = x[3], k = kh * kw * c;
  return {
    label: `conv2d x[${x}] w[${o},${kh},${kw},${c}] s${strides} p${pads} (K ${k})`,
    graph: (r, w) => {
      const xq = { scale: 0.05, zeroPoint: randInt(r, -20, 20) };
      const oq = { scale: 0.05 * 0.02 * Math.sqrt(k) * 8, zeroPoint: randInt(r, -10, 10) };
      return oneOpGraph('conv2d', [
        { dtype: 's8', shape: x, quant: xq },
        { dtype: 's8', shape: [o, kh, kw, c], data: w.draw(r, o, k) },
        { dtype: 's32', shape: [o], data: Int32Array.from({ length: o }, () => randInt(r, -2000, 2000)) },
        ...requantSpecs(r, o, (xq.scale * 0.01) / oq.scale),
      ], { dtype: 's8', quant: oq }, { strides, dilations: [1, 1], pads, group: 1 }, { actMin: -128, actMax: 127 });
    },
  };
}

function fcShape(rows: number, k: number, n: number): Shape {
  return {
    label: `fully_connected x[${rows},${k}] n${n}`,
    graph: (r, w) => {
      const xq = { scale: 0.05, zeroPoint: randInt(r, -20, 20) };
      const oq = { scale: 0.05 * 0.02 * Math.sqrt(k) * 8, zeroPoint: randInt(r, -10, 10) };
      return oneOpGraph('fully_connected', [
        { dtype: 's8', shape: [rows, k], quant: xq },
        { dtype: 's8', shape: [n, k], data: w.draw(r, n, k) },
        null,
        ...requantSpecs(r, n, (xq.scale * 0.01) / oq.scale),
      ], { dtype: 's8', quant: oq }, {}, { actMin: -128, actMax: 127 });
    },
  };
}

// At least ~1000 weights each, so that every encoding's stream (palette-Huffman's 8-bit codebook
// and code table take ~400 bytes) is smaller than the int8 bytes and the converter picks it.
const SHAPES: Shape[] = [
  convShape([1, 6, 5, 7], 17, 3, 3, [1, 1], [1, 1, 1, 1]), // K = 63 (not a multiple of 4), 17 channels
  convShape([1, 5, 4, 32], 48, 1, 1, [1, 1], [0, 0, 0, 0]), // 1x1 GEMM rows, whole groups
  convShape([1, 9, 8, 3], 40, 3, 3, [2, 2], [0, 0, 1, 1]), // strided, K = 27, 40 channels
  convShape([1, 7, 7, 32], 48, 1, 1, [2, 2], [0, 0, 0, 0]), // strided 1x1 (stridedRows)
  convShape([1, 4, 6, 7], 20, 3, 3, [1, 1], [1, 1, 1, 1]), // K = 63, 20 channels, stride 1
  convShape([1, 8, 8, 15], 7, 3, 3, [1, 1], [1, 1, 1, 1]), // K = 135, 7 channels (the 4x8 tiles)
  fcShape(1, 65, 20), // one row, odd K
  fcShape(1, 40, 48), // one row, three groups (the prepared one-row path)
  fcShape(4, 64, 16),
  fcShape(3, 71, 23),
];

/** The op's weights record and its encoding byte. */
function weightsOf(blob: Uint8Array): { view: BlobView; id: number; flags: number } {
  const view = readBlob(blob);
  const id = view.ops[0].inputs[1];
  return { view, id, flags: blob[view.header.tensorTableOffset + id * F.TENSOR_RECORD_SIZE + F.T_FLAGS] };
}

describe('encoded weights run packed: reference interpreter, plain-layout blob, both builds', () => {
  for (const [si, shape] of SHAPES.entries()) {
    for (const [wi, w] of WEIGHTS.entries()) {
      it(`${shape.label}, ${w.label}`, async () => {
        const r = rng(9100 + 31 * si + wi);
        const g = shape.graph(r, w);
        const feeds = [randS8(r, g.tensors.get(g.inputs[0])!.shape.reduce((a, b) => a * b, 1))];
        const [want] = runGraph(g, feeds);
        const packed = emitBlob(g, planMemory(g), {}, { encodeWeights: [w.encoding] });
        const plain = emitBlob(g, planMemory(g), {}, { encodeWeights: [w.encoding], packWeights: false });
        const p = weightsOf(packed), q = weightsOf(plain);
        // Packed at load: the op runs packed; its record is the encoded stream of the plain bytes,
        // flagged, with the packed layout's size in the expanded region.
        expect(p.view.ops[0].flags & F.OPF_PACKED_W16, 'the op runs packed').toBe(F.OPF_PACKED_W16);
        expect(p.view.tensors[p.id].storage).toBe(F.STORAGE_ENCODED);
        expect(p.view.tensors[p.id].packedAtLoad).toBe(true);
        expect(p.flags).toBe(ENCODING_CODE[w.encoding] | F.ENC_FLAG_PACK_W16);
        const wShape = p.view.tensors[p.id].shape, n = wShape[0], k = wShape.slice(1).reduce((a, b) => a * b, 1);
        expect(p.view.tensors[p.id].byteSize).toBe(packedW16Bytes(n, k) + 4 * n);
        expect(q.view.ops[0].flags & F.OPF_PACKED_W16).toBe(0);
        expect(q.flags).toBe(ENCODING_CODE[w.encoding]);
        // Flash: the same stream; RAM: the expanded region grows from the plain to the packed size.
        expect(p.view.header.weightsSize).toBe(q.view.header.weightsSize);
        expect(p.view.header.expandedSize).toBeGreaterThanOrEqual(packedW16Bytes(n, k) + 4 * n);
        expect(q.view.header.expandedSize).toBe(Math.ceil((n * k) / 16) * 16);
        await expectBlobsMatch(`${shape.label}, ${w.label}`, [['packed at load', packed], ['plain layout', plain]], feeds, want);
      });
    }
  }
});

describe('packing at load: layout, arena, options', () => {
  it('the expanded bytes after load are the converter\'s packing of the plain weights (format.ts OPF_PACKED_W16)', async () => {
    const r = rng(71);
    const g = convShape([1, 6, 5, 5], 17, 3, 3, [1, 1], [1, 1, 1, 1]).graph(r, WEIGHTS[5]);
    const blob = emitBlob(g, planMemory(g), {}, { encodeWeights: ['huffman'] });
    const stored = emitBlob(g, planMemory(g));
    const { view, id } = weightsOf(blob);
    const s = weightsOf(stored);
    const want = stored.subarray(s.view.header.weightsOffset + s.view.tensors[s.id].offset, s.view.header.weightsOffset + s.view.tensors[s.id].offset + s.view.tensors[s.id].byteSize);
    for (const build of BUILDS) {
      const rt = await freshRuntime(build);
      rt.load(blob);
      const ex = rt.exports;
      const got = new Uint8Array(ex.memory.buffer, ex.mote_tensor_ptr(id), view.tensors[id].byteSize);
      expect(Buffer.from(got).equals(Buffer.from(want)), `${build}: packed bytes and sums`).toBe(true);
    }
  });

  it('the arena holds one group of 16 rows at load: raised when the plan\'s is smaller; \'auto\' leaves such a layer plain', async () => {
    const r = rng(72);
    const g = fcShape(1, 256, 20).graph(r, WEIGHTS[0]);
    const plan = planMemory(g);
    expect(plan.arenaSize).toBeLessThan(16 * 256);
    const packed = emitBlob(g, plan, {}, { encodeWeights: ['palette'], packWeights: true });
    expect(readBlob(packed).header.arenaSize).toBe(16 * 256);
    const auto = emitBlob(g, plan, {}, { encodeWeights: ['palette'], packWeights: 'auto' });
    expect(readBlob(auto).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
    expect(readBlob(auto).header.arenaSize).toBe(plan.arenaSize);
    const x = randS8(r, 256);
    const [want] = runGraph(g, [x]);
    await expectBlobsMatch('fc 256 -> 20, palette', [['packed', packed], ['auto', auto]], [x], want);
  });

  it('\'auto\' packs encoded layers by the packing rule applied to RAM: a 2-channel FC over 256 inputs stays plain', () => {
    const r = rng(73);
    // Channels 2 of 16: packing would add 7x the decoded bytes (format.ts's padding to 16).
    const small = fcShape(20, 256, 2).graph(r, WEIGHTS[1]);
    const blob = emitBlob(small, planMemory(small), {}, { encodeWeights: ['palette'], packWeights: 'auto' });
    expect(readBlob(blob).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
    const big = convShape([1, 12, 10, 16], 32, 3, 3, [1, 1], [1, 1, 1, 1]).graph(r, WEIGHTS[1]);
    const b2 = emitBlob(big, planMemory(big), {}, { encodeWeights: ['palette'], packWeights: 'auto' });
    expect(readBlob(b2).ops[0].flags & F.OPF_PACKED_W16).toBe(F.OPF_PACKED_W16);
    expect(weightsOf(b2).flags & F.ENC_FLAG_PACK_W16).toBe(F.ENC_FLAG_PACK_W16);
  });

  it('one constant read by two packed ops: one record, decoded and packed once', async () => {
    const r = rng(74);
    const g = fcShape(2, 32, 16).graph(r, WEIGHTS[5]);
    const node = g.nodes[0];
    g.addTensor({ name: 'out2', dtype: 's8', shape: [], quant: g.tensors.get('out')!.quant });
    g.nodes.push({ ...node, name: 'fc2', inputs: ['out', ...node.inputs.slice(1)].map((n, i) => (i === 0 ? 'in0' : n)), outputs: ['out2'] });
    g.outputs.push('out2');
    const { inferShapes } = await import('../converter/ir/shapes.js');
    inferShapes(g);
    const blob = emitBlob(g, planMemory(g), {}, { encodeWeights: ['huffman'] });
    const view = readBlob(blob);
    expect(view.ops.map((o) => o.flags & F.OPF_PACKED_W16)).toEqual([F.OPF_PACKED_W16, F.OPF_PACKED_W16]);
    expect(view.ops[0].inputs[1]).toBe(view.ops[1].inputs[1]);
    const x = randS8(r, 64);
    const want = runGraph(g, [x]);
    for (const build of BUILDS) {
      const got = await runBlob(build, blob, [x]);
      want.forEach((y, i) => expect(Array.from(got[i]), `${build} output ${i}`).toEqual(Array.from(y as Int8Array)));
    }
  });
});

describe('damaged packed-at-load records are refused with typed errors, never a trap', () => {
  const r = rng(80);
  const g = convShape([1, 6, 5, 5], 17, 3, 3, [1, 1], [1, 1, 1, 1]).graph(r, WEIGHTS[6]);
  const sparse = () => emitBlob(g, planMemory(g), {}, { encodeWeights: ['sparse'] });
  const plainLayout = () => emitBlob(g, planMemory(g), {}, { encodeWeights: ['sparse'], packWeights: false });
  const rec = (blob: Uint8Array, id: number) => u32(blob, F.H_TENSOR_TABLE_OFFSET) + id * F.TENSOR_RECORD_SIZE;
  const op0 = (blob: Uint8Array) => u32(blob, F.H_OP_TABLE_OFFSET);

  async function refused(blob: Uint8Array, code: number, what: RegExp): Promise<void> {
    fixCrc(blob);
    for (const build of BUILDS) {
      let err: unknown;
      try {
        (await freshRuntime(build)).load(blob);
      } catch (e) {
        err = e;
      }
      expect(err, `${build}: the load must fail`).toBeInstanceOf(MoteError);
      expect((err as MoteError).code, `${build}: ${(err as MoteError).message}`).toBe(code);
      expect((err as MoteError).message).toMatch(what);
    }
    let hostErr: unknown;
    try {
      readBlob(blob);
    } catch (e) {
      hostErr = e;
    }
    // The host reader checks the records, not the streams' contents or the sums.
    if (code === F.ERR_BAD_TENSOR || what.source.includes('packed op')) expect(hostErr, 'the host reader refuses it too').toBeDefined();
  }

  it('the flag cleared: the stream decodes short of the packed size, or the sums check (on the expanded bytes) fails', async () => {
    const blob = sparse();
    const { id } = weightsOf(blob);
    blob[rec(blob, id) + F.T_FLAGS] &= ~F.ENC_FLAG_PACK_W16;
    // Sparse fills the rest with zeros: the decode succeeds, and the |w| sums (zeros) do not match.
    await refused(blob, F.ERR_BAD_OP, /stored \|w\| sum 0, the weights give/);
  });

  it('the flag set on a plain-layout record: byte_size is not the packed layout\'s', async () => {
    const blob = plainLayout();
    const { id } = weightsOf(blob);
    blob[rec(blob, id) + F.T_FLAGS] |= F.ENC_FLAG_PACK_W16;
    await refused(blob, F.ERR_BAD_TENSOR, /packed at load \(flag 128\): byte_size 765 \(needs 1604\)/);
  });

  it('the op\'s packed flag cleared: a plain kernel may not read the packed bytes', async () => {
    const blob = sparse();
    const at = op0(blob) + F.O_FLAGS;
    blob[at] &= ~F.OPF_PACKED_W16;
    await refused(blob, F.ERR_BAD_OP, /input 1: weights packed at load \(flag 128\) are for a packed op's input 1/);
  });

  it('an arena too small to pack in', async () => {
    const h = fcShape(1, 256, 20).graph(rng(81), WEIGHTS[0]);
    const blob = emitBlob(h, planMemory(h), {}, { encodeWeights: ['palette'] });
    setU32(blob, F.H_ARENA_SIZE, planMemory(h).arenaSize);
    setU32(blob, F.H_ARENA_LOWER_BOUND, Math.min(u32(blob, F.H_ARENA_LOWER_BOUND), planMemory(h).arenaSize));
    await refused(blob, F.ERR_BAD_TENSOR, /packed at load \(flag 128\): byte_size \d+ \(needs \d+\), arena \d+ \(needs 4096\)/);
  });

  it('a non-s8 record, and K past PACKED_K_MAX: the packed op\'s own checks', async () => {
    const blob = sparse();
    const { id } = weightsOf(blob);
    blob[rec(blob, id) + F.T_DTYPE] = F.DTYPE_U8;
    await refused(blob, F.ERR_BAD_OP, /input 1.*u8/);
    // A one-row FC over K = PACKED_K_MAX + 4 (the converter keeps it unpacked), flagged and its op
    // marked packed, with a record the size of the packed layout: packed at load, then refused.
    const wide = fcShape(1, F.PACKED_K_MAX + 4, 1).graph(rng(82), WEIGHTS[6]);
    const b2 = emitBlob(wide, planMemory(wide), {}, { encodeWeights: ['sparse'] });
    expect(readBlob(b2).ops[0].flags & F.OPF_PACKED_W16).toBe(0);
    const at = rec(b2, weightsOf(b2).id);
    b2[at + F.T_FLAGS] |= F.ENC_FLAG_PACK_W16;
    b2[op0(b2) + F.O_FLAGS] |= F.OPF_PACKED_W16;
    // The record and the expanded region take the packed size (K2 = 2050 tap pairs, one group).
    const size = 32 * 2050 + 4;
    setU32(b2, at + F.T_BYTE_SIZE, size);
    setU32(b2, F.H_EXPANDED_SIZE, Math.ceil(size / 16) * 16);
    await refused(b2, F.ERR_BAD_OP, /K = 4100 exceeds 4096/);
  });

  it('random byte damage to the record and stream: load succeeds or fails with an ERR_* code', async () => {
    const base = sparse();
    const { view, id } = weightsOf(base);
    const at = rec(base, id);
    const so = view.header.weightsOffset + u32(base, at + F.T_STREAM_OFFSET);
    const rand = rng(83);
    const spots = [...Array.from({ length: F.TENSOR_RECORD_SIZE }, (_, i) => at + i), ...Array.from({ length: 24 }, (_, i) => so + i)];
    for (const build of BUILDS) {
      for (let t = 0; t < 60; t++) {
        const blob = base.slice();
        const spot = spots[randInt(rand, 0, spots.length - 1)];
        blob[spot] ^= 1 << randInt(rand, 0, 7);
        fixCrc(blob);
        const rt = await freshRuntime(build);
        try {
          rt.load(blob);
        } catch (e) {
          expect(e, `byte ${spot}`).toBeInstanceOf(MoteError);
        }
      }
    }
  });
});

describe('per-model build of a blob with weights packed at load', () => {
  const COMPILE_MS = 240_000;
  const r = rng(90);
  const g = convShape([1, 6, 5, 5], 17, 3, 3, [1, 1], [1, 1, 1, 1]).graph(r, WEIGHTS[1]);
  const packed = emitBlob(g, planMemory(g), {}, { encodeWeights: ['palette'] });
  const plain = emitBlob(g, planMemory(g), {}, { encodeWeights: ['palette'], packWeights: false });
  const has = (mask: number, n: number) => Math.floor(mask / 2 ** n) % 2 === 1;

  it('derives the palette decoder, the packing at load and the packed kernel (required); the plain-layout blob needs neither', () => {
    const f = blobFeatures(readBlob(packed));
    expect(has(f.decoders, F.ENC_PALETTE)).toBe(true);
    expect(has(f.decoders, RF.DECODER_PACK_W16)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_PACKED)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_PACKED_SPATIAL)).toBe(true);
    expect(has(f.kernels, RF.KERNEL_S8_PLAIN)).toBe(false);
    const q = blobFeatures(readBlob(plain));
    expect(has(q.decoders, F.ENC_PALETTE)).toBe(true);
    expect(has(q.decoders, RF.DECODER_PACK_W16)).toBe(false);
    expect(has(q.kernels, RF.KERNEL_PACKED)).toBe(false);
  });

  it('simd: its own build gives the full build\'s bytes; the plain-layout blob\'s build refuses it naming the packing', async () => {
    const x = randS8(rng(91), 6 * 5 * 5);
    const [want] = runGraph(g, [x]);
    const mine = await MoteRuntime.fromModule('simd', await WebAssembly.compile((await buildRuntimeFor(blobFeatures(readBlob(packed)), { build: 'simd' })) as BufferSource));
    expect(Array.from(mine.load(packed).run([x])[0])).toEqual(Array.from(want as Int8Array));
    const other = await MoteRuntime.fromModule('simd', await WebAssembly.compile((await buildRuntimeFor(blobFeatures(readBlob(plain)), { build: 'simd' })) as BufferSource));
    let err: unknown;
    try {
      other.load(packed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MoteError);
    expect((err as MoteError).code).toBe(F.ERR_NOT_BUILT);
    expect((err as MoteError).message).toMatch(/the packing at load of encoded weights \(encoding flag 128\) is not in this runtime/);
  }, 2 * COMPILE_MS);
});
