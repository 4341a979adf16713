#!/usr/bin/env bash
# rt_harden.sh -- hasim-rt as a new user and an abuser find it (issue 12),
# run by `make check` (tools/check.sh runs every tests/checks.d/*.sh).
#
#  - the REST front: a session started through it is queried, updated,
#    updateLayout'ed and stopped, and the run still passes `hasim check`;
#    a cname or uid the service refuses gets 400 code 2; a 1 MB upload, a
#    100 KB header, a partial request, a slow body and a crowd of idle
#    connections each get a clear answer (or a closed connection) within
#    seconds, and a query between them is answered at once;
#  - the center dies with its supervisor (SIGKILL of the supervisor): no
#    process, shared memory, work directory, pid file or run record left;
#  - a run killed whole (supervisor and center) leaves things behind, which
#    the next run removes at its start, saying so; an earlier trace of the
#    same name is never touched by a run that did not finish;
#  - a run that cannot start (its port taken) leaves an existing trace as it
#    was.
# About 30 s of wall time at x10. Last line "rt_harden: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

SPEED=10
B=build/gcc-O2
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "rt_harden: ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "rt_harden: FAILED: $*"; }
check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  echo "rt_harden: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}

command -v curl >/dev/null || { fail "curl missing (the REST front is checked with it)"; finish; }
mkdir -p build
if ! make -s CC=gcc OPT=-O2 hasim runtime >build/rt_harden-make.log 2>&1; then
  cat build/rt_harden-make.log
  fail "build of hasim-rt"
  finish
fi

# A TMPDIR of our own, start/alive/residue/until_gone/port_of: rt_lib.sh.
. tests/realtime/rt_lib.sh
rt_lib_init hasim-rt-harden

# ---- simulator-only scenarios: marked, named in the docs, not run here ----------
marked=$(grep -l '^# simulator-only: ' scenarios/*.scn | xargs -n1 basename | sed 's/\.scn$//' | sort)
named=$(sed -n '/^### The four disagreements/,/^## /p' docs/realtime.md | sed -n 's/^- `\([a-z0-9_]*\)`: .*/\1/p' | sort)
if [ -n "$marked" ] && [ "$marked" = "$named" ]; then
  pass "simulator-only: $(echo $marked) marked and named in docs/realtime.md"
else
  fail "simulator-only: marked [$(echo $marked)], named in docs/realtime.md [$(echo $named)]"
fi
bad=""
for m in $marked; do grep -q "scenarios/$m\.scn" tests/checks.d/realtime.sh && bad="$bad $m"; done
[ -z "$bad" ] && pass "simulator-only: none of them among realtime.sh's runs" ||
  fail "simulator-only scenarios run on real processes by realtime.sh:$bad"

# ---- the REST front ---------------------------------------------------------------
start rest tests/realtime/rt_rest.scn --http 0 --trace "$TMP/rest.jsonl"
port=$(port_of rest)
[ -n "$port" ] || { fail "rest: the REST front never said where it listens"; finish; }
R="http://127.0.0.1:$port/v1/apps/hasim/cloud_recording/resourceid/r1"
sleep 0.5
center=$(awk '$2 == "center" {print $1}' "$TMP/rest.pids")
comm=$(cat "/proc/$center/comm" 2>/dev/null)
[ "$comm" = hasim-center ] && pass "rest: the center is named hasim-center in ps" ||
  fail "rest: the center is named '$comm'"
grep -q '^hasim-rt: session 1: sid [0-9a-f]\{32\}, cname room1: .*/sid/[0-9a-f]\{32\}/mode/mix/query$' "$TMP/rest.err" &&
  pass "rest: prints session 1's sid and its query path" ||
  fail "rest: no sid of session 1 printed: $(cat "$TMP/rest.err")"

# call METHOD URL [BODY]: "HTTP BODY", within 5 s or "000".
call() {
  rm -f "$TMP/body"
  if [ "$1" = GET ]; then curl -s -m 5 -o "$TMP/body" -w '%{http_code}' "$2"
  else curl -s -m 5 -o "$TMP/body" -w '%{http_code}' -X POST -d "${3:-{\}}" "$2"; fi
  printf ' %s' "$(tr -d '\n' <"$TMP/body" 2>/dev/null)"
}
got=$(call POST "$R/mode/mix/start" '{"cname":"rest-room.1","uid":"4242"}')
sid=$(printf '%s' "$got" | sed -n 's/.*"sid":"\([0-9a-f]\{32\}\)".*/\1/p')
if [[ $got == 200* ]] && [ -n "$sid" ]; then pass "REST start: $got"; else fail "REST start: $got"; fi
grep -q "^hasim-rt: REST start: session 2, sid $sid, cname rest-room.1$" "$TMP/rest.err" &&
  pass "rest: prints the REST session's sid" || fail "rest: the REST start's sid is not printed"
sleep 1 # 10 s of run time: the REST session's recorder is up (start-up 1 s)
S="$R/sid/$sid/mode/mix"
got=$(call GET "$S/query");            [[ $got == 200* ]] && pass "REST query of its session: $got" || fail "REST query: $got"
got=$(call POST "$S/update");          [[ $got == 200* ]] && pass "REST update: $got" || fail "REST update: $got"
got=$(call POST "$S/updateLayout");    [[ $got == 200* ]] && pass "REST updateLayout: $got" || fail "REST updateLayout: $got"

# What the service refuses: 400 code 2, and nothing reaches a file path.
for body in '{"cname":"c/../x","uid":"1"}' '{"cname":"","uid":"1"}' '{"cname":"a\"b","uid":"1"}' \
            "{\"cname\":\"$(printf 'x%.0s' $(seq 65))\",\"uid\":\"1\"}" \
            '{"cname":"ok","uid":"0"}' '{"cname":"ok","uid":"12a"}' \
            '{"cname":"ok","uid":"4294967296"}' '{"cname":"ok"}' 'not json'; do
  got=$(call POST "$R/mode/mix/start" "$body")
  if [[ $got == 400* ]] && [[ $got == *'"code":2'* ]]; then pass "start $body: 400 code 2"
  else fail "start $body: want 400 code 2, got $got"; fi
done

# Large: a 1 MB body (413 from its Content-Length, before it is read) and a
# 100 KB header (431 from libmicrohttpd's memory bound), each within 5 s.
head -c 1000000 /dev/zero | tr '\0' a >"$TMP/big"
got=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST --data-binary @"$TMP/big" "$R/mode/mix/start")
[ "$got" = 413 ] && pass "a 1 MB upload: 413 at once" || fail "a 1 MB upload: got '$got' (000: no answer in 5 s)"
got=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 100000 "$TMP/big")" "$S/query")
[ "$got" = 431 ] && pass "a 100 KB header: 431 at once" || fail "a 100 KB header: got '$got'"
got=$(call GET "$S/query")
[[ $got == 200* ]] && pass "a query right after: $got" || fail "a query right after the large ones: $got"

# closed_within FD SECONDS: the server closes the connection on FD in time.
closed_within() { timeout "$2" cat <&"$1" >/dev/null; [ $? -ne 124 ]; }

# Partial: a header never finished is closed after the idle time (3 s real),
# and a query meanwhile is answered at once.
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/apps/hasim/cloud_recording HTTP/1.1\r\nHost: x\r\n' >&7
got=$(call GET "$S/query")
[[ $got == 200* ]] && pass "a query beside a partial request: $got" || fail "a query beside a partial request: $got"
check "a partial request is closed within 6 s" closed_within 7 6
exec 7>&-

# Slow: a body that trickles in is cut off after 3 s of real time.
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n{' "${R#http://127.0.0.1:$port}/mode/mix/start" >&7
( for _ in $(seq 30); do sleep 0.3; printf ' ' >&7 2>/dev/null || exit 0; done ) &
trickle=$!
check "a body trickling in is cut off within 6 s" closed_within 7 6
kill "$trickle" 2>/dev/null; wait "$trickle" 2>/dev/null
exec 7>&-

# Idle: 40 connections that say nothing. The next request gets a clear 503
# (past 32 open), and once they are gone, an answer again.
fds=()
for _ in $(seq 40); do exec {fd}<>"/dev/tcp/127.0.0.1/$port" && fds+=("$fd"); done
sleep 0.3
got=$(call GET "$S/query")
if [[ $got == 503* ]] && [[ $got == *"too many connections"* ]]; then pass "beside 40 idle connections: $got"
else fail "beside 40 idle connections: want 503 too many connections, got $got"; fi
for fd in "${fds[@]}"; do exec {fd}>&-; done
sleep 0.3
got=$(call GET "$S/query")
[[ $got == 200* ]] && pass "when they are gone: $got" || fail "after the idle connections closed: $got"
# and 20 idle ones (the old limit was 16) block nobody
fds=()
for _ in $(seq 20); do exec {fd}<>"/dev/tcp/127.0.0.1/$port" && fds+=("$fd"); done
got=$(call GET "$S/query")
[[ $got == 200* ]] && pass "beside 20 idle connections: $got" || fail "beside 20 idle connections: $got"
for fd in "${fds[@]}"; do exec {fd}>&-; done

got=$(call POST "$S/stop")
[[ $got == 200* ]] && pass "REST stop of its session: $got" || fail "REST stop: $got"

wait "$PID_rest"
rc=$?
if [ "$rc" -eq 0 ]; then pass "rest: the run passes ($(head -1 "$TMP/rest.out"))"
else fail "rest: hasim-rt exit $rc"; sed 's/^/    /' "$TMP/rest.out" "$TMP/rest.err" | head -20; fi
if "$B/hasim" check -q "$TMP/rest.jsonl" >"$TMP/rest.check" 2>&1; then
  pass "rest: hasim check passes the trace with the REST session"
else
  fail "rest: hasim check: $(head -3 "$TMP/rest.check")"
fi
n=$(grep '"kind":"api"' "$TMP/rest.jsonl" | grep -v '"by"' | grep -c '"sess":2')
[ "$n" -ge 5 ] && pass "rest: $n calls of the REST session in the trace" ||
  fail "rest: $n calls of the REST session in the trace, want 5 or more"
grep -rq 'c/\.\./x\|/x\.m3u8' "$TMP/rest.err" && fail "rest: a refused cname reached a file path" ||
  pass "rest: no refused cname reached a file path"
r=$(residue rest)
[ -z "$r" ] && pass "rest: nothing left" || fail "rest: left:$r"

# ---- the center dies with its supervisor ------------------------------------------
start sup tests/realtime/rt_rest.scn --trace "$TMP/sup.jsonl"
sleep 2
kill -KILL "$PID_sup"
wait "$PID_sup" 2>/dev/null
if until_gone sup 10; then pass "sup: SIGKILL of the supervisor: the run ends within 10 s"
else fail "sup: SIGKILL of the supervisor: still alive after 10 s:$(alive sup)"; fi
sleep 0.3
r=$(residue sup)
[ -z "$r" ] && pass "sup: nothing left" || fail "sup: left:$r"
[ ! -e "$TMP/sup.jsonl" ] && pass "sup: no trace of an unfinished run" || fail "sup: a trace of an unfinished run"

# ---- killed whole: the next run removes what it left ------------------------------
echo "an earlier trace" >"$TMP/whole.jsonl"
start whole tests/realtime/rt_rest.scn --trace "$TMP/whole.jsonl"
center=""
for _ in $(seq 50); do
  center=$(awk '$2 == "center" {print $1}' "$TMP/whole.pids" 2>/dev/null)
  [ -n "$center" ] && [ "$(wc -l <"$TMP/whole.pids")" -ge 3 ] && break
  sleep 0.1
done
sleep 1
kill -KILL "$PID_whole" "$center"
wait "$PID_whole" 2>/dev/null
until_gone whole 10 || fail "whole: processes alive 10 s after the SIGKILLs:$(alive whole)"
sleep 0.3
r=$(residue whole)
[ -n "$r" ] && pass "whole: SIGKILL of both leaves things (as it must):$r" ||
  fail "whole: SIGKILL of both left nothing: the test proves nothing"
[ "$(cat "$TMP/whole.jsonl")" = "an earlier trace" ] && pass "whole: the earlier trace is untouched" ||
  fail "whole: the earlier trace was changed"
cat >"$TMP/tiny.scn" <<'EOF'
scenario "tiny"
mode composite
channel room1 users 1001
servers 1 capacity 1
at 0s start
at 5s end
EOF
start next "$TMP/tiny.scn"
wait "$PID_next"
rc=$?
[ "$rc" -eq 0 ] && pass "next: the next run passes" || fail "next: exit $rc: $(cat "$TMP/next.err")"
grep -q "removed what a dead run left ($PID_whole)" "$TMP/next.err" &&
  pass "next: says it removed what run $PID_whole left" ||
  fail "next: no word of the dead run's leftovers: $(cat "$TMP/next.err")"
r=$(residue whole)
[ -z "$r" ] && pass "whole: nothing left after the next run" || fail "whole: still left:$r"
r=$(residue next)
[ -z "$r" ] && pass "next: nothing left" || fail "next: left:$r"

# ---- runs that start at the same moment never take each other for dead -----------
# (a run's record is locked before it gets its name: a sweep at the same
# moment cannot find it unlocked)
pids=""
for i in $(seq 8); do
  "$B/hasim-rt" run -q --speed 20 "$TMP/tiny.scn" >"$TMP/crowd$i.out" 2>&1 &
  pids="$pids $!"
done
rcs=""
for p in $pids; do wait "$p"; rcs="$rcs $?"; done
if [ "$rcs" = " 0 0 0 0 0 0 0 0" ] && ! grep -q "dead run" "$TMP"/crowd*.out; then
  pass "crowd: 8 runs started at once all pass, none swept as dead"
else
  fail "crowd: exits$rcs: $(cat "$TMP"/crowd*.out | head -5)"
fi

# ---- a run that cannot start leaves the trace of the last one ---------------------
start holder tests/realtime/rt_rest.scn --http 0
hport=$(port_of holder)
echo "the last good trace" >"$TMP/taken.jsonl"
start taken "$TMP/tiny.scn" --http "$hport" --trace "$TMP/taken.jsonl"
wait "$PID_taken"
rc=$?
[ "$rc" -eq 2 ] && grep -q "port taken" "$TMP/taken.err" && pass "taken: exit 2, port taken" ||
  fail "taken: exit $rc: $(cat "$TMP/taken.err")"
[ "$(cat "$TMP/taken.jsonl")" = "the last good trace" ] && pass "taken: the last trace is untouched" ||
  fail "taken: the last trace was truncated or changed"
ls "$TMP"/taken.jsonl.tmp-* >/dev/null 2>&1 && fail "taken: a temporary trace left" ||
  pass "taken: no temporary trace left"
kill -TERM "$PID_holder"
wait "$PID_holder"
r=$(residue holder)
[ -z "$r" ] && pass "holder: SIGTERM: nothing left" || fail "holder: left:$r"

# ---- set clock, last_hb_ms, hostile, the progress line --------------------------
# `set clock 8759h59m40s` starts the run 20 s before 2027 (libfaketime's
# absolute start at the rate): slices on both sides of New Year.
"$B/hasim-rt" run --speed 20 --workdir "$TMP/clock.work" --trace "$TMP/clock.jsonl" \
  --pids "$TMP/clock.pids" tests/realtime/rt_clock.scn >"$TMP/clock.out" 2>"$TMP/clock.err"
rc=$?
[ "$rc" -eq 0 ] && pass "clock: $(head -1 "$TMP/clock.out")" ||
  fail "clock: exit $rc: $(cat "$TMP/clock.out" "$TMP/clock.err" | head -5)"
ls "$TMP/clock.work/storage" | grep -q '_room1_20261231235[0-9]*\.ts$' &&
  ls "$TMP/clock.work/storage" | grep -q '^bak0_.*_room1_202701010000[0-9]*\.ts$' &&
  pass "clock: slices named on 2026-12-31 and, after the disconnect, on 2027-01-01" ||
  fail "clock: slice names: $(ls "$TMP/clock.work/storage" | tr '\n' ' ')"
grep '"fault":"disconnect"' "$TMP/clock.jsonl" | grep -q '"last_hb_ms":[0-9]' &&
  pass "clock: the disconnect line carries last_hb_ms (R2's exact detection judged)" ||
  fail "clock: no last_hb_ms on the disconnect line"
r=$(residue clock)
[ -z "$r" ] && pass "clock: nothing left" || fail "clock: left:$r"

printf 'scenario "h"\nmode composite\nchannel room1 users 1001\nset hostile on\nat 0s start\nat 5s end\n' >"$TMP/hostile.scn"
err=$("$B/hasim-rt" run --speed 10 "$TMP/hostile.scn" 2>&1 >/dev/null)
rc=$?
[ "$rc" -eq 2 ] && [[ $err == "$TMP/hostile.scn:4:5: error: 'set hostile on' is the simulator's"* ]] &&
  pass "hostile: refused: $err" || fail "hostile: exit $rc: $err"

# On a terminal (script(1) gives one), a progress line.
script -qec "$B/hasim-rt run --speed 10 $TMP/tiny.scn" "$TMP/tty.log" >/dev/null 2>&1
grep -aq 'hasim-rt: t=[0-9]* s of 5 s, [0-9]* trace lines, worst lateness' "$TMP/tty.log" &&
  pass "a progress line on a terminal" || fail "no progress line on a terminal: $(tr '\r' '\n' <"$TMP/tty.log" | head -5)"

# ---- the harness judges itself: an overloaded run is inconclusive ---------------
# SIGSTOP for 1 s of real time (10 s of run time at x10) is a machine that
# fell behind: a host agent that misses its heartbeats (the center declares
# a live server down: R2 broken, if the run were judged), or a center that
# handles its timers late. Either run must end as INCONCLUSIVE, exit 3, a
# skipped JUnit test case, no trace -- never as a broken rule.
overload() { # NAME ROLE
  local name=$1 role=$2 victim=""
  start "$name" tests/realtime/rt_rest.scn --trace "$TMP/$name.jsonl" --junit "$TMP/$name.xml"
  for _ in $(seq 50); do
    victim=$(awk -v r="$role" '$2 == r {print $1; exit}' "$TMP/$name.pids" 2>/dev/null)
    [ -n "$victim" ] && [ "$(wc -l <"$TMP/$name.pids")" -ge 3 ] && break
    sleep 0.1
  done
  sleep 1
  kill -STOP "$victim"; sleep 1; kill -CONT "$victim"
  eval "wait \$PID_$name"
  local rc=$?
  if [ "$rc" -eq 3 ] && grep -q '^INCONCLUSIVE .*worst lateness [0-9]* ms' "$TMP/$name.out"; then
    pass "$name: $role stopped 1 s: exit 3, $(grep -o 'worst lateness [0-9]* ms ([^)]*)' "$TMP/$name.out" | head -1)"
  else
    fail "$name: $role stopped 1 s: exit $rc, want 3 INCONCLUSIVE: $(head -3 "$TMP/$name.out")"
  fi
  grep -q '<skipped message="inconclusive: ' "$TMP/$name.xml" 2>/dev/null &&
    pass "$name: JUnit says skipped" || fail "$name: JUnit: $(cat "$TMP/$name.xml" 2>&1)"
  [ ! -e "$TMP/$name.jsonl" ] && pass "$name: no trace kept" || fail "$name: a trace of an inconclusive run"
  local r; r=$(residue "$name")
  [ -z "$r" ] && pass "$name: nothing left" || fail "$name: left:$r"
}
overload late_agent agent
overload late_center center

# --speed auto: the fastest speed that stays within the budget; the verdict
# line names it and how late the run got.
"$B/hasim-rt" run --speed auto --junit "$TMP/auto.xml" "$TMP/tiny.scn" >"$TMP/auto.out" 2>"$TMP/auto.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^PASS .*, x[0-9]*, .*worst lateness [0-9]* ms' "$TMP/auto.out" &&
   grep -q 'failures="0" skipped="0"' "$TMP/auto.xml"; then
  pass "auto: $(grep -o 'x[0-9]*, [^;]*; worst lateness [0-9]* ms' "$TMP/auto.out")"
else
  fail "auto: exit $rc: $(cat "$TMP/auto.out" "$TMP/auto.err")"
fi

finish
