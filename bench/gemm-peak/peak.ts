// Assembles int8-gemm.wat with binaryen and measures the practical int8 peak of this machine in
// GMAC/s: the SIMD micro-loop (i32x4.dot_i16x8_s, 4x2 tile) and the scalar one (the MVP build's
// ceiling). Every model result is reported as a fraction of these two numbers.
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const TILE_M = 4;
export const TILE_N = 2;
const A_OFFSET = 0;
const B_OFFSET = 4096;
const C_OFFSET = 8192;
/** Depth of the tile, fixed in int8-gemm.wat (each row is 512 bytes apart). */
export const K = 512;

export interface GemmPeakKernels {
  memory: WebAssembly.Memory;
  /** Runs the 4x2 tile `reps` times over depth K; returns the sum of C. */
  simd(reps: number): number;
  scalar(reps: number): number;
  /** Writes A [4][K] and B [2][K] (int8, row-major) where the kernels read them. */
  setOperands(a: Int8Array, b: Int8Array): void;
  /** The tile C [4][2] the last call left in memory. */
  tile(): Int32Array;
  wasmBytes: number;
}

export function assembleGemmPeak(): Uint8Array {
  const text = readFileSync(join(here, 'int8-gemm.wat'), 'utf8');
  const mod = binaryen.parseText(text);
  try {
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    if (!mod.validate()) throw new Error('gemm-peak: int8-gemm.wat does not validate');
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

export function loadGemmPeak(): GemmPeakKernels {
  const bytes = assembleGemmPeak();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {});
  const ex = instance.exports as {
    memory: WebAssembly.Memory;
    gemm_4x2_s8_simd(reps: number): number;
    gemm_4x2_s8_scalar(reps: number): number;
  };
  return {
    memory: ex.memory,
    wasmBytes: bytes.length,
    simd: (reps) => ex.gemm_4x2_s8_simd(reps),
    scalar: (reps) => ex.gemm_4x2_s8_scalar(reps),
    setOperands(a, b) {
      if (a.length !== TILE_M * K || b.length !== TILE_N * K) throw new Error(`gemm-peak: A must be int8[${TILE_M}*K], B int8[${TILE_N}*K]`);
      new Int8Array(ex.memory.buffer, A_OFFSET, a.length).set(a);
      new Int8Array(ex.memory.buffer, B_OFFSET, b.length).set(b);
    },
    tile() {
      return new Int32Array(ex.memory.buffer, C_OFFSET, TILE_M * TILE_N).slice();
    },
  };
}

export interface PeakResult {
  /** GMAC/s of the SIMD micro-loop, best of the measured batches. */
  simdGmacs: number;
  scalarGmacs: number;
  K: number;
  wasmBytes: number;
}

/**
 * Measures both loops for about `seconds` each (after a warm-up that lets V8 tier up), in batches,
 * and keeps the best batch: a peak is the rate the machine can reach, not a typical one.
 */
export function measurePeak(seconds: number): PeakResult {
  const k = loadGemmPeak();
  const a = Int8Array.from({ length: TILE_M * K }, (_, i) => ((i * 37) % 255) - 127);
  const b = Int8Array.from({ length: TILE_N * K }, (_, i) => ((i * 91) % 255) - 127);
  k.setOperands(a, b);
  const macsPerRep = TILE_M * TILE_N * K;
  const rate = (fn: (reps: number) => number, repsPerBatch: number) => {
    // Warm-up: V8 compiles the optimized (TurboFan) code in the background and only later calls
    // use it (wasm has no on-stack replacement), so make many short calls first.
    const warm = performance.now() + 150;
    while (performance.now() < warm) fn(8);
    let best = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      fn(repsPerBatch);
      const dt = (performance.now() - t0) / 1000;
      best = Math.max(best, (macsPerRep * repsPerBatch) / dt / 1e9);
    }
    return best;
  };
  return { simdGmacs: rate(k.simd, 2000), scalarGmacs: rate(k.scalar, 300), K, wasmBytes: k.wasmBytes };
}

/** Reps of the 4x2 tile per sentinel run: 4 * 2 * 512 * 600 = 2.46 M MACs, ~0.08 ms at the peak. */
export const SENTINEL_REPS = 600;
export const SENTINEL_MACS = TILE_M * TILE_N * K * SENTINEL_REPS;

/**
 * The SIMD peak loop as one more engine in a case's interleaved rounds: its time says how fast the
 * host ran while the case was measured (bench/report.ts slowHostWarnings).
 */
export function peakSentinel(): { run(): void; async: false; output(): ArrayLike<number>; loadMs: number; dispose(): void } {
  const k = loadGemmPeak();
  k.setOperands(
    Int8Array.from({ length: TILE_M * K }, (_, i) => ((i * 37) % 255) - 127),
    Int8Array.from({ length: TILE_N * K }, (_, i) => ((i * 91) % 255) - 127),
  );
  let last = 0;
  return { run: () => void (last = k.simd(SENTINEL_REPS)), async: false, output: () => [last], loadMs: 0, dispose: () => {} };
}
