// Mote as a bench engine: the case's model converted once with convert() (int8 TFLite as it is;
// float ONNX with PTQ), then run on the SIMD and the scalar runtime through host/runtime.ts.
// Conversion facts (blob size, arena, convert time) are kept for the report.
import { convert } from '../../converter/convert.js';
import type { Graph } from '../../converter/ir/graph.js';
import { numel } from '../../converter/ir/graph.js';
import { loadWasmFile } from '../../host/node-loader.js';
import { MoteRuntime, type MoteBuild, type MoteTypedArray, type TensorInfo } from '../../host/runtime.js';
import type { BenchCase, Engine, PreparedEngine } from './types.js';

export interface MoteConversion {
  /** The converted graph (int8 parameters set), for the per-op profile. */
  graph: Graph;
  blob: Uint8Array;
  convertMs: number;
  /** How the blob was made. */
  pipeline: string;
  macs: number;
  /** MACs of each step of the blob's schedule, in order. */
  stepMacs: number[];
  /** Bytes of int8 constants (weights, LUTs): the floor any int8 format must store. */
  int8WeightBytes: number;
  arenaBytes: number;
  arenaLowerBound: number;
}

function int8ConstantBytes(g: Graph): number {
  let n = 0;
  for (const t of g.tensors.values()) if (t.data && t.dtype === 's8') n += numel(t.shape);
  return n;
}

function convertCase(c: BenchCase): MoteConversion {
  const t0 = performance.now();
  // The user's path: convert() takes the int8 .tflite files as they are (their own scales, TFLM's
  // integer parameters) and quantizes the float ONNX model with the calibration images.
  const r = c.tflite
    ? convert(c.tflite.bytes, c.tflite.name, { precision: 'int8', ...(c.weightLayout ? { weightLayout: c.weightLayout } : {}) })
    : c.onnx
      ? convert(c.onnx.bytes, c.onnx.name, { precision: 'int8', calibration: c.onnx.calibration.map((x) => [x]) })
      : undefined;
  if (!r) throw new Error(`case ${c.id} has neither a .tflite nor an ONNX model`);
  return {
    graph: r.graph,
    blob: r.blob,
    convertMs: performance.now() - t0,
    pipeline: c.tflite ? `convert(int8, the file's own quantization${c.weightLayout ? `, weightLayout ${c.weightLayout}` : ''})` : `convert(int8, ${c.onnx!.calibration.length} calibration samples)`,
    macs: r.report.totalMacs,
    stepMacs: r.report.macs.map((m) => m.macs),
    int8WeightBytes: int8ConstantBytes(r.graph),
    arenaBytes: r.report.arenaBytes,
    arenaLowerBound: r.report.arenaLowerBound,
  };
}

const ARRAY_OF = { f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array, bool: Uint8Array } as const;

const conversions = new Map<string, MoteConversion | Error>();

/** The case's conversion (done once, shared by both builds), or the error that stopped it. */
export function moteConversion(c: BenchCase): MoteConversion | Error {
  let r = conversions.get(c.id);
  if (!r) {
    try {
      r = convertCase(c);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    conversions.set(c.id, r);
  }
  return r;
}

const modules = new Map<MoteBuild, Promise<WebAssembly.Module>>();

/** The compiled runtime of one build (compiled once; each model gets its own instance). */
export function moteModule(build: MoteBuild): Promise<WebAssembly.Module> {
  let m = modules.get(build);
  if (!m) {
    m = loadWasmFile(build).then((bytes) => WebAssembly.compile(bytes as BufferSource));
    modules.set(build, m);
  }
  return m;
}

/** Median time of `load(blob)` (validation included) on fresh instances, ms. */
export async function moteLoadMs(build: MoteBuild, blob: Uint8Array, times: number): Promise<number> {
  const module = await moteModule(build);
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const rt = MoteRuntime.fromModule(build, module);
    const t0 = performance.now();
    rt.load(blob);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

/**
 * The case input in the dtype the blob takes. An int8 blob made from a float ONNX model takes its
 * input already quantized (as the int8 .tflite models do), so the float image is quantized here,
 * once, outside the timed runs.
 */
function moteInput(c: BenchCase, info: TensorInfo): MoteTypedArray {
  if (c.tflite) return c.tflite.input;
  const x = c.onnx!.input;
  if (info.dtype === 'f32') return x;
  if (info.dtype !== 's8') throw new Error(`Mote input '${info.name}' is ${info.dtype}; the bench feeds f32 or s8`);
  return Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / info.scale) + info.zeroPoint)));
}

export function moteEngine(build: MoteBuild): Engine {
  return {
    id: `mote-${build}`,
    label: `Mote ${build === 'simd' ? 'SIMD' : 'scalar'}`,
    isa: build,
    skipReason: (c) => (c.tflite || c.onnx ? undefined : 'no model Mote can take'),
    async prepare(c): Promise<PreparedEngine> {
      const conv = moteConversion(c);
      if (conv instanceof Error) throw new Error(`convert: ${conv.message}`);
      const module = await moteModule(build);
      const rt = MoteRuntime.fromModule(build, module);
      const t0 = performance.now();
      const model = rt.load(conv.blob);
      const loadMs = performance.now() - t0;
      const inputs = [moteInput(c, model.inputs[0])];
      const outputs = model.outputs.map((o) => new ARRAY_OF[o.dtype](o.shape.reduce((a, b) => a * b, 1)));
      return {
        async: false,
        loadMs,
        run: () => model.runInto(inputs, outputs),
        output: () => outputs[0],
        dispose() {},
      };
    },
  };
}
