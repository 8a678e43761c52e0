// The energy ESTIMATE of an inference from a per-op profile and a device profile:
//   E = P_active × t
// with t the measured inference time and P_active the chip's datasheet power while computing. It
// is a model, not a measurement: it assumes the whole chip draws P_active for the whole inference
// (no frequency scaling, radio off) and that the time was measured on that device.
import { type Profile, medianRunTime } from '../profile-format.js';
import { type DeviceProfile, type PowerFigure, powerW } from './device-profiles.js';
import { median } from './stats.js';

export interface OpEstimate {
  index: number;
  op: string;
  name: string;
  /** Median over runs of this op's time, microseconds. */
  t_us: number;
  energy_uJ: number;
  energy_min_uJ: number;
  energy_max_uJ: number;
  share: number;
}

export interface EnergyEstimate {
  kind: 'estimate';
  model: string;
  device: string;
  /** Median inference time over the profile's runs, microseconds. */
  t_us: number;
  runs: number;
  active_power_W: PowerFigure;
  energy_uJ: number;
  energy_min_uJ: number;
  energy_max_uJ: number;
  ops: OpEstimate[];
  assumptions: string[];
  warnings: string[];
}

const DEVICE_HOSTS = new Set(['esp32', 'posix']);

export function estimateEnergy(profile: Profile, device: DeviceProfile): EnergyEstimate {
  const active = powerW(device, 'active')!;
  const t_us = medianRunTime(profile);
  const first = profile.runs[0].run;
  const warnings: string[] = [...profile.warnings];
  const hosts = new Set(profile.runs.map((r) => r.run.host));
  const devices = new Set(profile.runs.map((r) => r.run.device).filter((d): d is string => d !== undefined));
  if (device.kind === 'mcu' && ![...hosts].every((h) => DEVICE_HOSTS.has(h))) {
    warnings.push(
      `the profile was measured on ${[...hosts].join('/')}, not on ${device.name}: this estimate uses that time as if it were the device's, which can be off by orders of magnitude`,
    );
  }
  for (const d of devices) {
    if (d !== device.name) warnings.push(`the profile says it ran on '${d}', but the power figures are ${device.name}'s`);
  }
  const models = new Set(profile.runs.map((r) => r.run.model));
  if (models.size > 1) warnings.push(`the profile mixes models (${[...models].join(', ')}); the median is over all runs`);

  // Ops aligned by schedule index across the runs that carry per-op records.
  const withOps = profile.runs.filter((r) => r.ops.length > 0);
  const ops: OpEstimate[] = [];
  if (withOps.length > 0) {
    const count = withOps[0].ops.length;
    if (withOps.some((r) => r.ops.length !== count)) warnings.push('runs have different op counts; per-op figures use the first run with ops');
    const runs = withOps.some((r) => r.ops.length !== count) ? [withOps[0]] : withOps;
    for (let i = 0; i < count; i++) {
      const op = runs[0].ops[i];
      const t = median(runs.map((r) => r.ops[i].t_us));
      ops.push({
        index: i,
        op: op.op,
        name: op.name,
        t_us: t,
        energy_uJ: active.value * t,
        energy_min_uJ: active.min * t,
        energy_max_uJ: active.max * t,
        share: t_us > 0 ? t / t_us : 0,
      });
    }
  }

  const assumptions = [
    'model: E = P_active × t (an estimate, not a measurement)',
    `t = median inference time over ${profile.runs.length} run(s) of the profile (${first.host}, ${first.build} build)`,
    `P_active = ${fmtW(active.value)} (range ${fmtW(active.min)}..${fmtW(active.max)}) for ${device.title}`,
    ...active.provenance,
    'the whole chip draws P_active for the whole inference: no frequency scaling, no sleep between ops, radio off',
    'per-op energy = P_active × the op\'s median time; ops do not differ in power per unit time in this model',
  ];
  return {
    kind: 'estimate',
    model: first.model,
    device: device.name,
    t_us,
    runs: profile.runs.length,
    active_power_W: active,
    // W × µs = µJ
    energy_uJ: active.value * t_us,
    energy_min_uJ: active.min * t_us,
    energy_max_uJ: active.max * t_us,
    ops,
    assumptions,
    warnings,
  };
}

export function fmtW(w: number): string {
  if (w >= 1) return `${w.toFixed(3)} W`;
  if (w >= 1e-3) return `${(w * 1e3).toFixed(2)} mW`;
  return `${(w * 1e6).toFixed(1)} uW`;
}
