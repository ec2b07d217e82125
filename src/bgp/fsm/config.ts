// FsmConfig from partial input: defaults filled in, every value checked (coded errors).
import { parseIpv4 } from '../../lib/ip.js';
import { BgpConfigError } from './errors.js';
import { IPV4_UNICAST, IPV6_UNICAST } from './family.js';
import type { FamilyKey } from '../wire/types.js';
import type { FsmConfig, GracefulRestartConfig, RequiredCapability } from './types.js';

export const AS_TRANS = 23456;
export const MAX_ASN = 0xffffffff;

export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY_TIME = 10;
export const DEFAULT_IDLE_HOLD_INITIAL = 1;
export const DEFAULT_IDLE_HOLD_MAX = 120;
export const DEFAULT_IDLE_HOLD_RESET_AFTER = 60;

export interface FsmConfigInput {
  readonly localAs: number;
  readonly routerId: string;
  readonly peerAs: number;
  readonly holdTime?: number;
  /** default: a third of holdTime */
  readonly keepaliveTime?: number;
  readonly connectRetryTime?: number;
  readonly passive?: boolean;
  /** default: IPv4 and IPv6 unicast */
  readonly families?: readonly FamilyKey[];
  readonly extendedNextHop?: boolean;
  readonly extendedMessage?: boolean;
  readonly gracefulRestart?: Partial<GracefulRestartConfig> & { readonly restartTime: number };
  readonly hostname?: string;
  readonly requiredCapabilities?: readonly RequiredCapability[];
  readonly idleHoldInitial?: number;
  readonly idleHoldMax?: number;
  readonly idleHoldResetAfter?: number;
}

const SUPPORTED_FAMILIES: readonly FamilyKey[] = [IPV4_UNICAST, IPV6_UNICAST];

function fail(code: string, field: string, message: string): never {
  throw new BgpConfigError(code, field, message);
}

function checkAsn(field: string, asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > MAX_ASN || asn === AS_TRANS) {
    fail('ERR_BGP_CONFIG_ASN', field, `${field} must be an AS number in 1..${MAX_ASN} other than AS_TRANS (${AS_TRANS}), got ${asn}`);
  }
}

function checkSeconds(field: string, value: number, min: number, max: number, integer: boolean): void {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail('ERR_BGP_CONFIG_TIMER', field, `${field} must be ${integer ? 'an integer ' : ''}in ${min}..${max} seconds, got ${value}`);
  }
}

export function fsmConfig(input: FsmConfigInput): FsmConfig {
  checkAsn('localAs', input.localAs);
  checkAsn('peerAs', input.peerAs);
  const id = parseIpv4(input.routerId);
  if (id === undefined || id === 0) {
    fail('ERR_BGP_CONFIG_ROUTER_ID', 'routerId', `routerId must be a non-zero dotted-quad BGP identifier, got "${input.routerId}"`);
  }

  const holdTime = input.holdTime ?? DEFAULT_HOLD_TIME;
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 65535 || holdTime === 1 || holdTime === 2) {
    fail('ERR_BGP_CONFIG_HOLD_TIME', 'holdTime', `holdTime must be 0 or an integer in 3..65535 seconds, got ${holdTime}`);
  }
  const keepaliveTime = input.keepaliveTime ?? Math.max(1, Math.floor(holdTime / 3));
  checkSeconds('keepaliveTime', keepaliveTime, 1, 65535, true);
  const connectRetryTime = input.connectRetryTime ?? DEFAULT_CONNECT_RETRY_TIME;
  checkSeconds('connectRetryTime', connectRetryTime, 0.001, 65535, false);
  const idleHoldInitial = input.idleHoldInitial ?? DEFAULT_IDLE_HOLD_INITIAL;
  checkSeconds('idleHoldInitial', idleHoldInitial, 0.001, 65535, false);
  const idleHoldMax = input.idleHoldMax ?? Math.max(DEFAULT_IDLE_HOLD_MAX, idleHoldInitial);
  checkSeconds('idleHoldMax', idleHoldMax, idleHoldInitial, 65535, false);
  const idleHoldResetAfter = input.idleHoldResetAfter ?? DEFAULT_IDLE_HOLD_RESET_AFTER;
  checkSeconds('idleHoldResetAfter', idleHoldResetAfter, 0.001, 65535, false);

  const families = input.families ?? SUPPORTED_FAMILIES;
  if (families.length === 0) fail('ERR_BGP_CONFIG_FAMILY', 'families', 'at least one address family is required');
  for (const f of families) {
    if (!SUPPORTED_FAMILIES.includes(f)) {
      fail('ERR_BGP_CONFIG_FAMILY', 'families', `unsupported family "${f}" (supported: ${SUPPORTED_FAMILIES.join(', ')})`);
    }
  }
  if (new Set(families).size !== families.length) fail('ERR_BGP_CONFIG_FAMILY', 'families', 'families are listed twice');
  const extendedNextHop = input.extendedNextHop ?? false;
  if (extendedNextHop && !families.includes(IPV4_UNICAST)) {
    fail('ERR_BGP_CONFIG_FAMILY', 'extendedNextHop', 'extendedNextHop needs the IPv4 unicast family');
  }

  let gracefulRestart: GracefulRestartConfig | undefined;
  if (input.gracefulRestart !== undefined) {
    const gr = input.gracefulRestart;
    checkSeconds('gracefulRestart.restartTime', gr.restartTime, 0, 4095, true);
    gracefulRestart = {
      restartTime: gr.restartTime,
      notification: gr.notification ?? false,
      forwardingPreserved: gr.forwardingPreserved ?? [],
    };
  }
  const hostname = input.hostname;
  if (hostname !== undefined && (hostname.length === 0 || Buffer.byteLength(hostname) > 255)) {
    fail('ERR_BGP_CONFIG_HOSTNAME', 'hostname', 'hostname must be 1..255 bytes');
  }

  return {
    localAs: input.localAs,
    routerId: input.routerId,
    peerAs: input.peerAs,
    holdTime,
    keepaliveTime,
    connectRetryTime,
    passive: input.passive ?? false,
    families: [...families],
    extendedNextHop,
    extendedMessage: input.extendedMessage ?? false,
    gracefulRestart,
    hostname,
    requiredCapabilities: [...(input.requiredCapabilities ?? [])],
    idleHoldInitial,
    idleHoldMax,
    idleHoldResetAfter,
  };
}
