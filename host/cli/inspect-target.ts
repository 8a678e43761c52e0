// `mote inspect --target CHIP`: the blob's RAM budget on a microcontroller (host/targets.ts), as
// text and as the `ramBudget` field of --json; with the blob's bytes, for both weight modes
// (resident in linear memory, or streamed from flash: `mote convert --weights external`).
import * as F from '../../format/format.js';
import { loadWasmFile } from '../node-loader.js';
import { blobMemoryOf, formatRamBudget, ramBudget, streamedMemoryOf, TARGETS, type BlobMemory, type RamBudget } from '../targets.js';
import { CliError, EXIT_USAGE } from './errors.js';

type WeightsMode = 'resident' | 'streamed';

export async function targetBudget(
  target: string,
  blobSize: number,
  arenaSize: number,
  blob?: Uint8Array,
  /** The runtime module the device runs (e.g. a per-model build from `mote runtime`); default the
   * scalar build (its stream build for streamed weights). */
  module?: { bytes: Uint8Array; label: string },
): Promise<{ json: RamBudget & { fastInterpreter: RamBudget; weights: WeightsMode; otherWeightsMode?: RamBudget & { weights: WeightsMode } }; text: string }> {
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new CliError(`--target must be one of ${TARGETS.join(', ')}, got '${target}'`, EXIT_USAGE);
  }
  const wasm = async (build: string): Promise<Uint8Array> => {
    try {
      return await loadWasmFile(build);
    } catch (e) {
      throw new CliError((e as Error).message.replace(/^mote: /, ''));
    }
  };
  // The device runs the scalar build (its stream build for streamed weights): its size, static
  // data and initial memory enter the budget.
  const streamed = blob !== undefined && blob.length >= F.HEADER_SIZE && (new DataView(blob.buffer, blob.byteOffset).getUint32(F.H_FLAGS, true) & F.FLAG_WEIGHTS_EXTERNAL) !== 0;
  const mode: WeightsMode = streamed ? 'streamed' : 'resident';
  const memory: BlobMemory = blob ? blobMemoryOf(blob) : { blobSize, arenaSize };
  const runtimeWasm = module?.bytes ?? (await wasm(streamed ? 'scalar.stream' : 'scalar'));
  // devices/esp32's default is WAMR's classic interpreter (the fast one compiles the runtime module
  // to about 3.6x its code size in RAM); say what the fast one would need.
  const budget = ramBudget(target, { ...memory, runtimeWasm });
  const fast = ramBudget(target, { ...memory, runtimeWasm, interpreter: 'fast' });
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const verdict = (b: RamBudget) => (b.fits ? `fits, ${kib(b.marginBytes)} to spare` : `does NOT fit, ${kib(-b.marginBytes)} over`);
  const lines = [
    `  with WAMR's fast interpreter (CONFIG_WAMR_INTERP_FAST, about 2x faster; MOTE_WAMR_POOL_KB=${fast.wamr.poolBytes / 1024}): ` +
      `running ${kib(fast.steadyBytes)}, peak ${kib(fast.peakBytes)}: ${verdict(fast)}`,
  ];
  // The other weights mode, for comparison.
  let other: (RamBudget & { weights: WeightsMode }) | undefined;
  if (module) {
    lines.push(`  runtime module ${module.label} (${runtimeWasm.length} B); the other weights mode needs another module: not compared`);
  } else if (blob) {
    const alt: BlobMemory | undefined = streamed ? { blobSize: blob.length, arenaSize: memory.arenaSize, opCount: memory.opCount } : streamedMemoryOf(blob);
    if (alt) {
      other = { ...ramBudget(target, { ...alt, runtimeWasm: await wasm(streamed ? 'scalar' : 'scalar.stream') }), weights: streamed ? 'resident' : 'streamed' };
      lines.push(
        `  weights ${mode} here (linear memory ${kib(budget.memory.bytes)}); ${other.weights} ` +
          `(${streamed ? 'mote convert without --weights external' : 'mote convert --weights external, stream build'}): ` +
          `linear memory ${kib(other.memory.bytes)}, running ${kib(other.steadyBytes)}: ${verdict(other)}`,
      );
    } else if (!streamed) {
      lines.push('  weights resident here; they cannot be streamed (encoded weights are decoded in RAM)');
    }
  }
  return {
    json: { ...budget, fastInterpreter: fast, weights: mode, ...(other ? { otherWeightsMode: other } : {}) },
    text: formatRamBudget(budget) + '\n' + lines.join('\n'),
  };
}
