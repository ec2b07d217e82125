// A service on the host's loopback (the RabbitMQ of lab/openstack) reachable from inside lab
// namespaces at an address of their own, as a hypervisor reaches its control plane over a
// management network. Namespaces share no network with the host, but they share the filesystem:
//
//   agent in hv ns -> 127.0.0.1:5672 (hv ns) -> host-service-child.mjs (in the ns) -> Unix socket
//     -> serveHostService (this process, host ns) -> 127.0.0.1:<rabbit port>
//
//   const bridge = await serveHostService(join(scope.dir(), 'amqp.sock'), { host: '127.0.0.1', port: rabbit.port });
//   scope.onCleanup('amqp bridge', () => bridge.stop());
//   await exposeHostService(hvNs, { host: '127.0.0.1', port: 5672 }, bridge.socketPath);   // a process in hvNs, tracked by its scope
//
// A connection lives exactly as long as both ends: when the service goes away (a broker restart)
// every bridged connection closes, as a direct one would.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Netns } from '../netns.js';
import { LabError } from '../proc.js';

const CHILD = join(import.meta.dirname, 'host-service-child.mjs');

export interface HostServiceBridge {
  readonly socketPath: string;
  /** connections open through the bridge now */
  readonly connections: number;
  stop(): Promise<void>;
}

/** Listens on `socketPath` (this process) and forwards every connection to target. */
export async function serveHostService(socketPath: string, target: { readonly host: string; readonly port: number }): Promise<HostServiceBridge> {
  rmSync(socketPath, { force: true });
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    open.add(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  let stopped: Promise<void> | undefined;
  return {
    socketPath,
    get connections() {
      return open.size;
    },
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }).then(() => rmSync(socketPath, { force: true }))),
  };
}

/** Inside `ns`, listen on listen.host:listen.port and forward to the bridge's Unix socket. Resolves once listening. */
export async function exposeHostService(ns: Netns, listen: { readonly host: string; readonly port: number }, socketPath: string, label = 'host service bridge'): Promise<number> {
  const child = ns.spawn([process.execPath, CHILD, listen.host, String(listen.port), socketPath], { label: `${label} ${ns.name}`, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LabError('ERR_LAB_DAEMON', `${label} in ${ns.name} did not start: ${err}`)), 10_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LabError('ERR_LAB_DAEMON', `${label} in ${ns.name} exited (${code}): ${err}`));
    });
  });
  // nothing more is read: let go of the pipes so a persistent lab's child does not hold this process
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (child.pid === undefined) throw new LabError('ERR_LAB_DAEMON', `${label} in ${ns.name} has no pid`);
  return child.pid;
}
