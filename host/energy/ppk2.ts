// Nordic Power Profiler Kit II exports (nRF Connect Power Profiler "Export" as CSV). The app writes
// the columns the user ticked, in this order, comma-separated:
//   Timestamp(ms), Current(uA), D0-D7, D0,D1,D2,D3,D4,D5,D6,D7
// "D0-D7" is one field of eight characters, the FIRST character being D0 (the app maps bit i to
// character i); the separate form has one column per channel. Each logic character is '0', '1',
// '-' (channel not sampled) or 'X' (both levels inside one sample). Both forms are accepted.
import { checkIncreasing, csvRows, numberField } from './csv-lines.js';
import { type Trace, TraceError } from './trace.js';

export interface Ppk2Options {
  /** Logic channel that marks inferences, 0..7 (default 0). */
  markerChannel?: number;
}

const TIME = 'timestamp(ms)';
const CURRENT = 'current(ua)';
const PACKED = 'd0-d7';

export function parsePpk2Csv(text: string, opts: Ppk2Options = {}): Trace {
  const channel = opts.markerChannel ?? 0;
  if (!Number.isInteger(channel) || channel < 0 || channel > 7) throw new TraceError(`PPK2 marker channel must be D0..D7, got ${channel}`);
  const rows = csvRows(text);
  const first = rows.next();
  if (first.done) throw new TraceError('the PPK2 export is empty');
  const header = first.value;
  const names = header.fields.map((f) => f.toLowerCase().replace(/\s+/g, ''));
  const col = (name: string) => names.indexOf(name);
  const timeCol = col(TIME);
  const currentCol = col(CURRENT);
  if (timeCol < 0 || currentCol < 0) {
    throw new TraceError(
      `not a PPK2 export header: expected 'Timestamp(ms)' and 'Current(uA)' columns, got '${header.fields.join(',')}' ` +
        `(export with the timestamp and current boxes ticked)`,
      header.line,
    );
  }
  const packedCol = col(PACKED);
  const separateCol = col(`d${channel}`);
  const hasDigital = packedCol >= 0 || names.some((n) => /^d[0-7]$/.test(n));
  if (!hasDigital) {
    throw new TraceError(
      `the PPK2 export has no digital channels ('D0-D7' or 'D0'..'D7' columns): export with the digital channels ticked so the D${channel} marker is in the file`,
      header.line,
    );
  }
  if (packedCol < 0 && separateCol < 0) throw new TraceError(`the PPK2 export has digital columns but not D${channel}`, header.line);

  const time: number[] = [];
  const current: number[] = [];
  const marker: number[] = [];
  const lines: number[] = [];
  let uncertain = 0;
  for (const { line, fields } of rows) {
    const i = time.length;
    if (fields.length !== header.fields.length) {
      throw new TraceError(`expected ${header.fields.length} fields like the header, got ${fields.length}`, line);
    }
    const t = numberField(fields[timeCol], 'Timestamp(ms)', line) / 1000;
    if (i > 0) checkIncreasing(time[i - 1], t, line, lines[i - 1]);
    time.push(t);
    current.push(numberField(fields[currentCol], 'Current(uA)', line) * 1e-6);
    lines.push(line);
    let state: string;
    if (packedCol >= 0) {
      const bits = fields[packedCol];
      if (!/^[01X-]{8}$/.test(bits)) throw new TraceError(`D0-D7 must be 8 characters of 0, 1, X or -, got '${bits}'`, line);
      state = bits[channel];
    } else {
      state = fields[separateCol];
      if (!/^[01X-]$/.test(state)) throw new TraceError(`D${channel} must be 0, 1, X or -, got '${state}'`, line);
    }
    if (state === '-') throw new TraceError(`logic channel D${channel} was not sampled ('-')`, line);
    if (state === 'X') {
      // Both levels within one sample: an edge fell inside it. Keep the previous level so the
      // edge lands on the next sample; the window edge is then uncertain by one sample.
      uncertain++;
      marker.push(i > 0 ? marker[i - 1] : 0);
    } else {
      marker.push(state === '1' ? 1 : 0);
    }
  }
  const notes = [`PPK2 export: current in uA, marker on D${channel}`];
  if (uncertain > 0) notes.push(`${uncertain} sample(s) had D${channel} = 'X' (an edge inside the sample); the previous level was kept`);
  return {
    format: 'ppk2',
    time_s: Float64Array.from(time),
    quantity: 'current',
    values: Float64Array.from(current),
    marker: Uint8Array.from(marker),
    lines: Int32Array.from(lines),
    notes,
  };
}
