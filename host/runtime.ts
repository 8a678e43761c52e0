// The JavaScript host of the Mote WASM runtime, for Node and browsers (no node: imports here;
// Node's file loading lives in node-loader.ts and is imported lazily). docs/ABI.md is the ABI.
//
//   const rt = await MoteRuntime.create('simd');
//   const model = rt.load(blobBytes);          // throws MoteError(code, runtime message)
//   const [probs] = model.run([new Float32Array(784)]);
import * as F from '../format/format.js';
import { OPCODE_NAMES } from './opcodes.js';
import { WASM_PAGE, blobMemoryOf, linearMemoryPlan } from './memory-plan.js';

export type MoteBuild = 'simd' | 'scalar';
export type MoteDType = 'f32' | 's8' | 's32' | 'u8' | 's16' | 'bool';
export type MoteTypedArray = Float32Array | Int8Array | Int32Array | Uint8Array | Int16Array;

export interface TensorInfo {
  name: string;
  dtype: MoteDType;
  shape: number[];
  /** Quantization scale (0 for float tensors). */
  scale: number;
  zeroPoint: number;
}

/** An error from the runtime: `code` is one of format.ts's ERR_* values. */
export class MoteError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'MoteError';
  }
}

const ERROR_NAMES: Record<number, string> = {
  [F.ERR_TOO_SMALL]: 'ERR_TOO_SMALL',
  [F.ERR_BAD_MAGIC]: 'ERR_BAD_MAGIC',
  [F.ERR_BAD_VERSION]: 'ERR_BAD_VERSION',
  [F.ERR_BAD_CRC]: 'ERR_BAD_CRC',
  [F.ERR_BAD_HEADER]: 'ERR_BAD_HEADER',
  [F.ERR_BAD_TENSOR]: 'ERR_BAD_TENSOR',
  [F.ERR_BAD_OP]: 'ERR_BAD_OP',
  [F.ERR_ARENA]: 'ERR_ARENA',
  [F.ERR_NOT_LOADED]: 'ERR_NOT_LOADED',
  [F.ERR_BAD_ENCODING]: 'ERR_BAD_ENCODING',
  [F.ERR_WEIGHTS_READ]: 'ERR_WEIGHTS_READ',
  [F.ERR_NOT_BUILT]: 'ERR_NOT_BUILT',
  [F.ERR_BAD_INDEX]: 'ERR_BAD_INDEX',
};

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `error ${code}`;
}

const DTYPES: Record<number, { name: MoteDType; ctor: { new (n: number): MoteTypedArray; name: string } }> = {
  [F.DTYPE_F32]: { name: 'f32', ctor: Float32Array },
  [F.DTYPE_S8]: { name: 's8', ctor: Int8Array },
  [F.DTYPE_S32]: { name: 's32', ctor: Int32Array },
  [F.DTYPE_U8]: { name: 'u8', ctor: Uint8Array },
  [F.DTYPE_S16]: { name: 's16', ctor: Int16Array },
  // One byte per element, 0 or 1.
  [F.DTYPE_BOOL]: { name: 'bool', ctor: Uint8Array },
};

/** The raw exports (docs/ABI.md). */
export interface MoteExports {
  memory: WebAssembly.Memory;
  mote_header_buffer(): number;
  mote_heap_base(): number;
  mote_blob_copy_size(): number;
  mote_blob_alloc(size: number): number;
  mote_load(): number;
  mote_run(): number;
  mote_last_error(): number;
  mote_error_message(): number;
  mote_error_message_len(): number;
  mote_format_version(): number;
  mote_has_simd(): number;
  mote_memory_bytes(): number;
  /** Bytes of prepared state built at load beyond the arena (absent in runtimes built before it). */
  mote_prepared_bytes?(): number;
  /** 0: the next mote_load prepares nothing (absent in runtimes built before it). */
  mote_set_prepare?(enabled: number): void;
  /** The most bytes of prepared state the next mote_load may keep, as a u32 (absent in runtimes built before it). */
  mote_set_prepare_budget?(bytes: number): void;
  mote_input_count(): number;
  mote_output_count(): number;
  mote_input_tensor(i: number): number;
  mote_output_tensor(i: number): number;
  mote_input_ptr(i: number): number;
  mote_output_ptr(i: number): number;
  mote_input_bytes(i: number): number;
  mote_output_bytes(i: number): number;
  mote_tensor_count(): number;
  mote_tensor_dtype(id: number): number;
  mote_tensor_rank(id: number): number;
  mote_tensor_dim(id: number, d: number): number;
  mote_tensor_scale(id: number): number;
  mote_tensor_zero_point(id: number): number;
  mote_tensor_storage(id: number): number;
  mote_tensor_ptr(id: number): number;
  mote_tensor_bytes(id: number): number;
  mote_meta_ptr(): number;
  mote_meta_len(): number;
  mote_op_count(): number;
  mote_op_opcode(i: number): number;
  mote_run_op(i: number): number;
}

/** Time of one schedule step in a profiled run. */
export interface OpTiming {
  index: number;
  /** Op name (lower-case opcode name, e.g. 'conv2d'). */
  op: string;
  /** The node's name from the blob metadata (`op<index>` without it). */
  name: string;
  ms: number;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node;
}

/** Options of MoteRuntime.create / fromModule. */
export interface MoteRuntimeOptions {
  /**
   * Use the stream build (build/mote.<build>.stream.wasm): it imports env.mote_read_weights and so
   * also loads blobs whose weights stay outside linear memory (`mote convert --weights external`);
   * this host serves the reads from the blob buffer passed to load().
   */
  stream?: boolean;
}

/** Options of MoteRuntime.load. */
export interface MoteLoadOptions {
  /**
   * The most bytes of prepared state the SIMD build may keep beyond the planned arena (a whole
   * number >= 0; default Infinity: everything it can prepare). It prepares ops in the order of
   * format/prepared.ts (conv2d, then fully_connected, then depthwise; schedule order within each)
   * until the next one does not fit; the others run their per-run paths, with the same output
   * bytes. MoteModel.preparedBytes says what it kept (<= the budget). The scalar build prepares
   * nothing either way.
   */
  prepareBudget?: number;
  /** false: prepare nothing, the same as prepareBudget 0. Default true. */
  prepare?: boolean;
  /**
   * The most bytes of linear memory the model may take once placed: the runtime's static data,
   * the blob (or its resident part), expanded weights, arena and weights scratch, rounded up to
   * whole pages (docs/ABI.md; prepared state comes on top, within prepareBudget). Like the arena a
   * TFLM host hands its interpreter: a blob whose header asks for more is refused with ERR_ARENA
   * before the runtime grows memory, and the runtime stays free for another blob. Default: no cap.
   */
  maxMemoryBytes?: number;
}

/** MoteLoadOptions as a u32 budget for mote_set_prepare_budget (0xffffffff: no limit). */
export function prepareBudgetOf(opts: MoteLoadOptions): number {
  const b = opts.prepareBudget;
  if (b === undefined) return opts.prepare === false ? 0 : 0xffffffff;
  if (typeof b !== 'number' || Number.isNaN(b) || b < 0 || (b !== Infinity && !Number.isInteger(b))) {
    throw new RangeError(`mote: prepareBudget must be a whole number of bytes >= 0 (or Infinity), got ${String(b)}`);
  }
  if (opts.prepare === false && b !== 0) throw new RangeError(`mote: prepare: false and prepareBudget ${b} disagree; give one of them`);
  return Math.min(b, 0xffffffff);
}

/** The blob keeps its weights outside linear memory (FLAG_WEIGHTS_EXTERNAL): only the stream
 * builds (MoteRuntimeOptions.stream) load it. */
export function streamsWeights(blob: Uint8Array): boolean {
  return blob.length >= F.HEADER_SIZE && (new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(F.H_FLAGS, true) & F.FLAG_WEIGHTS_EXTERNAL) !== 0;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** The module file name of a build: mote.simd.wasm, mote.scalar.stream.wasm, ... */
export function wasmFileName(build: MoteBuild, stream = false): string {
  return `mote.${build}${stream ? '.stream' : ''}.wasm`;
}

export class MoteRuntime {
  private model: MoteModel | undefined;
  private blobTaken = false;
  /** The loaded blob, kept for mote_read_weights when the runtime is a stream build. */
  private weightsSource: Uint8Array | undefined;

  private constructor(
    readonly build: MoteBuild,
    readonly exports: MoteExports,
    /** True for a stream build (it can load blobs with streamed weights). */
    readonly stream: boolean,
  ) {}

  /**
   * Instantiates a runtime. Without `wasmBytes`, Node reads build/mote.<build>.wasm from the
   * package; browsers must pass the bytes (e.g. from fetch).
   */
  static async create(build: MoteBuild = 'simd', wasmBytes?: Uint8Array | WebAssembly.Module, opts: MoteRuntimeOptions = {}): Promise<MoteRuntime> {
    if (build !== 'simd' && build !== 'scalar') throw new Error(`mote: unknown build '${String(build)}' (simd or scalar)`);
    if (wasmBytes instanceof WebAssembly.Module) return MoteRuntime.fromModule(build, wasmBytes);
    let bytes = wasmBytes;
    if (!bytes) {
      if (!isNode()) throw new Error('mote: pass the .wasm bytes to MoteRuntime.create outside Node');
      const { loadWasmFile } = await import('./node-loader.js');
      bytes = await loadWasmFile(opts.stream ? `${build}.stream` : build);
    }
    return MoteRuntime.fromModule(build, await WebAssembly.compile(bytes as BufferSource));
  }

  /**
   * A runtime from an already compiled module, synchronously (cheap: tests and servers compile the
   * .wasm once and instantiate one runtime per model).
   */
  static fromModule(build: MoteBuild, module: WebAssembly.Module): MoteRuntime {
    // The default builds import nothing (per-op timing is host-side: MoteModel.profile); the stream
    // builds import env.mote_read_weights, served from the loaded blob.
    const stream = WebAssembly.Module.imports(module).some((i) => i.module === 'env' && i.name === 'mote_read_weights');
    let runtime: MoteRuntime | undefined;
    const readWeights = (offset: number, dst: number, len: number): number => {
      const src = runtime?.weightsSource;
      const off = offset >>> 0;
      const n = len >>> 0;
      if (!src || off + n > src.length) return 1;
      new Uint8Array(runtime!.exports.memory.buffer, dst >>> 0, n).set(src.subarray(off, off + n));
      return 0;
    };
    const instance = new WebAssembly.Instance(module, stream ? { env: { mote_read_weights: readWeights } } : {});
    const ex = instance.exports as unknown as MoteExports;
    if (ex.mote_format_version() !== F.FORMAT_VERSION) {
      throw new Error(`mote: the wasm runtime reads format ${ex.mote_format_version()}, this host ${F.FORMAT_VERSION}`);
    }
    runtime = new MoteRuntime(build, ex, stream);
    return runtime;
  }

  /** The blob of a stream build (served to mote_read_weights; its metadata stays outside too). */
  streamedBlob(): Uint8Array | undefined {
    return this.weightsSource;
  }

  /** Current size of the instance's linear memory in bytes. */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** The runtime's last error message. */
  errorMessage(): string {
    const ex = this.exports;
    const bytes = new Uint8Array(ex.memory.buffer, ex.mote_error_message(), ex.mote_error_message_len());
    return new TextDecoder().decode(bytes);
  }

  /** Refuses a blob whose header asks for more linear memory than `cap` (MoteLoadOptions.maxMemoryBytes). */
  private checkMemoryCap(blob: Uint8Array, cap: number): void {
    if (typeof cap !== 'number' || Number.isNaN(cap) || cap < 0 || (cap !== Infinity && !Number.isInteger(cap))) {
      throw new RangeError(`mote: maxMemoryBytes must be a whole number of bytes >= 0 (or Infinity), got ${String(cap)}`);
    }
    // A blob too short for its header is the runtime's to refuse (with its own message).
    if (blob.length < F.HEADER_SIZE) return;
    const ex = this.exports;
    const need = blobMemoryOf(blob);
    const plan = linearMemoryPlan(need, { initialPages: ex.memory.buffer.byteLength / WASM_PAGE, heapBase: ex.mote_heap_base() });
    if (plan.bytes > cap) {
      const parts = [`blob ${plan.residentBytes}`, `expanded weights ${need.expandedSize ?? 0}`, `arena ${need.arenaSize}`, `weights scratch ${need.scratchSize ?? 0}`];
      throw new MoteError(F.ERR_ARENA, `mote: the blob's header asks for ${plan.bytes} bytes of linear memory (${parts.join(', ')}, after ${plan.blobAt} of runtime data), more than maxMemoryBytes ${cap}`);
    }
  }

  /** Validates and loads a blob. One model per runtime instance. */
  load(blob: Uint8Array, opts: MoteLoadOptions = {}): MoteModel {
    const budget = prepareBudgetOf(opts); // bad options throw before the runtime takes the blob
    if (!(blob instanceof Uint8Array)) throw new TypeError(`mote: load takes the blob as a Uint8Array, got ${describeValue(blob)}`);
    if (this.blobTaken) {
      throw new MoteError(F.ERR_ARENA, `mote: this runtime already ${this.model ? 'holds a model' : 'took a blob that failed to load'}; create another runtime`);
    }
    const ex = this.exports;
    if (opts.maxMemoryBytes !== undefined) this.checkMemoryCap(blob, opts.maxMemoryBytes);
    this.blobTaken = true;
    // The header first (it sizes the one memory.grow), then the blob into the reserved memory: all
    // of it, or only the part before streamed weights, which the runtime reads through the import.
    const header = blob.subarray(0, Math.min(blob.length, F.HEADER_SIZE));
    new Uint8Array(ex.memory.buffer, ex.mote_header_buffer(), F.HEADER_SIZE).fill(0).set(header);
    const ptr = ex.mote_blob_alloc(blob.length);
    if (ptr === 0) {
      const code = ex.mote_last_error();
      // This host copied the blob's own first bytes into the header buffer, so the runtime's hint
      // for a C host that left that buffer zero does not apply: say what the blob starts with.
      const why = code === F.ERR_BAD_MAGIC ? `bad magic: not a .mote blob (it starts with ${hexBytes(header.subarray(0, 4))}; a .mote blob starts with 'MOTE')` : this.errorMessage();
      throw new MoteError(code, `mote: cannot load blob (${errorName(code)}): ${why}`);
    }
    if (this.stream) this.weightsSource = blob.slice(); // a copy: the caller may reuse its buffer
    new Uint8Array(ex.memory.buffer, ptr, ex.mote_blob_copy_size()).set(blob.subarray(0, ex.mote_blob_copy_size()));
    if (budget !== 0xffffffff) {
      if (ex.mote_set_prepare_budget) ex.mote_set_prepare_budget(budget | 0);
      else if (budget === 0 && ex.mote_set_prepare) ex.mote_set_prepare(0);
      else throw new Error(`mote: this runtime predates mote_set_prepare${budget === 0 ? '' : '_budget'}; it cannot load with a prepared-state budget of ${budget} bytes`);
    }
    const rc = ex.mote_load();
    if (rc !== F.OK) throw new MoteError(rc, `mote: cannot load blob (${errorName(rc)}): ${this.errorMessage()}`);
    this.model = new MoteModel(this, new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(F.H_ARENA_SIZE, true));
    return this.model;
  }
}

/** The metadata bytes: in linear memory, or (streamed weights: it stays outside) in the blob itself. */
function metaBytes(ex: MoteExports, blob: Uint8Array | undefined): Uint8Array {
  const len = ex.mote_meta_len();
  if (len > 0) return new Uint8Array(ex.memory.buffer, ex.mote_meta_ptr(), len);
  if (!blob || blob.length < F.HEADER_SIZE) return new Uint8Array(0);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const off = dv.getUint32(F.H_META_OFFSET, true);
  return blob.subarray(off, off + dv.getUint32(F.H_META_SIZE, true)); // validated by mote_load
}

function readMeta(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  try {
    const text = new TextDecoder().decode(bytes);
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {}; // metadata is informational; names fall back to input0/output0
  }
}

function metaName(meta: Record<string, unknown>, key: 'inputs' | 'outputs', i: number): string {
  const list = meta[key];
  const entry = Array.isArray(list) ? (list[i] as { name?: unknown } | undefined) : undefined;
  return typeof entry?.name === 'string' ? entry.name : `${key === 'inputs' ? 'input' : 'output'}${i}`;
}

export class MoteModel {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** The blob's metadata JSON (sourceName, labels, converter, ...). */
  readonly meta: Record<string, unknown>;
  /** The blob's planned arena (activations and kernel scratch), bytes. */
  readonly arenaBytes: number;
  /**
   * Bytes the runtime prepared at load beyond the arena and keeps across runs (format/prepared.ts:
   * the SIMD build's per-op tables, within MoteLoadOptions.prepareBudget; 0 on the scalar build).
   */
  readonly preparedBytes: number;
  private readonly inputIds: number[];
  private readonly outputIds: number[];
  // Each input's and output's place in linear memory and its dtype's array type, fixed at load;
  // `views` are typed arrays over those places, made again only if the memory's buffer changes
  // (a grow detaches it), so a run allocates nothing on the host side.
  private readonly inPorts: Port[];
  private readonly outPorts: Port[];
  private viewsOf: ArrayBuffer | null = null;
  private inViews: MoteTypedArray[] = [];
  private outViews: MoteTypedArray[] = [];

  constructor(private readonly runtime: MoteRuntime, arenaBytes: number) {
    const ex = runtime.exports;
    this.meta = readMeta(metaBytes(ex, runtime.streamedBlob()));
    this.arenaBytes = arenaBytes;
    this.preparedBytes = ex.mote_prepared_bytes?.() ?? 0;
    this.inputIds = Array.from({ length: ex.mote_input_count() }, (_, i) => ex.mote_input_tensor(i));
    this.outputIds = Array.from({ length: ex.mote_output_count() }, (_, i) => ex.mote_output_tensor(i));
    this.inputs = this.inputIds.map((id, i) => this.info(id, metaName(this.meta, 'inputs', i)));
    this.outputs = this.outputIds.map((id, i) => this.info(id, metaName(this.meta, 'outputs', i)));
    const port = (id: number, ptr: number, bytes: number): Port => {
      const ctor = DTYPES[ex.mote_tensor_dtype(id)].ctor as PortCtor;
      return { ctor, ptr: ptr >>> 0, bytes, length: bytes / ctor.BYTES_PER_ELEMENT };
    };
    this.inPorts = this.inputIds.map((id, i) => port(id, ex.mote_input_ptr(i), this.inputs[i].shape.reduce((a, b) => a * b, 1) * (DTYPES[ex.mote_tensor_dtype(id)].ctor as PortCtor).BYTES_PER_ELEMENT));
    this.outPorts = this.outputIds.map((id, i) => port(id, ex.mote_output_ptr(i), ex.mote_output_bytes(i)));
  }

  /** Typed views of the inputs and outputs over the current memory buffer. */
  private views(): void {
    // A grow detaches the old buffer (byteLength 0); reading memory.buffer on every run cost ~40 ns
    // (a getter call), as much as copying ad's 640-byte input and output.
    if (this.viewsOf !== null && this.viewsOf.byteLength !== 0) return;
    const buf = this.runtime.exports.memory.buffer;
    // A tensor whose address is not a multiple of its element size gets a byte view.
    const view = (p: Port) => (p.ptr % p.ctor.BYTES_PER_ELEMENT === 0 ? new p.ctor(buf, p.ptr, p.length) : new Uint8Array(buf, p.ptr, p.bytes));
    this.inViews = this.inPorts.map(view);
    this.outViews = this.outPorts.map(view);
    this.viewsOf = buf;
  }

  private info(id: number, name: string): TensorInfo {
    const ex = this.runtime.exports;
    const rank = ex.mote_tensor_rank(id);
    return {
      name,
      dtype: DTYPES[ex.mote_tensor_dtype(id)].name,
      shape: Array.from({ length: rank }, (_, d) => ex.mote_tensor_dim(id, d)),
      scale: ex.mote_tensor_scale(id),
      zeroPoint: ex.mote_tensor_zero_point(id),
    };
  }

  private writeInputs(inputs: readonly MoteTypedArray[]): void {
    if (!Array.isArray(inputs)) {
      throw new TypeError(`mote: pass the inputs as an array of ${this.inputs.length} typed array(s) (${this.inputs.map((t) => t.name).join(', ')}), got ${describeValue(inputs)}`);
    }
    if (inputs.length !== this.inputs.length) {
      throw new Error(`mote: the model takes ${this.inputs.length} input(s) (${this.inputs.map((t) => t.name).join(', ')}), got ${inputs.length}`);
    }
    this.views();
    for (let i = 0; i < inputs.length; i++) {
      const data = inputs[i], port = this.inPorts[i];
      if (!(data instanceof port.ctor) || data.length !== port.length) {
        const info = this.inputs[i];
        const got = describeValue(data);
        throw new Error(`mote: input ${i} ('${info.name}') must be ${port.ctor.name}(${port.length}) for shape [${info.shape}] ${info.dtype}, got ${got}`);
      }
      copyInto(this.inViews[i], data);
    }
  }

  private execute(): void {
    const ex = this.runtime.exports;
    const rc = ex.mote_run();
    if (rc !== F.OK) throw new MoteError(rc, `mote: run failed (${errorName(rc)}): ${this.runtime.errorMessage()}`);
  }

  /** Runs the model; inputs in their native dtypes; returns copies of the outputs. */
  run(inputs: readonly MoteTypedArray[]): MoteTypedArray[] {
    this.writeInputs(inputs);
    this.execute();
    return this.readOutputs();
  }

  private readOutputs(): MoteTypedArray[] {
    this.views();
    return this.outPorts.map((port, i) => {
      const out = new port.ctor(port.length);
      copyInto(out, this.outViews[i]);
      return out;
    });
  }

  /**
   * Runs the model one op at a time, timing each with the host clock; returns the outputs (as run)
   * and the per-op times. Same results as run().
   */
  profile(inputs: readonly MoteTypedArray[]): { outputs: MoteTypedArray[]; ops: OpTiming[] } {
    const ex = this.runtime.exports;
    this.writeInputs(inputs);
    const names = Array.isArray(this.meta.ops) ? (this.meta.ops as unknown[]) : [];
    const ops: OpTiming[] = [];
    const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
    for (let i = 0, n = ex.mote_op_count(); i < n; i++) {
      const t0 = now();
      const rc = ex.mote_run_op(i);
      const ms = now() - t0;
      if (rc !== F.OK) throw new MoteError(rc, `mote: op ${i} failed (${errorName(rc)}): ${this.runtime.errorMessage()}`);
      const code = ex.mote_op_opcode(i);
      ops.push({ index: i, op: OPCODE_NAMES[code] ?? `opcode ${code}`, name: typeof names[i] === 'string' ? (names[i] as string) : `op${i}`, ms });
    }
    return { outputs: this.readOutputs(), ops };
  }

  /** Like run, but writes the outputs into caller-provided arrays (no allocation). */
  runInto(inputs: readonly MoteTypedArray[], outputs: MoteTypedArray[]): void {
    if (!Array.isArray(outputs)) throw new TypeError(`mote: runInto takes the output arrays as an array, got ${describeValue(outputs)}`);
    if (outputs.length !== this.outputs.length) throw new Error(`mote: the model has ${this.outputs.length} output(s), got ${outputs.length} arrays`);
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i], port = this.outPorts[i];
      if (!(o instanceof port.ctor) || o.length !== port.length) {
        throw new Error(`mote: output array ${i} ('${this.outputs[i].name}') must be ${this.outputs[i].dtype}[${this.outputs[i].shape}]`);
      }
    }
    this.writeInputs(inputs);
    this.execute();
    this.views();
    for (let i = 0; i < outputs.length; i++) copyInto(outputs[i], this.outViews[i]);
  }
}

type PortCtor = { new (n: number): MoteTypedArray; new (buf: ArrayBuffer, offset: number, length: number): MoteTypedArray; name: string; BYTES_PER_ELEMENT: number };
interface Port {
  ctor: PortCtor;
  /** Byte address in linear memory. */
  ptr: number;
  bytes: number;
  /** Elements. */
  length: number;
}

/** What a caller passed, for messages: "Float32Array(10)", "ArrayBuffer", "null", "number". */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const name = (v as object).constructor?.name ?? 'object';
  const n = (v as { length?: unknown }).length;
  return typeof n === 'number' ? `${name}(${n})` : name;
}

/** dst.set(src) for arrays of one type; through byte views when one side is a byte view of the other. */
function copyInto(dst: MoteTypedArray, src: MoteTypedArray): void {
  if (dst.constructor === src.constructor) (dst as Uint8Array).set(src as Uint8Array);
  else new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
}
