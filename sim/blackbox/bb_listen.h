/* bb_listen.h -- the customer's callback endpoint: the service POSTs its
 * NCS envelopes here (libmicrohttpd), and each is written, as one JSON line,
 * to the callback log as it arrives -- the order NCS delivered them in;
 * the reader orders them by sendts and drops repeats.
 *
 * No thread: the driver's loop polls bb_listen_fd() and calls
 * bb_listen_run(), with a wait no longer than bb_listen_timeout_ms() (MHD's
 * own timers: a connection idle past BB_LISTEN_IDLE_S is closed). Bounded:
 * BB_LISTEN_CONN_MAX connections at once, bodies of at most
 * BB_LISTEN_BODY_MAX bytes (413 beyond), JSON objects only (400 else).
 */
#ifndef BB_LISTEN_H
#define BB_LISTEN_H

#include <stdint.h>
#include <stdio.h>

#define BB_LISTEN_CONN_MAX 32
#define BB_LISTEN_BODY_MAX 65535 /* an NCS log line, its newline aside (ncs.h) */
#define BB_LISTEN_IDLE_S 10

typedef struct bb_listen bb_listen_t;

typedef struct {
    uint64_t taken, refused_big, refused_json, refused_busy;
} bb_listen_stats_t;

/* Listens on host:port ("127.0.0.1:8090"; port 0: any free one); each
 * envelope goes to log. NULL with err set. */
bb_listen_t *bb_listen_start(const char *host_port, FILE *log, char *err, size_t cap);
uint16_t bb_listen_port(const bb_listen_t *l);
int bb_listen_fd(const bb_listen_t *l);
/* How long the loop may wait before MHD has work of its own, ms (-1: no limit). */
int64_t bb_listen_timeout_ms(const bb_listen_t *l);
void bb_listen_run(bb_listen_t *l);
/* Where envelopes go from now on (NULL: they are answered and dropped). */
void bb_listen_set_log(bb_listen_t *l, FILE *log);
/* The envelope with this sid's session_exit arrived (the polling client stops). */
int bb_listen_exit_seen(const bb_listen_t *l, const char *sid);
bb_listen_stats_t bb_listen_stats(const bb_listen_t *l);
void bb_listen_stop(bb_listen_t *l);

#endif
