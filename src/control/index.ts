// The control socket: protocol types (what `lagless show` and scripts see), server, client.
export * from './protocol.js';
export { ControlServer, type ControlServerOptions } from './server.js';
export { ControlClient, callControl, DEFAULT_TIMEOUT_MS } from './client.js';
