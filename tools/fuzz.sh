#!/usr/bin/env bash
# Fuzz the parsers with libFuzzer (clang, ASan+UBSan).
#   tools/fuzz.sh short   a few seconds each (make check)
#   tools/fuzz.sh long    ten minutes each (make fuzz), or FUZZ_SECONDS=N
# The committed corpora (fuzz/corpus_*) seed each run and are not modified:
# runs work on copies under build/fuzz/. A crash leaves its input there and
# the reproducer command is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-short}
case "$mode" in
  short) secs=${FUZZ_SECONDS:-15} ;;
  long)  secs=${FUZZ_SECONDS:-600} ;;
  *) echo "usage: tools/fuzz.sh short|long" >&2; exit 2 ;;
esac
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null; then
  echo "fuzz: clang not found (make deps)" >&2; exit 1
fi
out=build/fuzz
mkdir -p "$out"
flags="-std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -Isrc -Isim -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

sim_all=$(ls sim/*/*.c | grep -v -e '^sim/cli/hasim_main.c' -e '^sim/runtime/' | tr '\n' ' ')
declare -A SOURCES=(
  [scn]="$(ls sim/lang/*.c | tr '\n' ' ')"
  [run]="$sim_all src/*.c -ljansson"
  [trace]="$(ls sim/trace/*.c sim/judge/*.c sim/lang/*.c | tr '\n' ' ') -ljansson"
  [ncs]="$(ls sim/ncs/*.c sim/trace/*.c sim/judge/*.c sim/lang/*.c sim/engine/*.c | tr '\n' ' ') -ljansson"
  [notes]="sim/ncs/ncs_notes.c $(ls sim/lang/*.c | tr '\n' ' ')"
)
status=0
for name in scn trace run ncs notes; do
  bin=$out/fuzz_$name
  # shellcheck disable=SC2086
  $CLANG $flags fuzz/fuzz_$name.c ${SOURCES[$name]} -o "$bin"
  work=$out/corpus_$name
  rm -rf "$work"; mkdir -p "$work"
  cp fuzz/corpus_$name/* "$work"/ 2>/dev/null || true
  if [ "$name" = scn ] || [ "$name" = run ]; then cp scenarios/*.scn "$work"/ 2>/dev/null || true; fi
  echo "fuzz: $name for ${secs}s"
  dict=""; [ -f "fuzz/$name.dict" ] && dict="-dict=$PWD/fuzz/$name.dict"
  [ "$name" = run ] && dict="-dict=$PWD/fuzz/scn.dict"
  [ "$name" = notes ] && dict="-dict=$PWD/fuzz/scn.dict"
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$name" $dict -max_total_time="$secs" \
        -max_len=65536 -print_final_stats=0 "corpus_$name" >"fuzz_$name.log" 2>&1); then
    echo "fuzz: $name FAILED; reproduce with: $bin $out/crash-*" >&2
    tail -40 "$out/fuzz_$name.log" >&2
    status=1
  else
    grep -E '^(Done|#[0-9]+.*DONE)' "$out/fuzz_$name.log" | tail -1 || true
  fi
done
exit $status
