/* SPDX-License-Identifier: ISC */
/*
 * glow-roster: the roster of record.  See glow-roster(1) and (5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsio.h"
#include "intake.h"
#include "json.h"
#include "roster.h"

#define MAXIN ((size_t)1 << 30)

static const char *now;         /* GLOW_NOW, or NULL for the clock */
static const char *rname = "-"; /* the roster's name in diagnostics */

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
	    "usage: glow-roster validate [-f file | file]\n"
	    "       glow-roster fmt [-f file | file]\n"
	    "       glow-roster add [-f file] [learners.json]\n"
	    "       glow-roster intake [-f file] [-c cohort] [-R report] [issues.json]\n"
	    "       glow-roster select [-r] [-s states] [-S statuses] [-c cohort]\n"
	    "                          [-k key] [-f file | file]\n"
	    "       glow-roster set [-u] [-f file] -k key field=value|field:=json ...\n"
	    "       glow-roster redact [-f file | file]\n"
	    "       glow-roster stats [-t] [-f file | file]\n");
	exit(status);
}

static void
out_write(const struct glow_buf *b)
{
	if (b->failed)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
	if (glow_write_all(STDOUT_FILENO, b->p, b->len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
}

/* The roster (a view of it) to stdout, streamed. */
static void
out_fd(struct glow_roster *r, int view, const unsigned char *keep)
{
	if (glow_roster_write_fd(r, STDOUT_FILENO, view, keep, now) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
}

/* Every problem, one line each, in one write. */
static void
print_problems(const char *what, const struct glow_roster *r)
{
	struct glow_buf b = GLOW_BUF_INIT;
	const char *p = r->problems.p, *end = p + r->problems.len, *nl;

	for (; p && p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		glow_buf_printf(&b, "%s: %s '%s': %.*s\n", glow_progname, what,
		    rname, (int)(nl - p), p);
	}
	if (r->problems.failed || (!r->problems.len && r->nproblems))
		glow_buf_printf(&b, "%s: %s '%s': out of memory\n",
		    glow_progname, what, rname);
	fflush(stdout);
	(void)glow_write_all(STDERR_FILENO, b.p, b.len);
	glow_buf_free(&b);
}

static void
die_syntax(const char *text, size_t len, const struct glow_json_error *e)
{
	size_t line, col;

	if (e->offset == 0 && strcmp(e->reason, "out of memory") == 0)
		glow_die(GLOW_EXIT_ERR, "cannot load roster '%s': out of memory", rname);
	glow_roster_linecol(text, len, e->offset, &line, &col);
	glow_die(GLOW_EXIT_NO, "invalid roster '%s': byte %zu (line %zu, column %zu): %s",
	    rname, e->offset, line, col, e->reason);
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

/* Load a roster for reading; an invalid one ends the program (1). */
static void
load(const char *path, struct glow_buf *text, struct glow_roster *r)
{
	struct glow_json_error e;

	rname = path;
	read_all(path, text);
	if (glow_roster_load(r, text->p, text->len, &e) < 0)
		die_syntax(text->p, text->len, &e);
	if (r->nproblems) {
		print_problems("invalid roster", r);
		exit(GLOW_EXIT_NO);
	}
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
		glow_die(GLOW_EXIT_NO, "invalid roster '%s': byte %zu (line %zu, column %zu): %s",
		    file, st.jerr.offset, st.line, st.column, st.jerr.reason);
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
ensure_cohort_of(struct glow_roster *r, long i)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *c;
	size_t n;
	int rc = 0;

	if ((c = glow_roster_get(r, (size_t)i, GLOW_RF_COHORT, &scratch, &n)))
		rc = glow_roster_cohort_ensure(r, c, n);
	glow_buf_free(&scratch);
	return rc < 0 ? -1 : 0;
}

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
			const char *p = why.p ? why.p : "", *nl;

			for (; *p; p = nl + 1) {
				nl = strchr(p, '\n');
				glow_warn("cannot add '%s': %.*s", a->name,
				    (int)(nl ? nl - p : (long)strlen(p)), p);
				if (!nl)
					break;
			}
			bad = 1;
			continue;
		}
		if (rc == GLOW_ROSTER_ADDED && ensure_cohort_of(r, i) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot add '%s': out of memory", a->name);
	}
	glow_buf_free(&why);
	glow_buf_free(&what);
	return bad ? -1 : 0;    /* one bad learner: nothing is written */
}

static int
cmd_add(const char *file, int argc, char **argv)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_json_error e;
	struct add a;

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
	struct glow_buf report;
	int bad;
};

static const struct glow_json *issues_doc;

static int
issue_cmp(const void *a, const void *b)
{
	long long x = 0, y = 0;

	glow_json_int(issues_doc, glow_json_get(issues_doc, *(const int *)a, "number"), &x);
	glow_json_int(issues_doc, glow_json_get(issues_doc, *(const int *)b, "number"), &y);
	if (x != y)
		return x < y ? -1 : 1;
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void
report_item(struct glow_jw *w, long long number, const char *key, size_t kn,
    const char *reason)
{
	glow_jw_object(w);
	glow_jw_key(w, "issue");
	if (number > 0)
		glow_jw_int(w, number);
	else
		glow_jw_null(w);
	if (key) {
		glow_jw_key(w, "key");
		glow_jw_strn(w, key, kn);
	}
	if (reason) {
		glow_jw_key(w, "reason");
		glow_jw_str(w, reason);
	}
	glow_jw_end(w);
}

static int
intake_fn(struct glow_roster *r, void *arg)
{
	struct intake *in = arg;
	struct glow_intake it;
	struct glow_json ld;
	struct glow_buf why = GLOW_BUF_INIT;
	struct glow_buf lists[4] = { GLOW_BUF_INIT, GLOW_BUF_INIT, GLOW_BUF_INIT,
	    GLOW_BUF_INIT };
	static const char *const names[4] = {
		"added", "existing", "skipped", "unparseable"
	};
	struct glow_jw w[4], rw;
	int *order = NULL, n = 0, e, k, rc, which;
	long i;

	memset(&it, 0, sizeof it);
	for (k = 0; k < 4; k++) {
		glow_jw_init(&w[k], &lists[k], 2);
		w[k].depth = 2;         /* nested in the report, below */
		w[k].empty = 1;
	}
	if (glow_json_size(&in->doc, 0) > 0 &&
	    !(order = malloc((size_t)glow_json_size(&in->doc, 0) * sizeof *order)))
		glow_die(GLOW_EXIT_ERR, "cannot take in '%s': out of memory", in->name);
	for (e = glow_json_first(&in->doc, 0); e >= 0; e = glow_json_next(&in->doc, e))
		order[n++] = e;
	issues_doc = &in->doc;
	if (n > 1)
		qsort(order, (size_t)n, sizeof *order, issue_cmp);
	for (k = 0; k < n; k++) {
		rc = glow_intake_issue(&in->doc, order[k], in->cohort, &it);
		if (rc == GLOW_INTAKE_SKIP) {
			report_item(&w[2], it.number, NULL, 0, it.reason);
			continue;
		}
		if (rc == GLOW_INTAKE_LEARNER) {
			if (glow_json_parse(&ld, it.learner.p, it.learner.len, NULL) < 0)
				glow_die(GLOW_EXIT_ERR, "cannot take in '%s': out of memory",
				    in->name);
			glow_buf_reset(&why);
			rc = glow_roster_upsert(r, &ld, 0, GLOW_ROSTER_NO_UPDATE, now,
			    NULL, &why, &i);
			glow_json_free(&ld);
			if (rc < 0 && errno == ENOMEM)
				glow_die(GLOW_EXIT_ERR, "cannot take in '%s': out of memory",
				    in->name);
			if (rc < 0) {
				char *nl = why.p ? strchr(why.p, '\n') : NULL;

				if (nl)
					*nl = '\0';
				snprintf(it.reason, sizeof it.reason, "%s",
				    why.p ? why.p : "invalid learner");
				rc = GLOW_INTAKE_BAD;
			} else {
				which = rc == GLOW_ROSTER_ADDED ? 0 : 1;
				if (rc == GLOW_ROSTER_ADDED && ensure_cohort_of(r, i) < 0)
					glow_die(GLOW_EXIT_ERR, "cannot take in '%s': out of memory",
					    in->name);
				report_item(&w[which], it.number, r->learner[i].key,
				    r->learner[i].keylen, NULL);
				continue;
			}
		}
		/* GLOW_INTAKE_BAD */
		in->bad = 1;
		if (it.number > 0)
			glow_warn("cannot take in issue '#%lld': %s", it.number, it.reason);
		else
			glow_warn("cannot take in issue '%d of %s': %s", k, in->name,
			    it.reason);
		report_item(&w[3], it.number, NULL, 0, it.reason);
	}
	/* the report: {"added": [...], ...} */
	glow_jw_init(&rw, &in->report, 2);
	glow_jw_object(&rw);
	for (k = 0; k < 4; k++) {
		glow_jw_key(&rw, names[k]);
		glow_jw_array(&rw);
		glow_buf_add(&in->report, lists[k].p, lists[k].len);
		rw.empty = w[k].empty;
		glow_jw_end(&rw);
		glow_buf_free(&lists[k]);
	}
	glow_jw_end(&rw);
	glow_buf_addc(&in->report, '\n');
	free(order);
	glow_buf_free(&it.learner);
	glow_buf_free(&why);
	return 0;
}

static int
cmd_intake(const char *file, const char *cohort, const char *report, int argc,
    char **argv)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_json_error e;
	struct intake in;

	if (argc > 1)
		usage(GLOW_EXIT_ERR);
	memset(&in, 0, sizeof in);
	in.name = argc ? argv[0] : "-";
	in.cohort = cohort;
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
		if (glow_write_atomic(report, in.report.p, in.report.len, 0644) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write '%s':", report);
	} else if (file) {
		out_write(&in.report);
	}
	glow_buf_free(&in.report);
	glow_json_free(&in.doc);
	glow_buf_free(&text);
	return in.bad ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* select */

/* Add the comma-separated values of s, each one of list, to mask. */
static void
enum_mask(unsigned *mask, const char *s, const char *const *list, const char *what)
{
	const char *p = s, *c;
	int i;

	for (;;) {
		c = strchr(p, ',');
		i = glow_roster_enum(list, p, c ? (size_t)(c - p) : strlen(p));
		if (i < 0)
			glow_die(GLOW_EXIT_ERR, "bad %s '%.*s': not a %s", what,
			    (int)(c ? c - p : (long)strlen(p)), p, what);
		*mask |= 1u << i;
		if (!c)
			break;
		p = c + 1;
	}
}

struct filter {
	unsigned states, statuses;
	char **cohorts;
	int ncohorts;
	struct glow_buf keys;   /* normalised keys, NUL-separated */
	int nkeys;
};

static void
norm_key(struct glow_buf *out, const char *k)
{
	const char *at = strstr(k, "@@");

	if (!at)
		glow_die(GLOW_EXIT_ERR, "bad key '%s': not handle@@cohort", k);
	glow_roster_key(out, k, (size_t)(at - k), at + 2, strlen(at + 2));
}

static int
matches(const struct glow_roster *r, size_t i, const struct filter *f,
    struct glow_buf *scratch)
{
	const char *s;
	size_t n;
	int j;

	if (f->states) {
		s = glow_roster_get(r, i, GLOW_RF_STATE, scratch, &n);
		if (!s || !(f->states & 1u << glow_roster_enum(glow_roster_states, s, n)))
			return 0;
	}
	if (f->statuses) {
		s = glow_roster_get(r, i, GLOW_RF_STATUS, scratch, &n);
		if (!s || !(f->statuses & 1u << glow_roster_enum(glow_roster_statuses, s, n)))
			return 0;
	}
	if (f->ncohorts) {
		s = glow_roster_get(r, i, GLOW_RF_COHORT, scratch, &n);
		for (j = 0; s && j < f->ncohorts; j++) {
			size_t cn;
			const char *c = glow_roster_trim(f->cohorts[j],
			    strlen(f->cohorts[j]), &cn);

			if (cn == n && memcmp(c, s, n) == 0)
				break;
		}
		if (!s || j == f->ncohorts)
			return 0;
	}
	if (f->nkeys) {
		const char *k = f->keys.p;

		for (j = 0; j < f->nkeys; j++, k += strlen(k) + 1)
			if (strlen(k) == r->learner[i].keylen &&
			    memcmp(k, r->learner[i].key, r->learner[i].keylen) == 0)
				break;
		if (j == f->nkeys)
			return 0;
	}
	return 1;
}

static int
cmd_select(const char *path, const struct filter *f, int whole)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_buf scratch = GLOW_BUF_INIT;
	unsigned char *keep;
	size_t i;

	load(path, &text, &r);
	glow_roster_sort(&r);
	if (!(keep = malloc(r.nlearner + 1)))
		glow_die(GLOW_EXIT_ERR, "cannot select: out of memory");
	for (i = 0; i < r.nlearner; i++)
		keep[i] = (unsigned char)matches(&r, i, f, &scratch);
	out_fd(&r, whole ? GLOW_ROSTER_CANONICAL : GLOW_ROSTER_LEARNERS, keep);
	free(keep);
	glow_buf_free(&scratch);
	glow_buf_free(&out);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

/* set */

struct set {
	const char *key;
	char **assign;
	int n;
	int unknown_ok;
};

static int
set_fn(struct glow_roster *r, void *arg)
{
	struct set *s = arg;
	struct glow_buf key = GLOW_BUF_INIT, why = GLOW_BUF_INIT, vals = GLOW_BUF_INIT;
	const char **field, **json;
	size_t *off;
	long i;
	int k, rc;

	norm_key(&key, s->key);
	if ((i = glow_roster_find(r, key.p, key.len)) < 0) {
		glow_warn("cannot set '%s': no such learner", s->key);
		return -1;
	}
	field = calloc((size_t)s->n, sizeof *field);
	json = calloc((size_t)s->n, sizeof *json);
	off = calloc((size_t)s->n, sizeof *off);
	if (!field || !json || !off)
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	for (k = 0; k < s->n; k++) {
		char *a = s->assign[k], *eq = strchr(a, '=');
		int raw = eq && eq > a && eq[-1] == ':';

		*eq = '\0';             /* checked in cmd_set */
		if (raw)
			eq[-1] = '\0';
		field[k] = a;
		off[k] = vals.len;
		if (raw)
			glow_buf_add(&vals, eq + 1, strlen(eq + 1) + 1);
		else {
			glow_json_quote(&vals, eq + 1, strlen(eq + 1));
			glow_buf_addc(&vals, '\0');
		}
		if (glow_roster_field_lookup(a, strlen(a)) < 0 && !s->unknown_ok) {
			glow_warn("cannot set '%s': '%s' is not a roster field (-u sets others)",
			    s->key, a);
			return -1;
		}
	}
	if (vals.failed)
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	for (k = 0; k < s->n; k++)
		json[k] = vals.p + off[k];
	rc = glow_roster_update(r, (size_t)i, field, json, (size_t)s->n, &why);
	if (rc < 0 && errno == ENOMEM)
		glow_die(GLOW_EXIT_ERR, "cannot set '%s': out of memory", s->key);
	if (rc < 0) {
		const char *p = why.p ? why.p : "invalid value\n", *nl;

		for (; *p; p = nl + 1) {
			if (!(nl = strchr(p, '\n')))
				nl = p + strlen(p);
			glow_warn("cannot set '%s': %.*s", s->key, (int)(nl - p), p);
			if (!*nl)
				break;
		}
	}
	free(field);
	free(json);
	free(off);
	glow_buf_free(&key);
	glow_buf_free(&why);
	glow_buf_free(&vals);
	return rc < 0 ? -1 : 0;
}

static int
cmd_set(const char *file, struct set *s, int argc, char **argv)
{
	int k;

	if (!s->key || argc < 1)
		usage(GLOW_EXIT_ERR);
	for (k = 0; k < argc; k++)
		if (!strchr(argv[k], '=') || argv[k][0] == '=' ||
		    (argv[k][0] == ':' && argv[k][1] == '='))
			glow_die(GLOW_EXIT_ERR, "bad assignment '%s': not field=value or field:=json",
			    argv[k]);
	s->assign = argv;
	s->n = argc;
	edit(file, 0, set_fn, s);
	return GLOW_EXIT_OK;
}

/* redact, validate, fmt */

static int
cmd_view(const char *path, int view)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT;

	load(path, &text, &r);
	out_fd(&r, view, NULL);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

static int
cmd_validate(const char *path)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT;

	load(path, &text, &r);  /* exits 1 with every problem */
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

/* stats */

#define NSTATE 4
#define NSTATUS 5

struct cstat {
	size_t off, n;          /* cohort ID in the names buffer */
	int state, status;      /* -1: a listed cohort, no learner */
};

static const char *cstat_names;

static int
cstat_cmp(const void *a, const void *b)
{
	const struct cstat *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(cstat_names + x->off, cstat_names + y->off, m);

	if (c)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

struct counts {
	const char *id;
	size_t n;
	long learners, state[NSTATE], status[NSTATUS];
};

static void
stats_json(struct glow_jw *w, const struct counts *c, int cohort)
{
	int k;

	glow_jw_object(w);
	if (cohort) {
		glow_jw_key(w, "cohort_id");
		glow_jw_strn(w, c->id, c->n);
	}
	glow_jw_key(w, "learners");
	glow_jw_int(w, c->learners);
	glow_jw_key(w, "provision_state");
	glow_jw_object(w);
	for (k = 0; k < NSTATE; k++) {
		glow_jw_key(w, glow_roster_states[k]);
		glow_jw_int(w, c->state[k]);
	}
	glow_jw_end(w);
	glow_jw_key(w, "status");
	glow_jw_object(w);
	for (k = 0; k < NSTATUS; k++) {
		glow_jw_key(w, glow_roster_statuses[k]);
		glow_jw_int(w, c->status[k]);
	}
	glow_jw_end(w);
	if (cohort)
		glow_jw_end(w);
	else
		glow_jw_key(w, "cohorts");      /* the caller writes them */
}

static void
stats_row(struct glow_buf *out, const int *width, const char *id, size_t idn,
    const struct counts *c)
{
	int k;

	glow_buf_printf(out, "%-*.*s", width[0], (int)idn, id);
	glow_buf_printf(out, "  %*ld", width[1], c->learners);
	for (k = 0; k < NSTATE; k++)
		glow_buf_printf(out, "  %*ld", width[2 + k], c->state[k]);
	for (k = 0; k < NSTATUS; k++)
		glow_buf_printf(out, "  %*ld", width[2 + NSTATE + k], c->status[k]);
	glow_buf_addc(out, '\n');
}

static int
cmd_stats(const char *path, int table)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_buf names = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT;
	struct cstat *cs;
	struct counts all, *per;
	struct glow_jw w;
	size_t i, j, n = 0, nper = 0, sn;
	const char *s;
	int k, width[2 + NSTATE + NSTATUS];

	load(path, &text, &r);
	memset(&all, 0, sizeof all);
	if (!(cs = malloc((r.nlearner + r.ncohort + 1) * sizeof *cs)) ||
	    !(per = calloc(r.nlearner + r.ncohort + 1, sizeof *per)))
		glow_die(GLOW_EXIT_ERR, "cannot count: out of memory");
	for (i = 0; i < r.nlearner; i++) {
		s = glow_roster_get(&r, i, GLOW_RF_COHORT, &scratch, &sn);
		cs[n].off = names.len;
		cs[n].n = sn;
		glow_buf_add(&names, s, sn);
		s = glow_roster_get(&r, i, GLOW_RF_STATE, &scratch, &sn);
		cs[n].state = glow_roster_enum(glow_roster_states, s, sn);
		s = glow_roster_get(&r, i, GLOW_RF_STATUS, &scratch, &sn);
		cs[n].status = glow_roster_enum(glow_roster_statuses, s, sn);
		n++;
	}
	for (i = 0; i < r.ncohort; i++) {
		int t = glow_json_get(r.cohort[i].doc, r.cohort[i].tok, "cohort_id");

		glow_buf_reset(&scratch);
		glow_json_string(r.cohort[i].doc, t, &scratch);
		s = glow_roster_trim(scratch.p ? scratch.p : "", scratch.len, &sn);
		cs[n].off = names.len;
		cs[n].n = sn;
		glow_buf_add(&names, s, sn);
		cs[n].state = cs[n].status = -1;
		n++;
	}
	if (names.failed)
		glow_die(GLOW_EXIT_ERR, "cannot count: out of memory");
	cstat_names = names.p ? names.p : "";
	qsort(cs, n, sizeof *cs, cstat_cmp);
	for (i = 0; i < n; i = j) {
		struct counts *c = &per[nper++];

		c->id = cstat_names + cs[i].off;
		c->n = cs[i].n;
		for (j = i; j < n && cstat_cmp(&cs[i], &cs[j]) == 0; j++) {
			if (cs[j].state < 0)
				continue;
			c->learners++;
			all.learners++;
			c->state[cs[j].state]++;
			all.state[cs[j].state]++;
			c->status[cs[j].status]++;
			all.status[cs[j].status]++;
		}
	}
	if (table) {
		static const char *const head[2] = { "cohort", "learners" };

		width[0] = 6;
		for (i = 0; i < nper; i++)
			if ((int)per[i].n > width[0])
				width[0] = (int)per[i].n;
		width[1] = 8;
		for (k = 0; k < NSTATE; k++)
			width[2 + k] = (int)strlen(glow_roster_states[k]);
		for (k = 0; k < NSTATUS; k++)
			width[2 + NSTATE + k] = (int)strlen(glow_roster_statuses[k]);
		for (k = 1; k < 2 + NSTATE + NSTATUS; k++)
			if (width[k] < 7)
				width[k] = 7;   /* room for counts up to 9,999,999 */
		glow_buf_printf(&out, "%-*s  %*s", width[0], head[0], width[1], head[1]);
		for (k = 0; k < NSTATE; k++)
			glow_buf_printf(&out, "  %*s", width[2 + k], glow_roster_states[k]);
		for (k = 0; k < NSTATUS; k++)
			glow_buf_printf(&out, "  %*s", width[2 + NSTATE + k],
			    glow_roster_statuses[k]);
		glow_buf_addc(&out, '\n');
		for (i = 0; i < nper; i++)
			stats_row(&out, width, per[i].id, per[i].n, &per[i]);
		stats_row(&out, width, "(all)", 5, &all);
	} else {
		glow_jw_init(&w, &out, 2);
		stats_json(&w, &all, 0);
		glow_jw_array(&w);
		for (i = 0; i < nper; i++)
			stats_json(&w, &per[i], 1);
		glow_jw_end(&w);
		glow_jw_end(&w);
		glow_buf_addc(&out, '\n');
	}
	out_write(&out);
	free(cs);
	free(per);
	glow_buf_free(&names);
	glow_buf_free(&scratch);
	glow_buf_free(&out);
	glow_buf_free(&text);
	glow_roster_free(&r);
	return GLOW_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name, *opts;
	} cmds[] = {
		{ "validate", "f:" }, { "fmt", "f:" }, { "add", "f:" },
		{ "intake", "f:c:R:" }, { "select", "f:rs:S:c:k:" },
		{ "set", "f:k:u" }, { "redact", "f:" }, { "stats", "f:t" },
	};
	const char *cmd, *file = NULL, *cohort = NULL, *report = NULL, *input;
	struct filter f;
	struct set s;
	char opts[32];
	size_t c;
	int ch, whole = 0, table = 0;

	glow_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "-h") == 0)
		usage(GLOW_EXIT_OK);
	if (argc > 1 && strcmp(argv[1], "-V") == 0) {
		glow_version();
		return GLOW_EXIT_OK;
	}
	if (argc < 2)
		usage(GLOW_EXIT_ERR);
	cmd = argv[1];
	for (c = 0; c < sizeof cmds / sizeof cmds[0]; c++)
		if (strcmp(cmd, cmds[c].name) == 0)
			break;
	if (c == sizeof cmds / sizeof cmds[0]) {
		glow_warn("unknown command '%s'", cmd);
		usage(GLOW_EXIT_ERR);
	}
	if ((now = getenv("GLOW_NOW")) && *now) {
		if (!glow_roster_time_ok(now, strlen(now)))
			glow_die(GLOW_EXIT_ERR, "bad GLOW_NOW '%s': not an ISO-8601 UTC time",
			    now);
	} else {
		now = NULL;
	}
	memset(&f, 0, sizeof f);
	memset(&s, 0, sizeof s);
	snprintf(opts, sizeof opts, ":%shV", cmds[c].opts);
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'c':
			if (strcmp(cmd, "intake") == 0) {
				cohort = optarg;
				break;
			}
			if (!(f.cohorts = realloc(f.cohorts,
			    (size_t)(f.ncohorts + 1) * sizeof *f.cohorts)))
				glow_die(GLOW_EXIT_ERR, "out of memory");
			f.cohorts[f.ncohorts++] = optarg;
			break;
		case 'R':
			report = optarg;
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
		case 'k':
			if (strcmp(cmd, "set") == 0) {
				s.key = optarg;
				break;
			}
			norm_key(&f.keys, optarg);
			glow_buf_addc(&f.keys, '\0');
			f.nkeys++;
			break;
		case 'u':
			s.unknown_ok = 1;
			break;
		case 't':
			table = 1;
			break;
		case 'h':
			usage(GLOW_EXIT_OK);
			break;
		case 'V':
			glow_version();
			return GLOW_EXIT_OK;
		case ':':
			glow_warn("option '-%c' needs a value", optopt);
			usage(GLOW_EXIT_ERR);
			break;
		default:
			glow_warn("unknown option '-%c' for %s", optopt, cmd);
			usage(GLOW_EXIT_ERR);
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(cmd, "add") == 0)
		return cmd_add(file, argc, argv);
	if (strcmp(cmd, "intake") == 0)
		return cmd_intake(file, cohort, report, argc, argv);
	if (strcmp(cmd, "set") == 0)
		return cmd_set(file, &s, argc, argv);
	/* the rest read one roster: -f FILE, an operand, or stdin */
	if (argc > 1 || (argc == 1 && file))
		usage(GLOW_EXIT_ERR);
	input = file ? file : argc ? argv[0] : "-";
	if (strcmp(cmd, "fmt") == 0) {
		if (file)
			return edit(file, 0, NULL, NULL);
		return cmd_view(input, GLOW_ROSTER_CANONICAL);
	}
	if (strcmp(cmd, "validate") == 0)
		return cmd_validate(input);
	if (strcmp(cmd, "select") == 0) {
		ch = cmd_select(input, &f, whole);
		free(f.cohorts);
		glow_buf_free(&f.keys);
		return ch;
	}
	if (strcmp(cmd, "redact") == 0)
		return cmd_view(input, GLOW_ROSTER_PUBLIC);
	return cmd_stats(input, table);
}
