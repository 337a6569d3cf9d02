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
 *     seen/        one marker per delivery ID ("d-ID": its spool name, and
 *                  whether committed) and per body fingerprint ("h-HEX":
 *                  the delivery ID), below; kept 8 days
 *     counters     the metrics, one "name value" line each, under flock
 *     installations.json   the installations of record
 *
 * An envelope is written to tmp/, fdatasync'ed, renamed into new/, and new/
 * (with seen/) is fsync'ed before the delivery is answered: a file in new/
 * is whole and durable.  A reader takes files from new/ by renaming them (rename is
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
/* Seen markers are kept 8 days: longer than redelivery allows (3 days on
 * github.com, 7 on GitHub Enterprise Server). */
#define GLOW_WEBHOOK_EXPIRY (8L * 24 * 3600)
/* A temporary file this old was left by a killed writer. */
#define GLOW_WEBHOOK_STALE 600L

struct glow_webhook_req {
	char method[16];
	char path[256];         /* PATH_INFO, or the target's path */
	char query[512];        /* QUERY_STRING, or the target's query */
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
 * The state of the App's setup URL (seed 003's installation callback):
 * "EXPIRY.NONCE.MAC", EXPIRY a Unix time, NONCE 32 hex digits, MAC the
 * hex HMAC-SHA256 of "glow-setup.EXPIRY.NONCE" under the first secret.
 * glow_webhook_state_make() writes one valid for ttl seconds from now into
 * out (128 bytes); glow_webhook_state_ok() says whether state is one,
 * under any of the secrets, and not expired at now.
 */
int glow_webhook_state_make(char out[128], const struct glow_webhook_secrets *s,
    long long now, long ttl);
int glow_webhook_state_ok(const char *state,
    const struct glow_webhook_secrets *s, long long now);

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
 * Deduplication and the spool, crash-safe by construction.  A delivery is
 * committed to the spool exactly once, or not marked seen:
 *
 *   glow_webhook_spool_name()   its name in the spool, from its arrival
 *   glow_webhook_claim()        its markers in seen/ (below): NEW, or a
 *                               duplicate of a committed delivery (its ID)
 *                               or of another delivery's body
 *   glow_webhook_spool()        tmp/NAME, fdatasync, rename into new/
 *   (the caller)                fsync of new/ and seen/ (glow_fsync_group)
 *   glow_webhook_commit()       the marker says committed; then answer
 *
 * The d-ID marker holds NAME from the instant it exists and is locked
 * (flock) by the one process spooling the delivery.  A process killed at
 * any point leaves it unlocked and not committed; a redelivery then waits
 * for no one, finds NAME in none of new/, cur/, done/, failed/, removes the
 * dead attempt's tmp/NAME and spools the delivery (once).  If NAME is
 * found, the attempt did commit: a duplicate.  A concurrent redelivery
 * waits for the lock.  The h-HEX marker holds the delivery ID that brought
 * the body: the same ID is the same delivery (a crashed attempt), another
 * ID a replayed body.  Markers older than expiry count as absent.
 */
enum glow_webhook_seen {
	GLOW_WEBHOOK_NEW = 0,
	GLOW_WEBHOOK_DUP_DELIVERY,      /* the delivery ID was committed */
	GLOW_WEBHOOK_DUP_BODY           /* another ID brought the same body */
};
struct glow_webhook_claim {
	int fd;                 /* the d- marker, locked; -1: none */
	size_t len;             /* its text's length */
};
/* name: the delivery's file name in the spool (glow_webhook_spool_name). */
int glow_webhook_spool_name(char *name, size_t namesz, const char *delivery,
    const struct timespec *ts);
/* Is name one glow_webhook_spool_name() could make (no '/', ".json")? */
int glow_webhook_delivery_name_ok(const char *name);
/* 0 with *result (NEW: c holds the claim, to commit or release), or -1. */
int glow_webhook_claim(const char *seen, const char *spool,
    const char *delivery, const unsigned char hash[32], const char *name,
    time_t now, long expiry, struct glow_webhook_claim *c,
    enum glow_webhook_seen *result);
/* Was delivery committed to this spool (its marker says so, or its
 * envelope is there)?  Read only; 0 when unknown. */
int glow_webhook_committed(const char *seen, const char *spool,
    const char *delivery);
/* The envelope is durable in new/: mark it committed, release the claim. */
void glow_webhook_commit(struct glow_webhook_claim *c);
/* Give the claim up uncommitted (spooling failed): a redelivery retries. */
void glow_webhook_release(struct glow_webhook_claim *c);
/*
 * Remove markers older than expiry, and what killed writers left (seen/'s
 * temporary markers, spool/tmp/ files) older than GLOW_WEBHOOK_STALE, at
 * most once per interval seconds (seen/.pruned's mtime) and only if no
 * other process holds seen/.lock.  Returns the number of markers removed.
 */
long glow_webhook_prune(const char *seen, const char *spool, time_t now,
    long expiry, long interval);

/*
 * Write the n bytes of an envelope into spool/tmp/name (tmp/ and new/
 * created if missing), fdatasync, and rename it into new/.  The caller
 * makes new/ durable (fsync) before it answers, and holds the delivery's
 * claim (so tmp/name is its own).
 */
int glow_webhook_spool(const char *spool, const char *name, const void *p,
    size_t n);

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
