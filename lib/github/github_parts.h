/* SPDX-License-Identifier: ISC */
/*
 * github_parts.h: the parts the GitHub client's own files share
 * (github.c, github_url.c, github_exchange.c, github_cache.c).  Not for
 * programs: they use github.h.
 */
#ifndef GLOW_GITHUB_PARTS_H
#define GLOW_GITHUB_PARTS_H

#include <curl/curl.h>

#include "github/github.h"

#define GH_API_VERSION "2022-11-28"
#define GH_DEFAULT_ACCEPT "application/vnd.github+json"

/* A response emptied of its header fields; with its body too (github.c). */
void gh_resp_clear(struct glow_gh_resp *r);
void gh_resp_reset(struct glow_gh_resp *r);

/* URL parts (github_url.c). */
int gh_same_origin(const char *a, const char *b);
enum glow_gh_err gh_make_url(const struct glow_gh *gh, const char *path,
    struct glow_buf *url);
enum glow_gh_err gh_resolve(const char *from, const char *loc,
    struct glow_buf *out);

/* One exchange over libcurl (github_exchange.c): the request as given,
 * the response into r; *toobig when the body passed the client's limit,
 * *overflow when a header value was too long to keep. */
CURLcode gh_exchange(struct glow_gh *gh, const char *method, const char *url,
    int auth, const void *body, size_t len, const char *if_none_match,
    struct glow_gh_resp *r, int *toobig, int *overflow);
int gh_is_mutating(const char *method);
enum glow_gh_err gh_curl_error(CURLcode cc);
int gh_transient(CURLcode cc);

/* The ETag cache (github_cache.c): one file per (Accept, URL). */
struct gh_cache_entry {
	struct glow_buf raw;
	char etag[256];
	char next[8192];
	char type[128];
	const char *body;
	size_t len;
};

enum glow_gh_err gh_cache_ready(const char *dir);
int gh_cache_path(const struct glow_gh *gh, const char *accept,
    const char *url, struct glow_buf *path);
int gh_cache_load(const char *path, struct gh_cache_entry *ce);
void gh_cache_store(const char *path, const struct glow_gh_resp *r);

#endif
