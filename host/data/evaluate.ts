// Runs a .mote blob on a Dataset on the WASM runtime (the product itself) and scores it:
//   accuracy  top-1: argmax of output 0 (raw int8 or float: argmax is the same) vs the label;
//   mse       mean over samples of the mean squared error between output 0 (dequantized) and the
//             target in real values (autoencoders; the MLPerf anomaly score).
import { MoteRuntime, streamsWeights, type MoteBuild, type MoteModel, type MoteTypedArray, type TensorInfo } from '../runtime.js';
import type { Dataset, Sample } from './dataset.js';
import { DataSpecError } from './dataset.js';

export type Metric = 'accuracy' | 'mse';

export interface EvalOptions {
  metric?: Metric;
  limit?: number;
  build?: MoteBuild;
  onProgress?(done: number, total: number): void;
}

export interface EvalResult {
  metric: Metric;
  samples: number;
  /** accuracy: samples whose argmax equals the label. */
  correct?: number;
  accuracy?: number;
  /** mse: mean of the per-sample mean squared errors. */
  mse?: number;
  /** argmax of output 0 per sample (accuracy) — for checks against other runtimes. */
  predictions?: number[];
  build: MoteBuild;
  seconds: number;
}

const clampRound = (x: number) => Math.max(-128, Math.min(127, x < 0 ? -Math.round(-x) : Math.round(x)));

/** The sample's input in the model input's dtype (quantizing or dequantizing as needed). */
export function modelInput(s: Sample['input'], info: TensorInfo, quant: Dataset['quant'], where: string): MoteTypedArray {
  const n = info.shape.reduce((a, b) => a * b, 1);
  if (s.length !== n) throw new DataSpecError(`${where}: ${s.length} values, the model input '${info.name}' takes ${n} (shape [${info.shape}])`);
  if (info.dtype === 'f32') {
    if (s instanceof Float32Array) return s;
    if (!quant) throw new DataSpecError(`${where}: int8 data for a float model: give its quantization in the spec (…?scale=S&zp=Z)`);
    return Float32Array.from(s, (q) => quant.scale * (q - quant.zeroPoint));
  }
  if (info.dtype !== 's8') throw new DataSpecError(`${where}: model input dtype ${info.dtype} is not supported by eval (f32 or s8)`);
  if (s instanceof Int8Array) {
    if (!quant || (Math.abs(quant.scale - info.scale) <= 1e-6 * info.scale && quant.zeroPoint === info.zeroPoint)) return s;
    return Int8Array.from(s, (q) => clampRound((quant.scale * (q - quant.zeroPoint)) / info.scale + info.zeroPoint));
  }
  return Int8Array.from(s, (x) => clampRound(x / info.scale + info.zeroPoint));
}

function realValues(a: MoteTypedArray | Float32Array | Int8Array, scale: number, zeroPoint: number): Float64Array {
  if (a instanceof Float32Array) return Float64Array.from(a);
  return Float64Array.from(a as ArrayLike<number>, (q) => scale * (q - zeroPoint));
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** Evaluates `model` (already loaded) on `data`. */
export function evaluateLoaded(model: MoteModel, data: Dataset, opts: EvalOptions & { build: MoteBuild }): EvalResult {
  const metric = opts.metric ?? 'accuracy';
  const total = Math.min(data.count, opts.limit ?? data.count);
  if (!(total > 0)) throw new DataSpecError(`${data.description}: no samples to evaluate`);
  if (model.inputs.length !== 1) throw new DataSpecError(`eval supports single-input models; this one takes ${model.inputs.length}`);
  const out = model.outputs[0];
  const t0 = performance.now();
  let correct = 0;
  let sqSum = 0;
  const predictions: number[] = [];
  for (let i = 0; i < total; i++) {
    const s = data.get(i);
    const where = `${data.description}, sample ${i}`;
    const y = model.run([modelInput(s.input, model.inputs[0], data.quant, where)])[0];
    if (metric === 'accuracy') {
      if (s.label === undefined) throw new DataSpecError(`${where}: no label (accuracy needs labels; use --metric mse for targets)`);
      // A label no argmax can reach would only count as a silent miss.
      if (!Number.isInteger(s.label) || s.label < 0 || s.label >= y.length) {
        throw new DataSpecError(`${where}: label ${s.label} is not a class of output '${out.name}' (${y.length} classes: 0..${y.length - 1})`);
      }
      const p = argmax(y as ArrayLike<number>);
      predictions.push(p);
      if (p === s.label) correct++;
    } else {
      const target = s.target ?? s.input;
      if (target.length !== y.length) throw new DataSpecError(`${where}: target has ${target.length} values, output '${out.name}' has ${y.length}`);
      const yr = realValues(y, out.scale, out.zeroPoint);
      const tr = target instanceof Float32Array ? Float64Array.from(target) : realValues(target, data.quant?.scale ?? model.inputs[0].scale, data.quant?.zeroPoint ?? model.inputs[0].zeroPoint);
      let e = 0;
      for (let k = 0; k < yr.length; k++) e += (yr[k] - tr[k]) ** 2;
      sqSum += e / yr.length;
    }
    opts.onProgress?.(i + 1, total);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (metric === 'accuracy') return { metric, samples: total, correct, accuracy: correct / total, predictions, build: opts.build, seconds };
  return { metric, samples: total, mse: sqSum / total, build: opts.build, seconds };
}

/** Loads `blob` on a fresh runtime of `build` and evaluates it on `data`. */
export async function evaluateBlob(blob: Uint8Array, data: Dataset, opts: EvalOptions = {}): Promise<EvalResult> {
  const build = opts.build ?? 'simd';
  const runtime = await MoteRuntime.create(build, undefined, { stream: streamsWeights(blob) });
  return evaluateLoaded(runtime.load(blob), data, { ...opts, build });
}
