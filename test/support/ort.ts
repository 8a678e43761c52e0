// ONNX Runtime peers, single-threaded: onnxruntime-node (native CPU, the ceiling) and
// onnxruntime-web's wasm backend run inside Node. Same small surface for both, so tests and the
// bench can treat them alike.
//
//   const s = await createOrtSession('web', onnxBytes);
//   const [y] = await s.run([{ data: x, shape: [1, 1, 28, 28] }]);
//
// onnxruntime-web under Node resolves to dist/ort.node.min.mjs, which finds its
// ort-wasm-simd-threaded.{mjs,wasm} beside itself; numThreads = 1 keeps it off worker threads.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';

export type OrtKind = 'node' | 'web';
export type OrtData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface OrtFeed {
  data: OrtData;
  shape: number[];
}

export interface OrtSession {
  kind: OrtKind;
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Runs with the inputs in graph-input order; returns the outputs in graph-output order. */
  run(inputs: readonly OrtFeed[]): Promise<OrtData[]>;
  release(): Promise<void>;
}

const DTYPE_OF = new Map<unknown, string>([
  [Float32Array, 'float32'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
]);

// Minimal structural types of what both packages export (they share onnxruntime-common's API).
interface OrtTensorLike {
  data: unknown;
}
interface OrtSessionLike {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
interface OrtModuleLike {
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
  InferenceSession: { create(model: Uint8Array, opts: Record<string, unknown>): Promise<OrtSessionLike> };
  env: { wasm: { numThreads?: number; simd?: boolean; proxy?: boolean } };
}

async function ortModule(kind: OrtKind): Promise<OrtModuleLike> {
  if (kind === 'node') return (await import('onnxruntime-node')) as unknown as OrtModuleLike;
  const ort = (await import('onnxruntime-web')) as unknown as OrtModuleLike;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  return ort;
}

/** Size of the wasm binary onnxruntime-web runs in Node (for the bench's size table). */
export function ortWebWasmBytes(): number {
  const require = createRequire(import.meta.url);
  // The package's exports map hides package.json; its Node entry lives in dist/ beside the .wasm.
  const dist = dirname(require.resolve('onnxruntime-web'));
  return statSync(join(dist, 'ort-wasm-simd-threaded.wasm')).size;
}

export async function createOrtSession(kind: OrtKind, model: Uint8Array): Promise<OrtSession> {
  const ort = await ortModule(kind);
  const opts: Record<string, unknown> =
    kind === 'node'
      ? { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' }
      : { executionProviders: ['wasm'] };
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(model, opts);
  } catch (e) {
    throw new Error(`onnxruntime-${kind}: cannot create a session: ${(e as Error).message}`);
  }
  return {
    kind,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputs) {
      if (inputs.length !== session.inputNames.length) {
        throw new Error(`onnxruntime-${kind}: the model takes ${session.inputNames.length} input(s) (${session.inputNames.join(', ')}), got ${inputs.length}`);
      }
      const feeds: Record<string, unknown> = {};
      inputs.forEach((x, i) => {
        const type = DTYPE_OF.get(x.data.constructor);
        if (!type) throw new Error(`onnxruntime-${kind}: input ${i} has unsupported array type ${x.data.constructor.name}`);
        feeds[session.inputNames[i]] = new ort.Tensor(type, x.data, x.shape);
      });
      const out = await session.run(feeds);
      return session.outputNames.map((n) => out[n].data as OrtData);
    },
    release: () => session.release(),
  };
}
