/* SPDX-License-Identifier: ISC */
/* webhook.c: a delivery as glow-webhook(1) receives it: the request, its
 * signature, its form, its envelope, and the metrics; see webhook.h.  What is
 * kept of it is in webhook_store.c and installations.c. */
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
#include "core/hex.h"
#include "core/secret.h"
#include "events/webhook.h"
#include "web/cgi.h"
#include "web/form.h"

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
	if ((q = memchr(target, '?', m))) {
		if ((size_t)(target + m - q - 1) >= sizeof req->query)
			return (req->bad = "request query too long"), -1;
		memcpy(req->query, q + 1, (size_t)(target + m - q - 1));
		req->query[target + m - q - 1] = '\0';
		m = (size_t)(q - target);
	}
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
	if ((v = env_get(envp, "QUERY_STRING"))) {
		if (strlen(v) < sizeof req->query)
			strcpy(req->query, v);
		else
			req->bad = "request query too long";
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

/* The setup URL's state ------------------------------------------------- */

static void
state_mac(char hex[2 * GLOW_SHA256_LEN + 1], const char *key, size_t keylen,
    const char *expiry_nonce, size_t n)
{
	unsigned char mac[GLOW_SHA256_LEN];
	char msg[128];
	int m = snprintf(msg, sizeof msg, "glow-setup.%.*s", (int)n, expiry_nonce);

	glow_hmac_sha256(key, keylen, msg, (size_t)m, mac);
	glow_hex(hex, mac, sizeof mac);
}

int
glow_webhook_state_make(char out[128], const struct glow_webhook_secrets *s,
    long long now, long ttl)
{
	unsigned char nonce[16];
	char nhex[33], mac[2 * GLOW_SHA256_LEN + 1];
	int n;

	if (s->n < 1 || glow_random(nonce, sizeof nonce) < 0)
		return -1;
	glow_hex(nhex, nonce, sizeof nonce);
	n = snprintf(out, 128, "%lld.%s", now + ttl, nhex);
	state_mac(mac, s->p[0], s->len[0], out, (size_t)n);
	snprintf(out + n, 128 - (size_t)n, ".%s", mac);
	return 0;
}

int
glow_webhook_state_ok(const char *state,
    const struct glow_webhook_secrets *s, long long now)
{
	char mac[2 * GLOW_SHA256_LEN + 1];
	const char *dot1 = strchr(state, '.'), *dot2;
	long long expiry;
	char *end;
	int k, ok = 0;

	if (!dot1 || !(dot2 = strchr(dot1 + 1, '.')) || dot2 - dot1 - 1 != 32 ||
	    strlen(dot2 + 1) != 2 * GLOW_SHA256_LEN)
		return 0;
	errno = 0;
	expiry = strtoll(state, &end, 10);
	if (errno || end != dot1 || expiry < now)
		return 0;
	for (k = 0; k < s->n; k++) {
		state_mac(mac, s->p[k], s->len[k], state, (size_t)(dot2 - state));
		ok |= glow_ct_equal(mac, dot2 + 1, 2 * GLOW_SHA256_LEN);
	}
	return ok;
}

/* Forms ---------------------------------------------------------------- */

/* Envelopes ------------------------------------------------------------ */

void
glow_webhook_iso8601(char dst[21], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
	glow_jw_value_or_null(&w, doc,
	    glow_json_get_as(doc, 0, "action", GLOW_JSON_STRING));
	glow_jw_key(&w, "delivery_id");
	glow_jw_str(&w, delivery);
	glow_jw_key(&w, "hook_id");
	v = hook_id ? parse_length(hook_id, strlen(hook_id)) : -1;
	if (v >= 0)
		glow_jw_int(&w, v);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "installation_id");
	inst = glow_json_get_as(doc, 0, "installation", GLOW_JSON_OBJECT);
	id = inst >= 0 ? glow_json_get(doc, inst, "id") : -1;
	if (id >= 0 && glow_json_int(doc, id, &v) == 0)
		glow_jw_int(&w, v);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "repository");
	repo = glow_json_get_as(doc, 0, "repository", GLOW_JSON_OBJECT);
	glow_jw_value_or_null(&w, doc,
	    glow_json_get_as(doc, repo, "full_name", GLOW_JSON_STRING));
	glow_jw_key(&w, "sender");
	if ((sender = glow_json_get_as(doc, 0, "sender", GLOW_JSON_OBJECT)) >= 0) {
		glow_jw_object(&w);
		glow_jw_key(&w, "login");
		glow_jw_value_or_null(&w, doc,
		    glow_json_get_as(doc, sender, "login", GLOW_JSON_STRING));
		glow_jw_key(&w, "type");
		glow_jw_value_or_null(&w, doc,
		    glow_json_get_as(doc, sender, "type", GLOW_JSON_STRING));
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


