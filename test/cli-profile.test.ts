// `mote profile` and `mote bench` on a CNN made by the project's demo code, in-process through
// commander. Timings are never asserted; what is checked is structure against independent sources:
// the table's rows against the converted graph (op kinds, names, MACs recomputed with
// converter/macs.ts from the graph's shapes) and the blob's schedule (host/blob-reader.ts), medians
// and shares recomputed from the JSON-lines file by hand, the SVG parsed as XML, the statistics'
// ordering. Error paths: corrupt blobs, malformed profiles (messages naming the line), bad options.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { convert } from '../converter/convert.js';
import { initCnn } from '../converter/demo/cnn.js';
import { DEMO_CLASSES, makeDataset } from '../converter/demo/data.js';
import { cnnToOnnx } from '../converter/demo/export.js';
import type { Graph } from '../converter/ir/graph.js';
import { nodeMacs } from '../converter/macs.js';
import { readBlob } from '../host/blob-reader.js';
import { preparedBytesOf } from '../host/prepared.js';
import { registerBench, type BenchResult } from '../host/cli/bench.js';
import { CliError, EXIT_USAGE } from '../host/cli/errors.js';
import { registerProfile, type ProfileJson } from '../host/cli/profile.js';
import { registerRun } from '../host/cli/run.js';
import { writeNpy } from '../host/npy.js';
import { formatProfile, parseProfile } from '../host/profile-format.js';
import { renderTable, summarizeProfile } from '../host/profile-render.js';
import { MoteError } from '../host/runtime.js';
import { hasStackTrace, mote as spawnMote, ensureBuilt, tempDir } from './support/mote-cli.js';

/** Runs the commands in-process; returns what they print on stdout (stderr is dropped). */
async function mote(args: string[]): Promise<string> {
  let out = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerProfile(program);
    registerBench(program);
    registerRun(program);
    await program.parseAsync(['node', 'mote', ...args]);
    return out;
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

async function failure(args: string[]): Promise<CliError> {
  const err = await mote(args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

/** Median by sorting, written out here rather than taken from host/timing.ts. */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const dir = tempDir('cli-profile');
const blobPath = join(dir, 'demo.mote');
let graph: Graph;
let blob: Uint8Array;

beforeAll(() => {
  // An untrained demo CNN (conv, pool, conv, global average, FC): timing does not need accuracy.
  const data = makeDataset(24, 31);
  const onnx = cnnToOnnx(initCnn({ size: 16, c1: 8, c2: 16, classes: DEMO_CLASSES.length }, 32), DEMO_CLASSES);
  const calibration = Array.from({ length: 16 }, (_, i) => [data.images.slice(i * 256, (i + 1) * 256)]);
  const r = convert(onnx, 'demo.onnx', { precision: 'int8', calibration });
  graph = r.graph;
  blob = r.blob;
  writeFileSync(blobPath, blob);
  writeFileSync(join(dir, 'x.npy'), writeNpy(data.images.slice(0, 4 * 256), [4, 1, 16, 16]));
}, 60_000);

describe('mote profile (measured here)', () => {
  let json: ProfileJson;
  const svgPath = join(dir, 'demo.svg');
  const jsonlPath = join(dir, 'demo.jsonl');

  beforeAll(async () => {
    json = JSON.parse(await mote(['profile', blobPath, '--runs', '5', '--warmup', '1', '--json', '--svg', svgPath, '--jsonl', jsonlPath])) as ProfileJson;
  });

  it('rows are the blob schedule: op kinds and names from the blob, MACs = converter/macs.ts on the graph', () => {
    const view = readBlob(blob);
    expect(json.ops.map((o) => [o.index, o.op, o.name])).toEqual(view.ops.map((op) => [op.index, op.opName, op.name]));
    expect(json.ops.length).toBeGreaterThanOrEqual(4);
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    let total = 0;
    for (const row of json.ops) {
      const node = byName.get(row.name);
      expect(node, `graph node '${row.name}'`).toBeDefined();
      expect(row.op).toBe(node!.op);
      expect(row.macs).toBe(nodeMacs(graph, node!));
      total += row.macs!;
    }
    expect(json.ops.some((o) => o.macs! > 0)).toBe(true);
    expect(json.totalMacs).toBe(total);
  });

  it('per-op medians and shares recomputed from the written JSON-lines profile', () => {
    const profile = parseProfile(readFileSync(jsonlPath, 'utf8'));
    expect(profile.runs.length).toBe(5);
    expect(json.runs).toBe(5);
    let sum = 0;
    json.ops.forEach((row, i) => {
      const times = profile.runs.map((r) => r.ops[i].t_us);
      expect(row.medianUs).toBeCloseTo(median(times), 9);
      expect(row.p10Us).toBeLessThanOrEqual(row.medianUs);
      expect(row.medianUs).toBeLessThanOrEqual(row.p90Us);
      sum += row.medianUs;
    });
    expect(json.opSumUs).toBeCloseTo(sum, 9);
    json.ops.forEach((row) => expect(row.share).toBeCloseTo((row.medianUs / sum) * 100, 9));
    expect(json.ops.reduce((s, o) => s + o.share, 0)).toBeCloseTo(100, 9);
    expect(json.run.medianUs).toBeCloseTo(median(profile.runs.map((r) => r.run.t_us)), 9);
    for (const r of profile.runs) expect(r.run).toMatchObject({ build: 'simd', host: 'node', model: 'demo.mote' });
  });

  it('--json shape', () => {
    expect(json).toMatchObject({ source: 'measured', model: 'demo.mote', build: 'simd', host: 'node', runs: 5, opRuns: 5 });
    for (const key of ['run', 'ops', 'byType', 'opSumUs', 'totalMacs', 'gmacPerSecond', 'timeline', 'warnings']) expect(json).toHaveProperty(key);
    for (const o of json.ops) {
      for (const key of ['index', 'op', 'name', 'medianUs', 'p10Us', 'p90Us', 'share', 'macs']) expect(o).toHaveProperty(key);
    }
    // Op types: counts and shares add up to the per-op rows.
    const types = new Map<string, number>();
    for (const o of json.ops) types.set(o.op, (types.get(o.op) ?? 0) + 1);
    expect(json.byType.map((t) => [t.op, t.count]).sort()).toEqual([...types.entries()].sort());
    expect(json.byType.reduce((s, t) => s + t.share, 0)).toBeCloseTo(100, 9);
  });

  it('the SVG is well-formed XML with one bar per op, in schedule order along the time axis', () => {
    const svg = readFileSync(svgPath, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as Record<string, any>;
    const groups = ([] as any[]).concat(doc.svg.g);
    const opsGroup = groups.find((g) => g.class === 'ops');
    const bars = ([] as any[]).concat(opsGroup.rect).filter((r) => r.class === 'op');
    expect(bars.map((b) => Number(b['data-index']))).toEqual(json.ops.map((o) => o.index));
    expect(bars.map((b) => b['data-op'])).toEqual(json.ops.map((o) => o.op));
    const xs = bars.map((b) => Number(b.x));
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]);
    // The timeline run is one of the profiled runs, its bars end to end from 0.
    const tl = json.timeline!;
    expect(tl.bars.length).toBe(json.ops.length);
    let t = 0;
    for (const b of tl.bars) {
      expect(b.startUs).toBeCloseTo(t, 9);
      t += b.us;
    }
  });

  it('the text table is sorted by time, one row per op, shares adding up to 100 % within rounding', async () => {
    const text = await mote(['profile', blobPath, '--runs', '3', '--warmup', '0']);
    const lines = text.split('\n');
    const start = lines.findIndex((l) => /^\s*#\s+op\s+name/.test(l)) + 2;
    const rows = lines.slice(start, start + json.ops.length).map((l) => l.trim().split(/\s{2,}/));
    expect(rows.length).toBe(json.ops.length);
    const times = rows.map((r) => Number(r[3].replace(/,/g, '')));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
    expect(rows.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual(json.ops.map((o) => o.index));
    const shares = rows.map((r) => Number(r[4].replace('%', '')));
    expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(0.05 * rows.length + 1e-9);
  });

  it('--input files and the scalar build', async () => {
    const j = JSON.parse(await mote(['profile', blobPath, '--build', 'scalar', '--input', join(dir, 'x.npy'), '--runs', '2', '--warmup', '0', '--json'])) as ProfileJson;
    expect(j.build).toBe('scalar');
    expect(j.ops.map((o) => o.name)).toEqual(json.ops.map((o) => o.name));
  });
});

describe('mote profile --from', () => {
  it('round trip with a profile written by `mote run --profile`', async () => {
    const runProfile = join(dir, 'run.jsonl');
    await mote(['run', blobPath, '--input', join(dir, 'x.npy'), '--profile', runProfile]);
    const profile = parseProfile(readFileSync(runProfile, 'utf8'));
    expect(profile.runs.length).toBe(4);
    for (const args of [['profile', blobPath, '--from', runProfile, '--json'], ['profile', '--from', runProfile, '--json']]) {
      const j = JSON.parse(await mote(args)) as ProfileJson;
      expect(j.source).toBe(runProfile);
      expect(j.runs).toBe(4);
      expect(j.ops.length).toBe(readBlob(blob).ops.length);
      j.ops.forEach((row, i) => {
        expect(row.medianUs).toBeCloseTo(median(profile.runs.map((r) => r.ops[i].t_us)), 9);
        expect(row.macs).toBe(profile.runs[0].ops[i].macs);
        expect(row.name).toBe(profile.runs[0].ops[i].name);
      });
    }
    // The profile rewritten with --jsonl parses to the same runs.
    const again = join(dir, 'again.jsonl');
    await mote(['profile', '--from', runProfile, '--jsonl', again]);
    expect(parseProfile(readFileSync(again, 'utf8')).runs).toEqual(profile.runs);
  });

  it('a device profile: closed-form medians and shares, MACs from the blob when the records lack them', async () => {
    const view = readBlob(blob);
    // Run k gives op i the time (i + 1) * (10 + k): the median over k = 0, 1, 2 is (i + 1) * 11.
    const runs = [0, 1, 2].map((k) => ({
      run: { type: 'run' as const, model: 'demo.mote', build: 'scalar' as const, host: 'esp32' as const, t_us: 1000, device: 'esp32s3' },
      ops: view.ops.map((op, i) => ({ type: 'op' as const, index: i, op: op.opName, name: op.name, t_us: (i + 1) * (10 + k) })),
    }));
    const path = join(dir, 'device.jsonl');
    writeFileSync(path, formatProfile(runs));
    const j = JSON.parse(await mote(['profile', blobPath, '--from', path, '--json'])) as ProfileJson;
    const n = view.ops.length;
    const total = (11 * n * (n + 1)) / 2;
    j.ops.forEach((row, i) => {
      expect(row.medianUs).toBeCloseTo((i + 1) * 11, 12);
      expect(row.share).toBeCloseTo(((i + 1) * 11 * 100) / total, 12);
      const node = graph.nodes.find((nd) => nd.name === row.name)!;
      expect(row.macs).toBe(nodeMacs(graph, node));
    });
    expect(j).toMatchObject({ host: 'esp32', device: 'esp32s3', build: 'scalar' });
    // Without the blob the records have no MACs: the table shows none rather than inventing them.
    const text = await mote(['profile', '--from', path]);
    expect(text).toContain('esp32s3');
    expect(text).not.toMatch(/^MACs:/m);
  });

  it('a profile with whole-run records only prints totals; --svg says why it cannot draw', async () => {
    const path = join(dir, 'runs-only.jsonl');
    writeFileSync(path, formatProfile([10, 30, 20].map((t) => ({ run: { type: 'run' as const, model: 'm', build: 'simd' as const, host: 'browser' as const, t_us: t }, ops: [] }))));
    const text = await mote(['profile', '--from', path]);
    expect(text).toContain('no per-op records');
    expect(text).toContain('median 20.0');
    expect((await failure(['profile', '--from', path, '--svg', join(dir, 'x.svg')])).message).toMatch(/no per-op records/);
  });

  it('renderTable / summarizeProfile agree on a hand-made profile', () => {
    const text = formatProfile([
      { run: { type: 'run', model: 'm', build: 'simd', host: 'node', t_us: 40 }, ops: [{ type: 'op', index: 0, op: 'conv2d', name: 'a', t_us: 30, macs: 3000 }, { type: 'op', index: 1, op: 'add', name: 'b', t_us: 10, macs: 0 }] },
    ]);
    const s = summarizeProfile(parseProfile(text));
    expect(s.ops.map((o) => o.share)).toEqual([75, 25]);
    expect(s.ops[0].gmacPerSecond).toBeCloseTo(3000 / 30e-6 / 1e9, 12);
    expect(s.gmacPerSecond).toBeCloseTo(3000 / 40e-6 / 1e9, 12);
    expect(renderTable(s)).toMatch(/0\s+conv2d\s+a\s+30\.0\s+75\.0%\s+3,000\s+0\.10/);
  });
});

describe('mote bench', () => {
  it('--build both --json: fields present and consistent', async () => {
    const r = JSON.parse(await mote(['bench', blobPath, '--build', 'both', '--runs', '7', '--warmup', '0', '--json'])) as BenchResult;
    const macs = graph.nodes.reduce((s, n) => s + nodeMacs(graph, n), 0);
    expect(r).toMatchObject({ model: 'demo.mote', blobBytes: blob.length, ops: readBlob(blob).ops.length, macs });
    expect(r.results.map((b) => b.build)).toEqual(['simd', 'scalar']);
    for (const b of r.results) {
      expect(b.runs).toBe(7);
      expect(b.warmupRuns).toBe(0);
      expect(b.p10Ms).toBeLessThanOrEqual(b.medianMs);
      expect(b.medianMs).toBeLessThanOrEqual(b.p90Ms);
      expect(b.medianMs).toBeGreaterThan(0);
      expect(b.inferencesPerSecond).toBeCloseTo(1000 / b.medianMs, 6);
      expect(b.gmacPerSecond).toBeCloseTo(macs / (b.medianMs * 1e-3) / 1e9, 6);
      expect(b.loadMs).toBeGreaterThan(0);
    }
    expect(r.scalarOverSimd).toBeCloseTo(r.results[1].medianMs / r.results[0].medianMs, 9);
  });

  it('--prepare-budget list: one row per budget, prepared bytes = the blob plan within each budget, ratios to the largest', async () => {
    const view = readBlob(blob);
    const full = preparedBytesOf(view);
    expect(full).toBeGreaterThan(0);
    const r = JSON.parse(await mote(['bench', blobPath, '--prepare-budget', `0,${full - 1},1k,unlimited`, '--runs', '5', '--warmup', '0', '--json'])) as BenchResult;
    expect(r.results.map((b) => b.prepareBudget)).toEqual([0, full - 1, 1024, undefined]); // absent: no limit
    const budgets = [0, full - 1, 1024, Infinity];
    r.results.forEach((b, i) => {
      expect(b.preparedBytes).toBe(preparedBytesOf(view, budgets[i]));
      expect(b.preparedBytes).toBeLessThanOrEqual(budgets[i]);
      expect(b.overLargestBudget).toBeCloseTo(b.medianMs / r.results[3].medianMs, 9);
      expect(b.p10OverLargestBudget).toBeCloseTo(b.p10Ms / r.results[3].p10Ms, 9);
    });
    expect(r.results[3].preparedBytes).toBe(full);
    const text = await mote(['bench', blobPath, '--prepare-budget', '0,unlimited', '--runs', '3', '--warmup', '0']);
    expect(text).toMatch(/^simd\s+0\s+0\s+[\d.]+/m);
    expect(text).toMatch(new RegExp(`^simd\\s+no limit\\s+${full.toLocaleString('en-US')}\\s+[\\d.]+.*1\\.000\\s+1\\.000$`, 'm'));
    const e = await failure(['bench', blobPath, '--no-prepare', '--prepare-budget', '1k']);
    expect(e.exitCode).toBe(EXIT_USAGE);
    expect(e.message).toMatch(/disagree/);
    expect((await failure(['run', blobPath, '--input', 'x.npy', '--prepare-budget', '-5'])).message).toContain("--prepare-budget must be a whole number of bytes >= 0");
    expect((await failure(['profile', blobPath, '--prepare-budget', '1.5k'])).message).toContain("'1.5k'");
  });

  it('run --max-memory: refuses a blob the runtime would need more linear memory for, before loading; runs it within the cap', async () => {
    const xs = join(dir, 'x.npy');
    const free = await mote(['run', blobPath, '--input', xs]);
    const err = await mote(['run', blobPath, '--input', xs, '--max-memory', '1k']).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MoteError);
    expect((err as MoteError).message).toMatch(/asks for \d+ bytes of linear memory .*more than maxMemoryBytes 1024/);
    expect(await mote(['run', blobPath, '--input', xs, '--max-memory', '64MiB'])).toBe(free);
    expect((await failure(['run', blobPath, '--input', xs, '--max-memory', '2 GB'])).message).toContain("--max-memory must be a whole number of bytes >= 0, optionally with k / KiB (1024) or m / MiB (1048576), got '2 GB'");
  });

  it('text output: one row per build and the ratio', async () => {
    const text = await mote(['bench', blobPath, '--build', 'both', '--runs', '3', '--warmup', '1']);
    expect(text).toMatch(/^simd\s+[\d.]+/m);
    expect(text).toMatch(/^scalar\s+[\d.]+/m);
    expect(text).toMatch(/scalar ÷ simd \(median\): [\d.]+×/);
  });
});

describe('errors', () => {
  it('a corrupt blob is named with the runtime reader problem', async () => {
    const bad = new Uint8Array(blob);
    bad[bad.length - 3] ^= 0x5a;
    const path = join(dir, 'corrupt.mote');
    writeFileSync(path, bad);
    for (const cmd of ['profile', 'bench']) {
      const e = await failure([cmd, path, '--runs', '1', '--warmup', '0']);
      expect(e.message).toContain(path);
      expect(e.message).toMatch(/crc/i);
    }
    writeFileSync(join(dir, 'short.mote'), blob.slice(0, 20));
    expect((await failure(['bench', join(dir, 'short.mote')])).message).toMatch(/shorter than/);
    expect((await failure(['profile', join(dir, 'missing.mote')])).message).toMatch(/does not exist/);
  });

  it('bad profile files: the message names the file and the line', async () => {
    const good = formatProfile([
      {
        run: { type: 'run', model: 'demo.mote', build: 'simd', host: 'node', t_us: 100 },
        ops: readBlob(blob).ops.map((op, i) => ({ type: 'op' as const, index: i, op: op.opName, name: op.name, t_us: 5 })),
      },
    ]).split('\n');
    const cases: [string[], RegExp][] = [
      [[good[0], good[1], good[2].replace('"t_us"', '"t_ms"')], /line 3: unknown field "t_ms"/],
      [[good[0], '{not json'], /line 2: not valid JSON/],
      [[good[0], good[2]], /line 2: op index 1 out of order/],
      [[good[0], good[1].replace(/"op":"[a-z0-9_]+"/, '"op":"softmax"'), ...good.slice(2)], /line 1: run 0, op 0 is "softmax"/],
      [[...good.slice(0, 2)], /line 1: run 0 times 1 ops/],
      [['', '# nothing'], /no "run" record/],
    ];
    for (const [lines, pattern] of cases) {
      const path = join(dir, 'bad.jsonl');
      writeFileSync(path, lines.join('\n'));
      const e = await failure(['profile', blobPath, '--from', path]);
      expect(e.message).toContain(path);
      expect(e.message).toMatch(pattern);
    }
    // Runs from two builds in one file.
    const mixed = formatProfile([
      { run: { type: 'run', model: 'm', build: 'simd', host: 'node', t_us: 1 }, ops: [] },
      { run: { type: 'run', model: 'm', build: 'scalar', host: 'node', t_us: 1 }, ops: [] },
    ]);
    writeFileSync(join(dir, 'mixed.jsonl'), mixed);
    expect((await failure(['profile', '--from', join(dir, 'mixed.jsonl')])).message).toMatch(/line 2: run 1 has build "scalar"/);
  });

  it('usage errors', async () => {
    const usage: [string[], RegExp][] = [
      [['profile'], /give a model/],
      [['profile', blobPath, '--build', 'fast'], /--build must be simd or scalar/],
      [['bench', blobPath, '--build', 'fast'], /--build must be simd, scalar or both/],
      [['bench', blobPath, '--runs', '0'], /--runs must be a whole number >= 1/],
      [['profile', blobPath, '--warmup', '-1'], /--warmup must be a whole number >= 0/],
      [['profile', blobPath, '--from', 'x.jsonl', '--input', 'x.npy'], /--input is for measuring/],
    ];
    for (const [args, pattern] of usage) {
      const e = await failure(args);
      expect(e.exitCode).toBe(EXIT_USAGE);
      expect(e.message).toMatch(pattern);
    }
  });

  it('the real command prints one clear line for a corrupt blob (no stack trace)', () => {
    ensureBuilt();
    const bad = new Uint8Array(blob);
    bad[bad.length - 3] ^= 0x5a;
    const path = join(dir, 'corrupt2.mote');
    writeFileSync(path, bad);
    for (const cmd of ['profile', 'bench']) {
      const r = spawnMote([cmd, path]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^mote: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*crc`, 'im'));
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  }, 120_000);
});
