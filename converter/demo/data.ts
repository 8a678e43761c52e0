// Synthetic grayscale pattern images for the demo: small enough to generate and train on in a few
// seconds, varied enough (random shifts, thickness, contrast and noise) that a CNN has to learn
// real features. Deterministic for a given seed, no network and no files needed.
import { mulberry32 } from '../util/random.js';

export const DEMO_CLASSES = ['horizontal', 'vertical', 'diagonal', 'cross', 'blob'] as const;
export const DEMO_SIZE = 16;

/** The demo's seeded PRNG, so every run trains the same model. */
export const seededRandom = mulberry32;

/** A standard normal sample (Box-Muller). */
export function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

export interface DemoDataset {
  /** [count, 1, size, size] float32 in roughly [0, 1], row-major (NCHW). */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  size: number;
}

function int(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** Draws one image of class `label` into `img` (size×size), additively. */
function drawPattern(img: Float32Array, size: number, label: number, rnd: () => number): void {
  const ink = 0.6 + 0.4 * rnd();
  const set = (y: number, x: number, v = ink) => {
    if (y >= 0 && y < size && x >= 0 && x < size) img[y * size + x] = Math.max(img[y * size + x], v);
  };
  switch (DEMO_CLASSES[label]) {
    case 'horizontal':
    case 'vertical': {
      const bars = int(rnd, 1, 2);
      for (let b = 0; b < bars; b++) {
        const pos = int(rnd, 2, size - 3);
        const thick = int(rnd, 1, 2);
        const from = int(rnd, 0, 3);
        const to = size - 1 - int(rnd, 0, 3);
        for (let t = 0; t < thick; t++)
          for (let i = from; i <= to; i++) {
            if (DEMO_CLASSES[label] === 'horizontal') set(pos + t, i);
            else set(i, pos + t);
          }
      }
      break;
    }
    case 'diagonal': {
      const anti = rnd() < 0.5;
      const offset = int(rnd, -4, 4);
      const thick = int(rnd, 1, 2);
      for (let i = 0; i < size; i++)
        for (let t = 0; t < thick; t++) {
          const x = i + offset + t;
          set(i, anti ? size - 1 - x : x);
        }
      break;
    }
    case 'cross': {
      const cy = int(rnd, 4, size - 5);
      const cx = int(rnd, 4, size - 5);
      const arm = int(rnd, 3, 5);
      for (let d = -arm; d <= arm; d++) {
        set(cy + d, cx);
        set(cy, cx + d);
      }
      break;
    }
    case 'blob': {
      const cy = 3 + rnd() * (size - 7);
      const cx = 3 + rnd() * (size - 7);
      const r = 2 + rnd() * 1.8;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const d = Math.hypot(y - cy, x - cx);
          if (d <= r) set(y, x);
          else if (d <= r + 1) set(y, x, ink * (r + 1 - d));
        }
      break;
    }
  }
}

/** `count` images, classes in a shuffled balanced order, with background level and noise. */
export function makeDataset(count: number, seed: number, size = DEMO_SIZE): DemoDataset {
  const rnd = seededRandom(seed);
  const images = new Float32Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const label = k % DEMO_CLASSES.length;
    labels[k] = label;
    const img = images.subarray(k * size * size, (k + 1) * size * size);
    drawPattern(img, size, label, rnd);
    const background = 0.15 * rnd();
    const noise = 0.05 + 0.1 * rnd();
    for (let i = 0; i < img.length; i++) img[i] = Math.min(1, Math.max(0, img[i] + background + noise * gaussian(rnd)));
  }
  // Fisher-Yates shuffle of whole samples, so batches mix classes.
  const pix = size * size;
  const tmp = new Float32Array(pix);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    tmp.set(images.subarray(i * pix, (i + 1) * pix));
    images.copyWithin(i * pix, j * pix, (j + 1) * pix);
    images.set(tmp, j * pix);
    const l = labels[i];
    labels[i] = labels[j];
    labels[j] = l;
  }
  return { images, labels, count, size };
}
