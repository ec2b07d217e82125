#!/usr/bin/env bash
# The demo (`npm run demo` runs it after setup and build): a CLOS built from network namespaces on
# this machine, with lagless agents on the hypervisors, shown working. The lab stays up afterwards.
#
#   LAGLESS_DEMO_HV=frr npm run demo    the same lab with the baseline (FRR on the hypervisors)
set -euo pipefail
cd "$(dirname "$0")/.."

HV_KIND="${LAGLESS_DEMO_HV:-lagless}"
lagless() { node bin/lagless "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

say "removing any lab left from an earlier run"
lagless lab down --all

say "bringing up the demo lab: 1 spine, 2 ToRs (FRR, AS 65100), 2 hypervisors ($HV_KIND) cabled to both ToRs, 4 VMs"
lagless lab up demo --hv "$HV_KIND"

if [ "$HV_KIND" = lagless ]; then
  say "hv1's BGP sessions, one per ToR (its agent, through its control socket)"
  show lagless lab exec hv1 -- lagless show peers
  say "hv1's routes: the default route from both ToRs, both in the ECMP set"
  show lagless lab exec hv1 -- lagless show routes
else
  say "hv1's BGP sessions, one per ToR (FRR)"
  show lagless lab exec hv1 -- vtysh -c 'show bgp summary'
fi

say "hv1's kernel: one default route with a next hop through each ToR (ECMP)"
show lagless lab exec hv1 -- ip route show 0.0.0.0/0
show lagless lab exec hv1 -- ip -6 route show ::/0

say "a VM on hv1 (vm1) pings a VM on hv2 (vm3) in the same subnet: no L2 between them, routed through the ToRs"
show lagless lab exec vm1 -- ping -c3 -i0.2 10.100.0.13
show lagless lab exec vm1 -- ping -c3 -i0.2 2001:db8:100::13

say "the lab is still up: explore it"
cat <<'EOF'
  lagless lab status                                   routers, BGP sessions, hypervisors, VMs
  lagless lab exec vm1 -- ping 10.100.0.14             any command in a node: spine1 tor1 tor2 hv1 hv2 vm1..vm4
  lagless lab exec hv2 -- lagless show routes          ask a hypervisor's agent (show peers | routes | ports | status)
  lagless lab exec tor1 -- vtysh -c 'show bgp summary' a ToR's FRR
  lagless lab exec tor1 -- ip link set hv1 down        cut a cable, watch hv1's ECMP default lose a path
  lagless lab exec hv1                                 a shell inside hv1
  lagless lab down                                     tear it all down

("lagless" is bin/lagless in this checkout: run it as "node bin/lagless", or "npm link" once.)
EOF
