// The generic trace CSV: a header row naming the columns, then one sample per row.
//   time_s,current_A[,voltage_V][,marker]
// Columns may come in any order; `power_W` may replace `current_A` (then no voltage is needed).
// `marker` is a logic level: values above 0.5 count as high.
import { checkIncreasing, csvRows, numberField } from './csv-lines.js';
import { type Trace, TraceError } from './trace.js';

const KNOWN = ['time_s', 'current_a', 'power_w', 'voltage_v', 'marker'];

export function parseGenericCsv(text: string): Trace {
  const rows = csvRows(text);
  const first = rows.next();
  if (first.done) throw new TraceError('the trace CSV is empty');
  const header = first.value;
  const names = header.fields.map((f) => f.toLowerCase());
  if (names.every((f) => f === '' || Number.isFinite(Number(f)))) {
    throw new TraceError('expected a header row naming the columns (time_s,current_A[,voltage_V][,marker]), got numbers', header.line);
  }
  for (const n of names) {
    if (!KNOWN.includes(n)) throw new TraceError(`unknown column '${n}' (known: time_s, current_A or power_W, voltage_V, marker)`, header.line);
  }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new TraceError(`column '${duplicate}' appears twice`, header.line);
  const timeCol = names.indexOf('time_s');
  const currentCol = names.indexOf('current_a');
  const powerCol = names.indexOf('power_w');
  const voltageCol = names.indexOf('voltage_v');
  const markerCol = names.indexOf('marker');
  if (timeCol < 0) throw new TraceError("missing the 'time_s' column", header.line);
  if ((currentCol < 0) === (powerCol < 0)) {
    throw new TraceError("expected exactly one of the columns 'current_A' or 'power_W'", header.line);
  }
  if (powerCol >= 0 && voltageCol >= 0) throw new TraceError("a 'voltage_V' column makes no sense next to 'power_W'", header.line);
  const valueCol = currentCol >= 0 ? currentCol : powerCol;
  const valueName = header.fields[valueCol];

  const time: number[] = [];
  const values: number[] = [];
  const voltage: number[] | undefined = voltageCol >= 0 ? [] : undefined;
  const marker: number[] | undefined = markerCol >= 0 ? [] : undefined;
  const lines: number[] = [];
  for (const { line, fields } of rows) {
    const i = time.length;
    if (fields.length !== names.length) throw new TraceError(`expected ${names.length} fields like the header, got ${fields.length}`, line);
    const t = numberField(fields[timeCol], 'time_s', line);
    if (i > 0) checkIncreasing(time[i - 1], t, line, lines[i - 1]);
    time.push(t);
    lines.push(line);
    values.push(numberField(fields[valueCol], valueName, line));
    if (voltage) voltage.push(numberField(fields[voltageCol], 'voltage_V', line));
    if (marker) marker.push(numberField(fields[markerCol], 'marker', line) > 0.5 ? 1 : 0);
  }
  return {
    format: 'csv',
    time_s: Float64Array.from(time),
    quantity: currentCol >= 0 ? 'current' : 'power',
    values: Float64Array.from(values),
    voltage_V: voltage && Float64Array.from(voltage),
    marker: marker && Uint8Array.from(marker),
    lines: Int32Array.from(lines),
    notes: [],
  };
}
