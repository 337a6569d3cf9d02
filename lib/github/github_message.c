/* SPDX-License-Identifier: ISC */
/* github_message.c: what the GitHub client says: response messages, tokens, statistics, errors; see github.h. */
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
#include "core/isotime.h"
#include "github/github.h"



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

/* The token's expiry from token JSON (expires_at), or 0. */
static long long
token_expiry(const char *text, size_t len)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	char *s;
	long long t = 0;

	if (glow_json_parse(&doc, text, len, &jerr) < 0)
		return 0;
	if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT &&
	    (s = glow_json_strdup(&doc, glow_json_get(&doc, 0, "expires_at")))) {
		t = glow_time_parse(s, strlen(s));
		free(s);
	}
	glow_json_free(&doc);
	return t > 0 ? t : 0;
}

int
glow_gh_token_cmd(const char *cmd, struct glow_buf *token,
    long long *renew_at, struct glow_buf *why)
{
	struct glow_buf out = GLOW_BUF_INIT, tok = GLOW_BUF_INIT;
	long long now, exp, margin;
	FILE *f;
	int st;

	fflush(NULL);
	if (!(f = popen(cmd, "r"))) {
		glow_buf_printf(why, "cannot run the token command: %s",
		    strerror(errno));
		return -1;
	}
	if (glow_read_fd(fileno(f), &out, (size_t)1 << 20) < 0) {
		glow_buf_printf(why, "cannot read the token command's output: %s",
		    strerror(errno));
		pclose(f);
		glow_buf_wipe(&out);
		return -1;
	}
	if ((st = pclose(f)) != 0) {
		glow_buf_printf(why, "cannot mint a token: the token command "
		    "failed (status %d)", st == -1 ? -1 : (st >> 8) & 0xff);
		glow_buf_wipe(&out);
		return -1;
	}
	if (glow_gh_token_parse(glow_buf_str(&out), out.len, &tok) < 0) {
		glow_buf_adds(why, "cannot mint a token: no token in the token "
		    "command's output");
		glow_buf_wipe(&out);
		return -1;
	}
	exp = token_expiry(out.p, out.len);
	glow_buf_wipe(&out);
	glow_buf_wipe(token);
	glow_buf_add(token, tok.p, tok.len);
	glow_buf_wipe(&tok);
	if (token->failed) {
		glow_buf_adds(why, "cannot mint a token: out of memory");
		return -1;
	}
	/* refresh 5 minutes early, or half way for short-lived tokens */
	now = (long long)time(NULL);
	margin = 300;
	if (exp && (exp - now) / 2 < margin)
		margin = (exp - now) / 2;
	*renew_at = exp ? exp - margin : 0;
	return 0;
}
