// One-line human descriptions of captured BGP messages, for the fixtures' "note" field and for
// choosing which messages to keep. Deliberately independent of the codec in src/bgp/wire (the
// fixtures exist to test that codec): a small walk over the bytes that never throws.
import { ipv4ToString, ipv6ToString } from '../../src/lib/ip.js';

export type MessageKind = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh' | 'unknown';

export interface Description {
  readonly kind: MessageKind;
  readonly note: string;
  /** facts used to pick a varied set: 'eor', 'ipv4-nlri', 'ipv6-nlri', 'ipv4-withdraw', 'ipv6-withdraw', 'attr-8', 'cap-65', ... */
  readonly tags: readonly string[];
  /** UPDATE: prefixes announced (classic NLRI and MP_REACH), as text */
  readonly announced?: readonly string[];
  /** UPDATE: prefixes withdrawn (classic and MP_UNREACH), as text */
  readonly withdrawn?: readonly string[];
}

const KINDS: Record<number, MessageKind> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

const CAP_NAMES: Record<number, string> = {
  1: 'multiprotocol', 2: 'route-refresh', 5: 'extended-next-hop', 6: 'extended-message', 9: 'bgp-role', 64: 'graceful-restart', 65: 'four-octet-as',
  69: 'add-path', 70: 'enhanced-route-refresh', 71: 'long-lived-gr', 73: 'fqdn', 75: 'software-version', 128: 'route-refresh(old cisco)',
};

const ATTR_NAMES: Record<number, string> = {
  1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MED', 5: 'LOCAL_PREF', 6: 'ATOMIC_AGGREGATE', 7: 'AGGREGATOR', 8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST', 14: 'MP_REACH', 15: 'MP_UNREACH', 16: 'EXT_COMMUNITIES', 17: 'AS4_PATH', 18: 'AS4_AGGREGATOR', 32: 'LARGE_COMMUNITIES',
};

const NOTIF_NAMES: Record<number, string> = { 1: 'Message Header Error', 2: 'OPEN Message Error', 3: 'UPDATE Message Error', 4: 'Hold Timer Expired', 5: 'FSM Error', 6: 'Cease' };
const NOTIF_SUB: Record<string, string> = {
  '2/1': 'Unsupported Version', '2/2': 'Bad Peer AS', '2/3': 'Bad BGP Identifier', '2/4': 'Unsupported Optional Parameter', '2/6': 'Unacceptable Hold Time', '2/7': 'Unsupported Capability',
  '6/1': 'Maximum Number of Prefixes Reached', '6/2': 'Administrative Shutdown', '6/3': 'Peer De-configured', '6/4': 'Administrative Reset', '6/5': 'Connection Rejected',
  '6/6': 'Other Configuration Change', '6/7': 'Connection Collision Resolution', '6/8': 'Out of Resources', '6/9': 'Hard Reset',
};

export function describeMessage(msg: Uint8Array): Description {
  const type = msg[18] ?? 0;
  const kind = KINDS[type] ?? 'unknown';
  const body = msg.subarray(19);
  try {
    switch (kind) {
      case 'open':
        return describeOpen(body);
      case 'update':
        return describeUpdate(body);
      case 'notification':
        return describeNotification(body);
      case 'keepalive':
        return { kind, note: 'KEEPALIVE', tags: [] };
      case 'route-refresh': {
        const afi = u16(body, 0);
        const sub = body[2] ?? 0;
        return { kind, note: `ROUTE-REFRESH afi ${afi} safi ${body[3]}${sub ? ` subtype ${sub}` : ''}`, tags: [`rr-${afi}`] };
      }
      default:
        return { kind, note: `message type ${type}`, tags: [] };
    }
  } catch {
    return { kind, note: `${kind} (could not be described)`, tags: ['undescribed'] };
  }
}

function describeOpen(b: Uint8Array): Description {
  const myAs = u16(b, 1);
  const hold = u16(b, 3);
  const id = `${b[5]}.${b[6]}.${b[7]}.${b[8]}`;
  const optLen = b[9] ?? 0;
  const caps: string[] = [];
  const tags: string[] = [];
  let p = 10;
  const end = 10 + optLen;
  while (p + 2 <= end) {
    const ptype = b[p]!;
    const plen = b[p + 1]!;
    if (ptype === 2) {
      let c = p + 2;
      while (c + 2 <= p + 2 + plen) {
        const code = b[c]!;
        const clen = b[c + 1]!;
        const v = b.subarray(c + 2, c + 2 + clen);
        tags.push(`cap-${code}`);
        const name = CAP_NAMES[code] ?? `cap ${code}`;
        if (code === 1) caps.push(`${name} ${u16(v, 0)}/${v[3]}`);
        else if (code === 65) caps.push(`${name} ${u32(v, 0)}`);
        else if (code === 64) caps.push(`${name} time ${u16(v, 0) & 0x0fff}${v.length > 2 ? ` families ${(v.length - 2) / 4}` : ''}`);
        else caps.push(name);
        c += 2 + clen;
      }
    } else {
      caps.push(`param ${ptype}`);
    }
    p += 2 + plen;
  }
  return { kind: 'open', note: `OPEN as ${myAs} hold ${hold} id ${id}; capabilities: ${caps.join(', ') || 'none'}`, tags };
}

function describeUpdate(b: Uint8Array): Description {
  const wlen = u16(b, 0);
  const withdrawnList = prefixes(b.subarray(2, 2 + wlen), 1);
  const withdrawn = withdrawnList.length;
  const alen = u16(b, 2 + wlen);
  const attrs = b.subarray(4 + wlen, 4 + wlen + alen);
  const nlriList = prefixes(b.subarray(4 + wlen + alen), 1);
  const nlri = nlriList.length;
  const announcedAll = [...nlriList];
  const withdrawnAll = [...withdrawnList];
  const tags: string[] = [];
  const parts: string[] = [];
  const names: string[] = [];
  let mpReach: { afi: number; nh: number; n: number } | undefined;
  let mpUnreach: { afi: number; n: number } | undefined;
  let p = 0;
  while (p + 3 <= attrs.length) {
    const flags = attrs[p]!;
    const code = attrs[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? u16(attrs, p + 2) : attrs[p + 2]!;
    const v = attrs.subarray(p + (ext ? 4 : 3), p + (ext ? 4 : 3) + len);
    tags.push(`attr-${code}`);
    names.push(ATTR_NAMES[code] ?? `attr ${code} (flags 0x${flags.toString(16)})`);
    if (code === 14) {
      const nhLen = v[3]!;
      const list = prefixes(v.subarray(5 + nhLen), u16(v, 0));
      announcedAll.push(...list);
      mpReach = { afi: u16(v, 0), nh: nhLen, n: list.length };
    }
    if (code === 15) {
      const list = prefixes(v.subarray(3), u16(v, 0));
      withdrawnAll.push(...list);
      mpUnreach = { afi: u16(v, 0), n: list.length };
    }
    p += (ext ? 4 : 3) + len;
  }
  const fam = (afi: number) => (afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : `afi${afi}`);
  if (wlen === 0 && alen === 0 && nlri === 0) {
    return { kind: 'update', note: 'UPDATE End-of-RIB IPv4 unicast (empty UPDATE)', tags: ['eor', 'eor-ipv4'] };
  }
  if (mpUnreach && mpUnreach.n === 0 && names.length === 1 && nlri === 0 && withdrawn === 0) {
    return { kind: 'update', note: `UPDATE End-of-RIB ${fam(mpUnreach.afi)} unicast (empty MP_UNREACH)`, tags: ['eor', `eor-${fam(mpUnreach.afi)}`] };
  }
  if (withdrawn > 0) {
    parts.push(`IPv4 withdrawn x${withdrawn}`);
    tags.push('ipv4-withdraw');
  }
  if (nlri > 0) {
    parts.push(`IPv4 NLRI x${nlri}`);
    tags.push('ipv4-nlri');
  }
  if (mpReach) {
    const nh = mpReach.nh === 32 ? 'global+link-local next hop' : mpReach.nh === 16 ? 'one next hop' : `${mpReach.nh}-octet next hop`;
    parts.push(`MP_REACH ${fam(mpReach.afi)} NLRI x${mpReach.n} (${nh})`);
    tags.push(`${fam(mpReach.afi)}-nlri`, `nh-${mpReach.nh}`);
  }
  if (mpUnreach) {
    parts.push(`MP_UNREACH ${fam(mpUnreach.afi)} withdrawn x${mpUnreach.n}`);
    tags.push(`${fam(mpUnreach.afi)}-withdraw`);
  }
  return { kind: 'update', note: `UPDATE ${parts.join(', ')}; attributes: ${names.join(' ') || 'none'}`, tags, announced: announcedAll, withdrawn: withdrawnAll };
}

function describeNotification(b: Uint8Array): Description {
  const code = b[0] ?? 0;
  const sub = b[1] ?? 0;
  const data = b.subarray(2);
  let extra = '';
  if (code === 6 && (sub === 2 || sub === 4) && data.length > 0 && data[0] === data.length - 1) {
    extra = `, shutdown communication "${Buffer.from(data.subarray(1)).toString('utf8')}"`;
  } else if (data.length > 0) {
    extra = `, data ${Buffer.from(data).toString('hex')}`;
  }
  const name = `${NOTIF_NAMES[code] ?? `code ${code}`} / ${NOTIF_SUB[`${code}/${sub}`] ?? `subcode ${sub}`}`;
  return { kind: 'notification', note: `NOTIFICATION ${code}/${sub} ${name}${extra}`, tags: [`notif-${code}-${sub}`] };
}

/** The prefixes of an NLRI field (no add-path) as text; stops at malformed data. */
function prefixes(b: Uint8Array, afi: number): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < b.length) {
    const bits = b[p]!;
    const n = Math.ceil(bits / 8);
    if (p + 1 + n > b.length) break;
    const addr = new Uint8Array(afi === 2 ? 16 : 4);
    addr.set(b.subarray(p + 1, p + 1 + Math.min(n, addr.length)));
    out.push(`${afi === 2 ? ipv6ToString(addr) : ipv4ToString(((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0)}/${bits}`);
    p += 1 + n;
  }
  return out;
}

function u16(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new RangeError('short');
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  if (o + 4 > b.length) throw new RangeError('short');
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
