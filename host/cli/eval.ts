// `mote eval MODEL.mote --data SPEC`: top-1 accuracy (or reconstruction MSE) of a blob on labelled
// data, run on the WASM runtime. SPEC: mnist:IMAGES,LABELS | kws01:DIR | npy:X.npy[,Y.npy]
// (host/data/dataset.ts), with ?scale=S&zp=Z for the stored values' quantization.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DataSpecError, openDataset } from '../data/dataset.js';
import { evaluateBlob, type Metric } from '../data/evaluate.js';
import { readInput } from './files.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { splitIndices } from './compress.js';

export interface EvalCliOptions {
  data?: string;
  json?: boolean;
  limit?: string;
  build: string;
  metric: string;
  split?: string;
  calibCount?: string;
}

export async function evalCommand(model: string, opts: EvalCliOptions): Promise<void> {
  if (!opts.data) throw new CliError('missing --data SPEC (mnist:IMAGES,LABELS | kws01:DIR | npy:X.npy[,Y.npy])', EXIT_USAGE);
  if (opts.build !== 'simd' && opts.build !== 'scalar') throw new CliError(`--build must be simd or scalar, not '${opts.build}'`, EXIT_USAGE);
  if (opts.metric !== 'accuracy' && opts.metric !== 'mse') throw new CliError(`--metric must be accuracy or mse, not '${opts.metric}'`, EXIT_USAGE);
  let limit: number | undefined;
  if (opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!(Number.isInteger(limit) && limit > 0)) throw new CliError(`--limit must be a positive integer, not '${opts.limit}'`, EXIT_USAGE);
  }
  if ((opts.split !== undefined) !== (opts.calibCount !== undefined)) throw new CliError('--split and --calib-count go together', EXIT_USAGE);
  if (opts.split !== undefined) {
    if (opts.split !== 'contiguous' && opts.split !== 'interleaved') throw new CliError(`--split must be contiguous or interleaved, not '${opts.split}'`, EXIT_USAGE);
    if (opts.metric !== 'accuracy') throw new CliError('--split scores top-1 accuracy (--metric accuracy)', EXIT_USAGE);
    if (limit !== undefined) throw new CliError('--split scores every sample: drop --limit', EXIT_USAGE);
  }
  const blob = readInput(model, 'model');
  let data;
  try {
    data = openDataset(opts.data);
  } catch (e) {
    if (e instanceof DataSpecError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  const total = Math.min(data.count, limit ?? data.count);
  const bar = !opts.json && process.stderr.isTTY === true
    ? new cliProgress.SingleBar({ format: 'evaluating [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(total, 0);
  let r;
  try {
    r = await evaluateBlob(blob, data, {
      metric: opts.metric as Metric,
      limit,
      build: opts.build,
      onProgress: bar ? (done) => bar.update(done) : undefined,
    });
  } catch (e) {
    if (e instanceof DataSpecError) throw new CliError(e.message);
    throw e;
  } finally {
    bar?.stop();
  }
  let splits: Record<string, { correct: number; samples: number; accuracy: number }> | undefined;
  if (opts.split !== undefined) {
    // The samples `mote compress --split S --calib-count N` (and `mote convert --calibration-data
    // --calib-split S --calib-count N`) did not calibrate on.
    const count = Number(opts.calibCount);
    if (!Number.isInteger(count) || count < 0) throw new CliError(`--calib-count must be a non-negative integer, not '${opts.calibCount}'`, EXIT_USAGE);
    const s = splitIndices(total, opts.split as 'contiguous' | 'interleaved', count);
    const score = (idx: number[]) => {
      const correct = idx.filter((i) => r.predictions![i] === data.get(i).label).length;
      return { correct, samples: idx.length, accuracy: idx.length ? correct / idx.length : NaN };
    };
    splits = { validation: score(s.validation), test: score(s.test), heldOut: score([...s.validation, ...s.test]) };
  }
  if (opts.json) {
    const { predictions: _p, ...rest } = r;
    if (splits) {
      process.stdout.write(JSON.stringify({ model, data: data.description, ...rest, splits }, null, 2) + '\n');
      return;
    }
    process.stdout.write(JSON.stringify({ model, data: data.description, ...rest }, null, 2) + '\n');
    return;
  }
  const what = r.metric === 'accuracy' ? `top-1 ${(100 * r.accuracy!).toFixed(2)}% (${r.correct}/${r.samples})` : `reconstruction MSE ${r.mse!.toPrecision(6)} over ${r.samples} samples`;
  process.stdout.write(`${model} on ${data.description}: ${what}  [${r.build}, ${r.seconds.toFixed(2)} s]\n`);
  if (splits) {
    const f = (k: string) => `${(100 * splits![k].accuracy).toFixed(2)}% (${splits![k].correct}/${splits![k].samples})`;
    process.stdout.write(`  not calibrated on (--split ${opts.split} --calib-count ${opts.calibCount}): validation ${f('validation')}, test ${f('test')}, both ${f('heldOut')}\n`);
  }
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('measure a .mote blob on labelled data (top-1 accuracy, or reconstruction MSE) on the WASM runtime')
    .argument('<model>', 'the .mote file')
    .option('--data <spec>', 'mnist:IMAGES,LABELS | kws01:DIR | npy:X.npy[,Y.npy]; append ?scale=S&zp=Z for quantized or scaled data')
    .option('--metric <m>', 'accuracy or mse', 'accuracy')
    .option('--limit <n>', 'evaluate only the first N samples')
    .option('--build <b>', 'runtime build: simd or scalar', 'simd')
    .option('--split <mode>', 'also score the samples a calibration split left out: contiguous or interleaved, as mote compress --split')
    .option('--calib-count <n>', 'with --split: the calibration sample count, as mote compress --calib-count')
    .option('--json', 'print the result as JSON')
    .action((model: string, opts: EvalCliOptions) => evalCommand(model, opts));
}
