// The bench's models: the four MLPerf Tiny int8 models and person_detect (their first tflm_refs
// input, with the TFLM and TFLite-XNNPACK outputs for that input), mnist-8 (float ONNX; Mote
// quantizes it with the first 200 MNIST test images), and the generated single-op models.
// Shared material comes from ../shared/models; without it only the generated cases exist.
import { existsSync, readFileSync } from 'node:fs';
import { readIdx } from '../converter/data/idx.js';
import { readNpy } from '../host/npy.js';
import { haveShared, sharedPath } from '../test/support/shared.js';
import type { BenchCase } from './engines/types.js';
import { SINGLE_OPS, buildSingleOp, singleOpMacs } from './synthetic/single-op.js';

interface SharedTflite {
  id: string;
  title: string;
  group: 'mlperf' | 'tflm';
  file: string;
  refs: string;
}

const SHARED_TFLITE: SharedTflite[] = [
  { id: 'kws', title: 'KWS DS-CNN int8 (MLPerf Tiny)', group: 'mlperf', file: 'mlperf_tiny/kws/kws_ref_model.tflite', refs: 'tflm_refs/kws_int8' },
  { id: 'vww', title: 'VWW MobileNetV1-0.25 96² int8 (MLPerf Tiny)', group: 'mlperf', file: 'mlperf_tiny/vww/vww_96_int8.tflite', refs: 'tflm_refs/vww_int8' },
  { id: 'ic', title: 'IC ResNet-8 CIFAR int8 (MLPerf Tiny)', group: 'mlperf', file: 'mlperf_tiny/ic/pretrainedResnet_quant.tflite', refs: 'tflm_refs/ic_int8' },
  { id: 'ad', title: 'AD FC autoencoder int8 (MLPerf Tiny)', group: 'mlperf', file: 'mlperf_tiny/ad/ad01_int8.tflite', refs: 'tflm_refs/ad_int8' },
  { id: 'person_detect', title: 'person_detect MobileNetV1 int8 (TFLM)', group: 'tflm', file: 'tflm/person_detection/person_detect.tflite', refs: 'tflm_refs/person_detect_int8' },
];

/** Sample 0 of a sample-major int8 .npy. */
function firstRow(rel: string): Int8Array {
  const a = readNpy(readFileSync(sharedPath(rel)), rel);
  const size = a.shape.slice(1).reduce((x, y) => x * y, 1);
  return (a.data as Int8Array).slice(0, size);
}

function sharedTfliteCase(m: SharedTflite): BenchCase {
  const notes: string[] = [];
  if (m.id === 'person_detect') notes.push('TFLite peers run a copy with quantized_dimension 3 → 0 on rank-1 biases (the original does not load there)');
  return {
    id: m.id,
    title: m.title,
    group: m.group,
    tflite: { bytes: new Uint8Array(readFileSync(sharedPath(m.file))), input: firstRow(`${m.refs}/inputs.npy`), name: m.file.split('/').pop()! },
    tflmRef: firstRow(`${m.refs}/outputs.npy`),
    xnnpackRef: existsSync(sharedPath(`${m.refs}/outputs_tflite_xnnpack.npy`)) ? firstRow(`${m.refs}/outputs_tflite_xnnpack.npy`) : undefined,
    notes,
  };
}

function mnistCase(calibrationCount: number): BenchCase {
  const images = readIdx(readFileSync(sharedPath('datasets/mnist/t10k-images-idx3-ubyte.gz')), 't10k-images');
  const image = (i: number) => Float32Array.from(images.data.subarray(i * 784, (i + 1) * 784)); // raw 0..255, as mnist-8 wants
  return {
    id: 'mnist8',
    title: 'mnist-8 (ONNX zoo; Mote int8 PTQ, ORT float)',
    group: 'onnx',
    onnx: {
      bytes: new Uint8Array(readFileSync(sharedPath('onnx_mnist8/model.onnx'))),
      input: image(0),
      shape: [1, 1, 28, 28],
      name: 'mnist-8.onnx',
      calibration: Array.from({ length: calibrationCount }, (_, i) => image(i)),
    },
    notes: [`Mote: int8 PTQ calibrated on the first ${calibrationCount} MNIST test images; ORT runs the float model`],
  };
}

export interface CaseSelection {
  quick: boolean;
  /** Only these ids (all when empty). */
  only: string[];
}

const QUICK = new Set(['kws', 'ad', 'mnist8', 'conv3x3_32x32x16_o16', 'dw3x3_32x32x64', 'fc_256_o256']);

export function benchCases(sel: CaseSelection): { cases: BenchCase[]; missing: string[] } {
  const want = (id: string) => (sel.only.length ? sel.only.includes(id) : !sel.quick || QUICK.has(id));
  const cases: BenchCase[] = [];
  const missing: string[] = [];
  for (const m of SHARED_TFLITE) {
    if (!want(m.id)) continue;
    if (haveShared) cases.push(sharedTfliteCase(m));
    else missing.push(m.id);
  }
  if (want('mnist8')) {
    if (haveShared) cases.push(mnistCase(sel.quick ? 50 : 200));
    else missing.push('mnist8');
  }
  for (const s of SINGLE_OPS) {
    if (!want(s.id)) continue;
    const { bytes, input } = buildSingleOp(s);
    cases.push({
      id: s.id,
      title: `${s.kind} ${s.k}x${s.k} s${s.stride} ${s.h}x${s.w}x${s.c} → ${s.o}${s.layout ? ` (Mote: ${s.layout} weights)` : ''}`.replace('fc 1x1 s1 1x1x', 'fc '),
      group: 'single-op',
      tflite: { bytes, input, name: `${s.id}.tflite` },
      macs: singleOpMacs(s),
      weightLayout: s.layout,
      notes: s.layout ? [`Mote converts it with weightLayout '${s.layout}'`] : [],
    });
  }
  return { cases, missing };
}
