/* reserve.h -- growing a table to the largest run, once.
 *
 * Drivers, worlds and judges are reused run after run (a swarm runs
 * millions): each table is grown to what the run needs and then kept, so a
 * warmed-up process allocates nothing in steady state. */
#ifndef SIM_RESERVE_H
#define SIM_RESERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Grows *p to hold n elements of size sz, keeping what it holds; keeps it
 * as it is when already as large. False (and *p untouched) when memory ran
 * out. */
static inline bool sim_reserve(void **p, uint32_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return true;
    if (n > UINT32_MAX || n > SIZE_MAX / sz)
        return false;
    void *np = realloc(*p, n * sz);
    if (np == NULL)
        return false;
    *p = np;
    *cap = (uint32_t)n;
    return true;
}

#endif
