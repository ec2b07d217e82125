"""ML2 mechanism driver `lagless`.

Binds ports on networks of type `routed` to hosts whose lagless agent is alive. The port gets a
plain tap (vif_type `tap`): Nova creates `tap` + the first 11 characters of the port id with the
host MAC below, and the lagless agent on that host wires it (a /32 and /128 route, proxy ARP,
filtering) and announces it over BGP. Nothing is shared at L2, so there is nothing to map to a
physical network.

The agent-liveness check, vnic-type filtering and the provisioning block that keeps a port DOWN
until the agent calls update_device_up all come from Neutron's SimpleAgentMechanismDriverBase.
"""

from neutron_lib.api.definitions import portbindings
from oslo_config import cfg
from oslo_log import log

from neutron.plugins.ml2.drivers import mech_agent

from networking_lagless import constants
from networking_lagless.ml2 import config

LOG = log.getLogger(__name__)


class LaglessMechanismDriver(mech_agent.SimpleAgentMechanismDriverBase):

    def __init__(self):
        config.register_opts(cfg.CONF)
        host_mac = cfg.CONF[config.GROUP].host_mac_address
        vif_details = {
            portbindings.CAP_PORT_FILTER: True,
            constants.VIF_DETAILS_TAP_MAC_ADDRESS: host_mac,
        }
        super().__init__(constants.AGENT_TYPE_LAGLESS,
                         portbindings.VIF_TYPE_TAP,
                         vif_details)
        LOG.info('lagless mechanism driver: vif_type %s, host MAC %s',
                 self.vif_type, host_mac)

    @property
    def connectivity(self):
        # The port is reachable by routing only: Nova and the segments code must not assume an
        # L2 domain behind it.
        return portbindings.CONNECTIVITY_L3

    def get_allowed_network_types(self, agent=None):
        return [constants.TYPE_ROUTED]

    def get_mappings(self, agent):
        # A routed network has no physical network to map. The base class consults mappings
        # only for flat and vlan segments; report what the agent says, if anything.
        return agent.get('configurations', {}).get('interface_mappings', {})
