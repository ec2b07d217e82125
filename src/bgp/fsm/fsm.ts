// The RFC 4271 §8 state machine as a pure state × event function (OpenBGPD bgp_fsm with timers as
// data). It never reads a clock and never does I/O: timers are start/stop actions and come back as
// 'timer-expired' events; every state change is an action carrying its reason.
//
// Choices beyond the RFC text, all common practice (FRR, BIRD, OpenBGPD):
// - 'passive' never opens a connection (no ConnectRetryTimer), it only accepts.
// - A failed connect, or a connection lost in OpenSent, goes to Active and waits for the
//   ConnectRetryTimer (or the peer's connection), as RFC 4271 says.
// - Any other failure of a connection (a NOTIFICATION, an error, a loss after the peer's OPEN) goes
//   to Idle and starts the IdleHoldTimer;
//   the idle hold doubles on each such failure up to idleHoldMax (a flapping peer backs off) and
//   returns to idleHoldInitial once Established has lasted idleHoldResetAfter seconds.
// - Connection collisions are detected by the session (it holds both connections) and resolved by
//   collision.ts; the losing connection's FSM gets 'open-collision-dump'.
import {
  CEASE_ADMIN_SHUTDOWN,
  CEASE_COLLISION,
  NOTIF_CEASE,
  NOTIF_FSM,
  NOTIF_HOLD_TIMER,
} from '../wire/errors.js';
import type { BgpWireError } from '../wire/errors.js';
import { AFI_IPV6, SAFI_UNICAST } from '../wire/types.js';
import type { NotificationMessage, Prefix, UpdateMessage } from '../wire/types.js';
import { assertNever } from './assert-never.js';
import { familyKey } from '../wire/types.js';
import { negotiate } from './negotiate.js';
import { describeNotification, encodeShutdownCommunication, notification } from './notification.js';
import { buildOpen } from './open.js';
import { validateOpen } from './validate-open.js';
import type { DownInfo, FsmAction, FsmConfig, FsmEvent, FsmState, StateName, StateReason, StepResult } from './types.js';

/** RFC 4271 §8.2.2: the HoldTimer while waiting for the peer's OPEN ("suggested value 4 minutes"). */
export const LARGE_HOLD_TIME = 240;

/** RFC 6608 subcodes of the FSM error: which state received the unexpected message. */
const FSM_ERROR_SUBCODE = { 'open-sent': 1, 'open-confirm': 2, established: 3 } as const;

export function initialState(config: FsmConfig): FsmState {
  return {
    name: 'idle',
    config,
    started: false,
    idleHold: config.idleHoldInitial,
    connectRetryCounter: 0,
    localOpen: buildOpen(config),
    peerOpen: undefined,
    negotiated: undefined,
    reason: 'configured',
  };
}

/**
 * The state of an extra FSM for a connection the peer opened while our own connection is still
 * in OpenSent/OpenConfirm (the second half of a collision): it starts in Active, never connects on
 * its own, and is fed 'tcp-connection-confirmed' next. It shares the primary's configuration and
 * backoff so that whichever connection survives carries on with them.
 */
export function acceptedConnectionState(primary: FsmState): FsmState {
  return {
    ...primary,
    name: 'active',
    config: { ...primary.config, passive: true },
    started: true,
    peerOpen: undefined,
    negotiated: undefined,
    reason: 'tcp-accepted',
  };
}

/** The surviving extra FSM takes over from the primary: the primary's configuration and counters, its own state. */
export function adoptAccepted(primary: FsmState, accepted: FsmState): FsmState {
  return {
    ...accepted,
    config: primary.config,
    idleHold: primary.idleHold,
    connectRetryCounter: primary.connectRetryCounter,
  };
}

const same = (state: FsmState): StepResult => ({ state, actions: [] });

export function step(state: FsmState, event: FsmEvent): StepResult {
  if (event.type === 'manual-start') return manualStart(state);
  if (event.type === 'manual-stop') return manualStop(state, event.ceaseSubcode ?? CEASE_ADMIN_SHUTDOWN, event.message);
  switch (state.name) {
    case 'idle':
      return idle(state, event);
    case 'connect':
      return connect(state, event);
    case 'active':
      return active(state, event);
    case 'open-sent':
      return openSent(state, event);
    case 'open-confirm':
      return openConfirm(state, event);
    case 'established':
      return established(state, event);
    default:
      return assertNever(state.name);
  }
}

// ------------------------------------------------------------------ administrative events

function manualStart(state: FsmState): StepResult {
  if (state.started) return same(state);
  return begin({ ...state, started: true, idleHold: state.config.idleHoldInitial, connectRetryCounter: 0 }, 'admin-start');
}

function manualStop(state: FsmState, subcode: number, message: string | undefined): StepResult {
  if (state.name === 'idle') {
    if (!state.started) return same(state);
    return {
      state: { ...state, started: false, idleHold: state.config.idleHoldInitial, connectRetryCounter: 0, reason: 'admin-stop' },
      actions: [{ type: 'stop-timer', timer: 'idle-hold' }],
    };
  }
  const data = message === undefined ? undefined : encodeShutdownCommunication(message);
  const sent = hasSession(state.name) ? notification(NOTIF_CEASE, subcode, data) : undefined;
  const r = toIdle(state, 'admin-stop', { sent, backoff: false, detail: message });
  return {
    state: { ...r.state, started: false, idleHold: state.config.idleHoldInitial, connectRetryCounter: 0 },
    actions: [...r.actions.filter((a) => !(a.type === 'start-timer' && a.timer === 'idle-hold')), { type: 'stop-timer', timer: 'idle-hold' }],
  };
}

/** Leave Idle: open a connection (Connect) or wait for the peer's (Active). */
function begin(state: FsmState, reason: StateReason): StepResult {
  if (state.config.passive) return change(state, 'active', reason, []);
  return change(state, 'connect', reason, [
    { type: 'connect' },
    { type: 'start-timer', timer: 'connect-retry', seconds: state.config.connectRetryTime, jitter: true },
  ]);
}

// ------------------------------------------------------------------ states

function idle(state: FsmState, event: FsmEvent): StepResult {
  switch (event.type) {
    case 'timer-expired':
      if (event.timer === 'idle-hold' && state.started) return begin(state, 'idle-hold-expired');
      return same(state);
    case 'tcp-connection-confirmed':
      // RFC 4271 §8.2.2 Idle: incoming connections are refused
      return { state, actions: [{ type: 'close' }] };
    default:
      return same(state);
  }
}

function connect(state: FsmState, event: FsmEvent): StepResult {
  switch (event.type) {
    case 'tcp-cr-acked':
      return toOpenSent(state, 'tcp-connected');
    case 'tcp-connection-confirmed':
      return toOpenSent(state, 'tcp-accepted');
    case 'tcp-connection-fails':
      // keep the ConnectRetryTimer running: it brings us back to Connect
      return change({ ...state, connectRetryCounter: state.connectRetryCounter + 1 }, 'active', 'connect-failed', [], event.detail);
    case 'timer-expired':
      if (event.timer !== 'connect-retry') return same(state);
      // the connect is taking too long: drop it and try again
      return {
        state: { ...state, connectRetryCounter: state.connectRetryCounter + 1 },
        actions: [
          { type: 'close' },
          { type: 'connect' },
          { type: 'start-timer', timer: 'connect-retry', seconds: state.config.connectRetryTime, jitter: true },
        ],
      };
    default:
      return same(state);
  }
}

function active(state: FsmState, event: FsmEvent): StepResult {
  switch (event.type) {
    case 'tcp-connection-confirmed':
      return toOpenSent(state, 'tcp-accepted');
    case 'timer-expired':
      if (event.timer === 'connect-retry' && !state.config.passive) return begin(state, 'connect-retry-expired');
      return same(state);
    default:
      return same(state);
  }
}

function toOpenSent(state: FsmState, reason: StateReason): StepResult {
  return change(state, 'open-sent', reason, [
    { type: 'stop-timer', timer: 'connect-retry' },
    { type: 'send-open', open: state.localOpen },
    { type: 'start-timer', timer: 'hold', seconds: LARGE_HOLD_TIME, jitter: false },
  ]);
}

function openSent(state: FsmState, event: FsmEvent): StepResult {
  switch (event.type) {
    case 'tcp-connection-fails': {
      // RFC 4271 §8.2.2 OpenSent: back to Active with the ConnectRetryTimer running, listening.
      // A peer that accepts TCP and closes at once (it is in Idle, or does not know us) is retried
      // at the connect-retry pace; only failures after its OPEN count as flaps.
      const retry: FsmAction[] = state.config.passive
        ? []
        : [{ type: 'start-timer', timer: 'connect-retry', seconds: state.config.connectRetryTime, jitter: true }];
      return change(
        { ...state, connectRetryCounter: state.connectRetryCounter + 1 },
        'active',
        'connection-closed',
        [{ type: 'close' }, { type: 'stop-timer', timer: 'hold' }, ...retry],
        event.detail,
      );
    }
    case 'open-received': {
      const check = validateOpen(event.open, state.config);
      if (!check.ok) return toIdle(state, check.reason, { sent: check.notification, backoff: true, detail: check.detail });
      const negotiated = negotiate(state.localOpen, event.open, state.config);
      const actions: FsmAction[] = [{ type: 'negotiated', negotiated }, { type: 'send-keepalive' }];
      if (negotiated.holdTime > 0) {
        actions.push(
          { type: 'start-timer', timer: 'keepalive', seconds: negotiated.keepaliveTime, jitter: true },
          { type: 'start-timer', timer: 'hold', seconds: negotiated.holdTime, jitter: false },
        );
      } else {
        actions.push({ type: 'stop-timer', timer: 'hold' });
      }
      return change({ ...state, peerOpen: event.open, negotiated }, 'open-confirm', 'open-received', actions);
    }
    default:
      return common(state, event);
  }
}

function openConfirm(state: FsmState, event: FsmEvent): StepResult {
  const negotiated = state.negotiated;
  if (negotiated === undefined) throw new Error('open-confirm without a negotiated result'); // unreachable by construction
  switch (event.type) {
    case 'keepalive-received': {
      const r = change(state, 'established', 'open-confirmed', [
        ...restartHold(state),
        { type: 'start-timer', timer: 'idle-hold-reset', seconds: state.config.idleHoldResetAfter, jitter: false },
      ]);
      return { state: r.state, actions: [...r.actions, { type: 'established', negotiated }] };
    }
    default:
      return common(state, event);
  }
}

function established(state: FsmState, event: FsmEvent): StepResult {
  const negotiated = state.negotiated;
  if (negotiated === undefined) throw new Error('established without a negotiated result'); // unreachable by construction
  switch (event.type) {
    case 'keepalive-received':
      return { state, actions: restartHold(state) };
    case 'update-received':
      return { state, actions: [...restartHold(state), { type: 'deliver-update', update: event.update }] };
    case 'route-refresh-received': {
      const m = event.message;
      const family = familyKey(m.afi, m.safi);
      const ok = m.subtype === 0 ? negotiated.routeRefresh : negotiated.enhancedRouteRefresh;
      if (ok && negotiated.families.includes(family)) {
        return { state, actions: [...restartHold(state), { type: 'deliver-route-refresh', message: m }] };
      }
      // RFC 2918 §4 / RFC 7313 §5: a refresh for what was not negotiated is ignored
      return {
        state,
        actions: [
          ...restartHold(state),
          { type: 'warning', code: 'ERR_BGP_ROUTE_REFRESH_IGNORED', message: `ROUTE-REFRESH subtype ${m.subtype} for ${family} was not negotiated; ignored` },
        ],
      };
    }
    case 'update-sent':
      return negotiated.keepaliveTime > 0
        ? { state, actions: [{ type: 'start-timer', timer: 'keepalive', seconds: negotiated.keepaliveTime, jitter: true }] }
        : same(state);
    case 'timer-expired':
      if (event.timer === 'idle-hold-reset') return { state: { ...state, idleHold: state.config.idleHoldInitial }, actions: [] };
      return common(state, event);
    case 'decode-error':
      if (event.error.action === 'treat-as-withdraw') {
        const n = event.error.withdraw.length;
        // nothing to withdraw: a message to ignore (e.g. an unknown ROUTE-REFRESH subtype); an
        // empty UPDATE would read as End-of-RIB
        const deliver: FsmAction[] = n === 0 ? [] : [{ type: 'deliver-update', update: withdrawUpdate(event.error.withdraw) }];
        const message = n === 0 ? `message ignored: ${event.error.message}` : `treat-as-withdraw (${n} prefixes): ${event.error.message}`;
        return { state, actions: [...restartHold(state), ...deliver, { type: 'warning', code: event.error.code, message }] };
      }
      if (event.error.action === 'attribute-discard') {
        return { state, actions: [...restartHold(state), { type: 'warning', code: event.error.code, message: `attribute discarded: ${event.error.message}` }] };
      }
      return common(state, event);
    default:
      return common(state, event);
  }
}

/** Events handled alike in OpenSent, OpenConfirm and Established (a connection is up). */
function common(state: FsmState, event: FsmEvent): StepResult {
  const name = state.name;
  if (name !== 'open-sent' && name !== 'open-confirm' && name !== 'established') return same(state);
  switch (event.type) {
    case 'tcp-connection-fails':
      return toIdle(state, 'connection-closed', { backoff: true, detail: event.detail });
    case 'notification-received':
      return toIdle(state, 'notification-received', { received: event.notification, backoff: true, detail: describeNotification(event.notification) });
    case 'open-collision-dump':
      return toIdle(state, 'collision', { sent: notification(NOTIF_CEASE, CEASE_COLLISION), backoff: false });
    case 'timer-expired':
      if (event.timer === 'hold') return toIdle(state, 'hold-timer-expired', { sent: notification(NOTIF_HOLD_TIMER, 0), backoff: true });
      if (event.timer === 'keepalive' && name !== 'open-sent' && state.negotiated !== undefined && state.negotiated.keepaliveTime > 0) {
        return {
          state,
          actions: [
            { type: 'send-keepalive' },
            { type: 'start-timer', timer: 'keepalive', seconds: state.negotiated.keepaliveTime, jitter: true },
          ],
        };
      }
      return same(state);
    case 'decode-error':
      return decodeError(state, event.error);
    case 'open-received':
    case 'keepalive-received':
    case 'update-received':
    case 'route-refresh-received':
      return fsmError(state, name, event.type.replace('-received', '').toUpperCase());
    case 'tcp-cr-acked':
    case 'tcp-connection-confirmed':
    case 'update-sent':
      return same(state);
    case 'manual-start':
    case 'manual-stop':
      return same(state); // handled before the state switch
    default:
      return assertNever(event);
  }
}

function decodeError(state: FsmState, error: BgpWireError): StepResult {
  const name = state.name;
  if ((error.action === 'treat-as-withdraw' || error.action === 'attribute-discard') && name !== 'established') {
    // only an UPDATE can be treated so, and an UPDATE is not allowed before Established
    if (name === 'open-sent' || name === 'open-confirm') return fsmError(state, name, 'UPDATE');
  }
  // session-reset, and afi-safi-disable (not implemented: RFC 7606 §3 allows the reset instead)
  return toIdle(state, 'message-error', {
    sent: notification(error.notifCode, error.notifSubcode, error.data),
    backoff: true,
    detail: `${error.code}: ${error.message}`,
    errorCode: error.code,
  });
}

function fsmError(state: FsmState, name: keyof typeof FSM_ERROR_SUBCODE, what: string): StepResult {
  return toIdle(state, 'fsm-error', {
    sent: notification(NOTIF_FSM, FSM_ERROR_SUBCODE[name]),
    backoff: true,
    detail: `unexpected ${what} in ${name}`,
  });
}

// ------------------------------------------------------------------ helpers

function hasSession(name: StateName): boolean {
  return name === 'open-sent' || name === 'open-confirm' || name === 'established';
}

function restartHold(state: FsmState): FsmAction[] {
  const hold = state.negotiated?.holdTime ?? 0;
  return hold > 0 ? [{ type: 'start-timer', timer: 'hold', seconds: hold, jitter: false }] : [];
}

function change(state: FsmState, to: StateName, reason: StateReason, actions: FsmAction[], detail?: string): StepResult {
  const stateChange: FsmAction =
    detail === undefined
      ? { type: 'state-change', from: state.name, to, reason }
      : { type: 'state-change', from: state.name, to, reason, detail };
  return { state: { ...state, name: to, reason }, actions: [...actions, stateChange] };
}

interface IdleOptions {
  readonly sent?: NotificationMessage | undefined;
  readonly received?: NotificationMessage;
  /** count this as a flap: double the next idle hold */
  readonly backoff: boolean;
  readonly detail?: string | undefined;
  readonly errorCode?: string;
}

/** Drop the connection (after the NOTIFICATION, if any), stop the timers, and go to Idle. */
function toIdle(state: FsmState, reason: StateReason, o: IdleOptions): StepResult {
  const actions: FsmAction[] = [];
  if (o.sent !== undefined) actions.push({ type: 'send-notification', notification: o.sent });
  if (state.name !== 'idle' && state.name !== 'active') actions.push({ type: 'close' });
  for (const timer of ['connect-retry', 'hold', 'keepalive', 'idle-hold-reset'] as const) actions.push({ type: 'stop-timer', timer });
  let next: FsmState = { ...state, peerOpen: undefined, negotiated: undefined };
  if (state.started) {
    actions.push({ type: 'start-timer', timer: 'idle-hold', seconds: state.idleHold, jitter: true });
    if (o.backoff) {
      next = {
        ...next,
        idleHold: Math.min(state.idleHold * 2, state.config.idleHoldMax),
        connectRetryCounter: state.connectRetryCounter + 1,
      };
    }
  }
  const detail = o.detail ?? (o.sent === undefined ? undefined : describeNotification(o.sent));
  const r = change(next, 'idle', reason, actions, detail);
  if (state.name !== 'established') return r;
  const info: DownInfo = {
    reason,
    ...(detail === undefined ? {} : { detail }),
    ...(o.sent === undefined ? {} : { notificationSent: o.sent }),
    ...(o.received === undefined ? {} : { notificationReceived: o.received }),
    ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode }),
  };
  return { state: r.state, actions: [...r.actions, { type: 'down', info }] };
}

/** An UPDATE withdrawing the given prefixes (RFC 7606 treat-as-withdraw), IPv6 ones in MP_UNREACH. */
export function withdrawUpdate(prefixes: readonly Prefix[]): UpdateMessage {
  const v4 = prefixes.filter((p) => p.afi === 1);
  const v6 = prefixes.filter((p) => p.afi === AFI_IPV6);
  return {
    type: 'update',
    withdrawn: v4,
    attributes: v6.length === 0 ? {} : { mpUnreach: { afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn: v6 } },
    nlri: [],
  };
}
