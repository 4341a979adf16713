#!/usr/bin/env bash
# make check: a short chaos swarm on the real core, the planted-bug tests
# (the swarm must find and shrink known bugs), and shard/jobs independence.
set -uo pipefail
cd "$(dirname "$0")/../.."
H=build/gcc-O2/hasim
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "swarm: ok: $*"; }
bad() { failed=$((failed + 1)); echo "swarm: FAILED: $*"; }

if $H swarm --runs 3000 --seed 20261124 --jobs 2 --json build/swarm-check.json >build/swarm-check.log 2>&1; then
  ok "3000 random runs, every rule held ($(tail -1 build/swarm-check.log))"
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
out=$(bash ci/shard-merge-check.sh 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "shards and --jobs give the same results"; else bad "shard/merge: $(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"; fi
echo "swarm: $passed passed, $failed failed"
[ $failed -eq 0 ]
