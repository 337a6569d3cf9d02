/* SPDX-License-Identifier: ISC */
/* github_url.c: URL parts of the GitHub client (paths, Link headers, redirects); see github.h. */
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

int
gh_same_origin(const char *a, const char *b)
{
	char oa[1100], ob[1100];

	return origin(a, oa, sizeof oa) == 0 && origin(b, ob, sizeof ob) == 0 &&
	    strcmp(oa, ob) == 0;
}

/* The absolute URL of path (a path, or an absolute URL on base's origin). */
enum glow_gh_err
gh_make_url(const struct glow_gh *gh, const char *path, struct glow_buf *url)
{
	const char *c;

	for (c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return GLOW_GH_URL;
	glow_buf_reset(url);
	if (strncasecmp(path, "http://", 7) == 0 ||
	    strncasecmp(path, "https://", 8) == 0) {
		if (!gh_same_origin(path, gh->base))
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
enum glow_gh_err
gh_resolve(const char *from, const char *loc, struct glow_buf *out)
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
