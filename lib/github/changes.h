/* SPDX-License-Identifier: ISC */
/*
 * changes.h: the changed files of an event, for the path filters of
 * rules.h, from GitHub, as Actions computes them ("Workflow syntax for
 * GitHub Actions", on.<push|pull_request>.paths, "Git diff comparisons"):
 *
 *   a pull request  GET /repos/{o}/{r}/pulls/{number}/files, 100 a page,
 *                   following the Link header's next;
 *   a push          GET /repos/{o}/{r}/compare/{before}...{after}, whose
 *                   first page lists up to 300 changed files.  Actions
 *                   diffs a push to an existing branch two-dot (before
 *                   against after): when after is behind before (a
 *                   rewinding force push) the files are those of
 *                   after...before, the same set; when the two diverged,
 *                   the files changed on either side since their merge
 *                   base, a superset.  A push that creates a branch
 *                   (before all zeros) is diffed by Actions against "the
 *                   parent of the ancestor of the deepest commit pushed",
 *                   which a webhook does not name: its commits' own file
 *                   lists are used.
 *
 * "Diffs are limited to 300 files.  If there are files changed that aren't
 * matched in the first 300 files returned by the filter, the workflow will
 * not run": the first 300 count.  With all (glow-trigger -a), every file
 * a pull request's API lists (at most 3000), and when the pull request has
 * more files than were listed the list is marked incomplete
 * (ev->files_unknown), so that a path filter passes.
 *
 * The client is set up only when files are wanted, by the caller's
 * client(arg, err): the client, or NULL with the reason appended to err.
 * A push without a client (no token) keeps its commits' file lists: 1 is
 * returned so the caller can say so.  Nothing here prints.
 */
#ifndef GLOW_CHANGES_H
#define GLOW_CHANGES_H

#include "core/buf.h"
#include "core/json.h"
#include "events/rules.h"
#include "github/github.h"

#define GLOW_CHANGES_ACTIONS 300        /* what Actions looks at */
#define GLOW_CHANGES_API 3000           /* what the pulls API lists */

struct glow_changes {
	int all;                /* every file listed, not the first 300 */
	struct glow_gh *(*client)(void *arg, struct glow_buf *err);
	void *arg;
};

/*
 * Set ev's files (ev->files becomes GLOW_FILES_LIST) from GitHub; doc is
 * its envelope.  0; 1 for a push left with its commits' lists (no
 * client); -1 with a one-line reason appended to err ("GET '/repos/...':
 * 404 Not Found").
 */
int glow_changes_fetch(const struct glow_changes *ch, struct glow_event *ev,
    const struct glow_json *doc, struct glow_buf *err);

#endif
