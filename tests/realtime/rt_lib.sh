# rt_lib.sh -- what the shell checks of hasim-rt share (sourced by
# tests/checks.d/rt_harden.sh and tools/soak.sh): runs started in the
# background with their pids recorded, and what a run may have left: its
# processes (by the pids it recorded, never by name), libfaketime's objects of
# those pids, temporary work directories and pid files, run records. Needs B
# (the build directory) and SPEED.
#
# A TMPDIR of our own: the runs' temporary work directories, pid files and
# records (hasim-rt-runs-UID/) are all in it, so what is left is ours to see.
rt_lib_init() { # NAME: TMP, TMPDIR, RUNS, PIDS, and the traps that end our runs
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  export TMPDIR=$TMP
  RUNS=$TMP/hasim-rt-runs-$(id -u)
  PIDS=()
  trap rt_lib_cleanup EXIT
  trap 'exit 2' INT TERM
}
rt_lib_cleanup() {
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}

# start NAME SCENARIO [options...]: one run in the background, PID_NAME its pid.
start() {
  local name=$1 scn=$2; shift 2
  "$B/hasim-rt" run --speed "$SPEED" --pids "$TMP/$name.pids" "$@" "$scn" \
    >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=("$!")
  eval "PID_$name=$!"
}

# alive NAME: the processes of the run still alive (a reused pid is not ours:
# its command line must say hasim).
alive() {
  local p out=""
  [ -f "$TMP/$1.pids" ] || return 0
  while read -r p _; do
    if kill -0 "$p" 2>/dev/null && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q hasim; then
      out="$out $p"
    fi
  done <"$TMP/$1.pids"
  echo "$out"
}

# residue NAME: what the run left: processes, faketime objects of its pids,
# temporary work directories, temporary pid files, run records.
residue() {
  local p out
  out=$(alive "$1")
  [ -f "$TMP/$1.pids" ] && while read -r p _; do
    for f in /dev/shm/faketime_shm_"$p" /dev/shm/sem.faketime_sem_"$p"; do
      [ -e "$f" ] && out="$out $f"
    done
  done <"$TMP/$1.pids"
  for f in "$TMP"/hasim-rt.* "$TMP"/hasim-rt-pids.* "$RUNS"/*.run; do
    [ -e "$f" ] && out="$out $f"
  done
  echo "$out"
}

# until_gone NAME SECONDS: waits for the run's processes to end.
until_gone() {
  local i
  for i in $(seq $(($2 * 10))); do
    [ -z "$(alive "$1")" ] && return 0
    sleep 0.1
  done
  return 1
}

port_of() { # NAME: the REST front's port, once it says
  local port="" i
  for i in $(seq 100); do
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/$1.err" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}

