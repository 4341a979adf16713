#!/usr/bin/env bash
# make mutate: build each mutant of src/ (tools/mutants.tsv) and run the
# scenario library against it. A mutant is killed when the library fails
# (exit 1) or the mutant crashes (an assertion, exit >= 128); it survives
# when every scenario passes. Prints the score and the survivors.
#
# Mutants are applied to a copy of src/ under build/mutants/: nothing
# test-only ever enters the shipped code.
set -uo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-gcc}
TIMEOUT=${MUTANT_TIMEOUT:-60}
only=${1:-}
root=build/mutants
mkdir -p "$root"
flags="-std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -w"

# The simulator does not change between mutants: compile it once.
make -s -j2 CC="$CC" OPT=-O1 build/$CC-O1/libsim.a build/$CC-O1/sim/cli/hasim_main.o >/dev/null || exit 2
libsim=build/$CC-O1/libsim.a
main=build/$CC-O1/sim/cli/hasim_main.o

killed=0 survived=0 total=0
survivors=()
while IFS=$'\t' read -r id file old new what; do
  [ -z "$id" ] || [ "${id:0:1}" = "#" ] && continue
  [ -n "$only" ] && [ "$id" != "$only" ] && continue
  total=$((total + 1))
  dir=$root/$id
  rm -rf "$dir"; mkdir -p "$dir"
  cp -r src "$dir/src"
  if ! OLD="$old" NEW="$new" perl -0pi -e '
        BEGIN { ($o, $n) = ($ENV{OLD}, $ENV{NEW}); $o =~ s/\\n/\n/g; $n =~ s/\\n/\n/g; }
        $found = s/\Q$o\E/$n/; END { exit($found ? 0 : 3) }' "$dir/$file"; then
    echo "mutate: $id: text not found in $file -- fix tools/mutants.tsv" >&2
    exit 2
  fi

  objs=()
  ok=1
  for c in "$dir"/src/*.c; do
    o=$dir/$(basename "$c" .c).o
    $CC $flags -I"$dir/src" -c "$c" -o "$o" 2>>"$dir/build.log" || ok=0
    objs+=("$o")
  done
  if [ $ok -eq 0 ] || ! $CC "$main" "$libsim" "${objs[@]}" -ljansson -o "$dir/hasim" 2>>"$dir/build.log"; then
    if grep -q "static assertion failed" "$dir/build.log"; then
      # The policy's own cross-checks (ha_policy.h) refused it: killed
      # before it could run.
      killed=$((killed + 1))
      printf 'killed   %s  %s\n         by: %s\n' "$id" "$what" \
        "$(grep -m1 -o 'static assertion failed: .*' "$dir/build.log" | cut -c1-100)"
      continue
    fi
    echo "mutate: $id: does not build (see $dir/build.log)" >&2
    exit 2
  fi
  timeout "$TIMEOUT" "$dir/hasim" run -q scenarios/ >"$dir/run.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    survived=$((survived + 1)); survivors+=("$id  $what")
    printf 'SURVIVED %s  %s\n' "$id" "$what"
  else
    killed=$((killed + 1))
    how=$(grep -m1 -E '^ +(R[0-9]+|NCS|EXPECT|TRACE)' "$dir/run.log" | sed 's/^ *//' | cut -c1-110)
    [ $rc -ge 124 ] && how="exit $rc (crash, assertion or timeout)"
    printf 'killed   %s  %s\n         by: %s\n' "$id" "$what" "${how:-exit $rc}"
  fi
done < tools/mutants.tsv
echo
echo "mutation score: $killed/$total killed"
for s in "${survivors[@]+"${survivors[@]}"}"; do echo "  survivor: $s"; done
echo "mutate: $killed passed, $survived failed"
[ $survived -eq 0 ]
