/* ncs_judge.h -- the contract judged from what a customer sees: the
 * callbacks (an NCS log) and, when given, the REST calls with their answers.
 *
 * hasim's own oracle (judge/) reads the whole trace -- faults, heartbeats,
 * detections, every slice -- and so can judge only a run it made. This
 * judge reads what any implementation of the service leaves behind, the
 * real one included, and decides each rule only as far as that evidence
 * goes:
 *
 *  - a *violation* is proved by the log, given the service's documented
 *    behaviour and the environment assumptions it names (A2: a fault is
 *    detected within 6 s; R14: a recording finishes a slice at least every
 *    25 s, so a fault came at most 25 s after the last good slice);
 *  - a *possible violation* is what the log allows but cannot prove (a
 *    resume 95 s after the last good slice breaks R3 unless the center
 *    detected the fault more than 5 s after that slice ended; callbacks
 *    do not say when it did);
 *  - a rule the log cannot decide at all is named as such, with why.
 *
 * What the log shows: 40 recorder_started opens each recording (the first
 * start, then one per resume); 12 session_failover with it means a switch
 * with a new UID, none means a reconnect; 42 recorder_slice_start says when
 * slicing started and, after an interruption, where the last good slice
 * ended (discontinueUtcMs); 31 uploaded names the playlists; 11 ends the
 * session. Sequence numbers show whether notices were lost: a finding that
 * rests on a notice being absent is only possible on a log with holes.
 *
 * Memory is bounded per session (NCS_JUDGE_*); a log with more sessions
 * than NCS_JUDGE_SESSIONS is refused with a message (judge one with a sid).
 */
#ifndef SIM_NCS_JUDGE_H
#define SIM_NCS_JUDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ncs.h"

#define NCS_JUDGE_SESSIONS 256  /* sessions of one log */
#define NCS_JUDGE_SEGMENTS 16   /* recordings (40s) of a session kept: 1 + 3 resumes, and room */
#define NCS_JUDGE_STREAMS 128   /* individual streams (uid x track) of a session */
#define NCS_JUDGE_UIDS 160      /* UIDs seen: recording UIDs and users */
#define NCS_JUDGE_NEEDS 256     /* playlists a session must have listed */
#define NCS_JUDGE_FINDINGS 64   /* kept a session; more are counted */
#define NCS_JUDGE_SEQS (1u << 20) /* sequences tracked for holes */

/* Bounds the judge derives, from the contract (src/CONTRACT.md) and the
 * service's documentation, kept here and not taken from src/. */
#define NCS_SLICE_GAP_MS_MAX 25000     /* R14: a slice at least every 15 s + 10 s */
#define NCS_DETECT_MS_MAX 6000         /* A2: a disconnect is detected within 6 s */
#define NCS_RESUME_MS_MAX 90000        /* R3 */
#define NCS_RECONNECT_MS_MAX 60000     /* R2: the link back within a minute */
#define NCS_REJOIN_MS_MAX 9000         /* A4 */
#define NCS_FIRST_START_MS_MAX 90000   /* R13 */
#define NCS_STOP_FLUSH_MS_MAX 5000     /* R12 */
#define NCS_ACTIVATIONS_MAX 3          /* R5 */

typedef enum { NCS_PROVED, NCS_POSSIBLE, NCS_INFO } ncs_certainty_t;

typedef struct {
    int rule;                 /* 1..14; 0: the log itself */
    ncs_certainty_t certainty;
    uint64_t line;            /* the evidence: a line of the callback log, 0 none */
    uint64_t api_line;        /* ... and of the API log, 0 none */
    char text[320];
    const char *rests_on;     /* assumptions a proof uses, NULL none */
    uint32_t alt;             /* bit r: or rule r instead -- the log proves that one of
                               * them broke, not which (a playlist missing: not made, or
                               * not listed, or misnamed) */
} ncs_finding_t;

typedef struct {
    char sid[NCS_STR_MAX], cname[NCS_STR_MAX];
    uint64_t notices;
    uint32_t recordings;      /* 40s: the first start, then resumes */
    uint32_t switches;        /* 12s */
    int exit_status;          /* of 11, -1 none */
    bool complete;            /* no sequence missing */
    uint64_t missing;         /* sequences missing */
    uint32_t findings_n;      /* kept */
    uint64_t findings_over;   /* not kept */
    ncs_finding_t findings[NCS_JUDGE_FINDINGS];
    bool decided[15];         /* rule r judged (at least in part) */
    uint32_t api_calls;       /* of this session */
} ncs_session_verdict_t;

typedef struct ncs_judge ncs_judge_t;

typedef struct {
    const ncs_call_t *calls;  /* the API log, time ordered; NULL none */
    size_t calls_n;
    int64_t skew_ms;          /* how far the API log's clock may be from the
                               * service's: comparisons across the logs give
                               * the service this much benefit */
} ncs_judge_opts_t;

ncs_judge_t *ncs_judge_new(const ncs_judge_opts_t *o);
void ncs_judge_free(ncs_judge_t *j);
/* An ncs_sink_fn: notices of any session, in delivery order (the reader's). */
void ncs_judge_notice(void *j, const ncs_notice_t *n);
/* After the last notice: the verdicts, one per session in order of first
 * appearance. false when the log had more than NCS_JUDGE_SESSIONS. */
bool ncs_judge_finish(ncs_judge_t *j);
size_t ncs_judge_sessions(const ncs_judge_t *j);
const ncs_session_verdict_t *ncs_judge_verdict(const ncs_judge_t *j, size_t i);

/* Counts of proved and possible findings of verdict v. */
uint32_t ncs_verdict_count(const ncs_session_verdict_t *v, ncs_certainty_t c);
/* The verdict as text: each finding as "  Rn  LOG:LINE: text", the rules
 * decided and those the log could not decide, with why. */
void ncs_verdict_print(FILE *f, const ncs_session_verdict_t *v, const char *log,
                       const char *api);

#endif
