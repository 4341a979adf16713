/* prefetch.h -- a cache hint, for the code that is told what comes next
 * (sim_tr_prefetch_fn, sim_drv_prefetch_event).
 *
 * At a region's size (10^5 sessions) each event meets a handful of cold
 * records, one per table it reads, and waits for each in turn. Code that
 * knows the next event asks for those records while it finishes the
 * current one. GCC's and clang's builtin; nothing elsewhere. A hint never
 * changes a result: a wrong one costs only speed.
 */
#ifndef SIM_PREFETCH_H
#define SIM_PREFETCH_H

#define SIM_CACHE_LINE_BYTES 64u

/* A hint comes in two stages, an event apart. RECORDS asks for the records
 * the next event reads, whose addresses are known from its ids alone: it
 * reads nothing cold. LINKED comes once the current event is done, when
 * those records are in: it asks for what they point to (a playlist, a
 * stream, a name). A stage that read a record it had just asked for would
 * wait for it there instead of while the event runs. */
typedef enum { SIM_PREFETCH_RECORDS, SIM_PREFETCH_LINKED } sim_prefetch_stage_t;

#if defined(__GNUC__)
#define SIM_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define SIM_PREFETCH(p) ((void)(p))
#endif

/* Every line of the n bytes at p. */
#define SIM_PREFETCH_BYTES(p, n)                                                                   \
    do {                                                                                           \
        const char *pf_p_ = (const char *)(p);                                                     \
        for (unsigned long pf_i_ = 0; pf_i_ < (unsigned long)(n); pf_i_ += SIM_CACHE_LINE_BYTES)   \
            SIM_PREFETCH(pf_p_ + pf_i_);                                                           \
        SIM_PREFETCH(pf_p_ + (unsigned long)(n) - 1);                                              \
    } while (0)

#endif
