// Per-layer sensitivity: how the score (accuracy, or any "higher is better" metric the caller
// measures on the shipped blob) changes when one layer alone is pruned (filter ratio) or factorised
// (retained energy), everything else as in the base conversion. The first step of a compression
// search: layers that barely move can take more.
import { convert, type ConvertOptions } from '../convert.js';
import type { Graph } from '../ir/graph.js';
import { optimize } from '../passes/index.js';
import { planFilterPrune } from '../passes/prune-filters.js';
import { importModel } from '../source.js';

export interface SensitivityPoint {
  layer: string;
  method: 'prune' | 'lowrank';
  /** Filter ratio removed, or retained energy. */
  setting: number;
  score: number;
  weightBytes: number;
  macs: number;
  /** Set when the setting changed nothing (e.g. low rank not smaller) or could not apply. */
  note?: string;
}

export interface SensitivityOptions {
  pruneRatios?: number[];
  energies?: number[];
  /** Restrict to these layers (node names). */
  layers?: string[];
  onPoint?(p: SensitivityPoint): void;
}

export interface SensitivityResult {
  baseline: { score: number; weightBytes: number; macs: number };
  points: SensitivityPoint[];
}

function floatGraph(model: Uint8Array, filename: string): Graph {
  const g = importModel(model, filename);
  optimize(g);
  return g;
}

export async function layerSensitivity(
  model: Uint8Array,
  filename: string,
  base: ConvertOptions,
  score: (blob: Uint8Array) => Promise<number>,
  opts: SensitivityOptions = {},
): Promise<SensitivityResult> {
  const ratios = opts.pruneRatios ?? [0.25, 0.5];
  const energies = opts.energies ?? [0.99, 0.95, 0.9];
  const run = async (extra: Partial<ConvertOptions>) => {
    const r = convert(model, filename, { ...base, ...extra });
    return { score: await score(r.blob), weightBytes: r.report.weightBytes, macs: r.report.totalMacs, report: r.report };
  };
  const b = await run({});
  const g = floatGraph(model, filename);
  const wanted = (name: string) => !opts.layers || opts.layers.includes(name);
  const points: SensitivityPoint[] = [];
  const push = (p: SensitivityPoint) => {
    points.push(p);
    opts.onPoint?.(p);
  };
  for (const node of g.nodes) {
    if (!wanted(node.name)) continue;
    const prunable = (node.op === 'conv2d' || node.op === 'fully_connected') && g.isConstant(node.inputs[1]);
    if (prunable) {
      const probe = planFilterPrune(g, node, []);
      if ('reason' in probe) {
        push({ layer: node.name, method: 'prune', setting: ratios[0] ?? 0, score: b.score, weightBytes: b.weightBytes, macs: b.macs, note: probe.reason });
      } else {
        for (const ratio of ratios) {
          const r = await run({ prune: { perLayer: { [node.name]: ratio } } });
          push({ layer: node.name, method: 'prune', setting: ratio, score: r.score, weightBytes: r.weightBytes, macs: r.macs });
        }
      }
    }
    const w = node.inputs[1] ? g.tensors.get(node.inputs[1]) : undefined;
    const lowrankable = w?.data && (node.op === 'fully_connected' || (node.op === 'conv2d' && w.shape[1] === 1 && w.shape[2] === 1));
    if (lowrankable) {
      for (const energy of energies) {
        const r = await run({ lowrank: { perLayer: { [node.name]: { energy } } } });
        const applied = r.report.compression?.lowrank?.layers.find((l) => l.name === node.name);
        push({ layer: node.name, method: 'lowrank', setting: energy, score: r.score, weightBytes: r.weightBytes, macs: r.macs, note: applied?.applied ? undefined : applied?.reason });
      }
    }
  }
  return { baseline: { score: b.score, weightBytes: b.weightBytes, macs: b.macs }, points };
}
