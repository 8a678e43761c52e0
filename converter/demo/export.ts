// The demo CNN as an ONNX model (opset 13): exactly the network converter/demo/cnn.ts trains.
import type { CnnParams } from './cnn.js';
import { BN_EPSILON } from './cnn.js';
import { encodeOnnxModel } from './onnx-build.js';

export const DEMO_INPUT = 'image';
export const DEMO_OUTPUT = 'logits';

export function cnnToOnnx(p: CnnParams, labels: readonly string[]): Uint8Array {
  const { size, c1, c2, classes } = p.shape;
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
  return encodeOnnxModel({
    graphName: 'mote_demo_cnn',
    docString: `Mote demo CNN, trained by converter/demo on synthetic ${size}x${size} patterns: ${labels.join(', ')}`,
    inputs: [{ name: DEMO_INPUT, dims: [1, 1, size, size] }],
    outputs: [{ name: DEMO_OUTPUT, dims: [1, classes] }],
    initializers: [
      { name: 'conv1.weight', dims: [c1, 1, 3, 3], data: p.w1 },
      { name: 'conv1.bias', dims: [c1], data: p.b1 },
      { name: 'bn1.scale', dims: [c1], data: p.gamma },
      { name: 'bn1.bias', dims: [c1], data: p.beta },
      { name: 'bn1.mean', dims: [c1], data: p.mean },
      { name: 'bn1.var', dims: [c1], data: p.variance },
      { name: 'conv2.weight', dims: [c2, c1, 3, 3], data: p.w2 },
      { name: 'conv2.bias', dims: [c2], data: p.b2 },
      { name: 'fc.weight', dims: [classes, c2], data: p.w3 },
      { name: 'fc.bias', dims: [classes], data: p.b3 },
    ],
    nodes: [
      { op: 'Conv', name: 'conv1', inputs: [DEMO_INPUT, 'conv1.weight', 'conv1.bias'], outputs: ['conv1_out'], attrs: conv },
      {
        op: 'BatchNormalization',
        name: 'bn1',
        inputs: ['conv1_out', 'bn1.scale', 'bn1.bias', 'bn1.mean', 'bn1.var'],
        outputs: ['bn1_out'],
        attrs: { epsilon: { float: BN_EPSILON } },
      },
      { op: 'Relu', name: 'relu1', inputs: ['bn1_out'], outputs: ['relu1_out'] },
      { op: 'MaxPool', name: 'pool1', inputs: ['relu1_out'], outputs: ['pool1_out'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', name: 'conv2', inputs: ['pool1_out', 'conv2.weight', 'conv2.bias'], outputs: ['conv2_out'], attrs: conv },
      { op: 'Relu', name: 'relu2', inputs: ['conv2_out'], outputs: ['relu2_out'] },
      { op: 'GlobalAveragePool', name: 'gap', inputs: ['relu2_out'], outputs: ['gap_out'] },
      { op: 'Flatten', name: 'flatten', inputs: ['gap_out'], outputs: ['flat'], attrs: { axis: 1 } },
      { op: 'Gemm', name: 'fc', inputs: ['flat', 'fc.weight', 'fc.bias'], outputs: [DEMO_OUTPUT], attrs: { transB: 1 } },
    ],
  });
}
