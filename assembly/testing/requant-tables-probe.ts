// Test-only entry point (not part of the runtime builds): the load-time QuantizeMultiplier of
// ENC_REQUANT streams, for test/compress-requant-tables.test.ts to compare with the converter's.
import { quantizeMultiplier, qmShift } from '../quantize_multiplier';

export function probe_qm(real: f64): i32 {
  return quantizeMultiplier(real);
}
export function probe_qm_shift(): i32 {
  return qmShift;
}
