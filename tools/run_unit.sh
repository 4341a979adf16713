#!/usr/bin/env bash
# run_unit.sh -- runs the unit test programs of a build, each under a time
# limit, and counts their tests.
#
#   bash tools/run_unit.sh DIR...     every DIR/tests/test_*; last line
#                                     "unit: N passed, M failed", exit 1 if M > 0
#   . tools/run_unit.sh; run_unit DIR  (tools/check.sh) adds to the caller's
#                                     PASSED, FAILED, FAILURES through pass/fail
#
# cmocka runs all of a program's tests in one process, so one test that
# hangs would hang make check: each program runs under timeout(1), TERM
# after TEST_TIMEOUT_S seconds (default 300, far above the slowest program),
# KILL TEST_TIMEOUT_KILL_S seconds later if TERM is ignored. A program that
# times out, dies by a signal or exits non-zero without a cmocka failure
# count is one failure, named with its build directory. tests/checks.d/
# 05-unit-runner.sh proves each of these on fake programs.

TEST_TIMEOUT_S=${TEST_TIMEOUT_S:-300}
TEST_TIMEOUT_KILL_S=${TEST_TIMEOUT_KILL_S:-10}

run_unit() { # build dir
  local dir=$1 t out p f rc elapsed name logs i jobs=${UNIT_JOBS:-${JOBS:-2}}
  local programs=()
  if ! [[ $TEST_TIMEOUT_S =~ ^[1-9][0-9]*$ && $TEST_TIMEOUT_KILL_S =~ ^[1-9][0-9]*$ ]]; then
    fail "unit tests ($dir): TEST_TIMEOUT_S=$TEST_TIMEOUT_S, TEST_TIMEOUT_KILL_S=$TEST_TIMEOUT_KILL_S: want whole seconds > 0"
    return
  fi
  if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
    fail "unit tests ($dir): UNIT_JOBS=$jobs: want a whole number > 0"
    return
  fi
  if ! command -v timeout >/dev/null; then
    fail "unit tests ($dir): timeout (coreutils) not installed"
    return
  fi
  logs=$(mktemp -d) || { fail "unit tests ($dir): mktemp"; return; }
  for t in "$dir"/tests/test_*; do
    [ -x "$t" ] && programs+=("$t")
  done
  # UNIT_JOBS programs at a time (default JOBS, 2): each writes its own
  # temporary files (mkstemp), so they do not meet, and the ASan build's
  # tests, the slowest, take half the time on two cores. Each result is
  # read back in the programs' order, so the output is the same either way.
  for i in "${!programs[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    # Into a file, not a pipe: a child the program leaves behind holding
    # its output must not keep us waiting after timeout(1) has returned.
    (
      start=$SECONDS
      timeout -k "$TEST_TIMEOUT_KILL_S" "$TEST_TIMEOUT_S" "${programs[$i]}" >"$logs/$i.log" 2>&1
      echo "$? $((SECONDS - start))" >"$logs/$i.rc"
    ) &
  done
  wait
  for i in "${!programs[@]}"; do
    t=${programs[$i]}
    name="$(basename "$t") ($dir)"
    read -r rc elapsed <"$logs/$i.rc" 2>/dev/null || { rc=255; elapsed=0; }
    out=$(cat "$logs/$i.log" 2>/dev/null)
    printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED) |^\[  ERROR' || true
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    pass "$p"
    if [ "$f" -gt 0 ]; then
      FAILED=$((FAILED + f)); FAILURES+=("$name: $f failed")
      printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error' | head -20 >&2
    fi
    # 124: timeout sent TERM; 137: TERM was ignored and KILL followed. The
    # elapsed time tells those from a program that exits 124 (cmocka: 124
    # tests failed) or is killed by someone else.
    if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$elapsed" -ge "$TEST_TIMEOUT_S" ]; then
      printf '%s\n' "$out" | tail -20 >&2
      fail "$name: timed out after $TEST_TIMEOUT_S s"
    elif [ "$rc" -gt 128 ]; then
      printf '%s\n' "$out" | tail -20 >&2
      fail "$name: killed by signal $((rc - 128)) (SIG$(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      printf '%s\n' "$out" | tail -20 >&2
      fail "$name: exited $rc"
    fi
  done
  rm -rf "$logs"
  [ "${#programs[@]}" -gt 0 ] || fail "unit tests ($dir): no test programs in $dir/tests"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  PASSED=0
  FAILED=0
  FAILURES=()
  pass() { PASSED=$((PASSED + ${1:-1})); }
  fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "unit: FAILED: $1" >&2; }
  [ $# -gt 0 ] || { echo "usage: $0 BUILD_DIR..." >&2; exit 2; }
  for d in "$@"; do run_unit "$d"; done
  for f in "${FAILURES[@]+"${FAILURES[@]}"}"; do echo "  failed: $f"; done
  echo "unit: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
fi
