// Cuts the TCP byte stream into whole BGP messages: partial messages wait for more bytes, several
// messages in one chunk come out one by one. The header is checked as soon as 19 bytes are there,
// so the buffer never holds more than one message plus one chunk.
import { readMessageLength } from '../wire/index.js';
import type { CodecContext } from '../wire/types.js';

export class Framer {
  #buf: Uint8Array = new Uint8Array(0);
  #off = 0;

  /** bytes received but not yet returned as a message */
  get buffered(): number {
    return this.#buf.length - this.#off;
  }

  push(chunk: Uint8Array): void {
    if (this.#off >= this.#buf.length) {
      this.#buf = chunk;
    } else {
      const rest = this.#buf.subarray(this.#off);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest, 0);
      joined.set(chunk, rest.length);
      this.#buf = joined;
    }
    this.#off = 0;
  }

  /**
   * The next whole message (header included), or undefined until more bytes arrive. Throws the
   * codec's BgpWireError (header error) on a bad marker, length or type; the stream is then lost.
   */
  next(ctx: CodecContext): Uint8Array | undefined {
    const len = readMessageLength(this.#buf, this.#off, ctx);
    if (len === undefined || this.#off + len > this.#buf.length) return undefined;
    const msg = this.#buf.subarray(this.#off, this.#off + len);
    this.#off += len;
    return msg;
  }

  reset(): void {
    this.#buf = new Uint8Array(0);
    this.#off = 0;
  }
}
