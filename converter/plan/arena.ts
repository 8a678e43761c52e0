// Offsets for buffers with known lifetimes: TFLite Micro's GreedyMemoryPlanner idea. Buffers are
// visited in some order and each goes to the lowest 16-byte-aligned offset that does not overlap an
// already-placed buffer whose lifetime intersects its own ("first fit"). The order matters: for any
// optimal layout, visiting buffers by their optimal offsets makes first fit reproduce it, so we
// start from the classic orders (by size, by lifetime start) and then search over orders.
import { SECTION_ALIGN } from '../../format/format.js';
import type { PlacementOrder } from './types.js';

export interface Interval {
  size: number;
  firstStep: number;
  lastStep: number;
}

export interface Placement {
  offsets: number[];
  arenaSize: number;
}

export function alignUp(n: number, a = SECTION_ALIGN): number {
  return Math.ceil(n / a) * a;
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

/**
 * A start order for first fit from a two-sided layout: visiting buffers by lifetime start with a
 * target arena (the lower bound), each goes to the lowest or the highest free slot under the
 * target, on the side opposite to its most recent lifetime neighbour. On chains (where each step
 * holds an op's input and output) this alternates low/high, which reaches the lower bound; first
 * fit visiting the result in offset order lands each buffer at or below that layout's offset.
 */
export function twoSidedOrder(items: Interval[], target: number, conflicts = conflictLists(items)): number[] {
  const sizes = items.map((it) => alignUp(it.size));
  const offsets = new Array<number>(items.length).fill(-1);
  const byStart = placementOrder(items, 'start');
  for (const i of byStart) {
    const placed = conflicts[i].filter((j) => offsets[j] >= 0).sort((a, b) => offsets[a] - offsets[b]);
    // Free gaps under the target.
    const gaps: [number, number][] = [];
    let cursor = 0;
    for (const j of placed) {
      if (offsets[j] - cursor >= sizes[i]) gaps.push([cursor, offsets[j]]);
      cursor = Math.max(cursor, offsets[j] + sizes[j]);
    }
    if (target - cursor >= sizes[i]) gaps.push([cursor, target]);
    if (gaps.length === 0) {
      offsets[i] = cursor; // over the target: stack on top
      continue;
    }
    let recent = -1;
    for (const j of placed) if (recent < 0 || items[j].firstStep > items[recent].firstStep) recent = j;
    const recentIsLow = recent < 0 || offsets[recent] + sizes[recent] / 2 < target / 2;
    if (recent >= 0 && recentIsLow) {
      const [, hi] = gaps[gaps.length - 1];
      offsets[i] = hi - sizes[i];
    } else {
      offsets[i] = gaps[0][0];
    }
  }
  return items.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b] || a - b);
}

/** For each item, the items whose lifetimes intersect its own (sweep over start steps). */
export function conflictLists(items: Interval[]): number[][] {
  const lists = items.map(() => [] as number[]);
  const byStart = items.map((_, i) => i).sort((a, b) => items[a].firstStep - items[b].firstStep);
  for (let x = 0; x < byStart.length; x++) {
    const i = byStart[x];
    for (let y = x + 1; y < byStart.length; y++) {
      const j = byStart[y];
      if (items[j].firstStep > items[i].lastStep) break;
      lists[i].push(j);
      lists[j].push(i);
    }
  }
  return lists;
}

/** First-fit placement in the given order. */
export function placeGreedy(items: Interval[], order: number[], conflicts = conflictLists(items)): Placement {
  const offsets = new Array<number>(items.length).fill(-1);
  const sizes = items.map((it) => alignUp(it.size));
  let arenaSize = 0;
  const below: number[] = [];
  for (const i of order) {
    below.length = 0;
    for (const j of conflicts[i]) if (offsets[j] >= 0) below.push(j);
    below.sort((a, b) => offsets[a] - offsets[b]);
    const size = sizes[i];
    let candidate = 0;
    for (const j of below) {
      if (candidate + size <= offsets[j]) break; // fits in the gap below j
      candidate = Math.max(candidate, offsets[j] + sizes[j]);
    }
    offsets[i] = candidate;
    arenaSize = Math.max(arenaSize, candidate + size);
  }
  return { offsets, arenaSize };
}

/**
 * Local search over visit orders. Greedy first fit packs everything low, which on chains of
 * alternating sizes stacks neighbours badly (the optimum alternates low and high). Moves: bring a
 * buffer that reaches the arena top earlier (it claims a low slot), push one of its lifetime
 * neighbours later (so it lands above), or re-visit in the current offset order (compaction).
 * Orders that do not grow the arena are kept, so the search walks plateaus; it stops at the lower
 * bound, after `patience` moves without a gain, or after about `budget` units of placement work
 * (deterministic: a fixed-seed PRNG).
 */
export function searchPlacement(
  items: Interval[],
  startOrders: number[][],
  lowerBound: number,
  budget = 2e7,
  patience = 1500,
): Placement {
  const conflicts = conflictLists(items);
  startOrders = [...startOrders, twoSidedOrder(items, lowerBound, conflicts)];
  let bestOrder = startOrders[0];
  let best = placeGreedy(items, bestOrder, conflicts);
  for (const order of startOrders.slice(1)) {
    const placed = placeGreedy(items, order, conflicts);
    if (placed.arenaSize < best.arenaSize) [best, bestOrder] = [placed, order];
  }
  const n = items.length;
  if (n < 2) return best;
  const work = n + conflicts.reduce((s, c) => s + c.length * Math.log2(c.length + 2), 0);
  const iterations = Math.min(5000, Math.floor(budget / work));
  const sizes = items.map((it) => alignUp(it.size));
  let seed = 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (x: number) => Math.floor(random() * x);

  let lastGain = 0;
  for (let it = 0; it < iterations && best.arenaSize > lowerBound && it - lastGain < patience; it++) {
    const tops: number[] = [];
    for (let i = 0; i < n; i++) if (best.offsets[i] + sizes[i] === best.arenaSize) tops.push(i);
    const top = tops[below(tops.length)];
    const order = bestOrder.slice();
    const pos = order.indexOf(top);
    const move = random();
    if (move < 0.05) {
      // Compaction: visit in current offset order.
      order.sort((a, b) => best.offsets[a] - best.offsets[b] || a - b);
    } else if (move < 0.35 && pos > 0) {
      order.splice(pos, 1);
      order.splice(below(pos), 0, top);
    } else if (move < 0.65 && conflicts[top].length > 0) {
      // Push a lifetime neighbour of the top buffer after it.
      const nb = conflicts[top][below(conflicts[top].length)];
      const from = order.indexOf(nb);
      order.splice(from, 1);
      const at = order.indexOf(top) + 1;
      order.splice(at + below(order.length - at + 1), 0, nb);
    } else {
      const a = below(n);
      const [x] = order.splice(a, 1);
      order.splice(below(n), 0, x);
    }
    const placed = placeGreedy(items, order, conflicts);
    if (placed.arenaSize < best.arenaSize) lastGain = it;
    if (placed.arenaSize <= best.arenaSize) [best, bestOrder] = [placed, order];
  }
  return best;
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
