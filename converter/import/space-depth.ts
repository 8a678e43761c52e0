// DepthToSpace and SpaceToDepth on NHWC tensors as reshape → transpose → reshape, for both
// importers. Both ops only move elements, so these IR ops express them exactly and cost no kernel
// (reshape is an alias; transpose is the runtime's strided walk).
//
// DCR order (TFLite DEPTH_TO_SPACE, ONNX mode DCR): output[n, h·b+i, w·b+j, c] =
//   input[n, h, w, (i·b + j)·C' + c]. Viewing the input as [N·H, W, b, b·C'] and swapping its two
//   middle axes gives [N·H, b, W, b·C'], which is the output's memory order: rank 4 is enough,
//   because j and c stay adjacent.
// CRD order (ONNX mode CRD): input channel c·b·b + i·b + j: the view is [N·H, W, C', b, b] and the
//   output order [N·H, b(i), W, b(j), C'] needs a rank-5 transpose.
// SpaceToDepth (TFLite SPACE_TO_DEPTH, ONNX SpaceToDepth) is the inverse of DCR:
//   output[n, h, w, (i·b + j)·C + c] = input[n, h·b+i, w·b+j, c]: view [N·H, b, W, b·C], swap the
//   middle axes to [N·H, W, b, b·C].

export interface SpaceDepthPlan {
  /** The input viewed in this shape (a reshape). */
  view: number[];
  /** Then transposed by this permutation. */
  perm: number[];
  /** Then viewed as the NHWC output (a reshape). */
  output: number[];
}

/** The plan for DepthToSpace of an NHWC shape, or a sentence saying why the shape does not fit. */
export function depthToSpacePlan(nhwc: readonly number[], block: number, mode: 'DCR' | 'CRD'): SpaceDepthPlan | string {
  if (nhwc.length !== 4) return `input must have rank 4, got [${nhwc}]`;
  if (!(Number.isInteger(block) && block >= 1)) return `block size ${block} must be an integer >= 1`;
  const [n, h, w, c] = nhwc;
  if (c % (block * block) !== 0) return `${c} channels are not a multiple of block size² (${block * block})`;
  const cOut = c / (block * block);
  const output = [n, h * block, w * block, cOut];
  if (mode === 'DCR') return { view: [n * h, w, block, block * cOut], perm: [0, 2, 1, 3], output };
  return { view: [n * h, w, cOut, block, block], perm: [0, 3, 1, 4, 2], output };
}

/** The plan for SpaceToDepth of an NHWC shape, or a sentence saying why the shape does not fit. */
export function spaceToDepthPlan(nhwc: readonly number[], block: number): SpaceDepthPlan | string {
  if (nhwc.length !== 4) return `input must have rank 4, got [${nhwc}]`;
  if (!(Number.isInteger(block) && block >= 1)) return `block size ${block} must be an integer >= 1`;
  const [n, h, w, c] = nhwc;
  if (h % block !== 0 || w % block !== 0) return `height ${h} and width ${w} must be multiples of the block size ${block}`;
  const [ho, wo] = [h / block, w / block];
  return { view: [n * ho, block, wo, block * c], perm: [0, 2, 1, 3], output: [n, ho, wo, block * block * c] };
}
