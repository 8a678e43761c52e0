// The blob's metadata section: UTF-8 JSON describing where the model came from and naming its
// tensors and ops (the binary tables carry only ids), for `mote inspect` and the host API.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface IoMeta {
  name: string;
  dtype: string;
  shape: number[];
  /** Per-tensor quantization; 0 and 0 for float tensors. */
  scale: number;
  zeroPoint: number;
}

let cached: { name: string; version: string } | undefined;

/** name and version from the nearest package.json above this module (works from src and bundles). */
export function converterIdentity(): { name: string; version: string } {
  if (cached) return cached;
  cached = { name: 'mote', version: 'unknown' };
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name && pkg.version) {
          cached = { name: pkg.name, version: pkg.version };
          break;
        }
      } catch {
        // no package.json here: keep walking up
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    // not a file URL (e.g. bundled for a browser): keep 'unknown'
  }
  return cached;
}
