/* mutate.h -- a scenario changed a little, and the chains that replay it.
 *
 * The guided swarm (guided.h) makes new runs from old ones: it takes the
 * scenario of a run that reached something new and changes its timeline --
 * moves, adds, drops or retimes a fault, adds a call next to a fault or a
 * stop, aims at a bound (bounds.h), sets a latency -- instead of drawing a
 * new world. A mutation is a pure function of the scenario, a seed and
 * (optionally) the goal it aims for, so a guided run is described by a
 * **chain**: the seed of a swarm run (swarm_gen), then one step per
 * mutation, each a seed and perhaps a goal's name:
 *
 *     S0,S1,S2@bound.heal.+1,S3
 *
 * `hasim replay --chain ...` regenerates the scenario from it alone.
 */
#ifndef SIM_MUTATE_H
#define SIM_MUTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goals.h"
#include "lang/scn.h"
#include "swarm_gen.h"

/* Steps of a chain at most: a corpus entry this deep has no children. */
#define SWARM_CHAIN_MAX 48
/* Enough for any chain's text. */
#define SWARM_CHAIN_TEXT_MAX (SWARM_CHAIN_MAX * (20 + 1 + SWARM_GOAL_NAME_MAX + 1) + 1)

typedef struct {
    uint32_t n;                    /* steps, 1..SWARM_CHAIN_MAX */
    uint64_t seed[SWARM_CHAIN_MAX]; /* [0]: a swarm run seed; then mutation seeds */
    int16_t goal[SWARM_CHAIN_MAX];  /* the goal a step aims for, -1 none; [0] is -1 */
} swarm_chain_t;

/* Changes s (a complete scenario) a little, from seed; towards goal when
 * goal >= 0 (a goal id of goals.h). The result keeps scn_parse's rules and
 * at most SWARM_MUTATE_ACTIONS_MAX actions. */
#define SWARM_MUTATE_ACTIONS_MAX 4096
void swarm_mutate(scn_t *s, uint64_t seed, int goal);

/* The scenario of a chain: swarm_gen of the first seed with o, then each
 * mutation in turn. */
void swarm_chain_gen(scn_t *s, const swarm_chain_t *c, const swarm_gen_opts_t *o);

/* "S0,S1@goal,...": 0, or -1 with why. */
int swarm_chain_parse(const char *text, swarm_chain_t *c, char *why, size_t why_cap);
/* The text of c into buf (at least SWARM_CHAIN_TEXT_MAX for any chain). */
void swarm_chain_format(const swarm_chain_t *c, char *buf, size_t cap);

#endif
