#!/usr/bin/env bash
# make check: every mutant of src/ in tools/mutants.tsv must be killed by the
# scenario library (make mutate).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(bash tools/mutate.sh 2>&1); rc=$?
printf '%s\n' "$out" | grep -E "SURVIVED|mutation score|survivor" | head -20
printf '%s\n' "$out" | grep -E '^mutate: [0-9]+ passed' | tail -1
exit $rc
