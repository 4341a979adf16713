/* xml_text.h -- text made safe for XML, for the JUnit files that hasim run,
 * hasim-rt and hasim drive write (three parts that may not include one
 * another: tools/layers.sh; the trace, a leaf, is what they all may see).
 *
 * In element content a newline or a tab is itself; in an attribute value an
 * XML reader turns both into spaces, so sim_xml_attr writes a newline as a
 * character reference. Other control characters are not XML 1.0 and are
 * left out. A NULL string is the empty one. */
#ifndef SIM_XML_TEXT_H
#define SIM_XML_TEXT_H

#include <stdio.h>

/* s as element content (or as an attribute whose newlines may become spaces). */
void sim_xml_text(FILE *f, const char *s);
/* s as an attribute value between double quotes, its newlines kept. */
void sim_xml_attr(FILE *f, const char *s);

#endif
