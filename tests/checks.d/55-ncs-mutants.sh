#!/usr/bin/env bash
# make check: the NCS judge (hasim check --ncs) is sound on broken cores.
# After 50-mutate has built a hasim per mutant of src/ (build/mutants/*/hasim),
# the library runs under each one with --ncs-dir and every callback log is
# judged from outside; each rule the NCS judge proves broken must be one the
# trace oracle, which sees everything, also saw broken (tools/ncs_soundness.py;
# about 20 s). A floor on how many failing runs it catches keeps a judge that
# finds nothing from passing; a judge that accuses every log (a negative
# control) must be caught.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ncs-mutants: ok: $*"; }
bad() { failed=$((failed + 1)); echo "ncs-mutants: FAILED: $*"; }
if ! ls build/mutants/m*/hasim >/dev/null 2>&1; then
    bash tools/mutate.sh --harness-only >/dev/null 2>&1 || { bad "tools/mutate.sh did not build the mutants"; }
fi
out=$($PY tools/ncs_soundness.py 2>&1); rc=$?
printf '%s\n' "$out" | tail -12
[ $rc -eq 0 ] && ok "no unsound finding on any mutant's logs" || bad "tools/ncs_soundness.py exit $rc"

# Negative control: a judge that proves R5 broken on every log.
work=$(mktemp -d "${TMPDIR:-/tmp}/hasim-ncsmut.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/liar" <<'EOS'
#!/bin/sh
echo "FAIL  session x (channel y): 1 notices"
echo "  violations (proved by the log):"
echo "  R5  x:1: a 4th activation"
exit 1
EOS
chmod +x "$work/liar"
out=$($PY tools/ncs_soundness.py --first 3 "$work/liar" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "the NCS judge proved \[5\]"; then
    ok "a judge that accuses every log is caught"
else
    bad "the negative control was not caught: exit $rc: $(printf '%s\n' "$out" | tail -1)"
fi
echo "ncs-mutants: $passed passed, $failed failed"
[ $failed -eq 0 ]
