// The codec against messages captured from real sessions with FRR, BIRD, GoBGP and ExaBGP (Debian
// packages) in network namespaces, by lab/capture/capture-fixtures.ts. Each fixture file holds the
// messages one daemon SENT, each with one line of provenance. This test proves it ran on real data:
// it names the four daemons it expects and asserts each has messages, and what the set must contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_CONTEXT,
  MODERN_CONTEXT,
  decodeMessage,
  encodeMessage,
  isEndOfRib,
  type CodecContext,
  type Message,
} from './index.js';

interface FixtureMessage {
  provenance: string;
  scenario: string;
  type: Message['type'];
  note: string;
  context?: { fourOctetAs: boolean };
  hex: string;
}
interface FixtureFile {
  daemon: string;
  version: string;
  package: string;
  captured: string;
  messages: FixtureMessage[];
}

const DIR = join(import.meta.dirname, 'fixtures');
const DAEMONS = ['frr', 'bird', 'gobgp', 'exabgp'] as const;
const NAMES: Record<(typeof DAEMONS)[number], string> = { frr: 'FRR', bird: 'BIRD', gobgp: 'GoBGP', exabgp: 'ExaBGP' };

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const fixtures = files.map((f) => ({ file: f, data: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as FixtureFile }));

function contextOf(m: FixtureMessage): CodecContext {
  return m.context?.fourOctetAs === false ? DEFAULT_CONTEXT : MODERN_CONTEXT;
}

/**
 * Captured messages whose re-encoding is not byte-identical, keyed by their hex, with why: the value
 * round-trips, but the codec writes another form than the sender did. Filled from what this test
 * reports; a new difference fails the test until it is understood and listed here.
 */
const PARTIAL_BIT =
  'an unrecognized optional transitive attribute (type 240, flags 0xc0) is passed on with the Partial bit set (0xe0), as RFC 4271 §5 requires of a speaker that re-sends it';
const NOT_CANONICAL: Record<string, string> = {
  ffffffffffffffffffffffffffffffff0036020000001b4001010040020602010000fdec4003040a000001c0f00401020304180a0409: PARTIAL_BIT,
  ffffffffffffffffffffffffffffffff0045020000002a400101004002060202fdec5ba0c0110a02020000fdec00005ba04003040a000001c007065ba00aff0064180a0407:
    'ExaBGP (2-octet session) sent an AS4_PATH [65004 23456] equal to its AS_PATH: it holds no 4-octet ASN, so the encoder leaves the redundant AS4_PATH out (RFC 6793 §4.2.2 requires it only when the path has ASNs above 65535)',
};

test('there is one fixture file per daemon, each with messages (the set is not empty by accident)', () => {
  for (const d of DAEMONS) {
    const found = fixtures.filter((f) => f.data.daemon === d);
    assert.equal(found.length, 1, `one fixture file for ${d} in ${DIR} (found ${found.map((f) => f.file).join(', ') || 'none'})`);
    const fx = found[0]!;
    assert.equal(fx.file, `${d}-${fx.data.version}.json`);
    assert.ok(fx.data.messages.length > 0, `${fx.file} has no messages`);
    assert.match(fx.data.package, /^\S+ \S+$/, 'package: "name version"');
  }
  assert.equal(fixtures.length, DAEMONS.length, `unexpected files: ${files.join(', ')}`);
});

test('every message has one line of provenance naming its sender, and hex that frames as one BGP message', () => {
  for (const { file, data } of fixtures) {
    const name = NAMES[data.daemon as (typeof DAEMONS)[number]];
    data.messages.forEach((m, i) => {
      const where = `${file}[${i}] ${m.note}`;
      assert.ok(m.provenance.length > 0 && !m.provenance.includes('\n'), `${where}: provenance is one line`);
      assert.ok(m.provenance.startsWith(`${name} ${data.version} `), `${where}: provenance names ${name} ${data.version}: ${m.provenance}`);
      assert.match(m.hex, /^(ff){16}[0-9a-f]{6,}$/, `${where}: hex`);
      const bytes = Buffer.from(m.hex, 'hex');
      assert.equal(bytes.readUInt16BE(16), bytes.length, `${where}: length field`);
    });
  }
});

test('each daemon sent at least one OPEN and one UPDATE; NOTIFICATIONs from each', () => {
  for (const { file, data } of fixtures) {
    for (const type of ['open', 'update', 'notification'] as const) {
      assert.ok(data.messages.some((m) => m.type === type), `${file}: no ${type}`);
    }
  }
});

interface Decoded {
  file: string;
  index: number;
  m: FixtureMessage;
  msg: Message;
}
const decoded: Decoded[] = [];

test('every captured message decodes; decode -> encode -> decode gives an equal value', async (t) => {
  const failures: string[] = [];
  const notCanonical: string[] = [];
  for (const { file, data } of fixtures) {
    for (const [index, m] of data.messages.entries()) {
      const key = `${data.daemon}/${m.scenario}/${index}`;
      const bytes = Uint8Array.from(Buffer.from(m.hex, 'hex'));
      const ctx = contextOf(m);
      let msg: Message;
      try {
        msg = decodeMessage(bytes, ctx);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        failures.push(`${key} (${m.note}): decode threw ${err.code ?? ''} ${err.message ?? String(e)}\n    ${m.hex}`);
        continue;
      }
      decoded.push({ file, index, m, msg });
      assert.equal(msg.type, m.type, `${key}: fixture type`);
      let again: Uint8Array;
      try {
        again = encodeMessage(msg, ctx);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        failures.push(`${key} (${m.note}): encode threw ${err.code ?? ''} ${err.message ?? String(e)}`);
        continue;
      }
      const redecoded = decodeMessage(again, ctx);
      try {
        assert.deepEqual(redecoded, msg);
      } catch {
        failures.push(`${key} (${m.note}): re-decoded value differs`);
        continue;
      }
      if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) {
        const why = NOT_CANONICAL[m.hex];
        const line = `${key} (${m.note}): re-encoded bytes differ\n    captured ${m.hex}\n    encoded  ${Buffer.from(again).toString('hex')}`;
        if (why === undefined) failures.push(line);
        else notCanonical.push(`${line}\n    why: ${why}`);
      }
    }
  }
  for (const n of notCanonical) t.diagnostic(`not byte-identical (known): ${n}`);
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
  assert.equal(decoded.length, fixtures.reduce((n, f) => n + f.data.messages.length, 0));
});

test('the decoded set covers IPv4 and IPv6 UPDATEs, End-of-RIB for both, withdrawals, 2-octet AS sessions and NOTIFICATIONs', () => {
  assert.ok(decoded.length > 0, 'decoding test ran first');
  const updates = decoded.flatMap((d) => (d.msg.type === 'update' ? [{ d, u: d.msg }] : []));
  const has = (what: string, pred: (x: (typeof updates)[number]) => boolean) => assert.ok(updates.some(pred), `no ${what}`);
  has('IPv4 NLRI', ({ u }) => u.nlri.length > 0);
  has('IPv6 NLRI', ({ u }) => u.attributes.mpReach?.afi === 2 && u.attributes.mpReach.nlri.length > 0);
  has('IPv6 next hop with a link-local address', ({ u }) => (u.attributes.mpReach?.nextHops.length ?? 0) === 2);
  has('IPv4 withdrawal', ({ u }) => u.withdrawn.length > 0);
  has('IPv6 withdrawal', ({ u }) => (u.attributes.mpUnreach?.withdrawn.length ?? 0) > 0);
  has('IPv4 End-of-RIB', ({ u }) => isEndOfRib(u)?.afi === 1);
  has('IPv6 End-of-RIB', ({ u }) => isEndOfRib(u)?.afi === 2);
  has('communities', ({ u }) => (u.attributes.communities?.length ?? 0) > 0);
  has('large communities', ({ u }) => (u.attributes.largeCommunities?.length ?? 0) > 0);
  has('MED', ({ u }) => u.attributes.med !== undefined);
  has('an unknown optional transitive attribute', ({ u }) => (u.attributes.unknown?.length ?? 0) > 0);
  has('a 2-octet AS session UPDATE carrying a 4-octet path', ({ d, u }) => d.m.context?.fourOctetAs === false && (u.attributes.asPath ?? []).some((s) => s.asns.some((a) => a > 0xffff)));
  has('an UPDATE sent over an IPv6 session', ({ d }) => d.m.provenance.includes('over IPv6'));
  for (const daemon of DAEMONS) {
    const notifs = decoded.filter((d) => d.m.provenance.startsWith(`${NAMES[daemon]} `) && d.msg.type === 'notification');
    assert.ok(notifs.length > 0, `no NOTIFICATION from ${daemon}`);
  }
  const notifs = decoded.flatMap((d) => (d.msg.type === 'notification' ? [d.msg] : []));
  assert.ok(notifs.some((n) => n.code === 6 && n.subcode === 2), 'Cease / administrative shutdown');
  assert.ok(notifs.some((n) => n.code === 2 && n.subcode === 2), 'OPEN / bad peer AS');
  const opens = decoded.flatMap((d) => (d.msg.type === 'open' ? [d.msg] : []));
  assert.ok(opens.some((o) => o.capabilities.some((c) => c.kind === 'four-octet-as' && c.asn > 0xffff) && o.myAs === 23456), 'OPEN with AS_TRANS and a 4-octet ASN');
  assert.ok(opens.some((o) => o.capabilities.some((c) => c.kind === 'graceful-restart')), 'OPEN with graceful restart');
  assert.ok(opens.some((o) => o.capabilities.some((c) => c.kind === 'multiprotocol' && c.afi === 2)), 'OPEN with IPv6 unicast');
});
