// Labelled evaluation data for `mote eval` (and the compression search), from a spec string:
//   mnist:IMAGES.gz,LABELS.gz     MNIST idx files (gzip or not); pixels as their 0–255 values
//   kws01:DIR                     EEMBC kws01 layout: DIR/y_labels.csv rows `file,classes,label`,
//                                 each file a raw int8 .bin (or a .npy) in DIR
//   npy:X.npy[,Y.npy]             a batch [N, ...] of inputs; Y: [N] integer labels, or [N, ...]
//                                 targets (without Y the target is X itself: autoencoders)
// Options after '?', '&'-separated: scale=S (and zp=Z for int8 data): the real value of a stored
// element is S·(q − Z) (MNIST: S·pixel, e.g. scale=0.00392156862745098 for [0, 1] inputs).
// Without them int8 data counts as already quantized for the model's input.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from '../../converter/data/idx.js';
import { readNpy, type NpyArray } from '../npy.js';

/** One evaluation sample: the input as stored, and a class label or a target. */
export interface Sample {
  /** Real values (Float32Array), or int8 elements whose real value is scale·(q − zeroPoint). */
  input: Float32Array | Int8Array;
  label?: number;
  target?: Float32Array | Int8Array;
}

export interface Dataset {
  description: string;
  count: number;
  /** Set when int8 elements have known real values. */
  quant?: { scale: number; zeroPoint: number };
  get(i: number): Sample;
}

export class DataSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataSpecError';
  }
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new DataSpecError(`${what} '${path}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseOptions(text: string | undefined, spec: string): { scale?: number; zeroPoint?: number } {
  const out: { scale?: number; zeroPoint?: number } = {};
  if (!text) return out;
  for (const part of text.split('&')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (k === 'scale' && n > 0 && Number.isFinite(n)) out.scale = n;
    else if (k === 'zp' && Number.isInteger(n)) out.zeroPoint = n;
    else throw new DataSpecError(`data spec '${spec}': option '${part}' is not scale=S (S > 0) or zp=Z (integer)`);
  }
  return out;
}

/** Parses a spec (see the header) and opens its files. Errors name the spec and the file. */
export function openDataset(spec: string): Dataset {
  const colon = spec.indexOf(':');
  if (colon < 0) throw new DataSpecError(`data spec '${spec}': expected mnist:IMAGES,LABELS, kws01:DIR or npy:X.npy[,Y.npy]`);
  const kind = spec.slice(0, colon);
  const [body, optText] = spec.slice(colon + 1).split('?');
  const opts = parseOptions(optText, spec);
  const parts = body.split(',').filter((p) => p !== '');
  switch (kind) {
    case 'mnist':
      if (parts.length !== 2) throw new DataSpecError(`data spec '${spec}': mnist needs IMAGES,LABELS (two idx files)`);
      return mnistDataset(parts[0], parts[1], opts.scale ?? 1);
    case 'kws01':
      if (parts.length !== 1) throw new DataSpecError(`data spec '${spec}': kws01 needs one directory`);
      return kwsDataset(parts[0], opts);
    case 'npy':
      if (parts.length < 1 || parts.length > 2) throw new DataSpecError(`data spec '${spec}': npy needs X.npy or X.npy,Y.npy`);
      return npyDataset(parts[0], parts[1], opts);
    default:
      throw new DataSpecError(`data spec '${spec}': unknown kind '${kind}' (mnist, kws01 or npy)`);
  }
}

function mnistDataset(imagesPath: string, labelsPath: string, scale: number): Dataset {
  const images = readIdx(readFile(imagesPath, 'MNIST images'), imagesPath);
  const labels = readIdx(readFile(labelsPath, 'MNIST labels'), labelsPath);
  if (images.shape.length < 2) throw new DataSpecError(`${imagesPath}: expected [N, rows, cols] images, got [${images.shape}]`);
  if (labels.shape.length !== 1) throw new DataSpecError(`${labelsPath}: expected [N] labels, got [${labels.shape}]`);
  const count = images.shape[0];
  if (labels.shape[0] !== count) throw new DataSpecError(`${imagesPath} has ${count} images but ${labelsPath} has ${labels.shape[0]} labels`);
  const per = images.data.length / count;
  return {
    description: `MNIST ${imagesPath} (${count} images)`,
    count,
    get(i) {
      const input = new Float32Array(per);
      const d = images.data;
      for (let k = 0; k < per; k++) input[k] = d[i * per + k] * scale;
      return { input, label: labels.data[i] };
    },
  };
}

function toSampleArray(arr: NpyArray, what: string): Float32Array | Int8Array {
  if (arr.dtype === 'f32') return arr.data as Float32Array;
  if (arr.dtype === 's8') return arr.data as Int8Array;
  if (arr.dtype === 'i64') return Float32Array.from(arr.data as BigInt64Array, (v) => Number(v));
  if (arr.dtype === 'bool') throw new DataSpecError(`${what}: bool arrays are not model inputs`);
  return Float32Array.from(arr.data as ArrayLike<number>);
}

function kwsDataset(dir: string, opts: { scale?: number; zeroPoint?: number }): Dataset {
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new DataSpecError(`kws01 directory '${dir}' does not exist`);
  }
  const csvPath = join(dir, 'y_labels.csv');
  const text = new TextDecoder().decode(readFile(csvPath, 'kws01 labels'));
  const rows: { file: string; label: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const cols = line.split(',');
    const label = Number(cols[2]);
    if (cols.length < 3 || !Number.isInteger(label)) throw new DataSpecError(`${csvPath}:${i + 1}: expected 'file,classes,label', got '${line}'`);
    rows.push({ file: cols[0], label });
  });
  if (rows.length === 0) throw new DataSpecError(`${csvPath} lists no samples`);
  const quant = opts.scale !== undefined ? { scale: opts.scale, zeroPoint: opts.zeroPoint ?? 0 } : undefined;
  return {
    description: `kws01 ${dir} (${rows.length} samples)`,
    count: rows.length,
    quant,
    get(i) {
      const { file, label } = rows[i];
      const path = join(dir, file);
      const bytes = readFile(path, 'kws01 sample');
      if (file.endsWith('.npy')) return { input: toSampleArray(readNpy(bytes, path), path), label };
      return { input: new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), label };
    },
  };
}

function npyDataset(xPath: string, yPath: string | undefined, opts: { scale?: number; zeroPoint?: number }): Dataset {
  const x = readNpy(readFile(xPath, 'inputs'), xPath);
  if (x.shape.length < 1) throw new DataSpecError(`${xPath}: expected a batch [N, ...], got a scalar`);
  const count = x.shape[0];
  const xs = toSampleArray(x, xPath);
  const per = xs.length / Math.max(1, count);
  let labels: ArrayLike<number> | undefined;
  let targets: (Float32Array | Int8Array) | undefined;
  if (yPath) {
    const y = readNpy(readFile(yPath, 'labels'), yPath);
    if (y.shape[0] !== count) throw new DataSpecError(`${xPath} has ${count} samples but ${yPath} has ${y.shape[0] ?? 'no'} rows`);
    if (y.shape.length === 1 && y.dtype !== 'f32' && y.dtype !== 'f64') {
      labels = y.dtype === 'i64' ? Array.from(y.data as BigInt64Array, Number) : (y.data as ArrayLike<number>);
    } else if (y.shape.length === 1) {
      const d = y.data as Float64Array;
      if (!Array.from(d).every(Number.isInteger)) throw new DataSpecError(`${yPath}: [N] float labels must be whole numbers (or give [N, ...] targets)`);
      labels = d;
    } else {
      targets = toSampleArray(y, yPath);
    }
  }
  const tPer = targets ? targets.length / count : 0;
  return {
    description: `npy ${xPath}${yPath ? `, ${yPath}` : ''} (${count} samples)`,
    count,
    quant: opts.scale !== undefined ? { scale: opts.scale, zeroPoint: opts.zeroPoint ?? 0 } : undefined,
    get(i) {
      const input = xs.subarray(i * per, (i + 1) * per);
      if (labels) return { input, label: Number(labels[i]) };
      if (targets) return { input, target: targets.subarray(i * tPer, (i + 1) * tPer) };
      return { input, target: input };
    },
  };
}
