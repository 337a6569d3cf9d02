/* SPDX-License-Identifier: ISC */
/*
 * app.h: a GitHub App's installations: naming one, finding one, and the
 * request body that narrows an installation token (GITHUB-FACTS.md, "App
 * authentication").
 *
 * The searches ask GitHub as the App: the caller sets gh->token to the App
 * JWT first.  Use, for an owner given on the command line:
 *
 *     glow_gh_resp_init(&r);
 *     switch (glow_app_find_owner(&gh, owner, &id, &e, &r)) {
 *     case GLOW_APP_OK: ...;                    // id is the installation's
 *     case GLOW_APP_REQUEST: ...;               // e and r say what failed
 *     ...
 *     }
 *     glow_gh_resp_free(&r);
 *
 * Nothing here prints.  The program words the message for each outcome;
 * glow_app_describe() lists where the App is installed, for "not
 * installed here" messages, and glow_app_jwt_clock() and
 * glow_app_jwt_unknown() tell the usual causes of a refused JWT apart.
 */
#ifndef GLOW_APP_H
#define GLOW_APP_H

#include <stddef.h>

#include "core/buf.h"
#include "github/github.h"

enum glow_app_err {
	GLOW_APP_OK = 0,
	GLOW_APP_NAME,          /* the owner or owner/name cannot be a path */
	GLOW_APP_REQUEST,       /* a request failed: *e and r say how */
	GLOW_APP_JSON,          /* the list of installations is not JSON */
	GLOW_APP_NOT_INSTALLED, /* not installed there (or, for _only, anywhere) */
	GLOW_APP_AMBIGUOUS,     /* installed on several accounts (_only) */
	GLOW_APP_NO_ID,         /* the answer has no installation id */
	GLOW_APP_REPO,          /* narrowing: a bad repository name */
	GLOW_APP_PERMISSION     /* narrowing: a bad name=level permission */
};

/*
 * An installation ID as a user gives it: digits, or the installation's
 * settings URL, which ends in /installations/ID (a trailing slash, query or
 * fragment tolerated).  The ID (at most 15 digits, > 0), or -1.
 */
long long glow_app_installation_id(const char *s);

/*
 * The installation on an account: GET /orgs/OWNER/installation, and when
 * that is 404, GET /users/OWNER/installation.  GLOW_APP_NOT_INSTALLED when
 * both are 404.  On GLOW_APP_REQUEST, *e is the client's error and r the
 * answer; r is the caller's (initialised), to free in any case.
 */
enum glow_app_err glow_app_find_owner(struct glow_gh *gh, const char *owner,
    long long *id, enum glow_gh_err *e, struct glow_gh_resp *r);

/* The installation that covers repository "owner/name": GET
 * /repos/OWNER/NAME/installation.  GLOW_APP_NAME unless exactly one '/'. */
enum glow_app_err glow_app_find_repo(struct glow_gh *gh, const char *full,
    long long *id, enum glow_gh_err *e, struct glow_gh_resp *r);

/*
 * The App's only installation, from every page of /app/installations, which
 * is appended to list (for glow_app_describe() when there are several);
 * *count receives how many there are.  GLOW_APP_NOT_INSTALLED for none,
 * GLOW_APP_AMBIGUOUS for more than one.
 */
enum glow_app_err glow_app_find_only(struct glow_gh *gh, struct glow_buf *list,
    long long *id, int *count, enum glow_gh_err *e, struct glow_gh_resp *r);

/* Every page of /app/installations, as one JSON array appended to list. */
enum glow_gh_err glow_app_list(struct glow_gh *gh, struct glow_buf *list,
    struct glow_gh_resp *r);

/*
 * Append "login (Type, id N), ..." for each installation in list (a JSON
 * array as glow_app_list() gives), or "nowhere" when it holds none.
 */
void glow_app_describe(const char *list, size_t len, struct glow_buf *out);

/*
 * The body of POST /app/installations/ID/access_tokens that narrows the
 * token, appended to body: {"repositories":[...],"permissions":{...}},
 * each member only when its argument is not NULL.  repos is a comma list
 * of repository names ("owner/" before a name is dropped: GitHub wants
 * names only); perms a comma list of name=read|write|admin.  Empty items
 * are skipped.  GLOW_APP_REPO or GLOW_APP_PERMISSION, with the offending
 * item (the name without owner, or the whole name=level) appended to bad.
 * Check body->failed for memory.
 */
enum glow_app_err glow_app_narrowing(struct glow_buf *body, const char *repos,
    const char *perms, struct glow_buf *bad);

/*
 * Why GitHub refused an App JWT with 401, from its message (as
 * glow_gh_message() gives it): 1 when it names the iat or exp claim, that
 * is, this machine's clock; 0 when it is the App ID or the key.
 */
int glow_app_jwt_clock(const char *message);

/* Is this GitHub's 404 "Integration not found", for a JWT whose issuer is
 * no App? */
int glow_app_jwt_unknown(enum glow_gh_err e, const struct glow_gh_resp *r);

#endif
