// A private MariaDB for one test run (neutron-server's database): Debian's mariadbd with a fresh
// data dir in the scope's temp dir, reachable only through its own unix socket (no TCP at all).
//
//   const db = await startMariadb(scope);                 // ~3.5 s; stopped by scope.cleanup() or db.stop()
//   await db.createDatabase('neutron');
//   db.sqlalchemyUrl('neutron')                           // mysql+pymysql://root@localhost/neutron?unix_socket=...
//
// Why not SQLite: neutron-server runs its API, RPC and periodic workers as separate processes.
// On one SQLite file they failed with "database is locked" (HTTP 500s and failed RPCs in a test
// with report_state every second, WAL mode and a 60 s busy timeout did not help), and forcing
// every transaction to BEGIN IMMEDIATE made every RPC time out instead (eventlet green threads
// share a process, SQLite's busy wait blocks all of them). MariaDB is what Neutron is run on.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabScope } from '../netns.js';
import { isRunning, LabError, run, stopPid, waitFor } from '../proc.js';

export interface Mariadb {
  /** the server's unix socket */
  readonly socket: string;
  readonly dir: string;
  readonly pid: number;
  /** runs SQL as root; stdout */
  sql(statement: string): Promise<string>;
  createDatabase(name: string): Promise<void>;
  /** an SQLAlchemy URL (PyMySQL over the socket) for a database on this server */
  sqlalchemyUrl(database: string): string;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const DB_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;

export async function startMariadb(scope: LabScope, opts: { readyTimeoutMs?: number } = {}): Promise<Mariadb> {
  const dir = join(scope.dir(), 'mariadb');
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'mysqld.sock');
  const errLog = join(dir, 'error.log');
  await run(
    ['mariadb-install-db', '--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { timeoutMs: 120_000 },
  );
  const fd = openSync(join(dir, 'stdout.log'), 'a');
  let pid: number;
  try {
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        `--log-error=${errLog}`,
        '--skip-networking',
        '--user=root',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        '--max-connections=200',
      ],
      { stdio: ['ignore', fd, fd], detached: true },
    );
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new LabError('ERR_LAB_DAEMON', 'cannot start mariadbd');
    pid = child.pid;
    scope.trackPid(pid, 'mariadbd');
  } finally {
    closeSync(fd);
  }
  const logTail = (lines = 30) => {
    try {
      return readFileSync(errLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopPid(pid, { graceMs: 5000 });
      scope.untrackPid(pid);
    })());
  scope.onCleanup('mariadbd', stop);

  const sql = async (statement: string) =>
    (await run(['mariadb', '--no-defaults', '-S', socket, '-uroot', '--batch', '-e', statement], { timeoutMs: 30_000 })).stdout;
  try {
    await waitFor(
      async () => {
        if (!isRunning(pid)) throw new LabError('ERR_LAB_DAEMON', `mariadbd exited during startup:\n${logTail()}`);
        return (await run(['mariadb', '--no-defaults', '-S', socket, '-uroot', '-e', 'SELECT 1'], { allowFail: true, timeoutMs: 5000 })).code === 0;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 50, what: `mariadbd on ${socket}` },
    );
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    socket,
    dir,
    pid,
    sql,
    async createDatabase(name) {
      if (!DB_NAME_RE.test(name)) throw new LabError('ERR_LAB_ARGUMENT', `bad database name ${JSON.stringify(name)}`);
      await sql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    },
    sqlalchemyUrl: (database) => `mysql+pymysql://root@localhost/${database}?unix_socket=${socket}&charset=utf8`,
    logTail,
    stop,
  };
}
