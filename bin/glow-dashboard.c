/* SPDX-License-Identifier: ISC */
/*
 * glow-dashboard: the cohort's state as GitHub-flavoured Markdown, kept in
 * one issue of the admin repository; invitations checked and renewed.
 * See glow-dashboard(1).
 */
#include <errno.h>
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
#include "dashboard/dashboard.h"
#include "github/github.h"
#include "github/invitation.h"
#include "provision/provision.h"
#include "roster/roster.h"
#include "roster/roster_load.h"

#define MAX_INPUT ((size_t)1 << 30)
#define DEFAULT_TITLE "Cohort dashboard"

struct ctx {
	const char *file, *log, *snapfile, *tokenfile, *repo, *title;
	int private_view, renew, dry, all;
	long days;
	size_t max_bytes;
	char now[40];
	long long now_s;

	struct glow_buf text, logtext, snaptext, snapshot, token, md, scratch;
	struct glow_roster r;
	struct glow_dash d;
	struct glow_gh gh;
	int gh_ready;
	long checked, renewed, renew_failed;
};

static const char usage_text[] =
	"usage: glow-dashboard render [-pP] [-d days] [-l log] [-i invitations]\n"
	"                             [-m bytes] [-f roster | roster]\n"
	"       glow-dashboard invitations [-anR] [-d days] [-l log] [-t tokenfile]\n"
	"                             [-f roster | roster]\n"
	"       glow-dashboard publish [-anpPR] [-d days] [-l log] [-i invitations]\n"
	"                             [-r owner/repo] [-T title] [-t tokenfile]\n"
	"                             [-f roster | roster]\n"
	"       glow-dashboard -h | --help | -V\n"
	"\n"
	"  -a              all learners' invitations, not only the ones due\n"
	"  -d days         an invitation older than this needs attention (default 3)\n"
	"  -f roster       the roster of record\n"
	"  -h, --help      print this usage and exit\n"
	"  -i invitations  the invitations snapshot to show\n"
	"  -l log          the provisioning log\n"
	"  -m bytes        the most the issue body may hold\n"
	"  -n              dry run: change nothing on GitHub\n"
	"  -P              the private view (notes, error details)\n"
	"  -p              the public view\n"
	"  -R              renew expired invitations\n"
	"  -r owner/repo   the repository of the dashboard issue\n"
	"  -T title        the dashboard issue's title\n"
	"  -t tokenfile    read the token from tokenfile ('-': standard input)\n"
	"  -V              print the version and exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

static void
now_iso(struct ctx *c)
{
	(void)glow_now(c->now, &c->now_s);      /* GLOW_NOW: checked in main */
}

/* The token: -t FILE ("-": standard input), else the environment; none
 * is fine. */
static void
read_token(struct ctx *c)
{
	struct glow_buf why = GLOW_BUF_INIT;
	enum glow_gh_token_err te;
	const char *src;

	te = glow_gh_token_load(c->tokenfile, &c->token, &src);
	if (te != GLOW_GH_TOKEN_OK && te != GLOW_GH_TOKEN_UNSET) {
		glow_gh_token_problem(&why, te, src);
		glow_die(GLOW_EXIT_ERR, "%s", why.p ? why.p : "no token");
	}
}

static void
github(struct ctx *c)
{
	enum glow_gh_err e;

	if (c->gh_ready)
		return;
	if ((e = glow_gh_init(&c->gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&c->gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	read_token(c);
	c->gh.token = c->token.len ? c->token.p : NULL;
	c->gh_ready = 1;
}

/* A one-line reason for a failed call: GitHub's message or the client's. */
static const char *
why(enum glow_gh_err e, struct glow_gh_resp *r, struct glow_buf *b)
{
	glow_buf_reset(b);
	if (e == GLOW_GH_HTTP) {
		glow_buf_printf(b, "%ld ", r->status);
		glow_gh_message(r, b);
	} else {
		glow_buf_adds(b, glow_gh_strerror(e));
	}
	return glow_buf_str(b);
}

static void
load(struct ctx *c)
{
	struct glow_json_error jerr;

	glow_roster_open(c->file, &c->text, &c->r);
	if (glow_dash_init(&c->d, &c->r) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot load '%s':", c->file);
	if (c->log) {
		if (glow_read_file(c->log, &c->logtext, MAX_INPUT) < 0) {
			if (errno != ENOENT)
				glow_die(GLOW_EXIT_ERR, "cannot read '%s':", c->log);
		} else if (glow_dash_read_log(&c->d, c->logtext.p ?
		    c->logtext.p : "", c->logtext.len, &jerr) < 0) {
			glow_die(GLOW_EXIT_ERR, "cannot read '%s': %s at byte %zu",
			    c->log, jerr.reason, jerr.offset + 1);
		}
	}
	if (c->snapfile) {
		if (glow_read_file(c->snapfile, &c->snaptext, MAX_INPUT) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':", c->snapfile);
		if (glow_dash_read_snapshot(&c->d, c->snaptext.p ?
		    c->snaptext.p : "", c->snaptext.len, &jerr) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s': %s at byte %zu",
			    c->snapfile, jerr.reason, jerr.offset + 1);
	}
}

static void
render(struct ctx *c, struct glow_dash_stats *st)
{
	struct glow_dash_opts o;
	struct glow_buf web = GLOW_BUF_INIT;
	const char *v;

	memset(&o, 0, sizeof o);
	o.private_view = c->private_view;
	o.days = c->days;
	o.now = c->now_s;
	o.max_bytes = c->max_bytes;
	/* Links point at the web server: GITHUB_SERVER_URL in Actions,
	 * else the one that goes with the API's base URL. */
	if ((v = getenv("GITHUB_SERVER_URL")) && *v) {
		glow_buf_adds(&web, v);
	} else {
		v = getenv("GITHUB_API_URL");
		glow_prov_web_url(v && *v ? v : "https://api.github.com", &web);
	}
	while (web.len && web.p[web.len - 1] == '/')
		web.p[--web.len] = '\0';
	o.web_base = web.p;
	if (glow_dash_render(&c->d, &o, &c->md, st) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot render the dashboard:");
	glow_buf_free(&web);
}

/* ---------------------------------------------------------- invitations */

struct learner {
	const char *handle, *cohort;
	char owner[64], name[128], full[200];
	struct glow_buf hb, cb;
};

/* Log a renewal as a provisioning attempt: the next pass then knows when
 * the invitation was sent. */
static void
log_renewal(struct ctx *c, struct learner *l, long requests)
{
	struct glow_plog_rec rec;

	if (!c->log || c->dry)
		return;
	memset(&rec, 0, sizeof rec);
	rec.github_handle = l->handle;
	rec.cohort_id = l->cohort;
	rec.attempt_at = c->now;
	rec.result = "already-exists";
	rec.repo = l->full;
	rec.requests = requests;
	rec.invitation = "renewed";
	if (glow_plog_append(c->log, &rec) < 0)
		glow_warn("cannot append to '%s':", c->log);
}

/*
 * Send l's invitation again: 0 (inv updated), or -1 with *err.  A renewal
 * is logged with the requests made for l since before.
 */
static int
renew(struct ctx *c, struct learner *l, struct glow_invitation *inv,
    long before, struct glow_gh_resp *r, struct glow_buf *msg, const char **err)
{
	struct glow_buf path = GLOW_BUF_INIT;
	enum glow_gh_err e = GLOW_GH_OK;

	if (inv->id >= 0) {
		glow_gh_path(&path, "/repos/%s/%s/invitations/%lld", l->owner,
		    l->name, inv->id);
		e = glow_gh_request(&c->gh, "DELETE", path.p, NULL, 0, r);
		if (e == GLOW_GH_HTTP && r->status == 404)
			e = GLOW_GH_OK;
	}
	if (e == GLOW_GH_OK) {
		glow_buf_reset(&path);
		glow_gh_path(&path, "/repos/%s/%s/collaborators/%s", l->owner,
		    l->name, l->handle);
		e = glow_gh_request(&c->gh, "PUT", path.p,
		    "{\"permission\":\"push\"}", 21, r);
	}
	glow_buf_free(&path);
	if (e != GLOW_GH_OK) {
		*err = why(e, r, msg);
		glow_warn("cannot renew the invitation of '%s' to '%s': %s",
		    l->handle, l->full, *err);
		c->renew_failed++;
		return -1;
	}
	if (r->status == 204) {
		inv->state = "accepted";
		return 0;
	}
	glow_invitation_renewed(inv, r->body.p, r->body.len, c->now);
	c->renewed++;
	log_renewal(c, l, c->gh.stats.requests - before);
	return 0;
}

/*
 * Check (and with -R renew) learner l's invitation; append one snapshot
 * record to w.  0, or -1 if a call failed.
 */
static int
check_one(struct ctx *c, struct learner *l, struct glow_jw *w)
{
	struct glow_gh_resp r;
	struct glow_buf path = GLOW_BUF_INIT, list = GLOW_BUF_INIT,
	    msg = GLOW_BUF_INIT;
	struct glow_json_error jerr;
	struct glow_invitation inv;
	enum glow_gh_err e;
	const char *err = NULL;
	long before = c->gh.stats.requests;
	int due, rc = 0;

	glow_gh_resp_init(&r);
	glow_invitation_init(&inv);
	glow_gh_path(&path, "/repos/%s/%s/invitations", l->owner, l->name);
	if ((e = glow_gh_paginate(&c->gh, path.p, NULL, 1, &list, NULL, &r)) !=
	    GLOW_GH_OK) {
		glow_warn("cannot list the invitations of '%s': %s", l->full,
		    why(e, &r, &msg));
		rc = -1;
		goto out;
	}
	if (glow_invitation_find(&inv, list.p, list.len, l->handle, &jerr) < 0) {
		glow_warn("cannot list the invitations of '%s': %s", l->full,
		    jerr.reason);
		rc = -1;
		goto out;
	}
	if (!inv.state) {
		glow_buf_reset(&path);
		glow_gh_path(&path, "/repos/%s/%s/collaborators/%s", l->owner,
		    l->name, l->handle);
		e = glow_gh_request(&c->gh, "GET", path.p, NULL, 0, &r);
		if (e == GLOW_GH_OK && r.status == 204) {
			inv.state = "accepted";
		} else if (e == GLOW_GH_HTTP && r.status == 404) {
			inv.state = "none";
		} else {
			glow_warn("cannot check the collaborator '%s' of '%s': %s",
			    l->handle, l->full, why(e, &r, &msg));
			rc = -1;
			goto out;
		}
	}
	due = glow_invitation_due(&inv, c->now_s, c->days);
	if (due && c->renew && !c->dry)
		rc = renew(c, l, &inv, before, &r, &msg, &err);
	fprintf(stderr, "%s@@%s: invitation %s%s\n", l->handle, l->cohort,
	    inv.state, inv.renewed ? "" : due ? (c->renew ? (c->dry ?
	    ", would renew" : ", renewal failed") : ", to renew (-R)") : "");
	glow_invitation_write(w, l->handle, l->cohort, l->full, &inv, err);
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&list);
	glow_buf_free(&msg);
	return rc;
}

/*
 * The invitations worth a request: learners with a room, still
 * awaiting-ack, whose invitation the log says was sent more than -d days
 * ago (any sent invitation with -a) and not since accepted.
 */
static int
candidate(struct ctx *c, size_t i)
{
	const struct glow_dash_info *f = &c->d.info[i];
	const char *at;
	size_t n;
	const char *v = glow_roster_get(&c->r, i, GLOW_RF_STATUS, &c->scratch, &n);
	long long t;

	if (!v || n != 12 || memcmp(v, "awaiting-ack", 12))
		return 0;
	v = glow_roster_get(&c->r, i, GLOW_RF_STATE, &c->scratch, &n);
	if (!v || !((n == 11 && !memcmp(v, "provisioned", 11)) ||
	    (n == 6 && !memcmp(v, "healed", 6))))
		return 0;
	if (glow_dash_invitation(&c->d, i, &at) != GLOW_DASH_INV_SENT)
		return c->all && f->log_inv == GLOW_DASH_INV_UNKNOWN;
	if (c->all)
		return 1;
	t = glow_time_parse(at, strlen(at));
	return t >= 0 && c->now_s - t > c->days * 86400LL;
}

/* Fetch the invitations snapshot into c->snapshot (a JSON array); the
 * number of failures. */
static long
invitations(struct ctx *c)
{
	struct glow_jw w;
	struct learner l;
	size_t i, n, total = 0, done = 0;
	long failed = 0;
	const char *v;

	for (i = 0; i < c->r.nlearner; i++)
		total += candidate(c, i);
	glow_jw_init(&w, &c->snapshot, 0);
	glow_jw_array(&w);
	if (total)
		github(c);
	for (i = 0; i < c->r.nlearner; i++) {
		const char *slash;

		if (!candidate(c, i))
			continue;
		memset(&l, 0, sizeof l);
		v = glow_roster_get(&c->r, i, GLOW_RF_REPO, &c->scratch, &n);
		if (!v || !glow_roster_owner_name_ok(v, n) || n >= sizeof l.full)
			continue;
		slash = memchr(v, '/', n);
		snprintf(l.owner, sizeof l.owner, "%.*s", (int)(slash - v), v);
		snprintf(l.name, sizeof l.name, "%.*s",
		    (int)(n - (size_t)(slash + 1 - v)), slash + 1);
		snprintf(l.full, sizeof l.full, "%.*s", (int)n, v);
		v = glow_roster_get(&c->r, i, GLOW_RF_HANDLE, &c->scratch, &n);
		glow_buf_add(&l.hb, v, n);
		v = glow_roster_get(&c->r, i, GLOW_RF_COHORT, &c->scratch, &n);
		glow_buf_add(&l.cb, v, n);
		l.handle = l.hb.p;
		l.cohort = l.cb.p;
		done++;
		fprintf(stderr, "[%zu/%zu] ", done, total);
		if (check_one(c, &l, &w) < 0)
			failed++;
		glow_buf_free(&l.hb);
		glow_buf_free(&l.cb);
		c->checked++;
	}
	glow_jw_end(&w);
	glow_buf_addc(&c->snapshot, '\n');
	if (c->snapshot.failed)
		glow_die(GLOW_EXIT_ERR, "cannot list the invitations: out of memory");
	fprintf(stderr, "invitations: %ld checked, %ld renewed, %ld failed\n",
	    c->checked, c->renewed, failed);
	return failed;
}

/* -------------------------------------------------------------- publish */

/*
 * Find the dashboard: the oldest issue (not pull request) of the
 * repository, open or closed, whose body holds the marker.  Pages are read
 * oldest first and the search stops at the first match.
 */
static void
find_dashboard(struct ctx *c, const char *owner, const char *name,
    struct glow_dash_issue *fd)
{
	struct glow_gh_resp r;
	struct glow_buf path = GLOW_BUF_INIT, msg = GLOW_BUF_INIT;
	enum glow_gh_err e;
	char next[8192];

	memset(fd, 0, sizeof *fd);
	fd->number = -1;
	glow_gh_resp_init(&r);
	glow_gh_path(&path, "/repos/%s/%s/issues", owner, name);
	glow_buf_adds(&path, "?state=all&sort=created&direction=asc&per_page=100");
	snprintf(next, sizeof next, "%s", path.p);
	while (*next && fd->number < 0) {
		if ((e = glow_gh_request(&c->gh, "GET", next, NULL, 0, &r)) !=
		    GLOW_GH_OK)
			glow_die(GLOW_EXIT_ERR, "cannot list the issues of '%s': %s",
			    c->repo, why(e, &r, &msg));
		if (glow_dash_find_issue(r.body.p, r.body.len, fd) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot list the issues of '%s': "
			    "not a JSON array", c->repo);
		snprintf(next, sizeof next, "%s", r.next);
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&msg);
}

static int
publish(struct ctx *c, const struct glow_dash_stats *st)
{
	struct glow_gh_resp r;
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT,
	    msg = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_jw w;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_dash_issue fd;
	enum glow_gh_err e;
	char owner[64], name[128];
	const char *slash = strchr(c->repo, '/'), *action;
	long long number;
	char *url = NULL;
	int write = 1;

	if (!slash || !glow_roster_owner_name_ok(c->repo, strlen(c->repo)) ||
	    (size_t)(slash - c->repo) >= sizeof owner || strlen(slash + 1) >= sizeof name)
		glow_die(GLOW_EXIT_ERR, "bad repository '%s': want owner/name", c->repo);
	snprintf(owner, sizeof owner, "%.*s", (int)(slash - c->repo), c->repo);
	snprintf(name, sizeof name, "%s", slash + 1);
	github(c);
	find_dashboard(c, owner, name, &fd);
	number = fd.number;
	glow_gh_resp_init(&r);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	if (fd.number < 0) {
		action = "created";
		glow_jw_key(&w, "title");
		glow_jw_str(&w, c->title);
		glow_jw_key(&w, "body");
		glow_jw_strn(&w, c->md.p, c->md.len);
		glow_gh_path(&path, "/repos/%s/%s/issues", owner, name);
	} else {
		int same = glow_dash_same_body(fd.body, strlen(fd.body), c->md.p,
		    c->md.len);

		action = fd.closed ? "reopened" : same ? "unchanged" : "edited";
		write = !same || fd.closed;
		if (!same) {
			glow_jw_key(&w, "body");
			glow_jw_strn(&w, c->md.p, c->md.len);
		}
		/* The dashboard is meant to be seen: a closed one is reopened
		 * (turn it off with GLOW_DASHBOARD=off, not by closing it). */
		if (fd.closed) {
			glow_jw_key(&w, "state");
			glow_jw_str(&w, "open");
		}
		glow_gh_path(&path, "/repos/%s/%s/issues/%lld", owner, name,
		    fd.number);
	}
	glow_jw_end(&w);
	url = fd.url;
	if (write && !c->dry) {
		e = glow_gh_request(&c->gh, fd.number < 0 ? "POST" : "PATCH",
		    path.p, body.p, body.len, &r);
		if (e != GLOW_GH_OK)
			glow_die(GLOW_EXIT_ERR, "cannot %s the dashboard in '%s': %s",
			    fd.number < 0 ? "create" : "edit", c->repo,
			    why(e, &r, &msg));
		if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len,
		    &jerr) == 0) {
			glow_json_int(&doc, glow_json_get(&doc, 0, "number"), &number);
			if (fd.number < 0)
				url = glow_json_strdup(&doc,
				    glow_json_get(&doc, 0, "html_url"));
			glow_json_free(&doc);
		}
	}
	fprintf(stderr, "dashboard: %s#%lld %s%s (%zu bytes, %zu of %zu "
	    "learners listed, %zu need attention)\n", c->repo, number, action,
	    c->dry ? " (dry run: nothing written)" : "", st->bytes, st->rows,
	    st->learners, st->attention);
	if (!c->dry)
		glow_step_summary(&c->md);

	glow_jw_init(&w, &out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "repo");
	glow_jw_str(&w, c->repo);
	glow_jw_key(&w, "issue");
	if (number >= 0)
		glow_jw_int(&w, number);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "url");
	if (url)
		glow_jw_str(&w, url);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "action");
	glow_jw_str(&w, action);
	glow_jw_key(&w, "dry_run");
	glow_jw_bool(&w, c->dry);
	glow_jw_key(&w, "bytes");
	glow_jw_int(&w, (long long)st->bytes);
	glow_jw_key(&w, "learners");
	glow_jw_int(&w, (long long)st->learners);
	glow_jw_key(&w, "listed");
	glow_jw_int(&w, (long long)st->rows);
	glow_jw_key(&w, "attention");
	glow_jw_int(&w, (long long)st->attention);
	glow_jw_key(&w, "invitations_checked");
	glow_jw_int(&w, c->checked);
	glow_jw_key(&w, "invitations_renewed");
	glow_jw_int(&w, c->renewed);
	glow_jw_key(&w, "requests");
	glow_jw_int(&w, c->gh.stats.requests);
	glow_jw_end(&w);
	glow_buf_addc(&out, '\n');
	if (out.failed || glow_write_all(STDOUT_FILENO, out.p, out.len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	if (url != fd.url)
		free(url);
	glow_dash_issue_free(&fd);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&msg);
	glow_buf_free(&out);
	return 0;
}

/* ----------------------------------------------------------------- main */

/*
 * The options and operand of every subcommand into c (opts: the letters
 * the subcommand takes; a letter means the same in each), then the roster
 * and the log loaded.
 */
static void
start(struct ctx *c, int argc, char **argv, const char *opts)
{
	char *end;
	int ch;

	memset(c, 0, sizeof *c);
	c->days = 3;
	c->title = DEFAULT_TITLE;
	c->repo = getenv("ADMIN_ROSTER_REPO");
	while ((ch = glow_getopt(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'a':
			c->all = 1;
			break;
		case 'd':
			errno = 0;
			c->days = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || c->days < 0 ||
			    c->days > 3650)
				glow_die(GLOW_EXIT_ERR, "bad days '%s': want 0 to "
				    "3650", optarg);
			break;
		case 'f':
			c->file = optarg;
			break;
		case 'i':
			c->snapfile = optarg;
			break;
		case 'l':
			c->log = optarg;
			break;
		case 'm':
			errno = 0;
			c->max_bytes = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || c->max_bytes < 1024 ||
			    c->max_bytes > GLOW_DASH_MAX_BODY)
				glow_die(GLOW_EXIT_ERR, "bad size '%s': want 1024 "
				    "to %d", optarg, GLOW_DASH_MAX_BODY);
			break;
		case 'n':
			c->dry = 1;
			break;
		case 'p':
			c->private_view = 0;
			break;
		case 'P':
			c->private_view = 1;
			break;
		case 'R':
			c->renew = 1;
			break;
		case 'r':
			c->repo = optarg;
			break;
		case 't':
			c->tokenfile = optarg;
			break;
		case 'T':
			c->title = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (c->file && argc))
		usage(GLOW_EXIT_ERR);
	if (!c->file)
		c->file = argc ? argv[0] : "-";
	if (c->tokenfile && !strcmp(c->tokenfile, "-") && !strcmp(c->file, "-"))
		glow_die(GLOW_EXIT_ERR, "cannot read both the token and the roster "
		    "from standard input: give the roster with -f");
	if (!*c->title)
		glow_die(GLOW_EXIT_ERR, "bad title '': want some text");
	now_iso(c);
	load(c);
}

static void
finish(struct ctx *c)
{
	if (c->gh_ready)
		glow_gh_free(&c->gh);
	glow_buf_wipe(&c->token);
	glow_dash_free(&c->d);
	glow_roster_free(&c->r);
	glow_buf_free(&c->text);
	glow_buf_free(&c->logtext);
	glow_buf_free(&c->snaptext);
	glow_buf_free(&c->snapshot);
	glow_buf_free(&c->md);
	glow_buf_free(&c->scratch);
}

static int
cmd_render(int argc, char **argv)
{
	struct ctx c;
	struct glow_dash_stats st;

	start(&c, argc, argv, "d:f:i:l:m:pP");
	render(&c, &st);
	glow_out(&c.md);
	finish(&c);
	return GLOW_EXIT_OK;
}

static int
cmd_invitations(int argc, char **argv)
{
	struct ctx c;
	long failed;

	start(&c, argc, argv, "ad:f:l:nRt:");
	failed = invitations(&c);
	glow_out(&c.snapshot);
	finish(&c);
	return failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

static int
cmd_publish(int argc, char **argv)
{
	struct ctx c;
	struct glow_dash_stats st;
	struct glow_json_error jerr;
	long failed = 0;

	start(&c, argc, argv, "ad:f:i:l:m:npPRr:t:T:");
	if (!c.repo || !*c.repo)
		glow_die(GLOW_EXIT_ERR, "cannot publish: no repository (-r or "
		    "ADMIN_ROSTER_REPO)");
	if (!c.snapfile) {
		failed = invitations(&c);
		if (glow_dash_read_snapshot(&c.d, c.snapshot.p, c.snapshot.len,
		    &jerr) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read the invitations: %s",
			    jerr.reason);
	}
	render(&c, &st);
	publish(&c, &st);
	finish(&c);
	return failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

static const struct glow_cmd cmds[] = {
	{ "render", cmd_render }, { "invitations", cmd_invitations },
	{ "publish", cmd_publish },
};

int
main(int argc, char **argv)
{
	return glow_cmd_main(argc, argv, usage_text, cmds,
	    sizeof cmds / sizeof *cmds);
}
