// Compression recipes: which methods run on which layers, as a JSON file (`mote convert --recipe`):
//
//   {
//     "prune":       { "ratio": 0.25, "norm": "l1", "layers": { "conv2": 0.5 }, "meanCompensation": false },
//     "lowrank":     { "energy": 0.99, "layers": { "fc1": { "rank": 8 } } },
//     "calibration": { "method": "mse", "biasCorrection": true },
//     "keepFloat":   ["softmax"],
//     "weights":     { "layers": { "conv2": { "prune": 0.6, "cluster": 8 }, "fc": { "binarize": true } },
//                      "clusterPerChannel": true, "entropy": "huffman", "compensateBias": true },
//     "distill":     true
//   }
//
// Every key is optional; unknown keys are errors (a typo must not silently do nothing). Layer names
// are the node names `mote inspect` shows.
import { ConvertError } from '../errors.js';
import type { RangeMethod } from '../passes/quantize/ranges.js';
import type { LowRankOptions } from '../passes/lowrank.js';
import type { PruneOptions } from '../passes/prune-filters.js';
import type { LayerWeights } from './layer-weights.js';

export interface Recipe {
  prune?: PruneOptions;
  lowrank?: LowRankOptions;
  calibration?: { method?: RangeMethod; percentile?: number; biasCorrection?: boolean };
  keepFloat?: string[];
  /** Per-layer weight storage (magnitude sparsity, cluster k, binary) and the entropy coder. */
  weights?: { layers?: LayerWeights; clusterPerChannel?: boolean; entropy?: 'huffman'; compensateBias?: boolean; tables?: 'raw' | 'compact'; scales?: 'f32' | 'f24' | 'bf16' };
  /** Layer-wise distillation of the compressed layers on the calibration samples (compress/distill.ts). */
  distill?: boolean;
}

type Json = unknown;

function fail(where: string, msg: string): never {
  throw new ConvertError(`recipe ${where}: ${msg}`);
}

function object(v: Json, where: string, keys: string[]): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, `expected an object, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) fail(where, `unknown key '${k}' (known: ${keys.join(', ')})`);
  return v as Record<string, Json>;
}

function num(v: Json, where: string, ok: (n: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) fail(where, `expected ${want}, got ${JSON.stringify(v)}`);
  return v;
}

const ratio = (v: Json, where: string) => num(v, where, (n) => n >= 0 && n < 1, 'a ratio in [0, 1)');
const energy = (v: Json, where: string) => num(v, where, (n) => n > 0 && n <= 1, 'an energy fraction in (0, 1]');

/** Parses and checks a recipe; `source` names the file in errors. */
export function parseRecipe(text: string, source = 'recipe'): Recipe {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConvertError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const top = object(raw, `${source}`, ['prune', 'lowrank', 'calibration', 'keepFloat', 'weights', 'distill']);
  const recipe: Recipe = {};
  if (top.prune !== undefined) {
    const p = object(top.prune, `${source} prune`, ['ratio', 'norm', 'layers', 'meanCompensation']);
    recipe.prune = {};
    if (p.ratio !== undefined) recipe.prune.ratio = ratio(p.ratio, `${source} prune.ratio`);
    if (p.norm !== undefined) {
      if (p.norm !== 'l1' && p.norm !== 'l2') fail(`${source} prune.norm`, `expected "l1" or "l2", got ${JSON.stringify(p.norm)}`);
      recipe.prune.norm = p.norm;
    }
    if (p.meanCompensation !== undefined) {
      if (typeof p.meanCompensation !== 'boolean') fail(`${source} prune.meanCompensation`, 'expected true or false');
      recipe.prune.meanCompensation = p.meanCompensation;
    }
    if (p.layers !== undefined) {
      const layers = object(p.layers, `${source} prune.layers`, Object.keys(p.layers as object));
      recipe.prune.perLayer = Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, ratio(v, `${source} prune.layers.${k}`)]));
    }
  }
  if (top.lowrank !== undefined) {
    const l = object(top.lowrank, `${source} lowrank`, ['energy', 'layers']);
    recipe.lowrank = {};
    if (l.energy !== undefined) recipe.lowrank.energy = energy(l.energy, `${source} lowrank.energy`);
    if (l.layers !== undefined) {
      const layers = object(l.layers, `${source} lowrank.layers`, Object.keys(l.layers as object));
      recipe.lowrank.perLayer = Object.fromEntries(
        Object.entries(layers).map(([k, v]) => {
          const w = `${source} lowrank.layers.${k}`;
          const o = object(v, w, ['rank', 'energy']);
          const spec: { rank?: number; energy?: number } = {};
          if (o.rank !== undefined) spec.rank = num(o.rank, `${w}.rank`, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
          if (o.energy !== undefined) spec.energy = energy(o.energy, `${w}.energy`);
          if (spec.rank === undefined && spec.energy === undefined) fail(w, 'give rank or energy');
          return [k, spec];
        }),
      );
    }
  }
  if (top.calibration !== undefined) {
    const c = object(top.calibration, `${source} calibration`, ['method', 'percentile', 'biasCorrection']);
    recipe.calibration = {};
    if (c.method !== undefined) {
      if (!['minmax', 'percentile', 'mse', 'kl'].includes(c.method as string)) fail(`${source} calibration.method`, `expected minmax, percentile, mse or kl, got ${JSON.stringify(c.method)}`);
      recipe.calibration.method = c.method as RangeMethod;
    }
    if (c.percentile !== undefined) recipe.calibration.percentile = num(c.percentile, `${source} calibration.percentile`, (n) => n > 50 && n <= 100, 'a percentile in (50, 100]');
    if (c.biasCorrection !== undefined) {
      if (typeof c.biasCorrection !== 'boolean') fail(`${source} calibration.biasCorrection`, 'expected true or false');
      recipe.calibration.biasCorrection = c.biasCorrection;
    }
  }
  if (top.keepFloat !== undefined) {
    if (!Array.isArray(top.keepFloat) || !top.keepFloat.every((s) => typeof s === 'string')) fail(`${source} keepFloat`, 'expected a list of node names');
    recipe.keepFloat = top.keepFloat as string[];
  }
  if (top.weights !== undefined) recipe.weights = parseWeights(top.weights, `${source} weights`);
  if (top.distill !== undefined) {
    if (typeof top.distill !== 'boolean') fail(`${source} distill`, 'expected true or false');
    recipe.distill = top.distill;
  }
  return recipe;
}

function parseWeights(v: Json, where: string): NonNullable<Recipe['weights']> {
  const w = object(v, where, ['layers', 'clusterPerChannel', 'entropy', 'compensateBias', 'tables', 'scales']);
  const out: NonNullable<Recipe['weights']> = {};
  if (w.clusterPerChannel !== undefined) {
    if (typeof w.clusterPerChannel !== 'boolean') fail(`${where}.clusterPerChannel`, 'expected true or false');
    out.clusterPerChannel = w.clusterPerChannel;
  }
  if (w.compensateBias !== undefined) {
    if (typeof w.compensateBias !== 'boolean') fail(`${where}.compensateBias`, 'expected true or false');
    out.compensateBias = w.compensateBias;
  }
  if (w.tables !== undefined) {
    if (w.tables !== 'raw' && w.tables !== 'compact') fail(`${where}.tables`, `expected "raw" or "compact", got ${JSON.stringify(w.tables)}`);
    out.tables = w.tables;
  }
  if (w.scales !== undefined) {
    if (w.scales !== 'f32' && w.scales !== 'f24' && w.scales !== 'bf16') fail(`${where}.scales`, `expected "f32", "f24" or "bf16", got ${JSON.stringify(w.scales)}`);
    out.scales = w.scales;
  }
  if (w.entropy !== undefined) {
    if (w.entropy !== 'huffman') fail(`${where}.entropy`, `expected "huffman", got ${JSON.stringify(w.entropy)}`);
    out.entropy = 'huffman';
  }
  if (w.layers !== undefined) {
    const layers = object(w.layers, `${where}.layers`, Object.keys(w.layers as object));
    out.layers = Object.fromEntries(Object.entries(layers).map(([k, c]) => {
      const at = `${where}.layers.${k}`;
      const o = object(c, at, ['prune', 'cluster', 'binarize', 'levels']);
      const choice: LayerWeights[string] = {};
      if (o.prune !== undefined) choice.prune = ratio(o.prune, `${at}.prune`);
      if (o.levels !== undefined) choice.levels = num(o.levels, `${at}.levels`, (n) => Number.isInteger(n) && n >= 2 && n <= 16, 'an integer k in 2..16');
      if (o.cluster !== undefined) choice.cluster = num(o.cluster, `${at}.cluster`, (n) => Number.isInteger(n) && n >= 2 && n <= 16, 'an integer k in 2..16');
      if (o.binarize !== undefined) {
        if (typeof o.binarize !== 'boolean') fail(`${at}.binarize`, 'expected true or false');
        choice.binarize = o.binarize;
      }
      return [k, choice];
    }));
  }
  return out;
}
