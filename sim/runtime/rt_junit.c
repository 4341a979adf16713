/* rt_junit.c -- one test case of JUnit XML (rt_junit.h). The schema is the
 * one `hasim run --junit` writes (sim/run/junit.c, which the runtime may not
 * include: tools/layers.sh), in small. */
#define _DEFAULT_SOURCE
#include "rt_junit.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace/xml_text.h"

int rt_junit_write(const char *path, const char *scenario, rt_junit_state_t state,
                   const char *message, int64_t wall_ms)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        fprintf(stderr, "%s: error: path too long\n", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    const char *base = strrchr(scenario, '/') != NULL ? strrchr(scenario, '/') + 1 : scenario;
    int failures = state == RT_JUNIT_FAIL, skipped = state == RT_JUNIT_SKIPPED;
    char secs[32];
    snprintf(secs, sizeof(secs), "%" PRId64 ".%03" PRId64, wall_ms / 1000, wall_ms % 1000);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"hasim-rt\" tests=\"1\" failures=\"%d\" skipped=\"%d\" "
               "errors=\"0\" time=\"%s\">\n"
               "  <testsuite name=\"hasim-rt\" tests=\"1\" failures=\"%d\" skipped=\"%d\" "
               "errors=\"0\" time=\"%s\">\n    <testcase classname=\"hasim-rt\" name=\"",
            failures, skipped, secs, failures, skipped, secs);
    sim_xml_attr(f, base);
    fputs("\" file=\"", f);
    sim_xml_attr(f, scenario);
    fprintf(f, "\" time=\"%s\"", secs);
    if (state == RT_JUNIT_PASS) {
        fputs("/>\n", f);
    } else {
        fprintf(f, ">\n      <%s message=\"", failures ? "failure" : "skipped");
        sim_xml_attr(f, message);
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
        (void)unlink(tmp);
        return -1;
    }
    return 0;
}
