// A bounds-checked cursor over a byte range. Every read past `end` throws the coded error the
// caller chose (a header, OPEN or attribute error): the codec never reads outside its range.
// Big-endian reads straight from the bytes (no DataView: nothing is allocated per read or reader).
import type { BgpWireError } from './errors.js';

/** Makes the error for a read that would pass the end; `what` names the field being read. */
export type ShortReadError = (what: string) => BgpWireError;

export class Reader {
  buf: Uint8Array;
  end: number;
  pos: number;
  readonly #short: ShortReadError;

  constructor(buf: Uint8Array, start: number, end: number, short: ShortReadError) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#short = short;
  }

  /** Points the reader at another range (readers on the hot path are reused, not reallocated). */
  reset(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.end - this.pos < n) throw this.#short(what);
  }

  // After need(), the indexed bytes exist; the `!` only tells TypeScript so.
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(what: string): number {
    this.need(3, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A copy of the next `n` bytes (decoded values never alias the receive buffer). */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A reader over the next `n` bytes (sharing the buffer), advancing this one past them. */
  sub(n: number, what: string, short: ShortReadError = this.#short): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n, short);
    this.pos += n;
    return r;
  }
}
