/* SPDX-License-Identifier: ISC */
/* github.c: the GitHub REST client; see github.h for the behaviour. */
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
#include "github/github.h"

#define API_VERSION "2022-11-28"
#define DEFAULT_BASE "https://api.github.com"
#define DEFAULT_ACCEPT "application/vnd.github+json"
#define DEFAULT_PACE "1,80/60,500/3600"
#define MAX_REDIRECTS 5
#define MAX_PAGES 100000
#define CACHE_MAGIC "glow-etag 1\n"

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

static void
resp_clear(struct glow_gh_resp *r)
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
	resp_clear(r);
}

void
glow_gh_resp_free(struct glow_gh_resp *r)
{
	glow_buf_free(&r->body);
	glow_buf_free(&r->headers);
}

static void
resp_reset(struct glow_gh_resp *r)
{
	resp_clear(r);
	glow_buf_reset(&r->body);
	glow_buf_reset(&r->headers);
	r->body.failed = r->headers.failed = 0;
}

/* ----------------------------------------------------------- URL parts */

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int
glow_gh_segment(struct glow_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -1;
	for (p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p))
			glow_buf_addc(b, (char)*p);
		else {
			glow_buf_addc(b, '%');
			glow_buf_addc(b, hex[*p >> 4]);
			glow_buf_addc(b, hex[*p & 15]);
		}
	}
	return 0;
}

int
glow_gh_path(struct glow_buf *b, const char *fmt, ...)
{
	size_t start = b->len;
	const char *f;
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	for (f = fmt; *f && rc == 0; f++) {
		if (*f != '%') {
			glow_buf_addc(b, *f);
			continue;
		}
		f++;
		if (*f == '%')
			glow_buf_addc(b, '%');
		else if (*f == 's')
			rc = glow_gh_segment(b, va_arg(ap, const char *));
		else if (*f == 'd')
			glow_buf_printf(b, "%d", va_arg(ap, int));
		else if (f[0] == 'l' && f[1] == 'd') {
			glow_buf_printf(b, "%ld", va_arg(ap, long));
			f++;
		} else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
			glow_buf_printf(b, "%lld", va_arg(ap, long long));
			f += 2;
		} else
			rc = -1;
	}
	va_end(ap);
	if (rc < 0 || b->failed) {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
		return -1;
	}
	return 0;
}

/*
 * RFC 8288: Link: <url>; rel="next", <url>; rel="last".  The URL may hold
 * commas and semicolons (it is delimited by <>), a rel value may be a
 * quoted, space-separated list of relation types, compared case-insensitively.
 */
int
glow_gh_link(const char *v, const char *rel, char *dst, size_t size)
{
	const char *url, *urlend, *p, *name, *val;
	size_t rl = strlen(rel), nl, vl;

	for (p = v; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return -1;
		url = p + 1;
		if (!(urlend = strchr(url, '>')))
			return -1;
		p = urlend + 1;
		/* parameters */
		for (;;) {
			int found = 0;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ';')
				break;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			name = p;
			while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
				p++;
			nl = (size_t)(p - name);
			while (*p == ' ')
				p++;
			if (*p != '=')
				continue;
			p++;
			while (*p == ' ')
				p++;
			if (*p == '"') {
				val = ++p;
				while (*p && *p != '"')
					p++;
				vl = (size_t)(p - val);
				if (*p)
					p++;
			} else {
				val = p;
				while (*p && *p != ';' && *p != ',' && *p != ' ')
					p++;
				vl = (size_t)(p - val);
			}
			if (nl == 3 && strncasecmp(name, "rel", 3) == 0) {
				const char *t = val, *e = val + vl;

				while (t < e) {
					const char *w = t;

					while (w < e && *w != ' ')
						w++;
					if ((size_t)(w - t) == rl && strncasecmp(t, rel, rl) == 0)
						found = 1;
					t = w + 1;
				}
			}
			if (found) {
				size_t ul = (size_t)(urlend - url);

				if (ul + 1 > size)
					return -1;
				memcpy(dst, url, ul);
				dst[ul] = '\0';
				return 0;
			}
		}
		while (*p && *p != ',')
			p++;
	}
	return -1;
}

/* The origin of an absolute URL: "scheme://host[:port]" lower-cased, the
 * default port dropped.  0, or -1 if url is not absolute http(s). */
static int
origin(const char *url, char *dst, size_t size)
{
	const char *auth, *end;
	size_t n, i;
	int https;

	if (strncasecmp(url, "https://", 8) == 0)
		https = 1, auth = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		https = 0, auth = url + 7;
	else
		return -1;
	end = auth + strcspn(auth, "/?#");
	if (end == auth || memchr(auth, '@', (size_t)(end - auth)))
		return -1;
	n = (size_t)(auth - url) + (size_t)(end - auth);
	if (https && end - auth > 4 && strncmp(end - 4, ":443", 4) == 0)
		n -= 4;
	else if (!https && end - auth > 3 && strncmp(end - 3, ":80", 3) == 0)
		n -= 3;
	if (n + 1 > size)
		return -1;
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)url[i]);
	dst[n] = '\0';
	return 0;
}

static int
same_origin(const char *a, const char *b)
{
	char oa[1100], ob[1100];

	return origin(a, oa, sizeof oa) == 0 && origin(b, ob, sizeof ob) == 0 &&
	    strcmp(oa, ob) == 0;
}

/* The absolute URL of path (a path, or an absolute URL on base's origin). */
static enum glow_gh_err
make_url(const struct glow_gh *gh, const char *path, struct glow_buf *url)
{
	const char *c;

	for (c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return GLOW_GH_URL;
	glow_buf_reset(url);
	if (strncasecmp(path, "http://", 7) == 0 ||
	    strncasecmp(path, "https://", 8) == 0) {
		if (!same_origin(path, gh->base))
			return GLOW_GH_URL;
		glow_buf_adds(url, path);
	} else {
		glow_buf_adds(url, gh->base);
		if (*path != '/')
			glow_buf_addc(url, '/');
		glow_buf_adds(url, path);
	}
	return url->failed ? GLOW_GH_NOMEM : GLOW_GH_OK;
}

/* Resolve a Location against the URL it came from (absolute, or a path). */
static enum glow_gh_err
resolve(const char *from, const char *loc, struct glow_buf *out)
{
	char o[1100];
	struct glow_buf b = GLOW_BUF_INIT;
	const char *q;

	if (strncasecmp(loc, "http://", 7) == 0 || strncasecmp(loc, "https://", 8) == 0) {
		glow_buf_adds(&b, loc);
	} else if (loc[0] == '/' && loc[1] == '/') {
		q = strstr(from, "://");
		glow_buf_add(&b, from, (size_t)(q - from) + 1);
		glow_buf_adds(&b, loc);
	} else if (loc[0] == '/') {
		if (origin(from, o, sizeof o) < 0)
			return GLOW_GH_URL;
		glow_buf_adds(&b, o);
		glow_buf_adds(&b, loc);
	} else {
		/* relative to the directory of from */
		size_t n = strcspn(from, "?#");

		while (n > 0 && from[n - 1] != '/')
			n--;
		glow_buf_add(&b, from, n);
		glow_buf_adds(&b, loc);
	}
	if (b.failed) {
		glow_buf_free(&b);
		return GLOW_GH_NOMEM;
	}
	glow_buf_reset(out);
	glow_buf_add(out, b.p, b.len);
	glow_buf_free(&b);
	return GLOW_GH_OK;
}

/* ------------------------------------------------------------ exchange */

static void
copy_value(char *dst, size_t size, const char *v, size_t n, int *overflow)
{
	if (n + 1 > size) {
		if (overflow)
			*overflow = 1;
		n = size - 1;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static long long
parse_ll(const char *v, size_t n)
{
	char tmp[32], *end;
	long long x;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	errno = 0;
	x = strtoll(tmp, &end, 10);
	if (errno || *end || end == tmp || x < 0)
		return -1;
	return x;
}

static long long
parse_http_date(const char *v, size_t n)
{
	char tmp[64];
	struct tm tm;
	char *end;

	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	memset(&tm, 0, sizeof tm);
	end = strptime(tmp, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!end)
		return -1;
	return (long long)timegm(&tm);
}

struct exchange {
	struct glow_gh *gh;
	struct glow_gh_resp *r;
	int overflow;           /* a header value too long to keep */
	int toobig;
	struct glow_buf retry_after_raw;
};

static size_t
on_header(char *data, size_t size, size_t nitems, void *arg)
{
	struct exchange *x = arg;
	struct glow_gh_resp *r = x->r;
	size_t n = size * nitems, nl, vl;
	const char *colon, *v;
	char name[64];

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): start over */
		resp_clear(r);
		glow_buf_reset(&r->headers);
		glow_buf_reset(&x->retry_after_raw);
	}
	glow_buf_add(&r->headers, data, n);
	if (!(colon = memchr(data, ':', n)))
		return n;
	nl = (size_t)(colon - data);
	if (nl >= sizeof name)
		return n;
	memcpy(name, data, nl);
	name[nl] = '\0';
	v = colon + 1;
	vl = n - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (strcasecmp(name, "etag") == 0)
		copy_value(r->etag, sizeof r->etag, v, vl, NULL);
	else if (strcasecmp(name, "location") == 0)
		copy_value(r->location, sizeof r->location, v, vl, &x->overflow);
	else if (strcasecmp(name, "content-type") == 0)
		copy_value(r->content_type, sizeof r->content_type, v, vl, NULL);
	else if (strcasecmp(name, "x-github-request-id") == 0)
		copy_value(r->request_id, sizeof r->request_id, v, vl, NULL);
	else if (strcasecmp(name, "x-ratelimit-resource") == 0)
		copy_value(r->rl_resource, sizeof r->rl_resource, v, vl, NULL);
	else if (strcasecmp(name, "x-ratelimit-limit") == 0)
		r->rl_limit = parse_ll(v, vl);
	else if (strcasecmp(name, "x-ratelimit-remaining") == 0)
		r->rl_remaining = parse_ll(v, vl);
	else if (strcasecmp(name, "x-ratelimit-used") == 0)
		r->rl_used = parse_ll(v, vl);
	else if (strcasecmp(name, "x-ratelimit-reset") == 0)
		r->rl_reset = parse_ll(v, vl);
	else if (strcasecmp(name, "date") == 0)
		r->date = parse_http_date(v, vl);
	else if (strcasecmp(name, "retry-after") == 0) {
		glow_buf_reset(&x->retry_after_raw);
		glow_buf_add(&x->retry_after_raw, v, vl);
	} else if (strcasecmp(name, "link") == 0 && !r->next[0]) {
		struct glow_buf tmp = GLOW_BUF_INIT;

		glow_buf_add(&tmp, v, vl);
		if (!tmp.failed &&
		    glow_gh_link(tmp.p, "next", r->next, sizeof r->next) < 0) {
			r->next[0] = '\0';
			if (strstr(tmp.p, "next") && vl > sizeof r->next)
				x->overflow = 1;
		}
		glow_buf_free(&tmp);
	}
	return n;
}

static size_t
on_body(char *data, size_t size, size_t nitems, void *arg)
{
	struct exchange *x = arg;
	size_t n = size * nitems;

	if (x->r->body.len + n > x->gh->max_body) {
		x->toobig = 1;
		return 0;
	}
	glow_buf_add(&x->r->body, data, n);
	return x->r->body.failed ? 0 : n;
}

/* The retry-after value in seconds: delta-seconds or an HTTP date. */
static void
finish_retry_after(struct exchange *x)
{
	struct glow_gh_resp *r = x->r;
	const char *v = x->retry_after_raw.p;
	size_t n = x->retry_after_raw.len;
	long long t;

	r->retry_after = -1;
	if (!n)
		return;
	if ((t = parse_ll(v, n)) >= 0)
		r->retry_after = t > LONG_MAX ? LONG_MAX : (long)t;
	else if ((t = parse_http_date(v, n)) >= 0) {
		long long ref = r->date >= 0 ? r->date : (long long)time(NULL);

		r->retry_after = t > ref ? (long)(t - ref) : 0;
	}
}

static int
is_mutating(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

/* One HTTP exchange.  Returns the libcurl code. */

/* Does gh->headers set the header name? */
static int
has_header(const struct glow_gh *gh, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < gh->nheaders; i++)
		if (strncasecmp(gh->headers[i], name, n) == 0 &&
		    gh->headers[i][n] == ':')
			return 1;
	return 0;
}

static CURLcode
exchange(struct glow_gh *gh, const char *method, const char *url, int auth,
    const void *body, size_t len, const char *if_none_match,
    struct glow_gh_resp *r, int *toobig, int *overflow)
{
	CURL *c = gh->curl;
	struct curl_slist *h = NULL, *t;
	struct exchange x;
	struct glow_buf line = GLOW_BUF_INIT;
	CURLcode cc;
	size_t i;
	int failed = 0;

	memset(&x, 0, sizeof x);
	x.gh = gh;
	x.r = r;
	resp_reset(r);
	curl_easy_reset(c);

#define HDR(s) do { if (!(t = curl_slist_append(h, (s)))) failed = 1; else h = t; } while (0)
	glow_buf_printf(&line, "Accept: %s", gh->accept ? gh->accept : DEFAULT_ACCEPT);
	HDR(line.p);
	if (!has_header(gh, "X-GitHub-Api-Version"))
		HDR("X-GitHub-Api-Version: " API_VERSION);
	if (!has_header(gh, "User-Agent"))
		HDR("User-Agent: glow/" GLOW_VERSION);
	if (has_header(gh, "Content-Type"))
		;
	else if (body && len)
		HDR("Content-Type: application/json");
	else
		HDR("Content-Type:");   /* not libcurl's form default */
	for (i = 0; i < gh->nheaders; i++)
		HDR(gh->headers[i]);
	HDR("Expect:");
	if (if_none_match) {
		glow_buf_reset(&line);
		glow_buf_printf(&line, "If-None-Match: %s", if_none_match);
		HDR(line.p);
	}
	if (auth && gh->token) {
		glow_buf_reset(&line);
		glow_buf_printf(&line, "Authorization: Bearer %s", gh->token);
		HDR(line.p);
	}
#undef HDR
	glow_buf_wipe(&line);
	if (failed) {
		curl_slist_free_all(h);
		return CURLE_OUT_OF_MEMORY;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, gh->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, gh->timeout);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (gh->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, gh->ca_file);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0 || (body && len)) {
		/* PUT without body needs Content-Length: 0 (GitHub's docs) */
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body && len ? body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	cc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	gh->stats.requests++;
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		finish_retry_after(&x);
	} else
		r->status = 0;
	*toobig = x.toobig;
	*overflow = x.overflow;
	glow_buf_free(&x.retry_after_raw);
	if (r->body.failed || r->headers.failed)
		return CURLE_OUT_OF_MEMORY;
	return cc;
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

/* --------------------------------------------------------------- cache */

static int
cache_path(const struct glow_gh *gh, const char *accept, const char *url,
    struct glow_buf *path)
{
	br_sha256_context sc;
	unsigned char d[GLOW_SHA256_LEN];
	char hex[2 * GLOW_SHA256_LEN + 1];

	br_sha256_init(&sc);
	br_sha256_update(&sc, accept, strlen(accept));
	br_sha256_update(&sc, " ", 1);
	br_sha256_update(&sc, url, strlen(url));
	br_sha256_out(&sc, d);
	glow_hex(hex, d, sizeof d);
	glow_buf_reset(path);
	glow_buf_printf(path, "%s/%s", gh->cache_dir, hex);
	return path->failed ? -1 : 0;
}

struct cache_entry {
	struct glow_buf raw;
	char etag[256];
	char next[8192];
	char type[128];
	const char *body;
	size_t len;
};

static int
cache_field(const char **p, const char *end, const char *name, char *dst, size_t size)
{
	size_t nl = strlen(name);
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));

	if (!eol || (size_t)(eol - *p) < nl || memcmp(*p, name, nl) != 0 ||
	    (size_t)(eol - *p) - nl + 1 > size)
		return -1;
	memcpy(dst, *p + nl, (size_t)(eol - *p) - nl);
	dst[(eol - *p) - nl] = '\0';
	*p = eol + 1;
	return 0;
}

static int
cache_load(const char *path, struct cache_entry *ce)
{
	const char *p, *end;

	if (glow_read_file(path, &ce->raw, (size_t)512 << 20) < 0)
		return -1;
	p = ce->raw.p;
	end = p + ce->raw.len;
	if (ce->raw.len < sizeof CACHE_MAGIC - 1 ||
	    memcmp(p, CACHE_MAGIC, sizeof CACHE_MAGIC - 1) != 0)
		return -1;
	p += sizeof CACHE_MAGIC - 1;
	if (cache_field(&p, end, "etag: ", ce->etag, sizeof ce->etag) < 0 ||
	    cache_field(&p, end, "next: ", ce->next, sizeof ce->next) < 0 ||
	    cache_field(&p, end, "type: ", ce->type, sizeof ce->type) < 0 ||
	    p >= end || *p != '\n' || !ce->etag[0])
		return -1;
	ce->body = p + 1;
	ce->len = (size_t)(end - p - 1);
	return 0;
}

static void
cache_store(const char *path, const struct glow_gh_resp *r)
{
	struct glow_buf b = GLOW_BUF_INIT;

	if (strchr(r->etag, '\n') || strchr(r->next, '\n'))
		return;
	glow_buf_printf(&b, CACHE_MAGIC "etag: %s\nnext: %s\ntype: %s\n\n",
	    r->etag, r->next, r->content_type);
	glow_buf_add(&b, glow_buf_str(&r->body), r->body.len);
	if (!b.failed)
		(void)glow_write_atomic(path, b.p, b.len, 0600);
	glow_buf_free(&b);
}

static enum glow_gh_err
cache_ready(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return GLOW_GH_CACHE;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) < 0)
		return GLOW_GH_CACHE;
	return GLOW_GH_OK;
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

/* ------------------------------------------------------------- request */

static enum glow_gh_err
curl_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return GLOW_GH_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		return GLOW_GH_NETWORK;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
		return GLOW_GH_TLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return GLOW_GH_URL;
	case CURLE_OUT_OF_MEMORY:
		return GLOW_GH_NOMEM;
	default:
		return GLOW_GH_CURL;
	}
}

/* Is this libcurl failure worth another try?  TLS failures are not: with
 * some TLS backends a refused certificate shows as SSL_CONNECT_ERROR. */
static int
transient(CURLcode cc)
{
	return curl_error(cc) == GLOW_GH_NETWORK || cc == CURLE_OPERATION_TIMEDOUT;
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

enum glow_gh_err
glow_gh_request(struct glow_gh *gh, const char *method, const char *path,
    const void *body, size_t len, struct glow_gh_resp *r)
{
	struct glow_buf url = GLOW_BUF_INIT, next = GLOW_BUF_INIT;
	struct glow_buf cpath = GLOW_BUF_INIT;
	struct cache_entry *ce = NULL;
	const char *accept = gh->accept ? gh->accept : DEFAULT_ACCEPT;
	const char *m = method;
	enum glow_gh_err e = GLOW_GH_OK;
	double waited = 0, w, t0;
	int redirects = 0, retries = 0, secondary = 0, auth = 1, toobig, overflow;
	CURLcode cc = CURLE_OK;

	resp_reset(r);
	if (!gh->curl)
		return GLOW_GH_CURL;
	if ((e = make_url(gh, path, &url)) != GLOW_GH_OK)
		goto out;
	if (gh->cache_dir && strcmp(method, "GET") == 0) {
		if ((e = cache_ready(gh->cache_dir)) != GLOW_GH_OK)
			goto out;
		if (!(ce = calloc(1, sizeof *ce))) {
			e = GLOW_GH_NOMEM;
			goto out;
		}
		if (cache_path(gh, accept, url.p, &cpath) < 0) {
			e = GLOW_GH_NOMEM;
			goto out;
		}
		if (cache_load(cpath.p, ce) < 0) {
			glow_buf_free(&ce->raw);
			ce->etag[0] = '\0';
		}
	}
	for (;;) {
		enum glow_gh_kind k;

		if (is_mutating(m))
			pace(gh);
		t0 = glow_gh_clock();
		cc = exchange(gh, m, url.p, auth, body, len,
		    ce && ce->etag[0] && redirects == 0 ? ce->etag : NULL, r,
		    &toobig, &overflow);
		if (is_mutating(m))
			pace_record(gh);
		if (cc == CURLE_OK)
			trace(gh, "%s %s: %ld (%.3f s)", m, url.p, r->status,
			    glow_gh_clock() - t0);
		else
			trace(gh, "%s %s: %s", m, url.p, curl_easy_strerror(cc));
		if (toobig) {
			e = GLOW_GH_TOOBIG;
			goto out;
		}
		if (overflow) {
			e = GLOW_GH_URL;
			goto out;
		}
		if (cc != CURLE_OK && !transient(cc)) {
			e = curl_error(cc);
			goto out;
		}
		if (cc == CURLE_OK && r->status >= 301 && r->status <= 308 &&
		    r->status != 304 && r->status != 305 && r->status != 306) {
			if (!r->location[0]) {
				e = GLOW_GH_REDIRECT;
				goto out;
			}
			if (++redirects > MAX_REDIRECTS) {
				e = GLOW_GH_REDIRECT;
				goto out;
			}
			if ((e = resolve(url.p, r->location, &next)) != GLOW_GH_OK)
				goto out;
			glow_buf_reset(&url);
			glow_buf_add(&url, next.p, next.len);
			if (url.failed) {
				e = GLOW_GH_NOMEM;
				goto out;
			}
			/* the token stays with the API's host */
			auth = same_origin(url.p, gh->base);
			if (r->status != 307 && r->status != 308 &&
			    strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
				m = "GET";
				body = NULL;
				len = 0;
			}
			continue;
		}
		k = cc == CURLE_OK ? glow_gh_classify(r) : GLOW_GH_NETFAIL;
		if (k == GLOW_GH_FINAL)
			break;
		if (k == GLOW_GH_SERVER || k == GLOW_GH_NETFAIL) {
			if (retries >= gh->max_retries)
				break;
			w = glow_gh_backoff(retries, gh->backoff_base,
			    gh->backoff_cap, gh_random(gh));
		} else {
			gh->stats.limited++;
			w = glow_gh_limit_wait(r, k, k == GLOW_GH_SECONDARY ?
			    secondary++ : 0, (long long)time(NULL));
		}
		if (waited + w > gh->max_wait) {
			trace(gh, "%s: giving up, %.1f s more would pass the %.0f s bound",
			    kind_name(k), w, gh->max_wait);
			if (k == GLOW_GH_PRIMARY || k == GLOW_GH_SECONDARY)
				e = GLOW_GH_LIMITED;
			break;
		}
		trace(gh, "%s: waiting %.2f s before retrying", kind_name(k), w);
		gh_sleep(gh, w);
		waited += w;
		if (k == GLOW_GH_SERVER || k == GLOW_GH_NETFAIL)
			gh->stats.wait_backoff += w;
		else
			gh->stats.wait_limit += w;
		retries++;
		gh->stats.retries++;
	}
	if (e != GLOW_GH_OK)
		goto out;
	if (cc != CURLE_OK) {
		e = curl_error(cc);
		goto out;
	}
	if (r->status == 304 && ce && ce->etag[0]) {
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
		if (r->body.failed)
			e = GLOW_GH_NOMEM;
	} else if (ce && r->status == 200 && r->etag[0])
		cache_store(cpath.p, r);
	if (e == GLOW_GH_OK && r->status >= 400)
		e = GLOW_GH_HTTP;
out:
	if (ce) {
		glow_buf_free(&ce->raw);
		free(ce);
	}
	glow_buf_free(&cpath);
	glow_buf_free(&url);
	glow_buf_free(&next);
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

/* ------------------------------------------------------------ messages */

void
glow_gh_message(const struct glow_gh_resp *r, struct glow_buf *out)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	int msg, errs, v, f, added = 0, nerr = 0;
	const char *reason = glow_http_reason(r->status);

	if (r->body.p && r->body.len &&
	    glow_json_parse(&doc, r->body.p, r->body.len, &jerr) == 0) {
		if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT) {
			msg = glow_json_get(&doc, 0, "message");
			if (glow_json_type(&doc, msg) == GLOW_JSON_STRING &&
			    glow_json_string(&doc, msg, out) > 0)
				added = 1;
			errs = glow_json_get(&doc, 0, "errors");
			if (glow_json_type(&doc, errs) == GLOW_JSON_ARRAY)
				for (v = glow_json_first(&doc, errs); v >= 0;
				    v = glow_json_next(&doc, v)) {
					if (nerr++)
						glow_buf_adds(out, "; ");
					else if (added)
						glow_buf_adds(out, ": ");
					added = 1;
					if (glow_json_type(&doc, v) == GLOW_JSON_STRING) {
						glow_json_string(&doc, v, out);
						continue;
					}
					f = glow_json_get(&doc, v, "message");
					if (glow_json_type(&doc, f) != GLOW_JSON_STRING)
						f = glow_json_get(&doc, v, "code");
					if (glow_json_type(&doc, f) == GLOW_JSON_STRING)
						glow_json_string(&doc, f, out);
					f = glow_json_get(&doc, v, "field");
					if (glow_json_type(&doc, f) == GLOW_JSON_STRING) {
						glow_buf_adds(out, " (");
						glow_json_string(&doc, f, out);
						glow_buf_adds(out, ")");
					}
				}
		}
		glow_json_free(&doc);
	}
	if (!added)
		glow_buf_adds(out, *reason ? reason : "error");
}

int
glow_gh_token_parse(const char *text, size_t len, struct glow_buf *token)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	size_t i;
	int t, rc = -1;

	while (len && isspace((unsigned char)*text))
		text++, len--;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (!len)
		return -1;
	glow_buf_reset(token);
	if (*text == '{') {
		if (glow_json_parse(&doc, text, len, &jerr) < 0)
			return -1;
		t = glow_json_get(&doc, 0, "token");
		if (glow_json_type(&doc, t) == GLOW_JSON_STRING &&
		    glow_json_string(&doc, t, token) > 0)
			rc = 0;
		glow_json_free(&doc);
	} else {
		glow_buf_add(token, text, len);
		rc = 0;
	}
	for (i = 0; rc == 0 && i < token->len; i++)
		if ((unsigned char)token->p[i] <= ' ' || token->p[i] == 0x7f)
			rc = -1;
	if (token->failed)
		rc = -1;
	if (rc < 0)
		glow_buf_wipe(token);
	return rc;
}

static enum glow_gh_token_err
token_from(const char *text, size_t len, struct glow_buf *token)
{
	size_t i;

	if (glow_gh_token_parse(text, len, token) == 0)
		return GLOW_GH_TOKEN_OK;
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	return i == len ? GLOW_GH_TOKEN_EMPTY : GLOW_GH_TOKEN_INVALID;
}

enum glow_gh_token_err
glow_gh_token_load(const char *file, struct glow_buf *token, const char **source)
{
	static const char *const vars[] = { "GLOW_TOKEN", "GH_TOKEN", "GITHUB_TOKEN" };
	struct glow_buf raw = GLOW_BUF_INIT;
	enum glow_gh_token_err rc;
	const char *v;
	size_t i;
	int saved;

	if (source)
		*source = file;
	if (file) {
		if (glow_read_file(file, &raw, 1 << 20) < 0) {
			saved = errno;
			glow_buf_wipe(&raw);
			errno = saved;
			return GLOW_GH_TOKEN_READ;
		}
		rc = token_from(glow_buf_str(&raw), raw.len, token);
		glow_buf_wipe(&raw);
		return rc;
	}
	for (i = 0; i < sizeof vars / sizeof *vars; i++)
		if ((v = getenv(vars[i])) && *v) {
			if (source)
				*source = vars[i];
			return token_from(v, strlen(v), token);
		}
	return GLOW_GH_TOKEN_UNSET;
}

void
glow_gh_token_problem(struct glow_buf *out, enum glow_gh_token_err e,
    const char *source)
{
	switch (e) {
	case GLOW_GH_TOKEN_OK:
		break;
	case GLOW_GH_TOKEN_UNSET:
		glow_buf_adds(out, "no token: give -t FILE, or set "
		    GLOW_GH_TOKEN_VARS);
		break;
	case GLOW_GH_TOKEN_READ:
		glow_buf_printf(out, "cannot read token '%s': %s", source,
		    strerror(errno));
		break;
	case GLOW_GH_TOKEN_EMPTY:
		glow_buf_printf(out, "cannot use token '%s': it is empty", source);
		break;
	default:
		glow_buf_printf(out, "cannot use token '%s': not a token (white "
		    "space or control characters in it, or JSON without "
		    "\"token\")", source);
	}
}

void
glow_gh_stats_format(const struct glow_gh_stats *s, int flags,
    struct glow_buf *out)
{
	if (flags & GLOW_GH_STATS_BRIEF)
		glow_buf_printf(out, "requests=%ld retries=%ld wait_limit=%.1f "
		    "wait_backoff=%.1f", s->requests, s->retries, s->wait_limit,
		    s->wait_backoff);
	else
		glow_buf_printf(out, "requests=%ld retries=%ld not_modified=%ld "
		    "limited=%ld wait_limit=%.1f wait_backoff=%.1f wait_pace=%.1f",
		    s->requests, s->retries, s->not_modified, s->limited,
		    s->wait_limit, s->wait_backoff, s->wait_pace);
}

const char *
glow_gh_strerror(enum glow_gh_err e)
{
	switch (e) {
	case GLOW_GH_OK: return "success";
	case GLOW_GH_HTTP: return "GitHub answered with an error status";
	case GLOW_GH_LIMITED: return "rate limited for longer than the wait allowed (GLOW_MAX_WAIT)";
	case GLOW_GH_NETWORK: return "the connection to the API failed, after retries";
	case GLOW_GH_TIMEOUT: return "the API did not answer in time, after retries";
	case GLOW_GH_TLS: return "the TLS connection or the server's certificate failed";
	case GLOW_GH_URL: return "the URL is malformed or not on the API's host";
	case GLOW_GH_REDIRECT: return "too many redirects, or a redirect without a location";
	case GLOW_GH_TOOBIG: return "the answer is too large";
	case GLOW_GH_JSON: return "the answer is not the JSON expected";
	case GLOW_GH_NOMEM: return "out of memory";
	case GLOW_GH_CACHE: return "the ETag cache directory is not usable";
	case GLOW_GH_CONFIG: return "a setting (GLOW_PACE, GLOW_WAIT_SCALE, GLOW_MAX_WAIT, GLOW_TIMEOUT) is malformed";
	case GLOW_GH_CURL: return "libcurl failed";
	}
	return "unknown error";
}
