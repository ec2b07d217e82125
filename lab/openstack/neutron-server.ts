// A private neutron-server for one test run, with networking-lagless's drivers: Debian's Neutron
// 21 (Zed), noauth, ML2 with type driver `routed` and mechanism driver `lagless`, API on a free
// loopback port, RPC through the given RabbitMQ, a fresh database on the given MariaDB. Its
// config, log and egg-info live in the scope's temp dir.
//
//   const [rabbit, db] = await Promise.all([startRabbit(scope), startMariadb(scope)]);
//   const neutron = await startNeutronServer(scope, { rabbit, db });   // API + RPC consumers ready
//   (or: const { rabbit, db, neutron } = await startOpenStack(scope);)
//   neutron.endpoint                                               // http://127.0.0.1:PORT
//   await openstack(neutron, ['network', 'agent', 'list']);        // see openstack-cli.ts
//   await neutron.stop();                                          // SIGTERM, then SIGKILL the rest, by pid
//
// The schema is created from the models and stamped at heads (create_neutron_db.py), much faster
// than Neutron's migrations. Workers: the API in the main process, one RPC worker that also takes
// the state reports (rpc_state_report_workers = 0), and Neutron's periodic worker.
// The drivers load through their entry points from an egg-info generated into the state dir
// (PYTHONPATH), so the system's site-packages are never touched.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from 'amqplib';
import type { LabScope } from '../netns.js';
import { isRunning, killPid, LabError, run, stopPid, waitFor } from '../proc.js';
import { descendants } from './children.js';
import { freePort } from './free-port.js';
import type { Mariadb } from './mariadb.js';
import type { Rabbit } from './rabbit.js';

const PYTHON = '/usr/bin/python3';
const NEUTRON_SERVER = '/usr/bin/neutron-server';
const API_PASTE = '/usr/share/neutron-common/api-paste.ini';
/** networking-lagless in this checkout */
export const NETWORKING_LAGLESS_DIR = resolve(import.meta.dirname, '../../networking-lagless');

export interface NeutronServer {
  /** the API, for OS_ENDPOINT */
  readonly endpoint: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  readonly configFiles: readonly string[];
  /** the last lines of neutron-server's log, for failure messages */
  logTail(lines?: number): string;
  /** the whole log (e.g. to check what the drivers logged) */
  log(): string;
  stop(): Promise<void>;
}

export interface NeutronServerOptions {
  readonly rabbit: Pick<Rabbit, 'transportUrl' | 'url'>;
  /** the server the `neutron` database is created on (it must not exist yet) */
  readonly db: Pick<Mariadb, 'createDatabase' | 'sqlalchemyUrl'>;
  /** extra lines appended to neutron.conf (later sections win in oslo.config) */
  readonly extraConfig?: string;
  /** how long to wait for the API and the RPC consumers; default 90 s */
  readonly readyTimeoutMs?: number;
  readonly debug?: boolean;
}

export async function startNeutronServer(scope: LabScope, opts: NeutronServerOptions): Promise<NeutronServer> {
  const dir = join(scope.dir(), 'neutron');
  mkdirSync(join(dir, 'lock'), { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'neutron-server.log');
  const conf = join(dir, 'neutron.conf');
  await opts.db.createDatabase('neutron');
  const database = opts.db.sqlalchemyUrl('neutron');
  writeFileSync(conf, neutronConf({ dir, port, transportUrl: opts.rabbit.transportUrl, database, logFile, debug: opts.debug ?? false }) + (opts.extraConfig ?? ''));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONPATH: [NETWORKING_LAGLESS_DIR, dir, process.env['PYTHONPATH']].filter(Boolean).join(':'),
  };

  // The drivers' entry points: networking_lagless.egg-info in the state dir.
  await run([PYTHON, '-c', 'import setuptools; setuptools.setup()', '-q', 'egg_info', '--egg-base', dir], { cwd: NETWORKING_LAGLESS_DIR, env });
  // The schema, from the models, stamped at heads.
  await run([PYTHON, join(import.meta.dirname, 'create_neutron_db.py'), conf], { env, timeoutMs: 120_000 });

  const outFile = join(dir, 'stdout.log');
  const fd = openSync(outFile, 'a');
  let pid: number;
  try {
    const child = spawn(PYTHON, [NEUTRON_SERVER, '--config-file', conf], { env, cwd: dir, stdio: ['ignore', fd, fd], detached: true });
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new LabError('ERR_LAB_DAEMON', 'cannot start neutron-server');
    pid = child.pid;
    scope.trackPid(pid, 'neutron-server');
  } finally {
    closeSync(fd);
  }

  const readText = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = (lines = 40) => `${readText(outFile)}\n${readText(logFile)}`.trimEnd().split('\n').slice(-lines).join('\n');
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // oslo.service stops its workers on SIGTERM; anything left after that is killed by pid.
      const workers = descendants(pid);
      await stopPid(pid, { graceMs: 5000 });
      for (const w of [...workers, ...descendants(pid)]) await killPid(w);
      scope.untrackPid(pid);
    })());
  scope.onCleanup('neutron-server', stop);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const timeoutMs = opts.readyTimeoutMs ?? 90_000;
    const alive = () => {
      if (!isRunning(pid)) throw new LabError('ERR_LAB_DAEMON', `neutron-server exited during startup:\n${logTail()}`);
    };
    await waitFor(
      async () => {
        alive();
        try {
          const r = await fetch(`${endpoint}/v2.0/networks`, { signal: AbortSignal.timeout(2000) });
          return r.ok;
        } catch {
          return false;
        }
      },
      { timeoutMs, intervalMs: 100, what: `neutron-server API on ${endpoint}` },
    );
    // RPC: the server's consumers on the plugin and state-report topics exist.
    await waitFor(
      async () => {
        alive();
        return (await consumers(opts.rabbit.url, 'q-plugin')) > 0 && (await consumers(opts.rabbit.url, 'q-reports-plugin')) > 0;
      },
      { timeoutMs, intervalMs: 100, what: 'neutron-server RPC consumers on q-plugin and q-reports-plugin' },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  // Known to the scope too, so an interrupted run (signal, exit hook) kills the workers as well.
  for (const w of descendants(pid)) scope.trackPid(w, 'neutron-server worker');

  return { endpoint, port, dir, pid, configFiles: [conf], logTail, log: () => readText(logFile), stop };
}

/** How many consumers a queue has (0 when it does not exist yet). */
async function consumers(url: string, queue: string): Promise<number> {
  const c = await connect(url, { timeout: 2000 });
  try {
    c.on('error', () => {});
    const ch = await c.createChannel();
    ch.on('error', () => {});
    try {
      return (await ch.checkQueue(queue)).consumerCount;
    } catch {
      return 0; // 404: not declared yet (the channel is closed by the broker)
    }
  } finally {
    await c.close().catch(() => {});
  }
}

function neutronConf(o: { dir: string; port: number; transportUrl: string; database: string; logFile: string; debug: boolean }): string {
  return `# generated by lab/openstack/neutron-server.ts
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = ${o.port}
api_paste_config = ${API_PASTE}
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
state_path = ${o.dir}
transport_url = ${o.transportUrl}
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
debug = ${o.debug}
log_file = ${o.logFile}
use_stderr = false

[database]
connection = ${o.database}

[oslo_concurrency]
lock_path = ${o.dir}/lock

[ml2]
type_drivers = routed
tenant_network_types = routed
mechanism_drivers = lagless
extension_drivers = port_security
`;
}
