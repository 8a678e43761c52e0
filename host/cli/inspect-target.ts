// `mote inspect --target CHIP`: the blob's RAM budget on a microcontroller (host/targets.ts), as
// text and as the `ramBudget` field of --json.
import { loadWasmFile } from '../node-loader.js';
import { formatRamBudget, ramBudget, TARGETS, type RamBudget } from '../targets.js';
import { CliError, EXIT_USAGE } from './errors.js';

export async function targetBudget(target: string, blobSize: number, arenaSize: number): Promise<{ json: RamBudget; text: string }> {
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new CliError(`--target must be one of ${TARGETS.join(', ')}, got '${target}'`, EXIT_USAGE);
  }
  let runtimeWasm: Uint8Array;
  try {
    // The device runs the scalar build: its size and initial memory enter the budget.
    runtimeWasm = await loadWasmFile('scalar');
  } catch (e) {
    throw new CliError((e as Error).message.replace(/^mote: /, ''));
  }
  const budget = ramBudget(target, { blobSize, arenaSize, runtimeWasm });
  return { json: budget, text: formatRamBudget(budget) };
}
