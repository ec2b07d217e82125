"""The lagless mechanism driver, through Neutron's own mechanism-driver test base."""

from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg

from neutron.tests.unit.plugins.ml2 import _test_mech_agent as base

from networking_lagless import constants
from networking_lagless.ml2 import config
from networking_lagless.ml2 import mech_driver

ROUTED_SEGMENTS = [
    {api.ID: 'vlan_segment_id', api.NETWORK_TYPE: 'vlan',
     api.PHYSICAL_NETWORK: 'fake_physical_network',
     api.SEGMENTATION_ID: 1234, api.NETWORK_ID: 'fake_network_id'},
    {api.ID: 'routed_segment_id', api.NETWORK_TYPE: 'routed',
     api.PHYSICAL_NETWORK: None, api.SEGMENTATION_ID: None,
     api.NETWORK_ID: 'fake_network_id'},
]


class LaglessMechanismBaseTestCase(base.AgentMechanismBaseTestCase):
    VIF_TYPE = portbindings.VIF_TYPE_TAP
    VIF_DETAILS = {portbindings.VIF_DETAILS_CONNECTIVITY: 'l3',
                   portbindings.CAP_PORT_FILTER: True,
                   'mac_address': 'fe:ff:ff:ff:ff:ff'}
    AGENT_TYPE = constants.AGENT_TYPE_LAGLESS
    AGENT = {'alive': True, 'host': 'hv1', 'agent_type': AGENT_TYPE,
             'configurations': {'devices': 0, 'bgp_peers': {}}}
    AGENTS = [AGENT]
    AGENTS_DEAD = [dict(AGENT, alive=False)]

    def setUp(self):
        super().setUp()
        self.driver = mech_driver.LaglessMechanismDriver()
        self.driver.initialize()

    def _bind(self, agents, segments, vnic_type=portbindings.VNIC_NORMAL):
        context = base.FakePortContext(self.AGENT_TYPE, agents, segments,
                                       vnic_type=vnic_type)
        self.driver.bind_port(context)
        return context


class LaglessMechanismGenericTestCase(LaglessMechanismBaseTestCase,
                                      base.AgentMechanismGenericTestCase):
    pass


class LaglessMechanismRoutedTestCase(LaglessMechanismBaseTestCase):

    def test_binds_routed_segment_on_live_agent(self):
        context = self._bind(self.AGENTS, ROUTED_SEGMENTS)
        self._check_bound(context, ROUTED_SEGMENTS[1])

    def test_vif_type_and_details(self):
        context = self._bind(self.AGENTS, ROUTED_SEGMENTS)
        self.assertEqual('tap', context._bound_vif_type)
        self.assertEqual({'connectivity': 'l3', 'port_filter': True,
                          'mac_address': 'fe:ff:ff:ff:ff:ff'},
                         context._bound_vif_details)

    def test_refuses_dead_agent(self):
        context = self._bind(self.AGENTS_DEAD, ROUTED_SEGMENTS)
        self._check_unbound(context)

    def test_refuses_host_without_agent(self):
        context = self._bind([], ROUTED_SEGMENTS)
        self._check_unbound(context)

    def test_refuses_other_agent_type(self):
        other = dict(self.AGENT, agent_type='Linux bridge agent')
        context = self._bind([other], ROUTED_SEGMENTS)
        self._check_unbound(context)

    def test_refuses_non_routed_networks(self):
        for network_type in ('vlan', 'flat', 'vxlan', 'local', 'geneve'):
            segment = {api.ID: 'seg', api.NETWORK_TYPE: network_type,
                       api.PHYSICAL_NETWORK: 'physnet1',
                       api.SEGMENTATION_ID: 7,
                       api.NETWORK_ID: 'fake_network_id'}
            context = self._bind(self.AGENTS, [segment])
            self._check_unbound(context)

    def test_refuses_direct_vnic(self):
        context = self._bind(self.AGENTS, ROUTED_SEGMENTS,
                             vnic_type=portbindings.VNIC_DIRECT)
        self._check_unbound(context)

    def test_allowed_network_types(self):
        self.assertEqual(['routed'], self.driver.get_allowed_network_types())

    def test_no_physnet_mappings_needed(self):
        self.assertEqual({}, self.driver.get_mappings(self.AGENT))


class LaglessMechanismHostMacTestCase(LaglessMechanismBaseTestCase):
    VIF_DETAILS = {portbindings.VIF_DETAILS_CONNECTIVITY: 'l3',
                   portbindings.CAP_PORT_FILTER: True,
                   'mac_address': '02:00:00:00:00:01'}

    def setUp(self):
        config.register_opts(cfg.CONF)
        cfg.CONF.set_override('host_mac_address', '02:00:00:00:00:01',
                              group=config.GROUP)
        self.addCleanup(cfg.CONF.clear_override, 'host_mac_address',
                        group=config.GROUP)
        super().setUp()

    def test_configured_host_mac(self):
        context = self._bind(self.AGENTS, ROUTED_SEGMENTS)
        self._check_bound(context, ROUTED_SEGMENTS[1])
