// Reading a large ports file quickly: JSON documents skip the YAML parser (problems still located
// by line), and entries unchanged since the last read are not validated again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortsText } from './file-source.js';
import { readPortsDocument, type PortEntryCache } from './ports-schema.js';

const entry = (n: number, mac = `fa:16:3e:00:00:${n.toString(16).padStart(2, '0')}`) => ({ id: `p${n}`, mac, fixed_ips: [{ address: `10.0.0.${n}`, prefix_len: 24 }] });

test('a JSON ports file reads like the same YAML, problems located by line', () => {
  const json = JSON.stringify({ ports: [entry(1), entry(2, 'zz')] }, null, 2);
  const y = parsePortsText(json);
  assert.deepEqual(y.issues, []);
  const r = readPortsDocument(y.value);
  assert.ok('ports' in r);
  assert.deepEqual(r.ports.map((p) => p.id), ['p1']);
  const located = r.issues.map(y.locate);
  assert.equal(located[0]?.path, 'ports[1].mac');
  assert.equal(located[0]?.code, 'ERR_PORT_MAC');
  assert.equal(located[0]?.line, json.split('\n').findIndex((l) => l.includes('"zz"')) + 1);
  // broken JSON is reported by the YAML parser, with a position
  const bad = parsePortsText('{ "ports": [ { "id": "x", }');
  assert.equal(bad.issues[0]?.code, 'ERR_SOURCE_FILE_YAML');
  assert.equal(typeof bad.issues[0]?.line, 'number');
});

test('unchanged entries come from the cache (the same objects), changed and bad ones are read again', () => {
  const cache: PortEntryCache = new Map();
  const first = readPortsDocument({ ports: [entry(1), entry(2), entry(3, 'zz')] }, cache);
  assert.ok('ports' in first);
  assert.equal(cache.size, 2, 'only good entries are kept');
  const second = readPortsDocument({ ports: [entry(1), entry(2, 'fa:16:3e:00:00:99'), entry(3, 'zz'), entry(4)] }, cache);
  assert.ok('ports' in second);
  assert.equal(second.ports[0], first.ports[0], 'p1 unchanged: the cached spec');
  assert.notEqual(second.ports[1], first.ports[1]);
  assert.equal(second.ports[1]?.mac, 'fa:16:3e:00:00:99');
  assert.deepEqual(second.ports.map((p) => p.id), ['p1', 'p2', 'p4']);
  assert.deepEqual(second.issues.map((i) => `${i.path} ${i.code}`), ['ports[2].mac ERR_PORT_MAC']);
  assert.equal(cache.size, 3, 'the entries of the last read only');
  // the same result as without a cache, duplicates across entries included
  const doc = { ports: [entry(1), entry(1)] };
  assert.deepEqual(readPortsDocument(doc, cache), readPortsDocument(doc));
});
