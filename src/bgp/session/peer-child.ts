// Test support: one BgpSession (+ listener) in its own process, so integration tests can run a
// session inside a network namespace. Prints events as JSON lines; reads commands as JSON lines.
//   node --import tsx src/bgp/session/peer-child.ts '{"session": {...BgpSessionOptions}, "listen": ["::"], "port": 179}'
//   stdin:  {"cmd":"send","update":{...}}   {"cmd":"stop","message":"..."}
//   stdout: {"event":"listening"} {"event":"state",...} {"event":"established",...} {"event":"update",...}
//           {"event":"down",...} {"event":"stopped"} {"event":"log",...}
import { createInterface } from 'node:readline';
import { BgpListener } from './listener.js';
import { BgpSession } from './session.js';
import type { BgpSessionOptions } from './session.js';
import type { UpdateMessage } from '../wire/types.js';

interface ChildConfig {
  readonly session: BgpSessionOptions;
  readonly listen: readonly string[];
  readonly port?: number;
}

const out = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v instanceof Set || v instanceof Map ? [...v] : v))}\n`);
};

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const log = (level: string) => (msg: string, fields?: object) => out({ event: 'log', level, msg, fields });
const session = new BgpSession({ ...config.session, logger: { info: log('info'), warn: log('warn'), error: log('error') } });
const listener = new BgpListener({ addresses: config.listen, ...(config.port === undefined ? {} : { port: config.port }) });
listener.add(session);
session.on('state', (c) => out({ event: 'state', ...c }));
session.on('established', (n) => out({ event: 'established', negotiated: n }));
session.on('update', (u) => out({ event: 'update', update: u }));
session.on('end-of-rib', (f) => out({ event: 'end-of-rib', ...f }));
session.on('down', (d) => out({ event: 'down', info: d }));
await listener.listen();
out({ event: 'listening', port: listener.port });
session.start();

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { cmd: string; update?: UpdateMessage; message?: string };
  if (cmd.cmd === 'send' && cmd.update !== undefined) session.send(cmd.update);
  if (cmd.cmd === 'stop') {
    await session.stop(cmd.message === undefined ? {} : { message: cmd.message });
    await listener.close();
    out({ event: 'stopped', stats: session.stats() });
    process.exit(0);
  }
}
