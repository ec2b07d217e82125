// The RIB's public surface. The speaker uses `Rib`; the parts are exported for tests and tools.
export { Rib } from './rib.js';
export type { RibOptions, PeerConfig, SessionInfo, LocalRoute, LocalRoutesResult, PeerUpdates, PeerStats, RouteView, PathView } from './rib.js';
export type { BestRoute, RouteListener } from './loc-rib.js';
export type { ImportResult, MaxPrefixExceeded, AdjRibInStats, RejectedRoute } from './adj-rib-in.js';
export type { AdjRibOutStats, AdvertisedRoute, AdvertiseState } from './adj-rib-out.js';
export type { ExportSession, ExportSkip } from './export.js';
export type { DecisionStep, DecisionOptions, Comparison } from './decision.js';
export { compare, selectBest, hasAsLoop } from './decision.js';
export type { MultipathOptions } from './multipath.js';
export type { NextHop, Path, RouteSource } from './path.js';
export { PrefixFilter, maxPrefixNotification, REJECT_REASONS } from './policy.js';
export type { PrefixRule, PrefixFilterConfig, FilterAction, ImportPolicyConfig, ExportPolicyConfig, RejectReason, NotificationData } from './policy.js';
export { AttrSet, Interner } from './intern.js';
export { PrefixMap } from './prefix-map.js';
export { parsePrefix, formatPrefix } from './prefix.js';
export { RibError } from './errors.js';
export type { RibErrorCode } from './errors.js';
