// A minimal PNG decoder for test material: 8-bit grayscale, non-interlaced (what the shared MNIST
// samples are). Chunks are CRC-checked, IDAT is inflated with node:zlib, and the five scanline
// filters (None, Sub, Up, Average, Paeth) are undone with 1 byte per pixel. Anything else is a
// clear error naming the file and the unsupported property.
import { inflateSync } from 'node:zlib';
import { crc32 } from 'node:zlib';

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major pixels, 0..255. */
  pixels: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

export function decodeGrayPng(bytes: Uint8Array, what = 'PNG'): GrayImage {
  const fail = (msg: string): never => {
    throw new Error(`${what}: ${msg}`);
  };
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) fail('not a PNG (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, sawHeader = false, sawEnd = false;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos < bytes.length && !sawEnd; ) {
    if (pos + 12 > bytes.length) fail(`truncated chunk at byte ${pos}`);
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) fail(`chunk ${type} at byte ${pos} runs past the end`);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + len)) !== view.getUint32(pos + 8 + len)) fail(`chunk ${type} at byte ${pos} has a bad CRC`);
    if (type === 'IHDR') {
      if (len !== 13) fail(`IHDR has ${len} bytes, expected 13`);
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const [depth, colorType, compression, filter, interlace] = body.subarray(8, 13);
      if (depth !== 8 || colorType !== 0) fail(`bit depth ${depth} / color type ${colorType}: only 8-bit grayscale (0) is supported`);
      if (compression !== 0 || filter !== 0) fail(`compression ${compression} / filter method ${filter} are not the standard 0`);
      if (interlace !== 0) fail('interlaced images are not supported');
      if (!(width > 0 && height > 0 && width * height <= 1 << 24)) fail(`size ${width}x${height} out of range`);
      sawHeader = true;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      sawEnd = true;
    }
    pos += 12 + len;
  }
  if (!sawHeader) fail('no IHDR chunk');
  if (idat.length === 0) fail('no IDAT chunk');
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    return fail(`IDAT does not inflate (${(e as Error).message})`);
  }
  if (raw.length !== height * (width + 1)) fail(`image data has ${raw.length} bytes, expected ${height * (width + 1)}`);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    const src = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const out = y * width;
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? pixels[out + x - 1] : 0;
      const b = y > 0 ? pixels[out - width + x] : 0;
      const c = x > 0 && y > 0 ? pixels[out - width + x - 1] : 0;
      let pred: number;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >> 1; break;
        case 4: pred = paeth(a, b, c); break;
        default: return fail(`row ${y} has unknown filter type ${filter}`);
      }
      pixels[out + x] = (src[x] + pred) & 0xff;
    }
  }
  return { width, height, pixels };
}
