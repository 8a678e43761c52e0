// Placeholder created by the reference interpreter so it can import the int8 kernel table; the quant
// helper owns this file and fills it with the s8 reference kernels (TFLite Micro arithmetic).
import type { OpName } from '../../ir/graph.js';
import type { RefKernel } from '../types.js';

export const int8Kernels: Partial<Record<OpName, RefKernel>> = {};
