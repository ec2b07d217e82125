// Splits a reassembled TCP byte stream into BGP messages by the 16-octet all-ones marker and the
// length field (RFC 4271 §4.1). Pure. Only framing is checked here; the codec judges the contents.

export interface FramedMessage {
  /** offset of the message in the stream */
  readonly offset: number;
  /** the whole message: marker, length, type, body */
  readonly bytes: Uint8Array;
  readonly type: number;
}

export interface SplitResult {
  readonly messages: FramedMessage[];
  /** octets after the last whole message (a message cut by the end of the capture) */
  readonly trailing: number;
  /** set when the stream stopped making sense (no marker, impossible length) at this offset */
  readonly desyncAt?: number;
}

export const BGP_HEADER_LEN = 19;
/** RFC 8654 extended messages can be up to 65535 octets */
export const BGP_MAX_LEN = 65535;

export function splitBgpMessages(stream: Uint8Array): SplitResult {
  const messages: FramedMessage[] = [];
  let off = 0;
  while (off < stream.length) {
    if (stream.length - off < BGP_HEADER_LEN) return { messages, trailing: stream.length - off };
    for (let i = 0; i < 16; i++) if (stream[off + i] !== 0xff) return { messages, trailing: stream.length - off, desyncAt: off };
    const len = (stream[off + 16]! << 8) | stream[off + 17]!;
    if (len < BGP_HEADER_LEN || len > BGP_MAX_LEN) return { messages, trailing: stream.length - off, desyncAt: off };
    if (off + len > stream.length) return { messages, trailing: stream.length - off };
    messages.push({ offset: off, bytes: stream.subarray(off, off + len), type: stream[off + 18]! });
    off += len;
  }
  return { messages, trailing: 0 };
}
