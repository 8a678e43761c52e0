// Issue 4's per-layer targets read off Mote's in-model profiles (bench/profile.ts): kept apart from
// the profiler so bench/markdown.ts can render a saved run without loading the runtime.
import type { OpProfile } from './profile.js';

/** One model's in-model standing against issue 4's per-layer targets (SIMD build, p10 op times). */
export interface LayerTargets {
  model: string;
  /** Run peak ÷ the peak loop's rate between the profiled runs, when above SLOW_HOST (the fractions read low by about this factor). */
  hostSlowdown?: number;
  /**
   * On a slow host, the same fractions against the peak loop's rate between the profiled runs
   * (both measured under the same load), so the verdict does not wait for a quiet rerun.
   */
  againstProfilePeak?: { convFcLowest?: number; depthwise?: number };
  /** Whether the profile had p10 op times (runs before session 8 kept medians only). */
  fromP10: boolean;
  /** Whether the profile recorded channels (runs before session 8 did not: no conv/FC verdict then). */
  channelsKnown: boolean;
  /** conv2d / fully_connected steps with at least 16 input and 16 output channels. */
  convFc: { layers: number; percentOfPeak: number; lowest?: { index: number; name: string; percentOfPeak: number } };
  depthwise?: { layers: number; percentOfPeak: number; lowest: { index: number; name: string; percentOfPeak: number } };
}

/**
 * Issue 4's layer targets read off in-model profiles: "conv / FC layers with ≥ 16 channels ≥ 70 %
 * of the SIMD peak" per layer (the lowest one is what decides), and "depthwise ≥ 40 %" for the
 * model's depthwise ops together. p10 op times, as the model ratios use p10s.
 */
/** A profile taken while the peak loop ran this much below the run's peak is marked (bench/report.ts slowHostWarnings). */
const SLOW_HOST = 1.1;

export function layerTargets(profiles: Record<string, { rows: OpProfile[]; peakDuringProfile?: number }>, simdPeak: number): LayerTargets[] {
  const pct = (macs: number, us: number) => (100 * macs) / (us * 1e3) / simdPeak;
  const out: LayerTargets[] = [];
  for (const [model, { rows, peakDuringProfile }] of Object.entries(profiles)) {
    const slowdown = peakDuringProfile ? simdPeak / peakDuringProfile : undefined;
    const timed = rows.filter((r) => r.macs > 0 && (r.usP10?.simd ?? r.us.simd) !== undefined);
    const us = (r: OpProfile) => r.usP10?.simd ?? r.us.simd!;
    const lowestOf = (rs: OpProfile[]) =>
      rs.map((r) => ({ index: r.index, name: r.name, percentOfPeak: pct(r.macs, us(r)) })).reduce((a, b) => (b.percentOfPeak < a.percentOfPeak ? b : a));
    const sumPct = (rs: OpProfile[]) => pct(rs.reduce((s, r) => s + r.macs, 0), rs.reduce((s, r) => s + us(r), 0));
    const convFc = timed.filter((r) => (r.op === 'conv2d' || r.op === 'fully_connected') && r.channels && r.channels.in >= 16 && r.channels.out >= 16);
    const dw = timed.filter((r) => r.op === 'depthwise_conv2d');
    const slow = slowdown !== undefined && slowdown > SLOW_HOST;
    const convFcLowest = convFc.length ? lowestOf(convFc) : undefined;
    out.push({
      model,
      ...(slow
        ? {
            hostSlowdown: slowdown,
            againstProfilePeak: {
              ...(convFcLowest ? { convFcLowest: convFcLowest.percentOfPeak * slowdown } : {}),
              ...(dw.length ? { depthwise: sumPct(dw) * slowdown } : {}),
            },
          }
        : {}),
      fromP10: timed.some((r) => r.usP10?.simd !== undefined),
      channelsKnown: rows.some((r) => r.channels !== undefined),
      convFc: { layers: convFc.length, percentOfPeak: convFc.length ? sumPct(convFc) : 0, ...(convFcLowest ? { lowest: convFcLowest } : {}) },
      ...(dw.length ? { depthwise: { layers: dw.length, percentOfPeak: sumPct(dw), lowest: lowestOf(dw) } } : {}),
    });
  }
  return out;
}

/** layerTargets as text lines (console and bench/markdown.ts). */
export function layerTargetLines(t: LayerTargets[]): string[] {
  const p = (v: number) => `${v.toFixed(0)} %`;
  return t.map((m) => {
    const parts: string[] = [];
    if (!m.channelsKnown) parts.push('channels not recorded in this run');
    else if (m.convFc.layers) parts.push(`conv/FC ≥ 16 ch: ${m.convFc.layers} layers, ${p(m.convFc.percentOfPeak)} together, lowest ${m.convFc.lowest!.name} ${p(m.convFc.lowest!.percentOfPeak)}`);
    else parts.push('no conv/FC layer with ≥ 16 channels');
    if (m.depthwise) parts.push(`depthwise: ${m.depthwise.layers} layers, ${p(m.depthwise.percentOfPeak)} together, lowest ${m.depthwise.lowest.name} ${p(m.depthwise.lowest.percentOfPeak)}`);
    const against = m.againstProfilePeak;
    const recomputed = against
      ? [against.convFcLowest !== undefined ? `conv/FC lowest ${p(against.convFcLowest)}` : '', against.depthwise !== undefined ? `depthwise ${p(against.depthwise)}` : '']
          .filter((x) => x)
          .join(', ')
      : '';
    const slow = m.hostSlowdown
      ? ` (profiled while the host ran ${m.hostSlowdown.toFixed(2)}× slow: reads low${recomputed ? `; against the peak loop run between the profiled runs: ${recomputed}` : ''})`
      : '';
    return `${m.model}${m.fromP10 ? '' : ' (medians)'}${slow}: ${parts.join('; ')}`;
  });
}
