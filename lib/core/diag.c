/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/isotime.h"

const char *glow_progname = "glow";

void
glow_setprogname(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	glow_progname = slash ? slash + 1 : argv0;
}

static void
vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	flockfile(stderr);
	fprintf(stderr, "%s: ", glow_progname);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
glow_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
glow_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
glow_trace(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", glow_progname, line);
}

long
glow_optnum(const char *s, long lo, long hi, int opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		glow_die(GLOW_EXIT_ERR, "bad -%c '%s': want %ld to %ld", opt, s,
		    lo, hi);
	return v;
}

void
glow_version(void)
{
	printf("%s %s\n", glow_progname, GLOW_VERSION);
}

void
glow_usage(const char *text, int status)
{
	fputs(text, status ? stderr : stdout);
	exit(status);
}

void
glow_help(int argc, char **argv, const char *text)
{
	int k;

	for (k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strcmp(argv[k], "--help") == 0)
			glow_usage(text, 0);
}

int
glow_getopt(int argc, char **argv, const char *opts, const char *usage)
{
	char spec[64];
	int ch, stop = *opts == '+';

	/* "+" (stop at the first operand) must come before ':' */
	if (snprintf(spec, sizeof spec, "%s:%sh", stop ? "+" : "",
	    opts + stop) >= (int)sizeof spec)
		abort();        /* a programming error: opts is a literal */
	switch ((ch = getopt(argc, argv, spec))) {
	case 'h':
		glow_usage(usage, GLOW_EXIT_OK);
	case ':':
		glow_warn("option '-%c' needs a value", optopt);
		glow_usage(usage, GLOW_EXIT_ERR);
	case '?':
		glow_warn("unknown option '-%c'", optopt);
		glow_usage(usage, GLOW_EXIT_ERR);
	}
	return ch;
}

int
glow_cmd_main(int argc, char **argv, const char *usage,
    const struct glow_cmd *cmds, size_t ncmds)
{
	size_t c;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage);
	glow_check_now();
	if (glow_getopt(argc, argv, "+V", usage) == 'V') {
		glow_version();
		return GLOW_EXIT_OK;
	}
	if (optind >= argc) {
		glow_warn("no command");
		glow_usage(usage, GLOW_EXIT_ERR);
	}
	for (c = 0; c < ncmds; c++)
		if (strcmp(argv[optind], cmds[c].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 1;
			return cmds[c].run(argc, argv);
		}
	glow_warn("unknown command '%s'", argv[optind]);
	glow_usage(usage, GLOW_EXIT_ERR);
}

void
glow_out(const struct glow_buf *b)
{
	if (b->failed)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
	if (glow_write_all(STDOUT_FILENO, b->p, b->len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
}

void
glow_step_summary(const struct glow_buf *md)
{
	const char *a = getenv("GITHUB_ACTIONS"), *f = getenv("GITHUB_STEP_SUMMARY");
	struct glow_buf b = GLOW_BUF_INIT;

	if (!a || strcmp(a, "true") != 0 || !f || !*f)
		return;
	glow_buf_add(&b, md->p, md->len);
	glow_buf_addc(&b, '\n');
	if (md->failed || b.failed ||
	    glow_append_durable(f, b.p, b.len, 0644) < 0)
		glow_warn("cannot write the step summary '%s':", f);
	glow_buf_free(&b);
}

void
glow_warn_lines(const char *what, const char *name, const char *text,
    size_t len)
{
	struct glow_buf b = GLOW_BUF_INIT;
	const char *p = text ? text : "", *end = p + (text ? len : 0), *nl;

	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		glow_buf_printf(&b, "%s: %s '%s': %.*s\n", glow_progname, what,
		    name, (int)(nl - p), p);
	}
	fflush(stdout);
	if (b.p)
		(void)glow_write_all(STDERR_FILENO, b.p, b.len);
	glow_buf_free(&b);
}

void
glow_check_now(void)
{
	char now[GLOW_TIME_LEN];

	if (glow_now(now, NULL) < 0)
		glow_die(GLOW_EXIT_ERR, "bad GLOW_NOW '%s': not an ISO-8601 UTC "
		    "time", getenv("GLOW_NOW"));
}
