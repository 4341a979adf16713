# hasim -- deterministic simulation and chaos tests of the recording HA mechanism.
#
#   make            build hasim and the unit tests (gcc -O2)
#   make check      everything CI runs; ends with "N passed, M failed"
#   make run        the main job: scenario library + swarm, writes reports/
#   make bench      benchmarks, writes reports/bench.json
#   make coverage   gcov/lcov HTML in reports/coverage/
#   make report     reports/index.html (needs a run first: make run does both)
#   make fuzz       longer fuzzing of the parsers
#   make mutate     mutation testing of src/: the harness and the unit tests, scored apart
#   make soak       hasim-rt run 50 times, a third killed, nothing left (tools/soak.sh); then
#                   soak-drive: hasim drive against hasim-rt over the library
#   make deps       install the Debian packages (root), or print the command
#
# Variants build side by side: CC=clang OPT=-O0 SAN=1 -> build/clang-O0-san/.
# WALLBUG=1 plants a bug for tests: deadlines kept on the wall clock
# (sim/drive/clock.c) -> build/gcc-O2-wallbug/.

CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif
OPT     ?= -O2
SAN     ?=
PYTHON  ?= /usr/bin/python3
export MPLBACKEND := Agg

VARIANT := $(notdir $(CC))$(OPT)$(if $(SAN),-san)$(if $(COV),-cov)$(if $(MUTANT),-mut-$(MUTANT))$(if $(WALLBUG),-wallbug)
B       := build/$(VARIANT)

WARN    := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wcast-qual
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# sim/ code includes "part/file.h" (-Isim). Only the parts that drive the core
# see its headers (-Isrc): the language, the trace and the judge are built
# without them, so the build itself proves the judge independent of src/.
BASE_CFLAGS := -std=c11 $(WARN) -g $(OPT) -D_POSIX_C_SOURCE=200809L -Isim \
           $(if $(SAN),$(SANFLAGS)) $(if $(MUTANT),-DHA_MUTANT=$(MUTANT)) \
           $(if $(WALLBUG),-DSIM_WALL_DEADLINES)
CFLAGS  := $(BASE_CFLAGS) -Isrc
# The release build (gcc -O2, no sanitizer, coverage or mutant) optimizes
# hasim across files at link time: the core's input gate, the driver and the
# oracle call each other on every event, and inlining across them takes
# about 7 % off a swarm run (bench/bench_swarm.sh). Objects are fat, so the
# tests, the runtime and anything else linked from the archives without
# -flto get the usual code. Traces are the same: tools/check.sh compares
# fingerprints across every build.
#
# The release build is also tuned for the machine that builds it
# (-mtune=native: instruction scheduling and code alignment; not -march, so
# the binary still runs on any x86-64 and under valgrind). On this
# project's 2-core AMD EPYC VM a swarm run takes 0.91 of the CPU of a
# generic build (16 interleaved pairs of 4 000-run swarms; docs/architecture.md,
# "A swarm run"). Traces do not depend on it. TUNE= builds the generic code.
RELEASE := $(if $(and $(filter gcc,$(notdir $(CC))),$(filter -O2,$(OPT))),$(if $(SAN)$(COV)$(MUTANT),,yes))
TUNE    ?= -mtune=native
RELEASE_OPT    := $(if $(RELEASE),-flto=2 $(TUNE))
RELEASE_CFLAGS := $(if $(RELEASE),$(RELEASE_OPT) -ffat-lto-objects)
CORELESS_PARTS := engine lang trace judge ncs blackbox
CORE_CFLAGS := $(CFLAGS) $(if $(COV),--coverage)
LDFLAGS := $(if $(SAN),$(SANFLAGS)) $(if $(COV),--coverage)
LIBS    := -ljansson -lmicrohttpd -lcurl

# The flags a variant was built with, in $(B)/cflags: when they change
# (TUNE=, a new warning), everything of that variant is built again, not
# linked from objects made with the old ones (git's GIT-CFLAGS does this).
FLAGS_NOW  := $(CC) $(CFLAGS) $(RELEASE_CFLAGS) $(LDFLAGS)
FLAGS_FILE := $(B)/cflags
ifneq ($(shell cat $(FLAGS_FILE) 2>/dev/null),$(strip $(FLAGS_NOW)))
$(shell mkdir -p $(B) && printf '%s\n' '$(strip $(FLAGS_NOW))' >$(FLAGS_FILE))
endif

CORE_SRC := $(sort $(wildcard src/*.c))
SIM_SRC  := $(sort $(filter-out sim/cli/hasim_main.c sim/runtime/%,$(wildcard sim/*/*.c)))
SIM_HDRS := $(wildcard src/*.h sim/*/*.h)
# Every tests/test_*.c is one test binary. The other tests/*.c are helpers
# shared by tests (core_harness.c): compiled once, linked into the tests
# that include their header.
TEST_SRC := $(sort $(wildcard tests/test_*.c))
HARNESS_TESTS := $(shell grep -l 'include "core_harness.h"' $(TEST_SRC))

CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(B)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)
HASIM    := $(B)/hasim

.PHONY: all check run bench coverage report fuzz mutate soak soak-drive deps clean hasim tests

# Exit status. The targets below that run a script exit as the README says
# every command does: 0 pass, 1 a check failed, 2 usage or input error. make
# itself says 2 for any recipe that fails, so when only such targets are
# asked for (make run, make check, make coverage ...), make runs in question
# mode (-q) and their recipes carry `+`, which make runs even then. In that
# mode a `+` recipe's exit 1 is make's own exit 1 (the status a recursive
# `make -q` gives for "not up to date", passed on), and anything else that
# fails is 2: the script's own status comes out. The scripts run make
# themselves, so they get a MAKEFLAGS without the -q.
SCRIPT_GOALS := check run bench coverage report fuzz mutate soak soak-drive deps
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(SCRIPT_GOALS),$(MAKECMDGOALS)),)
MAKEFLAGS += -q
endif
endif
SCRIPT := +@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL
all: $(HASIM) $(TESTS)
hasim: $(HASIM)
tests: $(TESTS)

$(B)/src/%.o: src/%.c $(wildcard src/*.h) $(FLAGS_FILE) | $(B)/src
	$(CC) $(CORE_CFLAGS) $(RELEASE_CFLAGS) -c $< -o $@
$(B)/sim/%.o: sim/%.c $(SIM_HDRS) $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(if $(filter $(CORELESS_PARTS),$(firstword $(subst /, ,$*))),$(BASE_CFLAGS),$(CFLAGS)) $(RELEASE_CFLAGS) -c $< -o $@
# rm first: ar never drops members, and a deleted source must not linger.
$(B)/libha.a: $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libsim.a: $(SIM_OBJ)
	rm -f $@ && ar rcs $@ $^
$(HASIM): $(B)/sim/cli/hasim_main.o $(B)/libsim.a $(B)/libha.a $(FLAGS_FILE)
	$(CC) $(LDFLAGS) $(if $(RELEASE),$(OPT) $(RELEASE_OPT)) $(filter-out $(FLAGS_FILE),$^) $(LIBS) -o $@
# The benchmarks' driver (tools/bench.sh, bench/): linked as hasim is, so
# that it times the same code.
$(B)/bench_sim: bench/bench_sim.c $(B)/libsim.a $(B)/libha.a $(SIM_HDRS)
	$(CC) $(CFLAGS) $(RELEASE_OPT) $< $(B)/libsim.a $(B)/libha.a $(LDFLAGS) $(LIBS) -o $@
$(B)/tests/%.o: tests/%.c $(SIM_HDRS) $(wildcard tests/*.h) $(FLAGS_FILE) | $(B)/tests
	$(CC) $(CFLAGS) -Itests -c $< -o $@
$(HARNESS_TESTS:tests/%.c=$(B)/tests/%): $(B)/tests/core_harness.o
$(B)/tests/%: tests/%.c $(B)/libsim.a $(B)/libha.a $(wildcard tests/*.h) | $(B)/tests
	$(CC) $(CFLAGS) -Itests $< $(filter %.o,$^) $(B)/libsim.a $(B)/libha.a $(LDFLAGS) -lcmocka $(LIBS) -o $@
$(B)/src $(B)/tests:
	mkdir -p $@

check:
	$(SCRIPT) bash tools/check.sh

run:
	$(SCRIPT) bash tools/run.sh

bench:
	$(SCRIPT) bash tools/bench.sh

# Coverage of src/ by the scenario library plus a fixed swarm, enforced in
# make check: every line, and 95 % of the branches (assert() branches
# excluded, see lcovrc); what is missing is listed by the run.
COVERAGE_LINES_MIN ?= 100
COVERAGE_BRANCHES_MIN ?= 95
export COVERAGE_LINES_MIN COVERAGE_BRANCHES_MIN

coverage:
	$(SCRIPT) bash tools/coverage.sh

report:
	$(SCRIPT) MPLBACKEND=Agg $(PYTHON) tools/report.py

fuzz:
	$(SCRIPT) bash tools/fuzz.sh long

mutate:
	$(SCRIPT) bash tools/mutate.sh

# make soak runs every soak: hasim-rt killed at random (tools/soak.sh), then
# hasim drive against hasim-rt over every library scenario it can express
# (tools/soak_drive.sh, about 25 min).
soak: soak-drive
	$(SCRIPT) bash tools/soak.sh
soak-drive:
	$(SCRIPT) bash tools/soak_drive.sh

deps:
	$(SCRIPT) bash ci/deps.sh

clean:
	rm -rf build reports/*.json reports/*.html reports/*.xml reports/coverage reports/img reports/region reports/scenarios reports/violations

-include bench/queue.mk
-include mk/runtime.mk
