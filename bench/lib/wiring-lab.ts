// The lab side of the wiring-latency benchmark: make the ToRs pass VM host routes on to the
// hypervisors (the lab sends them only a default), make a lagless hypervisor import them, create
// the benchmark's taps, and capture BGP on a hypervisor's uplinks.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import type { PortSpec } from '../../src/dataplane/port.js';
import { tapNameForPort } from '../../src/dataplane/port.js';
import type { E2eLab } from '../../lab/e2e/e2e-lab.js';
import { LabError, run, waitFor } from '../../lab/proc.js';

/**
 * The ToRs also send every VM /32 and /128 of the pools to the hypervisors (a prefix-list entry
 * added at run time), and a lagless hypervisor `importer` accepts them (its config's import list,
 * then its agent restarted). Returns when `probe` (a VM address on another hypervisor) is in the
 * importer's FIB.
 */
export async function passHostRoutes(lab: E2eLab, importer: string, probe: string): Promise<void> {
  const t = lab.topology;
  for (const tor of t.tors) {
    const a = lab.state.routers[tor.name];
    if (a?.daemon !== 'frr') throw new LabError('ERR_LAB_ARGUMENT', `${tor.name} is not FRR`);
    await run(['vtysh', '--vty_socket', a.vtyDir, '-c', 'configure terminal',
      '-c', `ip prefix-list LAB-DEFAULT seq 20 permit ${t.pools.ipv4} ge 32`,
      '-c', `ipv6 prefix-list LAB-DEFAULT6 seq 20 permit ${t.pools.ipv6} ge 128`]);
  }
  if (lab.state.hypervisors[importer]?.kind === 'lagless') {
    const file = lab.hvAccess(importer).config;
    const doc = YAML.parse(readFileSync(file, 'utf8')) as { import: { prefixes: { prefix: string; ge: number; le: number }[] } };
    doc.import.prefixes.push({ prefix: t.pools.ipv4, ge: 32, le: 32 }, { prefix: t.pools.ipv6, ge: 128, le: 128 });
    writeFileSync(file, YAML.stringify(doc));
    await lab.stopAgent(importer, 'SIGTERM');
    await lab.startAgent(importer);
  }
  await waitFor(async () => (await run(['ip', '-n', lab.ns(importer), 'route', 'show', probe], { allowFail: true })).stdout.includes(probe), {
    timeoutMs: 30_000, intervalMs: 100, what: `${probe} in ${importer}'s FIB`,
  });
}

/** n ports for the benchmark: 10.100.1.k / 2001:db8:100::1:k (k = 1..n), taps named after the port ids. */
export function benchPorts(n: number, gateway4: string): PortSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + 1;
    const hex = k.toString(16).padStart(4, '0');
    const id = `b${hex}abc-0000-4000-8000-00000000${hex}`;
    return {
      id,
      tap: tapNameForPort(id),
      mac: `fa:16:3e:01:${hex.slice(0, 2)}:${hex.slice(2)}`,
      fixedIps: [
        { address: `10.100.${1 + (k >> 8)}.${k & 255}`, prefixLen: 16, gateway: gateway4 },
        { address: `2001:db8:100::1:${k.toString(16)}`, prefixLen: 64 },
      ],
      allowedAddressPairs: [],
      portSecurity: true,
    };
  });
}

/** Each port's tap as one end of a veth pair inside the hypervisor (carrier up, nothing behind it). */
export async function createTaps(ns: string, ports: readonly PortSpec[]): Promise<void> {
  const lines = ports.flatMap((p, i) => [`link add ${p.tap} type veth peer name bp${i}`, `link set bp${i} up`, `link set ${p.tap} up`]);
  await run(['ip', '-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 120_000 });
}

/** A ports file in JSON (the file source reads YAML or JSON; tools write JSON, which it reads fastest). */
export function portsJson(ports: readonly PortSpec[]): string {
  const entry = (p: PortSpec) => ({
    id: p.id,
    tap: p.tap,
    mac: p.mac,
    fixed_ips: p.fixedIps.map((f) => ({ address: f.address, prefix_len: f.prefixLen, ...(f.gateway === undefined ? {} : { gateway: f.gateway }) })),
  });
  return `${JSON.stringify({ ports: ports.map(entry) }, null, 1)}\n`;
}

/** The ports file entries (the file source's format). */
export function portsYaml(ports: readonly PortSpec[]): string {
  return ports
    .map((p) => {
      const ips = p.fixedIps.map((f) => `{ address: "${f.address}", prefix_len: ${f.prefixLen}${f.gateway === undefined ? '' : `, gateway: "${f.gateway}"`} }`);
      return `  - id: ${p.id}\n    mac: "${p.mac}"\n    fixed_ips: [${ips.join(', ')}]\n`;
    })
    .join('');
}

/** tcpdump of BGP on every interface of a namespace, into a pcap (SLL2 link type). */
export class UplinkCapture {
  readonly file: string;
  readonly #child: ChildProcess;
  readonly #closed: Promise<void>;

  private constructor(file: string, child: ChildProcess) {
    this.file = file;
    this.#child = child;
    this.#closed = new Promise((resolve) => child.on('close', () => resolve()));
  }

  static async start(ns: string, file: string): Promise<UplinkCapture> {
    const log = `${file}.log`;
    const fd = openSync(log, 'w');
    let child: ChildProcess;
    try {
      child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'any', '-U', '-s', '0', '-n', '-w', file, 'tcp port 179'], { stdio: ['ignore', 'ignore', fd] });
    } finally {
      closeSync(fd);
    }
    child.on('error', () => {});
    const c = new UplinkCapture(file, child);
    try {
      await waitFor(() => {
        if (child.exitCode !== null) throw new LabError('ERR_LAB_DAEMON', `tcpdump in ${ns} exited: ${readFileSync(log, 'utf8')}`);
        return readFileSync(log, 'utf8').includes('listening on');
      }, { timeoutMs: 10_000, intervalMs: 25, what: `tcpdump in ${ns} to listen` });
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** SIGTERM (tcpdump flushes and exits); the pcap is complete afterwards. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#closed;
    clearTimeout(t);
  }
}
