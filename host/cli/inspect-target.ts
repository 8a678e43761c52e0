// `mote inspect --target CHIP`: the blob's RAM budget on a microcontroller (host/targets.ts), as
// text and as the `ramBudget` field of --json.
import { loadWasmFile } from '../node-loader.js';
import { formatRamBudget, ramBudget, TARGETS, type RamBudget } from '../targets.js';
import { CliError, EXIT_USAGE } from './errors.js';

export async function targetBudget(
  target: string,
  blobSize: number,
  arenaSize: number,
): Promise<{ json: RamBudget & { classicInterpreter: RamBudget }; text: string }> {
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
  // WAMR's classic interpreter trades speed for RAM: say what it would change.
  const classic = ramBudget(target, { blobSize, arenaSize, runtimeWasm, interpreter: 'classic' });
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const alt =
    `  with WAMR's classic interpreter (CONFIG_WAMR_INTERP_CLASSIC, slower): running ${kib(classic.steadyBytes)}, ` +
    `peak ${kib(classic.peakBytes)}: ${classic.fits ? `fits, ${kib(classic.marginBytes)} to spare` : `does NOT fit, ${kib(-classic.marginBytes)} over`}`;
  return { json: { ...budget, classicInterpreter: classic }, text: formatRamBudget(budget) + '\n' + alt };
}
