// Measured energy: synthetic traces whose energy is known in closed form, written in every
// supported file format, then parsed, windowed and integrated. Expected values come from the
// analytic integrals of the signals, never from the code under test.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTrace } from '../host/energy/analyze.js';
import { parseEembc } from '../host/energy/eembc.js';
import { parseGenericCsv } from '../host/energy/generic-csv.js';
import { integrateTrapezoid } from '../host/energy/integrate.js';
import { parsePpk2Csv } from '../host/energy/ppk2.js';
import { readTrace } from '../host/energy/read-trace.js';
import { TraceError } from '../host/energy/trace.js';
import { detectWindows } from '../host/energy/windows.js';

/** A sampled signal: time (s), current (A), marker level. */
interface Signal {
  t: number[];
  i: number[];
  m: number[];
}

/**
 * Uniform samples every `dt` for `n` samples; inside each window [a, b] (sample indices, inclusive)
 * the marker is high and the current is `inside(t)`, elsewhere `outside(k)` (k = sample index).
 */
function signal(n: number, dt: number, windows: Array<[number, number]>, inside: (t: number) => number, outside: (k: number) => number): Signal {
  const s: Signal = { t: [], i: [], m: [] };
  for (let k = 0; k < n; k++) {
    const t = k * dt;
    const high = windows.some(([a, b]) => k >= a && k <= b);
    s.t.push(t);
    s.m.push(high ? 1 : 0);
    s.i.push(high ? inside(t) : outside(k));
  }
  return s;
}

const toCsv = (s: Signal, withMarker = true) =>
  [withMarker ? 'time_s,current_A,marker' : 'time_s,current_A', ...s.t.map((t, k) => (withMarker ? `${t},${s.i[k]},${s.m[k]}` : `${t},${s.i[k]}`))].join('\n') + '\n';

/** PPK2 export with the packed D0-D7 column; the marker on `channel` (character index = channel). */
function toPpk2Packed(s: Signal, channel: number): string {
  const bits = (level: number) => Array.from({ length: 8 }, (_, c) => (c === channel ? String(level) : c === 7 ? '1' : '0')).join('');
  return ['Timestamp(ms),Current(uA),D0-D7', ...s.t.map((t, k) => `${t * 1000},${(s.i[k] * 1e6).toFixed(6)},${bits(s.m[k])}`)].join('\n') + '\n';
}

/** PPK2 export with one column per channel (and the packed column too, as the app writes both). */
function toPpk2Separate(s: Signal, channel: number): string {
  const cols = (level: number) => Array.from({ length: 8 }, (_, c) => (c === channel ? String(level) : '0'));
  return (
    ['Timestamp(ms),Current(uA),D0,D1,D2,D3,D4,D5,D6,D7', ...s.t.map((t, k) => `${t * 1000},${(s.i[k] * 1e6).toFixed(6)},${cols(s.m[k]).join(',')}`)].join('\n') +
    '\n'
  );
}

const V = 3.3;

describe('trapezoid integration', () => {
  it('is exact for a linear signal, including interval ends between samples', () => {
    const t = Float64Array.from({ length: 11 }, (_, k) => k * 0.1);
    const y = t.map((x) => 2 + 5 * x);
    // ∫ (2 + 5x) dx over [a, b] = 2(b-a) + 2.5(b²-a²)
    for (const [a, b] of [
      [0, 1],
      [0.05, 0.95],
      [0.33, 0.34],
      [0.2, 0.2],
    ]) {
      expect(integrateTrapezoid(t, y, a, b)).toBeCloseTo(2 * (b - a) + 2.5 * (b * b - a * a), 12);
    }
  });
});

describe('window detection', () => {
  it('finds rising → falling edges, bridges short dips and drops short pulses', () => {
    const m = new Uint8Array(60);
    const set = (a: number, b: number, v = 1) => m.fill(v, a, b + 1);
    set(10, 20); // window 1
    set(15, 15, 0); // 1-sample dip inside it: bridged
    set(30, 31); // 2-sample glitch: dropped
    set(40, 50); // window 2
    set(45, 46, 0); // 2-sample dip: bridged
    const w = detectWindows(m, { debounceSamples: 2 });
    expect(w.windows).toEqual([
      { first: 10, last: 20 },
      { first: 40, last: 50 },
    ]);
    expect(w.glitches).toBe(1);
    expect(w.bridged).toBe(2);
    // Without debouncing every run counts.
    expect(detectWindows(m, { debounceSamples: 0 }).windows.length).toBe(5);
  });

  it('discards windows cut by the start or end of the capture', () => {
    const m = new Uint8Array(30);
    m.fill(1, 0, 5);
    m.fill(1, 10, 15);
    m.fill(1, 25, 30);
    const w = detectWindows(m);
    expect(w.windows).toEqual([{ first: 10, last: 14 }]);
    expect(w.openAtStart).toBe(true);
    expect(w.openAtEnd).toBe(true);
  });
});

describe('energy of synthetic traces (generic CSV)', () => {
  const dt = 1e-4;

  it('constant current windows: E = V·I·d, and V·(I − I_idle)·d above the baseline', () => {
    const I_hi = 0.05;
    const I_idle = 0.002;
    const delta = 0.0005;
    const wins: Array<[number, number]> = [
      [100, 299],
      [500, 739],
      [900, 1099],
    ];
    // Idle alternates I_idle ± delta, so its median is I_idle exactly.
    const s = signal(1300, dt, wins, () => I_hi, (k) => I_idle + (k % 2 ? delta : -delta));
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V });
    expect(rep.windows.length).toBe(3);
    const durations = wins.map(([a, b]) => (b - a) * dt);
    rep.windows.forEach((w, k) => {
      expect(w.duration_s).toBeCloseTo(durations[k], 12);
      expect(w.samples).toBe(wins[k][1] - wins[k][0] + 1);
      expect(w.energy_J).toBeCloseTo(V * I_hi * durations[k], 12);
      expect(w.energy_above_baseline_J!).toBeCloseTo(V * (I_hi - I_idle) * durations[k], 12);
    });
    expect(rep.baseline_W!).toBeCloseTo(V * I_idle, 12);
    const energies = durations.map((d) => V * I_hi * d).sort((a, b) => a - b);
    expect(rep.per_inference_J.median).toBeCloseTo(energies[1], 12);
    expect(rep.per_inference_J.min).toBeCloseTo(energies[0], 12);
    expect(rep.per_inference_J.max).toBeCloseTo(energies[2], 12);
    expect(rep.warnings).toEqual([]);
  });

  it('linear ramps are integrated exactly (trapezoid is exact for piecewise-linear current)', () => {
    const I0 = 0.01;
    const slope = 3; // A/s
    const wins: Array<[number, number]> = [
      [50, 250],
      [400, 777],
    ];
    const s = signal(900, dt, wins, (t) => I0 + slope * t, () => 0.001);
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V });
    rep.windows.forEach((w, k) => {
      const a = wins[k][0] * dt;
      const b = wins[k][1] * dt;
      // V ∫ (I0 + slope·t) dt = V (I0 (b−a) + slope (b²−a²)/2)
      expect(w.energy_J).toBeCloseTo(V * (I0 * (b - a) + (slope * (b * b - a * a)) / 2), 12);
    });
  });

  it('sinusoidal current within the trapezoid error bound', () => {
    const I0 = 0.03;
    const A = 0.01;
    const f = 50; // Hz
    const w2 = 2 * Math.PI * f;
    const wins: Array<[number, number]> = [[123, 1877]];
    const s = signal(2000, dt, wins, (t) => I0 + A * Math.sin(w2 * t), () => 0.001);
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V });
    const a = wins[0][0] * dt;
    const b = wins[0][1] * dt;
    const exact = V * (I0 * (b - a) + (A / w2) * (Math.cos(w2 * a) - Math.cos(w2 * b)));
    // Composite trapezoid error ≤ (b−a) h² max|y''| / 12, y'' = −V A ω² sin(ωt).
    const bound = ((b - a) * dt * dt * V * A * w2 * w2) / 12;
    expect(Math.abs(rep.windows[0].energy_J - exact)).toBeLessThanOrEqual(bound + 1e-15);
    // The bound is meaningful: the error is not zero, and a much coarser rule would exceed it.
    expect(bound / exact).toBeLessThan(1e-4);
  });

  it('uses a per-sample voltage column: E = I ∫V dt', () => {
    const lines = ['time_s,current_A,voltage_V,marker'];
    // V(t) = 3 + 2t (linear), I = 0.02 A inside [0.1, 0.5] s, samples every 10 ms.
    for (let k = 0; k <= 60; k++) {
      const t = k / 100;
      const high = t >= 0.1 - 1e-9 && t <= 0.5 + 1e-9;
      lines.push(`${t},${high ? 0.02 : 0.001},${3 + 2 * t},${high ? 1 : 0}`);
    }
    const rep = analyzeTrace(parseGenericCsv(lines.join('\n')), { voltage_V: 99 });
    expect(rep.voltage.source).toBe('column');
    expect(rep.windows[0].energy_J).toBeCloseTo(0.02 * (3 * 0.4 + (0.5 * 0.5 - 0.1 * 0.1)), 12);
    expect(rep.notes.some((n) => n.includes('--voltage ignored'))).toBe(true);
  });

  it('accepts power_W instead of current_A (no voltage needed)', () => {
    const s = signal(400, dt, [[100, 199]], () => 0.2, () => 0.01);
    const text = ['time_s,power_W,marker', ...s.t.map((t, k) => `${t},${s.i[k]},${s.m[k]}`)].join('\n');
    const rep = analyzeTrace(parseGenericCsv(text));
    expect(rep.windows[0].energy_J).toBeCloseTo(0.2 * 99 * dt, 12);
    expect(rep.windows[0].energy_above_baseline_J!).toBeCloseTo((0.2 - 0.01) * 99 * dt, 12);
  });

  it('divides by the inferences per window', () => {
    const s = signal(400, dt, [[100, 299]], () => 0.05, () => 0.001);
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V, inferencesPerWindow: 4 });
    expect(rep.per_inference_J.median).toBeCloseTo((V * 0.05 * 199 * dt) / 4, 12);
  });

  it('debounces a noisy marker and still integrates the true windows', () => {
    const wins: Array<[number, number]> = [
      [100, 300],
      [600, 800],
    ];
    const s = signal(1000, dt, wins, () => 0.04, () => 0.002);
    // Marker noise: single-sample spikes while idle, single-sample dips inside (current unchanged).
    for (const k of [20, 450, 900]) s.m[k] = 1;
    for (const k of [150, 700]) s.m[k] = 0;
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V });
    expect(rep.windows.map((w) => [w.start_s, w.end_s])).toEqual(wins.map(([a, b]) => [a * dt, b * dt]));
    rep.windows.forEach((w) => expect(w.energy_J).toBeCloseTo(V * 0.04 * 200 * dt, 12));
    expect(rep.warnings.some((w) => w.includes('3 marker pulse(s)'))).toBe(true);
    expect(rep.warnings.some((w) => w.includes('2 marker dip(s)'))).toBe(true);
  });
});

describe('warnings', () => {
  const dt = 1e-3;

  it('warns about a window with too few samples, naming the window and its lines', () => {
    const s = signal(100, dt, [[10, 50], [70, 74]], () => 0.05, () => 0.001);
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V, minSamples: 10 });
    const few = rep.warnings.filter((w) => w.includes('fewer than 10'));
    expect(few.length).toBe(1);
    // Sample k is on file line k + 2 (line 1 is the header).
    expect(few[0]).toContain('window 2 (lines 72-76)');
    expect(few[0]).toContain('only 5 sample(s)');
  });

  it('warns about a gap in the timestamps inside a window; constant current stays exact', () => {
    const s = signal(200, dt, [[40, 160]], () => 0.05, () => 0.001);
    // Drop samples 90..99: a 11 ms gap inside the window.
    const keep = s.t.map((_, k) => k < 90 || k > 99);
    const g: Signal = { t: s.t.filter((_, k) => keep[k]), i: s.i.filter((_, k) => keep[k]), m: s.m.filter((_, k) => keep[k]) };
    const rep = analyzeTrace(parseGenericCsv(toCsv(g)), { voltage_V: V });
    const gap = rep.warnings.filter((w) => w.includes('gap'));
    expect(gap.length).toBe(1);
    expect(gap[0]).toContain('window 1');
    expect(gap[0]).toContain('11.000 ms');
    expect(rep.windows[0].energy_J).toBeCloseTo(V * 0.05 * 120 * dt, 12);
  });

  it('warns when the marker is high at the start or end of the capture', () => {
    const s = signal(100, dt, [[0, 9], [30, 60], [90, 99]], () => 0.05, () => 0.001);
    const rep = analyzeTrace(parseGenericCsv(toCsv(s)), { voltage_V: V });
    expect(rep.windows.length).toBe(1);
    expect(rep.warnings.some((w) => w.includes('already high at the first sample'))).toBe(true);
    expect(rep.warnings.some((w) => w.includes('still high at the last sample'))).toBe(true);
    // The partial windows are inferences, not idle: the baseline is the idle level.
    expect(rep.baseline_W!).toBeCloseTo(V * 0.001, 12);
  });
});

describe('PPK2 exports', () => {
  const dt = 1e-5; // 100 kHz, the PPK2 rate
  const wins: Array<[number, number]> = [
    [200, 699],
    [1200, 1799],
  ];
  const s = signal(2000, dt, wins, () => 0.012, (k) => 0.0004 + (k % 2 ? 1e-5 : -1e-5));

  for (const [label, text, channel] of [
    ['packed D0-D7 column', toPpk2Packed(s, 0), 0],
    ['packed D0-D7 column, marker on D5', toPpk2Packed(s, 5), 5],
    ['separate D0..D7 columns, marker on D3', toPpk2Separate(s, 3), 3],
  ] as const) {
    it(`${label}: uA and ms converted, energy = V·I·d`, () => {
      const trace = parsePpk2Csv(text, { markerChannel: channel });
      const rep = analyzeTrace(trace, { voltage_V: 1.8 });
      expect(rep.windows.length).toBe(2);
      rep.windows.forEach((w, k) => {
        const d = (wins[k][1] - wins[k][0]) * dt;
        expect(w.duration_s).toBeCloseTo(d, 12);
        expect(w.energy_J).toBeCloseTo(1.8 * 0.012 * d, 12);
        expect(w.energy_above_baseline_J!).toBeCloseTo(1.8 * (0.012 - 0.0004) * d, 12);
      });
    });
  }

  it('both digital forms in one file (the app writes both when both are ticked) agree', () => {
    const rows = toPpk2Packed(s, 2).trimEnd().split('\n');
    const both = [
      `${rows[0]},D0,D1,D2,D3,D4,D5,D6,D7`,
      ...rows.slice(1).map((r) => `${r},${r.split(',')[2].split('').join(',')}`),
    ].join('\n');
    const rep = analyzeTrace(parsePpk2Csv(both, { markerChannel: 2 }), { voltage_V: 1.8 });
    expect(rep.windows.map((w) => w.samples)).toEqual(wins.map(([a, b]) => b - a + 1));
  });

  it('reads D0 as the first character of the packed field (bit 7 high does not mark windows)', () => {
    // toPpk2Packed sets D7 = 1 on every sample; with D7 as marker there is no window edge.
    expect(() => analyzeTrace(parsePpk2Csv(toPpk2Packed(s, 0), { markerChannel: 7 }), { voltage_V: 1.8 })).toThrow(/no complete inference window/);
  });

  it("keeps the previous level for 'X' samples and says so", () => {
    // The first high sample of window 1 (sample 200, file line 202) reports 'X' on D0.
    const rows = toPpk2Packed(s, 0).split('\n');
    rows[201] = rows[201].replace(/,1(\d{7})$/, ',X$1');
    const trace = parsePpk2Csv(rows.join('\n'), { markerChannel: 0 });
    expect(trace.notes.some((n) => n.includes("1 sample(s) had D0 = 'X'"))).toBe(true);
    // The low level before it is kept, so the window starts one sample later.
    const rep = analyzeTrace(trace, { voltage_V: 1.8 });
    expect(rep.windows[0].start_s).toBeCloseTo(201 * dt, 12);
  });
});

describe('EEMBC EnergyRunner output', () => {
  /** traceN-energy.bin: 0xF1, float32 rate, float32 power samples in mW. */
  function energyBin(rate: number, mw: number[]): Uint8Array {
    const b = new Uint8Array(5 + 4 * mw.length);
    const v = new DataView(b.buffer);
    b[0] = 0xf1;
    v.setFloat32(1, rate, true);
    mw.forEach((p, i) => v.setFloat32(5 + 4 * i, p, true));
    return b;
  }
  const rate = 1000;
  const n = 1000;

  it('constant power windows from timestamp pairs, divided by iterInfer; baseline subtracted', () => {
    // Windows [0.100, 0.350] and [0.500, 0.900] s on exact sample times; 51.5 mW inside, 2.25 mW idle
    // (both exact in float32). The first timestamp is the synchronisation edge.
    const mw = Array.from({ length: n }, (_, i) => ((i >= 100 && i <= 350) || (i >= 500 && i <= 900) ? 51.5 : 2.25));
    const trace = parseEembc({
      energyBin: energyBin(rate, mw),
      timestampsJson: JSON.stringify([0.013, 0.1, 0.35, 0.5, 0.9]),
      logText: '01602.109 parser: m-bm-cfg-name[ulp-ml]-key[iterInfer]-val[150]\n01709.389 emon: m-voltage-mv[1800]\n',
    });
    expect(trace.inferencesPerWindow).toBe(150);
    expect(trace.reportedVoltage_V).toBe(1.8);
    const rep = analyzeTrace(trace);
    expect(rep.windows.map((w) => w.duration_s)).toEqual([0.25, 0.4].map((d) => expect.closeTo(d, 12)));
    expect(rep.windows[0].energy_J).toBeCloseTo(0.0515 * 0.25, 12);
    expect(rep.windows[1].energy_J).toBeCloseTo(0.0515 * 0.4, 12);
    expect(rep.baseline_W!).toBeCloseTo(0.00225, 12);
    expect(rep.per_inference_J.min).toBeCloseTo((0.0515 * 0.25) / 150, 14);
    expect(rep.per_inference_above_baseline_J!.max).toBeCloseTo(((0.0515 - 0.00225) * 0.4) / 150, 14);
  });

  it('interpolates window ends that fall between samples (exact for a linear power ramp)', () => {
    // p(t) = 10 + 20 t mW: float32 rounding makes each sample slightly off, so compare with the
    // ramp evaluated at float32 precision (relative 1e-7).
    const mw = Array.from({ length: n }, (_, i) => 10 + 20 * (i / rate));
    const trace = parseEembc({ energyBin: energyBin(rate, mw), timestampsJson: JSON.stringify([0.1234, 0.5678]) });
    const rep = analyzeTrace(trace);
    const [a, b] = [0.1234, 0.5678];
    const exact = (10 * (b - a) + 10 * (b * b - a * a)) / 1000;
    expect(Math.abs(rep.windows[0].energy_J - exact) / exact).toBeLessThan(1e-6);
    expect(rep.inferences_per_window).toBe(1);
  });

  it('reads the files from disk given the .bin, the .json or the session directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mote-eembc-'));
    const mw = Array.from({ length: n }, (_, i) => (i >= 200 && i <= 400 ? 40 : 1));
    writeFileSync(join(dir, 'trace1-energy.bin'), energyBin(rate, mw));
    writeFileSync(join(dir, 'trace1-timestamps.json'), JSON.stringify([0.01, 0.2, 0.4]));
    writeFileSync(join(dir, 'log.txt'), 'key[iterInfer]-val[10]\n');
    for (const p of [join(dir, 'trace1-energy.bin'), join(dir, 'trace1-timestamps.json'), dir]) {
      const rep = analyzeTrace(readTrace(p));
      expect(rep.format).toBe('eembc');
      expect(rep.per_inference_J.median).toBeCloseTo((0.04 * 0.2) / 10, 12);
    }
  });
});

describe('format detection from files', () => {
  it('guesses PPK2 and generic CSV from the header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mote-trace-'));
    const s = signal(300, 1e-3, [[100, 199]], () => 0.01, () => 0.001);
    writeFileSync(join(dir, 'a.csv'), toCsv(s));
    writeFileSync(join(dir, 'b.csv'), toPpk2Packed(s, 0));
    expect(readTrace(join(dir, 'a.csv')).format).toBe('csv');
    expect(readTrace(join(dir, 'b.csv')).format).toBe('ppk2');
    expect(readTrace(join(dir, 'b.csv'), { markerChannel: 'D0' }).marker!.reduce((x, y) => x + y, 0)).toBe(100);
    writeFileSync(join(dir, 'c.txt'), 'hello\n1,2\n');
    expect(() => readTrace(join(dir, 'c.txt'))).toThrow(/give --format/);
    expect(() => readTrace(join(dir, 'a.csv'), { format: 'wav' })).toThrow(/unknown trace format 'wav'/);
    mkdirSync(join(dir, 'empty-session'));
    expect(() => readTrace(join(dir, 'empty-session'))).toThrow(/no \*-energy\.bin/);
  });
});

describe('malformed traces get clear errors naming the line', () => {
  const lineError = (f: () => unknown, line: number, pattern: RegExp) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect((e as TraceError).line).toBe(line);
      expect((e as Error).message).toMatch(pattern);
      expect((e as Error).message).toContain(`line ${line}:`);
      return;
    }
    throw new Error('expected an error');
  };
  const csv = (rows: string[]) => ['time_s,current_A,marker', ...rows].join('\n');
  const good = ['0,0.001,0', '0.001,0.001,0', '0.002,0.05,1', '0.003,0.05,1', '0.004,0.001,0', '0.005,0.001,0'];

  it('generic CSV', () => {
    lineError(() => parseGenericCsv(csv([...good.slice(0, 3), '0.003,abc,1', ...good.slice(4)])), 5, /current_A is not a number: 'abc'/);
    lineError(() => parseGenericCsv(csv([...good.slice(0, 4), '0.002,0.001,0'])), 6, /time 0.002 does not increase \(previous sample at line 5/);
    lineError(() => parseGenericCsv(csv([...good.slice(0, 2), '0.002,0.05'])), 4, /expected 3 fields like the header, got 2/);
    lineError(() => parseGenericCsv(csv([...good.slice(0, 2), '0.002,,1'])), 4, /current_A is not a number: ''/);
    lineError(() => parseGenericCsv('time_s,marker\n0,1\n'), 1, /exactly one of the columns 'current_A' or 'power_W'/);
    lineError(() => parseGenericCsv('current_A,marker\n0,1\n'), 1, /missing the 'time_s' column/);
    lineError(() => parseGenericCsv('0,0.001,0\n0.001,0.001,0\n'), 1, /header row/);
    lineError(() => parseGenericCsv('time_s,current_A,volts\n'), 1, /unknown column 'volts'/);
    lineError(() => parseGenericCsv('time_s,current_A\n"0",1\n'), 2, /quoted/);
    expect(() => parseGenericCsv('')).toThrow(/empty/);
  });

  it('PPK2', () => {
    const head = 'Timestamp(ms),Current(uA),D0-D7';
    lineError(() => parsePpk2Csv('Timestamp(ms),D0-D7\n0,00000000\n'), 1, /'Timestamp\(ms\)' and 'Current\(uA\)'/);
    lineError(() => parsePpk2Csv('Timestamp(ms),Current(uA)\n0,1\n'), 1, /no digital channels/);
    lineError(() => parsePpk2Csv(`${head}\n0,10,00000000\n0.01,1e,00000000\n`), 3, /Current\(uA\) is not a number: '1e'/);
    lineError(() => parsePpk2Csv(`${head}\n0,10,00000000\n0.01,10,0000000\n`), 3, /8 characters/);
    lineError(() => parsePpk2Csv(`${head}\n0,10,00000000\n0.01,10,-0000000\n`), 3, /D0 was not sampled/);
    lineError(() => parsePpk2Csv(`${head}\n0.02,10,00000000\n0.01,10,00000000\n`), 3, /does not increase/);
    lineError(() => parsePpk2Csv('Timestamp(ms),Current(uA),D0,D1\n0,1,0,0\n', { markerChannel: 4 }), 1, /not D4/);
  });

  it('analysis-level errors: no marker edges, no voltage', () => {
    const flat = parseGenericCsv(csv(['0,0.001,0', '0.001,0.001,0', '0.002,0.001,0']));
    expect(() => analyzeTrace(flat, { voltage_V: 3.3 })).toThrow(/no marker edges.*never goes high/);
    const allHigh = parseGenericCsv(csv(['0,0.001,1', '0.001,0.001,1', '0.002,0.001,1']));
    expect(() => analyzeTrace(allHigh, { voltage_V: 3.3 })).toThrow(/no complete inference window/);
    expect(() => analyzeTrace(parseGenericCsv(csv(good)))).toThrow(/no voltage: give the supply voltage \(--voltage/);
    expect(() => analyzeTrace(parseGenericCsv('time_s,current_A\n0,1\n0.1,1\n'), { voltage_V: 3.3 })).toThrow(/no marker column/);
    expect(() => analyzeTrace(parseGenericCsv(csv(good)), { voltage_V: -1 })).toThrow(/positive number of volts/);
  });

  it('EEMBC', () => {
    const bin = (bytes: number[]) => Uint8Array.from(bytes);
    const ok = new Uint8Array(5 + 4 * 10);
    new DataView(ok.buffer).setFloat32(1, 1000, true);
    ok[0] = 0xf1;
    expect(() => parseEembc({ energyBin: bin([0xf1, 0, 0]), timestampsJson: '[]' })).toThrow(/too short/);
    expect(() => parseEembc({ energyBin: ok.slice(0, 11), timestampsJson: '[]' })).toThrow(/not 5 \+ 4 × samples/);
    expect(() => parseEembc({ energyBin: ok, timestampsJson: '{"a":1}' })).toThrow(/JSON array/);
    expect(() => parseEembc({ energyBin: ok, timestampsJson: '[0.001,' })).toThrow(/not valid JSON/);
    expect(() => parseEembc({ energyBin: ok, timestampsJson: '[0.001, 0.005, 0.004]' })).toThrow(/timestamp 2 \(0.004 s\) does not increase/);
    expect(() => parseEembc({ energyBin: ok, timestampsJson: '[0.001, 0.002, 5]' })).toThrow(/after the last power sample/);
    expect(() => parseEembc({ energyBin: ok, timestampsJson: '[0.001]' })).toThrow(/no start\/end pair/);
    const zeroRate = ok.slice();
    new DataView(zeroRate.buffer).setFloat32(1, 0, true);
    expect(() => parseEembc({ energyBin: zeroRate, timestampsJson: '[]' })).toThrow(/sample rate 0 Hz/);
  });
});
