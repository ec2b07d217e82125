// The pure parts of the end-to-end helpers: ping -D output and outage, ip -ts monitor lines and
// which events count as changes to lagless's state. Sample lines as iputils-ping 20221126 and
// iproute2 6.1 print them on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestGap, parsePingOutput } from './ping.js';
import { laglessChanges, parseMonitorTsLine } from './kernel-monitor.js';

const PING = `PING 10.100.0.13 (10.100.0.13) 56(84) bytes of data.
[1795529590.731802] 64 bytes from 10.100.0.13: icmp_seq=1 ttl=61 time=0.311 ms
[1795529590.741900] 64 bytes from 10.100.0.13: icmp_seq=2 ttl=61 time=0.082 ms
[1795529591.241900] 64 bytes from 10.100.0.13: icmp_seq=52 ttl=61 time=0.090 ms

--- 10.100.0.13 ping statistics ---
60 packets transmitted, 51 received, 15% packet loss, time 612ms
`;

test('ping -D: replies with their timestamps, the summary counts', () => {
  const p = parsePingOutput(PING);
  assert.equal(p.replies.length, 3);
  assert.deepEqual(p.replies[0], { seq: 1, atMs: 1795529590731.802 });
  assert.equal(p.sent, 60);
  assert.equal(p.received, 51);
  assert.deepEqual(parsePingOutput('ping: connect: Network is unreachable\n'), { replies: [], sent: undefined, received: undefined });
  assert.deepEqual(parsePingOutput('[1795529590.731802] 64 bytes from 2001:db8:100::13: icmp_seq=7 ttl=61 time=0.195 ms\n').replies, [{ seq: 7, atMs: 1795529590731.802 }]);
});

test('the largest gap counts the start, between replies, and the end', () => {
  const r = parsePingOutput(PING).replies;
  const g = largestGap(r, 1795529590730, 1795529591250);
  assert.equal(Math.round(g.gapMs), 500);
  assert.equal(g.startMs, 1795529590741.9);
  assert.equal(largestGap([], 1000, 4000).gapMs, 3000);
  assert.equal(largestGap(r, 1795529590730, 1795529599000).startMs, 1795529591241.9);
});

test('ip -ts monitor lines: time, kind, deleted, route destination', () => {
  const e = parseMonitorTsLine('[2026-11-24T14:13:10.738314] [ROUTE]Deleted default proto lagless metric 20 \\\tnexthop via 10.255.0.4 dev tor1 weight 1 ');
  assert.ok(e);
  assert.equal(e.kind, 'ROUTE');
  assert.equal(e.deleted, true);
  assert.equal(e.dst, 'default');
  assert.equal(e.atMs, new Date('2026-11-24T14:13:10').getTime() + 738.314);
  assert.equal(parseMonitorTsLine('[2026-11-24T14:16:24.416968] [ROUTE]10.100.1.7 via 10.255.0.8 dev tor1 proto bgp metric 20 ')?.dst, '10.100.1.7');
  assert.equal(parseMonitorTsLine('[2026-11-24T14:16:24.416968] [ROUTE]local 192.0.2.9 dev lo table local proto kernel scope host')?.dst, 'local 192.0.2.9');
  assert.equal(parseMonitorTsLine('Deleted default proto lagless'), undefined);
});

test('changes to lagless state: main-table routes, addresses, links, permanent neighbours; not dynamic neighbour states', () => {
  const lines = [
    '[2026-11-24T14:16:05.339522] [NEIGH]fe80::f816:3eff:fe00:1 dev tap9d5748a9-cd lladdr fa:16:3e:00:00:01 STALE ',
    '[2026-11-24T14:16:06.619464] [NEIGH]10.255.0.6 dev tor2 lladdr 52:27:9a:b8:e4:31 REACHABLE ',
    '[2026-11-24T14:16:06.700000] [ROUTE]unreachable 198.51.100.255 table 250 ',
    '[2026-11-24T14:16:06.700001] [ROUTE]local 10.100.0.1 dev lo table local proto kernel scope host src 10.100.0.1 ',
    '[2026-11-24T14:16:07.000000] [ROUTE]default proto lagless metric 20 \\\tnexthop via 10.255.0.4 dev tor1 weight 1 ',
    '[2026-11-24T14:16:07.000001] [NEIGH]Deleted 10.100.0.11 dev tap9d5748a9-cd lladdr fa:16:3e:00:00:01 PERMANENT',
    '[2026-11-24T14:16:07.000002] [ADDR]1: lo    inet 10.100.0.1/32 scope global lo:lagless\\       valid_lft forever preferred_lft forever',
    '[2026-11-24T14:16:07.000003] [LINK]5: tap9d5748a9-cd@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state DOWN',
  ].map((l) => parseMonitorTsLine(l)!);
  assert.equal(lines.filter((x) => x === undefined).length, 0);
  assert.deepEqual(laglessChanges(lines).map((e) => e.kind), ['ROUTE', 'NEIGH', 'ADDR', 'LINK']);
});
