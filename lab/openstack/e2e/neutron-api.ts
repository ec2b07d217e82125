// neutron-server's REST API over fetch, for tests and benchmarks that cannot afford the CLI's
// ~1 s per call. noauth: every request runs with an admin context, no token.
//
//   const api = new NeutronApi(() => neutron.endpoint);     // a function: the endpoint changes when neutron-server restarts
//   const net = await api.create('networks', { name: 'n1', 'provider:network_type': 'routed' });
//   const port = await api.create('ports', { network_id: net.id, 'binding:host_id': 'hv1' });
//   (await api.get('ports', port.id)).status                // 'DOWN', 'BUILD', 'ACTIVE'
//   await api.remove('ports', port.id);

export class NeutronApiError extends Error {
  override readonly name = 'NeutronApiError';
  readonly code = 'ERR_LAB_NEUTRON_API';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type Resource = 'networks' | 'subnets' | 'ports' | 'agents';
type Singular<R extends Resource> = R extends 'networks' ? 'network' : R extends 'subnets' ? 'subnet' : R extends 'ports' ? 'port' : 'agent';
const singular = <R extends Resource>(r: R): Singular<R> => r.slice(0, -1) as Singular<R>;

export interface ApiPort {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly mac_address: string;
  readonly network_id: string;
  readonly fixed_ips: readonly { readonly ip_address: string; readonly subnet_id: string }[];
  readonly 'binding:host_id': string;
  readonly 'binding:vif_type': string;
  readonly [k: string]: unknown;
}

export interface ApiAgent {
  readonly id: string;
  readonly host: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly alive: boolean;
  readonly configurations: Readonly<Record<string, unknown>>;
  readonly [k: string]: unknown;
}

export class NeutronApi {
  readonly #endpoint: () => string;
  readonly #timeoutMs: number;

  constructor(endpoint: () => string, opts: { timeoutMs?: number } = {}) {
    this.#endpoint = endpoint;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
  }

  async create<T = Record<string, unknown> & { id: string }>(resource: Resource, body: Readonly<Record<string, unknown>>): Promise<T> {
    return (await this.#request('POST', `/v2.0/${resource}`, { [singular(resource)]: body }))[singular(resource)] as T;
  }

  async get<T = Record<string, unknown>>(resource: Resource, id: string): Promise<T> {
    return (await this.#request('GET', `/v2.0/${resource}/${id}`))[singular(resource)] as T;
  }

  async list<T = Record<string, unknown>>(resource: Resource, query: Readonly<Record<string, string>> = {}): Promise<T[]> {
    const q = new URLSearchParams(query).toString();
    return (await this.#request('GET', `/v2.0/${resource}${q ? `?${q}` : ''}`))[resource] as T[];
  }

  async update<T = Record<string, unknown>>(resource: Resource, id: string, body: Readonly<Record<string, unknown>>): Promise<T> {
    return (await this.#request('PUT', `/v2.0/${resource}/${id}`, { [singular(resource)]: body }))[singular(resource)] as T;
  }

  async remove(resource: Resource, id: string): Promise<void> {
    await this.#request('DELETE', `/v2.0/${resource}/${id}`);
  }

  getPort(id: string): Promise<ApiPort> {
    return this.get<ApiPort>('ports', id);
  }

  async #request(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const url = `${this.#endpoint()}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new NeutronApiError(`${method} ${url}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new NeutronApiError(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 500)}`, res.status);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
}
