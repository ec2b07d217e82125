"""The routed type driver."""

from neutron_lib import exceptions as exc
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg

from neutron.conf.plugins.ml2 import config as ml2_config
from neutron.tests import base

from networking_lagless.ml2 import type_routed

ROUTED = {api.NETWORK_TYPE: 'routed'}


class RoutedTypeTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        ml2_config.register_ml2_plugin_opts()
        self.driver = type_routed.RoutedTypeDriver()
        self.driver.initialize()
        self.context = None

    def test_type(self):
        self.assertEqual('routed', self.driver.get_type())

    def test_is_not_partial(self):
        self.assertFalse(self.driver.is_partial_segment(ROUTED))

    def test_validate_accepts_bare_segment(self):
        self.driver.validate_provider_segment(dict(ROUTED))
        self.driver.validate_provider_segment(
            {api.NETWORK_TYPE: 'routed', api.PHYSICAL_NETWORK: None,
             api.SEGMENTATION_ID: None})

    def test_validate_rejects_physical_network(self):
        segment = dict(ROUTED, **{api.PHYSICAL_NETWORK: 'physnet1'})
        e = self.assertRaises(exc.InvalidInput,
                              self.driver.validate_provider_segment, segment)
        self.assertIn('physical_network', str(e))

    def test_validate_rejects_segmentation_id(self):
        segment = dict(ROUTED, **{api.SEGMENTATION_ID: 100})
        e = self.assertRaises(exc.InvalidInput,
                              self.driver.validate_provider_segment, segment)
        self.assertIn('segmentation_id', str(e))

    def test_reserve_returns_segment(self):
        self.assertEqual({api.NETWORK_TYPE: 'routed',
                          api.PHYSICAL_NETWORK: None,
                          api.SEGMENTATION_ID: None},
                         self.driver.reserve_provider_segment(
                             self.context, dict(ROUTED)))

    def test_allocate_tenant_segment(self):
        self.assertEqual({api.NETWORK_TYPE: 'routed',
                          api.PHYSICAL_NETWORK: None,
                          api.SEGMENTATION_ID: None},
                         self.driver.allocate_tenant_segment(self.context))

    def test_release_is_a_no_op(self):
        self.driver.release_segment(self.context, dict(ROUTED))

    def test_no_segment_ranges(self):
        self.assertIsNone(self.driver.get_network_segment_ranges())

    def test_mtu_is_global_physnet_mtu(self):
        cfg.CONF.set_override('global_physnet_mtu', 9000)
        cfg.CONF.set_override('path_mtu', 0, group='ml2')
        self.assertEqual(9000, self.driver.get_mtu())
        self.assertEqual(9000, self.driver.get_mtu('anything'))

    def test_mtu_lowered_by_path_mtu(self):
        cfg.CONF.set_override('global_physnet_mtu', 9000)
        cfg.CONF.set_override('path_mtu', 1500, group='ml2')
        self.assertEqual(1500, self.driver.get_mtu())

    def test_mtu_zero_when_unset(self):
        cfg.CONF.set_override('global_physnet_mtu', 0)
        cfg.CONF.set_override('path_mtu', 0, group='ml2')
        self.assertEqual(0, self.driver.get_mtu())
