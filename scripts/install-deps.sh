#!/usr/bin/env bash
# Installs the machine packages Timonel's agent, etcd datastore and tests use (Debian), once:
# containerd, runc, CNI plugins, iptables/nftables, etcd, busybox-static (test images),
# docker-registry and apache2-utils (htpasswd) for the registry pull tests.
# Does nothing when they are present; needs root to install (prints what to run otherwise).
set -euo pipefail
packages=(containerd runc containernetworking-plugins iptables nftables iproute2 etcd-server etcd-client busybox-static docker-registry apache2-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "scripts/install-deps.sh: missing packages: ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101 keeps the packages' services (etcd, containerd) from starting on install:
# Timonel starts its own, with its own ports, state and sockets.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; fi
# The registry tests start /usr/bin/docker-registry themselves on loopback with their own config:
# the packaged service (port 5000 on every address) must never run, not even after a reboot.
if command -v systemctl >/dev/null 2>&1; then
  systemctl mask docker-registry.service >/dev/null 2>&1 || true
fi
