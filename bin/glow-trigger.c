/* SPDX-License-Identifier: ISC */
/*
 * glow-trigger: match webhook envelopes (glow-webhook's) against a rules
 * file (glow-trigger(5)); print the matches, or run the matched commands
 * with a timeout and a concurrency cap, one envelope from stdin or every
 * envelope of a spool directory (Maildir-style: new/ -> cur/ -> done/ or
 * failed/, each run recorded in runs.jsonl).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsio.h"
#include "github.h"
#include "json.h"
#include "rules.h"

#define MAX_ENVELOPE ((size_t)32 << 20)     /* a 25 MB payload and more */
#define ACTIONS_PR_FILES 300    /* what Actions looks at (workflow syntax) */
#define API_PR_FILES 3000       /* what GET .../pulls/{n}/files lists */

static struct glow_rules rules;
static int verbose, all_files, max_jobs = 2, max_attempts = 3;
static long grace = 5, poll_ms = 500;
static double wait_scale = 1, retry_base = 2;
static const char *tokfile, *spool;
static volatile sig_atomic_t stopping;
static int wake[2] = { -1, -1 };

/* GitHub, set up the first time a pull request's files are wanted. */
static struct glow_gh gh;
static int gh_state;            /* 0 not yet, 1 ready, -1 failed */
static struct glow_buf token = GLOW_BUF_INIT;
static char gh_error[256];

static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: glow-trigger [-avx] [-j jobs] [-k grace] [-t tokenfile] "
	    "rules [envelope]\n"
	    "       glow-trigger -s spool [-avw] [-i ms] [-j jobs] [-k grace] "
	    "[-m attempts] [-t tokenfile] rules\n"
	    "       glow-trigger -c rules\n"
	    "       glow-trigger -b count rules [envelope]\n");
	exit(status);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
iso_now(char dst[32])
{
	struct timespec ts;
	struct tm tm;
	char s[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(dst, 32, "%.19s.%03dZ", s, (int)(ts.tv_nsec / 1000000));
}

static void
out_line(struct glow_buf *b)
{
	glow_buf_addc(b, '\n');
	if (b->failed)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
	if (glow_write_all(STDOUT_FILENO, b->p, b->len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
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
	if (glow_rules_load(&rules, b.p ? b.p : "", b.len, &e) < 0) {
		if (errno == ENOMEM)
			glow_die(GLOW_EXIT_ERR, "cannot load rules '%s':", path);
		for (i = 0; i < e.offset && i < b.len; i++)
			line += b.p[i] == '\n';
		rules_die(path, line, &e);
	}
	glow_buf_free(&b);
}

/* ---- GitHub: a pull request's files ---- */

static int
gh_setup(void)
{
	enum glow_gh_token_err te;
	enum glow_gh_err e;
	const char *source;

	if (gh_state)
		return gh_state;
	gh_state = -1;
	switch ((te = glow_gh_token_load(tokfile, &token, &source))) {
	case GLOW_GH_TOKEN_OK:
		break;
	case GLOW_GH_TOKEN_UNSET:
		snprintf(gh_error, sizeof gh_error, "no token for the pull "
		    "request's files: set " GLOW_GH_TOKEN_VARS ", or give -t FILE");
		return -1;
	case GLOW_GH_TOKEN_READ:
		snprintf(gh_error, sizeof gh_error, "cannot read token file "
		    "'%s': %s", source, strerror(errno));
		return -1;
	default:
		snprintf(gh_error, sizeof gh_error, "cannot use token '%s': %s",
		    source, te == GLOW_GH_TOKEN_EMPTY ? "it is empty" :
		    "no token in it");
		return -1;
	}
	if ((e = glow_gh_init(&gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&gh)) != GLOW_GH_OK) {
		snprintf(gh_error, sizeof gh_error, "cannot set up the GitHub "
		    "client: %s", glow_gh_strerror(e));
		return -1;
	}
	gh.token = token.p;
	return gh_state = 1;
}

/*
 * The files of a pull request.  Actions looks at the first 300 changed
 * files only; with -a, every file the API lists (at most 3000), and when
 * the pull request has more than were listed the path filter passes.
 */
static int
fetch_files(struct glow_event *ev, const struct glow_json *doc,
    struct glow_buf *err)
{
	struct glow_buf path = GLOW_BUF_INIT, owner = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json page;
	struct glow_json_error je;
	struct glow_buf msg = GLOW_BUF_INIT, name = GLOW_BUF_INIT;
	enum glow_gh_err e;
	const char *slash;
	long long changed = -1;
	size_t limit = all_files ? API_PR_FILES : ACTIONS_PR_FILES;
	int v, more = 0, rc = -1;

	ev->files = GLOW_FILES_LIST;
	if (!ev->repository || !(slash = strchr(ev->repository, '/'))) {
		glow_buf_adds(err, "no repository for the pull request's files");
		return -1;
	}
	if (gh_setup() < 0) {
		glow_buf_adds(err, gh_error);
		return -1;
	}
	glow_buf_add(&owner, ev->repository, (size_t)(slash - ev->repository));
	if (glow_gh_path(&path, "/repos/%s/%s/pulls/%ld/files?per_page=100",
	    owner.p, slash + 1, ev->pr_number) < 0) {
		glow_buf_printf(err, "bad repository '%s'", ev->repository);
		goto out;
	}
	glow_gh_resp_init(&r);
	for (;;) {
		e = glow_gh_request(&gh, "GET", path.p, NULL, 0, &r);
		if (e != GLOW_GH_OK) {
			glow_buf_printf(err, "GET '%s': %s", path.p, glow_gh_strerror(e));
			if (e == GLOW_GH_HTTP || r.status) {
				glow_gh_message(&r, &msg);
				glow_buf_printf(err, ": %ld %s", r.status, msg.p);
			}
			break;
		}
		if (glow_json_parse(&page, r.body.p ? r.body.p : "", r.body.len,
		    &je) < 0) {
			glow_buf_printf(err, "GET '%s': not JSON: %s", path.p,
			    je.reason);
			break;
		}
		if (glow_json_type(&page, 0) != GLOW_JSON_ARRAY) {
			glow_json_free(&page);
			glow_buf_printf(err, "GET '%s': not a JSON array", path.p);
			break;
		}
		for (v = glow_json_first(&page, 0); v >= 0 && ev->nfile < limit;
		    v = glow_json_next(&page, v)) {
			glow_buf_reset(&name);
			if (glow_json_string(&page, glow_json_get(&page, v, "filename"),
			    &name) < 0)
				continue;
			if (name.failed || glow_event_add_file(ev, name.p ? name.p : "",
			    name.len) < 0) {
				glow_json_free(&page);
				glow_buf_adds(err, "out of memory");
				goto done;
			}
		}
		more = v >= 0 || r.next[0];
		glow_json_free(&page);
		if (ev->nfile >= limit || !r.next[0]) {
			rc = 0;
			break;
		}
		glow_buf_reset(&path);
		glow_buf_adds(&path, r.next);
	}
done:
	if (rc == 0 && all_files) {
		v = glow_json_get(doc, glow_json_get(doc, 0, "payload"), "pull_request");
		glow_json_int(doc, glow_json_get(doc, v, "changed_files"), &changed);
		if ((changed >= 0 && (size_t)changed > ev->nfile) ||
		    (changed < 0 && more) || ev->nfile >= API_PR_FILES)
			ev->files_unknown = 1;
	}
	glow_gh_resp_free(&r);
out:
	glow_buf_free(&path);
	glow_buf_free(&owner);
	glow_buf_free(&msg);
	glow_buf_free(&name);
	return rc;
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
			if (ev->files == GLOW_FILES_PENDING &&
			    fetch_files(ev, doc, err) < 0) {
				glow_buf_free(&why);
				glow_buf_free(&line);
				return -1;
			}
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
			glow_jw_strn(&w, why.p ? why.p : "", why.len);
		}
		glow_jw_end(&w);
		out_line(&line);
	}
	glow_buf_free(&why);
	glow_buf_free(&line);
	return 0;
}

/* ---- running ---- */

enum { RUN_PENDING, RUN_RUNNING, RUN_OK, RUN_FAILED };

struct run {
	size_t rule;
	int state;
	int attempts;           /* attempts made so far (recorded) */
	double not_before;
};

struct env {
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

struct job {
	pid_t pid;
	struct env *env;
	struct run *run;
	double start, deadline, killat;
	int termed;             /* SIGTERM sent (timeout or stop) */
	int timed_out;
};

static struct job *jobs;
static int njobs;
static struct env **envs;
static size_t nenvs;
static int any_failed, any_run, eval_failed;

/* What runs.jsonl already says about the envelopes left in cur/. */
struct record {
	char *envelope, *rule;  /* rule NULL: an evaluation error */
	int ok, count;
};
static struct record *records;
static size_t nrecords;

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

static void
spool_path(struct glow_buf *b, const char *dir, const char *name)
{
	glow_buf_reset(b);
	glow_buf_printf(b, "%s/%s%s%s", spool, dir, name ? "/" : "",
	    name ? name : "");
}

static void
fsync_dir(const char *dir)
{
	struct glow_buf p = GLOW_BUF_INIT;
	int fd;

	spool_path(&p, dir, NULL);
	if ((fd = open(p.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	glow_buf_free(&p);
}

/* Append one run record to runs.jsonl (spool mode, durably) and stdout. */
static void
record(struct env *e, const struct run *r, int attempt, int status,
    int timed_out, double secs, const char *error)
{
	struct glow_buf b = GLOW_BUF_INIT, p = GLOW_BUF_INIT;
	struct glow_jw w;
	char ts[32];
	int ok = error == NULL && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    !timed_out;

	iso_now(ts);
	glow_jw_init(&w, &b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "time");
	glow_jw_str(&w, ts);
	if (e->name) {
		glow_jw_key(&w, "envelope");
		glow_jw_str(&w, e->name);
	}
	glow_jw_key(&w, "delivery");
	e->loaded && e->ev.delivery ? glow_jw_str(&w, e->ev.delivery) :
	    glow_jw_null(&w);
	glow_jw_key(&w, "rule");
	r ? glow_jw_str(&w, rules.v[r->rule].id) : glow_jw_null(&w);
	glow_jw_key(&w, "attempt");
	glow_jw_int(&w, attempt);
	if (error) {
		glow_jw_key(&w, "error");
		glow_jw_str(&w, error);
	} else {
		glow_jw_key(&w, "exit");
		WIFEXITED(status) ? glow_jw_int(&w, WEXITSTATUS(status)) :
		    glow_jw_null(&w);
		glow_jw_key(&w, "signal");
		WIFSIGNALED(status) ? glow_jw_int(&w, WTERMSIG(status)) :
		    glow_jw_null(&w);
		glow_jw_key(&w, "timed_out");
		glow_jw_bool(&w, timed_out);
		glow_jw_key(&w, "duration_ms");
		glow_jw_int(&w, (long long)(secs * 1000 + 0.5));
	}
	glow_jw_key(&w, "ok");
	glow_jw_bool(&w, ok);
	glow_jw_end(&w);
	glow_buf_addc(&b, '\n');
	if (b.failed)
		glow_die(GLOW_EXIT_ERR, "cannot record a run: out of memory");
	if (spool) {
		spool_path(&p, "runs.jsonl", NULL);
		if (glow_append_durable(p.p, b.p, b.len, 0600) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot append to '%s':", p.p);
	}
	if (glow_write_all(STDOUT_FILENO, b.p, b.len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	glow_buf_free(&b);
	glow_buf_free(&p);
}

extern char **environ;

/* The command's environment: ours, with the basics of the envelope. */
static char **
build_envp(const struct env *e, const struct run *r, int attempt,
    const char *envpath)
{
	static const char *const names[] = { "GLOW_EVENT", "GLOW_ACTION",
	    "GLOW_DELIVERY", "GLOW_REPOSITORY", "GLOW_INSTALLATION_ID",
	    "GLOW_RULE", "GLOW_ATTEMPT", "GLOW_ENVELOPE" };
	const char *values[8];
	char num[24], **v;
	size_t n = 0, i, k, len;
	struct glow_buf b = GLOW_BUF_INIT;

	snprintf(num, sizeof num, "%d", attempt);
	values[0] = e->ev.event;
	values[1] = e->ev.action;
	values[2] = e->ev.delivery;
	values[3] = e->ev.repository;
	values[4] = e->ev.installation;
	values[5] = rules.v[r->rule].id;
	values[6] = num;
	values[7] = envpath;
	for (i = 0; environ[i]; i++)
		;
	if (!(v = calloc(i + 9, sizeof *v)))
		return NULL;
	for (i = 0; environ[i]; i++) {
		for (k = 0; k < 8; k++) {
			len = strlen(names[k]);
			if (strncmp(environ[i], names[k], len) == 0 &&
			    environ[i][len] == '=')
				break;
		}
		if (k == 8)
			v[n++] = environ[i];
	}
	for (k = 0; k < 8; k++) {
		if (k == 7 && !envpath)
			continue;
		glow_buf_reset(&b);
		glow_buf_printf(&b, "%s=%s", names[k], values[k] ? values[k] : "");
		if (b.failed || !(v[n++] = strdup(b.p)))
			return NULL;    /* leaks on ENOMEM only; we die then */
	}
	glow_buf_free(&b);
	return v;
}

static void
free_envp(char **v)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if (strncmp(v[i], "GLOW_", 5) == 0 && (strncmp(v[i], "GLOW_EVENT=", 11) == 0 ||
		    strncmp(v[i], "GLOW_ACTION=", 12) == 0 ||
		    strncmp(v[i], "GLOW_DELIVERY=", 14) == 0 ||
		    strncmp(v[i], "GLOW_REPOSITORY=", 16) == 0 ||
		    strncmp(v[i], "GLOW_INSTALLATION_ID=", 21) == 0 ||
		    strncmp(v[i], "GLOW_RULE=", 10) == 0 ||
		    strncmp(v[i], "GLOW_ATTEMPT=", 13) == 0 ||
		    strncmp(v[i], "GLOW_ENVELOPE=", 14) == 0))
			free(v[i]);
	free(v);
}

/*
 * The envelope for the command's stdin: the spool file itself, or a
 * private unlinked copy (concurrent commands each read from offset 0).
 */
static int
stdin_fd(const struct env *e, const char *envpath)
{
	const char *tmp;
	char path[PATH_MAX];
	int fd;

	if (envpath)
		return open(envpath, O_RDONLY | O_CLOEXEC);
	tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/glow-trigger.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	if (glow_write_all(fd, e->text.p, e->text.len) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
job_start(struct env *e, struct run *r)
{
	struct job *j = &jobs[njobs];
	struct glow_buf p = GLOW_BUF_INIT;
	struct sigaction dfl;
	const char *envpath = NULL;
	char **envp, *argv[4];
	sigset_t none;
	pid_t pid;
	int fd;

	if (e->name) {
		spool_path(&p, "cur", e->name);
		envpath = p.p;
	}
	if ((fd = stdin_fd(e, envpath)) < 0) {
		glow_warn("cannot give the envelope to rule '%s':",
		    rules.v[r->rule].id);
		r->not_before = now() + 1;
		glow_buf_free(&p);
		return;
	}
	if (!(envp = build_envp(e, r, r->attempts + 1, envpath)))
		glow_die(GLOW_EXIT_ERR, "cannot start rule '%s': out of memory",
		    rules.v[r->rule].id);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = rules.v[r->rule].run;
	argv[3] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		glow_warn("cannot start rule '%s':", rules.v[r->rule].id);
		r->not_before = now() + 1;
	} else if (pid == 0) {
		/* only async-signal-safe calls from here on */
		setpgid(0, 0);
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fd, 0) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	} else {
		setpgid(pid, pid);      /* also here: no race with kill(-pid) */
		memset(j, 0, sizeof *j);
		j->pid = pid;
		j->env = e;
		j->run = r;
		j->start = now();
		j->deadline = j->start + (double)rules.v[r->rule].timeout;
		r->state = RUN_RUNNING;
		njobs++;
		any_run = 1;
	}
	close(fd);
	free_envp(envp);
	glow_buf_free(&p);
}

static void
job_finish(int k, int status)
{
	struct job *j = &jobs[k];
	struct run *r = j->run;
	int ok;

	record(j->env, r, r->attempts + 1, status, j->timed_out,
	    now() - j->start, NULL);
	r->attempts++;
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !j->timed_out;
	if (ok)
		r->state = RUN_OK;
	else if (r->attempts >= (spool ? max_attempts : 1))
		r->state = RUN_FAILED;
	else {
		r->state = RUN_PENDING;
		r->not_before = now() + wait_scale * retry_base *
		    (double)(1L << (r->attempts - 1 < 10 ? r->attempts - 1 : 10));
	}
	jobs[k] = jobs[--njobs];
}

/*
 * Reap the commands that ended.  The leader is looked at without being
 * reaped (WNOWAIT), so that its process group, which may still hold
 * children, cannot be reused before they are killed.
 */
static void
reap(int stopping_now)
{
	siginfo_t si;
	int k, status;

	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid == 0)
			return;
		for (k = 0; k < njobs && jobs[k].pid != si.si_pid; k++)
			;
		if (k < njobs)
			kill(-jobs[k].pid, SIGKILL);    /* what it left behind */
		while (waitpid(si.si_pid, &status, 0) < 0 && errno == EINTR)
			;
		if (k == njobs)
			continue;
		if (stopping_now && jobs[k].termed && !jobs[k].timed_out) {
			/* interrupted by our own stop: not a completed run */
			jobs[k].run->state = RUN_PENDING;
			jobs[k] = jobs[--njobs];
			continue;
		}
		job_finish(k, status);
	}
}

static void
check_timeouts(void)
{
	double t = now();
	int k;

	for (k = 0; k < njobs; k++) {
		struct job *j = &jobs[k];

		if (!j->termed && (t >= j->deadline || stopping)) {
			kill(-j->pid, SIGTERM);
			j->termed = 1;
			j->timed_out = t >= j->deadline;
			j->killat = t + (double)grace;
		} else if (j->termed && t >= j->killat) {
			kill(-j->pid, SIGKILL);
			j->killat = t + 3600;
		}
	}
}

/* ---- envelopes ---- */

static const struct record *
find_record(const char *envelope, const char *rule)
{
	size_t i;

	for (i = 0; i < nrecords; i++)
		if (strcmp(records[i].envelope, envelope) == 0 &&
		    (rule ? records[i].rule && strcmp(records[i].rule, rule) == 0 :
		    !records[i].rule))
			return &records[i];
	return NULL;
}

static void
env_free(struct env *e)
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
env_evaluate(struct env *e)
{
	struct glow_json_error je;
	struct glow_buf err = GLOW_BUF_INIT;
	const struct record *rec;
	const char *why;
	size_t *m, n, i;

	if (!e->loaded) {
		if (glow_json_parse(&e->doc, e->text.p ? e->text.p : "", e->text.len,
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
		e->not_before = now() + wait_scale * retry_base *
		    (double)(1L << (e->eval_attempts - 1 < 10 ? e->eval_attempts - 1 : 10));
		return -1;
	}
	if (!(e->runs = calloc(n + 1, sizeof *e->runs)))
		glow_die(GLOW_EXIT_ERR, "cannot evaluate: out of memory");
	for (i = 0; i < n; i++) {
		e->runs[i].rule = m[i];
		e->runs[i].state = RUN_PENDING;
		if (e->name && (rec = find_record(e->name, rules.v[m[i]].id))) {
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
env_finished(struct env *e)
{
	struct glow_buf from = GLOW_BUF_INIT, to = GLOW_BUF_INIT;
	const char *dir = "done";
	size_t i;

	if (e->invalid || (!e->evaluated && e->eval_attempts >= max_attempts))
		dir = "failed";
	else if (!e->evaluated)
		return 0;
	for (i = 0; i < e->nruns; i++) {
		if (e->runs[i].state == RUN_PENDING || e->runs[i].state == RUN_RUNNING)
			return 0;
		if (e->runs[i].state == RUN_FAILED)
			dir = "failed";
	}
	if (*dir == 'f')
		any_failed = 1;
	if (e->name) {
		spool_path(&from, "cur", e->name);
		spool_path(&to, dir, e->name);
		if (rename(from.p, to.p) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot move '%s' to '%s':", from.p,
			    to.p);
		fsync_dir(dir);
		if (verbose)
			glow_warn("%s: %s", e->name, dir);
	}
	glow_buf_free(&from);
	glow_buf_free(&to);
	return 1;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in SPOOL/dir, sorted (the order of arrival). */
static char **
list_dir(const char *dir, size_t *n)
{
	struct glow_buf p = GLOW_BUF_INIT;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cap = 0;
	DIR *d;

	*n = 0;
	spool_path(&p, dir, NULL);
	if (!(d = opendir(p.p)))
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", p.p);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(nv = realloc(v, cap * sizeof *v)))
				glow_die(GLOW_EXIT_ERR, "cannot list '%s': out of memory",
				    p.p);
			v = nv;
		}
		if (!(v[(*n)++] = strdup(de->d_name)))
			glow_die(GLOW_EXIT_ERR, "cannot list '%s': out of memory", p.p);
	}
	closedir(d);
	glow_buf_free(&p);
	if (*n)
		qsort(v, *n, sizeof *v, namecmp);
	return v;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static struct env *
env_open(const char *dir, const char *name)
{
	struct glow_buf p = GLOW_BUF_INIT;
	struct env *e;

	if (!(e = calloc(1, sizeof *e)) || !(e->name = strdup(name)))
		glow_die(GLOW_EXIT_ERR, "cannot claim '%s': out of memory", name);
	spool_path(&p, dir, name);
	if (glow_read_file(p.p, &e->text, MAX_ENVELOPE) < 0) {
		if (errno != EFBIG)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':", p.p);
		glow_buf_reset(&e->text);       /* too big: invalid */
	}
	glow_buf_free(&p);
	return e;
}

/* Load runs.jsonl's records about the envelopes left in cur/. */
static void
load_records(char **names, size_t n)
{
	struct glow_buf b = GLOW_BUF_INIT, p = GLOW_BUF_INIT;
	struct glow_json d;
	struct record *nr;
	char *line, *end, *env, *rule;
	size_t i, cap = 0;
	int okv;

	spool_path(&p, "runs.jsonl", NULL);
	if (glow_read_file(p.p, &b, (size_t)1 << 31) < 0) {
		if (errno != ENOENT)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':", p.p);
		glow_buf_free(&p);
		return;
	}
	/* a torn last line (a crash mid-write) must not glue to the next */
	if (b.len && b.p[b.len - 1] != '\n' &&
	    glow_append_durable(p.p, "\n", 1, 0600) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot append to '%s':", p.p);
	for (line = b.p; line && line < b.p + b.len; line = end + 1) {
		if (!(end = memchr(line, '\n', (size_t)(b.p + b.len - line))))
			end = b.p + b.len;
		if (end == line || glow_json_parse(&d, line, (size_t)(end - line),
		    NULL) < 0)
			continue;
		env = glow_json_strdup(&d, glow_json_get(&d, 0, "envelope"));
		rule = glow_json_strdup(&d, glow_json_get(&d, 0, "rule"));
		okv = glow_json_type(&d, glow_json_get(&d, 0, "ok")) == GLOW_JSON_TRUE;
		glow_json_free(&d);
		if (env && bsearch(&env, names, n, sizeof *names, namecmp)) {
			for (i = 0; i < nrecords; i++)
				if (strcmp(records[i].envelope, env) == 0 &&
				    ((!rule && !records[i].rule) || (rule &&
				    records[i].rule && strcmp(records[i].rule, rule) == 0)))
					break;
			if (i < nrecords) {
				records[i].count++;
				records[i].ok |= okv;
				free(env);
				free(rule);
				continue;
			}
			if (nrecords == cap) {
				cap = cap ? 2 * cap : 32;
				if (!(nr = realloc(records, cap * sizeof *nr)))
					glow_die(GLOW_EXIT_ERR, "cannot read '%s': out "
					    "of memory", p.p);
				records = nr;
			}
			records[nrecords].envelope = env;
			records[nrecords].rule = rule;
			records[nrecords].ok = okv;
			records[nrecords].count = 1;
			nrecords++;
			continue;
		}
		free(env);
		free(rule);
	}
	glow_buf_free(&b);
	glow_buf_free(&p);
}

static void
add_env(struct env *e)
{
	struct env **nv;

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
		t = now();
		claimed_any = 0;
		while (!stopping && (int)nenvs < max_jobs && claim())
			claimed_any = 1;
		/* evaluate, start, retire */
		for (i = 0; i < nenvs; ) {
			struct env *e = envs[i];

			if (!e->evaluated && !e->invalid && t >= e->not_before &&
			    e->eval_attempts < max_attempts && !stopping)
				env_evaluate(e);
			for (k = 0; k < e->nruns && njobs < max_jobs && !stopping; k++)
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
		if (njobs == 0 && stopping)
			break;
		if (njobs == 0 && nenvs == 0 && !watch && !claimed_any) {
			if (!claim())
				break;
			continue;
		}
		/* sleep until a child ends, a deadline, a retry, or a poll */
		next = t + (watch || nenvs ? (double)poll_ms / 1000 : 0.1);
		for (k = 0; k < (size_t)njobs; k++) {
			double d = jobs[k].termed ? jobs[k].killat : jobs[k].deadline;

			if (d < next)
				next = d;
		}
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
		check_timeouts();
	}
}

/* ---- stdin mode ---- */

static struct env *single;

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
	struct env *e;
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

		if (glow_json_parse(&e->doc, e->text.p ? e->text.p : "", e->text.len,
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

static int
claim_spool(void)
{
	struct glow_buf from = GLOW_BUF_INIT, to = GLOW_BUF_INIT;
	struct env *e;
	int r;

	if (ileftover < nleftover) {
		add_env(env_open("cur", leftover[ileftover++]));
		return 1;
	}
	for (;;) {
		if (iqueue == nqueue) {
			/* rescan once per poll: claim() is called in a loop */
			if (rescanned)
				return 0;
			free_names(queue, nqueue);
			queue = list_dir("new", &nqueue);
			iqueue = 0;
			rescanned = 1;
			if (!nqueue)
				return 0;
		}
		spool_path(&from, "new", queue[iqueue]);
		spool_path(&to, "cur", queue[iqueue]);
		r = rename(from.p, to.p);
		iqueue++;
		if (r == 0)
			break;
		if (errno != ENOENT)
			glow_die(GLOW_EXIT_ERR, "cannot claim '%s':", from.p);
	}
	/* the claim is durable before anything runs */
	fsync_dir("cur");
	e = env_open("cur", queue[iqueue - 1]);
	add_env(e);
	glow_buf_free(&from);
	glow_buf_free(&to);
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

static int
run_spool(int watch)
{
	static const char *const dirs[] = { "", "tmp", "new", "cur", "done",
	    "failed" };
	struct glow_buf p = GLOW_BUF_INIT;
	size_t i;
	int lockfd;

	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		spool_path(&p, dirs[i], NULL);
		if (mkdir(p.p, 0700) < 0 && errno != EEXIST)
			glow_die(GLOW_EXIT_ERR, "cannot create '%s':", p.p);
	}
	/* one glow-trigger per spool: cur/ is its own */
	spool_path(&p, "trigger.lock", NULL);
	if ((lockfd = open(p.p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot open '%s':", p.p);
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot lock spool '%s': %s", spool,
		    errno == EWOULDBLOCK ? "another glow-trigger is using it" :
		    strerror(errno));
	leftover = list_dir("cur", &nleftover);
	if (nleftover) {
		load_records(leftover, nleftover);
		if (verbose)
			glow_warn("resuming %zu envelope%s left in '%s/cur'",
			    nleftover, nleftover == 1 ? "" : "s", spool);
	}
	schedule(watch ? claim_spool_poll : claim_spool, watch);
	free_names(leftover, nleftover);
	free_names(queue, nqueue);
	for (i = 0; i < nrecords; i++) {
		free(records[i].envelope);
		free(records[i].rule);
	}
	free(records);
	glow_buf_free(&p);
	close(lockfd);
	return any_failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* ---- benchmark ---- */

static int
benchmark(long count, const char *path)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_event ev;
	const char *why;
	double t0, secs;
	long i;
	size_t j, hits = 0;

	if (glow_read_file(path, &text, MAX_ENVELOPE) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read envelope '%s':", path);
	t0 = now();
	for (i = 0; i < count; i++) {
		if (glow_json_parse(&doc, text.p ? text.p : "", text.len, NULL) < 0 ||
		    glow_event_load(&ev, &doc, &why) < 0)
			glow_die(GLOW_EXIT_ERR, "invalid envelope '%s'", path);
		if (ev.files == GLOW_FILES_PENDING)
			ev.files = GLOW_FILES_LIST;     /* no network here */
		for (j = 0; j < rules.n; j++)
			hits += glow_rule_match(&rules.v[j], &ev, NULL) == GLOW_RULE_YES;
		glow_event_free(&ev);
		glow_json_free(&doc);
	}
	secs = now() - t0;
	printf("envelopes %ld rules %zu evaluations %ld matched %zu seconds %.3f "
	    "evaluations_per_second %.0f\n", count, rules.n, count * (long)rules.n,
	    hits, secs, secs > 0 ? (double)count * (double)rules.n / secs : 0.0);
	glow_buf_free(&text);
	return GLOW_EXIT_OK;
}

static long
num_arg(const char *s, long lo, long hi, int opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		glow_die(GLOW_EXIT_ERR, "bad -%c '%s': want %ld to %ld", opt, s, lo, hi);
	return v;
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	const char *env;
	long bench = 0;
	int c, check = 0, execute = 0, watch = 0, status;

	glow_setprogname(argv[0]);
	while ((c = getopt(argc, argv, "ab:chi:j:k:m:s:t:vVwx")) != -1) {
		switch (c) {
		case 'a': all_files = 1; break;
		case 'b': bench = num_arg(optarg, 1, 100000000, c); break;
		case 'c': check = 1; break;
		case 'h': usage(stdout, GLOW_EXIT_OK); break;
		case 'i': poll_ms = num_arg(optarg, 1, 3600000, c); break;
		case 'j': max_jobs = (int)num_arg(optarg, 1, 1024, c); break;
		case 'k': grace = num_arg(optarg, 0, 3600, c); break;
		case 'm': max_attempts = (int)num_arg(optarg, 1, 100, c); break;
		case 's': spool = optarg; break;
		case 't': tokfile = optarg; break;
		case 'v': verbose = 1; break;
		case 'V': glow_version(); return GLOW_EXIT_OK;
		case 'w': watch = 1; break;
		case 'x': execute = 1; break;
		default: usage(stderr, GLOW_EXIT_ERR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > ((spool || check) ? 1 : 2) ||
	    (watch && !spool) || (check && (spool || execute || bench)) ||
	    (bench && (spool || execute)))
		usage(stderr, GLOW_EXIT_ERR);
	if ((env = getenv("GLOW_WAIT_SCALE")) && *env) {
		char *end;

		wait_scale = strtod(env, &end);
		if (*end || wait_scale < 0)
			glow_die(GLOW_EXIT_ERR, "bad GLOW_WAIT_SCALE '%s'", env);
	}
	read_rules(argv[0]);
	if (check)
		return GLOW_EXIT_OK;
	if (bench)
		return benchmark(bench, argc > 1 ? argv[1] : "-");

	if (pipe(wake) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot make a pipe:");
	for (c = 0; c < 2; c++) {
		fcntl(wake[c], F_SETFD, FD_CLOEXEC);
		fcntl(wake[c], F_SETFL, O_NONBLOCK);
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
	if (!(jobs = calloc((size_t)max_jobs, sizeof *jobs)))
		glow_die(GLOW_EXIT_ERR, "out of memory");

	if (spool)
		status = run_spool(watch);
	else
		status = one_envelope(argc > 1 ? argv[1] : "-", execute);
	if (gh_state == 1)
		glow_gh_free(&gh);
	glow_buf_wipe(&token);
	glow_rules_free(&rules);
	free(jobs);
	free(envs);
	return status;
}
