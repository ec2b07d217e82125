"""neutron-server options of the lagless mechanism driver: [ml2_lagless] in ml2_conf.ini."""

from oslo_config import cfg

from networking_lagless import constants

GROUP = 'ml2_lagless'

OPTS = [
    cfg.StrOpt('host_mac_address',
               default=constants.DEFAULT_HOST_MAC,
               help='MAC address of the host side of every VM tap, handed to '
                    'Nova in binding:vif_details. Must match the lagless '
                    'agents (they answer ARP/ND with the tap\'s MAC).'),
]


def register_opts(conf=cfg.CONF):
    conf.register_opts(OPTS, group=GROUP)
