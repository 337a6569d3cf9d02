/* SPDX-License-Identifier: ISC */
/*
 * t/perf/trigger-bench.c: the driver of t/perf/trigger.sh.  Loads a rules
 * file and evaluates one envelope against every rule COUNT times, parsing
 * the envelope anew each pass (as glow-trigger does for each envelope),
 * with lib/events/rules.c, the code glow-trigger runs; prints one line of
 * figures.  A pull request's files are taken as listed (no network).
 *
 *   trigger-bench COUNT RULES ENVELOPE
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/fsio.h"
#include "core/json.h"
#include "events/rules.h"
#include "github/github.h"

int
main(int argc, char **argv)
{
	struct glow_buf rt = GLOW_BUF_INIT, text = GLOW_BUF_INIT;
	struct glow_rules rules;
	struct glow_rules_error re;
	struct glow_json doc;
	struct glow_event ev;
	const char *why;
	double t0, secs;
	long i, count;
	size_t j, hits = 0;

	if (argc != 4 || (count = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: trigger-bench COUNT RULES ENVELOPE\n");
		return 2;
	}
	if (glow_read_file(argv[2], &rt, 16 << 20) < 0 ||
	    glow_rules_load(&rules, rt.p ? rt.p : "", rt.len, &re) < 0 ||
	    glow_read_file(argv[3], &text, (size_t)32 << 20) < 0) {
		fprintf(stderr, "trigger-bench: cannot load the rules or the envelope\n");
		return 2;
	}
	t0 = glow_gh_clock();
	for (i = 0; i < count; i++) {
		if (glow_json_parse(&doc, text.p ? text.p : "", text.len, NULL) < 0 ||
		    glow_event_load(&ev, &doc, &why) < 0) {
			fprintf(stderr, "trigger-bench: invalid envelope\n");
			return 2;
		}
		if (ev.files == GLOW_FILES_PENDING)
			ev.files = GLOW_FILES_LIST;
		for (j = 0; j < rules.n; j++)
			hits += glow_rule_match(&rules.v[j], &ev, NULL) == GLOW_RULE_YES;
		glow_event_free(&ev);
		glow_json_free(&doc);
	}
	secs = glow_gh_clock() - t0;
	printf("envelopes %ld rules %zu evaluations %ld matched %zu seconds %.3f "
	    "evaluations_per_second %.0f\n", count, rules.n, count * (long)rules.n,
	    hits, secs, secs > 0 ? (double)count * (double)rules.n / secs : 0.0);
	return 0;
}
