import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amqpUrlsOf } from './transport-url.js';

test('rabbit:// becomes amqp://; several brokers become several URLs sharing the vhost and query', () => {
  assert.deepEqual(amqpUrlsOf('rabbit://guest:guest@127.0.0.1:5672/'), ['amqp://guest:guest@127.0.0.1:5672/']);
  assert.deepEqual(amqpUrlsOf('amqp://h'), ['amqp://h/']);
  assert.deepEqual(amqpUrlsOf('amqp://h/v#x'), ['amqp://h/v']);
  assert.deepEqual(amqpUrlsOf('rabbit://u:p@10.0.0.11:5672,u:p@10.0.0.12:5672/nova?heartbeat=10'), [
    'amqp://u:p@10.0.0.11:5672/nova?heartbeat=10',
    'amqp://u:p@10.0.0.12:5672/nova?heartbeat=10',
  ]);
});

test('not a transport URL: ERR_RPC_ARGUMENT, without the password in the message', () => {
  for (const bad of ['http://h/', 'rabbit:///', 'rabbit://u:secret@h /', '']) {
    assert.throws(() => amqpUrlsOf(bad), (e: unknown) => (e as { code?: string }).code === 'ERR_RPC_ARGUMENT' && !(e as Error).message.includes('secret'), bad);
  }
});
