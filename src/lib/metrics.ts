// A minimal Prometheus registry (counters, gauges, histograms with labels) rendered in the text
// exposition format 0.0.4, and an HTTP server that serves it on /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Failure } from './schema.js';
import { parseHostPort } from './net-schema.js';
import type { Logger } from './log.js';

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  constructor(
    readonly code: 'ERR_METRICS_NAME' | 'ERR_METRICS_DUPLICATE' | 'ERR_METRICS_LABELS' | 'ERR_METRICS_VALUE' | 'ERR_METRICS_LISTEN',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type Labels = Readonly<Record<string, string | number>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series<V> {
  readonly labels: readonly string[];
  value: V;
}

abstract class Metric<V> {
  readonly #series = new Map<string, Series<V>>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract fresh(): V;

  protected series(labels: Labels | undefined): Series<V> {
    const values = this.#labelValues(labels ?? {});
    const key = JSON.stringify(values);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: values, value: this.fresh() };
      this.#series.set(key, s);
    }
    return s;
  }

  #labelValues(labels: Labels): string[] {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !this.labelNames.every((n) => n in labels)) {
      throw new MetricsError('ERR_METRICS_LABELS', `${this.name} takes labels {${this.labelNames.join(', ')}}, got {${given.join(', ')}}`);
    }
    return this.labelNames.map((n) => String(labels[n]));
  }

  /** Removes one labelled series (a peer that was deconfigured). */
  remove(labels: Labels): void {
    this.#series.delete(JSON.stringify(this.#labelValues(labels)));
  }
  /** Removes every series. */
  clear(): void {
    this.#series.clear();
  }

  protected abstract renderSeries(s: Series<V>, out: string[]): void;

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    if (this.labelNames.length === 0) this.series(undefined); // an unlabelled metric always shows, 0 until set
    for (const s of this.#series.values()) this.renderSeries(s, out);
  }

  protected labelText(values: readonly string[], extra?: readonly [string, string]): string {
    const pairs = values.map((v, i) => `${this.labelNames[i]}="${escapeLabel(v)}"`);
    if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
export const formatValue = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Number.isNaN(v) ? 'NaN' : String(v));

function split(a: Labels | number | undefined, b: number | undefined, dflt: number): [Labels | undefined, number] {
  return typeof a === 'number' || a === undefined ? [undefined, a ?? dflt] : [a, b ?? dflt];
}

export class Counter extends Metric<number> {
  readonly type = 'counter';
  protected fresh() {
    return 0;
  }
  inc(by?: number): void;
  inc(labels: Labels, by?: number): void;
  inc(a?: Labels | number, b?: number): void {
    const [labels, by] = split(a, b, 1);
    if (!(by >= 0)) throw new MetricsError('ERR_METRICS_VALUE', `${this.name}: a counter only goes up (inc by ${by})`);
    this.series(labels).value += by;
  }
  get(labels?: Labels): number {
    return this.series(labels).value;
  }
  protected renderSeries(s: Series<number>, out: string[]) {
    out.push(`${this.name}${this.labelText(s.labels)} ${formatValue(s.value)}`);
  }
}

export class Gauge extends Metric<number> {
  readonly type = 'gauge';
  protected fresh() {
    return 0;
  }
  set(value: number): void;
  set(labels: Labels, value: number): void;
  set(a: Labels | number, b?: number): void {
    const [labels, v] = split(a, b, 0);
    this.series(labels).value = v;
  }
  inc(by?: number): void;
  inc(labels: Labels, by?: number): void;
  inc(a?: Labels | number, b?: number): void {
    const [labels, by] = split(a, b, 1);
    this.series(labels).value += by;
  }
  dec(by?: number): void;
  dec(labels: Labels, by?: number): void;
  dec(a?: Labels | number, b?: number): void {
    const [labels, by] = split(a, b, 1);
    this.series(labels).value -= by;
  }
  get(labels?: Labels): number {
    return this.series(labels).value;
  }
  protected renderSeries(s: Series<number>, out: string[]) {
    out.push(`${this.name}${this.labelText(s.labels)} ${formatValue(s.value)}`);
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramValue> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    if (labelNames.includes('le')) throw new MetricsError('ERR_METRICS_LABELS', `${name}: "le" is reserved in histograms`);
    const sorted = [...buckets].filter((b) => b !== Infinity).sort((x, y) => x - y);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new MetricsError('ERR_METRICS_VALUE', `${name}: buckets must be distinct finite numbers`);
    }
    this.buckets = sorted;
  }
  protected fresh(): HistogramValue {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  observe(value: number): void;
  observe(labels: Labels, value: number): void;
  observe(a: Labels | number, b?: number): void {
    const [labels, v] = split(a, b, NaN);
    if (Number.isNaN(v)) throw new MetricsError('ERR_METRICS_VALUE', `${this.name}: observed NaN`);
    const s = this.series(labels).value;
    this.buckets.forEach((bound, i) => {
      if (v <= bound) s.counts[i]! += 1;
    });
    s.sum += v;
    s.count += 1;
  }
  protected renderSeries(s: Series<HistogramValue>, out: string[]) {
    this.buckets.forEach((bound, i) => {
      out.push(`${this.name}_bucket${this.labelText(s.labels, ['le', formatValue(bound)])} ${s.value.counts[i]}`);
    });
    out.push(`${this.name}_bucket${this.labelText(s.labels, ['le', '+Inf'])} ${s.value.count}`);
    out.push(`${this.name}_sum${this.labelText(s.labels)} ${formatValue(s.value.sum)}`);
    out.push(`${this.name}_count${this.labelText(s.labels)} ${s.value.count}`);
  }
}

export class Registry {
  readonly #metrics = new Map<string, Metric<unknown>>();
  readonly #collectors: (() => void)[] = [];

  #add<M extends Metric<unknown>>(m: M): M {
    if (!METRIC_NAME.test(m.name)) throw new MetricsError('ERR_METRICS_NAME', `not a metric name: "${m.name}"`);
    for (const l of m.labelNames) if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new MetricsError('ERR_METRICS_NAME', `${m.name}: not a label name: "${l}"`);
    if (this.#metrics.has(m.name)) throw new MetricsError('ERR_METRICS_DUPLICATE', `metric ${m.name} is already registered`);
    this.#metrics.set(m.name, m);
    return m;
  }
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }
  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }
  /** `fn` runs before every render: refresh gauges from live state (peer states, port counts). */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }
  /** The text exposition format. A collector that throws makes render throw (the server answers 500). */
  render(): string {
    for (const c of this.#collectors) c();
    const out: string[] = [];
    for (const m of this.#metrics.values()) m.render(out);
    return `${out.join('\n')}\n`;
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServer {
  readonly address: string;
  readonly port: number;
  /** "http://address:port/metrics" */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `registry` on GET /metrics at "address:port" ("[v6]:port"; port 0 picks a free one). */
export async function startMetricsServer(opts: { listen: string; registry: Registry; logger?: Logger }): Promise<MetricsServer> {
  const hp = parseHostPort(opts.listen, { allowPortZero: true });
  if (hp instanceof Failure) throw new MetricsError('ERR_METRICS_LISTEN', hp.message);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      body = opts.registry.render();
    } catch (err) {
      opts.logger?.error('metrics: rendering failed', { err });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new MetricsError('ERR_METRICS_LISTEN', `cannot listen on ${opts.listen}: ${err.code ?? err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ host: hp.address, port: hp.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger?.error('metrics: server error', { err }));
  const a = server.address() as AddressInfo;
  const shown = hp.family === 6 ? `[${a.address}]` : a.address;
  return {
    address: a.address,
    port: a.port,
    url: `http://${shown}:${a.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
