// The one error type of the firewall generator. A bad port gets one of these and a drop-all for its
// tap (fail closed); bad generator options throw one.

export type FirewallErrorCode =
  /** the tap name is not a usable interface name (1-15 of [A-Za-z0-9_.-]) */
  | 'ERR_FW_BAD_TAP'
  /** two port specs name the same tap: which one is right is unknown, so the tap is closed */
  | 'ERR_FW_DUPLICATE_TAP'
  /** a port or allowed-pair MAC is not a unicast "aa:bb:cc:dd:ee:ff" */
  | 'ERR_FW_BAD_MAC'
  /** a fixed IP is not an IPv4 or IPv6 address */
  | 'ERR_FW_BAD_ADDRESS'
  /** an allowed address pair is not an address or CIDR */
  | 'ERR_FW_BAD_CIDR'
  /** a generator option is invalid (thrown, not collected) */
  | 'ERR_FW_BAD_OPTION';

export class FirewallError extends Error {
  override readonly name = 'FirewallError';
  readonly code: FirewallErrorCode;
  /** the port at fault (undefined for option errors) */
  readonly portId: string | undefined;
  readonly tap: string | undefined;
  /** the offending value as given */
  readonly value: string | undefined;

  constructor(code: FirewallErrorCode, message: string, details: { portId?: string; tap?: string; value?: string } = {}) {
    super(message);
    this.code = code;
    this.portId = details.portId;
    this.tap = details.tap;
    this.value = details.value;
  }
}
