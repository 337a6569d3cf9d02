/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the raw HTTP request head parser of glow-webhook
 * -r (glow_webhook_parse_head).  Checks, beyond not crashing: a complete
 * head is no longer than the input and no prefix of it is complete; a
 * refusal says why; every field is a NUL-terminated string in its array;
 * and the later steps (media type, delivery ID) take what it gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/webhook.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

#define TERMINATED(f) check(memchr((f), '\0', sizeof (f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glow_webhook_req req, again;
	const char *buf = (const char *)data;
	long n, m;

	n = glow_webhook_parse_head(&req, buf, size);
	check(n >= -1 && n <= (long)size);
	TERMINATED(req.method);
	TERMINATED(req.path);
	TERMINATED(req.content_type);
	TERMINATED(req.event);
	TERMINATED(req.delivery);
	TERMINATED(req.signature);
	TERMINATED(req.hook_id);
	TERMINATED(req.target_id);
	TERMINATED(req.target_type);
	if (n < 0) {
		check(req.bad != NULL);
		return 0;
	}
	if (n == 0) {
		check(size < GLOW_WEBHOOK_MAX_HEAD);
		return 0;
	}
	check(req.bad == NULL);
	check(req.method[0] != '\0');
	check(req.path[0] == '\0' || req.path[0] == '/' || req.path[0] == '*');
	check(req.content_length >= -1);
	check(buf[n - 1] == '\n');
	/* One byte less is never a complete head. */
	m = glow_webhook_parse_head(&again, buf, (size_t)n - 1);
	check(m == 0 || m == -1);
	/* The same input parses the same way. */
	check(glow_webhook_parse_head(&again, buf, size) == n);
	check(memcmp(&again.delivery, &req.delivery, sizeof req.delivery) == 0);
	(void)glow_webhook_media(req.content_type);
	if (glow_webhook_delivery_ok(req.delivery))
		check(strchr(req.delivery, '/') == NULL && req.delivery[0] != '.');
	return 0;
}
