#!/usr/bin/env bash
# coverage.sh -- gcov/lcov coverage of the HA core (src/), for `make coverage`.
#
# Builds the coverage variant (gcc -O0 --coverage: build/gcc-O0-cov/; only
# src/ is instrumented, see the Makefile's CORE_CFLAGS), then measures twice:
#   unit  the unit tests alone                     -> reports/coverage/unit/
#   sim   the scenario library + a fixed swarm     -> reports/coverage/sim/
# so one can see what the scenarios reach that the unit tests do not. Only
# src/ counts (lcov --extract '*/src/*'). Writes reports/coverage.json and
# checks the sim numbers against COVERAGE_LINES_MIN (default 100) and
# COVERAGE_BRANCHES_MIN (default 95); below either it lists every line and
# branch missing. Every lcov/genhtml call reads ./lcovrc (branch coverage on
# in every step; assert() branches excluded: docs/reports.md says why).
#
# Environment: COVERAGE_LINES_MIN, COVERAGE_BRANCHES_MIN, SCENARIOS (a
# directory or file, default scenarios/), SCALE (run with it: default
# scenarios/scale, empty for none), COVERAGE_SWARM_RUNS (2000),
# COVERAGE_SWARM_SEED (1), PYTHON (/usr/bin/python3), JOBS (make -j, 2),
# TEST_TIMEOUT_S (300: the limit of each unit test program).
#
# A process killed by a signal writes no .gcda: the swarm runs with --jobs 0
# (in-process; its forked workers leave with _exit() and would lose their
# counts). `hasim run` runs each scenario in a child that leaves with exit(),
# which writes its counts; a scenario that crashes loses only its own, is
# named, and fails coverage.
#
# Exit status: 0 threshold met, 1 below it (or a run crashed), 2 build or
# tool failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

PYTHON=${PYTHON:-/usr/bin/python3}
LINES_MIN=${COVERAGE_LINES_MIN:-100}
BRANCHES_MIN=${COVERAGE_BRANCHES_MIN:-95}
SCENARIOS=${SCENARIOS:-scenarios}
SCALE=${SCALE-scenarios/scale}
SWARM_RUNS=${COVERAGE_SWARM_RUNS:-2000}
SWARM_SEED=${COVERAGE_SWARM_SEED:-1}
JOBS=${JOBS:-2}
TEST_TIMEOUT_S=${TEST_TIMEOUT_S:-300}
B=build/gcc-O0-cov
HASIM=$B/hasim
REPORTS=${REPORTS:-reports}
OUT=$REPORTS/coverage
LCOVRC=lcovrc
LCOV=(lcov_quiet lcov --config-file "$LCOVRC" --quiet)
GENHTML=(lcov_quiet genhtml --config-file "$LCOVRC" --quiet --legend)
t_start=$(date +%s)
crashed=0

say() { echo "coverage: $*"; }
# lcov 1.16's geninfo prints "Subroutine ... redefined" on Debian 12's Perl;
# keep its stderr for when a step fails, without that noise.
# shellcheck disable=SC2317  # called through the LCOV and GENHTML arrays
lcov_quiet() {
    "$@" 2>"$OUT/lcov.err"
    local rc=$?
    grep -v 'Subroutine .* redefined at' "$OUT/lcov.err" >&2
    return "$rc"
}
die() { echo "coverage: error: $*" >&2; exit 2; }

if ! command -v lcov >/dev/null || ! command -v genhtml >/dev/null; then
    die "lcov/genhtml not found: install the Debian package lcov (make deps)"
fi
[ -f "$LCOVRC" ] || die "no $LCOVRC at the top of the tree"

mkdir -p build
say "building $B (gcc -O0 --coverage)"
make --no-print-directory CC=gcc OPT=-O0 COV=1 -j"$JOBS" "$HASIM" tests >"$B.build.log" 2>&1 || {
    tail -n 30 "$B.build.log" >&2
    die "build failed (full log: $B.build.log)"
}

rm -rf "$OUT"
mkdir -p "$OUT/logs"

# The zero baseline: every instrumented line and branch, none run, so a file
# that no test touches still counts against the total.
"${LCOV[@]}" --zerocounters --directory "$B" || die "lcov --zerocounters failed"
"${LCOV[@]}" --capture --initial --directory "$B" --output-file "$OUT/base.info" ||
    die "lcov --capture --initial failed"

# capture NAME: the counters since the last zeroing -> $OUT/NAME.info (src/ only)
capture() {
    local name=$1
    if ! find "$B" -name '*.gcda' -print -quit | grep -q .; then
        say "$name: no .gcda files: nothing ran (or every process died by a signal)"
        cp "$OUT/base.info" "$OUT/$name-run.info"
    else
        "${LCOV[@]}" --capture --directory "$B" --test-name "$name" \
            --output-file "$OUT/$name-run.info" || die "lcov --capture ($name) failed"
    fi
    "${LCOV[@]}" --add-tracefile "$OUT/base.info" --add-tracefile "$OUT/$name-run.info" \
        --output-file "$OUT/$name-all.info" || die "lcov --add-tracefile ($name) failed"
    "${LCOV[@]}" --extract "$OUT/$name-all.info" '*/src/*' --output-file "$OUT/$name.info" ||
        die "lcov --extract ($name) failed"
    rm -f "$OUT/$name-run.info" "$OUT/$name-all.info"
}

# ---- (a) unit tests alone ---------------------------------------------------
tests=()
for t in "$B"/tests/test_*; do
    [ -x "$t" ] && tests+=("$t")
done
unit_failed=0
for t in "${tests[@]}"; do
    # (in a subshell, so bash does not print "Aborted" for a crash itself;
    # under a time limit, as in tools/run_unit.sh, so a hung test fails)
    (timeout -k 10 "$TEST_TIMEOUT_S" "$t" >"$OUT/logs/${t##*/}.log" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        unit_failed=$((unit_failed + 1))
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            say "unit: ${t##*/} timed out after $TEST_TIMEOUT_S s (exit $rc): its counts are lost"
        elif [ "$rc" -ge 128 ]; then
            # Its counts are lost, so the unit numbers understate; the
            # threshold is on the sim numbers, and make check reports the test.
            say "unit: ${t##*/} killed by signal $((rc - 128)): its counts are lost"
        else
            say "unit: ${t##*/} failed (exit $rc; log $OUT/logs/${t##*/}.log)"
        fi
    fi
done
say "unit: ${#tests[@]} test programs, $unit_failed failed"
capture unit
"${GENHTML[@]}" --title "hasim core (src/): unit tests alone" --output-directory "$OUT/unit" \
    "$OUT/unit.info" || die "genhtml (unit) failed"

# ---- (b) scenario library + fixed swarm ---------------------------------------
"${LCOV[@]}" --zerocounters --directory "$B" || die "lcov --zerocounters failed"
scn_note="no scenarios"
if [ -d "$SCENARIOS" ] && ! ls "$SCENARIOS"/*.scn >/dev/null 2>&1; then
    say "sim: no *.scn in $SCENARIOS/: the scenario library is empty"
elif [ -e "$SCENARIOS" ]; then
    # As make run does (--json, --trace-dir): the core's name functions are
    # part of what a driver uses to report.
    # scenarios/scale/ with it: the look-ahead of worlds of 2 048 sessions
    # and more is reached only there.
    "$HASIM" run -q "$SCENARIOS" $SCALE --json "$OUT/logs/scenarios.json" \
        --trace-dir "$OUT/logs/traces" >"$OUT/logs/scenarios.log" 2>&1
    rc=$?
    scn_note=$(grep -E '^[0-9]+ scenarios?: ' "$OUT/logs/scenarios.log" | tail -n 1)
    if [ "$rc" -ge 128 ]; then
        crashed=1
        say "sim: hasim run itself died by signal $((rc - 128)): the counts are incomplete"
        scn_note="hasim run died by signal $((rc - 128))"
    elif grep -q '^FAIL .*, crashed: ' "$OUT/logs/scenarios.log"; then
        crashed=1
        grep '^FAIL .*, crashed: ' "$OUT/logs/scenarios.log" |
            sed 's/^FAIL  \(.*\)  (seed .*, crashed: \(.*\))$/\1: \2 (no counts from it)/' |
            while IFS= read -r l; do say "sim: $l"; done
    fi
    if [ "$rc" -eq 2 ]; then
        cat "$OUT/logs/scenarios.log" >&2
        die "hasim run refused the scenario library (exit 2)"
    elif [ "$rc" -ne 0 ]; then
        say "sim: some scenarios failed ($scn_note); coverage still counts (log $OUT/logs/scenarios.log)"
    fi
    say "sim: scenarios: $scn_note"
else
    say "sim: $SCENARIOS does not exist"
fi

swarm_note="skipped"
if "$HASIM" swarm --help >/dev/null 2>&1; then
    "$HASIM" swarm --runs "$SWARM_RUNS" --seed "$SWARM_SEED" --jobs 0 \
        >"$OUT/logs/swarm.log" 2>&1
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- "--jobs" "$OUT/logs/swarm.log"; then
        # This hasim has no in-process mode: one worker, whose counts may be
        # lost if it leaves with _exit().
        say "sim: swarm --jobs 0 refused; trying --jobs 1 (a forked worker may lose its counts)"
        "$HASIM" swarm --runs "$SWARM_RUNS" --seed "$SWARM_SEED" --jobs 1 \
            >"$OUT/logs/swarm.log" 2>&1
        rc=$?
    fi
    swarm_note="hasim swarm --runs $SWARM_RUNS --seed $SWARM_SEED: exit $rc"
    if [ "$rc" -ge 128 ]; then
        crashed=1
        say "sim: the swarm died by signal $((rc - 128)): its counts are lost"
    elif [ "$rc" -eq 2 ]; then
        say "sim: the swarm refused to run (exit 2):"
        tail -n 5 "$OUT/logs/swarm.log" | sed 's/^/    /'
    fi
    say "sim: swarm: $(head -n 1 "$OUT/logs/swarm.log")"
else
    say "sim: this hasim has no 'swarm' command yet: skipping the swarm (scenarios only)"
fi
capture sim
rm -rf "$OUT/logs/traces"
"${GENHTML[@]}" --title "hasim core (src/): scenario library + swarm" --output-directory \
    "$OUT/sim" "$OUT/sim.info" || die "genhtml (sim) failed"

# ---- numbers, threshold -----------------------------------------------------
"$PYTHON" tools/report_lcov.py --unit "$OUT/unit.info" --sim "$OUT/sim.info" \
    --json "$REPORTS/coverage.json" --lines-min "$LINES_MIN" --branches-min "$BRANCHES_MIN" \
    --swarm "$swarm_note" --scenarios "$scn_note"
rc=$?
[ "$rc" -eq 2 ] && exit 2
say "HTML: $OUT/unit/index.html, $OUT/sim/index.html ($(($(date +%s) - t_start)) s)"
if [ "$crashed" -ne 0 ]; then
    say "FAIL: a process died by a signal (see above): its coverage is missing"
    exit 1
fi
exit "$rc"
