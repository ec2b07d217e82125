// A real OpenStack control plane for tests: RabbitMQ + neutron-server with networking-lagless,
// started fresh per run and stopped (by pid) by the scope's cleanup, even on failure.
export { startRabbit, type Rabbit, type RabbitOptions } from './rabbit.js';
export { startMariadb, type Mariadb } from './mariadb.js';
export { startOpenStack, type OpenStack } from './openstack.js';
export { startNeutronServer, NETWORKING_LAGLESS_DIR, type NeutronServer, type NeutronServerOptions } from './neutron-server.js';
export { openstack, openstackJson, openstackEnv, type Endpoint } from './openstack-cli.js';
export { freePort, freePorts } from './free-port.js';
export { descendants } from './children.js';
