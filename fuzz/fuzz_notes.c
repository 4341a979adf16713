/* fuzz_notes.c -- libFuzzer target: an engineer's timeline notes as `hasim
 * import NOTES.txt` reads them: a scenario that parses, or a message at a
 * line and column -- never a crash. */
#include <stdint.h>
#include <stdlib.h>

#include "ncs/ncs_notes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, err[1024];
    size_t len = 0;
    (void)ncs_notes_import_mem("notes", (const char *)data, size, &text, &len, err, sizeof(err));
    free(text);
    return 0;
}
