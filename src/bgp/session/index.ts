// A BGP peer over TCP: BgpSession (one per configured neighbour), BgpListener, and the seams
// (Clock, Connection/Connector, Logger) with their test doubles.
export { BgpSession, BGP_PORT } from './session.js';
export type { BgpSessionOptions, BgpSessionEvents } from './session.js';
export { BgpListener } from './listener.js';
export type { BgpListenerOptions, AcceptingSession } from './listener.js';
export { BgpSessionError } from './errors.js';
export { systemClock } from './clock.js';
export type { Clock, CancelTimer } from './clock.js';
export { FakeClock, settleEventLoop } from './fake-clock.js';
export { tcpConnector } from './connection.js';
export type { Connection, Connector, ConnectTarget } from './connection.js';
export { MemoryConnection, MemoryNetwork, memoryConnectionPair } from './memory-connection.js';
export { Framer } from './framer.js';
export { noopLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { parsePeerAddress, parseRemoteAddress, samePeer } from './peer-address.js';
export type { PeerAddress } from './peer-address.js';
export type { SessionStats, LastError, MessageCounts, MessageType } from './stats.js';
