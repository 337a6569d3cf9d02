/* SPDX-License-Identifier: ISC */
/*
 * github.h: the one GitHub REST client every glow program uses, over
 * libcurl, so that rate-limit behaviour is written once.
 *
 * Use.  The caller owns the context (it may live on the stack):
 *
 *     struct glow_gh gh;
 *     struct glow_gh_resp r;
 *     struct glow_buf path = GLOW_BUF_INIT;
 *
 *     if (glow_gh_init(&gh) != GLOW_GH_OK || glow_gh_env(&gh) != GLOW_GH_OK)
 *         ...;
 *     gh.token = token;                     // not copied, not logged
 *     glow_gh_path(&path, "/repos/%s/%s", owner, repo);
 *     glow_gh_resp_init(&r);
 *     e = glow_gh_request(&gh, "GET", path.p, NULL, 0, &r);
 *     if (e == GLOW_GH_HTTP && r.status == 404) ...;
 *     glow_gh_resp_free(&r);
 *     glow_gh_free(&gh);
 *
 * Nothing here prints or exits.  Functions return an enum glow_gh_err;
 * glow_gh_strerror() gives a sentence and glow_gh_message() GitHub's own
 * explanation from an error body.  An optional trace callback receives one
 * line per HTTP exchange (method, URL, status; never a header value), for
 * programs that have a verbose flag.
 *
 * Every request carries (GITHUB-FACTS.md, "Requests"):
 *
 *     Accept: application/vnd.github+json     (gh.accept overrides it)
 *     X-GitHub-Api-Version: 2022-11-28
 *     User-Agent: glow/VERSION
 *     Authorization: Bearer TOKEN             (when gh.token is set)
 *
 * A path is relative to the base URL (GITHUB_API_URL, default
 * https://api.github.com, a trailing slash tolerated; GitHub Enterprise
 * Server's https://HOST/api/v3 works).  An absolute URL is accepted when its
 * scheme, host and port are the base URL's (a Link header, a Location); any
 * other host is refused, so the token never leaves for another host.
 * Build paths from untrusted values with glow_gh_path() only.
 *
 * Redirects (301, 302, 303, 307, 308) are followed by the client itself, at
 * most 5: 307 and 308 keep the method and body; 301, 302 and 303 turn any
 * method other than GET and HEAD into a GET without body, as browsers and
 * libcurl do.  The Authorization header is sent only to the base URL's
 * scheme, host and port; a redirect elsewhere is followed without it.
 *
 * Retries, for each call (GITHUB-FACTS.md, "Rate limits"):
 *
 *  - 5xx answers and network failures (refused, reset, timed out, nothing
 *    received) are retried up to gh.max_retries times, waiting
 *    glow_gh_backoff(): exponential from gh.backoff_base seconds, capped at
 *    gh.backoff_cap, with jitter.  A POST retried this way may already have
 *    taken effect: callers keep writes idempotent.
 *  - A primary limit (403 or 429 with x-ratelimit-remaining: 0 and no
 *    retry-after) waits until x-ratelimit-reset, measured against the
 *    response's Date header (so the local clock's skew does not matter),
 *    plus one second.
 *  - A secondary limit (any 429, or a 403 whose message says "secondary
 *    rate limit" or "abuse", or a 403 with retry-after) waits retry-after
 *    seconds when the header is there, else 60 s, doubling each time the
 *    secondary limit repeats within the call.
 *  - Any other 403 is a real permission error and is never retried.
 *  - The waits of one call (limits and backoff, not pacing) are bounded by
 *    gh.max_wait seconds: a wait that would pass the bound is not started,
 *    and the call fails with GLOW_GH_LIMITED (or the last 5xx's
 *    GLOW_GH_HTTP, or GLOW_GH_NETWORK).
 *
 * Pacing.  Mutating requests (POST, PATCH, PUT, DELETE) are spaced ahead of
 * time, so that a paced run never meets the secondary content-creation
 * limit: at least gh.pace.interval seconds apart, and at most max requests
 * in any window of seconds, for each of gh.pace.win[] (default: 1 s, 80 per
 * 60 s and 500 per 3600 s, GitHub's documented limits).  The state lives
 * in the context: several processes running at once can together exceed
 * the budget, so run provisioning serially.
 *
 * Waiting.  Every sleep is multiplied by gh.wait_scale (GLOW_WAIT_SCALE, for
 * tests only: GitHub's waits are minutes).  The counters and the pacing
 * clock count the unscaled seconds, so a test can assert that a run would
 * have waited 60 s while it waited 0.6 s.
 *
 * Conditional requests.  With gh.cache_dir set, a GET whose answer has an
 * ETag is stored in that directory (one 0600 file per URL and media type,
 * named by the SHA-256 hex of "ACCEPT URL", written atomically; the token
 * is not part of the name or the content).  The next GET of the URL sends
 * If-None-Match; a 304 (which costs no primary rate limit) is answered from
 * the file with status 200 and resp.not_modified set.
 *
 * Thread safety: one context per thread; the first glow_gh_init() runs
 * libcurl's global initialisation, which is not thread-safe.
 */
#ifndef GLOW_GITHUB_H
#define GLOW_GITHUB_H

#include <stddef.h>

#include "core/buf.h"

enum glow_gh_err {
	GLOW_GH_OK = 0,
	GLOW_GH_HTTP,           /* GitHub answered with an error status (>= 400) */
	GLOW_GH_LIMITED,        /* rate limited, and waiting more would pass max_wait */
	GLOW_GH_NETWORK,        /* the connection failed, after retries */
	GLOW_GH_TIMEOUT,        /* no complete answer in time, after retries */
	GLOW_GH_TLS,            /* the TLS handshake or the certificate failed */
	GLOW_GH_URL,            /* a URL that is malformed or on another host */
	GLOW_GH_REDIRECT,       /* too many redirects, or one without Location */
	GLOW_GH_TOOBIG,         /* the answer exceeds max_body bytes */
	GLOW_GH_JSON,           /* an answer that should be JSON is not */
	GLOW_GH_NOMEM,          /* out of memory */
	GLOW_GH_CACHE,          /* the ETag cache directory is not usable */
	GLOW_GH_CONFIG,         /* a bad setting (GLOW_PACE, GLOW_WAIT_SCALE, ...) */
	GLOW_GH_CURL            /* libcurl failed in another way */
};

/* One response, as the caller finally sees it (after retries, redirects). */
struct glow_gh_resp {
	long status;            /* 200, 404, ...; 0 if no answer at all */
	struct glow_buf body;
	struct glow_buf headers; /* the raw header block of the final answer */
	int not_modified;       /* a 304 answered from the ETag cache */
	char etag[256];         /* empty when absent (also for the others) */
	char next[8192];        /* the Link rel="next" URL */
	char location[8192];
	char content_type[128];
	char request_id[64];    /* x-github-request-id, for support requests */
	long retry_after;       /* seconds; -1 when absent */
	long long rl_limit, rl_remaining, rl_used, rl_reset; /* -1 when absent */
	char rl_resource[32];
	long long date;         /* the Date header, epoch seconds; -1 if absent */
};

/* The counters a program reports: cumulative over the context's life. */
struct glow_gh_stats {
	long requests;          /* HTTP exchanges sent, retries and redirects included */
	long retries;           /* of which retries after a limit, 5xx or network error */
	long not_modified;      /* 304 answers served from the cache */
	long limited;           /* rate-limit answers met (primary or secondary) */
	double wait_limit;      /* seconds waited on rate limits (unscaled) */
	double wait_backoff;    /* seconds waited before retrying 5xx/network */
	double wait_pace;       /* seconds waited by pacing */
};

#define GLOW_GH_PACE_WINDOWS 4

struct glow_gh_pace {
	double interval;        /* minimum seconds between mutating requests */
	int nwin;
	struct { int max; double seconds; } win[GLOW_GH_PACE_WINDOWS];
	/* state: the times of the last mutating requests, a ring */
	double *times;
	int ntimes, cap, head;
	double last;            /* time of the last mutating request; < 0: none */
};

struct glow_gh {
	/* Settings: glow_gh_init() sets defaults, glow_gh_env() reads the
	 * environment; the caller may change any of them before a request. */
	char base[1024];        /* base URL, without trailing slash */
	const char *token;      /* Bearer token, or NULL; not owned */
	const char *accept;     /* NULL: application/vnd.github+json */
	/* More request headers, "Name: value" each; one that glow sets
	 * itself (X-GitHub-Api-Version, User-Agent, Content-Type) replaces
	 * glow's.  Not part of the ETag cache's key.  Not owned. */
	const char *const *headers;
	size_t nheaders;
	const char *cache_dir;  /* ETag cache directory, or NULL */
	const char *ca_file;    /* CA bundle (SSL_CERT_FILE, CURL_CA_BUNDLE) */
	long connect_timeout;   /* seconds (10) */
	long timeout;           /* seconds per exchange (60; GLOW_TIMEOUT) */
	int max_retries;        /* for 5xx and network failures (5) */
	double backoff_base;    /* seconds (1) */
	double backoff_cap;     /* seconds (60) */
	double max_wait;        /* seconds per call (900; GLOW_MAX_WAIT) */
	double wait_scale;      /* 1; GLOW_WAIT_SCALE, for tests */
	size_t max_body;        /* bytes (256 MB) */
	struct glow_gh_pace pace;
	void (*trace)(void *arg, const char *line);
	void *trace_arg;

	struct glow_gh_stats stats;

	/* private */
	void *curl;
	double clock_skew;      /* unscaled minus real seconds slept */
	unsigned long long rng;
	char envbuf[1024];      /* cache_dir/ca_file strings from the environment */
};

/* Defaults, and a libcurl handle.  GLOW_GH_CURL or GLOW_GH_NOMEM. */
enum glow_gh_err glow_gh_init(struct glow_gh *gh);

/*
 * Read the environment: GITHUB_API_URL, GLOW_PACE, GLOW_WAIT_SCALE,
 * GLOW_MAX_WAIT, GLOW_TIMEOUT, GLOW_CACHE_DIR, SSL_CERT_FILE and
 * CURL_CA_BUNDLE (libcurl itself honours neither).  GLOW_GH_URL or
 * GLOW_GH_CONFIG for a bad value.
 */
enum glow_gh_err glow_gh_env(struct glow_gh *gh);
void glow_gh_free(struct glow_gh *gh);

/* Set the base URL (trailing slashes dropped): GLOW_GH_URL if not http(s). */
enum glow_gh_err glow_gh_set_base(struct glow_gh *gh, const char *url);

/*
 * The client's clock (glow_gh_clock() plus the time its scaled waits
 * skipped, so that GLOW_WAIT_SCALE shrinks every wait consistently), a
 * wait on it, and when pacing lets the next mutating request go (on that
 * clock; now or earlier: at once).  A caller with other work (reads) does
 * it until then instead of blocking in the request.
 */
double glow_gh_now(const struct glow_gh *gh);
void glow_gh_wait(struct glow_gh *gh, double seconds);
double glow_gh_pace_due(const struct glow_gh *gh);

/*
 * Parse a pace specification into p: comma-separated items, each either
 * SECONDS (the minimum interval) or COUNT/SECONDS (a window), e.g. the
 * default "1,80/60,500/3600".  "off" (or "0") disables pacing.  0, or -1.
 */
int glow_gh_pace_parse(struct glow_gh_pace *p, const char *spec);

void glow_gh_resp_init(struct glow_gh_resp *r);
void glow_gh_resp_free(struct glow_gh_resp *r);

/*
 * One call: method ("GET", "POST", ...), a path (or absolute URL on the
 * base's host), an optional body (sent as application/json) and the
 * response, which is reset first.  Retries, waits, pacing and the cache as
 * described above.  GLOW_GH_OK for 1xx-3xx (a 304 without cache entry is
 * OK too), GLOW_GH_HTTP for >= 400 with r filled in; the other codes when
 * no usable answer came (r may still hold the last answer: a limit's).
 */
enum glow_gh_err glow_gh_request(struct glow_gh *gh, const char *method,
    const char *path, const void *body, size_t len, struct glow_gh_resp *r);

/*
 * GET every page of a list, following Link rel="next", and append one
 * JSON array of all the elements to out (compact).  The list is the page
 * itself when it is an array, or the array under key in an object (GitHub
 * wraps some lists: "repositories", "installations"); with key NULL the
 * first array-valued member is taken.  With per_page set, "per_page=100" is
 * added to the first URL unless it has a per_page already.  *pages (if not
 * NULL) receives the number of pages read.  On failure r holds the failing
 * page's answer.
 */
enum glow_gh_err glow_gh_paginate(struct glow_gh *gh, const char *path,
    const char *key, int per_page, struct glow_buf *out, int *pages,
    struct glow_gh_resp *r);

/*
 * Append to b a path made from fmt, where every %s argument becomes one
 * URL-encoded path segment: every byte outside RFC 3986's unreserved set
 * (A-Z a-z 0-9 - . _ ~) is percent-encoded, '/' and '?' included.  Also
 * %d, %ld, %lld and %%.  -1 (and nothing appended) when an argument is
 * NULL, empty, "." or "..", or fmt has another conversion.
 */
int glow_gh_path(struct glow_buf *b, const char *fmt, ...);
/* Append one encoded segment (the same rules); 0 or -1. */
int glow_gh_segment(struct glow_buf *b, const char *s);

/*
 * Parse an RFC 8288 Link header value and copy the URL of rel (e.g.
 * "next") into dst (size bytes).  0 if found, -1 if not (or too long).
 */
int glow_gh_link(const char *value, const char *rel, char *dst, size_t size);

/*
 * Retry policy, exposed for tests.  glow_gh_classify() tells what an
 * answer is: status 0 stands for a network failure.
 */
enum glow_gh_kind {
	GLOW_GH_FINAL = 0,      /* not to be retried */
	GLOW_GH_SERVER,         /* 5xx */
	GLOW_GH_NETFAIL,        /* no answer, transient */
	GLOW_GH_PRIMARY,        /* primary rate limit */
	GLOW_GH_SECONDARY       /* secondary rate limit */
};
enum glow_gh_kind glow_gh_classify(const struct glow_gh_resp *r);
/*
 * Seconds to wait before attempt n + 1 (n = 0 for the first retry) after
 * a 5xx or network failure: d = min(cap, base * 2^n), then d/2 + jitter*d/2
 * for jitter in [0, 1).
 */
double glow_gh_backoff(int n, double base, double cap, double jitter);
/*
 * Seconds to wait after a rate-limit answer r; repeat is how many
 * secondary limits this call already met (0 the first time), now the
 * local epoch time (used when r has no Date header).
 */
double glow_gh_limit_wait(const struct glow_gh_resp *r, enum glow_gh_kind k,
    int repeat, long long now);

/*
 * GitHub's explanation from an error body: "message", followed by the
 * messages (or codes) of "errors" when present, appended to out.  Falls
 * back to the status's reason phrase.  Never fails.
 */
void glow_gh_message(const struct glow_gh_resp *r, struct glow_buf *out);
/*
 * A token from the text of a token file or stdin: either JSON with a
 * "token" string (as glow-token prints) or the raw token.  Surrounding
 * white space is dropped.  0, or -1 when there is no token (empty, JSON
 * without "token", white space or control characters inside).
 */
int glow_gh_token_parse(const char *text, size_t len, struct glow_buf *token);

/*
 * The token a program runs with, the toolkit's one rule: the file given
 * (-t FILE; "-" is stdin), read whole (at most 1 MB) and parsed as
 * glow_gh_token_parse() does; with file NULL, the first of the variables
 * GLOW_TOKEN, GH_TOKEN and GITHUB_TOKEN that is set and not empty.
 * *source (when source is not NULL) receives the file name or the
 * variable's name, for the message; NULL for GLOW_GH_TOKEN_UNSET.  Nothing
 * is left in token on failure.
 */
enum glow_gh_token_err {
	GLOW_GH_TOKEN_OK = 0,
	GLOW_GH_TOKEN_UNSET,    /* no file, and none of the variables is set */
	GLOW_GH_TOKEN_READ,     /* the file cannot be read; errno says why */
	GLOW_GH_TOKEN_EMPTY,    /* the file or variable is only white space */
	GLOW_GH_TOKEN_INVALID   /* it holds something, but no token */
};
/* The variables, as a message names them ("set " GLOW_GH_TOKEN_VARS). */
#define GLOW_GH_TOKEN_VARS "GLOW_TOKEN, GH_TOKEN or GITHUB_TOKEN"
enum glow_gh_token_err glow_gh_token_load(const char *file,
    struct glow_buf *token, const char **source);
/*
 * The one message for a token glow_gh_token_load() could not give, from
 * source (the file or the variable it names), appended to out (call
 * with errno as glow_gh_token_load left it):
 *   no token: give -t FILE, or set GLOW_TOKEN, GH_TOKEN or GITHUB_TOKEN
 *   cannot read token 'SOURCE': REASON
 *   cannot use token 'SOURCE': it is empty | not a token (...)
 */
void glow_gh_token_problem(struct glow_buf *out, enum glow_gh_token_err e,
    const char *source);

/*
 * A token from a credential helper: the shell command cmd prints a token
 * as glow_gh_token_parse() reads it (glow-token's JSON, or the bare
 * token).  *renew_at is when to run it again: 5 minutes before the JSON's
 * expires_at, or half way for a short-lived token; 0 when it names no
 * expiry (then renew on a 401 only).  0; or -1 with the reason appended to
 * why (the command's output is never repeated: it holds the token).
 */
int glow_gh_token_cmd(const char *cmd, struct glow_buf *token,
    long long *renew_at, struct glow_buf *why);

/*
 * Append the counters as a verbose program reports them at exit, one line
 * without newline: "requests=N retries=N not_modified=N limited=N
 * wait_limit=S wait_backoff=S wait_pace=S" (seconds with one decimal).
 * With GLOW_GH_STATS_BRIEF only requests, retries, wait_limit and
 * wait_backoff: for a program that uses neither the cache nor pacing to
 * speak of (glow-token).
 */
#define GLOW_GH_STATS_BRIEF 1
void glow_gh_stats_format(const struct glow_gh_stats *s, int flags,
    struct glow_buf *out);

/* One sentence for e. */
const char *glow_gh_strerror(enum glow_gh_err e);

/*
 * The clock and the sleep the client itself uses, for programs that wait
 * between requests: glow_gh_clock() is CLOCK_MONOTONIC in seconds (for
 * durations only); glow_gh_sleep() sleeps that many real seconds, resumed
 * after a signal, and returns at once for seconds <= 0.  Scaling by
 * gh.wait_scale is the caller's.
 */
double glow_gh_clock(void);
void glow_gh_sleep(double seconds);

#endif
