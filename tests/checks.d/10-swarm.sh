#!/usr/bin/env bash
# make check: a short chaos swarm on the real core, the planted-bug tests
# (the swarm must find and shrink known bugs; the library must catch a bug of
# each class of issue 13 with the rule named), and shard/jobs independence.
set -uo pipefail
cd "$(dirname "$0")/../.."
H=build/gcc-O2/hasim
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "swarm: ok: $*"; }
bad() { failed=$((failed + 1)); echo "swarm: FAILED: $*"; }

if $H swarm --runs 3000 --seed 20261124 --jobs 2 --json build/swarm-check.json >build/swarm-check.log 2>&1; then
  ok "3000 random runs, every rule held ($(grep -m1 '^swarm:' build/swarm-check.log))"
else
  bad "3000 random runs: $(grep -m3 -E 'replay|R[0-9]' build/swarm-check.log | tr '\n' ' ')"
fi
# The state-machine goals are every pair report_fsm.py does not call impossible.
if out=$($H swarm --list-goals | /usr/bin/python3 -c '
import sys
sys.path.insert(0, "tools")
from report_fsm import IMPOSSIBLE, STATES, EVENTS
goals = {tuple(l.split()[0].split(".")[1:]) for l in sys.stdin if l.startswith("fsm.")}
want = {(s, e) for s in STATES for e in EVENTS if (s, e) not in IMPOSSIBLE}
print(" ".join("%s.%s" % p for p in sorted(goals ^ want)))
sys.exit(goals != want)' 2>&1); then
  ok "state-machine goals = the pairs tools/report_fsm.py does not call impossible"
else
  bad "state-machine goals and tools/report_fsm.py IMPOSSIBLE differ: $out"
fi
out=$(bash tests/planted_bug.sh 2>&1); rc=$?
line=$(printf '%s\n' "$out" | grep -E '^planted_bug: [0-9]+ passed' | tail -1)
if [ $rc -eq 0 ] && [ -n "$line" ]; then ok "$line"; else bad "planted bugs: $(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"; fi
# A guided swarm: the same results with 1 and 2 workers; on a planted bug,
# its failing run replays from its chain and shrinks like a swarm run.
g1=build/guided-check-1.json g2=build/guided-check-2.json
$H swarm --guided --runs 1500 --seed 3 --jobs 1 -q --json $g1 >/dev/null 2>&1
$H swarm --guided --runs 1500 --seed 3 --jobs 2 -q --json $g2 >/dev/null 2>&1
strip() { sed -e 's/"elapsed_ms":[0-9]*//' -e 's/"jobs":[0-9]*//' "$1"; }
if [ -s $g1 ] && cmp -s <(strip $g1) <(strip $g2); then
  ok "guided swarm: --jobs 1 = --jobs 2 ($(/usr/bin/python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["goals"]; print("%d of %d goals" % (g["reached"], g["count"]))' $g1))"
else
  bad "guided swarm: --jobs 1 and --jobs 2 differ"
fi
pdir=$(mktemp -d "${TMPDIR:-/tmp}/guided_check.XXXXXX")
if bash tests/planted_bug.sh --build-only "$pdir" four-activations >/dev/null 2>&1 && [ -x "$pdir/hasim-four-activations" ]; then
  P=$pdir/hasim-four-activations
  # A mutated run (a chain of two steps or more), not one of the first, blind generation.
  $P swarm --guided --runs 640 --seed 1 --jobs 2 -q --json "$pdir/g.json" >/dev/null 2>&1
  read -r cmd rule < <(/usr/bin/python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["failing"]:
    chain = f["replay"].split("--chain ")[1].split()[0]
    if "," in chain:
        print(chain, f["rule"])
        break' "$pdir/g.json")
  $P replay --chain "$cmd" >"$pdir/replay.out" 2>&1
  replayed=$?
  $P shrink --chain "$cmd" -q -o "$pdir/min.scn" >/dev/null 2>&1
  shrunk=$?
  $P run "$pdir/min.scn" >/dev/null 2>&1
  shrunk_fails=$?
  if [ -n "$cmd" ] && [ $replayed -eq 1 ] && grep -q "first violation: $rule:" "$pdir/replay.out" &&
     [ $shrunk -eq 0 ] && [ $shrunk_fails -eq 1 ]; then
    ok "guided swarm on a planted bug: run replays from --chain ${cmd:0:40}... ($rule) and shrinks"
  else
    bad "guided swarm on a planted bug: chain '$cmd' rule '$rule': replay exit $replayed, shrink exit $shrunk, shrunk run exit $shrunk_fails"
  fi
else
  bad "guided swarm on a planted bug: tests/planted_bug.sh --build-only failed"
fi
rm -rf "$pdir"
out=$(bash ci/shard-merge-check.sh 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "shards and --jobs give the same results"; else bad "shard/merge: $(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"; fi
echo "swarm: $passed passed, $failed failed"
[ $failed -eq 0 ]
