/* rt_junit.h -- hasim-rt's verdict as JUnit XML (--junit), for CI: a pass,
 * a failure, or -- when the harness fell behind -- a skipped test case, so
 * that an overloaded runner shows as neither green nor red. */
#ifndef RT_JUNIT_H
#define RT_JUNIT_H

#include <stdint.h>

typedef enum { RT_JUNIT_PASS, RT_JUNIT_FAIL, RT_JUNIT_SKIPPED } rt_junit_state_t;

/* Writes path whole or not at all (a temporary file renamed). 0, or -1
 * after a message. */
int rt_junit_write(const char *path, const char *scenario, rt_junit_state_t state,
                   const char *message, int64_t wall_ms);

#endif
