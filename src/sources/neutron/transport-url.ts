// oslo.messaging transport URLs -> amqplib URLs. Neutron's `transport_url` may list several
// brokers: rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost?opts — one amqp:// URL each,
// in order, sharing the virtual host (and the query, which amqplib reads for e.g. heartbeat); a
// fragment means nothing to a broker and is dropped.
//
//   amqpUrlsOf('rabbit://u:p@10.0.0.1:5672,u:p@10.0.0.2:5672/')   // ['amqp://u:p@10.0.0.1:5672/', 'amqp://u:p@10.0.0.2:5672/']
import { NeutronError } from './errors.js';

export function amqpUrlsOf(transportUrl: string): string[] {
  const m = /^(rabbit|amqp):\/\/([^/?#\s]*)(\/[^?#\s]*)?(\?[^#\s]*)?(#\S*)?$/.exec(transportUrl);
  if (m === null) {
    throw new NeutronError('ERR_RPC_ARGUMENT', `not a transport URL: ${JSON.stringify(transportUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'))}; expected rabbit://user:pass@host:5672/`);
  }
  const hosts = (m[2] ?? '').split(',').filter((h) => h !== '');
  if (hosts.length === 0) throw new NeutronError('ERR_RPC_ARGUMENT', 'the transport URL names no broker');
  const vhost = m[3] ?? '/';
  const query = m[4] ?? '';
  return hosts.map((h) => `amqp://${h}${vhost}${query}`);
}
