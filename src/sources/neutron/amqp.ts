// One AMQP connection to RabbitMQ that keeps itself up: connect, run the registered setup steps on
// a fresh channel, and after any loss (socket, heartbeat, a channel error) reconnect with backoff
// and run the setup steps again. Whoever registered a setup step re-declares its queues there, so
// after 'reconnected' everything is back; what was missed in between is for the caller to resync.
//
//   const conn = new AmqpConnection({ url: 'amqp://guest:guest@127.0.0.1:5672/' });
//   conn.onSetup(async (ch) => { await ch.assertQueue(...); await ch.consume(...); });
//   conn.on('connected' | 'reconnected', () => ...); conn.on('disconnected', (err) => ...);
//   conn.start(); await conn.waitConnected(10_000);
//   conn.publish(exchange, routingKey, body, props);      // throws ERR_AMQP_NOT_CONNECTED when down
//   await conn.close();
import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel, type Options } from 'amqplib';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { NeutronError } from './errors.js';

export type { Channel } from 'amqplib';

export interface AmqpOptions {
  /** amqp://user:pass@host:port/vhost (RabbitMQ's default vhost is "/": url path "/" or "/%2F") */
  readonly url: string;
  readonly backoff?: Partial<BackoffOptions>;
  /** AMQP heartbeat, seconds (a dead broker is noticed after about twice this); default 15 */
  readonly heartbeatS?: number;
  /** one connection attempt gives up after this, ms; default 10 000 */
  readonly connectTimeoutMs?: number;
  readonly random?: () => number;
}

export type SetupStep = (ch: Channel) => Promise<void>;

export interface ConnectFailure {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: Error;
}

export interface AmqpConnectionEvents {
  /** the first connection is up and every setup step ran */
  connected: [];
  /** up again after a loss, setup steps ran again */
  reconnected: [];
  /** the connection (or its channel) was lost; pending work on it is gone */
  disconnected: [Error];
  /** an attempt failed; the next one is in delayMs */
  'connect-failed': [ConnectFailure];
}

export class AmqpConnection extends EventEmitter<AmqpConnectionEvents> {
  readonly #opts: AmqpOptions;
  readonly #backoff: BackoffOptions;
  readonly #setups: SetupStep[] = [];
  #model: ChannelModel | undefined;
  #channel: Channel | undefined;
  #started = false;
  #closed = false;
  #everConnected = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #connecting: Promise<void> | undefined;
  #generation = 0;

  constructor(opts: AmqpOptions) {
    super();
    this.#opts = opts;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  /** Registers a step run on every (re)connect, in registration order, before 'connected'/'reconnected'. */
  onSetup(step: SetupStep): void {
    this.#setups.push(step);
  }

  get isConnected(): boolean {
    return this.#channel !== undefined;
  }

  /** The live channel, or undefined while down. */
  get channel(): Channel | undefined {
    return this.#channel;
  }

  /** Starts connecting (and keeps reconnecting until close()). Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connectSoon(0);
  }

  /** Resolves once connected (now or later); ERR_AMQP_CONNECT after timeoutMs, ERR_AMQP_CLOSED if closed. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    if (this.#closed) return Promise.reject(new NeutronError('ERR_AMQP_CLOSED', 'the AMQP connection is closed'));
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const done = () => {
        clearTimeout(timer);
        this.off('connected', done);
        this.off('reconnected', done);
        this.off('connect-failed', failed);
      };
      const ok = () => {
        done();
        resolve();
      };
      const failed = (f: ConnectFailure) => {
        lastError = f.error;
      };
      const timer = setTimeout(() => {
        done();
        reject(new NeutronError('ERR_AMQP_CONNECT', `not connected to ${redact(this.#opts.url)} after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`, { cause: lastError }));
      }, timeoutMs);
      this.on('connected', ok);
      this.on('reconnected', ok);
      this.on('connect-failed', failed);
    });
  }

  /** Publishes on the live channel; ERR_AMQP_NOT_CONNECTED while down. */
  publish(exchange: string, routingKey: string, body: Buffer, props: Options.Publish): void {
    const ch = this.#channel;
    if (ch === undefined) throw new NeutronError('ERR_AMQP_NOT_CONNECTED', `not connected to ${redact(this.#opts.url)}`);
    ch.publish(exchange, routingKey, body, props);
  }

  /** Closes for good: no more reconnects. Never throws. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#connecting?.catch(() => {});
    const model = this.#model;
    this.#model = undefined;
    this.#channel = undefined;
    this.#generation++;
    if (model !== undefined) await model.close().catch(() => {});
  }

  #connectSoon(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#connecting = this.#connectOnce().finally(() => {
        this.#connecting = undefined;
      });
    }, delayMs);
  }

  async #connectOnce(): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    let model: ChannelModel | undefined;
    try {
      model = await connect(withHeartbeat(this.#opts.url, this.#opts.heartbeatS ?? 15), { timeout: this.#opts.connectTimeoutMs ?? 10_000 });
      // Listeners first: an 'error' without a listener would crash the process.
      model.on('error', () => {});
      model.on('close', (err?: Error) => this.#lost(generation, err ?? new Error('connection closed')));
      const ch = await model.createChannel();
      ch.on('error', () => {});
      ch.on('close', () => this.#lost(generation, new Error('channel closed')));
      for (const step of this.#setups) await step(ch);
      if (this.#closed || generation !== this.#generation) {
        await model.close().catch(() => {});
        return;
      }
      this.#model = model;
      this.#channel = ch;
      this.#attempt = 0;
      const again = this.#everConnected;
      this.#everConnected = true;
      if (again) this.emit('reconnected');
      else this.emit('connected');
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (model !== undefined) await model.close().catch(() => {});
      if (this.#closed || generation !== this.#generation) return;
      this.#attempt++;
      const delayMs = backoffDelay(this.#attempt, this.#backoff, this.#opts.random ?? Math.random);
      this.emit('connect-failed', { attempt: this.#attempt, delayMs, error });
      this.#connectSoon(delayMs);
    }
  }

  #lost(generation: number, err: Error): void {
    if (generation !== this.#generation || this.#closed) return;
    const wasUp = this.#channel !== undefined;
    const model = this.#model;
    this.#model = undefined;
    this.#channel = undefined;
    this.#generation++;
    // A channel error leaves the connection open: close it, the next attempt starts clean.
    model?.close().catch(() => {});
    if (wasUp) this.emit('disconnected', err);
    this.#attempt++;
    this.#connectSoon(backoffDelay(this.#attempt, this.#backoff, this.#opts.random ?? Math.random));
  }
}

/** The URL with `heartbeat=` set unless it already has one. */
function withHeartbeat(url: string, seconds: number): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${seconds}`;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
