// The runtime on real int8 models: the shared .tflite models (imported, given TFLite Micro's Prepare
// parameters, planned and emitted by the converter) run on both WASM builds and must reproduce
// tflm_refs/ — the outputs of TFLite Micro's reference kernels — byte for byte. Needs ../shared.
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import { importTflite } from '../converter/import/tflite.js';
import { prepareInt8 } from '../converter/passes/quantize/index.js';
import { readNpy } from '../host/npy.js';
import { haveShared, noticeIfNoShared, sharedPath } from './support/shared.js';
import { BUILDS, blobOf, ensureWasmBuilt, freshRuntime } from './runtime-harness.js';

beforeAll(async () => {
  await ensureWasmBuilt();
}, 120_000);

describe.skipIf(!haveShared)('runtime bit-exact with TFLite Micro on the shared int8 models (needs ../shared)', () => {
  noticeIfNoShared('runtime TFLM bit-exactness');
  // [tflm_refs folder, model, samples checked]
  const cases: [string, string, number][] = [
    ['hello_world_int8', 'tflm/hello_world/hello_world_int8.tflite', 256],
    ['ad_int8', 'mlperf_tiny/ad/ad01_int8.tflite', 196],
    ['micro_speech_int8', 'tflm/micro_speech/micro_speech_quantized.tflite', 4],
    ['kws_int8', 'mlperf_tiny/kws/kws_ref_model.tflite', 100],
    ['ic_int8', 'mlperf_tiny/ic/pretrainedResnet_quant.tflite', 8],
    ['vww_int8', 'mlperf_tiny/vww/vww_96_int8.tflite', 8],
    ['person_detect_int8', 'tflm/person_detection/person_detect.tflite', 8],
  ];
  for (const [dir, model, limit] of cases) {
    it(`${dir}: every output byte equals TFLM's on both builds`, async () => {
      const g = importTflite(readFileSync(sharedPath(model)), model);
      prepareInt8(g);
      const blob = blobOf(g);
      const ins = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/inputs.npy`)));
      const outs = readNpy(readFileSync(sharedPath(`tflm_refs/${dir}/outputs.npy`)));
      const inSize = ins.data.length / ins.shape[0];
      const outSize = outs.data.length / outs.shape[0];
      const n = Math.min(limit, ins.shape[0]);
      for (const build of BUILDS) {
        const m = (await freshRuntime(build)).load(blob);
        let mismatches = 0;
        for (let s = 0; s < n; s++) {
          const x = (ins.data as Int8Array).slice(s * inSize, (s + 1) * inSize);
          const [y] = m.run([x]) as Int8Array[];
          const want = (outs.data as Int8Array).subarray(s * outSize, (s + 1) * outSize);
          for (let k = 0; k < outSize; k++) if (y[k] !== want[k]) mismatches++;
          if (mismatches) expect(Array.from(y), `${build} sample ${s}`).toEqual(Array.from(want));
        }
        expect(mismatches).toBe(0);
      }
    }, 60_000);
  }
});
