// One path attribute being decoded: a reader over its value, and the error maker that knows which
// attribute it is (RFC 4271 §6.3: the NOTIFICATION data is the whole attribute: flags, type, length, value).
// The UPDATE decoder reuses one instance for every attribute (reset), so reading attributes
// allocates nothing; attribute decoders must not keep a reference to it.
import { type BgpWireError, type ErrorAction, UPDATE_ATTR_LENGTH, updateError } from './errors.js';
import { Reader } from './reader.js';

const EMPTY = new Uint8Array(0);

export class AttrInput {
  readonly r: Reader;
  type = 0;
  name = '';
  /** the RFC 7606 action for a malformed value of this attribute */
  onError: ErrorAction = 'session-reset';
  #attrStart = 0;

  constructor() {
    this.r = new Reader(EMPTY, 0, 0, (what) => this.fail('ERR_BGP_ATTR_LENGTH', UPDATE_ATTR_LENGTH, `${what} truncated`));
  }

  reset(buf: Uint8Array, attrStart: number, valueStart: number, valueEnd: number, type: number, name: string, onError: ErrorAction): this {
    this.r.reset(buf, valueStart, valueEnd);
    this.#attrStart = attrStart;
    this.type = type;
    this.name = name;
    this.onError = onError;
    return this;
  }

  get length(): number {
    return this.r.end - this.r.pos;
  }

  /** The error for this attribute, with the attribute's bytes as data; the action defaults to the attribute's. */
  fail(code: string, subcode: number, why: string, action: ErrorAction = this.onError): BgpWireError {
    return updateError(code, subcode, action, `${this.name} (type ${this.type}): ${why}`, {
      data: this.r.buf.slice(this.#attrStart, this.r.end),
      attrType: this.type,
    });
  }

  /** Throws the attribute-length error unless the value is exactly `n` bytes. */
  exactLength(n: number): void {
    if (this.length !== n) throw this.fail('ERR_BGP_ATTR_LENGTH', UPDATE_ATTR_LENGTH, `length ${this.length}, expected ${n}`);
  }

  /** Throws the attribute-length error unless the value is a non-zero multiple of `n` bytes. */
  multipleLength(n: number): void {
    if (this.length === 0 || this.length % n !== 0) throw this.fail('ERR_BGP_ATTR_LENGTH', UPDATE_ATTR_LENGTH, `length ${this.length} is not a non-zero multiple of ${n}`);
  }
}
