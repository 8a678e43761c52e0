// Access to ../shared/models, the third-party test material that CI places beside the clone.
// A user's clone has no ../shared: tests that need it skip, and say so visibly.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedModels = join(repoRoot, '..', 'shared', 'models');
export const haveShared = existsSync(join(sharedModels, 'README.md'));

/** Absolute path of a file under ../shared/models. */
export function sharedPath(rel: string): string {
  return join(sharedModels, rel);
}

let warned = false;
/** Call from a describe block that needs ../shared; prints the notice once per file. */
export function noticeIfNoShared(what: string): boolean {
  if (!haveShared && !warned) {
    warned = true;
    console.warn(`[mote] SKIPPED ${what}: ../shared/models is not beside this clone (CI provides it).`);
  }
  return haveShared;
}
