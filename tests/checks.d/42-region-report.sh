#!/usr/bin/env bash
# make check: the region scenario's page (tools/report_region.py) and its two
# fleet pictures, from a run of scenarios/scale/rack_loss_2048_sessions.scn
# (the region's shape at 2 048 sessions: `make run` draws the 100 000-session
# one, too large for make check). The page must name the verdict and the
# activations the JSON holds, and every picture it shows must be a PNG on
# disk; a failed run gives exit 1 and FAIL, no JSON exit 2.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
HASIM=${HASIM:-build/gcc-O2/hasim}
PY=/usr/bin/python3
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "region_report: FAILED: $*"; }
T=$(mktemp -d) || { echo "region_report: 0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/ok" "$T/fail" "$T/none"
"$HASIM" run -q scenarios/scale/rack_loss_2048_sessions.scn --json "$T/ok/region.json" >/dev/null
rc=$?
[ "$rc" -eq 0 ] && ok || bad "hasim run: exit $rc"

MPLBACKEND=Agg "$PY" tools/report_region.py "$T/ok" >"$T/ok.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok || { bad "report_region.py: exit $rc, want 0"; cat "$T/ok.log"; }
page="$T/ok/region.html"
if [ -f "$page" ]; then
  ok
  grep -q '<td>verdict</td><td>PASS</td>' "$page" && ok || bad "the page does not say PASS"
  # The activations, counted here from the JSON, not by the script under test.
  n=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["activations"]))' \
      "$T/ok/region.json")
  [ "${n:-0}" -gt 0 ] && ok || bad "the run has no activations to draw"
  grep -q "<td>activations</td><td>$n: $n resumed," "$page" && ok ||
    bad "the page does not give the JSON's $n activations, all resumed"
  imgs=$(sed -n 's/.*<img src="\([^"]*\)".*/\1/p' "$page")
  [ "$(printf '%s\n' "$imgs" | grep -c .)" -eq 2 ] && ok || bad "the page shows $(printf '%s\n' "$imgs" | grep -c .) pictures, want 2"
  for img in $imgs; do
    f="$T/ok/$img"
    if [ -f "$f" ] && [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
       [ "$(wc -c <"$f")" -gt 2000 ]; then
      ok
    else
      bad "$img: not a PNG the page can show"
    fi
  done
else
  bad "no region.html"
fi

# A failed run: the page is written and says so, and the exit is 1.
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["runs"][0]["pass"]=False
d["runs"][0]["violation_count"]=3; json.dump(d, open(sys.argv[2], "w"))' \
  "$T/ok/region.json" "$T/fail/region.json"
MPLBACKEND=Agg "$PY" tools/report_region.py "$T/fail" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] && ok || bad "a failed run: exit $rc, want 1"
grep -q '<td>verdict</td><td>FAIL (3 violations)</td>' "$T/fail/region.html" 2>/dev/null && ok ||
  bad "a failed run's page does not say FAIL (3 violations)"

MPLBACKEND=Agg "$PY" tools/report_region.py "$T/none" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] && ok || bad "no region.json: exit $rc, want 2"

echo "region_report: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
