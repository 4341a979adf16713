#!/usr/bin/env bash
# fingerprints.sh -- the trace fingerprint of every library scenario and of a
# fixed swarm, one line each: what a restructuring must leave unchanged.
#
#   tools/fingerprints.sh [HASIM] > before.txt   ... change ...
#   tools/fingerprints.sh [HASIM] > after.txt && diff before.txt after.txt
#
# Environment: RUNS (20000), SEED (1), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
HASIM=${1:-build/gcc-O2/hasim}
"$HASIM" run scenarios/ 2>/dev/null |
    sed -n 's/^\(PASS\|FAIL\)  \([^ ]*\)  .*trace \([0-9a-f]*\))$/\2 \3/p'
printf 'swarm-%s-seed-%s ' "${RUNS:-20000}" "${SEED:-1}"
"$HASIM" swarm --runs "${RUNS:-20000}" --seed "${SEED:-1}" --jobs "${JOBS:-2}" --fingerprint -q |
    sed -n 's/^  trace fingerprint //p'
