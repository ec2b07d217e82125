import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fsmConfig } from './config.js';
import type { FsmConfigInput } from './config.js';

const BASE: FsmConfigInput = { localAs: 65001, routerId: '10.0.0.1', peerAs: 65002 };

test('defaults: hold 90, keepalive 30, IPv4 + IPv6 unicast, active, idle hold 1..120 s', () => {
  const c = fsmConfig(BASE);
  assert.equal(c.holdTime, 90);
  assert.equal(c.keepaliveTime, 30);
  assert.deepEqual(c.families, ['1/1', '2/1']);
  assert.equal(c.passive, false);
  assert.equal(c.idleHoldInitial, 1);
  assert.equal(c.idleHoldMax, 120);
  assert.equal(fsmConfig({ ...BASE, holdTime: 9 }).keepaliveTime, 3);
  assert.equal(fsmConfig({ ...BASE, holdTime: 0 }).keepaliveTime, 1);
});

test('bad configuration fails with a coded error naming the field', () => {
  const cases: [Partial<FsmConfigInput>, string, string][] = [
    [{ localAs: 0 }, 'ERR_BGP_CONFIG_ASN', 'localAs'],
    [{ peerAs: 2 ** 32 }, 'ERR_BGP_CONFIG_ASN', 'peerAs'],
    [{ peerAs: 23456 }, 'ERR_BGP_CONFIG_ASN', 'peerAs'],
    [{ localAs: 1.5 }, 'ERR_BGP_CONFIG_ASN', 'localAs'],
    [{ routerId: '0.0.0.0' }, 'ERR_BGP_CONFIG_ROUTER_ID', 'routerId'],
    [{ routerId: 'fe80::1' }, 'ERR_BGP_CONFIG_ROUTER_ID', 'routerId'],
    [{ holdTime: 2 }, 'ERR_BGP_CONFIG_HOLD_TIME', 'holdTime'],
    [{ holdTime: 65536 }, 'ERR_BGP_CONFIG_HOLD_TIME', 'holdTime'],
    [{ keepaliveTime: 0 }, 'ERR_BGP_CONFIG_TIMER', 'keepaliveTime'],
    [{ connectRetryTime: -1 }, 'ERR_BGP_CONFIG_TIMER', 'connectRetryTime'],
    [{ idleHoldInitial: 10, idleHoldMax: 5 }, 'ERR_BGP_CONFIG_TIMER', 'idleHoldMax'],
    [{ families: [] }, 'ERR_BGP_CONFIG_FAMILY', 'families'],
    [{ families: ['1/2'] }, 'ERR_BGP_CONFIG_FAMILY', 'families'],
    [{ families: ['1/1', '1/1'] }, 'ERR_BGP_CONFIG_FAMILY', 'families'],
    [{ families: ['2/1'], extendedNextHop: true }, 'ERR_BGP_CONFIG_FAMILY', 'extendedNextHop'],
    [{ gracefulRestart: { restartTime: 5000 } }, 'ERR_BGP_CONFIG_TIMER', 'gracefulRestart.restartTime'],
    [{ hostname: '' }, 'ERR_BGP_CONFIG_HOSTNAME', 'hostname'],
  ];
  for (const [over, code, field] of cases) {
    assert.throws(() => fsmConfig({ ...BASE, ...over }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, code, JSON.stringify(over));
      assert.equal((e as { field?: string }).field, field, JSON.stringify(over));
      return true;
    });
  }
});
