// What the harness needs from any engine: a prepared model it can run again and again, each run
// copying the case's inputs in and the outputs out (the same work for every engine).

/** One benchmark case: a model in the forms the engines take, and one input for each form. */
export interface BenchCase {
  id: string;
  title: string;
  group: 'mlperf' | 'tflm' | 'onnx' | 'single-op';
  /** A .tflite file (int8): Mote imports it, the TFLite wasm peers run it. */
  tflite?: { bytes: Uint8Array; input: Int8Array; name: string };
  /** An ONNX file (float): Mote converts it with PTQ, ONNX Runtime runs it as is. */
  onnx?: { bytes: Uint8Array; input: Float32Array; shape: number[]; name: string; calibration: Float32Array[] };
  /** Multiply-accumulates of one inference, when known (conv/dw/fc/matmul/pool/mean/mul). */
  macs?: number;
  /** Expected output of Mote for `input` (TFLM reference kernels), when the shared refs have it. */
  tflmRef?: Int8Array;
  /** Expected output of the TFLite wasm runtime for `input` (tflm_refs/*_tflite_xnnpack). */
  xnnpackRef?: Int8Array;
  /** Mote's convert() weight layout when not its default (generated single-op cases). */
  weightLayout?: 'packed' | 'plain';
  /** Notes shown with the row (e.g. a patched file). */
  notes: string[];
}

export interface PreparedEngine {
  /** One inference on the case input. Sync engines return undefined. */
  run(): void | Promise<void>;
  /** True when run() returns a promise (ONNX Runtime). */
  async: boolean;
  /** The outputs of the last run (first output only). */
  output(): ArrayLike<number>;
  /** Time to create the session / load the model, ms (one measurement). */
  loadMs: number;
  dispose(): void | Promise<void>;
}

export interface Engine {
  id: string;
  label: string;
  /** Which measured int8 peak a result is a fraction of ('none': float or native engines). */
  isa: 'simd' | 'scalar' | 'none';
  /** Why the engine cannot run this case, or undefined when it can. */
  skipReason(c: BenchCase): string | undefined;
  prepare(c: BenchCase): Promise<PreparedEngine>;
}
