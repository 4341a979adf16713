#!/usr/bin/env bash
# Fuzz the parsers with libFuzzer (clang, ASan+UBSan).
#   tools/fuzz.sh short   a few seconds each (make check)
#   tools/fuzz.sh long    ten minutes each (make fuzz), or FUZZ_SECONDS=N
# Six targets, FUZZ_JOBS (default JOBS, 2) at a time.
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
  [run]="$sim_all src/*.c -ljansson -lmicrohttpd -lcurl"
  [trace]="$(ls sim/trace/*.c sim/judge/*.c sim/lang/*.c | tr '\n' ' ') -ljansson"
  [ncs]="$(ls sim/ncs/*.c sim/trace/*.c sim/judge/*.c sim/lang/*.c sim/engine/*.c | tr '\n' ' ') -ljansson"
  [notes]="sim/ncs/ncs_notes.c $(ls sim/lang/*.c | tr '\n' ' ')"
  [faults]="sim/blackbox/bb_faults.c $(ls sim/lang/*.c | tr '\n' ' ')"
)
# One target: build it, seed a copy of its corpus, fuzz it. Prints what it
# found; its exit status is the target's.
fuzz_one() { # name
  local name=$1 bin=$out/fuzz_$1 work=$out/corpus_$1 dict=""
  # shellcheck disable=SC2086
  $CLANG $flags fuzz/fuzz_$name.c ${SOURCES[$name]} -o "$bin" || return 1
  rm -rf "$work"; mkdir -p "$work"
  cp fuzz/corpus_$name/* "$work"/ 2>/dev/null || true
  if [ "$name" = scn ] || [ "$name" = run ]; then cp scenarios/*.scn "$work"/ 2>/dev/null || true; fi
  echo "fuzz: $name for ${secs}s"
  [ -f "fuzz/$name.dict" ] && dict="-dict=$PWD/fuzz/$name.dict"
  [ "$name" = run ] && dict="-dict=$PWD/fuzz/scn.dict"
  [ "$name" = notes ] && dict="-dict=$PWD/fuzz/scn.dict"
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$name" $dict -max_total_time="$secs" \
        -max_len=65536 -print_final_stats=0 "corpus_$name" >"fuzz_$name.log" 2>&1); then
    echo "fuzz: $name FAILED; reproduce with: $bin $out/crash-*"
    tail -40 "$out/fuzz_$name.log"
    return 1
  fi
  grep -E '^(Done|#[0-9]+.*DONE)' "$out/fuzz_$name.log" | tail -1 || true
}

# FUZZ_JOBS targets at a time (default JOBS, 2): each is one process for
# its whole time, so two cores fuzz two targets in the time of one. What
# each printed is shown in the targets' order once all are done.
jobs=${FUZZ_JOBS:-${JOBS:-2}}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_JOBS=$jobs: want a whole number > 0" >&2; exit 2; }
targets=(scn trace run ncs notes faults)
for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  rm -f "$out/fuzz_$name.status"
  ( set +e; fuzz_one "$name" >"$out/fuzz_$name.out" 2>&1; echo $? >"$out/fuzz_$name.status" ) &
done
wait || true
status=0
for name in "${targets[@]}"; do
  cat "$out/fuzz_$name.out" 2>/dev/null || true
  rc=$(cat "$out/fuzz_$name.status" 2>/dev/null || echo 1)
  if [ "$rc" != 0 ]; then
    echo "fuzz: $name FAILED (exit $rc; see above and $out/fuzz_$name.log)" >&2
    status=1
  fi
done
exit $status
