// A private RabbitMQ for one test run: Debian's rabbitmq-server started by hand, loopback only,
// every port its own (AMQP, Erlang distribution, epmd), its state in the scope's temp dir.
//
//   const rabbit = await startRabbit(scope);      // ~4 s; stopped by scope.cleanup() or rabbit.stop()
//   rabbit.url                                    // amqp://guest:guest@127.0.0.1:PORT/  (amqplib)
//   rabbit.transportUrl                           // rabbit://guest:guest@127.0.0.1:PORT/ (oslo.messaging)
//   await rabbit.ctl(['list_queues', 'name'])     // rabbitmqctl against this node
//   await rabbit.stop()                           // SIGKILL (the state is thrown away), by pid
//
// The node runs as root straight from /usr/lib/rabbitmq/bin (the /usr/sbin wrapper would `su` to
// the rabbitmq user and write to /var/lib/rabbitmq). Its own epmd on its own port, so stopping it
// never disturbs another Erlang node on the machine.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'amqplib';
import type { LabScope } from '../netns.js';
import { isRunning, killPid, LabError, run, stopPid, waitFor } from '../proc.js';
import { descendants } from './children.js';
import { freePorts } from './free-port.js';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

export interface Rabbit {
  /** for amqplib */
  readonly url: string;
  /** for oslo.messaging's transport_url */
  readonly transportUrl: string;
  readonly port: number;
  readonly nodeName: string;
  readonly dir: string;
  readonly pid: number;
  /** rabbitmqctl against this node; stdout */
  ctl(args: readonly string[]): Promise<string>;
  /** the last lines of the node's log, for failure messages */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface RabbitOptions {
  /** how long to wait for AMQP to answer; default 60 s */
  readonly readyTimeoutMs?: number;
}

export async function startRabbit(scope: LabScope, opts: RabbitOptions = {}): Promise<Rabbit> {
  const dir = join(scope.dir(), 'rabbit');
  mkdirSync(dir, { recursive: true });
  const [port, distPort, epmdPort] = (await freePorts(3)) as [number, number, number];
  const nodeName = `${scope.prefix.replace(/[^a-z0-9]/gi, '')}@localhost`;
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir, // the Erlang cookie lives here
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  };
  const logFile = join(dir, 'server.log');
  const spawnLogged = (argv: readonly string[], label: string): number => {
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(argv[0] as string, argv.slice(1), { env, cwd: dir, stdio: ['ignore', fd, fd], detached: true });
      child.on('error', () => {});
      child.unref();
      if (child.pid === undefined) throw new LabError('ERR_LAB_DAEMON', `cannot start ${label}`);
      scope.trackPid(child.pid, label);
      return child.pid;
    } finally {
      closeSync(fd);
    }
  };

  const epmdPid = spawnLogged(['epmd', '-port', String(epmdPort), '-address', '127.0.0.1'], 'epmd');
  const pid = spawnLogged([RABBITMQ_SERVER], 'rabbitmq-server');
  const url = `amqp://guest:guest@127.0.0.1:${port}/`;
  const logTail = (lines = 30) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // The script waits on erl (beam.smp); its state is disposable, so no orderly shutdown.
      for (const child of descendants(pid).reverse()) await killPid(child);
      await stopPid(pid, { graceMs: 2000 });
      await stopPid(epmdPid, { graceMs: 1000 });
      scope.untrackPid(pid);
      scope.untrackPid(epmdPid);
    })());
  scope.onCleanup('rabbitmq', stop);

  try {
    await waitFor(
      async () => {
        if (!isRunning(pid)) throw new LabError('ERR_LAB_DAEMON', `rabbitmq-server exited during startup:\n${logTail()}`);
        try {
          const c = await connect(url, { timeout: 1000 });
          await c.close();
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 100, what: `rabbitmq on 127.0.0.1:${port}` },
    );
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    transportUrl: `rabbit://guest:guest@127.0.0.1:${port}/`,
    port,
    nodeName,
    dir,
    pid,
    ctl: async (args) => (await run([RABBITMQCTL, '-q', '-n', nodeName, ...args], { env, timeoutMs: 30_000 })).stdout,
    logTail,
    stop,
  };
}
