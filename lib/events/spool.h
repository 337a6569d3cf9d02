/* SPDX-License-Identifier: ISC */
/*
 * spool.h: the spool of webhook envelopes, as glow-trigger consumes it,
 * and its run log runs.jsonl.
 *
 * The layout.  A directory SPOOL in the manner of Maildir; glow-webhook
 * (webhook.h) delivers into it, glow-trigger (glow-trigger(1)) takes from
 * it:
 *
 *   SPOOL/tmp/          envelopes being written; never read them
 *   SPOOL/new/          complete envelopes, one per file, named so that a
 *                       byte-wise sort of the names is the order of arrival;
 *                       written to tmp/ and renamed here, durably
 *   SPOOL/cur/          envelopes claimed by the one glow-trigger: renamed
 *                       from new/ (rename is atomic; the loser of a race
 *                       gets ENOENT), and the claim made durable (fsync of
 *                       cur/) before anything runs
 *   SPOOL/done/         envelopes whose every matched command succeeded
 *   SPOOL/failed/       envelopes with a run that failed its last attempt,
 *                       or that could not be read as an envelope
 *   SPOOL/running/      one record per command running now, NAME,RULE
 *                       (glow_job_start(): its process group), removed
 *                       when it ends; a record left by a glow-trigger that
 *                       died names an orphaned command, ended before
 *                       anything runs again (glow_job_orphan())
 *   SPOOL/runs.jsonl    one JSON line per attempt (below), appended durably
 *   SPOOL/trigger.lock  an flock(2) held by the glow-trigger that owns cur/
 *
 * Names starting with a dot are not envelopes and are never listed.
 * Directories are created mode 0700, runs.jsonl mode 0600.
 *
 * Crash recovery.  An envelope left in cur/ was being worked on when its
 * glow-trigger stopped; the next one resumes it, and what runs.jsonl says
 * about it (glow_spool_tally_load()) tells which commands already ran, how
 * often, and whether one succeeded.
 *
 * A record (one line of runs.jsonl, and of glow-trigger's output):
 *
 *   {"time": "2024-05-01T12:00:00.123Z", "envelope": NAME,
 *    "delivery": ID|null, "rule": ID|null, "attempt": N,
 *    "exit": N|null, "signal": N|null, "timed_out": BOOL,
 *    "duration_ms": N, "ok": BOOL}
 *
 * "envelope" is left out when there is none (an envelope from stdin);
 * "rule" is null for an error in evaluating the envelope, and such a
 * record, like any failure to start, has "error": REASON in place of
 * "exit" through "duration_ms".
 *
 * Functions return 0 (or a documented positive value) on success; on
 * failure -1 with errno set and, for those taking a struct glow_spool, what
 * failed in sp->err and the file in sp->path (and sp->to).  None prints.
 */
#ifndef GLOW_SPOOL_H
#define GLOW_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

#define GLOW_SPOOL_TMP    "tmp"
#define GLOW_SPOOL_NEW    "new"
#define GLOW_SPOOL_CUR    "cur"
#define GLOW_SPOOL_DONE   "done"
#define GLOW_SPOOL_FAILED "failed"
#define GLOW_SPOOL_RUNNING "running"
#define GLOW_SPOOL_RUNS   "runs.jsonl"
#define GLOW_SPOOL_LOCK   "trigger.lock"

enum glow_spool_err {
	GLOW_SPOOL_OK = 0,
	GLOW_SPOOL_CREATE,      /* path: a directory could not be made */
	GLOW_SPOOL_LOCKFILE,    /* path: the lock file could not be opened */
	GLOW_SPOOL_LOCKED,      /* the lock is not ours (EWOULDBLOCK: it is
	                           another's) */
	GLOW_SPOOL_READ,        /* path: a directory or file not read */
	GLOW_SPOOL_LIST,        /* path: out of memory listing it */
	GLOW_SPOOL_CLAIM,       /* path: not renamed from new/ into cur/ */
	GLOW_SPOOL_MOVE,        /* path: not renamed to sp->to */
	GLOW_SPOOL_APPEND,      /* path: runs.jsonl not appended to */
	GLOW_SPOOL_NOMEM        /* path: out of memory for what it holds */
};

/* A spool in use.  The caller owns it; it may live on the stack. */
struct glow_spool {
	const char *dir;        /* SPOOL, not copied */
	int lockfd;             /* trigger.lock's, from glow_spool_open() */
	enum glow_spool_err err;        /* after a failure */
	struct glow_buf path, to;       /* after a failure */
};

void glow_spool_init(struct glow_spool *sp, const char *dir);
/* Let go of the lock (if held) and the memory. */
void glow_spool_free(struct glow_spool *sp);

/*
 * Set b to SPOOL/sub, or SPOOL/sub/name when name is not NULL (sub ""
 * gives "SPOOL/").  -1 (ENOMEM) if b failed.
 */
int glow_spool_path(struct glow_buf *b, const char *spool, const char *sub,
    const char *name);

/*
 * Create SPOOL and its directories when missing, then take trigger.lock
 * without waiting: one glow-trigger per spool, cur/ is its own.
 */
int glow_spool_open(struct glow_spool *sp);

/*
 * The names in SPOOL/sub (not those starting with '.'), sorted.  Free them
 * with glow_spool_names_free().
 */
int glow_spool_list(struct glow_spool *sp, const char *sub, char ***names,
    size_t *n);
void glow_spool_names_free(char **names, size_t n);

/*
 * Claim new/name: rename it into cur/ and fsync cur/.  1 when claimed, 0
 * when it is gone (another reader took it), -1 on failure.
 */
int glow_spool_claim(struct glow_spool *sp, const char *name);

/* Read cur/name into out (EFBIG past max bytes). */
int glow_spool_read(struct glow_spool *sp, const char *name,
    struct glow_buf *out, size_t max);

/* Move cur/name to failed/ (failed) or done/, and fsync that directory. */
int glow_spool_retire(struct glow_spool *sp, const char *name, int failed);

/*
 * Put failed/name back into new/ to be run again, under a new name: the
 * arrival stamp is now's, the rest is kept ("...-DELIVERY.json"), so that
 * the earlier attempts in runs.jsonl (recorded under the old name) do not
 * count against it.  The new name goes to newname; new/ is fsync'ed.
 */
int glow_spool_requeue(struct glow_spool *sp, const char *name,
    const struct timespec *now, struct glow_buf *newname);

/* ---- runs.jsonl ---- */

/* One attempt, as recorded. */
struct glow_spool_run {
	const char *envelope;   /* the name in the spool, or NULL */
	const char *delivery;   /* or NULL */
	const char *rule;       /* the rule's id; NULL: evaluating failed */
	int attempt;            /* 1, 2, ... */
	const char *error;      /* no command ran, for this reason; or NULL */
	int status;             /* the command's wait status */
	int timed_out;          /* it was killed for its timeout */
	double seconds;         /* how long it ran */
};

/* Did the attempt succeed (no error, exit status 0, not timed out)? */
int glow_spool_run_ok(const struct glow_spool_run *r);

/* Append r's record, a line with its newline, stamped at (real time) t. */
void glow_spool_run_format(struct glow_buf *out, const struct glow_spool_run *r,
    const struct timespec *t);

/* Append a record's line (n bytes) to runs.jsonl, durably. */
int glow_spool_append(struct glow_spool *sp, const char *line, size_t n);

/* What the records say about one envelope and rule (rule NULL: errors). */
struct glow_spool_tally {
	char *envelope, *rule;
	int count;              /* records, i.e. attempts made */
	int ok;                 /* one of them succeeded */
};

struct glow_spool_tallies {
	struct glow_spool_tally *v;
	size_t n, cap;
};

#define GLOW_SPOOL_TALLIES_INIT { NULL, 0, 0 }

/*
 * Add up the records of text (runs.jsonl's) about the envelopes in
 * names[] (n of them, sorted as glow_spool_list() gives them) into t.
 * Lines that are not records (a torn last line) are passed over.  -1
 * (ENOMEM) when out of memory.
 */
int glow_spool_tally_parse(struct glow_spool_tallies *t, const char *text,
    size_t len, char *const names[], size_t n);

/*
 * The same from SPOOL/runs.jsonl (none yet is no record).  A torn last
 * line (a crash mid-write) is ended with a newline first, so that the
 * next record does not glue to it.
 */
int glow_spool_tally_load(struct glow_spool *sp, struct glow_spool_tallies *t,
    char *const names[], size_t n);

/* The tally of envelope and rule (rule NULL: its errors), or NULL. */
const struct glow_spool_tally *glow_spool_tally_find(
    const struct glow_spool_tallies *t, const char *envelope,
    const char *rule);

void glow_spool_tally_free(struct glow_spool_tallies *t);

#endif
