// The demo's small CNN, trained from scratch in plain TypeScript (forward, backward, Adam), so that
// `npm start` shows the whole toolchain on a model this project made itself:
//
//   input [N,1,S,S] → Conv 3×3 (C1) → BatchNormalization → Relu → MaxPool 2×2
//                   → Conv 3×3 (C2) → Relu → GlobalAveragePool → Flatten → Gemm (classes)
//
// Tensors are NCHW float32, as in ONNX. Convolutions are stride 1 with 'same' padding.
import { gaussian, seededRandom, type DemoDataset } from './data.js';

export interface CnnShape {
  size: number; // input height = width
  c1: number;
  c2: number;
  classes: number;
}

export interface CnnParams {
  shape: CnnShape;
  w1: Float32Array; // [c1, 1, 3, 3]
  b1: Float32Array; // [c1]
  gamma: Float32Array; // [c1] BatchNormalization scale
  beta: Float32Array; // [c1]
  mean: Float32Array; // [c1] population statistics used at inference
  variance: Float32Array; // [c1]
  w2: Float32Array; // [c2, c1, 3, 3]
  b2: Float32Array; // [c2]
  w3: Float32Array; // [classes, c2] (Gemm with transB = 1)
  b3: Float32Array; // [classes]
}

export const BN_EPSILON = 1e-5;
const K = 3; // kernel size
const PAD = 1;

export function initCnn(shape: CnnShape, seed: number): CnnParams {
  const rnd = seededRandom(seed);
  // He initialization: variance 2 / fan_in keeps Relu activations from vanishing or exploding.
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => gaussian(rnd) * Math.sqrt(2 / fanIn));
  return {
    shape,
    w1: he(shape.c1 * K * K, K * K),
    b1: new Float32Array(shape.c1),
    gamma: new Float32Array(shape.c1).fill(1),
    beta: new Float32Array(shape.c1),
    mean: new Float32Array(shape.c1),
    variance: new Float32Array(shape.c1).fill(1),
    w2: he(shape.c2 * shape.c1 * K * K, shape.c1 * K * K),
    b2: new Float32Array(shape.c2),
    w3: he(shape.classes * shape.c2, shape.c2),
    b3: new Float32Array(shape.classes),
  };
}

// ---- Layers -----------------------------------------------------------------------------------

function conv3x3(x: Float32Array, n: number, c: number, s: number, w: Float32Array, b: Float32Array, o: number): Float32Array {
  const y = new Float32Array(n * o * s * s);
  for (let i = 0; i < n; i++)
    for (let oc = 0; oc < o; oc++) {
      const yo = (i * o + oc) * s * s;
      y.fill(b[oc], yo, yo + s * s);
      for (let ic = 0; ic < c; ic++) {
        const xo = (i * c + ic) * s * s;
        const wo = (oc * c + ic) * K * K;
        for (let ky = 0; ky < K; ky++)
          for (let kx = 0; kx < K; kx++) {
            const wv = w[wo + ky * K + kx];
            const dy = ky - PAD;
            const dx = kx - PAD;
            const y0 = Math.max(0, -dy);
            const y1 = Math.min(s, s - dy);
            const x0 = Math.max(0, -dx);
            const x1 = Math.min(s, s - dx);
            for (let yy = y0; yy < y1; yy++) {
              const yr = yo + yy * s;
              const xr = xo + (yy + dy) * s + dx;
              for (let xx = x0; xx < x1; xx++) y[yr + xx] += wv * x[xr + xx];
            }
          }
      }
    }
  return y;
}

/** Gradients of conv3x3 with respect to its input (when wanted), weights and bias. */
function conv3x3Backward(
  x: Float32Array, dy: Float32Array, n: number, c: number, s: number, w: Float32Array, o: number, wantDx: boolean,
): { dx?: Float32Array; dw: Float32Array; db: Float32Array } {
  const dw = new Float32Array(w.length);
  const db = new Float32Array(o);
  const dx = wantDx ? new Float32Array(x.length) : undefined;
  for (let i = 0; i < n; i++)
    for (let oc = 0; oc < o; oc++) {
      const yo = (i * o + oc) * s * s;
      let bsum = 0;
      for (let p = 0; p < s * s; p++) bsum += dy[yo + p];
      db[oc] += bsum;
      for (let ic = 0; ic < c; ic++) {
        const xo = (i * c + ic) * s * s;
        const wo = (oc * c + ic) * K * K;
        for (let ky = 0; ky < K; ky++)
          for (let kx = 0; kx < K; kx++) {
            const dyOff = ky - PAD;
            const dxOff = kx - PAD;
            const y0 = Math.max(0, -dyOff);
            const y1 = Math.min(s, s - dyOff);
            const x0 = Math.max(0, -dxOff);
            const x1 = Math.min(s, s - dxOff);
            const wv = w[wo + ky * K + kx];
            let acc = 0;
            for (let yy = y0; yy < y1; yy++) {
              const yr = yo + yy * s;
              const xr = xo + (yy + dyOff) * s + dxOff;
              for (let xx = x0; xx < x1; xx++) {
                const g = dy[yr + xx];
                acc += g * x[xr + xx];
                if (dx) dx[xr + xx] += g * wv;
              }
            }
            dw[wo + ky * K + kx] += acc;
          }
      }
    }
  return { dx, dw, db };
}

interface BnCache {
  xhat: Float32Array;
  invStd: Float32Array;
}

/** BatchNormalization over (N, H, W) per channel. Training uses the batch's statistics. */
function batchNorm(
  x: Float32Array, n: number, c: number, hw: number, p: CnnParams, training: boolean,
): { y: Float32Array; cache?: BnCache; mean?: Float32Array; variance?: Float32Array } {
  const y = new Float32Array(x.length);
  let mean = p.mean;
  let variance = p.variance;
  if (training) {
    mean = new Float32Array(c);
    variance = new Float32Array(c);
    const m = n * hw;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let q = 0, o = (i * c + ch) * hw; q < hw; q++) s += x[o + q];
      const mu = s / m;
      let v = 0;
      for (let i = 0; i < n; i++) for (let q = 0, o = (i * c + ch) * hw; q < hw; q++) v += (x[o + q] - mu) ** 2;
      mean[ch] = mu;
      variance[ch] = v / m;
    }
  }
  const invStd = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) invStd[ch] = 1 / Math.sqrt(variance[ch] + BN_EPSILON);
  const xhat = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let q = 0, o = (i * c + ch) * hw; q < hw; q++) {
        xhat[o + q] = (x[o + q] - mean[ch]) * invStd[ch];
        y[o + q] = p.gamma[ch] * xhat[o + q] + p.beta[ch];
      }
  return { y, cache: { xhat, invStd }, mean, variance };
}

function batchNormBackward(dy: Float32Array, cache: BnCache, n: number, c: number, hw: number, gamma: Float32Array) {
  const dx = new Float32Array(dy.length);
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  const m = n * hw;
  for (let ch = 0; ch < c; ch++) {
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let i = 0; i < n; i++)
      for (let q = 0, o = (i * c + ch) * hw; q < hw; q++) {
        sumDy += dy[o + q];
        sumDyXhat += dy[o + q] * cache.xhat[o + q];
      }
    dgamma[ch] = sumDyXhat;
    dbeta[ch] = sumDy;
    // dx = gamma·invStd/m · (m·dy − Σdy − x̂·Σ(dy·x̂)), the standard batch-norm gradient.
    const k = (gamma[ch] * cache.invStd[ch]) / m;
    for (let i = 0; i < n; i++)
      for (let q = 0, o = (i * c + ch) * hw; q < hw; q++) dx[o + q] = k * (m * dy[o + q] - sumDy - cache.xhat[o + q] * sumDyXhat);
  }
  return { dx, dgamma, dbeta };
}

function relu(x: Float32Array): Float32Array {
  return x.map((v) => (v > 0 ? v : 0));
}

function maxPool2(x: Float32Array, n: number, c: number, s: number): { y: Float32Array; argmax: Int32Array } {
  const h = s >> 1;
  const y = new Float32Array(n * c * h * h);
  const argmax = new Int32Array(y.length);
  for (let plane = 0; plane < n * c; plane++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < h; ox++) {
        let best = -Infinity;
        let at = 0;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const idx = plane * s * s + (2 * oy + dy) * s + 2 * ox + dx;
            if (x[idx] > best) {
              best = x[idx];
              at = idx;
            }
          }
        const o = plane * h * h + oy * h + ox;
        y[o] = best;
        argmax[o] = at;
      }
  return { y, argmax };
}

function globalAvgPool(x: Float32Array, planes: number, hw: number): Float32Array {
  const y = new Float32Array(planes);
  for (let p = 0; p < planes; p++) {
    let s = 0;
    for (let q = 0; q < hw; q++) s += x[p * hw + q];
    y[p] = s / hw;
  }
  return y;
}

function gemm(x: Float32Array, n: number, k: number, w: Float32Array, b: Float32Array, m: number): Float32Array {
  const y = new Float32Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b[j];
      for (let q = 0; q < k; q++) s += x[i * k + q] * w[j * k + q];
      y[i * m + j] = s;
    }
  return y;
}

// ---- The network ------------------------------------------------------------------------------

interface Activations {
  x: Float32Array;
  c1: Float32Array;
  bn: BnCache;
  bnOut: Float32Array;
  r1: Float32Array;
  pool: { y: Float32Array; argmax: Int32Array };
  c2: Float32Array;
  r2: Float32Array;
  gap: Float32Array;
  logits: Float32Array;
  batchMean?: Float32Array;
  batchVar?: Float32Array;
}

function forward(p: CnnParams, x: Float32Array, n: number, training: boolean): Activations {
  const { size: s, c1, c2, classes } = p.shape;
  const h = s >> 1;
  const a1 = conv3x3(x, n, 1, s, p.w1, p.b1, c1);
  const bn = batchNorm(a1, n, c1, s * s, p, training);
  const r1 = relu(bn.y);
  const pool = maxPool2(r1, n, c1, s);
  const a2 = conv3x3(pool.y, n, c1, h, p.w2, p.b2, c2);
  const r2 = relu(a2);
  const gap = globalAvgPool(r2, n * c2, h * h);
  const logits = gemm(gap, n, c2, p.w3, p.b3, classes);
  return { x, c1: a1, bn: bn.cache!, bnOut: bn.y, r1, pool, c2: a2, r2, gap, logits, batchMean: bn.mean, batchVar: bn.variance };
}

/** Logits [n, classes] at inference (BatchNormalization with the population statistics). */
export function predict(p: CnnParams, x: Float32Array, n: number): Float32Array {
  return forward(p, x, n, false).logits;
}

type Grads = Omit<CnnParams, 'shape' | 'mean' | 'variance'>;

/** Softmax cross-entropy loss and the gradients of every trainable parameter. */
function backward(p: CnnParams, act: Activations, labels: Uint8Array, n: number): { loss: number; grads: Grads } {
  const { size: s, c1, c2, classes } = p.shape;
  const h = s >> 1;
  // d(loss)/d(logits) = softmax − onehot, averaged over the batch.
  const dlogits = new Float32Array(n * classes);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = act.logits.subarray(i * classes, (i + 1) * classes);
    const mx = Math.max(...row);
    let z = 0;
    for (const v of row) z += Math.exp(v - mx);
    for (let j = 0; j < classes; j++) {
      const pj = Math.exp(row[j] - mx) / z;
      dlogits[i * classes + j] = (pj - (j === labels[i] ? 1 : 0)) / n;
    }
    loss -= row[labels[i]] - mx - Math.log(z);
  }
  // Gemm
  const dw3 = new Float32Array(p.w3.length);
  const db3 = new Float32Array(classes);
  const dgap = new Float32Array(n * c2);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < classes; j++) {
      const g = dlogits[i * classes + j];
      db3[j] += g;
      for (let q = 0; q < c2; q++) {
        dw3[j * c2 + q] += g * act.gap[i * c2 + q];
        dgap[i * c2 + q] += g * p.w3[j * c2 + q];
      }
    }
  // GlobalAveragePool + Relu
  const dc2 = new Float32Array(act.c2.length);
  for (let plane = 0; plane < n * c2; plane++)
    for (let q = 0; q < h * h; q++) {
      const idx = plane * h * h + q;
      dc2[idx] = act.c2[idx] > 0 ? dgap[plane] / (h * h) : 0;
    }
  // Conv 2
  const g2 = conv3x3Backward(act.pool.y, dc2, n, c1, h, p.w2, c2, true);
  // MaxPool + Relu
  const dr1 = new Float32Array(act.r1.length);
  for (let o = 0; o < act.pool.argmax.length; o++) dr1[act.pool.argmax[o]] += g2.dx![o];
  for (let i = 0; i < dr1.length; i++) if (act.bnOut[i] <= 0) dr1[i] = 0;
  // BatchNormalization
  const gbn = batchNormBackward(dr1, act.bn, n, c1, s * s, p.gamma);
  // Conv 1
  const g1 = conv3x3Backward(act.x, gbn.dx, n, 1, s, p.w1, c1, false);
  return {
    loss: loss / n,
    grads: { w1: g1.dw, b1: g1.db, gamma: gbn.dgamma, beta: gbn.dbeta, w2: g2.dw, b2: g2.db, w3: dw3, b3: db3 },
  };
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  onEpoch?(epoch: number, loss: number): void;
}

/** Trains with mini-batch Adam, then sets the BatchNormalization statistics to the training set's. */
export function trainCnn(p: CnnParams, data: DemoDataset, opts: TrainOptions): void {
  const keys: (keyof Grads)[] = ['w1', 'b1', 'gamma', 'beta', 'w2', 'b2', 'w3', 'b3'];
  const m1 = Object.fromEntries(keys.map((k) => [k, new Float32Array(p[k].length)])) as Record<keyof Grads, Float32Array>;
  const m2 = Object.fromEntries(keys.map((k) => [k, new Float32Array(p[k].length)])) as Record<keyof Grads, Float32Array>;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const pix = data.size * data.size;
  const rnd = seededRandom(opts.seed);
  const order = Array.from({ length: data.count }, (_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    // Cosine learning-rate decay over the epochs settles the weights at the end.
    const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const idx = order.slice(start, start + opts.batchSize);
      const n = idx.length;
      if (n < 2) continue; // batch statistics need more than one sample
      const x = new Float32Array(n * pix);
      const y = new Uint8Array(n);
      idx.forEach((k, i) => {
        x.set(data.images.subarray(k * pix, (k + 1) * pix), i * pix);
        y[i] = data.labels[k];
      });
      const act = forward(p, x, n, true);
      const { loss, grads } = backward(p, act, y, n);
      lossSum += loss;
      batches++;
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (const k of keys) {
        const w = p[k];
        const g = grads[k];
        const a = m1[k];
        const b = m2[k];
        for (let q = 0; q < w.length; q++) {
          a[q] = beta1 * a[q] + (1 - beta1) * g[q];
          b[q] = beta2 * b[q] + (1 - beta2) * g[q] * g[q];
          w[q] -= (lr * (a[q] / c1)) / (Math.sqrt(b[q] / c2) + eps);
        }
      }
    }
    opts.onEpoch?.(epoch, lossSum / Math.max(1, batches));
  }
  setPopulationStatistics(p, data);
}

/** BatchNormalization's inference statistics: the exact mean and variance over the training set. */
function setPopulationStatistics(p: CnnParams, data: DemoDataset): void {
  const { size: s, c1 } = p.shape;
  const a1 = conv3x3(data.images, data.count, 1, s, p.w1, p.b1, c1);
  const hw = s * s;
  for (let ch = 0; ch < c1; ch++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < data.count; i++)
      for (let q = 0, o = (i * c1 + ch) * hw; q < hw; q++) {
        sum += a1[o + q];
        sq += a1[o + q] * a1[o + q];
      }
    const m = data.count * hw;
    p.mean[ch] = sum / m;
    p.variance[ch] = Math.max(0, sq / m - (sum / m) ** 2);
  }
}

/** Top-1 accuracy of logits [n, classes] against labels. */
export function accuracy(logits: Float32Array, labels: Uint8Array, classes: number): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j] > logits[i * classes + best]) best = j;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}
