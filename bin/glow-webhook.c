/* SPDX-License-Identifier: ISC */
/*
 * glow-webhook: receive GitHub webhook deliveries: verify each one's
 * signature, drop it if seen before, and spool its envelope (lib/events/webhook.h)
 * for glow-trigger.  One delivery per run as a CGI program or from a raw
 * HTTP request on stdin; many, as a FastCGI responder, when the web server
 * starts it with a listening socket on stdin.  With -e, make the same
 * envelope inside GitHub Actions; with -m, print the metrics.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/counters.h"
#include "core/crypto.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/http.h"
#include "core/isotime.h"
#include "core/json.h"
#include "core/secret.h"
#include "events/webhook.h"
#include "github/github.h"
#include "web/cgi.h"
#include "web/form.h"

extern char **environ;

static int raw_mode, verbose, threads = 16;
static const char *spool, *state;
static char seen_dir[PATH_MAX], counters[PATH_MAX], installs[PATH_MAX];
static char new_dir[PATH_MAX];
/* new/ and seen/ made durable once for the deliveries spooled meanwhile. */
static struct glow_fsync_group durable = GLOW_FSYNC_GROUP_INIT;
/* The secrets, under secret_lock: a FastCGI responder may read them again. */
static pthread_rwlock_t secret_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct glow_buf secret_text = GLOW_BUF_INIT;
static struct glow_webhook_secrets secrets;
static const char *secret_problem;      /* why there is no secret */
static char secret_path[PATH_MAX];      /* their file, if any ... */
static struct stat secret_st;           /* ... as it was when last read */

/*
 * One exchange with the web server: CGI (or raw HTTP, -r) on stdin and
 * stdout, or a FastCGI request.  The settings above are fixed before the
 * first exchange; everything an exchange changes is its own, so FastCGI
 * threads serve them side by side.  A FastCGI worker keeps its buffers
 * from one exchange to the next (up to KEEP bytes each): allocating and
 * freeing 25 KB bodies costs a threaded process TLB flushes on every
 * request with some mallocs (musl's, in the static build).
 */
struct exchange {
	FCGX_Request *fcgi;     /* NULL: stdin and stdout */
	struct glow_buf body, form, env;
};

#define KEEP ((size_t)1 << 20)

static const char usage_text[] =
	"usage: glow-webhook [-rv] [-d spool] [-j threads] [-S statedir]\n"
	"                    [-s secretfile]\n"
	"       glow-webhook -e [-d spool]\n"
	"       glow-webhook -m [-d spool] [-S statedir]\n"
	"       glow-webhook -D [-nv] [-d spool] [-S statedir] [-w hours] <jwt\n"
	"       glow-webhook -I [-s secretfile]\n"
	"       glow-webhook -h | --help | -V\n"
	"\n"
	"  -D             redeliver the App's deliveries that never reached this spool\n"
	"                 (the App JWT on standard input)\n"
	"  -d spool       the spool directory\n"
	"  -e             inside GitHub Actions: the envelope of the event that ran\n"
	"  -h, --help     print this usage and exit\n"
	"  -I             print a signed state for the App's install link (a day)\n"
	"  -j threads     as a FastCGI responder, answer up to threads requests at once\n"
	"  -m             print the metrics and exit\n"
	"  -n             with -D: say what would be redelivered, redeliver nothing\n"
	"  -r             read a raw HTTP request instead of a CGI one\n"
	"  -S statedir    the state directory\n"
	"  -s secretfile  read the webhook secrets from this file\n"
	"  -V             print the version and exit\n"
	"  -v             also log every accepted and duplicate delivery\n"
	"  -w hours       with -D: look this far back (default 72; 1 to 168)\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

/*
 * Answer the request: a CGI response (Status header; FastCGI's too) or a
 * raw HTTP/1.1 one.  extra is one more header or NULL.  The exchange ends
 * with it (stdout closed, the FastCGI request finished), so the server
 * can answer while the program tidies up.
 */
static int
respond(struct exchange *ex, int status, const char *extra, const char *ctype,
    const char *body, size_t n)
{
	struct glow_buf out = GLOW_BUF_INIT;

	if (raw_mode)
		glow_buf_printf(&out, "HTTP/1.1 %d %s\r\n", status,
		    glow_http_reason(status));
	else
		glow_buf_printf(&out, "Status: %d %s\r\n", status,
		    glow_http_reason(status));
	glow_buf_printf(&out, "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n", ctype, n);
	if (extra)
		glow_buf_printf(&out, "%s\r\n", extra);
	if (raw_mode)
		glow_buf_adds(&out, "Connection: close\r\n");
	glow_buf_adds(&out, "\r\n");
	glow_buf_add(&out, body, n);
	if (out.failed) {
		/* Nothing is sent: the server answers an error of its own. */
	} else if (ex->fcgi) {
		FCGX_PutStr(out.p, (int)out.len, ex->fcgi->out);
	} else {
		glow_write_all(STDOUT_FILENO, out.p, out.len);
	}
	glow_buf_free(&out);
	if (ex->fcgi)
		FCGX_Finish_r(ex->fcgi);
	else
		close(STDOUT_FILENO);
	return status < 300 ? GLOW_EXIT_OK : status < 500 ? GLOW_EXIT_NO :
	    GLOW_EXIT_ERR;
}

static int
reply(struct exchange *ex, int status, const char *extra, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
reply(struct exchange *ex, int status, const char *extra, const char *fmt, ...)
{
	struct glow_buf b = GLOW_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	glow_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	glow_buf_addc(&b, '\n');
	rc = respond(ex, status, extra, "text/plain; charset=utf-8",
	    glow_buf_str(&b), b.len);
	glow_buf_free(&b);
	return rc;
}

/*
 * Count the request (received) and its outcome, or with received 0 only
 * the named counter.  Metrics never fail a delivery.
 */
/*
 * A FastCGI responder keeps its counts in memory and adds them to the
 * file at most once a second (and before /metrics is read, and when it
 * stops): every delivery then costs no file lock.  CGI adds at once.
 */
#define PENDING_MAX 24
static struct {
	pthread_mutex_t lock;
	int batch;                      /* the FastCGI responder: batch */
	double last;                    /* the last flush (glow_gh_clock) */
	char name[PENDING_MAX][64];
	unsigned long long n[PENDING_MAX];
	int used;
} pending = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { "" }, { 0 }, 0 };

/* Add the pending counts to the file (force: now, else if a second has
 * passed).  Takes pending.lock. */
static void
flush_counts(int force)
{
	const char *names[PENDING_MAX];
	char copy[PENDING_MAX][64];
	unsigned long long n[PENDING_MAX];
	double now = glow_gh_clock();
	int k, used;

	pthread_mutex_lock(&pending.lock);
	if ((!force && now - pending.last < 1) || !pending.used) {
		pthread_mutex_unlock(&pending.lock);
		return;
	}
	used = pending.used;
	for (k = 0; k < used; k++) {
		memcpy(copy[k], pending.name[k], sizeof copy[k]);
		names[k] = copy[k];
		n[k] = pending.n[k];
	}
	pending.used = 0;
	pending.last = now;
	pthread_mutex_unlock(&pending.lock);
	if (glow_counters_addn(counters, names, n, used) < 0 && verbose)
		glow_warn("cannot count in '%s':", counters);
}

static void
count_as(const char *name, int received)
{
	const char *names[2] = { name, "glow_webhook_received_total" };
	int i, k;

	if (!counters[0])
		return;
	if (!pending.batch) {
		if (glow_counters_add(counters, names, 1 + received) < 0 &&
		    verbose)
			glow_warn("cannot count '%s':", counters);
		return;
	}
	pthread_mutex_lock(&pending.lock);
	for (i = 0; i < 1 + received; i++) {
		for (k = 0; k < pending.used &&
		    strcmp(pending.name[k], names[i]) != 0; k++)
			;
		if (k == pending.used && k < PENDING_MAX &&
		    strlen(names[i]) < sizeof pending.name[k]) {
			strcpy(pending.name[k], names[i]);
			pending.n[k] = 0;
			pending.used++;
		}
		if (k < pending.used)
			pending.n[k]++;
	}
	pthread_mutex_unlock(&pending.lock);
	flush_counts(0);
}

static void
count(const char *outcome)
{
	count_as(outcome, 1);
}

static int
reject(struct exchange *ex, const char *delivery, int status,
    const char *reason, const char *extra, const char *why)
{
	char name[64];

	snprintf(name, sizeof name, "glow_webhook_rejected_total{reason=\"%s\"}",
	    reason);
	count(name);
	glow_warn("delivery rejected '%s': %s", delivery &&
	    glow_webhook_delivery_ok(delivery) ? delivery : "-", why);
	return reply(ex, status, extra, "%s", why);
}

static int
fail(struct exchange *ex, const char *what, int status, const char *why)
{
	char name[64];

	snprintf(name, sizeof name, "glow_webhook_failed_total{reason=\"%s\"}",
	    what);
	count(name);
	return reply(ex, status, NULL, "%s", why);
}

/* The metrics in Prometheus's text format (version 0.0.4). */
static void
metrics_text(struct glow_buf *out)
{
	struct glow_buf in = GLOW_BUF_INIT;

	flush_counts(1);
	if (counters[0] && glow_counters_read(counters, &in) < 0)
		glow_warn("cannot read '%s':", counters);
	glow_webhook_metrics(glow_buf_str(&in), in.len, out);
	glow_buf_free(&in);
}

/*
 * The secrets: from -s FILE, else GLOW_WEBHOOK_SECRET (the value, with
 * literal \n between secrets, or @FILE).  One per line.  The environment's
 * copy is wiped once read.  A file is remembered, to be read again.
 */
static void
load_secrets(const char *file)
{
	enum glow_secret_err e;
	char *v = getenv("GLOW_WEBHOOK_SECRET");
	const char *name = file ? file : v && *v == '@' ?
	    "GLOW_WEBHOOK_SECRET=@file" : "GLOW_WEBHOOK_SECRET";
	static char why[PATH_MAX + 128];

	if (file || (v && *v == '@'))
		snprintf(secret_path, sizeof secret_path, "%s", file ? file : v + 1);
	/* Before reading: a change made meanwhile is seen next time. */
	if (secret_path[0] && stat(secret_path, &secret_st) < 0)
		memset(&secret_st, 0, sizeof secret_st);
	if (file)
		e = glow_secret_file(file, &secret_text, 1);
	else
		e = glow_secret_value(v, &secret_text, 1);
	if (v) {
		glow_wipe(v, strlen(v));
		unsetenv("GLOW_WEBHOOK_SECRET");
	}
	if (e == GLOW_SECRET_EMPTY && !file) {
		secret_problem = "no webhook secret: set GLOW_WEBHOOK_SECRET "
		    "or give -s file";
		return;
	}
	if (e != GLOW_SECRET_OK) {
		snprintf(why, sizeof why, "cannot read the webhook secret '%s': %s",
		    name, glow_secret_strerror(e));
		secret_problem = why;
		return;
	}
	if (glow_webhook_secrets(&secrets, secret_text.p, secret_text.len) < 0)
		secret_problem = "too many webhook secrets (at most 8)";
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * A FastCGI responder reads the secrets' file again when it has changed
 * (another file, size, modification or status change time: a chmod
 * counts), so that rotating a secret needs no restart.  A file that no longer reads as secrets leaves those
 * in use as they are, and says so once.
 */
static void
reload_secrets(void)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_webhook_secrets s;
	struct stat st;
	enum glow_secret_err e;
	int fresh;

	if (!secret_path[0] || stat(secret_path, &st) < 0)
		return;
	pthread_rwlock_rdlock(&secret_lock);
	fresh = same_file(&st, &secret_st);
	pthread_rwlock_unlock(&secret_lock);
	if (fresh)
		return;
	pthread_rwlock_wrlock(&secret_lock);
	if (!same_file(&st, &secret_st)) {
		secret_st = st;
		e = glow_secret_file(secret_path, &text, 1);
		if (e == GLOW_SECRET_OK &&
		    glow_webhook_secrets(&s, text.p, text.len) > 0) {
			glow_buf_wipe(&secret_text);
			secret_text = text;     /* s points into it */
			secrets = s;
			secret_problem = NULL;
			text = (struct glow_buf)GLOW_BUF_INIT;
			glow_warn("webhook secrets read again from '%s' (%d)",
			    secret_path, s.n);
		} else {
			glow_warn("cannot read the webhook secrets again from "
			    "'%s': %s; keeping those in use", secret_path,
			    e != GLOW_SECRET_OK ? glow_secret_strerror(e) :
			    "none, or more than 8");
		}
	}
	pthread_rwlock_unlock(&secret_lock);
	glow_buf_wipe(&text);
}

/* Read exactly want bytes after the have already in b: 0, or -1. */
static int
read_body(struct exchange *ex, struct glow_buf *b, size_t want)
{
	ssize_t n;

	if (glow_buf_reserve(b, want - b->len + 1) < 0)
		return -1;
	while (b->len < want) {
		if (ex->fcgi)
			n = FCGX_GetStr(b->p + b->len, (int)(want - b->len),
			    ex->fcgi->in);
		else
			n = read(STDIN_FILENO, b->p + b->len, want - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b->len += (size_t)n;
	}
	b->p[b->len] = '\0';
	return 0;
}

/* Keep installations.json current; the delivery is accepted regardless. */
static void
update_installations(const char *event, const struct glow_json *doc,
    time_t now)
{
	struct glow_buf cur = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	const char *why = NULL;
	int lk, rc, bad = 1;

	if (strcmp(event, "installation") != 0 &&
	    strcmp(event, "installation_repositories") != 0)
		return;
	if ((lk = glow_lock(installs)) < 0) {
		glow_warn("cannot lock '%s':", installs);
		count_as("glow_webhook_installations_errors_total", 0);
		return;
	}
	if (glow_read_file(installs, &cur, (size_t)1 << 28) < 0 &&
	    errno != ENOENT) {
		glow_warn("cannot read '%s':", installs);
	} else if ((rc = glow_webhook_installations(cur.p, cur.len, event,
	    doc, now, &out, &why)) < 0) {
		glow_warn("cannot update '%s': %s", installs, why);
	} else if (rc == 0 &&
	    glow_write_atomic(installs, out.p, out.len, 0600) < 0) {
		glow_warn("cannot write '%s':", installs);
	} else {
		bad = 0;
	}
	glow_unlock(lk);
	if (bad)
		count_as("glow_webhook_installations_errors_total", 0);
	glow_buf_free(&cur);
	glow_buf_free(&out);
}

/* Read the request head from stdin (raw mode); the body's start stays in b. */
static int
read_head(struct glow_webhook_req *req, struct glow_buf *b)
{
	long head = 0;
	ssize_t n;

	while (head == 0) {
		if (glow_buf_reserve(b, 4096) < 0)
			return -1;
		n = read(STDIN_FILENO, b->p + b->len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			req->bad = "incomplete request head";
			return -1;
		}
		b->len += (size_t)n;
		if ((head = glow_webhook_parse_head(req, b->p, b->len)) < 0)
			return -1;
	}
	memmove(b->p, b->p + head, b->len - (size_t)head);
	b->len -= (size_t)head;
	return 0;
}

static void
exchange_free(struct exchange *ex)
{
	glow_buf_free(&ex->body);
	glow_buf_free(&ex->form);
	glow_buf_free(&ex->env);
}

/* Make a buffer ready for the next exchange. */
static void
recycle(struct glow_buf *b)
{
	if (b->cap > KEEP) {
		glow_buf_free(b);
	} else {
		glow_buf_reset(b);
		b->failed = 0;
	}
}

/*
 * The App's setup URL (glow-webhook(1), SETUP URL): GET /setup with
 * installation_id, setup_action and state, after someone installed the
 * App.  Recorded in installations.json only when state is one glow signed
 * (-I) and GitHub confirms the installation to the App
 * (GET /app/installations/{id}, the App JWT from the command in
 * GLOW_WEBHOOK_APP_JWT).  Anything else changes nothing.
 */
static int
setup(struct exchange *ex, const char *query, time_t now)
{
	struct glow_form f;
	struct glow_buf jwt = GLOW_BUF_INIT, why = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct glow_buf payload = GLOW_BUF_INIT;
	struct glow_gh gh;
	struct glow_gh_resp r;
	struct glow_json doc;
	const char *id, *action, *st, *cmd = getenv("GLOW_WEBHOOK_APP_JWT");
	long long renew;
	int ok, rc;

	if (glow_form_parse(&f, query, strlen(query)) < 0) {
		glow_form_free(&f);
		return reply(ex, 400, NULL, "bad query");
	}
	id = glow_form_get(&f, "installation_id", NULL);
	action = glow_form_get(&f, "setup_action", NULL);
	st = glow_form_get(&f, "state", NULL);
	pthread_rwlock_rdlock(&secret_lock);
	ok = !secret_problem && st &&
	    glow_webhook_state_ok(st, &secrets, (long long)now);
	pthread_rwlock_unlock(&secret_lock);
	if (!ok) {
		glow_form_free(&f);
		glow_warn("setup refused: no state glow signed");
		return reply(ex, 403, NULL, "this setup link was not made here, or "
		    "has expired");
	}
	if (action && strcmp(action, "request") == 0) {
		glow_form_free(&f);
		return reply(ex, 200, NULL, "installation requested: an owner of "
		    "the account must approve it");
	}
	if (!id || !*id || strspn(id, "0123456789") != strlen(id) ||
	    strlen(id) > 18) {
		glow_form_free(&f);
		return reply(ex, 400, NULL, "bad installation_id");
	}
	if (!cmd || !*cmd) {
		glow_form_free(&f);
		glow_warn("setup: GLOW_WEBHOOK_APP_JWT is not set");
		return reply(ex, 503, NULL, "setup not configured");
	}
	if (glow_gh_token_cmd(cmd, &jwt, &renew, &why) < 0 ||
	    glow_gh_init(&gh) != GLOW_GH_OK) {
		glow_warn("setup: %s", glow_buf_str(&why));
		rc = reply(ex, 503, NULL, "cannot reach GitHub");
		goto out;
	}
	glow_gh_env(&gh);
	gh.token = jwt.p;
	gh.cache_dir = NULL;
	glow_gh_path(&path, "/app/installations/%s", id);
	glow_gh_resp_init(&r);
	if (glow_gh_request(&gh, "GET", glow_buf_str(&path), NULL, 0, &r) !=
	    GLOW_GH_OK || r.status != 200 ||
	    glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, NULL) < 0) {
		glow_warn("setup refused: installation '%s' not confirmed by "
		    "GitHub (%ld)", id, r.status);
		rc = reply(ex, r.status == 404 ? 404 : 502, NULL,
		    "GitHub does not confirm installation %s of this App", id);
	} else {
		/* as an installation event: kept repositories, new permissions */
		glow_buf_adds(&payload, "{\"action\":\"new_permissions_accepted\","
		    "\"installation\":");
		glow_buf_add(&payload, r.body.p, r.body.len);
		glow_buf_addc(&payload, '}');
		glow_json_free(&doc);
		if (!payload.failed && glow_json_parse(&doc, glow_buf_str(&payload),
		    payload.len, NULL) == 0) {
			update_installations("installation", &doc, now);
			glow_json_free(&doc);
		}
		rc = reply(ex, 200, NULL, "installation %s recorded", id);
	}
	glow_gh_resp_free(&r);
	glow_gh_free(&gh);
out:
	glow_buf_wipe(&jwt);
	glow_buf_free(&why);
	glow_buf_free(&path);
	glow_buf_free(&payload);
	glow_form_free(&f);
	return rc;
}

static int
handle(struct exchange *ex)
{
	struct glow_webhook_req req;
	struct glow_buf *body = &ex->body, *form = &ex->form, *env = &ex->env;
	struct glow_json doc = { 0 };
	struct glow_json_error err;
	struct glow_webhook_refusal no;
	struct timespec ts;
	enum glow_webhook_media media;
	enum glow_webhook_seen seen;
	struct glow_webhook_claim claim;
	unsigned char hash[GLOW_SHA256_LEN];
	char name[256];
	const char *json, *d, *problem;
	size_t jlen;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (raw_mode) {
		if (read_head(&req, body) < 0) {
			rc = reject(ex, NULL, 400, "malformed", NULL, req.bad);
			goto out;
		}
	} else {
		glow_webhook_req_from_env(&req,
		    ex->fcgi ? ex->fcgi->envp : environ);
	}
	d = req.delivery;

	if (strcmp(req.path, "/metrics") == 0) {
		if (strcmp(req.method, "GET") != 0) {
			rc = reply(ex, 405, "Allow: GET",
			    "use GET for /metrics");
			goto out;
		}
		metrics_text(body);
		rc = respond(ex, 200, NULL,
		    "text/plain; version=0.0.4; charset=utf-8",
		    glow_buf_str(body), body->len);
		goto out;
	}
	if (ex->fcgi)
		reload_secrets();
	if (strcmp(req.path, "/setup") == 0) {
		rc = strcmp(req.method, "GET") != 0 ?
		    reply(ex, 405, "Allow: GET", "use GET for /setup") :
		    setup(ex, req.query, ts.tv_sec);
		goto out;
	}
	pthread_rwlock_rdlock(&secret_lock);
	problem = spool ? secret_problem :
	    "no spool directory: set GLOW_SPOOL or give -d";
	pthread_rwlock_unlock(&secret_lock);
	if (problem) {
		glow_warn("%s", problem);
		rc = fail(ex, "configuration", 503, "webhook not configured");
		goto out;
	}
	if (glow_webhook_check(&req, &no) != 0) {
		rc = reject(ex, d, no.status, no.reason, no.extra, no.why);
		goto out;
	}
	media = glow_webhook_media(req.content_type);
	if (body->len > (size_t)req.content_length)
		body->len = (size_t)req.content_length; /* no pipelining */
	if (read_body(ex, body, (size_t)req.content_length) < 0) {
		rc = body->failed ? fail(ex, "spool", 500, "out of memory") :
		    reject(ex, d, 400, "truncated", NULL,
		    "body shorter than Content-Length");
		goto out;
	}

	/* The signature first: nothing of the body is parsed before. */
	pthread_rwlock_rdlock(&secret_lock);
	rc = glow_webhook_verify(req.signature, body->p, body->len, &secrets,
	    hash);
	pthread_rwlock_unlock(&secret_lock);
	if (!rc) {
		rc = reject(ex, d, 401, "signature", NULL,
		    "signature does not match");
		goto out;
	}
	json = body->p;
	jlen = body->len;
	if (media == GLOW_WEBHOOK_FORM) {
		rc = glow_form_payload(body->p, body->len, form);
		if (rc != 0) {
			rc = reject(ex, d, 400, "form", NULL, rc > 0 ?
			    "no payload field in the form" : "bad form encoding");
			goto out;
		}
		json = glow_buf_str(form);
		jlen = form->len;
	}
	if (glow_json_parse(&doc, json, jlen, &err) < 0) {
		char why[160];

		snprintf(why, sizeof why, "malformed JSON payload at byte %zu: %s",
		    err.offset, err.reason);
		rc = reject(ex, d, 400, "json", NULL, why);
		goto out;
	}
	if (glow_webhook_envelope(env, req.event, d, req.hook_id[0] ?
	    req.hook_id : NULL, ts.tv_sec, &doc) < 0) {
		rc = reject(ex, d, 400, "json", NULL,
		    glow_json_type(&doc, 0) != GLOW_JSON_OBJECT ?
		    "payload is not a JSON object" : "payload nested too deeply");
		goto out;
	}

	/* The delivery ID is not signed: the body's HMAC catches replays. */
	if (glow_webhook_spool_name(name, sizeof name, d, &ts) < 0 ||
	    glow_webhook_claim(seen_dir, spool, d, hash, name, ts.tv_sec,
	    GLOW_WEBHOOK_EXPIRY, &claim, &seen) < 0) {
		glow_warn("cannot mark delivery '%s' seen in '%s':", d, seen_dir);
		rc = fail(ex, "spool", 500, "cannot record the delivery");
		goto out;
	}
	if (seen != GLOW_WEBHOOK_NEW) {
		count("glow_webhook_duplicate_total");
		if (verbose)
			glow_warn("delivery dropped '%s': %s seen before", d,
			    seen == GLOW_WEBHOOK_DUP_DELIVERY ? "delivery ID" :
			    "body");
		rc = reply(ex, 200, NULL, "duplicate %s", d);
		goto out;
	}
	if (glow_webhook_spool(spool, name, env->p, env->len) < 0 ||
	    glow_fsync_group(&durable) < 0) {
		glow_warn("cannot spool delivery '%s' in '%s':", d, spool);
		glow_webhook_release(&claim);
		rc = fail(ex, "spool", 500, "cannot spool the delivery");
		goto out;
	}
	glow_webhook_commit(&claim);
	update_installations(req.event, &doc, ts.tv_sec);
	count("glow_webhook_accepted_total");
	if (verbose)
		glow_warn("delivery accepted '%s': %s spooled as %s", d,
		    req.event, name);
	rc = reply(ex, 202, NULL, "%s %s", strcmp(req.event, "ping") == 0 ?
	    "pong" : "accepted", d);
	glow_webhook_prune(seen_dir, spool, ts.tv_sec, GLOW_WEBHOOK_EXPIRY, 3600);
out:
	glow_json_free(&doc);
	recycle(body);
	recycle(form);
	recycle(env);
	return rc;
}

/* The envelope of the event that started this GitHub Actions job. */
static int
actions_event(void)
{
	struct glow_buf in = GLOW_BUF_INIT, env = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error err;
	struct timespec ts;
	const char *event = getenv("GITHUB_EVENT_NAME");
	const char *path = getenv("GITHUB_EVENT_PATH");
	const char *run = getenv("GITHUB_RUN_ID");
	const char *attempt = getenv("GITHUB_RUN_ATTEMPT");
	char delivery[128], name[256];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!event || !*event)
		glow_die(GLOW_EXIT_ERR, "no event name: GITHUB_EVENT_NAME is not set");
	if (strspn(event, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(event) ||
	    strlen(event) > 63)
		glow_die(GLOW_EXIT_ERR, "bad event name '%s'", event);
	if (!path || !*path)
		glow_die(GLOW_EXIT_ERR, "no event: GITHUB_EVENT_PATH is not set");
	if (glow_read_file(path, &in, GLOW_WEBHOOK_MAX_BODY) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", path);
	if (glow_json_parse(&doc, glow_buf_str(&in), in.len, &err) < 0)
		glow_die(GLOW_EXIT_NO, "cannot parse '%s': byte %zu: %s", path,
		    err.offset, err.reason);
	snprintf(delivery, sizeof delivery, "actions-%s-%s",
	    run && *run ? run : "0", attempt && *attempt ? attempt : "1");
	if (!run || !*run)
		snprintf(delivery, sizeof delivery, "actions-%lld-%ld",
		    (long long)ts.tv_sec, (long)getpid());
	if (!glow_webhook_delivery_ok(delivery))
		glow_die(GLOW_EXIT_ERR, "bad run id 'GITHUB_RUN_ID': not a number");
	if (glow_webhook_envelope(&env, event, delivery, NULL, ts.tv_sec,
	    &doc) < 0)
		glow_die(GLOW_EXIT_NO, "cannot make an envelope of '%s': %s", path,
		    glow_json_type(&doc, 0) != GLOW_JSON_OBJECT ?
		    "not a JSON object" : "nested too deeply");
	if (spool) {
		snprintf(new_dir, sizeof new_dir, "%s/new", spool);
		if (glow_webhook_spool_name(name, sizeof name, delivery, &ts) < 0 ||
		    glow_webhook_spool(spool, name, env.p, env.len) < 0 ||
		    glow_fsync_dir(new_dir) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot spool '%s' in '%s':", path,
			    spool);
		printf("%s/new/%s\n", spool, name);
	} else if (glow_write_all(STDOUT_FILENO, env.p, env.len) < 0) {
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	}
	glow_json_free(&doc);
	glow_buf_free(&in);
	glow_buf_free(&env);
	return fflush(stdout) == 0 ? GLOW_EXIT_OK : GLOW_EXIT_ERR;
}

/*
 * FastCGI ----------------------------------------------------------------
 *
 * The web server starts the program with its listening socket on stdin
 * (FCGI_LISTENSOCK_FILENO) and connects once per request.  threads
 * workers take turns to accept (the library's own advice), so as many
 * deliveries are verified and flushed to disk at once.
 *
 * SIGTERM (what the server sends when it stops), SIGINT or SIGUSR1 stop
 * it; the requests in hand are answered first, so no delivery is cut off.
 * The socket may be shared with other processes (spawn-fcgi -F), so it is
 * left as it is: the worker waiting in accept(2) is woken by SIGUSR2
 * instead, and libfcgi, told of the shutdown, gives up on EINTR.
 *
 * accept(2) failing for want of descriptors or memory is waited out; on a
 * socket that cannot accept at all the program stops with status 2, so
 * that the server starts it again rather than talk to a deaf process.
 */
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
/* Under state_lock: */
static pthread_t acceptor;      /* the worker in FCGX_Accept_r, if ... */
static int accepting;           /* ... accepting */
static int live;                /* the workers running */
static int stopping;            /* a stop signal came */
static int broken;              /* the socket cannot accept */

static int
stopped(void)
{
	int v;

	pthread_mutex_lock(&state_lock);
	v = stopping;
	pthread_mutex_unlock(&state_lock);
	return v;
}

static void
wake(int sig)
{
	(void)sig;              /* only to interrupt accept(2) */
}

static void
set_accepting(int on)
{
	pthread_mutex_lock(&state_lock);
	acceptor = pthread_self();
	accepting = on;
	pthread_mutex_unlock(&state_lock);
}

/* After accept failed with -rc: 1 to try again, 0 to stop. */
static int
accept_failed(int rc, unsigned long *failures)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int e = rc < 0 && rc > -4096 ? -rc : 0, said;

	errno = e;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		if ((*failures)++ % 100 == 0)
			glow_warn("cannot accept a connection (waiting):");
		nanosleep(&pause, NULL);
		return 1;
	}
	pthread_mutex_lock(&state_lock);
	said = broken;
	broken = 1;
	pthread_mutex_unlock(&state_lock);
	errno = e;
	if (said)
		;               /* another worker has */
	else if (e)
		glow_warn("cannot accept a connection:");
	else
		glow_warn("cannot accept a connection (libfcgi error %d)", rc);
	kill(getpid(), SIGTERM);
	return 0;
}

static void *
worker(void *arg)
{
	FCGX_Request r;
	struct exchange ex = { &r, GLOW_BUF_INIT, GLOW_BUF_INIT, GLOW_BUF_INIT };
	unsigned long failures = 0;
	int rc;

	(void)arg;
	if (FCGX_InitRequest(&r, FCGI_LISTENSOCK_FILENO, 0) != 0)
		goto out;
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		rc = -1;
		if (!stopped()) {
			set_accepting(1);
			rc = FCGX_Accept_r(&r);
			set_accepting(0);
		}
		pthread_mutex_unlock(&accept_lock);
		if (rc >= 0) {
			failures = 0;
			handle(&ex);
			FCGX_Finish_r(&r);
		} else if (stopped() || !accept_failed(rc, &failures)) {
			break;
		}
	}
	FCGX_Free(&r, 1);
out:
	exchange_free(&ex);
	pthread_mutex_lock(&state_lock);
	live--;
	pthread_mutex_unlock(&state_lock);
	return NULL;
}

static int
serve_fastcgi(void)
{
	struct sigaction sa;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t tid[256];
	pthread_attr_t attr;
	sigset_t set;
	int i, n, sig, more;

	/* The stop signals come to this thread alone, through sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = wake;   /* no SA_RESTART: accept(2) fails EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	/* musl's default stack (128 KB) is small for nested JSON. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)1 << 20);
	for (n = 0; n < threads; n++) {
		pthread_mutex_lock(&state_lock);
		live++;
		pthread_mutex_unlock(&state_lock);
		if ((errno = pthread_create(&tid[n], &attr, worker, NULL)) != 0) {
			glow_warn("cannot start thread %d of %d:", n + 1,
			    threads);
			pthread_mutex_lock(&state_lock);
			live--;
			pthread_mutex_unlock(&state_lock);
			break;
		}
	}
	pthread_attr_destroy(&attr);
	if (n == 0)
		return GLOW_EXIT_ERR;
	while (sigwait(&set, &sig) != 0)
		;
	pthread_mutex_lock(&state_lock);
	stopping = 1;
	pthread_mutex_unlock(&state_lock);
	FCGX_ShutdownPending();
	/* Until every worker is out: one may be just entering accept(2). */
	do {
		pthread_mutex_lock(&state_lock);
		if (accepting)
			pthread_kill(acceptor, SIGUSR2);
		more = live > 0;
		pthread_mutex_unlock(&state_lock);
		if (more)
			nanosleep(&tick, NULL);
	} while (more);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	return broken ? GLOW_EXIT_ERR : GLOW_EXIT_OK;
}

static void
paths(void)
{
	if (!state && spool) {
		static char def[PATH_MAX];

		snprintf(def, sizeof def, "%s/state", spool);
		state = def;
	}
	if (!state)
		return;
	if (snprintf(seen_dir, sizeof seen_dir, "%s/seen", state) >=
	    (int)sizeof seen_dir ||
	    snprintf(counters, sizeof counters, "%s/counters", state) >=
	    (int)sizeof counters ||
	    snprintf(installs, sizeof installs, "%s/installations.json",
	    state) >= (int)sizeof installs ||
	    (spool && snprintf(new_dir, sizeof new_dir, "%s/new", spool) >=
	    (int)sizeof new_dir))
		glow_die(GLOW_EXIT_ERR, "state directory name too long '%s'",
		    state);
	if (spool && mkdir(spool, 0700) < 0 && errno != EEXIST)
		glow_warn("cannot create '%s':", spool);
	durable.dirs[0] = new_dir;
	durable.dirs[1] = seen_dir;
	if (mkdir(state, 0700) < 0 && errno != EEXIST)
		glow_warn("cannot create '%s':", state);
}

/*
 * Recovery (-D) -----------------------------------------------------------
 *
 * The App's recent deliveries (GET /app/hook/deliveries, App JWT, newest
 * first, cursor pagination), each delivery (guid) once: one that is not
 * committed to this spool, whatever GitHub recorded of it (failed, timed
 * out, or answered by another receiver), is asked again (POST
 * /app/hook/deliveries/{id}/attempts), paced by the client.  A delivery
 * whose latest attempt is under a minute old may still be on its way and
 * is left alone.
 */

static int dry_run;              /* -n */
static long window_hours = 72;  /* -w */

struct seen_guid {
	char guid[80];
};

static int
guid_seen(const struct seen_guid *v, size_t n, const char *g)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].guid, g) == 0)
			return 1;
	return 0;
}

/* One delivery of the listing: looked at, and redelivered if lost. */
static int
recover_one(struct glow_gh *gh, const struct glow_json *doc, int d,
    long long since, long long now, struct seen_guid **seen,
    size_t *nseen, size_t *cap, int *failed)
{
	struct glow_buf guid = GLOW_BUF_INIT, ev = GLOW_BUF_INIT, line = GLOW_BUF_INIT;
	struct glow_buf at = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_jw w;
	long long id = 0, code = 0, t;
	int older = 0, redelivered = 0;

	glow_json_string(doc, glow_json_get(doc, d, "guid"), &guid);
	glow_json_string(doc, glow_json_get(doc, d, "event"), &ev);
	glow_json_string(doc, glow_json_get(doc, d, "delivered_at"), &at);
	glow_json_int(doc, glow_json_get(doc, d, "id"), &id);
	glow_json_int(doc, glow_json_get(doc, d, "status_code"), &code);
	t = glow_time_parse(glow_buf_str(&at), at.len);
	if (t > 0 && t < since) {
		older = 1;              /* the rest is older still */
		goto out;
	}
	if (!glow_webhook_delivery_ok(glow_buf_str(&guid)) || id <= 0 ||
	    guid_seen(*seen, *nseen, glow_buf_str(&guid)))
		goto out;               /* its latest attempt was looked at */
	if (*nseen == *cap) {
		struct seen_guid *v = realloc(*seen, (*cap ? *cap * 2 : 64) *
		    sizeof **seen);

		if (!v)
			glow_die(GLOW_EXIT_ERR, "cannot redeliver: out of memory");
		*seen = v;
		*cap = *cap ? *cap * 2 : 64;
	}
	snprintf((*seen)[(*nseen)++].guid, sizeof (*seen)->guid, "%s",
	    glow_buf_str(&guid));
	if (glow_webhook_committed(seen_dir, spool, glow_buf_str(&guid)) ||
	    (t > 0 && now - t < 60))
		goto out;
	if (!dry_run) {
		glow_gh_path(&path, "/app/hook/deliveries/%lld/attempts", id);
		glow_gh_resp_init(&r);
		if (glow_gh_request(gh, "POST", glow_buf_str(&path), NULL, 0,
		    &r) == GLOW_GH_OK && r.status == 202) {
			redelivered = 1;
		} else {
			struct glow_buf msg = GLOW_BUF_INIT;

			glow_gh_message(&r, &msg);
			glow_warn("cannot redeliver '%s': %ld %s", glow_buf_str(&guid),
			    r.status, glow_buf_str(&msg));
			glow_buf_free(&msg);
			*failed = 1;
		}
		glow_gh_resp_free(&r);
	}
	glow_jw_init(&w, &line, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "delivery");
	glow_jw_str(&w, glow_buf_str(&guid));
	glow_jw_key(&w, "id");
	glow_jw_int(&w, id);
	glow_jw_key(&w, "event");
	glow_jw_str(&w, glow_buf_str(&ev));
	glow_jw_key(&w, "status_code");
	glow_jw_int(&w, code);
	glow_jw_key(&w, "redelivered");
	glow_jw_bool(&w, redelivered);
	glow_jw_end(&w);
	glow_buf_addc(&line, '\n');
	glow_out(&line);
out:
	glow_buf_free(&guid);
	glow_buf_free(&ev);
	glow_buf_free(&at);
	glow_buf_free(&path);
	glow_buf_free(&line);
	return older;
}

static int
redeliver(void)
{
	struct glow_buf jwt = GLOW_BUF_INIT, in = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct seen_guid *seen = NULL;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_gh gh;
	enum glow_gh_err e;
	size_t nseen = 0, cap = 0;
	long long now = (long long)time(NULL), since;
	int d, done = 0, failed = 0;

	if (!state || !spool)
		glow_die(GLOW_EXIT_ERR, "no spool: give -d or set GLOW_SPOOL");
	since = now - window_hours * 3600;
	if (glow_read_fd(STDIN_FILENO, &in, 1 << 20) < 0 ||
	    glow_gh_token_parse(glow_buf_str(&in), in.len, &jwt) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read App JWT 'stdin': no token in "
		    "it (glow-jwt's output)");
	glow_buf_wipe(&in);
	if ((e = glow_gh_init(&gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	gh.token = jwt.p;
	gh.cache_dir = NULL;
	if (verbose)
		gh.trace = glow_trace;
	glow_buf_adds(&path, "/app/hook/deliveries?per_page=100");
	glow_gh_resp_init(&r);
	while (!done) {
		if ((e = glow_gh_request(&gh, "GET", glow_buf_str(&path), NULL, 0,
		    &r)) != GLOW_GH_OK) {
			struct glow_buf msg = GLOW_BUF_INIT;

			glow_gh_message(&r, &msg);
			glow_die(GLOW_EXIT_ERR, "cannot list the App's deliveries: "
			    "%s %s", glow_gh_strerror(e), glow_buf_str(&msg));
		}
		if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len,
		    &jerr) < 0 || glow_json_type(&doc, 0) != GLOW_JSON_ARRAY)
			glow_die(GLOW_EXIT_ERR, "cannot list the App's deliveries: "
			    "not a JSON array");
		for (d = glow_json_first(&doc, 0); d >= 0 && !done;
		    d = glow_json_next(&doc, d))
			done = recover_one(&gh, &doc, d, since, now, &seen, &nseen,
			    &cap, &failed);
		glow_json_free(&doc);
		if (!r.next[0])
			break;
		glow_buf_reset(&path);
		glow_buf_adds(&path, r.next);
	}
	glow_gh_resp_free(&r);
	glow_buf_wipe(&jwt);
	glow_buf_free(&path);
	free(seen);
	glow_gh_free(&gh);
	return failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* What the command line chose; the settings themselves are globals. */
enum mode { SERVE, ACTIONS_EVENT, METRICS, REDELIVER, STATE };

static enum mode
parse_options(int argc, char **argv, const char **secret_file)
{
	int c, eflag = 0, mflag = 0, Dflag = 0, Iflag = 0;

	while ((c = glow_getopt(argc, argv, "Dd:eIj:mnrS:s:vVw:", usage_text)) != -1) {
		switch (c) {
		case 'I':
			Iflag = 1;
			break;
		case 'D':
			Dflag = 1;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'w':
			window_hours = glow_optnum(optarg, 1, 168, c);
			break;
		case 'd':
			spool = optarg;
			break;
		case 'e':
			eflag = 1;
			break;
		case 'j':
			threads = (int)glow_optnum(optarg, 1, 256, c);
			break;
		case 'm':
			mflag = 1;
			break;
		case 'r':
			raw_mode = 1;
			break;
		case 'S':
			state = optarg;
			break;
		case 's':
			*secret_file = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			glow_version();
			exit(GLOW_EXIT_OK);
		}
	}
	if (optind != argc || eflag + mflag + raw_mode + Dflag + Iflag > 1 ||
	    (dry_run && !Dflag))
		usage(GLOW_EXIT_ERR);
	/* -e prints unless -d is given: a GLOW_SPOOL around does not count. */
	if (eflag)
		return ACTIONS_EVENT;
	if (!spool && (spool = getenv("GLOW_SPOOL")) && !*spool)
		spool = NULL;
	if (!state && (state = getenv("GLOW_WEBHOOK_STATE")) && !*state)
		state = NULL;
	paths();
	return mflag ? METRICS : Dflag ? REDELIVER : Iflag ? STATE : SERVE;
}

/* -I: a state for the App's install link, valid for a day. */
static int
print_state(const char *secret_file)
{
	char st[128];

	load_secrets(secret_file);
	if (secret_problem)
		glow_die(GLOW_EXIT_ERR, "%s", secret_problem);
	if (glow_webhook_state_make(st, &secrets, (long long)time(NULL),
	    86400) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot make a state:");
	printf("%s\n", st);
	glow_buf_wipe(&secret_text);
	return fflush(stdout) == 0 ? GLOW_EXIT_OK : GLOW_EXIT_ERR;
}

static int
print_metrics(void)
{
	struct glow_buf m = GLOW_BUF_INIT;

	if (!state)
		glow_die(GLOW_EXIT_ERR, "no state directory: give -d or -S");
	metrics_text(&m);
	glow_out(&m);
	glow_buf_free(&m);
	return GLOW_EXIT_OK;
}

/* Deliveries: as a FastCGI responder, or the one of a CGI request or -r. */
static int
serve(const char *secret_file)
{
	int rc;

	load_secrets(secret_file);
	if (!raw_mode && !FCGX_IsCGI()) {
		pending.batch = 1;
		rc = serve_fastcgi();
		flush_counts(1);
	} else {
		struct exchange ex = { NULL, GLOW_BUF_INIT, GLOW_BUF_INIT,
		    GLOW_BUF_INIT };

		rc = handle(&ex);
		exchange_free(&ex);
	}
	glow_buf_wipe(&secret_text);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *secret_file = NULL;

	glow_progname = "glow-webhook";
	glow_help(argc, argv, usage_text);
	switch (parse_options(argc, argv, &secret_file)) {
	case ACTIONS_EVENT:
		return actions_event();
	case METRICS:
		return print_metrics();
	case REDELIVER:
		return redeliver();
	case STATE:
		return print_state(secret_file);
	default:
		return serve(secret_file);
	}
}
