/* SPDX-License-Identifier: ISC */
/*
 * prfiles.h: the changed files of a pull request, for the path filters of
 * rules.h, from GitHub: GET /repos/{owner}/{repo}/pulls/{number}/files,
 * 100 a page, following the Link header's next.
 *
 * Actions looks at the first 300 changed files only ("Workflow syntax for
 * GitHub Actions", on.<event>.paths); with all set, every file the API
 * lists (it lists at most 3000), and when the pull request has more files
 * than were listed (payload.pull_request.changed_files, else another page)
 * the list is marked incomplete (ev->files_unknown), so that a path
 * filter passes.
 *
 * The client is set up only when files are wanted, by the caller's
 * client(arg, err): the client, or NULL with the reason appended to err.
 * Nothing here prints.
 */
#ifndef GLOW_PRFILES_H
#define GLOW_PRFILES_H

#include "core/buf.h"
#include "core/json.h"
#include "events/rules.h"
#include "github/github.h"

#define GLOW_PRFILES_ACTIONS 300        /* what Actions looks at */
#define GLOW_PRFILES_API 3000           /* what the API lists */

struct glow_prfiles {
	int all;                /* every file listed, not the first 300 */
	struct glow_gh *(*client)(void *arg, struct glow_buf *err);
	void *arg;
};

/*
 * Add the files of ev's pull request to ev (doc is its envelope) and set
 * ev->files to GLOW_FILES_LIST.  0, or -1 with a one-line reason appended
 * to err ("GET '/repos/...': 404 Not Found").
 */
int glow_prfiles_fetch(const struct glow_prfiles *pf, struct glow_event *ev,
    const struct glow_json *doc, struct glow_buf *err);

#endif
