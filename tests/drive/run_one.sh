#!/usr/bin/env bash
# run_one.sh -- one scenario driven black-box against hasim-rt: the target
# started with the scenario's world (--serve), hasim drive pointed at it with
# ci/hasim-rt.faults.conf, the target stopped, and nothing of it left behind.
#
#   tests/drive/run_one.sh HASIM_RT_DIR SCENARIO OUTDIR [SPEED]
#
# HASIM_RT_DIR holds hasim-rt, hasim-agent and hasim-recorder (build/gcc-O2,
# or a planted bug's, tests/drive/build_mutant.sh). hasim is $HASIM
# (default build/gcc-O2/hasim). The two share one accelerated clock: the
# driver runs under libfaketime with the center's FAKETIME_SHARED (the
# shared start time libfaketime keeps in /dev/shm, named after the process
# that created it), so the calls' times and the callbacks' sendts are on
# the same clock, as a client's and a service's are (within NTP's skew).
#
# FAULTS=FILE uses another FAULTS.conf (default ci/hasim-rt.faults.conf).
# Writes OUTDIR/drive.out (the verdict), OUTDIR/logs/ (the observable log),
# OUTDIR/target.err; prints the driver's exit status as the last line
# "drive-exit N" and exits with it (3 when the harness itself broke:
# libfaketime missing, the target did not come up, a process left behind).
set -uo pipefail
cd "$(dirname "$0")/../.."
rtdir=${1:?usage: run_one.sh HASIM_RT_DIR SCENARIO OUTDIR [SPEED]}
scn=${2:?}
out=${3:?}
speed=${4:-20}
HASIM=${HASIM:-build/gcc-O2/hasim}
. tests/realtime/rt_lib.sh # rt_lib_libfaketime
LIBFT=$(rt_lib_libfaketime)
[ -n "$LIBFT" ] || { echo "run_one: libfaketime missing"; echo "drive-exit 3"; exit 3; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rm -rf "$out"; mkdir -p "$out"
export RT_DIR=$out/rt
api_port=$(free_port); cb_port=$(free_port)
"$rtdir/hasim-rt" run --serve --speed "$speed" --http "$api_port" \
    --notify "http://127.0.0.1:$cb_port/ncs" --workdir "$RT_DIR" --pids "$out/pids" \
    "$scn" >"$out/target.out" 2>"$out/target.err" &
target=$!
cpid=""
for _ in $(seq 200); do
  grep -q "REST front on" "$out/target.err" 2>/dev/null && \
    cpid=$(sed -n 's/^\([0-9]*\) center 0$/\1/p' "$out/pids" 2>/dev/null | head -1)
  [ -n "$cpid" ] && break
  kill -0 "$target" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$cpid" ]; then
  echo "run_one: the target did not come up:"; tail -3 "$out/target.err"
  kill -TERM "$target" 2>/dev/null; wait "$target"
  echo "drive-exit 3"; exit 3
fi
LD_PRELOAD=$LIBFT FAKETIME="+0 x$speed" FAKETIME_SHARED="/faketime_sem_$cpid /faketime_shm_$cpid" \
  "$HASIM" drive --target "http://127.0.0.1:$api_port/v1/apps/hasim/cloud_recording" \
  --notify-listen "127.0.0.1:$cb_port" --faults "${FAULTS:-ci/hasim-rt.faults.conf}" --log-dir "$out/logs" \
  --json "$out/drive.json" --junit "$out/drive.xml" "$scn" >"$out/drive.out" 2>"$out/drive.err"
rc=$?
kill -TERM "$target" 2>/dev/null
wait "$target"
# nothing of the target may be left: every pid it recorded is gone (a
# reused pid does not count: its command line must say hasim)
left=""
while read -r pid role _; do
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q hasim && left+=" $pid($role)"
done <"$out/pids"
if [ -n "$left" ]; then echo "run_one: left behind:$left"; echo "drive-exit 3"; exit 3; fi
echo "drive-exit $rc"
exit $rc
