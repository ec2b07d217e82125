// oslo.messaging RPC over an AmqpConnection, as a Neutron agent uses it (see fixtures/README.md):
//   call    publish to the topic exchange (`neutron`) with key = topic, `expiration` = timeout;
//           the server answers on the default exchange with key = our `_reply_q`, one message
//           with `ending: true`; `failure` set means the server raised.
//   cast    the same without _msg_id/_reply_q; nobody answers.
//   listen  fanout: exchange `<topic>_fanout` (fanout, non-durable, auto-delete) and a queue of
//           our own bound to it; every agent gets every cast.
// Queues are exclusive and named anew on every connection (a reconnect never collides with the
// broker's memory of the old connection, and nothing is left behind on the broker). Calls in
// flight when the connection drops fail with ERR_RPC_DISCONNECTED.
//
//   const rpc = new RpcClient(conn);                       // before conn.start()
//   rpc.listen('q-agent-notifier-port-delete', (cast) => ...);
//   const r = await rpc.call('q-plugin', 'update_device_up', { device, agent_id, host }, { version: '1.9', timeoutMs: 60_000 });
//   rpc.on('message-error', (err) => ...)                  // a malformed message arrived; it was dropped
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { AmqpConnection, Channel } from './amqp.js';
import { decodeEnvelope, encodeEnvelope, type OsloArgs, type OsloCall, type OsloCast, type OsloContext } from './envelope.js';
import { NeutronError } from './errors.js';

export interface CallOptions {
  /** the target's RPC API version, e.g. "1.9" */
  readonly version?: string;
  readonly namespace?: string;
  /** reject with ERR_RPC_TIMEOUT after this; also the message's AMQP expiration. Default: the client's */
  readonly timeoutMs?: number;
}

export interface RpcClientOptions {
  /** the control exchange; Neutron's is "neutron" */
  readonly exchange?: string;
  readonly defaultTimeoutMs?: number;
  /** the request context sent with every call and cast */
  readonly context?: () => OsloContext;
}

export type CastHandler = (cast: OsloCast, topic: string) => void;

export interface RpcClientEvents {
  /** a message that could not be decoded, or a handler that threw; the message was dropped */
  'message-error': [NeutronError | Error];
}

interface Pending {
  readonly method: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  result: unknown;
}

const JSON_PROPS = { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, priority: 0, headers: {} };

export const newId = (): string => randomBytes(16).toString('hex');

export class RpcClient extends EventEmitter<RpcClientEvents> {
  readonly #conn: AmqpConnection;
  readonly #exchange: string;
  readonly #defaultTimeoutMs: number;
  readonly #context: () => OsloContext;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners: { topic: string; handler: CastHandler }[] = [];
  #replyQ: string | undefined;

  constructor(conn: AmqpConnection, opts: RpcClientOptions = {}) {
    super();
    this.#conn = conn;
    this.#exchange = opts.exchange ?? 'neutron';
    this.#defaultTimeoutMs = opts.defaultTimeoutMs ?? 60_000;
    this.#context = opts.context ?? (() => ({}));
    conn.onSetup((ch) => this.#setup(ch));
    conn.on('disconnected', (err) => this.#failAll(err));
  }

  /** Consumes the fanout casts of a topic, now (if connected) and after every reconnect. */
  async listen(topic: string, handler: CastHandler): Promise<void> {
    const l = { topic, handler };
    this.#listeners.push(l);
    const ch = this.#conn.channel;
    if (ch !== undefined) await this.#bindListener(ch, l);
  }

  /** Calls a method on the servers of `topic` and resolves with its result. */
  call(topic: string, method: string, args: OsloArgs, opts: CallOptions = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? this.#defaultTimeoutMs;
    if (!(timeoutMs > 0)) return Promise.reject(new NeutronError('ERR_RPC_ARGUMENT', `call ${method}: timeoutMs must be > 0`));
    const replyQ = this.#replyQ;
    if (!this.#conn.isConnected || replyQ === undefined) {
      return Promise.reject(new NeutronError('ERR_AMQP_NOT_CONNECTED', `call ${method}: not connected`));
    }
    const msg: OsloCall = {
      kind: 'call',
      method,
      args,
      ...(opts.version === undefined ? {} : { version: opts.version }),
      ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
      msgId: newId(),
      replyQ,
      timeout: null,
      uniqueId: newId(),
      context: this.#context(),
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(msg.msgId);
        reject(new NeutronError('ERR_RPC_TIMEOUT', `call ${method} on ${topic}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(msg.msgId, { method, resolve, reject, timer, result: null });
      try {
        // mandatory: a call no queue takes (the server has not declared its consumers yet, e.g.
        // right after a broker restart) comes back at once instead of vanishing until the timeout
        this.#conn.publish(this.#exchange, topic, Buffer.from(encodeEnvelope(msg), 'utf8'), {
          ...JSON_PROPS,
          expiration: String(timeoutMs),
          mandatory: true,
          messageId: msg.msgId,
        });
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(msg.msgId);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Sends a cast to the servers of `topic` (or to every listener of it, with fanout). */
  cast(topic: string, method: string, args: OsloArgs, opts: { version?: string; namespace?: string; fanout?: boolean } = {}): void {
    const msg: OsloCast = {
      kind: 'cast',
      method,
      args,
      ...(opts.version === undefined ? {} : { version: opts.version }),
      ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
      uniqueId: newId(),
      context: this.#context(),
    };
    const body = Buffer.from(encodeEnvelope(msg), 'utf8');
    if (opts.fanout) this.#conn.publish(`${topic}_fanout`, '', body, JSON_PROPS);
    else this.#conn.publish(this.#exchange, topic, body, JSON_PROPS);
  }

  /** Calls in flight. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** The broker returned a mandatory call no queue took: fail it now (the caller retries). */
  #returned(m: { properties: { messageId?: unknown }; fields: { routingKey?: string } }): void {
    const id = typeof m.properties.messageId === 'string' ? m.properties.messageId : undefined;
    const p = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || p === undefined) return;
    clearTimeout(p.timer);
    this.#pending.delete(id);
    p.reject(new NeutronError('ERR_RPC_UNROUTABLE', `call ${p.method} on ${m.fields.routingKey ?? '?'}: no server consumes it yet (the broker returned the message)`));
  }

  async #setup(ch: Channel): Promise<void> {
    ch.on('return', (returned: { properties: { messageId?: unknown }; fields: { routingKey?: string } }) => this.#returned(returned));
    // The server declares these too; the parameters must be the ones oslo.messaging uses.
    await ch.assertExchange(this.#exchange, 'topic', { durable: false, autoDelete: false });
    const replyQ = `reply_${newId()}`;
    await ch.assertQueue(replyQ, { exclusive: true, durable: false, autoDelete: true });
    await ch.consume(replyQ, (m) => this.#onReply(m), { noAck: true });
    this.#replyQ = replyQ;
    for (const l of this.#listeners) await this.#bindListener(ch, l);
  }

  async #bindListener(ch: Channel, l: { topic: string; handler: CastHandler }): Promise<void> {
    const exchange = `${l.topic}_fanout`;
    const queue = `${l.topic}_fanout_${newId()}`;
    await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
    await ch.assertQueue(queue, { exclusive: true, durable: false, autoDelete: true });
    await ch.bindQueue(queue, exchange, l.topic);
    await ch.consume(queue, (m) => this.#onCast(m, l), { noAck: true });
  }

  #onReply(m: ConsumeMessage | null): void {
    if (m === null) return; // consumer cancelled by the broker: the channel closes and we reconnect
    let reply;
    try {
      reply = decodeEnvelope(m.content);
    } catch (e) {
      this.emit('message-error', e as NeutronError);
      return;
    }
    if (reply.kind !== 'reply') {
      this.emit('message-error', new NeutronError('ERR_OSLO_MESSAGE', `a ${reply.kind} arrived on the reply queue`));
      return;
    }
    const p = this.#pending.get(reply.msgId);
    if (p === undefined) return; // a late reply to a call that timed out
    if (reply.failure !== null) {
      this.#settle(reply.msgId);
      const f = reply.failure;
      p.reject(new NeutronError('ERR_RPC_REMOTE', `${p.method}: ${f.module}.${f.class}: ${f.message}`, { remote: { class: f.class, module: f.module, message: f.message } }));
      return;
    }
    // oslo.messaging before 2.0 sent the result and an empty ending message separately
    if (reply.result !== null) p.result = reply.result;
    if (!reply.ending) return;
    this.#settle(reply.msgId);
    p.resolve(p.result);
  }

  #onCast(m: ConsumeMessage | null, l: { topic: string; handler: CastHandler }): void {
    if (m === null) return;
    try {
      const msg = decodeEnvelope(m.content);
      if (msg.kind !== 'cast') throw new NeutronError('ERR_OSLO_MESSAGE', `a ${msg.kind} arrived on fanout ${l.topic}`);
      l.handler(msg, l.topic);
    } catch (e) {
      this.emit('message-error', e instanceof Error ? e : new Error(String(e)));
    }
  }

  #settle(msgId: string): void {
    const p = this.#pending.get(msgId);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.#pending.delete(msgId);
  }

  #failAll(err: Error): void {
    this.#replyQ = undefined;
    for (const [id, p] of this.#pending) {
      this.#settle(id);
      p.reject(new NeutronError('ERR_RPC_DISCONNECTED', `call ${p.method}: connection lost before the reply`, { cause: err }));
    }
  }
}
