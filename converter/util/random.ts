// One seeded PRNG for the whole project (demo data, k-means init, tests), so that every seeded
// run reproduces exactly and there is one implementation to trust.

/** mulberry32: a tiny 32-bit-state generator; uniform in [0, 1). The same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
