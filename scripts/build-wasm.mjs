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
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
// `moteStrBytes(memory.data<u8>([...bytes]), length)` and each `txt('literal')` (a message.ts
// `Text` fragment) becomes `memory.data<u8>([length, ...bytes])` (`txtList('a|b')`: one such
// fragment per item, back to back, for name tables indexed at run time). The bytes are the text coded with
// a dictionary of up to 128 phrases shared by all messages (textDictionary): a byte 0x80 + k stands
// for phrase k, which message.ts expands as it copies. Literals that are not pure ASCII (or empty)
// are left alone by str(); the source on disk is never changed.
const STR_CALL = /\bstr\('((?:[^'\\\n]|\\.)*)'\)/g;
const TXT_CALL = /\btxt\('((?:[^'\\\n]|\\.)*)'\)/g;
// `txtList('a|b|c')`: the items as consecutive Text fragments (length byte, coded bytes), for
// tables of names indexed at run time (message.ts textAt).
const LIST_CALL = /\btxtList\('((?:[^'\\\n]|\\.)*)'\)/g;
const ESCAPES = { n: '\n', t: '\t', r: '\r', '0': '\0' };
const unescape = (body) => body.replace(/\\(.)/g, (_, c) => ESCAPES[c] ?? c);
const isAscii = (text) => /^[\x01-\x7f]*$/.test(text);
const MAX_PHRASES = 128;
const MAX_PHRASE = 40;

/**
 * Picks the phrases: greedily, the substring (cut at letter/non-letter boundaries, 2 to MAX_PHRASE
 * characters) whose replacement by one byte saves the most over all `texts` (one entry per literal
 * in the source, repeats included: each is stored separately), net of its own bytes in the table.
 */
export function textDictionary(texts) {
  const word = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  // Candidate phrases of one run of plain characters, with their non-overlapping counts.
  const candidates = (r) => {
    const at = [0];
    for (let i = 1; i < r.length; i++) if (word(r.charCodeAt(i)) !== word(r.charCodeAt(i - 1))) at.push(i);
    at.push(r.length);
    const found = new Map(); // phrase -> [count, end of its last counted occurrence]
    for (let a = 0; a < at.length; a++) {
      for (let b = a + 1; b < at.length && at[b] - at[a] <= MAX_PHRASE; b++) {
        if (at[b] - at[a] < 2) continue;
        const p = r.slice(at[a], at[b]);
        const f = found.get(p);
        if (!f) found.set(p, [1, at[b]]);
        else if (f[1] <= at[a]) { f[0]++; f[1] = at[b]; }
      }
    }
    return found;
  };
  // Runs of plain characters (coded phrases split them) and the total count of each candidate;
  // choosing a phrase only recounts the runs it splits.
  const runs = [];
  const count = new Map();
  const add = (r, sign) => {
    for (const [p, [n]] of candidates(r)) count.set(p, (count.get(p) ?? 0) + sign * n);
    return r;
  };
  for (const t of texts) if (isAscii(t) && t.length) runs.push(add(t, 1));
  const phrases = [];
  while (phrases.length < MAX_PHRASES) {
    let best = null, bestGain = 0;
    for (const [p, n] of count) {
      const gain = n * (p.length - 1) - (p.length + 1);
      if (gain > bestGain || (gain === bestGain && best !== null && p < best)) { best = p; bestGain = gain; }
    }
    if (!best) break;
    phrases.push(best);
    for (let i = runs.length - 1; i >= 0; i--) {
      if (!runs[i].includes(best)) continue;
      add(runs[i], -1);
      runs.splice(i, 1, ...runs[i].split(best).filter((r) => r.length > 0).map((r) => add(r, 1)));
    }
  }
  return phrases;
}

/** `text` coded with `phrases`: longest phrase first at each position, else the ASCII byte. */
export function encodeText(text, phrases) {
  const out = [];
  for (let i = 0; i < text.length;) {
    let k = -1;
    for (let j = 0; j < phrases.length; j++) {
      if (text.startsWith(phrases[j], i) && (k < 0 || phrases[j].length > phrases[k].length)) k = j;
    }
    if (k >= 0) { out.push(0x80 + k); i += phrases[k].length; } else { out.push(text.charCodeAt(i)); i++; }
  }
  return out;
}
/** Inverse of encodeText (what message.ts does at run time). */
export function decodeText(bytes, phrases) {
  return bytes.map((b) => (b >= 0x80 ? phrases[b - 0x80] : String.fromCharCode(b))).join('');
}
/** The dictionary as message.ts stores it: per phrase a length byte then its characters. */
export function dictionaryBytes(phrases) {
  return phrases.flatMap((p) => [p.length, ...Array.from(p, (c) => c.charCodeAt(0))]);
}

// Messages only per-model builds link (assembly/features.ts: ERR_NOT_BUILT) stay out of the
// phrase choice, so the default builds' dictionary, and their data, do not depend on them.
const SUBSET_ONLY = join(root, 'assembly', 'features.ts');

/** Every str()/txt() literal under assembly/ (but SUBSET_ONLY's), once per occurrence. */
export function messageLiterals(dir = join(root, 'assembly')) {
  const texts = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && p !== SUBSET_ONLY) {
        const src = readFileSync(p, 'utf8');
        for (const re of [STR_CALL, TXT_CALL]) for (const m of src.matchAll(re)) texts.push(unescape(m[1]));
        for (const m of src.matchAll(LIST_CALL)) texts.push(...unescape(m[1]).split('|'));
      }
    }
  };
  walk(dir);
  return texts;
}

export function asciiStringCalls(source, phrases = []) {
  return source.replace(STR_CALL, (call, body) => {
    const text = unescape(body);
    if (text.length === 0 || !isAscii(text)) return call;
    const bytes = encodeText(text, phrases);
    return `moteStrBytes(memory.data<u8>([${bytes.join(',')}]), ${bytes.length})`;
  });
}
function fragmentBytes(text, call, file, phrases) {
  const bytes = encodeText(text, phrases);
  if (text.length === 0 || bytes.length > 255 || !isAscii(text)) {
    throw new Error(`${file}: ${call} must be 1 to 255 ASCII characters (each item)`);
  }
  return [bytes.length, ...bytes];
}
export function textFragments(source, file = 'source', phrases = []) {
  return source
    .replace(TXT_CALL, (call, body) => `memory.data<u8>([${fragmentBytes(unescape(body), call, file, phrases).join(',')}])`)
    .replace(LIST_CALL, (call, body) => `memory.data<u8>([${unescape(body).split('|').flatMap((t) => fragmentBytes(t, call, file, phrases)).join(',')}])`);
}
// message.ts names the dictionary MOTE_TEXT_DICTIONARY; it becomes the table's bytes.
const DICTIONARY = /\bMOTE_TEXT_DICTIONARY\b/g;
// Picking the phrases takes about a second: reused while the literals stay the same.
let phraseCache = null;
let phrasesFor = null;
function phrasesOfSources() {
  if (!phraseCache) {
    const texts = messageLiterals();
    const key = texts.join('\0');
    if (key !== phrasesFor?.key) phrasesFor = { key, phrases: textDictionary(texts) };
    phraseCache = phrasesFor.phrases;
  }
  return phraseCache;
}
const assemblyDir = join(root, 'assembly') + sep;
/** asc's `readFile` hook: assembly/ sources with their message literals stored as ASCII bytes. */
export async function readSource(filename, baseDir) {
  const path = resolve(baseDir, filename);
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  if (!path.startsWith(assemblyDir) || !path.endsWith('.ts') || !/\b(str|txt|txtList)\(|MOTE_TEXT_DICTIONARY/.test(text)) return text;
  const phrases = phrasesOfSources();
  text = text.replace(DICTIONARY, () => `memory.data<u8>([${dictionaryBytes(phrases).join(',')}])`);
  text = textFragments(asciiStringCalls(text, phrases), path, phrases);
  nonLiteralCalls(text, path);
  return text;
}
// A str() whose argument is not one literal (say `str(c ? 'a' : 'b')`) would compile to the
// fallback that copies a UTF-16 string object, each literal then stored with its 20-byte header
// outside the phrase coding: write one str() per literal instead. (txt()/txtList() have no
// fallback: asc would fail on them with a less helpful message.) Comment lines are skipped.
const NON_LITERAL = /(?<!function )\b(str|txt|txtList)\((?!')/;
function nonLiteralCalls(text, path) {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i].replace(/^\s*(\/\/|\*|\/\*).*$/, '');
    if (NON_LITERAL.test(code)) {
      throw new Error(`${path}:${i + 1}: ${NON_LITERAL.exec(code)[1]}() takes one string literal (message text is coded at build time): ${lines[i].trim()}`);
    }
  }
}

// Every static string and memory.data chunk is its own active data segment, ~6 bytes of framing
// each (hundreds of them). Neighbours at most MAX_GAP bytes apart are merged into one segment, the
// gap filled with zeros, which is what linear memory holds there anyway. Only plain active
// segments at i32.const offsets, non-overlapping, are touched; anything else leaves the module as is.
const MAX_GAP = 8;
function readLeb(b, p) {
  let v = 0, shift = 0, byte;
  do { byte = b[p++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [v, p];
}
function uleb(v) {
  const out = [];
  do { let byte = v % 128; v = Math.floor(v / 128); if (v) byte |= 0x80; out.push(byte); } while (v);
  return out;
}
function sleb32(v) { // non-negative i32.const operand: continue while the sign bit would be wrong
  const out = [];
  for (;;) { const byte = v & 0x7f; v >>>= 7; if (v === 0 && !(byte & 0x40)) { out.push(byte); return out; } out.push(byte | 0x80); }
}
export function mergeDataSegments(wasm) {
  const sections = [];
  for (let p = 8; p < wasm.length;) {
    const id = wasm[p];
    const [size, body] = readLeb(wasm, p + 1);
    sections.push({ id, start: p, body, end: body + size });
    p = body + size;
  }
  const data = sections.find((s) => s.id === 11);
  if (!data) return wasm;
  let [count, p] = readLeb(wasm, data.body);
  const segs = [];
  for (let i = 0; i < count; i++) {
    if (wasm[p] !== 0 || wasm[p + 1] !== 0x41) return wasm; // not `active, memory 0, i32.const`
    let off; [off, p] = readLeb(wasm, p + 2);
    if (wasm[p - 1] & 0x40 || wasm[p] !== 0x0b) return wasm; // negative offset or longer expression
    let len; [len, p] = readLeb(wasm, p + 1);
    segs.push({ off, bytes: wasm.subarray(p, p + len) });
    p += len;
  }
  if (p !== data.end) return wasm;
  segs.sort((a, b) => a.off - b.off);
  const merged = [];
  for (const seg of segs) {
    const last = merged[merged.length - 1];
    const lastEnd = last ? last.off + last.len : 0;
    if (last && seg.off < lastEnd) return wasm; // overlap: order would matter, leave alone
    if (last && seg.off - lastEnd <= MAX_GAP) {
      last.parts.push({ at: seg.off - last.off, bytes: seg.bytes });
      last.len = seg.off - last.off + seg.bytes.length;
    } else merged.push({ off: seg.off, len: seg.bytes.length, parts: [{ at: 0, bytes: seg.bytes }] });
  }
  const body = [...uleb(merged.length)];
  for (const m of merged) {
    const bytes = new Uint8Array(m.len);
    for (const part of m.parts) bytes.set(part.bytes, part.at);
    body.push(0, 0x41, ...sleb32(m.off), 0x0b, ...uleb(m.len), ...bytes);
  }
  const out = [wasm.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === 11) out.push(Uint8Array.from([11, ...uleb(body.length), ...body]));
    else if (s.id === 12) { const c = uleb(merged.length); out.push(Uint8Array.from([12, ...uleb(c.length), ...c])); }
    else out.push(wasm.subarray(s.start, s.end));
  }
  return Buffer.concat(out);
}

/**
 * Compiles one build; returns the output path. Throws with the compiler's diagnostics. `args` are
 * extra asc flags (scripts/wasm-size.mjs adds `--debug` to keep function names for its table).
 */
export async function buildWasm(build, { outDir = join(root, 'build'), text = false, args: extra = [] } = {}) {
  phraseCache = null; // the sources may have changed since the last build in this process
  if (!BUILDS[build]) throw new Error(`unknown build '${build}' (expected ${Object.keys(BUILDS).join(', ')})`);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `mote.${build}.wasm`);
  // Compile to a temporary name and rename: readers (parallel test workers, a running CLI) never
  // see a half-written module.
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['--config', join(root, 'asconfig.json'), '--target', BUILDS[build], '-o', tmp];
  if (text) args.push('-t', out.replace(/\.wasm$/, '.wat'));
  args.push(...extra);
  let log = '';
  const sink = { write: (s) => ((log += String(s)), true) };
  let error;
  try {
    ({ error } = await asc.main(args, { stdout: sink, stderr: sink, readFile: readSource }));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e; // readSource's own errors (a str() of a non-literal)
  }
  if (error) {
    rmSync(tmp, { force: true });
    throw new Error(`asc failed for the ${build} build: ${error.message}\n${log}`);
  }
  writeFileSync(tmp, mergeDataSegments(readFileSync(tmp)));
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
