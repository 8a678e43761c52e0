// The TFLite 2.x WebAssembly runtime shipped inside @tensorflow/tfjs-tflite, loaded directly in Node
// (no tfjs, no fetch): the emscripten factory with `wasmBinary`, then the embind class
// TFLiteWebModelRunner. A peer for tests (outputs) and for `npm run bench` (timings).
//
//   const tfl = await loadTfliteWasm({ simd: true });
//   const runner = tfl.createRunner(modelBytes);
//   const [y] = runner.run([new Int8Array(490)]);
//
// What the glue offers (read from tflite_web_api_cc*.js and the embind names in the .wasm):
// CreateFromBufferAndOptions(ptr, size, { numThreads, enableProfiling, maxProfilingBufferEntries }).
// There is no option to turn the XNNPACK delegate off: both the SIMD and the non-SIMD build apply it
// by default ("Created TensorFlow Lite XNNPACK delegate for CPU"); ops XNNPACK does not take run on
// TFLite's builtin kernels. `xnnpackNodes` in the profile tells which nodes were delegated.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type TfliteDType = 'int8' | 'uint8' | 'bool' | 'int16' | 'int32' | 'uint32' | 'float32' | 'float64';
export type TfliteTypedArray = Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface TfliteTensorInfo {
  name: string;
  dtype: TfliteDType;
  shape: number[];
}

export interface TfliteProfileItem {
  nodeType: string;
  nodeName: string;
  ms: number;
}

export interface TfliteRunner {
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
  /** Copies the inputs in, invokes, returns copies of the outputs. */
  run(inputs: readonly TfliteTypedArray[]): TfliteTypedArray[];
  /** Like run, but copies the outputs into caller-provided arrays (no allocation: for timing). */
  runInto(inputs: readonly TfliteTypedArray[], outputs: TfliteTypedArray[]): void;
  /** Per-node times of the last invoke (only with `profile: true`). */
  profile(): TfliteProfileItem[];
  /** Frees the interpreter and the model buffer inside the wasm heap. */
  dispose(): void;
}

export interface TfliteWasm {
  simd: boolean;
  /** Path and size of the .wasm file this runtime came from. */
  wasmPath: string;
  wasmBytes: number;
  createRunner(model: Uint8Array, opts?: { profile?: boolean }): TfliteRunner;
}

// ---- the parts of the embind surface used here -----------------------------------------------------
interface EmVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface EmTensorInfo {
  id: number;
  dataType: TfliteDType;
  name: string;
  shape: string;
  data(): TfliteTypedArray;
}
interface EmRunner {
  GetInputs(): EmVector<EmTensorInfo>;
  GetOutputs(): EmVector<EmTensorInfo>;
  Infer(): boolean;
  GetProfilingResults(): EmVector<{ nodeType: string; nodeName: string; nodeExecMs: number }>;
  delete(): void;
}
interface EmStatusOr<T> {
  ok(): boolean;
  value(): T;
  errorMessage(): string;
  delete(): void;
}
interface EmModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      size: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): EmStatusOr<EmRunner>;
  };
}
type Factory = (opts: { wasmBinary: Uint8Array; print?(s: string): void; printErr?(s: string): void }) => Promise<EmModule>;

const require = createRequire(import.meta.url);

/**
 * Desktop TFLite (this wasm build too) refuses person_detect.tflite: its rank-1 bias tensors carry
 * quantized_dimension 3 ("must be in range [0, 1)"), copied from the 4-D weights; TFLM ignores it.
 * For a rank-1 tensor (or a single scale) the only meaningful dimension is 0, so a copy with it set
 * to 0 is the same model for every runtime. Returns the patched copy and how many tensors changed
 * (0: the input is returned as is).
 */
export function fixQuantizedDimension(model: Uint8Array): { bytes: Uint8Array; patched: number } {
  const out = model.slice();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const u32 = (p: number) => {
    if (p < 0 || p + 4 > out.length) throw new Error(`tflite-wasm: .tflite offset ${p} is outside the file (${out.length} bytes)`);
    return dv.getUint32(p, true);
  };
  // Position of field `id` of the table at `t`, or 0 when absent (FlatBuffers vtable lookup).
  const field = (t: number, id: number) => {
    const vt = t - dv.getInt32(t, true);
    const vtSize = dv.getUint16(vt, true);
    const vo = 4 + 2 * id;
    const off = vo < vtSize ? dv.getUint16(vt + vo, true) : 0;
    return off ? t + off : 0;
  };
  const deref = (p: number) => p + u32(p);
  const vector = (p: number) => {
    const at = deref(p);
    return { len: u32(at), first: at + 4 };
  };
  let patched = 0;
  const root = deref(0);
  const subgraphsField = field(root, 2);
  if (!subgraphsField) return { bytes: model, patched: 0 };
  const subgraphs = vector(subgraphsField);
  for (let s = 0; s < subgraphs.len; s++) {
    const sg = deref(subgraphs.first + 4 * s);
    const tensorsField = field(sg, 0);
    if (!tensorsField) continue;
    const tensors = vector(tensorsField);
    for (let i = 0; i < tensors.len; i++) {
      const tensor = deref(tensors.first + 4 * i);
      const quantField = field(tensor, 4);
      if (!quantField) continue;
      const q = deref(quantField);
      const dimField = field(q, 6);
      if (!dimField) continue;
      const scaleField = field(q, 2);
      const scales = scaleField ? vector(scaleField).len : 0;
      const shapeField = field(tensor, 0);
      const shape = shapeField ? vector(shapeField) : { len: 0, first: 0 };
      const rank = shape.len;
      const dim = dv.getInt32(dimField, true);
      const onlyDimZero = scales <= 1 || (rank === 1 && dv.getInt32(shape.first, true) === scales);
      if (dim !== 0 && dim >= rank && onlyDimZero) {
        dv.setInt32(dimField, 0, true);
        patched++;
      }
    }
  }
  return patched ? { bytes: out, patched } : { bytes: model, patched: 0 };
}

/** Directory of the emscripten builds inside the installed package. */
export function tfliteWasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

const loaded = new Map<boolean, Promise<TfliteWasm>>();

/** Loads (once per build) the SIMD or the non-SIMD single-threaded TFLite wasm runtime. */
export function loadTfliteWasm(opts: { simd: boolean }): Promise<TfliteWasm> {
  let p = loaded.get(opts.simd);
  if (!p) {
    p = instantiate(opts.simd);
    loaded.set(opts.simd, p);
  }
  return p;
}

function vectorToArray<T>(v: EmVector<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  v.delete();
  return out;
}

async function instantiate(simd: boolean): Promise<TfliteWasm> {
  const base = join(tfliteWasmDir(), simd ? 'tflite_web_api_cc_simd' : 'tflite_web_api_cc');
  const wasmPath = `${base}.wasm`;
  const wasmBinary = readFileSync(wasmPath);
  const factory = require(`${base}.js`) as Factory;
  // The runtime prints INFO lines (e.g. the XNNPACK notice) on stderr; keep the last messages to
  // explain a failure instead of printing them.
  const messages: string[] = [];
  const keep = (s: string) => {
    messages.push(s);
    if (messages.length > 20) messages.shift();
  };
  const mod = await factory({ wasmBinary, print: keep, printErr: keep });

  function createRunner(model: Uint8Array, ropts: { profile?: boolean } = {}): TfliteRunner {
    if (!(model instanceof Uint8Array) || model.length < 8) throw new Error('tflite-wasm: model must be the bytes of a .tflite file');
    messages.length = 0;
    const ptr = mod._malloc(model.length);
    mod.HEAPU8.set(model, ptr);
    const status = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, {
      numThreads: 1,
      enableProfiling: !!ropts.profile,
      maxProfilingBufferEntries: 1024,
    });
    if (!status.ok()) {
      const why = status.errorMessage();
      status.delete();
      mod._free(ptr);
      const log = messages.filter((m) => !m.startsWith('INFO:')).join(' | ');
      throw new Error(`tflite-wasm (${simd ? 'simd' : 'no simd'}): cannot create the interpreter: ${why}${log ? ` (${log})` : ''}`);
    }
    const runner = status.value();
    status.delete();
    // The tensor info objects stay valid; their data() views must be re-taken after each call
    // because the wasm heap may have grown (which detaches old views).
    const inputInfos = vectorToArray(runner.GetInputs());
    const outputInfos = vectorToArray(runner.GetOutputs());
    const describe = (t: EmTensorInfo): TfliteTensorInfo => ({
      name: t.name,
      dtype: t.dataType,
      shape: t.shape === '' ? [] : t.shape.split(',').map(Number),
    });
    const inputs = inputInfos.map(describe);
    const outputs = outputInfos.map(describe);
    let disposed = false;

    const writeInputs = (xs: readonly TfliteTypedArray[]) => {
      if (disposed) throw new Error('tflite-wasm: runner used after dispose()');
      if (xs.length !== inputInfos.length) throw new Error(`tflite-wasm: the model takes ${inputInfos.length} input(s), got ${xs.length}`);
      xs.forEach((x, i) => {
        const view = inputInfos[i].data();
        if (x.constructor !== view.constructor || x.length !== view.length) {
          throw new Error(`tflite-wasm: input ${i} ('${inputs[i].name}') must be ${view.constructor.name}(${view.length}) for ${inputs[i].dtype}[${inputs[i].shape}], got ${x.constructor.name}(${x.length})`);
        }
        (view as Int8Array).set(x as Int8Array);
      });
    };
    const invoke = () => {
      if (!runner.Infer()) throw new Error(`tflite-wasm: inference failed (${messages.slice(-3).join(' | ')})`);
    };

    return {
      inputs,
      outputs,
      run(xs) {
        writeInputs(xs);
        invoke();
        return outputInfos.map((t) => t.data().slice());
      },
      runInto(xs, ys) {
        writeInputs(xs);
        invoke();
        outputInfos.forEach((t, i) => (ys[i] as Int8Array).set(t.data() as Int8Array));
      },
      profile() {
        return vectorToArray(runner.GetProfilingResults()).map((p) => ({ nodeType: p.nodeType, nodeName: p.nodeName, ms: p.nodeExecMs }));
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        runner.delete();
        mod._free(ptr);
      },
    };
  }

  return { simd, wasmPath, wasmBytes: wasmBinary.length, createRunner };
}
