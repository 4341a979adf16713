/* fuzz_faults.c -- libFuzzer target: a FAULTS.conf as `hasim drive --faults`
 * reads it: accepted, or a message at a line and column -- never a crash;
 * and every command it accepted fills in with any values, the expansion
 * bounded and its placeholders single-quoted. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "blackbox/bb_faults.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bb_faults_t f;
    char err[BB_ERR_SIZE];
    if (bb_faults_parse(&f, "faults", (const char *)data, size, err, sizeof(err)) != 0) {
        assert(strncmp(err, "faults:", 7) == 0 && strstr(err, ": error: ") != NULL);
        return 0;
    }
    /* A value with every kind of trouble a shell could see. */
    const char *v = "a'b\"c$(x)`y`;z";
    bb_values_t vals = {v, v, v, v, v, v, v, v, v, v};
    char out[BB_CMD_MAX * 8];
    for (int k = 0; k < BB_F_COUNT; k++) {
        if (!f.cmds[k].set)
            continue;
        if (bb_expand(f.cmds[k].cmd, &vals, out, sizeof(out)))
            assert(strlen(out) < sizeof(out));
        (void)bb_expand(f.cmds[k].cmd, &vals, out, 16); /* too small: refused, not overrun */
    }
    return 0;
}
