// The `openstack` CLI against a noauth neutron-server (every request is admin; ~1 s per call).
//
//   await openstack(neutron, ['port', 'delete', id]);                        // stdout text
//   const net = await openstackJson<{ id: string }>(neutron, ['network', 'create', 'n1']);   // adds `-f json`
import { run } from '../proc.js';

export interface Endpoint {
  readonly endpoint: string;
}

export function openstackEnv(server: Endpoint): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OS_AUTH_TYPE: 'none', OS_ENDPOINT: server.endpoint };
  // a stray cloud config or credentials in the caller's environment must not redirect the CLI
  for (const k of Object.keys(env)) if (k.startsWith('OS_') && k !== 'OS_AUTH_TYPE' && k !== 'OS_ENDPOINT') delete env[k];
  return env;
}

/** Runs `openstack ARGS`; throws ERR_LAB_COMMAND (with stderr) when it fails. */
export async function openstack(server: Endpoint, args: readonly string[]): Promise<string> {
  return (await run(['openstack', ...args], { env: openstackEnv(server), timeoutMs: 60_000 })).stdout;
}

/** Runs `openstack ARGS -f json` and parses the output. */
export async function openstackJson<T = unknown>(server: Endpoint, args: readonly string[]): Promise<T> {
  return JSON.parse(await openstack(server, [...args, '-f', 'json'])) as T;
}
