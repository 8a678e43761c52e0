// `mote run MODEL.mote --input X.npy -o Y.npy`: runs a blob on the WASM runtime.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { TensorData } from '../../converter/ir/graph.js';
import type { BlobView } from '../blob-reader.js';
import { readNpy, writeNpy, type NpyData } from '../npy.js';
import { formatProfile, type ProfileOpRecord, type ProfileRunRecord } from '../profile-format.js';
import { MoteRuntime, streamsWeights, type MoteTypedArray } from '../runtime.js';
import { opcodeMacs } from './blob-macs.js';
import { byteCountOption, prepareBudgetOption } from './profile.js';
import { makeOutputDir, readBlobFile, readInput, writeOutput } from './files.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { dequantizeValues, sampleCount, sampleOf, shapeText, stack, toNative, type IoSpec } from './tensors.js';

export interface RunCliOptions {
  input?: string[];
  output?: string;
  build: string;
  raw?: boolean;
  profile?: string;
  /** A runtime module to use instead of build/mote.<build>.wasm (e.g. from `mote runtime`). */
  wasm?: string;
  /** false (--no-prepare): the runtime keeps no prepared state (as --prepare-budget 0). */
  prepare?: boolean;
  /** --prepare-budget BYTES (profile.ts prepareBudgetOption): MoteLoadOptions.prepareBudget. */
  prepareBudget?: string;
  /** --max-memory BYTES (profile.ts byteCountOption): MoteLoadOptions.maxMemoryBytes. */
  maxMemory?: string;
}

/** The blob's graph inputs and outputs as I/O specs (names from the metadata). */
export function blobIo(view: BlobView): { inputs: IoSpec[]; outputs: IoSpec[] } {
  const spec = (id: number): IoSpec => {
    const t = view.tensors[id];
    return { name: t.name, dtype: t.dtypeName, shape: t.shape, scale: t.scale, zeroPoint: t.zeroPoint };
  };
  return { inputs: view.inputs.map(spec), outputs: view.outputs.map(spec) };
}

/** Matches --input arguments (PATH or NAME=PATH) to the model's inputs. */
function assignInputs(args: string[], inputs: IoSpec[]): Map<string, string> {
  const byName = new Map<string, string>();
  const positional: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : undefined;
    if (name !== undefined && inputs.some((i) => i.name === name)) {
      if (byName.has(name)) throw new CliError(`--input names '${name}' twice`, EXIT_USAGE);
      byName.set(name, arg.slice(eq + 1));
    } else positional.push(arg);
  }
  // Unnamed files fill the remaining inputs in order.
  const free = inputs.filter((i) => !byName.has(i.name));
  if (positional.length > free.length) {
    throw new CliError(
      `${args.length} --input files for a model with ${inputs.length} input${inputs.length > 1 ? 's' : ''} (${inputs.map((i) => i.name).join(', ')})`,
      EXIT_USAGE,
    );
  }
  positional.forEach((p, k) => byName.set(free[k].name, p));
  const missing = inputs.filter((i) => !byName.has(i.name));
  if (missing.length > 0) {
    throw new CliError(`missing --input for ${missing.map((i) => `'${i.name}' (${i.dtype}${shapeText(i.shape)})`).join(', ')}`, EXIT_USAGE);
  }
  return byName;
}

/** Where each output goes: one .npy file for a single output, NAME.npy files in a directory otherwise. */
export function outputPaths(out: string, outputs: IoSpec[]): string[] {
  const isDir = out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory());
  if (!isDir && outputs.length > 1) {
    throw new CliError(
      `the model has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}): give -o DIR to write NAME.npy for each`,
      EXIT_USAGE,
    );
  }
  if (!isDir) return [out];
  makeOutputDir(out);
  // Names that sanitise to the same file (or to nothing) get the output's index, so no output
  // silently overwrites another.
  const files = outputs.map((o, k) => o.name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.*$/, `output${k}`));
  return files.map((f, k) => join(out, `${files.indexOf(f) !== k || files.lastIndexOf(f) !== k ? `${f}_${k}` : f}.npy`));
}

function preview(data: NpyData, shape: number[]): string {
  const n = Math.min(data.length, 16);
  const vals = Array.from({ length: n }, (_, i) => {
    const v = data[i] as number;
    return Number.isInteger(v) ? String(v) : v.toPrecision(5);
  });
  return `${shapeText(shape)} ${vals.join(' ')}${data.length > n ? ' …' : ''}`;
}

export async function runCommand(modelPath: string, opts: RunCliOptions): Promise<void> {
  const build = opts.build;
  if (build !== 'simd' && build !== 'scalar') throw new CliError(`--build must be simd or scalar, not '${build}'`, EXIT_USAGE);
  if (!opts.input || opts.input.length === 0) throw new CliError('missing --input X.npy', EXIT_USAGE);

  const prepareBudget = prepareBudgetOption(opts.prepareBudget, opts.prepare);
  const maxMemoryBytes = opts.maxMemory === undefined ? undefined : byteCountOption('--max-memory', opts.maxMemory);
  const { bytes: blob, view } = readBlobFile(modelPath);
  const { inputs, outputs } = blobIo(view);
  const files = assignInputs(opts.input, inputs);

  // Read and convert every input; they must agree on the number of samples.
  let count = -1;
  const values: TensorData[] = [];
  for (const spec of inputs) {
    const path = files.get(spec.name)!;
    const what = `input '${spec.name}' (${path})`;
    const arr = readNpy(readInput(path, `input file for '${spec.name}'`), path);
    const n = sampleCount(arr.shape, spec.shape, what);
    if (n === 0) throw new CliError(`${what}: the array holds no samples (shape [${arr.shape.join(', ')}])`);
    if (count >= 0 && n !== count) throw new CliError(`${what} holds ${n} samples, the other inputs ${count}`);
    count = n;
    values.push(toNative(arr, spec, what));
  }
  const paths = opts.output ? outputPaths(opts.output, outputs) : undefined;

  const runtime = await MoteRuntime.create(build, opts.wasm ? readInput(opts.wasm, 'runtime module') : undefined, { stream: streamsWeights(blob) });
  const model = runtime.load(blob, { prepareBudget, maxMemoryBytes });
  const perOutput: NpyData[][] = outputs.map(() => []);
  const profiled: { run: ProfileRunRecord; ops: ProfileOpRecord[] }[] = [];
  const macs = view.ops.map((op) => opcodeMacs(view, op));
  for (let s = 0; s < count; s++) {
    const sample = values.map((v) => sampleOf(v, count, s) as MoteTypedArray);
    let result: MoteTypedArray[];
    if (opts.profile) {
      // One op at a time, each timed with the host clock (docs/PROFILE.md).
      const t0 = performance.now();
      const p = model.profile(sample);
      const total = performance.now() - t0;
      result = p.outputs;
      profiled.push({
        run: { type: 'run', model: basename(modelPath), build, host: 'node', t_us: total * 1000, run: s },
        ops: p.ops.map((o) => ({ type: 'op', run: s, index: o.index, op: o.op, name: o.name, t_us: o.ms * 1000, macs: macs[o.index] })),
      });
    } else {
      result = model.run(sample);
    }
    result.forEach((r, k) => {
      const spec = outputs[k];
      const wantFloat = !opts.raw && spec.dtype !== 'f32' && spec.scale > 0;
      perOutput[k].push(wantFloat ? dequantizeValues(r as ArrayLike<number>, spec) : (r as NpyData));
    });
  }
  outputs.forEach((spec, k) => {
    const { data, shape } = stack(perOutput[k], spec.shape);
    // Bool outputs are 0/1 bytes: written as numpy bool ('|b1'), not uint8.
    if (paths) writeOutput(paths[k], writeNpy(data, shape, spec.dtype === 'bool' ? 'bool' : undefined));
    else process.stdout.write(`${spec.name} ${preview(data, shape)}\n`);
  });
  if (opts.profile) writeOutput(opts.profile, new TextEncoder().encode(formatProfile(profiled)));
  const written = [...(paths ?? []), ...(opts.profile ? [opts.profile] : [])];
  if (written.length > 0) process.stderr.write(`mote run: ${count} sample${count > 1 ? 's' : ''} (${build}) → ${written.join(', ')}\n`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a .mote blob on the WASM runtime with .npy inputs')
    .argument('<blob>', 'the .mote file')
    .option('-i, --input <npy>', 'input .npy (float32 is quantized for you), or NAME=PATH; repeatable', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('-o, --output <path>', 'output .npy (one output) or a directory (NAME.npy per output); omitted: print')
    .option('--build <b>', 'runtime build: simd or scalar', 'simd')
    .option('--raw', 'write outputs in the native dtype (e.g. int8) instead of dequantized float32')
    .option('--profile <file.jsonl>', 'time every op of every sample and write a per-op profile (docs/PROFILE.md)')
    .option('--prepare-budget <bytes>', 'SIMD build: keep at most this much prepared state beyond the arena (e.g. 65536, 64k, 64KiB, unlimited; default: no limit; same outputs)')
    .option('--no-prepare', 'SIMD build: keep no prepared state beyond the arena (as --prepare-budget 0; same outputs, a few percent slower)')
    .option('--max-memory <bytes>', 'refuse the blob before loading when the runtime would need more linear memory than this (e.g. 320k: a device\'s RAM for the module; same units as --prepare-budget)')
    .option('--wasm <file.wasm>', 'the runtime module to run on (e.g. a per-model build from mote runtime) instead of build/mote.<build>.wasm')
    .action((blob: string, opts: RunCliOptions) => runCommand(blob, opts));
}
