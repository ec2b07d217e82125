// The neutron source's public surface: Neutron's L2-agent RPC over RabbitMQ, as the lagless agent speaks it.
export { NeutronAgentRpc, RECENT_NOTIFICATIONS, type NeutronAgentRpcOptions, type NeutronAgentRpcEvents } from './agent-rpc.js';
export { NeutronError, type NeutronErrorCode } from './errors.js';
export { decodeEnvelope, encodeEnvelope, type OsloMessage, type OsloCall, type OsloCast, type OsloReply, type RemoteFailure } from './envelope.js';
export { mapDeviceDetails, mapDevicesReply, parseSubnet, subnetIdsOf, ROUTED_NETWORK_TYPE, type DeviceResult, type NeutronPort, type SubnetInfo, type SubnetLookup } from './mapping.js';
export { AGENT_TYPE, AGENT_BINARY, NOTIFIER_TOPICS, agentConfigurations, deviceIdOf, type AgentStatus, type Notification } from './messages.js';
export { AmqpConnection, type AmqpOptions } from './amqp.js';
export { RpcClient, type CallOptions } from './rpc.js';
export { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { NeutronSource, TAP_RE, issueOf, type NeutronSourceOptions, type NeutronSourceStatus, type NotificationRecord } from './source.js';
export type { NeutronRpcLike, TapWatcher, Reachability } from './source-seams.js';
export { DeviceStatusReporter, type DeviceStatus } from './device-status.js';
export { amqpUrlsOf } from './transport-url.js';
