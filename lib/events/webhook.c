/* SPDX-License-Identifier: ISC */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/counters.h"
#include "core/crypto.h"
#include "core/fsio.h"
#include "core/secret.h"
#include "events/webhook.h"
#include "web/cgi.h"

/* Requests ------------------------------------------------------------- */

void
glow_webhook_req_init(struct glow_webhook_req *req)
{
	memset(req, 0, sizeof *req);
	req->content_length = -1;
}

static int
name_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

/* Copy a header value into a field; too long or repeated is malformed. */
static void
set_field(struct glow_webhook_req *req, char *dst, size_t size,
    const char *val, size_t vlen)
{
	if (dst[0]) {
		req->bad = "repeated header";
		return;
	}
	if (vlen >= size) {
		req->bad = "header value too long";
		return;
	}
	if (vlen == 0) {
		/* An empty value counts as absent, but not twice. */
		return;
	}
	memcpy(dst, val, vlen);
	dst[vlen] = '\0';
}

static long long
parse_length(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

void
glow_webhook_req_header(struct glow_webhook_req *req, const char *name,
    size_t nlen, const char *val, size_t vlen)
{
	if (name_is(name, nlen, "content-length")) {
		long long v = parse_length(val, vlen);

		if (v < 0)
			req->bad = "bad Content-Length";
		else if (req->content_length >= 0 && req->content_length != v)
			req->bad = "conflicting Content-Length headers";
		else
			req->content_length = v;
	} else if (name_is(name, nlen, "transfer-encoding")) {
		req->chunked = 1;
	} else if (name_is(name, nlen, "content-type")) {
		set_field(req, req->content_type, sizeof req->content_type,
		    val, vlen);
	} else if (name_is(name, nlen, "x-github-event")) {
		set_field(req, req->event, sizeof req->event, val, vlen);
	} else if (name_is(name, nlen, "x-github-delivery")) {
		set_field(req, req->delivery, sizeof req->delivery, val, vlen);
	} else if (name_is(name, nlen, "x-hub-signature-256")) {
		set_field(req, req->signature, sizeof req->signature, val,
		    vlen);
	} else if (name_is(name, nlen, "x-hub-signature")) {
		req->has_sha1 = 1;
	} else if (name_is(name, nlen, "x-github-hook-id")) {
		set_field(req, req->hook_id, sizeof req->hook_id, val, vlen);
	} else if (name_is(name, nlen,
	    "x-github-hook-installation-target-id")) {
		set_field(req, req->target_id, sizeof req->target_id, val,
		    vlen);
	} else if (name_is(name, nlen,
	    "x-github-hook-installation-target-type")) {
		set_field(req, req->target_type, sizeof req->target_type, val,
		    vlen);
	}
}

/* RFC 9110 token characters. */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the line starting at i (the index of its '\n'), or -1. */
static long
line_end(const char *buf, size_t len, size_t i)
{
	const char *nl = memchr(buf + i, '\n', len - i);

	return nl ? (long)(nl - buf) : -1;
}

static int
request_line(struct glow_webhook_req *req, const char *s, size_t n)
{
	size_t i = 0, m, t;
	const char *target, *q;

	for (m = 0; m < n && is_tchar((unsigned char)s[m]); m++)
		;
	if (m == 0 || m >= sizeof req->method || m == n || s[m] != ' ')
		return (req->bad = "bad request line"), -1;
	memcpy(req->method, s, m);
	req->method[m] = '\0';
	i = m + 1;
	for (t = i; t < n && s[t] != ' '; t++)
		if ((unsigned char)s[t] <= 0x20 || (unsigned char)s[t] == 0x7f)
			return (req->bad = "bad request target"), -1;
	if (t == i || t == n)
		return (req->bad = "bad request line"), -1;
	target = s + i;
	m = t - i;
	/* absolute-form (RFC 9112 3.2.2): keep the path only. */
	if (m > 7 && (strncasecmp(target, "http://", 7) == 0 ||
	    (m > 8 && strncasecmp(target, "https://", 8) == 0))) {
		const char *p = memchr(target + 8, '/', m - 8);

		if (!p)
			p = target + m;
		m -= (size_t)(p - target);
		target = p;
	}
	if (m && target[0] != '/' && !(m == 1 && target[0] == '*'))
		return (req->bad = "bad request target"), -1;
	if ((q = memchr(target, '?', m)))
		m = (size_t)(q - target);
	if (m >= sizeof req->path)
		return (req->bad = "request target too long"), -1;
	memcpy(req->path, target, m);
	req->path[m] = '\0';
	if (n - t - 1 != 8 || memcmp(s + t + 1, "HTTP/1.", 7) != 0 ||
	    (s[t + 8] != '0' && s[t + 8] != '1'))
		return (req->bad = "unsupported HTTP version"), -1;
	return 0;
}

static int
header_line(struct glow_webhook_req *req, const char *s, size_t n)
{
	size_t k, v, e;

	if (s[0] == ' ' || s[0] == '\t')
		return (req->bad = "obsolete line folding"), -1;
	for (k = 0; k < n && is_tchar((unsigned char)s[k]); k++)
		;
	if (k == 0 || k == n || s[k] != ':')
		return (req->bad = "bad header field"), -1;
	for (v = k + 1; v < n && (s[v] == ' ' || s[v] == '\t'); v++)
		;
	for (e = n; e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--)
		;
	for (size_t i = v; i < e; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (req->bad = "bad header value"), -1;
	}
	glow_webhook_req_header(req, s, k, s + v, e - v);
	return req->bad ? -1 : 0;
}

long
glow_webhook_parse_head(struct glow_webhook_req *req, const char *buf,
    size_t len)
{
	size_t i = 0, start, n;
	long e;
	int first = 1;

	glow_webhook_req_init(req);
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	for (;;) {
		if (i < len && buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			break;
	}
	/* Find the empty line first: nothing is parsed from a partial head. */
	for (start = i;; start = (size_t)e + 1) {
		if ((e = line_end(buf, len, start)) < 0) {
			if (len >= GLOW_WEBHOOK_MAX_HEAD)
				return (req->bad = "request head too large"), -1;
			return 0;
		}
		n = (size_t)e - start;
		if (n && buf[e - 1] == '\r')
			n--;
		if (n == 0 && start != i)
			break;
		if ((size_t)e + 1 > GLOW_WEBHOOK_MAX_HEAD)
			return (req->bad = "request head too large"), -1;
	}
	for (start = i;; start = (size_t)e + 1) {
		e = line_end(buf, len, start);
		n = (size_t)e - start;
		if (n && buf[e - 1] == '\r')
			n--;
		if (memchr(buf + start, '\r', n))
			return (req->bad = "bare CR in the request head"), -1;
		if (first) {
			if (request_line(req, buf + start, n) < 0)
				return -1;
			first = 0;
			continue;
		}
		if (n == 0)
			return e + 1;
		if (header_line(req, buf + start, n) < 0)
			return -1;
	}
}

static const char *
env_get(char *const *envp, const char *var)
{
	size_t n = strlen(var);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, var, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static void
env_field(struct glow_webhook_req *req, char *const *envp, const char *var,
    const char *name)
{
	const char *v = env_get(envp, var);

	if (v)
		glow_webhook_req_header(req, name, strlen(name), v, strlen(v));
}

void
glow_webhook_req_from_env(struct glow_webhook_req *req, char *const *envp)
{
	const char *v;

	glow_webhook_req_init(req);
	v = env_get(envp, "REQUEST_METHOD");
	if (v && strlen(v) < sizeof req->method)
		strcpy(req->method, v);
	else if (v)
		req->bad = "bad request method";
	if ((v = env_get(envp, "PATH_INFO"))) {
		if (strlen(v) < sizeof req->path)
			strcpy(req->path, v);
		else
			req->bad = "request path too long";
	}
	if ((v = env_get(envp, "CONTENT_LENGTH")) && *v)
		glow_webhook_req_header(req, "content-length", 14, v, strlen(v));
	env_field(req, envp, "CONTENT_TYPE", "content-type");
	env_field(req, envp, "HTTP_TRANSFER_ENCODING", "transfer-encoding");
	env_field(req, envp, "HTTP_X_GITHUB_EVENT", "x-github-event");
	env_field(req, envp, "HTTP_X_GITHUB_DELIVERY", "x-github-delivery");
	env_field(req, envp, "HTTP_X_HUB_SIGNATURE_256", "x-hub-signature-256");
	env_field(req, envp, "HTTP_X_HUB_SIGNATURE", "x-hub-signature");
	env_field(req, envp, "HTTP_X_GITHUB_HOOK_ID", "x-github-hook-id");
	env_field(req, envp, "HTTP_X_GITHUB_HOOK_INSTALLATION_TARGET_ID",
	    "x-github-hook-installation-target-id");
	env_field(req, envp, "HTTP_X_GITHUB_HOOK_INSTALLATION_TARGET_TYPE",
	    "x-github-hook-installation-target-type");
}

enum glow_webhook_media
glow_webhook_media(const char *ct)
{
	size_t n;

	if (!ct)
		return GLOW_WEBHOOK_OTHER;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return GLOW_WEBHOOK_JSON;
	if (n == 33 &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0)
		return GLOW_WEBHOOK_FORM;
	return GLOW_WEBHOOK_OTHER;
}

int
glow_webhook_delivery_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 100 || id[0] == '.')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int
refuse(struct glow_webhook_refusal *no, int status, const char *reason,
    const char *extra, const char *why)
{
	no->status = status;
	no->reason = reason;
	no->extra = extra;
	no->why = why;
	return status;
}

int
glow_webhook_check(const struct glow_webhook_req *req,
    struct glow_webhook_refusal *no)
{
	const char *d = req->delivery;

	if (req->bad)
		return refuse(no, 400, "malformed", NULL, req->bad);
	if (strcmp(req->method, "POST") != 0)
		return refuse(no, 405, "method", "Allow: POST",
		    "webhooks are delivered with POST");
	if (!req->event[0] || !req->delivery[0])
		return refuse(no, 400, "headers", NULL, !req->event[0] ?
		    "missing X-GitHub-Event header" :
		    "missing X-GitHub-Delivery header");
	if (!glow_webhook_delivery_ok(d) ||
	    strspn(req->event, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(req->event))
		return refuse(no, 400, "headers", NULL,
		    glow_webhook_delivery_ok(d) ? "bad X-GitHub-Event header" :
		    "bad X-GitHub-Delivery header");
	if (!req->signature[0])
		return refuse(no, 401, "signature", NULL, req->has_sha1 ?
		    "X-Hub-Signature (SHA-1) is not accepted; "
		    "X-Hub-Signature-256 is required" :
		    "missing X-Hub-Signature-256 header");
	if (glow_webhook_media(req->content_type) == GLOW_WEBHOOK_OTHER)
		return refuse(no, 415, "content_type", NULL,
		    "content type must be application/json or "
		    "application/x-www-form-urlencoded");
	if (req->chunked || req->content_length < 0)
		return refuse(no, 411, "length", NULL, req->chunked ?
		    "chunked bodies are not supported; send Content-Length" :
		    "Content-Length required");
	/* over the cap: refused before a byte of the body is read */
	if ((unsigned long long)req->content_length > GLOW_WEBHOOK_MAX_BODY)
		return refuse(no, 413, "too_large", NULL, "body over 25 MB");
	return 0;
}

/* Secrets and signatures ------------------------------------------------ */

int
glow_webhook_secrets(struct glow_webhook_secrets *s, const char *text,
    size_t len)
{
	size_t i = 0, b, e;

	s->n = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		e = nl ? (size_t)(nl - text) : len;
		for (b = i; b < e && strchr(" \t\r", text[b]); b++)
			;
		i = e + 1;
		while (e > b && strchr(" \t\r", text[e - 1]))
			e--;
		if (e == b)
			continue;
		if (s->n == GLOW_WEBHOOK_MAX_SECRETS)
			return -1;
		s->p[s->n] = text + b;
		s->len[s->n++] = e - b;
	}
	return s->n;
}

int
glow_webhook_verify(const char *header, const void *body, size_t n,
    const struct glow_webhook_secrets *s, unsigned char mac[32])
{
	unsigned char got[GLOW_SHA256_LEN], want[GLOW_SHA256_LEN];
	int i, ok = 0;

	if (!header || strncmp(header, "sha256=", 7) != 0 ||
	    strlen(header + 7) != 2 * GLOW_SHA256_LEN ||
	    glow_unhex(got, header + 7, GLOW_SHA256_LEN) < 0)
		return 0;
	/* Every secret, even after a match: the time tells nothing. */
	for (i = 0; i < s->n; i++) {
		glow_hmac_sha256(s->p[i], s->len[i], body, n, want);
		ok |= glow_ct_equal(got, want, sizeof want);
	}
	glow_wipe(want, sizeof want);
	if (ok)
		memcpy(mac, got, sizeof got);
	return ok;
}

/* Forms ---------------------------------------------------------------- */

int
glow_form_decode(const char *s, size_t n, struct glow_buf *out)
{
	long o;

	if (glow_buf_reserve(out, n) < 0)
		return -1;
	if ((o = glow_cgi_unescape(out->p + out->len, s, n)) < 0)
		return -1;
	out->len += (size_t)o;
	out->p[out->len] = '\0';
	return 0;
}

int
glow_form_payload(const char *body, size_t n, struct glow_buf *out)
{
	struct glow_buf name = GLOW_BUF_INIT;
	size_t i = 0, e, eq;
	int rc = 1;

	while (i <= n && rc == 1) {
		const char *amp = memchr(body + i, '&', n - i);

		e = amp ? (size_t)(amp - body) : n;
		for (eq = i; eq < e && body[eq] != '='; eq++)
			;
		glow_buf_reset(&name);
		if (glow_form_decode(body + i, eq - i, &name) < 0)
			rc = -1;
		else if (name.len == 7 && memcmp(name.p, "payload", 7) == 0)
			rc = glow_form_decode(body + eq + (eq < e),
			    e - eq - (eq < e), out) < 0 ? -1 : 0;
		if (!amp)
			break;
		i = e + 1;
	}
	glow_buf_free(&name);
	return rc;
}

/* Envelopes ------------------------------------------------------------ */

void
glow_webhook_iso8601(char dst[21], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Write member key of object obj if it is a string, else null. */
static void
str_or_null(struct glow_jw *w, const struct glow_json *doc, int obj,
    const char *key)
{
	int v = obj >= 0 ? glow_json_get(doc, obj, key) : -1;

	if (glow_json_type(doc, v) == GLOW_JSON_STRING)
		glow_jw_value(w, doc, v);
	else
		glow_jw_null(w);
}

static int
object_member(const struct glow_json *doc, int obj, const char *key)
{
	int v = glow_json_get(doc, obj, key);

	return glow_json_type(doc, v) == GLOW_JSON_OBJECT ? v : -1;
}

int
glow_webhook_envelope(struct glow_buf *out, const char *event,
    const char *delivery, const char *hook_id, time_t received_at,
    const struct glow_json *doc)
{
	struct glow_jw w;
	char iso[21];
	long long v;
	int inst, repo, sender, id;

	if (glow_json_type(doc, 0) != GLOW_JSON_OBJECT)
		return -1;
	glow_jw_init(&w, out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "event");
	glow_jw_str(&w, event);
	glow_jw_key(&w, "action");
	str_or_null(&w, doc, 0, "action");
	glow_jw_key(&w, "delivery_id");
	glow_jw_str(&w, delivery);
	glow_jw_key(&w, "hook_id");
	v = hook_id ? parse_length(hook_id, strlen(hook_id)) : -1;
	if (v >= 0)
		glow_jw_int(&w, v);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "installation_id");
	inst = object_member(doc, 0, "installation");
	id = inst >= 0 ? glow_json_get(doc, inst, "id") : -1;
	if (id >= 0 && glow_json_int(doc, id, &v) == 0)
		glow_jw_int(&w, v);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "repository");
	repo = object_member(doc, 0, "repository");
	str_or_null(&w, doc, repo, "full_name");
	glow_jw_key(&w, "sender");
	if ((sender = object_member(doc, 0, "sender")) >= 0) {
		glow_jw_object(&w);
		glow_jw_key(&w, "login");
		str_or_null(&w, doc, sender, "login");
		glow_jw_key(&w, "type");
		str_or_null(&w, doc, sender, "type");
		glow_jw_end(&w);
	} else {
		glow_jw_null(&w);
	}
	glow_jw_key(&w, "received_at");
	glow_webhook_iso8601(iso, received_at);
	glow_jw_str(&w, iso);
	glow_jw_key(&w, "payload");
	glow_jw_value(&w, doc, 0);
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
	return out->failed ? -1 : 0;
}

/* Deduplication --------------------------------------------------------- */

static int
mkdir_p1(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Create marker name in dfd: 1 if it is new (or replaced a stale one), 0
 * if a fresh one was there, -1 on error.
 */
static int
claim(int dfd, const char *name, time_t now, long expiry)
{
	struct stat st;
	int fd, lk, rc, tries;

	for (tries = 0; tries < 3; tries++) {
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd >= 0) {
			close(fd);
			return 1;
		}
		if (errno != EEXIST)
			return -1;
		if (fstatat(dfd, name, &st, 0) < 0) {
			if (errno == ENOENT)
				continue;       /* pruned meanwhile */
			return -1;
		}
		if (now - st.st_mtime < expiry)
			return 0;
		/* Stale: replace it under the lock, so only one does. */
		if ((lk = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) < 0)
			return -1;
		while ((rc = flock(lk, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc == 0 && fstatat(dfd, name, &st, 0) == 0 &&
		    now - st.st_mtime >= expiry)
			unlinkat(dfd, name, 0);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		rc = fd >= 0 ? 1 : errno == EEXIST ? 0 : -1;
		if (fd >= 0)
			close(fd);
		close(lk);
		return rc;
	}
	errno = EAGAIN;
	return -1;
}

static void
marker_names(char d[160], char h[80], const char *delivery,
    const unsigned char hash[32])
{
	char hex[2 * GLOW_SHA256_LEN + 1];

	glow_hex(hex, hash, GLOW_SHA256_LEN);
	snprintf(d, 160, "d-%s", delivery);
	snprintf(h, 80, "h-%s", hex);
}

int
glow_webhook_seen(const char *seen, const char *delivery,
    const unsigned char hash[32], time_t now, long expiry,
    enum glow_webhook_seen *result)
{
	char d[160], h[80];
	int dfd, rc, saved;

	marker_names(d, h, delivery, hash);
	if (mkdir_p1(seen) < 0)
		return -1;
	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = claim(dfd, d, now, expiry);
	if (rc == 0)
		*result = GLOW_WEBHOOK_DUP_DELIVERY;
	else if (rc == 1) {
		rc = claim(dfd, h, now, expiry);
		if (rc == 0)
			*result = GLOW_WEBHOOK_DUP_BODY;
		else if (rc == 1)
			*result = GLOW_WEBHOOK_NEW;
		else {
			saved = errno;
			unlinkat(dfd, d, 0);
			errno = saved;
		}
	}
	saved = errno;
	close(dfd);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

void
glow_webhook_unsee(const char *seen, const char *delivery,
    const unsigned char hash[32])
{
	char d[160], h[80];
	int dfd;

	marker_names(d, h, delivery, hash);
	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	unlinkat(dfd, d, 0);
	unlinkat(dfd, h, 0);
	close(dfd);
}

long
glow_webhook_prune(const char *seen, time_t now, long expiry, long interval)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;
	long removed = 0;
	int dfd, lk, fd;

	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if (fstatat(dfd, ".pruned", &st, 0) == 0 &&
	    now - st.st_mtime < interval && now >= st.st_mtime)
		goto out;
	if ((lk = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto out;
	if (flock(lk, LOCK_EX | LOCK_NB) < 0)
		goto unlock;
	/* Another process may have pruned while this one looked. */
	if (fstatat(dfd, ".pruned", &st, 0) == 0 &&
	    now - st.st_mtime < interval && now >= st.st_mtime)
		goto unlock;
	if ((fd = openat(dfd, ".pruned", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) >= 0) {
		struct timespec ts[2] = { { now, 0 }, { now, 0 } };

		futimens(fd, ts);
		close(fd);
	}
	if ((fd = dup(dfd)) < 0 || !(dp = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		goto unlock;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime >= expiry &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dp);
unlock:
	close(lk);
out:
	close(dfd);
	return removed;
}

/* The spool ------------------------------------------------------------ */

int
glow_webhook_spool(const char *spool, const char *delivery,
    const struct timespec *ts, const void *p, size_t n, char *name,
    size_t namesz)
{
	char tmp[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX], stamp[32];
	struct tm tm;
	int fd, saved;

	if (!glow_webhook_delivery_ok(delivery)) {
		errno = EINVAL;
		return -1;
	}
	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	if (snprintf(name, namesz, "%s.%06ldZ-%s.json", stamp,
	    (long)(ts->tv_nsec / 1000), delivery) >= (int)namesz ||
	    snprintf(tmp, sizeof tmp, "%s/tmp/%s.%ld", spool, name,
	    (long)getpid()) >= (int)sizeof tmp ||
	    snprintf(dst, sizeof dst, "%s/new/%s", spool, name) >=
	    (int)sizeof dst) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir_p1(spool) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/tmp", spool);
	if (mkdir_p1(dir) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/new", spool);
	if (mkdir_p1(dir) < 0)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -1;
	/* The file is new: fdatasync also flushes its size. */
	if (glow_write_all(fd, p, n) < 0 || fdatasync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return glow_fsync_dir(dir);
}

/* Metrics -------------------------------------------------------------- */

/* Rejection and failure reasons, as the metrics' label values. */
static const char *const reasons[] = { "malformed", "method", "headers",
    "signature", "content_type", "length", "too_large", "truncated", "form",
    "json" };
static const char *const failures[] = { "configuration", "spool" };

void
glow_webhook_metrics(const char *text, size_t len, struct glow_buf *out)
{
	glow_metric_family(out, text, len, "glow_webhook_received_total", "counter",
	    "Requests to the webhook (all but /metrics).", NULL, NULL, 0);
	glow_metric_family(out, text, len, "glow_webhook_accepted_total", "counter",
	    "Deliveries verified and spooled.", NULL, NULL, 0);
	glow_metric_family(out, text, len, "glow_webhook_duplicate_total", "counter",
	    "Redeliveries dropped (delivery ID or body seen before).", NULL, NULL, 0);
	glow_metric_family(out, text, len, "glow_webhook_rejected_total", "counter",
	    "Deliveries refused with a 4xx status, by reason.", "reason", reasons,
	    (int)(sizeof reasons / sizeof *reasons));
	glow_metric_family(out, text, len, "glow_webhook_failed_total", "counter",
	    "Deliveries answered 5xx, by reason.", "reason", failures,
	    (int)(sizeof failures / sizeof *failures));
	glow_metric_family(out, text, len, "glow_webhook_installations_errors_total",
	    "counter", "Installation events that could not update "
	    "installations.json.", NULL, NULL, 0);
}


/* Installations of record ---------------------------------------------- */

/* JSON values are kept compact, as text; an empty buffer is null. */
struct inst {
	long long id;
	struct glow_buf account, selection, permissions, events;
	struct glow_buf suspended_at, created_at, updated_at;
	char **repos;
	size_t nrepos;
	int suspended;
};

struct insts {
	struct inst *v;
	size_t n, cap;
};

static struct glow_buf *
inst_blob(struct inst *in, int k)
{
	struct glow_buf *b[] = { &in->account, &in->selection,
	    &in->permissions, &in->events, &in->suspended_at,
	    &in->created_at, &in->updated_at };

	return k < 7 ? b[k] : NULL;
}

static void
inst_free(struct inst *in)
{
	size_t i;
	int k;

	for (k = 0; k < 7; k++)
		glow_buf_free(inst_blob(in, k));
	for (i = 0; i < in->nrepos; i++)
		free(in->repos[i]);
	free(in->repos);
	memset(in, 0, sizeof *in);
}

static void
insts_free(struct insts *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		inst_free(&s->v[i]);
	free(s->v);
}

/* The entry for id, added (sorted by id) if missing; NULL without memory. */
static struct inst *
insts_get(struct insts *s, long long id, int add)
{
	size_t i;

	for (i = 0; i < s->n && s->v[i].id < id; i++)
		;
	if (i < s->n && s->v[i].id == id)
		return &s->v[i];
	if (!add)
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct inst *v = realloc(s->v, cap * sizeof *v);

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
	memset(&s->v[i], 0, sizeof *s->v);
	s->v[i].id = id;
	s->n++;
	return &s->v[i];
}

static void
blob_set(struct glow_buf *b, const struct glow_json *doc, int i)
{
	struct glow_jw w;

	glow_buf_reset(b);
	if (i < 0 || glow_json_type(doc, i) == GLOW_JSON_NULL ||
	    glow_json_type(doc, i) == GLOW_JSON_NONE)
		return;
	glow_jw_init(&w, b, 0);
	glow_jw_value(&w, doc, i);
}

static void
blob_write(struct glow_jw *w, const struct glow_buf *b)
{
	struct glow_json doc;
	struct glow_json_error err;

	if (b->len == 0 || glow_json_parse(&doc, b->p, b->len, &err) < 0) {
		glow_jw_null(w);
		return;
	}
	glow_jw_value(w, &doc, 0);
	glow_json_free(&doc);
}

static int
repos_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
repos_add(struct inst *in, const char *name)
{
	char **v;
	size_t i;

	for (i = 0; i < in->nrepos; i++)
		if (strcmp(in->repos[i], name) == 0)
			return 0;
	if (!(v = realloc(in->repos, (in->nrepos + 1) * sizeof *v)))
		return -1;
	in->repos = v;
	if (!(v[in->nrepos] = strdup(name)))
		return -1;
	in->nrepos++;
	qsort(in->repos, in->nrepos, sizeof *in->repos, repos_cmp);
	return 0;
}

static void
repos_del(struct inst *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nrepos; i++)
		if (strcmp(in->repos[i], name) == 0) {
			free(in->repos[i]);
			memmove(&in->repos[i], &in->repos[i + 1],
			    (in->nrepos - i - 1) * sizeof *in->repos);
			in->nrepos--;
			return;
		}
}

/* Call fn on the full_name (or the string) of each element of arr. */
static int
each_repo(const struct glow_json *doc, int arr, struct inst *in,
    int add)
{
	int e, f;
	char *name;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return 0;
	for (e = glow_json_first(doc, arr); e >= 0; e = glow_json_next(doc, e)) {
		f = glow_json_type(doc, e) == GLOW_JSON_OBJECT ?
		    glow_json_get(doc, e, "full_name") : e;
		if (!(name = glow_json_strdup(doc, f)))
			continue;
		if (add && repos_add(in, name) < 0) {
			free(name);
			return -1;
		}
		if (!add)
			repos_del(in, name);
		free(name);
	}
	return 0;
}

static const char *
insts_load(struct insts *s, const char *cur, size_t len, struct glow_buf *stamp)
{
	struct glow_json doc;
	struct glow_json_error err;
	static const char *keys[] = { "account", "repository_selection",
	    "permissions", "events", "suspended_at", "created_at",
	    "updated_at" };
	const char *why = NULL;
	long long v;
	struct inst *in;
	int arr, e, k, t;
	size_t i;

	for (i = 0; i < len && strchr(" \t\r\n", cur[i]); i++)
		;
	if (i == len)
		return NULL;
	if (glow_json_parse(&doc, cur, len, &err) < 0)
		return err.reason;
	if (glow_json_type(&doc, 0) != GLOW_JSON_OBJECT)
		why = "not a JSON object";
	else if ((t = glow_json_get(&doc, 0, "version")) < 0 ||
	    glow_json_int(&doc, t, &v) < 0 || v != 1)
		why = "version is not 1";
	else if (glow_json_type(&doc, arr = glow_json_get(&doc, 0,
	    "installations")) != GLOW_JSON_ARRAY)
		why = "no installations array";
	if (why)
		goto out;
	if ((t = glow_json_get(&doc, 0, "updated_at")) >= 0)
		glow_json_string(&doc, t, stamp);
	for (e = glow_json_first(&doc, arr); e >= 0 && !why;
	    e = glow_json_next(&doc, e)) {
		if (glow_json_type(&doc, e) != GLOW_JSON_OBJECT ||
		    (t = glow_json_get(&doc, e, "id")) < 0 ||
		    glow_json_int(&doc, t, &v) < 0) {
			why = "an installation without an integer id";
			break;
		}
		if (insts_get(s, v, 0)) {
			why = "an installation listed twice";
			break;
		}
		if (!(in = insts_get(s, v, 1))) {
			why = "out of memory";
			break;
		}
		for (k = 0; k < 7; k++)
			blob_set(inst_blob(in, k), &doc,
			    glow_json_get(&doc, e, keys[k]));
		in->suspended = glow_json_type(&doc, glow_json_get(&doc, e,
		    "suspended")) == GLOW_JSON_TRUE;
		t = glow_json_get(&doc, e, "repositories");
		if (t >= 0 && glow_json_type(&doc, t) != GLOW_JSON_ARRAY)
			why = "repositories is not an array";
		else if (each_repo(&doc, t, in, 1) < 0)
			why = "out of memory";
	}
out:
	glow_json_free(&doc);
	return why;
}

/* Refresh what payload.installation (inst) tells of an entry. */
static void
inst_refresh(struct inst *in, const struct glow_json *doc, int inst)
{
	struct glow_jw w;
	int a, k, t;

	if ((a = object_member(doc, inst, "account")) >= 0) {
		glow_buf_reset(&in->account);
		glow_jw_init(&w, &in->account, 0);
		glow_jw_object(&w);
		glow_jw_key(&w, "login");
		str_or_null(&w, doc, a, "login");
		glow_jw_key(&w, "id");
		t = glow_json_get(doc, a, "id");
		if (glow_json_type(doc, t) == GLOW_JSON_NUMBER)
			glow_jw_value(&w, doc, t);
		else
			glow_jw_null(&w);
		glow_jw_key(&w, "type");
		str_or_null(&w, doc, a, "type");
		glow_jw_end(&w);
	}
	static const char *keys[] = { "repository_selection", "permissions",
	    "events", "suspended_at", "created_at", "updated_at" };
	for (k = 0; k < 6; k++)
		if ((t = glow_json_get(doc, inst, keys[k])) >= 0)
			blob_set(inst_blob(in, k + 1), doc, t);
	in->suspended = in->suspended_at.len > 0;
}

static void
insts_write(const struct insts *s, const char *stamp, struct glow_buf *out)
{
	struct glow_jw w;
	size_t i, r;

	glow_jw_init(&w, out, 2);
	glow_jw_object(&w);
	glow_jw_key(&w, "version");
	glow_jw_int(&w, 1);
	glow_jw_key(&w, "updated_at");
	glow_jw_str(&w, stamp);
	glow_jw_key(&w, "installations");
	glow_jw_array(&w);
	for (i = 0; i < s->n; i++) {
		const struct inst *in = &s->v[i];

		glow_jw_object(&w);
		glow_jw_key(&w, "id");
		glow_jw_int(&w, in->id);
		glow_jw_key(&w, "account");
		blob_write(&w, &in->account);
		glow_jw_key(&w, "repository_selection");
		blob_write(&w, &in->selection);
		glow_jw_key(&w, "repositories");
		glow_jw_array(&w);
		for (r = 0; r < in->nrepos; r++)
			glow_jw_str(&w, in->repos[r]);
		glow_jw_end(&w);
		glow_jw_key(&w, "permissions");
		blob_write(&w, &in->permissions);
		glow_jw_key(&w, "events");
		blob_write(&w, &in->events);
		glow_jw_key(&w, "suspended");
		glow_jw_bool(&w, in->suspended);
		glow_jw_key(&w, "suspended_at");
		blob_write(&w, &in->suspended_at);
		glow_jw_key(&w, "created_at");
		blob_write(&w, &in->created_at);
		glow_jw_key(&w, "updated_at");
		blob_write(&w, &in->updated_at);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
}

int
glow_webhook_installations(const char *cur, size_t len, const char *event,
    const struct glow_json *doc, time_t now, struct glow_buf *out,
    const char **why)
{
	struct insts s = { 0 };
	struct glow_buf stamp = GLOW_BUF_INIT;
	struct inst *in;
	char iso[21];
	long long id;
	int inst, t, rc = 1, repos_event, act;
	const char *actions[] = { "created", "deleted", "suspend",
	    "unsuspend", "new_permissions_accepted", "added", "removed" };

	*why = NULL;
	repos_event = strcmp(event, "installation_repositories") == 0;
	if ((strcmp(event, "installation") != 0 && !repos_event) ||
	    glow_json_type(doc, 0) != GLOW_JSON_OBJECT ||
	    (inst = object_member(doc, 0, "installation")) < 0 ||
	    (t = glow_json_get(doc, inst, "id")) < 0 ||
	    glow_json_int(doc, t, &id) < 0)
		return 1;
	t = glow_json_get(doc, 0, "action");
	for (act = 0; act < 7; act++)
		if (glow_json_streq(doc, t, actions[act]))
			break;
	if (repos_event ? act != 5 && act != 6 : act > 4)
		return 1;
	if ((*why = insts_load(&s, cur, len, &stamp))) {
		rc = -1;
		goto out;
	}
	if (act == 1) {
		if (!(in = insts_get(&s, id, 0)))
			goto out;
		inst_free(in);
		memmove(in, in + 1, (size_t)(s.v + s.n - in - 1) * sizeof *in);
		s.n--;
	} else {
		if (!(in = insts_get(&s, id, 1))) {
			*why = "out of memory";
			rc = -1;
			goto out;
		}
		inst_refresh(in, doc, inst);
		if (act == 0) {
			while (in->nrepos)
				repos_del(in, in->repos[0]);
			each_repo(doc, glow_json_get(doc, 0, "repositories"),
			    in, 1);
		} else if (act == 2) {
			in->suspended = 1;
		} else if (act == 3) {
			in->suspended = 0;
			glow_buf_reset(&in->suspended_at);
		} else if (act == 5 || act == 6) {
			if ((t = glow_json_get(doc, 0,
			    "repository_selection")) >= 0)
				blob_set(&in->selection, doc, t);
			each_repo(doc, glow_json_get(doc, 0, act == 5 ?
			    "repositories_added" : "repositories_removed"),
			    in, act == 5);
		}
	}
	/* Unchanged content keeps the old file, stamp and all. */
	if (stamp.len) {
		insts_write(&s, stamp.p, out);
		if (!out->failed && out->len == len &&
		    memcmp(out->p, cur, len) == 0)
			goto out;
		glow_buf_reset(out);
	}
	glow_webhook_iso8601(iso, now);
	insts_write(&s, iso, out);
	rc = out->failed ? -1 : 0;
	if (rc < 0)
		*why = "out of memory";
out:
	insts_free(&s);
	glow_buf_free(&stamp);
	return rc;
}
