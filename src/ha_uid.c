/* ha_uid.c -- the UID a replacement recorder joins the channel with.
 *
 * The service "rejoins the channel with a randomly-generated recording UID,
 * abandoning the old one": random so that a stale client cannot guess it,
 * and never one the session or a user in the channel has, or the join would
 * clash. */
#include "ha_uid.h"

#include <assert.h>
#include <stdbool.h>

static bool in_list(uint32_t v, const uint32_t *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (list[i] == v)
            return true;
    }
    return false;
}

static bool acceptable(uint32_t v, const uint32_t *used, uint32_t used_count,
                       const uint32_t *users, uint32_t users_count)
{
    return v != 0 && !in_list(v, used, used_count) && !in_list(v, users, users_count);
}

uint32_t ha_uid_draw(ha_random_fn *random, void *random_ctx,
                     const uint32_t *used, uint32_t used_count,
                     const uint32_t *users, uint32_t users_count)
{
    assert(random != NULL);
    assert(used_count + users_count < UINT32_MAX - 1);

    uint32_t v = 0;
    for (int draw = 0; draw < HA_UID_DRAWS_MAX; draw++) {
        /* The high half: xorshift-style sources are weakest in low bits. */
        v = (uint32_t)(random(random_ctx) >> 32);
        if (acceptable(v, used, used_count, users, users_count))
            return v;
    }
    /* A source this unlucky is broken (stuck, say); stay correct anyway by
     * walking up from the last draw. Among any used_count + users_count + 2
     * consecutive values at most that many are taken and one may be 0, so
     * the walk ends within that many steps. */
    for (uint32_t step = 1;; step++) {
        assert(step <= used_count + users_count + 2);
        v += 1;
        if (acceptable(v, used, used_count, users, users_count))
            return v;
    }
}
