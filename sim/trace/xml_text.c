/* xml_text.c -- text made safe for XML (xml_text.h). */
#include "xml_text.h"

#include <stdbool.h>

static void escape(FILE *f, const char *s, bool attr)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs(attr ? "&#10;" : "\n", f); break;
        case '\t':
            if (!attr)
                fputc('\t', f);
            break;
        default:
            if ((unsigned char)*s >= 0x20)
                fputc(*s, f);
            break;
        }
    }
}

void sim_xml_text(FILE *f, const char *s) { escape(f, s, false); }

void sim_xml_attr(FILE *f, const char *s) { escape(f, s, true); }
