/* shrink.h -- a failing scenario reduced to a small one that fails the same way.
 *
 * "The same way" is the signature of a run (shrink_sig_t): the rule of its
 * first violation (expected ones aside) on the same session; for a failed
 * `expect` of an API call, the same call answered the same status against
 * the same expected one; for a failed `expect` line, the same line's
 * complaint; or a crash by the same signal. A candidate is kept only when
 * its signature equals the original's -- one that fails differently is
 * refused and counted -- so the shrinker never slides from one bug to
 * another, nor to a scenario that fails for a reason of its own (a stop
 * with no start answered 404). When sessions are dropped and renumbered,
 * the kept session's number follows it.
 *
 * Steps, each repeated while it finds something:
 *   1. ddmin (Zeller and Hildebrandt, 2002) over the timeline's actions:
 *      drop halves, quarters, ... then single actions;
 *   2. simplify what is left: fewer sessions, servers and users; parameters
 *      back to their defaults or narrowed to one value; simpler mode and
 *      channel; times moved earlier and rounded to 1m, 10s, 1s grids; heal
 *      delays rounded; a shorter end; the scenario's `expect` lines removed.
 * Every candidate goes through scn_write and scn_parse before it runs, so
 * what the shrinker keeps is always a valid scenario, and everything is
 * deterministic: one input gives one output.
 */
#ifndef SIM_SHRINK_H
#define SIM_SHRINK_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/scn.h"

/* Signatures beyond the oracle's rule ids (see also SWARM_RULE_*). */
#define SHRINK_PASS (-100)
#define SHRINK_EXPECTS (-101) /* only the scenario's own `expect` lines failed */

/* The identity of a failure. */
typedef struct {
    int rule;       /* oracle rule id, SHRINK_EXPECTS, SHRINK_PASS or SWARM_RULE_* */
    uint32_t sess;  /* the session it happened on, 0 for none */
    char what[160]; /* the rest: "query got 404, expected 200", an `expect` line's
                     * complaint, "signal 6"; "" for a rule */
} shrink_sig_t;

/* "R2 on session 1", "EXPECT on session 1: query got 404, expected 200", ... */
void shrink_sig_describe(const shrink_sig_t *sig, char *buf, size_t cap);
bool shrink_sig_equal(const shrink_sig_t *a, const shrink_sig_t *b);

typedef struct shrink shrink_t;

/* progress is called after every kept step, with a word for the phase. */
typedef void shrink_progress_fn(void *ctx, const char *phase, const scn_t *now, uint64_t runs,
                                uint64_t steps);

typedef struct {
    bool fork_each;               /* run every candidate in a child process */
    uint64_t runs_max;            /* candidate runs allowed (0: no bound) */
    shrink_progress_fn *progress; /* may be NULL */
    void *ctx;
} shrink_opts_t;

typedef struct {
    int signature;          /* what the original showed, kept throughout: sig.rule */
    shrink_sig_t sig;       /* all of it, in the numbering of the result's sessions */
    char msg[256];          /* the original's first violation (or what failed) */
    uint64_t runs;          /* candidates run */
    uint64_t steps;         /* candidates kept */
    uint64_t refused;       /* candidates that failed, but differently */
    size_t actions_before;  /* not counting `end` */
    size_t actions_after;
} shrink_result_t;

shrink_t *shrink_new(void);
void shrink_free(shrink_t *k);

/* The signature of one run of s (with its own seed), and the message of its
 * first violation into msg. With fork_each the run happens in a child, so a
 * crash is SWARM_RULE_CRASH instead of the end of this process. */
int shrink_signature(shrink_t *k, const scn_t *s, bool fork_each, char *msg, size_t msg_cap);
/* The same, the whole signature into sig. */
int shrink_signature_of(shrink_t *k, const scn_t *s, bool fork_each, shrink_sig_t *sig,
                        char *msg, size_t msg_cap);

/* Shrinks s in place. Returns 0 when s failed and was shrunk (perhaps not at
 * all: it may be minimal already); 1 when s passes, so there is nothing to
 * shrink; 2 with err set when s is not a valid scenario or memory ran out. */
int shrink_run(shrink_t *k, scn_t *s, const shrink_opts_t *o, shrink_result_t *res, char *err,
               size_t err_cap);

/* Actions of s, not counting the final `end`. */
size_t shrink_actions(const scn_t *s);

#endif
