// The TypeScript half of the project (converter, host, format, tests, bench, scripts) typechecks
// under the root tsconfig.json. Vitest strips types without checking them, so without this a type
// error in a test or a rarely-run bench file would pass CI unnoticed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('tsc --noEmit -p tsconfig.json reports no errors', () => {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.json'), '--noEmit'], {
    cwd: root, encoding: 'utf8', timeout: 180_000,
  });
  expect(r.error, String(r.error)).toBeUndefined();
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
}, 200_000);
