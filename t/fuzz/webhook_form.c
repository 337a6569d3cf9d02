/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for glow-webhook's form decoder (glow_form_decode,
 * glow_form_payload).  Checks, beyond not crashing: a decoded value is the
 * input less two bytes per %XX; encoding it again and decoding gives it
 * back; payload extraction answers 0, 1 or -1 and never grows the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/webhook.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glow_buf out = GLOW_BUF_INIT, enc = GLOW_BUF_INIT,
	    back = GLOW_BUF_INIT;
	const char *s = (const char *)data;
	size_t i, pct = 0;
	int rc;

	for (i = 0; i < size; i++)
		pct += s[i] == '%';
	if (glow_form_decode(s, size, &out) == 0) {
		check(out.len == size - 2 * pct);
		for (i = 0; i < out.len; i++) {
			unsigned char c = (unsigned char)out.p[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
				glow_buf_addc(&enc, (char)c);
			else if (c == ' ')
				glow_buf_addc(&enc, '+');
			else
				glow_buf_printf(&enc, "%%%02X", c);
		}
		check(glow_form_decode(enc.p ? enc.p : "", enc.len, &back) == 0);
		check(back.len == out.len &&
		    (out.len == 0 || memcmp(back.p, out.p, out.len) == 0));
	}
	glow_buf_reset(&out);
	rc = glow_form_payload(s, size, &out);
	check(rc == -1 || rc == 0 || rc == 1);
	if (rc == 0)
		check(out.len <= size);
	glow_buf_free(&out);
	glow_buf_free(&enc);
	glow_buf_free(&back);
	return 0;
}
