// Packing of small unsigned integers (1..8 bits each) into bytes, LSB first: value i occupies bits
// [i*bits, (i+1)*bits) of the byte string. The runtime decoders (assembly/decode/) read the same way.

export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) throw new RangeError(`packBits: bits must be 1..8, got ${bits}`);
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  const max = (1 << bits) - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`packBits: value ${v} at ${i} does not fit in ${bits} bits`);
    const bit = i * bits;
    const byte = bit >> 3, shift = bit & 7;
    out[byte] |= (v << shift) & 0xff;
    if (shift + bits > 8) out[byte + 1] |= v >> (8 - shift);
  }
  return out;
}

export function unpackBits(bytes: Uint8Array, count: number, bits: number): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) throw new RangeError(`unpackBits: bits must be 1..8, got ${bits}`);
  if (bytes.length < Math.ceil((count * bits) / 8)) {
    throw new RangeError(`unpackBits: ${count} values of ${bits} bits need ${Math.ceil((count * bits) / 8)} bytes, got ${bytes.length}`);
  }
  const out = new Uint8Array(count);
  const max = (1 << bits) - 1;
  for (let i = 0; i < count; i++) {
    const bit = i * bits;
    const byte = bit >> 3, shift = bit & 7;
    let v = bytes[byte] >> shift;
    if (shift + bits > 8) v |= bytes[byte + 1] << (8 - shift);
    out[i] = v & max;
  }
  return out;
}
