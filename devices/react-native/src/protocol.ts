// The message protocol between a React Native app and the Mote page inside its WebView.
// Both sides import this file: the app (MoteClient) and the page (webview/engine.ts). It has no
// dependencies, so it runs in Hermes, JavaScriptCore, browsers and Node alike.
//
// react-native-webview only carries strings, so every message is one JSON text, and tensor bytes
// travel as base64 (little-endian, the layout of JavaScript typed arrays on every platform RN
// supports). Every request carries an `id`; the page answers it with exactly one response with the
// same `id` (a result or an `error`). The page also sends one unsolicited `ready` message (id 0).
//
//   app  → page: load | run | profile | unload
//   page → app : ready | loaded | outputs | profile | unloaded | error

/** Every message carries this marker, so unrelated postMessage traffic is ignored, not misread. */
export const PROTOCOL = 'mote/1';

export type MoteDType = 'f32' | 's8' | 's32' | 'u8' | 's16' | 'bool';
export type MoteBuild = 'simd' | 'scalar';
/** 'auto': SIMD when the WebView's engine validates a SIMD module, else scalar. */
export type BuildChoice = 'auto' | MoteBuild;
export type MoteTypedArray = Float32Array | Int8Array | Int32Array | Uint8Array | Int16Array;

export interface TensorInfo {
  name: string;
  dtype: MoteDType;
  shape: number[];
  /** Quantization scale (0 for float tensors). */
  scale: number;
  zeroPoint: number;
}

/** A tensor on the wire: its bytes as base64. */
export interface WireTensor {
  dtype: MoteDType;
  shape: number[];
  data: string;
}

export interface LoadRequest {
  type: 'load';
  id: number;
  /** The .mote blob, base64. */
  blob: string;
  /** Handle to refer to the model later; defaults to `model<id>`. Loading an existing handle replaces it. */
  handle?: string;
  /** Name used in profiles (file name); defaults to the handle. */
  name?: string;
  build?: BuildChoice;
}
export interface RunRequest {
  type: 'run';
  id: number;
  handle: string;
  inputs: WireTensor[];
}
export interface ProfileRequest {
  type: 'profile';
  id: number;
  handle: string;
  inputs: WireTensor[];
  /** Inferences to time (1..100, default 1); the outputs are those of the last one. */
  runs?: number;
}
export interface UnloadRequest {
  type: 'unload';
  id: number;
  handle: string;
}
export type MoteRequest = LoadRequest | RunRequest | ProfileRequest | UnloadRequest;
/** A request before its id is assigned (each member of the union without `id`). */
export type MoteRequestBody = MoteRequest extends infer R ? (R extends MoteRequest ? Omit<R, 'id'> : never) : never;

export interface ReadyMessage {
  type: 'ready';
  id: 0;
  /** Whether the engine validated the SIMD feature-detection module (after any forced override). */
  simd: boolean;
  /** Page timings in ms: base64 decode and compile of the default build, and page start → ready. */
  timings: { decodeMs: number; compileMs: number; readyMs: number };
}
export interface LoadedResponse {
  type: 'loaded';
  id: number;
  handle: string;
  build: MoteBuild;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  meta: Record<string, unknown>;
}
export interface OutputsResponse {
  type: 'outputs';
  id: number;
  outputs: WireTensor[];
  /** Wall time of the inference in microseconds (the page's clock). */
  t_us: number;
}
export interface ProfileResponse {
  type: 'profile';
  id: number;
  outputs: WireTensor[];
  /** The per-op profile in the JSON-lines format of docs/PROFILE.md. */
  jsonl: string;
}
export interface UnloadedResponse {
  type: 'unloaded';
  id: number;
  handle: string;
}
/**
 * A failed request. `code` is a runtime error name (ERR_BAD_CRC, ...) or one of the protocol's:
 * BAD_MESSAGE, UNKNOWN_TYPE, UNKNOWN_MODEL, BAD_INPUT, INTERNAL. `id` is 0 when the request's id
 * could not be read.
 */
export interface ErrorResponse {
  type: 'error';
  id: number;
  code: string;
  message: string;
}
export type MoteResponse = ReadyMessage | LoadedResponse | OutputsResponse | ProfileResponse | UnloadedResponse | ErrorResponse;

export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code = 'BAD_MESSAGE',
    /** The offending message's id, when it could be read (0 otherwise). */
    readonly id = 0,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

// ---- base64 (no atob/btoa/Buffer: not every RN engine has them, and they work on strings) ----

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096; // join chunks: string concatenation per byte is slow in Hermes
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let s = '';
    for (let i = start; i < end; i += 3) {
      const n = (bytes[i] << 16) | ((i + 1 < end ? bytes[i + 1] : 0) << 8) | (i + 2 < end ? bytes[i + 2] : 0);
      s += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63];
      s += i + 1 < end ? ALPHABET[(n >>> 6) & 63] : '=';
      s += i + 2 < end ? ALPHABET[n & 63] : '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/** Strict decoder: whitespace is skipped; any other character outside the alphabet is an error. */
export function base64ToBytes(text: string, what = 'base64 data'): Uint8Array {
  if (typeof text !== 'string') throw new ProtocolError(`${what} must be a base64 string, got ${typeof text}`, 'BAD_INPUT');
  let clean = text;
  if (/\s/.test(clean)) clean = clean.replace(/\s+/g, '');
  let pad = 0;
  if (clean.endsWith('==')) pad = 2;
  else if (clean.endsWith('=')) pad = 1;
  if (clean.length % 4 !== 0) throw new ProtocolError(`${what}: length ${clean.length} is not a multiple of 4 (not base64)`, 'BAD_INPUT');
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = clean.charCodeAt(i + k);
      const last = i + 4 === clean.length;
      if (c === 61 /* = */ && last && k >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = c < 128 ? DECODE[c] : -1;
      if (v < 0) throw new ProtocolError(`${what}: character ${JSON.stringify(clean[i + k])} at ${i + k} is not base64`, 'BAD_INPUT');
      n = (n << 6) | v;
    }
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

// ---- tensors ----

const CTORS: Record<MoteDType, { new (buffer: ArrayBuffer, offset?: number, length?: number): MoteTypedArray; BYTES_PER_ELEMENT: number }> = {
  f32: Float32Array,
  s8: Int8Array,
  s32: Int32Array,
  u8: Uint8Array,
  s16: Int16Array,
  bool: Uint8Array,
};
export const DTYPES = Object.keys(CTORS) as MoteDType[];

export function dtypeOf(data: MoteTypedArray): MoteDType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int8Array) return 's8';
  if (data instanceof Int32Array) return 's32';
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Int16Array) return 's16';
  throw new ProtocolError(`a tensor must be a Float32Array, Int8Array, Int32Array, Uint8Array or Int16Array`, 'BAD_INPUT');
}

export function encodeTensor(data: MoteTypedArray, shape: readonly number[] = [data.length]): WireTensor {
  const dtype = dtypeOf(data);
  return { dtype, shape: [...shape], data: bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

/** A typed array of the wire tensor's dtype, checked against its shape. */
export function decodeTensor(t: WireTensor, what = 'tensor'): MoteTypedArray {
  if (!t || typeof t !== 'object') throw new ProtocolError(`${what} must be an object {dtype, shape, data}`, 'BAD_INPUT');
  const ctor = CTORS[t.dtype];
  if (!ctor || !Object.prototype.hasOwnProperty.call(CTORS, t.dtype)) {
    throw new ProtocolError(`${what}: unknown dtype ${JSON.stringify(t.dtype)} (one of ${DTYPES.join(', ')})`, 'BAD_INPUT');
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ProtocolError(`${what}: shape must be an array of non-negative integers`, 'BAD_INPUT');
  }
  const bytes = base64ToBytes(t.data, `${what} data`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * ctor.BYTES_PER_ELEMENT) {
    throw new ProtocolError(`${what}: ${bytes.length} bytes for ${t.dtype}[${t.shape.join(', ')}] (needs ${n * ctor.BYTES_PER_ELEMENT})`, 'BAD_INPUT');
  }
  return new ctor(bytes.buffer as ArrayBuffer, 0, n);
}

// ---- messages ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseEnvelope(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') throw new ProtocolError(`a message must be a string, got ${typeof text}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`a message is not JSON (${(e as Error).message})`);
  }
  if (!isObject(v) || v.protocol !== PROTOCOL) throw new ProtocolError(`not a ${PROTOCOL} message`);
  return v;
}

/** Whether a string is a message of this protocol (cheap check for shared message channels). */
export function isProtocolMessage(text: unknown): boolean {
  return typeof text === 'string' && text.includes(`"protocol":"${PROTOCOL}"`);
}

function encode(msg: MoteRequest | MoteResponse): string {
  return JSON.stringify({ protocol: PROTOCOL, ...msg });
}
export const encodeRequest: (req: MoteRequest) => string = encode;
export const encodeResponse: (res: MoteResponse) => string = encode;

function field<T>(m: Record<string, unknown>, key: string, check: (v: unknown) => boolean, want: string, id: number, optional = false): T {
  const v = m[key];
  if (v === undefined && optional) return undefined as T;
  if (!check(v)) throw new ProtocolError(`'${String(m.type)}' message ${id}: "${key}" must be ${want}`, 'BAD_MESSAGE', id);
  return v as T;
}
const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isTensors = (v: unknown) => Array.isArray(v) && v.every(isObject);

function readId(m: Record<string, unknown>): number {
  const id = m.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) throw new ProtocolError(`a request needs an integer "id" ≥ 1, got ${JSON.stringify(id)}`);
  return id;
}

/** Parses and checks a request (page side). Throws ProtocolError carrying the id when it was readable. */
export function decodeRequest(text: unknown): MoteRequest {
  const m = parseEnvelope(text);
  const id = readId(m);
  switch (m.type) {
    case 'load': {
      const req: LoadRequest = { type: 'load', id, blob: field(m, 'blob', isString, 'a non-empty base64 string', id) };
      const handle = field<string | undefined>(m, 'handle', isString, 'a non-empty string', id, true);
      const name = field<string | undefined>(m, 'name', isString, 'a non-empty string', id, true);
      const build = field<BuildChoice | undefined>(m, 'build', (v) => v === 'auto' || v === 'simd' || v === 'scalar', "'auto', 'simd' or 'scalar'", id, true);
      if (handle !== undefined) req.handle = handle;
      if (name !== undefined) req.name = name;
      if (build !== undefined) req.build = build;
      return req;
    }
    case 'run':
      return { type: 'run', id, handle: field(m, 'handle', isString, 'a model handle', id), inputs: field(m, 'inputs', isTensors, 'an array of tensors', id) };
    case 'profile': {
      const req: ProfileRequest = {
        type: 'profile',
        id,
        handle: field(m, 'handle', isString, 'a model handle', id),
        inputs: field(m, 'inputs', isTensors, 'an array of tensors', id),
      };
      const runs = field<number | undefined>(m, 'runs', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100, 'an integer in [1, 100]', id, true);
      if (runs !== undefined) req.runs = runs;
      return req;
    }
    case 'unload':
      return { type: 'unload', id, handle: field(m, 'handle', isString, 'a model handle', id) };
    default:
      throw new ProtocolError(`unknown request type ${JSON.stringify(m.type)} (load, run, profile, unload)`, 'UNKNOWN_TYPE', id);
  }
}

const RESPONSE_TYPES = new Set(['ready', 'loaded', 'outputs', 'profile', 'unloaded', 'error']);

/** Parses a response (app side). Structural checks only: the page is trusted code we shipped. */
export function decodeResponse(text: unknown): MoteResponse {
  const m = parseEnvelope(text);
  if (!RESPONSE_TYPES.has(m.type as string)) throw new ProtocolError(`unknown response type ${JSON.stringify(m.type)}`, 'UNKNOWN_TYPE');
  if (typeof m.id !== 'number' || !Number.isInteger(m.id) || m.id < 0) throw new ProtocolError(`a '${String(m.type)}' response has no integer id`);
  if (m.type === 'error' && (typeof m.message !== 'string' || typeof m.code !== 'string')) {
    throw new ProtocolError(`error response ${m.id} lacks "code" and "message" strings`);
  }
  const { protocol: _protocol, ...rest } = m;
  return rest as unknown as MoteResponse;
}
