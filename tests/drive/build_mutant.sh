#!/usr/bin/env bash
# build_mutant.sh -- an hasim-rt (and an hasim) with one planted bug of
# tools/mutants.tsv, for the black-box tests (tests/checks.d/35-drive.sh).
#
#   tests/drive/build_mutant.sh ID OUTDIR
#
# The mutant is applied to a copy of src/ (tools/mutants_lib.sh, the edits
# `make mutate` applies), compiled, and linked with the real build's
# runtime objects and simulator (build/gcc-O2, built first by the caller:
# make hasim runtime); the real hasim-agent and hasim-recorder are copied
# next to it, where hasim-rt looks for them. Only mutants of src/*.c files:
# a header mutant would need every object rebuilt. Exit 0, or 2 with a
# message.
set -uo pipefail
cd "$(dirname "$0")/../.."
id=${1:?usage: build_mutant.sh ID OUTDIR}
out=${2:?usage: build_mutant.sh ID OUTDIR}
B=build/gcc-O2
for f in $B/libsim.a $B/hasim-agent $B/hasim-recorder $B/sim/cli/hasim_main.o \
         $B/rt/rt_main.o; do
  [ -e "$f" ] || { echo "build_mutant: $f is missing (make hasim runtime first)" >&2; exit 2; }
done
. tools/mutants_lib.sh
mutants_read || exit 2
[ -n "${MUTANT_WHAT[$id]+x}" ] || { echo "build_mutant: no mutant $id in tools/mutants.tsv" >&2; exit 2; }
rm -rf "$out"; mkdir -p "$out/obj"
cp -r src "$out/src"
mutant_apply "$out" "$id" || exit 2
for f in "${MUTANT_FILES[@]}"; do
  [[ $f == *.c ]] || { echo "build_mutant: $id edits $f, a header: not supported here" >&2; exit 2; }
done
flags="-std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -w"
for c in "$out"/src/*.c; do
  gcc $flags -I"$out/src" -c "$c" -o "$out/obj/$(basename "$c" .c).o" || exit 2
done
rt_objs=()
for o in $B/rt/*.o; do
  case $(basename "$o") in rt_agent.o|rt_recorder.o) ;; *) rt_objs+=("$o") ;; esac
done
gcc "${rt_objs[@]}" $B/libsim.a "$out"/obj/*.o -lmicrohttpd -ljansson -lcurl -o "$out/hasim-rt" || exit 2
gcc $B/sim/cli/hasim_main.o $B/libsim.a "$out"/obj/*.o -ljansson -lmicrohttpd -lcurl -o "$out/hasim" || exit 2
cp $B/hasim-agent $B/hasim-recorder "$out/"
echo "build_mutant: $id (${MUTANT_WHAT[$id]}) in $out"
