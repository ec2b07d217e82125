// The errors of the neutron source, one class with a stable `code` (tests and logs use the code):
//   ERR_OSLO_*           the oslo.messaging envelope or message is malformed (envelope.ts)
//   ERR_NEUTRON_PORT_*   one device's details cannot become a PortSpec; that device only (mapping.ts)
//   ERR_NEUTRON_SUBNET   a pulled subnet object is malformed; the ports on it fail (mapping.ts)
//   ERR_NEUTRON_REPLY    a reply has the wrong shape for its method (messages.ts)
//   ERR_NEUTRON_NOTIFICATION  a fanout notification has the wrong shape (messages.ts)
//   ERR_RPC_*            a call failed: timeout, remote exception, connection lost (rpc.ts)
//   ERR_AMQP_*           the broker connection (amqp.ts)

export type NeutronErrorCode =
  | 'ERR_OSLO_JSON'
  | 'ERR_OSLO_ENVELOPE'
  | 'ERR_OSLO_VERSION'
  | 'ERR_OSLO_MESSAGE'
  | 'ERR_NEUTRON_PORT_MISSING_FIELD'
  | 'ERR_NEUTRON_PORT_INVALID_FIELD'
  | 'ERR_NEUTRON_PORT_BAD_ADDRESS'
  | 'ERR_NEUTRON_PORT_BAD_MAC'
  | 'ERR_NEUTRON_PORT_SUBNET_UNKNOWN'
  | 'ERR_NEUTRON_PORT_ADDRESS_OUTSIDE_SUBNET'
  | 'ERR_NEUTRON_PORT_NETWORK_TYPE'
  | 'ERR_NEUTRON_SUBNET'
  | 'ERR_NEUTRON_REPLY'
  | 'ERR_NEUTRON_NOTIFICATION'
  | 'ERR_RPC_TIMEOUT'
  | 'ERR_RPC_UNROUTABLE'
  | 'ERR_RPC_REMOTE'
  | 'ERR_RPC_DISCONNECTED'
  | 'ERR_RPC_ARGUMENT'
  | 'ERR_AMQP_NOT_CONNECTED'
  | 'ERR_AMQP_CONNECT'
  | 'ERR_AMQP_CLOSED';

export interface NeutronErrorDetails {
  /** the device (as asked for) or port id the error is about, when it is about one */
  readonly device?: string;
  /** the offending field, dotted, e.g. "fixed_ips.0.ip_address" */
  readonly field?: string;
  /** for ERR_RPC_REMOTE: the remote exception's class, module and message */
  readonly remote?: { readonly class: string; readonly module: string; readonly message: string };
  readonly cause?: unknown;
}

export class NeutronError extends Error {
  override readonly name = 'NeutronError';
  readonly code: NeutronErrorCode;
  readonly device: string | undefined;
  readonly field: string | undefined;
  readonly remote: NeutronErrorDetails['remote'];

  constructor(code: NeutronErrorCode, message: string, details: NeutronErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.device = details.device;
    this.field = details.field;
    this.remote = details.remote;
  }
}
