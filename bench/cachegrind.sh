# shellcheck shell=bash
# cachegrind.sh -- counts that no noise moves, for bench/bench_instr.sh and
# bench/bench_ab.sh --count. Sourced, not run.
#
# valgrind's cachegrind runs a command on a model of the machine: it counts
# the instructions executed and, with its cache model on (--cache-sim=yes),
# the data lines the last level has to bring from memory. The model's last
# level is LL_BYTES (default 32 MB, what one core complex of this machine's
# EPYC has; the VM reports the whole socket's 256 MB). It knows no
# prefetching and no other tenant: it counts the lines a run brings in, not
# how long they take.

LL_BYTES=${LL_BYTES:-33554432}

# cg_count LOG SIM COMMAND...: runs COMMAND under cachegrind (--cache-sim=SIM:
# yes or no), its stdout to LOG.out, valgrind's summary of each process (a
# swarm forks its workers) to LOG.<pid>. Returns COMMAND's failure.
cg_count() {
    local log=$1 sim=$2
    shift 2
    rm -f "$log".[0-9]* "$log.out"
    valgrind --tool=cachegrind --cache-sim="$sim" --LL="$LL_BYTES,16,64" \
        --cachegrind-out-file=/dev/null --log-file="$log.%p" "$@" >"$log.out"
}

# cg_summed WHAT LOG: a count summed over LOG's processes. WHAT names a line
# of valgrind's summary: "I *refs" (instructions), "LLd misses" (data lines
# from memory; 0 with the cache model off).
cg_summed() {
    local what=$1 log=$2
    sed -n "s/^==[0-9]*== $what: *\([0-9,]*\).*/\1/p" "$log".[0-9]* | tr -d , |
        awk '{s += $1} END {printf "%.0f\n", s}'
}
