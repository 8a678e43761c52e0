// The result of memory planning: where every activation lives in the arena and for how long.
import type { Node, Tensor } from '../ir/graph.js';

/** One arena tensor's placement. Tensors sharing a buffer (reshape aliases, in-place outputs) have
 * the same `buffer` id, offset and lifetime. Lifetimes are inclusive schedule-step indices. */
export interface BufferPlacement {
  offset: number;
  /** The tensor's own byte size (numel * dtype size), unaligned. */
  size: number;
  firstStep: number;
  lastStep: number;
  /** Id of the physical buffer; equal ids may overlap by design. */
  buffer: number;
}

export interface ScratchPlacement {
  tensorName: string;
  offset: number;
  size: number;
}

export interface MemoryPlan {
  /** Bytes of activation memory (a multiple of 16). */
  arenaSize: number;
  /** Max over steps of the aligned bytes live at that step: no placement can beat it. */
  lowerBound: number;
  /** Every arena tensor: graph inputs, non-constant node outputs, reshape aliases, scratch. */
  buffers: Map<string, BufferPlacement>;
  /** The schedule: the graph's nodes without reshapes, plus any output copies the planner added. */
  steps: Node[];
  /** Names of nodes whose output shares the bytes of one of their inputs. */
  inPlace: Set<string>;
  /** Per node name, its scratch buffer (only nodes that asked for one). */
  scratch: Map<string, ScratchPlacement>;
  /** Tensor names holding the graph outputs at run time (g.outputs, or the output copies). */
  outputs: string[];
  /** Tensors the planner created (output copies, scratch): the emitter looks here after the graph. */
  extraTensors: Map<string, Tensor>;
  /** Reshape outputs whose source is a constant: they name the constant they view (weights storage). */
  weightAliases: Map<string, string>;
}

export interface PlanOptions {
  /** Bytes of scratch a node needs while it runs (im2col, padding...). Default: none for every op. */
  scratchBytes?: (node: Node, g: import('../ir/graph.js').Graph) => number;
  /** Greedy start orders to try (default: by size, then by lifetime start; the first wins ties). */
  orders?: PlacementOrder[];
  /** Work cap of the order search, in interval comparisons (default 4e7); 0 = plain greedy. */
  searchBudget?: number;
}

export type PlacementOrder = 'size' | 'start';
