// The README's lists of supported ops must be the importers' own lists, so the docs cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_ONNX_OPS } from '../converter/import/onnx-ops.js';
import { TFLITE_OP_MAPPING } from '../converter/import/tflite-ops.js';
import { repoRoot } from './support/mote-cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README', () => {
  it('lists every ONNX op the importer dispatches on', () => {
    const text = section('Supported ONNX ops');
    const listed = new Set([...text.matchAll(/\b[A-Z][A-Za-z]+\b/g)].map((m) => m[0]).filter((w) => SUPPORTED_ONNX_OPS.includes(w)));
    expect([...listed].sort()).toEqual([...SUPPORTED_ONNX_OPS].sort());
  });

  it('lists every TFLite builtin the importer lowers', () => {
    const text = section('Supported TFLite ops');
    const listed = new Set([...text.matchAll(/\b[A-Z][A-Z0-9_]+\b/g)].map((m) => m[0]).filter((w) => w in TFLITE_OP_MAPPING));
    expect([...listed].sort()).toEqual(Object.keys(TFLITE_OP_MAPPING).sort());
  });
});
