// The canonical printer: an AgentConfig as YAML with every default written out, keys in a fixed
// order, addresses canonical. Parsing the output gives back an equal config, and printing that
// gives the same text (tested against a golden file).
import { stringify } from 'yaml';
import type { AgentConfig, ImportPrefix, UplinkConfig } from './types.js';

/** One YAML scalar, quoted only when YAML would otherwise read it as something else. */
const scalar = (v: string | number | boolean | null): string =>
  v === null ? 'null' : typeof v === 'string' && /[\x00-\x1f\x7f]/.test(v) ? JSON.stringify(v) : stringify(v, { lineWidth: 0 }).trimEnd();
const flow = (xs: readonly (string | number)[]): string => `[${xs.map(scalar).join(', ')}]`;

function uplink(u: UplinkConfig): string[] {
  return [
    `  - name: ${scalar(u.name)}`,
    `    interface: ${scalar(u.interface)}`,
    `    peer: ${scalar(u.peer)}`,
    `    peerAsn: ${u.peerAsn}`,
    `    localAddress: ${scalar(u.localAddress)}`,
    `    port: ${u.port}`,
    `    holdTime: ${u.holdTime}`,
    `    keepalive: ${u.keepalive}`,
    `    connectRetry: ${u.connectRetry}`,
    `    passive: ${u.passive}`,
    `    families: ${flow(u.families)}`,
  ];
}

const importPrefix = (p: ImportPrefix): string => `    - { prefix: ${scalar(p.prefix)}, ge: ${p.ge}, le: ${p.le} }`;

const block = (indent: string, xs: readonly string[]): string[] => (xs.length === 0 ? [] : xs.map((x) => `${indent}- ${scalar(x)}`));
const listField = (key: string, indent: string, xs: readonly string[]): string[] =>
  xs.length === 0 ? [`${indent}${key}: []`] : [`${indent}${key}:`, ...block(`${indent}  `, xs)];

export function printConfig(c: AgentConfig): string {
  const source =
    c.source.type === 'file'
      ? ['source:', '  type: file', `  path: ${scalar(c.source.path)}`]
      : [
          'source:',
          '  type: neutron',
          `  transportUrl: ${scalar(c.source.transportUrl)}`,
          `  host: ${scalar(c.source.host)}`,
          `  reportInterval: ${c.source.reportInterval}`,
          `  rpcTimeout: ${c.source.rpcTimeout}`,
        ];
  const lines = [
    '# lagless agent config, canonical form (lagless agent --check FILE --print): every default written out',
    `host: ${scalar(c.host)}`,
    `asn: ${c.asn}`,
    `routerId: ${scalar(c.routerId)}`,
    ...listField('loopback', '', c.loopback),
    'uplinks:',
    ...c.uplinks.flatMap(uplink),
    'export:',
    ...listField('pools', '  ', c.export.pools),
    'import:',
    ...(c.import.prefixes.length === 0 ? ['  prefixes: []'] : ['  prefixes:', ...c.import.prefixes.map(importPrefix)]),
    `  maxPrefixes: ${c.import.maxPrefixes}`,
    'multipath:',
    `  maxPaths: ${c.multipath.maxPaths}`,
    `  relax: ${c.multipath.relax}`,
    ...source,
    'dataplane:',
    `  netns: ${scalar(c.dataplane.netns)}`,
    `  metadataAddress: ${scalar(c.dataplane.metadataAddress)}`,
    `  gatewayV4: ${scalar(c.dataplane.gatewayV4)}`,
    'control:',
    `  socket: ${scalar(c.control.socket)}`,
    'logging:',
    `  level: ${scalar(c.logging.level)}`,
    'metrics:',
    `  listen: ${scalar(c.metrics.listen)}`,
  ];
  return `${lines.join('\n')}\n`;
}
