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
  ok "3000 random runs, every rule held ($(tail -1 build/swarm-check.log))"
else
  bad "3000 random runs: $(grep -m3 -E 'replay|R[0-9]' build/swarm-check.log | tr '\n' ' ')"
fi
out=$(bash tests/planted_bug.sh 2>&1); rc=$?
line=$(printf '%s\n' "$out" | grep -E '^planted_bug: [0-9]+ passed' | tail -1)
if [ $rc -eq 0 ] && [ -n "$line" ]; then ok "$line"; else bad "planted bugs: $(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"; fi
out=$(bash ci/shard-merge-check.sh 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "shards and --jobs give the same results"; else bad "shard/merge: $(printf '%s\n' "$out" | tail -5 | tr '\n' ' ')"; fi
echo "swarm: $passed passed, $failed failed"
[ $failed -eq 0 ]
