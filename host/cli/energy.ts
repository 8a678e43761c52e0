// `mote energy`: energy per inference, either ESTIMATED from a per-op profile and a device's
// datasheet power (--profile DEVICE --from profile.jsonl), or MEASURED from a power-monitor trace
// (--trace FILE: Nordic PPK2 export, generic CSV, EEMBC EnergyRunner output).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { analyzeTrace, type EnergyReport, fmtTime } from '../energy/analyze.js';
import { DeviceProfileError, loadDeviceProfile } from '../energy/device-profiles.js';
import { type EnergyEstimate, estimateEnergy, fmtW } from '../energy/estimate.js';
import { readTrace } from '../energy/read-trace.js';
import { TraceError } from '../energy/trace.js';
import { parseProfile, ProfileFormatError } from '../profile-format.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { table } from './format.js';

export interface EnergyCliOptions {
  profile?: string;
  from?: string;
  trace?: string;
  format?: string;
  voltage?: string;
  markerChannel?: string;
  debounce?: string;
  minSamples?: string;
  gapFactor?: string;
  inferencesPerWindow?: string;
  json?: boolean;
}

function positiveNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v <= 0) throw new CliError(`${option} must be a positive number, got '${value}'`, EXIT_USAGE);
  return v;
}

function wholeNumber(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!/^\d+$/.test(value.trim()) || v < min) throw new CliError(`${option} must be a whole number >= ${min}, got '${value}'`, EXIT_USAGE);
  return v;
}

/** µJ with a sensible unit. */
function fmtJ(joules: number): string {
  const a = Math.abs(joules);
  if (a >= 1) return `${joules.toFixed(3)} J`;
  if (a >= 1e-3) return `${(joules * 1e3).toFixed(3)} mJ`;
  if (a >= 1e-6 || a === 0) return `${(joules * 1e6).toFixed(3)} uJ`;
  return `${(joules * 1e9).toFixed(3)} nJ`;
}

export function estimateCommand(opts: EnergyCliOptions): EnergyEstimate {
  if (!opts.from) throw new CliError('--profile needs --from PROFILE.jsonl (the per-op profile to estimate from)', EXIT_USAGE);
  let text: string;
  try {
    text = readFileSync(opts.from, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `profile '${opts.from}' does not exist` : `cannot read profile '${opts.from}': ${(e as Error).message}`);
  }
  try {
    const profile = parseProfile(text);
    const device = loadDeviceProfile(opts.profile!);
    return estimateEnergy(profile, device);
  } catch (e) {
    if (e instanceof ProfileFormatError) throw new CliError(`${opts.from}: ${e.message}`);
    if (e instanceof DeviceProfileError) throw new CliError(e.message);
    throw e;
  }
}

export function measureCommand(opts: EnergyCliOptions): EnergyReport {
  const path = opts.trace!;
  const voltage = positiveNumber(opts.voltage, '--voltage');
  const debounce = wholeNumber(opts.debounce, '--debounce', 0);
  const minSamples = wholeNumber(opts.minSamples, '--min-samples', 1);
  const gapFactor = positiveNumber(opts.gapFactor, '--gap-factor');
  const perWindow = wholeNumber(opts.inferencesPerWindow, '--inferences-per-window', 1);
  try {
    const trace = readTrace(path, { format: opts.format, markerChannel: opts.markerChannel });
    return analyzeTrace(trace, {
      voltage_V: voltage,
      debounceSamples: debounce,
      minSamples,
      gapFactor,
      inferencesPerWindow: perWindow,
    });
  } catch (e) {
    if (e instanceof TraceError) throw new CliError(`trace '${path}': ${e.message}`);
    throw e;
  }
}

function printEstimate(est: EnergyEstimate): string {
  const out: string[] = [];
  out.push(`ESTIMATE (not a measurement) of energy per inference: ${est.model} on ${est.device}`);
  out.push(
    `  ${fmtJ(est.energy_uJ * 1e-6)} per inference  (range ${fmtJ(est.energy_min_uJ * 1e-6)} .. ${fmtJ(est.energy_max_uJ * 1e-6)})` +
      `  = ${fmtW(est.active_power_W.value)} × ${fmtTime(est.t_us * 1e-6)}`,
  );
  if (est.ops.length > 0) {
    out.push('');
    out.push(
      table(
        ['#', 'op', 'name', 'time', 'energy (est.)', 'share'],
        est.ops.map((o) => [o.index, o.op, o.name, fmtTime(o.t_us * 1e-6), fmtJ(o.energy_uJ * 1e-6), `${(o.share * 100).toFixed(1)}%`]),
      ),
    );
  }
  out.push('');
  out.push('Assumptions:');
  for (const a of est.assumptions) out.push(`  - ${a}`);
  for (const w of est.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

function printReport(rep: EnergyReport, path: string): string {
  const out: string[] = [];
  const s = rep.per_inference_J;
  const b = rep.per_inference_above_baseline_J;
  out.push(`MEASURED energy per inference from ${path} (${rep.format}, ${rep.samples} samples, ${fmtTime(rep.median_sample_interval_s)} interval)`);
  out.push(`  median ${fmtJ(s.median)}  (min ${fmtJ(s.min)}, max ${fmtJ(s.max)}) over ${rep.windows.length} window(s)`);
  if (b) out.push(`  above idle baseline: median ${fmtJ(b.median)}  (min ${fmtJ(b.min)}, max ${fmtJ(b.max)})`);
  out.push(
    `  idle baseline: ${rep.baseline_W === null ? 'none (no samples outside the windows)' : `${fmtW(rep.baseline_W)} (median of ${rep.baseline_samples} samples outside the windows)`}`,
  );
  const d = rep.window_duration_s;
  out.push(`  window duration: median ${fmtTime(d.median)} (min ${fmtTime(d.min)}, max ${fmtTime(d.max)}); ${rep.inferences_per_window} inference(s) per window`);
  const v = rep.voltage;
  out.push(
    `  power = ${v.source === 'file-power' ? 'power samples from the file' : v.source === 'column' ? "current × the file's voltage_V column" : `current × ${v.value_V} V (--voltage)`}; energy = trapezoid rule over each window`,
  );
  out.push('');
  out.push(
    table(
      ['window', 'start', 'duration', 'samples', 'energy', 'above idle', 'mean power'],
      rep.windows.map((w) => [
        w.index,
        fmtTime(w.start_s),
        fmtTime(w.duration_s),
        w.samples,
        fmtJ(w.energy_J),
        w.energy_above_baseline_J === null ? '-' : fmtJ(w.energy_above_baseline_J),
        fmtW(w.mean_power_W),
      ]),
    ),
  );
  for (const n of rep.notes) out.push(`note: ${n}`);
  for (const w of rep.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

export function energyCommand(opts: EnergyCliOptions): void {
  const estimating = opts.profile !== undefined || opts.from !== undefined;
  if (estimating && opts.trace !== undefined) {
    throw new CliError('give either --profile DEVICE --from PROFILE.jsonl (estimate) or --trace FILE (measurement), not both', EXIT_USAGE);
  }
  if (estimating) {
    if (!opts.profile) throw new CliError('--from needs --profile DEVICE (esp32, esp32s3, esp32c3, phone-cpu or a profile .json)', EXIT_USAGE);
    const traceOnly = ['format', 'voltage', 'markerChannel', 'debounce', 'minSamples', 'gapFactor', 'inferencesPerWindow'] as const;
    const stray = traceOnly.find((k) => opts[k] !== undefined);
    if (stray) throw new CliError(`--${stray.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} applies to --trace, not to an estimate`, EXIT_USAGE);
    const est = estimateCommand(opts);
    process.stdout.write((opts.json ? JSON.stringify(est, null, 2) : printEstimate(est)) + '\n');
    return;
  }
  if (opts.trace === undefined) {
    throw new CliError('nothing to do: give --profile DEVICE --from PROFILE.jsonl (estimate) or --trace FILE (measurement)', EXIT_USAGE);
  }
  const rep = measureCommand(opts);
  process.stdout.write((opts.json ? JSON.stringify({ kind: 'measurement', ...rep }, null, 2) : printReport(rep, opts.trace)) + '\n');
}

export function registerEnergyCommand(program: Command): void {
  program
    .command('energy')
    .description('energy per inference: estimated from a profile (--profile --from) or measured from a power trace (--trace)')
    .option('--profile <device>', 'device profile for an estimate: esp32, esp32s3, esp32c3, phone-cpu, or a profile .json file')
    .option('--from <profile.jsonl>', 'per-op profile (JSON lines, docs/PROFILE.md) to estimate from')
    .option('--trace <file>', 'power-monitor trace: PPK2 CSV export, generic CSV, or EEMBC traceN-energy.bin / session directory')
    .option('--format <format>', 'trace format: ppk2, csv or eembc (default: guessed from the file)')
    .option('--voltage <volts>', 'supply voltage for current-only traces (PPK2, CSV without voltage_V)')
    .option('--marker-channel <channel>', 'PPK2 logic channel marking inferences, D0..D7 (default D0)')
    .option('--debounce <samples>', 'marker runs of this many samples or fewer are noise (default 2)')
    .option('--min-samples <n>', 'warn when a window has fewer samples (default 10)')
    .option('--gap-factor <k>', 'warn when samples in a window are more than k × the median interval apart (default 3)')
    .option('--inferences-per-window <n>', 'inferences per marked window (default: from the EEMBC log, else 1)')
    .option('--json', 'print as JSON')
    .action((opts: EnergyCliOptions) => energyCommand(opts));
}
