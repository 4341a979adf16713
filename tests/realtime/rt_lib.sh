# rt_lib.sh -- what the shell checks of hasim-rt share (sourced by
# tests/checks.d/realtime.sh, rt_harden.sh, tests/drive/run_one.sh and
# tools/soak.sh): where libfaketime is, runs started in the
# background with their pids recorded, and what a run may have left: its
# processes (by the pids it recorded, never by name), libfaketime's objects of
# those pids, temporary work directories and pid files, run records. Needs B
# (the build directory) and SPEED.
#
# A TMPDIR of our own: the runs' temporary work directories, pid files and
# records (hasim-rt-runs-UID/) are all in it, so what is left is ours to see.
# rt_lib_libfaketime: the libfaketimeMT.so.1 hasim-rt would preload, as
# sim/runtime/rt_main.c looks for it (HASIM_RT_LIBFAKETIME, else the Debian
# paths); status 1 when there is none.
rt_lib_libfaketime() {
  local f
  if [ -n "${HASIM_RT_LIBFAKETIME:-}" ]; then
    [ -r "$HASIM_RT_LIBFAKETIME" ] && echo "$HASIM_RT_LIBFAKETIME"
    return
  fi
  for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 \
           /usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1 \
           /usr/lib/faketime/libfaketimeMT.so.1 /usr/local/lib/faketime/libfaketimeMT.so.1; do
    [ -r "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

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

# faketime_left NAME: libfaketime's /dev/shm objects named after a pid of
# the run (a killed process leaves them).
faketime_left() {
  local p f out=""
  [ -f "$TMP/$1.pids" ] || return 0
  while read -r p _; do
    for f in /dev/shm/faketime_shm_"$p" /dev/shm/sem.faketime_sem_"$p"; do
      [ -e "$f" ] && out="$out $f"
    done
  done <"$TMP/$1.pids"
  echo "$out"
}

# residue NAME: what the run left: processes, faketime objects of its pids,
# temporary work directories, temporary pid files, run records.
residue() {
  local f out
  out="$(alive "$1")$(faketime_left "$1")"
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

