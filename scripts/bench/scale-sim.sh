#!/usr/bin/env bash
# Scale run for the controller manager, scheduler and node simulator: N simulated nodes and
# DEPLOYMENTS x REPLICAS pods from Deployments, timed until every pod is Running; prints the
# server's peak RSS and CPU time. Usage: scripts/bench/scale-sim.sh [nodes] [deployments] [replicas]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nodes="${1:-1000}"; deployments="${2:-30}"; replicas="${3:-1000}"
dir="$(mktemp -d /tmp/timonel-scale-XXXX)"; port=$((20000 + RANDOM % 20000))
"$root/timonel" version >/dev/null
"$root/timonel" server --data-dir "$dir" --port "$port" --disable-agent >"$dir/server.log" 2>&1 &
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
while true; do
  running=$(kubectl get pods -A --field-selector=status.phase=Running --no-headers 2>/dev/null | wc -l)
  now=$(date +%s.%N)
  printf '%6.0f s  %d/%d Running\n' "$(echo "$now - $start" | bc)" "$running" "$total"
  [[ "$running" -ge "$total" ]] && break
  sleep 10
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
ticks=$(getconf CLK_TCK)
echo "nodes=$nodes pods=$total all Running after ${elapsed} s; server peak RSS $((hwm / 1024)) MB; server CPU $(( (utime + stime) / ticks )) s"
