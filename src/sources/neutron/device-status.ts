// What Neutron should be told about each port's device: up (ACTIVE) or down. Declarative: the
// source says what it wants per port, the reporter sends only what Neutron was not told yet, in
// one update_device_list call for every difference, and retries what failed with backoff.
//
//   const r = new DeviceStatusReporter({ send: (up, down) => rpc.updateDeviceList(up, down), logger });
//   r.want(id, 'up');      // the port is reachable
//   r.want(id, 'down');    // the port left this host and is no longer announced
//   r.reset(id);           // Neutron changed the status itself (details fetched: BUILD): tell it again
//   r.forget(id);          // the port is gone from Neutron: nothing to say
//   r.stop();
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Logger } from '../../lib/log.js';

export type DeviceStatus = 'up' | 'down';

export interface DeviceListResult {
  readonly failedDevicesUp: readonly string[];
  readonly failedDevicesDown: readonly string[];
}

export interface DeviceStatusOptions {
  /** one update_device_list call; throws when the call itself fails */
  readonly send: (up: readonly string[], down: readonly string[]) => Promise<DeviceListResult>;
  readonly logger: Logger;
  /** quiet time before a send, so a burst goes in one call; default 5 ms */
  readonly coalesceMs?: number;
  /** retry delays after a failed send; default 500 ms doubling to 30 s */
  readonly backoff?: BackoffOptions;
  /** devices per call; default 200 */
  readonly batchSize?: number;
  readonly random?: () => number;
}

const DEFAULT_RETRY: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class DeviceStatusReporter {
  readonly #send: DeviceStatusOptions['send'];
  readonly #log: Logger;
  readonly #coalesceMs: number;
  readonly #backoff: BackoffOptions;
  readonly #batchSize: number;
  readonly #random: () => number;
  readonly #want = new Map<string, DeviceStatus>();
  readonly #told = new Map<string, DeviceStatus>();
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #failures = 0;
  #stopped = false;
  /** successful calls, for status and tests */
  calls = 0;

  constructor(opts: DeviceStatusOptions) {
    this.#send = opts.send;
    this.#log = opts.logger;
    this.#coalesceMs = opts.coalesceMs ?? 5;
    this.#backoff = opts.backoff ?? DEFAULT_RETRY;
    this.#batchSize = opts.batchSize ?? 200;
    this.#random = opts.random ?? Math.random;
  }

  want(id: string, status: DeviceStatus): void {
    if (this.#want.get(id) === status) return;
    this.#want.set(id, status);
    if (this.#told.get(id) !== status) this.#schedule(this.#failures > 0 ? undefined : this.#coalesceMs);
  }

  /** Stop wanting anything for this port (a pending send is dropped); what Neutron was told is kept. */
  unwant(id: string): void {
    this.#want.delete(id);
  }

  /** Neutron changed the port's status itself: what it was told no longer holds. */
  reset(id: string): void {
    this.#told.delete(id);
    const w = this.#want.get(id);
    if (w !== undefined) this.#schedule(this.#failures > 0 ? undefined : this.#coalesceMs);
  }

  forget(id: string): void {
    this.#want.delete(id);
    this.#told.delete(id);
  }

  wanted(id: string): DeviceStatus | undefined {
    return this.#want.get(id);
  }

  told(id: string): DeviceStatus | undefined {
    return this.#told.get(id);
  }

  /** Ports whose wanted status Neutron was not told yet. */
  get pending(): number {
    let n = 0;
    for (const [id, w] of this.#want) if (this.#told.get(id) !== w) n++;
    return n;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
  }

  /** A send after delayMs (undefined: after the current backoff), unless one is due sooner. */
  #schedule(delayMs: number | undefined): void {
    if (this.#stopped || this.#timer !== undefined || this.#sending !== undefined) return;
    const ms = delayMs ?? backoffDelay(this.#failures, this.#backoff, this.#random);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sending = this.#sendOnce().finally(() => {
        this.#sending = undefined;
        if (this.pending > 0) this.#schedule(this.#failures > 0 ? undefined : 0);
      });
    }, ms);
  }

  async #sendOnce(): Promise<void> {
    const batch: [string, DeviceStatus][] = [];
    for (const [id, w] of this.#want) {
      if (this.#told.get(id) !== w) batch.push([id, w]);
      if (batch.length >= this.#batchSize) break;
    }
    if (batch.length === 0 || this.#stopped) return;
    const up = batch.filter(([, w]) => w === 'up').map(([id]) => id);
    const down = batch.filter(([, w]) => w === 'down').map(([id]) => id);
    let result: DeviceListResult;
    try {
      result = await this.#send(up, down);
    } catch (err) {
      this.#failures++;
      const e = err as { code?: string; message?: string };
      this.#log.warn('update_device_list failed; retrying', { code: e.code, error: e.message, up: up.length, down: down.length, attempt: this.#failures });
      return;
    }
    this.calls++;
    const failed = new Set([...result.failedDevicesUp, ...result.failedDevicesDown]);
    for (const [id, w] of batch) {
      if (failed.has(id)) continue;
      // what is wanted may have changed while the call was out: then the next send says so
      this.#told.set(id, w);
      if (w === 'down' && this.#want.get(id) === 'down') this.forget(id);
    }
    if (failed.size > 0) {
      this.#failures++;
      this.#log.warn('neutron-server could not update some devices; retrying', { code: 'ERR_SOURCE_NEUTRON_DEVICE_STATUS', devices: [...failed], attempt: this.#failures });
    } else {
      this.#failures = 0;
    }
    this.#log.info('device status reported', { up, down, failed: [...failed] });
  }
}
