// Calibration samples for `mote convert --precision int8`: .npy files, one sample each or batched
// along a leading dimension, for each model input.
//
//   --calibration DIR          every *.npy in DIR (sorted by name), for the model's single input
//   --calibration FILE.npy     one (batched) file, for the model's single input
//   --calibration NAME=PATH    per input, repeated, for models with several inputs
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TensorData } from '../../converter/ir/graph.js';
import { readNpy } from '../npy.js';
import { CliError, EXIT_USAGE } from './errors.js';
import { sampleCount, sampleOf, toNative, type IoSpec } from './tensors.js';

/** Samples for one input from a file or a directory of files. */
function loadInputSamples(path: string, spec: IoSpec): TensorData[] {
  let files: string[];
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new CliError(`calibration path '${path}' does not exist`, EXIT_USAGE);
  }
  if (isDir) {
    files = readdirSync(path)
      .filter((f) => f.endsWith('.npy'))
      .sort()
      .map((f) => join(path, f));
    if (files.length === 0) throw new CliError(`calibration directory '${path}' holds no .npy files`, EXIT_USAGE);
  } else {
    files = [path];
  }
  const samples: TensorData[] = [];
  for (const file of files) {
    const arr = readNpy(readFileSync(file), file);
    const what = `calibration file '${file}' for input '${spec.name}'`;
    const count = sampleCount(arr.shape, spec.shape, what);
    const values = toNative(arr, spec, what);
    // Copy each sample out so it does not pin the whole batch buffer with an offset view.
    for (let i = 0; i < count; i++) samples.push(sampleOf(values, count, i).slice() as TensorData);
  }
  return samples;
}

/**
 * Parses the --calibration arguments against the model's inputs and returns samples in the form
 * convert() takes: samples[k][i] is sample k's value for input i.
 */
export function loadCalibration(args: string[], inputs: IoSpec[]): TensorData[][] {
  const perInput = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : undefined;
    if (name !== undefined && inputs.some((i) => i.name === name)) {
      if (perInput.has(name)) throw new CliError(`--calibration names input '${name}' twice`, EXIT_USAGE);
      perInput.set(name, arg.slice(eq + 1));
    } else {
      if (inputs.length !== 1) {
        throw new CliError(
          `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}): give --calibration NAME=PATH for each`,
          EXIT_USAGE,
        );
      }
      if (perInput.has(inputs[0].name)) throw new CliError('--calibration given twice for the single model input', EXIT_USAGE);
      perInput.set(inputs[0].name, arg);
    }
  }
  const missing = inputs.filter((i) => !perInput.has(i.name));
  if (missing.length > 0) {
    throw new CliError(`no calibration data for input${missing.length > 1 ? 's' : ''} ${missing.map((i) => `'${i.name}'`).join(', ')}`, EXIT_USAGE);
  }
  const columns = inputs.map((spec) => loadInputSamples(perInput.get(spec.name)!, spec));
  const count = columns[0].length;
  columns.forEach((c, i) => {
    if (c.length !== count) {
      throw new CliError(
        `calibration inputs disagree on the sample count: '${inputs[0].name}' has ${count}, '${inputs[i].name}' has ${c.length}`,
        EXIT_USAGE,
      );
    }
  });
  return Array.from({ length: count }, (_, k) => columns.map((c) => c[k]));
}
