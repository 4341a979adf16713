/* liar.h -- the hostile driver's lies, and the answer each must get.
 *
 * A driver makes promises to the HA center (ha.h): the servers, sessions
 * and recorders its inputs name exist; recorder ids are the center's own;
 * uploads describe real slices; configurations fit. The network and the
 * processes behind a real driver break them: a host agent of a server the
 * center never registered, a recorder report naming a session that was never
 * started, an upload that ends before it starts, a client's malformed start.
 *
 * With `set hostile on` the world tells such lies next to its honest inputs,
 * diverts whatever the center answers to a lie here instead of into the
 * world and the trace (a lie changes nothing the oracle judges), and checks
 * the answer against what the lie deserves: most deserve silence and no
 * change of state; a READY from a recorder nobody started deserves a fence
 * (stop it, and say so); a malformed start deserves 400 with code 2. The
 * first wrong answer fails the run with a sentence naming the lie.
 *
 * The lies draw only from the hostile random stream, so a run without
 * `hostile` draws nothing here and is unchanged.
 */
#ifndef SIM_LIAR_H
#define SIM_LIAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha.h"
#include "engine/rng.h"

typedef struct {
    ha_center_t *core;
    sim_rng_t *rng;        /* the world's hostile stream */
    uint32_t servers;      /* registered with the center */
    uint32_t sessions_max;
    ha_mode_t mode;

    /* the lie being told, and what the center answered so far */
    bool telling;
    const char *lie;       /* what it is, for the failure sentence */
    uint32_t answers;      /* commands emitted */
    uint32_t answer_kinds; /* bit per ha_cmd_kind_t */
    ha_reply_t reply;      /* the last reply */
    uint32_t stop_recorder;/* the last RECORDER_STOP's recorder */
    ha_stop_how_t stop_how;

    uint64_t told;         /* lies told this run */
    char failure[320];     /* the first wrong answer, or "" */
} sim_liar_t;

void sim_liar_reset(sim_liar_t *l, ha_center_t *core, sim_rng_t *rng, uint32_t servers,
                    uint32_t sessions_max, ha_mode_t mode);

/* The driver's emit callback hands every command here while l->telling. */
void sim_liar_note(sim_liar_t *l, const ha_cmd_t *cmd);

/* After the honest input `in` was delivered: perhaps tell a lie it
 * suggests (an unknown server's heartbeat after a heartbeat, a corrupt
 * upload after an upload, ...). */
void sim_liar_after(sim_liar_t *l, const ha_input_t *in);

/* Before the honest start `in`: a clumsy client's malformed start, in one
 * of the ways the API gate must refuse (400, code 2, nothing started). */
void sim_liar_bad_start(sim_liar_t *l, const ha_input_t *in);

/* Configurations a deployment can get wrong, tried in mem (mem_size bytes,
 * 16-aligned, at least the footprint of a 1-server 1-session center) before
 * the world lays out its own center there: each must be refused, and a
 * refused one must not have written to mem. 0, or -1 with failure set. */
int sim_liar_probe_config(sim_liar_t *l, void *mem, size_t mem_size);

/* After the world registered its servers: one more is refused. */
void sim_liar_probe_full(sim_liar_t *l);

#endif
