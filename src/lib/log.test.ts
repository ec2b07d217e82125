import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, memoryLogger, safeStringify } from './log.js';

class CodedError extends Error {
  readonly code = 'ERR_TEST_THING';
}

test('one JSON line per event with ts, level, msg and fields', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) });
  log.debug('dropped');
  log.info('peer up', { peer: 'tor1', prefixes: 2 });
  log.child({ peer: 'tor2' }).warn('hold timer expired', { level: 'x', err: new CodedError('boom', { cause: new Error('inner') }) });
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => !l.includes('\n')));
  assert.deepEqual(JSON.parse(lines[0]!), { ts: '2024-01-02T03:04:05.000Z', level: 'info', msg: 'peer up', peer: 'tor1', prefixes: 2 });
  const second = JSON.parse(lines[1]!);
  assert.equal(second.level, 'warn');
  assert.equal(second._level, 'x', 'a field named like a core key does not overwrite it');
  assert.equal(second.peer, 'tor2');
  assert.equal(second.code, 'ERR_TEST_THING');
  assert.equal(second.err.code, 'ERR_TEST_THING');
  assert.equal(second.err.message, 'boom');
  assert.equal(second.err.cause.message, 'inner');
  assert.equal(second.err.stack, undefined, 'coded errors are expected: no stack');
  assert.match(second.err.cause.stack, /inner/, 'uncoded errors keep their stack');
  const { logger, lines: parsed } = memoryLogger();
  logger.warn('skipped', { code: 'ERR_PORT_MAC', err: new CodedError('x') });
  assert.equal(parsed[0]!.code, 'ERR_PORT_MAC', 'an explicit code field wins over the error\'s');
});

test('levels filter; silent drops everything', () => {
  const { logger, lines } = memoryLogger('warn');
  logger.info('no');
  logger.error('yes');
  assert.deepEqual(lines.map((l) => l.msg), ['yes']);
  const out: string[] = [];
  createLogger({ level: 'silent', write: (l) => out.push(l) }).error('x');
  assert.equal(out.length, 0);
});

test('odd values never make logging throw', () => {
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  const s = safeStringify({ big: 10n, bytes: new Uint8Array([1, 255]), cyc, m: new Map([['k', 1]]), s: new Set([1]) });
  assert.deepEqual(JSON.parse(s), { big: '10', bytes: '01ff', cyc: { a: 1, self: '[Circular]' }, m: { k: 1 }, s: [1] });
});
