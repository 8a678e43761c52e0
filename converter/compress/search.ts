// The compression search behind `mote compress`: per-layer sensitivity, then a greedy walk that
// makes the least sensitive layers smaller first, verifying every step on a validation split, and
// finally the chosen recipe measured once on a held-out test split the search never looked at.
//
// "Size" here is the blob's stored weight bytes (report.storedWeightBytes: the weights section,
// encoded streams included), the part compression changes; whole-blob bytes (schedule, tensor
// table, metadata) are reported beside it for every candidate.
//
// Per layer, two ladders: magnitude sparsity (pruneSteps) and palette bits (clusterSteps: absent =
// plain int8, then k = 16, 8, 6, 4, 3, 2 per output channel; Huffman-coded indices make
// the non-powers of two pay). Entropy coding (Huffman / palette-Huffman)
// is always allowed: the emitter keeps whichever stream is smallest per tensor.
import type { LayerWeightChoice, LayerWeights } from './layer-weights.js';
import { paretoFront } from './pareto.js';
import type { Recipe } from './recipe.js';
import type { CandidateOptions, CandidateRunner, EvalOutcome } from './worker.js';

export interface SearchOptions {
  /** Weighted layers (node names) the search may change, in graph order. */
  layers: string[];
  /** Options every int8 candidate shares (calibration method, bias correction, ...). */
  base?: Partial<CandidateOptions>;
  valIndices: number[];
  testIndices: number[];
  target?: 'size' | 'accuracy';
  /** target size: allowed validation accuracy drop vs float, in percentage points (default 1). */
  budgetPp?: number;
  /** target accuracy: the largest storedWeightBytes allowed. */
  sizeBudget?: number;
  pruneSteps?: number[];
  clusterSteps?: (number | undefined)[];
  /** Candidates verified per round (default: the runner's parallelism, at least 2). */
  parallel?: number;
  /** Timed inferences per candidate (median reported). */
  latencyRuns?: number;
  /** Also measure binary-weight variants (all but first/last, and every layer). */
  binaryVariants?: boolean;
  onEvent?(e: SearchEvent): void;
}

export type SearchEvent =
  | { kind: 'phase'; phase: string; total?: number }
  | { kind: 'candidate'; candidate: Candidate };

export type Phase = 'baseline' | 'sensitivity' | 'search' | 'variant';

export interface Candidate {
  id: number;
  phase: Phase;
  label: string;
  options: CandidateOptions;
  storedWeightBytes: number;
  blobBytes: number;
  ramWeightBytes: number;
  /** Validation split. */
  accuracy: number;
  correct: number;
  samples: number;
  latencyMs?: number;
}

export interface SensitivityRow {
  layer: string;
  method: 'prune' | 'cluster';
  /** Sparsity ratio, or palette k (bits = log2 k). */
  setting: number;
  accuracy: number;
  /** Validation accuracy change vs the int8 baseline, in pp. */
  deltaPp: number;
  storedWeightBytes: number;
}

export interface Measured {
  storedWeightBytes: number;
  blobBytes: number;
  ramWeightBytes: number;
  val: { accuracy: number; correct: number; samples: number };
  test: { accuracy: number; correct: number; samples: number };
  latencyMs?: number;
}

export interface SearchResult {
  target: 'size' | 'accuracy';
  budgetPp: number;
  sizeBudget?: number;
  floatWeightBytes: number;
  float: Measured;
  int8: Measured;
  best: Measured & { label: string; recipe: Recipe; options: CandidateOptions };
  /** Found nothing within the budget: best is the int8 baseline and this says why. */
  note?: string;
  variants: (Measured & { label: string; options: CandidateOptions })[];
  sensitivity: SensitivityRow[];
  candidates: Candidate[];
  /** Ids of the candidates on the Pareto front (stored bytes ↓, validation accuracy ↑, latency ↓). */
  pareto: number[];
}

interface LayerState { p: number; c: number }
type State = Record<string, LayerState>;

const DEFAULT_PRUNE = [0, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
const DEFAULT_CLUSTER: (number | undefined)[] = [undefined, 16, 8, 6, 4, 3, 2];

export function layerWeightsOf(state: State, prune: number[], cluster: (number | undefined)[]): LayerWeights {
  const out: LayerWeights = {};
  for (const [name, s] of Object.entries(state)) {
    const choice: LayerWeightChoice = {};
    if (prune[s.p] > 0) choice.prune = prune[s.p];
    if (cluster[s.c] !== undefined) choice.cluster = cluster[s.c];
    if (Object.keys(choice).length > 0) out[name] = choice;
  }
  return out;
}

function describe(w: LayerWeights): string {
  const parts = Object.entries(w).map(([n, c]) => `${n}:${[c.prune ? `p${Math.round(c.prune * 100)}` : '', c.cluster ? `k${c.cluster}` : '', c.binarize ? 'bin' : ''].filter(Boolean).join('+')}`);
  return parts.length ? parts.join(' ') : 'int8';
}

/** The recipe that reproduces a candidate with `mote convert --recipe`. */
export function recipeOf(options: CandidateOptions): Recipe {
  const r: Recipe = {};
  if (options.calibrationMethod || options.biasCorrection !== undefined || options.percentile !== undefined) {
    r.calibration = {};
    if (options.calibrationMethod) r.calibration.method = options.calibrationMethod;
    if (options.percentile !== undefined) r.calibration.percentile = options.percentile;
    if (options.biasCorrection !== undefined) r.calibration.biasCorrection = options.biasCorrection;
  }
  r.weights = { layers: options.layerWeights ?? {}, clusterPerChannel: options.clusterPerChannel ?? true };
  if (options.entropy) r.weights.entropy = options.entropy;
  if (options.compensateBias) r.weights.compensateBias = true;
  if (options.distill) r.distill = true;
  if (options.tables) r.weights.tables = options.tables;
  if (options.weightScales) r.weights.scales = options.weightScales;
  if (options.keepFloat) r.keepFloat = options.keepFloat;
  return r;
}

export async function searchCompression(runner: CandidateRunner, opts: SearchOptions): Promise<SearchResult> {
  const target = opts.target ?? 'size';
  const budgetPp = opts.budgetPp ?? 1;
  if (target === 'accuracy' && !(opts.sizeBudget && opts.sizeBudget > 0)) throw new Error('target accuracy needs a size budget (stored weight bytes)');
  if (opts.valIndices.length === 0) throw new Error('the validation split is empty');
  const prune = opts.pruneSteps ?? DEFAULT_PRUNE;
  const cluster = opts.clusterSteps ?? DEFAULT_CLUSTER;
  const parallel = Math.max(2, opts.parallel ?? 2);
  const latencyRuns = opts.latencyRuns ?? 15;
  const base: CandidateOptions = { precision: 'int8', entropy: 'huffman', clusterPerChannel: true, ...opts.base };
  const candidates: Candidate[] = [];
  const cache = new Map<string, Promise<Candidate>>();

  const evaluate = (phase: Phase, label: string, options: CandidateOptions): Promise<Candidate> => {
    const key = JSON.stringify(options);
    const hit = cache.get(key);
    if (hit) return hit;
    const p = runner.run({ options, indices: opts.valIndices, latencyRuns }).then((o: EvalOutcome) => {
      const c: Candidate = {
        id: candidates.length, phase, label, options,
        storedWeightBytes: o.storedWeightBytes, blobBytes: o.blobBytes, ramWeightBytes: o.ramWeightBytes,
        accuracy: o.accuracy, correct: o.correct, samples: o.samples, latencyMs: o.latencyMs,
      };
      candidates.push(c);
      opts.onEvent?.({ kind: 'candidate', candidate: c });
      return c;
    });
    cache.set(key, p);
    return p;
  };
  const withState = (s: State): CandidateOptions => ({ ...base, layerWeights: layerWeightsOf(s, prune, cluster) });
  const test = async (options: CandidateOptions): Promise<{ accuracy: number; correct: number; samples: number }> => {
    if (opts.testIndices.length === 0) return { accuracy: NaN, correct: 0, samples: 0 };
    const o = await runner.run({ options, indices: opts.testIndices });
    return { accuracy: o.accuracy, correct: o.correct, samples: o.samples };
  };
  const measured = async (c: Candidate): Promise<Measured> => ({
    storedWeightBytes: c.storedWeightBytes, blobBytes: c.blobBytes, ramWeightBytes: c.ramWeightBytes, latencyMs: c.latencyMs,
    val: { accuracy: c.accuracy, correct: c.correct, samples: c.samples }, test: await test(c.options),
  });

  // 1. Baselines.
  opts.onEvent?.({ kind: 'phase', phase: 'baselines', total: 2 });
  const floatOptions: CandidateOptions = { precision: 'f32' };
  const [floatC, int8C] = await Promise.all([evaluate('baseline', 'float32', floatOptions), evaluate('baseline', 'int8', { ...base, layerWeights: {} })]);
  const floatAcc = floatC.accuracy;
  const floor = floatAcc - budgetPp / 100 - 1e-12;

  // 2. Sensitivity: one layer at a time, every rung of both ladders.
  const start: State = Object.fromEntries(opts.layers.map((l) => [l, { p: 0, c: 0 }]));
  const sensJobs: { layer: string; method: 'prune' | 'cluster'; setting: number; p: Promise<Candidate> }[] = [];
  for (const layer of opts.layers) {
    for (let i = 1; i < prune.length; i++) {
      const s = { ...start, [layer]: { p: i, c: 0 } };
      sensJobs.push({ layer, method: 'prune', setting: prune[i], p: evaluate('sensitivity', describe(layerWeightsOf(s, prune, cluster)), withState(s)) });
    }
    for (let i = 1; i < cluster.length; i++) {
      const s = { ...start, [layer]: { p: 0, c: i } };
      sensJobs.push({ layer, method: 'cluster', setting: cluster[i]!, p: evaluate('sensitivity', describe(layerWeightsOf(s, prune, cluster)), withState(s)) });
    }
  }
  opts.onEvent?.({ kind: 'phase', phase: 'sensitivity', total: sensJobs.length });
  const sensitivity: SensitivityRow[] = [];
  for (const j of sensJobs) {
    const c = await j.p;
    sensitivity.push({ layer: j.layer, method: j.method, setting: j.setting, accuracy: c.accuracy, deltaPp: 100 * (c.accuracy - int8C.accuracy), storedWeightBytes: c.storedWeightBytes });
  }
  const sens = (layer: string, method: 'prune' | 'cluster', setting: number) => sensitivity.find((r) => r.layer === layer && r.method === method && r.setting === setting);

  // 3. Greedy: from int8, each round tries the next two rungs of each layer's ladders (a rung that
  // saves nothing, e.g. a 16-entry palette on a 200-weight layer, must not block the ones after
  // it), cheapest first (estimated bytes saved per accuracy point lost, from the sensitivity
  // table), `parallel` at a time; keeps the verified move with the best measured ratio. A rung that
  // fails the budget caps that ladder below it for the layer (the next rungs are only harsher).
  // Evaluations are cached, so a move re-offered in a later round costs nothing.
  opts.onEvent?.({ kind: 'phase', phase: 'search' });
  let current = { state: start, c: int8C };
  const cap = new Map<string, number>();
  const acceptable = (c: Candidate) => (target === 'size' ? c.accuracy >= floor : true);
  const done = () => target === 'accuracy' && current.c.storedWeightBytes <= opts.sizeBudget!;
  for (let round = 0; round < 500 && !done(); round++) {
    const moves: { key: string; rung: number; state: State; estimate: number }[] = [];
    for (const layer of opts.layers) {
      const s = current.state[layer];
      for (const [method, ladder] of [['prune', prune], ['cluster', cluster]] as const) {
        const key = `${layer}/${method}`;
        const at = method === 'prune' ? s.p : s.c;
        for (let rung = at + 1; rung <= Math.min(at + 2, ladder.length - 1, cap.get(key) ?? Infinity); rung++) {
          const next = method === 'prune' ? { ...s, p: rung } : { ...s, c: rung };
          const row = sens(layer, method, ladder[rung]!);
          const saved = row ? int8C.storedWeightBytes - row.storedWeightBytes : 1;
          const loss = row ? Math.max(0.05, -row.deltaPp) : 1;
          moves.push({ key, rung, state: { ...current.state, [layer]: next }, estimate: saved / loss });
        }
      }
    }
    if (moves.length === 0) break;
    moves.sort((a, b) => b.estimate - a.estimate);
    let chosen: { state: State; c: Candidate; ratio: number } | undefined;
    for (let at = 0; at < moves.length && !chosen; at += parallel) {
      const batch = moves.slice(at, at + parallel);
      const results = await Promise.all(batch.map((m) => evaluate('search', describe(layerWeightsOf(m.state, prune, cluster)), withState(m.state))));
      batch.forEach((m, i) => {
        const c = results[i];
        const saved = current.c.storedWeightBytes - c.storedWeightBytes;
        if (!acceptable(c)) {
          if (target === 'size') cap.set(m.key, Math.min(cap.get(m.key) ?? Infinity, m.rung - 1));
          return;
        }
        if (saved <= 0) return;
        const ratio = saved / Math.max(0.05, 100 * (current.c.accuracy - c.accuracy));
        if (!chosen || ratio > chosen.ratio) chosen = { state: m.state, c, ratio };
      });
    }
    if (!chosen) break;
    current = { state: chosen.state, c: chosen.c };
  }

  // 4. The answer, from everything verified on the validation split.
  let bestC: Candidate | undefined;
  let note: string | undefined;
  const compressed = candidates.filter((c) => c.options.precision === 'int8');
  if (target === 'size') {
    for (const c of compressed) if (c.accuracy >= floor && (!bestC || c.storedWeightBytes < bestC.storedWeightBytes || (c.storedWeightBytes === bestC.storedWeightBytes && c.accuracy > bestC.accuracy))) bestC = c;
    if (!bestC) note = `no int8 candidate is within ${budgetPp} pp of float on the validation split (int8 itself: ${(100 * (int8C.accuracy - floatAcc)).toFixed(2)} pp)`;
  } else {
    for (const c of compressed) if (c.storedWeightBytes <= opts.sizeBudget! && (!bestC || c.accuracy > bestC.accuracy || (c.accuracy === bestC.accuracy && c.storedWeightBytes < bestC.storedWeightBytes))) bestC = c;
    if (!bestC) note = `no candidate fits ${opts.sizeBudget} stored weight bytes`;
  }
  bestC ??= int8C;

  // 5. Binary-weight variants, measured the same way.
  const variants: SearchResult['variants'] = [];
  if (opts.binaryVariants) {
    opts.onEvent?.({ kind: 'phase', phase: 'binary variants' });
    const inner = opts.layers.slice(1, -1);
    const sets: [string, string[]][] = [['binary (all but first and last)', inner], ['binary (every layer)', opts.layers]];
    for (const [label, layers] of sets) {
      if (layers.length === 0) continue;
      const options: CandidateOptions = { ...base, layerWeights: Object.fromEntries(layers.map((l) => [l, { binarize: true }])) };
      const c = await evaluate('variant', label, options);
      variants.push({ label, options, ...(await measured(c)) });
    }
  }

  const pareto = paretoFront(candidates, [
    { value: (c) => c.storedWeightBytes, sense: 'min' },
    { value: (c) => c.accuracy, sense: 'max' },
    // Latency to two significant figures: run-to-run noise is larger than that, and unrounded it
    // would put every candidate that happened to run a few microseconds faster on the front.
    { value: (c) => (c.latencyMs === undefined ? 0 : Number(c.latencyMs.toPrecision(2))), sense: 'min' },
  ]).map((i) => candidates[i].id);

  opts.onEvent?.({ kind: 'phase', phase: 'test split', total: 3 });
  const [floatM, int8M, bestM] = await Promise.all([measured(floatC), measured(int8C), measured(bestC)]);
  const floatWeightBytes = (await runner.run({ options: floatOptions, indices: [] })).floatWeightBytes;
  return {
    target, budgetPp, sizeBudget: opts.sizeBudget, floatWeightBytes,
    float: floatM, int8: int8M,
    best: { ...bestM, label: bestC.label, recipe: recipeOf(bestC.options), options: bestC.options },
    note, variants, sensitivity, candidates, pareto,
  };
}
