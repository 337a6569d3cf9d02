/* SPDX-License-Identifier: ISC */
/*
 * glow-api: one authenticated GitHub REST call, like `gh api`, or a batch
 * of calls (one process, so pacing spans them).  The behaviour (retries,
 * limits, pacing, cache) is lib/github/github.h's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/json.h"
#include "core/secret.h"
#include "github/github.h"

#define MAX_INPUT ((size_t)64 << 20)

static struct glow_gh gh;
static int verbose;

static const char usage_text[] =
	"usage: glow-api [-inpv] [-X method] [-H 'Name: value'] [-c cachedir]\n"
	"                [-t tokenfile] path\n"
	"       glow-api -b [-v] [-c cachedir] [-t tokenfile]\n"
	"       glow-api -h | --help | -V\n"
	"\n"
	"  -b            batch: one call per JSON line of standard input\n"
	"  -c cachedir   keep an ETag cache in cachedir (conditional requests)\n"
	"  -H header     one more request header, 'Name: value', as gh api -H\n"
	"  -h, --help    print this usage and exit\n"
	"  -i            print the status line and the headers before the body\n"
	"  -n            send no body (do not read standard input)\n"
	"  -p            follow the Link header's next pages; print one JSON array\n"
	"  -t tokenfile  read the token from tokenfile ('-': standard input)\n"
	"  -V            print the version and exit\n"
	"  -v            trace each HTTP exchange on standard error\n"
	"  -X method     GET (default), POST, PUT, PATCH or DELETE\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

static void
report(void)
{
	struct glow_buf line = GLOW_BUF_INIT;

	if (!verbose)
		return;
	glow_gh_stats_format(&gh.stats, 0, &line);
	glow_warn("%s", line.p);
	glow_buf_free(&line);
}

/* The token: -t FILE (raw, or JSON with "token"), else the environment. */
static void
load_token(const char *file, struct glow_buf *token)
{
	struct glow_buf why = GLOW_BUF_INIT;
	enum glow_gh_token_err te;
	const char *from;

	if ((te = glow_gh_token_load(file, token, &from)) == GLOW_GH_TOKEN_OK)
		return;
	glow_gh_token_problem(&why, te, from);
	glow_die(GLOW_EXIT_ERR, "%s", why.p ? why.p : "no token");
}

static int
mutating(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static const char *
method_arg(const char *s)
{
	static char m[16];
	size_t i;

	for (i = 0; s[i] && i < sizeof m - 1; i++)
		m[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	m[i] = '\0';
	if (strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "POST") &&
	    strcmp(m, "PATCH") && strcmp(m, "PUT") && strcmp(m, "DELETE"))
		return NULL;
	return m;
}

/*
 * Turn the outcome of one call into a diagnostic and an exit status:
 * 0 success, 1 an HTTP error, 2 authentication refused (401) or no usable
 * answer.
 */
static int
outcome(enum glow_gh_err e, const char *method, const char *path,
    const struct glow_gh_resp *r)
{
	struct glow_buf msg = GLOW_BUF_INIT;
	int status;

	if (e == GLOW_GH_OK)
		return GLOW_EXIT_OK;
	if (e == GLOW_GH_HTTP || (e == GLOW_GH_LIMITED && r->status)) {
		glow_gh_message(r, &msg);
		if (e == GLOW_GH_LIMITED) {
			glow_warn("%s '%s': %s: %ld %s", method, path,
			    glow_gh_strerror(e), r->status, msg.p);
			status = GLOW_EXIT_ERR;
		} else if (r->status == 401) {
			glow_warn("%s '%s': authentication refused: %ld %s",
			    method, path, r->status, msg.p);
			status = GLOW_EXIT_ERR;
		} else {
			glow_warn("%s '%s': %ld %s", method, path, r->status, msg.p);
			status = GLOW_EXIT_NO;
		}
		glow_buf_free(&msg);
		return status;
	}
	glow_warn("%s '%s': %s", method, path, glow_gh_strerror(e));
	return GLOW_EXIT_ERR;
}

static void
write_out(const void *p, size_t n)
{
	if (n && glow_write_all(STDOUT_FILENO, p, n) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
}

/* The body as received, with a final newline for JSON. */
static void
print_body(const struct glow_buf *b, const char *type)
{
	if (!b->len)
		return;
	write_out(b->p, b->len);
	if (b->p[b->len - 1] != '\n' && strstr(type, "json"))
		write_out("\n", 1);
}

static int
one_call(const char *method, const char *path, int paginate, int include,
    int nobody)
{
	struct glow_buf in = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int status, pages = 0;

	if (mutating(method) && !nobody && !isatty(STDIN_FILENO)) {
		if (glow_read_fd(STDIN_FILENO, &in, MAX_INPUT) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read body 'stdin':");
		if (in.len) {
			if (glow_json_parse(&doc, in.p, in.len, &jerr) < 0)
				glow_die(GLOW_EXIT_ERR, "invalid JSON body 'stdin': "
				    "offset %zu: %s", jerr.offset, jerr.reason);
			glow_json_free(&doc);
		}
	}
	glow_gh_resp_init(&r);
	if (paginate) {
		if (strcmp(method, "GET") != 0)
			glow_die(GLOW_EXIT_ERR, "cannot paginate '%s': only GET "
			    "lists have pages", method);
		e = glow_gh_paginate(&gh, path, NULL, 1, &out, &pages, &r);
		if (verbose)
			glow_warn("pages=%d", pages);
		if (e == GLOW_GH_OK) {
			glow_buf_addc(&out, '\n');
			write_out(out.p, out.len);
		} else if (e == GLOW_GH_HTTP)
			print_body(&r.body, r.content_type);
	} else {
		e = glow_gh_request(&gh, method, path, in.p, in.len, &r);
		if (include && r.status)
			write_out(r.headers.p, r.headers.len);
		if (e == GLOW_GH_OK || e == GLOW_GH_HTTP)
			print_body(&r.body, r.content_type);
	}
	status = outcome(e, method, path, &r);
	glow_gh_resp_free(&r);
	glow_buf_free(&in);
	glow_buf_free(&out);
	return status;
}

/*
 * Batch: JSON Lines on stdin, each {"method":..., "path":..., "body":...,
 * "accept":..., "paginate":true}; one line out per call, {"method",
 * "path", "status", "body"}, the body as JSON when it is JSON, else a
 * string.  Every line is checked before the first request is made.
 */
static int
batch(void)
{
	struct glow_buf in = GLOW_BUF_INIT, out = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_json doc, rdoc;
	struct glow_json_error jerr;
	struct glow_gh_resp r;
	struct glow_jw w;
	enum glow_gh_err e;
	char *line, *end, *method, *path, *accept;
	const char *m;
	size_t lineno, pass;
	int worst = GLOW_EXIT_OK, t, s, paginate, pages;

	if (glow_read_fd(STDIN_FILENO, &in, MAX_INPUT) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read batch 'stdin':");
	glow_gh_resp_init(&r);
	for (pass = 0; pass < 2; pass++) {
		lineno = 0;
		for (line = in.p; line && line < in.p + in.len; line = end + 1) {
			if (!(end = memchr(line, '\n', (size_t)(in.p + in.len - line))))
				end = in.p + in.len;
			lineno++;
			if (end == line)
				continue;
			if (glow_json_parse(&doc, line, (size_t)(end - line), &jerr) < 0)
				glow_die(GLOW_EXIT_ERR, "invalid batch line '%zu': "
				    "offset %zu: %s", lineno, jerr.offset, jerr.reason);
			method = glow_json_strdup(&doc, glow_json_get(&doc, 0, "method"));
			path = glow_json_strdup(&doc, glow_json_get(&doc, 0, "path"));
			accept = glow_json_strdup(&doc, glow_json_get(&doc, 0, "accept"));
			m = method_arg(method ? method : "GET");
			paginate = glow_json_type(&doc, glow_json_get(&doc, 0,
			    "paginate")) == GLOW_JSON_TRUE;
			if (glow_json_type(&doc, 0) != GLOW_JSON_OBJECT || !path || !m ||
			    (paginate && strcmp(m, "GET") != 0) ||
			    (accept && strpbrk(accept, "\r\n")))
				glow_die(GLOW_EXIT_ERR, "invalid batch line '%zu': want "
				    "{\"method\", \"path\", \"body\", \"accept\", "
				    "\"paginate\"}", lineno);
			if (pass == 1) {
				glow_buf_reset(&body);
				if ((t = glow_json_get(&doc, 0, "body")) >= 0 &&
				    glow_json_type(&doc, t) != GLOW_JSON_NULL) {
					glow_jw_init(&w, &body, 0);
					glow_jw_value(&w, &doc, t);
				}
				gh.accept = accept;
				glow_buf_reset(&out);
				if (paginate)
					e = glow_gh_paginate(&gh, path, NULL, 1, &out,
					    &pages, &r);
				else
					e = glow_gh_request(&gh, m, path, body.p,
					    body.len, &r);
				gh.accept = NULL;
				s = outcome(e, m, path, &r);
				if (s == GLOW_EXIT_ERR) {
					report();
					exit(s);
				}
				if (s > worst)
					worst = s;
				if (paginate && e == GLOW_GH_OK) {
					glow_buf_free(&r.body);
					r.body = out;
					out = (struct glow_buf)GLOW_BUF_INIT;
					strcpy(r.content_type, "application/json");
				}
				glow_buf_reset(&out);
				glow_jw_init(&w, &out, 0);
				glow_jw_object(&w);
				glow_jw_key(&w, "method");
				glow_jw_str(&w, m);
				glow_jw_key(&w, "path");
				glow_jw_str(&w, path);
				glow_jw_key(&w, "status");
				glow_jw_int(&w, r.status);
				glow_jw_key(&w, "body");
				if (!r.body.len)
					glow_jw_null(&w);
				else if (glow_json_parse(&rdoc, r.body.p, r.body.len,
				    &jerr) == 0) {
					glow_jw_value(&w, &rdoc, 0);
					glow_json_free(&rdoc);
				} else
					glow_jw_strn(&w, r.body.p, r.body.len);
				glow_jw_end(&w);
				glow_buf_addc(&out, '\n');
				if (out.failed)
					glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': "
					    "out of memory");
				write_out(out.p, out.len);
			}
			free(method);
			free(path);
			free(accept);
			glow_json_free(&doc);
			if (end == in.p + in.len)
				break;
		}
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&in);
	glow_buf_free(&out);
	glow_buf_free(&body);
	return worst;
}

#define MAX_HEADERS 16

/*
 * -H 'Name: value', as gh api -H: one more request header.  Accept sets
 * the media type; a header glow sets itself is replaced.  Authorization is
 * refused: the command line is visible to every user (ps); the token
 * comes from -t or the environment.
 */
static void
header_arg(const char *arg, const char **accept, const char **headers,
    size_t *n)
{
	const char *colon = strchr(arg, ':'), *v;
	size_t i;

	if (!colon || colon == arg || strpbrk(arg, "\r\n"))
		glow_die(GLOW_EXIT_ERR, "bad header '%s': want 'Name: value' (a media "
		    "type: -H 'Accept: TYPE')", arg);
	for (i = 0; arg + i < colon; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '-')
			glow_die(GLOW_EXIT_ERR, "bad header '%s': want 'Name: value'", arg);
	if ((size_t)(colon - arg) == 13 && strncasecmp(arg, "Authorization", 13) == 0)
		glow_die(GLOW_EXIT_ERR, "cannot send 'Authorization' from the command "
		    "line: give the token with -t or the environment");
	if ((size_t)(colon - arg) == 6 && strncasecmp(arg, "Accept", 6) == 0) {
		for (v = colon + 1; *v == ' '; v++)
			;
		if (!*v)
			glow_die(GLOW_EXIT_ERR, "bad header '%s': no media type", arg);
		*accept = v;
		return;
	}
	if (*n == MAX_HEADERS)
		glow_die(GLOW_EXIT_ERR, "too many headers: at most %d", MAX_HEADERS);
	headers[(*n)++] = arg;
}

int
main(int argc, char *argv[])
{
	struct glow_buf token = GLOW_BUF_INIT;
	const char *method = "GET", *accept = NULL, *cache = NULL, *tokfile = NULL;
	const char *headers[MAX_HEADERS];
	size_t nheaders = 0;
	enum glow_gh_err e;
	int c, paginate = 0, include = 0, batchmode = 0, nobody = 0, status;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	while ((c = glow_getopt(argc, argv, "bc:H:inpt:vVX:", usage_text)) != -1) {
		switch (c) {
		case 'b': batchmode = 1; break;
		case 'c': cache = optarg; break;
		case 'H':
			header_arg(optarg, &accept, headers, &nheaders);
			break;
		case 'i': include = 1; break;
		case 'n': nobody = 1; break;
		case 'p': paginate = 1; break;
		case 't': tokfile = optarg; break;
		case 'v': verbose = 1; break;
		case 'V': glow_version(); return GLOW_EXIT_OK;
		case 'X':
			if (!(method = method_arg(optarg)))
				glow_die(GLOW_EXIT_ERR, "bad method '%s'", optarg);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (batchmode ? argc != 0 : argc != 1)
		usage(GLOW_EXIT_ERR);
	if ((e = glow_gh_init(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot start 'libcurl': %s", glow_gh_strerror(e));
	if ((e = glow_gh_env(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot use the environment: %s",
		    glow_gh_strerror(e));
	load_token(tokfile, &token);
	gh.token = token.p;
	gh.accept = accept;
	gh.headers = headers;
	gh.nheaders = nheaders;
	if (cache)
		gh.cache_dir = cache;
	if (verbose) {
		gh.trace = glow_trace;
		gh.trace_arg = NULL;
	}
	if (batchmode)
		status = batch();
	else
		status = one_call(method, argv[0], paginate, include, nobody);
	report();
	glow_buf_wipe(&token);
	glow_gh_free(&gh);
	return status;
}
