// CRC-32 (IEEE 802.3, reflected, as zlib's crc32), table-driven. The table lives in static memory
// and is filled on first use.
const table: usize = memory.data(256 * 4);
let tableReady = false;

function fillTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(table + (<usize>n << 2), c);
  }
  tableReady = true;
}

export function crc32(ptr: usize, len: u32): u32 {
  return crc32Update(0, ptr, len);
}

/** Continues a CRC over more bytes: crc32Update(crc32(a), b) is the CRC of a then b (0 to start). */
export function crc32Update(crc: u32, ptr: usize, len: u32): u32 {
  if (!tableReady) fillTable();
  let c: u32 = crc ^ 0xffffffff;
  const end = ptr + <usize>len;
  for (let p = ptr; p < end; p++) {
    c = load<u32>(table + (<usize>((c ^ <u32>load<u8>(p)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return c ^ 0xffffffff;
}
