// Running the real `mote` command (node bin/mote → dist/mote.js) from tests, the way a user does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MoteResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Newest modification time of the TypeScript sources the CLI bundle is made from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['host', 'converter', 'format']) walk(join(repoRoot, dir));
  return newest;
}

/**
 * Builds the WASM runtimes and dist/mote.js when a test run starts without them (`npm test` builds
 * first), and refreshes the bundle alone when a source file is newer than it (a developer running
 * one test file after an edit).
 */
export function ensureBuilt(): void {
  const bundle = join(repoRoot, 'dist', 'mote.js');
  const wasm = existsSync(join(repoRoot, 'build', 'mote.simd.wasm')) && existsSync(join(repoRoot, 'build', 'mote.scalar.wasm'));
  const fresh = existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource();
  if (wasm && fresh) return;
  const args = [join(repoRoot, 'scripts', 'build.mjs'), ...(wasm ? ['--cli-only'] : [])];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

export function mote(args: string[], env: Record<string, string> = {}): MoteResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mote'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, MOTE_DEBUG: '', ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** True when the output carries a JavaScript stack trace ("    at fn (file:line:col)"). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(].*\d+:\d+\)?$/m.test(text);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mote-${prefix}-`));
}
