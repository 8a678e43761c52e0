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
// error messages are ASCII and only ever copied into the message buffer. So, as the compiler reads
// assembly/ sources, each `str('literal')` call (message.ts) becomes
// `moteStrBytes(memory.data<u8>([symbols, ...bits]))` and each `txt('literal')` (a message.ts `Text`
// fragment) becomes `memory.data<u8>([symbols, ...bits])` (`txtList('a|b')`: one such fragment per
// item, back to back, for name tables indexed at run time). The text is first coded with a
// dictionary of up to 128 phrases shared by all messages (textDictionary): a symbol 0x80 + k stands
// for phrase k, any other is an ASCII character; the symbols are then stored in a canonical Huffman
// code (textCode) built from their counts, which message.ts decodes as it copies. Literals that are
// not pure ASCII (or empty) are left alone by str(); the source on disk is never changed.
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
/**
 * The canonical Huffman code of the coded symbols (ASCII bytes and phrase codes), from their counts
 * over every literal (repeats included) and the phrases. Every printable ASCII character gets a
 * code, so text outside the counted literals (features.ts's) still codes. `table` is what
 * message.ts decodes with: MAX_CODE bytes of counts per code length 1..MAX_CODE, then the symbols
 * in code order (length, then value).
 */
export function textCode(texts, phrases) {
  const freq = new Map();
  for (let c = 0x20; c < 0x7f; c++) freq.set(c, 0);
  const count = (bytes) => { for (const b of bytes) freq.set(b, (freq.get(b) ?? 0) + 1); };
  for (const t of texts) if (isAscii(t) && t.length) count(encodeText(t, phrases));
  for (const p of phrases) count(Array.from(p, (c) => c.charCodeAt(0)));
  // Huffman code lengths; ties broken by symbol value, so the code is a function of the counts.
  // A symbol never counted weighs as one, which keeps the longest code within MAX_CODE here.
  let nodes = [...freq].map(([sym, f]) => ({ w: Math.max(f, 1), key: sym, sym }));
  nodes.sort((a, b) => a.w - b.w || a.key - b.key);
  let next = 256;
  while (nodes.length > 1) {
    const [a, b] = nodes.splice(0, 2);
    const n = { w: a.w + b.w, key: next++, kids: [a, b] };
    let i = 0;
    while (i < nodes.length && (nodes[i].w < n.w || (nodes[i].w === n.w && nodes[i].key < n.key))) i++;
    nodes.splice(i, 0, n);
  }
  const lens = new Map();
  const walk = (n, d) => { if (n.kids) { walk(n.kids[0], d + 1); walk(n.kids[1], d + 1); } else lens.set(n.sym, d); };
  walk(nodes[0], 0);
  const order = [...lens].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const maxLen = order[order.length - 1][1];
  if (maxLen > MAX_CODE) throw new Error(`message text: the longest code is ${maxLen} bits (at most ${MAX_CODE})`);
  const counts = new Array(MAX_CODE).fill(0);
  const codes = new Map(); // symbol -> [code, length]
  let code = 0, len = order[0][1];
  for (const [sym, l] of order) {
    code <<= l - len;
    len = l;
    codes.set(sym, [code, l]);
    counts[l - 1]++;
    code++;
  }
  if (counts.some((c) => c > 255)) throw new Error('message text: more than 255 codes of one length');
  return { codes, table: [...counts, ...order.map(([sym]) => sym)] };
}
const MAX_CODE = 16;

/** Coded symbols as message.ts reads them: each symbol's code, most significant bit first, bit i of the stream in bit i % 8 of byte i / 8. */
export function packSymbols(symbols, code) {
  const out = [];
  let bit = 0;
  for (const s of symbols) {
    const c = code.codes.get(s);
    if (!c) throw new Error(`message text: no code for character ${s} (only printable ASCII)`);
    for (let k = c[1] - 1; k >= 0; k--, bit++) {
      if ((bit & 7) === 0) out.push(0);
      out[bit >> 3] |= ((c[0] >> k) & 1) << (bit & 7);
    }
  }
  return out;
}
/** Inverse of packSymbols then encodeText: n symbols from `bytes` (what message.ts does at run time). */
export function decodeText(bytes, n, code, phrases) {
  const counts = code.table.slice(0, MAX_CODE), syms = code.table.slice(MAX_CODE);
  let bit = 0, out = '';
  for (let i = 0; i < n; i++) {
    let c = 0, first = 0, index = 0;
    for (let len = 0; ; len++) {
      c |= (bytes[bit >> 3] >> (bit & 7)) & 1;
      bit++;
      if (c - first < counts[len]) break;
      index += counts[len];
      first = (first + counts[len]) << 1;
      c <<= 1;
    }
    const s = syms[index + c - first];
    out += s >= 0x80 ? phrases[s - 0x80] : String.fromCharCode(s);
  }
  return out;
}
/** The dictionary as message.ts stores it: per phrase its symbol count then its coded bits. */
export function dictionaryBytes(phrases, code) {
  return phrases.flatMap((p) => [p.length, ...packSymbols(Array.from(p, (c) => c.charCodeAt(0)), code)]);
}

// Messages only per-model builds link (assembly/features.ts: ERR_NOT_BUILT) stay out of the
// phrase choice, so the default builds' dictionary, and their data, do not depend on them; so do
// those of the opcodes of the high mask (assembly/validate_high.ts), so that adding such an op
// leaves the bytes of every per-model build without it unchanged.
const OUT_OF_DICTIONARY = new Set([join(root, 'assembly', 'features.ts'), join(root, 'assembly', 'validate_high.ts')]);

/** Every str()/txt() literal under assembly/ (but OUT_OF_DICTIONARY's), once per occurrence. */
export function messageLiterals(dir = join(root, 'assembly')) {
  const texts = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !OUT_OF_DICTIONARY.has(p)) {
        const src = readFileSync(p, 'utf8');
        for (const re of [STR_CALL, TXT_CALL]) for (const m of src.matchAll(re)) texts.push(unescape(m[1]));
        for (const m of src.matchAll(LIST_CALL)) texts.push(...unescape(m[1]).split('|'));
      }
    }
  };
  walk(dir);
  return texts;
}

export function asciiStringCalls(source, coding) {
  return source.replace(STR_CALL, (call, body) => {
    const text = unescape(body);
    if (text.length === 0 || !isAscii(text)) return call;
    const symbols = encodeText(text, coding.phrases);
    // The symbol count leads the bits, as in a txt() fragment: each call site passes one address.
    if (symbols.length > 255) return call;
    return `moteStrBytes(memory.data<u8>([${symbols.length},${packSymbols(symbols, coding.code).join(',')}]))`;
  });
}
function fragmentBytes(text, call, file, coding) {
  const symbols = encodeText(text, coding.phrases);
  if (text.length === 0 || symbols.length > 255 || !isAscii(text)) {
    throw new Error(`${file}: ${call} must be 1 to 255 ASCII characters (each item)`);
  }
  return [symbols.length, ...packSymbols(symbols, coding.code)];
}
export function textFragments(source, file, coding) {
  return source
    .replace(TXT_CALL, (call, body) => `memory.data<u8>([${fragmentBytes(unescape(body), call, file, coding).join(',')}])`)
    .replace(LIST_CALL, (call, body) => `memory.data<u8>([${unescape(body).split('|').flatMap((t) => fragmentBytes(t, call, file, coding)).join(',')}])`);
}
// message.ts names the phrase table MOTE_TEXT_DICTIONARY and the code table MOTE_TEXT_CODE; they
// become those tables' bytes.
const DICTIONARY = /\bMOTE_TEXT_DICTIONARY\b/g;
const CODE_TABLE = /\bMOTE_TEXT_CODE\b/g;
// Picking the phrases takes about a second: reused while the literals stay the same.
let codingCache = null;
let codingFor = null;
/** The phrases and the Huffman code of the literals: { phrases, code }. */
export function textCoding(texts = messageLiterals()) {
  // The greedy choice picks by bytes saved before the Huffman code; under the code the last
  // phrases can cost more than they save. So the first k phrases, k a multiple of 16, whichever
  // stores least (fragments, phrase table and code table).
  const all = textDictionary(texts);
  let best = null;
  for (let k = 0; ; k = Math.min(k + 16, all.length)) {
    const phrases = all.slice(0, k), code = textCode(texts, phrases);
    let bytes = dictionaryBytes(phrases, code).length + code.table.length;
    for (const t of texts) if (isAscii(t) && t.length) bytes += 1 + packSymbols(encodeText(t, phrases), code).length;
    if (!best || bytes < best.bytes) best = { bytes, phrases, code };
    if (k === all.length) break;
  }
  return { phrases: best.phrases, code: best.code };
}
function codingOfSources() {
  if (!codingCache) {
    const texts = messageLiterals();
    const key = texts.join('\0');
    if (key !== codingFor?.key) codingFor = { key, coding: textCoding(texts) };
    codingCache = codingFor.coding;
  }
  return codingCache;
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
  if (path.startsWith(assemblyDir) && path.endsWith('.ts')) text = lazyAddresses(text);
  if (!path.startsWith(assemblyDir) || !path.endsWith('.ts') || !/\b(str|txt|txtList)\(|MOTE_TEXT_(DICTIONARY|CODE)/.test(text)) return text;
  const coding = codingOfSources();
  text = text.replace(DICTIONARY, () => `memory.data<u8>([${dictionaryBytes(coding.phrases, coding.code).join(',')}])`);
  text = text.replace(CODE_TABLE, () => `memory.data<u8>([${coding.code.table.join(',')}])`);
  text = textFragments(asciiStringCalls(text, coding), path, coding);
  nonLiteralCalls(text, path);
  return text;
}
// Static data is laid out in the order asc allocates it: every file's top-level `memory.data`
// first, as the file is compiled, then the message fragments inside function bodies. The kernels'
// buffers (gemm_packed.ts's 16.5 KB widening region among them) then pushed every fragment above
// address 8192, where each i32.const naming one takes 3 bytes instead of 2 (~340 of them in a
// per-model build), and a per-model build kept the data of files it does not use (lstm.ts's
// table). So each top-level `const NAME: usize = ...` computed from something (memory.data or
// another such address; integer literals stay as they are) is made `@lazy`: asc allocates it when
// a compiled function first uses it, and never when none does. The loaders' functions compile
// before the kernels' (mote_load comes before mote_run), so their fragments sit low. The values
// are still compile-time constants; only the addresses move.
const LAZY_ADDRESS = /^(export )?const \w+: usize = ([^;]*);/gm;
export function lazyAddresses(source) {
  return source.replace(LAZY_ADDRESS, (decl, _ex, init) => (/^\s*\d+\s*$/.test(init) ? decl : `@lazy ${decl}`));
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
  codingCache = null; // the sources may have changed since the last build in this process
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
