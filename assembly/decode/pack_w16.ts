// The OPF_PACKED_W16 weight layout (format.ts) built by the runtime: at load for encoded weights
// flagged ENC_FLAG_PACK_W16 (decoded plain, then packed in place: encoded weights run on the packed
// kernels), and by the SIMD build's prepared fully_connected copies (prepared.ts).

/** Bytes of the 16-channel groups of n rows of k taps (before the n i32 |w| sums). */
// @ts-ignore: decorator
@inline export function packedW16GroupBytes(n: i32, k: i32): u64 {
  return <u64>((n + 15) >> 4) * (<u64>(((k + 3) >> 2) << 1) << 5);
}

/**
 * Plain [n, k] int8 weights at wp into the OPF_PACKED_W16 layout at dst (format.ts): per group of
 * 16 channels, per tap pair, 32 bytes of the 16 channels' two taps; taps past k and channels past
 * n are 0.
 */
export function packPlain(wp: usize, n: i32, k: i32, dst: usize): void {
  const K2 = ((k + 3) >> 2) << 1;
  const groups = (n + 15) >> 4;
  for (let g = 0; g < groups; g++) {
    for (let t = 0; t < K2; t++) {
      for (let ch = 0; ch < 16; ch++) {
        const c = g * 16 + ch;
        for (let e = 0; e < 2; e++) {
          const tap = 2 * t + e;
          store<i8>(dst + <usize>ch * 2 + <usize>e, c < n && tap < k ? load<i8>(wp + <usize>c * <usize>k + <usize>tap) : 0);
        }
      }
      dst += 32;
    }
  }
}

/**
 * The plain [n, k] rows decoded at w become the packed layout over the same bytes, then the n
 * per-channel sums of |w| after it (ENC_FLAG_PACK_W16; blob.ts checked that the record's bytes hold
 * it and that buf has min(n, 16) * k bytes). Groups go from the last to the first: group g's packed
 * bytes start at g * 32 * K2 >= 16 * g * k, the end of the plain rows of the groups before it, and
 * its own rows are copied to buf before they are overwritten. The sums start at
 * ceil(n / 16) * 32 * K2 >= n * k, past every plain byte.
 */
export function packW16InPlace(w: usize, n: i32, k: i32, buf: usize): void {
  const groupBytes = <usize>(((k + 3) >> 2) << 1) << 5;
  const sums = w + <usize>packedW16GroupBytes(n, k);
  for (let g = (n - 1) >> 4; g >= 0; g--) {
    const first = g << 4;
    const rows = n - first < 16 ? n - first : 16;
    // The group's rows to buf (a byte loop: memory.copy would link a memmove into the scalar
    // build), summing |w| on the way.
    let src = w + <usize>first * <usize>k, dst = buf;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let i = 0; i < k; i++) {
        const v = <i32>load<i8>(src++);
        store<i8>(dst++, <i8>v);
        sum += v < 0 ? -v : v;
      }
      store<i32>(sums + (<usize>(first + r) << 2), sum);
    }
    packPlain(buf, rows, k, w + <usize>g * groupBytes);
  }
}
