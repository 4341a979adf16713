#!/usr/bin/env bash
# make mutate: build each mutant of src/ (tools/mutants.tsv) and give two
# scores, apart:
#
#   harness  the scenario library (hasim run scenarios/), then, for a mutant
#            the library did not kill, a fixed swarm (MUTATE_SWARM_RUNS runs,
#            default 20000, seed 1, 2 jobs). This is what users run against
#            their incidents; it must kill every mutant.
#   unit     the cmocka unit tests that link the core (tests/test_*.c whose
#            program holds ha_* code), linked against the mutant's objects.
#            Informative: a mutant only the unit tests kill is a gap of the
#            harness, to close with a scenario or an oracle check.
#
# A mutant is killed when a check fails (exit 1) or the program crashes (an
# assertion, exit >= 128, or a time-out); it survives when everything passes.
# One that ha_policy.h's compile-time cross-checks refuse is killed by the
# build, before either runs, and is counted apart.
#
#   tools/mutate.sh                   both scores (make mutate; minutes)
#   tools/mutate.sh --harness-only    the harness score only (make check)
#   tools/mutate.sh [--harness-only] m17 m45    only these mutants
#
# Mutants are applied to a copy of src/ under build/mutants/: nothing
# test-only ever enters the shipped code. Exit status: 0 when the harness
# killed every mutant, 1 when one survived it, 2 when the table or a build
# is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-gcc}
TIMEOUT=${MUTANT_TIMEOUT:-120}
SWARM_RUNS=${MUTATE_SWARM_RUNS:-20000}
unit=1
if [ "${1:-}" = "--harness-only" ]; then unit=0; shift; fi
only=" $* "
root=build/mutants
mkdir -p "$root"
flags="-std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -w"
t_start=$SECONDS

# The simulator and the unit tests do not change between mutants: compile
# them once. A mutant of a header recompiles the tests (core_harness.c reads
# the center's internals), not the simulator, which drives the core through
# ha.h's functions (the sizes of ha_policy.h it uses are no mutant's).
make -s -j2 CC="$CC" OPT=-O1 build/$CC-O1/libsim.a build/$CC-O1/libha.a \
    build/$CC-O1/sim/cli/hasim_main.o >/dev/null || exit 2
libsim=build/$CC-O1/libsim.a
main=build/$CC-O1/sim/cli/hasim_main.o
base=$root/base
rm -rf "$base"; mkdir -p "$base/src" "$base/tests"
for c in src/*.c; do
  $CC $flags -Isrc -c "$c" -o "$base/src/$(basename "$c" .c).o" || exit 2
done
# The unit tests that link the core: the others cannot see a mutant.
unit_tests=()
compile_tests() { # include-dir out-dir
  local inc=$1 out=$2 t
  $CC $flags -I"$inc" -Isim -Itests -c tests/core_harness.c -o "$out/core_harness.o" || return 1
  for t in "${unit_tests[@]}"; do
    $CC $flags -I"$inc" -Isim -Itests -c "tests/$t.c" -o "$out/$t.o" || return 1
  done
}
if [ $unit -eq 1 ]; then
  make -s -j2 CC="$CC" OPT=-O1 tests >/dev/null || exit 2
  for t in build/$CC-O1/tests/test_*; do
    # (grep -c, not -q: with pipefail, nm killed by SIGPIPE would fail it)
    [ -x "$t" ] && [ "$(nm "$t" | grep -c ' T ha_')" -gt 0 ] && unit_tests+=("$(basename "$t")")
  done
  compile_tests src "$base/tests" || exit 2
fi

. tools/mutants_lib.sh
mutants_read || exit 2
for id in $only; do
  [ -n "${MUTANT_WHAT[$id]+x}" ] || { echo "mutate: no mutant $id in tools/mutants.tsv" >&2; exit 2; }
done

total=0 refused=0 h_killed=0 h_lib=0 h_swarm=0 u_killed=0
h_surv=() u_only=() u_surv=()
for id in "${MUTANT_IDS[@]}"; do
  [ "$only" != "  " ] && [[ "$only" != *" $id "* ]] && continue
  total=$((total + 1))
  dir=$root/$id
  rm -rf "$dir"; mkdir -p "$dir"
  cp -r src "$dir/src"
  mutant_apply "$dir" "$id" || exit 2
  changed=("${MUTANT_FILES[@]}")

  # Objects: the edited .c files, or every file when a header changed.
  header=0
  for f in "${changed[@]}"; do [[ $f == *.h ]] && header=1; done
  objs=() ok=1
  for c in src/*.c; do
    o=$base/src/$(basename "$c" .c).o
    if [ $header -eq 1 ] || [[ " ${changed[*]} " == *" $c "* ]]; then
      o=$dir/$(basename "$c" .c).o
      $CC $flags -I"$dir/src" -c "$dir/$c" -o "$o" 2>>"$dir/build.log" || ok=0
    fi
    objs+=("$o")
  done
  if [ $ok -eq 0 ] || ! $CC "$main" "$libsim" "${objs[@]}" -ljansson -o "$dir/hasim" 2>>"$dir/build.log"; then
    if grep -q "static assertion failed" "$dir/build.log"; then
      # The policy's own cross-checks (ha_policy.h) refused it: killed
      # before anything could run it.
      refused=$((refused + 1)); h_killed=$((h_killed + 1)); u_killed=$((u_killed + 1))
      printf 'refused  %-4s %s\n         by the build: %s\n' "$id" "${MUTANT_WHAT[$id]}" \
        "$(grep -m1 -o 'static assertion failed: .*' "$dir/build.log" | cut -c1-100)"
      continue
    fi
    echo "mutate: $id: does not build (see $dir/build.log)" >&2
    exit 2
  fi

  # (a) the harness: the library, then the swarm.
  (timeout "$TIMEOUT" "$dir/hasim" run -q scenarios/ >"$dir/run.log" 2>&1; exit $?) 2>/dev/null
  rc=$?
  by=""
  if [ $rc -ne 0 ]; then
    h_lib=$((h_lib + 1))
    by="library: $(grep -m1 -E '^ +(R[0-9]+|NCS|EXPECT|TRACE)|^FAIL .*, crashed: ' "$dir/run.log" |
          sed 's/^ *//; s/^FAIL  \([^ ]*\)  (seed [0-9]*, crashed: \(.*\))$/\1 crashed: \2/' | cut -c1-110)"
    [ $rc -ge 124 ] && by="library: exit $rc (crash, assertion or time-out)"
  else
    (timeout "$TIMEOUT" "$dir/hasim" swarm --runs "$SWARM_RUNS" --seed 1 --jobs 2 -q >"$dir/swarm.log" 2>&1; exit $?) 2>/dev/null
    rc=$?
    if [ $rc -ne 0 ]; then
      h_swarm=$((h_swarm + 1))
      by="swarm: $(grep -m1 '^FAIL run' "$dir/swarm.log" | cut -c1-100)"
      [ $rc -ge 124 ] && by="swarm: exit $rc (crash, assertion or time-out)"
    fi
  fi
  if [ -n "$by" ]; then
    h_killed=$((h_killed + 1)); verdict=killed
  else
    h_surv+=("$id  ${MUTANT_WHAT[$id]}"); verdict=SURVIVED
  fi
  printf '%-8s %-4s %s\n         harness: %s\n' "$verdict" "$id" "${MUTANT_WHAT[$id]}" "${by:-every scenario and $SWARM_RUNS swarm runs passed}"

  # (b) the unit tests, linked against the mutant's objects.
  [ $unit -eq 1 ] || continue
  tdir=$base/tests
  if [ $header -eq 1 ]; then
    tdir=$dir/tests; mkdir -p "$tdir"
    compile_tests "$dir/src" "$tdir" 2>>"$dir/build.log" || { echo "mutate: $id: tests do not build (see $dir/build.log)" >&2; exit 2; }
  fi
  ukill=""
  for t in "${unit_tests[@]}"; do
    if ! $CC "$tdir/$t.o" "$tdir/core_harness.o" "$libsim" "${objs[@]}" -lcmocka -ljansson \
        -o "$dir/$t" 2>>"$dir/build.log"; then
      echo "mutate: $id: $t does not link (see $dir/build.log)" >&2; exit 2
    fi
    (timeout "$TIMEOUT" "$dir/$t" >"$dir/$t.log" 2>&1; exit $?) 2>/dev/null || ukill+=" $t"
  done
  if [ -n "$ukill" ]; then
    u_killed=$((u_killed + 1))
    [ -z "$by" ] && u_only+=("$id  ${MUTANT_WHAT[$id]}")
  else
    u_surv+=("$id  ${MUTANT_WHAT[$id]}")
  fi
  echo "         unit:    ${ukill:+killed by$ukill}$([ -n "$ukill" ] || echo SURVIVED every unit test)"
done

secs=$((SECONDS - t_start))
echo
echo "mutants: $total ($refused refused at compile time by ha_policy.h's cross-checks)"
echo "harness score (library + swarm of $SWARM_RUNS runs, seed 1): $h_killed/$total killed" \
     "($h_lib by the library, $h_swarm by the swarm only, $refused refused by the build)"
for s in "${h_surv[@]+"${h_surv[@]}"}"; do echo "  survived the harness: $s"; done
if [ $unit -eq 1 ]; then
  echo "unit-test score (cmocka: ${unit_tests[*]}): $u_killed/$total killed"
  for s in "${u_only[@]+"${u_only[@]}"}"; do echo "  only the unit tests kill: $s"; done
  for s in "${u_surv[@]+"${u_surv[@]}"}"; do echo "  survived the unit tests: $s"; done
fi
echo "mutate: $h_killed passed, ${#h_surv[@]} failed (${secs} s)"
[ ${#h_surv[@]} -eq 0 ]
