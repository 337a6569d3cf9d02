/* SPDX-License-Identifier: ISC */
/*
 * provision.h: the pure parts of glow-provision: the provisioning log of
 * record (writer and reader), which learners a run takes, and the small
 * decisions made on GitHub's answers (which workflow files a directory
 * listing lacks, whether a comment already carries the marker, which
 * invitation a learner has).  Nothing here makes a request.
 *
 * The log.  One JSON object per learner attempt (glow-provision(1), LOG):
 *
 *     {"github_handle":"alice","cohort_id":"spring-2026",
 *      "attempt_at":"2026-03-01T10:00:00.000Z","result":"created",
 *      "repo":"glow-org/learning-room-spring-2026-alice",
 *      "template_sha":"0123...","error_detail":null,"requests":3,
 *      "invitation":"invited","healed":[],"comment":null}
 *
 * Two file formats, told apart by the first byte that is not white space:
 *
 *  - JSON Lines (glow's own; a missing or empty file becomes one): one
 *    record a line, appended with one write(2) and fsync(2).  A last line
 *    without its newline is a record torn by a crash: the reader skips it
 *    and the next append starts on a line of its own.
 *  - A JSON array ('['), as the earlier implementation wrote
 *    provisioning-log.json: it stays an array.  Each record is added by
 *    rewriting the file atomically (glow_write_atomic: temporary file,
 *    fsync, rename), the bytes of the earlier records kept as they were,
 *    so a crash leaves the old array or the new one.
 *
 * Writers take the log's lock (glow_lock) around each append.
 */
#ifndef GLOW_PROVISION_H
#define GLOW_PROVISION_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"

enum glow_plog_format {
	GLOW_PLOG_LINES = 0,    /* JSON Lines (also: empty or missing) */
	GLOW_PLOG_ARRAY = 1     /* one JSON array */
};

/* One record.  NULL strings are written as null; healed may be NULL. */
struct glow_plog_rec {
	const char *github_handle;
	const char *cohort_id;
	const char *attempt_at;         /* ISO-8601 UTC */
	const char *result;             /* created, already-exists, healed,
	                                   skipped, error */
	const char *repo;               /* owner/name */
	const char *template_sha;
	const char *error_detail;
	long requests;                  /* HTTP exchanges for this learner */
	const char *invitation;         /* invited, already-invited, renewed,
	                                   collaborator, or NULL */
	const char *const *healed;      /* workflow files copied */
	size_t nhealed;
	const char *comment;            /* posted, present, or NULL */
};

/* Append the record as one JSON object (indent 0: one line, no newline). */
void glow_plog_record(struct glow_buf *out, const struct glow_plog_rec *rec,
    int indent);

/* The format of a log's text: GLOW_PLOG_LINES, GLOW_PLOG_ARRAY, or -1 for
 * text that is neither (its first non-blank byte is not '{' or '['). */
int glow_plog_detect(const char *text, size_t len);

/*
 * Append rec to the log at path (created 0644 in JSON Lines if missing),
 * under the log's lock, durably.  0, or -1 with errno (EINVAL: the file is
 * not a log in either format; nothing written).
 */
int glow_plog_append(const char *path, const struct glow_plog_rec *rec);

/*
 * Read a log's text, either format, calling fn for each record (an object
 * token of doc); fn returns 0 to go on, -1 to stop (glow_plog_read then
 * returns -1 with err->reason "stopped").  *ntorn (if not NULL) counts
 * torn last lines skipped.  0, or -1 with err (offset, reason) when the
 * text is not a log.
 */
typedef int glow_plog_fn(const struct glow_json *doc, int obj, void *arg);
int glow_plog_read(const char *text, size_t len, glow_plog_fn *fn, void *arg,
    size_t *ntorn, struct glow_json_error *err);

/*
 * Which learners a run takes, by provision_state: pending and failed ones
 * always (GLOW_PROV_PROVISION); provisioned and healed ones only with
 * verify_all (GLOW_PROV_VERIFY); else GLOW_PROV_SKIP.
 */
enum glow_prov_sel {
	GLOW_PROV_SKIP = 0,
	GLOW_PROV_PROVISION,
	GLOW_PROV_VERIFY
};
enum glow_prov_sel glow_prov_select(const char *state, size_t n,
    int verify_all);

/*
 * Split a comma-separated list of workflow file names into a NULL-ended
 * array of new strings (free with glow_prov_list_free).  Blank items are
 * dropped; every name must be 1 to 100 of [A-Za-z0-9._-], not "." or "..".
 * Returns the count, or -1 (EINVAL: a bad name, or none; ENOMEM).
 */
long glow_prov_list(const char *s, char ***out);
void glow_prov_list_free(char **list);

/*
 * Is there a file named name in the contents-API directory listing arr
 * (an array of {name, type, ...})?  1 or 0.
 */
int glow_prov_dir_has(const struct glow_json *doc, int arr, const char *name);

/*
 * Does any comment of the array arr, written by a bot (user.type "Bot":
 * an App, never a learner who quoted the comment), have marker in its
 * "body"?  1 or 0.
 */
int glow_prov_marker_in(const struct glow_json *doc, int arr,
    const char *marker);

/*
 * Provenance (glow-provision(1), PROVENANCE).  A repository is a learner's
 * only when glow can show it made it for that learner's key: the roster
 * records it for the key, or GitHub's own record of it (GET /repos/{o}/{r})
 * names the configured template as its template_repository and its
 * description carries glow's mark for the key, which glow writes at
 * generation:
 *
 *     Learning room of @Alice (spring-2026) [glow alice@@spring-2026]
 *
 * (glow 0.1 wrote the same without the bracket; that form, with the
 * learner's handle in any case and the cohort exact, is accepted too).
 */
enum glow_prov_origin {
	GLOW_PROV_OURS = 0,             /* made by glow for this key */
	GLOW_PROV_NOT_TEMPLATE,         /* not made from the template */
	GLOW_PROV_NOT_MARKED            /* from the template, not for this key */
};
void glow_prov_description(struct glow_buf *out, const char *handle,
    const char *cohort, const char *key);
enum glow_prov_origin glow_prov_origin(const struct glow_json *doc, int repo,
    const char *tmpl, const char *handle, const char *cohort, const char *key);

/* Is login (ASCII case-insensitive) among the "login"s of the array of
 * users arr?  1 or 0. */
int glow_prov_login_in(const struct glow_json *doc, int arr,
    const char *login);

/*
 * The invitation of login in the array arr (GET /repos/o/r/invitations):
 * GLOW_PROV_INV_LIVE (an invitation that has not expired; preferred),
 * GLOW_PROV_INV_EXPIRED (only expired ones: *id is one of them), or
 * GLOW_PROV_INV_NONE.
 */
enum { GLOW_PROV_INV_NONE = 0, GLOW_PROV_INV_LIVE, GLOW_PROV_INV_EXPIRED };
int glow_prov_invitation(const struct glow_json *doc, int arr,
    const char *login, long long *id);


/*
 * The web address that matches an API base URL, for links in comments:
 * https://api.github.com -> https://github.com; https://HOST/api/v3 ->
 * https://HOST; any other base is used as it is (a test server).
 */
void glow_prov_web_url(const char *api_base, struct glow_buf *out);

#endif
