// Offsets for buffers with known lifetimes: TFLite Micro's GreedyMemoryPlanner idea. Buffers are
// visited in some order and each goes to the lowest 16-byte-aligned offset that does not overlap an
// already-placed buffer whose lifetime intersects its own. The order matters; callers try several.
import { SECTION_ALIGN } from '../../format/format.js';
import type { PlacementOrder } from './types.js';

export interface Interval {
  size: number;
  firstStep: number;
  lastStep: number;
}

export function alignUp(n: number, a = SECTION_ALIGN): number {
  return Math.ceil(n / a) * a;
}

function lifetimesIntersect(a: Interval, b: Interval): boolean {
  return a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
}

/** Visit order for a placement strategy (indices into `items`); ties broken by index for determinism. */
export function placementOrder(items: Interval[], order: PlacementOrder): number[] {
  const idx = items.map((_, i) => i);
  if (order === 'size') {
    idx.sort((a, b) => items[b].size - items[a].size || items[a].firstStep - items[b].firstStep || a - b);
  } else {
    idx.sort((a, b) => items[a].firstStep - items[b].firstStep || items[b].size - items[a].size || a - b);
  }
  return idx;
}

/** Places items in the given order; returns each item's offset and the arena size. */
export function placeGreedy(items: Interval[], order: number[]): { offsets: number[]; arenaSize: number } {
  const offsets = new Array<number>(items.length).fill(-1);
  const placed: number[] = [];
  let arenaSize = 0;
  for (const i of order) {
    const item = items[i];
    const size = alignUp(item.size);
    const conflicts = placed
      .filter((j) => lifetimesIntersect(items[j], item))
      .sort((a, b) => offsets[a] - offsets[b]);
    let candidate = 0;
    for (const j of conflicts) {
      if (candidate + size <= offsets[j]) break; // fits in the gap below j
      candidate = Math.max(candidate, offsets[j] + alignUp(items[j].size));
    }
    offsets[i] = candidate;
    placed.push(i);
    arenaSize = Math.max(arenaSize, candidate + size);
  }
  return { offsets, arenaSize };
}

/** Max over steps of the aligned bytes live at that step: a bound no placement can beat. */
export function liveBytesLowerBound(items: Interval[], stepCount: number): number {
  const delta = new Array<number>(Math.max(stepCount, 1) + 1).fill(0);
  for (const it of items) {
    delta[it.firstStep] += alignUp(it.size);
    delta[it.lastStep + 1] -= alignUp(it.size);
  }
  let best = 0;
  let cur = 0;
  for (let s = 0; s < delta.length - 1; s++) {
    cur += delta[s];
    best = Math.max(best, cur);
  }
  return best;
}
