// The generic trace CSV: a header row naming the columns, then one sample per row.
//   time_s,current_A[,voltage_V][,marker]
// Columns may come in any order; `power_W` may replace `current_A` (then no voltage is needed).
// `marker` is a logic level: values above 0.5 count as high.
import { checkIncreasing, csvRows, numberField } from './csv-lines.js';
import { type Trace, TraceError } from './trace.js';

const KNOWN = ['time_s', 'current_a', 'power_w', 'voltage_v', 'marker'];

export function parseGenericCsv(text: string): Trace {
  const rows = csvRows(text);
  if (rows.length === 0) throw new TraceError('the trace CSV is empty');
  const header = rows[0];
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

  const n = rows.length - 1;
  const time = new Float64Array(n);
  const values = new Float64Array(n);
  const voltage = voltageCol >= 0 ? new Float64Array(n) : undefined;
  const marker = markerCol >= 0 ? new Uint8Array(n) : undefined;
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const { line, fields } = rows[i + 1];
    if (fields.length !== names.length) throw new TraceError(`expected ${names.length} fields like the header, got ${fields.length}`, line);
    time[i] = numberField(fields[timeCol], 'time_s', line);
    if (i > 0) checkIncreasing(time[i - 1], time[i], line, lines[i - 1]);
    lines[i] = line;
    values[i] = numberField(fields[valueCol], valueName, line);
    if (voltage) voltage[i] = numberField(fields[voltageCol], 'voltage_V', line);
    if (marker) marker[i] = numberField(fields[markerCol], 'marker', line) > 0.5 ? 1 : 0;
  }
  return {
    format: 'csv',
    time_s: time,
    quantity: currentCol >= 0 ? 'current' : 'power',
    values,
    voltage_V: voltage,
    marker,
    lines,
    notes: [],
  };
}
