/* ncs_judge_impl.h -- the NCS judge's per-session state, shared by
 * ncs_judge.c (taking notices in), ncs_rules.c (the checks at the end) and
 * ncs_print.c. Not for other modules. */
#ifndef SIM_NCS_JUDGE_IMPL_H
#define SIM_NCS_JUDGE_IMPL_H

#include "ncs_judge.h"

/* One recording: the first start, or the resume of activation k - 1 for
 * seg[k]. Its 40 opens it; a 12 and the mix's 42 belong to it. */
typedef struct {
    int64_t t;            /* the 40's sendts */
    uint64_t line;
    uint32_t uid;         /* the UID it records with (its 40's) */
    bool switched;        /* a 12 announced a new UID for it */
    uint32_t new_uid;
    uint64_t line12;
    int64_t start, disc;  /* its mix 42: startUtcMs, discontinueUtcMs; -1 none */
    uint64_t line42;
    int64_t last_good;    /* end of the last good slice before it (a 42's
                           * discontinueUtcMs below its start), -1 unknown */
    uint64_t last_good_line;
} ncs_seg_t;

/* A stream of individual mode, for telling a user's return from a restart. */
typedef struct {
    uint32_t uid;
    int track;
    int64_t last_start;   /* its last slicing start */
    int seg;              /* in seg[seg] */
} ncs_stream_t;

/* A user who left and came back within one recording: a stream's slicing
 * started again with nothing discontinued. */
typedef struct {
    uint32_t uid;
    int64_t before, back; /* its slicing start before, and again */
} ncs_return_t;

#define NCS_JUDGE_RETURNS 256

/* A playlist that must be listed (from a slicing start), or one that was. */
typedef struct {
    int bak;              /* -1: the ordinary name */
    bool mixed;
    uint32_t uid;         /* individual */
    int track;            /* individual: audio or video */
    uint64_t line;
} ncs_pl_t;

typedef struct {
    ncs_session_verdict_t v;
    uint64_t sid_hash;
    ncs_seg_t seg[NCS_JUDGE_SEGMENTS];
    uint32_t seg_n;                 /* kept (v.recordings counts all) */
    bool pending12;                 /* a 12 seen before its 40 */
    uint32_t pending_uid;
    uint64_t pending_line;
    int64_t pending_t;
    uint32_t rec_uids[NCS_JUDGE_UIDS]; /* recording UIDs used, in order */
    uint64_t rec_lines[NCS_JUDGE_UIDS];
    uint32_t rec_n;
    uint32_t users[NCS_JUDGE_UIDS];    /* users seen (stream owners) */
    int64_t users_first[NCS_JUDGE_UIDS]; /* when each one's first stream began, -1 unknown */
    ncs_stream_t streams[NCS_JUDGE_STREAMS];
    uint32_t streams_n;
    ncs_return_t returns[NCS_JUDGE_RETURNS];
    uint32_t returns_n;
    uint32_t users_n;
    uint32_t uid;                   /* the UID callbacks carry now */
    bool has_uid;
    bool mixed, individual;         /* kinds of streams seen */
    bool web_names, mp4;            /* a web-mode name (cname's specials made '-'), an MP4 */
    int64_t stale_t[NCS_JUDGE_SEGMENTS]; /* a stale notice of seg[k]'s recorder after it was
                                          * let go, its sendts, -1 none */
    ncs_pl_t needs[NCS_JUDGE_NEEDS];
    uint32_t needs_n;
    ncs_pl_t listed[NCS_JUDGE_NEEDS];
    uint32_t listed_n;
    bool uploaded;                  /* a 31 or 4 with a fileList came */
    int64_t end_t;                  /* the 11's sendts, -1 none */
    uint64_t end_line;
    int64_t first_t, last_t;        /* of any notice */
    uint8_t *seqs;                  /* bitmap of sequences seen */
    uint32_t seq_max;
    uint64_t seq_distinct;
    bool seq_over;                  /* one beyond NCS_JUDGE_SEQS: holes unknown */
    bool told_r5, told_cname;
    bool misnamed;                  /* an uploaded name was wrong (R4): listings may be there */
} ncs_sess_t;

struct ncs_judge {
    ncs_judge_opts_t opts;
    ncs_sess_t *sess;               /* NCS_JUDGE_SESSIONS */
    uint32_t sess_n;
    uint32_t slot[2 * NCS_JUDGE_SESSIONS]; /* open addressing: index + 1, 0 free */
    bool overflow;
    bool finished;
};

/* A finding on s (kept while there is room; always counted). */
void ncs_find(ncs_sess_t *s, int rule, ncs_certainty_t c, uint64_t line, uint64_t api_line,
              const char *rests_on, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The last finding kept could be rules in mask instead (ncs_finding_t.alt). */
void ncs_find_alt(ncs_sess_t *s, uint32_t mask);
#define NCS_RULE_BIT(r) (1u << (r))

/* A finding's certainty before the holes of the log are known. */
#define NCS_IF_COMPLETE ((ncs_certainty_t)3)

/* PROVED on a complete log, POSSIBLE on one with holes: for findings that
 * rest on a notice being absent. */
ncs_certainty_t ncs_if_complete(const ncs_sess_t *s);

/* The checks made at the end (ncs_rules.c). */
void ncs_rules_finish(const ncs_judge_t *j, ncs_sess_t *s);

/* Formats utc_ms as "HH:MM:SS.mmm" (UTC) for messages. */
#define NCS_HMS_SIZE 24
void ncs_hms(char out[NCS_HMS_SIZE], int64_t utc_ms);

#endif
