// A bounds-checked cursor over a byte range. Every read past `end` throws the coded error the
// caller chose (a header, OPEN or attribute error): the codec never reads outside its range.
import type { BgpWireError } from './errors.js';

/** Makes the error for a read that would pass the end; `what` names the field being read. */
export type ShortReadError = (what: string) => BgpWireError;

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  readonly end: number;
  pos: number;
  readonly #short: ShortReadError;

  constructor(buf: Uint8Array, start: number, end: number, short: ShortReadError, view?: DataView) {
    this.buf = buf;
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
    this.#short = short;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.end - this.pos < n) throw this.#short(what);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = (this.view.getUint16(this.pos) << 8) | this.view.getUint8(this.pos + 2);
    this.pos += 3;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
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
    const r = new Reader(this.buf, this.pos, this.pos + n, short, this.view);
    this.pos += n;
    return r;
  }
}
