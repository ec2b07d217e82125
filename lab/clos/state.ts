// A lab outlives the `lagless lab up` that built it: what it made is recorded in
// `<root>/<name>/state.json` (root: --dir, $LAGLESS_LAB_DIR, else /run/lagless-lab), which
// `lab status`, `lab exec` and `lab down` read. The file is written before anything is built (so a
// crashed build leaves a record) and again when the lab is up.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClosError } from './errors.js';
import { NAME_RE, type HypervisorKind, type RouterDaemon, type Topology } from './topology.js';

export const DEFAULT_LAB_ROOT = '/run/lagless-lab';
export const STATE_VERSION = 1;

export const labRoot = (dirOption: string | undefined, env: Readonly<Record<string, string | undefined>>): string =>
  dirOption ?? env.LAGLESS_LAB_DIR ?? DEFAULT_LAB_ROOT;
export const labDir = (root: string, name: string): string => join(root, name);
export const stateFile = (root: string, name: string): string => join(root, name, 'state.json');

/** How to reach a router's daemon after the fact. */
export type RouterAccess =
  | { readonly daemon: Extract<RouterDaemon, 'frr'>; /** vtysh --vty_socket */ readonly vtyDir: string; readonly logDir: string }
  | { readonly daemon: Extract<RouterDaemon, 'bird'>; /** birdc -s */ readonly socket: string; readonly logFile: string };

export interface HypervisorAccess {
  readonly kind: HypervisorKind;
  /** the hypervisor's own dir: agent.yaml, ports.yaml, agent.sock, agent.log (lagless); frr files (frr) */
  readonly dir: string;
  /** kind lagless: the agent's control socket, config, ports file and log */
  readonly socket?: string;
  readonly config?: string;
  readonly portsFile?: string;
  readonly logFile?: string;
  /** kind frr: vtysh --vty_socket */
  readonly vtyDir?: string;
}

export interface LabState {
  readonly version: number;
  readonly name: string;
  /** `lagless-<name>`: every namespace is `<prefix>-<node>` */
  readonly prefix: string;
  readonly dir: string;
  /** 'building' until `lab up` finished, then 'up' */
  readonly phase: 'building' | 'up';
  readonly createdAt: string;
  /** how long `lab up` took to build and converge, ms (when up) */
  readonly buildMs?: number;
  readonly topology: Topology;
  /** node name -> namespace */
  readonly namespaces: Readonly<Record<string, string>>;
  /** every process started, by pid (also found again by namespace on teardown) */
  readonly processes: readonly { readonly pid: number; readonly label: string }[];
  /** files and directories outside `dir` to remove on teardown (FRR run dirs) */
  readonly paths: readonly string[];
  readonly routers: Readonly<Record<string, RouterAccess>>;
  readonly hypervisors: Readonly<Record<string, HypervisorAccess>>;
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
export function writeState(root: string, s: LabState): void {
  const file = stateFile(root, s.name);
  mkdirSync(labDir(root, s.name), { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, file);
}

/** The lab's state; undefined when there is no state file; ERR_LAB_STATE when it is unreadable. */
export function readState(root: string, name: string): LabState | undefined {
  const file = stateFile(root, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClosError('ERR_LAB_STATE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (err) {
    throw new ClosError('ERR_LAB_STATE', `${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isState(s) || s.name !== name) throw new ClosError('ERR_LAB_STATE', `${file} is not a lab state file (version ${STATE_VERSION})`);
  return s;
}

function isState(s: unknown): s is LabState {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return o.version === STATE_VERSION && typeof o.name === 'string' && typeof o.prefix === 'string' && typeof o.topology === 'object' && typeof o.namespaces === 'object' && Array.isArray(o.processes);
}

/** Names of the labs under `root` (directories with a lab's name). */
export function listLabs(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries.filter((e) => NAME_RE.test(e)).sort();
}
