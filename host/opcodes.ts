// Opcode ↔ name, derived from the OP_* constants of format/format.ts (lower-cased), so there is no
// second hand-typed list to drift. OP_RECORD_SIZE shares the prefix but is a layout constant.
import * as F from '../format/format.js';

const NOT_OPCODES = new Set(['OP_RECORD_SIZE']);

function buildNames(): readonly string[] {
  const names = new Array<string>(F.OPCODE_COUNT).fill('');
  for (const [key, value] of Object.entries(F)) {
    if (!key.startsWith('OP_') || NOT_OPCODES.has(key)) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value >= F.OPCODE_COUNT) {
      throw new Error(`format.ts: ${key} = ${String(value)} is not an opcode in [1, OPCODE_COUNT)`);
    }
    if (names[value]) throw new Error(`format.ts: ${key} and OP_${names[value].toUpperCase()} share opcode ${value}`);
    names[value] = key.slice(3).toLowerCase();
  }
  // Codes may be unused (opcode ranges are handed out in blocks); the last one must not be.
  if (!names[F.OPCODE_COUNT - 1]) throw new Error(`format.ts: OPCODE_COUNT ${F.OPCODE_COUNT} is not one past the last opcode`);
  return names;
}

/** OPCODE_NAMES[code] is the op's lower-case name ('' for code 0 and unused codes). */
export const OPCODE_NAMES: readonly string[] = buildNames();

const CODES = new Map<string, number>(OPCODE_NAMES.map((n, code) => [n, code] as [string, number]).filter(([n]) => n));

export function opcodeName(code: number): string | undefined {
  return code >= 1 && code < OPCODE_NAMES.length ? OPCODE_NAMES[code] || undefined : undefined;
}

export function opcodeOf(name: string): number | undefined {
  return CODES.get(name);
}
