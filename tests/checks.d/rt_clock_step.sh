#!/usr/bin/env bash
# rt_clock_step.sh -- NTP steps of the wall clock (step-clock, issue 12),
# run by `make check`.
#
# scenarios/clock_step_{back,forward}_{kill_window,reconnect}.scn step the
# servers' wall clock by -30 s or +30 s inside a kill window and inside a
# reconnect minute. On the core, in the simulator and on real processes at
# x20 (every process's wall clock stepped through the clock shim below
# libfaketime), each passes: the deadlines run on a clock no step moves, and
# the trace shows the names of the recorder that began after the step moved
# by the step. On a planted build whose timers follow the wall clock
# (make WALLBUG=1, sim/drive/clock.c), each fails with the rule the
# stretched or shortened window breaks -- in the simulator and on real
# processes alike, so the oracle sees a deadline moved by a step.
# About 60 s (most of it the planted build). Last line
# "clock_step: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

B=build/gcc-O2
W=build/gcc-O2-wallbug
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "clock_step: ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "clock_step: FAILED: $*"; }
finish() {
  echo "clock_step: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}

mkdir -p build
if ! make -s -j2 CC=gcc OPT=-O2 hasim runtime >build/clock-step-make.log 2>&1 ||
   ! make -s -j2 CC=gcc OPT=-O2 WALLBUG=1 hasim runtime >>build/clock-step-make.log 2>&1; then
  cat build/clock-step-make.log
  fail "build (gcc -O2, and WALLBUG=1)"
  finish
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hasim-clock-step.XXXXXX")
export TMPDIR=$TMP
PIDS=()
trap 'for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$p" 2>/dev/null; done; wait; rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM

# scenario -> the rule the planted build must break first
declare -A RULE=(
  [clock_step_back_kill_window]=R11 [clock_step_forward_kill_window]=R10
  [clock_step_back_reconnect]=R2 [clock_step_forward_reconnect]=R2
)
# scenario -> the step, which the names of the replacement must show (the
# kill-window ones have no replacement: no server has room)
declare -A STEP=([clock_step_back_reconnect]=-30000 [clock_step_forward_reconnect]=30000)

# names_moved TRACE STEP: some slice is named STEP (within 2 s) off the run's
# clock -- a recorder that began after the step -- and some not at all.
names_moved() {
  /usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
u0, step, moved, kept = None, int(sys.argv[2]), 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["kind"] == "run":
        u0 = e["utc0_ms"]
    elif e["kind"] == "slice_done":
        off = e["end_utc_ms"] - u0 - e["t_ms"]
        moved += abs(off - step) <= 2000
        kept += abs(off) <= 2000
sys.exit(0 if moved and kept else 1)
EOF
}

# ---- the simulator --------------------------------------------------------------
for s in "${!RULE[@]}"; do
  scn=scenarios/$s.scn
  if "$B/hasim" run -q --trace "$TMP/sim_$s.jsonl" "$scn" >"$TMP/sim_$s.out" 2>&1; then
    pass "hasim run $s passes on the core"
  else
    fail "hasim run $s: $(head -3 "$TMP/sim_$s.out")"
  fi
  if [ -n "${STEP[$s]:-}" ]; then
    names_moved "$TMP/sim_$s.jsonl" "${STEP[$s]}" && pass "hasim run $s: the replacement's names moved ${STEP[$s]} ms" ||
      fail "hasim run $s: no slice named ${STEP[$s]} ms off the run's clock"
  fi
  "$W/hasim" run "$scn" >"$TMP/simw_$s.out" 2>&1
  rc=$?
  first=$(grep -m1 -oE '^      R[0-9]+:' "$TMP/simw_$s.out" | tr -d ' :')
  if [ "$rc" -eq 1 ] && [ "$first" = "${RULE[$s]}" ]; then
    pass "hasim run $s fails on wall-clock timers: $(grep -m1 -E '^      R[0-9]+:' "$TMP/simw_$s.out" | cut -c7-120)"
  else
    fail "hasim run $s on wall-clock timers: exit $rc, first rule '$first', want ${RULE[$s]}"
  fi
done

# ---- real processes at x20: four at a time ----------------------------------------
run_rt() { # BUILD PREFIX
  local s
  for s in "${!RULE[@]}"; do
    "$1/hasim-rt" run -q --speed 20 --trace "$TMP/$2_$s.jsonl" "scenarios/$s.scn" \
      >"$TMP/$2_$s.out" 2>"$TMP/$2_$s.err" &
    PIDS+=("$!")
    eval "PID_$2_$s=$!"
  done
}
run_rt "$B" rt
run_rt "$W" rtw
for s in "${!RULE[@]}"; do
  eval "wait \$PID_rt_$s"
  rc=$?
  if [ "$rc" -eq 3 ]; then
    # inconclusive (the machine fell behind): once more at x10, alone
    echo "clock_step: $s inconclusive at x20 ($(grep -o 'worst lateness [0-9]* ms' "$TMP/rt_$s.out")): once more at x10"
    "$B/hasim-rt" run -q --speed 10 --trace "$TMP/rt_$s.jsonl" "scenarios/$s.scn" \
      >"$TMP/rt_$s.out" 2>"$TMP/rt_$s.err"
    rc=$?
  fi
  if [ "$rc" -eq 0 ] && "$B/hasim" check -q "$TMP/rt_$s.jsonl" >/dev/null 2>&1; then
    pass "hasim-rt $s passes on the core, and hasim check of its trace"
  elif [ "$rc" -eq 3 ]; then
    fail "hasim-rt $s: inconclusive, the machine fell behind: $(grep -o 'worst lateness [^;)]*' "$TMP/rt_$s.out")"
  else
    fail "hasim-rt $s: exit $rc: $(head -3 "$TMP/rt_$s.out") $(tail -2 "$TMP/rt_$s.err")"
  fi
  if [ -n "${STEP[$s]:-}" ]; then
    [ -f "$TMP/rt_$s.jsonl" ] && names_moved "$TMP/rt_$s.jsonl" "${STEP[$s]}" &&
      pass "hasim-rt $s: every process's wall clock stepped: the replacement's names moved ${STEP[$s]} ms" ||
      fail "hasim-rt $s: no slice named ${STEP[$s]} ms off the run's clock"
  fi
  eval "wait \$PID_rtw_$s"
  rc=$?
  if [ "$rc" -eq 3 ]; then
    "$W/hasim-rt" run -q --speed 10 --trace "$TMP/rtw_$s.jsonl" "scenarios/$s.scn" \
      >"$TMP/rtw_$s.out" 2>"$TMP/rtw_$s.err"
    rc=$?
  fi
  first=$(grep -m1 -oE '^      R[0-9]+:' "$TMP/rtw_$s.out" | tr -d ' :')
  if [ "$rc" -eq 1 ] && [ "$first" = "${RULE[$s]}" ]; then
    pass "hasim-rt $s fails on wall-clock timers: $(grep -m1 -E '^      R[0-9]+:' "$TMP/rtw_$s.out" | cut -c7-120)"
  else
    fail "hasim-rt $s on wall-clock timers: exit $rc, first rule '$first', want ${RULE[$s]}: $(head -2 "$TMP/rtw_$s.out")"
  fi
done
ls "$TMP"/hasim-rt-clock.* >/dev/null 2>&1 && fail "a clock offset file was left" ||
  pass "no clock offset file left"

finish
