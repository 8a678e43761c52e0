// `mote inspect MODEL.mote`: what a blob holds — header, tensors, schedule, arena plan, MACs.
import type { Command } from 'commander';
import * as F from '../../format/format.js';
import { opcodeMacs } from './blob-macs.js';
import type { BlobView } from '../blob-reader.js';
import { basename } from 'node:path';
import { CliError, EXIT_USAGE } from './errors.js';
import { readBlobFile, readInput } from './files.js';
import { targetBudget } from './inspect-target.js';
import { bytes, int, table } from './format.js';
import { preparedBytesOf, preparedRankBytes } from '../prepared.js';

export interface InspectCliOptions {
  json?: boolean;
  /** A chip (esp32, esp32s3, esp32c3): add its RAM budget (host/targets.ts). */
  target?: string;
  /** With --target: the runtime module the device runs instead of build/mote.scalar[.stream].wasm. */
  wasm?: string;
}

interface Lifetime {
  first: number;
  last: number;
}

/** Schedule steps during which each arena tensor is live (graph inputs from 0, outputs to the end). */
function lifetimes(view: BlobView): Map<number, Lifetime> {
  const life = new Map<number, Lifetime>();
  const touch = (id: number, step: number) => {
    const t = view.tensors[id];
    if (!t || t.storage !== F.STORAGE_ARENA) return;
    const l = life.get(id);
    if (!l) life.set(id, { first: step, last: step });
    else {
      l.first = Math.min(l.first, step);
      l.last = Math.max(l.last, step);
    }
  };
  for (const id of view.inputs) touch(id, 0);
  view.ops.forEach((op, step) => {
    for (const id of [...op.inputs, ...op.outputs]) touch(id, step);
    if (op.scratch >= 0) touch(op.scratch, step);
  });
  const end = Math.max(0, view.ops.length - 1);
  for (const id of view.outputs) touch(id, end);
  return life;
}

export function inspectBlob(view: BlobView) {
  const h = view.header;
  const life = lifetimes(view);
  const name = (id: number) => view.tensors[id]?.name || `t${id}`;
  const ops = view.ops.map((op) => ({
    index: op.index,
    op: op.opName,
    name: op.name,
    inputs: op.inputs.map(name),
    outputs: op.outputs.map(name),
    inPlace: op.inPlace,
    macs: opcodeMacs(view, op),
  }));
  const plan = view.tensors
    .filter((t) => t.storage === F.STORAGE_ARENA)
    .map((t) => ({ tensor: t.name, id: t.id, offset: t.offset, size: t.byteSize, firstStep: life.get(t.id)?.first ?? -1, lastStep: life.get(t.id)?.last ?? -1 }))
    .sort((a, b) => a.offset - b.offset || a.firstStep - b.firstStep);
  return {
    header: {
      formatVersion: h.version,
      flags: h.flags,
      crc32: `0x${h.crc32.toString(16).padStart(8, '0')}`,
      crcOk: true, // readBlob rejects a blob whose CRC does not match
      totalSize: h.totalSize,
      weightsSize: h.weightsSize,
      metaSize: h.metaSize,
      tensorCount: h.tensorCount,
      opCount: h.opCount,
    },
    meta: view.meta,
    arena: {
      size: view.arenaSize,
      /** Bytes a SIMD runtime prepares at load beyond the arena (format/prepared.ts); 0 on scalar. */
      preparedSimd: preparedBytesOf(view),
      /** Its tables per op kind, in the order a --prepare-budget takes them (format/prepared.ts preparedRank). */
      preparedSimdByKind: Object.fromEntries(preparedRankBytes(view).map((b, r) => [['conv2d', 'fully_connected', 'depthwise_conv2d'][r], b])),
      lowerBound: view.arenaLowerBound,
      ratio: view.arenaLowerBound > 0 ? view.arenaSize / view.arenaLowerBound : 1,
    },
    totalMacs: ops.reduce((s, o) => s + o.macs, 0),
    inputs: view.inputs.map(name),
    outputs: view.outputs.map(name),
    tensors: view.tensors.map((t) => ({
      id: t.id,
      name: t.name,
      dtype: t.dtypeName,
      shape: t.shape,
      storage: t.storageName,
      offset: t.offset,
      bytes: t.byteSize,
      scale: t.scale,
      zeroPoint: t.zeroPoint,
    })),
    ops,
    plan,
  };
}

export function formatInspection(file: string, r: ReturnType<typeof inspectBlob>): string {
  const out: string[] = [];
  const h = r.header;
  out.push(`${file}: .mote format v${h.formatVersion}, flags ${h.flags}, CRC ${h.crc32} ok`);
  out.push(`  total ${bytes(h.totalSize)}, weights ${bytes(h.weightsSize)}, metadata ${bytes(h.metaSize)}`);
  out.push(`  ${h.tensorCount} tensors, ${h.opCount} ops, ${int(r.totalMacs)} MACs per inference`);
  out.push(
    `  arena ${bytes(r.arena.size)} vs liveness lower bound ${bytes(r.arena.lowerBound)} (ratio ${r.arena.ratio.toFixed(3)})`,
  );
  if (r.arena.preparedSimd > 0) {
    const kinds = Object.entries(r.arena.preparedSimdByKind).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${bytes(b)}`);
    out.push(`  prepared at load, SIMD build: ${bytes(r.arena.preparedSimd)} beyond the arena (requantization tables, kernel arguments, packed taps; a --prepare-budget takes ${kinds.join(', then ')}; scalar build: none)`);
  }
  const m = r.meta as { sourceName?: string; sourceFormat?: string; sourceHash?: string; converter?: { name?: string; version?: string } };
  if (m.sourceName || m.sourceFormat) {
    const hash = m.sourceHash ? `, sha256 ${m.sourceHash.slice(0, 12)}…` : '';
    out.push(`  source ${m.sourceName ?? '?'} (${m.sourceFormat ?? '?'}${hash})`);
  }
  if (m.converter) out.push(`  converted by ${m.converter.name ?? '?'} ${m.converter.version ?? ''}`.trimEnd());
  out.push(`  inputs: ${r.inputs.join(', ')}   outputs: ${r.outputs.join(', ')}`);
  out.push('', 'Tensors');
  out.push(
    table(
      ['id', 'name', 'dtype', 'shape', 'storage', 'offset', 'bytes', 'scale', 'zp'],
      r.tensors.map((t) => [
        t.id,
        t.name,
        t.dtype,
        `[${t.shape.join(',')}]`,
        t.storage,
        t.offset,
        t.bytes,
        t.scale ? t.scale.toPrecision(6) : '-',
        t.scale ? t.zeroPoint : '-',
      ]),
    ),
  );
  // Written by mote convert (converter/plan/weights-placement.ts): expand at load vs direct.
  const placement = (r.meta as { weightPlacement?: { tensor: string; layer: string; choice: string; encoding: string; reason: string }[] }).weightPlacement;
  if (Array.isArray(placement) && placement.length > 0) {
    out.push('', 'Weights placement (compressed fc/conv weights: expanded into RAM at load, or read in place by a direct kernel)');
    out.push(table(['layer', 'weights', 'choice', 'encoding', 'why'], placement.map((p) => [p.layer, p.tensor, p.choice, p.encoding, p.reason])));
  }
  out.push('', 'Schedule');
  out.push(
    table(
      ['#', 'op', 'name', 'inputs -> outputs', 'MACs'],
      r.ops.map((o) => [o.index, o.op + (o.inPlace ? ' (in place)' : ''), o.name, `${o.inputs.join(', ')} -> ${o.outputs.join(', ')}`, int(o.macs)]),
    ),
  );
  out.push('', 'Arena plan');
  out.push(
    table(
      ['tensor', 'offset', 'size', 'steps'],
      r.plan.map((p) => [p.tensor, p.offset, p.size, p.firstStep < 0 ? 'unused' : `${p.firstStep}..${p.lastStep}`]),
    ),
  );
  return out.join('\n');
}

export async function inspectCommand(file: string, opts: InspectCliOptions): Promise<void> {
  const { view, bytes } = readBlobFile(file);
  const report = inspectBlob(view);
  if (opts.wasm && !opts.target) throw new CliError('inspect --wasm needs --target CHIP (it changes the RAM budget only)', EXIT_USAGE);
  const module = opts.wasm ? { bytes: readInput(opts.wasm, 'runtime module'), label: basename(opts.wasm) } : undefined;
  const budget = opts.target ? await targetBudget(opts.target, bytes.length, view.arenaSize, bytes, module) : undefined;
  if (opts.json) process.stdout.write(JSON.stringify(budget ? { ...report, ramBudget: budget.json } : report, null, 2) + '\n');
  else process.stdout.write(formatInspection(file, report) + (budget ? '\n\n' + budget.text : '') + '\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what a .mote blob holds: header, tensors, schedule, arena plan, MACs')
    .argument('<blob>', 'the .mote file')
    .option('--json', 'print as JSON')
    .option('--target <chip>', 'also print the RAM budget on esp32, esp32s3 or esp32c3 (linear memory + WAMR vs usable SRAM)')
    .option('--wasm <file.wasm>', 'with --target: the runtime module the device runs (e.g. a per-model build from mote runtime)')
    .action((file: string, opts: InspectCliOptions) => inspectCommand(file, opts));
}
