#!/usr/bin/env bash
# planted_bug.sh -- the swarm finds a known bug and the shrinker makes it small.
#
# For each planted bug: copy src/ to a temporary directory, break the copy
# with sed, build a hasim against it (sim/*.c and the broken src/*.c, with
# gcc directly -- the shipped build never sees the bug), then
#   1. a short swarm on the broken build must fail (exit 1), and one of its
#      failing seeds must fail with the expected rule and pass on the real
#      build (else the swarm found something else, not the planted bug);
#   2. hasim shrink of that seed must give at most 5 actions in under 10 s;
#   3. the shrunk scenario must still fail with the same rule on the broken
#      build and pass on the real one -- it is the regression test that
#      would be committed.
# Prints "planted_bug: N passed, M failed"; exit status 0 only if all passed.
#
#   tests/planted_bug.sh                     uses build/gcc-O2/hasim (built if missing)
#   HASIM=path/to/hasim tests/planted_bug.sh
#   tests/planted_bug.sh --build-only DIR    leave the broken builds in DIR (for bench/)
set -u
cd "$(dirname "$0")/.."

SHRINK_ACTIONS_MAX=5
SHRINK_MS_MAX=10000
SWARM_RUNS=${PLANTED_RUNS:-1000}

build_only=""
if [ "${1:-}" = "--build-only" ]; then
    build_only=${2:?--build-only needs a directory}
    mkdir -p "$build_only"
fi

real=${HASIM:-build/gcc-O2/hasim}
if [ -z "$build_only" ] && [ ! -x "$real" ]; then
    make -s "$real" >/dev/null || { echo "planted_bug: cannot build $real"; exit 2; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/planted_bug.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
now_ms() { date +%s%3N; }

# build NAME FILE SED-EXPRESSION: a hasim with one bug, at $work/NAME/hasim.
build() {
    local name=$1 file=$2 expr=$3 dir="$work/$1"
    mkdir -p "$dir"
    cp -r src "$dir/src"
    sed -i -e "$expr" "$dir/src/$file"
    if cmp -s "src/$file" "$dir/src/$file"; then
        bad "$name: the sed expression changed nothing in src/$file (src/ moved on?)"
        return 1
    fi
    if ! gcc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$dir/src" -Isim \
            $(ls sim/*/*.c | grep -v '^sim/runtime/') "$dir/src"/*.c -ljansson -o "$dir/hasim" 2>"$dir/build.log"; then
        bad "$name: the broken build does not compile (see below)"
        sed 's/^/        /' "$dir/build.log" | head -20
        return 1
    fi
    if [ -n "$build_only" ]; then
        cp "$dir/hasim" "$build_only/hasim-$name"
    fi
}

# The first rule a `hasim run` output names ("      R2: ...").
first_rule() { sed -n 's/^ *\(R[0-9][0-9]*\|NCS\|TRACE\|EXPECT\): .*/\1/p' | head -1; }

# case NAME RULE FILE SED-EXPRESSION
case_() {
    local name=$1 rule=$2 file=$3 expr=$4 dir="$work/$1"
    echo "planted bug '$name' (src/$file) should break $rule:"
    build "$name" "$file" "$expr" || return
    [ -n "$build_only" ] && return
    local planted="$dir/hasim"

    # 1. the swarm finds it
    "$planted" swarm --runs "$SWARM_RUNS" --seed 1 --jobs 2 -q >"$dir/swarm.out" 2>&1
    local rc=$?
    if [ $rc -ne 1 ]; then
        bad "$name: the swarm of $SWARM_RUNS runs exited $rc, not 1"
        return
    fi
    local seed="" s
    for s in $(sed -n "s/^FAIL run [0-9]* seed \([0-9]*\): $rule: .*/\1/p" "$dir/swarm.out"); do
        if "$real" replay --seed "$s" >/dev/null 2>&1; then
            seed=$s
            break
        fi
    done
    if [ -z "$seed" ]; then
        bad "$name: no failing seed of the swarm fails $rule here and passes on the real build"
        head -5 "$dir/swarm.out" | sed 's/^/        /'
        return
    fi
    ok "$name: swarm found it: seed $seed ($(grep -c '^FAIL run' "$dir/swarm.out") failing runs listed)"

    # 2. the shrinker makes it small, fast
    local t0 t1 ms actions
    t0=$(now_ms)
    if ! "$planted" shrink --seed "$seed" -q -o "$dir/min.scn" 2>"$dir/shrink.err"; then
        bad "$name: hasim shrink --seed $seed failed"
        sed 's/^/        /' "$dir/shrink.err" | head -5
        return
    fi
    t1=$(now_ms)
    ms=$((t1 - t0))
    actions=$(grep -c '^at .* [a-zA-Z-]' "$dir/min.scn")
    actions=$((actions - $(grep -c '^at [^ ]* end$' "$dir/min.scn")))
    if [ "$actions" -le $SHRINK_ACTIONS_MAX ] && [ $ms -lt $SHRINK_MS_MAX ]; then
        ok "$name: shrunk to $actions actions in $ms ms"
    else
        bad "$name: shrunk to $actions actions in $ms ms (at most $SHRINK_ACTIONS_MAX in ${SHRINK_MS_MAX} ms)"
    fi

    # 3. the shrunk scenario: still the bug on the broken build, a pass on the real one
    local got
    "$planted" run "$dir/min.scn" >"$dir/min.out" 2>&1
    rc=$?
    got=$(first_rule <"$dir/min.out")
    if [ $rc -eq 1 ] && [ "$got" = "$rule" ]; then
        ok "$name: the shrunk scenario fails $rule on the broken build"
    else
        bad "$name: the shrunk scenario gives exit $rc, rule '$got' on the broken build (want 1, $rule)"
        sed 's/^/        /' "$dir/min.scn"
    fi
    if "$real" run "$dir/min.scn" >"$dir/real.out" 2>&1; then
        ok "$name: the shrunk scenario passes on the real build"
    else
        bad "$name: the shrunk scenario fails on the real build too"
        sed 's/^/        /' "$dir/real.out" | head -5
    fi
    sed 's/^/        | /' "$dir/min.scn"
}

# The reconnect window one second short: a link back after 59.5 s is a switch.
# (The switch budget grows by as much: ha_policy.h asserts that the two add
# up to the 90 s deadline, so this is a consistent, wrong policy.)
case_ reconnect-59s R2 ha_policy.h \
    's/^#define HA_RECONNECT_WINDOW_MS 60000$/#define HA_RECONNECT_WINDOW_MS 59000/;
     s/^#define HA_SWITCH_AFTER_RECONNECT_MS_MAX 30000$/#define HA_SWITCH_AFTER_RECONNECT_MS_MAX 31000/'

# One activation too many: the 4th fault resumes as bak3_ instead of giving
# up. Only runs with four faults of the serving recorder show it, and the
# shortest scenario that does is a start and four faults: five actions.
case_ four-activations R5 ha_policy.h \
    's/^#define HA_ACTIVATIONS_MAX 3$/#define HA_ACTIVATIONS_MAX 4/'

# A "fresh" UID that is the one the session used last.
case_ uid-reused R7 ha_uid.c \
    's/^    uint32_t v = 0;$/    if (used_count > 0) return used[used_count - 1]; \/* planted *\/\n    uint32_t v = 0;/'

if [ -n "$build_only" ]; then
    [ $failed -eq 0 ] && exit 0 || exit 1
fi
echo "planted_bug: $passed passed, $failed failed"
[ $failed -eq 0 ]
