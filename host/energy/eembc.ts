// EEMBC EnergyRunner (ULPMark-ML / MLPerf Tiny) energy-mode output. When a run stops tracing, the
// runner registers two files per trace in the session directory (its log shows
// "m-regfile-fn[trace1-energy.bin]-type[emon]" and "m-regfile-fn[trace1-timestamps.json]-type[etime]"):
//
//   traceN-energy.bin      1 byte (0xF1 in every published file), float32 LE sample rate in Hz,
//                          then float32 LE samples of POWER in milliwatts, the first at t = 0.
//   traceN-timestamps.json a JSON array of the DUT's timestamp-GPIO falling edges in seconds:
//                          one synchronisation edge, then a start and an end edge per window.
//
// Each window runs `iterInfer` inferences (the session log's "key[iterInfer]-val[N]"); the log's
// "m-voltage-mv[N]" is the supply. This layout was worked out from the MLPerf Tiny v1.0 published
// results (closed/*/results/*/energy/): the mean of the samples in a window equals the runner's
// reported "Power" in uW/1000, and their integral its "Energy". It is not a documented format.
import { type Trace, TraceError, type TimeWindow } from './trace.js';

export const EEMBC_MARKER_BYTE = 0xf1;

export interface EembcFiles {
  /** Contents of traceN-energy.bin. */
  energyBin: Uint8Array;
  /** Contents of traceN-timestamps.json. */
  timestampsJson: string;
  /** Contents of the session log (log.txt), when available. */
  logText?: string;
}

export function parseEembc(files: EembcFiles): Trace {
  const notes: string[] = [];
  const bin = files.energyBin;
  if (bin.length < 5) throw new TraceError(`EEMBC energy file too short (${bin.length} bytes; the header alone is 5)`);
  if ((bin.length - 5) % 4 !== 0) {
    throw new TraceError(`EEMBC energy file size ${bin.length} is not 5 + 4 × samples (truncated or not an EnergyRunner trace)`);
  }
  if (bin[0] !== EEMBC_MARKER_BYTE) {
    notes.push(`EEMBC energy file starts with 0x${bin[0].toString(16)}, not 0xf1 as in the published runner output; reading it anyway`);
  }
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const rate = view.getFloat32(1, true);
  if (!Number.isFinite(rate) || rate <= 0) throw new TraceError(`EEMBC energy file has sample rate ${rate} Hz in its header (bytes 1..4)`);
  const n = (bin.length - 5) / 4;
  if (n < 2) throw new TraceError(`EEMBC energy file holds ${n} sample(s); at least 2 are needed`);
  const time = new Float64Array(n);
  const power = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mw = view.getFloat32(5 + 4 * i, true);
    if (!Number.isFinite(mw)) throw new TraceError(`EEMBC sample ${i} (byte offset ${5 + 4 * i}) is ${mw}`);
    time[i] = i / rate;
    power[i] = mw / 1000;
  }
  notes.push(`EEMBC EnergyRunner trace: ${n} power samples at ${rate} Hz`);

  const windows = parseTimestamps(files.timestampsJson, time[n - 1], notes);
  const trace: Trace = { format: 'eembc', time_s: time, quantity: 'power', values: power, windows, notes };
  if (files.logText !== undefined) {
    const iter = /key\[iterInfer\]-val\[(\d+)\]/.exec(files.logText);
    if (iter) {
      trace.inferencesPerWindow = Number(iter[1]);
      notes.push(`session log: ${iter[1]} inferences per window (iterInfer)`);
    }
    const mv = /m-voltage-mv\[(\d+(?:\.\d+)?)\]/.exec(files.logText);
    if (mv) trace.reportedVoltage_V = Number(mv[1]) / 1000;
  }
  return trace;
}

function parseTimestamps(text: string, lastSample_s: number, notes: string[]): TimeWindow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`EEMBC timestamps file is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(value)) throw new TraceError('EEMBC timestamps file must hold a JSON array of times in seconds');
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TraceError(`EEMBC timestamp ${i} is not a number: ${JSON.stringify(v)}`);
    if (i > 0 && !(v > (value as number[])[i - 1])) throw new TraceError(`EEMBC timestamp ${i} (${v} s) does not increase`);
    if (v > lastSample_s) throw new TraceError(`EEMBC timestamp ${i} (${v} s) is after the last power sample (${lastSample_s} s)`);
  });
  const ts = value as number[];
  // The runner first asks the DUT for one timestamp to synchronise, then each run brackets its
  // inferences with two. An odd count means the synchronisation edge is there.
  const edges = ts.length % 2 === 1 ? ts.slice(1) : ts;
  if (ts.length % 2 === 1) notes.push(`first timestamp (${ts[0]} s) taken as the synchronisation edge`);
  if (edges.length === 0) throw new TraceError('EEMBC timestamps file holds no start/end pair: no inference window to measure');
  const windows: TimeWindow[] = [];
  for (let i = 0; i < edges.length; i += 2) windows.push({ start_s: edges[i], end_s: edges[i + 1] });
  return windows;
}
