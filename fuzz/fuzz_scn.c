/* fuzz_scn.c -- libFuzzer target for the scenario parser and writer.
 *
 * Any bytes: the parser must not crash, read out of bounds or assert. Bytes
 * it accepts must survive the round trip: write the tree, parse the text
 * again, and get an equal tree; writing that tree again must give the very
 * same text (the writer's output is canonical, a fixed point).
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined fuzz/fuzz_scn.c \
 *       sim/scn_parse.c sim/scn_write.c -o fuzz_scn
 * ./fuzz_scn fuzz/corpus_scn
 */
#define _POSIX_C_SOURCE 200809L

#include "lang/scn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes s into a fresh heap buffer (*len bytes, NUL-terminated). */
static char *write_to_memory(const scn_t *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        abort();
    if (scn_write(f, s) != 0)
        abort();
    if (fclose(f) != 0)
        abort();
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Allocated once: a tree is 600 KiB and the parser never needs a
     * clean one (scn_parse resets it). */
    static scn_t *first, *second;
    static char err[SCN_ERR_SIZE];

    if (first == NULL) {
        first = scn_new();
        second = scn_new();
        if (first == NULL || second == NULL)
            abort();
    }
    if (scn_parse(first, (const char *)data, size, "fuzz", err, sizeof err) != 0) {
        /* A refusal is one line in the promised shape. */
        if (strncmp(err, "fuzz:", 5) != 0 || strchr(err, '\n') != NULL)
            abort();
        return 0;
    }

    size_t len1 = 0, len2 = 0;
    char *text1 = write_to_memory(first, &len1);
    if (scn_parse(second, text1, len1, "rewritten", err, sizeof err) != 0) {
        fprintf(stderr, "written text does not parse: %s\n---\n%s---\n", err, text1);
        abort();
    }
    if (!scn_equal(first, second)) {
        fprintf(stderr, "round trip changed the scenario:\n---\n%s---\n", text1);
        abort();
    }
    char *text2 = write_to_memory(second, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1) != 0) {
        fprintf(stderr, "writer is not canonical:\n---\n%s---\n%s---\n", text1, text2);
        abort();
    }
    free(text1);
    free(text2);
    return 0;
}
