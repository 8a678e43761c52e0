// `mote energy` through commander, in-process: option handling, text and JSON output, and the
// usage errors. Expected energies are closed-form values of the synthetic inputs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerEnergyCommand } from '../host/cli/energy.js';
import { CliError, EXIT_USAGE } from '../host/cli/errors.js';
import { formatProfile } from '../host/profile-format.js';
import { repoRoot } from './support/mote-cli.js';

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

async function mote(args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerEnergyCommand(program);
  await program.parseAsync(['node', 'mote', 'energy', ...args]);
}

async function usageError(args: string[], pattern: RegExp): Promise<void> {
  const err = await mote(args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(EXIT_USAGE);
  expect((err as Error).message).toMatch(pattern);
}

const dir = mkdtempSync(join(tmpdir(), 'mote-energy-cli-'));
// 1 kHz samples; marker high on samples 100..299 and 500..699 at 40 mA, 1 mA idle.
const csvPath = join(dir, 'trace.csv');
writeFileSync(
  csvPath,
  ['time_s,current_A,marker', ...Array.from({ length: 900 }, (_, k) => {
    const high = (k >= 100 && k <= 299) || (k >= 500 && k <= 699);
    return `${k / 1000},${high ? 0.04 : 0.001},${high ? 1 : 0}`;
  })].join('\n'),
);
const profilePath = join(dir, 'profile.jsonl');
writeFileSync(
  profilePath,
  formatProfile([
    {
      run: { type: 'run', model: 'kws.mote', build: 'scalar', host: 'esp32', t_us: 2000 },
      ops: [
        { type: 'op', index: 0, op: 'conv2d', name: 'c1', t_us: 1500 },
        { type: 'op', index: 1, op: 'fully_connected', name: 'fc', t_us: 400 },
      ],
    },
  ]),
);

describe('mote energy --trace', () => {
  it('prints JSON with the closed-form per-inference energy, with and without the idle baseline', async () => {
    await mote(['--trace', csvPath, '--voltage', '3.3', '--json']);
    const rep = JSON.parse(out);
    expect(rep.kind).toBe('measurement');
    expect(rep.windows.length).toBe(2);
    expect(rep.per_inference_J.median).toBeCloseTo(3.3 * 0.04 * 0.199, 12);
    expect(rep.per_inference_above_baseline_J.median).toBeCloseTo(3.3 * (0.04 - 0.001) * 0.199, 12);
  });

  it('prints a readable report labelled as a measurement', async () => {
    await mote(['--trace', csvPath, '--voltage', '3.3']);
    expect(out).toMatch(/^MEASURED energy per inference/);
    expect(out).toContain(`median ${(3.3 * 0.04 * 0.199 * 1e3).toFixed(3)} mJ`);
    expect(out).toMatch(/idle baseline: 3\.30 mW/);
  });

  it('turns trace errors into one message naming the file', async () => {
    const err = await mote(['--trace', csvPath]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe(`trace '${csvPath}': the trace holds current but no voltage: give the supply voltage (--voltage, e.g. 3.3)`);
    const missing = await mote(['--trace', join(dir, 'nope.csv'), '--format', 'csv']).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/cannot read trace '.*nope\.csv': no such file/);
  });

  it('rejects bad option values', async () => {
    await usageError(['--trace', csvPath, '--voltage', 'abc'], /--voltage must be a positive number, got 'abc'/);
    await usageError(['--trace', csvPath, '--voltage', '3.3', '--min-samples', '0'], /--min-samples must be a whole number >= 1/);
    await usageError(['--trace', csvPath, '--voltage', '3.3', '--debounce', '1.5'], /--debounce must be a whole number >= 0/);
  });
});

describe('mote energy --profile --from', () => {
  it('prints an estimate labelled as such, with the per-op breakdown and its assumptions', async () => {
    await mote(['--profile', 'esp32s3', '--from', profilePath]);
    expect(out).toMatch(/^ESTIMATE \(not a measurement\) of energy per inference: kws\.mote on esp32s3/);
    expect(out).toContain('conv2d');
    expect(out).toContain('fully_connected');
    expect(out).toContain('Assumptions:');
    expect(out).toContain('E = P_active × t');
  });

  it('JSON matches P × t from the device profile file', async () => {
    await mote(['--profile', 'esp32c3', '--from', profilePath, '--json']);
    const est = JSON.parse(out);
    const j = JSON.parse(readFileSync(join(repoRoot, 'devices', 'profiles', 'esp32c3.json'), 'utf8'));
    expect(est.energy_uJ).toBeCloseTo(j.power.active.value * 1e-3 * j.supply_v.value * 2000, 9);
    expect(est.ops[1].energy_uJ).toBeCloseTo(j.power.active.value * 1e-3 * j.supply_v.value * 400, 9);
  });

  it('usage errors', async () => {
    await usageError(['--profile', 'esp32s3'], /--profile needs --from/);
    await usageError(['--from', profilePath], /--from needs --profile/);
    await usageError(['--profile', 'esp32s3', '--from', profilePath, '--trace', csvPath], /either .* not both/);
    await usageError(['--profile', 'esp32s3', '--from', profilePath, '--voltage', '3'], /--voltage applies to --trace/);
    await usageError([], /nothing to do/);
    const err = await mote(['--profile', 'esp8266', '--from', profilePath]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no device profile 'esp8266'/);
    writeFileSync(join(dir, 'bad.jsonl'), '{"type":"run"}\n');
    const bad = await mote(['--profile', 'esp32', '--from', join(dir, 'bad.jsonl')]).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/bad\.jsonl: profile line 1: "model" must be a string/);
  });
});
