// BGP capabilities (RFC 5492), carried in OPEN optional parameter 2. Each known capability is
// decoded to a typed value; unknown ones (and ones RFC 7911 says to ignore) are kept as raw bytes
// so they can be shown and re-encoded unchanged.
import { encodeError, openError, unknownKind } from './errors.js';
import { Reader } from './reader.js';
import type { AddPathMode, Capability } from './types.js';
import type { Writer } from './writer.js';

export const CAP_MULTIPROTOCOL = 1;
export const CAP_ROUTE_REFRESH = 2;
export const CAP_EXTENDED_NEXT_HOP = 5;
export const CAP_EXTENDED_MESSAGE = 6;
export const CAP_GRACEFUL_RESTART = 64;
export const CAP_FOUR_OCTET_AS = 65;
export const CAP_ADD_PATH = 69;
export const CAP_ENHANCED_ROUTE_REFRESH = 70;
export const CAP_LONG_LIVED_GR = 71;
export const CAP_FQDN = 73;

const GR_RESTARTING = 0x8000;
const GR_NOTIFICATION = 0x4000;
const GR_TIME_MASK = 0x0fff;
const FAMILY_FORWARDING = 0x80;
const ADD_PATH_MODES: readonly (AddPathMode | undefined)[] = [undefined, 'receive', 'send', 'both'];

const malformed = (code: number, why: string) =>
  openError('ERR_BGP_CAPABILITY_MALFORMED', 0, `capability ${code}: ${why}`);

/** Decodes the capabilities in the value of one optional parameter of type 2. */
export function decodeCapabilities(r: Reader): Capability[] {
  const out: Capability[] = [];
  while (r.remaining > 0) {
    const code = r.u8('capability code');
    const len = r.u8('capability length');
    if (r.remaining < len) throw malformed(code, `value of ${len} bytes longer than its parameter`);
    const v = r.sub(len, `capability ${code} value`, (what) => malformed(code, `${what} truncated`));
    out.push(decodeOne(code, v));
  }
  return out;
}

function decodeOne(code: number, v: Reader): Capability {
  const len = v.remaining;
  const exactly = (n: number) => {
    if (len !== n) throw malformed(code, `length ${len}, expected ${n}`);
  };
  const multipleOf = (n: number, after = 0) => {
    if (len < after || (len - after) % n !== 0) throw malformed(code, `length ${len} is not ${after ? `${after} + ` : ''}a multiple of ${n}`);
  };
  switch (code) {
    case CAP_MULTIPROTOCOL: {
      exactly(4);
      const afi = v.u16('afi');
      v.skip(1, 'reserved');
      return { kind: 'multiprotocol', afi, safi: v.u8('safi') };
    }
    case CAP_ROUTE_REFRESH:
      exactly(0);
      return { kind: 'route-refresh' };
    case CAP_EXTENDED_NEXT_HOP: {
      multipleOf(6);
      const entries: { afi: number; safi: number; nextHopAfi: number }[] = [];
      while (v.remaining > 0) entries.push({ afi: v.u16('afi'), safi: v.u16('safi'), nextHopAfi: v.u16('next hop afi') });
      return { kind: 'extended-next-hop', entries };
    }
    case CAP_EXTENDED_MESSAGE:
      exactly(0);
      return { kind: 'extended-message' };
    case CAP_GRACEFUL_RESTART: {
      multipleOf(4, 2);
      const head = v.u16('restart flags and time');
      const families: { afi: number; safi: number; forwardingPreserved: boolean }[] = [];
      while (v.remaining > 0) {
        const afi = v.u16('afi');
        const safi = v.u8('safi');
        families.push({ afi, safi, forwardingPreserved: (v.u8('flags') & FAMILY_FORWARDING) !== 0 });
      }
      return {
        kind: 'graceful-restart',
        restarting: (head & GR_RESTARTING) !== 0,
        notification: (head & GR_NOTIFICATION) !== 0,
        restartTime: head & GR_TIME_MASK,
        families,
      };
    }
    case CAP_FOUR_OCTET_AS:
      exactly(4);
      return { kind: 'four-octet-as', asn: v.u32('asn') };
    case CAP_ADD_PATH: {
      multipleOf(4);
      const start = v.pos;
      const families: { afi: number; safi: number; mode: AddPathMode }[] = [];
      while (v.remaining > 0) {
        const afi = v.u16('afi');
        const safi = v.u8('safi');
        const mode = ADD_PATH_MODES[v.u8('send/receive')];
        // RFC 7911 §4: any other value means the capability is not understood and ignored.
        if (mode === undefined) return { kind: 'unknown', code, value: v.buf.slice(start, v.end) };
        families.push({ afi, safi, mode });
      }
      return { kind: 'add-path', families };
    }
    case CAP_ENHANCED_ROUTE_REFRESH:
      exactly(0);
      return { kind: 'enhanced-route-refresh' };
    case CAP_LONG_LIVED_GR: {
      multipleOf(7);
      const families: { afi: number; safi: number; forwardingPreserved: boolean; staleTime: number }[] = [];
      while (v.remaining > 0) {
        const afi = v.u16('afi');
        const safi = v.u8('safi');
        const flags = v.u8('flags');
        families.push({ afi, safi, forwardingPreserved: (flags & FAMILY_FORWARDING) !== 0, staleTime: v.u24('stale time') });
      }
      return { kind: 'long-lived-gr', families };
    }
    case CAP_FQDN: {
      const hostname = utf8.decode(v.bytes(v.u8('hostname length'), 'hostname'));
      const domain = utf8.decode(v.bytes(v.u8('domain length'), 'domain'));
      if (v.remaining !== 0) throw malformed(code, `${v.remaining} bytes after the domain name`);
      return { kind: 'fqdn', hostname, domain };
    }
    default:
      return { kind: 'unknown', code, value: v.bytes(len, 'value') };
  }
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** Writes one capability (code, length, value). */
export function encodeCapability(w: Writer, cap: Capability): void {
  w.u8(capabilityCode(cap), 'capability code');
  const lenAt = w.pos;
  w.u8(0);
  switch (cap.kind) {
    case 'multiprotocol':
      w.u16(cap.afi, 'afi');
      w.u8(0);
      w.u8(cap.safi, 'safi');
      break;
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      break;
    case 'extended-next-hop':
      for (const e of cap.entries) {
        w.u16(e.afi, 'afi');
        w.u16(e.safi, 'safi');
        w.u16(e.nextHopAfi, 'next hop afi');
      }
      break;
    case 'graceful-restart':
      w.u16((cap.restarting ? GR_RESTARTING : 0) | (cap.notification ? GR_NOTIFICATION : 0) | checkedRestartTime(cap.restartTime));
      for (const f of cap.families) {
        w.u16(f.afi, 'afi');
        w.u8(f.safi, 'safi');
        w.u8(f.forwardingPreserved ? FAMILY_FORWARDING : 0);
      }
      break;
    case 'four-octet-as':
      w.u32(cap.asn, 'asn');
      break;
    case 'add-path':
      for (const f of cap.families) {
        w.u16(f.afi, 'afi');
        w.u8(f.safi, 'safi');
        w.u8(ADD_PATH_MODES.indexOf(f.mode), 'add-path mode');
      }
      break;
    case 'long-lived-gr':
      for (const f of cap.families) {
        w.u16(f.afi, 'afi');
        w.u8(f.safi, 'safi');
        w.u8(f.forwardingPreserved ? FAMILY_FORWARDING : 0);
        w.u24(f.staleTime, 'stale time');
      }
      break;
    case 'fqdn':
      for (const text of [cap.hostname, cap.domain]) {
        const b = utf8Encoder.encode(text);
        w.u8(b.length, 'fqdn name length');
        w.bytes(b);
      }
      break;
    case 'unknown':
      w.bytes(cap.value);
      break;
    default:
      return unknownKind(cap, 'capability');
  }
  w.patchU8(lenAt, w.pos - lenAt - 1, `capability ${cap.kind} length`);
}

function checkedRestartTime(t: number): number {
  if (!Number.isInteger(t) || t < 0 || t > GR_TIME_MASK) throw encodeError('ERR_BGP_ENCODE_RANGE', `graceful restart time ${t} is not in 0..4095`);
  return t;
}

export function capabilityCode(cap: Capability): number {
  switch (cap.kind) {
    case 'multiprotocol': return CAP_MULTIPROTOCOL;
    case 'route-refresh': return CAP_ROUTE_REFRESH;
    case 'extended-next-hop': return CAP_EXTENDED_NEXT_HOP;
    case 'extended-message': return CAP_EXTENDED_MESSAGE;
    case 'graceful-restart': return CAP_GRACEFUL_RESTART;
    case 'four-octet-as': return CAP_FOUR_OCTET_AS;
    case 'add-path': return CAP_ADD_PATH;
    case 'enhanced-route-refresh': return CAP_ENHANCED_ROUTE_REFRESH;
    case 'long-lived-gr': return CAP_LONG_LIVED_GR;
    case 'fqdn': return CAP_FQDN;
    case 'unknown': return cap.code;
    default: return unknownKind(cap, 'capability');
  }
}

