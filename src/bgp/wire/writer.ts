// A growable byte buffer with big-endian writes and length back-patching, for the encoders.
import { encodeError } from './errors.js';

export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  #room(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number, what = 'value'): void {
    checkRange(v, 0xff, what);
    this.#room(1);
    this.#buf[this.pos++] = v;
  }

  u16(v: number, what = 'value'): void {
    checkRange(v, 0xffff, what);
    this.#room(2);
    this.#view.setUint16(this.pos, v);
    this.pos += 2;
  }

  u24(v: number, what = 'value'): void {
    checkRange(v, 0xffffff, what);
    this.#room(3);
    this.#view.setUint16(this.pos, v >>> 8);
    this.#buf[this.pos + 2] = v & 0xff;
    this.pos += 3;
  }

  u32(v: number, what = 'value'): void {
    checkRange(v, 0xffffffff, what);
    this.#room(4);
    this.#view.setUint32(this.pos, v);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes a 1-byte or 2-byte length at `at` (a slot reserved earlier). */
  patchU8(at: number, v: number, what = 'length'): void {
    checkRange(v, 0xff, what);
    this.#buf[at] = v;
  }

  patchU16(at: number, v: number, what = 'length'): void {
    checkRange(v, 0xffff, what);
    this.#view.setUint16(at, v);
  }

  /** Moves bytes [from, pos) one position left (drops the byte at from-1), e.g. to shrink a reserved 2-byte length to 1. */
  shiftLeft(from: number): void {
    this.#buf.copyWithin(from - 1, from, this.pos);
    this.pos -= 1;
  }

  /** Starts over, keeping the buffer (encoders reuse one writer instead of allocating per message). */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The bytes written so far, as a new exact-size array. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.pos);
  }
}

function checkRange(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw encodeError('ERR_BGP_ENCODE_RANGE', `${what} ${String(v)} is not an integer in 0..${max}`);
  }
}
