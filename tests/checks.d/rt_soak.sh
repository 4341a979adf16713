#!/usr/bin/env bash
# rt_soak.sh -- a short soak of hasim-rt in make check (tools/soak.sh; `make
# soak` runs 50): 6 runs at x20, two of them killed (SIGKILL of hasim-rt,
# SIGTERM), then nothing of any of them left and every kept trace readable.
# About 30 s. Last line "soak: N passed, M failed".
cd "$(dirname "$0")/../.." || exit 2
SOAK_RUNS=${SOAK_RUNS:-6} SOAK_SIMONLY=0 exec bash tools/soak.sh
