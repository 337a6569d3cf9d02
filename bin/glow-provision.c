/* SPDX-License-Identifier: ISC */
/*
 * glow-provision: the idempotent, serial, paced provisioning of pending
 * and failed learners: one private repository per learner from the
 * template, verified and healed, then the invitation; the roster updated
 * and the log appended as each learner finishes.  See glow-provision(1).
 * The algorithm is lib/provision/provision_run.h's; this file holds the options,
 * the token, the roster and log files, and what is printed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/isotime.h"
#include "core/json.h"
#include "github/github.h"
#include "provision/provision.h"
#include "provision/provision_run.h"
#include "roster/roster.h"
#include "roster/roster_load.h"

#define MAX_INPUT ((size_t)1 << 30)
#define DEFAULT_WORKFLOWS \
	"pr-validation-bot.yml,student-progression.yml,content-validation.yml"

static struct {
	int dry, all, verbose;
	const char *roster_file, *log_file, *token_file, *token_cmd;
	const char *summary_file;
	char *tmpl_owner, *tmpl_name, *tmpl_full, *owner;
	char **workflows;

	struct glow_gh gh;
	struct glow_buf token, web;
	struct glow_prov_run run;
	struct glow_prov_report rep;
	int status;                     /* the exit status so far */
	int fatal_said, limited_said;
} P;

static volatile sig_atomic_t stop_requested;

static const char usage_text[] =
	"usage: glow-provision [-naiv] [-f roster] [-l log] [-s summary]\n"
	"                      [-t tokenfile | -c command] [-T template] [-o owner]\n"
	"                      [-w workflow,...] [-k seconds] [-j depth]\n"
	"       glow-provision --check-auth [-v] [-t tokenfile | -c command] [-T template]\n"
	"       glow-provision -h | --help | -V\n"
	"\n"
	"  -a              also verify provisioned and healed learners (heal drift)\n"
	"  -c command      a shell command that prints token JSON (run again to renew)\n"
	"  -f roster       the roster file, edited in place under its lock\n"
	"  -h, --help      print this usage and exit\n"
	"  -i              post the \"your room is ready\" comment, once\n"
	"  -j depth        learners waiting for their content at once (default 16)\n"
	"  -k seconds      how long a new repository's content may take (default 120)\n"
	"  -l log          the provisioning log to append to\n"
	"  -n              dry run: print the plan, change nothing\n"
	"  -o owner        the owner of the learners' repositories\n"
	"  -s summary      write the summary line into this file\n"
	"  -T template     the template repository, owner/name\n"
	"  -t tokenfile    read the token from tokenfile ('-': standard input)\n"
	"  -V              print the version and exit\n"
	"  -v              trace every HTTP exchange on standard error\n"
	"  -w workflow,... the required workflow files\n"
	"  --check-auth    get a token and run the preflight, then exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
nomem(void)
{
	glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		nomem();
	return p;
}

static char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static void
now_iso(char out[GLOW_TIME_LEN])
{
	(void)glow_now(out, NULL);      /* GLOW_NOW: checked in main */
}

static void
note(void *arg, const char *line)
{
	(void)arg;
	glow_warn("%s", line);
}

/* --------------------------------------------------------------- tokens */

/* Run the token command: 0, or -1 with a diagnostic printed. */
static int
token_from_cmd(void)
{
	struct glow_buf why = GLOW_BUF_INIT;
	long long renew_at;

	if (glow_gh_token_cmd(P.token_cmd, &P.token, &renew_at, &why) < 0) {
		glow_warn("%s", glow_buf_str(&why));
		glow_buf_free(&why);
		return -1;
	}
	P.gh.token = P.token.p;
	P.run.renew_at = renew_at;
	if (P.verbose)
		glow_warn("minted a token%s", renew_at ? "" :
		    " (no expires_at: refreshed on 401 only)");
	return 0;
}

/* The run asks for a new token: before it expires, or after a 401. */
static int
token_renew(void *arg, enum glow_prov_renew why, const char *path)
{
	(void)arg;
	if (P.verbose && why == GLOW_PROV_RENEW_DUE)
		glow_warn("the token expires soon: minting a new one");
	else if (P.verbose && path)
		glow_warn("401 on '%s': minting a new token", path);
	return token_from_cmd();
}

/* The first token: -c, -t, or the environment.  0, or -1 if none. */
static int
token_load(void)
{
	struct glow_buf why = GLOW_BUF_INIT;
	enum glow_gh_token_err te;
	const char *src = NULL;

	if (P.token_cmd)
		return token_from_cmd();
	switch ((te = glow_gh_token_load(P.token_file, &P.token, &src))) {
	case GLOW_GH_TOKEN_OK:
		P.gh.token = P.token.p;
		return 0;
	case GLOW_GH_TOKEN_UNSET:
		return -1;     /* the caller says what else would do (-c) */
	default:
		glow_gh_token_problem(&why, te, src);
		glow_die(GLOW_EXIT_ERR, "%s", why.p ? why.p : "no token");
	}
}

/* ------------------------------------------------------------ settings */

static void
split_repo(const char *what, const char *v, char **owner, char **name)
{
	const char *slash;

	if (!v || !*v)
		glow_die(GLOW_EXIT_ERR, "no %s: give -T OWNER/NAME or set "
		    "LEARNING_ROOM_TEMPLATE_REPO", what);
	if (!glow_roster_owner_name_ok(v, strlen(v)) || !(slash = strchr(v, '/')))
		glow_die(GLOW_EXIT_ERR, "bad %s '%s': not owner/name", what, v);
	*owner = xstrndup(v, (size_t)(slash - v));
	*name = xstrdup(slash + 1);
}

/* --check-auth: a token, and the template as the preflight sees it. */
static int
check_auth(void)
{
	struct glow_buf why = GLOW_BUF_INIT;

	if (token_load() < 0)
		glow_die(GLOW_EXIT_ERR, "no token: give -c COMMAND or -t FILE, or "
		    "set " GLOW_GH_TOKEN_VARS);
	if (glow_prov_preflight(&P.run, &why) < 0)
		glow_die(GLOW_EXIT_ERR, "%s", why.p);
	printf("{\"template\":\"%s\",\"is_template\":true,\"requests\":%ld}\n",
	    P.tmpl_full, P.gh.stats.requests);
	glow_buf_free(&why);
	glow_buf_wipe(&P.token);
	glow_gh_free(&P.gh);
	return GLOW_EXIT_OK;
}

/* Cache beside the roster: DIR/.glow-cache (GLOW_CACHE_DIR wins; "off"). */
static void
set_cache(void)
{
	const char *v = getenv("GLOW_CACHE_DIR");
	static char dir[4096];
	const char *slash;

	if (v && (!strcmp(v, "off") || !strcmp(v, "none"))) {
		P.gh.cache_dir = NULL;
		return;
	}
	if (P.gh.cache_dir || !P.roster_file)
		return;
	slash = strrchr(P.roster_file, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".glow-cache");
	else
		snprintf(dir, sizeof dir, "%.*s/.glow-cache",
		    (int)(slash - P.roster_file), P.roster_file);
	P.gh.cache_dir = dir;
}

/* Template, owner and workflows from the options and the environment. */
static void
configure(const char *tmpl, const char *owner, const char *wf, int auth_only)
{
	long nw;

	if (!tmpl)
		tmpl = getenv("LEARNING_ROOM_TEMPLATE_REPO");
	if (tmpl && *tmpl) {
		split_repo("template", tmpl, &P.tmpl_owner, &P.tmpl_name);
		P.tmpl_full = xstrdup(tmpl);
	} else if (!P.dry || auth_only)
		split_repo("template", NULL, NULL, NULL);
	if (!owner || !*owner)
		owner = getenv("PROVISIONING_STUDENT_OWNER");
	if (owner && *owner)
		P.owner = xstrdup(owner);
	else if (P.tmpl_owner)
		P.owner = xstrdup(P.tmpl_owner);        /* beside the template */
	else if (!auth_only)
		glow_die(GLOW_EXIT_ERR, "no owner: give -o OWNER or set "
		    "PROVISIONING_STUDENT_OWNER");
	if (P.owner && !glow_roster_handle_ok(P.owner, strlen(P.owner)))
		glow_die(GLOW_EXIT_ERR, "bad owner '%s': not an account name", P.owner);
	if (P.owner && P.owner[0] == '@')
		memmove(P.owner, P.owner + 1, strlen(P.owner));
	if (!wf || !*wf)
		wf = getenv("GLOW_REQUIRED_WORKFLOWS");
	if (!wf || !*wf)
		wf = DEFAULT_WORKFLOWS;
	if ((nw = glow_prov_list(wf, &P.workflows)) < 0)
		glow_die(GLOW_EXIT_ERR, "bad workflow list '%s': %s", wf,
		    errno == ENOMEM ? "out of memory" :
		    "names are 1 to 100 of A-Z a-z 0-9 . _ -");
	P.run.tmpl_owner = P.tmpl_owner;
	P.run.tmpl_name = P.tmpl_name;
	P.run.tmpl_full = P.tmpl_full;
	P.run.owner = P.owner;
	P.run.workflows = P.workflows;
	P.run.nworkflows = (size_t)nw;
}

/* ------------------------------------------------------ roster and log */

/* The roster, refused before any request if it does not validate; the
 * log, refused if it is not one. */
static void
load_inputs(struct glow_roster *r, struct glow_buf *text)
{
	struct glow_json_error jerr;
	struct glow_buf lt = GLOW_BUF_INIT;
	size_t torn;

	/* an invalid roster (two keys with one repository name, a name over
	 * 100 characters) ends the run before any request: exit 1 */
	glow_roster_open(P.roster_file ? P.roster_file : "-", text, r);
	if (!P.log_file)
		return;
	if (glow_read_file(P.log_file, &lt, MAX_INPUT) < 0 && errno != ENOENT)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", P.log_file);
	if (glow_plog_read(glow_buf_str(&lt), lt.len, NULL, NULL, &torn,
	    &jerr) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot use log '%s': %s at byte %zu",
		    P.log_file, jerr.reason, jerr.offset + 1);
	if (torn)
		glow_warn("log '%s': a torn last record is ignored", P.log_file);
	glow_buf_free(&lt);
}

static void
record(struct glow_prov_learner *l, struct glow_prov_outcome *o,
    const char *at, const char *sha)
{
	struct glow_plog_rec rec;

	memset(&rec, 0, sizeof rec);
	rec.github_handle = l->handle;
	rec.cohort_id = l->cohort;
	rec.attempt_at = at;
	rec.result = o->result;
	rec.repo = l->full;
	rec.template_sha = sha;
	rec.error_detail = (!strcmp(o->result, "error") ||
	    !strcmp(o->result, "skipped")) && o->detail.len ? o->detail.p : NULL;
	rec.requests = o->requests;
	rec.invitation = o->invitation;
	rec.healed = (const char *const *)o->healed;
	rec.nhealed = o->nhealed;
	rec.comment = o->comment;
	if (glow_plog_append(P.log_file, &rec) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot append to '%s':%s", P.log_file,
		    errno == EINVAL ? " not a provisioning log" : "");
}

/* Write one learner's outcome into the roster: the file under its lock,
 * or the roster in memory.  0, or -1 (the batch stops). */
static int
roster_update(struct glow_roster *mem, struct glow_prov_learner *l,
    const char *repo, const char *state)
{
	struct glow_prov_update u = { l->key, repo, state };
	struct glow_roster r;
	struct glow_roster_status st;
	int rc = 0;

	if (!P.roster_file)
		return glow_prov_update_fn(mem, &u) < 0 ? -1 : 0;
	if (glow_roster_edit(P.roster_file, 0, glow_prov_update_fn, &u, NULL, &r,
	    &st) < 0) {
		errno = st.errnum;
		switch (st.stage) {
		case GLOW_ROSTER_ECALLBACK:
			glow_warn("cannot update '%s' in '%s': the learner is no "
			    "longer there", l->key, P.roster_file);
			break;
		case GLOW_ROSTER_EINVALID:
		case GLOW_ROSTER_EAFTER:
		case GLOW_ROSTER_EPARSE:
			glow_warn("cannot update '%s': the roster does not "
			    "validate any more", P.roster_file);
			rc = -1;
			break;
		default:
			glow_warn("cannot update '%s':", P.roster_file);
			rc = -1;
		}
	}
	glow_roster_free(&r);
	return rc;
}

/* ----------------------------------------------------------- reporting */

static void
step_summary(void)
{
	struct glow_buf md = GLOW_BUF_INIT;

	glow_prov_summary_md(&P.rep, &md);
	glow_step_summary(&md);
	glow_buf_free(&md);
}

static void
summary(double t0)
{
	struct glow_buf b = GLOW_BUF_INIT;
	FILE *f = NULL;

	P.rep.stats = &P.gh.stats;
	P.rep.wait_content = P.run.wait_content;
	P.rep.elapsed = glow_gh_clock() - t0;
	glow_prov_summary_json(&P.rep, &b);
	if (P.summary_file) {
		if (!(f = fopen(P.summary_file, "w")))
			glow_warn("cannot write '%s':", P.summary_file);
	} else
		f = (P.roster_file || P.dry) ? stdout : stderr;
	if (f) {
		fwrite(b.p, 1, b.len, f);
		fflush(f);
		if (f != stdout && f != stderr)
			fclose(f);
	}
	glow_buf_free(&b);
}

static void
write_out(struct glow_buf *b)
{
	glow_out(b);
	glow_buf_reset(b);
}

/* -n: the plan, one line a learner, with what is known without changes. */
static void
dry_run(struct glow_prov_learner *ls, size_t nl)
{
	struct glow_buf b = GLOW_BUF_INIT;
	int have = nl && token_load() == 0;
	size_t i;

	if (have)
		glow_prov_learn_listing(&P.run, nl);
	if (P.run.nomem)
		nomem();
	if (P.run.fatal)
		glow_die(GLOW_EXIT_ERR, "cannot read the repositories of "
		    "'%s': %s", P.owner, P.run.fatal_msg.p);
	for (i = 0; i < nl; i++) {
		int ex = -1;

		if (have && P.run.listed &&
		    strcasecmp(ls[i].owner, P.owner) == 0) {
			struct glow_prov_outcome o;

			memset(&o, 0, sizeof o);
			ex = glow_prov_exists(&P.run, &ls[i], &o);
			glow_prov_outcome_free(&o);
		}
		glow_prov_plan_line(&ls[i], ex, &b);
		write_out(&b);
	}
	glow_buf_free(&b);
}

/* ----------------------------------------------------------------- main */

/* The batch's word on one finished learner (glow_prov_batch): the log,
 * the roster and the progress line.  0 to go on, or -1: no more learners
 * are started (P.status may say why). */
static int
finished(void *arg, struct glow_prov_learner *l, struct glow_prov_outcome *o)
{
	struct glow_roster *r = arg;
	const char *state, *repo, *sha = NULL;
	enum glow_prov_count c;
	char at[40];
	int rc = 0;

	if (P.run.nomem)
		nomem();
	now_iso(at);
	P.rep.done++;
	c = glow_prov_settle(l, o, &state, &repo);
	P.rep.count[c]++;
	if (o->created || c == GLOW_PROV_C_HEALED)
		sha = glow_prov_template_sha(&P.run);
	if (P.log_file && c != GLOW_PROV_C_VERIFIED)
		record(l, o, at, sha);
	if (roster_update(r, l, repo, state) < 0) {
		P.status = GLOW_EXIT_ERR;
		rc = -1;
	}
	if (c == GLOW_PROV_C_ERROR || c == GLOW_PROV_C_SKIPPED)
		fprintf(stderr, "[%zu/%zu] %s: %s %s: %s (%ld requests)\n",
		    P.rep.done, P.rep.selected, l->key, o->result, l->name,
		    glow_buf_str(&o->detail), o->requests);
	else
		fprintf(stderr, "[%zu/%zu] %s: %s %s%s%s (%ld requests)\n",
		    P.rep.done, P.rep.selected, l->key, o->result, l->name,
		    o->invitation ? ", " : "", o->invitation ? o->invitation : "",
		    o->requests);
	if (c != GLOW_PROV_C_VERIFIED && glow_prov_report_add(&P.rep, l, o) < 0)
		nomem();
	if (P.run.fatal) {
		if (!P.fatal_said)
			glow_warn("cannot go on: %s", P.run.fatal_msg.p);
		P.fatal_said = 1;
		P.status = GLOW_EXIT_ERR;
		return -1;
	}
	if (P.run.limited_stop) {
		if (!P.limited_said)
			glow_warn("cannot go on: rate limited for longer than "
			    "GLOW_MAX_WAIT allows; the rest is left for the next run");
		P.limited_said = 1;
		return -1;
	}
	return stop_requested ? -1 : rc;
}

/* What only main's callers need of the command line; the rest is in P. */
struct options {
	const char *tmpl, *owner, *wf;
	int auth_only;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	char *end;
	long d;
	int c, k;

	memset(o, 0, sizeof *o);
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--check-auth") == 0) {
			o->auth_only = 1;
			memmove(argv + k, argv + k + 1,
			    (size_t)(argc - k) * sizeof *argv);
			argc--;
			k--;
		}
	}
	while ((c = glow_getopt(argc, argv, "ac:f:ij:k:l:no:s:T:t:Vvw:",
	    usage_text)) != -1) {
		switch (c) {
		case 'a':
			P.all = 1;
			break;
		case 'c':
			P.token_cmd = optarg;
			break;
		case 'f':
			P.roster_file = optarg;
			break;
		case 'i':
			P.run.comment = 1;
			break;
		case 'j':
			d = strtol(optarg, &end, 10);
			if (*end || end == optarg || d < 1 || d > 100)
				glow_die(GLOW_EXIT_ERR, "bad depth '%s': not a whole "
				    "number from 1 to 100", optarg);
			P.run.depth = (size_t)d;
			break;
		case 'k':
			P.run.timeout = strtod(optarg, &end);
			if (*end || end == optarg || P.run.timeout <= 0)
				glow_die(GLOW_EXIT_ERR, "bad timeout '%s': not a "
				    "positive number of seconds", optarg);
			break;
		case 'l':
			P.log_file = optarg;
			break;
		case 'n':
			P.dry = 1;
			break;
		case 'o':
			o->owner = optarg;
			break;
		case 's':
			P.summary_file = optarg;
			break;
		case 'T':
			o->tmpl = optarg;
			break;
		case 't':
			P.token_file = optarg;
			break;
		case 'V':
			glow_version();
			exit(GLOW_EXIT_OK);
		case 'v':
			P.verbose = 1;
			break;
		case 'w':
			o->wf = optarg;
			break;
		}
	}
	if (optind != argc)
		usage(GLOW_EXIT_ERR);
	if (P.token_cmd && P.token_file)
		glow_die(GLOW_EXIT_ERR, "cannot use both -c and -t");
}

/* The configuration (configure) and the GitHub client, ready. */
static void
setup(const struct options *o)
{
	enum glow_gh_err e;
	const char *v;

	configure(o->tmpl, o->owner, o->wf, o->auth_only);
	if ((e = glow_gh_init(&P.gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&P.gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	if (P.verbose) {
		P.gh.trace = glow_trace;
		P.gh.trace_arg = NULL;
		P.run.note = note;
	}
	if (P.token_cmd)
		P.run.renew = token_renew;
	glow_prov_web_url(P.gh.base, &P.web);
	P.run.web = P.web.p;
	if ((v = getenv("GLOW_CONTENT_WAIT")) && *v)
		P.run.guess = atof(v) > 0 ? atof(v) : 0.1;
}

/* The pass: plan, provision, record, report.  Returns the exit status. */
static int
provision(double t0)
{
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT, out = GLOW_BUF_INIT, why = GLOW_BUF_INIT;
	struct glow_prov_learner *ls = NULL;
	struct sigaction sa;
	size_t nl = 0;
	int status = GLOW_EXIT_OK;

	set_cache();
	load_inputs(&r, &text);
	/* the plan: learners in key order */
	glow_roster_sort(&r);
	if (glow_prov_plan(&r, P.owner ? P.owner : "", P.all, &ls, &nl) < 0)
		nomem();
	P.rep.learners = r.nlearner;
	P.rep.selected = nl;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (P.dry) {
		dry_run(ls, nl);
		P.rep.dry = 1;
		summary(t0);
		goto done;
	}

	if (nl) {
		if (token_load() < 0)
			glow_die(GLOW_EXIT_ERR, "no token: give -c COMMAND or -t "
			    "FILE, or set " GLOW_GH_TOKEN_VARS);
		/* A bad template fails the pass here, once, and no learner
		 * is marked failed for it. */
		if (glow_prov_preflight(&P.run, &why) < 0)
			glow_die(GLOW_EXIT_ERR, "%s; no learner was touched",
			    why.p ? why.p : "out of memory");
		glow_prov_learn_listing(&P.run, nl);
		if (P.run.nomem)
			nomem();
		if (P.run.fatal)
			glow_die(GLOW_EXIT_ERR, "cannot provision for '%s': %s",
			    P.owner, P.run.fatal_msg.p);
	}
	if (nl && !stop_requested)
		(void)glow_prov_batch(&P.run, ls, nl, finished, &r);
	if (P.run.nomem)
		nomem();
	status = P.status;
	if (P.rep.done < nl)
		P.rep.interrupted = 1;
	if (P.rep.interrupted && P.rep.done < nl)
		fprintf(stderr, "%s: stopped: %zu learners left for the next run\n",
		    glow_progname, nl - P.rep.done);

	if (!P.roster_file) {
		if (glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL, NULL, NULL) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
		write_out(&out);
	}
	summary(t0);
	step_summary();
	if (status == GLOW_EXIT_OK &&
	    (P.rep.count[GLOW_PROV_C_ERROR] || P.rep.interrupted))
		status = GLOW_EXIT_NO;
done:
	glow_prov_plan_free(ls, nl);
	glow_prov_report_free(&P.rep);
	glow_prov_run_free(&P.run);
	glow_prov_list_free(P.workflows);
	free(P.tmpl_owner);
	free(P.tmpl_name);
	free(P.tmpl_full);
	free(P.owner);
	glow_buf_wipe(&P.token);
	glow_buf_free(&P.web);
	glow_buf_free(&out);
	glow_buf_free(&why);
	glow_roster_free(&r);
	glow_buf_free(&text);
	glow_gh_free(&P.gh);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	double t0 = glow_gh_clock();

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	glow_check_now();
	glow_prov_run_init(&P.run, &P.gh);
	P.run.depth = 16;
	P.run.stop = &stop_requested;
	parse_options(argc, argv, &o);
	setup(&o);
	return o.auth_only ? check_auth() : provision(t0);
}
