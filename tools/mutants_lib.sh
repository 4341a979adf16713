# mutants_lib.sh -- the mutants of tools/mutants.tsv, for tools/mutate.sh and
# tests/planted_bug.sh (sourced, not run).
#
#   mutants_read [TABLE]   fills MUTANT_IDS (table order), MUTANT_WHAT[id] and
#                          MUTANT_EDITS[id] (lines "FILE<tab>OLD<tab>NEW");
#                          consecutive lines with one id are one mutant.
#                          Returns 2 (with a message) when the table is broken.
#   mutant_apply DIR ID    applies ID's edits to the copy DIR/src (DIR holds a
#                          copy of src/); sets MUTANT_FILES to the files it
#                          changed (src/...). Returns 2 (with a message) when
#                          an edit's text is missing or changes nothing.

declare -a MUTANT_IDS=() MUTANT_FILES=()
declare -A MUTANT_WHAT=() MUTANT_EDITS=()

mutants_read() {
  local table=${1:-tools/mutants.tsv} id file old new why prev=""
  MUTANT_IDS=()
  MUTANT_WHAT=()
  MUTANT_EDITS=()
  while IFS=$'\t' read -r id file old new why; do
    [ -z "$id" ] || [ "${id:0:1}" = "#" ] && continue
    if [ "$id" != "$prev" ]; then
      if [ -n "${MUTANT_WHAT[$id]+x}" ]; then
        echo "mutants: $id appears twice, apart: the lines of a mutant must be consecutive ($table)" >&2
        return 2
      fi
      MUTANT_IDS+=("$id")
      MUTANT_WHAT[$id]=$why
      MUTANT_EDITS[$id]=""
    fi
    if [ -z "$file" ] || [ -z "$old" ] || [ -z "$new" ]; then
      echo "mutants: $id: a line needs a file, a text and a replacement ($table)" >&2
      return 2
    fi
    MUTANT_EDITS[$id]+="$file"$'\t'"$old"$'\t'"$new"$'\n'
    prev=$id
  done <"$table"
  return 0
}

# The first occurrence of OLD in FILE becomes NEW (\n in either is a newline).
mutant_edit() { # file old new
  OLD="$2" NEW="$3" perl -0pi -e '
      BEGIN { ($o, $n) = ($ENV{OLD}, $ENV{NEW}); $o =~ s/\\n/\n/g; $n =~ s/\\n/\n/g; }
      $found = s/\Q$o\E/$n/; END { exit($found ? 0 : 3) }' "$1"
}

mutant_apply() { # dir id
  local dir=$1 id=$2 file old new f
  MUTANT_FILES=()
  if [ -z "${MUTANT_EDITS[$id]+x}" ]; then
    echo "mutants: no mutant $id in the table" >&2
    return 2
  fi
  while IFS=$'\t' read -r file old new; do
    [ -z "$file" ] && continue
    if ! mutant_edit "$dir/$file" "$old" "$new"; then
      echo "mutants: $id: text not found in $file -- fix tools/mutants.tsv" >&2
      return 2
    fi
    [[ " ${MUTANT_FILES[*]} " == *" $file "* ]] || MUTANT_FILES+=("$file")
  done <<<"${MUTANT_EDITS[$id]}"
  for f in "${MUTANT_FILES[@]}"; do
    if cmp -s "$f" "$dir/$f"; then
      echo "mutants: $id: the edits of $f change nothing -- fix tools/mutants.tsv" >&2
      return 2
    fi
  done
  return 0
}
