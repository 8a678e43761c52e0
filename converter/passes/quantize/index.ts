// int8 post-training quantization: `quantize(g, opts)` rewrites a float graph in place into TFLite
// Micro-style int8 (per-channel weights, asymmetric activations, TFLM Prepare's integer params).
export { quantize, type QuantizeOptions, type QuantizeReport, type TensorRangeReport } from './quantize.js';
export { calibrate, checkSamples, NO_CALIBRATION_MESSAGE } from './calibrate.js';
export { quantizeMultiplier, softmaxParams } from './multiplier.js';
export { prepareInt8 } from './prepare.js';
