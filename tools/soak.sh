#!/usr/bin/env bash
# soak.sh -- hasim-rt run many times, a third of them killed (make soak;
# a short one in make check: tests/checks.d/rt_soak.sh).
#
#   SOAK_RUNS (50)     runs, two at a time, at x$SOAK_SPEED (20), of the
#                      real-process test scenarios in turn, every other one
#                      with the REST front (--http 0)
#   SOAK_SEED (1)      bash's RANDOM seed: which runs are killed, how, when
#   SOAK_SIMONLY (1)   also run the four simulator-only scenarios, whose only
#                      failures must be their expect lines, never a rule
#
# One run in three has hasim-rt itself killed at a random moment, 0.3 to
# 4 s of real time after it started: SIGKILL of the supervisor (its center
# must die with it and clean up) or SIGTERM (a normal teardown), in turn.
# Then, for every run: no process of it alive (by the pids it recorded), no
# socket listening on its REST port, no /dev/shm/faketime_* of its pids, no
# temporary work directory, pid file, trace or run record -- with no
# `hasim-rt clean` to hide them -- and every trace kept (a run that ended
# with a verdict) read and judged by `hasim check` (exit 0 or 1: it parses).
# A killed run keeps no trace. An inconclusive run (exit 3: the machine fell
# behind) is counted and reported, neither passed nor failed.
#
# Last line: "soak: N passed, M failed"; exit 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS_N=${SOAK_RUNS:-50}
SPEED=${SOAK_SPEED:-20}
SIMONLY=${SOAK_SIMONLY:-1}
RANDOM=${SOAK_SEED:-1}
B=build/gcc-O2
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "soak: FAILED: $*"; }

mkdir -p build
if ! make -s CC=gcc OPT=-O2 hasim runtime >build/soak-make.log 2>&1; then
  cat build/soak-make.log
  fail "build of hasim-rt"
  echo "soak: $PASSED passed, $FAILED failed"
  exit 1
fi
. tests/realtime/rt_lib.sh
rt_lib_init hasim-rt-soak

SCNS=(tests/realtime/rt_kill_and_heal.scn tests/realtime/rt_crash_individual.scn
      tests/realtime/rt_rest.scn tests/realtime/rt_clock.scn)
t_start=$(date +%s)
n_pass=0 n_fail=0 n_inconclusive=0 n_killed=0 n_env=0 n_traces=0

# one I: start run I in the background; a third are killed by a watcher.
one() {
  local i=$1 scn=${SCNS[$(($1 % ${#SCNS[@]}))]} args=(--trace "$TMP/s$1.jsonl")
  [ $((i % 2)) -eq 0 ] && args+=(--http 0)
  start "s$i" "$scn" "${args[@]}"
  if [ $((i % 3)) -eq 2 ]; then
    local how=KILL delay
    [ $((i % 6)) -eq 5 ] && how=TERM
    delay=$((300 + RANDOM % 3700))
    eval "KILL_s$i=$how"
    ( sleep "$(printf '0.%03d' $((delay % 1000)))"; sleep $((delay / 1000))
      eval "kill -$how \$PID_s$i" 2>/dev/null ) &
  fi
}

# verdict I: what run I ended as, and what it left.
verdict() {
  local i=$1 name=s$1 rc killed port r
  eval "wait \$PID_$name" 2>/dev/null
  rc=$?
  eval "killed=\${KILL_$name:-}"
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/$name.err" | head -1)
  until_gone "$name" 10 || true
  if [ -n "$killed" ]; then
    n_killed=$((n_killed + 1))
    # killed before the verdict: 2 (or 137); after it, the run's own (3: it fell behind first)
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 143 ]; then pass
    else fail "$name (SIG$killed): exit $rc"; fi
  else
    case $rc in
      0) n_pass=$((n_pass + 1)); pass ;;
      3) n_inconclusive=$((n_inconclusive + 1)); pass
         echo "soak: $name inconclusive: $(grep -o 'worst lateness [^;)]*' "$TMP/$name.out" | head -1)" ;;
      1) n_fail=$((n_fail + 1)); fail "$name: FAIL: $(head -3 "$TMP/$name.out")" ;;
      *) n_env=$((n_env + 1)); fail "$name: exit $rc: $(tail -3 "$TMP/$name.err")" ;;
    esac
  fi
  if [ -f "$TMP/$name.jsonl" ]; then
    n_traces=$((n_traces + 1))
    "$B/hasim" check -q "$TMP/$name.jsonl" >/dev/null 2>&1
    local crc=$?
    [ "$crc" -le 1 ] && pass || fail "$name: hasim check cannot read its trace (exit $crc)"
  elif [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
    fail "$name: ended with a verdict but kept no trace"
  fi
  r=$(alive "$name")
  [ -z "$r" ] && pass || fail "$name: processes left:$r"
  if [ -n "$port" ] && ss -ltnH "sport = :$port" 2>/dev/null | grep -q .; then
    fail "$name: port $port still listening"
  fi
  [ -f "$TMP/$name.pids" ] && while read -r p _; do
    for f in /dev/shm/faketime_shm_"$p" /dev/shm/sem.faketime_sem_"$p"; do
      [ -e "$f" ] && fail "$name: left $f"
    done
  done <"$TMP/$name.pids"
  return 0
}

echo "soak: $RUNS_N runs at x$SPEED, two at a time, a third killed (seed ${SOAK_SEED:-1})"
for ((i = 0; i < RUNS_N; i += 2)); do
  one "$i"
  [ $((i + 1)) -lt "$RUNS_N" ] && one $((i + 1))
  verdict "$i"
  [ $((i + 1)) -lt "$RUNS_N" ] && verdict $((i + 1))
done
wait
# Nothing of any run anywhere in our TMPDIR (no `hasim-rt clean` first).
left=$(ls -d "$TMP"/hasim-rt.* "$TMP"/hasim-rt-pids.* "$TMP"/*.tmp-* "$RUNS"/*.run 2>/dev/null)
[ -z "$left" ] && pass || fail "left behind: $(echo $left)"
t_soak=$(($(date +%s) - t_start))

# The simulator-only scenarios: the rules hold, only exact-millisecond
# expectations fail (docs/realtime.md).
if [ "$SIMONLY" = 1 ]; then
  simonly=$(grep -l '^# simulator-only: ' scenarios/*.scn)
  for scn in $simonly; do
    name=so_$(basename "$scn" .scn)
    start "$name" "$scn" --trace "$TMP/$name.jsonl"
  done
  for scn in $simonly; do
    name=so_$(basename "$scn" .scn)
    eval "wait \$PID_$name" 2>/dev/null
    rc=$?
    rules=$("$B/hasim" check "$TMP/$name.jsonl" 2>&1 | grep -E '^  R[0-9]+ |^  TRACE ' | head -3)
    if [ "$rc" -le 1 ] && [ -f "$TMP/$name.jsonl" ] && [ -z "$rules" ]; then
      pass; echo "soak: $name: exit $rc, no rule broken (only its expect lines fail: $(grep -cE 'expectation failed|EXPECT:' "$TMP/$name.out"))"
    else
      fail "$name: exit $rc, rules: $rules"
    fi
  done
fi

echo "soak: $RUNS_N runs in ${t_soak} s: $n_pass passed, $n_fail failed, $n_inconclusive inconclusive," \
     "$n_killed killed by the soak, $n_env environment errors; $n_traces traces kept, all read" \
     "by hasim check; left behind: ${left:-nothing}"
echo "soak: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
