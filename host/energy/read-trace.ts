// Reading a trace from disk: pick the format (given, or guessed from the file), then parse.
// EEMBC traces are two files (plus an optional session log); any of them, or the session
// directory, can be named.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseEembc } from './eembc.js';
import { parseGenericCsv } from './generic-csv.js';
import { parsePpk2Csv } from './ppk2.js';
import { type Trace, TraceError, type TraceFormat, TRACE_FORMATS } from './trace.js';

export interface ReadTraceOptions {
  format?: string;
  /** "D0".."D7" or 0..7 (PPK2). */
  markerChannel?: string | number;
}

/** "D3" → 3; "3" → 3. */
export function parseMarkerChannel(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const m = /^[dD]?([0-7])$/.exec(String(value).trim());
  if (!m) throw new TraceError(`marker channel must be D0..D7, got '${value}'`);
  return Number(m[1]);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** The EEMBC files that belong together, from a directory or any one of them. */
export function eembcFiles(path: string): { bin: string; timestamps: string; log?: string } {
  let dir = dirname(path);
  let stem: string | undefined;
  if (existsSync(path) && statSync(path).isDirectory()) {
    dir = path;
    const bins = readdirSync(path).filter((f) => f.endsWith('-energy.bin')).sort();
    if (bins.length === 0) throw new TraceError(`no *-energy.bin file in the directory '${path}' (EEMBC EnergyRunner session)`);
    stem = bins[0].slice(0, -'-energy.bin'.length);
  } else {
    const m = /^(.*)-(energy\.bin|timestamps\.json)$/.exec(basename(path));
    if (!m) throw new TraceError(`'${path}' is not an EEMBC trace file: expected traceN-energy.bin or traceN-timestamps.json (or the session directory)`);
    stem = m[1];
  }
  const bin = join(dir, `${stem}-energy.bin`);
  const timestamps = join(dir, `${stem}-timestamps.json`);
  if (!existsSync(bin)) throw new TraceError(`EEMBC power samples '${bin}' not found next to '${path}'`);
  if (!existsSync(timestamps)) throw new TraceError(`EEMBC timestamps '${timestamps}' not found next to '${path}'`);
  const log = join(dir, 'log.txt');
  return { bin, timestamps, log: existsSync(log) ? log : undefined };
}

/** The format a file is in, from its name or first line. */
export function guessFormat(path: string): TraceFormat {
  if (/(-energy\.bin|-timestamps\.json)$/.test(path) || (existsSync(path) && statSync(path).isDirectory())) return 'eembc';
  const head = readText(path, 'trace').slice(0, 4096).split('\n')[0].replace(/^\uFEFF/, '').toLowerCase();
  if (head.includes('timestamp(ms)') || head.includes('current(ua)')) return 'ppk2';
  if (head.includes('time_s')) return 'csv';
  throw new TraceError(`cannot tell the format of '${path}' from its first line; give --format ppk2, csv or eembc`, 1);
}

export function readTrace(path: string, opts: ReadTraceOptions = {}): Trace {
  if (opts.format !== undefined && !(TRACE_FORMATS as readonly string[]).includes(opts.format)) {
    throw new TraceError(`unknown trace format '${opts.format}' (ppk2, csv or eembc)`);
  }
  const format = (opts.format as TraceFormat | undefined) ?? guessFormat(path);
  if (format === 'eembc') {
    if (opts.markerChannel !== undefined) throw new TraceError('--marker-channel applies to PPK2 exports; EEMBC windows come from the timestamps file');
    const files = eembcFiles(path);
    let energyBin: Uint8Array;
    try {
      energyBin = readFileSync(files.bin);
    } catch (e) {
      throw new TraceError(`cannot read '${files.bin}': ${(e as Error).message}`);
    }
    return parseEembc({
      energyBin,
      timestampsJson: readText(files.timestamps, 'EEMBC timestamps'),
      logText: files.log ? readText(files.log, 'EEMBC session log') : undefined,
    });
  }
  const text = readText(path, 'trace');
  if (format === 'ppk2') return parsePpk2Csv(text, { markerChannel: parseMarkerChannel(opts.markerChannel) });
  if (opts.markerChannel !== undefined) throw new TraceError('--marker-channel applies to PPK2 exports; a generic CSV marks windows with its marker column');
  return parseGenericCsv(text);
}
