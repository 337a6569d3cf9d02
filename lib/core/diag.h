/* SPDX-License-Identifier: ISC */
/*
 * diag.h: the toolkit's one diagnostics shape and exit-status table.
 *
 * Only programs (bin/) print.  Every message is one line on stderr:
 *
 *     glow-NAME: what failed 'object': reason
 *
 * As in sbase's eprintf, a format ending in ':' gets ": strerror(errno)"
 * appended.  A message is written whole, so the lines of threads (as in
 * glow-webhook's FastCGI responder) never interleave.  The exit-status
 * table is documented in glow(7) and tested.
 */
#ifndef GLOW_DIAG_H
#define GLOW_DIAG_H

enum {
	GLOW_EXIT_OK = 0,       /* success */
	GLOW_EXIT_NO = 1,       /* a negative answer or partial failure */
	GLOW_EXIT_ERR = 2       /* usage or operational error */
};

extern const char *glow_progname;

/* Set glow_progname from argv[0] (its last path component). */
void glow_setprogname(const char *argv0);
void glow_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void glow_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/*
 * Print line as it is, as one diagnostic ("glow-NAME: line"; no errno
 * appended).  Its shape is a trace callback's (struct glow_gh's trace, for
 * a program's -v); arg is not used.
 */
void glow_trace(void *arg, const char *line);
/*
 * The number s given to option -opt, from lo to hi; anything else dies
 * with "bad -opt 's': want lo to hi".
 */
long glow_optnum(const char *s, long lo, long hi, int opt);
/* Print "-V" output: "glow-NAME VERSION". */
void glow_version(void);

/* GLOW_NOW, when set, must be an ISO-8601 UTC time (core/isotime.h):
 * else the program ends, "bad GLOW_NOW 'V': not an ISO-8601 UTC time"
 * (exit 2).  Every program that records or compares times calls it
 * first, so that GLOW_NOW means the same everywhere. */
void glow_check_now(void);

/* Each line of text as "glow-NAME: what 'name': line", in one write to
 * standard error (so lines from several processes never interleave). */
void glow_warn_lines(const char *what, const char *name, const char *text,
    size_t len);

/*
 * A program's usage: text is its synopsis, a blank line, and one line per
 * option.  Status 0 (-h, --help) prints it on standard output, any other
 * (a usage error) on standard error; then exit(status).
 */
void glow_usage(const char *text, int status) __attribute__((noreturn));
/* --help among the arguments before "--": glow_usage(text, 0).  Called
 * before getopt(3), which would take it for an unknown option. */
void glow_help(int argc, char **argv, const char *text);

/*
 * getopt(3) for every program and subcommand: opts as getopt's, without
 * 'h' or a leading ':'.  -h prints the usage (exit 0); a missing value or
 * an unknown option is a usage error ("option '-x' needs a value",
 * "unknown option '-x'", exit 2).  Returns the option, or -1 at the end
 * (argv + optind: the operands).
 */
int glow_getopt(int argc, char **argv, const char *opts, const char *usage);

/*
 * A program of subcommands, as git's builtins: each is a function given
 * the arguments from its own name on, with optind reset, and parses its
 * own options (glow_getopt), so a letter means one thing per subcommand.
 */
struct glow_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
};
/* main() of such a program: --help and -h (usage, 0), -V (version, 0),
 * then the subcommand argv[1] (none or an unknown one: usage, 2).
 * Returns the subcommand's exit status. */
int glow_cmd_main(int argc, char **argv, const char *usage,
    const struct glow_cmd *cmds, size_t ncmds);

struct glow_buf;
/* b on standard output, whole: out of memory (b->failed) or a failed
 * write ends the program ("cannot write 'stdout'", exit 2). */
void glow_out(const struct glow_buf *b);
/* In GitHub Actions (GITHUB_ACTIONS=true, GITHUB_STEP_SUMMARY set), append
 * md and a newline to the job's step summary; a failure is a warning,
 * never an error.  Elsewhere nothing. */
void glow_step_summary(const struct glow_buf *md);

#endif
