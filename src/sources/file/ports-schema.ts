// The ports file (examples/ports.yaml): `{ ports: [...] }`, each entry a PortSpec in snake_case.
// Pure. Each bad entry is reported with its path and skipped; duplicates of an earlier entry's id,
// tap or address are reported and skipped (the first one stays); the others all apply.
import { tapNameForPort, type FixedIp, type PortSpec } from '../../dataplane/port.js';
import { ipFamily } from '../../lib/ip.js';
import { ipAddress, ifName, macAddress, parseAddress, parseAddressOrNetwork } from '../../lib/net-schema.js';
import {
  Failure, INVALID, Issues, bool, int, lenientList, list, obj, optional, parsed, refine, str, withDefault,
  type Issue, type Schema,
} from '../../lib/schema.js';

const fixedIp = (): Schema<FixedIp> =>
  obj(
    { address: ipAddress(), prefixLen: int(1, 128, 'a prefix length'), gateway: optional(ipAddress()) },
    {
      keys: 'snake',
      check(f, path, issues) {
        if (f.address === undefined) return;
        const fam = ipFamily(f.address);
        const max = fam === 4 ? 32 : 128;
        if (f.prefixLen !== undefined && f.prefixLen > max) {
          issues.add([...path, 'prefix_len'], 'RANGE', `prefix length ${f.prefixLen} is longer than ${max} for ${f.address}`);
        }
        if (f.gateway !== undefined && ipFamily(f.gateway) !== fam) {
          issues.add([...path, 'gateway'], 'ADDRESS', `gateway ${f.gateway} is not of the family of ${f.address}`);
        } else if (f.gateway === f.address) {
          issues.add([...path, 'gateway'], 'ADDRESS', `gateway ${f.gateway} is the port's own address`);
        }
      },
    },
  );

const portFields = obj(
  {
    id: str({ expected: 'a port id (no spaces)', pattern: /^[^\s]+$/, maxLength: 255, kind: 'VALUE' }),
    tap: optional(ifName()),
    mac: macAddress(),
    fixedIps: withDefault(list(fixedIp()), []),
    allowedAddressPairs: withDefault(
      list(obj({ ipAddress: parsed('an IP address or network', 'ADDRESS', parseAddressOrNetwork), macAddress: optional(macAddress()) }, { keys: 'snake' })),
      [],
    ),
    mtu: optional(int(68, 65535, 'an MTU from 68 to 65535')),
    portSecurity: withDefault(bool(), true),
  },
  {
    keys: 'snake',
    expected: 'a port (a map with id, mac, fixed_ips, ...)',
    check(p, path, issues, input) {
      // fixed_ips as given: its good entries, even when another entry is bad
      const given = Array.isArray(input.fixed_ips) ? (input.fixed_ips as unknown[]) : [];
      const addresses = given.map((f) => (typeof f === 'object' && f !== null ? canonicalAddress((f as { address?: unknown }).address) : undefined));
      const seen = new Map<string, number>();
      addresses.forEach((a, i) => {
        if (a === undefined) return;
        const j = seen.get(a);
        if (j !== undefined) issues.add([...path, 'fixed_ips', i, 'address'], 'DUPLICATE', `${a} is already fixed_ips[${j}]`);
        else seen.set(a, i);
      });
      if (p.mtu !== undefined && p.mtu < 1280 && addresses.some((a) => a !== undefined && ipFamily(a) === 6)) {
        issues.add([...path, 'mtu'], 'RANGE', `MTU ${p.mtu} is below 1280, the IPv6 minimum, on a port with IPv6 addresses`);
      }
    },
  },
);

const canonicalAddress = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const a = parseAddress(v);
  return a instanceof Failure ? undefined : a;
};

export const portSchema = (): Schema<PortSpec> =>
  refine(portFields, (p): PortSpec => ({
    id: p.id,
    tap: p.tap ?? tapNameForPort(p.id),
    mac: p.mac,
    fixedIps: p.fixedIps,
    allowedAddressPairs: p.allowedAddressPairs,
    ...(p.mtu !== undefined ? { mtu: p.mtu } : {}),
    portSecurity: p.portSecurity,
  }));

export interface PortsRead {
  /** the ports to apply, in file order */
  readonly ports: PortSpec[];
  /** the entries skipped, and other problems that did not stop the rest */
  readonly issues: Issue[];
}

/**
 * Entries read before, by their JSON text: an entry unchanged since the last read is not validated
 * again (a file of many ports is re-read whole for every change). readPortsDocument keeps in it
 * exactly the good entries of the document it read.
 */
export type PortEntryCache = Map<string, PortSpec>;

/**
 * Reads a parsed ports document. Returns { fatal } when the document as a whole is unusable (empty,
 * not a map, no "ports" list): then nothing it says can be trusted and the last good set must stand.
 */
export function readPortsDocument(value: unknown, cache?: PortEntryCache): PortsRead | { fatal: Issue } {
  const issues = new Issues('ERR_PORT');
  if (value === null || value === undefined) return { fatal: fileIssue('ERR_SOURCE_FILE_EMPTY', 'the ports file is empty; write "ports: []" for no ports') };
  if (typeof value !== 'object' || Array.isArray(value) || !('ports' in value)) {
    return { fatal: fileIssue('ERR_SOURCE_FILE_FORMAT', 'expected a map with a "ports" list, e.g. "ports: []"') };
  }
  const doc = value as Record<string, unknown>;
  if (!Array.isArray(doc.ports)) {
    return { fatal: fileIssue('ERR_SOURCE_FILE_FORMAT', '"ports" must be a list; write "ports: []" for no ports', ['ports']) };
  }
  for (const k of Object.keys(doc)) if (k !== 'ports') issues.add([k], 'UNKNOWN_KEY', 'unknown key (the file holds only "ports")');

  const entries = cache === undefined ? lenientList(portSchema()).read(doc.ports, ['ports'], issues) : readEntriesCached(doc.ports, issues, cache);
  const ports: PortSpec[] = [];
  if (entries === INVALID) return { ports, issues: issues.list };
  const ids = new Map<string, number>();
  const taps = new Map<string, number>();
  const addresses = new Map<string, number>();
  for (const { index, value: p } of entries) {
    const clash =
      ids.has(p.id) ? (['id', `id ${p.id} is already used by ports[${ids.get(p.id)}]`] as const)
      : taps.has(p.tap) ? (['tap', `tap ${p.tap} is already used by ports[${taps.get(p.tap)}]`] as const)
      : undefined;
    const addr = p.fixedIps.findIndex((f) => addresses.has(f.address));
    if (clash) {
      issues.add(['ports', index, clash[0]], 'DUPLICATE', `${clash[1]}; port skipped`);
      continue;
    }
    if (addr !== -1) {
      const a = p.fixedIps[addr]!.address;
      issues.add(['ports', index, 'fixed_ips', addr, 'address'], 'DUPLICATE', `${a} is already used by ports[${addresses.get(a)}]; port skipped`);
      continue;
    }
    ids.set(p.id, index);
    taps.set(p.tap, index);
    for (const f of p.fixedIps) addresses.set(f.address, index);
    ports.push(p);
  }
  // in file order (entry problems and duplicates were found in two passes)
  const entryIndex = (i: Issue) => (i.segments[0] === 'ports' && typeof i.segments[1] === 'number' ? i.segments[1] : -1);
  return { ports, issues: issues.list.map((i, n) => ({ i, n })).sort((a, b) => entryIndex(a.i) - entryIndex(b.i) || a.n - b.n).map((x) => x.i) };
}

/** lenientList(portSchema()) with the good entries of the previous read taken from `cache`. */
function readEntriesCached(list: unknown[], issues: Issues, cache: PortEntryCache): { index: number; value: PortSpec }[] {
  const schema = portSchema();
  const seen: [string, PortSpec][] = [];
  const out: { index: number; value: PortSpec }[] = [];
  list.forEach((entry, index) => {
    const key = JSON.stringify(entry);
    const hit = cache.get(key);
    if (hit !== undefined) {
      seen.push([key, hit]);
      out.push({ index, value: hit });
      return;
    }
    const before = issues.list.length;
    const r = schema.read(entry, ['ports', index], issues);
    if (r === INVALID) return;
    if (issues.list.length === before) seen.push([key, r]);
    out.push({ index, value: r });
  });
  cache.clear();
  for (const [k, v] of seen) cache.set(k, v);
  return out;
}

function fileIssue(code: string, message: string, segments: string[] = []): Issue {
  return { path: segments.join('.'), segments, code, message };
}
