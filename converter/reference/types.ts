// The contract between the reference interpreter and its kernels (float/ and int8/).
import type { DType, Node, QuantParams, Tensor, TensorData } from '../ir/graph.js';

/** A value flowing through the reference interpreter. */
export interface RefValue {
  data: TensorData;
  shape: number[];
  dtype: DType;
  quant?: QuantParams;
}

/**
 * A reference kernel: plain, obviously-correct TypeScript that is the oracle for the runtime's
 * kernels. `inputs[i]` is undefined for an absent optional input; `outputs` carries each output's
 * declared shape, dtype and quantization. Returns one data array per output.
 */
export type RefKernel = (node: Node, inputs: (RefValue | undefined)[], outputs: Tensor[]) => TensorData[];
