// Kernel events from `ip -o monitor label link address route neigh` (iproute2 6.1 has no JSON
// monitor). Lines are parsed by parse.ts. When the monitor dies it is restarted (with backoff) and
// a 'lost' event asks for a full sweep; so does a netlink overflow ("No buffer space available").
import type { ChildProcess } from 'node:child_process';
import type { KernelEvent, KernelWatch } from '../kernel.js';
import type { CommandRunner } from './runner.js';
import { parseMonitorLine } from './parse.js';
import { GATEWAY_V6 } from '../model.js';

/** A 4 MiB socket buffer (iproute2's default is 1 MiB; net.core.rmem_max caps it): wiring 5,000 taps at once makes ~100,000 events. */
export const MONITOR_ARGV: readonly string[] = ['ip', '-rcvbuf', '4194304', '-o', 'monitor', 'label', 'link', 'address', 'route', 'neigh'];

/** Only what the dataplane looks at: addresses on lo and fe80::1 (as KernelSnapshot defines). */
function wanted(e: KernelEvent): boolean {
  if (e.type === 'addr') return e.addr.dev === 'lo' || e.addr.address === GATEWAY_V6;
  return true;
}

export function startMonitor(runner: CommandRunner, proto: number, onEvent: (e: KernelEvent) => void): KernelWatch {
  let child: ChildProcess | undefined;
  let stopped = false;
  let restartMs = 100;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = () => {
    const c = runner.spawn(MONITOR_ARGV);
    child = c;
    let buf = '';
    const startedAt = Date.now();
    c.stdout?.setEncoding('utf8');
    c.stdout?.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const e = parseMonitorLine(line, proto);
        if (e !== undefined && wanted(e)) onEvent(e);
      }
    });
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (chunk: string) => {
      if (/No buffer space/i.test(chunk)) onEvent({ type: 'lost', reason: 'netlink overflow (ENOBUFS)' });
    });
    c.on('error', () => {});
    c.on('close', (code, signal) => {
      if (stopped || child !== c) return;
      child = undefined;
      if (Date.now() - startedAt > 10_000) restartMs = 100;
      onEvent({ type: 'lost', reason: `monitor exited (${signal ?? code}); restarting in ${restartMs} ms` });
      restartTimer = setTimeout(start, restartMs);
      restartTimer.unref();
      restartMs = Math.min(restartMs * 2, 5000);
    });
  };
  start();

  return {
    stop: async () => {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          c.kill('SIGKILL');
        }, 2000);
        c.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        c.kill('SIGTERM');
      });
    },
  };
}
