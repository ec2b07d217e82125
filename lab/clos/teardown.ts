// `lab down`: stop every process of a lab and remove every namespace and file it made, from its
// state file and, for what a crashed build did not record, by its namespace prefix.
//
// Processes: every pid recorded in the state that still runs inside one of the lab's namespaces
// (checked, so a recycled pid is never touched), and every pid found inside the namespaces; all
// SIGTERM, then SIGKILL after a grace period. Then the namespaces, the FRR run dirs, the lab dir.
import { readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseNetnsList } from '../netns.js';
import { isRunning, run, stopPid } from '../proc.js';
import { ClosError } from './errors.js';
import { labDir, readState, type LabState } from './state.js';
import { labPrefix } from './topology.js';

const FRR_RUN = '/var/run/frr';
const NETNS_DIR = '/run/netns';

export interface TeardownResult {
  readonly name: string;
  /** a state file was there */
  readonly hadState: boolean;
  readonly namespaces: number;
  readonly processes: number;
}

/** Takes lab `name` down. Never fails for a lab that is partly gone; ERR_LAB_STATE only reported through `warning`. */
export async function teardownLab(root: string, name: string, opts: { graceMs?: number } = {}): Promise<TeardownResult & { warning?: string }> {
  let state: LabState | undefined;
  let warning: string | undefined;
  try {
    state = readState(root, name);
  } catch (err) {
    if (!(err instanceof ClosError)) throw err;
    warning = `${err.message}; removing the lab by its namespace prefix`;
  }
  const prefix = `${labPrefix(name)}-`;
  const listed = parseNetnsList((await run(['ip', 'netns', 'list'], { allowFail: true })).stdout).filter((n) => n.startsWith(prefix));
  const namespaces = [...new Set([...Object.values(state?.namespaces ?? {}), ...listed])].filter((n) => n.startsWith(prefix));
  const present = namespaces.filter((n) => listed.includes(n));

  const inodes = new Set(present.map(netnsInode).filter((i): i is number => i !== undefined));
  const recorded = (state?.processes ?? []).map((p) => p.pid).filter((pid) => isRunning(pid) && inodes.has(pidNetnsInode(pid) ?? -1));
  const found = (await Promise.all(present.map(nsPids))).flat();
  const pids = [...new Set([...recorded, ...found])].filter((pid) => pid !== process.pid);
  await Promise.all(pids.map((pid) => stopPid(pid, { graceMs: opts.graceMs ?? 5000 })));

  for (const ns of present) await run(['ip', 'netns', 'del', ns], { allowFail: true });
  for (const p of state?.paths ?? []) rmSync(p, { recursive: true, force: true });
  for (const e of safeReaddir(FRR_RUN)) if (e.startsWith(prefix)) rmSync(join(FRR_RUN, e), { recursive: true, force: true });
  rmSync(labDir(root, name), { recursive: true, force: true });
  return { name, hadState: state !== undefined, namespaces: present.length, processes: pids.length, ...(warning ? { warning } : {}) };
}

/** Every namespace of lab `name` that exists now. */
export async function labNamespaces(name: string): Promise<string[]> {
  const prefix = `${labPrefix(name)}-`;
  return parseNetnsList((await run(['ip', 'netns', 'list'], { allowFail: true })).stdout).filter((n) => n.startsWith(prefix));
}

async function nsPids(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true });
  return r.stdout.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
}

function netnsInode(ns: string): number | undefined {
  try {
    return statSync(join(NETNS_DIR, ns)).ino;
  } catch {
    return undefined;
  }
}

function pidNetnsInode(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
