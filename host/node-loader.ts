// Node-only: reads build/mote.<build>.wasm from the package. Kept out of host/runtime.ts so that
// file has no node: imports and bundles for browsers unchanged.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Candidate locations: from host/ in the source tree, and from a bundled dist/ file. */
function candidates(build: string): string[] {
  const file = `mote.${build}.wasm`;
  return [
    fileURLToPath(new URL(`../build/${file}`, import.meta.url)),
    fileURLToPath(new URL(`../../build/${file}`, import.meta.url)),
    fileURLToPath(new URL(`./${file}`, import.meta.url)),
  ];
}

export async function loadWasmFile(build: string): Promise<Uint8Array> {
  const found = candidates(build).find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `mote: build/mote.${build}.wasm not found (looked in ${candidates(build).join(', ')}); ` +
        'run `node scripts/build-wasm.mjs` (or `npm run build`) first',
    );
  }
  return new Uint8Array(await readFile(found));
}
