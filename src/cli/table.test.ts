import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatTable } from './table.js';

test('columns align, numbers right, no trailing spaces', () => {
  assert.equal(
    formatTable([{ header: 'NAME' }, { header: 'N', align: 'right' }, { header: 'NOTE' }], [['a', '5', ''], ['long-name', '123', 'x']]),
    ['NAME         N  NOTE', 'a            5', 'long-name  123  x', ''].join('\n'),
  );
});

test('durations', () => {
  assert.equal(formatDuration(null), '-');
  assert.equal(formatDuration(-1), '-');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59.9), '59s');
  assert.equal(formatDuration(312), '5m12s');
  assert.equal(formatDuration(3725), '1h02m05s');
  assert.equal(formatDuration(90061), '1d01h01m');
});
