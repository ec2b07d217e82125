// OPEN (RFC 4271 §4.2) with optional parameters in the classic or RFC 9072 extended form.
import { decodeCapabilities, encodeCapability } from './capabilities.js';
import { encodeError, OPEN_BAD_BGP_ID, OPEN_UNACCEPTABLE_HOLD, OPEN_UNSUPPORTED_VERSION, openError } from './errors.js';
import { Reader } from './reader.js';
import { parseIpv4, ipv4ToString } from '../../lib/ip.js';
import type { Capability, OpenMessage } from './types.js';
import { Writer } from './writer.js';

export const BGP_VERSION = 4;
export const PARAM_CAPABILITIES = 2;
/** RFC 9072: this value in the first parameter type octet announces the extended form */
const PARAM_EXTENDED = 255;
const MAX_CLASSIC_PARAMS = 255;

const malformed = (what: string) => openError('ERR_BGP_OPEN_MALFORMED', 0, `malformed OPEN: ${what}`);

/** Decodes an OPEN body: bytes [start, end) after the header. */
export function decodeOpen(buf: Uint8Array, start: number, end: number): OpenMessage {
  const r = new Reader(buf, start, end, (what) => malformed(`truncated ${what}`));
  const version = r.u8('version');
  if (version !== BGP_VERSION) {
    throw openError('ERR_BGP_OPEN_VERSION', OPEN_UNSUPPORTED_VERSION, `unsupported BGP version ${version}`, new Uint8Array([0, BGP_VERSION]));
  }
  const myAs = r.u16('my AS');
  const holdTime = r.u16('hold time');
  if (holdTime === 1 || holdTime === 2) {
    throw openError('ERR_BGP_OPEN_HOLD_TIME', OPEN_UNACCEPTABLE_HOLD, `hold time ${holdTime} s is not 0 or at least 3 s`);
  }
  const id = r.u32('BGP identifier');
  if (id === 0) throw openError('ERR_BGP_OPEN_BGP_ID', OPEN_BAD_BGP_ID, 'BGP identifier 0.0.0.0');
  let paramsLength = r.u8('optional parameters length');
  const extended = paramsLength > 0 && r.remaining > 0 && buf[r.pos] === PARAM_EXTENDED;
  if (extended) {
    r.skip(1, 'extended parameters marker');
    paramsLength = r.u16('extended optional parameters length');
  }
  if (paramsLength !== r.remaining) {
    throw malformed(`optional parameters length ${paramsLength} but ${r.remaining} bytes follow`);
  }
  const capabilities: Capability[] = [];
  const otherParams: { type: number; value: Uint8Array }[] = [];
  let capParams = 0;
  let allSingle = true;
  while (r.remaining > 0) {
    const type = r.u8('parameter type');
    const len = extended ? r.u16('parameter length') : r.u8('parameter length');
    const v = r.sub(len, `parameter ${type} value`);
    if (type === PARAM_CAPABILITIES) {
      const caps = decodeCapabilities(v);
      capParams++;
      if (caps.length !== 1) allSingle = false;
      capabilities.push(...caps);
    } else {
      otherParams.push({ type, value: v.bytes(len, 'parameter value') });
    }
  }
  return {
    type: 'open',
    version,
    myAs,
    holdTime,
    bgpId: ipv4ToString(id),
    capabilities,
    ...(otherParams.length > 0 && { otherParams }),
    ...(extended && { extendedParams: true }),
    ...(capParams > 1 && allSingle && { oneParamPerCapability: true }),
  };
}

/** Writes an OPEN body (after the header). */
export function encodeOpen(w: Writer, m: OpenMessage): void {
  const id = parseIpv4(m.bgpId);
  if (id === undefined) throw encodeError('ERR_BGP_ENCODE_ADDRESS', `BGP identifier ${JSON.stringify(m.bgpId)} is not an IPv4 address`);
  w.u8(m.version, 'version');
  w.u16(m.myAs, 'my AS (use AS_TRANS 23456 for a 4-octet ASN)');
  w.u16(m.holdTime, 'hold time');
  w.u32(id);

  const caps = m.capabilities.map((c) => {
    const cw = new Writer(32);
    encodeCapability(cw, c);
    return cw.finish();
  });
  const layOut = (limit: number) => {
    const params: { type: number; value: Uint8Array }[] = [];
    let group: Uint8Array[] = [];
    let groupLength = 0;
    const flush = () => {
      if (group.length > 0) params.push({ type: PARAM_CAPABILITIES, value: concat(group, groupLength) });
      group = [];
      groupLength = 0;
    };
    for (const c of caps) {
      if (m.oneParamPerCapability || groupLength + c.length > limit) flush();
      group.push(c);
      groupLength += c.length;
    }
    flush();
    params.push(...(m.otherParams ?? []));
    return params;
  };
  let params = layOut(MAX_CLASSIC_PARAMS);
  const classicLength = params.reduce((n, p) => n + 2 + p.value.length, 0);
  // RFC 9072: the extended form when asked for, or when the classic one cannot hold the parameters
  const extended = m.extendedParams === true || classicLength > MAX_CLASSIC_PARAMS || params.some((p) => p.value.length > MAX_CLASSIC_PARAMS);
  if (extended) params = layOut(0xffff);
  if (extended) {
    w.u8(PARAM_EXTENDED);
    w.u8(PARAM_EXTENDED);
    w.u16(params.reduce((n, p) => n + 3 + p.value.length, 0), 'extended optional parameters length');
  } else {
    w.u8(classicLength);
  }
  for (const p of params) {
    w.u8(p.type, 'parameter type');
    if (extended) w.u16(p.value.length, 'parameter length');
    else w.u8(p.value.length, 'parameter length');
    w.bytes(p.value);
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
