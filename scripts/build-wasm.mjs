#!/usr/bin/env node
// Builds the two WASM runtimes from the one AssemblyScript source tree (assembly/):
//   build/mote.simd.wasm   --enable simd: v128 kernels, for Node and browsers
//   build/mote.scalar.wasm MVP features only (no SIMD, sign-extension, bulk memory, non-trapping
//                          float-to-int or mutable-global imports), for WAMR's interpreter on ESP32
// Kernels pick their variant at compile time through ASC_FEATURE_SIMD. `--use abort=` drops the
// env.abort import, so the modules import nothing.
//
// Usage: node scripts/build-wasm.mjs [--out build] [--text]   (--text also writes .wat files)
import asc from 'assemblyscript/asc';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

//   build/mote.{simd,scalar}.stream.wasm  the same with `--use MOTE_STREAM=1`: they import
//                          env.mote_read_weights, for blobs whose weights stay outside linear memory
//                          (FLAG_WEIGHTS_EXTERNAL, docs/ABI.md "Streamed weights")
// Flags per build live in asconfig.json (one target per build; shared options there too).
export const BUILDS = { simd: 'simd', scalar: 'scalar', 'simd.stream': 'simd-stream', 'scalar.stream': 'scalar-stream' };

// AssemblyScript stores every string literal as a UTF-16 object with a 20-byte header; the runtime's
// error messages are ASCII and only ever copied byte by byte into the message buffer. So, as the
// compiler reads assembly/ sources, each `str('literal')` call (message.ts) becomes
// `moteStrBytes(memory.data<u8>([...bytes]), length)`: the same text, stored as plain bytes.
// Literals that are not pure ASCII (or empty) are left alone; the source on disk is never changed.
const STR_CALL = /\bstr\('((?:[^'\\\n]|\\.)*)'\)/g;
const ESCAPES = { n: '\n', t: '\t', r: '\r', '0': '\0' };
export function asciiStringCalls(source) {
  return source.replace(STR_CALL, (call, body) => {
    const text = body.replace(/\\(.)/g, (_, c) => ESCAPES[c] ?? c);
    if (text.length === 0 || !/^[\x01-\x7f]*$/.test(text)) return call;
    const bytes = Array.from(text, (c) => c.charCodeAt(0)).join(',');
    return `moteStrBytes(memory.data<u8>([${bytes}]), ${text.length})`;
  });
}
// The same for message fragments handed to the validators' helpers (message.ts `Text`): each
// `txt('literal')` becomes `memory.data<u8>([length, ...bytes])`, a length byte then the text.
const TXT_CALL = /\btxt\('((?:[^'\\\n]|\\.)*)'\)/g;
export function textFragments(source, file = 'source') {
  return source.replace(TXT_CALL, (call, body) => {
    const text = body.replace(/\\(.)/g, (_, c) => ESCAPES[c] ?? c);
    if (text.length === 0 || text.length > 255 || !/^[\x01-\x7f]*$/.test(text)) {
      throw new Error(`${file}: ${call} must be 1 to 255 ASCII characters`);
    }
    return `memory.data<u8>([${[text.length, ...Array.from(text, (c) => c.charCodeAt(0))].join(',')}])`;
  });
}
const assemblyDir = join(root, 'assembly') + sep;
async function readSource(filename, baseDir) {
  const path = resolve(baseDir, filename);
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return path.startsWith(assemblyDir) && path.endsWith('.ts') ? textFragments(asciiStringCalls(text), path) : text;
}

/** Compiles one build; returns the output path. Throws with the compiler's diagnostics. */
export async function buildWasm(build, { outDir = join(root, 'build'), text = false } = {}) {
  if (!BUILDS[build]) throw new Error(`unknown build '${build}' (expected ${Object.keys(BUILDS).join(', ')})`);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `mote.${build}.wasm`);
  // Compile to a temporary name and rename: readers (parallel test workers, a running CLI) never
  // see a half-written module.
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['--config', join(root, 'asconfig.json'), '--target', BUILDS[build], '-o', tmp];
  if (text) args.push('-t', out.replace(/\.wasm$/, '.wat'));
  let log = '';
  const sink = { write: (s) => ((log += String(s)), true) };
  const { error } = await asc.main(args, { stdout: sink, stderr: sink, readFile: readSource });
  if (error) {
    rmSync(tmp, { force: true });
    throw new Error(`asc failed for the ${build} build: ${error.message}\n${log}`);
  }
  renameSync(tmp, out);
  return out;
}

export async function buildAll(opts) {
  const outs = [];
  for (const b of Object.keys(BUILDS)) outs.push(await buildWasm(b, opts));
  return outs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf('--out');
  const outDir = outIdx >= 0 ? resolve(argv[outIdx + 1]) : undefined;
  const text = argv.includes('--text');
  try {
    for (const p of await buildAll({ outDir, text })) console.log(`built ${p}`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
