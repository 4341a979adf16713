/* ha_uid.h -- fresh recording UIDs for a switch (R7). */
#ifndef HA_UID_H
#define HA_UID_H

#include <stdint.h>

#include "ha.h"

/* Draws a UID in 1..2^32-1 from the random source that is in neither list
 * (UIDs the session used, users in the channel). Bounded: after
 * HA_UID_DRAWS_MAX clashing draws it walks up from the last draw, which ends
 * because the lists are far shorter than 2^32. */
uint32_t ha_uid_draw(ha_random_fn *random, void *random_ctx,
                     const uint32_t *used, uint32_t used_count,
                     const uint32_t *users, uint32_t users_count);

#endif
