/* SPDX-License-Identifier: ISC */
/*
 * glow-token: exchange an App JWT (glow-jwt's JSON on stdin) for an
 * installation token; find the installation; narrow the token; revoke one;
 * or pass a personal token through in actions-bot mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsio.h"
#include "github.h"
#include "json.h"
#include "secret.h"

static struct glow_gh gh;
static int verbose;

static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: glow-token [-v] [-m mode] [-i installation | -o owner | "
	    "-r owner/repo]\n"
	    "                  [-R repo,...] [-P permission=level,...]\n"
	    "       glow-token -d [-v]\n");
	exit(status);
}

static void
on_trace(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", glow_progname, line);
}

static void
report(void)
{
	if (verbose)
		fprintf(stderr, "%s: requests=%ld retries=%ld wait_limit=%.1f "
		    "wait_backoff=%.1f\n", glow_progname, gh.stats.requests,
		    gh.stats.retries, gh.stats.wait_limit, gh.stats.wait_backoff);
}

static void
read_stdin_token(struct glow_buf *token, const char *what)
{
	struct glow_buf in = GLOW_BUF_INIT;

	if (glow_read_fd(STDIN_FILENO, &in, 1 << 20) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read %s 'stdin':", what);
	if (glow_gh_token_parse(in.p ? in.p : "", in.len, token) < 0) {
		glow_buf_wipe(&in);
		glow_die(GLOW_EXIT_ERR, "cannot read %s 'stdin': no token in it "
		    "(want JSON with \"token\", or the token itself)", what);
	}
	glow_buf_wipe(&in);
}

/*
 * An installation ID: digits, or a settings URL ending in
 * /installations/<id> (a trailing slash, query or fragment tolerated).
 */
static long long
installation_id(const char *s)
{
	const char *p, *digits;
	size_t n;
	long long v = 0;

	if (strspn(s, "0123456789") == strlen(s))
		digits = s;
	else if ((p = strstr(s, "/installations/")))
		digits = p + strlen("/installations/");
	else
		return -1;
	n = strspn(digits, "0123456789");
	if (n == 0 || n > 15 || (digits[n] && !strchr("/?#", digits[n])) ||
	    (digits[n] == '/' && digits[n + 1] && !strchr("?#", digits[n + 1])))
		return -1;
	while (n--)
		v = v * 10 + (*digits++ - '0');
	return v > 0 ? v : -1;
}

/* The explanation for a refused JWT: the clock, or the App ID and key. */
static void __attribute__((noreturn))
jwt_refused(const char *what, const struct glow_gh_resp *r)
{
	struct glow_buf msg = GLOW_BUF_INIT;

	glow_gh_message(r, &msg);
	if (strstr(msg.p, "'Issued at'") || strstr(msg.p, "'Expiration time'") ||
	    strstr(msg.p, "('iat')") || strstr(msg.p, "('exp')"))
		glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused (%s): check "
		    "this machine's clock", what, msg.p);
	glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused: check the App ID "
	    "and key (%s)", what, msg.p);
}

/* GitHub's 404 for a JWT whose iss is no App. */
static int
unknown_app(enum glow_gh_err e, const struct glow_gh_resp *r)
{
	return e == GLOW_GH_HTTP && r->status == 404 && r->body.p &&
	    strstr(r->body.p, "Integration not found");
}

static void __attribute__((noreturn))
request_failed(const char *what, enum glow_gh_err e, const struct glow_gh_resp *r)
{
	struct glow_buf msg = GLOW_BUF_INIT;

	if (e == GLOW_GH_HTTP && r->status == 401)
		jwt_refused(what, r);
	if (unknown_app(e, r))
		glow_die(GLOW_EXIT_ERR, "%s: the App JWT was refused: no App has "
		    "this ID: check the App ID and key", what);
	if (e == GLOW_GH_HTTP || (e == GLOW_GH_LIMITED && r->status)) {
		glow_gh_message(r, &msg);
		glow_die(GLOW_EXIT_ERR, "%s: %ld %s", what, r->status, msg.p);
	}
	glow_die(GLOW_EXIT_ERR, "%s: %s", what, glow_gh_strerror(e));
}

/* Every installation of the App: all pages of /app/installations. */
static void
list_installations(struct glow_buf *list)
{
	struct glow_gh_resp r;
	enum glow_gh_err e;

	glow_gh_resp_init(&r);
	e = glow_gh_paginate(&gh, "/app/installations", NULL, 1, list, NULL, &r);
	if (e != GLOW_GH_OK)
		request_failed("cannot list installations '/app/installations'", e, &r);
	glow_gh_resp_free(&r);
}

/* "login (Type, id N), ..." of every installation in list (or fetched). */
static void
installed_on(struct glow_buf *out, const struct glow_buf *given)
{
	struct glow_buf fetched = GLOW_BUF_INIT;
	const struct glow_buf *list = given;
	struct glow_json doc;
	struct glow_json_error jerr;
	int v, acct, n = 0;

	if (!list) {
		list_installations(&fetched);
		list = &fetched;
	}
	if (glow_json_parse(&doc, list->p, list->len, &jerr) == 0) {
		for (v = glow_json_first(&doc, 0); v >= 0; v = glow_json_next(&doc, v)) {
			acct = glow_json_get(&doc, v, "account");
			if (n++)
				glow_buf_adds(out, ", ");
			glow_json_string(&doc, glow_json_get(&doc, acct, "login"), out);
			glow_buf_adds(out, " (");
			glow_json_string(&doc, glow_json_get(&doc, acct, "type"), out);
			glow_buf_adds(out, ", id ");
			{
				size_t len;
				const char *id = glow_json_raw(&doc,
				    glow_json_get(&doc, v, "id"), &len);

				glow_buf_add(out, id ? id : "?", id ? len : 1);
			}
			glow_buf_adds(out, ")");
		}
		glow_json_free(&doc);
	}
	if (!n)
		glow_buf_adds(out, "nowhere");
	glow_buf_free(&fetched);
}

static void __attribute__((noreturn))
not_installed(const char *owner)
{
	struct glow_buf where = GLOW_BUF_INIT;

	installed_on(&where, NULL);
	glow_die(GLOW_EXIT_ERR, "cannot find installation '%s': the App is not "
	    "installed there; it is installed on: %s", owner, where.p);
}

/* The id of the installation in answer r (an installation object). */
static long long
id_of(const struct glow_gh_resp *r, const char *what)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	long long id = -1;

	if (glow_json_parse(&doc, r->body.p ? r->body.p : "", r->body.len, &jerr) == 0) {
		if (glow_json_int(&doc, glow_json_get(&doc, 0, "id"), &id) < 0)
			id = -1;
		glow_json_free(&doc);
	}
	if (id <= 0)
		glow_die(GLOW_EXIT_ERR, "cannot find installation '%s': the answer "
		    "has no installation id", what);
	return id;
}

/* GET path; the installation's id, or -1 on 404. */
static long long
lookup(const char *path, const char *what)
{
	struct glow_gh_resp r;
	enum glow_gh_err e;
	struct glow_buf msg = GLOW_BUF_INIT;
	long long id;

	glow_gh_resp_init(&r);
	e = glow_gh_request(&gh, "GET", path, NULL, 0, &r);
	if (e == GLOW_GH_HTTP && r.status == 404) {
		glow_gh_resp_free(&r);
		return -1;
	}
	if (e != GLOW_GH_OK) {
		glow_buf_printf(&msg, "cannot find installation '%s'", what);
		request_failed(msg.p, e, &r);
	}
	id = id_of(&r, what);
	glow_gh_resp_free(&r);
	return id;
}

static long long
discover_owner(const char *owner)
{
	struct glow_buf p = GLOW_BUF_INIT;
	long long id;

	if (glow_gh_path(&p, "/orgs/%s/installation", owner) < 0)
		glow_die(GLOW_EXIT_ERR, "bad owner '%s'", owner);
	if ((id = lookup(p.p, owner)) < 0) {
		glow_buf_reset(&p);
		glow_gh_path(&p, "/users/%s/installation", owner);
		id = lookup(p.p, owner);
	}
	glow_buf_free(&p);
	if (id < 0)
		not_installed(owner);
	return id;
}

static long long
discover_repo(const char *full)
{
	struct glow_buf p = GLOW_BUF_INIT, owner = GLOW_BUF_INIT;
	const char *slash = strchr(full, '/');
	long long id;

	if (!slash || strchr(slash + 1, '/'))
		glow_die(GLOW_EXIT_ERR, "bad repository '%s': want owner/name", full);
	glow_buf_add(&owner, full, (size_t)(slash - full));
	if (glow_gh_path(&p, "/repos/%s/%s/installation", owner.p, slash + 1) < 0)
		glow_die(GLOW_EXIT_ERR, "bad repository '%s': want owner/name", full);
	if ((id = lookup(p.p, full)) < 0)
		not_installed(full);
	glow_buf_free(&p);
	glow_buf_free(&owner);
	return id;
}

/* The App's only installation, from all pages of /app/installations. */
static long long
discover_only(void)
{
	struct glow_buf list = GLOW_BUF_INIT, where = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error jerr;
	long long id = -1;
	int n;

	list_installations(&list);
	if (glow_json_parse(&doc, list.p, list.len, &jerr) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot list installations "
		    "'/app/installations': %s", glow_gh_strerror(GLOW_GH_JSON));
	n = glow_json_size(&doc, 0);
	if (n == 1 && glow_json_int(&doc, glow_json_get(&doc, glow_json_at(&doc, 0, 0),
	    "id"), &id) < 0)
		id = -1;
	glow_json_free(&doc);
	if (n == 0)
		glow_die(GLOW_EXIT_ERR, "cannot find installation '/app/installations': "
		    "the App is not installed anywhere");
	if (n > 1) {
		installed_on(&where, &list);
		glow_die(GLOW_EXIT_ERR, "cannot choose installation "
		    "'/app/installations': the App is installed on %d accounts: %s; "
		    "give -i, -o or -r", n, where.p);
	}
	glow_buf_free(&list);
	if (id <= 0)
		glow_die(GLOW_EXIT_ERR, "cannot find installation '/app/installations': "
		    "the answer has no installation id");
	return id;
}

/* The access_tokens body: {"repositories":[...],"permissions":{...}}. */
static void
narrowing(struct glow_buf *body, char *repos, char *perms)
{
	struct glow_jw w;
	char *item, *save = NULL, *eq, *slash;

	glow_jw_init(&w, body, 0);
	glow_jw_object(&w);
	if (repos) {
		glow_jw_key(&w, "repositories");
		glow_jw_array(&w);
		for (item = strtok_r(repos, ",", &save); item;
		    item = strtok_r(NULL, ",", &save)) {
			/* GitHub wants names without the owner */
			if ((slash = strchr(item, '/')))
				item = slash + 1;
			if (!*item || strspn(item, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(item))
				glow_die(GLOW_EXIT_ERR, "bad repository name '%s'", item);
			glow_jw_str(&w, item);
		}
		glow_jw_end(&w);
	}
	if (perms) {
		glow_jw_key(&w, "permissions");
		glow_jw_object(&w);
		for (item = strtok_r(perms, ",", &save); item;
		    item = strtok_r(NULL, ",", &save)) {
			if (!(eq = strchr(item, '=')) || eq == item || !eq[1])
				glow_die(GLOW_EXIT_ERR, "bad permission '%s': want "
				    "name=read|write|admin", item);
			*eq = '\0';
			if (strspn(item, "abcdefghijklmnopqrstuvwxyz_") != strlen(item) ||
			    (strcmp(eq + 1, "read") && strcmp(eq + 1, "write") &&
			    strcmp(eq + 1, "admin")))
				glow_die(GLOW_EXIT_ERR, "bad permission '%s=%s': want "
				    "name=read|write|admin", item, eq + 1);
			glow_jw_key(&w, item);
			glow_jw_str(&w, eq + 1);
		}
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
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
	if (glow_gh_token_parse(in.p ? in.p : "", in.len, &token) < 0) {
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

int
main(int argc, char *argv[])
{
	struct glow_buf jwt = GLOW_BUF_INIT, path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf what = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	const char *mode = getenv("PROVISIONING_MODE"), *inst = NULL, *owner = NULL;
	const char *repo = NULL;
	char *repos = NULL, *perms = NULL, *token, *expires, *selection;
	long long id;
	int c, del = 0;

	glow_setprogname(argv[0]);
	while ((c = getopt(argc, argv, "dhi:m:o:P:r:R:vV")) != -1) {
		switch (c) {
		case 'd': del = 1; break;
		case 'h': usage(stdout, GLOW_EXIT_OK); break;
		case 'i': inst = optarg; break;
		case 'm': mode = optarg; break;
		case 'o': owner = optarg; break;
		case 'P': perms = optarg; break;
		case 'r': repo = optarg; break;
		case 'R': repos = optarg; break;
		case 'v': verbose = 1; break;
		case 'V': glow_version(); return GLOW_EXIT_OK;
		default: usage(stderr, GLOW_EXIT_ERR);
		}
	}
	if (optind != argc || (!!inst + !!owner + !!repo) > 1)
		usage(stderr, GLOW_EXIT_ERR);
	/* The seeds spell the App mode "github-app"; "app" is kept as a synonym. */
	if (mode && *mode && strcmp(mode, "github-app") != 0 &&
	    strcmp(mode, "app") != 0) {
		if (strcmp(mode, "actions-bot") != 0)
			glow_die(GLOW_EXIT_ERR, "bad mode '%s': want github-app or "
			    "actions-bot", mode);
		if (!del)
			return actions_bot();
	}
	if ((e = glow_gh_init(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot start 'libcurl': %s", glow_gh_strerror(e));
	if ((e = glow_gh_env(&gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot use the environment: %s",
		    glow_gh_strerror(e));
	gh.cache_dir = NULL;    /* tokens are never cached */
	if (verbose)
		gh.trace = on_trace;
	if (del) {
		c = revoke_token();
		report();
		glow_gh_free(&gh);
		return c;
	}
	if (!inst && !owner && !repo && getenv("PROVISIONING_APP_INSTALLATION_ID") &&
	    *getenv("PROVISIONING_APP_INSTALLATION_ID"))
		inst = getenv("PROVISIONING_APP_INSTALLATION_ID");
	read_stdin_token(&jwt, "App JWT");
	gh.token = jwt.p;

	if (inst) {
		if ((id = installation_id(inst)) < 0)
			glow_die(GLOW_EXIT_ERR, "bad installation '%s': want a number "
			    "or a URL ending in /installations/ID", inst);
	} else if (owner)
		id = discover_owner(owner);
	else if (repo)
		id = discover_repo(repo);
	else
		id = discover_only();

	if (repos || perms)
		narrowing(&body, repos, perms);
	glow_gh_path(&path, "/app/installations/%lld/access_tokens", id);
	glow_buf_printf(&what, "cannot get a token for installation '%lld'", id);
	glow_gh_resp_init(&r);
	e = glow_gh_request(&gh, "POST", path.p, body.p, body.len, &r);
	if (e == GLOW_GH_HTTP && r.status == 404 && !unknown_app(e, &r)) {
		struct glow_buf where = GLOW_BUF_INIT;

		installed_on(&where, NULL);
		glow_die(GLOW_EXIT_ERR, "%s: the App has no such installation: check "
		    "the installation ID; the App is installed on: %s", what.p,
		    where.p);
	}
	glow_buf_wipe(&jwt);
	gh.token = NULL;
	if (e != GLOW_GH_OK)
		request_failed(what.p, e, &r);
	if (glow_json_parse(&doc, r.body.p ? r.body.p : "", r.body.len, &jerr) < 0 ||
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
	glow_gh_free(&gh);
	return GLOW_EXIT_OK;
}
