// The vocabulary of the RFC 4271 §8 state machine: states, events in, actions out, and the reason
// carried by every state change (GoBGP fsmStateReason). Pure data; behaviour lives in fsm.ts.
import type { BgpWireError } from '../wire/errors.js';
import type {
  AddPathMode,
  Capability,
  CodecContext,
  FamilyKey,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from '../wire/types.js';

export type StateName = 'idle' | 'connect' | 'active' | 'open-sent' | 'open-confirm' | 'established';

export type TimerName =
  | 'connect-retry'
  | 'hold'
  | 'keepalive'
  /** how long Idle waits before an automatic restart; grows while the peer flaps */
  | 'idle-hold'
  /** fires once a session has stayed Established long enough to forget earlier flaps */
  | 'idle-hold-reset';

/** Why the FSM changed state. Logged, kept in stats, shown by the CLI. */
export type StateReason =
  /** the state a new FSM starts in */
  | 'configured'
  | 'admin-start'
  | 'admin-stop'
  | 'idle-hold-expired'
  | 'connect-retry-expired'
  | 'tcp-connected'
  | 'tcp-accepted'
  | 'connect-failed'
  | 'connection-closed'
  | 'open-received'
  | 'open-confirmed'
  | 'hold-timer-expired'
  | 'notification-received'
  | 'open-bad-version'
  | 'open-bad-peer-as'
  | 'open-bad-bgp-id'
  | 'open-unacceptable-hold-time'
  | 'open-unsupported-capability'
  | 'open-unsupported-param'
  /** a message the codec could not accept (header, OPEN, UPDATE...) that resets the session */
  | 'message-error'
  /** a message that is not allowed in the current state (RFC 6608 FSM error) */
  | 'fsm-error'
  | 'collision';

/** A capability whose absence from the peer's OPEN fails the session (RFC 5492 §5). */
export type RequiredCapability =
  | { readonly kind: 'four-octet-as' }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'extended-next-hop'; readonly afi: number; readonly safi: number; readonly nextHopAfi: number };

export interface GracefulRestartConfig {
  /** seconds the peer should keep our routes while we restart */
  readonly restartTime: number;
  /** RFC 8538 N bit */
  readonly notification: boolean;
  /** families for which we claim to preserve forwarding state */
  readonly forwardingPreserved: readonly FamilyKey[];
}

/** Everything the FSM needs to know about the peer it runs for. Times are in seconds. */
export interface FsmConfig {
  readonly localAs: number;
  /** our BGP identifier, dotted quad */
  readonly routerId: string;
  readonly peerAs: number;
  /** hold time we offer (0 or 3..65535) */
  readonly holdTime: number;
  /** keepalive interval we want; the negotiated one is at most a third of the negotiated hold time */
  readonly keepaliveTime: number;
  readonly connectRetryTime: number;
  /** never open a connection, only accept one */
  readonly passive: boolean;
  /** families we advertise with the multiprotocol capability */
  readonly families: readonly FamilyKey[];
  /** advertise RFC 8950 IPv4 unicast NLRI with an IPv6 next hop */
  readonly extendedNextHop: boolean;
  /** advertise RFC 8654 extended messages */
  readonly extendedMessage: boolean;
  /** advertise the graceful-restart capability (the restart behaviour itself is not done here) */
  readonly gracefulRestart: GracefulRestartConfig | undefined;
  /** advertised with the FQDN capability when set */
  readonly hostname: string | undefined;
  readonly requiredCapabilities: readonly RequiredCapability[];
  /** first idle hold after a failure; doubles on each further failure up to idleHoldMax */
  readonly idleHoldInitial: number;
  readonly idleHoldMax: number;
  /** seconds Established must last before the idle hold falls back to idleHoldInitial */
  readonly idleHoldResetAfter: number;
}

/** What both OPENs agreed on. */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerId: string;
  readonly localHoldTime: number;
  readonly peerHoldTime: number;
  /** min of both offers; 0 means no hold and no keepalive timer */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** families both sides advertised (a peer without multiprotocol capabilities has IPv4 unicast) */
  readonly families: readonly FamilyKey[];
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** families whose NLRI may carry an IPv6 next hop (RFC 8950), both sides agreeing */
  readonly extendedNextHop: readonly FamilyKey[];
  readonly extendedMessage: boolean;
  /** add-path modes in use per family; we never advertise add-path, so this is empty */
  readonly addPath: ReadonlyMap<FamilyKey, AddPathMode>;
  /** the peer's graceful-restart capability as received, for the (later) restart logic */
  readonly peerGracefulRestart: Extract<Capability, { kind: 'graceful-restart' }> | undefined;
  readonly localGracefulRestart: boolean;
  readonly peerHostname: string | undefined;
  readonly peerCapabilities: readonly Capability[];
  /** how the codec must read and write messages on this session */
  readonly codec: CodecContext;
}

export interface FsmState {
  readonly name: StateName;
  readonly config: FsmConfig;
  /** a manual start is in force (automatic restarts happen only while started) */
  readonly started: boolean;
  /** seconds of the next idle hold */
  readonly idleHold: number;
  readonly connectRetryCounter: number;
  /** the OPEN we send */
  readonly localOpen: OpenMessage;
  /** the peer's OPEN once accepted (OpenConfirm and Established) */
  readonly peerOpen: OpenMessage | undefined;
  readonly negotiated: Negotiated | undefined;
  /** why we are in this state */
  readonly reason: StateReason;
}

/** RFC 4271 §8.1 events, named for what happened. */
export type FsmEvent =
  | { readonly type: 'manual-start' }
  | { readonly type: 'manual-stop'; readonly ceaseSubcode?: number; readonly message?: string }
  /** our outbound connection completed (Tcp_CR_Acked) */
  | { readonly type: 'tcp-cr-acked' }
  /** we accepted the peer's connection (TcpConnectionConfirmed) */
  | { readonly type: 'tcp-connection-confirmed' }
  /** connect failed, or the connection closed or broke */
  | { readonly type: 'tcp-connection-fails'; readonly detail?: string }
  | { readonly type: 'open-received'; readonly open: OpenMessage }
  | { readonly type: 'keepalive-received' }
  | { readonly type: 'update-received'; readonly update: UpdateMessage }
  | { readonly type: 'notification-received'; readonly notification: NotificationMessage }
  | { readonly type: 'route-refresh-received'; readonly message: RouteRefreshMessage }
  /** the codec rejected a message; the error carries the NOTIFICATION and the RFC 7606 action */
  | { readonly type: 'decode-error'; readonly error: BgpWireError }
  /** we sent an UPDATE: restarts the keepalive timer (RFC 4271 §4.4) */
  | { readonly type: 'update-sent' }
  | { readonly type: 'timer-expired'; readonly timer: TimerName }
  /** collision resolution (RFC 4271 §6.8) chose the other connection (OpenCollisionDump) */
  | { readonly type: 'open-collision-dump' };

export interface StateChange {
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: StateReason;
  /** human detail: the NOTIFICATION, the error code, the socket error */
  readonly detail?: string;
}

/** Why an Established session went down, with the NOTIFICATION involved if any. */
export interface DownInfo {
  readonly reason: StateReason;
  readonly detail?: string;
  readonly notificationSent?: NotificationMessage;
  readonly notificationReceived?: NotificationMessage;
  /** the coded error behind a message-error, e.g. 'ERR_BGP_ATTR_LENGTH' */
  readonly errorCode?: string;
}

export type FsmAction =
  | { readonly type: 'connect' }
  /** close the connection once what was queued (a NOTIFICATION) is flushed */
  | { readonly type: 'close' }
  | { readonly type: 'send-open'; readonly open: OpenMessage }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly notification: NotificationMessage }
  /** (re)start a timer; `jitter` allows the caller to shorten it by up to 25% (RFC 4271 §10) */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds: number; readonly jitter: boolean }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  | { readonly type: 'deliver-update'; readonly update: UpdateMessage }
  | { readonly type: 'deliver-route-refresh'; readonly message: RouteRefreshMessage }
  /** the peer's OPEN was accepted: the codec context to use from now on */
  | { readonly type: 'negotiated'; readonly negotiated: Negotiated }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  | { readonly type: 'down'; readonly info: DownInfo }
  | ({ readonly type: 'state-change' } & StateChange)
  /** something worth a log line that changes nothing (e.g. an ignored ROUTE-REFRESH) */
  | { readonly type: 'warning'; readonly code: string; readonly message: string };

export interface StepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}
