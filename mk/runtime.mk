# mk/runtime.mk -- the real-process runtime (sim/runtime/, docs/realtime.md).
#
# Included at the end of the Makefile (`-include mk/runtime.mk`), it uses the
# Makefile's B, CC, CFLAGS and LDFLAGS and its rules for libha.a and
# libsim.a:
#
#   make runtime                 $(B)/hasim-rt, $(B)/hasim-agent, $(B)/hasim-recorder
#   make CC=clang SAN=1 runtime  the same, side by side in build/clang-O2-san/
#
# The three programs are linked dynamically on purpose: libfaketime reaches a
# process through LD_PRELOAD, which static (and setuid) binaries ignore.
# hasim-rt finds the other two next to itself.

RT_SRC_DIR := sim/runtime
RT_OBJ_DIR := $(B)/rt
RT_HDRS    := $(SIM_HDRS)
RT_LIBS    := -lmicrohttpd -ljansson -lcurl
RT_COMMON  := $(RT_OBJ_DIR)/rt_msg.o
RT_CENTER  := $(addprefix $(RT_OBJ_DIR)/,rt_main.o rt_center.o rt_procs.o rt_storage.o rt_http.o rt_runs.o rt_tracefile.o rt_late.o rt_junit.o rt_clock.o \
              rt_notify.o rt_control.o)

.PHONY: runtime
runtime: $(B)/hasim-rt $(B)/hasim-agent $(B)/hasim-recorder

$(RT_OBJ_DIR)/%.o: $(RT_SRC_DIR)/%.c $(RT_HDRS) $(FLAGS_FILE) | $(RT_OBJ_DIR)
	$(CC) $(CFLAGS) -c $< -o $@
$(RT_OBJ_DIR):
	mkdir -p $@

$(B)/hasim-rt: $(RT_CENTER) $(RT_COMMON) $(B)/libsim.a $(B)/libha.a
	$(CC) $(LDFLAGS) $^ $(RT_LIBS) -o $@
$(B)/hasim-agent: $(RT_OBJ_DIR)/rt_agent.o $(RT_COMMON)
	$(CC) $(LDFLAGS) $^ -o $@
# The recorder cuts slices by the simulator's rules (sim/drive/env.c).
$(B)/hasim-recorder: $(RT_OBJ_DIR)/rt_recorder.o $(RT_COMMON) $(B)/libsim.a $(B)/libha.a
	$(CC) $(LDFLAGS) $^ $(RT_LIBS) -o $@

# The wall-clock shim of step-clock (rt_clockshim.c): a shared object
# preloaded below libfaketime, without the project's -Werror flags on
# dlsym's function-pointer cast (ISO C forbids it; POSIX requires it to work).
$(B)/libhasim-clock.so: $(RT_SRC_DIR)/rt_clockshim.c | $(RT_OBJ_DIR)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -shared $< -ldl -o $@
runtime: $(B)/libhasim-clock.so
