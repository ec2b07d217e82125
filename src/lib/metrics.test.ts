import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Registry, startMetricsServer, CONTENT_TYPE } from './metrics.js';
import { memoryLogger } from './log.js';

test('text exposition of counters, gauges and histograms', () => {
  const r = new Registry();
  const up = r.gauge('lagless_bgp_peer_up', 'Session established', ['peer']);
  const errs = r.counter('lagless_reconcile_errors_total', 'Failed reconcile steps');
  const dur = r.histogram('lagless_reconcile_duration_seconds', 'Reconcile time\nin seconds', [], [0.01, 0.1, 1]);
  up.set({ peer: 'tor1' }, 1);
  up.set({ peer: 'to"r\\2\n' }, 0);
  errs.inc();
  errs.inc(2);
  dur.observe(0.005);
  dur.observe(0.05);
  dur.observe(5);
  assert.equal(
    r.render(),
    [
      '# HELP lagless_bgp_peer_up Session established',
      '# TYPE lagless_bgp_peer_up gauge',
      'lagless_bgp_peer_up{peer="tor1"} 1',
      'lagless_bgp_peer_up{peer="to\\"r\\\\2\\n"} 0',
      '# HELP lagless_reconcile_errors_total Failed reconcile steps',
      '# TYPE lagless_reconcile_errors_total counter',
      'lagless_reconcile_errors_total 3',
      '# HELP lagless_reconcile_duration_seconds Reconcile time\\nin seconds',
      '# TYPE lagless_reconcile_duration_seconds histogram',
      'lagless_reconcile_duration_seconds_bucket{le="0.01"} 1',
      'lagless_reconcile_duration_seconds_bucket{le="0.1"} 2',
      'lagless_reconcile_duration_seconds_bucket{le="1"} 2',
      'lagless_reconcile_duration_seconds_bucket{le="+Inf"} 3',
      'lagless_reconcile_duration_seconds_sum 5.055',
      'lagless_reconcile_duration_seconds_count 3',
      '',
    ].join('\n'),
  );
  up.remove({ peer: 'tor1' });
  assert.ok(!r.render().includes('peer="tor1"'));
});

test('labelled histograms, gauge arithmetic, collectors', () => {
  const r = new Registry();
  const h = r.histogram('h_seconds', 'h', ['step'], [1]);
  h.observe({ step: 'routes' }, 2);
  const g = r.gauge('ports', 'ports by state', ['state']);
  let wired = 0;
  r.onCollect(() => g.set({ state: 'wired' }, wired));
  wired = 7;
  g.inc({ state: 'failed' });
  g.inc({ state: 'failed' }, 2);
  g.dec({ state: 'failed' });
  const text = r.render();
  assert.match(text, /^h_seconds_bucket\{step="routes",le="1"\} 0$/m);
  assert.match(text, /^h_seconds_bucket\{step="routes",le="\+Inf"\} 1$/m);
  assert.match(text, /^ports\{state="wired"\} 7$/m);
  assert.match(text, /^ports\{state="failed"\} 2$/m);
});

test('misuse is a coded error', () => {
  const r = new Registry();
  const c = r.counter('c_total', 'c', ['peer']);
  assert.throws(() => r.counter('c_total', 'again'), { code: 'ERR_METRICS_DUPLICATE' });
  assert.throws(() => r.gauge('bad-name', 'x'), { code: 'ERR_METRICS_NAME' });
  assert.throws(() => r.gauge('g', 'x', ['__x']), { code: 'ERR_METRICS_NAME' });
  assert.throws(() => c.inc(), { code: 'ERR_METRICS_LABELS' });
  assert.throws(() => c.inc({ peer: 'a', extra: 'b' }), { code: 'ERR_METRICS_LABELS' });
  assert.throws(() => c.inc({ peer: 'a' }, -1), { code: 'ERR_METRICS_VALUE' });
  assert.throws(() => r.histogram('h', 'x', ['le']), { code: 'ERR_METRICS_LABELS' });
  assert.throws(() => r.histogram('h2', 'x', [], [1, 1]), { code: 'ERR_METRICS_VALUE' });
});

function get(url: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the HTTP server serves /metrics on the configured address', async () => {
  const r = new Registry();
  r.gauge('lagless_up', 'x').set(1);
  const { logger, lines } = memoryLogger();
  const srv = await startMetricsServer({ listen: '127.0.0.1:0', registry: r, logger });
  try {
    assert.ok(srv.port > 0);
    const ok = await get(srv.url);
    assert.equal(ok.status, 200);
    assert.equal(ok.type, CONTENT_TYPE);
    assert.match(ok.body, /^lagless_up 1$/m);
    assert.equal((await get(srv.url, 'HEAD')).body, '');
    assert.equal((await get(srv.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await get(srv.url, 'POST')).status, 405);
    r.onCollect(() => {
      throw new Error('collector bug');
    });
    assert.equal((await get(srv.url)).status, 500);
    assert.equal(lines.at(-1)?.msg, 'metrics: rendering failed');
    await assert.rejects(startMetricsServer({ listen: `127.0.0.1:${srv.port}`, registry: r }), { code: 'ERR_METRICS_LISTEN' });
    await assert.rejects(startMetricsServer({ listen: 'localhost:80', registry: r }), { code: 'ERR_METRICS_LISTEN' });
  } finally {
    await srv.close();
  }
  await assert.rejects(get(srv.url));
});

test('IPv6 listen addresses', async () => {
  const srv = await startMetricsServer({ listen: '[::1]:0', registry: new Registry() });
  try {
    assert.equal(srv.address, '::1');
    assert.match(srv.url, /^http:\/\/\[::1\]:\d+\/metrics$/);
    assert.equal((await get(srv.url)).status, 200);
  } finally {
    await srv.close();
  }
});

test('the agent metric set registers and renders', async () => {
  const { defineAgentMetrics } = await import('./agent-metrics.js');
  const r = new Registry();
  const m = defineAgentMetrics(r);
  m.peerUp.set({ peer: 'tor1' }, 1);
  m.reconcileDuration.observe(0.003);
  m.reconcileErrors.inc({ code: 'ERR_DP_ROUTE' });
  const text = r.render();
  assert.match(text, /^lagless_bgp_peer_up\{peer="tor1"\} 1$/m);
  assert.match(text, /^lagless_reconcile_duration_seconds_bucket\{le="0.005"\} 1$/m);
  assert.match(text, /^lagless_reconcile_errors_total\{code="ERR_DP_ROUTE"\} 1$/m);
  assert.throws(() => defineAgentMetrics(r), { code: 'ERR_METRICS_DUPLICATE' });
});
