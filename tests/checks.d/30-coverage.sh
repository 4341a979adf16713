#!/usr/bin/env bash
# make check: coverage of src/ by the scenario library plus a fixed swarm,
# against the Makefile's minimums (COVERAGE_LINES_MIN / COVERAGE_BRANCHES_MIN).
set -uo pipefail
cd "$(dirname "$0")/../.."
export COVERAGE_LINES_MIN=${COVERAGE_LINES_MIN:-100} COVERAGE_BRANCHES_MIN=${COVERAGE_BRANCHES_MIN:-95}
if bash tools/coverage.sh >build/coverage-check.log 2>&1; then
  grep -E "unit tests alone|scenarios \+ swarm" build/coverage-check.log
  echo "coverage: 1 passed, 0 failed"
else
  grep -E "unit tests alone|scenarios \+ swarm|FAIL" build/coverage-check.log | head -20
  echo "coverage: 0 passed, 1 failed"
  exit 1
fi
