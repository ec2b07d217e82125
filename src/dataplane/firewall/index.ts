// lagless's nftables ruleset: anti-spoofing per VM tap and host protection (design §4 "security").
// Pure: builds the script; the dataplane applies it with `nft -f`.
export { buildFirewallRuleset, type FirewallOptions, type FirewallPortResult, type FirewallRuleset } from './ruleset.js';
export { FirewallError, type FirewallErrorCode } from './errors.js';
export type { PortMode } from './compile-port.js';
