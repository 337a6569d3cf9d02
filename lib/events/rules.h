/* SPDX-License-Identifier: ISC */
/*
 * rules.h: glow-trigger's rules file (glow-trigger(5)), and the matching
 * of a webhook envelope (webhook.h) against its rules.
 *
 * The file is one JSON object {"workflows": [RULE, ...]}; each RULE:
 *
 *   id               required; 1-64 of [A-Za-z0-9._-], not starting with
 *                    '.', unique in the file
 *   description      a string, for people
 *   on               required; an event name or an array of them ("*": any)
 *   actions          payload.action must be one of these
 *   repository       a pattern or array of patterns for "owner/name"
 *   branches | branches-ignore, tags | tags-ignore, paths | paths-ignore
 *                    arrays of patterns (glob.h), never both forms at once
 *   authors          logins (case-insensitive): the event's author is one
 *   labels           names (case-insensitive): the issue or pull request
 *                    carries at least one of them
 *   ignore_bots      boolean, default true: a sender of type "Bot" never
 *                    triggers the rule
 *   run              required; a command for sh -c
 *   timeout          seconds, 1-86400, default 600
 *
 * Everything is checked on load: an unknown or repeated key, a wrong type,
 * an empty list, a bad pattern, an unknown event, a filter together with
 * its -ignore twin, a filter none of the rule's events can carry (branches
 * on "issues" alone), a repeated id.  The first problem is reported with
 * the rule (index and id), the key and the byte offset of the value.
 *
 * Matching.  glow_event_load() reads what the filters need from an
 * envelope once; glow_rule_match() then tests a rule against it, all
 * filters at once (they must all pass).  Nothing here does I/O: the files
 * of a pull request or a push come from the GitHub API (changes.h), so a
 * rule whose only undecided filter is its path filter answers
 * GLOW_RULE_FILES; the caller fetches the files, adds them with
 * glow_event_add_file(), sets
 * ev->files = GLOW_FILES_LIST (and ev->files_unknown if the list is known
 * to be incomplete) and asks again.
 *
 * Functions return 0 on success and -1 on failure (errno ENOMEM, or EINVAL
 * with the reason filled in); none prints.
 */
#ifndef GLOW_RULES_H
#define GLOW_RULES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "events/glob.h"

#define GLOW_RULE_TIMEOUT 600           /* default timeout, seconds */
#define GLOW_RULE_TIMEOUT_MAX 86400
/* Actions: a push of more than 1000 commits always runs the workflow. */
#define GLOW_PUSH_MAX_COMMITS 1000
/* "Diffs are limited to 300 files" (Actions' path filters). */
#define GLOW_DIFF_MAX_FILES 300
/* The longest repository full name matched: owner 39, name 100. */
#define GLOW_REPO_MAX 140

struct glow_cond;

struct glow_strlist {
	char **v;
	size_t n;
};

struct glow_globlist {
	struct glow_glob *v;
	size_t n;
	int ignore;             /* given as the -ignore form */
};

/* A rule's "dispatch" (glow-trigger(5)): all NULL when it has none. */
struct glow_dispatch {
	char *repository;       /* owner/name */
	char *workflow;         /* workflow_dispatch: file name or ID */
	char *ref;              /* and the branch or tag */
	char *event_type;       /* repository_dispatch */
};

struct glow_rule {
	char *id;
	char *description;      /* or NULL */
	char *run;              /* or NULL with dispatch */
	struct glow_dispatch dispatch;
	long timeout;
	int ignore_bots;
	int any_event;          /* "on" holds "*" */
	struct glow_strlist on, actions, authors, labels;
	struct glow_globlist repository, branches, tags, paths;
	struct glow_cond *cond; /* "if", or NULL (cond.h) */
	size_t offset;          /* of the rule's object in the file */
};

struct glow_rules {
	struct glow_rule *v;
	size_t n;
};

struct glow_rules_error {
	size_t offset;          /* byte offset in the file */
	int index;              /* 1-based rule number; 0: not in a rule */
	char id[72];            /* the rule's id when known, else "" */
	char key[40];           /* the key at fault, else "" */
	char reason[256];
};

int glow_rules_load(struct glow_rules *rs, const char *text, size_t len,
    struct glow_rules_error *err);
void glow_rules_free(struct glow_rules *rs);

/* Is name a known event (a webhook event or an Actions-only one)? */
int glow_event_known(const char *name);

enum glow_ref_kind { GLOW_REF_NONE = 0, GLOW_REF_BRANCH, GLOW_REF_TAG };

enum glow_files_state {
	GLOW_FILES_NONE = 0,    /* the event carries no changed files */
	GLOW_FILES_PENDING,     /* a pull request or a push: files to be
	                           fetched (changes.h) */
	GLOW_FILES_LIST         /* file[] holds them */
};

/* What the filters look at, read from one envelope.  Strings are owned. */
struct glow_event {
	char *event;            /* envelope "event" */
	char *action;           /* or NULL */
	char *delivery;         /* or NULL */
	char *repository;       /* "owner/name", or NULL */
	char *installation;     /* the id in decimal, or NULL */
	char *sender;           /* sender login, or NULL */
	int bot;                /* sender.type is "Bot" */
	char *author;           /* see glow-trigger(5); or NULL */
	enum glow_ref_kind ref;
	char *refname;          /* branch or tag name (no refs/heads/) */
	struct glow_strlist labels;
	long pr_number;         /* the pull request's number, or 0 */
	enum glow_files_state files;
	int files_unknown;      /* the list is incomplete: path filters pass */
	char **file;
	size_t nfile, capfile;
	size_t ncommits;        /* push: commits listed */
	char *before, *after;   /* push: the ref's old and new commits */
	const struct glow_json *doc;    /* the envelope, for conditions: */
	int payload;            /* it outlives the event; its payload */
};

/*
 * Read an envelope (token 0 of doc: {"event", "payload", ...}).  -1 with
 * *why set when it is not one.
 */
int glow_event_load(struct glow_event *ev, const struct glow_json *doc,
    const char **why);
int glow_event_add_file(struct glow_event *ev, const char *name, size_t len);
void glow_event_free(struct glow_event *ev);

enum {
	GLOW_RULE_NO = 0,
	GLOW_RULE_YES = 1,
	GLOW_RULE_FILES = 2     /* all else passes; the path filter needs files */
};

/*
 * Test rule r against ev.  With why not NULL, a one-line explanation of
 * the outcome is appended to it ("branch 'dev' not selected by branches").
 */
int glow_rule_match(const struct glow_rule *r, const struct glow_event *ev,
    struct glow_buf *why);

#endif
