import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StateName } from './fsm/types.js';
import type { UpdateMessage } from './wire/types.js';
import { SendQueue, type SendTarget } from './speaker-send-queue.js';

/**
 * Polls until `cond` holds, bounded by time rather than by event-loop turns: the queue polls a
 * slow socket with a 2 ms timer, which a loaded machine may fire after any fixed number of turns.
 */
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

const u = (n: number): UpdateMessage => ({ type: 'update', withdrawn: [{ afi: 1, addr: n, len: 32 }], attributes: {}, nlri: [] });
const list = (from: number, count: number) => Array.from({ length: count }, (_, i) => u(from + i));

/** A session stand-in: a socket whose queue fills at `highWater` messages and empties when the test says. */
class FakeTarget implements SendTarget {
  state: StateName = 'established';
  buffered = 0;
  highWater = 1000;
  readonly sent: UpdateMessage[] = [];
  sends = 0;
  #drain: (() => void)[] = [];
  throwOnSend: Error | undefined;

  send(updates: readonly UpdateMessage[]): boolean {
    if (this.throwOnSend) throw this.throwOnSend;
    this.sends++;
    this.sent.push(...updates);
    this.buffered += updates.length;
    return this.buffered < this.highWater;
  }

  waitForDrain(): Promise<void> {
    return this.buffered < this.highWater ? Promise.resolve() : new Promise((r) => this.#drain.push(r));
  }

  /** the kernel takes everything */
  drain(): void {
    this.buffered = 0;
    for (const r of this.#drain.splice(0)) r();
  }
}

test('a batch counts as written only once the socket holds none of it', async () => {
  const t = new FakeTarget();
  let written = 0;
  const q = new SendQueue(t, () => written++, (e) => assert.fail(String(e)));
  q.push(list(0, 3), 1);
  assert.equal(q.sentEpoch, 1);
  assert.equal(q.writtenEpoch, 0);
  await until(() => t.sent.length === 3, 'sent');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(q.writtenEpoch, 0, 'still in the socket queue');
  t.drain();
  await until(() => q.writtenEpoch === 1, 'written');
  assert.equal(written, 1);
  assert.equal(q.idle, true);
  // an empty batch on an idle queue is written at once
  q.push([], 2);
  assert.equal(q.writtenEpoch, 2);
});

test('back-pressure: writes stop when the socket is full and go on after it drains; slices of at most 256', async () => {
  const t = new FakeTarget();
  t.highWater = 300;
  const q = new SendQueue(t, () => {}, (e) => assert.fail(String(e)));
  q.push(list(0, 1000), 1);
  await until(() => t.sent.length === 512, 'two slices');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(t.sent.length, 512, 'waits for the drain');
  t.drain();
  await until(() => t.sent.length === 1000, 'the rest');
  assert.equal(t.sends, 4);
  t.drain();
  await until(() => q.writtenEpoch === 1, 'written');
  assert.deepEqual(t.sent, list(0, 1000));
});

test('reset (session down) drops what is queued; a pump of the old session writes nothing more', async () => {
  const t = new FakeTarget();
  t.highWater = 100;
  const q = new SendQueue(t, () => {}, (e) => assert.fail(String(e)));
  q.push(list(0, 600), 1);
  await until(() => t.sent.length === 256, 'first slice');
  t.state = 'idle';
  q.reset(5);
  t.state = 'established';
  t.drain();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(t.sent.length, 256);
  assert.equal(q.idle, true);
  assert.deepEqual([q.sentEpoch, q.writtenEpoch], [5, 5]);
  q.push(list(1000, 2), 6);
  await until(() => t.sent.length === 258, 'the new session gets its batch');
  t.drain();
  await until(() => q.writtenEpoch === 6, 'written');
});

test('a send that throws is reported and the queue is emptied', async () => {
  const t = new FakeTarget();
  t.throwOnSend = Object.assign(new Error('cannot encode'), { code: 'ERR_BGP_ENCODE_X' });
  const errors: unknown[] = [];
  const q = new SendQueue(t, () => {}, (e) => errors.push(e));
  q.push(list(0, 2), 1);
  await until(() => errors.length === 1, 'error');
  assert.equal((errors[0] as { code: string }).code, 'ERR_BGP_ENCODE_X');
  assert.equal(q.idle, true);
});
