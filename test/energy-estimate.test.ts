// The profile JSON-lines format (parse ↔ write, validation with line numbers), the device
// profiles (every number has a source or a stated assumption) and the energy ESTIMATE
// E = P_active × t, checked in closed form from the profile JSON's own figures.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatProfile,
  formatRecord,
  parseProfile,
  ProfileFormatError,
  type ProfileOpRecord,
  type ProfileRunRecord,
} from '../host/profile-format.js';
import { listDeviceProfiles, loadDeviceProfile, memoryBytes, profilesDir, validateDeviceProfile } from '../host/energy/device-profiles.js';
import { estimateEnergy } from '../host/energy/estimate.js';
import { repoRoot } from './support/mote-cli.js';

const run = (t_us: number, extra: Partial<ProfileRunRecord> = {}): ProfileRunRecord => ({
  type: 'run',
  model: 'kws.mote',
  build: 'scalar',
  host: 'esp32',
  t_us,
  ...extra,
});
const op = (index: number, t_us: number, o = 'conv2d'): ProfileOpRecord => ({ type: 'op', index, op: o, name: `n${index}`, t_us, macs: 1000 * (index + 1) });

describe('profile format', () => {
  it('round-trips runs and ops through the writer and the parser', () => {
    const runs = [
      { run: run(300, { device: 'esp32s3', clock_mhz: 240 }), ops: [op(0, 100), op(1, 150, 'add'), op(2, 40)] },
      { run: run(310), ops: [op(0, 110), op(1, 140, 'add'), op(2, 45)] },
    ];
    const text = formatProfile(runs);
    expect(text.split('\n').filter(Boolean).length).toBe(8);
    const parsed = parseProfile(text);
    expect(parsed.runs.length).toBe(2);
    expect(parsed.runs.map((r) => r.run.run)).toEqual([0, 1]);
    expect(parsed.runs[0].run).toEqual({ ...runs[0].run, run: 0 });
    expect(parsed.runs[1].ops).toEqual(runs[1].ops.map((o) => ({ ...o, run: 1 })));
    expect(parsed.warnings).toEqual([]);
  });

  it('skips blank and # comment lines, accepts CRLF', () => {
    const text = ['# profile', formatRecord(run(10)), '', formatRecord(op(0, 9)), ''].join('\r\n');
    expect(parseProfile(text).runs[0].ops.length).toBe(1);
  });

  it('warns when the ops add up to more than the run', () => {
    const text = formatProfile([{ run: run(100), ops: [op(0, 80), op(1, 60)] }]);
    expect(parseProfile(text).warnings[0]).toMatch(/line 1: the ops of run 0 add up to 140.0 us, more than the run's total 100 us/);
  });

  const errorAt = (lines: string[], line: number, pattern: RegExp) => {
    try {
      parseProfile(lines.join('\n'));
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileFormatError);
      expect((e as ProfileFormatError).line).toBe(line);
      expect((e as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected an error');
  };
  const R = JSON.stringify(run(100));
  const O = (o: object) => JSON.stringify({ ...op(0, 10), ...o });

  it('rejects malformed records, naming the line', () => {
    errorAt([R, '{"type":"op",'], 2, /profile line 2: not valid JSON/);
    errorAt([R, '[1,2]'], 2, /expected a JSON object/);
    errorAt([R, O({ type: 'layer' })], 2, /"type" must be "run" or "op", got the string "layer"/);
    errorAt([O({})], 1, /an "op" record before any "run" record/);
    errorAt([R, O({ t_us: -1 })], 2, /"t_us" must not be negative/);
    errorAt([R, O({ t_us: '10' })], 2, /"t_us" must be a finite number, got the string "10"/);
    errorAt([R, O({ index: 1 })], 2, /op index 1 out of order: run 0 expects index 0 next/);
    errorAt([R, O({ index: 0.5 })], 2, /"index" must be an integer/);
    errorAt([R, O({ t_ms: 3 })], 2, /unknown field "t_ms"/);
    errorAt([R, O({ run: 4 })], 2, /op belongs to run 4 but follows the "run" record of run 0 \(line 1\)/);
    errorAt([JSON.stringify({ ...run(1), build: 'wasm' })], 1, /"build" must be one of simd, scalar, got "wasm"/);
    errorAt([JSON.stringify({ ...run(1), host: 'deno' })], 1, /"host" must be one of node, browser, react-native, esp32, posix/);
    errorAt([JSON.stringify({ ...run(1), model: undefined })], 1, /"model" must be a string, got nothing/);
    errorAt([JSON.stringify(run(1, { run: 3 })), JSON.stringify(run(1, { run: 3 }))], 2, /run 3 appears twice/);
    expect(() => parseProfile('\n# nothing\n')).toThrow(/no "run" record found/);
  });

  it('the writer validates too', () => {
    expect(() => formatRecord({ ...op(0, 1), t_us: Number.NaN })).toThrow(/"t_us" must be a finite number/);
    expect(() => formatProfile([{ run: run(1), ops: [op(1, 1)] }])).toThrow(/op at position 0 has index 1/);
  });
});

describe('device profiles', () => {
  const files = readdirSync(join(repoRoot, 'devices', 'profiles')).filter((f) => f.endsWith('.json'));

  it('ships esp32, esp32s3, esp32c3 and phone-cpu, found from the module', () => {
    expect(profilesDir()).toBe(join(repoRoot, 'devices', 'profiles'));
    expect(listDeviceProfiles()).toEqual(['esp32', 'esp32c3', 'esp32s3', 'phone-cpu']);
  });

  for (const f of files) {
    it(`${f}: every number has a source or a stated assumption; MCU power figures cite a datasheet table`, () => {
      const json = JSON.parse(readFileSync(join(repoRoot, 'devices', 'profiles', f), 'utf8'));
      const p = validateDeviceProfile(json, f);
      expect(p.name).toBe(f.replace(/\.json$/, ''));
      // Walk every {value: number} in the file independently of the validator.
      const walk = (x: unknown, where: string): void => {
        if (typeof x !== 'object' || x === null) return;
        const r = x as Record<string, unknown>;
        if (typeof r.value === 'number') {
          expect(typeof r.source === 'string' || typeof r.assumption === 'string', `${f} ${where}`).toBe(true);
        }
        for (const [k, v] of Object.entries(r)) walk(v, `${where}.${k}`);
      };
      walk(json, '');
      if (p.kind === 'mcu') {
        expect(p.power.active.source).toMatch(/Table \d+-\d+/);
        expect(p.power.light_sleep!.source).toMatch(/Table \d+-\d+/);
        expect(p.memory.sram_total && 'value' in p.memory.sram_total ? p.memory.sram_total.source : '').toMatch(/DS, /);
        // The usable-SRAM figure is not in any datasheet: it must say so.
        expect(p.memory.sram_usable_app && 'assumption' in p.memory.sram_usable_app).toBe(true);
      } else {
        expect(p.power.active.assumption).toBeTruthy();
      }
    });
  }

  it('memory figures for RAM budgets, in bytes with their provenance', () => {
    const s3 = loadDeviceProfile('esp32s3');
    expect(memoryBytes(s3, 'sram_total')).toEqual({ bytes: 512 * 1024, provenance: expect.stringMatching(/Section 4\.1\.2\.1/) });
    expect(memoryBytes(s3, 'sram_usable_app')!.provenance).toMatch(/^assumption: /);
    expect(memoryBytes(s3, 'psram')).toBeUndefined();
    expect(memoryBytes(loadDeviceProfile('esp32c3'), 'sram_total')!.bytes).toBe(400 * 1024);
  });

  it('rejects a number without provenance and a current without a supply voltage', () => {
    const base = JSON.parse(readFileSync(join(repoRoot, 'devices', 'profiles', 'esp32s3.json'), 'utf8'));
    const noSource = structuredClone(base);
    delete noSource.power.active.source;
    delete noSource.power.active.assumption;
    expect(() => validateDeviceProfile(noSource, 'x.json')).toThrow(/power.active has neither a "source".*nor an "assumption"/);
    const noSupply = structuredClone(base);
    delete noSupply.supply_v;
    expect(() => validateDeviceProfile(noSupply, 'x.json')).toThrow(/"supply_v" is needed/);
    const badUnit = structuredClone(base);
    badUnit.power.active.unit = 'mAh';
    expect(() => validateDeviceProfile(badUnit, 'x.json')).toThrow(/unit must be one of A, mA, uA, W, mW, uW/);
    expect(() => loadDeviceProfile('esp8266')).toThrow(/no device profile 'esp8266' \(built-in: esp32, esp32c3, esp32s3, phone-cpu\)/);
  });
});

describe('energy estimate E = P_active × t', () => {
  const raw = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'devices', 'profiles', `${name}.json`), 'utf8'));
  const profileText = formatProfile([
    { run: run(1000, { device: 'esp32s3' }), ops: [op(0, 600), op(1, 300, 'add'), op(2, 90)] },
    { run: run(1400, { device: 'esp32s3' }), ops: [op(0, 800), op(1, 500, 'add'), op(2, 95)] },
    { run: run(1200, { device: 'esp32s3' }), ops: [op(0, 700), op(1, 400, 'add'), op(2, 80)] },
  ]);

  it('esp32s3: datasheet current × supply × median time, per-op likewise', () => {
    const j = raw('esp32s3');
    const P = j.power.active.value * 1e-3 * j.supply_v.value; // mA → W
    const Pmin = j.power.active.min * 1e-3 * j.supply_v.value;
    const Pmax = j.power.active.max * 1e-3 * j.supply_v.value;
    const est = estimateEnergy(parseProfile(profileText), loadDeviceProfile('esp32s3'));
    expect(est.kind).toBe('estimate');
    expect(est.t_us).toBe(1200); // median of 1000, 1400, 1200
    expect(est.energy_uJ).toBeCloseTo(P * 1200, 9); // W × µs = µJ
    expect(est.energy_min_uJ).toBeCloseTo(Pmin * 1200, 9);
    expect(est.energy_max_uJ).toBeCloseTo(Pmax * 1200, 9);
    expect(est.ops.map((o) => o.t_us)).toEqual([700, 400, 90]);
    est.ops.forEach((o) => expect(o.energy_uJ).toBeCloseTo(P * o.t_us, 9));
    expect(est.ops[0].share).toBeCloseTo(700 / 1200, 12);
    expect(est.assumptions[0]).toMatch(/E = P_active × t \(an estimate, not a measurement\)/);
    expect(est.assumptions.join('\n')).toContain('Table 5-9');
    expect(est.warnings).toEqual([]);
  });

  it('a power-unit profile (phone-cpu, mW) needs no supply voltage', () => {
    const j = raw('phone-cpu');
    const prof = parseProfile(formatProfile([{ run: run(5000, { host: 'browser', build: 'simd' }), ops: [] }]));
    const est = estimateEnergy(prof, loadDeviceProfile('phone-cpu'));
    expect(est.energy_uJ).toBeCloseTo(j.power.active.value * 1e-3 * 5000, 9);
    expect(est.ops).toEqual([]);
    expect(est.assumptions.join('\n')).toMatch(/assumption/);
  });

  it('warns when the time was not measured on the device whose power it uses', () => {
    const prof = parseProfile(formatProfile([{ run: run(100, { host: 'node', build: 'simd' }), ops: [] }]));
    const est = estimateEnergy(prof, loadDeviceProfile('esp32c3'));
    expect(est.warnings[0]).toMatch(/measured on node, not on esp32c3/);
    const other = parseProfile(formatProfile([{ run: run(100, { device: 'esp32' }), ops: [] }]));
    expect(estimateEnergy(other, loadDeviceProfile('esp32c3')).warnings[0]).toMatch(/ran on 'esp32', but the power figures are esp32c3's/);
  });
});
