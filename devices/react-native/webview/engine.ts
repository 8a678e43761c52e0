// The page side of the protocol, independent of how messages travel: one request text in, one
// response text out. page.ts wires it to react-native-webview's bridge; tests and the web demo can
// drive it directly. Models are loaded into their own runtime instance (one blob per instance, as
// docs/ABI.md requires) and addressed by handle.
import { readBlob } from '../../../host/blob-reader.js';
import { opcodeMacs } from '../../../host/cli/blob-macs.js';
import { formatProfile, type ProfileHost, type ProfileOpRecord, type ProfileRunRecord } from '../../../host/profile-format.js';
import { errorName, MoteError, type MoteModel, MoteRuntime } from '../../../host/runtime.js';
import {
  decodeRequest,
  decodeTensor,
  encodeResponse,
  encodeTensor,
  type LoadRequest,
  type MoteBuild,
  type MoteRequest,
  type MoteResponse,
  type MoteTypedArray,
  type ProfileRequest,
  ProtocolError,
  type RunRequest,
  base64ToBytes,
  type WireTensor,
} from '../src/protocol.js';

export interface EngineOptions {
  /** Compiled runtime module for a build (decoded and compiled lazily, once). */
  module(build: MoteBuild): Promise<WebAssembly.Module>;
  /** Whether the engine supports SIMD (the feature detection's answer); 'auto' picks from it. */
  simd: boolean;
  /** Written into profiles' run records. */
  host: ProfileHost;
  device?: string;
}

interface Loaded {
  model: MoteModel;
  build: MoteBuild;
  name: string;
  macs: (number | undefined)[];
}

const MAX_PROFILE_RUNS = 100;

export class MoteEngine {
  private readonly models = new Map<string, Loaded>();

  constructor(private readonly opts: EngineOptions) {}

  /** Handles one request text; always returns exactly one response text (errors included). */
  async handle(text: unknown): Promise<string> {
    let id = 0;
    try {
      const req = decodeRequest(text);
      id = req.id;
      return encodeResponse(await this.dispatch(req));
    } catch (e) {
      return encodeResponse(toErrorResponse(e, id));
    }
  }

  private async dispatch(req: MoteRequest): Promise<MoteResponse> {
    switch (req.type) {
      case 'load':
        return this.load(req);
      case 'run':
        return this.run(req);
      case 'profile':
        return this.profile(req);
      case 'unload': {
        if (!this.models.delete(req.handle)) throw unknownModel(req.handle, req.id);
        return { type: 'unloaded', id: req.id, handle: req.handle };
      }
    }
  }

  private async load(req: LoadRequest): Promise<MoteResponse> {
    const blob = base64ToBytes(req.blob, `load ${req.id}: blob`);
    const build: MoteBuild = req.build === 'simd' || req.build === 'scalar' ? req.build : this.opts.simd ? 'simd' : 'scalar';
    if (build === 'simd' && !this.opts.simd) {
      throw new ProtocolError(`load ${req.id}: this WebView has no WebAssembly SIMD; use build 'auto' or 'scalar'`, 'NO_SIMD', req.id);
    }
    const runtime = MoteRuntime.fromModule(build, await this.opts.module(build));
    const model = runtime.load(blob);
    const handle = req.handle ?? `model${req.id}`;
    this.models.set(handle, { model, build, name: req.name ?? handle, macs: blobMacs(blob) });
    return { type: 'loaded', id: req.id, handle, build, inputs: model.inputs, outputs: model.outputs, meta: model.meta };
  }

  private get(handle: string, id: number): Loaded {
    const m = this.models.get(handle);
    if (!m) throw unknownModel(handle, id);
    return m;
  }

  private inputs(m: Loaded, wire: WireTensor[], id: number): MoteTypedArray[] {
    const want = m.model.inputs;
    if (wire.length !== want.length) {
      throw new ProtocolError(`request ${id}: the model takes ${want.length} input(s) (${want.map((t) => t.name).join(', ')}), got ${wire.length}`, 'BAD_INPUT', id);
    }
    return wire.map((t, i) => {
      const data = decodeTensor(t, `request ${id}: input ${i} ('${want[i].name}')`);
      const n = want[i].shape.reduce((a, b) => a * b, 1);
      if (t.dtype !== want[i].dtype || data.length !== n) {
        throw new ProtocolError(
          `request ${id}: input ${i} ('${want[i].name}') must be ${want[i].dtype}[${want[i].shape.join(', ')}], got ${t.dtype}[${t.shape.join(', ')}]`,
          'BAD_INPUT',
          id,
        );
      }
      return data;
    });
  }

  private encodeOutputs(m: Loaded, outs: MoteTypedArray[]): WireTensor[] {
    return outs.map((o, i) => encodeTensor(o, m.model.outputs[i].shape));
  }

  private run(req: RunRequest): MoteResponse {
    const m = this.get(req.handle, req.id);
    const inputs = this.inputs(m, req.inputs, req.id);
    const t0 = performance.now();
    const outs = m.model.run(inputs);
    const t_us = (performance.now() - t0) * 1000;
    return { type: 'outputs', id: req.id, outputs: this.encodeOutputs(m, outs), t_us };
  }

  private profile(req: ProfileRequest): MoteResponse {
    const m = this.get(req.handle, req.id);
    const inputs = this.inputs(m, req.inputs, req.id);
    const runs: { run: ProfileRunRecord; ops: ProfileOpRecord[] }[] = [];
    let outs: MoteTypedArray[] = [];
    for (let r = 0; r < Math.min(req.runs ?? 1, MAX_PROFILE_RUNS); r++) {
      const t0 = performance.now();
      const p = m.model.profile(inputs);
      const total = performance.now() - t0;
      outs = p.outputs;
      const run: ProfileRunRecord = { type: 'run', model: m.name, build: m.build, host: this.opts.host, t_us: total * 1000, run: r };
      if (this.opts.device) run.device = this.opts.device;
      runs.push({
        run,
        ops: p.ops.map((o) => {
          const rec: ProfileOpRecord = { type: 'op', run: r, index: o.index, op: o.op, name: o.name, t_us: o.ms * 1000 };
          const macs = m.macs[o.index];
          if (macs !== undefined) rec.macs = macs;
          return rec;
        }),
      });
    }
    return { type: 'profile', id: req.id, outputs: this.encodeOutputs(m, outs), jsonl: formatProfile(runs) };
  }
}

function unknownModel(handle: string, id: number): ProtocolError {
  return new ProtocolError(`request ${id}: no model loaded as ${JSON.stringify(handle)} (load it first)`, 'UNKNOWN_MODEL', id);
}

/** Per-op MACs from the blob's tensor records; informational, so a reader failure just omits them. */
function blobMacs(blob: Uint8Array): (number | undefined)[] {
  try {
    const view = readBlob(blob);
    return view.ops.map((op) => {
      const n = opcodeMacs(view, op);
      return Number.isInteger(n) && n >= 0 ? n : undefined;
    });
  } catch {
    return [];
  }
}

function toErrorResponse(e: unknown, id: number): MoteResponse {
  if (e instanceof ProtocolError) return { type: 'error', id: e.id || id, code: e.code, message: e.message };
  if (e instanceof MoteError) return { type: 'error', id, code: errorName(e.code), message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  // The host's own argument checks ("mote: input 0 ... must be ...") are the caller's mistake.
  const code = /^mote: (input|output)/.test(message) ? 'BAD_INPUT' : 'INTERNAL';
  return { type: 'error', id, code, message };
}
