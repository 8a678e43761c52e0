// Weight codecs (converter/codec/): bit packing, 1-D k-means, canonical Huffman and the encoded
// weight streams, each checked against an independent reference or a closed-form property.
import { describe, expect, it } from 'vitest';
import { packBits, unpackBits } from '../converter/codec/bits.js';
import { kmeans1d, mulberry32 } from '../converter/codec/kmeans.js';
import { canonicalCodes, huffmanDecode, huffmanEncode, huffmanLengths } from '../converter/codec/huffman.js';
import { decodeWeights, encodeHuffman, encodePalette, encodeSparse, encodeWeights, ENCODING_CODE } from '../converter/codec/streams.js';
import * as F from '../format/format.js';

const rand = mulberry32(1234);
const randBytes = (n: number, alphabet = 256) => Uint8Array.from({ length: n }, () => Math.floor(rand() * alphabet));

describe('bit packing', () => {
  it('round-trips every width on random values, and bit i of the string is bit (i % w) of value i / w', () => {
    for (const bits of [1, 2, 3, 4, 5, 7, 8]) {
      for (const n of [0, 1, 7, 8, 9, 100]) {
        const v = randBytes(n, 1 << bits);
        const packed = packBits(v, bits);
        expect(packed.length).toBe(Math.ceil((n * bits) / 8));
        expect(unpackBits(packed, n, bits)).toEqual(v);
        for (let b = 0; b < n * bits; b++) {
          expect((packed[b >> 3] >> (b & 7)) & 1).toBe((v[Math.floor(b / bits)] >> b % bits) & 1);
        }
      }
    }
  });
  it('rejects values that do not fit', () => {
    expect(() => packBits([16], 4)).toThrow(/does not fit in 4 bits/);
  });
});

describe('k-means (1-D)', () => {
  const values = Float64Array.from({ length: 3000 }, () => (rand() - 0.5) * (rand() < 0.1 ? 4 : 1));
  it('at convergence every value is assigned to its nearest centroid and each centroid is its members\' mean', () => {
    const { centroids, assignments, iterations } = kmeans1d(values, 16, { seed: 7, maxIterations: 500 });
    expect(iterations).toBeLessThan(500);
    expect(centroids.length).toBeLessThanOrEqual(16);
    expect(centroids.length).toBeGreaterThan(8);
    for (let i = 0; i < values.length; i++) {
      const d = Math.abs(values[i] - centroids[assignments[i]]);
      for (const c of centroids) expect(d).toBeLessThanOrEqual(Math.abs(values[i] - c) + 1e-12);
    }
    centroids.forEach((c, j) => {
      const members = values.filter((_, i) => assignments[i] === j);
      expect(members.length).toBeGreaterThan(0);
      expect(c).toBeCloseTo(members.reduce((s, x) => s + x, 0) / members.length, 12);
    });
  });
  it('is reproducible for a seed, exact when there are at most k distinct values, and handles edge cases', () => {
    expect(kmeans1d(values, 8, { seed: 3 })).toEqual(kmeans1d(values, 8, { seed: 3 }));
    const few = [3, -1, 3, 2, -1];
    const r = kmeans1d(few, 4);
    expect(Array.from(r.assignments, (a) => r.centroids[a])).toEqual(few);
    expect(kmeans1d([5, 5, 5], 16).centroids).toEqual(Float64Array.of(5));
    expect(kmeans1d([], 4).assignments.length).toBe(0);
  });
});

describe('canonical Huffman', () => {
  const roundTrip = (data: Uint8Array) => {
    const { lengths, bits } = huffmanEncode(data);
    expect(huffmanDecode(lengths, bits, data.length)).toEqual(data);
    return { lengths, bits };
  };
  it('round-trips random, skewed, all-equal, single-symbol, uniform-256 and empty inputs', () => {
    roundTrip(randBytes(5000));
    roundTrip(Uint8Array.from({ length: 4000 }, () => (rand() < 0.7 ? 0 : Math.floor(rand() * 256))));
    const same = roundTrip(new Uint8Array(1000).fill(77));
    expect(same.bits.length).toBe(125); // one bit per symbol
    roundTrip(Uint8Array.of(9));
    const uniform = roundTrip(Uint8Array.from({ length: 2560 }, (_, i) => i % 256));
    expect([...uniform.lengths].every((l) => l === 8)).toBe(true);
    expect(huffmanEncode(new Uint8Array(0)).bits.length).toBe(0);
    expect(huffmanDecode(new Uint8Array(256), new Uint8Array(0), 0).length).toBe(0);
  });
  it('limits code lengths to 15 on Fibonacci frequencies (unlimited depth would be 25) and stays a prefix code', () => {
    const freq = new Float64Array(256);
    let a = 1, b = 1;
    for (let s = 0; s < 26; s++) { freq[s] = a; [a, b] = [b, a + b]; }
    const lengths = huffmanLengths(freq);
    expect(Math.max(...lengths)).toBe(15);
    let kraft = 0;
    for (const l of lengths) if (l) kraft += 2 ** -l;
    expect(kraft).toBeLessThanOrEqual(1);
    const data = Uint8Array.from({ length: 3000 }, (_, i) => i % 26);
    roundTrip(data);
  });
  it('codes are within one bit per symbol of the entropy (Huffman optimality bound)', () => {
    const data = Uint8Array.from({ length: 20000 }, () => Math.min(255, Math.floor(-Math.log(rand() + 1e-12) * 6)));
    const freq = new Float64Array(256);
    for (const x of data) freq[x]++;
    let h = 0;
    for (const f of freq) if (f) h -= f * Math.log2(f / data.length);
    const { bits } = huffmanEncode(data);
    expect(bits.length * 8).toBeGreaterThanOrEqual(h - 8);
    expect(bits.length * 8).toBeLessThan(h + data.length);
  });
  it('canonical codes: shorter codes numerically precede, same length in symbol order, no code a prefix of another', () => {
    const lengths = huffmanLengths(Float64Array.from({ length: 256 }, () => Math.floor(rand() * 50)));
    const codes = canonicalCodes(lengths);
    const used = [...lengths.keys()].filter((s) => lengths[s]);
    for (const x of used) for (const y of used) {
      if (x === y) continue;
      const [lx, ly] = [lengths[x], lengths[y]];
      if (lx <= ly) expect(codes[y] >> (ly - lx)).not.toBe(codes[x]);
    }
  });
  it('malformed tables and truncated bit streams throw named errors', () => {
    const bad = new Uint8Array(256).fill(1); // 256 one-bit codes
    expect(() => huffmanDecode(bad, new Uint8Array(4), 1)).toThrow(/over-subscribe/);
    const { lengths, bits } = huffmanEncode(randBytes(500));
    expect(() => huffmanDecode(lengths, bits.subarray(0, bits.length - 40), 500)).toThrow(/bit stream ends/);
  });
});

describe('weight streams', () => {
  const check = (code: number, stream: Uint8Array, data: Uint8Array) => expect(decodeWeights(code, stream, data.length)).toEqual(data);
  it('palette: k=16 values per output row (s8) and ±α per last-dim column (f32) round-trip at 4 and 1 bits', () => {
    const rows = 8, per = 50;
    const s8 = new Int8Array(rows * per);
    for (let r = 0; r < rows; r++) {
      const book = Array.from({ length: 16 }, () => Math.floor(rand() * 256) - 128);
      for (let i = 0; i < per; i++) s8[r * per + i] = book[Math.floor(rand() * 16)];
    }
    const bytes = new Uint8Array(s8.buffer);
    const p = encodePalette(bytes, 1, [rows, per])!;
    expect(p[4]).toBeLessThanOrEqual(4);
    check(F.ENC_PALETTE, p, bytes);
    const cols = 6;
    const alpha = Float32Array.from({ length: cols }, () => rand());
    const f = Float32Array.from({ length: 9 * cols }, (_, i) => (rand() < 0.5 ? -1 : 1) * alpha[i % cols]);
    const fb = new Uint8Array(f.buffer);
    const pf = encodePalette(fb, 4, [3, 3, cols])!;
    expect([pf[4], pf[6]]).toEqual([1, 1]); // 1 bit, interleaved (depthwise) groups
    check(F.ENC_PALETTE, pf, fb);
    expect(encodePalette(Uint8Array.from({ length: 600 }, (_, i) => i % 256), 1, [600])![4]).toBe(8);
    // Huffman-coded indices (ENC_PALETTE_HUFFMAN): skewed indices cost fewer bits than packed ones.
    const skew = Int8Array.from({ length: 4000 }, () => (rand() < 0.6 ? 0 : [-90, -30, 20, 60, 100][Math.floor(rand() * 5)]));
    const sb = new Uint8Array(skew.buffer);
    const ph = encodePalette(sb, 1, [40, 100], true)!;
    check(F.ENC_PALETTE_HUFFMAN, ph, sb);
    expect(ph.length).toBeLessThan(encodePalette(sb, 1, [40, 100])!.length);
  });
  it('sparse: exact on random sparsity, long zero runs (filler entries), all-zero and dense inputs', () => {
    for (const density of [0, 0.02, 0.5, 1]) {
      const d = Uint8Array.from({ length: 1000 }, () => (rand() < density ? 1 + Math.floor(rand() * 255) : 0));
      check(F.ENC_SPARSE, encodeSparse(d, 1), d);
    }
    const long = new Uint8Array(2000);
    long[1999] = 5; long[700] = 1;
    check(F.ENC_SPARSE, encodeSparse(long, 1), long);
    const f = new Float32Array(300);
    f[17] = -0.5; f[299] = 3;
    check(F.ENC_SPARSE, encodeSparse(new Uint8Array(f.buffer), 4), new Uint8Array(f.buffer));
  });
  it('huffman stream round-trips, and encodeWeights picks the smallest stream or none', () => {
    const d = Uint8Array.from({ length: 3000 }, () => (rand() < 0.8 ? 0 : Math.floor(rand() * 256)));
    check(F.ENC_HUFFMAN, encodeHuffman(d), d);
    const best = encodeWeights(d, 1, [3000], ['palette', 'sparse', 'huffman'])!;
    const sizes = [encodeSparse(d, 1).length, encodeHuffman(d).length];
    expect(best.bytes.length).toBe(Math.min(...sizes));
    check(best.code, best.bytes, d);
    expect(encodeWeights(randBytes(64), 1, [64], ['palette', 'sparse', 'huffman'])).toBeUndefined();
    expect(ENCODING_CODE.huffman).toBe(F.ENC_HUFFMAN);
  });
  it('corrupt streams throw named errors (length, header fields, gaps past the end)', () => {
    const d = Uint8Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 3 : 0));
    const sp = encodeSparse(d, 1);
    const bad = sp.slice();
    bad[bad.length - 1] = 0xff; // last gaps jump past the end
    expect(() => decodeWeights(F.ENC_SPARSE, bad, 400)).toThrow(/past the 400 elements|!=/);
    expect(() => decodeWeights(F.ENC_SPARSE, sp.subarray(0, 10), 400)).toThrow(/runs past/);
    const pal = encodePalette(d, 1, [400])!.slice();
    pal[4] = 3;
    expect(() => decodeWeights(F.ENC_PALETTE, pal, 400)).toThrow(/index bits 3/);
    expect(() => decodeWeights(9, sp, 400)).toThrow(/unknown encoding/);
  });
});
