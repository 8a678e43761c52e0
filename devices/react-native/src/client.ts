// The app side of the protocol, independent of React: requests get ids, responses are matched to
// them, every request resolves or rejects exactly once (with a timeout). <MoteProvider> feeds it the
// WebView's messages; tests feed it the page engine directly.
import {
  type BuildChoice,
  bytesToBase64,
  decodeResponse,
  decodeTensor,
  dtypeOf,
  encodeRequest,
  encodeTensor,
  isProtocolMessage,
  type MoteBuild,
  type MoteRequest,
  type MoteRequestBody,
  type MoteResponse,
  type MoteTypedArray,
  type ReadyMessage,
  type TensorInfo,
  type WireTensor,
} from './protocol.js';

/** A failed request: `code` as in the protocol's error response (ERR_BAD_CRC, BAD_INPUT, TIMEOUT, ...). */
export class MoteRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly id: number,
  ) {
    super(message);
    this.name = 'MoteRequestError';
  }
}

export interface MoteOutput extends TensorInfo {
  data: MoteTypedArray;
}

export interface RunResult {
  outputs: MoteOutput[];
  /** Inference wall time in microseconds (the WebView's clock). */
  t_us: number;
}

export interface ProfileResult {
  outputs: MoteOutput[];
  /** docs/PROFILE.md JSON lines (host "react-native"). */
  jsonl: string;
}

export interface LoadOptions {
  handle?: string;
  /** Name in profiles (e.g. the file name). */
  name?: string;
  build?: BuildChoice;
}

export class MoteClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: MoteResponse): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  private resolveReady!: (r: ReadyMessage) => void;
  private rejectReady!: (e: Error) => void;
  private closed: Error | undefined;
  /** Resolves when the page has started (its runtime compiled). */
  readonly ready: Promise<ReadyMessage>;

  constructor(
    private readonly send: (text: string) => void,
    private readonly opts: { timeoutMs?: number } = {},
  ) {
    this.ready = new Promise<ReadyMessage>((ok, fail) => {
      this.resolveReady = ok;
      this.rejectReady = fail;
    });
    this.ready.catch(() => {}); // observed through requests; avoid an unhandled rejection
  }

  /** Feed every message the page posts (WebView onMessage's nativeEvent.data). */
  receive(text: string): void {
    if (!isProtocolMessage(text)) return;
    let r: MoteResponse;
    try {
      r = decodeResponse(text);
    } catch {
      return; // not ours or malformed; a pending request then times out with a clear message
    }
    if (r.type === 'ready') return this.resolveReady(r);
    if (r.type === 'error' && r.id === 0) {
      this.rejectReady(new MoteRequestError(r.code, r.message, 0));
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.type === 'error') p.reject(new MoteRequestError(r.code, r.message, r.id));
    else p.resolve(r);
  }

  /** Rejects everything pending and refuses new requests (WebView gone). */
  close(reason = 'the Mote WebView closed'): void {
    this.closed = new Error(reason);
    this.rejectReady(new MoteRequestError('CLOSED', reason, 0));
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new MoteRequestError('CLOSED', reason, id));
    }
    this.pending.clear();
  }

  private async request<T extends MoteResponse['type']>(body: MoteRequestBody, expect: T): Promise<Extract<MoteResponse, { type: T }>> {
    if (this.closed) throw new MoteRequestError('CLOSED', this.closed.message, 0);
    await this.ready;
    const id = this.nextId++;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const response = new Promise<MoteResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MoteRequestError('TIMEOUT', `mote: no answer to '${body.type}' request ${id} within ${timeoutMs} ms`, id));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    this.send(encodeRequest({ ...body, id } as MoteRequest));
    const r = await response;
    if (r.type !== expect) throw new MoteRequestError('BAD_MESSAGE', `mote: '${body.type}' request ${id} got a '${r.type}' response`, id);
    return r as Extract<MoteResponse, { type: T }>;
  }

  /** Loads a .mote blob (bytes or base64) into the page. */
  async load(blob: Uint8Array | string, opts: LoadOptions = {}): Promise<MoteModelHandle> {
    const base64 = typeof blob === 'string' ? blob : bytesToBase64(blob);
    const r = await this.request({ type: 'load', blob: base64, ...opts }, 'loaded');
    return new MoteModelHandle(this, r.handle, r.build, r.inputs, r.outputs, r.meta);
  }

  async run(handle: string, inputs: readonly MoteTypedArray[], infos: readonly TensorInfo[] = [], outInfos: readonly TensorInfo[] = []): Promise<RunResult> {
    const wired = wire(inputs, infos);
    const r = await this.request({ type: 'run', handle, inputs: wired }, 'outputs');
    return { outputs: typed(r.outputs, outInfos), t_us: r.t_us };
  }

  async profile(handle: string, inputs: readonly MoteTypedArray[], runs = 1, infos: readonly TensorInfo[] = [], outInfos: readonly TensorInfo[] = []): Promise<ProfileResult> {
    const wired = wire(inputs, infos);
    const r = await this.request({ type: 'profile', handle, inputs: wired, runs }, 'profile');
    return { outputs: typed(r.outputs, outInfos), jsonl: r.jsonl };
  }

  async unload(handle: string): Promise<void> {
    await this.request({ type: 'unload', handle }, 'unloaded');
  }
}

/** Inputs on the wire, checked first against the model's inputs when known (a clear, early error). */
function wire(inputs: readonly MoteTypedArray[], infos: readonly TensorInfo[]): WireTensor[] {
  if (infos.length > 0 && inputs.length !== infos.length) {
    throw new MoteRequestError('BAD_INPUT', `mote: the model takes ${infos.length} input(s) (${infos.map((t) => t.name).join(', ')}), got ${inputs.length}`, 0);
  }
  return inputs.map((x, i) => {
    const info = infos[i];
    if (!info) return encodeTensor(x);
    const n = info.shape.reduce((a, b) => a * b, 1);
    const got = `${dtypeOf(x)}[${x.length}]`;
    if (dtypeOf(x) !== info.dtype || x.length !== n) {
      throw new MoteRequestError('BAD_INPUT', `mote: input ${i} ('${info.name}') must be ${info.dtype}[${info.shape.join(', ')}] (${n} values), got ${got}`, 0);
    }
    return encodeTensor(x, info.shape);
  });
}

function typed(outs: WireTensor[], infos: readonly TensorInfo[]): MoteOutput[] {
  return outs.map((o, i) => {
    const info = infos[i] ?? { name: `output${i}`, dtype: o.dtype, shape: o.shape, scale: 0, zeroPoint: 0 };
    return { ...info, dtype: o.dtype, shape: o.shape, data: decodeTensor(o, `output ${i}`) };
  });
}

/** A model loaded in the WebView. */
export class MoteModelHandle {
  constructor(
    private readonly client: MoteClient,
    readonly handle: string,
    readonly build: MoteBuild,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    readonly meta: Record<string, unknown>,
  ) {}

  /** Runs one inference; inputs in the model's dtypes (Float32Array for f32, Int8Array for s8, ...). */
  run(inputs: readonly MoteTypedArray[]): Promise<RunResult> {
    return this.client.run(this.handle, inputs, this.inputs, this.outputs);
  }

  /** Runs `runs` timed inferences one op at a time; returns the per-op profile (JSON lines). */
  profile(inputs: readonly MoteTypedArray[], runs = 1): Promise<ProfileResult> {
    return this.client.profile(this.handle, inputs, runs, this.inputs, this.outputs);
  }

  unload(): Promise<void> {
    return this.client.unload(this.handle);
  }
}


