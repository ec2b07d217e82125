// Peer addresses: "192.0.2.1", "2001:db8::1", or a link-local "fe80::1%eth0" (Node needs the
// interface name as the scope; a numeric scope fails with EINVAL), and matching what a socket
// reports as its remote address against them.
import { canonicalIpv6, ipv4ToString, isLinkLocalV6, parseIpv4 } from '../../lib/ip.js';
import { BgpSessionError } from './errors.js';

export interface PeerAddress {
  readonly family: 4 | 6;
  /** canonical address without the scope */
  readonly address: string;
  /** interface name of a link-local address */
  readonly scope: string | undefined;
  /** what to pass to net.connect: the address with its %scope */
  readonly host: string;
}

function bad(text: string, why: string): never {
  throw new BgpSessionError('ERR_BGP_SESSION_PEER_ADDRESS', `bad peer address "${text}": ${why}`);
}

export function parsePeerAddress(text: string): PeerAddress {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) {
    if (v4 === 0) bad(text, 'unspecified address');
    const address = ipv4ToString(v4);
    return { family: 4, address, scope: undefined, host: address };
  }
  const pct = text.indexOf('%');
  const addrText = pct === -1 ? text : text.slice(0, pct);
  const scope = pct === -1 ? undefined : text.slice(pct + 1);
  const address = canonicalIpv6(addrText);
  if (address === undefined) bad(text, 'not an IPv4 or IPv6 address');
  if (address === '::') bad(text, 'unspecified address');
  const linkLocal = isLinkLocalV6(address);
  if (linkLocal && scope === undefined) bad(text, 'a link-local address needs its interface: fe80::x%ifname');
  if (scope !== undefined) {
    if (!linkLocal) bad(text, 'only link-local addresses take an interface');
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(scope) || /^[0-9]+$/.test(scope)) bad(text, 'the scope must be an interface name');
  }
  return { family: 6, address, scope, host: scope === undefined ? address : `${address}%${scope}` };
}

/** A socket's remote address ("::ffff:192.0.2.1", "fe80::1%eth0", ...) in the same form; undefined if unparsable. */
export function parseRemoteAddress(text: string | undefined): PeerAddress | undefined {
  if (text === undefined) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  try {
    return parsePeerAddress(mapped?.[1] ?? text);
  } catch {
    return undefined;
  }
}

/** Whether a connection from `remote` comes from the configured peer. */
export function samePeer(configured: PeerAddress, remote: PeerAddress): boolean {
  if (configured.family !== remote.family || configured.address !== remote.address) return false;
  // both scoped: the interface must agree (the same fe80:: address can sit on two links)
  return configured.scope === undefined || remote.scope === undefined || configured.scope === remote.scope;
}
