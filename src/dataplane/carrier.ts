// Carrier (LOWER_UP) changes of interfaces, from the kernel's link events: what the agent needs
// for fast external failover (an uplink that loses carrier drops its BGP session at once instead
// of waiting for the hold timer). Pure.
//
//   const t = new CarrierTracker();
//   t.observe(event)   // -> { name, up } when the interface's carrier changed, else undefined
//
// An interface not seen before is taken to have carrier (links present at start are up): the
// first event that says otherwise is a change. A deleted interface is forgotten.
import type { KernelEvent } from './kernel.js';

export interface CarrierChange {
  readonly name: string;
  /** the interface has carrier (LOWER_UP) now */
  readonly up: boolean;
}

export class CarrierTracker {
  readonly #down = new Set<string>();

  observe(e: KernelEvent): CarrierChange | undefined {
    if (e.type !== 'link') return undefined;
    if (e.deleted) {
      this.#down.delete(e.name);
      return undefined;
    }
    if (e.lowerUp === undefined) return undefined;
    const wasUp = !this.#down.has(e.name);
    if (wasUp === e.lowerUp) return undefined;
    if (e.lowerUp) this.#down.delete(e.name);
    else this.#down.add(e.name);
    return { name: e.name, up: e.lowerUp };
  }
}
