// Per-inference energy from a parsed trace: find the windows, integrate V·I (or P) over each with
// the trapezoid rule, subtract the idle baseline (median power outside the windows), and summarise
// over windows with the median (robust to one disturbed window) plus min and max.
import { integrateTrapezoid, lowerBound } from './integrate.js';
import { median, minMax } from './stats.js';
import { type TimeWindow, type Trace, TraceError } from './trace.js';
import { detectWindows } from './windows.js';

export interface AnalyzeOptions {
  /** Supply voltage for current traces without a voltage column. */
  voltage_V?: number;
  /** Marker debounce in samples (see windows.ts). Default 2. */
  debounceSamples?: number;
  /** Warn when a window holds fewer samples than this. Default 10. */
  minSamples?: number;
  /** Warn when two samples inside a window are further apart than this × the median interval. Default 3. */
  gapFactor?: number;
  /** Inferences per window; default: what the trace says (EEMBC), else 1. */
  inferencesPerWindow?: number;
}

export interface WindowEnergy {
  index: number;
  start_s: number;
  end_s: number;
  duration_s: number;
  samples: number;
  /** Source lines of the first and last sample (text formats). */
  lines?: [number, number];
  energy_J: number;
  energy_above_baseline_J: number | null;
  mean_power_W: number;
  per_inference_J: number;
  per_inference_above_baseline_J: number | null;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export interface EnergyReport {
  format: Trace['format'];
  samples: number;
  trace_duration_s: number;
  median_sample_interval_s: number;
  quantity: Trace['quantity'];
  /** How power was formed: 'file' (power samples), 'column' (per-sample V·I) or the given voltage. */
  voltage: { source: 'file-power' | 'column' | 'option'; value_V?: number };
  inferences_per_window: number;
  baseline_W: number | null;
  baseline_samples: number;
  windows: WindowEnergy[];
  per_inference_J: Summary;
  per_inference_above_baseline_J: Summary | null;
  window_duration_s: Summary;
  warnings: string[];
  notes: string[];
}

/** Power per sample in watts, and how it was formed. */
function powerSamples(trace: Trace, opts: AnalyzeOptions): { power: Float64Array; voltage: EnergyReport['voltage'] } {
  if (trace.quantity === 'power') {
    if (opts.voltage_V !== undefined) trace.notes.push('--voltage ignored: the trace already holds power samples');
    return { power: trace.values, voltage: { source: 'file-power', value_V: trace.reportedVoltage_V } };
  }
  if (trace.voltage_V) {
    if (opts.voltage_V !== undefined) trace.notes.push('--voltage ignored: the trace has a voltage_V column');
    const p = new Float64Array(trace.values.length);
    for (let i = 0; i < p.length; i++) p[i] = trace.values[i] * trace.voltage_V[i];
    return { power: p, voltage: { source: 'column' } };
  }
  const v = opts.voltage_V;
  if (v === undefined) throw new TraceError('the trace holds current but no voltage: give the supply voltage (--voltage, e.g. 3.3)');
  if (!Number.isFinite(v) || v <= 0) throw new TraceError(`the supply voltage must be a positive number of volts, got ${v}`);
  const p = new Float64Array(trace.values.length);
  for (let i = 0; i < p.length; i++) p[i] = trace.values[i] * v;
  return { power: p, voltage: { source: 'option', value_V: v } };
}

interface IndexWindow extends TimeWindow {
  first: number; // first sample inside [start, end]
  last: number; // last sample inside
}

export function analyzeTrace(trace: Trace, opts: AnalyzeOptions = {}): EnergyReport {
  const t = trace.time_s;
  const n = t.length;
  if (n < 2) throw new TraceError(`the trace holds ${n} sample(s); at least 2 are needed`);
  const minSamples = opts.minSamples ?? 10;
  const gapFactor = opts.gapFactor ?? 3;
  const warnings: string[] = [];
  const { power, voltage } = powerSamples(trace, opts);

  const intervals = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) intervals[i - 1] = t[i] - t[i - 1];
  const medianInterval = median(intervals);

  // Windows, and which samples belong to any inference (for the idle baseline).
  const inInference = new Uint8Array(n);
  let windows: IndexWindow[];
  if (trace.windows) {
    windows = trace.windows.map((w) => {
      const first = lowerBound(t, w.start_s);
      const last = lowerBound(t, w.end_s + 1e-12 * Math.max(1, Math.abs(w.end_s))) - 1;
      return { ...w, first, last };
    });
  } else if (trace.marker) {
    const found = detectWindows(trace.marker, { debounceSamples: opts.debounceSamples });
    if (found.openAtStart) warnings.push('the marker is already high at the first sample: that partial window is ignored');
    if (found.openAtEnd) warnings.push('the marker is still high at the last sample: that partial window is ignored');
    if (found.glitches > 0) warnings.push(`${found.glitches} marker pulse(s) of ${opts.debounceSamples ?? 2} samples or fewer ignored as noise`);
    if (found.bridged > 0) warnings.push(`${found.bridged} marker dip(s) of ${opts.debounceSamples ?? 2} samples or fewer bridged inside windows`);
    windows = found.windows.map((w) => ({ start_s: t[w.first], end_s: t[w.last], first: w.first, last: w.last }));
    // Partial windows at the ends are inferences too: keep them out of the baseline.
    for (let i = 0; i < n && trace.marker[i]; i++) inInference[i] = 1;
    for (let i = n - 1; i >= 0 && trace.marker[i]; i--) inInference[i] = 1;
    if (windows.length === 0) {
      const highs = trace.marker.reduce((s, v) => s + v, 0);
      throw new TraceError(
        highs === 0
          ? 'no marker edges: the marker channel never goes high, so there is no inference window (wrong --marker-channel?)'
          : 'no complete inference window: the marker has no rising edge followed by a falling edge inside the trace',
      );
    }
  } else {
    throw new TraceError('the trace has no marker column and no window timestamps, so inferences cannot be found (add a marker column)');
  }
  for (const w of windows) for (let i = Math.max(0, w.first); i <= w.last && i < n; i++) inInference[i] = 1;

  // Idle baseline: median power of the samples outside every window.
  const outside: number[] = [];
  for (let i = 0; i < n; i++) if (!inInference[i]) outside.push(power[i]);
  const baseline = outside.length > 0 ? median(outside) : null;
  if (baseline === null) warnings.push('no samples outside the windows: no idle baseline, so no baseline-subtracted energy');
  else if (outside.length < minSamples) warnings.push(`the idle baseline rests on only ${outside.length} sample(s)`);

  const perWindow = opts.inferencesPerWindow ?? trace.inferencesPerWindow ?? 1;
  if (!Number.isInteger(perWindow) || perWindow < 1) throw new TraceError(`inferences per window must be a whole number >= 1, got ${perWindow}`);

  const result: WindowEnergy[] = windows.map((w, k) => {
    const index = k + 1;
    const duration = w.end_s - w.start_s;
    const samples = Math.max(0, w.last - w.first + 1);
    const energy = integrateTrapezoid(t, power, w.start_s, w.end_s);
    const above = baseline === null ? null : energy - baseline * duration;
    const where = trace.lines && samples > 0 ? ` (lines ${trace.lines[w.first]}-${trace.lines[w.last]})` : '';
    if (samples < minSamples) {
      warnings.push(`window ${index}${where}: only ${samples} sample(s) (fewer than ${minSamples}); its energy is coarse`);
    }
    // Intervals between consecutive samples of the window (the one before its first sample is idle).
    for (let i = Math.max(1, w.first + 1); i <= w.last; i++) {
      const dt = t[i] - t[i - 1];
      if (dt > gapFactor * medianInterval) {
        const at = trace.lines ? `lines ${trace.lines[i - 1]}-${trace.lines[i]}` : `t = ${t[i - 1]} s`;
        warnings.push(
          `window ${index}: a gap of ${fmtTime(dt)} between samples (${at}), ${(dt / medianInterval).toFixed(1)}× the median interval; the trapezoid bridges it with a straight line`,
        );
      }
    }
    const out: WindowEnergy = {
      index,
      start_s: w.start_s,
      end_s: w.end_s,
      duration_s: duration,
      samples,
      energy_J: energy,
      energy_above_baseline_J: above,
      mean_power_W: duration > 0 ? energy / duration : NaN,
      per_inference_J: energy / perWindow,
      per_inference_above_baseline_J: above === null ? null : above / perWindow,
    };
    if (trace.lines && samples > 0) out.lines = [trace.lines[w.first], trace.lines[w.last]];
    return out;
  });

  const summarise = (xs: number[]): Summary => ({ median: median(xs), ...minMax(xs) });
  return {
    format: trace.format,
    samples: n,
    trace_duration_s: t[n - 1] - t[0],
    median_sample_interval_s: medianInterval,
    quantity: trace.quantity,
    voltage,
    inferences_per_window: perWindow,
    baseline_W: baseline,
    baseline_samples: outside.length,
    windows: result,
    per_inference_J: summarise(result.map((w) => w.per_inference_J)),
    per_inference_above_baseline_J: baseline === null ? null : summarise(result.map((w) => w.per_inference_above_baseline_J!)),
    window_duration_s: summarise(result.map((w) => w.duration_s)),
    warnings,
    notes: trace.notes,
  };
}

export function fmtTime(s: number): string {
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  return `${(s * 1e6).toFixed(1)} us`;
}
