// Counters and last-known facts about a session, for the inspection surface (CLI, metrics).
import type { DownInfo, StateName, StateReason } from '../fsm/types.js';
import type { Message } from '../wire/types.js';

export type MessageType = Message['type'];
export type MessageCounts = Record<MessageType, number>;

export interface LastError {
  /** a codec code ('ERR_BGP_...'), a socket code ('ECONNREFUSED'), or a NOTIFICATION code */
  readonly code: string;
  readonly message: string;
  /** Clock.now() when it happened */
  readonly at: number;
}

export interface SessionStats {
  readonly state: StateName;
  readonly reason: StateReason;
  /** Clock.now() of the last state change */
  readonly stateSince: number;
  /** Clock.now() when the session became Established, while it is */
  readonly establishedAt: number | undefined;
  readonly uptimeMs: number | undefined;
  readonly messagesIn: Readonly<MessageCounts>;
  readonly messagesOut: Readonly<MessageCounts>;
  readonly updatesIn: number;
  readonly updatesOut: number;
  /** times the session left Established */
  readonly flaps: number;
  readonly connectRetryCounter: number;
  readonly lastError: LastError | undefined;
  readonly lastDown: (DownInfo & { readonly at: number }) | undefined;
}

const zero = (): MessageCounts => ({ open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 });

/** The mutable side, shared by the session and its connections. */
export class StatsRecorder {
  readonly messagesIn = zero();
  readonly messagesOut = zero();
  flaps = 0;
  stateSince = 0;
  establishedAt: number | undefined;
  lastError: LastError | undefined;
  lastDown: (DownInfo & { readonly at: number }) | undefined;

  snapshot(state: StateName, reason: StateReason, connectRetryCounter: number, now: number): SessionStats {
    return {
      state,
      reason,
      stateSince: this.stateSince,
      establishedAt: this.establishedAt,
      uptimeMs: this.establishedAt === undefined ? undefined : now - this.establishedAt,
      messagesIn: { ...this.messagesIn },
      messagesOut: { ...this.messagesOut },
      updatesIn: this.messagesIn.update,
      updatesOut: this.messagesOut.update,
      flaps: this.flaps,
      connectRetryCounter,
      lastError: this.lastError,
      lastDown: this.lastDown,
    };
  }
}
