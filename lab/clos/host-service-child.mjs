// Inside a lab namespace: accepts TCP on HOST:PORT and forwards each connection to a Unix socket
// (served from the host's namespace by host-service.ts). Prints "ready" once listening.
//   ip netns exec NS node host-service-child.mjs 127.0.0.1 5672 /tmp/x/amqp.sock
import net from 'node:net';

const [host, port, path] = process.argv.slice(2);
if (!host || !port || !path) {
  process.stderr.write('usage: host-service-child.mjs HOST PORT UNIX_SOCKET\n');
  process.exit(2);
}
const server = net.createServer((client) => {
  const upstream = net.connect(path);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const s of [client, upstream]) {
    s.on('error', close);
    s.on('close', close);
  }
  client.pipe(upstream);
  upstream.pipe(client);
});
server.on('error', (err) => {
  process.stderr.write(`host-service-child: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(port), host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
