// The agent config: schema, loader, canonical printer.
export type * from './types.js';
export { DEFAULT_SOCKET } from '../control/protocol.js';
export { validateConfig, type ValidateOptions, type ValidateResult } from './schema.js';
export { ConfigError, checkConfigFile, loadConfigFile, parseConfig, type ParseOptions } from './load.js';
export { printConfig } from './print.js';
export { formatIssue, type Issue } from '../lib/schema.js';
