// Node-only: compiles a per-model runtime (docs/ABI.md "Per-model runtime builds") with the
// AssemblyScript compiler, a runtime dependency, so `mote runtime` works on the user's machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobView } from './blob-reader.js';
import { blobFeatures, featureAscArgs, unionFeatures, SIZE_OPTIONAL_KERNELS, type RuntimeFeatures } from './runtime-features.js';

export type RuntimeBuildName = 'simd' | 'scalar';

export interface ModelRuntimeOptions {
  build: RuntimeBuildName;
  /** The streamed-weights variant (mote.*.stream.wasm: imports env.mote_read_weights). */
  stream?: boolean;
}

/**
 * The per-model runtime budgets (README "Runtime size": an MCU firmware image's share for the
 * interpreter): a build past its budget drops SIZE_OPTIONAL_KERNELS in turn, while one is linked.
 */
export const RUNTIME_BUDGET: Record<RuntimeBuildName, number> = { simd: 48_000, scalar: 40_000 };

/** The wasm bytes of a runtime that links only what `features` names (within RUNTIME_BUDGET when the size-optional kernels allow). */
export async function buildRuntimeFor(features: RuntimeFeatures, opts: ModelRuntimeOptions): Promise<Uint8Array> {
  return (await buildRuntimeWithin(features, opts)).wasm;
}

/** buildRuntimeFor, with the features the returned build links (`features` less the kernels it dropped). */
export async function buildRuntimeWithin(features: RuntimeFeatures, opts: ModelRuntimeOptions): Promise<{ features: RuntimeFeatures; wasm: Uint8Array }> {
  let wasm = await compileRuntime(features, opts);
  for (const k of SIZE_OPTIONAL_KERNELS) {
    if (wasm.length <= RUNTIME_BUDGET[opts.build] || Math.floor(features.kernels / 2 ** k) % 2 === 0) continue;
    features = { ...features, kernels: features.kernels - 2 ** k };
    wasm = await compileRuntime(features, opts);
  }
  return { features, wasm };
}

async function compileRuntime(features: RuntimeFeatures, opts: ModelRuntimeOptions): Promise<Uint8Array> {
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
  return buildRuntimeWithin(features, opts);
}
