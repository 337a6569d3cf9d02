/* SPDX-License-Identifier: ISC */
/* github_exchange.c: one HTTP exchange of the GitHub client, over libcurl; see github.h. */
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
		gh_resp_clear(r);
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

int
gh_is_mutating(const char *method)
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

CURLcode
gh_exchange(struct glow_gh *gh, const char *method, const char *url, int auth,
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
	gh_resp_reset(r);
	curl_easy_reset(c);

#define HDR(s) do { if (!(t = curl_slist_append(h, (s)))) failed = 1; else h = t; } while (0)
	glow_buf_printf(&line, "Accept: %s", gh->accept ? gh->accept : GH_DEFAULT_ACCEPT);
	HDR(line.p);
	if (!has_header(gh, "X-GitHub-Api-Version"))
		HDR("X-GitHub-Api-Version: " GH_API_VERSION);
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


/* ------------------------------------------------------------- request */

enum glow_gh_err
gh_curl_error(CURLcode cc)
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
int
gh_transient(CURLcode cc)
{
	return gh_curl_error(cc) == GLOW_GH_NETWORK || cc == CURLE_OPERATION_TIMEDOUT;
}
