/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for lib/events/rules.c, cond.c and glob.c (make fuzz;
 * build/fuzz/trigger_rules).  The input is a rules file: it loads, or
 * fails with a reason, an offset inside the input and (for a rule) an
 * index.  A loaded file's rules are matched against a few fixed
 * envelopes, with and without the reasons; the answers must agree, and a
 * rule that asks for files must decide once they are given.  Every
 * pattern of a loaded rule is also matched against the input itself.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/rules.h"

static const char *const envelopes[] = {
	"{\"event\":\"push\",\"action\":null,\"delivery_id\":\"d\",\"repository\":\"o/r\","
	"\"sender\":{\"login\":\"a\",\"type\":\"User\"},\"payload\":{\"ref\":\"refs/heads/main\","
	"\"commits\":[{\"added\":[\"docs/a.md\",\"src/b.c\"],\"removed\":[\"x\"]}]}}",
	"{\"event\":\"push\",\"payload\":{\"ref\":\"refs/tags/v1.2\",\"commits\":[]}}",
	"{\"event\":\"pull_request\",\"action\":\"opened\",\"repository\":\"o/r\","
	"\"sender\":{\"login\":\"b[bot]\",\"type\":\"Bot\"},\"payload\":{\"number\":3,"
	"\"pull_request\":{\"number\":3,\"user\":{\"login\":\"Alice\"},\"base\":{\"ref\":\"release/1\"},"
	"\"labels\":[{\"name\":\"Bug\"}]}}}",
	"{\"event\":\"issues\",\"action\":\"labeled\",\"repository\":\"o/r\",\"payload\":"
	"{\"issue\":{\"user\":{\"login\":\"carol\"},\"labels\":[{\"name\":\"docs\"}]}}}",
};

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
globs(const struct glow_globlist *l, const char *s, size_t n)
{
	size_t i;
	int which;

	for (i = 0; i < l->n; i++)
		glow_glob_match(&l->v[i], s, n);
	check(glow_glob_list_match(l->v, l->n, s, n, &which) <= 1);
	check(which >= -1 && which < (int)l->n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glow_rules rs;
	struct glow_rules_error e;
	struct glow_json doc;
	struct glow_event ev;
	struct glow_buf why = GLOW_BUF_INIT;
	const char *w;
	size_t i, k;
	int a, b;

	if (glow_rules_load(&rs, (const char *)data, size, &e) < 0) {
		check(errno == EINVAL || errno == ENOMEM);
		if (errno == EINVAL)
			check(e.reason[0] && e.offset <= size && e.index >= 0);
		return 0;
	}
	for (k = 0; k < sizeof envelopes / sizeof *envelopes; k++) {
		if (glow_json_parse(&doc, envelopes[k], strlen(envelopes[k]), NULL) < 0)
			abort();
		check(glow_event_load(&ev, &doc, &w) == 0);
		for (i = 0; i < rs.n; i++) {
			glow_buf_reset(&why);
			a = glow_rule_match(&rs.v[i], &ev, NULL);
			b = glow_rule_match(&rs.v[i], &ev, &why);
			check(a == b && why.len > 0);
			if (a == GLOW_RULE_FILES) {
				check(ev.files == GLOW_FILES_PENDING);
				ev.files = GLOW_FILES_LIST;
				glow_event_add_file(&ev, "docs/x.md", 9);
				check(glow_rule_match(&rs.v[i], &ev, NULL) != GLOW_RULE_FILES);
				ev.files = GLOW_FILES_PENDING;
			}
		}
		glow_event_free(&ev);
		glow_json_free(&doc);
	}
	for (i = 0; i < rs.n; i++) {
		check(rs.v[i].id && rs.v[i].run && rs.v[i].timeout >= 1);
		check(!(rs.v[i].branches.n && rs.v[i].branches.ignore > 1));
		globs(&rs.v[i].repository, (const char *)data, size);
		globs(&rs.v[i].branches, (const char *)data, size);
		globs(&rs.v[i].tags, (const char *)data, size);
		globs(&rs.v[i].paths, (const char *)data, size);
	}
	glow_rules_free(&rs);
	glow_buf_free(&why);
	return 0;
}
