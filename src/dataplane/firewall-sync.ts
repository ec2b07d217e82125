// Keeps lagless's nftables tables equal to the firewall generator's ruleset for the desired ports,
// and says which spec of each port the rules in force were built from: a port is only wired with
// a spec its anti-spoofing rules cover (security fails closed, style.md 11).
//
// The ruleset is regenerated only when the desired port set changed (or drift was found); it is
// applied with one `nft -f` (atomic). The applied script carries its hash in a marker counter, so
// a restarted agent recognises a ruleset that is already right and applies nothing. When the
// ruleset in force is known to be lagless's last script, only the set and map elements that
// changed are sent (firewall-delta.ts); should that transaction fail, the whole script is applied
// instead. The marker is moved to the new hash by a second transaction that the caller does not
// wait for: nft needs ~15 ms more for any deletion (it loads every set first) and a new port's
// delta only adds. Until it lands the marker names the previous script: a restart then replaces
// the tables (safe), and listings read meanwhile are not compared (they count as during an apply).
import type { PortSpec } from './port.js';
import type { FirewallTable, Kernel } from './kernel.js';
import type { WirablePort } from './validate.js';
import type { Logger } from './logger.js';
import type { BackoffTracker } from './backoff.js';
import { DataplaneError } from './errors.js';
import { listingHasMarker, markScript, remarkCommands } from './ruleset-marker.js';
import { elementDelta } from './firewall-delta.js';
import { buildFirewallRuleset, type FirewallOptions } from './firewall/index.js';

export const FIREWALL_KEY = 'firewall';

export type FirewallOutcome = 'applied' | 'unchanged' | 'failed' | 'held' | 'waiting-sync' | 'off';

export interface PortProblem {
  readonly code: string;
  readonly message: string;
  readonly key?: string;
}

export class FirewallSync {
  readonly #kernel: Kernel;
  readonly #opts: FirewallOptions | false;
  readonly #backoff: BackoffTracker;
  readonly #log: Logger;
  /** hash of the script in force (applied by us, or found by its marker) */
  #hash: string | undefined;
  /** the generated script (unmarked) in force, when known: what an incremental update starts from */
  #script: string | undefined;
  #tables: readonly FirewallTable[];
  /** stateless listing taken at the first read after an apply: drift is any difference from it */
  #baseline: string | undefined;
  /** listing read before this instance applied anything (a restart adopts it when its marker matches) */
  #found: string | undefined;
  #dirty = false;
  /** ports version the rules in force were built from */
  #version = -1;
  /** id -> the validated port the rules in force were built from (ports the firewall did not close) */
  #ports = new Map<string, WirablePort>();
  /** id -> why the firewall closed the port */
  #closed = new Map<string, PortProblem>();
  /** bumped whenever #ports changes */
  generation = 0;
  /** bumped at every apply: a listing read before an apply says nothing about it */
  #applies = 0;
  /** marker updates, one after the other */
  #remarking: Promise<void> = Promise.resolve();

  constructor(kernel: Kernel, opts: FirewallOptions | false, backoff: BackoffTracker, log: Logger) {
    this.#kernel = kernel;
    this.#opts = opts;
    this.#backoff = backoff;
    this.#log = log;
    this.#tables = opts === false ? [] : markScript(buildFirewallRuleset([], opts).script).tables;
  }

  get enabled(): boolean {
    return this.#opts !== false;
  }

  get tables(): readonly FirewallTable[] {
    return this.#tables;
  }

  /** Applies so far; pass it to observe() with a listing read after this moment. */
  get applies(): number {
    return this.#applies;
  }

  /** A listing of the tables (undefined: missing) read after `applies` applies; marks drift for the next sync. */
  observe(listing: string | undefined, applies: number): void {
    if (applies !== this.#applies) return; // an apply happened while it was read
    if (this.#hash === undefined) {
      this.#found = listing;
      return;
    }
    if (listing === undefined) {
      this.#log.warn('firewall tables missing: re-applying', { code: 'ERR_DP_FIREWALL', tables: this.#tables });
      this.#dirty = true;
    } else if (this.#baseline === undefined) {
      if (listingHasMarker(listing, this.#hash)) this.#baseline = listing;
      else {
        this.#log.warn('firewall tables are not the ruleset lagless applied: re-applying', { code: 'ERR_DP_FIREWALL' });
        this.#dirty = true;
      }
    } else if (listing !== this.#baseline) {
      this.#log.warn('firewall tables changed by hand: re-applying', { code: 'ERR_DP_FIREWALL' });
      this.#dirty = true;
      this.#baseline = undefined;
    }
  }

  /**
   * Brings the ruleset in line with `specs` (all desired ports, sorted by id) when `version`
   * changed or drift was seen. `usable` are the ports the dataplane may wire.
   *
   * Returns at once with the expected outcome; `done` settles when `nft -f` has finished. While it
   * runs, resolve() already answers from the new ruleset, so the caller can compute its plan in
   * the meantime; it must not touch the kernel before `done`. When the apply fails, `done` says
   * 'failed' and resolve() answers from the ruleset still in force again.
   */
  begin(specs: () => readonly PortSpec[], usable: ReadonlyMap<string, WirablePort>, version: number, inSync: boolean, now: number): { outcome: FirewallOutcome; done: Promise<FirewallOutcome> } {
    const settled = (outcome: FirewallOutcome) => ({ outcome, done: Promise.resolve(outcome) });
    if (this.#opts === false) return settled('off');
    if (!inSync) return settled('waiting-sync');
    if (this.#version === version && !this.#dirty) return settled('unchanged');
    if (this.#backoff.held(FIREWALL_KEY, now)) return settled('held');
    let built;
    let marked;
    try {
      built = buildFirewallRuleset(specs(), this.#opts);
      marked = markScript(built.script);
    } catch (err) {
      return settled(this.#failed(err, now));
    }
    const adopt = this.#hash === undefined && this.#found !== undefined && listingHasMarker(this.#found, marked.hash);
    const unchanged = !this.#dirty && (this.#hash === marked.hash || adopt);
    const previous = { hash: this.#hash, script: this.#script, tables: this.#tables, baseline: this.#baseline, found: this.#found, dirty: this.#dirty, version: this.#version, ports: this.#ports, closed: this.#closed };
    // only elements changed since the script in force (and nothing drifted): send just those
    const delta = !unchanged && !this.#dirty && this.#hash !== undefined && this.#script !== undefined ? elementDelta(this.#script, built.script) : undefined;
    if (unchanged && adopt) this.#baseline = this.#found;
    if (!unchanged) {
      this.#applies++;
      this.#baseline = undefined;
    }
    this.#hash = marked.hash;
    this.#script = built.script;
    this.#tables = marked.tables;
    this.#found = undefined;
    this.#dirty = false;
    this.#version = version;
    this.#inForce(built, usable);
    if (unchanged) {
      this.#backoff.succeed(FIREWALL_KEY);
      return settled('unchanged');
    }
    const whole = () => this.#kernel.applyFirewall(marked.script);
    const apply =
      delta === undefined
        ? whole()
        : this.#kernel.applyFirewall(delta).then(
            () => this.#remark(marked.tables, marked.hash),
            (err: unknown) => {
              this.#log.warn('incremental firewall update failed; replacing the tables', { code: 'ERR_DP_FIREWALL', error: err instanceof Error ? err.message : String(err) });
              return whole();
            },
          );
    const done = apply.then(
      (): FirewallOutcome => {
        this.#backoff.succeed(FIREWALL_KEY);
        return 'applied';
      },
      (err: unknown): FirewallOutcome => {
        // the old ruleset stays in force, and so does what it was built from
        this.#hash = previous.hash;
        this.#script = previous.script;
        this.#tables = previous.tables;
        this.#baseline = previous.baseline;
        this.#found = previous.found;
        this.#dirty = previous.dirty;
        this.#version = previous.version;
        this.#ports = previous.ports;
        this.#closed = previous.closed;
        this.generation++;
        return this.#failed(err, now);
      },
    );
    return { outcome: 'applied', done };
  }

  /** Moves the marker to `hash` after an incremental update, in the background (see the header). */
  #remark(tables: readonly FirewallTable[], hash: string): void {
    this.#applies++; // a listing being read now may have the new elements and the old marker
    this.#remarking = this.#remarking.then(async () => {
      try {
        await this.#kernel.applyFirewall(remarkCommands(tables, hash));
      } catch (err) {
        if (this.#hash !== hash) return; // another ruleset is on its way
        this.#log.warn('moving the firewall marker failed; the tables will be replaced', { code: 'ERR_DP_FIREWALL', error: err instanceof Error ? err.message : String(err) });
        this.#dirty = true;
      }
      this.#applies++;
      this.#baseline = undefined;
    });
  }

  /** Resolves when no marker update is pending (tests, orderly stop). */
  settled(): Promise<void> {
    return this.#remarking;
  }

  /** begin(), waiting for the apply. */
  async sync(specs: () => readonly PortSpec[], usable: ReadonlyMap<string, WirablePort>, version: number, inSync: boolean, now: number): Promise<FirewallOutcome> {
    return this.begin(specs, usable, version, inSync, now).done;
  }

  #failed(err: unknown, now: number): FirewallOutcome {
    const e = err instanceof DataplaneError ? err : new DataplaneError('ERR_DP_FIREWALL', `firewall: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    const f = this.#backoff.fail(FIREWALL_KEY, e, now);
    this.#log.error('firewall apply failed; the previous ruleset stays in force', { code: e.code, attempts: f.attempts, retryInMs: f.retryAt - now, error: e.message });
    return 'failed';
  }

  /** Records which ports (and which of their specs) a ruleset covers, and which it closes. */
  #inForce(built: ReturnType<typeof buildFirewallRuleset>, usable: ReadonlyMap<string, WirablePort>): void {
    const closedIds = new Set<string>();
    this.#closed = new Map();
    for (const p of built.ports) if (p.mode === 'closed') for (const id of p.portId.split(',')) closedIds.add(id);
    for (const e of built.errors) {
      if (e.portId === undefined) continue;
      closedIds.add(e.portId);
      if (!this.#closed.has(e.portId)) this.#closed.set(e.portId, { code: 'ERR_DP_PORT_FIREWALL', message: `${e.code}: ${e.message}` });
    }
    this.#ports = new Map();
    for (const [id, port] of usable) {
      if (!closedIds.has(id)) this.#ports.set(id, port);
      else if (!this.#closed.has(id)) this.#closed.set(id, { code: 'ERR_DP_PORT_FIREWALL', message: 'the firewall closed this port' });
    }
    this.generation++;
  }

  /** The port to wire for `id`, or the problem that keeps it unwired, or undefined (wait). */
  resolve(id: string, port: WirablePort, outcome: FirewallOutcome): WirablePort | PortProblem | undefined {
    if (this.#opts === false) return port;
    const inForce = this.#ports.get(id);
    if (inForce !== undefined) return inForce;
    const closed = this.#closed.get(id);
    if (closed !== undefined) return closed;
    if (outcome === 'failed' || outcome === 'held') {
      const f = this.#backoff.get(FIREWALL_KEY);
      return { code: 'ERR_DP_FIREWALL', message: f?.error.message ?? 'firewall not applied', key: FIREWALL_KEY };
    }
    return undefined;
  }
}
