#!/usr/bin/env bash
# Installs what lagless's build, tests and lab need on a fresh Debian 12 machine (as root).
# Idempotent and quiet when everything is already there.
#   scripts/setup.sh              npm packages + Debian packages (routers, iproute2, nftables, ...)
#   scripts/setup.sh --node-only  npm packages only (enough for `npm run test:unit`)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the integration tests, benchmarks and lab start for real.
APT_PACKAGES=(frr bird2 gobgpd exabgp iproute2 nftables iputils-ping tcpdump dnsmasq python3-scapy procps)
# Neutron side (lab/openstack, networking-lagless): RabbitMQ, MariaDB and neutron-server (Zed),
# started by the tests themselves (package installs start no services here), the CLI, and
# Neutron's unit-test base.
APT_PACKAGES+=(rabbitmq-server mariadb-server neutron-server python3-neutron python3-pymysql python3-openstackclient python3-oslotest)

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm install --no-fund --no-audit --loglevel=error
fi

if [ "${1:-}" = "--node-only" ]; then exit 0; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
