// `mote convert` flags for structural compression and calibration search, checked:
//   --prune-filters RATIO   --lowrank ENERGY   --recipe FILE.json   --bias-correction   --distill
//   --report FILE.json|.html   (and --calibration-method mse|kl, checked in convert.ts)
// A recipe's values apply where it sets them; a flag that contradicts the recipe is an error.
import { parseRecipe, type Recipe } from '../../converter/compress/recipe.js';
import type { ConvertReport } from '../../converter/convert.js';
import { layerReportHtml, layerTableText, placementHtml, type ReportTotals } from '../../converter/report/format.js';
import { ConvertError } from '../../converter/errors.js';
import { readInput, writeOutput } from './files.js';
import { CliError, EXIT_USAGE } from './errors.js';

export interface StructureFlags {
  pruneFilters?: string;
  lowrank?: string;
  recipe?: string;
  report?: string;
  biasCorrection?: boolean;
  calibrationMethod?: string;
  distill?: boolean;
}

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'mse', 'kl'];

export function structureOptions(opts: StructureFlags) {
  let recipe: Recipe | undefined;
  if (opts.recipe) {
    try {
      recipe = parseRecipe(new TextDecoder().decode(readInput(opts.recipe, 'recipe')), opts.recipe);
    } catch (e) {
      if (e instanceof ConvertError) throw new CliError(e.message, EXIT_USAGE);
      throw e;
    }
  }
  const out: { recipe?: Recipe; prune?: { ratio: number }; lowrank?: { energy: number }; biasCorrection?: boolean; layerReport: boolean; calibrationMethod?: string; distill?: boolean } = {
    recipe,
    layerReport: opts.report !== undefined,
  };
  if (opts.pruneFilters !== undefined) {
    const r = Number(opts.pruneFilters);
    if (!(r >= 0 && r < 1)) throw new CliError(`--prune-filters must be a ratio in [0, 1), not '${opts.pruneFilters}'`, EXIT_USAGE);
    if (recipe?.prune) throw new CliError('--prune-filters and the recipe\'s "prune" both set filter pruning: keep one', EXIT_USAGE);
    out.prune = { ratio: r };
  }
  if (opts.lowrank !== undefined) {
    const e = Number(opts.lowrank);
    if (!(e > 0 && e <= 1)) throw new CliError(`--lowrank must be a retained-energy fraction in (0, 1], not '${opts.lowrank}'`, EXIT_USAGE);
    if (recipe?.lowrank) throw new CliError('--lowrank and the recipe\'s "lowrank" both set low-rank factorisation: keep one', EXIT_USAGE);
    out.lowrank = { energy: e };
  }
  if (opts.biasCorrection) out.biasCorrection = true;
  if (opts.distill) out.distill = true;
  const rm = recipe?.calibration?.method;
  if (rm && opts.calibrationMethod && opts.calibrationMethod !== 'minmax' && opts.calibrationMethod !== rm) {
    throw new CliError(`--calibration-method ${opts.calibrationMethod} contradicts the recipe's calibration.method ${rm}`, EXIT_USAGE);
  }
  out.calibrationMethod = rm ?? opts.calibrationMethod;
  if (opts.report !== undefined && !/\.(json|html?)$/i.test(opts.report)) throw new CliError(`--report must name a .json or .html file, not '${opts.report}'`, EXIT_USAGE);
  return out;
}

function totals(r: ConvertReport): ReportTotals {
  return { floatWeightBytes: r.floatWeightBytes, weightBytes: r.weightBytes, blobBytes: r.blobBytes, macsBefore: r.layers?.totals.macsBefore ?? r.totalMacs, macsAfter: r.layers?.totals.macsAfter ?? r.totalMacs };
}

/** The per-layer table for the text summary ('' without one). */
export function layerSummary(r: ConvertReport): string {
  return r.layers ? `  per layer:\n${layerTableText(r.layers, totals(r))}\n` : '';
}

/** Writes --report FILE.json|.html. */
export function writeLayerReport(path: string, r: ConvertReport): void {
  if (!r.layers) return;
  const body = /\.json$/i.test(path)
    ? JSON.stringify({ source: r.source.name, precision: r.precision, totals: { ...totals(r), ...r.layers.totals }, layers: r.layers.rows, weightPlacement: r.weightPlacement, compression: r.compression, distillation: r.distillation, quantization: r.quantization && { method: r.quantization.method, samples: r.quantization.samples } }, null, 2) + '\n'
    : layerReportHtml(`Mote compression report: ${r.source.name} (${r.precision})`, r.layers, totals(r), r.weightPlacement ? placementHtml(r.weightPlacement) : '');
  writeOutput(path, body);
}
