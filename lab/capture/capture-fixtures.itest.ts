// The fixture capture tool end to end on its quickest scenario: real FRR, BIRD, GoBGP and ExaBGP
// misconfigured with the wrong remote AS, captured with tcpdump, written as fixture files (to a
// temporary directory, not over the committed fixtures).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureFixtures, SCENARIO_NAMES, type FixtureFile } from './capture-fixtures.js';

const out = mkdtempSync(join(tmpdir(), 'lagless-capture-'));
after(() => rmSync(out, { recursive: true, force: true }));

test('bad-peer-as: each daemon\'s OPEN and its Bad Peer AS NOTIFICATION, one file per daemon', async () => {
  assert.ok(SCENARIO_NAMES.includes('bad-peer-as'));
  const written = await captureFixtures({ out, only: ['bad-peer-as'] });
  assert.deepEqual(written.map((f) => f.daemon).sort(), ['bird', 'exabgp', 'frr', 'gobgp']);
  const files = readdirSync(out).sort();
  assert.equal(files.length, 4);
  for (const name of files) {
    const f = JSON.parse(readFileSync(join(out, name), 'utf8')) as FixtureFile;
    assert.equal(name, `${f.daemon}-${f.version}.json`);
    const notif = f.messages.find((m) => m.type === 'notification');
    assert.ok(notif, `${name}: no NOTIFICATION`);
    assert.equal(notif.hex.slice(36, 42), '030202', `${name}: NOTIFICATION 2/2 expected, got ${notif.note}`);
    assert.ok(f.messages.some((m) => m.type === 'open'), `${name}: no OPEN`);
    for (const m of f.messages) assert.match(m.provenance, /^(FRR|BIRD|GoBGP|ExaBGP) \S+ \(Debian \S+ \S+\) \S+, sent to .* over IPv4 .* in netns, tcpdump on veth, \d{4}-\d{2}-\d{2}$/);
  }
});
