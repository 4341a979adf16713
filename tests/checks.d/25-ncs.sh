#!/usr/bin/env bash
# make check: field incidents -- the service's callback log written, judged
# and imported (sim/ncs/, docs/incidents.md).
#
#  1. Round trip over the library: each scenario's callbacks (and REST calls),
#     written plainly and as the Notification Center misdelivers them
#     (repeats, late notices), must pass `hasim check --ncs`; `hasim import`
#     of each must give a scenario that passes and reproduces the log (the
#     same recordings, switches, UIDs, playlists and end, at the same times).
#  2. The incidents of scenarios/incidents/: the verdict each ticket expects,
#     the committed scenario is what `hasim import` writes today, and it runs.
#  3. Bad input: each tests/bad_ncs/ fixture gets its message (exit 2), from
#     check and from import; warnings for what is skipped; a line too long;
#     notes with a bad time or action, at their line and column.
#  4. Bounded memory: a 256 MB log judged under a 200 MB address-space limit.
set -uo pipefail
cd "$(dirname "$0")/../.."
HASIM=${HASIM:-build/gcc-O2/hasim}
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "ncs: FAILED: $*"; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# ---- 1. the round trip ------------------------------------------------------
for how in plain resend; do
  extra=(); [ $how = resend ] && extra=(--ncs-resend)
  if "$HASIM" run -q scenarios/ --ncs-dir "$T/$how" "${extra[@]}" >/dev/null 2>&1; then ok
  else bad "hasim run scenarios/ --ncs-dir ($how) does not pass"; fi
  judged=0 imported=0 logs=0
  for f in "$T/$how"/*.ncs.jsonl; do
    b=${f%.ncs.jsonl}; logs=$((logs + 1))
    if out=$("$HASIM" check --ncs "$f" --api "$b.api.jsonl" -q 2>&1); then judged=$((judged + 1))
    else bad "$how: hasim check --ncs $(basename "$f") fails on a passing run:"; echo "$out" | head -8; fi
    if out=$("$HASIM" import "$f" --api "$b.api.jsonl" -o "$b.scn" 2>&1); then imported=$((imported + 1))
    else bad "$how: hasim import $(basename "$f"): $(echo "$out" | tail -1)"; fi
  done
  [ "$logs" -gt 0 ] && [ "$judged" -eq "$logs" ] && ok
  [ "$logs" -gt 0 ] && [ "$imported" -eq "$logs" ] && ok
  echo "ncs: round trip ($how): $logs logs, $judged pass the NCS judge, $imported imported scenarios reproduce them"
done

# ---- 2. the incidents ---------------------------------------------------------
n_inc=0
for d in scenarios/incidents/*/; do
  d=${d%/}; n_inc=$((n_inc + 1))
  want=$(cat "$d/expected")
  if [ -f "$d/callbacks.jsonl" ]; then
    api=(); [ -f "$d/api.jsonl" ] && api=(--api "$d/api.jsonl")
    out=$("$HASIM" check --ncs "$d/callbacks.jsonl" "${api[@]}" 2>/dev/null); rc=$?
    rules=$(printf '%s\n' "$out" | sed -n '/violations (proved/,/^  [a-z]/p' | sed -n 's/^  R\([0-9]*\) .*/R\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')
    case $want in
      pass) if [ $rc -eq 0 ] && [ -z "$rules" ]; then ok; else bad "$d: want a pass, got exit $rc ($rules)"; fi ;;
      fail*) if [ $rc -eq 1 ] && [ "fail $rules" = "$want" ]; then ok; else bad "$d: want '$want', got exit $rc ($rules)"; fi ;;
    esac
    # each proved finding points at a line of the log
    if [ $rc -eq 1 ]; then
      if printf '%s\n' "$out" | grep -q "^  R[0-9]* *$d/callbacks.jsonl:[0-9]*: "; then ok
      else bad "$d: the proved findings name no line of the log"; fi
    fi
    "$HASIM" import "$d/callbacks.jsonl" "${api[@]}" -o "$T/imported.scn" 2>"$T/err"; rc=$?
  else
    "$HASIM" import "$d/notes.txt" -o "$T/imported.scn" 2>"$T/err"; rc=$?
  fi
  if [ $rc -eq 0 ]; then ok; else bad "$d: hasim import exit $rc: $(tail -1 "$T/err")"; fi
  if diff -u "$d/incident.scn" "$T/imported.scn" >"$T/diff"; then ok
  else bad "$d/incident.scn is not what hasim import writes today (docs/incidents.md: regenerate it)"; head -20 "$T/diff"; fi
done
if out=$("$HASIM" run -q scenarios/incidents/*/incident.scn 2>&1); then ok
else bad "the incidents' scenarios do not pass:"; echo "$out" | tail -5; fi
[ "$n_inc" -ge 4 ] && ok || bad "fewer than 4 incidents in scenarios/incidents/"

# The late resume: from the callbacks alone R3 is only possible, with its line.
d=scenarios/incidents/03-late-resume-breaks-r3
out=$("$HASIM" check --ncs "$d/callbacks.jsonl" 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | sed -n '/possible violations/,$p' | grep -q "^  R3  $d/callbacks.jsonl:3: .*95000 ms"; then ok
else bad "$d without --api: want a pass with a possible R3 at line 3"; fi
# The same log on standard input (`--ncs -`): the same verdict, its lines
# named <stdin>:LINE.
out_stdin=$("$HASIM" check --ncs - <"$d/callbacks.jsonl" 2>/dev/null); rc_stdin=$?
if [ $rc_stdin -eq $rc ] && [ "$(printf '%s\n' "$out_stdin" | sed 's|<stdin>|'"$d/callbacks.jsonl"'|g')" = "$out" ]; then ok
else bad "$d: check --ncs - on standard input differs from check --ncs FILE"; fi
# A clean log passes and names the rules it could not decide.
out=$("$HASIM" check --ncs scenarios/incidents/01-kill-clean-failover/callbacks.jsonl 2>/dev/null)
if printf '%s\n' "$out" | grep -q "^PASS" && printf '%s\n' "$out" | grep -q "^    R11 replacement attempts are not notified"; then ok
else bad "a clean log: want PASS naming R11 among the rules it cannot decide"; fi
# --explore lists the readings and which reproduce the log.
out=$("$HASIM" import --explore scenarios/incidents/02-disconnect-switched-after-the-minute/callbacks.jsonl 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^  reproduces   disconnect" && printf '%s\n' "$out" | grep -q "^  differs      kill"; then ok
else bad "import --explore of incident 02: want the disconnect reading to reproduce and the kill one not"; echo "$out" | head; fi

# ---- 3. bad input -----------------------------------------------------------------
log=scenarios/incidents/01-kill-clean-failover/callbacks.jsonl
for f in tests/bad_ncs/*.jsonl; do
  want=$(cat "${f%.jsonl}.err")
  case $f in
    */api_*) got=$("$HASIM" check --ncs "$log" --api "$f" 2>&1 >/dev/null | head -1); rc=${PIPESTATUS[0]}
             got2=$("$HASIM" import "$log" --api "$f" -o "$T/x.scn" 2>&1 >/dev/null | head -1) ;;
    *)       got=$("$HASIM" check --ncs "$f" 2>&1 >/dev/null | head -1)
             got2=$("$HASIM" import "$f" -o "$T/x.scn" 2>&1 >/dev/null | head -1) ;;
  esac
  if [ "$got" = "$want" ]; then ok; else bad "check $f: '$got', want '$want'"; fi
  if [ "$got2" = "$want" ]; then ok; else bad "import $f: '$got2', want '$want'"; fi
done
for f in tests/bad_ncs/*.jsonl; do
  case $f in */api_*) "$HASIM" check --ncs "$log" --api "$f" >/dev/null 2>&1 ;; *) "$HASIM" check --ncs "$f" >/dev/null 2>&1 ;; esac
  [ $? -eq 2 ] && ok || bad "check $f: exit status not 2"
done
# A line too long, a fileList too long: messages, not crashes.
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/long.jsonl"; echo >>"$T/long.jsonl"
got=$("$HASIM" check --ncs "$T/long.jsonl" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$got" = "$T/long.jsonl:1: error: a line longer than 65536 bytes" ] && ok || bad "long line: $rc '$got'"
files=$(for i in $(seq 257); do printf '{"fileName":"f%d.m3u8"},' "$i"; done)
printf '{"noticeId":"x","productId":3,"eventType":31,"payload":{"cname":"r","uid":"5","sid":"s","sequence":0,"sendts":1,"details":{"fileList":[%s]}}}\n' "${files%,}" >"$T/files.jsonl"
got=$("$HASIM" check --ncs "$T/files.jsonl" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$got" = "$T/files.jsonl:1: error: payload.details.fileList has 257 files; at most 256 are taken" ] && ok || bad "long fileList: $rc '$got'"
# Skipped with a warning, not an error: an unknown event type, another product.
{ cat "$log"; echo '{"noticeId":"u1","productId":3,"eventType":77,"payload":{}}'; echo '{"noticeId":"u2","productId":9,"payload":7}'; } >"$T/skip.jsonl"
err=$("$HASIM" check --ncs "$T/skip.jsonl" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$err" | grep -q ":9: warning: an event type the service does not document" &&
   printf '%s\n' "$err" | grep -q ":10: warning: a notice of another product (noticeId u2, productId 9): skipped"; then ok
else bad "unknown event / other product: exit $rc, '$err'"; fi
# Notes: a bad time, a bad action -- at the notes' line and column.
printf 'mode composite\nchannel r users 1\n2026-11-02T10:00:00Z start\n2026-11-02T10:61:00Z kill\n' >"$T/n1.txt"
got=$("$HASIM" import "$T/n1.txt" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [[ "$got" == "$T/n1.txt:4:1: error: a time is YYYY-MM-DDThh:mm:ss[.mmm]Z"* ]] && ok || bad "notes bad time: $rc '$got'"
printf 'mode composite\nchannel r users 1\n2026-11-02T10:00:00Z start\n2026-11-02T10:00:05Z kil\n' >"$T/n2.txt"
got=$("$HASIM" import "$T/n2.txt" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [[ "$got" == "$T/n2.txt:4:22: error: unknown action 'kil'"* ]] && ok || bad "notes bad action: $rc '$got'"

# ---- 4. a big log, in bounded memory ------------------------------------------------
# 256 MB of one session's notices (900 000 lines), judged under a 200 MB
# address-space limit: the reader streams the file in blocks, and the judge
# keeps a bounded state per session.
awk 'BEGIN {
    f = "{\"noticeId\":\"n%d\",\"productId\":3,\"eventType\":42,\"notifyMs\":1,\"payload\":{\"cname\":\"big\",\"uid\":\"5\",\"sid\":\"bigsession\",\"sequence\":%d,\"sendts\":%d,\"serviceType\":1,\"details\":{\"startUtcMs\":1000,\"discontinueUtcMs\":1000,\"mixedAllUser\":true,\"streamUid\":\"0\",\"trackType\":\"audio_and_video\"}}}\n"
    for (i = 0; i < 900000; i++) printf f, i, i, 1000 + i
}' >"$T/big.jsonl"
size=$(stat -c %s "$T/big.jsonl")
t0=$(date +%s)
out=$( (ulimit -v 200000; "$HASIM" check --ncs "$T/big.jsonl" -q) 2>&1); rc=$?
t1=$(date +%s)
if [ $rc -eq 0 ] && [ "$size" -gt 250000000 ]; then ok
else bad "a $size-byte log under a 200 MB limit: exit $rc: $(echo "$out" | tail -2)"; fi
echo "ncs: a $((size / 1000000)) MB log judged in $((t1 - t0)) s under a 200 MB address-space limit"
rm -f "$T/big.jsonl"

echo "ncs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
