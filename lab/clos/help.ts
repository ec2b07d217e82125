// `lagless help lab` (kept apart from cli.ts so `lagless` can show it without loading the lab).
export const LAB_HELP = `usage: lagless lab up [PRESET|FILE] [--name NAME] [--hv lagless|frr] [--routers frr|bird] [--no-wait] [--timeout S] [--json]
       lagless lab status [--name NAME] [--json]
       lagless lab exec NODE [--name NAME] [-- COMMAND [ARG...]]
       lagless lab down [--name NAME | --all]

A CLOS built out of network namespaces on this machine (root): spines and ToRs running FRR (or
BIRD), hypervisors running lagless agents (or FRR redistributing kernel routes, the baseline), VMs
as namespaces cabled to their hypervisor's tap. The lab stays up after "lab up" returns.

  up       build the lab (a lab of the same name is removed first) and wait until it converged
           PRESET  demo (default): 1 spine, 2 ToRs (AS 65100), 2 hypervisors on both ToRs, 4 VMs
                   clos: 2 spines, 2 racks x 2 ToRs, 2 hypervisors per rack, 8 VMs
           FILE    a YAML topology (see lab/clos/spec.ts)
           --name NAME       the lab's name (namespaces lagless-NAME-NODE); default the topology's
           --hv KIND         every hypervisor runs: lagless (the agent) or frr (the baseline)
           --routers DAEMON  every spine and ToR runs: frr or bird
           --no-wait         return once everything is started
           --timeout S       how long to wait for convergence (default 60)
  status   routers and their BGP sessions, hypervisors (agent, sessions, ECMP default), VMs
  exec     run a command in a node's namespace; with no command, a shell. Inside a hypervisor,
           "lagless show ..." finds its agent (LAGLESS_SOCKET is set); inside an FRR node "vtysh"
           and inside a BIRD node "birdc" find their daemon.
             lagless lab exec vm1 -- ping -c3 10.100.0.13
             lagless lab exec hv1 -- lagless show routes
             lagless lab exec tor1 -- vtysh -c "show bgp summary"
  down     stop every process of the lab, remove its namespaces and files (--all: every lab)

  --dir DIR   where labs keep their state (default $LAGLESS_LAB_DIR, else /run/lagless-lab)
  --name is needed only when more than one lab is up.
`;
