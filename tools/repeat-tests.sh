#!/usr/bin/env bash
# Runs the README's test command N times in a row (default 20) on a clean clone of HEAD and reports every run's
# result and time, then "N passed, N failed" over the runs. A test whose outcome depends on timing or on what runs
# beside it shows up here as a failure in some runs and not others.
#   tools/repeat-tests.sh [runs]
set -uo pipefail
runs=${1:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
git clone -q "$here" "$clone/repo"
cd "$clone/repo"
echo "Clean clone of $(git rev-parse --short HEAD) in $clone/repo; building once."
dotnet build -c Debug >/dev/null 2>&1 || { echo "The build failed."; exit 1; }

passed=0
failed=0
for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  log="$clone/run-$run.log"
  if dotnet test --no-build >"$log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
  else
    failed=$((failed + 1)); verdict=FAILED
  fi
  summary=$(grep -E '(Passed|Failed)!  - ' "$log" | sed 's/ - StaticNet.*//' | tr -s ' ')
  echo "run $run: $verdict in $(( $(date +%s) - start )) s ($summary)"
  [ "$verdict" = passed ] || grep -E '^\s+Failed ' "$log" | sed 's/^/    /'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
