import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INVALID, Issues, bool, formatIssue, formatPath, int, lenientList, list, obj, optional, str, suggest, tagged, oneOf, withDefault } from './schema.js';

test('paths read like code', () => {
  assert.equal(formatPath(['uplinks', 1, 'peerAsn']), 'uplinks[1].peerAsn');
  assert.equal(formatPath([0, 'a']), '[0].a');
  assert.equal(formatPath(['a', 'b.c', 'x y']), 'a["b.c"]["x y"]');
  assert.equal(formatPath([]), '');
});

test('an object reads every field and reports every problem', () => {
  const s = obj({ a: int(1, 5), b: str(), c: withDefault(bool(), true), d: optional(int(0, 9)) });
  const issues = new Issues('ERR_T');
  assert.equal(s.read({ a: 9, b: 3, zz: 1 }, [], issues), INVALID);
  assert.deepEqual(issues.list.map((i) => `${i.path} ${i.code}`), ['zz ERR_T_UNKNOWN_KEY', 'a ERR_T_RANGE', 'b ERR_T_TYPE']);
  const ok = new Issues('ERR_T');
  const v = s.read({ a: 2, b: 'x' }, [], ok);
  assert.deepEqual(v, { a: 2, b: 'x', c: true });
  assert.ok(!('d' in (v as object)), 'an absent optional key stays absent');
});

test('snake_case input keys map to camelCase output', () => {
  const s = obj({ fixedIps: list(str()), portSecurity: withDefault(bool(), true) }, { keys: 'snake' });
  const issues = new Issues('ERR_T');
  assert.deepEqual(s.read({ fixed_ips: ['a'] }, [], issues), { fixedIps: ['a'], portSecurity: true });
  s.read({ fixedIps: ['a'] }, ['p'], issues);
  assert.deepEqual(issues.list.map((i) => `${i.path} ${i.code} ${i.message}`), [
    'p.fixedIps ERR_T_UNKNOWN_KEY unknown key; did you mean "fixed_ips"?',
    'p.fixed_ips ERR_T_MISSING missing: expected a list of a non-empty string',
  ]);
});

test('lenient lists keep the good items', () => {
  const issues = new Issues('ERR_T');
  assert.deepEqual(lenientList(int(0, 9)).read([1, 'x', 3, 99], ['ports'], issues), [{ index: 0, value: 1 }, { index: 2, value: 3 }]);
  assert.deepEqual(issues.list.map((i) => i.path), ['ports[1]', 'ports[3]']);
});

test('tagged unions pick the variant by tag', () => {
  const s = tagged('type', { a: obj({ type: oneOf(['a'] as const), x: int(0, 1) }), b: obj({ type: oneOf(['b'] as const) }) });
  const issues = new Issues('ERR_T');
  assert.deepEqual(s.read({ type: 'a', x: 1 }, [], issues), { type: 'a', x: 1 });
  assert.equal(s.read({ type: 'b', x: 1 }, [], issues), INVALID);
  assert.equal(s.read({ type: 'c' }, [], issues), INVALID);
  assert.deepEqual(issues.list.map((i) => `${i.path} ${i.code}`), ['x ERR_T_UNKNOWN_KEY', 'type ERR_T_ENUM']);
});

test('suggestions only when close; issue formatting', () => {
  assert.equal(suggest('peer_asn', ['peer', 'peerAsn']), 'peerAsn');
  assert.equal(suggest('holdtime', ['holdTime']), 'holdTime');
  assert.equal(suggest('colour', ['peer', 'port']), undefined);
  assert.equal(formatIssue({ path: 'a.b', segments: [], code: 'ERR_X', message: 'bad', line: 3, column: 7 }, 'f.yaml'), 'f.yaml:3:7: a.b: bad [ERR_X]');
  assert.equal(formatIssue({ path: '', segments: [], code: 'ERR_X', message: 'bad' }), 'bad [ERR_X]');
});
