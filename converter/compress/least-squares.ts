// Ridge least squares for the distillation refits (compress/distill.ts), in float64.
//
// Every refit reduces to normal equations H·θ = r (H = AᵀA, symmetric positive semi-definite) with
// a ridge that pulls θ toward its current value θ₀, scaled per parameter by H's own diagonal
// (Marquardt's scaling, so one ρ means the same on layers of any input range):
//
//   minimise ‖Aθ − y‖² + ρ·Σ_j d_j (θ_j − θ₀_j)²,   d_j = H_jj + ε
//   ⇔ (H + ρ·D) θ = r + ρ·D·θ₀
//
// A parameter whose input never varies (H_jj ≈ 0) keeps θ₀ exactly. The ridge keeps the system
// positive definite for any ρ > 0, which Cholesky needs; it reports failure instead of returning
// garbage when rounding breaks that anyway.

/** In-place Cholesky of the n×n row-major symmetric matrix `a` (lower triangle = L, a = L·Lᵀ).
 * Returns false when a pivot is not positive (the matrix is not numerically positive definite). */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / l;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b in place for `m` right-hand sides stored column-interleaved (b[i*m + c]). */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m = 1): void {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * m + c];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
  }
}

/**
 * The ridge solution of (H + ρD)Θ = R + ρDΘ₀ for `m` right-hand sides (R, Θ₀: n×m, column c of
 * row i at [i*m + c]). Undefined when the system is not positive definite (e.g. ρ = 0 and H
 * singular) or the result is not finite.
 */
export function ridgeSolve(h: Float64Array, n: number, r: Float64Array, theta0: Float64Array, rho: number, m = 1): Float64Array | undefined {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += Math.max(0, h[i * n + i]);
  // A parameter whose input does not vary (a dead or constant channel: H_jj is 0, or a rounding
  // residue of the centring, possibly negative) carries no information: it keeps θ₀ exactly, its
  // row and column dropped. The others get the ridge; ε keeps a tiny pull where H_jj is small.
  const dead = 1e-10 * (trace / n);
  const eps = 1e-12 * (trace / n);
  const a = Float64Array.from(h);
  const b = Float64Array.from(r);
  for (let i = 0; i < n; i++) {
    if (h[i * n + i] > dead) continue;
    for (let j = 0; j < n; j++) a[i * n + j] = a[j * n + i] = 0;
    a[i * n + i] = 1;
    for (let c = 0; c < m; c++) b[i * m + c] = theta0[i * m + c];
  }
  for (let i = 0; i < n; i++) {
    if (h[i * n + i] <= dead) continue;
    const d = rho * (h[i * n + i] + eps);
    a[i * n + i] += d;
    for (let c = 0; c < m; c++) b[i * m + c] += d * theta0[i * m + c];
  }
  if (!cholesky(a, n)) return undefined;
  choleskySolve(a, n, b, m);
  return b.every(Number.isFinite) ? b : undefined;
}
