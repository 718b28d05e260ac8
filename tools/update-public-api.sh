#!/usr/bin/env bash
# Rewrites Runtime/PublicAPI.Unshipped.txt to the runtime's public surface as it is now, after an intended change.
#
# The build pins the surface with Microsoft.CodeAnalysis.PublicApiAnalyzers: a public symbol missing from
# PublicAPI.Shipped.txt + PublicAPI.Unshipped.txt is RS0016, a listed one that no longer exists is RS0017, and
# warnings are errors. This script empties the Unshipped list, builds the runtime once with warnings left as
# warnings, and writes back every symbol RS0016 names (its message carries the exact line the list needs,
# nullable annotations included), sorted. A symbol of the Shipped list that is gone (RS0017) is a breaking change:
# it is listed as "*REMOVED*<line>" and printed, for a human to confirm.
#
# Usage: bash tools/update-public-api.sh     (then review `git diff Runtime/PublicAPI.Unshipped.txt`)
set -euo pipefail
cd "$(dirname "$0")/.."

project=Runtime/StaticNet.Runtime.csproj
unshipped=Runtime/PublicAPI.Unshipped.txt
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Rewriting the list (an input of the compiler) also makes the build recompile the runtime, so the analyzer runs.
printf '#nullable enable\n' > "$unshipped"
dotnet build "$project" -c Release -p:TreatWarningsAsErrors=false -nologo -clp:NoSummary > "$log" 2>&1 || {
    cat "$log" >&2
    echo "The build failed for another reason than the API lists (above)." >&2
    exit 1
}

# "warning RS0016: Symbol 'StaticNet.DenseAttribute.Name.get -> string?' is not part of the declared public API (…)"
added=$(sed -n "s/.*warning RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" "$log" | LC_ALL=C sort -u)
removed=$(sed -n "s/.*warning RS0017: Symbol '\(.*\)' is part of the declared API, but is either not public or could not be found.*/\1/p" "$log" | LC_ALL=C sort -u)

{
    printf '#nullable enable\n'
    if [ -n "$removed" ]; then printf '%s\n' "$removed" | sed 's/^/*REMOVED*/'; fi
    if [ -n "$added" ]; then printf '%s\n' "$added"; fi
} > "$unshipped"

other=$(grep -o 'warning RS00[0-9]*' "$log" | grep -v -e RS0016 -e RS0017 | LC_ALL=C sort -u || true)
echo "$unshipped: $(printf '%s' "$added" | grep -c . || true) symbols."
if [ -n "$removed" ]; then
    echo "Removed from the shipped surface (breaking; check that this is intended):" >&2
    printf '  %s\n' "$removed" >&2
fi
if [ -n "$other" ]; then
    echo "Other public API warnings to fix by hand:" >&2
    grep -e 'warning RS00' "$log" | grep -v -e RS0016 -e RS0017 | LC_ALL=C sort -u >&2
    exit 1
fi

# The lists must now be complete: a normal build (warnings are errors) proves it.
dotnet build "$project" -c Release -nologo -clp:NoSummary > "$log" 2>&1 || {
    grep -e 'error' "$log" | LC_ALL=C sort -u >&2
    echo "The build still fails with the rewritten list (above)." >&2
    exit 1
}
echo "The runtime builds with the rewritten list."
