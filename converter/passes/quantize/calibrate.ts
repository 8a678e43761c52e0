// Calibration: runs the float graph through the reference interpreter on each sample and collects
// the range of every f32 tensor it computes (graph inputs included).
import type { Graph, TensorData } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import { runGraph } from '../../reference/interpreter.js';
import { type Range, type RangeCollector, type RangeMethod, makeCollector } from './ranges.js';

export const NO_CALIBRATION_MESSAGE = 'int8 needs calibration data: pass --calibration …';

export interface CalibrationOptions {
  method: RangeMethod;
  percentile?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Checks the samples fit the graph's inputs; an error naming the sample and input otherwise. */
export function checkSamples(g: Graph, samples: TensorData[][] | undefined): asserts samples is TensorData[][] {
  if (!samples || samples.length === 0) throw new Error(NO_CALIBRATION_MESSAGE);
  samples.forEach((sample, s) => {
    if (!Array.isArray(sample) || sample.length !== g.inputs.length) {
      throw new Error(`calibration sample ${s}: expected ${g.inputs.length} input array(s) (${g.inputs.join(', ')}), got ${Array.isArray(sample) ? sample.length : typeof sample}`);
    }
    sample.forEach((data, i) => {
      const t = g.tensor(g.inputs[i]);
      if (!(data instanceof Float32Array)) {
        throw new Error(`calibration sample ${s}, input '${t.name}': expected a Float32Array, got ${data?.constructor?.name ?? typeof data}`);
      }
      if (data.length !== numel(t.shape)) {
        throw new Error(`calibration sample ${s}, input '${t.name}': expected ${numel(t.shape)} values for shape [${t.shape}], got ${data.length}`);
      }
      // A NaN or infinity would surface later as a non-finite range of some tensor downstream.
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`calibration sample ${s}, input '${t.name}': value ${bad} is ${data[bad]} (calibration data must be finite)`);
    });
  });
}

/** Ranges of every f32 tensor observed while running the float graph on `samples`. */
export function calibrate(g: Graph, samples: TensorData[][], opts: CalibrationOptions): Map<string, Range> {
  checkSamples(g, samples);
  const collectors = new Map<string, RangeCollector>();
  const observe = (name: string, value: { data: TensorData }) => {
    if (!(value.data instanceof Float32Array)) return;
    let c = collectors.get(name);
    if (!c) {
      c = makeCollector(opts.method, opts.percentile);
      collectors.set(name, c);
    }
    c.add(value.data);
  };
  samples.forEach((sample, s) => {
    try {
      runGraph(g, sample, { observe });
    } catch (e) {
      throw new Error(`calibration sample ${s}: the float graph failed: ${(e as Error).message}`);
    }
    opts.onProgress?.(s + 1, samples.length);
  });
  const ranges = new Map<string, Range>();
  for (const [name, c] of collectors) ranges.set(name, c.range());
  return ranges;
}
