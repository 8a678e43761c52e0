// `mote runtime`: a per-model runtime build, linking only the ops, dtype forms, kernels and weight
// decoders the given blobs use (docs/ABI.md "Per-model runtime builds"), for firmware that ships one
// model (the analogue of TFLite Micro's MicroMutableOpResolver, derived from the blob):
//
//   mote runtime kws.mote --build scalar -o kws.runtime.wasm
//   mote runtime a.mote b.mote --build simd --stream -o ab.runtime.wasm   (union of both blobs' needs)
//
// The module has the full runtime's ABI; a blob needing something it left out fails at load with
// ERR_NOT_BUILT naming the op (or dtype form, kernel, encoding).
import type { Command } from 'commander';
import { basename } from 'node:path';
import * as F from '../../format/format.js';
import { blobFeatures, describeFeatures, unionFeatures } from '../runtime-features.js';
import { buildRuntimeWithin, type RuntimeBuildName } from '../runtime-build.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { readBlobFile, writeOutput } from './files.js';

export interface RuntimeCommandOptions {
  build: string;
  stream?: boolean;
  output?: string;
  json?: boolean;
}

export async function runtimeCommand(files: string[], opts: RuntimeCommandOptions): Promise<void> {
  if (opts.build !== 'simd' && opts.build !== 'scalar') throw new CliError(`--build must be simd or scalar, got '${opts.build}'`, EXIT_USAGE);
  if (!opts.output) throw new CliError('runtime needs -o FILE.wasm (the module to write)', EXIT_USAGE);
  if (files.length === 0) throw new CliError('runtime needs at least one MODEL.mote', EXIT_USAGE);
  const views = files.map((f) => readBlobFile(f).view);
  // Streamed weights load only in a stream build (the default ones refuse them at mote_blob_alloc).
  const streamed = files.filter((_, i) => (views[i].header.flags & F.FLAG_WEIGHTS_EXTERNAL) !== 0);
  if (streamed.length && !opts.stream) {
    throw new CliError(`${streamed.join(', ')} stream${streamed.length === 1 ? 's its' : ' their'} weights (converted with --weights external): add --stream for a runtime that loads ${streamed.length === 1 ? 'it' : 'them'}`, EXIT_USAGE);
  }
  const { features, wasm } = await buildRuntimeWithin(unionFeatures(views.map(blobFeatures)), { build: opts.build as RuntimeBuildName, stream: !!opts.stream });
  writeOutput(opts.output, wasm);
  const d = describeFeatures(features);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ output: opts.output, build: opts.build, stream: !!opts.stream, bytes: wasm.length, models: files, features: d }, null, 2) + '\n');
    return;
  }
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : '-');
  process.stdout.write(
    `wrote ${opts.output}: ${wasm.length} bytes, ${opts.build}${opts.stream ? ' stream' : ''} runtime for ${files.map((f) => basename(f)).join(', ')}\n` +
      `  ops       ${list(d.ops)}\n` +
      `  dtypes    ${list(d.dtypes)}\n` +
      `  kernels   ${list(d.kernels)}\n` +
      `  decoders  ${list(d.decoders)}\n` +
      `  direct    ${list(d.direct)}\n`,
  );
}

export function registerRuntime(program: Command): void {
  program
    .command('runtime')
    .description('build a per-model runtime .wasm: only the ops, dtypes, kernels and weight decoders the blobs use (union over several)')
    .argument('<models...>', 'the .mote files the runtime must run')
    .option('--build <b>', 'simd (Node, browsers) or scalar (MVP wasm, WAMR/ESP32)', 'simd')
    .option('--stream', 'the streamed-weights variant (imports env.mote_read_weights; docs/ABI.md "Streamed weights")')
    .option('-o, --output <file.wasm>', 'the module to write (atomically)')
    .option('--json', 'print the size and feature lists as JSON')
    .action((files: string[], opts: RuntimeCommandOptions) => runtimeCommand(files, opts));
}
