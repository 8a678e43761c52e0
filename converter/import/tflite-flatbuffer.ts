// A bounds-checked view of a FlatBuffer, on top of the `flatbuffers` runtime's ByteBuffer.
//
// The generated-code style of reading a FlatBuffer trusts every offset in the file: a truncated or
// corrupted .tflite then reads garbage (ByteBuffer returns 0 past the end) or throws from deep
// inside the runtime. Every access here checks that what it reads lies inside the file first, and a
// failure is a ConvertError naming the place in the model ("subgraph 0, tensor 12: ...") and the
// byte offset. Tables are addressed by field id (vtable slot 4 + 2*id), as the schema numbers them.
import { ByteBuffer } from 'flatbuffers';
import { ConvertError } from '../errors.js';

/** Thrown for any structural problem in the FlatBuffer; the message says where. */
export function corrupt(where: string, msg: string): never {
  throw new ConvertError(`corrupt TFLite file: ${where}: ${msg}`);
}

export class FbFile {
  readonly bb: ByteBuffer;
  readonly size: number;

  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  /** Fails unless [pos, pos + len) lies inside the file. */
  check(pos: number, len: number, where: string, what: string): void {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.size)) {
      corrupt(where, `${what} at byte ${pos} (${len} bytes) lies outside the file (${this.size} bytes; truncated or corrupt?)`);
    }
  }

  /** Follows the uoffset stored at `pos`. */
  indirect(pos: number, where: string, what: string): number {
    this.check(pos, 4, where, what);
    const target = pos + this.bb.readUint32(pos);
    if (target + 1 > this.size) {
      corrupt(where, `${what} at byte ${pos} points to byte ${target}, outside the file (${this.size} bytes; truncated or corrupt?)`);
    }
    return target;
  }

  /** The root table (after checking the 4-byte file identifier at byte 4). */
  root(identifier: string, where: string): FbTable {
    if (this.size < 8) corrupt(where, `file is ${this.size} bytes, too short for a FlatBuffer header`);
    let id = '';
    for (let i = 0; i < 4; i++) id += String.fromCharCode(this.bytes[4 + i]);
    if (id !== identifier) {
      const shown = JSON.stringify(id);
      throw new ConvertError(`not a TFLite model: file identifier ${shown}, expected "${identifier}"`);
    }
    return new FbTable(this, this.indirect(0, where, 'root table offset'), where);
  }
}

/** One table: its position, its vtable, and readers by field id with schema defaults. */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;
  private readonly objectSize: number;

  constructor(
    readonly file: FbFile,
    readonly pos: number,
    readonly where: string,
  ) {
    file.check(pos, 4, where, 'table');
    const vtable = pos - file.bb.readInt32(pos);
    file.check(vtable, 4, where, 'vtable');
    const vtableSize = file.bb.readUint16(vtable);
    const objectSize = file.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) corrupt(where, `vtable at byte ${vtable} has invalid size ${vtableSize}`);
    file.check(vtable, vtableSize, where, 'vtable');
    if (objectSize < 4) corrupt(where, `table at byte ${pos} has invalid size ${objectSize}`);
    file.check(pos, objectSize, where, 'table');
    this.vtable = vtable;
    this.vtableSize = vtableSize;
    this.objectSize = objectSize;
  }

  /** Byte position of field `id` (checked to hold `size` bytes), or 0 when the field is absent. */
  private field(id: number, size: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot >= this.vtableSize) return 0;
    const off = this.file.bb.readUint16(this.vtable + slot);
    if (off === 0) return 0;
    if (off + size > this.objectSize) corrupt(this.where, `field '${name}' at offset ${off} lies outside its table (${this.objectSize} bytes)`);
    return this.pos + off;
  }

  has(id: number, name: string): boolean {
    return this.field(id, 1, name) !== 0;
  }

  int8(id: number, name: string, dflt = 0): number {
    const p = this.field(id, 1, name);
    return p ? this.file.bb.readInt8(p) : dflt;
  }

  uint8(id: number, name: string, dflt = 0): number {
    const p = this.field(id, 1, name);
    return p ? this.file.bb.readUint8(p) : dflt;
  }

  bool(id: number, name: string, dflt = false): boolean {
    const p = this.field(id, 1, name);
    return p ? this.file.bb.readUint8(p) !== 0 : dflt;
  }

  int32(id: number, name: string, dflt = 0): number {
    const p = this.field(id, 4, name);
    return p ? this.file.bb.readInt32(p) : dflt;
  }

  uint32(id: number, name: string, dflt = 0): number {
    const p = this.field(id, 4, name);
    return p ? this.file.bb.readUint32(p) : dflt;
  }

  float32(id: number, name: string, dflt = 0): number {
    const p = this.field(id, 4, name);
    return p ? this.file.bb.readFloat32(p) : dflt;
  }

  uint64(id: number, name: string, dflt = 0n): bigint {
    const p = this.field(id, 8, name);
    return p ? this.file.bb.readUint64(p) : dflt;
  }

  /** A sub-table, or null when absent. */
  table(id: number, name: string, where = this.where): FbTable | null {
    const p = this.field(id, 4, name);
    if (!p) return null;
    return new FbTable(this.file, this.file.indirect(p, this.where, `table '${name}'`), where);
  }

  /** Start (first element) and length of a vector field whose elements are `elemSize` bytes. */
  vector(id: number, name: string, elemSize: number): { start: number; length: number } | null {
    const p = this.field(id, 4, name);
    if (!p) return null;
    const v = this.file.indirect(p, this.where, `vector '${name}'`);
    this.file.check(v, 4, this.where, `length of vector '${name}'`);
    const length = this.file.bb.readUint32(v);
    this.file.check(v + 4, length * elemSize, this.where, `vector '${name}' of ${length} elements`);
    return { start: v + 4, length };
  }

  int32Vector(id: number, name: string): number[] | null {
    const v = this.vector(id, name, 4);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.file.bb.readInt32(v.start + 4 * i);
    return out;
  }

  float32Vector(id: number, name: string): number[] | null {
    const v = this.vector(id, name, 4);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.file.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** A vector of int64 as numbers (exact for |v| < 2^53, which covers zero points). */
  int64Vector(id: number, name: string): number[] | null {
    const v = this.vector(id, name, 8);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(this.file.bb.readInt64(v.start + 8 * i));
    return out;
  }

  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(id: number, name: string): Uint8Array | null {
    const v = this.vector(id, name, 1);
    if (!v) return null;
    return this.file.bytes.subarray(v.start, v.start + v.length);
  }

  string(id: number, name: string): string | null {
    const b = this.bytes(id, name);
    return b ? new TextDecoder().decode(b) : null;
  }

  /** A vector of tables; `whereOf(i)` names element i in error messages. */
  tableVector(id: number, name: string, whereOf: (i: number) => string): FbTable[] | null {
    const v = this.vector(id, name, 4);
    if (!v) return null;
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      out.push(new FbTable(this.file, this.file.indirect(p, whereOf(i), `element ${i} of '${name}'`), whereOf(i)));
    }
    return out;
  }
}
