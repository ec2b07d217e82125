"""Names shared by the drivers and the lagless agent (src/sources/neutron/ on the agent side)."""

# The agent reports itself with this type (report_state's agent_state.agent_type); the
# mechanism driver binds only on hosts where an agent of this type is alive.
AGENT_TYPE_LAGLESS = 'Lagless agent'

# The network type the type driver owns: a network with no L2 segment at all. Every port is a
# /32 (and /128) routed by the hypervisor it lives on.
TYPE_ROUTED = 'routed'

# The MAC address of the host side of every tap. Nova's `tap` VIF driver sets it on the tap it
# creates (vif_details['mac_address']); the agent answers every ARP/ND from the VM with it (proxy
# ARP), so it is the VM's gateway MAC. The same on every hypervisor, so a live-migrated VM keeps
# a valid neighbour entry. Unicast, locally administered (first octet 0xfe).
DEFAULT_HOST_MAC = 'fe:ff:ff:ff:ff:ff'

# The binding:vif_details key Nova's `tap` VIF driver reads the host-side MAC from
# (nova.network.model.VIF_DETAILS_TAP_MAC_ADDRESS; neutron-lib has no constant for it).
VIF_DETAILS_TAP_MAC_ADDRESS = 'mac_address'
