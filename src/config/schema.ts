// The agent config schema: reads a parsed YAML value into an AgentConfig with every default
// applied, or reports every problem with its path. Pure: no file or OS access (the loader passes
// the machine's host name and the config file's directory in).
import { isAbsolute, resolve } from 'node:path';
import {
  Failure, INVALID, Issues, bool, formatPath, int, list, nullable, obj, oneOf, optional, parsed, refine, str, tagged, withDefault,
  type Issue, type Schema,
} from '../lib/schema.js';
import { asn, hostPort, ifName, ipAddress, network, parseAddress } from '../lib/net-schema.js';
import { ipFamily, parseCidr } from '../lib/ip.js';
import { DEFAULT_SOCKET } from '../control/protocol.js';
import type {
  AddressFamily, AgentConfig, ImportPrefix, SourceConfig, UplinkConfig,
} from './types.js';

export const DEFAULT_HOLD_TIME = 9;
export const DEFAULT_CONNECT_RETRY = 10;
export const DEFAULT_MAX_PREFIXES = 1000;
export const DEFAULT_MAX_PATHS = 16;
/** sun_path is 108 bytes including the terminating NUL */
const SOCKET_PATH_MAX = 107;

export interface ValidateOptions {
  /** used when the config has no `host`; the loader passes os.hostname() */
  readonly defaultHost?: string;
  /** relative paths (source.path, control.socket) are resolved against it; the config file's directory */
  readonly baseDir?: string;
}

export type ValidateResult = { readonly ok: true; readonly config: AgentConfig } | { readonly ok: false; readonly issues: readonly Issue[] };

const hostName = () =>
  str({ expected: 'a host name (letters, digits, "-", "_", ".")', pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, maxLength: 253, kind: 'NAME' });

const peerAddress = (): Schema<string> =>
  parsed('the peer\'s IP address', 'ADDRESS', (s) =>
    s === 'unnumbered'
      ? new Failure('unnumbered peering is not supported yet: give the peer\'s address on the link', 'NOT_SUPPORTED')
      : parseAddress(s, { linkLocal: true }),
  );

/** 0 (no keepalives, no hold timer) or 3..65535, RFC 4271 §4.2. */
const holdTime = (): Schema<number> =>
  refine(int(0, 65535, 'a hold time in seconds: 0, or 3 to 65535'), (v, path, issues) => {
    if (v === 1 || v === 2) {
      issues.add(path, 'RANGE', `hold time ${v} is not allowed: 0, or at least 3 seconds (RFC 4271)`);
      return INVALID;
    }
    return v;
  });

const families = (): Schema<AddressFamily[]> =>
  refine(list(oneOf(['ipv4', 'ipv6'] as const), { minItems: 1 }), (v, path, issues) => {
    if (new Set(v).size !== v.length) {
      issues.add(path, 'DUPLICATE', 'lists a family twice');
      return INVALID;
    }
    return v;
  });

const keepaliveOf = (holdTime: number, keepalive: number | undefined) => keepalive ?? Math.floor(holdTime / 3);

const uplinkFields = obj(
  {
    name: optional(str({ expected: 'a name (letters, digits, "-", "_", ".", ":")', pattern: /^[A-Za-z0-9_.:-]+$/, maxLength: 64, kind: 'NAME' })),
    interface: ifName(),
    peer: peerAddress(),
    peerAsn: asn(),
    localAddress: withDefault(nullable(ipAddress({ linkLocal: true })), null),
    port: withDefault(int(1, 65535), 179),
    holdTime: withDefault(holdTime(), DEFAULT_HOLD_TIME),
    keepalive: optional(int(0, 21845, 'a keepalive interval in seconds, 0 to 21845')),
    connectRetry: withDefault(int(1, 65535), DEFAULT_CONNECT_RETRY),
    passive: withDefault(bool(), false),
    families: withDefault(families(), ['ipv4', 'ipv6']),
  },
  {
    check(u, path, issues) {
      if (u.holdTime !== undefined) {
        const keepalive = keepaliveOf(u.holdTime, u.keepalive);
        if (u.holdTime === 0 && keepalive !== 0) {
          issues.add([...path, 'keepalive'], 'TIMERS', `keepalive ${keepalive} with hold time 0: with no hold timer keepalives are off, set keepalive: 0`);
        } else if (u.holdTime > 0 && (keepalive === 0 || keepalive >= u.holdTime)) {
          issues.add([...path, 'keepalive'], 'TIMERS', `keepalive ${keepalive} must be from 1 to less than the hold time ${u.holdTime} (usually a third of it)`);
        }
      }
      if (u.localAddress && u.peer && ipFamily(u.localAddress) !== ipFamily(u.peer)) {
        issues.add([...path, 'localAddress'], 'ADDRESS', `local address ${u.localAddress} and peer ${u.peer} are of different families`);
      }
    },
  },
);

const uplink = (): Schema<UplinkConfig> =>
  refine(uplinkFields, (u): UplinkConfig => ({
    name: u.name ?? u.interface,
    interface: u.interface,
    peer: u.peer,
    peerAsn: u.peerAsn,
    localAddress: u.localAddress,
    port: u.port,
    holdTime: u.holdTime,
    keepalive: keepaliveOf(u.holdTime, u.keepalive),
    connectRetry: u.connectRetry,
    passive: u.passive,
    families: u.families,
  }));

/** FRR prefix-list semantics: ge defaults to the prefix length; le to the family maximum when ge is given, else to ge. */
const lengthRange = (prefix: string, ge: number | undefined, le: number | undefined) => {
  const c = parseCidr(prefix)!;
  const max = c.family === 4 ? 32 : 128;
  const g = ge ?? c.len;
  return { len: c.len, max, ge: g, le: le ?? (ge !== undefined ? max : g) };
};

const importPrefix = (): Schema<ImportPrefix> =>
  refine(
    obj(
      { prefix: network(), ge: optional(int(0, 128)), le: optional(int(0, 128)) },
      {
        check(p, path, issues) {
          if (p.prefix === undefined) return;
          const r = lengthRange(p.prefix, p.ge, p.le);
          if (r.ge < r.len || r.ge > r.max) issues.add([...path, 'ge'], 'RANGE', `ge ${r.ge} must be from the prefix length ${r.len} to ${r.max}`);
          else if (r.le < r.ge || r.le > r.max) issues.add([...path, 'le'], 'RANGE', `le ${r.le} must be from ge ${r.ge} to ${r.max}`);
        },
      },
    ),
    (p): ImportPrefix => {
      const r = lengthRange(p.prefix, p.ge, p.le);
      return { prefix: p.prefix, ge: r.ge, le: r.le };
    },
  );

const uniqueNetworks = (): Schema<string[]> =>
  refine(list(network()), (v, path, issues) => {
    const seen = new Map<string, number>();
    v.forEach((n, i) => {
      const j = seen.get(n);
      if (j !== undefined) issues.add([...path, i], 'DUPLICATE', `${n} is already listed at ${formatPath([...path, j])}`);
      else seen.set(n, i);
    });
    return v;
  });

const sourceSchema = tagged('type', {
  file: obj({ type: oneOf(['file'] as const), path: str({ expected: 'a file path' }) }),
  neutron: obj({
    type: oneOf(['neutron'] as const),
    transportUrl: parsed('an oslo.messaging transport URL, e.g. "rabbit://user:pass@host:5672/"', 'URL', (s) =>
      /^(rabbit|amqp):\/\/[^\s]+$/.test(s) ? s : new Failure(`not a transport URL: ${JSON.stringify(s)}; expected "rabbit://user:pass@host:5672/"`),
    ),
    host: optional(hostName()),
    reportInterval: withDefault(int(1, 3600, 'seconds from 1 to 3600'), 30),
    rpcTimeout: withDefault(int(1, 600, 'seconds from 1 to 600'), 60),
  }),
});

const configSchema = (opts: ValidateOptions) =>
  obj(
    {
      host: optional(hostName()),
      asn: asn(),
      routerId: optional(ipAddress({ family: 4 })),
      loopback: withDefault(list(ipAddress(), { single: true }), []),
      uplinks: list(uplink(), { minItems: 1 }),
      export: obj({ pools: uniqueNetworks() }),
      import: withDefault(
        obj({
          prefixes: withDefault(list(importPrefix()), () => defaultImportPrefixes()),
          maxPrefixes: withDefault(int(1, 10_000_000), DEFAULT_MAX_PREFIXES),
        }),
        () => ({ prefixes: defaultImportPrefixes(), maxPrefixes: DEFAULT_MAX_PREFIXES }),
      ),
      multipath: withDefault(
        obj({ maxPaths: withDefault(int(1, 256), DEFAULT_MAX_PATHS), relax: withDefault(bool(), true) }),
        () => ({ maxPaths: DEFAULT_MAX_PATHS, relax: true }),
      ),
      source: sourceSchema,
      dataplane: withDefault(
        obj({
          netns: withDefault(nullable(str({ expected: 'a network namespace name', pattern: /^[A-Za-z0-9_.-]+$/, maxLength: 64, kind: 'NAME' })), null),
          metadataAddress: withDefault(nullable(ipAddress({ family: 4 })), '169.254.169.254'),
          gatewayV4: withDefault(ipAddress({ family: 4 }), '169.254.1.1'),
        }),
        () => ({ netns: null, metadataAddress: '169.254.169.254', gatewayV4: '169.254.1.1' }),
      ),
      control: withDefault(obj({ socket: withDefault(str({ expected: 'a socket path' }), DEFAULT_SOCKET) }), () => ({ socket: DEFAULT_SOCKET })),
      logging: withDefault(obj({ level: withDefault(oneOf(['debug', 'info', 'warn', 'error'] as const), 'info') }), () => ({ level: 'info' as const })),
      metrics: withDefault(obj({ listen: withDefault(nullable(hostPort()), null) }), () => ({ listen: null })),
    },
    {
      // Checks across sections, on whatever sections were good.
      check(c, _path, issues, input) {
        if (input.host === undefined && opts.defaultHost === undefined) issues.add(['host'], 'MISSING', 'missing: expected this hypervisor\'s host name');
        if (input.routerId === undefined && c.loopback !== undefined && !c.loopback.some((a) => ipFamily(a) === 4)) {
          issues.add(['routerId'], 'MISSING', 'missing: expected an IPv4 address (or an IPv4 loopback address to take it from)');
        }
        const names = new Map<string, number>();
        const peers = new Map<string, number>();
        c.uplinks?.forEach((u, i) => {
          const n = names.get(u.name);
          if (n !== undefined) issues.add(['uplinks', i, 'name'], 'DUPLICATE', `uplink name "${u.name}" is already used by uplinks[${n}]${u.name === u.interface ? '; give each uplink on one interface its own name' : ''}`);
          else names.set(u.name, i);
          const key = `${u.peer}%${u.interface}:${u.port}`;
          const p = peers.get(key);
          if (p !== undefined) issues.add(['uplinks', i, 'peer'], 'DUPLICATE', `peer ${u.peer} on ${u.interface} is already configured at uplinks[${p}]`);
          else peers.set(key, i);
          if (c.loopback?.includes(u.peer)) issues.add(['uplinks', i, 'peer'], 'ADDRESS', `peer ${u.peer} is one of this host's loopback addresses`);
        });
        if (c.control !== undefined) {
          const bytes = Buffer.byteLength(absolute(c.control.socket, opts.baseDir));
          if (bytes > SOCKET_PATH_MAX) issues.add(['control', 'socket'], 'VALUE', `socket path is ${bytes} bytes; a Unix socket path is at most ${SOCKET_PATH_MAX}`);
        }
      },
    },
  );

const absolute = (p: string, base: string | undefined) => (base !== undefined && !isAbsolute(p) ? resolve(base, p) : p);

const defaultImportPrefixes = (): ImportPrefix[] => [
  { prefix: '0.0.0.0/0', ge: 0, le: 0 },
  { prefix: '::/0', ge: 0, le: 0 },
];

/** Reads a parsed config value. All problems are returned, each with its path. */
export function validateConfig(raw: unknown, opts: ValidateOptions = {}): ValidateResult {
  const issues = new Issues('ERR_CONFIG');
  if (raw === null || raw === undefined) {
    issues.add([], 'EMPTY', 'the config is empty');
    return { ok: false, issues: issues.list };
  }
  const c = configSchema(opts).read(raw, [], issues);
  if (c === INVALID) return { ok: false, issues: issues.list };
  // Defaults taken from other fields (the check above made sure they exist).
  const host = c.host ?? opts.defaultHost!;
  const source: SourceConfig =
    c.source.type === 'file'
      ? { type: 'file', path: absolute(c.source.path, opts.baseDir) }
      : { type: 'neutron', transportUrl: c.source.transportUrl, host: c.source.host ?? host, reportInterval: c.source.reportInterval, rpcTimeout: c.source.rpcTimeout };
  return {
    ok: true,
    config: {
      host,
      asn: c.asn,
      routerId: c.routerId ?? c.loopback.find((a) => ipFamily(a) === 4)!,
      loopback: c.loopback,
      uplinks: c.uplinks,
      export: c.export,
      import: c.import,
      multipath: c.multipath,
      source,
      dataplane: c.dataplane,
      control: { socket: absolute(c.control.socket, opts.baseDir) },
      logging: c.logging,
      metrics: c.metrics,
    },
  };
}
