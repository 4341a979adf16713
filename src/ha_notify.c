/* ha_notify.c -- callbacks in the shape of the service's notifications.
 *
 * Every callback carries the recording UID current when it is sent (R7):
 * after a switch that is the new one. Sequence numbers count per session
 * from 0; notice ids are unique per center so receivers can drop the
 * duplicates the Notification Center is allowed to deliver. */
#include "ha_internal.h"

#include <string.h>

ha_notify_t ha_notify_of(uint16_t event_type)
{
    ha_notify_t n;
    memset(&n, 0, sizeof(n));
    n.event_type = event_type;
    return n;
}

void ha_notify(ha_center_t *c, uint32_t si, ha_notify_t n)
{
    ha_session_t *s = &c->sessions[si];
    n.session = si;
    n.uid = s->uid;
    n.sequence = s->seq++;
    n.notice_id = c->next_notice++;
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_NOTIFY;
    cmd.u.notify = n;
    ha_emit(c, &cmd);
}
