#!/usr/bin/env bash
# Builds everything (strict: warnings are errors) and runs every test project, one at a time so
# that timing-sensitive end-to-end tests do not fight unit tests for the machine's two cores.
# Ends with one summary line: "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "scripts/test.sh: kubectl is not on PATH; the end-to-end tests drive the real kubectl" >&2
  exit 2
fi

./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
dotnet build Timonel.slnx -c Release -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
# The e2e tests start ./timonel, which builds into .build/bin on first use: build it now.
./timonel version >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
for project in tests/*/*.csproj; do
  echo "=== $project"
  dotnet test "$project" -c Release --no-build -nologo 2>&1 | tee -a "$log" || status=1
done

# VSTest prints one "Passed!|Failed! - Failed: F, Passed: P, Skipped: S, Total: T" line per assembly.
read -r passed failed skipped < <(grep -E '^\s*(Passed|Failed)!' "$log" | awk -F'[:,]' '
  { for (i = 1; i <= NF; i++) { gsub(/ /, "", $i) }
    for (i = 1; i < NF; i++) { if ($i ~ /Failed$/) f += $(i+1); if ($i ~ /^Passed$/) p += $(i+1); if ($i ~ /Skipped$/) s += $(i+1) } }
  END { printf "%d %d %d\n", p, f, s }')
if [[ "$failed" -gt 0 ]]; then status=1; fi
if [[ "$passed" -eq 0 ]]; then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
