// ONNX Runtime as bench engines on the ONNX (float) models: onnxruntime-web's wasm backend
// (numThreads 1) and onnxruntime-node's native CPU provider (1 intra-op thread), the native ceiling.
import { createOrtSession, type OrtData, type OrtKind } from '../../test/support/ort.js';
import type { Engine, PreparedEngine } from './types.js';

export function ortEngine(kind: OrtKind): Engine {
  return {
    id: `ort-${kind}`,
    label: kind === 'web' ? 'ORT-web wasm (float)' : 'ORT-node native (float)',
    isa: 'none', // float (and native for node): the int8 peaks are no yardstick for them
    skipReason: (c) => (c.onnx ? undefined : 'no ONNX form of this model'),
    async prepare(c): Promise<PreparedEngine> {
      const t0 = performance.now();
      const session = await createOrtSession(kind, c.onnx!.bytes);
      const feeds = [{ data: c.onnx!.input, shape: c.onnx!.shape }];
      let last: OrtData[] = await session.run(feeds);
      const loadMs = performance.now() - t0;
      return {
        async: true,
        loadMs,
        run: async () => {
          last = await session.run(feeds);
        },
        output: () => last[0] as ArrayLike<number>,
        dispose: () => session.release(),
      };
    },
  };
}
