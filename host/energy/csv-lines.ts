// Splitting a CSV text into numbered rows. Trace exports are plain comma-separated numbers, so no
// quoting is supported; a quoted field is reported rather than misread.
import { TraceError } from './trace.js';

export interface CsvRow {
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
}

/**
 * Non-empty rows with their line numbers, one at a time (PPK2 exports run to millions of rows, so
 * no array of all rows is built); a UTF-8 BOM and CR line ends are accepted.
 */
export function* csvRows(text: string): Generator<CsvRow> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    let raw = text.slice(start, end);
    start = end + 1;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    if (raw.includes('"')) throw new TraceError('quoted CSV fields are not supported in traces', line);
    yield { line, fields: raw.split(',').map((f) => f.trim()) };
  }
}

/** A finite number from a field, or an error naming the column and line. */
export function numberField(text: string, column: string, line: number): number {
  // Number('') is 0 and Number(' ') too: an empty field is a missing value, not zero.
  const v = text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new TraceError(`${column} is not a number: '${text}'`, line);
  return v;
}

/** Fails unless the times strictly increase (checked while parsing, so the line is known). */
export function checkIncreasing(prev: number, t: number, line: number, prevLine: number): void {
  if (!(t > prev)) {
    throw new TraceError(`time ${t} does not increase (previous sample at line ${prevLine} has time ${prev})`, line);
  }
}
