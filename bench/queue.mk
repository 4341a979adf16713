# queue.mk -- the event-queue benchmark (docs/event-queue.md), included by
# the top Makefile.
#
#   make bench-queue         build, run sim_evq / floor / ns-3 / SimPy side
#                            by side (~75 s of CPU; about that long on an
#                            idle 2-core machine), print the table, write
#                            reports/bench-queue.json (+ .tsv, raw)
#   make bench-queue-build   only build the two binaries
#
# Always -O2 with asserts on, as the simulator itself is built, whatever
# CC/OPT/SAN say for the rest of the tree. Runs one at a time: two benches
# on a 2-core machine would measure each other.
#
# The report step fails (awk exits 1, so make stops with its status 2) when
# an implementation that does not itself report disorder popped another
# sequence than sim_evq (the checksum column): a bug in one of them. A
# missing tool (ns-3, SimPy) also stops it.

BENCHQ_DIR      := build/bench-queue
BENCHQ_CC       ?= $(if $(filter default,$(origin CC)),gcc,$(CC))
BENCHQ_CXX      ?= g++
BENCHQ_PYTHON   ?= /usr/bin/python3
BENCHQ_WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wformat=2 -Wundef -Wvla -Wcast-qual
BENCHQ_CFLAGS   := -std=c11 $(BENCHQ_WARN) -Wstrict-prototypes -Wmissing-prototypes -O2 \
                   -D_POSIX_C_SOURCE=200809L
BENCHQ_CXXFLAGS := -std=c++17 $(BENCHQ_WARN) -O2
BENCHQ_NS3_LIBS ?= -lns3-core

# Repetitions (the median is reported), untimed warm-up steps (>= 20000:
# the checksum covers the first 20000 pops), and per N the steps of one
# timed repetition for C, ns-3 and SimPy, as N:C:NS3:SIMPY. Fewer steps
# where each costs more, to keep the whole run well under 3 minutes; ns-3's
# O(N) schedulers get fewer again (bench_queue_ns3.cc, Plan). SimPy warms
# up less: building 10^6 processes already takes seconds.
BENCHQ_REPS         := 5
BENCHQ_WARMUP       := 100000
BENCHQ_SIMPY_WARMUP := 20000
BENCHQ_PLAN := 100:1000000:500000:100000 \
               1000:1000000:500000:100000 \
               10000:1000000:500000:100000 \
               100000:500000:200000:50000 \
               1000000:200000:100000:20000

BENCHQ_TSV  := reports/bench-queue.tsv
BENCHQ_JSON := reports/bench-queue.json

.PHONY: bench-queue bench-queue-build

bench-queue-build: $(BENCHQ_DIR)/bench_queue $(BENCHQ_DIR)/bench_queue_ns3

$(BENCHQ_DIR)/bench_queue: bench/bench_queue.c sim/engine/evq.c sim/engine/evq.h sim/engine/rng.c sim/engine/rng.h | $(BENCHQ_DIR)
	$(BENCHQ_CC) $(BENCHQ_CFLAGS) -Isim bench/bench_queue.c sim/engine/evq.c sim/engine/rng.c -o $@

$(BENCHQ_DIR)/bench_queue_ns3: bench/bench_queue_ns3.cc | $(BENCHQ_DIR)
	$(BENCHQ_CXX) $(BENCHQ_CXXFLAGS) $< $(BENCHQ_NS3_LIBS) -o $@

$(BENCHQ_DIR):
	mkdir -p $@

bench-queue: bench-queue-build
	@$(BENCHQ_PYTHON) -c 'import simpy' 2>/dev/null || \
	  { echo "bench-queue: error: $(BENCHQ_PYTHON) has no simpy (apt-get install python3-simpy3)" >&2; exit 2; }
	@mkdir -p reports
	@cut -d' ' -f1-3 /proc/loadavg > $(BENCHQ_DIR)/loadavg-start
	@: > $(BENCHQ_TSV).part
	@set -e; for plan in $(BENCHQ_PLAN); do \
	  set -- $$(echo $$plan | tr : ' '); \
	  for v in hold cancel; do \
	    for cmd in "$(BENCHQ_DIR)/bench_queue $$1 $$v $$2 $(BENCHQ_WARMUP)" \
	               "$(BENCHQ_DIR)/bench_queue_ns3 $$1 $$v $$3 $(BENCHQ_WARMUP)" \
	               "$(BENCHQ_PYTHON) bench/bench_queue_simpy.py $$1 $$v $$4 $(BENCHQ_SIMPY_WARMUP)"; do \
	      $$cmd $(BENCHQ_REPS) > $(BENCHQ_DIR)/last.tsv; \
	      cat $(BENCHQ_DIR)/last.tsv; cat $(BENCHQ_DIR)/last.tsv >> $(BENCHQ_TSV).part; \
	    done; \
	  done; \
	done
	@mv $(BENCHQ_TSV).part $(BENCHQ_TSV)
	@awk -v json=$(BENCHQ_JSON) -v date="$$(date -u +%Y-%m-%dT%H:%MZ)" -v cpus="$$(nproc)" \
	  -v cpu="$$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	  -v cc="$$($(BENCHQ_CC) --version | head -n 1)" -v ns3="$$(dpkg-query -W -f '$${Version}' libns3-dev 2>/dev/null)" \
	  -v simpy="$$($(BENCHQ_PYTHON) -c 'import simpy; print(simpy.__version__)')" \
	  -v load0="$$(cat $(BENCHQ_DIR)/loadavg-start)" -v load1="$$(cut -d' ' -f1-3 /proc/loadavg)" \
	  "$$BENCHQ_REPORT_AWK" $(BENCHQ_TSV)

# TSV lines (impl N variant events_per_s reps steps checksum note) to the
# JSON report and the table. "Best ns-3" is the fastest scheduler that
# popped the same sequence as sim_evq.
define BENCHQ_REPORT_AWK
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function jnum(s) { return s == "NA" ? "null" : s }
BEGIN { FS = "\t" }
NF >= 8 {
    nr++; impl[nr] = $$1; n[nr] = $$2; var[nr] = $$3; eps[nr] = $$4
    reps[nr] = $$5; steps[nr] = $$6; chk[nr] = $$7; note[nr] = $$8
    k = $$2 SUBSEP $$3
    if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
    if ($$1 == "hasim-evq") { ours[k] = $$4; ourchk[k] = $$7 }
}
END {
    status = 0
    for (i = 1; i <= nr; i++) {
        k = n[i] SUBSEP var[i]
        same[i] = chk[i] == "-" || !(k in ourchk) || chk[i] == ourchk[k]
        if (!same[i] && note[i] !~ /out of key order/) {
            printf "bench-queue: error: %s N=%s %s popped a different sequence than hasim-evq\n", impl[i], n[i], var[i] > "/dev/stderr"
            status = 1
        }
        if (eps[i] == "NA") continue
        if (impl[i] == "floor-4heap") floorv[k] = eps[i]
        if (impl[i] == "simpy") simpyv[k] = eps[i]
        if (impl[i] ~ /^ns3-/ && same[i] && eps[i] + 0 > best[k] + 0) { best[k] = eps[i]; bestn[k] = impl[i] }
    }
    printf "{\n  \"benchmark\": \"hold model, event queue\",\n  \"date\": %s,\n", jstr(date) > json
    printf "  \"machine\": {\"cpus\": %s, \"cpu\": %s, \"loadavg_start\": %s, \"loadavg_end\": %s},\n", cpus, jstr(cpu), jstr(load0), jstr(load1) > json
    printf "  \"tools\": {\"cc\": %s, \"ns3\": %s, \"simpy\": %s},\n  \"results\": [\n", jstr(cc), jstr(ns3), jstr(simpy) > json
    for (i = 1; i <= nr; i++) {
        printf "    {\"implementation\": %s, \"n\": %s, \"variant\": %s, \"events_per_s\": %s, \"repetitions\": %s, \"steps_per_repetition\": %s, \"checksum\": %s, \"same_order_as_hasim\": %s, \"note\": %s}%s\n", \
            jstr(impl[i]), n[i], jstr(var[i]), jnum(eps[i]), reps[i], steps[i], jstr(chk[i]), same[i] ? "true" : "false", jstr(note[i]), (i < nr ? "," : "") > json
    }
    printf "  ],\n  \"ratios\": [\n" > json
    printf "\n%-8s %-7s %12s %12s %12s %-20s %10s %10s %10s %10s\n", "N", "variant", "hasim-evq", "floor", "best ns-3", "(scheduler)", "simpy", "ours/ns3", "ours/simpy", "floor/ours"
    for (j = 1; j <= nk; j++) {
        k = keys[j]; split(k, p, SUBSEP)
        o = ours[k] + 0
        r_ns3 = (k in best) && o > 0 ? sprintf("%.2f", o / best[k]) : "NA"
        r_py = (k in simpyv) && o > 0 ? sprintf("%.1f", o / simpyv[k]) : "NA"
        r_fl = (k in floorv) && o > 0 ? sprintf("%.2f", floorv[k] / o) : "NA"
        printf "%-8s %-7s %12.0f %12s %12s %-20s %10s %10s %10s %10s\n", p[1], p[2], o, (k in floorv) ? floorv[k] : "-", \
            (k in best) ? best[k] : "-", (k in best) ? bestn[k] : "-", (k in simpyv) ? simpyv[k] : "-", r_ns3, r_py, r_fl
        printf "    {\"n\": %s, \"variant\": %s, \"best_ns3\": %s, \"ours_over_best_ns3\": %s, \"ours_over_simpy\": %s, \"floor_over_ours\": %s}%s\n", \
            p[1], jstr(p[2]), (k in best) ? jstr(bestn[k]) : "null", r_ns3 == "NA" ? "null" : r_ns3, r_py == "NA" ? "null" : r_py, r_fl == "NA" ? "null" : r_fl, (j < nk ? "," : "") > json
    }
    printf "  ]\n}\n" > json
    printf "\nevents/s, median of %s repetitions; raw lines and notes in the .tsv, all of it in %s\n", reps[1], json
    split(load0, l0, " ")
    if (l0[1] + 0 > cpus / 2)
        printf "load average %s at the start, %s at the end, on %s cpus: other work was running, figures are low and noisy\n", load0, load1, cpus
    exit status
}
endef
export BENCHQ_REPORT_AWK
