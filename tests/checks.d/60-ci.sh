#!/usr/bin/env bash
# make check: hasim in a user's CI (issue 14). Each check below failed on the
# tree before the issue was done; each says what it holds:
#
#   crash       a core with a planted assertion: `hasim run` of the library
#               still writes whole JUnit and JSON, names every crashing
#               scenario (signal, last trace lines, replay), and gives every
#               other scenario the verdict and fingerprint the real core gives
#   junit       what CI would emit from that JUnit: an ::error file=,line=
#               annotation per failure on a real scenario line, a job summary,
#               a GitLab Code Quality report; the workflows parse and publish
#               the files the commands write; hasim junit turns swarm failures
#               and explore failures into test cases with the replay command and
#               a shrunk scenario
#   paths       the library run from two checkout paths: the same fingerprints
#   malformed   a bad file in a directory is reported and the others run
#   shrink      an `expect` failing inside a disconnect window shrinks to a
#               scenario that fails the same way
#   diff        two seeds part after the header, not at line 1
#   make        make run exits 1 on a failed check, 0 on a pass, make report 2
#               on a broken input
#   report      a coverage or bench figure of another commit is said to be so;
#               the first screen says what broke first
#   docs        nothing points outside the repository; the man page covers
#               every command and hasim-rt
#
# Prints "ci: N passed, M failed"; exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
H=${HASIM:-build/gcc-O2/hasim}
PY=/usr/bin/python3
export MPLBACKEND=Agg
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ci: ok: $*"; }
bad() { failed=$((failed + 1)); echo "ci: FAILED: $*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hasim-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -x "$H" ] || make -s "$H" >/dev/null || { echo "ci: cannot build $H"; echo "ci: 0 passed, 1 failed"; exit 1; }
HABS=$(cd "$(dirname "$H")" && pwd)/$(basename "$H")
nscn=$(ls scenarios/*.scn | wc -l)

# A failing scenario: its expectation is wrong inside a disconnect window.
cat >"$work/expect_in_window.scn" <<'EOF'
scenario "a wrong expectation inside a disconnect window"
mode composite
channel room1 users 1001
seed 5
at 0s start
at 1m disconnect for 30s after detection
at 1m20s query expect 200
at 5m stop expect 200
EOF

# ---- crash: a core with a planted assertion ----------------------------------
# Every server that comes back (a healed link) trips it: about a third of the
# library, the others never get there. Built like tests/planted_bug.sh.
planted=$work/planted
mkdir -p "$planted"
cp -r src "$planted/src"
sed -i '/^static void on_server_up(/,/^{/ s/^{$/{ assert(!"planted crash: a server came back"); \/* planted *\//' \
    "$planted/src/ha_session.c"
if ! grep -q 'planted crash' "$planted/src/ha_session.c"; then
    bad "crash: the planted assertion found no place in src/ha_session.c (on_server_up moved?)"
elif ! gcc -std=c11 -O1 -D_POSIX_C_SOURCE=200809L -I"$planted/src" -Isim \
        $(ls sim/*/*.c | grep -v '^sim/runtime/') "$planted/src"/*.c -ljansson -lmicrohttpd -lcurl \
        -o "$planted/hasim" 2>"$planted/build.log"; then
    bad "crash: the planted build does not compile: $(head -3 "$planted/build.log")"
else
    P=$planted/hasim
    "$P" run -q scenarios/ --json "$work/crash.json" --junit "$work/crash.xml" \
        >"$work/crash.out" 2>"$work/crash.err"
    rc=$?
    "$H" run -q scenarios/ --json "$work/real.json" >/dev/null 2>&1
    if [ $rc -eq 1 ]; then ok "crash: hasim run on a crashing core exits 1 (not 134)"
    else bad "crash: hasim run on a crashing core exits $rc, not 1"; fi
    if out=$("$PY" - "$work/crash.json" "$work/crash.xml" "$work/real.json" "$nscn" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
crash, junit, real, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
d = json.load(open(crash))
runs = d["runs"]
assert len(runs) == n, "JSON lists %d runs of %d scenarios" % (len(runs), n)
crashed = [r for r in runs if "crash" in r]
assert crashed, "no run is marked as crashed"
for r in crashed:
    c = r["crash"]
    assert c["signal"] == 6, "%s: signal %s" % (r["path"], c["signal"])
    assert "planted crash" in c["message"], "%s: message %r" % (r["path"], c["message"])
    assert c["last_trace_lines"].count('"t_ms"') >= 3, "%s: no trace lines" % r["path"]
    assert c["replay"].startswith("hasim run --seed ") and c["replay"].endswith(r["path"])
fp = {r["path"]: r["fingerprint"] for r in json.load(open(real))["runs"]}
others = [r for r in runs if "crash" not in r]
for r in others:
    assert r["pass"], "%s failed on the planted core without crashing" % r["path"]
    assert r["fingerprint"] == fp[r["path"]], "%s: another trace than the real core's" % r["path"]
s = ET.parse(junit).getroot().find("testsuite")
assert int(s.get("tests")) == n, "JUnit has %s tests" % s.get("tests")
assert int(s.get("failures")) == len(crashed), "JUnit has %s failures" % s.get("failures")
cases = s.findall("testcase")
assert len(cases) == n and all(c.get("file") and c.get("line") and c.get("time") for c in cases)
print("%d scenarios: %d crashed, %d others judged as on the real core" % (n, len(crashed),
                                                                         len(others)))
EOF
    ); then ok "crash: whole JSON and JUnit: $out"; else bad "crash: $out"; fi
    names=$(grep -c '^FAIL  scenarios/.*crashed: killed by signal 6 (Aborted))$' "$work/crash.out")
    if [ "$names" -ge 1 ] && grep -q '^      replay: hasim run --seed ' "$work/crash.out" &&
        grep -q 'the last 8 trace lines' "$work/crash.out"; then
        ok "crash: $names crashing scenarios named, with their last trace lines and replay"
    else
        bad "crash: the output does not name the crashing scenarios: $(head -3 "$work/crash.out")"
    fi
    if ls "$work"/*.tmp >/dev/null 2>&1; then bad "crash: a .tmp output was left behind"
    else ok "crash: no temporary output left behind"; fi

    # ---- junit: what CI would emit from it ------------------------------------
    "$PY" ci/junit_annotate.py --github --summary "$work/summary.md" --gitlab "$work/cq.json" \
        "$work/crash.xml" >"$work/annotations.txt" 2>/dev/null
    if out=$("$PY" - "$work/annotations.txt" "$work/crash.xml" "$work/cq.json" "$work/summary.md" <<'EOF'
import json, os, re, sys, xml.etree.ElementTree as ET
ann, junit, cq, summary = sys.argv[1:5]
fails = [f for tc in ET.parse(junit).getroot().iter("testcase") for f in tc.findall("failure")]
lines = open(ann).read().splitlines()
assert len(lines) == len(fails), "%d annotations for %d failures" % (len(lines), len(fails))
for ln in lines:
    m = re.match(r"::error file=([^,]+),line=(\d+),title=[^:]+::(.+)$", ln)
    assert m, "not a workflow command: %r" % ln
    path, line = m.group(1), int(m.group(2))
    assert os.path.isfile(path) and not os.path.isabs(path), "no file %s" % path
    n = sum(1 for _ in open(path))
    assert 1 <= line <= n, "%s:%d is past its %d lines" % (path, line, n)
    assert "replay: hasim run --seed" in m.group(3), "no replay command in %r" % ln
report = json.load(open(cq))
assert len(report) == len(fails)
for r in report:
    assert os.path.isfile(r["location"]["path"]) and r["location"]["lines"]["begin"] >= 1
    assert r["fingerprint"] and r["severity"] and r["description"]
assert "failing" in open(summary).read()
print("%d annotations on scenario lines, %d Code Quality entries" % (len(lines), len(report)))
EOF
    ); then ok "junit: $out"; else bad "junit: annotations: $out"; fi

    # the swarm's failures as test cases: replay command and shrunk scenario
    "$P" swarm --runs 200 --seed 1 --jobs 2 -q --json "$work/swarm.json" >/dev/null 2>&1
    "$P" junit -o "$work/swarm.xml" --swarm "$work/swarm.json" --shrink-max 1 >/dev/null 2>&1
    rc=$?
    shrunk_rc=none
    if out=$("$PY" - "$work/swarm.json" "$work/swarm.xml" "$work/shrunk.scn" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
sw, junit, out = sys.argv[1:4]
failing = json.load(open(sw))["failing"]
cases = ET.parse(junit).getroot().find("testsuite").findall("testcase")
assert failing and len(cases) == len(failing), "%d cases, %d failing runs" % (len(cases), len(failing))
texts = [c.find("failure").text for c in cases]
assert all("replay: hasim replay --seed " in t for t in texts)
shrunk = [c for c in cases if c.find("system-out") is not None]
assert len(shrunk) == 1, "%d shrunk" % len(shrunk)
assert "it fails the same way" in shrunk[0].find("failure").text
open(out, "w").write(shrunk[0].find("system-out").text)
print("%d swarm failures as test cases, the first shrunk" % len(cases))
EOF
    ); then
        "$P" run -q "$work/shrunk.scn" >"$work/shrunk.out" 2>&1
        shrunk_rc=$?
        grep -q 'crashed: killed by signal 6' "$work/shrunk.out" || shrunk_rc="$shrunk_rc, no crash"
    fi
    if [ $rc -eq 1 ] && [ "$shrunk_rc" = 1 ]; then
        ok "junit: $out; the shrunk scenario still crashes the planted core"
    else
        bad "junit: hasim junit of a swarm (exit $rc, the shrunk scenario's run: $shrunk_rc): $out"
    fi
    # and explore's failing timelines, each pointing at its file
    "$P" explore -k 1 --duration 5m --jobs 2 -q --out "$work/explore" >/dev/null 2>&1
    "$P" junit -o "$work/explore.xml" --explore "$work/explore" --shrink-max 1 >/dev/null 2>&1
    rc=$?
    if out=$("$PY" - "$work/explore" "$work/explore.xml" <<'EOF'
import os, sys, xml.etree.ElementTree as ET
d, junit = sys.argv[1:3]
files = sorted(f for f in os.listdir(d) if f.endswith(".scn"))
cases = ET.parse(junit).getroot().find("testsuite").findall("testcase")
assert files and len(cases) == len(files), "%d cases, %d timelines" % (len(cases), len(files))
assert all(os.path.isfile(c.get("file")) and c.get("line") == "1" for c in cases)
assert all("replay: hasim run " + c.get("file") in c.find("failure").text for c in cases)
assert sum(c.find("system-out") is not None for c in cases) == 1
print("%d explore failures as test cases on their files, the first shrunk" % len(cases))
EOF
    ) && [ $rc -eq 1 ]; then ok "junit: $out"; else bad "junit: hasim junit of explore (exit $rc): $out"; fi
fi

# the workflows publish what the commands write
if out=$("$PY" - <<'EOF'
import fnmatch, yaml
gh = yaml.safe_load(open(".github/workflows/hasim.yml"))
steps = gh["jobs"]["check"]["steps"]
runs = " ".join(s.get("run", "") for s in steps)
written = ["reports/junit-scenarios.xml", "reports/junit-swarm.xml"]
ann = [s for s in steps if "ci/junit_annotate.py --github" in s.get("run", "")]
assert ann and "always()" in ann[0].get("if", ""), "no annotation step that always runs"
glob = ann[0]["run"].split()[-1]
assert all(fnmatch.fnmatch(w, glob) for w in written), glob
pub = [s for s in steps if "junit" in s.get("uses", "")]
assert pub and all(fnmatch.fnmatch(w, pub[0]["with"]["report_paths"]) for w in written)
up = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
assert up and up[-1]["with"]["path"].rstrip("/") == "reports" and "always()" in up[-1]["if"]
assert "make report" in runs and "hasim junit -o reports/junit-swarm.xml" in runs
gl = yaml.safe_load(open("ci/gitlab-ci.yml"))["check"]
rep = gl["artifacts"]["reports"]
assert all(fnmatch.fnmatch(w, rep["junit"]) for w in written)
assert any("--gitlab " + rep["codequality"] in c for c in gl["after_script"])
assert "reports/" in gl["artifacts"]["paths"] and gl["artifacts"]["when"] == "always"
print("GitHub: annotations, JUnit check run, report artifact; GitLab: JUnit, Code Quality")
EOF
); then ok "junit: workflows: $out"; else bad "junit: workflows: $out"; fi

# ---- paths: fingerprints from two checkout paths --------------------------------
mkdir -p "$work/a/scenarios" "$work/second checkout/deep/hasim/scenarios"
cp scenarios/*.scn "$work/a/scenarios/"
cp scenarios/*.scn "$work/second checkout/deep/hasim/scenarios/"
fps() { sed -n 's/^\(PASS\|FAIL\)  \(.*\)  (seed .*, trace \([0-9a-f]*\))$/\2 \3/p' |
        sed 's|^.*/||' | sort; }
one=$(cd "$work/a" && "$HABS" run scenarios/ 2>/dev/null | fps)
two=$("$H" run "$work/second checkout/deep/hasim/scenarios" 2>/dev/null | fps)
here=$("$H" run ./scenarios/ 2>/dev/null | fps)
if [ "$(printf '%s\n' "$one" | grep -c .)" -eq "$nscn" ] && [ "$one" = "$two" ] && [ "$one" = "$here" ]; then
    ok "paths: $nscn fingerprints equal from three checkout paths"
else
    bad "paths: fingerprints differ between checkout paths"
    diff <(printf '%s\n' "$one") <(printf '%s\n' "$two") | head -5
fi

# ---- malformed: one bad file in a directory -------------------------------------
mkdir -p "$work/mixed" "$work/empty"
cp scenarios/r01_kill_resumes_elsewhere.scn scenarios/r12_stop_inside_window.scn "$work/mixed/"
cp tests/bad_scenarios/time_backwards.scn "$work/mixed/b_bad.scn"
"$H" run "$work/mixed" --json "$work/mixed.json" >"$work/mixed.out" 2>"$work/mixed.err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$work/mixed.err")" -eq 1 ] &&
    grep -q "^$work/mixed/b_bad.scn:4:4: error: " "$work/mixed.err" &&
    [ "$(grep -c '^PASS' "$work/mixed.out")" -eq 2 ] &&
    grep -qx '3 scenarios: 2 passed, 0 failed, 1 malformed' "$work/mixed.out" &&
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["runs"])==2 and d["malformed"][0]["line"]==4' "$work/mixed.json"; then
    ok "malformed: reported at its FILE:LINE:COL, the 2 others ran, exit 2"
else
    bad "malformed: exit $rc: $(cat "$work/mixed.err" "$work/mixed.out" | head -5 | tr '\n' ' ')"
fi
"$H" run "$work/empty" >/dev/null 2>"$work/empty.err"
rc=$?
single=$("$H" run scenarios/r01_kill_resumes_elsewhere.scn 2>&1 | tail -1)
if [ $rc -eq 2 ] && grep -q 'the directory has no scenarios' "$work/empty.err" &&
    [ "$single" = "1 scenario: 1 passed, 0 failed" ]; then
    ok "malformed: an empty directory says so; '$single'"
else
    bad "malformed: empty directory exit $rc '$(cat "$work/empty.err")', '$single'"
fi

# ---- shrink: an expect failing inside a disconnect window -------------------------
if "$H" shrink -q "$work/expect_in_window.scn" -o "$work/min.scn" 2>"$work/shrink.err"; then
    "$H" run "$work/min.scn" >"$work/min.out" 2>&1
    rc=$?
    want="EXPECT: query of session 1 got 404 inside an HA window; the scenario expected 200"
    if [ $rc -eq 1 ] && grep -qF "$want" "$work/min.out" &&
        grep -q '^at .* start$' "$work/min.scn" && grep -q '^at .* disconnect' "$work/min.scn" &&
        grep -qF '# It fails the same way: EXPECT on session 1: query got 404 inside an HA window, expected 200' "$work/min.scn"; then
        ok "shrink: $(grep -c '^at ' "$work/min.scn") actions, failing as the original did, signature stated"
    else
        bad "shrink: the shrunk scenario fails otherwise (exit $rc):"
        sed 's/^/    /' "$work/min.scn" "$work/min.out" | head -20
    fi
else
    bad "shrink: hasim shrink failed: $(head -3 "$work/shrink.err")"
fi

# ---- diff: two seeds part in behaviour, not at the header -------------------------
"$H" run -q --seed 1 --trace "$work/d1.jsonl" scenarios/r01_kill_resumes_elsewhere.scn >/dev/null
"$H" run -q --seed 2 --trace "$work/d2.jsonl" scenarios/r01_kill_resumes_elsewhere.scn >/dev/null
"$H" diff "$work/d1.jsonl" "$work/d2.jsonl" >"$work/diff.out"
rc=$?
at=$(sed -n 's/^runs part in behaviour at line \([0-9]*\)$/\1/p' "$work/diff.out")
"$H" diff "$work/d1.jsonl" "$work/d1.jsonl" >/dev/null
same=$?
if [ $rc -eq 1 ] && [ -n "$at" ] && [ "$at" -gt 1 ] && grep -q '^headers (the run lines) differ' "$work/diff.out" &&
    grep -q '^from there on: A has' "$work/diff.out" && grep -q "^+ $at " "$work/diff.out" && [ $same -eq 0 ]; then
    ok "diff: two seeds part at line $at, after the header, with context and a summary"
else
    bad "diff: exit $rc, parting '$at': $(head -3 "$work/diff.out" | tr '\n' ' ')"
fi

# ---- make: exit codes of make run and make report -------------------------------
mkdir -p "$work/mk-fail" "$work/mk-pass" "$work/mk-bad"
cp "$work/expect_in_window.scn" "$work/mk-fail/"
cp scenarios/r01_kill_resumes_elsewhere.scn "$work/mk-pass/"
echo '{broken' >"$work/mk-bad/scenarios.json"
# REGION=0: the region scenario (a minute of the two runs) says nothing of exit codes.
mkrun() { REPORTS=$1 SCENARIOS=$2 SWARM_RUNS=20 RUN_COVERAGE=0 REGION=0 make run >"$1.log" 2>&1; }
mkrun "$work/rep-fail" "$work/mk-fail"; rf=$?
mkrun "$work/rep-pass" "$work/mk-pass"; rp=$?
REPORTS="$work/mk-bad" make report >/dev/null 2>&1; rb=$?
if [ $rf -eq 1 ] && [ $rp -eq 0 ] && [ $rb -eq 2 ]; then
    ok "make: make run exits 1 on a failed check, 0 on a pass; make report 2 on a broken input"
else
    bad "make: make run exits $rf (failing) / $rp (passing), make report $rb (want 1, 0, 2)"
fi

# ---- report: provenance compared, first screen ------------------------------------
R=$work/rep-fail
if [ -f "$R/index.html" ]; then
    printf '{"sim":{"lines":100,"branches":96},"threshold":{"ok":true},"provenance":{"commit":"%s","commit_short":"0123456789ab","dirty":false,"date":"2020-01-01T00:00:00Z"}}\n' \
        0123456789abcdef0123456789abcdef01234567 >"$R/coverage.json"
    printf '{"benchmarks":[{"name":"x","metric":"y","value":1,"unit":"s"}]}\n' >"$R/bench.json"
    "$PY" tools/report.py --reports "$R" -q --jobs 1 >/dev/null 2>&1
    if "$PY" - "$R/index.html" <<'EOF'
import re, sys
h = open(sys.argv[1]).read()
main = h[h.index("<main>"):]
first = re.sub(r"<[^>]+>", " ", main[:main.index('class="cards"')])
assert "FAIL" in first and "What broke first" in first and "expect_in_window" in first, first
assert 'id="coverage-stale"' in h and "from commit 0123456789ab" in h, "stale coverage unsaid"
assert 'id="bench-stale"' in h and "unknown commit" in h, "bench of no commit unsaid"
assert re.search(r'<div id="provenance" data-commit="[0-9a-f]{40}">Results of commit', h)
assert "assumption broke: n" in h
EOF
    then ok "report: FAIL and what broke first before anything else; other commits' figures said so"
    else bad "report: the index does not say what it must (see above)"; fi
else
    bad "report: make run wrote no $R/index.html"
fi

# ---- docs: self-contained, the man page complete -----------------------------------
if out=$(grep -rn 'shared/' docs src sim README.md); then
    bad "docs: paths outside the repository: $(printf '%s\n' "$out" | head -3 | tr '\n' ' ')"
else
    ok "docs: grep -r 'shared/' docs src sim README.md finds nothing"
fi
missing=""
for c in $("$H" --help | sed -n 's/^  \([a-z]\+\)  .*/\1/p'); do
    grep -q "^\.B $c\$" docs/hasim.1 || missing="$missing $c"
done
for o in $("$H" drive --help | grep -oE '^  --[a-z-]+'); do
    sed -n '/^\.B drive$/,/^\.SH /p' docs/hasim.1 | grep -q -- "${o//-/\\\\-}" || missing="$missing drive:$o"
done
for o in --speed --trace --http --workdir --pids --junit auto clean --serve --notify --ncs-dir; do
    sed -n '/^\.SH HASIM-RT/,/^\.SH /p' docs/hasim.1 | grep -q -- "${o//-/\\\\-}" || missing="$missing hasim-rt:$o"
done
if [ -z "$missing" ] && grep -q '^\.SH HASIM-RT' docs/hasim.1; then
    ok "docs: the man page has every command of hasim --help and hasim-rt"
else
    bad "docs: the man page lacks:$missing"
fi

echo "ci: $passed passed, $failed failed"
[ $failed -eq 0 ]
