// The `file` source: a YAML or JSON file of ports (examples/ports.yaml), watched for changes.
//
// - Watches the file's directory, not the file: editors and scripts replace a file by writing a
//   temporary one and renaming it over the old (a new inode a file watch would lose). Bursts of
//   events are debounced into one read.
// - Also polls the file's identity (inode, size, mtime) as a backstop for missed events and for
//   symlink swaps in another directory (Kubernetes-style "..data" links).
// - A JSON document (what tools write) is read with JSON.parse, ~100x faster than the YAML parser
//   for a file of hundreds of ports (YAML is a superset: same meaning, except that JSON.parse
//   keeps the last of duplicate keys); the YAML parser runs only to locate a problem by line.
//   Entries unchanged since the last read are not validated again (PortEntryCache).
// - A bad entry is reported with its path and skipped; the other entries apply. A file that cannot
//   be used as a whole (missing, empty, syntax error) changes nothing: the last good set stands and
//   an 'error' is reported. The first good read makes the source in-sync.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { PortSpec } from '../../dataplane/port.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { formatIssue } from '../../lib/schema.js';
import { parseYaml } from '../../lib/yaml.js';
import { SourceError, type Source, type SourceEvents, type SourceIssue } from '../source.js';
import { readPortsDocument, type PortEntryCache } from './ports-schema.js';

export interface FileSourceOptions {
  readonly path: string;
  readonly logger?: Logger;
  /** quiet time after the last change event before reading; default 100 ms */
  readonly debounceMs?: number;
  /** how often to compare the file's identity as a backstop; default 5000 ms, 0: never */
  readonly pollMs?: number;
}

export class FileSource extends EventEmitter<SourceEvents> implements Source {
  readonly kind = 'file';
  readonly path: string;
  readonly #dir: string;
  readonly #base: string;
  readonly #log: Logger;
  readonly #debounceMs: number;
  readonly #pollMs: number;
  #inSync = false;
  #running = false;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #firstEventAt = 0;
  #poll: NodeJS.Timeout | undefined;
  #identity = '';
  #lastDelivered: string | undefined;
  #lastProblem: string | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  readonly #entries: PortEntryCache = new Map();

  constructor(opts: FileSourceOptions) {
    super();
    this.path = resolve(opts.path);
    this.#dir = dirname(this.path);
    this.#base = basename(this.path);
    this.#log = (opts.logger ?? silentLogger).child({ source: 'file', file: this.path });
    this.#debounceMs = opts.debounceMs ?? 100;
    this.#pollMs = opts.pollMs ?? 5000;
  }

  get inSync(): boolean {
    return this.#inSync;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const dir = await stat(this.#dir).catch(() => undefined);
    if (!dir?.isDirectory()) {
      throw new SourceError('ERR_SOURCE_FILE_DIR', `cannot watch ${this.path}: directory ${this.#dir} does not exist`);
    }
    this.#running = true;
    this.#startWatcher();
    if (this.#pollMs > 0) {
      this.#poll = setInterval(() => void this.#pollTick(), this.#pollMs);
    }
    await this.#read();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    await this.#reading;
  }

  /** Reads the file now (also what a change event leads to, after the debounce). */
  reload(): Promise<void> {
    return this.#read();
  }

  #startWatcher(): void {
    try {
      this.#watcher = watch(this.#dir, (_event, name) => {
        if (name === null || name === this.#base) this.#schedule();
      });
      this.#watcher.on('error', (err) => {
        this.#watcher?.close();
        this.#watcher = undefined;
        this.#problem(new SourceError('ERR_SOURCE_FILE_WATCH', `watching ${this.#dir} failed; polling until it can be watched again`, [], { cause: err }));
      });
    } catch (err) {
      this.#problem(new SourceError('ERR_SOURCE_FILE_WATCH', `cannot watch ${this.#dir}; polling instead`, [], { cause: err }));
    }
  }

  /** Trailing debounce, but never longer than 10 quiet periods in a continuous burst. */
  #schedule(): void {
    if (!this.#running) return;
    const now = Date.now();
    if (this.#debounce === undefined) this.#firstEventAt = now;
    clearTimeout(this.#debounce);
    const wait = Math.max(0, Math.min(this.#debounceMs, this.#firstEventAt + 10 * this.#debounceMs - now));
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.#read();
    }, wait);
  }

  async #pollTick(): Promise<void> {
    if (!this.#running) return;
    if (this.#watcher === undefined) this.#startWatcher();
    const id = await this.#statIdentity();
    if (id !== this.#identity) this.#schedule();
  }

  async #statIdentity(): Promise<string> {
    const s = await stat(this.path).catch(() => undefined);
    return s ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
  }

  /** One read at a time; a request during a read makes one more read after it. */
  #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readOnce();
      } while (this.#again && this.#running);
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readOnce(): Promise<void> {
    const identity = await this.#statIdentity();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      this.#identity = identity;
      const e = err as NodeJS.ErrnoException;
      const code = e.code === 'ENOENT' ? 'ERR_SOURCE_FILE_MISSING' : 'ERR_SOURCE_FILE_READ';
      this.#problem(new SourceError(code, `cannot read ${this.path}: ${e.code ?? e.message}${this.#keeping()}`, [], { cause: err }));
      return;
    }
    this.#identity = identity;
    if (!this.#running) return;
    const y = parsePortsText(text);
    if (y.issues.length > 0) {
      this.#problem(new SourceError('ERR_SOURCE_FILE_YAML', `${this.path} is not valid YAML/JSON${this.#keeping()}`, y.issues));
      return;
    }
    const r = readPortsDocument(y.value, this.#entries);
    if ('fatal' in r) {
      const issue = y.locate(r.fatal);
      this.#problem(new SourceError(issue.code, `${formatIssue(issue, this.path)}${this.#keeping()}`, [issue]));
      return;
    }
    this.#deliver(r.ports, r.issues.map(y.locate));
  }

  #keeping(): string {
    return this.#inSync ? '; keeping the last good set of ports' : '';
  }

  #deliver(ports: PortSpec[], issues: SourceIssue[]): void {
    this.#lastProblem = undefined;
    const key = JSON.stringify([ports, issues]);
    if (key !== this.#lastDelivered) {
      this.#lastDelivered = key;
      for (const i of issues) this.#log.warn('port entry skipped', { path: i.path, line: i.line, code: i.code, problem: i.message });
      this.#log.info('ports read', { ports: ports.length, skipped: issues.length });
      this.emit('ports', ports, issues);
    }
    if (!this.#inSync) {
      this.#inSync = true;
      this.emit('in-sync');
    }
  }

  /** Logs and reports a whole-file problem, once per distinct problem. */
  #problem(err: SourceError): void {
    if (!this.#running) return;
    const key = `${err.code} ${err.message} ${JSON.stringify(err.issues)}`;
    if (key === this.#lastProblem) return;
    this.#lastProblem = key;
    this.#log.warn(err.message, { err, issues: err.issues.map((i) => formatIssue(i)) });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/** JSON.parse for a JSON document, the YAML parser otherwise; issues are located (by line) with the YAML parser either way. */
export function parsePortsText(text: string): ReturnType<typeof parseYaml> {
  if (/^\s*\{/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return parseYaml(text, 'ERR_SOURCE_FILE'); // not JSON after all: the YAML parser says why
    }
    let yaml: ReturnType<typeof parseYaml> | undefined;
    return { value, issues: [], locate: (i) => (yaml ??= parseYaml(text, 'ERR_SOURCE_FILE')).locate(i) };
  }
  return parseYaml(text, 'ERR_SOURCE_FILE');
}
