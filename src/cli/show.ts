// lagless show peers|routes|ports|status [--json] [--socket PATH] [--timeout MS]
import { parseArgs } from 'node:util';
import { callControl } from '../control/client.js';
import { ControlError, DEFAULT_SOCKET, type ControlMethod, type ControlResults } from '../control/protocol.js';
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIO } from './io.js';
import { renderPeers, renderPorts, renderRoutes, renderStatus } from './render.js';

export const SHOW_HELP = `usage: lagless show peers|routes|ports|status [--json] [--socket PATH] [--timeout MS]

  peers    BGP sessions: state, why, uptime, prefixes received/accepted/sent, last error
  routes   learned routes: every path, the best (>) and the ECMP set (=), why it won
  ports    VM ports bound to this host: wired, waiting for a tap, or failed (and why)
  status   one-screen summary

  --json          the agent's answer as JSON, for scripts
  --socket PATH   the agent's control socket (default: $LAGLESS_SOCKET, else ${DEFAULT_SOCKET})
  --timeout MS    how long to wait for the agent (default 5000)
`;

const WHAT = ['peers', 'routes', 'ports', 'status'] as const satisfies readonly ControlMethod[];

export async function runShow(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, socket: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(SHOW_HELP);
    return EXIT_OK;
  }
  const what = positionals[0];
  if (positionals.length !== 1 || !(WHAT as readonly string[]).includes(what ?? '')) {
    throw new UsageError(what === undefined ? 'show what? peers, routes, ports or status' : `cannot show "${positionals.join(' ')}": peers, routes, ports or status`);
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new UsageError(`--timeout takes milliseconds, got "${values.timeout}"`);
  const socket = values.socket ?? io.env.LAGLESS_SOCKET ?? DEFAULT_SOCKET;
  try {
    io.out(await show(what as Method, socket, values.json === true, timeoutMs));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ControlError) {
      io.err(`lagless: ${err.message} [${err.code}]\n`);
      return EXIT_FAIL;
    }
    throw err;
  }
}

type Method = (typeof WHAT)[number];
const RENDER: { readonly [M in Method]: (result: ControlResults[M]) => string } = {
  peers: renderPeers,
  routes: renderRoutes,
  ports: renderPorts,
  status: renderStatus,
};

async function show<M extends Method>(method: M, socket: string, json: boolean, timeoutMs: number | undefined): Promise<string> {
  const result = await callControl(socket, method, undefined, timeoutMs === undefined ? {} : { timeoutMs });
  return json ? `${JSON.stringify(result, null, 2)}\n` : RENDER[method](result);
}
