// The bench's reading of issue 4's per-layer targets from in-model profiles (bench/layer-targets.ts)
// and the channel counts it filters on (bench/profile.ts stepChannels, read from the blob).
import { describe, expect, it } from 'vitest';
import { convert } from '../converter/convert.js';
import { layerTargetLines, layerTargets } from '../bench/layer-targets.js';
import { stepChannels, type OpProfile } from '../bench/profile.js';
import { SINGLE_OPS, buildSingleOp } from '../bench/synthetic/single-op.js';

const row = (index: number, op: string, macs: number, simd: number, p10: number | undefined, channels?: { in: number; out: number }): OpProfile => ({
  index, op, name: `op${index}`, macs, us: { simd }, ...(p10 === undefined ? {} : { usP10: { simd: p10 } }), ...(channels ? { channels } : {}),
});

describe('bench layer targets', () => {
  it('reads the channels of conv, depthwise and FC steps from the blob as the generated specs say', () => {
    for (const spec of SINGLE_OPS) {
      const model = buildSingleOp(spec);
      const { blob } = convert(model.bytes, `${spec.id}.tflite`, { precision: 'int8' });
      const ch = stepChannels(blob).filter((c) => c !== undefined);
      expect(ch, spec.id).toEqual([{ in: spec.c, out: spec.kind === 'depthwise' ? spec.c : spec.o }]);
    }
  });

  it('takes p10 times, keeps conv / FC with >= 16 channels each side, and names the slowest layer', () => {
    const peak = 20; // GMAC/s: 1e6 MACs in 100 µs is 10 GMAC/s, 50 %
    const rows = [
      row(0, 'conv2d', 1e6, 200, 100, { in: 3, out: 16 }), // first conv: out of the rule
      row(1, 'conv2d', 1e6, 90, 80, { in: 16, out: 32 }), // 62.5 %
      row(2, 'fully_connected', 2e6, 150, 125, { in: 64, out: 16 }), // 80 %
      row(3, 'conv2d', 1e6, 50, 40, { in: 32, out: 8 }), // out of the rule
      row(4, 'depthwise_conv2d', 1e6, 300, 250, { in: 8, out: 8 }), // 20 %
      row(5, 'depthwise_conv2d', 3e6, 400, 250, { in: 16, out: 16 }), // 60 %
      row(6, 'add', 0, 5, 4),
    ];
    const [t] = layerTargets({ m: { rows } }, peak);
    expect(t.convFc.layers).toBe(2);
    expect(t.convFc.lowest).toEqual({ index: 1, name: 'op1', percentOfPeak: (100 * 1e6) / (80e3 * peak) });
    expect(t.convFc.percentOfPeak).toBeCloseTo((100 * 3e6) / (205e3 * peak), 10);
    expect(t.depthwise!.layers).toBe(2);
    expect(t.depthwise!.percentOfPeak).toBeCloseTo((100 * 4e6) / (500e3 * peak), 10);
    expect(t.depthwise!.lowest.index).toBe(4);
  });

  it('falls back to medians for profiles without p10s and reports a model without such layers', () => {
    const [a, b] = layerTargets(
      {
        a: { rows: [row(0, 'conv2d', 1e6, 100, undefined, { in: 16, out: 16 })] },
        b: { rows: [row(0, 'conv2d', 1e6, 100, 50, { in: 1, out: 8 })] },
      },
      10,
    );
    expect(a.convFc.lowest!.percentOfPeak).toBeCloseTo(100, 10);
    expect(b.convFc.layers).toBe(0);
    expect(b.convFc.lowest).toBeUndefined();
    expect(b.depthwise).toBeUndefined();
    expect([a.fromP10, b.fromP10, a.channelsKnown]).toEqual([false, true, true]);
    const [old] = layerTargets({ old: { rows: [{ index: 0, op: 'conv2d', name: 'op0', macs: 1e6, us: { simd: 100 } }] } }, 10);
    expect(old.channelsKnown).toBe(false);
    expect(layerTargetLines([old])[0]).toBe('old (medians): channels not recorded in this run');
  });

  it('marks a profile taken while the peak loop ran more than 1.1x below the run peak', () => {
    const rows = [row(0, 'conv2d', 1e6, 100, 50, { in: 16, out: 16 })];
    const [slow, steady] = layerTargets({ slow: { rows, peakDuringProfile: 8 }, steady: { rows, peakDuringProfile: 9.5 } }, 10);
    expect(slow.hostSlowdown).toBeCloseTo(1.25, 10);
    expect(steady.hostSlowdown).toBeUndefined();
    // 1e6 MACs in 50 µs: 20 GMAC/s, 200 % of the run peak 10 and 250 % of the 8 measured beside the profile
    expect(slow.againstProfilePeak).toEqual({ convFcLowest: 250 });
    expect(steady.againstProfilePeak).toBeUndefined();
    expect(layerTargetLines([slow])[0]).toMatch(/^slow \(profiled while the host ran 1\.25× slow: reads low; against the peak loop run between the profiled runs: conv\/FC lowest 250 %\): conv\/FC/);
    const dwRows = [...rows, row(1, 'depthwise_conv2d', 1e6, 400, 200, { in: 8, out: 8 })];
    const [dwSlow] = layerTargets({ dwSlow: { rows: dwRows, peakDuringProfile: 8 } }, 10);
    expect(dwSlow.againstProfilePeak!.depthwise).toBeCloseTo(62.5, 10);
  });
});
