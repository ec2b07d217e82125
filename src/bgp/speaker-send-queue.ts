// The UPDATEs waiting to go to one peer, written with back-pressure, and how far they have got.
//
// The RIB hands over UPDATEs in batches (a peer's initial table, a flush), each stamped with the
// speaker's epoch: a counter that grows with every batch. `sentEpoch` is the latest epoch whose
// UPDATEs for this peer (possibly none) have been handed to the queue; `writtenEpoch` the latest
// whose UPDATEs have all been written to the socket (nothing of them left in the connection's
// queue). A route whose announcement was flushed at epoch e has reached the peer's socket once
// writtenEpoch >= e.
//
// Writes go out in slices of at most SLICE messages; when the connection says its queue is full
// (send() returns false) the queue waits for it to drain before writing more.
import type { StateName } from './fsm/types.js';
import type { UpdateMessage } from './wire/types.js';

/** What the queue needs from a session (BgpSession has it). */
export interface SendTarget {
  readonly state: StateName;
  /** bytes queued on the connection, not yet handed to the kernel */
  readonly buffered: number;
  send(updates: readonly UpdateMessage[]): boolean;
  waitForDrain(): Promise<void>;
}

const SLICE = 256;
/** rounds of setImmediate before polling a slow socket with a timer */
const IMMEDIATE_POLLS = 16;

interface Batch {
  readonly updates: readonly UpdateMessage[];
  readonly epoch: number;
  offset: number;
}

export class SendQueue {
  sentEpoch = 0;
  writtenEpoch = 0;
  readonly #target: SendTarget;
  readonly #onWritten: () => void;
  readonly #onError: (e: unknown) => void;
  #batches: Batch[] = [];
  #pumping = false;
  /** bumped by reset(): a pump of an earlier generation stops */
  #generation = 0;

  constructor(target: SendTarget, onWritten: () => void, onError: (e: unknown) => void) {
    this.#target = target;
    this.#onWritten = onWritten;
    this.#onError = onError;
  }

  /** Nothing queued or being written. */
  get idle(): boolean {
    return !this.#pumping && this.#batches.length === 0;
  }

  /** UPDATEs of epoch `epoch` (which is newer than any before); an empty list just moves the epochs on. */
  push(updates: readonly UpdateMessage[], epoch: number): void {
    this.sentEpoch = epoch;
    if (updates.length === 0) {
      if (this.idle) this.writtenEpoch = epoch;
      return;
    }
    this.#batches.push({ updates, epoch, offset: 0 });
    void this.#pump();
  }

  /** The session went down (or the peer was removed): what was queued is dropped. */
  reset(epoch: number): void {
    this.#generation++;
    this.#batches = [];
    this.#pumping = false;
    this.sentEpoch = this.writtenEpoch = epoch;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    const generation = this.#generation;
    const current = (): boolean => generation === this.#generation && this.#target.state === 'established';
    try {
      while (this.#batches.length > 0 && current()) {
        // write everything queued (later batches too), then wait until the socket has taken it
        const inFlight = [...this.#batches];
        for (const b of inFlight) {
          while (b.offset < b.updates.length) {
            if (!current()) return;
            const slice = b.updates.slice(b.offset, b.offset + SLICE);
            b.offset += slice.length;
            if (!this.#target.send(slice)) await this.#target.waitForDrain();
          }
        }
        await this.#drained(current);
        if (!current()) return;
        this.#batches.splice(0, inFlight.length);
        this.writtenEpoch = this.#batches.length === 0 ? this.sentEpoch : (inFlight.at(-1)?.epoch ?? this.writtenEpoch);
        this.#onWritten();
      }
    } catch (e) {
      if (generation === this.#generation) this.#batches = [];
      this.#onError(e);
    } finally {
      if (generation === this.#generation) this.#pumping = false;
    }
  }

  /** Resolves once the connection holds nothing unwritten (or the session is gone). */
  async #drained(current: () => boolean): Promise<void> {
    for (let i = 0; current() && this.#target.buffered > 0; i++) {
      if (i < IMMEDIATE_POLLS) await new Promise<void>((resolve) => setImmediate(resolve));
      else await new Promise<void>((resolve) => setTimeout(resolve, 2));
    }
  }
}
