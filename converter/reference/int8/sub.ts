// sub, s8: TFLite Micro's quantized sub, the add arithmetic (add.ts) with a difference.
import type { RefKernel } from '../types.js';
import { addSubKernel } from './add.js';

export const sub_s8_ref: RefKernel = addSubKernel(-1);
