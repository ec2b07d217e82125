"""ML2 type driver `routed`: a network with no L2 segment.

A routed network carries no segmentation id and no physical network: every port is a host route
on the hypervisor it is bound to, so there is nothing to allocate, reserve or release. Its MTU is
the deployment's (global_physnet_mtu, lowered by [ml2] path_mtu when that is set): there is no
encapsulation to deduct.
"""

from neutron_lib import exceptions as exc
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg
from oslo_log import log

from neutron._i18n import _
from neutron.plugins.ml2.drivers import helpers

from networking_lagless import constants

LOG = log.getLogger(__name__)


class RoutedTypeDriver(helpers.BaseTypeDriver):

    def get_type(self):
        return constants.TYPE_ROUTED

    def initialize(self):
        LOG.info('ML2 routed type driver initialized')

    # No segmentation ids, so no network segment ranges either.
    def initialize_network_segment_range_support(self):
        pass

    def update_network_segment_range_allocations(self):
        pass

    def get_network_segment_ranges(self):
        pass

    def is_partial_segment(self, segment):
        return False

    def validate_provider_segment(self, segment):
        for key, value in segment.items():
            if key == api.NETWORK_TYPE or value is None:
                continue
            if key == api.PHYSICAL_NETWORK:
                msg = _('physical_network is not allowed on a routed network')
            elif key == api.SEGMENTATION_ID:
                msg = _('segmentation_id is not allowed on a routed network')
            else:
                msg = _('%s is not allowed on a routed network') % key
            raise exc.InvalidInput(error_message=msg)

    def reserve_provider_segment(self, context, segment, filters=None):
        # Nothing to reserve.
        return {api.NETWORK_TYPE: constants.TYPE_ROUTED,
                api.PHYSICAL_NETWORK: None,
                api.SEGMENTATION_ID: None}

    def allocate_tenant_segment(self, context, filters=None):
        # Nothing to allocate.
        return {api.NETWORK_TYPE: constants.TYPE_ROUTED,
                api.PHYSICAL_NETWORK: None,
                api.SEGMENTATION_ID: None}

    def release_segment(self, context, segment):
        pass

    def get_mtu(self, physical_network=None):
        mtus = [mtu for mtu in (super().get_mtu(), cfg.CONF.ml2.path_mtu)
                if mtu and mtu > 0]
        return min(mtus) if mtus else 0
