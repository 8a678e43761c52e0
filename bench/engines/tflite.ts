// The TFLite 2.x wasm runtime (from @tensorflow/tfjs-tflite) as bench engines: the SIMD build and
// the non-SIMD build, one thread each. Both apply the XNNPACK delegate by default and the options
// offer no switch to turn it off, so "SIMD without XNNPACK" cannot be measured with this package.
import { fixQuantizedDimension, loadTfliteWasm, type TfliteTypedArray } from '../../test/support/tflite-wasm.js';
import type { Engine, PreparedEngine } from './types.js';

export function tfliteEngine(simd: boolean): Engine {
  return {
    id: simd ? 'tflite-simd' : 'tflite-nosimd',
    label: simd ? 'TFLite wasm SIMD (XNNPACK)' : 'TFLite wasm no-SIMD (XNNPACK)',
    isa: simd ? 'simd' : 'scalar',
    skipReason: (c) => (c.tflite ? undefined : 'no .tflite form of this model'),
    async prepare(c): Promise<PreparedEngine> {
      const tfl = await loadTfliteWasm({ simd });
      // person_detect needs its rank-1 quantized_dimension cleared to load here (see tflite-wasm.ts);
      // for every other file this returns the bytes unchanged.
      const { bytes } = fixQuantizedDimension(c.tflite!.bytes);
      const t0 = performance.now();
      const runner = tfl.createRunner(bytes);
      const inputs: TfliteTypedArray[] = [c.tflite!.input];
      // One warm call sizes everything (XNNPACK builds its operators on the first invoke).
      const outputs = runner.run(inputs);
      const loadMs = performance.now() - t0;
      return {
        async: false,
        loadMs,
        run: () => runner.runInto(inputs, outputs),
        output: () => outputs[0],
        dispose: () => runner.dispose(),
      };
    },
  };
}
