#!/usr/bin/env bash
# make check: every mutant of src/ in tools/mutants.tsv must be killed by the
# harness -- the scenario library, then a fixed swarm for a mutant the library
# let through (tools/mutate.sh --harness-only; about a minute on the 2-core
# machine). The unit-test score, which links the cmocka tests against each
# mutant and takes minutes, is make mutate's only.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(bash tools/mutate.sh --harness-only 2>&1); rc=$?
printf '%s\n' "$out" | grep -E "^mutate: [a-z]|SURVIVED|^mutants:|harness score|survived the harness" | head -20
printf '%s\n' "$out" | grep -E '^mutate: [0-9]+ passed' | tail -1
exit $rc
