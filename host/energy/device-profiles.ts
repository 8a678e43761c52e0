// Device profiles (devices/profiles/*.json): clock, power and memory figures of the chips Mote
// targets, every number carrying either the datasheet place it comes from (`source`) or a stated
// `assumption`. Loaded from disk so users can add their own; validated so a number without a
// provenance never reaches an estimate.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Quantity {
  value: number;
  unit: string;
  min?: number;
  max?: number;
  source?: string;
  assumption?: string;
}

export interface DeviceProfile {
  name: string;
  title: string;
  kind: 'mcu' | 'phone';
  documents: Record<string, string>;
  core: { arch: string; cores: Quantity; clock_mhz: Quantity; coremark?: Quantity; wasm_simd: boolean };
  supply_v?: Quantity;
  power: { active: Quantity; idle_cpu?: Quantity; light_sleep?: Quantity; deep_sleep?: Quantity } & Record<string, Quantity | undefined>;
  memory: Record<string, Quantity | { options: string[]; source?: string; assumption?: string } | undefined>;
}

export class DeviceProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceProfileError';
  }
}

const CURRENT_UNITS: Record<string, number> = { A: 1, mA: 1e-3, uA: 1e-6 };
const POWER_UNITS: Record<string, number> = { W: 1, mW: 1e-3, uW: 1e-6 };

/** devices/profiles of this checkout or package: found by walking up from this module. */
export function profilesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'devices', 'profiles');
    if (existsSync(candidate)) return candidate;
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new DeviceProfileError('cannot find the devices/profiles directory of the Mote package');
}

export function listDeviceProfiles(): string[] {
  return readdirSync(profilesDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A built-in profile by name (esp32s3), or a profile file by path (./board.json). */
export function loadDeviceProfile(nameOrPath: string): DeviceProfile {
  const isPath = nameOrPath.endsWith('.json') || nameOrPath.includes('/') || nameOrPath.includes('\\');
  const file = isPath ? nameOrPath : join(profilesDir(), `${nameOrPath}.json`);
  if (!existsSync(file)) {
    const known = isPath ? '' : ` (built-in: ${listDeviceProfiles().join(', ')})`;
    throw new DeviceProfileError(`no device profile '${nameOrPath}'${known}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DeviceProfileError(`device profile '${file}' is not valid JSON: ${(e as Error).message}`);
  }
  return validateDeviceProfile(json, file);
}

function checkQuantity(q: unknown, where: string, file: string): Quantity {
  const bad = (what: string) => new DeviceProfileError(`device profile '${file}': ${where} ${what}`);
  if (typeof q !== 'object' || q === null) throw bad('must be an object {value, unit, source|assumption}');
  const r = q as Record<string, unknown>;
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw bad('.value must be a finite number');
  if (typeof r.unit !== 'string' || r.unit === '') throw bad('.unit must be a non-empty string');
  for (const k of ['min', 'max'] as const) {
    if (r[k] !== undefined && (typeof r[k] !== 'number' || !Number.isFinite(r[k] as number))) throw bad(`.${k} must be a finite number`);
  }
  if (r.min !== undefined && (r.min as number) > r.value) throw bad(`.min (${r.min}) is above .value (${r.value})`);
  if (r.max !== undefined && (r.max as number) < r.value) throw bad(`.max (${r.max}) is below .value (${r.value})`);
  const hasSource = typeof r.source === 'string' && r.source.length > 0;
  const hasAssumption = typeof r.assumption === 'string' && r.assumption.length > 0;
  if (!hasSource && !hasAssumption) throw bad('has neither a "source" (document, section/table) nor an "assumption": every number needs one');
  return r as unknown as Quantity;
}

export function validateDeviceProfile(json: unknown, file = '<profile>'): DeviceProfile {
  const bad = (what: string) => new DeviceProfileError(`device profile '${file}': ${what}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('must be a JSON object');
  const p = json as Record<string, any>;
  if (typeof p.name !== 'string' || !/^[a-z0-9-]+$/.test(p.name)) throw bad('"name" must be a lowercase identifier');
  if (typeof p.title !== 'string') throw bad('"title" must be a string');
  if (p.kind !== 'mcu' && p.kind !== 'phone') throw bad('"kind" must be "mcu" or "phone"');
  if (typeof p.core !== 'object' || p.core === null) throw bad('"core" is missing');
  checkQuantity(p.core.cores, 'core.cores', file);
  checkQuantity(p.core.clock_mhz, 'core.clock_mhz', file);
  if (p.core.coremark !== undefined) checkQuantity(p.core.coremark, 'core.coremark', file);
  if (typeof p.power !== 'object' || p.power === null) throw bad('"power" is missing');
  for (const [k, q] of Object.entries(p.power)) checkQuantity(q, `power.${k}`, file);
  if (!p.power.active) throw bad('power.active is missing');
  if (p.supply_v !== undefined) checkQuantity(p.supply_v, 'supply_v', file);
  for (const [k, q] of Object.entries(p.power as Record<string, Quantity>)) {
    if (!(q.unit in CURRENT_UNITS) && !(q.unit in POWER_UNITS)) throw bad(`power.${k}.unit must be one of A, mA, uA, W, mW, uW (got '${q.unit}')`);
    if (q.unit in CURRENT_UNITS && !p.supply_v) throw bad(`power.${k} is a current, so "supply_v" is needed to turn it into power`);
  }
  for (const [k, q] of Object.entries(p.memory ?? {})) {
    if (q && typeof q === 'object' && 'options' in (q as object)) continue;
    checkQuantity(q, `memory.${k}`, file);
  }
  p.documents ??= {};
  return p as DeviceProfile;
}

export interface PowerFigure {
  /** Watts. */
  value: number;
  min: number;
  max: number;
  /** How the figure was obtained, in words (with its source or assumption). */
  provenance: string[];
}

/** A power entry of the profile in watts (a current times the supply voltage). */
export function powerW(profile: DeviceProfile, key: string): PowerFigure | undefined {
  const q = profile.power[key];
  if (!q) return undefined;
  const provenance: string[] = [];
  const say = (label: string, x: Quantity) => {
    if (x.source) provenance.push(`${label}: ${x.source}`);
    if (x.assumption) provenance.push(`${label} (assumption): ${x.assumption}`);
  };
  say(`power.${key} = ${q.value}${q.min !== undefined || q.max !== undefined ? ` (${q.min ?? q.value}..${q.max ?? q.value})` : ''} ${q.unit}`, q);
  let scale: number;
  if (q.unit in POWER_UNITS) scale = POWER_UNITS[q.unit];
  else {
    const v = profile.supply_v!;
    scale = CURRENT_UNITS[q.unit] * v.value;
    say(`supply ${v.value} ${v.unit}`, v);
  }
  return { value: q.value * scale, min: (q.min ?? q.value) * scale, max: (q.max ?? q.value) * scale, provenance };
}

/** A memory figure in bytes (`sram_total`, `sram_usable_app`, ...), for RAM budgets. */
export function memoryBytes(profile: DeviceProfile, key: string): { bytes: number; provenance: string } | undefined {
  const q = profile.memory[key];
  if (!q || !('value' in q)) return undefined;
  if (q.unit !== 'bytes') throw new DeviceProfileError(`device profile '${profile.name}': memory.${key} is in ${q.unit}, not bytes`);
  return { bytes: q.value, provenance: q.source ?? `assumption: ${q.assumption}` };
}
