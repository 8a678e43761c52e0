// Shared helpers of the load-time weight decoders: error messages and LSB-first bit-field reads.
// Every decoder receives a stream already proven to lie inside the weights section (its length word
// included) and an output range inside the expanded-weights region; it checks everything else
// itself and returns OK or ERR_BAD_ENCODING with a message, never reading or writing outside.
import { ERR_BAD_ENCODING } from '../../format/format';
import { str, say, say1, text, Text } from '../message';

/** "tensor id (what stream): " then `msg` with its '$' numbers (message.ts say()). */
export function encFail(id: i32, what: Text, msg: Text = 0, a: i64 = 0, b: i64 = 0, c: i64 = 0): i32 {
  say1(txt('tensor $ ('), id); text(what); str(' stream): ');
  if (msg) say(msg, a, b, c);
  return ERR_BAD_ENCODING;
}

/** Value i of `bits` (1, 2, 4 or 8: fields never straddle bytes) packed LSB first at p. */
@inline export function field(p: usize, i: u32, bits: u32): u32 {
  const bit = <u64>i * bits; // u64: n × 8 bits can pass 2^32 for a large tensor
  return (<u32>load<u8>(p + <usize>(bit >> 3)) >> <u32>(bit & 7)) & ((1 << bits) - 1);
}

@inline export function zeroBytes(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u8>(p + <usize>i, 0);
}
