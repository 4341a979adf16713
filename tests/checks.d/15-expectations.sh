#!/usr/bin/env bash
# make check: a scenario's own expectations, end to end through hasim run.
# Each tests/failing_expectations/*.scn must fail (exit 1) with exactly the
# failures its `# expect-failure: LINE:COL: MESSAGE` comments list, each a
# whole line: what was expected and what the run did instead. And `uid N`
# must reach the trace: the `session` and `started` lines of
# scenarios/r07_first_uid_given.scn carry the customer's UID.
set -uo pipefail
cd "$(dirname "$0")/../.."
HASIM=${HASIM:-build/gcc-O2/hasim}
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "expectations: FAILED: $*"; }

for f in tests/failing_expectations/*.scn; do
  out=$("$HASIM" run "$f" 2>&1)
  rc=$?
  [ "$rc" -eq 1 ] && ok || bad "$f: exit $rc, want 1"
  got=$(printf '%s\n' "$out" | sed -n "s|^      $f:\([0-9]*:[0-9]*: expectation failed: .*\)|\1|p")
  want=$(sed -n 's/^# expect-failure: //p' "$f")
  if [ -n "$want" ] && [ "$got" = "$want" ]; then
    ok
    echo "expectations: $f: $(printf '%s\n' "$want" | wc -l) failures, as listed"
  else
    bad "$f: the failures differ from its expect-failure lines"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20
  fi
done

T=$(mktemp -d) || { echo "expectations: $passed passed, $((failed + 1)) failed"; exit 1; }
trap 'rm -rf "$T"' EXIT
scn=scenarios/r07_first_uid_given.scn
if "$HASIM" run -q --trace "$T/t.jsonl" "$scn" >/dev/null 2>&1; then ok; else bad "$scn does not pass"; fi
for kind in session started; do
  if grep "\"kind\":\"$kind\"" "$T/t.jsonl" | head -1 | grep -q '"uid":527841[,}]'; then ok
  else bad "$scn: the first $kind line does not carry uid 527841"; fi
done

# `--trace -`: the same trace on stdout, the verdict on stderr, no file "-".
H=$(cd "$(dirname "$HASIM")" && pwd)/$(basename "$HASIM")
if (cd "$T" && "$H" run --trace - "$OLDPWD/$scn" >t2.jsonl 2>err.txt) \
   && cmp -s "$T/t.jsonl" "$T/t2.jsonl" && grep -q '^PASS ' "$T/err.txt" && [ ! -e "$T/-" ]; then ok
else bad "run --trace -: stdout is not the trace, or the verdict is not on stderr"; fi
# ... and `hasim check -` judges a trace on standard input, as it does a file.
if "$HASIM" run --trace - "$scn" 2>/dev/null | "$HASIM" check - | grep -q '^PASS  <stdin>  (' \
   && ! printf '{"t_ms":0,"kind":"bogus"}\n' | "$HASIM" check - 2>"$T/err3" >/dev/null \
   && grep -q '^<stdin>:1:[0-9]*: error: unknown kind' "$T/err3"; then ok
else bad "check -: a trace on standard input is not judged, or its error is not at <stdin>:LINE:COL"; fi

echo "expectations: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
