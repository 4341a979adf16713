/* ncs_import.h -- a field incident, read from the service's callback log
 * (and an API log), and written back as a scenario of the language.
 *
 * What the log shows becomes an incident: the session (sid, channel, mode,
 * the first UID, users), each activation (where the last good slice ended,
 * when recording resumed, whether a new UID came with it, whether the
 * recorder let go spoke again later -- its server was back), how the
 * session ended and the playlists it uploaded.
 *
 * What the log cannot show -- a kill or a disconnect, when the center
 * detected it -- is a *reading*: one choice per activation. The scenario is
 * written for a reading, with the timeline placed so that each resume comes
 * when the log says, and says in comments what it chose and why. `hasim
 * import` runs it and compares its callbacks with the log; `--explore` does
 * so for every reading. */
#ifndef SIM_NCS_IMPORT_H
#define SIM_NCS_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ncs.h"
#include "ncs_judge.h"

#define NCS_IMPORT_ACTS 8       /* activations of one session taken (R5 allows 4) */
#define NCS_IMPORT_FILES 256    /* playlists compared */
#define NCS_IMPORT_CALLS 4096   /* API calls replayed in the scenario */
#define NCS_IMPORT_USERS 64
#define NCS_IMPORT_SLICE_TOL_MS 30000 /* two slices: the world cuts one at the first
                                       * I-frame after 15 s */

/* The language's `set clock` counts from here (2026-01-01T00:00:00Z). */
#define NCS_CLOCK_ZERO_UTC_MS 1767225600000LL

typedef enum { NCS_FAULT_KILL, NCS_FAULT_DISCONNECT } ncs_fault_kind_t;

typedef struct {
    int64_t last_good;     /* utc the last good slice ended, -1 unknown */
    uint64_t last_good_line;
    int64_t resume;        /* utc of its recorder_started, -1: it ended the session */
    uint64_t line;
    bool switched;         /* a session_failover came with it */
    int64_t old_back;      /* utc of a stale notice of the recorder let go, -1 none */
    int64_t first404;      /* utc of the first 404 "failed to find worker" the API log
                            * shows in this interruption, -1 none: detection came by then */
} ncs_act_t;

typedef struct {
    int bak;
    bool mixed;
    uint32_t uid;
    int track;
} ncs_file_key_t;

typedef struct {
    int64_t utc_ms;
    int call;              /* sim_call_t */
    bool worker_404;
} ncs_timed_call_t;

typedef struct {
    char sid[NCS_STR_MAX], cname[NCS_STR_MAX];
    int mode;              /* sim_mode_t */
    bool mp4;
    uint32_t uid0;
    struct {
        uint32_t uid;
        int64_t first;     /* utc its first stream began, -1 unknown */
        int64_t last;      /* utc a stream of it last began to slice, -1 unknown */
        int last_bak;      /* the last prefix it has a playlist under: -1 none, -2 no playlist */
    } users[NCS_IMPORT_USERS];
    uint32_t users_n;
    struct {
        uint32_t uid;
        int64_t before, back; /* its slicing began at before, and again at back */
    } returns[NCS_IMPORT_USERS];
    uint32_t returns_n;    /* users who left and came back within a recording */
    int64_t start_call;    /* utc of the accepted start (API log), -1 */
    int64_t stop_call;     /* utc of the first accepted stop (API log), -1 */
    int64_t first;         /* utc of the first recorder_started, -1 none */
    uint64_t first_line;
    ncs_act_t act[NCS_IMPORT_ACTS];
    uint32_t acts;         /* resumes, and one more if an interruption ended it */
    uint32_t recordings;
    int exit_status;       /* -1 no session_exit */
    int64_t end;           /* utc of session_exit, or of the last notice */
    uint64_t end_line;
    ncs_file_key_t files[NCS_IMPORT_FILES];
    uint32_t files_n;
    ncs_timed_call_t calls[NCS_IMPORT_CALLS];
    uint32_t calls_n;      /* other than start and the first accepted stop */
    bool complete;
    uint32_t proved, possible; /* the NCS judge's findings */
    ncs_session_verdict_t verdict;
} ncs_incident_t;

/* One reading of an incident: the fault behind each activation, and the
 * seed (which places heartbeats and draws UIDs). */
typedef struct {
    uint8_t kind[NCS_IMPORT_ACTS]; /* ncs_fault_kind_t */
    uint64_t seed;
} ncs_reading_t;

/* The incident of session i of a judge that has finished. */
void ncs_incident_of(const ncs_judge_t *j, size_t i, const ncs_call_t *calls, size_t calls_n,
                     ncs_incident_t *out);

/* Where recording was last known good before activation k (utc). */
int64_t ncs_good_before(const ncs_incident_t *in, uint32_t k);

/* The reading the log makes likeliest; why into why (a sentence per
 * activation, for the scenario's comments). */
void ncs_reading_best(const ncs_incident_t *in, ncs_reading_t *r);

/* Every reading worth running for --explore (at most cap): each fault
 * kind per activation that can be either, times seeds. */
size_t ncs_readings_all(const ncs_incident_t *in, ncs_reading_t *out, size_t cap);

/* One line naming the reading: "kill, disconnect (seed 1)". */
void ncs_reading_name(const ncs_incident_t *in, const ncs_reading_t *r, char *buf, size_t cap);

/* Can the incident be written as a scenario? false, with why, when the
 * log holds what the language cannot say (a channel name with a blank). */
bool ncs_incident_writable(const ncs_incident_t *in, char *why, size_t cap);

/* The scenario of a reading, with its comments, into f. log names the
 * source in the comments. 0, or -1 when f failed. */
int ncs_scenario_write(FILE *f, const ncs_incident_t *in, const ncs_reading_t *r,
                       const char *log);

/* How a run's incident (b) compares with the log's (a). */
typedef enum {
    NCS_SAME,           /* the same recordings, switches and reconnects, ending, first
                         * UID and playlists, and each resume, last good slice and the
                         * end within the tolerance */
    NCS_SAME_BUT_TIMING,/* all that but some time */
    NCS_DIFFERENT,
} ncs_likeness_t;

/* why: the first difference (or what is the same). */
ncs_likeness_t ncs_incident_compare(const ncs_incident_t *a, const ncs_incident_t *b,
                                    int64_t tol_ms, char *why, size_t cap);

#endif
