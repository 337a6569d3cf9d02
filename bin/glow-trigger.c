/* SPDX-License-Identifier: ISC */
/*
 * glow-trigger: match webhook envelopes (glow-webhook's) against a rules
 * file (glow-trigger(5)); print the matches, or run the matched commands
 * with a timeout and a concurrency cap, one envelope from stdin or every
 * envelope of a spool directory (Maildir-style: new/ -> cur/ -> done/ or
 * failed/, each run recorded in runs.jsonl; spool.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/counters.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/json.h"
#include "events/jobs.h"
#include "events/rules.h"
#include "events/spool.h"
#include "events/webhook.h"
#include "github/changes.h"
#include "github/dispatch.h"
#include "github/github.h"

#define MAX_ENVELOPE ((size_t)32 << 20)     /* a 25 MB payload and more */

static struct glow_rules rules;
static int verbose, max_jobs = 2, max_attempts = 3;
static long grace = 5, poll_ms = 500;
static double wait_scale = 1, retry_base = 2;
static const char *tokfile, *token_cmd, *spool, *retry;
static long long renew_at;      /* the helper's token: renew then */
static volatile sig_atomic_t stopping;
static int wake[2] = { -1, -1 };

/* GitHub, set up the first time a pull request's files are wanted. */
static struct glow_gh gh;
static int gh_state;            /* 0 not yet, 1 ready, -1 failed */
static struct glow_buf token = GLOW_BUF_INIT;
static char gh_error[256];
static struct glow_gh *gh_client(void *, struct glow_buf *);
static struct glow_changes changes = { 0, gh_client, NULL };

static const char usage_text[] =
	"usage: glow-trigger [-avx] [-C command | -t tokenfile] [-j jobs] [-k grace]\n"
	"                    rules [envelope]\n"
	"       glow-trigger -s spool [-avw] [-C command | -t tokenfile] [-i ms]\n"
	"                    [-j jobs] [-k grace] [-m attempts] [-R delivery|all] rules\n"
	"       glow-trigger -s spool -M\n"
	"       glow-trigger -c rules\n"
	"       glow-trigger -h | --help | -V\n"
	"\n"
	"  -a            a pull request's every changed file, not only the first page\n"
	"  -C command    run command for a token (glow-token's JSON), again before it\n"
	"                expires\n"
	"  -c            check the rules file and exit\n"
	"  -h, --help    print this usage and exit\n"
	"  -i ms         spool mode: how often to look for new envelopes\n"
	"  -j jobs       run at most jobs commands at once\n"
	"  -k grace      seconds between SIGTERM and SIGKILL on a timeout\n"
	"  -M            print the spool's metrics (Prometheus text) and exit\n"
	"  -m attempts   spool mode: run a failing rule at most this often\n"
	"  -R delivery   spool mode: run failed/'s envelopes of this delivery (all: every\n"
	"                one) again first\n"
	"  -s spool      spool mode: process the envelopes of this directory\n"
	"  -t tokenfile  read the GitHub API token from tokenfile ('-': standard input)\n"
	"  -V            print the version and exit\n"
	"  -v            say why each rule matched or not\n"
	"  -w            spool mode: keep watching for new envelopes\n"
	"  -x            run each matched rule's command\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

static void
out_line(struct glow_buf *b)
{
	glow_buf_addc(b, '\n');
	glow_out(b);
}

/* ---- the rules file ---- */

/* The diagnostic names the line, the rule and the key; the reason last. */
static void
rules_die(const char *path, size_t line, const struct glow_rules_error *e)
{
	char where[160] = "";

	if (e->index && e->id[0])
		snprintf(where, sizeof where, "rule '%s': ", e->id);
	else if (e->index)
		snprintf(where, sizeof where, "rule #%d: ", e->index);
	glow_die(GLOW_EXIT_ERR, "invalid rules '%s': line %zu: %s%s%s%s%s", path,
	    line, where, e->key[0] ? "key '" : "", e->key, e->key[0] ? "': " : "",
	    e->reason);
}

static void
read_rules(const char *path)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_rules_error e;
	size_t i, line = 1;

	if (glow_read_file(path, &b, 16 << 20) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read rules '%s':", path);
	if (glow_rules_load(&rules, glow_buf_str(&b), b.len, &e) < 0) {
		if (errno == ENOMEM)
			glow_die(GLOW_EXIT_ERR, "cannot load rules '%s':", path);
		for (i = 0; i < e.offset && i < b.len; i++)
			line += b.p[i] == '\n';
		rules_die(path, line, &e);
	}
	glow_buf_free(&b);
}

/* ---- GitHub, for the changed files (changes.h) ---- */

/*
 * The token: from the credential helper (-C), run again when it is due
 * (or forced, after a 401); else from -t or the environment, read once.
 * 0, or -1 with the reason appended to err.
 */
static int
token_get(struct glow_buf *err, int force)
{
	struct glow_buf why = GLOW_BUF_INIT;
	enum glow_gh_token_err te;
	const char *source;

	if (token_cmd) {
		if (!force && token.len && (!renew_at || time(NULL) < renew_at))
			return 0;
		if (glow_gh_token_cmd(token_cmd, &token, &renew_at, &why) < 0) {
			glow_buf_printf(err, "%s", glow_buf_str(&why));
			glow_buf_free(&why);
			return -1;
		}
		if (verbose)
			glow_warn("minted a token%s", renew_at ? "" :
			    " (no expires_at: renewed on 401 only)");
		gh.token = token.p;
		return 0;
	}
	if (token.len)
		return 0;
	if (gh_error[0]) {
		glow_buf_adds(err, gh_error);
		return -1;
	}
	if ((te = glow_gh_token_load(tokfile, &token, &source)) != GLOW_GH_TOKEN_OK) {
		glow_gh_token_problem(&why, te, source);
		snprintf(gh_error, sizeof gh_error, "%s (for the changed files and "
		    "dispatches)", why.p ? why.p : "no token");
		glow_buf_free(&why);
		glow_buf_adds(err, gh_error);
		return -1;
	}
	gh.token = token.p;
	return 0;
}

/* The GitHub client, made once, with a token (token_get). */
static struct glow_gh *
gh_client(void *arg, struct glow_buf *err)
{
	enum glow_gh_err e;

	(void)arg;
	if (gh_state == 0) {
		if ((e = glow_gh_init(&gh)) != GLOW_GH_OK ||
		    (e = glow_gh_env(&gh)) != GLOW_GH_OK) {
			glow_buf_printf(err, "cannot set up the GitHub client: %s",
			    glow_gh_strerror(e));
			gh_state = -1;
			return NULL;
		}
		gh_state = 1;
	}
	if (gh_state < 0) {
		glow_buf_adds(err, "no GitHub client");
		return NULL;
	}
	if (token_get(err, 0) < 0)
		return NULL;
	gh.token = token.p;
	return &gh;
}

/* ---- matching ---- */

/*
 * Test every rule against ev; matched[] receives the indices of the rules
 * that match.  With report, write one JSON line per rule (matched only,
 * or every rule with -v).  -1 (err set) if the files could not be had.
 */
static int
evaluate(struct glow_event *ev, const struct glow_json *doc, size_t *matched,
    size_t *nmatched, int report, const char *envname, struct glow_buf *err)
{
	struct glow_buf why = GLOW_BUF_INIT, line = GLOW_BUF_INIT;
	struct glow_jw w;
	size_t i;
	int m;

	*nmatched = 0;
	for (i = 0; i < rules.n; i++) {
		glow_buf_reset(&why);
		m = glow_rule_match(&rules.v[i], ev, verbose ? &why : NULL);
		if (m == GLOW_RULE_FILES) {
			int got = ev->files == GLOW_FILES_PENDING ?
			    glow_changes_fetch(&changes, ev, doc, err) : 0;

			if (got < 0) {
				glow_buf_free(&why);
				glow_buf_free(&line);
				return -1;
			}
			if (got == 1 && verbose)
				glow_warn("no token: the push's files are its "
				    "commits' lists, not its diff (glow-trigger(5))");
			glow_buf_reset(&why);
			m = glow_rule_match(&rules.v[i], ev, verbose ? &why : NULL);
		}
		if (m == GLOW_RULE_YES)
			matched[(*nmatched)++] = i;
		if (!report || (m != GLOW_RULE_YES && !verbose))
			continue;
		glow_buf_reset(&line);
		glow_jw_init(&w, &line, 0);
		glow_jw_object(&w);
		glow_jw_key(&w, "rule");
		glow_jw_str(&w, rules.v[i].id);
		glow_jw_key(&w, "matched");
		glow_jw_bool(&w, m == GLOW_RULE_YES);
		if (envname) {
			glow_jw_key(&w, "envelope");
			glow_jw_str(&w, envname);
		}
		glow_jw_key(&w, "delivery");
		ev->delivery ? glow_jw_str(&w, ev->delivery) : glow_jw_null(&w);
		glow_jw_key(&w, "event");
		glow_jw_str(&w, ev->event);
		glow_jw_key(&w, "action");
		ev->action ? glow_jw_str(&w, ev->action) : glow_jw_null(&w);
		glow_jw_key(&w, "repository");
		ev->repository ? glow_jw_str(&w, ev->repository) : glow_jw_null(&w);
		if (verbose) {
			glow_jw_key(&w, "reason");
			glow_jw_strn(&w, glow_buf_str(&why), why.len);
		}
		glow_jw_end(&w);
		out_line(&line);
	}
	glow_buf_free(&why);
	glow_buf_free(&line);
	return 0;
}

/* ---- envelopes and their runs ---- */

enum { RUN_PENDING, RUN_RUNNING, RUN_OK, RUN_FAILED };

struct envelope;

struct run {
	struct envelope *env;
	size_t rule;
	int state;
	int attempts;           /* attempts made so far (recorded) */
	double not_before;
};

struct envelope {
	char *name;             /* file name in the spool, or NULL (stdin) */
	struct glow_buf text;
	struct glow_json doc;
	struct glow_event ev;
	int loaded;             /* doc and ev are valid */
	int evaluated;
	int eval_attempts;
	double not_before;      /* next evaluation, after an error */
	int invalid;            /* not an envelope at all: straight to failed/ */
	struct run *runs;
	size_t nruns;
};

static struct glow_jobs jobs;
static struct envelope **envs;
static size_t nenvs;
static int any_failed, any_run, eval_failed;

/* The spool (spool mode), and what runs.jsonl says about cur/. */
static struct glow_spool sp;
static struct glow_spool_tallies tallies = GLOW_SPOOL_TALLIES_INIT;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD)
		stopping++;
	if (wake[1] >= 0)
		(void)!write(wake[1], "x", 1);
	errno = saved;
}

/* A spool operation failed: say what, where and why (spool.h). */
static void
spool_die(void)
{
	const char *p = sp.path.p;

	switch (sp.err) {
	case GLOW_SPOOL_CREATE:
		glow_die(GLOW_EXIT_ERR, "cannot create '%s':", p);
	case GLOW_SPOOL_LOCKFILE:
		glow_die(GLOW_EXIT_ERR, "cannot open '%s':", p);
	case GLOW_SPOOL_LOCKED:
		glow_die(GLOW_EXIT_ERR, "cannot lock spool '%s': %s", sp.dir,
		    errno == EWOULDBLOCK ? "another glow-trigger is using it" :
		    strerror(errno));
	case GLOW_SPOOL_LIST:
		glow_die(GLOW_EXIT_ERR, "cannot list '%s': out of memory", p);
	case GLOW_SPOOL_CLAIM:
		glow_die(GLOW_EXIT_ERR, "cannot claim '%s':", p);
	case GLOW_SPOOL_MOVE:
		glow_die(GLOW_EXIT_ERR, "cannot move '%s' to '%s':", p, sp.to.p);
	case GLOW_SPOOL_APPEND:
		glow_die(GLOW_EXIT_ERR, "cannot append to '%s':", p);
	case GLOW_SPOOL_NOMEM:
		glow_die(GLOW_EXIT_ERR, "cannot read '%s': out of memory", p);
	default:
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", p);
	}
}

/* Count one attempt by rule and result in SPOOL/counters.txt (counters.h);
 * metrics never fail a run. */
static void
count_run(const char *rule, int ok)
{
	struct glow_buf path = GLOW_BUF_INIT, series = GLOW_BUF_INIT;
	const char *name;

	glow_spool_path(&path, spool, "counters.txt", NULL);
	glow_buf_printf(&series, "glow_trigger_runs_total{rule=\"%s\",result=\"%s\"}",
	    rule ? rule : "(evaluation)", ok ? "ok" : "failed");
	name = glow_buf_str(&series);
	if (path.failed || series.failed ||
	    glow_counters_add(glow_buf_str(&path), &name, 1) < 0)
		glow_warn("cannot count in '%s':", glow_buf_str(&path));
	glow_buf_free(&path);
	glow_buf_free(&series);
}

/* When the attempts-th failed attempt may be followed by another. */
static double
retry_at(int attempts)
{
	return glow_gh_clock() + wait_scale * retry_base *
	    (double)(1L << (attempts - 1 < 10 ? attempts - 1 : 10));
}

/*
 * Record one attempt (rule NULL: evaluating) in runs.jsonl (spool mode)
 * and on stdout.  Did it succeed?
 */
static int
record(const struct envelope *e, const struct run *r, int attempt, int status,
    int timed_out, double secs, const char *error)
{
	struct glow_spool_run rec;
	struct glow_buf b = GLOW_BUF_INIT;
	struct timespec ts;

	rec.envelope = e->name;
	rec.delivery = e->loaded ? e->ev.delivery : NULL;
	rec.rule = r ? rules.v[r->rule].id : NULL;
	rec.attempt = attempt;
	rec.error = error;
	rec.status = status;
	rec.timed_out = timed_out;
	rec.seconds = secs;
	clock_gettime(CLOCK_REALTIME, &ts);
	glow_spool_run_format(&b, &rec, &ts);
	if (b.failed)
		glow_die(GLOW_EXIT_ERR, "cannot record a run: out of memory");
	if (spool && glow_spool_append(&sp, b.p, b.len) < 0)
		spool_die();
	if (spool)
		count_run(rec.rule, glow_spool_run_ok(&rec));
	glow_out(&b);
	glow_buf_free(&b);
	return glow_spool_run_ok(&rec);
}

extern char **environ;

/* After an attempt: done, retried later, or given up. */
static void
settle(struct run *r, int ok)
{
	r->attempts++;
	if (ok)
		r->state = RUN_OK;
	else if (r->attempts >= (spool ? max_attempts : 1))
		r->state = RUN_FAILED;
	else {
		r->state = RUN_PENDING;
		r->not_before = retry_at(r->attempts);
	}
}

/*
 * A rule's dispatch (dispatch.h): sent now, through the client's retries
 * and pacing, and recorded as an attempt; a 401 with a credential helper
 * gets a new token and one more try.
 */
static void
dispatch_run(struct envelope *e, struct run *r)
{
	const struct glow_rule *rule = &rules.v[r->rule];
	struct glow_buf why = GLOW_BUF_INIT;
	struct glow_gh *c;
	double t0 = glow_gh_clock();
	long status = 0;
	int rc = -1;

	if ((c = gh_client(NULL, &why))) {
		rc = glow_dispatch_send(c, &rule->dispatch, &e->ev, &status, &why);
		if (rc < 0 && status == 401 && token_cmd) {
			glow_buf_reset(&why);
			if (token_get(&why, 1) == 0)
				rc = glow_dispatch_send(c, &rule->dispatch, &e->ev,
				    &status, &why);
		}
	}
	any_run = 1;
	settle(r, record(e, r, r->attempts + 1, 0, 0, glow_gh_clock() - t0,
	    rc < 0 ? glow_buf_str(&why) : NULL));
	glow_buf_free(&why);
}

/* Start r's command, with the basics of the envelope in its environment. */
static void
job_start(struct envelope *e, struct run *r)
{
	static const char *const names[] = { "GLOW_EVENT", "GLOW_ACTION",
	    "GLOW_DELIVERY", "GLOW_REPOSITORY", "GLOW_INSTALLATION_ID",
	    "GLOW_RULE", "GLOW_ATTEMPT", "GLOW_ENVELOPE" };
	const struct glow_rule *rule = &rules.v[r->rule];
	struct glow_buf p = GLOW_BUF_INIT, rec = GLOW_BUF_INIT;
	const char *values[8], *envpath = NULL;
	char num[24], **envp;
	int fd;

	if (rule->dispatch.repository) {
		dispatch_run(e, r);
		return;
	}
	if (e->name) {
		glow_spool_path(&p, spool, GLOW_SPOOL_CUR, e->name);
		envpath = p.p;
	}
	/* the spool file itself, or a private copy of stdin's envelope */
	if ((fd = glow_jobs_stdin(envpath, e->text.p, e->text.len)) < 0) {
		glow_warn("cannot give the envelope to rule '%s':", rule->id);
		r->not_before = glow_gh_clock() + 1;
		glow_buf_free(&p);
		return;
	}
	snprintf(num, sizeof num, "%d", r->attempts + 1);
	values[0] = e->ev.event ? e->ev.event : "";
	values[1] = e->ev.action ? e->ev.action : "";
	values[2] = e->ev.delivery ? e->ev.delivery : "";
	values[3] = e->ev.repository ? e->ev.repository : "";
	values[4] = e->ev.installation ? e->ev.installation : "";
	values[5] = rule->id;
	values[6] = num;
	values[7] = envpath;
	if (!(envp = glow_jobs_envp(environ, names, values, 8)))
		glow_die(GLOW_EXIT_ERR, "cannot start rule '%s': out of memory",
		    rule->id);
	if (e->name) {
		glow_spool_path(&rec, spool, GLOW_SPOOL_RUNNING, e->name);
		glow_buf_printf(&rec, ",%s", rule->id);
		if (rec.failed)
			glow_die(GLOW_EXIT_ERR, "cannot start rule '%s': out of "
			    "memory", rule->id);
	}
	fflush(NULL);
	if (glow_job_start(&jobs, rule->run, fd, envp, rule->timeout,
	    e->name ? rec.p : NULL, r) < 0) {
		glow_warn("cannot start rule '%s':", rule->id);
		r->not_before = glow_gh_clock() + 1;
	} else {
		r->state = RUN_RUNNING;
		any_run = 1;
	}
	close(fd);
	free(envp);
	glow_buf_free(&p);
	glow_buf_free(&rec);
}

/* Record the commands that ended; retry a failure later, or give up. */
static void
reap(int stopping_now)
{
	struct glow_job j;
	struct run *r;
	int status;

	while (glow_jobs_reap(&jobs, &j, &status) > 0) {
		r = j.arg;
		if (stopping_now && j.termed && !j.timed_out) {
			/* interrupted by our own stop: not a completed run */
			r->state = RUN_PENDING;
			continue;
		}
		settle(r, record(r->env, r, r->attempts + 1, status, j.timed_out,
		    glow_gh_clock() - j.start, NULL));
	}
}
static void
env_free(struct envelope *e)
{
	if (e->loaded) {
		glow_event_free(&e->ev);
		glow_json_free(&e->doc);
	}
	glow_buf_free(&e->text);
	free(e->runs);
	free(e->name);
	free(e);
}

/* Parse and evaluate; 0, or -1 after recording why (retried later). */
static int
env_evaluate(struct envelope *e)
{
	struct glow_json_error je;
	struct glow_buf err = GLOW_BUF_INIT;
	const struct glow_spool_tally *rec;
	const char *why;
	size_t *m, n, i;

	if (!e->loaded) {
		if (glow_json_parse(&e->doc, glow_buf_str(&e->text), e->text.len,
		    &je) < 0) {
			glow_buf_printf(&err, "invalid envelope: offset %zu: %s",
			    je.offset, je.reason);
			e->invalid = 1;
		} else if (glow_event_load(&e->ev, &e->doc, &why) < 0) {
			glow_json_free(&e->doc);
			glow_buf_adds(&err, why);
			e->invalid = 1;
		} else
			e->loaded = 1;
		if (e->invalid) {
			eval_failed = 1;
			if (e->name)
				record(e, NULL, 1, 0, 0, 0, err.p);
			else
				glow_warn("invalid envelope: %s", err.p);
			glow_buf_free(&err);
			return -1;
		}
	}
	if (!(m = calloc(rules.n + 1, sizeof *m)))
		glow_die(GLOW_EXIT_ERR, "cannot evaluate: out of memory");
	if (evaluate(&e->ev, &e->doc, m, &n, verbose, e->name, &err) < 0) {
		eval_failed = 1;
		free(m);
		e->eval_attempts++;
		if (e->name)
			record(e, NULL, e->eval_attempts, 0, 0, 0, err.p);
		else
			glow_warn("cannot evaluate envelope 'stdin': %s", err.p);
		glow_buf_free(&err);
		/* the files are fetched again next time */
		glow_event_free(&e->ev);
		glow_json_free(&e->doc);
		e->loaded = 0;
		e->not_before = retry_at(e->eval_attempts);
		return -1;
	}
	if (!(e->runs = calloc(n + 1, sizeof *e->runs)))
		glow_die(GLOW_EXIT_ERR, "cannot evaluate: out of memory");
	for (i = 0; i < n; i++) {
		e->runs[i].env = e;
		e->runs[i].rule = m[i];
		e->runs[i].state = RUN_PENDING;
		if (e->name && (rec = glow_spool_tally_find(&tallies, e->name,
		    rules.v[m[i]].id))) {
			/* a run before a crash: done is done */
			e->runs[i].attempts = rec->count;
			if (rec->ok)
				e->runs[i].state = RUN_OK;
			else if (rec->count >= max_attempts)
				e->runs[i].state = RUN_FAILED;
		}
	}
	e->nruns = n;
	e->evaluated = 1;
	free(m);
	glow_buf_free(&err);
	return 0;
}

/* Every run is over: move the envelope to done/ or failed/. */
static int
env_finished(struct envelope *e)
{
	int failed = e->invalid ||
	    (!e->evaluated && e->eval_attempts >= max_attempts);
	size_t i;

	if (!failed && !e->evaluated)
		return 0;
	for (i = 0; i < e->nruns; i++) {
		if (e->runs[i].state == RUN_PENDING || e->runs[i].state == RUN_RUNNING)
			return 0;
		if (e->runs[i].state == RUN_FAILED)
			failed = 1;
	}
	any_failed |= failed;
	if (e->name) {
		if (glow_spool_retire(&sp, e->name, failed) < 0)
			spool_die();
		if (verbose)
			glow_warn("%s: %s", e->name, failed ? GLOW_SPOOL_FAILED :
			    GLOW_SPOOL_DONE);
	}
	return 1;
}

static void
add_env(struct envelope *e)
{
	struct envelope **nv;

	if (!(nv = realloc(envs, (nenvs + 1) * sizeof *nv)))
		glow_die(GLOW_EXIT_ERR, "cannot claim an envelope: out of memory");
	envs = nv;
	envs[nenvs++] = e;
}

/*
 * The scheduler: evaluate envelopes, start their runs (at most max_jobs
 * at once), enforce timeouts, record, retire envelopes, claim more.
 * claim() adds envelopes; it answers 0 when there is nothing to claim now.
 */
static void
schedule(int (*claim)(void), int watch)
{
	struct pollfd pfd;
	double t, next;
	size_t i, k;
	int timeout, claimed_any;
	char drain[64];

	for (;;) {
		t = glow_gh_clock();
		claimed_any = 0;
		while (!stopping && (int)nenvs < max_jobs && claim())
			claimed_any = 1;
		/* evaluate, start, retire */
		for (i = 0; i < nenvs; ) {
			struct envelope *e = envs[i];

			if (!e->evaluated && !e->invalid && t >= e->not_before &&
			    e->eval_attempts < max_attempts && !stopping)
				env_evaluate(e);
			for (k = 0; k < e->nruns && !glow_jobs_full(&jobs) &&
			    !stopping; k++)
				if (e->runs[k].state == RUN_PENDING &&
				    t >= e->runs[k].not_before)
					job_start(e, &e->runs[k]);
			if (env_finished(e)) {
				env_free(e);
				envs[i] = envs[--nenvs];
				continue;
			}
			i++;
		}
		if (jobs.n == 0 && stopping)
			break;
		if (jobs.n == 0 && nenvs == 0 && !watch && !claimed_any) {
			if (!claim())
				break;
			continue;
		}
		/* sleep until a child ends, a deadline, a retry, or a poll */
		next = glow_jobs_next(&jobs,
		    t + (watch || nenvs ? (double)poll_ms / 1000 : 0.1));
		for (i = 0; i < nenvs; i++) {
			if (!envs[i]->evaluated && envs[i]->not_before < next)
				next = envs[i]->not_before;
			for (k = 0; k < envs[i]->nruns; k++)
				if (envs[i]->runs[k].state == RUN_PENDING &&
				    envs[i]->runs[k].not_before < next)
					next = envs[i]->runs[k].not_before;
		}
		if (claimed_any && (int)nenvs < max_jobs)
			next = t;
		timeout = next <= t ? 0 : (int)((next - t) * 1000) + 1;
		pfd.fd = wake[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) > 0)
			while (read(wake[0], drain, sizeof drain) > 0)
				;
		reap(stopping > 0);
		glow_jobs_timeouts(&jobs, glow_gh_clock(), stopping);
	}
}

/* ---- stdin mode ---- */

static struct envelope *single;

static int
claim_single(void)
{
	if (!single)
		return 0;
	add_env(single);
	single = NULL;
	return 1;
}

static int
one_envelope(const char *path, int execute)
{
	struct envelope *e;
	size_t n, *m;
	struct glow_buf err = GLOW_BUF_INIT;

	if (strcmp(path, "-") == 0)
		path = "stdin";
	if (!(e = calloc(1, sizeof *e)))
		glow_die(GLOW_EXIT_ERR, "out of memory");
	if (glow_read_file(strcmp(path, "stdin") ? path : "-", &e->text,
	    MAX_ENVELOPE) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read envelope '%s':", path);
	if (!execute) {
		struct glow_json_error je;
		const char *why;
		int status;

		if (glow_json_parse(&e->doc, glow_buf_str(&e->text), e->text.len,
		    &je) < 0)
			glow_die(GLOW_EXIT_ERR, "invalid envelope '%s': offset %zu: %s",
			    path, je.offset, je.reason);
		if (glow_event_load(&e->ev, &e->doc, &why) < 0)
			glow_die(GLOW_EXIT_ERR, "invalid envelope '%s': %s", path, why);
		e->loaded = 1;
		if (!(m = calloc(rules.n + 1, sizeof *m)))
			glow_die(GLOW_EXIT_ERR, "out of memory");
		if (evaluate(&e->ev, &e->doc, m, &n, 1, NULL, &err) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot evaluate envelope '%s': %s",
			    path, err.p);
		status = n ? GLOW_EXIT_OK : GLOW_EXIT_NO;
		free(m);
		env_free(e);
		return status;
	}
	max_attempts = 1;
	single = e;
	schedule(claim_single, 0);
	for (n = 0; n < nenvs; n++)     /* left by a stop */
		env_free(envs[n]);
	nenvs = 0;
	if (eval_failed)
		return GLOW_EXIT_ERR;
	return any_run && !any_failed && !stopping ? GLOW_EXIT_OK : GLOW_EXIT_NO;
}

/* ---- spool mode ---- */

static char **queue;
static size_t nqueue, iqueue;
static char **leftover;
static size_t nleftover, ileftover;
static int rescanned;

/* Take on the envelope cur/name. */
static void
add_spooled(const char *name)
{
	struct envelope *e;

	if (!(e = calloc(1, sizeof *e)) || !(e->name = strdup(name)))
		glow_die(GLOW_EXIT_ERR, "cannot claim '%s': out of memory", name);
	if (glow_spool_read(&sp, name, &e->text, MAX_ENVELOPE) < 0) {
		if (errno != EFBIG)
			spool_die();
		glow_buf_reset(&e->text);       /* too big: invalid */
	}
	add_env(e);
}

static int
claim_spool(void)
{
	int r;

	if (ileftover < nleftover) {
		add_spooled(leftover[ileftover++]);
		return 1;
	}
	do {
		if (iqueue == nqueue) {
			/* rescan once per poll: claim() is called in a loop */
			if (rescanned)
				return 0;
			glow_spool_names_free(queue, nqueue);
			if (glow_spool_list(&sp, GLOW_SPOOL_NEW, &queue, &nqueue) < 0)
				spool_die();
			iqueue = 0;
			rescanned = 1;
			if (!nqueue)
				return 0;
		}
		if ((r = glow_spool_claim(&sp, queue[iqueue++])) < 0)
			spool_die();
	} while (r == 0);
	add_spooled(queue[iqueue - 1]);
	return 1;
}

static int
claim_spool_poll(void)
{
	int r = claim_spool();

	if (!r)
		rescanned = 0;  /* the next round may scan again */
	return r;
}

/*
 * The commands a glow-trigger that died left running (SPOOL/running/):
 * each ended (glow_job_orphan) and recorded as an interrupted attempt, so
 * that no (delivery, rule) ever runs twice at once.  The tallies of cur/
 * are loaded again after.
 */
static void
end_orphans(void)
{
	struct glow_spool_run rec;
	const struct glow_spool_tally *t;
	struct glow_buf path = GLOW_BUF_INIT, line = GLOW_BUF_INIT;
	struct timespec ts;
	char **names, *comma;
	size_t n, i;
	int ended;

	if (glow_spool_list(&sp, GLOW_SPOOL_RUNNING, &names, &n) < 0)
		spool_die();
	for (i = 0; i < n; i++) {
		glow_spool_path(&path, spool, GLOW_SPOOL_RUNNING, names[i]);
		if ((ended = glow_job_orphan(glow_buf_str(&path), grace)) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot end the orphaned command "
			    "of '%s':", glow_buf_str(&path));
		if (!(comma = strrchr(names[i], ',')))
			continue;       /* not a record of ours */
		*comma = '\0';
		t = glow_spool_tally_find(&tallies, names[i], comma + 1);
		memset(&rec, 0, sizeof rec);
		rec.envelope = names[i];
		rec.rule = comma + 1;
		rec.attempt = (t ? t->count : 0) + 1;
		rec.error = ended ? "interrupted: glow-trigger stopped while the "
		    "command ran; its process group was ended" :
		    "interrupted: glow-trigger stopped while the command ran";
		clock_gettime(CLOCK_REALTIME, &ts);
		glow_buf_reset(&line);
		glow_spool_run_format(&line, &rec, &ts);
		if (line.failed || glow_spool_append(&sp, line.p, line.len) < 0)
			spool_die();
		glow_warn("orphaned command of rule '%s' for '%s' %s", rec.rule,
		    rec.envelope, ended ? "ended" : "had ended");
	}
	glow_spool_names_free(names, n);
	glow_buf_free(&path);
	glow_buf_free(&line);
	glow_spool_tally_free(&tallies);
	if (nleftover &&
	    glow_spool_tally_load(&sp, &tallies, leftover, nleftover) < 0)
		spool_die();
}

/* -R: failed/'s envelopes of delivery (or all) back into new/. */
static void
requeue(const char *delivery)
{
	struct glow_buf newname = GLOW_BUF_INIT;
	struct timespec ts;
	char **names, suffix[256];
	size_t n, i, moved = 0, len;

	snprintf(suffix, sizeof suffix, "-%s.json", delivery);
	if (glow_spool_list(&sp, GLOW_SPOOL_FAILED, &names, &n) < 0)
		spool_die();
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (strcmp(delivery, "all") != 0 && (len < strlen(suffix) ||
		    strcmp(names[i] + len - strlen(suffix), suffix) != 0))
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec = (ts.tv_nsec / 1000 + (long)moved) % 1000000 * 1000;
		if (glow_spool_requeue(&sp, names[i], &ts, &newname) < 0)
			spool_die();
		if (verbose)
			glow_warn("retrying '%s' as '%s'", names[i], newname.p);
		moved++;
	}
	glow_spool_names_free(names, n);
	glow_buf_free(&newname);
	if (!moved)
		glow_die(GLOW_EXIT_NO, "nothing to retry in '%s/failed' for '%s'",
		    spool, delivery);
}

/* The oldest modification time of the first (sorted) envelope in sub. */
static void
oldest_in(const char *sub, time_t *oldest)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct stat st;
	char **names;
	size_t n;

	if (glow_spool_list(&sp, sub, &names, &n) < 0)
		return;
	if (n && glow_spool_path(&path, spool, sub, names[0]) == 0 &&
	    stat(path.p, &st) == 0 && (!*oldest || st.st_mtime < *oldest))
		*oldest = st.st_mtime;
	glow_spool_names_free(names, n);
	glow_buf_free(&path);
}

static size_t
count_in(const char *sub)
{
	char **names;
	size_t n;

	if (glow_spool_list(&sp, sub, &names, &n) < 0)
		return 0;
	glow_spool_names_free(names, n);
	return n;
}

/* -M: the spool's metrics, in Prometheus's text format (version 0.0.4). */
static int
metrics(void)
{
	struct glow_buf out = GLOW_BUF_INIT, text = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	time_t oldest = 0, now = time(NULL);

	glow_spool_init(&sp, spool);
	glow_buf_printf(&out, "# HELP glow_trigger_backlog Envelopes waiting "
	    "in new/.\n# TYPE glow_trigger_backlog gauge\n"
	    "glow_trigger_backlog %zu\n", count_in(GLOW_SPOOL_NEW));
	glow_buf_printf(&out, "# HELP glow_trigger_in_progress Envelopes being "
	    "worked on in cur/.\n# TYPE glow_trigger_in_progress gauge\n"
	    "glow_trigger_in_progress %zu\n", count_in(GLOW_SPOOL_CUR));
	glow_buf_printf(&out, "# HELP glow_trigger_failed_envelopes Envelopes "
	    "in failed/.\n# TYPE glow_trigger_failed_envelopes gauge\n"
	    "glow_trigger_failed_envelopes %zu\n", count_in(GLOW_SPOOL_FAILED));
	oldest_in(GLOW_SPOOL_NEW, &oldest);
	oldest_in(GLOW_SPOOL_CUR, &oldest);
	glow_buf_printf(&out, "# HELP glow_trigger_oldest_age_seconds Age of "
	    "the oldest envelope waiting or in progress (0: none).\n"
	    "# TYPE glow_trigger_oldest_age_seconds gauge\n"
	    "glow_trigger_oldest_age_seconds %lld\n",
	    oldest && now > oldest ? (long long)(now - oldest) : 0LL);
	glow_spool_path(&path, spool, "counters.txt", NULL);
	if (glow_counters_read(glow_buf_str(&path), &text) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", glow_buf_str(&path));
	glow_metric_series(&out, glow_buf_str(&text), text.len,
	    "glow_trigger_runs_total", "counter",
	    "Attempts by rule and result (ok, failed).");
	glow_out(&out);
	glow_buf_free(&out);
	glow_buf_free(&text);
	glow_buf_free(&path);
	glow_spool_free(&sp);
	return GLOW_EXIT_OK;
}

static int
run_spool(int watch)
{
	glow_spool_init(&sp, spool);
	if (glow_spool_open(&sp) < 0 ||
	    glow_spool_list(&sp, GLOW_SPOOL_CUR, &leftover, &nleftover) < 0)
		spool_die();
	if (nleftover) {
		if (glow_spool_tally_load(&sp, &tallies, leftover, nleftover) < 0)
			spool_die();
	}
	end_orphans();
	if (retry)
		requeue(retry);
	if (nleftover) {
		if (verbose)
			glow_warn("resuming %zu envelope%s left in '%s/cur'",
			    nleftover, nleftover == 1 ? "" : "s", spool);
	}
	schedule(watch ? claim_spool_poll : claim_spool, watch);
	glow_spool_names_free(leftover, nleftover);
	glow_spool_names_free(queue, nqueue);
	glow_spool_tally_free(&tallies);
	glow_spool_free(&sp);
	return any_failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* What the command line chose; the settings themselves are globals. */
struct options {
	int check, execute, watch, metrics;
	const char *rules, *envelope;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	const char *env;
	char *end;
	int c;

	memset(o, 0, sizeof *o);
	while ((c = glow_getopt(argc, argv, "aC:ci:j:k:Mm:R:s:t:vVwx",
	    usage_text)) != -1) {
		switch (c) {
		case 'a': changes.all = 1; break;
		case 'C': token_cmd = optarg; break;
		case 'c': o->check = 1; break;
		case 'i': poll_ms = glow_optnum(optarg, 1, 3600000, c); break;
		case 'j': max_jobs = (int)glow_optnum(optarg, 1, 1024, c); break;
		case 'k': grace = glow_optnum(optarg, 0, 3600, c); break;
		case 'M': o->metrics = 1; break;
		case 'm': max_attempts = (int)glow_optnum(optarg, 1, 100, c); break;
		case 'R': retry = optarg; break;
		case 's': spool = optarg; break;
		case 't': tokfile = optarg; break;
		case 'v': verbose = 1; break;
		case 'V': glow_version(); exit(GLOW_EXIT_OK);
		case 'w': o->watch = 1; break;
		case 'x': o->execute = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	if (o->metrics) {
		if (!spool || argc || o->check || o->execute || o->watch || retry)
			usage(GLOW_EXIT_ERR);
		return;
	}
	if (argc < 1 || argc > ((spool || o->check) ? 1 : 2) ||
	    (o->watch && !spool) || (o->check && (spool || o->execute)) ||
	    (retry && !spool))
		usage(GLOW_EXIT_ERR);
	if (token_cmd && tokfile)
		glow_die(GLOW_EXIT_ERR, "cannot use both -C and -t");
	if (retry && strcmp(retry, "all") != 0 && !glow_webhook_delivery_ok(retry))
		glow_die(GLOW_EXIT_ERR, "bad delivery '%s'", retry);
	o->rules = argv[0];
	o->envelope = argc > 1 ? argv[1] : "-";
	if ((env = getenv("GLOW_WAIT_SCALE")) && *env) {
		wait_scale = strtod(env, &end);
		if (*end || wait_scale < 0)
			glow_die(GLOW_EXIT_ERR, "bad GLOW_WAIT_SCALE '%s'", env);
	}
}

/* The signals and the job table that running commands needs. */
static void
start_jobs(void)
{
	struct sigaction sa;
	int k;

	if (pipe(wake) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot make a pipe:");
	for (k = 0; k < 2; k++) {
		fcntl(wake[k], F_SETFD, FD_CLOEXEC);
		fcntl(wake[k], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (glow_jobs_init(&jobs, max_jobs, grace) < 0)
		glow_die(GLOW_EXIT_ERR, "out of memory");
}

int
main(int argc, char *argv[])
{
	struct options o;
	int status;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	parse_options(argc, argv, &o);
	if (o.metrics)
		return metrics();
	read_rules(o.rules);
	if (o.check)
		return GLOW_EXIT_OK;
	start_jobs();
	if (spool)
		status = run_spool(o.watch);
	else
		status = one_envelope(o.envelope, o.execute);
	if (gh_state == 1)
		glow_gh_free(&gh);
	glow_buf_wipe(&token);
	glow_rules_free(&rules);
	glow_jobs_free(&jobs);
	free(envs);
	return status;
}
