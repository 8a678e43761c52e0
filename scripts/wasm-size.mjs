#!/usr/bin/env node
// Where the runtime's bytes are (issue #4): per section, per source file and per function, for each
// build side by side. The release modules carry no names, so the per-function tables come from a
// second compile of the same build with `--debug` (names kept; binaryen optimizes it identically).
// Both are compiled here from the current sources, and the script checks that the two code sections
// are byte for byte the same before attributing anything. (It used to read build/ as the release:
// a build/ left over from older sources then "differed" from the fresh --debug compile.)
//
// Usage: node scripts/wasm-size.mjs [--builds simd,scalar] [--top 40] [--sections-only] [--json]
//   compiles the builds into a temporary directory; warns when build/mote.<build>.wasm is stale
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

function leb(b, p) {
  let v = 0, shift = 0, byte;
  do { byte = b[p++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [v, p];
}
function utf8(b, p) {
  const [len, q] = leb(b, p);
  return [Buffer.from(b.subarray(q, q + len)).toString('utf8'), q + len];
}

/** Sections of a module: id, name (custom sections: their own name), size with framing, body range. */
export function sections(wasm) {
  const out = [];
  for (let p = 8; p < wasm.length;) {
    const id = wasm[p];
    const [size, body] = leb(wasm, p + 1);
    const name = id === 0 ? `custom:${utf8(wasm, body)[0]}` : SECTION_NAMES[id] ?? `id${id}`;
    out.push({ id, name, bytes: body + size - p, body, end: body + size });
    p = body + size;
  }
  return out;
}

/** Function names from the `name` section (index → name); empty when stripped. */
function functionNames(wasm, secs) {
  const names = new Map();
  const ns = secs.find((s) => s.name === 'custom:name');
  if (!ns) return names;
  let p = utf8(wasm, ns.body)[1];
  while (p < ns.end) {
    const kind = wasm[p];
    const [size, body] = leb(wasm, p + 1);
    if (kind === 1) {
      let [n, q] = leb(wasm, body);
      for (let i = 0; i < n; i++) {
        let idx, name;
        [idx, q] = leb(wasm, q);
        [name, q] = utf8(wasm, q);
        names.set(idx, name);
      }
    }
    p = body + size;
  }
  return names;
}

/** Size summary of one module: sections, function bodies (named when a name section is present), data, exports. */
export function analyze(wasm) {
  const secs = sections(wasm);
  const names = functionNames(wasm, secs);
  let imported = 0;
  const imp = secs.find((s) => s.id === 2);
  if (imp) {
    let [n, p] = leb(wasm, imp.body);
    for (let i = 0; i < n; i++) {
      p = utf8(wasm, utf8(wasm, p)[1])[1];
      const kind = wasm[p++];
      if (kind === 0) { imported++; p = leb(wasm, p)[1]; } else throw new Error('only function imports are expected');
    }
  }
  const functions = [];
  const code = secs.find((s) => s.id === 10);
  if (code) {
    let [n, p] = leb(wasm, code.body);
    for (let i = 0; i < n; i++) {
      const [size, body] = leb(wasm, p);
      functions.push({ name: names.get(imported + i) ?? `#${imported + i}`, bytes: body + size - p });
      p = body + size;
    }
  }
  let segments = 0, dataBytes = 0;
  const data = secs.find((s) => s.id === 11);
  if (data) {
    let [n, p] = leb(wasm, data.body);
    segments = n;
    for (let i = 0; i < n; i++) {
      const flags = wasm[p];
      if (flags !== 0) break; // passive or explicit-memory segments: count only
      p = leb(wasm, p + 2)[1] + 1; // i32.const <offset> end
      const [len, q] = leb(wasm, p);
      dataBytes += len;
      p = q + len;
    }
  }
  const exp = secs.find((s) => s.id === 7);
  const exports = exp ? leb(wasm, exp.body)[0] : 0;
  return { total: wasm.length, sections: secs.map(({ name, bytes }) => ({ name, bytes })), functions, segments, dataBytes, exports, named: names.size > 0 };
}

/** Source file of a function name as AssemblyScript writes it (`assembly/kernels/pool/pool_s8` → `assembly/kernels/pool`). */
export function sourceOf(name) {
  if (name.startsWith('~lib/')) return name.split('/').slice(0, 2).join('/');
  const i = name.lastIndexOf('/');
  return i > 0 ? name.slice(0, i) : name;
}

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
  const builds = opt('--builds', 'simd,scalar').split(',');
  const top = Number(opt('--top', '40'));
  const json = argv.includes('--json');
  const { buildWasm } = await import('./build-wasm.mjs');
  const release = {};
  const named = {};
  const codeOf = (wasm) => {
    const s = sections(wasm).find((x) => x.name === 'code');
    return s ? Buffer.from(wasm.subarray(s.body, s.end)) : Buffer.alloc(0);
  };
  const dir = mkdtempSync(join(tmpdir(), 'mote-wasm-size-'));
  try {
    for (const b of builds) {
      const wasm = readFileSync(await buildWasm(b, { outDir: join(dir, 'release') }));
      release[b] = analyze(wasm);
      const built = join(root, 'build', `mote.${b}.wasm`);
      if (existsSync(built) && !readFileSync(built).equals(wasm)) {
        console.error(`note: ${built} is stale (${readFileSync(built).length} B; the current sources give ${wasm.length} B); run scripts/build-wasm.mjs`);
      }
      if (argv.includes('--sections-only')) continue;
      const debug = readFileSync(await buildWasm(b, { outDir: join(dir, 'debug'), args: ['--debug'] }));
      // The names build must be the release build plus names; otherwise the attribution is wrong.
      if (!codeOf(debug).equals(codeOf(wasm))) {
        throw new Error(`${b}: the --debug build's code section (${codeOf(debug).length} B) differs from the release's (${codeOf(wasm).length} B)`);
      }
      named[b] = analyze(debug);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) {
    console.log(JSON.stringify({ release, functions: Object.fromEntries(Object.entries(named).map(([b, a]) => [b, a.functions])) }, null, 1));
    return;
  }

  const secNames = [...new Set(builds.flatMap((b) => release[b].sections.map((s) => s.name)))];
  const secRows = secNames.map((n) => [n, ...builds.map((b) => release[b].sections.find((s) => s.name === n)?.bytes ?? '-')]);
  secRows.push(['(header)', ...builds.map(() => 8)]);
  secRows.push(['total', ...builds.map((b) => release[b].total)]);
  console.log(table(secRows, ['section (bytes incl. framing)', ...builds]));
  console.log();
  console.log(table([
    ['functions', ...builds.map((b) => release[b].functions.length)],
    ['exports', ...builds.map((b) => release[b].exports)],
    ['data segments', ...builds.map((b) => release[b].segments)],
    ['data payload bytes', ...builds.map((b) => release[b].dataBytes)],
    ['name section', ...builds.map((b) => (release[b].named ? 'PRESENT (not stripped)' : 'stripped'))],
  ], ['module', ...builds]));
  if (!Object.keys(named).length) return;

  const byFile = new Map();
  for (const b of builds) {
    for (const f of named[b].functions) {
      const k = sourceOf(f.name);
      const row = byFile.get(k) ?? {};
      row[b] = (row[b] ?? 0) + f.bytes;
      byFile.set(k, row);
    }
  }
  const sortKey = (row) => Math.max(...builds.map((b) => row[b] ?? 0));
  const fileRows = [...byFile].sort((a, b) => sortKey(b[1]) - sortKey(a[1])).map(([k, row]) => [k, ...builds.map((b) => row[b] ?? '-')]);
  console.log();
  console.log('Code bytes per source file (after inlining: a function counts where its code ended up)');
  console.log(table(fileRows, ['source', ...builds]));

  const byFn = new Map();
  for (const b of builds) for (const f of named[b].functions) byFn.set(f.name, { ...byFn.get(f.name), [b]: f.bytes });
  const fnRows = [...byFn].sort((a, b) => sortKey(b[1]) - sortKey(a[1])).slice(0, top).map(([k, row]) => [k, ...builds.map((b) => row[b] ?? '-')]);
  console.log();
  console.log(`Largest ${fnRows.length} functions (code bytes)`);
  console.log(table(fnRows, ['function', ...builds]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e.message); process.exit(1); });
}
