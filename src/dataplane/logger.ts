// The logger the dataplane writes to. The agent passes its own; tests pass a recording one.
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A logger that keeps every line (tests assert on codes in `fields.code`). */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'info' | 'warn' | 'error'; msg: string; fields: LogFields }[] = [];
  info(msg: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(msg: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', msg, fields });
  }
  codes(): string[] {
    return this.lines.map((l) => l.fields['code']).filter((c): c is string => typeof c === 'string');
  }
}
