// Structured logs: one JSON object per line, {"ts","level","msg","code"?, ...fields}. An Error in
// the fields is written as {name, message, code, cause}. "code" is the line's error code: a `code`
// field, else the code of the `err` field, so `jq 'select(.code)'` finds every coded failure.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** a logger that adds `fields` to every line (e.g. { peer: 'tor1' }) */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const RESERVED = new Set(['ts', 'level', 'msg']);

export interface LoggerOptions {
  /** lines below this level are dropped; default "info" */
  readonly level?: LogLevel | 'silent';
  /** where a line goes (without its newline); default: stderr */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
  /** fields on every line */
  readonly fields?: LogFields;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (RANK[level] < min) return;
      write(formatLine(now(), level, msg, fields === undefined ? base : { ...base, ...fields }));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.fields ?? {});
}

/** Drops everything. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** A logger that keeps its lines parsed, for tests: `const { logger, lines } = memoryLogger()`. */
export function memoryLogger(level: LogLevel = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger({ level, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), lines };
}

export function formatLine(ts: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const out: Record<string, unknown> = { ts: ts.toISOString(), level, msg };
  const err = fields.err;
  const errCode = err !== null && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
  const code = fields.code ?? errCode;
  if (code !== undefined) out.code = code;
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'code') continue;
    if (v === undefined) continue;
    out[RESERVED.has(k) ? `_${k}` : k] = v;
  }
  return safeStringify(out);
}

/** JSON that never throws: Errors as plain objects, bigints as strings, bytes as hex, cycles cut. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function (_key, v: unknown) {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    if (v instanceof Error) return errorFields(v);
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}

function errorFields(e: Error): Record<string, unknown> {
  const o: Record<string, unknown> = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) o.code = code;
  else if (e.stack !== undefined) o.stack = e.stack; // an uncoded error is a bug: keep where it came from
  if (e.cause !== undefined) o.cause = e.cause instanceof Error ? errorFields(e.cause) : e.cause;
  return o;
}
