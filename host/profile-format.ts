// The one per-op profile format shared by every Mote host (Node, browser, React Native WebView,
// ESP32/POSIX device hosts): JSON lines, one record per line. docs/PROFILE.md is the contract in
// prose; this module is its parser and writer. It has no dependencies so browser bundles and the
// CLI can both import it.
//
//   {"type":"run","model":"kws.mote","build":"scalar","host":"esp32","t_us":41234.5,"run":0}
//   {"type":"op","run":0,"index":0,"op":"conv2d","name":"conv1","t_us":9120,"macs":640000}
//   ...
//
// A file holds one or more runs. Each run is a "run" record followed by its "op" records in
// schedule order (index 0, 1, 2, ...). Times are microseconds of the host's clock.

export const PROFILE_BUILDS = ['simd', 'scalar'] as const;
export type ProfileBuild = (typeof PROFILE_BUILDS)[number];

/** Hosts that emit profiles. `posix` is the Linux build of the device host (docs/PROFILE.md). */
export const PROFILE_HOSTS = ['node', 'browser', 'react-native', 'esp32', 'posix'] as const;
export type ProfileHost = (typeof PROFILE_HOSTS)[number];

/** One inference: the total wall time between the host's clock reads around `mote_run`. */
export interface ProfileRunRecord {
  type: 'run';
  /** Model identification (file name or the blob's model name). */
  model: string;
  build: ProfileBuild;
  host: ProfileHost;
  /** Total inference time in microseconds. */
  t_us: number;
  /** Run number within the file (0, 1, ...); defaults to the run's position. */
  run?: number;
  /** Device or chip the host ran on, e.g. "esp32s3" or a browser's user agent. */
  device?: string;
  /** CPU clock during the run, when the host knows it. */
  clock_mhz?: number;
}

/** One scheduled op of one run. */
export interface ProfileOpRecord {
  type: 'op';
  /** The run this op belongs to; when present it must equal the enclosing run's number. */
  run?: number;
  /** Position in the blob's schedule (0-based, consecutive within a run). */
  index: number;
  /** Op kind, e.g. "conv2d" (format/format.ts op names). */
  op: string;
  /** Node name from the blob ("" when the blob has none). */
  name: string;
  /** Time spent in this op in microseconds. */
  t_us: number;
  /** Multiply-accumulates of this op, when the host knows them. */
  macs?: number;
}

export type ProfileRecord = ProfileRunRecord | ProfileOpRecord;

export interface ProfileRun {
  run: ProfileRunRecord & { run: number };
  ops: ProfileOpRecord[];
  /** Source line of the run record (1-based), for messages. */
  line: number;
}

export interface Profile {
  runs: ProfileRun[];
  /** Non-fatal findings, each naming its line (e.g. op times that add up to more than the run). */
  warnings: string[];
}

export class ProfileFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `profile line ${line}: ${message}` : `profile: ${message}`);
    this.name = 'ProfileFormatError';
  }
}

const RUN_KEYS = new Set(['type', 'model', 'build', 'host', 't_us', 'run', 'device', 'clock_mhz']);
const OP_KEYS = new Set(['type', 'run', 'index', 'op', 'name', 't_us', 'macs']);

type Fields = Record<string, unknown>;

function fail(line: number, message: string): never {
  throw new ProfileFormatError(message, line);
}

function checkKeys(rec: Fields, allowed: Set<string>, line: number): void {
  for (const k of Object.keys(rec)) {
    if (!allowed.has(k)) fail(line, `unknown field "${k}" in a "${String(rec.type)}" record (allowed: ${[...allowed].join(', ')})`);
  }
}

function str(rec: Fields, key: string, line: number, opts: { allowEmpty?: boolean } = {}): string {
  const v = rec[key];
  if (typeof v !== 'string') fail(line, `"${key}" must be a string, got ${describe(v)}`);
  if (!opts.allowEmpty && v.length === 0) fail(line, `"${key}" must not be empty`);
  return v;
}

function num(rec: Fields, key: string, line: number, opts: { integer?: boolean; optional?: boolean } = {}): number | undefined {
  const v = rec[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(line, `"${key}" must be a finite number, got ${describe(v)}`);
  if (v < 0) fail(line, `"${key}" must not be negative, got ${v}`);
  if (opts.integer && !Number.isInteger(v)) fail(line, `"${key}" must be an integer, got ${v}`);
  return v;
}

function oneOf<T extends string>(rec: Fields, key: string, allowed: readonly T[], line: number): T {
  const v = str(rec, key, line);
  if (!(allowed as readonly string[]).includes(v)) fail(line, `"${key}" must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string "${v}"`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates one decoded record; `line` is only used in messages. */
export function validateRecord(value: unknown, line = 0): ProfileRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(line, `expected a JSON object, got ${describe(value)}`);
  const rec = value as Fields;
  if (rec.type === 'run') {
    checkKeys(rec, RUN_KEYS, line);
    const out: ProfileRunRecord = {
      type: 'run',
      model: str(rec, 'model', line),
      build: oneOf(rec, 'build', PROFILE_BUILDS, line),
      host: oneOf(rec, 'host', PROFILE_HOSTS, line),
      t_us: num(rec, 't_us', line)!,
    };
    const run = num(rec, 'run', line, { integer: true, optional: true });
    if (run !== undefined) out.run = run;
    if (rec.device !== undefined) out.device = str(rec, 'device', line);
    const clock = num(rec, 'clock_mhz', line, { optional: true });
    if (clock !== undefined) out.clock_mhz = clock;
    return out;
  }
  if (rec.type === 'op') {
    checkKeys(rec, OP_KEYS, line);
    const out: ProfileOpRecord = {
      type: 'op',
      index: num(rec, 'index', line, { integer: true })!,
      op: str(rec, 'op', line),
      name: str(rec, 'name', line, { allowEmpty: true }),
      t_us: num(rec, 't_us', line)!,
    };
    const run = num(rec, 'run', line, { integer: true, optional: true });
    if (run !== undefined) out.run = run;
    const macs = num(rec, 'macs', line, { integer: true, optional: true });
    if (macs !== undefined) out.macs = macs;
    return out;
  }
  fail(line, `"type" must be "run" or "op", got ${describe(rec.type)}`);
}

// Op timers add their own overhead and clocks have a granularity, so the ops may add up to a bit
// more than the run; beyond this it is a host bug worth flagging.
const OP_SUM_SLACK = 0.02;
const OP_SUM_SLACK_US = 2;

/** Parses a JSON-lines profile. Blank lines and lines starting with '#' are skipped. */
export function parseProfile(text: string): Profile {
  const runs: ProfileRun[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  let current: ProfileRun | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      fail(line, `not valid JSON (${(e as Error).message})`);
    }
    const rec = validateRecord(value, line);
    if (rec.type === 'run') {
      if (current) finishRun(current, warnings);
      const number = rec.run ?? runs.length;
      if (runs.some((r) => r.run.run === number)) fail(line, `run ${number} appears twice`);
      current = { run: { ...rec, run: number }, ops: [], line };
      runs.push(current);
      continue;
    }
    if (!current) fail(line, 'an "op" record before any "run" record (each run starts with its "run" record)');
    if (rec.run !== undefined && rec.run !== current.run.run) {
      fail(line, `op belongs to run ${rec.run} but follows the "run" record of run ${current.run.run} (line ${current.line})`);
    }
    if (rec.index !== current.ops.length) {
      fail(line, `op index ${rec.index} out of order: run ${current.run.run} expects index ${current.ops.length} next`);
    }
    current.ops.push(rec);
  }
  if (current) finishRun(current, warnings);
  if (runs.length === 0) fail(0, 'no "run" record found (an empty profile)');
  return { runs, warnings };
}

function finishRun(run: ProfileRun, warnings: string[]): void {
  if (run.ops.length === 0) return;
  const sum = run.ops.reduce((s, o) => s + o.t_us, 0);
  if (sum > run.run.t_us * (1 + OP_SUM_SLACK) + OP_SUM_SLACK_US) {
    warnings.push(
      `line ${run.line}: the ops of run ${run.run.run} add up to ${sum.toFixed(1)} us, more than the run's total ${run.run.t_us} us`,
    );
  }
}

/** One record as one line (no trailing newline), after validating it. Key order is fixed. */
export function formatRecord(rec: ProfileRecord): string {
  const v = validateRecord(rec);
  return JSON.stringify(v);
}

/** A whole profile (runs with their ops) as JSON lines, ending with a newline. */
export function formatProfile(runs: Array<{ run: ProfileRunRecord; ops: ProfileOpRecord[] }>): string {
  const out: string[] = [];
  runs.forEach((r, position) => {
    const number = r.run.run ?? position;
    out.push(formatRecord({ ...r.run, run: number }));
    r.ops.forEach((op, index) => {
      if (op.index !== index) throw new ProfileFormatError(`run ${number}: op at position ${index} has index ${op.index}`, 0);
      out.push(formatRecord({ ...op, run: number }));
    });
  });
  return out.join('\n') + '\n';
}

/** Median total time over the runs (the usual latency figure). */
export function medianRunTime(profile: Profile): number {
  const ts = profile.runs.map((r) => r.run.t_us).sort((a, b) => a - b);
  const mid = ts.length >> 1;
  return ts.length % 2 ? ts[mid] : (ts[mid - 1] + ts[mid]) / 2;
}
