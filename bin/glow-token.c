/* SPDX-License-Identifier: ISC */
/*
 * glow-token: exchange an App JWT (glow-jwt's JSON on stdin) for an
 * installation token; find the installation; narrow the token; revoke one;
 * or pass a personal token through in actions-bot mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/json.h"
#include "core/secret.h"
#include "github/app.h"
#include "github/github.h"

static struct glow_gh gh;
static int verbose;

static const char usage_text[] =
	"usage: glow-token [-v] [-m mode] [-i installation | -o owner | -r owner/repo]\n"
	"                  [-R repo,...] [-P permission=level,...]\n"
	"       glow-token -d [-v]\n"
	"       glow-token -h | --help | -V\n"
	"\n"
	"  -d                revoke the token read on standard input\n"
	"  -h, --help        print this usage and exit\n"
	"  -i installation   the installation ID or its settings URL\n"
	"  -m mode           github-app (default) or actions-bot\n"
	"  -o owner          the App's installation on this organisation or user\n"
	"  -P perm=level,... narrow the token to these permissions\n"
	"  -R repo,...       narrow the token to these repositories\n"
	"  -r owner/repo     the installation that covers this repository\n"
	"  -V                print the version and exit\n"
	"  -v                trace each HTTP exchange on standard error\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

static void
report(void)
{
	struct glow_buf line = GLOW_BUF_INIT;

	if (!verbose)
		return;
	glow_gh_stats_format(&gh.stats, GLOW_GH_STATS_BRIEF, &line);
	glow_warn("%s", line.p);
	glow_buf_free(&line);
}

static void
read_stdin_token(struct glow_buf *token, const char *what)
{
	struct glow_buf in = GLOW_BUF_INIT;

	if (glow_read_fd(STDIN_FILENO, &in, 1 << 20) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read %s 'stdin':", what);
	if (glow_gh_token_parse(glow_buf_str(&in), in.len, token) < 0) {
		glow_buf_wipe(&in);
		glow_die(GLOW_EXIT_ERR, "cannot read %s 'stdin': no token in it "
		    "(want JSON with \"token\", or the token itself)", what);
	}
	glow_buf_wipe(&in);
}

/* The explanation for a refused JWT: the clock, or the App ID and key. */
static void __attribute__((noreturn))
jwt_refused(const char *what, const struct glow_gh_resp *r)
{
	struct glow_buf msg = GLOW_BUF_INIT;

	glow_gh_message(r, &msg);
	if (glow_app_jwt_clock(msg.p))
		glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused (%s): check "
		    "this machine's clock", what, msg.p);
	glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused: check the App ID "
	    "and key (%s)", what, msg.p);
}

static void __attribute__((noreturn))
request_failed(const char *what, enum glow_gh_err e, const struct glow_gh_resp *r)
{
	struct glow_buf msg = GLOW_BUF_INIT;

	if (e == GLOW_GH_HTTP && r->status == 401)
		jwt_refused(what, r);
	if (glow_app_jwt_unknown(e, r))
		glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused: no App has "
		    "this ID: check the App ID and key", what);
	if (e == GLOW_GH_HTTP || (e == GLOW_GH_LIMITED && r->status)) {
		glow_gh_message(r, &msg);
		glow_die(GLOW_EXIT_ERR, "%s: %ld %s", what, r->status, msg.p);
	}
	glow_die(GLOW_EXIT_ERR, "%s: %s", what, glow_gh_strerror(e));
}

#define LISTING "/app/installations"
#define LIST_FAILED "cannot list installations '" LISTING "'"

/* "login (Type, id N), ..." of every installation of the App. */
static void
installed_on(struct glow_buf *out)
{
	struct glow_buf list = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;

	glow_gh_resp_init(&r);
	if ((e = glow_app_list(&gh, &list, &r)) != GLOW_GH_OK)
		request_failed(LIST_FAILED, e, &r);
	glow_gh_resp_free(&r);
	glow_app_describe(list.p, list.len, out);
	glow_buf_free(&list);
}

/*
 * The installation on owner (-o), of repository repo (-r), or else the
 * App's only one; a message for each way the search can fail.
 */
static long long
find_installation(const char *owner, const char *repo)
{
	struct glow_buf list = GLOW_BUF_INIT, msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	enum glow_app_err ae;
	const char *what = owner ? owner : repo ? repo : LISTING;
	long long id = -1;
	int n = 0;

	glow_gh_resp_init(&r);
	if (owner)
		ae = glow_app_find_owner(&gh, owner, &id, &e, &r);
	else if (repo)
		ae = glow_app_find_repo(&gh, repo, &id, &e, &r);
	else
		ae = glow_app_find_only(&gh, &list, &id, &n, &e, &r);
	switch (ae) {
	case GLOW_APP_OK:
		break;
	case GLOW_APP_NAME:
		if (owner)
			glow_die(GLOW_EXIT_ERR, "bad owner '%s'", owner);
		glow_die(GLOW_EXIT_ERR, "bad repository '%s': want owner/name", repo);
	case GLOW_APP_REQUEST:
		if (!owner && !repo)
			request_failed(LIST_FAILED, e, &r);
		glow_buf_printf(&msg, "cannot find installation '%s'", what);
		request_failed(msg.p, e, &r);
	case GLOW_APP_JSON:
		glow_die(GLOW_EXIT_ERR, LIST_FAILED ": %s",
		    glow_gh_strerror(GLOW_GH_JSON));
	case GLOW_APP_NOT_INSTALLED:
		if (!owner && !repo)
			glow_die(GLOW_EXIT_ERR, "cannot find installation '" LISTING
			    "': the App is not installed anywhere");
		installed_on(&msg);
		glow_die(GLOW_EXIT_ERR, "cannot find installation '%s': the App is "
		    "not installed there; it is installed on: %s", what, msg.p);
	case GLOW_APP_AMBIGUOUS:
		glow_app_describe(list.p, list.len, &msg);
		glow_die(GLOW_EXIT_ERR, "cannot choose installation '" LISTING "': "
		    "the App is installed on %d accounts: %s; give -i, -o or -r",
		    n, msg.p);
	case GLOW_APP_NO_ID:
	default:
		glow_die(GLOW_EXIT_ERR, "cannot find installation '%s': the answer "
		    "has no installation id", what);
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&list);
	return id;
}

static void
print_token(const char *token, const char *expires, long long id,
    const struct glow_json *doc, int perms, const char *selection)
{
	struct glow_buf out = GLOW_BUF_INIT;
	struct glow_jw w;

	glow_secret_mask(token);
	glow_jw_init(&w, &out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "token");
	glow_jw_str(&w, token);
	glow_jw_key(&w, "expires_at");
	if (expires)
		glow_jw_str(&w, expires);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "installation_id");
	if (id > 0)
		glow_jw_int(&w, id);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "permissions");
	if (doc && perms >= 0)
		glow_jw_value(&w, doc, perms);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "repository_selection");
	if (selection)
		glow_jw_str(&w, selection);
	else
		glow_jw_null(&w);
	glow_jw_end(&w);
	glow_buf_addc(&out, '\n');
	if (out.failed)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
	if (glow_write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		glow_buf_wipe(&out);
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	}
	glow_buf_wipe(&out);
}

static int
actions_bot(void)
{
	const char *t = getenv("PROVISIONING_TOKEN");
	struct glow_buf token = GLOW_BUF_INIT;

	if (!t || !*t)
		glow_die(GLOW_EXIT_ERR, "cannot pass 'PROVISIONING_TOKEN' through: "
		    "it is not set (actions-bot mode)");
	if (glow_gh_token_parse(t, strlen(t), &token) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot pass 'PROVISIONING_TOKEN' through: "
		    "it holds white space or control characters");
	print_token(token.p, NULL, -1, NULL, -1, NULL);
	glow_buf_wipe(&token);
	return GLOW_EXIT_OK;
}

static int
revoke_token(void)
{
	struct glow_buf in = GLOW_BUF_INIT, token = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int t;

	if (glow_read_fd(STDIN_FILENO, &in, 1 << 20) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read token 'stdin':");
	/* a passed-through personal token is not ours to revoke */
	if (in.len && glow_json_parse(&doc, in.p, in.len, &jerr) == 0) {
		t = glow_json_get(&doc, 0, "installation_id");
		if (glow_json_type(&doc, t) == GLOW_JSON_NULL) {
			glow_json_free(&doc);
			glow_buf_wipe(&in);
			if (verbose)
				glow_warn("not revoking 'stdin': not an installation token");
			return GLOW_EXIT_OK;
		}
		glow_json_free(&doc);
	}
	if (glow_gh_token_parse(glow_buf_str(&in), in.len, &token) < 0) {
		glow_buf_wipe(&in);
		glow_die(GLOW_EXIT_ERR, "cannot read token 'stdin': no token in it");
	}
	glow_buf_wipe(&in);
	gh.token = token.p;
	glow_gh_resp_init(&r);
	e = glow_gh_request(&gh, "DELETE", "/installation/token", NULL, 0, &r);
	glow_buf_wipe(&token);
	gh.token = NULL;
	if (e == GLOW_GH_HTTP && r.status == 401)
		glow_die(GLOW_EXIT_ERR, "cannot revoke '/installation/token': "
		    "the token was refused (expired or already revoked)");
	if (e != GLOW_GH_OK)
		request_failed("cannot revoke '/installation/token'", e, &r);
	glow_gh_resp_free(&r);
	return GLOW_EXIT_OK;
}

struct options {
	const char *mode, *inst, *owner, *repo;
	char *repos, *perms;
	int del;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->mode = getenv("PROVISIONING_MODE");
	while ((c = glow_getopt(argc, argv, "di:m:o:P:r:R:vV", usage_text)) != -1) {
		switch (c) {
		case 'd': o->del = 1; break;
		case 'i': o->inst = optarg; break;
		case 'm': o->mode = optarg; break;
		case 'o': o->owner = optarg; break;
		case 'P': o->perms = optarg; break;
		case 'r': o->repo = optarg; break;
		case 'R': o->repos = optarg; break;
		case 'v': verbose = 1; break;
		case 'V': glow_version(); exit(GLOW_EXIT_OK);
		}
	}
	if (optind != argc || (!!o->inst + !!o->owner + !!o->repo) > 1)
		usage(GLOW_EXIT_ERR);
	/* The seeds spell the App mode "github-app"; "app" is kept as a synonym. */
	if (o->mode && *o->mode && strcmp(o->mode, "github-app") != 0 &&
	    strcmp(o->mode, "app") != 0 && strcmp(o->mode, "actions-bot") != 0)
		glow_die(GLOW_EXIT_ERR, "bad mode '%s': want github-app or "
		    "actions-bot", o->mode);
	if (!o->inst && !o->owner && !o->repo &&
	    getenv("PROVISIONING_APP_INSTALLATION_ID") &&
	    *getenv("PROVISIONING_APP_INSTALLATION_ID"))
		o->inst = getenv("PROVISIONING_APP_INSTALLATION_ID");
}

static void
client_setup(void)
{
	enum glow_gh_err e;

	if ((e = glow_gh_init(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot start 'libcurl': %s", glow_gh_strerror(e));
	if ((e = glow_gh_env(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot use the environment: %s",
		    glow_gh_strerror(e));
	gh.cache_dir = NULL;    /* tokens are never cached */
	if (verbose)
		gh.trace = glow_trace;
}

/* An installation token, from the App JWT on stdin, printed. */
static int
mint(const struct options *o)
{
	struct glow_buf jwt = GLOW_BUF_INIT, path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf what = GLOW_BUF_INIT, bad = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	enum glow_app_err ae;
	char *token, *expires, *selection;
	long long id;

	read_stdin_token(&jwt, "App JWT");
	gh.token = jwt.p;

	if (o->inst) {
		if ((id = glow_app_installation_id(o->inst)) < 0)
			glow_die(GLOW_EXIT_ERR, "bad installation '%s': want a number "
			    "or a URL ending in /installations/ID", o->inst);
	} else
		id = find_installation(o->owner, o->repo);

	if ((o->repos || o->perms) && (ae = glow_app_narrowing(&body, o->repos,
	    o->perms, &bad)) != GLOW_APP_OK)
		glow_die(GLOW_EXIT_ERR, ae == GLOW_APP_REPO ?
		    "bad repository name '%s'" :
		    "bad permission '%s': want name=read|write|admin", bad.p);
	glow_gh_path(&path, "/app/installations/%lld/access_tokens", id);
	glow_buf_printf(&what, "cannot get a token for installation '%lld'", id);
	glow_gh_resp_init(&r);
	e = glow_gh_request(&gh, "POST", path.p, body.p, body.len, &r);
	if (e == GLOW_GH_HTTP && r.status == 404 && !glow_app_jwt_unknown(e, &r)) {
		struct glow_buf where = GLOW_BUF_INIT;

		installed_on(&where);
		glow_die(GLOW_EXIT_ERR, "%s: the App has no such installation: check "
		    "the installation ID; the App is installed on: %s", what.p,
		    where.p);
	}
	glow_buf_wipe(&jwt);
	gh.token = NULL;
	if (e != GLOW_GH_OK)
		request_failed(what.p, e, &r);
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) < 0 ||
	    !(token = glow_json_strdup(&doc, glow_json_get(&doc, 0, "token"))))
		glow_die(GLOW_EXIT_ERR, "%s: the answer has no token", what.p);
	expires = glow_json_strdup(&doc, glow_json_get(&doc, 0, "expires_at"));
	selection = glow_json_strdup(&doc, glow_json_get(&doc, 0,
	    "repository_selection"));
	print_token(token, expires, id, &doc, glow_json_get(&doc, 0, "permissions"),
	    selection);
	glow_wipe(token, strlen(token));
	free(token);
	free(expires);
	free(selection);
	glow_json_free(&doc);
	glow_buf_wipe(&r.body);
	glow_gh_resp_free(&r);
	report();
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&what);
	return GLOW_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	struct options o;
	int rc;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	parse_options(argc, argv, &o);
	if (o.mode && strcmp(o.mode, "actions-bot") == 0 && !o.del)
		return actions_bot();
	client_setup();
	if (o.del) {
		rc = revoke_token();
		report();
	} else {
		rc = mint(&o);
	}
	glow_gh_free(&gh);
	return rc;
}
