#!/usr/bin/env bash
# shard-merge-check.sh -- the promise the scaled-out swarms rely on, checked
# with the real binary: the same seeds give the same JSON with --jobs 1, 2
# and 3, and the shards of a swarm, merged with `hasim merge`, give exactly
# the JSON of the whole swarm (elapsed_ms, jobs and shard aside).
#
#   ci/shard-merge-check.sh [HASIM]        (default build/gcc-O2/hasim)
#   RUNS=3000 ci/shard-merge-check.sh
# Prints "shard_merge: N passed, M failed"; exit 0 only if all passed.
# Whether the swarm's runs pass is not its business: exit 1 from a swarm
# (failing runs found) is fine here, exit 2 is not.
set -u
cd "$(dirname "$0")/.."
hasim=${1:-build/gcc-O2/hasim}
RUNS=${RUNS:-1200}
[ -x "$hasim" ] || make -s "$hasim" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/shard_merge.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# The JSON without the values allowed to differ.
strip() { sed -e 's/"elapsed_ms":[0-9]*//' -e 's/"jobs":[0-9]*//' -e 's/"shard":"[0-9]*\/[0-9]*"//' "$1"; }
swarm() { # name args...
    local name=$1; shift
    "$hasim" swarm --runs "$RUNS" --seed 7 --faults 4 -q --json "$work/$name.json" "$@" >/dev/null
    local rc=$?
    if [ $rc -gt 1 ]; then
        echo "  FAIL  hasim swarm $* exited $rc"
        failed=$((failed + 1))
    fi
}
same() { # what a b
    if cmp -s <(strip "$work/$2.json") <(strip "$work/$3.json"); then
        passed=$((passed + 1)); echo "  ok    $1"
    else
        failed=$((failed + 1)); echo "  FAIL  $1: $2.json and $3.json differ"
        diff <(strip "$work/$2.json" | tr ',' '\n') <(strip "$work/$3.json" | tr ',' '\n') | head -10
    fi
}

swarm whole --jobs 2
swarm jobs1 --jobs 1
swarm jobs3 --jobs 3
swarm nofork --jobs 0
for i in 0 1 2; do swarm "shard$i" --shard "$i/3" --jobs 1; done
swarm half0 --shard 0/2 --jobs 2
swarm half1 --shard 1/2 --jobs 1

same "--jobs 1 = --jobs 2" jobs1 whole
same "--jobs 3 = --jobs 2" jobs3 whole
same "--jobs 0 (in process) = --jobs 2" nofork whole
"$hasim" merge -o "$work/merged3.json" "$work/shard2.json" "$work/shard0.json" "$work/shard1.json"
[ $? -le 1 ] || { failed=$((failed + 1)); echo "  FAIL  hasim merge of 3 shards"; }
same "3 shards merged = the whole swarm" merged3 whole
"$hasim" merge -o "$work/merged2.json" "$work/half1.json" "$work/half0.json"
[ $? -le 1 ] || { failed=$((failed + 1)); echo "  FAIL  hasim merge of 2 shards"; }
same "2 shards merged = the whole swarm" merged2 whole
if "$hasim" merge -o "$work/bad.json" "$work/shard0.json" "$work/shard1.json" 2>/dev/null ||
   [ $? -ne 2 ]; then
    failed=$((failed + 1)); echo "  FAIL  a merge with a shard missing was not refused"
else
    passed=$((passed + 1)); echo "  ok    a merge with a shard missing is refused (exit 2)"
fi
if "$hasim" merge -o "$work/bad.json" "$work/half0.json" "$work/shard1.json" 2>/dev/null ||
   [ $? -ne 2 ]; then
    failed=$((failed + 1)); echo "  FAIL  a merge of shards of different splits was not refused"
else
    passed=$((passed + 1)); echo "  ok    shards of different splits are refused (exit 2)"
fi

echo "shard_merge: $passed passed, $failed failed"
[ $failed -eq 0 ]
