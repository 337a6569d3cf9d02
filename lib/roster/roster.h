/* SPDX-License-Identifier: ISC */
/*
 * roster.h: the roster of record (roster.json, version 1).
 *
 * The file format, its rules and its canonical form are documented in
 * glow-roster(5); this header is the manual for the code.
 *
 * A roster is loaded over a parsed JSON document without copying it: each
 * learner is a reference (document, token) plus its key.  A learner that is
 * added or changed gets a small document of its own, owned by the roster,
 * so a 100,000-learner roster costs its text, its tokens and one index.
 *
 *     struct glow_roster r;
 *     struct glow_json_error e;
 *
 *     if (glow_roster_load(&r, text, len, &e) < 0)
 *         ...;                        // not JSON: e.offset, e.reason
 *     if (r.nproblems)
 *         ...;                        // r.problems: one line per problem
 *     glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL, NULL, now);
 *     glow_roster_free(&r);
 *
 * Files are changed only through glow_roster_edit(): lock, read, load,
 * modify (a callback), validate, write atomically if the bytes changed,
 * unlock.  A roster that does not load or validate is never overwritten.
 *
 * Learner indexes (0 .. nlearner-1) address r->learner[]; the order is by
 * key once glow_roster_sort() (or find, or write) has run.  A learner's
 * `pos` is its index in the learners array as loaded (new learners get the
 * next numbers): problems name learners by pos, so `jq .learners[pos]`
 * finds them in the file.
 *
 * Functions return 0 (or an index or count) on success and -1 on failure;
 * a failure for lack of memory sets errno to ENOMEM.
 */
#ifndef GLOW_ROSTER_H
#define GLOW_ROSTER_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"

/* The learner fields, in canonical order. */
enum glow_roster_field {
	GLOW_RF_HANDLE = 0,     /* github_handle */
	GLOW_RF_COHORT,         /* cohort_id */
	GLOW_RF_PATH,           /* path */
	GLOW_RF_REPO,           /* learning_room_repo */
	GLOW_RF_STATE,          /* provision_state */
	GLOW_RF_STATUS,         /* status */
	GLOW_RF_REGISTERED,     /* registered_at */
	GLOW_RF_SIGNAL,         /* last_signal_at */
	GLOW_RF_ENROLL_REPO,    /* enrollment_repo */
	GLOW_RF_ENROLL_ISSUE,   /* enrollment_issue_number */
	GLOW_RF_NOTES,          /* notes */
	GLOW_RF_COUNT
};

/* "github_handle", ... by enum glow_roster_field. */
extern const char *const glow_roster_field_name[GLOW_RF_COUNT];
/* The field named s[0..n), or -1 for a field the format does not define. */
int glow_roster_field_lookup(const char *s, size_t n);

/* Enumerations, NULL-terminated, in documented order. */
extern const char *const glow_roster_paths[];          /* day1-day2, ... */
extern const char *const glow_roster_states[];         /* pending, ... */
extern const char *const glow_roster_statuses[];       /* awaiting-ack, ... */
/* Index of s[0..n) in the NULL-terminated list, or -1. */
int glow_roster_enum(const char *const *list, const char *s, size_t n);

/*
 * The rules, usable on their own.
 *
 * glow_roster_handle_ok: after stripping one leading '@', 1 to 39 ASCII
 * letters, digits and single inner hyphens.  "@@x" is refused: only one
 * '@' is stripped.
 * glow_roster_owner_name_ok: "owner/name": owner by the handle rule (no
 * '@'), name 1 to 100 of [A-Za-z0-9._-], not "." or "..".
 * (Times: glow_time_ok, core/isotime.h.)
 */
int glow_roster_handle_ok(const char *s, size_t n);
int glow_roster_owner_name_ok(const char *s, size_t n);

/* s[0..n) without leading and trailing white space (JavaScript's trim():
 * ASCII and Unicode spaces, line terminators, BOM); returns the new start. */
const char *glow_roster_trim(const char *s, size_t n, size_t *outn);

/*
 * Append the key of (handle, cohort) to out: the handle without one
 * leading '@', ASCII lower-cased, "@@", the trimmed cohort ID (case kept).
 */
void glow_roster_key(struct glow_buf *out, const char *handle, size_t hn,
    const char *cohort, size_t cn);
/*
 * Append the key a person wrote as "handle@@cohort" (the first "@@"
 * splits it), normalised as glow_roster_key() makes it: "@Alice@@ s"
 * gives "alice@@s".  Returns 0, or -1 if s holds no "@@" (out unchanged).
 */
int glow_roster_key_parse(struct glow_buf *out, const char *s);
/*
 * Append the repository name of (cohort, handle): "learning-room-<cohort>-
 * <handle>" (cohort trimmed, handle without '@'), ASCII lower-cased, every
 * character outside [a-z0-9-] replaced by '-' (one per character; a
 * character beyond U+FFFF counts two, as in the earlier JavaScript
 * implementation).  The name is not checked against the 100-character
 * limit here; returns its length.
 */
size_t glow_roster_repo_name(struct glow_buf *out, const char *cohort,
    size_t cn, const char *handle, size_t hn);
#define GLOW_ROSTER_REPO_NAME_MAX 100


struct glow_roster_learner {
	const struct glow_json *doc;    /* the document holding the learner */
	int tok;                        /* its token (an object if valid) */
	int pos;                        /* index in the learners array */
	const char *key;                /* "handle@@cohort"; "" if unknown */
	size_t keylen;
};

struct glow_roster_cohort {
	const struct glow_json *doc;
	int tok;
};

struct glow_roster {
	struct glow_json doc;           /* the loaded document */
	char *owned_text;               /* freed with the roster, if set */
	int top;                        /* the top-level object (token 0) */
	struct glow_roster_learner *learner;
	size_t nlearner, caplearner;
	struct glow_roster_cohort *cohort;
	size_t ncohort, capcohort;
	int *extra;                     /* unknown top-level keys (in doc) */
	size_t nextra;
	char generated_at[40];          /* "" if absent */
	int sorted;                     /* learner[] is in key order */
	int dirty;                      /* content changed since loading */
	int nextpos;
	struct glow_buf problems;       /* one line per problem, '\n' ended */
	size_t nproblems;
	void *parts;                    /* documents of changed learners */
	void *pool;                     /* keys */
};

/*
 * Load a roster from text (which must outlive it; it is not copied).
 * Returns 0 if the text is a JSON object; the roster is then validated and
 * r->problems lists what is wrong (r->nproblems lines).  Returns -1 if the
 * text is not JSON or not an object (err says where and why), or on lack
 * of memory (err->reason "out of memory"); r needs no free then.
 */
int glow_roster_load(struct glow_roster *r, const char *text, size_t len,
    struct glow_json_error *err);
void glow_roster_free(struct glow_roster *r);

/* Validate the roster as it is now; replaces r->problems; the count. */
size_t glow_roster_validate(struct glow_roster *r);

/* Put learner[] in key order (ties by pos). */
void glow_roster_sort(struct glow_roster *r);
/* The index of the learner with key[0..n), or -1 (sorts first). */
long glow_roster_find(struct glow_roster *r, const char *key, size_t n);

/*
 * A learner field's value as a string: the value written in the roster,
 * decoded, or the default for a missing field ("day1-day2", "pending",
 * "awaiting-ack", "" for notes).  The handle comes without '@', the cohort
 * trimmed.  Returns a pointer to the bytes (into the document, or into
 * scratch, which is overwritten) with *n set; NULL for null, a missing
 * nullable field or a value that is not a string.
 */
const char *glow_roster_get(const struct glow_roster *r, size_t i,
    enum glow_roster_field f, struct glow_buf *scratch, size_t *n);

/*
 * Upsert the learner object obj of doc (any document; it need not outlive
 * the call).  The object must hold github_handle and cohort_id; it is
 * validated first (problems appended to why, one line each, prefixed by
 * `what`, if why is not NULL).
 *
 * A new learner gets the documented defaults (path day1-day2, pending,
 * awaiting-ack, null, notes "") and registered_at = now unless given.
 * An existing learner gets only the fields present in obj, the rest kept:
 * an update never resets provisioning or progress state unless a field
 * says so; its handle and cohort ID stay as they were.  Unknown fields are
 * kept (existing ones in place, new ones after them).
 *
 * Returns GLOW_ROSTER_ADDED, _UPDATED, _UNCHANGED, or _EXISTS (the learner
 * exists and flags hold GLOW_ROSTER_NO_UPDATE: nothing is changed); -1 if
 * obj is not a valid learner (EINVAL) or on lack of memory (ENOMEM).
 * *index, if not NULL, receives the learner's index.
 */
enum {
	GLOW_ROSTER_ADDED = 1,
	GLOW_ROSTER_UPDATED,
	GLOW_ROSTER_UNCHANGED,
	GLOW_ROSTER_EXISTS
};
#define GLOW_ROSTER_NO_UPDATE 1
int glow_roster_upsert(struct glow_roster *r, const struct glow_json *doc,
    int obj, int flags, const char *now, const char *what,
    struct glow_buf *why, long *index);

/*
 * Change fields of learner i: each of n fields gets the JSON value text
 * json[k] (e.g. "\"active-day1\"", "null", "12").  The key fields
 * (github_handle, cohort_id) cannot be changed this way (EINVAL).  Values
 * are validated as in upsert (problems appended to why).  Returns
 * GLOW_ROSTER_UPDATED or GLOW_ROSTER_UNCHANGED, or -1.
 */
int glow_roster_update(struct glow_roster *r, size_t i, const char **field,
    const char **json, size_t n, struct glow_buf *why);
/* One string field; s NULL writes null. */
int glow_roster_set_str(struct glow_roster *r, size_t i, const char *field,
    const char *s);

/* The cohort with trimmed ID id[0..n), or -1. */
long glow_roster_cohort_find(const struct glow_roster *r, const char *id,
    size_t n);
/* Add {cohort_id} (trimmed) unless present: 1 added, 0 present, -1. */
int glow_roster_cohort_ensure(struct glow_roster *r, const char *id,
    size_t n);
/* The same for learner i's cohort: 1 added, 0 present (or no cohort), -1. */
int glow_roster_cohort_ensure_learner(struct glow_roster *r, size_t i);

/*
 * Write the roster into out.  GLOW_ROSTER_CANONICAL: the canonical form
 * of glow-roster(5) (JSON.stringify(x, null, 2) and a newline; learners by
 * key; every learner field written, defaults filled).  GLOW_ROSTER_PUBLIC:
 * the redacted view: version, generated_at, cohorts with cohort_id and
 * label only, learners with github_handle, cohort_id, path,
 * provision_state and status only.  GLOW_ROSTER_LEARNERS: only the JSON
 * array of learners (as glow-roster select prints it).  keep, if not NULL, selects learners by
 * index (keep[i] != 0).
 *
 * generated_at: kept unless the content changed since loading (r->dirty)
 * or it is absent; then it becomes now (NULL: the clock).
 * Returns 0, or -1 if out ran out of memory.
 */
#define GLOW_ROSTER_CANONICAL 0
#define GLOW_ROSTER_PUBLIC 1
#define GLOW_ROSTER_LEARNERS 2  /* only the array of learners, canonical */
int glow_roster_write(struct glow_roster *r, struct glow_buf *out, int view,
    const unsigned char *keep, const char *now);
/* The same, written to fd in pieces of about 1 MiB (memory stays small);
 * -1 with errno if writing failed. */
int glow_roster_write_fd(struct glow_roster *r, int fd, int view,
    const unsigned char *keep, const char *now);

/*
 * Edit the roster file at path in place: take its lock (glow_lock), read
 * it, load it, refuse it if it does not validate, call fn (which changes r
 * through this interface and returns 0, or -1 to abandon the edit),
 * validate again, and if the canonical text differs from the file's bytes
 * write it atomically (glow_write_atomic, the file's mode kept; 0600 for
 * a new file), then unlock.  With GLOW_ROSTER_CREATE a missing file is an
 * empty roster ({"version": 1, "cohorts": [], "learners": []}).
 *
 * r is the caller's: after the call, whatever the result, it holds the
 * roster (problems, learners) until glow_roster_free(r); fn may be NULL
 * (format in place).  st tells what happened.  Returns 0 or -1.
 *
 * With GLOW_ROSTER_BRIEF the lock is waited for at most
 * GLOW_ROSTER_BRIEF_WAIT seconds (then ELOCK, errnum ETIMEDOUT): a web
 * request answers "busy" rather than hang.  Temporary files a killed
 * writer left are removed once they are 10 minutes old.
 */
#define GLOW_ROSTER_CREATE 2
#define GLOW_ROSTER_BRIEF 4
#define GLOW_ROSTER_BRIEF_WAIT 5.0
enum glow_roster_stage {
	GLOW_ROSTER_OK = 0,
	GLOW_ROSTER_ELOCK,      /* locking failed (st->errnum) */
	GLOW_ROSTER_EREAD,      /* reading failed (st->errnum) */
	GLOW_ROSTER_EPARSE,     /* not JSON (st->jerr); nothing written */
	GLOW_ROSTER_EINVALID,   /* the file does not validate (r->problems) */
	GLOW_ROSTER_ECALLBACK,  /* fn returned -1; nothing written */
	GLOW_ROSTER_EAFTER,     /* the edited roster does not validate */
	GLOW_ROSTER_EWRITE,     /* writing failed (st->errnum) */
	GLOW_ROSTER_ENOMEM
};
struct glow_roster_status {
	enum glow_roster_stage stage;
	int errnum;
	struct glow_json_error jerr;
	int written;            /* the file was replaced */
	size_t line, column;    /* of jerr.offset, for EPARSE */
};
typedef int glow_roster_edit_fn(struct glow_roster *r, void *arg);
int glow_roster_edit(const char *path, int flags, glow_roster_edit_fn *fn,
    void *arg, const char *now, struct glow_roster *r,
    struct glow_roster_status *st);

/* Line and column (from 1) of byte offset off in text. */
void glow_roster_linecol(const char *text, size_t len, size_t off,
    size_t *line, size_t *col);

#endif
