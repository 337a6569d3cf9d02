/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events/cond.h"
#include "events/rules.h"

/*
 * GitHub's webhook events (docs.github.com, "Webhook events and
 * payloads"), and the events that exist only inside Actions (an envelope
 * made with glow-webhook -e may carry them).
 */
static const char *const known_events[] = {
	"branch_protection_configuration", "branch_protection_rule",
	"check_run", "check_suite", "code_scanning_alert", "commit_comment",
	"create", "custom_property", "custom_property_values", "delete",
	"dependabot_alert", "deploy_key", "deployment",
	"deployment_protection_rule", "deployment_review",
	"deployment_status", "discussion", "discussion_comment", "fork",
	"github_app_authorization", "gollum", "installation",
	"installation_repositories", "installation_target", "issue_comment",
	"issue_dependencies", "issues", "label", "marketplace_purchase",
	"member", "membership", "merge_group", "meta", "milestone",
	"org_block", "organization", "package", "page_build",
	"personal_access_token_request", "ping", "project", "project_card",
	"project_column", "projects_v2", "projects_v2_item",
	"projects_v2_status_update", "public", "pull_request",
	"pull_request_review", "pull_request_review_comment",
	"pull_request_review_thread", "push", "registry_package", "release",
	"repository", "repository_advisory", "repository_dispatch",
	"repository_import", "repository_ruleset",
	"repository_vulnerability_alert", "secret_scanning_alert",
	"secret_scanning_alert_location", "secret_scanning_scan",
	"security_advisory", "security_and_analysis", "sponsorship", "star",
	"status", "sub_issues", "team", "team_add", "watch",
	"workflow_dispatch", "workflow_job", "workflow_run",
	/* Actions only */
	"pull_request_target", "schedule", "workflow_call",
};

/* The events that can carry what each filter looks at. */
static const char *const branch_events[] = { "push", "create", "delete",
	"pull_request", "pull_request_target", "pull_request_review",
	"pull_request_review_comment", "pull_request_review_thread",
	"workflow_run", NULL };
static const char *const tag_events[] = { "push", "create", "delete", NULL };
static const char *const pr_default_actions[] = { "opened", "synchronize",
	"reopened", NULL };
static const char *const path_events[] = { "push", "pull_request",
	"pull_request_target", "pull_request_review",
	"pull_request_review_comment", "pull_request_review_thread", NULL };
static const char *const label_events[] = { "issues", "issue_comment",
	"pull_request", "pull_request_target", "pull_request_review",
	"pull_request_review_comment", "pull_request_review_thread", NULL };

int
glow_event_known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof known_events / sizeof *known_events; i++)
		if (strcmp(name, known_events[i]) == 0)
			return 1;
	return 0;
}

/* ---- loading ---- */

struct loader {
	const struct glow_json *doc;
	struct glow_rules_error *err;
	int index;
	const char *id;
	const char *key;
};

static int
bad(struct loader *L, int tok, const char *fmt, ...)
{
	struct glow_rules_error *e = L->err;
	va_list ap;

	if (e) {
		memset(e, 0, sizeof *e);
		e->offset = tok >= 0 && tok < L->doc->ntok ?
		    (size_t)L->doc->tok[tok].start : 0;
		e->index = L->index;
		if (L->id)
			snprintf(e->id, sizeof e->id, "%s", L->id);
		if (L->key)
			snprintf(e->key, sizeof e->key, "%s", L->key);
		va_start(ap, fmt);
		vsnprintf(e->reason, sizeof e->reason, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

static int
nomem(void)
{
	errno = ENOMEM;
	return -1;
}

static void
strlist_free(struct glow_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
globlist_free(struct glow_globlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		glow_glob_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A string value as a C string (no NUL inside), else an error. */
static int
get_string(struct loader *L, int tok, char **out)
{
	if (glow_json_type(L->doc, tok) != GLOW_JSON_STRING)
		return bad(L, tok, "want a string");
	if (!(*out = glow_json_strdup(L->doc, tok))) {
		if (errno == ENOMEM)
			return -1;
		return bad(L, tok, "a NUL character in the string");
	}
	return 0;
}

typedef int (*item_check)(struct loader *L, int tok, const char *s);

/* A string or, if allow_one, an array of strings (non-empty). */
static int
get_strings(struct loader *L, int tok, int allow_one, item_check check,
    struct glow_strlist *out)
{
	enum glow_json_type t = glow_json_type(L->doc, tok);
	int v, n;
	char *s;

	if (t == GLOW_JSON_STRING && allow_one)
		n = 1;
	else if (t == GLOW_JSON_ARRAY) {
		if ((n = glow_json_size(L->doc, tok)) == 0)
			return bad(L, tok, "an empty list (leave the key out "
			    "instead)");
	} else
		return bad(L, tok, allow_one ? "want a string or an array of "
		    "strings" : "want an array of strings");
	if (!(out->v = calloc((size_t)n, sizeof *out->v)))
		return nomem();
	v = t == GLOW_JSON_ARRAY ? glow_json_first(L->doc, tok) : tok;
	for (; v >= 0; v = glow_json_next(L->doc, v)) {
		if (get_string(L, v, &s) < 0)
			return -1;
		out->v[out->n++] = s;
		if (check && check(L, v, s) < 0)
			return -1;
		if (t != GLOW_JSON_ARRAY)
			break;
	}
	return 0;
}

static int
check_event(struct loader *L, int tok, const char *s)
{
	if (strcmp(s, "*") != 0 && !glow_event_known(s))
		return bad(L, tok, "unknown event '%.80s'", s);
	return 0;
}

static int
check_word(struct loader *L, int tok, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			break;
	if (!*s || *p)
		return bad(L, tok, "bad action '%.80s': want [a-z_]", s);
	return 0;
}

/* A GitHub login: 1-39 of [A-Za-z0-9-], optionally "[bot]" after. */
static int
check_login(struct loader *L, int tok, const char *s)
{
	size_t n = strlen(s), i;

	if (n > 5 && strcmp(s + n - 5, "[bot]") == 0)
		n -= 5;
	if (n == 0 || n > 39)
		return bad(L, tok, "bad login '%.80s'", s);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return bad(L, tok, "bad login '%.80s'", s);
	return 0;
}

static int
check_label(struct loader *L, int tok, const char *s)
{
	if (!*s || strlen(s) > 100)
		return bad(L, tok, "bad label '%.80s': want 1-100 bytes", s);
	return 0;
}

/*
 * A list of patterns.  icase: GitHub's names are not case-sensitive (a
 * repository), so the patterns are kept in lower case and matched against
 * a lower-case name.  A list of negations alone is refused, as Actions
 * refuses it: "If you define a branch with the ! character, you must also
 * define at least one branch without the ! character."
 */
static int
get_globs(struct loader *L, int tok, int allow_one, int icase,
    struct glow_globlist *out)
{
	struct glow_strlist s = { NULL, 0 };
	struct glow_glob_error ge;
	size_t i, positive = 0;
	char *c;
	int v;

	if (get_strings(L, tok, allow_one, NULL, &s) < 0) {
		strlist_free(&s);
		return -1;
	}
	for (i = 0; i < s.n; i++) {
		positive += s.v[i][0] != '!';
		for (c = s.v[i]; icase && *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
	}
	if (s.n && !positive) {
		strlist_free(&s);
		return bad(L, tok, "only '!' patterns: add one without '!' "
		    "(as Actions requires), or use the -ignore form");
	}
	if (!(out->v = calloc(s.n, sizeof *out->v))) {
		strlist_free(&s);
		return nomem();
	}
	v = glow_json_type(L->doc, tok) == GLOW_JSON_ARRAY ?
	    glow_json_first(L->doc, tok) : tok;
	for (i = 0; i < s.n; i++, v = glow_json_next(L->doc, v)) {
		if (glow_glob_compile(&out->v[i], s.v[i], strlen(s.v[i]), &ge) < 0) {
			if (errno != ENOMEM)
				bad(L, v, "bad pattern '%.80s': %s at offset %zu",
				    s.v[i], ge.reason, ge.offset);
			strlist_free(&s);
			return -1;
		}
		out->n++;
	}
	strlist_free(&s);
	return 0;
}

static int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Can any event of the rule carry the data a filter needs? */
static int
carries(const struct glow_rule *r, const char *const *events)
{
	size_t i;

	if (r->any_event)
		return 1;
	for (i = 0; i < r->on.n; i++)
		if (in_list(events, r->on.v[i]))
			return 1;
	return 0;
}

static const char *const rule_keys[] = {
	"id", "description", "on", "actions", "repository", "branches",
	"branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore",
	"authors", "labels", "ignore_bots", "run", "timeout", "if", "dispatch",
	NULL
};

/*
 * "dispatch": {"repository": "owner/name", "workflow": "file.yml",
 * "ref": "main"} (workflow_dispatch) or {"repository": "owner/name",
 * "event_type": "name"} (repository_dispatch).
 */
static int
get_dispatch(struct loader *L, int obj, struct glow_dispatch *dp)
{
	static const char *const keys[] = { "repository", "workflow", "ref",
	    "event_type", NULL };
	char **slot[4];
	const struct glow_json *d = L->doc;
	const char *slash;
	int k, i;

	slot[0] = &dp->repository;
	slot[1] = &dp->workflow;
	slot[2] = &dp->ref;
	slot[3] = &dp->event_type;
	if (glow_json_type(d, obj) != GLOW_JSON_OBJECT)
		return bad(L, obj, "want an object with repository, and workflow "
		    "and ref, or event_type");
	for (k = glow_json_first(d, obj); k >= 0; k = glow_json_next(d, k)) {
		for (i = 0; keys[i] && !glow_json_streq(d, k, keys[i]); i++)
			;
		if (!keys[i])
			return bad(L, k, "unknown key (want repository, workflow, "
			    "ref, event_type)");
		if (*slot[i])
			return bad(L, k, "repeated key");
		if (get_string(L, k + 1, slot[i]) < 0)
			return -1;
		if (!**slot[i] || strlen(*slot[i]) > 100 + 40)
			return bad(L, k + 1, "want 1 to 140 characters");
	}
	if (!dp->repository || !(slash = strchr(dp->repository, '/')) ||
	    slash == dp->repository || !slash[1] || strchr(slash + 1, '/'))
		return bad(L, obj, "want a repository, owner/name");
	if (!!dp->event_type == !!dp->workflow)
		return bad(L, obj, "want a workflow (workflow_dispatch) or an "
		    "event_type (repository_dispatch), one of them");
	if (dp->workflow && !dp->ref)
		return bad(L, obj, "a workflow wants a ref (a branch or tag)");
	if (dp->event_type && dp->ref)
		return bad(L, obj, "repository_dispatch takes no ref (it runs on "
		    "the default branch)");
	return 0;
}

static int
load_rule(struct loader *L, int obj, struct glow_rule *r)
{
	const struct glow_json *d = L->doc;
	unsigned seen = 0;
	int k, v, i, filt_tok[4] = { -1, -1, -1, -1 };
	long long t;
	size_t n;
	struct glow_globlist *gl;

	r->timeout = GLOW_RULE_TIMEOUT;
	r->ignore_bots = 1;
	r->offset = (size_t)d->tok[obj].start;
	if (glow_json_type(d, obj) != GLOW_JSON_OBJECT)
		return bad(L, obj, "want an object");
	/* the id first, so that later errors can name the rule */
	L->key = "id";
	if ((v = glow_json_get(d, obj, "id")) < 0)
		return bad(L, obj, "no 'id'");
	if (get_string(L, v, &r->id) < 0)
		return -1;
	n = strlen(r->id);
	if (n == 0 || n > 64 || r->id[0] == '.' ||
	    strspn(r->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != n)
		return bad(L, v, "bad id '%.64s': want 1-64 of [A-Za-z0-9._-], "
		    "not starting with '.'", r->id);
	L->id = r->id;
	for (k = glow_json_first(d, obj); k >= 0; k = glow_json_next(d, k)) {
		v = k + 1;
		for (i = 0; rule_keys[i]; i++)
			if (glow_json_streq(d, k, rule_keys[i]))
				break;
		if (!rule_keys[i]) {
			struct glow_buf kb = GLOW_BUF_INIT;

			glow_json_string(d, k, &kb);
			L->key = NULL;
			bad(L, k, "unknown key '%.40s'", glow_buf_str(&kb));
			glow_buf_free(&kb);
			return -1;
		}
		L->key = rule_keys[i];
		if (seen & (1u << i))
			return bad(L, k, "repeated key");
		seen |= 1u << i;
		gl = NULL;
		switch (i) {
		case 0:
			break;
		case 1:
			if (get_string(L, v, &r->description) < 0)
				return -1;
			break;
		case 2:
			if (get_strings(L, v, 1, check_event, &r->on) < 0)
				return -1;
			for (n = 0; n < r->on.n; n++)
				if (strcmp(r->on.v[n], "*") == 0)
					r->any_event = 1;
			break;
		case 3:
			if (get_strings(L, v, 1, check_word, &r->actions) < 0)
				return -1;
			break;
		case 4:
			if (get_globs(L, v, 1, 1, &r->repository) < 0)
				return -1;
			break;
		case 5: case 6: gl = &r->branches; break;
		case 7: case 8: gl = &r->tags; break;
		case 9: case 10: gl = &r->paths; break;
		case 11:
			if (get_strings(L, v, 0, check_login, &r->authors) < 0)
				return -1;
			break;
		case 12:
			if (get_strings(L, v, 0, check_label, &r->labels) < 0)
				return -1;
			break;
		case 13:
			if (glow_json_type(d, v) == GLOW_JSON_TRUE)
				r->ignore_bots = 1;
			else if (glow_json_type(d, v) == GLOW_JSON_FALSE)
				r->ignore_bots = 0;
			else
				return bad(L, v, "want true or false");
			break;
		case 14:
			if (get_string(L, v, &r->run) < 0)
				return -1;
			if (!r->run[0])
				return bad(L, v, "an empty command");
			break;
		case 15:
			if (glow_json_type(d, v) != GLOW_JSON_NUMBER ||
			    glow_json_int(d, v, &t) < 0 || t < 1 ||
			    t > GLOW_RULE_TIMEOUT_MAX)
				return bad(L, v, "want whole seconds from 1 to %d",
				    GLOW_RULE_TIMEOUT_MAX);
			r->timeout = (long)t;
			break;
		case 17:
			if (get_dispatch(L, v, &r->dispatch) < 0)
				return -1;
			break;
		case 16: {
			char why[200];
			int at = v;

			if (glow_cond_compile(&r->cond, d, v, &at, why,
			    sizeof why) < 0)
				return errno == ENOMEM ? -1 : bad(L, at, "%s", why);
			break;
		}
		}
		if (gl) {
			/* a filter and its -ignore twin: i - 5 is 0..5 */
			int f = (i - 5) / 2, ign = (i - 5) % 2;

			if (filt_tok[f] >= 0)
				return bad(L, k, "'%s' and '%s' cannot both be set",
				    rule_keys[5 + 2 * f], rule_keys[6 + 2 * f]);
			filt_tok[f] = k;
			gl->ignore = ign;
			if (get_globs(L, v, 0, 0, gl) < 0)
				return -1;
		}
	}
	L->key = NULL;
	if (!(seen & (1u << 2)))
		return bad(L, obj, "no 'on': name the events");
	if (!(seen & (1u << 14)) == !(seen & (1u << 17)))
		return bad(L, obj, (seen & (1u << 14)) ? "both 'run' and "
		    "'dispatch': give one" : "no 'run': name the command (or "
		    "'dispatch' a workflow)");
	/* filters that none of the rule's events can satisfy */
	{
		static const struct { int f; const char *const *ev; const char *what; }
		    need[] = {
			{ 0, branch_events, "a branch" }, { 1, tag_events, "a tag" },
			{ 2, path_events, "changed files" },
		};
		size_t j;

		for (j = 0; j < 3; j++)
			if (filt_tok[need[j].f] >= 0 && !carries(r, need[j].ev)) {
				L->key = rule_keys[5 + 2 * need[j].f +
				    (need[j].f == 0 ? r->branches.ignore :
				    need[j].f == 1 ? r->tags.ignore : r->paths.ignore)];
				return bad(L, filt_tok[need[j].f] + 1, "none of the "
				    "rule's events carries %s", need[j].what);
			}
		if (r->labels.n && !carries(r, label_events)) {
			L->key = "labels";
			return bad(L, glow_json_get(d, obj, "labels"), "none of the "
			    "rule's events carries labels");
		}
	}
	return 0;
}

static void
rule_free(struct glow_rule *r)
{
	free(r->id);
	free(r->description);
	free(r->run);
	strlist_free(&r->on);
	strlist_free(&r->actions);
	strlist_free(&r->authors);
	strlist_free(&r->labels);
	globlist_free(&r->repository);
	globlist_free(&r->branches);
	globlist_free(&r->tags);
	globlist_free(&r->paths);
	glow_cond_free(r->cond);
	free(r->dispatch.repository);
	free(r->dispatch.workflow);
	free(r->dispatch.ref);
	free(r->dispatch.event_type);
}

void
glow_rules_free(struct glow_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

int
glow_rules_load(struct glow_rules *rs, const char *text, size_t len,
    struct glow_rules_error *err)
{
	struct glow_json doc;
	struct glow_json_error je;
	struct loader L;
	int k, v, w, n, rc = -1;
	size_t i, j;

	memset(rs, 0, sizeof *rs);
	memset(&L, 0, sizeof L);
	L.doc = &doc;
	L.err = err;
	if (glow_json_parse(&doc, text, len, &je) < 0) {
		if (errno == ENOMEM)
			return -1;
		if (err) {
			memset(err, 0, sizeof *err);
			err->offset = je.offset;
			snprintf(err->reason, sizeof err->reason, "%s", je.reason);
		}
		errno = EINVAL;
		return -1;
	}
	if (glow_json_type(&doc, 0) != GLOW_JSON_OBJECT) {
		bad(&L, 0, "want an object {\"workflows\": [...]}");
		goto out;
	}
	w = -1;
	for (k = glow_json_first(&doc, 0); k >= 0; k = glow_json_next(&doc, k)) {
		if (!glow_json_streq(&doc, k, "workflows")) {
			struct glow_buf kb = GLOW_BUF_INIT;

			glow_json_string(&doc, k, &kb);
			bad(&L, k, "unknown key '%.40s'", glow_buf_str(&kb));
			glow_buf_free(&kb);
			goto out;
		}
		if (w >= 0) {
			L.key = "workflows";
			bad(&L, k, "repeated key");
			goto out;
		}
		w = k + 1;
	}
	L.key = "workflows";
	if (w < 0) {
		bad(&L, 0, "no 'workflows'");
		goto out;
	}
	if (glow_json_type(&doc, w) != GLOW_JSON_ARRAY) {
		bad(&L, w, "want an array of rules");
		goto out;
	}
	L.key = NULL;
	n = glow_json_size(&doc, w);
	if (n > 0 && !(rs->v = calloc((size_t)n, sizeof *rs->v))) {
		nomem();
		goto out;
	}
	for (v = glow_json_first(&doc, w); v >= 0; v = glow_json_next(&doc, v)) {
		L.index = (int)rs->n + 1;
		L.id = NULL;
		L.key = NULL;
		rs->n++;
		if (load_rule(&L, v, &rs->v[rs->n - 1]) < 0)
			goto out;
		for (j = 0; j + 1 < rs->n; j++)
			if (strcmp(rs->v[j].id, rs->v[rs->n - 1].id) == 0) {
				L.key = "id";
				bad(&L, glow_json_get(&doc, v, "id"), "the id of rule "
				    "%zu again", j + 1);
				goto out;
			}
	}
	rc = 0;
out:
	glow_json_free(&doc);
	if (rc < 0) {
		int saved = errno;

		for (i = 0; i < rs->n; i++)
			rule_free(&rs->v[i]);
		free(rs->v);
		rs->v = NULL;
		rs->n = 0;
		errno = saved;
	}
	return rc;
}

/* ---- matching ---- */

static int
no(struct glow_buf *why, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		glow_buf_vprintf(why, fmt, ap);
		va_end(ap);
	}
	return GLOW_RULE_NO;
}

static int
has(const struct glow_strlist *l, const char *s, int icase)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < l->n; i++)
		if (icase ? strcasecmp(l->v[i], s) == 0 : strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static const char *
fname(const char *base, int ignore)
{
	static char b[3][24];
	static int k;

	k = (k + 1) % 3;
	snprintf(b[k], sizeof b[k], "%s%s", base, ignore ? "-ignore" : "");
	return b[k];
}

/* A ref filter (branches or tags) against a name: 1 passes. */
static int
ref_pass(const struct glow_globlist *l, const char *name)
{
	int sel = glow_glob_list_match(l->v, l->n, name, strlen(name), NULL);

	return l->ignore ? !sel : sel;
}

int
glow_rule_match(const struct glow_rule *r, const struct glow_event *ev,
    struct glow_buf *why)
{
	size_t i, hit = 0;
	const char *kind;
	int sel, which = -1;

	if (!r->any_event && !has(&r->on, ev->event, 0))
		return no(why, "event '%s' not in 'on'", ev->event);
	if (r->actions.n && !has(&r->actions, ev->action, 0))
		return ev->action ? no(why, "action '%s' not in 'actions'",
		    ev->action) : no(why, "event '%s' has no action", ev->event);
	/* "By default, a workflow only runs when a pull_request event's
	 * activity type is opened, synchronize, or reopened." */
	if (!r->actions.n && (strcmp(ev->event, "pull_request") == 0 ||
	    strcmp(ev->event, "pull_request_target") == 0) &&
	    !in_list(pr_default_actions, ev->action ? ev->action : ""))
		return no(why, "action '%s' is not one of a pull request's "
		    "defaults (opened, synchronize, reopened; set 'actions')",
		    ev->action ? ev->action : "");
	if (r->repository.n) {
		char lower[GLOW_REPO_MAX + 1];
		size_t n, k;

		if (!ev->repository)
			return no(why, "no repository in the event");
		/* GitHub's names are not case-sensitive: both in lower case */
		n = strlen(ev->repository);
		if (n > GLOW_REPO_MAX)
			return no(why, "repository name too long");
		for (k = 0; k <= n; k++)
			lower[k] = (char)(ev->repository[k] >= 'A' &&
			    ev->repository[k] <= 'Z' ? ev->repository[k] + 32 :
			    ev->repository[k]);
		if (!glow_glob_list_match(r->repository.v, r->repository.n,
		    lower, n, NULL))
			return no(why, "repository '%s' not selected by "
			    "'repository'", ev->repository);
	}
	if (r->ignore_bots && ev->bot)
		return no(why, "sender '%s' is a bot (ignore_bots)",
		    ev->sender ? ev->sender : "");
	if (r->authors.n && !has(&r->authors, ev->author, 1))
		return no(why, "author '%s' not in 'authors'",
		    ev->author ? ev->author : "");
	if (r->labels.n) {
		for (i = 0; i < ev->labels.n; i++)
			if (has(&r->labels, ev->labels.v[i], 1))
				break;
		if (i == ev->labels.n)
			return no(why, "no label in 'labels' (%zu labels)",
			    ev->labels.n);
	}
	if (r->cond && !glow_cond_eval(r->cond, ev->doc, ev->payload))
		return no(why, "its 'if' does not hold");
	if (r->branches.n || r->tags.n) {
		kind = ev->ref == GLOW_REF_BRANCH ? "branch" : "tag";
		if (ev->ref == GLOW_REF_NONE)
			return no(why, "event '%s' has no branch or tag", ev->event);
		if (ev->ref == GLOW_REF_BRANCH && !r->branches.n)
			return no(why, "a branch, and only tag filters are set");
		if (ev->ref == GLOW_REF_TAG && !r->tags.n)
			return no(why, "a tag, and only branch filters are set");
		if (ev->ref == GLOW_REF_BRANCH ?
		    !ref_pass(&r->branches, ev->refname) :
		    !ref_pass(&r->tags, ev->refname)) {
			const struct glow_globlist *l = ev->ref == GLOW_REF_BRANCH ?
			    &r->branches : &r->tags;

			return no(why, "%s '%s' %s by '%s'", kind, ev->refname,
			    l->ignore ? "ignored" : "not selected",
			    fname(ev->ref == GLOW_REF_BRANCH ? "branches" : "tags",
			    l->ignore));
		}
	}
	/* "Path filters are not evaluated for pushes of tags." */
	if (r->paths.n && !(strcmp(ev->event, "push") == 0 &&
	    ev->ref == GLOW_REF_TAG)) {
		if (ev->files == GLOW_FILES_NONE)
			return no(why, "event '%s' has no changed files",
			    ev->event);
		if (ev->files == GLOW_FILES_PENDING) {
			if (why)
				glow_buf_adds(why, "needs the pull request's files");
			return GLOW_RULE_FILES;
		}
		if (!ev->files_unknown) {
			/* "Diffs are limited to 300 files": the first count,
			 * unless the caller asked for all (glow-trigger -a) */
			for (i = 0; i < ev->nfile; i++) {
				sel = glow_glob_list_match(r->paths.v, r->paths.n,
				    ev->file[i], strlen(ev->file[i]), &which);
				if (sel != r->paths.ignore) {
					hit++;
					if (!why)
						break;
				}
			}
			if (!hit)
				return ev->nfile == 0 ? no(why, "no changed files") :
				    no(why, "%s of %zu changed files %s by '%s'",
				    ev->nfile == 1 ? "the one" : "none", ev->nfile,
				    r->paths.ignore ? "left" : "selected",
				    fname("paths", r->paths.ignore));
		}
	}
	if (why) {
		glow_buf_printf(why, "event '%s'", ev->event);
		if (ev->action)
			glow_buf_printf(why, ", action '%s'", ev->action);
		if ((r->branches.n || r->tags.n) && ev->refname)
			glow_buf_printf(why, ", %s '%s'", ev->ref == GLOW_REF_TAG ?
			    "tag" : "branch", ev->refname);
		if (r->paths.n && strcmp(ev->event, "push") == 0 &&
		    ev->ref == GLOW_REF_TAG)
			glow_buf_adds(why, ", a tag (path filters not evaluated)");
		else if (r->paths.n && ev->files_unknown)
			glow_buf_printf(why, ", changed files not all listed "
			    "(path filter passes)");
		else if (r->paths.n)
			glow_buf_printf(why, ", %zu of %zu changed files %s", hit,
			    ev->nfile, r->paths.ignore ? "not ignored" : "selected");
	}
	return GLOW_RULE_YES;
}
