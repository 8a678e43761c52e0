// `mote profile MODEL.mote`: where an inference spends its time, op by op. Either measures it here
// (warm-up, then N runs each timed op by op through the runtime's mote_run_op) or reads a profile a
// host already wrote (`--from FILE.jsonl`: `mote run --profile`, the browser page, the ESP32 host);
// prints the per-op table sorted by time, and on request the SVG timeline and the JSON-lines file.
import { cpus } from 'node:os';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { BlobView } from '../blob-reader.js';
import { readNpy } from '../npy.js';
import { formatProfile, parseProfile, ProfileFormatError, type Profile, type ProfileOpRecord, type ProfileRunRecord } from '../profile-format.js';
import { renderSvg, renderTable, summarizeProfile, type ProfileSummary } from '../profile-render.js';
import { MoteRuntime, streamsWeights, type MoteBuild, type MoteModel, type MoteTypedArray } from '../runtime.js';
import { opcodeMacs } from './blob-macs.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { readBlobFile, readInput, writeOutput } from './files.js';
import { sampleCount, sampleOf, toNative, type IoSpec } from './tensors.js';

export interface ProfileCliOptions {
  build: string;
  runs?: string;
  warmup?: string;
  input?: string[];
  from?: string;
  svg?: string;
  jsonl?: string;
  json?: boolean;
  /** --prepare-budget: MoteLoadOptions.prepareBudget (prepareBudgetOption). */
  prepareBudget?: string;
  /** false (--no-prepare): no prepared state. */
  prepare?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Option parsing and inputs, shared with `mote bench`.

export function parseBuild(value: string, allowBoth = false): MoteBuild[] {
  if (value === 'simd' || value === 'scalar') return [value];
  if (allowBoth && value === 'both') return ['simd', 'scalar'];
  throw new CliError(`--build must be simd${allowBoth ? ', scalar or both' : ' or scalar'}, not '${value}'`, EXIT_USAGE);
}

export function wholeOption(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new CliError(`${option} must be a whole number >= ${min}, got '${value}'`, EXIT_USAGE);
  return Number(value);
}

/** A byte count flag's value: a whole number, optionally with k / KiB (1024) or m / MiB (1048576). */
export function byteCountOption(flag: string, value: string, alternatives = ''): number {
  const m = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(value.trim());
  if (!m) throw new CliError(`${flag} must be a whole number of bytes >= 0, optionally with k / KiB (1024) or m / MiB (1048576)${alternatives}, got '${value}'`, EXIT_USAGE);
  const unit = m[2] ? (m[2][0].toLowerCase() === 'k' ? 1024 : 1048576) : 1;
  return Number(m[1]) * unit;
}

/**
 * --prepare-budget BYTES: a whole number of bytes, or with a binary suffix (64k = 64KiB = 65536,
 * 1m = 1MiB) or `unlimited` (Infinity); with --no-prepare (`prepare` false) only 0 agrees. undefined: no limit.
 */
export function prepareBudgetOption(value: string | undefined, prepare: boolean | undefined): number | undefined {
  if (value === undefined) return prepare === false ? 0 : undefined;
  if (/^\s*unlimited\s*$/i.test(value) && prepare !== false) return Infinity;
  const bytes = byteCountOption('--prepare-budget', value, ', or unlimited');
  if (prepare === false && bytes !== 0) throw new CliError(`--no-prepare and --prepare-budget ${value} disagree; give one of them`, EXIT_USAGE);
  return bytes;
}

const ARRAYS = { f32: Float32Array, s8: Int8Array, s32: Int32Array, u8: Uint8Array, s16: Int16Array, bool: Uint8Array } as const;

/**
 * One deterministic pseudo-random sample per input: the full int8/uint8 range, [-1, 1) for
 * floats. Kernel times do not depend on the values, so any input that is legal will do.
 */
export function randomInputs(model: MoteModel, seed = 1): MoteTypedArray[] {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return model.inputs.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const a = new ARRAYS[t.dtype](n);
    for (let i = 0; i < n; i++) {
      const r = next();
      if (t.dtype === 'f32') a[i] = (r / 2 ** 32) * 2 - 1;
      else if (t.dtype === 'u8') a[i] = r >>> 24;
      else if (t.dtype === 'bool') a[i] = r >>> 31;
      else a[i] = (r >>> 24) - 128; // s8; also a safe small range for s16/s32
    }
    return a;
  });
}

/** The samples of --input files (in the model's input order, or NAME=PATH), each in native dtype. */
export function fileInputs(args: string[], view: BlobView): MoteTypedArray[][] {
  const specs: IoSpec[] = view.inputs.map((id) => {
    const t = view.tensors[id];
    return { name: t.name, dtype: t.dtypeName, shape: t.shape, scale: t.scale, zeroPoint: t.zeroPoint };
  });
  const paths = new Map<string, string>();
  const positional: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : '';
    if (specs.some((s) => s.name === name)) paths.set(name, arg.slice(eq + 1));
    else positional.push(arg);
  }
  const free = specs.filter((s) => !paths.has(s.name));
  if (positional.length !== free.length) {
    throw new CliError(`the model has ${specs.length} input(s) (${specs.map((s) => s.name).join(', ')}); got ${args.length} --input file(s)`, EXIT_USAGE);
  }
  positional.forEach((p, k) => paths.set(free[k].name, p));
  let count = -1;
  const values = specs.map((spec) => {
    const path = paths.get(spec.name)!;
    const what = `input '${spec.name}' (${path})`;
    const arr = readNpy(readInput(path, `input file for '${spec.name}'`), path);
    const n = sampleCount(arr.shape, spec.shape, what);
    if (n === 0) throw new CliError(`${what}: the array holds no samples`);
    if (count >= 0 && n !== count) throw new CliError(`${what} holds ${n} samples, the other inputs ${count}`);
    count = n;
    return toNative(arr, spec, what);
  });
  return Array.from({ length: count }, (_, s) => values.map((v) => sampleOf(v, count, s) as MoteTypedArray));
}

// V8 first runs wasm on its baseline compiler and swaps in optimized code compiled in the
// background, so warm-up needs wall time as well as calls (bench/measure.ts does the same).
export const WARMUP_MIN_MS = 300;

/**
 * Runs `fn` at least `runs` times and, when runs > 0, for at least WARMUP_MIN_MS. Returns how many
 * runs that took and the times of the last half (by then the code is optimized: an estimate).
 */
export function warmUp(fn: () => void, runs: number): { runs: number; tailMs: number[] } {
  const ms: number[] = [];
  if (runs === 0) return { runs: 0, tailMs: [] };
  const end = performance.now() + WARMUP_MIN_MS;
  while (ms.length < runs || performance.now() < end) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
    if (ms.length >= 100_000) break;
  }
  return { runs: ms.length, tailMs: ms.slice(ms.length >> 1) };
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface MeasureProfileOptions {
  build: MoteBuild;
  runs: number;
  warmup: number;
  /** Samples to cycle through (random ones when omitted). */
  samples?: MoteTypedArray[][];
  modelName: string;
  /** MoteLoadOptions.prepareBudget (undefined: no limit). */
  prepareBudget?: number;
}

/** Profiles a blob on this machine: every run timed whole and op by op (docs/PROFILE.md records). */
export async function measureProfile(blob: Uint8Array, view: BlobView, o: MeasureProfileOptions): Promise<Profile> {
  const runtime = await MoteRuntime.create(o.build, undefined, { stream: streamsWeights(blob) });
  const model = runtime.load(blob, { prepareBudget: o.prepareBudget });
  const samples = o.samples ?? [randomInputs(model)];
  const macs = view.ops.map((op) => opcodeMacs(view, op));
  let k = 0;
  warmUp(() => model.run(samples[k++ % samples.length]), o.warmup);
  // The profiled path calls into wasm once per op; warm that JS path too.
  for (let i = 0; i < Math.min(o.warmup, 3); i++) model.profile(samples[i % samples.length]);
  const device = cpus()[0]?.model.trim() || undefined;
  const runs: { run: ProfileRunRecord; ops: ProfileOpRecord[] }[] = [];
  for (let r = 0; r < o.runs; r++) {
    const t0 = performance.now();
    const p = model.profile(samples[r % samples.length]);
    const total = performance.now() - t0;
    const run: ProfileRunRecord = { type: 'run', model: o.modelName, build: o.build, host: 'node', t_us: total * 1000, run: r };
    if (device) run.device = device;
    runs.push({ run, ops: p.ops.map((op) => ({ type: 'op', run: r, index: op.index, op: op.op, name: op.name, t_us: op.ms * 1000, macs: macs[op.index] })) });
  }
  // Through the writer and parser, so a measured profile obeys exactly the rules of a read one.
  return parseProfile(formatProfile(runs));
}

// ---------------------------------------------------------------------------------------------
// Reading --from

function readProfileFile(path: string): Profile {
  const bytes = readInput(path, 'profile');
  try {
    return parseProfile(new TextDecoder().decode(bytes));
  } catch (e) {
    if (e instanceof ProfileFormatError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}

/** A profile from elsewhere must time this blob's schedule: same op count and kinds. */
function checkAgainstBlob(profile: Profile, view: BlobView, profilePath: string, blobPath: string): void {
  for (const r of profile.runs) {
    if (r.ops.length === 0) continue;
    if (r.ops.length !== view.ops.length) {
      throw new CliError(`${profilePath}: profile line ${r.line}: run ${r.run.run} times ${r.ops.length} ops, but ${blobPath} schedules ${view.ops.length}`);
    }
    r.ops.forEach((o, i) => {
      if (o.op !== view.ops[i].opName) {
        throw new CliError(`${profilePath}: profile line ${r.line}: run ${r.run.run}, op ${i} is "${o.op}" but ${blobPath} has "${view.ops[i].opName}" there`);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The command

export interface ProfileJson extends ProfileSummary {
  /** Where the numbers come from: measured here, or the file read with --from. */
  source: 'measured' | string;
}

export async function profileCommand(blobPath: string | undefined, opts: ProfileCliOptions): Promise<ProfileJson> {
  const [build] = parseBuild(opts.build);
  const runs = wholeOption(opts.runs, '--runs', 1) ?? 20;
  const warmup = wholeOption(opts.warmup, '--warmup', 0) ?? 20;
  const prepareBudget = prepareBudgetOption(opts.prepareBudget, opts.prepare);
  if (!blobPath && !opts.from) throw new CliError('give a model (MODEL.mote) to measure, or --from PROFILE.jsonl to read', EXIT_USAGE);
  if (opts.from && opts.input?.length) throw new CliError('--input is for measuring; --from reads a profile that was already measured', EXIT_USAGE);

  const blob = blobPath ? readBlobFile(blobPath) : undefined;
  let profile: Profile;
  if (opts.from) {
    profile = readProfileFile(opts.from);
    if (blob) checkAgainstBlob(profile, blob.view, opts.from, blobPath!);
  } else {
    const samples = opts.input?.length ? fileInputs(opts.input, blob!.view) : undefined;
    profile = await measureProfile(blob!.bytes, blob!.view, { build, runs, warmup, samples, modelName: basename(blobPath!), prepareBudget });
  }

  let summary: ProfileSummary;
  try {
    summary = summarizeProfile(profile, { macs: blob ? blob.view.ops.map((op) => opcodeMacs(blob.view, op)) : undefined });
  } catch (e) {
    if (e instanceof ProfileFormatError) throw new CliError(`${opts.from ?? 'profile'}: ${e.message}`);
    throw e;
  }

  if (opts.svg) {
    if (!summary.timeline) throw new CliError(`--svg: ${opts.from ?? 'the profile'} has no per-op records, so there is no timeline to draw`);
    writeOutput(opts.svg, new TextEncoder().encode(renderSvg(summary)));
  }
  if (opts.jsonl) {
    writeOutput(opts.jsonl, new TextEncoder().encode(formatProfile(profile.runs)));
  }
  const result: ProfileJson = { source: opts.from ?? 'measured', ...summary };
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(renderTable(summary));
  const written = [opts.svg, opts.jsonl].filter((p): p is string => !!p);
  if (written.length > 0) process.stderr.write(`mote profile: wrote ${written.join(', ')}\n`);
  return result;
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('per-op time table (sorted), MACs and GMAC/s per op; SVG timeline; measured here or read from a profile')
    .argument('[blob]', 'the .mote file (optional with --from; given, it checks the profile and supplies MACs)')
    .option('--build <b>', 'runtime build: simd or scalar', 'simd')
    .option('--runs <n>', 'profiled runs (the table shows the median per op)', '20')
    .option('--warmup <n>', `warm-up runs before timing (also at least ${WARMUP_MIN_MS} ms unless 0)`, '20')
    .option('-i, --input <npy>', 'input .npy (or NAME=PATH), repeatable; several samples are cycled; default: random input', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--prepare-budget <bytes>', 'SIMD build: keep at most this much prepared state (e.g. 65536, 64k, 64KiB, unlimited; default: no limit)')
    .option('--no-prepare', 'SIMD build: keep no prepared state (as --prepare-budget 0)')
    .option('--from <file.jsonl>', 'read a per-op profile (docs/PROFILE.md) instead of measuring')
    .option('--svg <out.svg>', 'write a timeline of the median run')
    .option('--jsonl <out.jsonl>', 'write the profile as JSON lines (docs/PROFILE.md)')
    .option('--json', 'print the summary as JSON instead of the table')
    .action((blob: string | undefined, opts: ProfileCliOptions) => profileCommand(blob, opts).then(() => undefined));
}
