// Running the real `mote` command (node bin/mote → dist/mote.js) from tests, the way a user does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MoteResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Builds dist/mote.js (and the WASM runtimes) when a test run starts without them. */
export function ensureBuilt(): void {
  const ready = existsSync(join(repoRoot, 'dist', 'mote.js')) && existsSync(join(repoRoot, 'build', 'mote.simd.wasm'));
  if (ready) return;
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
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
