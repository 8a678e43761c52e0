// Node-only: compiles a per-model runtime (docs/ABI.md "Per-model runtime builds") with the
// AssemblyScript compiler, a runtime dependency, so `mote runtime` works on the user's machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobView } from './blob-reader.js';
import { blobFeatures, featureAscArgs, unionFeatures, type RuntimeFeatures } from './runtime-features.js';

export type RuntimeBuildName = 'simd' | 'scalar';

export interface ModelRuntimeOptions {
  build: RuntimeBuildName;
  /** The streamed-weights variant (mote.*.stream.wasm: imports env.mote_read_weights). */
  stream?: boolean;
}

/** The wasm bytes of a runtime that links only what `features` names. */
export async function buildRuntimeFor(features: RuntimeFeatures, opts: ModelRuntimeOptions): Promise<Uint8Array> {
  // Dynamic: the compiler loads only for this command (esbuild bundles the script into dist/mote.js,
  // whose directory, like scripts/, sits one level below the package root it resolves sources from).
  const { buildWasm } = await import('../scripts/build-wasm.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'mote-runtime-'));
  try {
    const name = opts.stream ? (`${opts.build}.stream` as const) : opts.build;
    const out = await buildWasm(name, { outDir: dir, args: featureAscArgs(features) });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runtime for a set of blobs: the union of what each needs. */
export async function buildRuntimeForBlobs(views: BlobView[], opts: ModelRuntimeOptions): Promise<{ features: RuntimeFeatures; wasm: Uint8Array }> {
  const features = unionFeatures(views.map(blobFeatures));
  return { features, wasm: await buildRuntimeFor(features, opts) };
}
