// A power-monitor trace after parsing, whatever file it came from: sample times, what was
// sampled (current or power), and how inference windows are marked (a digital marker channel, or
// explicit start/end times as EEMBC EnergyRunner records them).

export type TraceFormat = 'ppk2' | 'csv' | 'eembc';
export const TRACE_FORMATS: readonly TraceFormat[] = ['ppk2', 'csv', 'eembc'];

export interface TimeWindow {
  start_s: number;
  end_s: number;
}

export interface Trace {
  format: TraceFormat;
  /** Sample times in seconds, strictly increasing. */
  time_s: Float64Array;
  /** What `values` holds: current in amperes (energy = V·∫I dt) or power in watts (∫P dt). */
  quantity: 'current' | 'power';
  values: Float64Array;
  /** Per-sample supply voltage, when the file has a voltage column. */
  voltage_V?: Float64Array;
  /** Marker level per sample (0 or 1), when the file has a marker channel. */
  marker?: Uint8Array;
  /** Inference windows given as times (EEMBC timestamps); used instead of a marker. */
  windows?: TimeWindow[];
  /** Inferences inside each window, when the file says (EEMBC `iterInfer`). */
  inferencesPerWindow?: number;
  /** Supply voltage the file reports (informational; EEMBC samples are already power). */
  reportedVoltage_V?: number;
  /** 1-based source line of each sample (text formats), for messages. */
  lines?: Int32Array;
  /** What the parser assumed or could not tell, in words. */
  notes: string[];
}

/** A trace file that cannot be read; the message names the file's line when there is one. */
export class TraceError extends Error {
  constructor(
    message: string,
    readonly line = 0,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'TraceError';
  }
}
