// Everything at once: RabbitMQ and MariaDB in parallel, then neutron-server on them.
//   const { rabbit, db, neutron } = await startOpenStack(scope);   // all stopped by scope.cleanup()
import type { LabScope } from '../netns.js';
import { startMariadb, type Mariadb } from './mariadb.js';
import { startNeutronServer, type NeutronServer, type NeutronServerOptions } from './neutron-server.js';
import { startRabbit, type Rabbit } from './rabbit.js';

export interface OpenStack {
  readonly rabbit: Rabbit;
  readonly db: Mariadb;
  readonly neutron: NeutronServer;
}

export async function startOpenStack(scope: LabScope, opts: Omit<NeutronServerOptions, 'rabbit' | 'db'> = {}): Promise<OpenStack> {
  const [rabbit, db] = await Promise.all([startRabbit(scope), startMariadb(scope)]);
  const neutron = await startNeutronServer(scope, { ...opts, rabbit, db });
  return { rabbit, db, neutron };
}
