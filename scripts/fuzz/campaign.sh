#!/usr/bin/env bash
# A long fuzz campaign against private servers on loopback: ROUNDS rounds of SECONDS each, every
# round a new server and a new random seed. Findings are saved under OUT as replayable JSON
# requests; to keep one as a regression test, copy it into tests/e2e/FuzzFindings/ (add
# "expect": <status> for the answer upstream gives) once it is fixed.
#   scripts/fuzz/campaign.sh [SECONDS=600] [ROUNDS=3] [OUT=fuzz-findings] [MAX_RSS_MB=512]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-600}"; rounds="${2:-3}"; out="${3:-fuzz-findings}"; max_rss="${4:-512}"
status=0
for ((round = 1; round <= rounds; round++)); do
  seed=$(( (RANDOM << 15 | RANDOM) ))
  echo "=== round $round/$rounds: seed $seed, $seconds s"
  "$root/timonel" bench fuzz --duration "$seconds" --seed "$seed" --findings "$out" --max-rss-mb "$max_rss" || status=1
done
[[ $status -eq 0 ]] && echo "no findings" || echo "findings saved in $out (replay: ./timonel bench fuzz --replay $out)"
exit $status
