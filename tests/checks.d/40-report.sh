#!/usr/bin/env bash
# make check: the HTML report builds from this run's results, and a headless
# Chromium opens it with no broken link or image (tests/browser_test.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! MPLBACKEND=Agg /usr/bin/python3 tools/report.py >build/report-check.log 2>&1; then
  tail -20 build/report-check.log
  echo "report: 0 passed, 1 failed"
  exit 1
fi
out=$(bash tests/browser_test.sh 2>&1); rc=$?
printf '%s\n' "$out" | tail -5
line=$(printf '%s\n' "$out" | grep -E '^browser_test: [0-9]+ passed' | tail -1)
p=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s\n' "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
[ -n "$p" ] || { echo "report: 1 passed, 1 failed"; exit 1; }
echo "report: $((p + 1)) passed, $f failed"
[ "$rc" -eq 0 ] && [ "$f" -eq 0 ]
