#!/usr/bin/env bash
# make check: the unit test runner (tools/run_unit.sh) on fake test programs.
# A program that hangs must fail as "timed out after N s" within its limit,
# also when it ignores SIGTERM; a crash must name its signal; a plain exit
# status, cmocka's failure count and a missing build must fail; a program
# that leaves a child holding its output must not hang the runner; and a
# build that passes must pass (the control: this is not a check that always
# fails). RUN_UNIT=another/runner.sh runs the same checks against another
# runner (the one before the time limit fails them).
set -uo pipefail
cd "$(dirname "$0")/../.."
RUN_UNIT=${RUN_UNIT:-tools/run_unit.sh}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "unit_runner: ok: $*"; }
bad() { failed=$((failed + 1)); echo "unit_runner: FAILED: $*"; }

T=$(mktemp -d) || { echo "unit_runner: 0 passed, 1 failed"; exit 1; }
orphan=
cleanup() {
  [ -n "$orphan" ] && kill "$orphan" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

fake() { # dir name body
  mkdir -p "$1/tests"
  printf '#!/bin/sh\nulimit -c 0\n%s\n' "$3" >"$1/tests/$2"
  chmod +x "$1/tests/$2"
}
all=$T/all
fake "$all" test_a_passes 'echo "[  PASSED  ] 2 test(s)."'
fake "$all" test_b_fails 'printf "[  PASSED  ] 1 test(s).\n[  FAILED  ] 1 test(s), listed below:\n"; exit 1'
fake "$all" test_c_hangs 'sleep 300'
fake "$all" test_d_ignores_term "trap '' TERM; sleep 300"
fake "$all" test_e_crashes 'kill -SEGV $$'
fake "$all" test_f_exits 'exit 3'
fake "$all" test_g_exits_124 'exit 124'
fake "$all" test_h_leaves_a_child "sleep 300 & echo \$! >'$T/orphan.pid'; echo '[  PASSED  ] 1 test(s).'"

run() { # dir [env...]: runs the runner, guarded, into $out / $rc / $secs
  local dir=$1; shift
  local start=$SECONDS
  out=$(env "$@" timeout -k 5 120 bash "$RUN_UNIT" "$dir" 2>&1)
  rc=$?
  secs=$((SECONDS - start))
}
has() { printf '%s\n' "$out" | grep -qxF -- "$1"; }

run "$all" TEST_TIMEOUT_S=1 TEST_TIMEOUT_KILL_S=1
[ -f "$T/orphan.pid" ] && orphan=$(cat "$T/orphan.pid")
printf '%s\n' "$out" | sed 's/^/    /' | tail -12
if [ "$secs" -lt 60 ]; then ok "the runner returned in $secs s with two programs hanging for 300 s"
else bad "the runner took $secs s: a hung program hangs it"; fi
[ "$rc" -eq 1 ] && ok "exit status 1" || bad "exit status $rc, want 1"
for want in \
    "  failed: test_b_fails ($all): 1 failed" \
    "  failed: test_c_hangs ($all): timed out after 1 s" \
    "  failed: test_d_ignores_term ($all): timed out after 1 s" \
    "  failed: test_e_crashes ($all): killed by signal 11 (SIGSEGV)" \
    "  failed: test_f_exits ($all): exited 3" \
    "  failed: test_g_exits_124 ($all): exited 124" \
    "unit: 4 passed, 6 failed"; do
  has "$want" && ok "says: $want" || bad "does not say: $want"
done

fake "$T/good" test_a_passes 'echo "[  PASSED  ] 2 test(s)."'
run "$T/good" TEST_TIMEOUT_S=1
{ [ "$rc" -eq 0 ] && has "unit: 2 passed, 0 failed"; } && ok "a passing build passes" ||
  bad "a passing build: exit $rc: $(printf '%s\n' "$out" | tail -1)"

mkdir -p "$T/none/tests"
run "$T/none"
{ [ "$rc" -eq 1 ] && has "  failed: unit tests ($T/none): no test programs in $T/none/tests"; } &&
  ok "a build without test programs fails" || bad "a build without test programs: exit $rc"

run "$T/good" TEST_TIMEOUT_S=soon
[ "$rc" -eq 1 ] && ok "a bad TEST_TIMEOUT_S fails" || bad "TEST_TIMEOUT_S=soon: exit $rc"

echo "unit_runner: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
