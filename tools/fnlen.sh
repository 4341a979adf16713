#!/usr/bin/env bash
# fnlen.sh -- functions longer than 70 lines (make check runs it).
#
# TigerBeetle's rule, which the project keeps: a function fits on a screen,
# about 70 lines. A longer one must say why, in the comment right above it,
# with the words "long on purpose" and the reason (a table, a state machine
# read best in one piece). Tests are exempt: a test is a story.
#
# The project's style makes functions easy to find without a parser: a
# definition's opening brace and closing brace stand alone in column 0.
#
#   tools/fnlen.sh [FILE...]   (default: src/ and sim/)
# Prints FILE:LINE: error: NAME is N lines ... for each, then
# "fnlen: N passed, M failed"; exit 1 when any is too long.
set -uo pipefail
cd "$(dirname "$0")/.."
LIMIT=${FNLEN_LIMIT:-70}
if [ $# -eq 0 ]; then
  set -- $(ls src/*.c sim/*/*.c 2>/dev/null)
fi
awk -v limit="$LIMIT" '
FNR == 1 { sig = ""; sigline = 0; start = 0; n = 0 }
{ hist[FNR % 8] = $0 }
/^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ { sig = $0; sigline = FNR }
/^\{[[:space:]]*$/ && sig != "" { start = FNR; why = 0
    for (k = sigline - 5; k < sigline; k++) if (k > 0 && (k % 8) in hist && hist[k % 8] ~ /long on purpose/) why = 1 }
/^\}/ && start > 0 {
    len = FNR - start - 1
    name = sig; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
    if (len > limit && !why) {
        printf "%s:%d: error: %s is %d lines (limit %d): split it, or say why above it (\"long on purpose: ...\")\n", FILENAME, sigline, name, len, limit
        bad++
    } else good++
    start = 0; sig = ""
}
END { printf "fnlen: %d passed, %d failed\n", good, bad; exit bad > 0 }
' "$@"
