"""Neutron ML2 drivers for lagless (L2-less, LAG-less networking for OpenStack)."""
