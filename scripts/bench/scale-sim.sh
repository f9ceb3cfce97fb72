#!/usr/bin/env bash
# Scale run for the controller manager, scheduler and node simulator: N simulated nodes and
# DEPLOYMENTS x REPLICAS pods from Deployments, timed until every pod is Running; prints the
# server's peak RSS and CPU time. Usage: scripts/bench/scale-sim.sh [nodes] [deployments] [replicas]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nodes="${1:-1000}"; deployments="${2:-30}"; replicas="${3:-1000}"
dir="$(mktemp -d /tmp/timonel-scale-XXXX)"; port=$((20000 + RANDOM % 20000))
"$root/timonel" version >/dev/null
# Each node takes a /24 of the cluster CIDR: the default 10.42.0.0/16 holds only 256 nodes (as
# k3s's), and a node left without a subnet is NotReady. 10.64.0.0/10 holds 16,384.
"$root/timonel" server --data-dir "$dir" --port "$port" --disable-agent --cluster-cidr 10.64.0.0/10 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
export KUBECONFIG="$dir/kubeconfig.yaml"
for _ in $(seq 1 300); do [[ -f "$KUBECONFIG" ]] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.2; done
"$root/timonel" sim nodes --count "$nodes" --cpu 64 --memory 512Gi --pods 110 >/dev/null
start=$(date +%s.%N)
for i in $(seq 1 "$deployments"); do
  kubectl create deployment "scale-$i" --image=nginx --replicas="$replicas" >/dev/null
done
total=$((deployments * replicas))
# Polls the Deployments' readyReplicas (30 small objects) rather than listing 30,000 pods every
# 10 s, which would load the server more than the run itself; once they add up, the pods are
# counted once by phase (server-side field selector, counted in the raw JSON, no decoding).
running_pods() {
  kubectl get --raw '/api/v1/pods?fieldSelector=status.phase%3DRunning' 2>/dev/null | grep -o '"phase":"Running"' | wc -l || true
}
while true; do
  ready=$(kubectl get deployments -o jsonpath='{range .items[*]}{.status.readyReplicas}{"\n"}{end}' 2>/dev/null | awk '{s += $1} END {print s + 0}' || true)
  now=$(date +%s.%N)
  printf '%6.0f s  %d/%d ready (Deployments), load %s\n' "$(echo "$now - $start" | bc)" "$ready" "$total" "$(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ "$ready" -ge "$total" ]]; then
    running=$(running_pods)
    echo "        $running/$total pods Running"
    [[ "$running" -ge "$total" ]] && break
  fi
  sleep 10
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
ticks=$(getconf CLK_TCK)
echo "nodes=$nodes pods=$total all Running after ${elapsed} s; server peak RSS $((hwm / 1024)) MB; server CPU $(( (utime + stime) / ticks )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
