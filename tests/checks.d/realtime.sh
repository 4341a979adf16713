#!/usr/bin/env bash
# realtime.sh -- the real-process runtime (sim/runtime/, docs/realtime.md),
# run by `make check` (tools/check.sh runs every tests/checks.d/*.sh).
#
# Runs scenarios against real processes at x10 under libfaketime, in
# parallel, and for each: hasim-rt's own verdict, `hasim check` on the trace
# it wrote (and, for r09, `hasim check --ncs` on the callback log it
# wrote), no process of the run left (by the pids it recorded), no
# /dev/shm/faketime_* object named after one of them. During one run it
# curls the REST front. One run is interrupted by SIGTERM, another loses its
# center to SIGKILL; neither may leave anything behind. About 80 s of wall time, most of it the longest
# scenario (13 min of run time).
#
# The scenarios are the ones whose expectations have margins of seconds:
# real jitter (milliseconds, ten times that in run time at x10) decides the
# exact-millisecond boundaries of r01_kill_resumes_elsewhere or
# r02_heal_59999/60000, which belong to the simulator (docs/realtime.md).
#
# Last line: "realtime: N passed, M failed"; exit 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

SPEED=10
B=build/gcc-O2
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "realtime: ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "realtime: FAILED: $*"; }
finish() {
  echo "realtime: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}

# --- libfaketime --------------------------------------------------------------
# libfaketime's path, and alive/faketime_left: rt_lib.sh (its start is
# replaced below: these runs keep their traces and work directories).
. tests/realtime/rt_lib.sh
LIBFT=$(rt_lib_libfaketime)
if [ -z "$LIBFT" ] || [ ! -r "$LIBFT" ]; then
  echo "realtime: libfaketime is not installed (no libfaketimeMT.so.1): the real-process runs" \
       "need it; install the Debian packages faketime and libfaketime (sudo bash ci/deps.sh)"
  fail "libfaketime missing"
  finish
fi
command -v curl >/dev/null || { fail "curl missing (the REST front is checked with it)"; finish; }

# --- build ----------------------------------------------------------------------
mkdir -p build
log=build/realtime-make.log
if grep -q 'mk/runtime.mk' Makefile; then
  make -s CC=gcc OPT=-O2 hasim runtime >"$log" 2>&1
else
  # The Makefile does not include the fragment yet: bring it in by hand.
  make -s -f Makefile -f mk/runtime.mk CC=gcc OPT=-O2 hasim runtime >"$log" 2>&1
fi
if [ $? -ne 0 ]; then
  cat "$log"
  fail "build of hasim-rt, hasim-agent, hasim-recorder"
  finish
fi
pass "build ($B/hasim-rt, hasim-agent, hasim-recorder)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hasim-realtime.XXXXXX")
SUPERVISORS=()
cleanup() {
  # Interrupted: stop the runs we started, by pid; they tear down their own.
  for p in "${SUPERVISORS[@]+"${SUPERVISORS[@]}"}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# start NAME SCENARIO [hasim-rt options...]: one run in the background.
start() {
  local name=$1 scn=$2; shift 2
  eval "ARGS_$name=\"\$scn \$*\""
  "$B/hasim-rt" run --speed "$SPEED" --trace "$TMP/$name.jsonl" --pids "$TMP/$name.pids" \
    --workdir "$TMP/$name.work" "$@" "$scn" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  SUPERVISORS+=("$!")
  eval "PID_$name=$!"
}

# rerun NAME: a run that came out inconclusive (exit 3: the machine fell
# behind, docs/realtime.md "Lateness") could not be judged; it runs once more
# at half the speed, in the foreground. Its exit status.
rerun() {
  local name=$1 scn args
  eval "args=\$ARGS_$name"
  scn=${args%% *}
  [ "$scn" = "$args" ] && args="" || args=${args#* }
  echo "realtime: $name inconclusive at x$SPEED ($(grep -o 'worst lateness [0-9]* ms' "$TMP/$name.out" | head -1)): once more at x$((SPEED / 2))"
  # shellcheck disable=SC2086 # the options stored by start(), word by word
  "$B/hasim-rt" run --speed $((SPEED / 2)) --trace "$TMP/$name.jsonl" --pids "$TMP/$name.pids" \
    --workdir "$TMP/$name.work" $args "$scn" >"$TMP/$name.out" 2>"$TMP/$name.err"
}


# judge NAME WANT_RC: the run's exit status, its trace through hasim check,
# nothing left behind.
judge() {
  local name=$1 want=$2 pid rc
  eval "pid=\$PID_$name"
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 3 ] && [ "$want" -eq 0 ]; then
    rerun "$name"
    rc=$?
  fi
  if [ "$rc" -eq "$want" ]; then
    pass "$name: hasim-rt exit $rc ($(sed -n 's/.*\(x[0-9]* run took [0-9]* ms\).*/\1/p' "$TMP/$name.err"))"
  else
    fail "$name: hasim-rt exit $rc, want $want"
    sed 's/^/    /' "$TMP/$name.out" "$TMP/$name.err" | head -30
  fi
  if [ "$want" -eq 0 ]; then
    if "$B/hasim" check -q "$TMP/$name.jsonl" >"$TMP/$name.check" 2>&1; then
      pass "$name: hasim check: $(head -1 "$TMP/$name.check")"
    else
      fail "$name: hasim check rejects the trace"
      sed 's/^/    /' "$TMP/$name.check" | head -30
    fi
  fi
  local l s
  if [ ! -f "$TMP/$name.pids" ]; then fail "$name: no pid file: what it left cannot be told"
  else
    l=$(alive "$name")
    if [ -z "$l" ]; then pass "$name: no process left ($(wc -l <"$TMP/$name.pids") recorded)"
    else fail "$name: processes left:$l"; fi
  fi
  s=$(faketime_left "$name")
  if [ -z "$s" ]; then pass "$name: no /dev/shm/faketime_* of the run left"
  else fail "$name: left behind:$s"; rm -f $s; fi
}

echo "realtime: x$SPEED under $LIBFT"
start r09 scenarios/r09_replaced_server_returns.scn --ncs-dir "$TMP/ncs"
start r02kill scenarios/r02_kill_while_reconnecting.scn
start crash tests/realtime/rt_crash_individual.scn
start heal tests/realtime/rt_kill_and_heal.scn --http 0
start term tests/realtime/rt_kill_and_heal.scn
start kill9 tests/realtime/rt_kill_and_heal.scn

# --- the REST front, during the run "heal" ----------------------------------------
port=""
for _ in $(seq 50); do
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/heal.err" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  fail "heal: the REST front never said where it listens"
else
  sleep 1 # t ~ 10 s of run time: recording since ~3 s
  url="http://127.0.0.1:$port/v1/apps/hasim/cloud_recording/resourceid/r1/sid/0123456789abcdef0123456789abcdef/mode/mix/query"
  body=$(curl -s -m 5 -w ' http=%{http_code}' "$url" | tr -d '\n')
  if printf '%s' "$body" | grep -q '"status":5' && printf '%s' "$body" | grep -q 'http=200'; then
    pass "heal: curl query during the run: $body"
  else
    fail "heal: curl query during the run got: $body"
  fi
fi

# --- SIGTERM in the middle of a run: torn down, nothing left -----------------------
sleep 2
kill -TERM "$PID_term"
judge term 2
grep -q 'interrupted by signal 15' "$TMP/term.err" && pass "term: says it was interrupted" ||
  fail "term: no word of the interruption: $(cat "$TMP/term.err")"

# --- SIGKILL of the center: the supervisor cleans up after it ----------------------
center=$(awk '$2 == "center" {print $1}' "$TMP/kill9.pids" 2>/dev/null)
if [ -n "$center" ]; then
  kill -KILL "$center"
  judge kill9 2
  grep -q "removed /dev/shm/faketime_shm_$center" "$TMP/kill9.err" &&
    pass "kill9: the supervisor removed the killed center's /dev/shm/faketime_shm_$center" ||
    fail "kill9: no word of the center's shared memory: $(cat "$TMP/kill9.err")"
else
  fail "kill9: the run recorded no center pid"
fi

judge heal 0
if [ -n "$port" ]; then
  # The curl went through the core: an api line with no "by" (an outside client).
  if grep '"kind":"api"' "$TMP/heal.jsonl" | grep -v '"by"' | grep -q '"call":"query","http":200'; then
    pass "heal: the REST call is in the trace"
  else
    fail "heal: the REST call is not in the trace"
  fi
fi
judge crash 0
judge r02kill 0
judge r09 0
# Its callbacks and REST calls as the service would log them (--ncs-dir),
# judged from outside as a field log is: the real processes pass there too.
ncs="$TMP/ncs/r09_replaced_server_returns"
if [ -s "$ncs.ncs.jsonl" ] && [ -s "$ncs.api.jsonl" ] &&
   "$B/hasim" check --ncs "$ncs.ncs.jsonl" --api "$ncs.api.jsonl" >"$TMP/r09.ncs.check" 2>&1; then
  pass "r09: hasim check --ncs of its callback log: $(head -1 "$TMP/r09.ncs.check" | cut -c1-100)"
else
  fail "r09: its callback log (--ncs-dir) is missing or fails hasim check --ncs"
  sed 's/^/    /' "$TMP/r09.ncs.check" 2>/dev/null | head -30
fi

finish
