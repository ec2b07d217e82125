// Reading a config file: YAML text -> parsed value -> validated AgentConfig, with every issue
// carrying its line and column in the file.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { formatIssue, type Issue } from '../lib/schema.js';
import { parseYaml } from '../lib/yaml.js';
import { validateConfig, type ValidateOptions, type ValidateResult } from './schema.js';
import type { AgentConfig } from './types.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG_INVALID';
  readonly file: string | undefined;
  readonly issues: readonly Issue[];
  constructor(file: string | undefined, issues: readonly Issue[]) {
    super(`${file ?? 'config'}: ${issues.length} error${issues.length === 1 ? '' : 's'}\n${issues.map((i) => formatIssue(i, file)).join('\n')}`);
    this.file = file;
    this.issues = issues;
  }
}


export interface ParseOptions extends ValidateOptions {
  /** for messages */
  readonly file?: string;
}

/** YAML config text -> AgentConfig or every issue, located in the text. */
export function parseConfig(text: string, opts: ParseOptions = {}): ValidateResult {
  const y = parseYaml(text, 'ERR_CONFIG');
  if (y.issues.length > 0) return { ok: false, issues: y.issues };
  const r = validateConfig(y.value, opts);
  if (r.ok) return r;
  // in file order; issues without a position (none so far) stay first
  const located = r.issues.map(y.locate).map((i, n) => ({ i, n }));
  located.sort((a, b) => (a.i.line ?? 0) - (b.i.line ?? 0) || (a.i.column ?? 0) - (b.i.column ?? 0) || a.n - b.n);
  return { ok: false, issues: located.map((x) => x.i) };
}

/** Reads and validates a config file; relative paths inside are taken from its directory. */
export async function checkConfigFile(file: string): Promise<ValidateResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, issues: [{ path: '', segments: [], code: 'ERR_CONFIG_FILE', message: `cannot read the config file: ${e.code ?? e.message}` }] };
  }
  return parseConfig(text, { file, defaultHost: hostname(), baseDir: dirname(resolve(file)) });
}

/** Reads and validates a config file; throws ConfigError (code ERR_CONFIG_INVALID) listing every issue. */
export async function loadConfigFile(file: string): Promise<AgentConfig> {
  const r = await checkConfigFile(file);
  if (!r.ok) throw new ConfigError(file, r.issues);
  return r.config;
}
