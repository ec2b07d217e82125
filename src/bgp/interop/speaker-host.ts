// A Speaker in its own process, driven by JSON lines over stdio: how integration tests and the
// ingest benchmark run lagless's speaker inside a network namespace (`ip netns exec NS node ...`).
//
//   node --import tsx src/bgp/interop/speaker-host.ts '<HostConfig JSON>'
//   stdin  {"id":1,"cmd":"setAnnouncements","routes":[{"prefix":"10.9.0.1/32"}]}  -> {"id":1,"result":{added,...}}
//          {"id":2,"cmd":"peers"}   {"id":3,"cmd":"routes","family":"ipv4"}   {"id":4,"cmd":"route","prefix":"0.0.0.0/0"}
//          {"id":5,"cmd":"whenAnnounced","prefixes":["10.9.0.1/32"],"timeoutMs":5000}
//          {"id":6,"cmd":"addPeer","peer":{...SpeakerPeerConfig}}   {"id":7,"cmd":"removePeer","peer":"v4"}
//          {"id":8,"cmd":"memory"}   {"id":9,"cmd":"stop"}  (answers, then the process exits)
//          {"id":10,"cmd":"exit"}  (exits at once: no Cease, no teardown; for benchmarks and profiles)
//   stdout {"event":"ready","pid":123,"port":179}
//          {"event":"peer-state","peer":"v4","from":"open-confirm","to":"established","reason":"open-confirmed"}
//          {"event":"route","prefix":"0.0.0.0/0","best":"v4","step":"only-path","ecmp":[{"peer":"v4","via":"10.0.0.0"}]}  (ecmp null: gone)
//          {"event":"sent"}   {"event":"wire-error","peer":"x","code":"ERR_BGP_ATTR_LENGTH","action":"treat-as-withdraw"}
//          {"event":"log","level":"warn","msg":"...","fields":{...}}
//          {"id":1,"error":{"code":"ERR_...","message":"..."}}
// Closing stdin stops the speaker (Cease to every peer) and ends the process.
import { createInterface } from 'node:readline';
import { parsePrefix, formatPrefix } from '../rib/prefix.js';
import type { LocalRoute } from '../rib/rib.js';
import { Speaker } from '../speaker.js';
import type { SpeakerFamily, SpeakerOptions, SpeakerPeerConfig } from '../speaker.js';

export interface HostConfig {
  readonly speaker: Omit<SpeakerOptions, 'logger' | 'clock' | 'connector' | 'interfaces'>;
  readonly peers?: readonly SpeakerPeerConfig[];
  /** forward 'route' events (the FIB feed); off for benchmarks */
  readonly routeEvents?: boolean;
  /** lowest log level printed: 'info' (default), 'warn', 'error' */
  readonly logLevel?: 'info' | 'warn' | 'error';
}

/** A local route as JSON: the prefix as text. */
export type HostRoute = Omit<LocalRoute, 'prefix'> & { readonly prefix: string };

export type HostCommand =
  | { readonly cmd: 'setAnnouncements'; readonly routes: readonly HostRoute[] }
  | { readonly cmd: 'peers' }
  | { readonly cmd: 'routes'; readonly family?: SpeakerFamily }
  | { readonly cmd: 'route'; readonly prefix: string }
  | { readonly cmd: 'whenAnnounced'; readonly prefixes: readonly string[]; readonly timeoutMs: number }
  | { readonly cmd: 'addPeer'; readonly peer: SpeakerPeerConfig }
  | { readonly cmd: 'removePeer'; readonly peer: string }
  | { readonly cmd: 'memory' }
  | { readonly cmd: 'stop' }
  | { readonly cmd: 'exit' };

const LEVELS = { info: 0, warn: 1, error: 2 } as const;

function out(o: object): void {
  process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as HostConfig;
  const min = LEVELS[config.logLevel ?? 'info'];
  const log = (level: keyof typeof LEVELS) => (msg: string, fields?: object) => {
    if (LEVELS[level] >= min) out({ event: 'log', level, msg, fields });
  };
  const speaker = new Speaker({ ...config.speaker, logger: { info: log('info'), warn: log('warn'), error: log('error') } });
  speaker.on('peer-state', (peer, c) => out({ event: 'peer-state', peer, ...c }));
  speaker.on('sent', () => out({ event: 'sent' }));
  speaker.on('wire-error', (peer, e) => out({ event: 'wire-error', peer, code: e.code, action: e.action, message: e.message }));
  if (config.routeEvents !== false) {
    speaker.on('route', (prefix, r) =>
      out({ event: 'route', prefix: formatPrefix(prefix), best: r?.best.source.id ?? null, step: r?.step ?? null, ecmp: r === undefined ? null : r.ecmp }),
    );
  }
  for (const p of config.peers ?? []) speaker.addPeer(p);
  await speaker.start();
  out({ event: 'ready', pid: process.pid, port: speaker.port ?? null });

  const run = async (c: HostCommand): Promise<unknown> => {
    switch (c.cmd) {
      case 'setAnnouncements':
        return speaker.setAnnouncements(c.routes.map((r) => ({ ...r, prefix: parsePrefix(r.prefix) })));
      case 'peers':
        return speaker.peers();
      case 'routes':
        return speaker.routes(c.family);
      case 'route':
        return speaker.route(c.prefix) ?? null;
      case 'whenAnnounced':
        await speaker.whenAnnounced(c.prefixes.map(parsePrefix), c.timeoutMs);
        return true;
      case 'addPeer':
        speaker.addPeer(c.peer);
        return true;
      case 'removePeer':
        await speaker.removePeer(c.peer);
        return true;
      case 'memory':
        return { ...process.memoryUsage(), rib: speaker.rib.size };
      case 'stop':
        await speaker.stop();
        return true;
      case 'exit':
        process.exit(0);
      default:
        throw Object.assign(new Error(`unknown command ${JSON.stringify((c as { cmd?: unknown }).cmd)}`), { code: 'ERR_HOST_BAD_COMMAND' });
    }
  };

  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    let msg: HostCommand & { id?: unknown };
    try {
      msg = JSON.parse(line) as HostCommand & { id?: unknown };
    } catch (e) {
      out({ id: null, error: { code: 'ERR_HOST_BAD_COMMAND', message: `not JSON: ${(e as Error).message}` } });
      continue;
    }
    const id = msg.id ?? null;
    // commands run concurrently (a whenAnnounced must not hold up peers); answers carry the id
    void run(msg).then(
      (result) => {
        out({ id, result });
        if (msg.cmd === 'stop') process.exit(0);
      },
      (e: unknown) => out({ id, error: { code: (e as { code?: string }).code ?? 'ERR_HOST_INTERNAL', message: e instanceof Error ? e.message : String(e) } }),
    );
  }
  await speaker.stop();
  process.exit(0);
}

await main();
