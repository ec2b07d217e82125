import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createLogger } from '../lib/log.js';
import { UPLINK_CARRIER_LOST, watchUplinkCarrier } from './uplink-carrier.js';

test('an uplink interface losing carrier resets that uplink\'s session only; other interfaces and carrier coming back reset nothing', () => {
  const links = new EventEmitter();
  const resets: string[] = [];
  const lines: string[] = [];
  const speaker = {
    resetPeer(id: string, why: { code: string; message: string }) {
      if (id === 'broken') throw Object.assign(new Error('no peer'), { code: 'ERR_SPEAKER_UNKNOWN_PEER' });
      resets.push(`${id} ${why.code} ${why.message}`);
    },
  };
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  watchUplinkCarrier(links, speaker, [{ name: 'tor1', interface: 'eth1' }, { name: 'tor2', interface: 'eth2' }, { name: 'broken', interface: 'eth9' }], log);
  links.emit('carrier', { name: 'tap1234', up: false });
  links.emit('carrier', { name: 'eth2', up: false });
  links.emit('carrier', { name: 'eth2', up: true });
  assert.deepEqual(resets, [`tor2 ${UPLINK_CARRIER_LOST} uplink tor2: interface eth2 lost carrier`]);
  // a reset that throws is logged, not thrown into the dataplane's event loop
  assert.doesNotThrow(() => links.emit('carrier', { name: 'eth9', up: false }));
  assert.ok(lines.some((l) => l.includes('ERR_SPEAKER_UNKNOWN_PEER')), lines.join('\n'));
});
