/* SPDX-License-Identifier: ISC */
/* github.c: the GitHub REST client: settings, responses, retries, pacing,
 * requests and pagination; see github.h.  URL parts are in github_url.c,
 * the libcurl exchange in github_exchange.c, the ETag cache in
 * github_cache.c, messages and tokens in github_message.c. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/crypto.h"
#include "core/fsio.h"
#include "core/http.h"
#include "core/json.h"
#include "github/github_parts.h"

#define DEFAULT_BASE "https://api.github.com"
#define DEFAULT_PACE "1,80/60,500/3600"
#define MAX_REDIRECTS 5
#define MAX_PAGES 100000

static int curl_ready;

/* ---------------------------------------------------------------- time */

double
glow_gh_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
glow_gh_sleep(double seconds)
{
	struct timespec ts, rem;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

/* The client's clock: real time plus the part of each wait that scaling
 * skipped, so pacing computed in it is exact at any GLOW_WAIT_SCALE. */
static double
gh_now(const struct glow_gh *gh)
{
	return glow_gh_clock() + gh->clock_skew;
}

static void
gh_sleep(struct glow_gh *gh, double seconds)
{
	double real = seconds * gh->wait_scale;

	if (seconds <= 0)
		return;
	glow_gh_sleep(real);
	gh->clock_skew += seconds - real;
}

static double
gh_random(struct glow_gh *gh)
{
	/* xorshift64*: jitter only needs to differ between clients */
	gh->rng ^= gh->rng >> 12;
	gh->rng ^= gh->rng << 25;
	gh->rng ^= gh->rng >> 27;
	return (double)((gh->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void
trace(struct glow_gh *gh, const char *fmt, ...)
{
	char line[9000];
	va_list ap;

	if (!gh->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	gh->trace(gh->trace_arg, line);
}

/* ------------------------------------------------------------ settings */

enum glow_gh_err
glow_gh_init(struct glow_gh *gh)
{
	memset(gh, 0, sizeof *gh);
	strcpy(gh->base, DEFAULT_BASE);
	gh->connect_timeout = 10;
	gh->timeout = 60;
	gh->max_retries = 5;
	gh->backoff_base = 1;
	gh->backoff_cap = 60;
	gh->max_wait = 900;
	gh->wait_scale = 1;
	gh->max_body = (size_t)256 << 20;
	gh->pace.last = -1;
	if (glow_gh_pace_parse(&gh->pace, DEFAULT_PACE) < 0)
		return GLOW_GH_NOMEM;
	gh->rng = ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid() ^
	    (unsigned long long)(glow_gh_clock() * 1e9) ^ 0x9e3779b97f4a7c15ULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return GLOW_GH_CURL;
		curl_ready = 1;
	}
	if (!(gh->curl = curl_easy_init()))
		return GLOW_GH_CURL;
	return GLOW_GH_OK;
}

void
glow_gh_free(struct glow_gh *gh)
{
	if (gh->curl)
		curl_easy_cleanup(gh->curl);
	gh->curl = NULL;
	free(gh->pace.times);
	gh->pace.times = NULL;
}

enum glow_gh_err
glow_gh_set_base(struct glow_gh *gh, const char *url)
{
	size_t n = strlen(url);

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return GLOW_GH_URL;
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sizeof gh->base || n <= 8 || strcspn(url, " \t\r\n?#") < n)
		return GLOW_GH_URL;
	memcpy(gh->base, url, n);
	gh->base[n] = '\0';
	return GLOW_GH_OK;
}

static int
parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || *v < 0 || *v != *v)
		return -1;
	return 0;
}

int
glow_gh_pace_parse(struct glow_gh_pace *p, const char *spec)
{
	char item[64];
	const char *s = spec;
	double interval = 0, sec;
	int nwin = 0, i, cap = 0;
	long max;
	char *slash, *end;
	struct { int max; double seconds; } win[GLOW_GH_PACE_WINDOWS];

	if (strcmp(spec, "off") == 0 || strcmp(spec, "0") == 0)
		goto set;
	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 0 || n >= sizeof item)
			return -1;
		memcpy(item, s, n);
		item[n] = '\0';
		s += n + (s[n] == ',');
		if ((slash = strchr(item, '/'))) {
			*slash = '\0';
			errno = 0;
			max = strtol(item, &end, 10);
			if (errno || end == item || *end || max < 1 || max > 100000 ||
			    parse_double(slash + 1, &sec) < 0 || sec <= 0 ||
			    nwin == GLOW_GH_PACE_WINDOWS)
				return -1;
			win[nwin].max = (int)max;
			win[nwin].seconds = sec;
			nwin++;
		} else if (parse_double(item, &interval) < 0)
			return -1;
	}
set:
	for (i = 0; i < nwin; i++)
		if (win[i].max > cap)
			cap = win[i].max;
	if (cap > p->cap) {
		double *t = calloc((size_t)cap, sizeof *t);

		if (!t)
			return -1;
		/* keep the history, oldest first */
		for (i = 0; i < p->ntimes && i < cap; i++)
			t[i] = p->times[(p->head - p->ntimes + i + p->cap) % p->cap];
		free(p->times);
		p->times = t;
		p->ntimes = i;
		p->cap = cap;
		p->head = i % cap;
	}
	p->interval = interval;
	p->nwin = nwin;
	for (i = 0; i < nwin; i++) {
		p->win[i].max = win[i].max;
		p->win[i].seconds = win[i].seconds;
	}
	return 0;
}

enum glow_gh_err
glow_gh_env(struct glow_gh *gh)
{
	const char *v;
	double d;
	size_t used = 0, n;

	if ((v = getenv("GITHUB_API_URL")) && *v &&
	    glow_gh_set_base(gh, v) != GLOW_GH_OK)
		return GLOW_GH_URL;
	if ((v = getenv("GLOW_PACE")) && *v &&
	    glow_gh_pace_parse(&gh->pace, v) < 0)
		return GLOW_GH_CONFIG;
	if ((v = getenv("GLOW_WAIT_SCALE")) && *v) {
		if (parse_double(v, &d) < 0)
			return GLOW_GH_CONFIG;
		gh->wait_scale = d;
	}
	if ((v = getenv("GLOW_MAX_WAIT")) && *v) {
		if (parse_double(v, &d) < 0)
			return GLOW_GH_CONFIG;
		gh->max_wait = d;
	}
	if ((v = getenv("GLOW_TIMEOUT")) && *v) {
		if (parse_double(v, &d) < 0 || d < 1 || d > 86400)
			return GLOW_GH_CONFIG;
		gh->timeout = (long)d;
		if (gh->connect_timeout > gh->timeout)
			gh->connect_timeout = gh->timeout;
	}
	if ((v = getenv("GLOW_CACHE_DIR")) && *v) {
		if ((n = strlen(v) + 1) > sizeof gh->envbuf - used)
			return GLOW_GH_CONFIG;
		memcpy(gh->envbuf + used, v, n);
		gh->cache_dir = gh->envbuf + used;
		used += n;
	}
	if (((v = getenv("SSL_CERT_FILE")) && *v) ||
	    ((v = getenv("CURL_CA_BUNDLE")) && *v)) {
		if ((n = strlen(v) + 1) > sizeof gh->envbuf - used)
			return GLOW_GH_CONFIG;
		memcpy(gh->envbuf + used, v, n);
		gh->ca_file = gh->envbuf + used;
		used += n;
	}
	return GLOW_GH_OK;
}

/* ------------------------------------------------------------ response */

void
gh_resp_clear(struct glow_gh_resp *r)
{
	r->status = 0;
	r->not_modified = 0;
	r->etag[0] = r->next[0] = r->location[0] = '\0';
	r->content_type[0] = r->request_id[0] = r->rl_resource[0] = '\0';
	r->retry_after = -1;
	r->rl_limit = r->rl_remaining = r->rl_used = r->rl_reset = -1;
	r->date = -1;
}

void
glow_gh_resp_init(struct glow_gh_resp *r)
{
	memset(r, 0, sizeof *r);
	gh_resp_clear(r);
}

void
glow_gh_resp_free(struct glow_gh_resp *r)
{
	glow_buf_free(&r->body);
	glow_buf_free(&r->headers);
}

void
gh_resp_reset(struct glow_gh_resp *r)
{
	gh_resp_clear(r);
	glow_buf_reset(&r->body);
	glow_buf_reset(&r->headers);
	r->body.failed = r->headers.failed = 0;
}

/* -------------------------------------------------------- retry policy */

static int
body_says(const struct glow_gh_resp *r, const char *what)
{
	return r->body.p && strcasestr(r->body.p, what) != NULL;
}

enum glow_gh_kind
glow_gh_classify(const struct glow_gh_resp *r)
{
	if (r->status == 0)
		return GLOW_GH_NETFAIL;
	if (r->status >= 500 && r->status <= 599)
		return GLOW_GH_SERVER;
	if (r->status != 403 && r->status != 429)
		return GLOW_GH_FINAL;
	if (body_says(r, "secondary rate limit") || body_says(r, "abuse"))
		return GLOW_GH_SECONDARY;
	if (r->rl_remaining == 0)
		return GLOW_GH_PRIMARY;
	if (r->status == 429 || r->retry_after >= 0)
		return GLOW_GH_SECONDARY;
	return GLOW_GH_FINAL;
}

double
glow_gh_backoff(int n, double base, double cap, double jitter)
{
	double d = base;

	while (n-- > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + jitter * d / 2;
}

double
glow_gh_limit_wait(const struct glow_gh_resp *r, enum glow_gh_kind k,
    int repeat, long long now)
{
	double w;

	/* GitHub's order: retry-after, then the reset time, then >= 60 s */
	if (r->retry_after >= 0)
		return (double)r->retry_after;
	if (k == GLOW_GH_PRIMARY && r->rl_reset >= 0) {
		long long ref = r->date >= 0 ? r->date : now;

		w = (double)(r->rl_reset - ref) + 1;
		return w < 1 ? 1 : w;
	}
	w = 60;
	while (repeat-- > 0 && w < 1e7)
		w *= 2;
	return w;
}

/* -------------------------------------------------------------- pacing */

double
glow_gh_pace_due(const struct glow_gh *gh)
{
	const struct glow_gh_pace *p = &gh->pace;
	double need = 0;
	int i;

	if (p->last >= 0 && p->last + p->interval > need)
		need = p->last + p->interval;
	for (i = 0; i < p->nwin; i++) {
		int m = p->win[i].max;

		/* the m-th most recent request must have left the window */
		if (p->ntimes >= m) {
			double t = p->times[(p->head - m + p->cap) % p->cap];

			if (t + p->win[i].seconds > need)
				need = t + p->win[i].seconds;
		}
	}
	return need;
}

double
glow_gh_now(const struct glow_gh *gh)
{
	return gh_now(gh);
}

void
glow_gh_wait(struct glow_gh *gh, double seconds)
{
	gh_sleep(gh, seconds);
}

static void
pace(struct glow_gh *gh)
{
	double now = gh_now(gh), need = glow_gh_pace_due(gh);

	if (need > now) {
		trace(gh, "pacing: waiting %.2f s", need - now);
		gh_sleep(gh, need - now);
		gh->stats.wait_pace += need - now;
	}
}

static void
pace_record(struct glow_gh *gh)
{
	struct glow_gh_pace *p = &gh->pace;
	double now = gh_now(gh);

	p->last = now;
	if (p->cap == 0)
		return;
	p->times[p->head] = now;
	p->head = (p->head + 1) % p->cap;
	if (p->ntimes < p->cap)
		p->ntimes++;
}

static const char *
kind_name(enum glow_gh_kind k)
{
	switch (k) {
	case GLOW_GH_SERVER: return "server error";
	case GLOW_GH_NETFAIL: return "network failure";
	case GLOW_GH_PRIMARY: return "primary rate limit";
	case GLOW_GH_SECONDARY: return "secondary rate limit";
	default: return "final";
	}
}

/* The cache entry for a GET of url, loaded if there is one (*ce NULL when
 * the client keeps no cache or the method is not GET). */
static enum glow_gh_err
cache_open(struct glow_gh *gh, const char *method, const char *accept,
    const char *url, struct glow_buf *cpath, struct gh_cache_entry **ce)
{
	enum glow_gh_err e;

	*ce = NULL;
	if (!gh->cache_dir || strcmp(method, "GET") != 0)
		return GLOW_GH_OK;
	if ((e = gh_cache_ready(gh->cache_dir)) != GLOW_GH_OK)
		return e;
	if (!(*ce = calloc(1, sizeof **ce)) ||
	    gh_cache_path(gh, accept, url, cpath) < 0)
		return GLOW_GH_NOMEM;
	if (gh_cache_load(cpath->p, *ce) < 0) {
		glow_buf_free(&(*ce)->raw);
		(*ce)->etag[0] = '\0';
	}
	return GLOW_GH_OK;
}

/* A 304 answered from the cache entry; a new 200 with an ETag kept. */
static enum glow_gh_err
cache_answer(struct glow_gh *gh, struct glow_gh_resp *r,
    const struct gh_cache_entry *ce, const char *cpath)
{
	if (!ce)
		return GLOW_GH_OK;
	if (r->status == 200 && r->etag[0]) {
		gh_cache_store(cpath, r);
		return GLOW_GH_OK;
	}
	if (r->status != 304 || !ce->etag[0])
		return GLOW_GH_OK;
	glow_buf_reset(&r->body);
	glow_buf_add(&r->body, ce->body, ce->len);
	if (!r->next[0])
		memcpy(r->next, ce->next, sizeof r->next);
	if (!r->content_type[0])
		memcpy(r->content_type, ce->type, sizeof r->content_type);
	if (!r->etag[0])
		memcpy(r->etag, ce->etag, sizeof r->etag);
	r->status = 200;
	r->not_modified = 1;
	gh->stats.not_modified++;
	return r->body.failed ? GLOW_GH_NOMEM : GLOW_GH_OK;
}

static int
is_redirect(long status)
{
	return status >= 301 && status <= 308 && status != 304 &&
	    status != 305 && status != 306;
}

/* One request as it moves: where it goes, how, with what. */
struct request {
	const char *method;
	struct glow_buf url;
	const void *body;
	size_t len;
	int auth;               /* send the token (the API's own origin) */
	int redirects;
};

/* Follow the redirect r answered: the next URL, the token kept to the
 * API's host, and a 301-303 of anything but GET or HEAD turned into GET. */
static enum glow_gh_err
follow(struct glow_gh *gh, struct request *q, const struct glow_gh_resp *r)
{
	struct glow_buf next = GLOW_BUF_INIT;
	enum glow_gh_err e;

	if (!r->location[0] || ++q->redirects > MAX_REDIRECTS)
		return GLOW_GH_REDIRECT;
	if ((e = gh_resolve(q->url.p, r->location, &next)) == GLOW_GH_OK) {
		glow_buf_reset(&q->url);
		glow_buf_add(&q->url, next.p, next.len);
		if (q->url.failed)
			e = GLOW_GH_NOMEM;
	}
	glow_buf_free(&next);
	if (e != GLOW_GH_OK)
		return e;
	q->auth = gh_same_origin(q->url.p, gh->base);
	if (r->status != 307 && r->status != 308 &&
	    strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
		q->method = "GET";
		q->body = NULL;
		q->len = 0;
	}
	return GLOW_GH_OK;
}

/* The retry policy's waits so far. */
struct retry {
	double waited;
	int retries, secondary;
};

/*
 * After an answer of kind k (not final): wait as the policy says and
 * return 1 to try again, or return 0 to give up (*e: GLOW_GH_LIMITED when
 * a rate limit outlasts the client's bound).
 */
static int
retry_after_wait(struct glow_gh *gh, const struct glow_gh_resp *r,
    enum glow_gh_kind k, struct retry *rt, enum glow_gh_err *e)
{
	int transient = k == GLOW_GH_SERVER || k == GLOW_GH_NETFAIL;
	double w;

	if (transient) {
		if (rt->retries >= gh->max_retries)
			return 0;
		w = glow_gh_backoff(rt->retries, gh->backoff_base,
		    gh->backoff_cap, gh_random(gh));
	} else {
		gh->stats.limited++;
		w = glow_gh_limit_wait(r, k, k == GLOW_GH_SECONDARY ?
		    rt->secondary++ : 0, (long long)time(NULL));
	}
	if (rt->waited + w > gh->max_wait) {
		trace(gh, "%s: giving up, %.1f s more would pass the %.0f s bound",
		    kind_name(k), w, gh->max_wait);
		if (!transient)
			*e = GLOW_GH_LIMITED;
		return 0;
	}
	trace(gh, "%s: waiting %.2f s before retrying", kind_name(k), w);
	gh_sleep(gh, w);
	rt->waited += w;
	if (transient)
		gh->stats.wait_backoff += w;
	else
		gh->stats.wait_limit += w;
	rt->retries++;
	gh->stats.retries++;
	return 1;
}

/* One exchange, paced if it writes, traced. */
static CURLcode
send_once(struct glow_gh *gh, struct request *q, const char *etag,
    struct glow_gh_resp *r, enum glow_gh_err *e)
{
	int toobig, overflow, writes = gh_is_mutating(q->method);
	double t0;
	CURLcode cc;

	if (writes)
		pace(gh);
	t0 = glow_gh_clock();
	cc = gh_exchange(gh, q->method, q->url.p, q->auth, q->body, q->len,
	    etag, r, &toobig, &overflow);
	if (writes)
		pace_record(gh);
	if (cc == CURLE_OK)
		trace(gh, "%s %s: %ld (%.3f s)", q->method, q->url.p, r->status,
		    glow_gh_clock() - t0);
	else
		trace(gh, "%s %s: %s", q->method, q->url.p, curl_easy_strerror(cc));
	if (toobig)
		*e = GLOW_GH_TOOBIG;
	else if (overflow)
		*e = GLOW_GH_URL;
	else if (cc != CURLE_OK && !gh_transient(cc))
		*e = gh_curl_error(cc);
	return cc;
}

enum glow_gh_err
glow_gh_request(struct glow_gh *gh, const char *method, const char *path,
    const void *body, size_t len, struct glow_gh_resp *r)
{
	struct request q = { method, GLOW_BUF_INIT, body, len, 1, 0 };
	struct retry rt = { 0, 0, 0 };
	struct glow_buf cpath = GLOW_BUF_INIT;
	struct gh_cache_entry *ce = NULL;
	const char *accept = gh->accept ? gh->accept : GH_DEFAULT_ACCEPT;
	enum glow_gh_err e = GLOW_GH_OK;
	enum glow_gh_kind k;
	CURLcode cc;

	gh_resp_reset(r);
	if (!gh->curl)
		return GLOW_GH_CURL;
	if ((e = gh_make_url(gh, path, &q.url)) != GLOW_GH_OK ||
	    (e = cache_open(gh, method, accept, q.url.p, &cpath, &ce)) != GLOW_GH_OK)
		goto out;
	for (;;) {
		cc = send_once(gh, &q, ce && ce->etag[0] && q.redirects == 0 ?
		    ce->etag : NULL, r, &e);
		if (e != GLOW_GH_OK)
			goto out;
		if (cc == CURLE_OK && is_redirect(r->status)) {
			if ((e = follow(gh, &q, r)) != GLOW_GH_OK)
				goto out;
			continue;
		}
		k = cc == CURLE_OK ? glow_gh_classify(r) : GLOW_GH_NETFAIL;
		if (k == GLOW_GH_FINAL || !retry_after_wait(gh, r, k, &rt, &e))
			break;
	}
	if (e == GLOW_GH_OK && cc != CURLE_OK)
		e = gh_curl_error(cc);
	if (e == GLOW_GH_OK)
		e = cache_answer(gh, r, ce, glow_buf_str(&cpath));
	if (e == GLOW_GH_OK && r->status >= 400)
		e = GLOW_GH_HTTP;
out:
	if (ce) {
		glow_buf_free(&ce->raw);
		free(ce);
	}
	glow_buf_free(&cpath);
	glow_buf_free(&q.url);
	return e;
}

/* ---------------------------------------------------------- pagination */

enum glow_gh_err
glow_gh_paginate(struct glow_gh *gh, const char *path, const char *key,
    int per_page, struct glow_buf *out, int *pages, struct glow_gh_resp *r)
{
	struct glow_buf url = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_jw w;
	enum glow_gh_err e = GLOW_GH_OK;
	int n = 0, arr, v;

	glow_buf_adds(&url, path);
	if (per_page && !strstr(path, "per_page=")) {
		glow_buf_addc(&url, strchr(path, '?') ? '&' : '?');
		glow_buf_adds(&url, "per_page=100");
	}
	glow_jw_init(&w, out, 0);
	glow_jw_array(&w);
	while (!url.failed) {
		if ((e = glow_gh_request(gh, "GET", url.p, NULL, 0, r)) != GLOW_GH_OK)
			break;
		if (glow_json_parse(&doc, glow_buf_str(&r->body), r->body.len,
		    &jerr) < 0) {
			e = GLOW_GH_JSON;
			break;
		}
		arr = -1;
		if (glow_json_type(&doc, 0) == GLOW_JSON_ARRAY)
			arr = 0;
		else if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT) {
			if (key)
				arr = glow_json_get(&doc, 0, key);
			else
				for (v = glow_json_first(&doc, 0); v >= 0;
				    v = glow_json_next(&doc, v))
					if (glow_json_type(&doc, v + 1) == GLOW_JSON_ARRAY) {
						arr = v + 1;
						break;
					}
		}
		if (arr < 0 || glow_json_type(&doc, arr) != GLOW_JSON_ARRAY) {
			glow_json_free(&doc);
			e = GLOW_GH_JSON;
			break;
		}
		for (v = glow_json_first(&doc, arr); v >= 0; v = glow_json_next(&doc, v))
			glow_jw_value(&w, &doc, v);
		glow_json_free(&doc);
		n++;
		if (!r->next[0] || n >= MAX_PAGES)
			break;
		if (strcmp(r->next, url.p) == 0) {
			e = GLOW_GH_REDIRECT;
			break;
		}
		glow_buf_reset(&url);
		glow_buf_adds(&url, r->next);
	}
	glow_jw_end(&w);
	if (e == GLOW_GH_OK && (url.failed || out->failed))
		e = GLOW_GH_NOMEM;
	glow_buf_free(&url);
	if (pages)
		*pages = n;
	return e;
}

