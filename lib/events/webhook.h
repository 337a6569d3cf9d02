/* SPDX-License-Identifier: ISC */
/*
 * webhook.h: receiving GitHub webhook deliveries, and the spool that
 * glow-webhook fills and glow-trigger empties.
 *
 * The request.  A delivery is one POST whose headers are gathered into
 * struct glow_webhook_req, either from a raw HTTP/1.1 head
 * (glow_webhook_parse_head) or from a CGI environment
 * (glow_webhook_req_from_env).  The body is not parsed before
 * glow_webhook_verify() has matched X-Hub-Signature-256 ("sha256=" and the
 * lower-case hex HMAC-SHA256 of the raw body) against one of the secrets,
 * in constant time.  The legacy SHA-1 X-Hub-Signature is never accepted.
 *
 * The envelope.  Every accepted delivery becomes one line of compact JSON
 * (RFC 8259), the members always present and in this order:
 *
 *   event            X-GitHub-Event ("push", "pull_request", ...)
 *   action           payload.action if a string, else null
 *   delivery_id      X-GitHub-Delivery (a GUID); in Actions (-e)
 *                    "actions-RUN_ID-RUN_ATTEMPT"
 *   hook_id          X-GitHub-Hook-ID as a number, or null
 *   installation_id  payload.installation.id (a number), or null
 *   repository       payload.repository.full_name ("owner/name"), or null
 *   sender           {"login": payload.sender.login, "type":
 *                    payload.sender.type} (members null when absent; type
 *                    "Bot" for bots), or null without a sender object
 *   received_at      when glow-webhook accepted it, ISO-8601 UTC to the
 *                    second ("2024-05-01T12:00:00Z")
 *   payload          the delivery's JSON object, re-written compactly
 *                    (values unchanged; a form-encoded delivery's decoded
 *                    payload field)
 *
 * The spool.  A directory SPOOL (glow-webhook -d, GLOW_SPOOL) in the manner
 * of Maildir:
 *
 *   SPOOL/tmp/     envelopes being written; never read them
 *   SPOOL/new/     complete envelopes, one per file, mode 0600, named
 *                  YYYYMMDDTHHMMSS.uuuuuuZ-DELIVERY.json (UTC, microseconds),
 *                  so a byte-wise sort of the names is the order of arrival
 *   SPOOL/done/, SPOOL/failed/   glow-trigger's (see glow-trigger(1))
 *   SPOOL/state/   glow-webhook's state unless -S gives another directory:
 *     seen/        one empty marker file per delivery ID ("d-ID") and per
 *                  body SHA-256 ("h-HEX"), created with O_EXCL, whose
 *                  mtime is when it was first seen; kept 4 days
 *     counters     the metrics, one "name value" line each, under flock
 *     installations.json   the installations of record
 *
 * An envelope is written to tmp/, fdatasync'ed, renamed into new/, and new/
 * is fsync'ed before the delivery is answered: a file in new/ is whole and
 * durable.  A reader takes files from new/ by renaming them (rename is
 * atomic; the loser of a race gets ENOENT) and ignores names starting with
 * a dot.
 *
 * Functions return 0 (or a documented positive value) on success and -1
 * with errno set on failure; none prints.
 */
#ifndef GLOW_WEBHOOK_H
#define GLOW_WEBHOOK_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"

/* GitHub caps payloads at 25 MB; nothing beyond is read. */
#define GLOW_WEBHOOK_MAX_BODY ((size_t)25 * 1024 * 1024)
/* The largest raw request head (request line and headers). */
#define GLOW_WEBHOOK_MAX_HEAD 65536
/* Secrets accepted at once (rotation). */
#define GLOW_WEBHOOK_MAX_SECRETS 8
/* Seen markers are kept 4 days: longer than GitHub's 3-day redelivery. */
#define GLOW_WEBHOOK_EXPIRY (4L * 24 * 3600)

struct glow_webhook_req {
	char method[16];
	char path[256];         /* PATH_INFO, or the target's path */
	char content_type[128];
	long long content_length;       /* -1 when absent */
	int chunked;            /* a Transfer-Encoding header was sent */
	char event[64];         /* X-GitHub-Event */
	char delivery[128];     /* X-GitHub-Delivery */
	char signature[128];    /* X-Hub-Signature-256, as sent */
	int has_sha1;           /* X-Hub-Signature (legacy) was sent */
	char hook_id[32];       /* X-GitHub-Hook-ID */
	char target_id[32];     /* X-GitHub-Hook-Installation-Target-ID */
	char target_type[64];   /* X-GitHub-Hook-Installation-Target-Type */
	const char *bad;        /* why the head is malformed, else NULL */
};

void glow_webhook_req_init(struct glow_webhook_req *req);

/*
 * Record one header (name matched case-insensitively; others ignored).  A
 * value too long for its field sets req->bad; so do two Content-Length
 * headers that disagree, or one that is not a number.
 */
void glow_webhook_req_header(struct glow_webhook_req *req, const char *name,
    size_t nlen, const char *val, size_t vlen);

/*
 * Parse a raw HTTP/1.x request head (RFC 9112) at the start of buf: the
 * request line, header fields, and the empty line (CRLF or bare LF line
 * ends).  Returns the head's length, the body starting right after it; 0
 * if buf holds no complete head yet; -1 if it is malformed, with req->bad
 * saying why.  Obsolete line folding is refused, as RFC 9112 allows.
 */
long glow_webhook_parse_head(struct glow_webhook_req *req, const char *buf,
    size_t len);

/*
 * Fill req from a CGI environment (RFC 3875): REQUEST_METHOD, PATH_INFO,
 * CONTENT_TYPE, CONTENT_LENGTH and the HTTP_X_GITHUB_* and
 * HTTP_X_HUB_SIGNATURE* variables of envp, NAME=VALUE strings ending
 * with NULL (environ, or a FastCGI request's parameters).
 */
void glow_webhook_req_from_env(struct glow_webhook_req *req,
    char *const *envp);

enum glow_webhook_media {
	GLOW_WEBHOOK_OTHER = 0,
	GLOW_WEBHOOK_JSON,      /* application/json */
	GLOW_WEBHOOK_FORM       /* application/x-www-form-urlencoded */
};

/* The media type of a Content-Type value; parameters are ignored. */
enum glow_webhook_media glow_webhook_media(const char *content_type);

/*
 * Is id acceptable as a delivery ID: 1 to 100 of [A-Za-z0-9._-], not
 * starting with a dot?  (It names files in the spool and seen/.)
 */
int glow_webhook_delivery_ok(const char *id);

/*
 * The checks of a delivery's head, before its body is read, in this
 * order: a malformed head (400), a method other than POST (405, with an
 * Allow header), X-GitHub-Event and X-GitHub-Delivery missing or bad
 * (400), no X-Hub-Signature-256 (401), a media type other than JSON or a
 * form (415), no Content-Length or a chunked body (411), a body over
 * GLOW_WEBHOOK_MAX_BODY (413).  0 if the head passes; else the status,
 * with no filled in.
 */
struct glow_webhook_refusal {
	int status;
	const char *reason;     /* the metrics' label (glow_webhook_metrics) */
	const char *extra;      /* one more header line, or NULL */
	const char *why;        /* the answer's sentence */
};
int glow_webhook_check(const struct glow_webhook_req *req,
    struct glow_webhook_refusal *no);

/*
 * Split text (one secret per line; blank lines and the white space around
 * each are dropped) into at most GLOW_WEBHOOK_MAX_SECRETS secrets pointing
 * into text.  Returns their number, or -1 if there are too many.
 */
struct glow_webhook_secrets {
	const char *p[GLOW_WEBHOOK_MAX_SECRETS];
	size_t len[GLOW_WEBHOOK_MAX_SECRETS];
	int n;
};
int glow_webhook_secrets(struct glow_webhook_secrets *s, const char *text,
    size_t len);

/*
 * Does header ("sha256=" and 64 hex digits, either case) carry the
 * HMAC-SHA256 of the n bytes at body under any of the secrets?  1 or 0.
 * Every secret is tried, whatever matched, and each comparison is constant
 * time, so the time taken tells nothing of the expected value.  On a
 * match, mac is that HMAC: the body's fingerprint for glow_webhook_seen()
 * (a replay carries the same signature, and nobody without the secret can
 * make another for the same body), so a body is hashed once, not twice.
 */
int glow_webhook_verify(const char *header, const void *body, size_t n,
    const struct glow_webhook_secrets *s, unsigned char mac[32]);


/* "2024-05-01T12:00:00Z" (21 bytes with the NUL). */
void glow_webhook_iso8601(char dst[21], time_t t);

/*
 * Append the envelope of the payload object doc (token 0) to out, with
 * the header values; hook_id is a string of digits or NULL.  One line,
 * with its newline.  -1 if token 0 is not an object, or out failed (a
 * payload nested deeper than the JSON writer allows).
 */
int glow_webhook_envelope(struct glow_buf *out, const char *event,
    const char *delivery, const char *hook_id, time_t received_at,
    const struct glow_json *doc);

/*
 * Deduplication in the directory seen (created if missing).  Marks the
 * delivery ID and the body's fingerprint (hash) as seen, atomically across processes
 * (O_CREAT|O_EXCL), and answers whether either had been seen within
 * expiry seconds before now.  A marker older than that is replaced under
 * seen/.lock.  If the delivery ID is new and the body is not, the ID stays
 * marked (its body is known).
 */
enum glow_webhook_seen {
	GLOW_WEBHOOK_NEW = 0,
	GLOW_WEBHOOK_DUP_DELIVERY,      /* the delivery ID was seen */
	GLOW_WEBHOOK_DUP_BODY           /* another ID brought the same body */
};
int glow_webhook_seen(const char *seen, const char *delivery,
    const unsigned char hash[32], time_t now, long expiry,
    enum glow_webhook_seen *result);
/* Forget the markers of a delivery that could not be spooled. */
void glow_webhook_unsee(const char *seen, const char *delivery,
    const unsigned char hash[32]);
/*
 * Remove markers older than expiry, at most once per interval seconds
 * (seen/.pruned's mtime) and only if no other process holds seen/.lock.
 * Returns the number removed.
 */
long glow_webhook_prune(const char *seen, time_t now, long expiry,
    long interval);

/*
 * Write the n bytes of an envelope into spool (tmp/ and new/ created if
 * missing): tmp/, fdatasync, rename into new/, fsync of new/.  The file's
 * name (without directory) goes to name.  ts is the time of arrival.
 */
int glow_webhook_spool(const char *spool, const char *delivery,
    const struct timespec *ts, const void *p, size_t n, char *name,
    size_t namesz);

/*
 * The metrics in Prometheus's text format (version 0.0.4) from the
 * counters file's text (counters.h), appended to out: received, accepted, duplicate,
 * rejected by reason, failed by reason ("configuration", "spool"),
 * installations errors.
 */
void glow_webhook_metrics(const char *text, size_t len, struct glow_buf *out);

/*
 * Installations of record.  cur (len bytes, may be empty) is the current
 * installations.json; doc the payload of an "installation" or
 * "installation_repositories" event; the new file's text goes to out:
 *
 *   {"version": 1, "updated_at": ISO, "installations": [
 *     {"id", "account": {login, id, type}, "repository_selection",
 *      "repositories": ["owner/name", ...] sorted, "permissions": {...},
 *      "events": [...], "suspended": bool, "suspended_at", "created_at",
 *      "updated_at"}, ...]}
 *
 * sorted by id, written with 2-space indentation.  created replaces the
 * entry; deleted removes it; suspend, unsuspend and new_permissions_accepted
 * update it; installation_repositories added and removed edit its
 * repository list.  An event for an installation not yet on record adds it
 * from what the payload tells.  Returns 0 (out holds the new text), 1 if
 * the event changes nothing (another event or action), -1 if cur is not a
 * valid installations file (*why says how; it must not be overwritten).
 */
int glow_webhook_installations(const char *cur, size_t len, const char *event,
    const struct glow_json *doc, time_t now, struct glow_buf *out,
    const char **why);

#endif
