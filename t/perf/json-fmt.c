/* SPDX-License-Identifier: ISC */
/*
 * json-fmt: the benchmark driver of t/perf/json.sh, not a glow program.
 * Reads a JSON file, parses it with lib/core/json.c and prints it indented by 2
 * (as `jq .` does); with -n it only parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int
main(int argc, char **argv)
{
	struct glow_buf in = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_jw w;
	char chunk[1 << 16];
	size_t n;
	int parse_only = argc > 1 && strcmp(argv[1], "-n") == 0;
	FILE *f;

	if (argc != 2 + parse_only) {
		fprintf(stderr, "usage: json-fmt [-n] file\n");
		return 2;
	}
	if (!(f = fopen(argv[1 + parse_only], "rb"))) {
		perror(argv[1 + parse_only]);
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		glow_buf_add(&in, chunk, n);
	fclose(f);
	if (in.failed) {
		fprintf(stderr, "json-fmt: out of memory\n");
		return 2;
	}
	if (glow_json_parse(&doc, in.p, in.len, &err) != 0) {
		fprintf(stderr, "json-fmt: %s: offset %zu: %s\n",
		    argv[1 + parse_only], err.offset, err.reason);
		return 1;
	}
	if (parse_only)
		return 0;
	glow_jw_init(&w, &out, 2);
	glow_jw_value(&w, &doc, 0);
	glow_buf_addc(&out, '\n');
	if (out.failed || fwrite(out.p, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "json-fmt: write failed\n");
		return 2;
	}
	glow_json_free(&doc);
	glow_buf_free(&in);
	glow_buf_free(&out);
	return 0;
}
