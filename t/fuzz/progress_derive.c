/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for glow-progress derive: any bytes as a snapshot line.
 * Checks, beyond not crashing: the output line is valid JSON, challenges
 * are ascending and unique, the status follows from the deciding rule,
 * and the text scanners agree with themselves on the raw bytes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -DJSMN_STATIC \
 *       -DJSMN_STRICT -DJSMN_PARENT_LINKS t/fuzz/progress_derive.c \
 *       lib/progress/progress.c lib/core/json.c lib/core/buf.c lib/core/secret.c lib/core/fsio.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "progress/progress.h"

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
	const char *text = (const char *)data, *why;
	struct glow_json doc, back;
	struct glow_json_error err;
	struct glow_progress p;
	struct glow_buf out = GLOW_BUF_INIT;
	struct glow_jw w;
	long refs[8];
	size_t k, n;

	/* The scanners take any bytes. */
	(void)glow_progress_has_token(text, size, "ack");
	(void)glow_progress_has_token(text, size, "day1-complete");
	check(glow_progress_challenge(text, size) <= 999999999L);
	n = glow_progress_closing_refs(text, size, refs, 8);
	for (k = 0; k < n && k < 8; k++)
		check(refs[k] >= 0 && refs[k] <= 999999999L);
	if (glow_progress_is_timestamp(text, size))
		check(size >= 20 && size <= 39);

	if (glow_json_parse(&doc, text, size, &err) < 0)
		return 0;
	if (glow_progress_derive(&doc, 0, &p, &why) == 0) {
		check(why == NULL && p.key != NULL);
		for (k = 1; k < p.nchallenges; k++)
			check(p.challenges[k - 1] < p.challenges[k]);
		check((p.rule == 0) == (p.signals == 0));
		check(p.rule == 0 || (p.rule & p.signals) == p.rule);
		check(p.rule == 0 || ((p.rule - 1) & p.signals) == 0);
		check(p.status != GLOW_PROGRESS_AWAITING_ACK || p.signals == 0);
		check((p.status == GLOW_PROGRESS_NEEDS_INFO) ==
		    !!(p.signals & GLOW_SIG_NEEDS_INFO_LABEL));
		check(!(p.signals & GLOW_SIG_CHALLENGE) == !p.nchallenges);
		if (p.last_signal_at[0])
			check(glow_progress_is_timestamp(p.last_signal_at,
			    strlen(p.last_signal_at)));
		glow_jw_init(&w, &out, 0);
		glow_progress_write(&w, &p);
		check(!out.failed);
		check(glow_json_parse(&back, out.p, out.len, &err) == 0);
		glow_json_free(&back);
	} else
		check(why != NULL);
	glow_progress_free(&p);
	glow_buf_free(&out);
	glow_json_free(&doc);
	return 0;
}
