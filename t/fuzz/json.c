/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for lib/core/json.c (make fuzz; build/fuzz/json).  Every
 * input either fails with a reason and an offset inside it, or parses; a
 * parsed document is walked through every accessor, and written compact and
 * indented: each output must parse again and write again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
walk(const struct glow_json *doc)
{
	struct glow_buf b = GLOW_BUF_INIT;
	long long v;
	char *s;
	long n;
	int i, k, count;

	for (i = 0; i < doc->ntok; i++) {
		switch (glow_json_type(doc, i)) {
		case GLOW_JSON_STRING:
			glow_buf_reset(&b);
			n = glow_json_string(doc, i, &b);
			check(n >= 0 && (size_t)n == b.len);
			s = glow_json_strdup(doc, i);
			check(!s == !!memchr(b.p, '\0', b.len));
			if (s) {
				check(glow_json_streq(doc, i, s));
				free(s);
			}
			break;
		case GLOW_JSON_NUMBER:
			glow_json_int(doc, i, &v);
			break;
		case GLOW_JSON_OBJECT:
		case GLOW_JSON_ARRAY:
			count = 0;
			for (k = glow_json_first(doc, i); k >= 0;
			    k = glow_json_next(doc, k)) {
				check(k > i && k < doc->ntok);
				if (glow_json_type(doc, i) == GLOW_JSON_OBJECT) {
					check(glow_json_type(doc, k) ==
					    GLOW_JSON_STRING);
					s = glow_json_strdup(doc, k);
					if (s)
						check(glow_json_get(doc, i, s) > k);
					free(s);
				} else {
					check(glow_json_at(doc, i, count) == k);
				}
				count++;
			}
			check(count == glow_json_size(doc, i));
			break;
		case GLOW_JSON_NONE:
			abort();
		default:
			break;
		}
	}
	glow_buf_free(&b);
}

static void
rewrite(const struct glow_json *doc, int indent)
{
	struct glow_buf b1 = GLOW_BUF_INIT, b2 = GLOW_BUF_INIT;
	struct glow_json doc2;
	struct glow_json_error err;
	struct glow_jw w;

	glow_jw_init(&w, &b1, indent);
	glow_jw_value(&w, doc, 0);
	check(!b1.failed && w.depth == 0);
	check(glow_json_parse(&doc2, b1.p, b1.len, &err) == 0);
	check(doc2.ntok == doc->ntok);
	glow_jw_init(&w, &b2, indent);
	glow_jw_value(&w, &doc2, 0);
	check(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
	glow_json_free(&doc2);
	glow_buf_free(&b1);
	glow_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glow_json doc;
	struct glow_json_error err;

	err.reason = NULL;
	if (glow_json_parse(&doc, (const char *)data, size, &err) != 0) {
		check(err.reason && err.offset <= size);
		check(strncmp(err.reason, "internal", 8) != 0);
		check(doc.tok == NULL);
		return 0;
	}
	walk(&doc);
	rewrite(&doc, 0);
	rewrite(&doc, 2);
	glow_json_free(&doc);
	return 0;
}
