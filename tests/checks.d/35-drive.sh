#!/usr/bin/env bash
# make check: black-box chaos -- hasim drive against hasim-rt as a live
# deployment (sim/blackbox/, docs/blackbox.md).
#
#  1. Agreement: a short set of library scenarios (a kill, a crash host with
#     a kill, a disconnect healed after detection with calls inside the
#     minute, link flaps, a stop while starting, a replacement that fails to
#     provision) driven against hasim-rt
#     --serve at x20 under libfaketime: each passes, as `hasim run` does.
#  2. Planted bugs: hasim-rt built with a mutant of tools/mutants.tsv fails
#     on the rule `hasim run` of the same mutant names first: m09 (a switch
#     reuses the first UID: R7), m65 (update and updateLayout answered 200
#     inside a disconnect minute: the 404 window has a hole, R6), m31 (the
#     4th fault does not give up: a 4th activation, R5). The failing log
#     becomes a scenario (`hasim import`) that fails on the mutant's
#     simulator and passes on ours: the regression to commit.
#  3. Errors, never a verdict: a target that refuses connections and one
#     that accepts and never answers (exit 2, quickly, with the message); a
#     fault command that fails; a FAULTS.conf and a scenario refused at
#     their FILE:LINE:COL.
# The drive runs take about 2 minutes of wall time, two at a time.
# Last line: "drive: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
HASIM=build/gcc-O2/hasim
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "drive: ok: $*"; }
bad() { failed=$((failed + 1)); echo "drive: FAILED: $*"; }
finish() { echo "drive: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
T=$(mktemp -d "${TMPDIR:-/tmp}/drive-check.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
t_start=$SECONDS

if ! make -s CC=gcc OPT=-O2 hasim runtime >"$T/make.log" 2>&1; then
  bad "build"; tail -20 "$T/make.log"; finish
fi
for m in m09 m65 m31; do
  if bash tests/drive/build_mutant.sh "$m" "$T/mut-$m" >"$T/mut-$m.log" 2>&1; then ok "hasim-rt with $m built"
  else bad "building hasim-rt with $m: $(tail -1 "$T/mut-$m.log")"; fi
done

# ---- 1 and 2: the drive runs, two at a time ------------------------------------
agree=(r01_kill_before_first_slice r11_no_switch_to_down_server r06_calls_inside_disconnect_minute
       r02_link_flaps_during_rejoin r12_stop_while_starting r11_replacement_fails_to_start
       clock_step_back_kill_window)
declare -A RULE=([m09]=R7 [m65]=R6 [m31]=R5)
declare -A SCN=([m09]=scenarios/r01_kill_before_first_slice.scn
                [m65]=scenarios/r06_calls_inside_disconnect_minute.scn
                [m31]=tests/drive/four_kills.scn)
jobs_run() { # name rtdir scenario
  bash tests/drive/run_one.sh "$2" "$3" "$T/$1" 20 >"$T/$1.rc" 2>&1
}
t0=$SECONDS
for s in "${agree[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  jobs_run "ok-$s" build/gcc-O2 "scenarios/$s.scn" &
done
for m in m09 m65 m31; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  [ -x "$T/mut-$m/hasim-rt" ] && jobs_run "bug-$m" "$T/mut-$m" "${SCN[$m]}" &
done
wait
t_runs=$((SECONDS - t0))

for s in "${agree[@]}"; do
  rc=$(sed -n 's/^drive-exit //p' "$T/ok-$s.rc")
  "$HASIM" run -q "scenarios/$s.scn" >/dev/null 2>&1; sim=$?
  if [ "$rc" = 0 ] && [ "$sim" = 0 ]; then ok "$s: hasim drive passes, as hasim run does"
  else bad "$s: hasim drive exit ${rc:-?}, hasim run exit $sim"; cat "$T/ok-$s.rc"; head -20 "$T/ok-$s/drive.out" 2>/dev/null; fi
done

# The rules the drive's log proves broken, and the first `hasim run` names.
proved() { sed -n '/violations (proved/,/^  [a-z]/p' "$1" | sed -n 's/^  \(R[0-9]*\) .*/\1/p' | sort -u | tr '\n' ' '; }
for m in m09 m65 m31; do
  want=${RULE[$m]} scn=${SCN[$m]}
  rc=$(sed -n 's/^drive-exit //p' "$T/bug-$m.rc" 2>/dev/null)
  got=$(proved "$T/bug-$m/drive.out" 2>/dev/null)
  sim=$("$T/mut-$m/hasim" run "$scn" 2>/dev/null | grep -m1 -oE '^      R[0-9]+' | tr -d ' ')
  if [ "$rc" = 1 ] && [ "$got" = "$want " ] && [ "$sim" = "$want" ]; then
    ok "$m (${scn##*/}): hasim drive fails on $want, as hasim run of the same bug does"
  else
    bad "$m: want exit 1 with $want proved (hasim run: $sim); got exit ${rc:-?} with '$got'"
    head -12 "$T/bug-$m/drive.out" 2>/dev/null
  fi
done
# The JUnit and JSON of the m09 run name the rule and the log line.
if python3 - "$T/bug-m09/drive.xml" "$T/bug-m09/drive.json" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
assert suite.get("tests") == "1" and suite.get("failures") == "1", suite.attrib
fails = suite.findall("testcase/failure")
assert fails and all(f.get("message").startswith("R7: ") for f in fails), [f.get("message") for f in fails]
assert ".ncs.jsonl:" in fails[0].text, fails[0].text
run = json.load(open(sys.argv[2]))["runs"][0]
assert run["exit"] == 1 and not run["pass"]
rules = {f["rule"] for s in run["sessions"] for f in s["findings"] if f["certainty"] == "proved"}
assert rules == {7}, rules
EOF
then ok "m09: JUnit (a failure per proved finding, R7 with its log line) and JSON say the same"
else bad "m09: the JUnit or JSON does not say R7"; fi
# The failing log as a regression: imported, it fails on the bug's simulator
# with the same rule and passes on ours.
log=$T/bug-m09/logs/r01_kill_before_first_slice
if "$HASIM" import "$log.ncs.jsonl" --api "$log.api.jsonl" -o "$T/regression.scn" >"$T/import.out" 2>&1 &&
   ! "$T/mut-m09/hasim" run -q "$T/regression.scn" >"$T/reg-bug.out" 2>&1 &&
   grep -q "^      R7" "$T/reg-bug.out" && "$HASIM" run -q "$T/regression.scn" >/dev/null 2>&1; then
  ok "the m09 log imported: a scenario that fails on R7 with the bug and passes without"
else
  bad "the m09 log as a regression: $(tail -2 "$T/import.out")"; head -5 "$T/reg-bug.out"
fi
# hasim check --ncs takes the drive's logs as they are.
log=$T/ok-r01_kill_before_first_slice/logs/r01_kill_before_first_slice
if "$HASIM" check -q --ncs "$log.ncs.jsonl" --api "$log.api.jsonl" >/dev/null 2>&1; then ok "hasim check --ncs takes the drive log"
else bad "hasim check --ncs of the drive log"; fi

# The service's own clocks: hasim-rt's recorder stamps a slice a few ms
# before the center sends the 40 of its recording (an individual-mode switch
# from the soak, tests/drive/individual_switch.*); within NCS_SERVICE_SKEW_MS
# that is the restart, 3 s later it is not and R8 stands.
log=tests/drive/individual_switch
if "$HASIM" check -q --ncs "$log.ncs.jsonl" --api "$log.api.jsonl" >/dev/null 2>&1; then ok "a restart 2 ms after its slicing start is the restart"
else bad "individual_switch: the judge does not take the service's own skew"; fi
python3 - "$log.ncs.jsonl" "$T/late40.jsonl" <<'EOF'
import json, sys
out = open(sys.argv[2], "w")
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["eventType"] in (40, 12) and e["payload"]["sequence"] in (5, 6):
        e["payload"]["sendts"] += 3000
        e["notifyMs"] += 3000
    out.write(json.dumps(e, separators=(",", ":")) + "\n")
EOF
out=$("$HASIM" check -q --ncs "$T/late40.jsonl" --api "$log.api.jsonl" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "^  R8 .*:9: stream 1001 (audio) has a gap"; then ok "a restart 3 s after the slicing start is not: R8"
else bad "late 40: exit $rc: $(printf '%s\n' "$out" | head -3)"; fi

# ---- 3. errors, never a verdict ------------------------------------------------
scn=scenarios/r12_stop_outside_window.scn
t0=$SECONDS
out=$("$HASIM" drive --target http://127.0.0.1:1/v1/apps/x/cloud_recording --notify-listen 127.0.0.1:0 \
      --log-dir "$T/refused" "$scn" 2>&1); rc=$?
if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "does not answer: .*Couldn't connect" && [ $((SECONDS - t0)) -le 3 ]; then
  ok "a target that refuses connections: exit 2 with the message, in $((SECONDS - t0)) s"
else bad "refused target: exit $rc in $((SECONDS - t0)) s: $out"; fi
# a target that accepts and never answers (a socket nobody reads)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/silent.port" &
silent=$!
for _ in $(seq 50); do [ -s "$T/silent.port" ] && break; sleep 0.1; done
t0=$SECONDS
out=$("$HASIM" drive --target "http://127.0.0.1:$(cat "$T/silent.port")/v1/apps/x/cloud_recording" \
      --notify-listen 127.0.0.1:0 --call-timeout 2s --log-dir "$T/silent" "$scn" 2>&1); rc=$?
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "does not answer: .*[Tt]imeout" && [ $((SECONDS - t0)) -le 5 ]; then
  ok "a target that never answers: exit 2 after the 2 s call time-out"
else bad "silent target: exit $rc in $((SECONDS - t0)) s: $out"; fi
# a fault command that fails: the run stops there, no verdict
printf 'world scenario\nkill echo "no such pod" >&2; exit 3\n' >"$T/failing.conf"
FAULTS=$T/failing.conf bash tests/drive/run_one.sh build/gcc-O2 scenarios/r01_kill_before_first_slice.scn "$T/failing" 20 >"$T/failing.rc" 2>&1
rc=$(sed -n 's/^drive-exit //p' "$T/failing.rc")
if [ "$rc" = 2 ] && grep -q "failing.conf:2: error: the 'kill' command for scenarios/r01_kill_before_first_slice.scn:[0-9]* failed (exit 3): no such pod" "$T/failing/drive.out"; then
  ok "a failing fault command: exit 2 naming FAULTS.conf's line, the scenario's and the message"
else bad "failing fault command: exit ${rc:-?}: $(head -3 "$T/failing/drive.out" 2>/dev/null)"; fi
# bad input at its line and column
printf 'world scenario\nkill kill {pid}\n' >"$T/bad.conf"
out=$("$HASIM" drive --target http://127.0.0.1:1/x --faults "$T/bad.conf" "$scn" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$out" = "$T/bad.conf:2:11: error: unknown placeholder '{pid}' (write \${...} for the shell's)" ] && ok "FAULTS.conf error at its line and column" || bad "bad FAULTS.conf: $rc '$out'"
out=$("$HASIM" drive --target http://127.0.0.1:1/x --faults ci/hasim-rt.faults.conf scenarios/hostile_driver.scn 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "^  scenarios/hostile_driver.scn:18:5: error: 'set hostile' lies to the core" && ok "a hostile scenario refused at its line" || bad "hostile: $rc '$out'"
printf 'world scenario\nkill kill -KILL {sid}\n' >"$T/killonly.conf"
out=$("$HASIM" drive --faults "$T/killonly.conf" --dry-run scenarios/r08_individual_three_users.scn 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "^scenarios/r08_individual_three_users.scn:12:1: error: 'leave' needs a 'leave' command in $T/killonly.conf" && ok "a fault FAULTS.conf cannot make, refused at its line" || bad "leave: $rc '$out'"
# a step of the clock is a fault like the others: a FAULTS.conf with no
# command for it has the clock-step scenarios refused, not driven without it
grep -v '^step-clock' ci/hasim-rt.faults.conf >"$T/no-step.conf"
out=$("$HASIM" drive --faults "$T/no-step.conf" --dry-run scenarios/clock_step_back_kill_window.scn 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "^scenarios/clock_step_back_kill_window.scn:18:1: error: 'step-clock' needs a 'step-clock' command in $T/no-step.conf" && ok "a step of the clock without a step-clock command, refused at its line" || bad "step-clock: $rc '$out'"

echo "drive: the drive runs took $t_runs s, the whole check $((SECONDS - t_start)) s"
finish
