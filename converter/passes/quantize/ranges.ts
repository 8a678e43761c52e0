// Per-tensor range collectors for calibration, each in bounded memory:
//   minmax      the exact min and max seen;
//   percentile  the p-th and (100 − p)-th percentiles of a uniform reservoir sample of the values
//               (deterministic: a fixed-seed generator), clipped to the exact min/max;
//   mse, kl     searched clipping ranges (ranges-mse.ts).
// Quantization ranges always include 0 (so real zero is exactly representable); that is applied
// when the range is turned into qparams, not here.

import { KlCollector, MseCollector } from './ranges-mse.js';

export interface Range {
  min: number;
  max: number;
}

export interface RangeCollector {
  add(values: Float32Array): void;
  range(): Range;
}

export class MinMaxCollector implements RangeCollector {
  private min = Infinity;
  private max = -Infinity;
  add(values: Float32Array): void {
    let lo = this.min;
    let hi = this.max;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < lo) lo = v; // NaN compares false and is ignored
      if (v > hi) hi = v;
    }
    this.min = lo;
    this.max = hi;
  }
  range(): Range {
    return this.min <= this.max ? { min: this.min, max: this.max } : { min: 0, max: 0 };
  }
}

/** Reservoir size per tensor: 64 Ki floats = 256 KiB. */
export const RESERVOIR_SIZE = 65536;

export class PercentileCollector implements RangeCollector {
  private readonly reservoir = new Float32Array(RESERVOIR_SIZE);
  private filled = 0;
  private seen = 0;
  private state = 0x9e3779b9;
  private readonly exact = new MinMaxCollector();
  constructor(private readonly percentile: number) {
    if (!(percentile > 50 && percentile <= 100)) throw new Error(`percentile ${percentile} must be in (50, 100]`);
  }
  private random(): number {
    // xorshift32: deterministic, fast, good enough to pick reservoir slots.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
  add(values: Float32Array): void {
    this.exact.add(values);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      this.seen++;
      if (this.filled < RESERVOIR_SIZE) {
        this.reservoir[this.filled++] = v;
      } else {
        const j = Math.floor(this.random() * this.seen);
        if (j < RESERVOIR_SIZE) this.reservoir[j] = v;
      }
    }
  }
  range(): Range {
    if (this.filled === 0) return { min: 0, max: 0 };
    const sorted = this.reservoir.slice(0, this.filled).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
    const exact = this.exact.range();
    return {
      min: Math.max(exact.min, at(1 - this.percentile / 100)),
      max: Math.min(exact.max, at(this.percentile / 100)),
    };
  }
}

/** Calibration methods: the two here, and the searched ones of ranges-mse.ts. */
export type RangeMethod = 'minmax' | 'percentile' | 'mse' | 'kl';

export function makeCollector(method: RangeMethod, percentile = 99.99): RangeCollector {
  if (method === 'mse') return new MseCollector();
  if (method === 'kl') return new KlCollector();
  return method === 'percentile' ? new PercentileCollector(percentile) : new MinMaxCollector();
}
