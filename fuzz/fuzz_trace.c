/* fuzz_trace.c -- libFuzzer target: a trace file as `hasim check` reads it.
 *
 * Trace files come from anywhere (real processes, other tools, hands), so
 * the JSONL reader and the oracle behind it must take any bytes: a clear
 * error or a verdict, never a crash or an assertion. */
#include <stddef.h>
#include <stdint.h>

#include "judge/oracle.h"
#include "trace/trace_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static orc_t *o;
    if (o == NULL)
        o = orc_new();
    orc_reset(o);
    char err[512];
    if (sim_tr_read_mem("fuzz", (const char *)data, size, orc_sink, o, err, sizeof(err)) == 0)
        orc_finish(o, 0);
    return 0;
}
