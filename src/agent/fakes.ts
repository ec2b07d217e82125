// In-repo fakes of the agent's seams that have no fake elsewhere: a speaker and a port source.
// (The dataplane's fake is its FakeKernel under a real Dataplane.) For unit tests only.
import { EventEmitter } from 'node:events';
import { prefixKey, type Prefix } from '../bgp/wire/index.js';
import type { LocalRoute } from '../bgp/rib/index.js';
import type { PortSpec } from '../dataplane/port.js';
import type { Source, SourceEvents, SourceIssue } from '../sources/source.js';
import type { FibRoute, RouteSpeaker } from './seams.js';

/** A speaker with no sessions: records announcements; `deliver()` marks them sent to all peers. */
export class FakeSpeaker extends EventEmitter implements RouteSpeaker {
  announced = new Set<string>();
  sent = new Set<string>();
  started = false;
  stopped = false;

  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  setAnnouncements(routes: readonly LocalRoute[]): void {
    this.announced = new Set(routes.map((r) => prefixKey(r.prefix)));
    for (const k of this.sent) if (!this.announced.has(k)) this.sent.delete(k);
  }
  isAnnounced(prefix: Prefix): boolean {
    return this.sent.has(prefixKey(prefix));
  }
  /** every current announcement reached every peer */
  deliver(): void {
    this.sent = new Set(this.announced);
    this.emit('sent');
  }
  /** a learned route changed */
  learn(prefix: Prefix, route: FibRoute | undefined): void {
    this.emit('route', prefix, route);
  }
}

/** A port source driven by the test. */
export class FakeSource extends EventEmitter implements Source {
  readonly kind = 'fake';
  inSync = false;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  push(ports: readonly PortSpec[], issues: readonly SourceIssue[] = []): void {
    this.emit('ports', ports, issues);
    if (!this.inSync) {
      this.inSync = true;
      this.emit('in-sync');
    }
  }
  override on<E extends keyof SourceEvents>(event: E, listener: (...args: SourceEvents[E]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  override off<E extends keyof SourceEvents>(event: E, listener: (...args: SourceEvents[E]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}
