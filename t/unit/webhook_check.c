/* SPDX-License-Identifier: ISC */
/* Unit tests for the checks of a webhook delivery's head, the metrics
 * text (lib/events/webhook.c), and the shared form unescaping (lib/web/cgi.c). */
#include <string.h>

#include "events/webhook.h"
#include "web/cgi.h"
#include "web/form.h"
#include "tap.h"

static void
good(struct glow_webhook_req *r)
{
	glow_webhook_req_init(r);
	strcpy(r->method, "POST");
	strcpy(r->event, "push");
	strcpy(r->delivery, "abc-123");
	strcpy(r->signature, "sha256=00");
	strcpy(r->content_type, "application/json");
	r->content_length = 2;
}

static void
test_check(void)
{
	struct glow_webhook_req r;
	struct glow_webhook_refusal no;

	good(&r);
	is_int(glow_webhook_check(&r, &no), 0, "a good head passes");
	strcpy(r.method, "GET");
	is_int(glow_webhook_check(&r, &no), 405, "GET: 405");
	is_str(no.extra, "Allow: POST", "with Allow");
	is_str(no.reason, "method", "counted as method");
	good(&r);
	r.delivery[0] = '\0';
	is_int(glow_webhook_check(&r, &no), 400, "no delivery: 400");
	is_str(no.why, "missing X-GitHub-Delivery header", "said so");
	good(&r);
	strcpy(r.event, "Push");
	glow_webhook_check(&r, &no);
	is_str(no.why, "bad X-GitHub-Event header", "an event in capitals");
	good(&r);
	r.signature[0] = '\0';
	r.has_sha1 = 1;
	is_int(glow_webhook_check(&r, &no), 401, "SHA-1 only: 401");
	good(&r);
	strcpy(r.content_type, "text/plain");
	is_int(glow_webhook_check(&r, &no), 415, "text/plain: 415");
	good(&r);
	r.chunked = 1;
	is_int(glow_webhook_check(&r, &no), 411, "chunked: 411");
	good(&r);
	r.content_length = (long long)GLOW_WEBHOOK_MAX_BODY + 1;
	is_int(glow_webhook_check(&r, &no), 413, "over 25 MB: 413");
	is_str(no.reason, "too_large", "counted as too_large");
	good(&r);
	r.bad = "incomplete request head";
	strcpy(r.method, "GET");
	is_int(glow_webhook_check(&r, &no), 400, "a malformed head first");
	is_str(no.reason, "malformed", "counted as malformed");
}

static void
test_metrics(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	const char text[] = "glow_webhook_accepted_total 4\n"
	    "glow_webhook_rejected_total{reason=\"json\"} 2\n";

	glow_webhook_metrics(text, sizeof text - 1, &b);
	ok(strstr(b.p, "# TYPE glow_webhook_accepted_total counter\n"
	    "glow_webhook_accepted_total 4\n") != NULL, "a counter");
	ok(strstr(b.p, "glow_webhook_rejected_total{reason=\"json\"} 2\n"
	    "# HELP") != NULL, "a labelled counter");
	ok(strstr(b.p, "glow_webhook_failed_total{reason=\"spool\"} 0\n") !=
	    NULL, "an absent one is 0");
	glow_buf_free(&b);
}

static void
test_unescape(void)
{
	char d[32];

	is_int(glow_form_unescape(d, "a+b%2Fc%2f", 10), 6, "decoded length");
	is_mem(d, 6, "a b/c/", 6, "'+' and %XX in either case");
	is_int(glow_form_unescape(d, "a%2", 3), -1, "a cut escape");
	is_int(glow_form_unescape(d, "%zz", 3), -1, "not hex");
	is_int(glow_form_unescape(d, "", 0), 0, "empty");
}

int
main(void)
{
	test_check();
	test_metrics();
	test_unescape();
	return done_testing();
}
