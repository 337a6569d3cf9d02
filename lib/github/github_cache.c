/* SPDX-License-Identifier: ISC */
/* github_cache.c: the ETag cache of the GitHub client; see github.h. */
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
#include "core/hex.h"
#include "core/http.h"
#include "core/json.h"
#include "github/github_parts.h"

#define CACHE_MAGIC "glow-etag 1\n"


/* --------------------------------------------------------------- cache */

int
gh_cache_path(const struct glow_gh *gh, const char *accept, const char *url,
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

int
gh_cache_load(const char *path, struct gh_cache_entry *ce)
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

void
gh_cache_store(const char *path, const struct glow_gh_resp *r)
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

enum glow_gh_err
gh_cache_ready(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return GLOW_GH_CACHE;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) < 0)
		return GLOW_GH_CACHE;
	return GLOW_GH_OK;
}
