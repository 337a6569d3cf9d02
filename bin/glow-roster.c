/* SPDX-License-Identifier: ISC */
/*
 * glow-roster: the roster of record.  See glow-roster(1) and (5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/isotime.h"
#include "core/json.h"
#include "roster/intake.h"
#include "roster/roster.h"
#include "roster/roster_load.h"
#include "roster/rosterselect.h"
#include "roster/rosterstats.h"

#define MAXIN ((size_t)1 << 30)

static const char *now;         /* GLOW_NOW, or NULL for the clock */
static const char *rname = "-"; /* the roster's name in diagnostics */

static const char usage_text[] =
	"usage: glow-roster validate [-f file | file]\n"
	"       glow-roster fmt [-f file | file]\n"
	"       glow-roster add [-f file] [learners.json]\n"
	"       glow-roster intake [-f file] [-c cohort] [-R report] [issues.json]\n"
	"       glow-roster select [-r] [-s states] [-S statuses] [-c cohort]\n"
	"                          [-k key] [-f file | file]\n"
	"       glow-roster set [-u] [-f file] -k key field=value|field:=json ...\n"
	"       glow-roster redact [-f file | file]\n"
	"       glow-roster stats [-t] [-f file | file]\n"
	"       glow-roster -h | --help | -V\n"
	"\n"
	"  -c cohort     intake: the cohort of a form that names none; select: that cohort\n"
	"  -f file       the roster of record\n"
	"  -h, --help    print this usage and exit\n"
	"  -k key        the learner, handle@@cohort\n"
	"  -R report     intake: write the report here\n"
	"  -r            select: the redacted view\n"
	"  -S statuses   select: these statuses, comma-separated\n"
	"  -s states     select: these provision states, comma-separated\n"
	"  -t            stats: a table instead of JSON\n"
	"  -u            set: create the learner if missing\n"
	"  -V            print the version and exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

/* The roster (a view of it) to stdout, streamed. */
static void
out_fd(struct glow_roster *r, int view, const unsigned char *keep)
{
	if (glow_roster_write_fd(r, STDOUT_FILENO, view, keep, now) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
}

static void
read_all(const char *path, struct glow_buf *b)
{
	if (glow_read_file(path, b, MAXIN) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", path);
	if (!b->p)
		glow_buf_adds(b, "");
	if (b->failed)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s': out of memory", path);
}

/* The roster a reading command takes: -f FILE, an operand, or stdin. */
static const char *
roster_operand(const char *file, int argc, char **argv)
{
	if (argc > 1 || (argc == 1 && file))
		usage(GLOW_EXIT_ERR);
	return file ? file : argc ? argv[0] : "-";
}

/* Every problem of the roster, one line each. */
static void
print_problems(const char *what, const struct glow_roster *r)
{
	glow_roster_warn_problems(r, what, rname);
}

/* Load a roster for reading; an invalid one ends the program (1). */
static void
load(const char *path, struct glow_buf *text, struct glow_roster *r)
{
	rname = path;
	glow_roster_open(path, text, r);
}

/*
 * Run an edit: in place under the lock with -f, else stdin to stdout.
 * fn prints its own diagnostics; *status is the exit status it asks for.
 */
static int
edit(const char *file, int flags, glow_roster_edit_fn *fn, void *arg)
{
	struct glow_roster r;
	struct glow_roster_status st;
	struct glow_buf text = GLOW_BUF_INIT;

	if (!file) {
		load("-", &text, &r);
		if (fn && fn(&r, arg) < 0)
			exit(GLOW_EXIT_NO);
		if (glow_roster_validate(&r)) {
			print_problems("the edit would make the roster invalid", &r);
			exit(GLOW_EXIT_NO);
		}
		out_fd(&r, GLOW_ROSTER_CANONICAL, NULL);
		glow_buf_free(&text);
		glow_roster_free(&r);
		return 0;
	}
	rname = file;
	glow_roster_edit(file, flags, fn, arg, now, &r, &st);
	switch (st.stage) {
	case GLOW_ROSTER_OK:
		break;
	case GLOW_ROSTER_ELOCK:
		errno = st.errnum;
		glow_die(GLOW_EXIT_ERR, "cannot lock '%s':", file);
	case GLOW_ROSTER_EREAD:
		errno = st.errnum;
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", file);
	case GLOW_ROSTER_EPARSE:
		glow_die(GLOW_EXIT_NO, "invalid roster '%s': line %zu, column %zu: %s",
		    file, st.line, st.column, st.jerr.reason);
	case GLOW_ROSTER_EINVALID:
		print_problems("invalid roster", &r);
		exit(GLOW_EXIT_NO);
	case GLOW_ROSTER_ECALLBACK:
		exit(GLOW_EXIT_NO);
	case GLOW_ROSTER_EAFTER:
		print_problems("the edit would make the roster invalid", &r);
		exit(GLOW_EXIT_NO);
	case GLOW_ROSTER_EWRITE:
		errno = st.errnum;
		glow_die(GLOW_EXIT_ERR, "cannot write '%s':", file);
	case GLOW_ROSTER_ENOMEM:
		glow_die(GLOW_EXIT_ERR, "cannot edit '%s': out of memory", file);
	}
	glow_roster_free(&r);
	return 0;
}

/* add */

struct add {
	const char *name;
	struct glow_json doc;
};

static int
add_fn(struct glow_roster *r, void *arg)
{
	struct add *a = arg;
	struct glow_buf why = GLOW_BUF_INIT, what = GLOW_BUF_INIT;
	int e, n = 0, rc, bad = 0;
	long i;

	e = glow_json_type(&a->doc, 0) == GLOW_JSON_ARRAY ?
	    glow_json_first(&a->doc, 0) : 0;
	for (; e >= 0; e = glow_json_type(&a->doc, 0) == GLOW_JSON_ARRAY ?
	    glow_json_next(&a->doc, e) : -1, n++) {
		glow_buf_reset(&what);
		glow_buf_printf(&what, "learner %d of the input", n);
		glow_buf_reset(&why);
		rc = glow_roster_upsert(r, &a->doc, e, 0, now, what.p, &why, &i);
		if (rc < 0 && errno == ENOMEM)
			glow_die(GLOW_EXIT_ERR, "cannot add '%s': out of memory", a->name);
		if (rc < 0) {
			glow_warn_lines("cannot add", a->name, why.p, why.len);
			bad = 1;
			continue;
		}
		if (rc == GLOW_ROSTER_ADDED &&
		    glow_roster_cohort_ensure_learner(r, (size_t)i) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot add '%s': out of memory", a->name);
	}
	glow_buf_free(&why);
	glow_buf_free(&what);
	return bad ? -1 : 0;    /* one bad learner: nothing is written */
}

static int
cmd_add(int argc, char **argv)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_json_error e;
	const char *file = NULL;
	struct add a;

	while (glow_getopt(argc, argv, "f:", usage_text) != -1)
		file = optarg;
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(GLOW_EXIT_ERR);
	a.name = argc ? argv[0] : "-";
	if (!file && strcmp(a.name, "-") == 0)
		glow_die(GLOW_EXIT_ERR, "add: the roster is on stdin: give the learners as a file");
	read_all(a.name, &text);
	if (glow_json_parse(&a.doc, text.p, text.len, &e) < 0)
		glow_die(GLOW_EXIT_NO, "cannot add '%s': byte %zu: %s", a.name,
		    e.offset, e.reason);
	if (glow_json_type(&a.doc, 0) != GLOW_JSON_OBJECT &&
	    glow_json_type(&a.doc, 0) != GLOW_JSON_ARRAY)
		glow_die(GLOW_EXIT_NO, "cannot add '%s': not a learner object or an array",
		    a.name);
	edit(file, GLOW_ROSTER_CREATE, add_fn, &a);
	glow_json_free(&a.doc);
	glow_buf_free(&text);
	return GLOW_EXIT_OK;
}

/* intake */

struct intake {
	const char *name;
	const char *cohort;
	struct glow_json doc;
	struct glow_intake_run run;
};

static int
intake_fn(struct glow_roster *r, void *arg)
{
	struct intake *in = arg;
	const struct glow_intake_bad *b;
	int rc = glow_intake_roster(r, &in->doc, in->cohort, now, &in->run);
	size_t k;

	for (k = 0; k < in->run.nbad; k++) {
		b = &in->run.bad[k];
		if (b->number > 0)
			glow_warn("cannot take in issue '#%lld': %s", b->number,
			    b->reason);
		else
			glow_warn("cannot take in issue '%zu of %s': %s", b->index,
			    in->name, b->reason);
	}
	if (rc < 0)
		glow_die(GLOW_EXIT_ERR, "cannot take in '%s': out of memory", in->name);
	return 0;
}

static int
cmd_intake(int argc, char **argv)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_json_error e;
	const char *file = NULL, *report = NULL;
	struct intake in;
	int ch, rc;

	memset(&in, 0, sizeof in);
	while ((ch = glow_getopt(argc, argv, "c:f:R:", usage_text)) != -1) {
		if (ch == 'c')
			in.cohort = optarg;
		else if (ch == 'f')
			file = optarg;
		else
			report = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(GLOW_EXIT_ERR);
	in.name = argc ? argv[0] : "-";
	if (!file && strcmp(in.name, "-") == 0)
		glow_die(GLOW_EXIT_ERR, "intake: the roster is on stdin: give the issues as a file");
	read_all(in.name, &text);
	if (glow_json_parse(&in.doc, text.p, text.len, &e) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot take in '%s': byte %zu: %s", in.name,
		    e.offset, e.reason);
	if (glow_json_type(&in.doc, 0) != GLOW_JSON_ARRAY)
		glow_die(GLOW_EXIT_ERR, "cannot take in '%s': not an array of issues",
		    in.name);
	edit(file, GLOW_ROSTER_CREATE, intake_fn, &in);
	if (report) {
		if (glow_write_atomic(report, in.run.report.p, in.run.report.len,
		    0644) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write '%s':", report);
	} else if (file) {
		glow_out(&in.run.report);
	}
	rc = in.run.nbad ? GLOW_EXIT_NO : GLOW_EXIT_OK;
	glow_intake_run_free(&in.run);
	glow_json_free(&in.doc);
	glow_buf_free(&text);
	return rc;
}

/* select */

/* Add the comma-separated values of s, each one of list, to mask. */
static void
enum_mask(unsigned *mask, const char *s, const char *const *list, const char *what)
{
	size_t off, n;

	if (glow_roster_enum_mask(mask, list, s, &off, &n) < 0)
		glow_die(GLOW_EXIT_ERR, "bad %s '%.*s': not a %s", what, (int)n,
		    s + off, what);
}

static void
norm_key(struct glow_buf *out, const char *k)
{
	if (glow_roster_key_parse(out, k) < 0)
		glow_die(GLOW_EXIT_ERR, "bad key '%s': not handle@@cohort", k);
}

static int
cmd_select(int argc, char **argv)
{
	struct glow_roster_filter f = GLOW_ROSTER_FILTER_INIT;
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT;
	const char *file = NULL;
	unsigned char *keep;
	size_t i;
	int ch, whole = 0;

	while ((ch = glow_getopt(argc, argv, "c:f:k:rs:S:", usage_text)) != -1) {
		switch (ch) {
		case 'c':
			if (glow_roster_filter_cohort(&f, optarg) < 0)
				glow_die(GLOW_EXIT_ERR, "out of memory");
			break;
		case 'f':
			file = optarg;
			break;
		case 'k':
			if (glow_roster_filter_key(&f, optarg) < 0 && errno == EINVAL)
				glow_die(GLOW_EXIT_ERR, "bad key '%s': not handle@@cohort",
				    optarg);
			else if (f.keys.failed)
				glow_die(GLOW_EXIT_ERR, "out of memory");
			break;
		case 'r':
			whole = 1;
			break;
		case 's':
			enum_mask(&f.states, optarg, glow_roster_states, "provision state");
			break;
		case 'S':
			enum_mask(&f.statuses, optarg, glow_roster_statuses, "status");
			break;
		}
	}
	load(roster_operand(file, argc - optind, argv + optind), &text, &r);
	glow_roster_sort(&r);
	if (!(keep = malloc(r.nlearner + 1)))
		glow_die(GLOW_EXIT_ERR, "cannot select: out of memory");
	for (i = 0; i < r.nlearner; i++)
		keep[i] = (unsigned char)glow_roster_filter_match(&r, i, &f, &scratch);
	out_fd(&r, whole ? GLOW_ROSTER_CANONICAL : GLOW_ROSTER_LEARNERS, keep);
	free(keep);
	glow_roster_filter_free(&f);
	glow_buf_free(&scratch);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

/* set */

struct set {
	const char *key;
	int unknown_ok;
	const char **field;     /* the assignments, split */
	const char **json;      /* each value as JSON text */
	size_t n;
	struct glow_buf vals;   /* holds the JSON texts */
};

static int
set_fn(struct glow_roster *r, void *arg)
{
	struct set *s = arg;
	struct glow_buf key = GLOW_BUF_INIT, why = GLOW_BUF_INIT;
	size_t k;
	long i;
	int rc;

	norm_key(&key, s->key);
	i = glow_roster_find(r, key.p, key.len);
	glow_buf_free(&key);
	if (i < 0) {
		glow_warn("cannot set '%s': no such learner", s->key);
		return -1;
	}
	for (k = 0; k < s->n; k++)
		if (glow_roster_field_lookup(s->field[k], strlen(s->field[k])) < 0 &&
		    !s->unknown_ok) {
			glow_warn("cannot set '%s': '%s' is not a roster field (-u sets others)",
			    s->key, s->field[k]);
			return -1;
		}
	rc = glow_roster_update(r, (size_t)i, s->field, s->json, s->n, &why);
	if (rc < 0 && errno == ENOMEM)
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	if (rc < 0)
		glow_warn_lines("cannot set", s->key, why.p ? why.p : "invalid value",
		    why.p ? why.len : strlen("invalid value"));
	glow_buf_free(&why);
	return rc < 0 ? -1 : 0;
}

/* Split field=value (a string) and field:=json assignments in place. */
static void
split_assignments(struct set *s, int argc, char **argv)
{
	size_t *off;
	int k;

	s->n = (size_t)argc;
	s->field = calloc(s->n, sizeof *s->field);
	s->json = calloc(s->n, sizeof *s->json);
	if (!s->field || !s->json || !(off = calloc(s->n, sizeof *off)))
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	for (k = 0; k < argc; k++) {
		char *a = argv[k], *eq = strchr(a, '=');
		int raw = eq > a && eq[-1] == ':';

		*eq = '\0';             /* checked in cmd_set */
		if (raw)
			eq[-1] = '\0';
		s->field[k] = a;
		off[k] = s->vals.len;
		if (raw)
			glow_buf_add(&s->vals, eq + 1, strlen(eq + 1) + 1);
		else {
			glow_json_quote(&s->vals, eq + 1, strlen(eq + 1));
			glow_buf_addc(&s->vals, '\0');
		}
	}
	if (s->vals.failed)
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	for (k = 0; k < argc; k++)
		s->json[k] = s->vals.p + off[k];
	free(off);
}

static int
cmd_set(int argc, char **argv)
{
	const char *file = NULL;
	struct set set, *s = &set;
	int ch, k;

	memset(s, 0, sizeof *s);
	while ((ch = glow_getopt(argc, argv, "f:k:u", usage_text)) != -1) {
		if (ch == 'f')
			file = optarg;
		else if (ch == 'k')
			s->key = optarg;
		else
			s->unknown_ok = 1;
	}
	argc -= optind;
	argv += optind;
	if (!s->key || argc < 1)
		usage(GLOW_EXIT_ERR);
	for (k = 0; k < argc; k++)
		if (!strchr(argv[k], '=') || argv[k][0] == '=' ||
		    (argv[k][0] == ':' && argv[k][1] == '='))
			glow_die(GLOW_EXIT_ERR, "bad assignment '%s': not field=value or field:=json",
			    argv[k]);
	split_assignments(s, argc, argv);
	edit(file, 0, set_fn, s);
	free(s->field);
	free(s->json);
	glow_buf_free(&s->vals);
	return GLOW_EXIT_OK;
}

/* validate, fmt, redact */

/* The -f FILE of a command that has no other option. */
static const char *
file_option(int argc, char **argv)
{
	const char *file = NULL;

	while (glow_getopt(argc, argv, "f:", usage_text) != -1)
		file = optarg;
	return file;
}

/* The roster in a view to stdout (the canonical one: fmt). */
static int
view(const char *path, int view)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT;

	load(path, &text, &r);  /* exits 1 with every problem */
	if (view >= 0)
		out_fd(&r, view, NULL);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

static int
cmd_validate(int argc, char **argv)
{
	const char *file = file_option(argc, argv);

	return view(roster_operand(file, argc - optind, argv + optind), -1);
}

static int
cmd_fmt(int argc, char **argv)
{
	const char *file = file_option(argc, argv);
	const char *path = roster_operand(file, argc - optind, argv + optind);

	if (file)
		return edit(file, 0, NULL, NULL);
	return view(path, GLOW_ROSTER_CANONICAL);
}

static int
cmd_redact(int argc, char **argv)
{
	const char *file = file_option(argc, argv);

	return view(roster_operand(file, argc - optind, argv + optind),
	    GLOW_ROSTER_PUBLIC);
}

/* stats */

static int
cmd_stats(int argc, char **argv)
{
	struct glow_roster r;
	struct glow_roster_stats st;
	struct glow_buf text = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	const char *file = NULL;
	int ch, table = 0;

	while ((ch = glow_getopt(argc, argv, "f:t", usage_text)) != -1) {
		if (ch == 'f')
			file = optarg;
		else
			table = 1;
	}
	load(roster_operand(file, argc - optind, argv + optind), &text, &r);
	if (glow_roster_stats(&r, &st) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot count: out of memory");
	if (table)
		glow_roster_stats_table(&st, &out);
	else
		glow_roster_stats_json(&st, &out);
	glow_out(&out);
	glow_roster_stats_free(&st);
	glow_buf_free(&out);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

static const struct glow_cmd cmds[] = {
	{ "validate", cmd_validate }, { "fmt", cmd_fmt }, { "add", cmd_add },
	{ "intake", cmd_intake }, { "select", cmd_select }, { "set", cmd_set },
	{ "redact", cmd_redact }, { "stats", cmd_stats },
};

int
main(int argc, char **argv)
{
	if ((now = getenv("GLOW_NOW")) && !*now)
		now = NULL;     /* checked by glow_cmd_main (glow_check_now) */
	return glow_cmd_main(argc, argv, usage_text, cmds,
	    sizeof cmds / sizeof *cmds);
}
