#!/usr/bin/env bash
# browser_test.sh -- the HTML report checked as a person would see it.
#
#   tests/browser_test.sh            (after make report; REPORTS=dir to point elsewhere)
#
# 1. Every href/src of every page under reports/ (ours and genhtml's) names a
#    file that exists, every #fragment an id, and no page loads anything from
#    the network (tests/browser/check_links.py); and nothing promised is
#    missing: a page with its own timeline pictures for every scenario run,
#    a margin plot for every timing bound (tests/browser/check_complete.py;
#    a control with a run that has no page proves that check can fail).
# 2. Headless Chromium loads each of the report's own pages; the page's
#    inline script marks <html data-broken-images="N"> after load, read back
#    with --dump-dom. A control page with a missing image proves the check
#    can fail. Every page must also say where its results come from: a
#    <div id="provenance" data-commit=...> holding a commit (or "origin not
#    recorded") and a date; a control copy of the index without it must fail.
# 3. A screenshot of the index (reports/screenshot.png, 1400x2000) and of the
#    first scenario page (reports/screenshot-scenario.png) are kept.
#
# Chromium runs in its own process group (setsid), is stopped by that group
# id if it outlives BROWSER_TIMEOUT_S, is always reaped, and its temporary
# profile removed. Prints "browser_test: N passed, M failed"; exit 1 if M > 0.
set -u
cd "$(dirname "$0")/.." || exit 2

REPORTS=${REPORTS:-reports}
PYTHON=${PYTHON:-/usr/bin/python3}
CHROMIUM=${CHROMIUM:-chromium}
TIMEOUT_S=${BROWSER_TIMEOUT_S:-60}
VERBOSE=${VERBOSE:-}

passed=0
failed=0
ok() { passed=$((passed + 1)); [ -z "$VERBOSE" ] || echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
finish() {
    echo "browser_test: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

WORK=$(mktemp -d /tmp/hasim-browser.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ ! -f "$REPORTS/index.html" ]; then
    bad "no $REPORTS/index.html: run 'make report' (or 'make run') first"
    finish
fi
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    bad "no '$CHROMIUM' on the PATH: install the Debian package chromium (make deps)"
    finish
fi
ABS_REPORTS=$(cd "$REPORTS" && pwd)

# ---- 1. links and images, statically --------------------------------------
# static_check NAME SCRIPT: runs tests/browser/SCRIPT on the report and counts
# its "ok ..." / "FAIL ..." lines; its last line is the summary.
static_check() {
    local name=$1 script=$2 line
    "$PYTHON" "tests/browser/$script" "$REPORTS" >"$WORK/$name.txt"
    while IFS= read -r line; do
        case "$line" in
        "ok "*) ok "$name: ${line#ok }" ;;
        "FAIL "*) bad "$name: ${line#FAIL }" ;;
        esac
    done <"$WORK/$name.txt"
    tail -n 1 "$WORK/$name.txt"
}
static_check links check_links.py
static_check complete check_complete.py
# control: a run whose page was never written must be reported missing
mkdir -p "$WORK/control-complete"
cp "$REPORTS/index.html" "$WORK/control-complete/"
printf '{"runs": [{"path": "scenarios/no_such_scenario.scn"}]}\n' \
    >"$WORK/control-complete/scenarios.json"
if "$PYTHON" tests/browser/check_complete.py "$WORK/control-complete" 2>/dev/null |
    grep -q '^FAIL timeline of no_such_scenario'; then
    ok "control: a scenario without its page is detected"
else
    bad "control: check_complete.py did not see a missing scenario page; it cannot be trusted"
fi

# ---- Chromium, one page at a time ------------------------------------------
# run_chromium OUT ERR ARGS...: runs headless Chromium with ARGS; returns its
# status (124 if it had to be stopped).
run_chromium() {
    local out=$1 err=$2
    shift 2
    local profile
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    # setsid: chromium leads its own process group, so its zygote and
    # renderers can be stopped together by the group id, never by name.
    setsid "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --disable-crash-reporter --user-data-dir="$profile" "$@" >"$out" 2>"$err" </dev/null &
    local pid=$!
    setsid bash -c "sleep $TIMEOUT_S; kill -TERM -- -$pid 2>/dev/null; sleep 3; \
kill -KILL -- -$pid 2>/dev/null" >/dev/null 2>&1 </dev/null &
    local timer=$!
    wait "$pid"
    local rc=$?
    kill -TERM -- "-$timer" 2>/dev/null
    wait "$timer" 2>/dev/null
    # Anything of chromium's group still running after it exited (its
    # zygote outlives it briefly), then wait until the group is gone.
    kill -KILL -- "-$pid" 2>/dev/null
    local n=0
    while pgrep -r R,S,D,T -g "$pid" >/dev/null 2>&1 && [ "$n" -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    rm -rf "$profile"
    if [ "$rc" -ge 128 ]; then
        return 124
    fi
    return "$rc"
}

# prov_check DOM: the dumped page shows its provenance (tests/browser/
# check_provenance.py prints why not).
prov_check() {
    "$PYTHON" tests/browser/check_provenance.py "$1"
}

# dom_check PAGE EXPECTED_BROKEN [PROVENANCE]: loads PAGE, reads
# data-broken-images, and (unless PROVENANCE is 0) checks its provenance.
dom_check() {
    local page=$1 want=$2 want_prov=${3:-1} name
    name=$(echo "$page" | tr '/' '_')
    run_chromium "$WORK/dom-$name.html" "$WORK/dom-$name.err" --virtual-time-budget=10000 \
        --dump-dom "file://$page"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "    chromium exit $rc; stderr tail:" && tail -n 3 "$WORK/dom-$name.err" | sed 's/^/    /'
        return 2
    fi
    local got
    got=$(grep -o 'data-broken-images="[0-9]*"' "$WORK/dom-$name.html" | head -n 1 | tr -dc 0-9)
    if [ -z "$got" ]; then
        echo "    $page: the page's load script did not run (no data-broken-images)"
        return 2
    fi
    if [ "$got" != "$want" ]; then
        echo "    $page: $got broken image(s):" \
            "$(grep -o 'failed to load: [^<]*' "$WORK/dom-$name.html" | head -c 300)"
        return 1
    fi
    if [ "$want_prov" = 1 ] && ! prov_check "$WORK/dom-$name.html"; then
        echo "    $page: no provenance (commit, date, command, machine) on the page"
        return 1
    fi
    return 0
}

# ---- 2a. the check can fail: a control page with a missing image ----------
SCRIPT=$(cd tools && "$PYTHON" -c 'import report_html; print(report_html.SCRIPT)')
printf '<!DOCTYPE html><html><head><meta charset="utf-8">%s</head><body><img src="missing.png" alt="x"><p>control</p></body></html>\n' \
    "$SCRIPT" >"$WORK/control.html"
if dom_check "$WORK/control.html" 1 0; then
    ok "control: a missing image is detected"
else
    bad "control: the browser check did not see a missing image; it cannot be trusted"
fi
# ---- 2a'. and a page that does not say where its results come from -------
"$PYTHON" - "$ABS_REPORTS/index.html" "$ABS_REPORTS/control-no-provenance.html" <<'EOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(
    re.sub(r'<div id="provenance".*?</div>', "", html, count=1, flags=re.S))
EOF
if dom_check "$ABS_REPORTS/control-no-provenance.html" 0 >/dev/null; then
    bad "control: a page without provenance passed; the check cannot be trusted"
else
    ok "control: a page without provenance is detected"
fi
rm -f "$ABS_REPORTS/control-no-provenance.html"

# ---- 2b. every page of the report -----------------------------------------
pages=("$ABS_REPORTS/index.html")
for p in "$ABS_REPORTS/rules.html" "$ABS_REPORTS/state-machine.html" \
    "$ABS_REPORTS"/scenarios/*.html "$ABS_REPORTS"/violations/*.html; do
    [ -f "$p" ] && pages+=("$p")
done
for p in "${pages[@]}"; do
    if dom_check "$p" 0; then
        ok "browser: ${p#"$ABS_REPORTS"/}"
    else
        bad "browser: ${p#"$ABS_REPORTS"/}"
    fi
done

# ---- 3. screenshots ---------------------------------------------------------
shot() {
    local page=$1 png=$2
    rm -f "$png"
    run_chromium "$WORK/shot.out" "$WORK/shot.err" --hide-scrollbars --window-size=1400,2000 \
        --virtual-time-budget=10000 --screenshot="$png" "file://$page"
    local rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$png" ]; then
        echo "    chromium exit $rc, no screenshot; stderr tail:"
        tail -n 3 "$WORK/shot.err" | sed 's/^/    /'
        return 1
    fi
    # a real picture of the right size, not a blank page
    "$PYTHON" - "$png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
w, h = struct.unpack(">II", data[16:24])
if (w, h) != (1400, 2000):
    sys.exit("size %dx%d, expected 1400x2000" % (w, h))
if len(data) < 20000:
    sys.exit("only %d bytes: a blank page?" % len(data))
EOF
}
if shot "$ABS_REPORTS/index.html" "$ABS_REPORTS/screenshot.png"; then
    ok "screenshot: $REPORTS/screenshot.png"
else
    bad "screenshot of index.html"
fi
scn_pages=("$ABS_REPORTS"/scenarios/*.html)
first_scn=${scn_pages[0]}
if [ -f "$first_scn" ]; then
    if shot "$first_scn" "$ABS_REPORTS/screenshot-scenario.png"; then
        ok "screenshot: $REPORTS/screenshot-scenario.png (${first_scn##*/})"
    else
        bad "screenshot of ${first_scn##*/}"
    fi
fi

finish
