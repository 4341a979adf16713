#!/usr/bin/env bash
# layers.sh -- which part of the tree may include which (make check runs it).
#
# Each folder of sim/ is a part; src/ is the core. A file may include headers
# of its own part and of the parts listed for it below, and nothing else of
# the tree. The table is the architecture (docs/architecture.md draws it):
# the core includes nothing of sim/; the language, the trace and the engine
# are leaves; the judge knows the trace and the language, never the core
# (the Makefile builds it without -Isrc as well); only the parts that drive
# the core see src/.
#
# An include is "part/file.h" (a part's header), "file.h" (a header of the
# same folder, or of src/ for the parts that may see the core) or a system
# header in <>. Prints each offence as FILE:LINE: error: ..., then one line
# "layers: N passed, M failed"; exit 1 when anything is out of place.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A MAY=(
  [src]=""
  [engine]=""
  [lang]=""
  [trace]=""
  [judge]="trace lang"
  [ncs]="judge trace lang engine"
  [drive]="src engine lang trace"
  [world]="drive src engine lang trace"
  [runtime]="ncs drive judge src engine lang trace"
  [run]="ncs world drive judge src engine lang trace"
  [search]="run ncs world drive judge src engine lang trace"
  [cli]="search run ncs world drive judge src engine lang trace"
)

passed=0
failed=0
offence() { echo "$1: error: $2"; failed=$((failed + 1)); }

check_file() { # file part
  local f=$1 part=$2 n=0 line inc first ok=1
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    inc=${BASH_REMATCH[1]}
    if [[ $inc == */* ]]; then
      first=${inc%%/*}
      if [[ $inc == ../* ]]; then
        offence "$f:$n" "includes \"$inc\" by a relative path (use \"part/file.h\")"; ok=0
      elif [ -z "${MAY[$first]+x}" ]; then
        offence "$f:$n" "includes \"$inc\": no part '$first' (sim/*/ or src/)"; ok=0
      elif [ "$first" != "$part" ] && [[ " ${MAY[$part]} " != *" $first "* ]]; then
        offence "$f:$n" "$part may not include $first (\"$inc\"): see tools/layers.sh"; ok=0
      fi
    elif [ -f "$(dirname "$f")/$inc" ]; then
      : # its own folder
    elif [ -f "src/$inc" ]; then
      if [ "$part" != src ] && [[ " ${MAY[$part]} " != *" src "* ]]; then
        offence "$f:$n" "$part may not include the core (\"$inc\")"; ok=0
      fi
    else
      offence "$f:$n" "includes \"$inc\", which is in neither its folder nor src/"; ok=0
    fi
  done < "$f"
  [ $ok -eq 1 ] && passed=$((passed + 1))
}

for f in src/*.c src/*.h; do
  [ -f "$f" ] && check_file "$f" src
done
for d in sim/*/; do
  part=$(basename "$d")
  if [ -z "${MAY[$part]+x}" ]; then
    offence "$d" "a part the layering table does not know: add it to tools/layers.sh"
    continue
  fi
  for f in "$d"*.c "$d"*.h; do
    [ -f "$f" ] && check_file "$f" "$part"
  done
done
for f in sim/*.c sim/*.h; do
  [ -f "$f" ] && offence "$f" "a file directly in sim/: every file belongs to a part"
done
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
