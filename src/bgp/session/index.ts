// A BGP peer over TCP: BgpSession (one per configured neighbour), BgpListener, and the seams
// (Clock, Connection/Connector, Logger) with their test doubles.
//
//   const listener = new BgpListener({ port: 179, addresses: ['::'], logger });   // IPv4 + IPv6
//   const s = new BgpSession({ localAs: 4200000001, routerId: '10.0.0.1', peerAs: 65000,
//     peerAddress: 'fe80::1%eth0', holdTime: 9, extendedNextHop: true, logger });
//   listener.add(s); await listener.listen();
//   s.on('state', ({ from, to, reason, detail }) => ...);        // every change, with its reason
//   s.on('established', (negotiated) => s.send(updates));        // negotiated.codec: the CodecContext
//   s.on('update', (u) => rib.apply(u));                         // treat-as-withdraw arrives as a withdraw
//   s.on('end-of-rib', ({ afi, safi }) => ...);
//   s.on('route-refresh', ({ afi, safi }) => resend(afi, safi));
//   s.on('down', ({ reason, notificationSent, notificationReceived, errorCode }) => ...);
//   s.on('wire-error', (err) => ...);                            // err.code, err.action (already logged)
//   s.start();
//   if (!s.send(batch)) await s.waitForDrain();                  // back-pressure
//   s.sendRouteRefresh(1, 1);
//   s.stats();                                                   // counters, uptime, last error, reason
//   await s.stop({ message: 'maintenance' });                    // Cease/Administrative Shutdown
//
// Tests: FakeClock + MemoryNetwork/memoryConnectionPair instead of time and sockets.
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
