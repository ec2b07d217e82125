// ExaBGP 4.2 in a namespace, scriptable at run time.
//
//   const x = await startExabgp(scope, ns, { config: exabgpConfig(spec) });
//   await x.waitEstablished('10.0.0.1');
//   await x.api('announce route 10.9.0.0/24 next-hop self community [65001:7]');
//   await x.api('withdraw route 10.9.0.0/24 next-hop self');
//   // a raw path attribute, sent as given (type code, flags, value: all hexadecimal):
//   await x.api('announce route 10.9.1.0/24 next-hop self attribute [ 0x04 0x80 0x0000000a0b ]');
//   await x.api('neighbor 10.0.0.1 teardown 2');   // Cease NOTIFICATION, subcode 2 (admin shutdown)
//   const events = x.events();                    // what ExaBGP reported (JSON: state changes, updates received)
//
// How: `env exabgp.daemon.user=root exabgp.api.cli=false ... ip netns exec NS exabgp CONF` in the
// foreground. startExabgp() prepends a `process lagless-api` to the config: a small Python script
// (python3 is ExaBGP's own interpreter) that copies lines from a FIFO to ExaBGP (the API commands)
// and ExaBGP's JSON messages to an events file; it exits when ExaBGP closes its stdin, so a killed
// ExaBGP leaves nothing reading the FIFO. A neighbour block must say
// `api { processes [ lagless-api ]; ... }` to be reachable by api() and to report its state
// (exabgpConfig does this).
//
// Raw attributes: `attribute [ 0xTYPE 0xFLAGS 0xVALUE ]` (ExaBGP's GenericAttribute, from
// exabgp/configuration/static/parser.py: each field must start with 0x, the value an even number of
// hex digits; ExaBGP writes flags, type, a length it computes (extended when the value is over 255
// octets or flags have 0x10), then the value bytes, unchecked). Accepted on a route both in the API
// and in the config's static routes. The length is always the true value length: a malformed
// attribute is a known type with a value of the wrong size or content, or wrong flags. Seen on the
// wire (capture of ExaBGP 4.2.21 -> GoBGP 3.10):
//   attribute [ 0x04 0x80 0x0000000a0b ]  MED with length 5: sent as 80 04 05 0000000a0b
//   attribute [ 0x01 0x40 0x07 ]          replaces the ORIGIN ExaBGP adds itself: sent as 40 01 01 07
//   `med 5 attribute [ 0x04 0x40 ... ]`   the keyword wins: only the good MED is sent
// (GoBGP treated the first two as withdraw and kept the session.)
// ExaBGP takes about 2-3 s to exit on SIGTERM.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LabScope, Netns } from '../netns.js';
import { LabError, isRunning, run, waitFor } from '../proc.js';
import { ForegroundDaemon, logTail, readPidFile } from './daemon.js';
import {
  DEFAULT_HOLD_TIME,
  checkSpec,
  familyOf,
  neighborFamilies,
  type BgpSpec,
  type PeerState,
  type Router,
} from './spec.js';

export const EXABGP_API_PROCESS = 'lagless-api';

export interface ExabgpOptions {
  /** the ExaBGP configuration (neighbour blocks); the `lagless-api` process is prepended */
  readonly config: string;
  /** extra exabgp.* environment settings, e.g. { 'exabgp.tcp.bind': '10.0.0.1' } to accept connections */
  readonly env?: Readonly<Record<string, string>>;
}

let cachedVersion: string | undefined;
async function exabgpVersion(): Promise<string> {
  if (cachedVersion === undefined) {
    const r = await run(['exabgp', '--version'], { allowFail: true });
    cachedVersion = /ExaBGP\s*:\s*(\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  }
  return cachedVersion;
}

const API_SCRIPT = `import os, select, sys
# lagless lab: API commands FIFO -> ExaBGP (stdout); ExaBGP messages (stdin) -> events file
fifo = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
events = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
with open(sys.argv[3], 'w') as f:
    f.write(str(os.getpid()))
while True:
    ready, _, _ = select.select([0, fifo], [], [])
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            sys.exit(0)
        os.write(events, data)
    if fifo in ready:
        try:
            data = os.read(fifo, 65536)
        except BlockingIOError:
            continue
        os.write(1, data)
`;

/** One JSON message ExaBGP sent to the API process (see ExaBGP's JSON encoder). */
export interface ExabgpEvent {
  readonly type: string;
  readonly neighbor?: { address?: { local?: string; peer?: string }; state?: string; message?: unknown };
  readonly [k: string]: unknown;
}

export class ExabgpRouter implements Router {
  readonly daemon = 'exabgp';
  readonly version: string;
  readonly ns: Netns;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly fifo: string;
  readonly eventsFile: string;
  readonly apiPidFile: string;
  readonly #env: Readonly<Record<string, string>>;
  #proc: ForegroundDaemon | undefined;
  #fifoFd: number | undefined;

  constructor(ns: Netns, version: string, dir: string, env: Readonly<Record<string, string>>) {
    this.ns = ns;
    this.version = version;
    this.dir = dir;
    this.configFile = join(dir, 'exabgp.conf');
    this.logFile = join(dir, 'exabgp.log');
    this.fifo = join(dir, 'api.fifo');
    this.eventsFile = join(dir, 'events.jsonl');
    this.apiPidFile = join(dir, 'api.pid');
    this.#env = env;
  }

  pids(): number[] {
    return this.#proc?.running ? [this.#proc.pid] : [];
  }

  async start(): Promise<void> {
    if (this.#proc?.running) return;
    if (!existsSync(this.fifo)) await run(['mkfifo', '-m', '0600', this.fifo]);
    // O_RDWR: never blocks, and the FIFO never reports EOF to the reader between our writes
    this.#fifoFd ??= openSync(this.fifo, 'r+');
    const env = {
      ...process.env,
      'exabgp.daemon.user': 'root',
      'exabgp.daemon.daemonize': 'false',
      'exabgp.api.cli': 'false',
      'exabgp.api.ack': 'false',
      'exabgp.log.destination': 'stdout',
      ...this.#env,
    };
    this.#proc = ForegroundDaemon.spawn(this.ns, ['exabgp', this.configFile], { label: `exabgp ${this.ns.name}`, logFile: this.logFile, env });
    // ready once the API process is up (ExaBGP starts it after the configuration parsed); a
    // configuration error does not make ExaBGP exit, it logs it and waits
    rmSync(this.apiPidFile, { force: true });
    const proc = this.#proc;
    await proc.waitReady(() => {
      const log = readText(this.logFile);
      if (/syntax error|incomplete neighbor|configuration issue/i.test(log)) {
        throw new LabError('ERR_LAB_DAEMON', `ExaBGP in ${this.ns.name} rejected its configuration:\n${logTail(this.logFile)}`);
      }
      const pid = readPidFile(this.apiPidFile);
      return pid !== undefined && isRunning(pid);
    }, 15_000, 'API process started');
  }

  /** SIGTERM; ExaBGP takes 2-3 s to exit. */
  async stop(): Promise<void> {
    await this.#proc?.stop(8000);
  }

  async kill(): Promise<void> {
    await this.#proc?.kill();
  }

  /** Sends one API command line (ExaBGP text API, e.g. `announce route ...`, `neighbor X teardown 2`). */
  async api(command: string): Promise<void> {
    if (command.includes('\n')) throw new LabError('ERR_LAB_ARGUMENT', 'one API command per call');
    if (!this.#proc?.running || this.#fifoFd === undefined) throw new LabError('ERR_LAB_DAEMON', `ExaBGP in ${this.ns.name} is not running`);
    writeSync(this.#fifoFd, `${command}\n`);
  }

  /** Every JSON message ExaBGP sent to the API process so far (across restarts), in order. */
  events(): ExabgpEvent[] {
    const out: ExabgpEvent[] = [];
    for (const line of readText(this.eventsFile).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ExabgpEvent);
      } catch {
        // a partial last line
      }
    }
    return out;
  }

  /** From the last state message about this peer ('up' = established); 'idle' when none since this start. */
  async peerState(address: string): Promise<PeerState> {
    if (!this.#proc?.running || !isRunning(this.#proc.pid)) return 'unknown';
    const states = this.events().filter((e) => e.type === 'state' && e.neighbor?.address?.peer === address);
    const last = states.at(-1)?.neighbor?.state;
    switch (last) {
      case 'up':
        return 'established';
      case 'connected':
        return 'opensent';
      default:
        return 'idle';
    }
  }

  async waitEstablished(address: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.peerState(address)) === 'established', { timeoutMs, intervalMs: 100, what: `ExaBGP ${this.ns.name} peer ${address} established` });
  }

  closeApi(): void {
    if (this.#fifoFd !== undefined) closeSync(this.#fifoFd);
    this.#fifoFd = undefined;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Starts ExaBGP in `ns`; cleanup is the scope's. */
export async function startExabgp(scope: LabScope, ns: Netns, opts: ExabgpOptions): Promise<ExabgpRouter> {
  const dir = join(scope.dir(), `${ns.name}-exabgp`);
  mkdirSync(dir, { recursive: true });
  const router = new ExabgpRouter(ns, await exabgpVersion(), dir, opts.env ?? {});
  const script = join(dir, 'api.py');
  writeFileSync(script, API_SCRIPT);
  const processBlock = [
    `process ${EXABGP_API_PROCESS} {`,
    `  run /usr/bin/python3 ${script} ${router.fifo} ${router.eventsFile} ${router.apiPidFile};`,
    '  encoder json;',
    '}',
    '',
  ].join('\n');
  writeFileSync(router.configFile, processBlock + opts.config);
  scope.onCleanup(`exabgp ${ns.name}`, async () => {
    await router.kill();
    router.closeApi();
  });
  await router.start();
  return router;
}

/**
 * An ExaBGP config for a simple eBGP speaker: one neighbour block per neighbour reporting to the
 * `lagless-api` process (state changes and parsed updates), `spec.announce` as static routes with
 * next-hop self (or spec.nextHop6/nextHop4 for the other family), communities, large communities and
 * MED. `extraRouteAttrs` is appended to every static route (e.g. `attribute [ 0xf0 0xc0 0x0102 ]`).
 */
export function exabgpConfig(spec: BgpSpec, extraRouteAttrs = ''): string {
  checkSpec(spec);
  const hold = spec.holdTime ?? DEFAULT_HOLD_TIME;
  const attrs = [
    ...(spec.communities?.length ? [`community [ ${spec.communities.join(' ')} ]`] : []),
    ...(spec.largeCommunities?.length ? [`large-community [ ${spec.largeCommunities.join(' ')} ]`] : []),
    ...(spec.med !== undefined ? [`med ${spec.med}`] : []),
    ...(extraRouteAttrs ? [extraRouteAttrs] : []),
  ].join(' ');
  const blocks: string[] = [];
  for (const n of spec.neighbors) {
    if (!n.localAddress) throw new LabError('ERR_LAB_ARGUMENT', `ExaBGP needs the local address of the session with ${n.address}`);
    const sessionFamily = n.address.includes(':') ? 'ipv6' : 'ipv4';
    const fams = neighborFamilies(n);
    const routes = (spec.announce ?? [])
      .filter((p) => fams.includes(familyOf(p)))
      .map((p) => {
        const fam = familyOf(p);
        const nh = fam === sessionFamily ? 'self' : (fam === 'ipv6' ? spec.nextHop6 : spec.nextHop4) ?? 'self';
        return `    route ${p} next-hop ${nh}${attrs ? ` ${attrs}` : ''};`;
      });
    const peer = n.address; // ExaBGP takes no zone id: a link-local peer works only where the kernel can pick the interface
    blocks.push(
      [
        `neighbor ${peer} {`,
        `  router-id ${spec.routerId};`,
        ...(n.localAddress ? [`  local-address ${n.localAddress};`] : []),
        `  local-as ${spec.asn};`,
        `  peer-as ${n.asn};`,
        `  hold-time ${hold};`,
        ...(n.passive ? ['  passive;'] : []),
        '  family {',
        ...fams.map((f) => `    ${f} unicast;`),
        '  }',
        '  capability {',
        '    route-refresh;',
        ...(spec.gracefulRestart ? ['    graceful-restart 120;'] : []),
        '  }',
        '  api {',
        `    processes [ ${EXABGP_API_PROCESS} ];`,
        '    neighbor-changes;',
        '    receive { parsed; update; notification; }',
        '  }',
        ...(routes.length > 0 ? ['  static {', ...routes, '  }'] : []),
        '}',
      ].join('\n'),
    );
  }
  return `${blocks.join('\n')}\n`;
}
