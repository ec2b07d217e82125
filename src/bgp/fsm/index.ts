// The pure BGP FSM: step(state, event) -> { state, actions }, OPEN checks, negotiation, collisions.
export { step, initialState, acceptedConnectionState, adoptAccepted, withdrawUpdate, LARGE_HOLD_TIME } from './fsm.js';
export { fsmConfig, AS_TRANS, DEFAULT_HOLD_TIME, DEFAULT_CONNECT_RETRY_TIME, DEFAULT_IDLE_HOLD_INITIAL, DEFAULT_IDLE_HOLD_MAX, DEFAULT_IDLE_HOLD_RESET_AFTER } from './config.js';
export type { FsmConfigInput } from './config.js';
export { BgpConfigError } from './errors.js';
export { buildOpen, BGP_VERSION } from './open.js';
export { validateOpen, peerAsOf } from './validate-open.js';
export type { OpenCheck } from './validate-open.js';
export { negotiate, openFamilies } from './negotiate.js';
export { resolveCollision } from './collision.js';
export type { CollisionInput, ConnectionDirection } from './collision.js';
export { notification, describeNotification, encodeShutdownCommunication, shutdownCommunication } from './notification.js';
export { IPV4_UNICAST, IPV6_UNICAST, splitFamily, familyName } from './family.js';
export type * from './types.js';
