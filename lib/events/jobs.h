/* SPDX-License-Identifier: ISC */
/*
 * jobs.h: running commands with a timeout and a concurrency cap, as
 * glow-trigger runs the commands of its rules.
 *
 * A job is "/bin/sh -c COMMAND" in a process group of its own, with stdin
 * from a descriptor and an environment the caller gives.  At most max jobs
 * run at once (the caller asks glow_jobs_full() before starting one).
 * When a job's timeout passes, or the caller is stopping, its whole group
 * gets SIGTERM, and SIGKILL grace seconds later if the leader has not
 * ended.  When the leader ends, whatever it left behind in its group is
 * killed (SIGKILL) before the leader is reaped, so that the group's ID
 * cannot be reused while anything of it lives.
 *
 * Use, with SIGCHLD waking the caller's poll(2):
 *
 *     glow_jobs_init(&js, 2, 5);
 *     glow_job_start(&js, "make test", fd, envp, 600, arg);
 *     for (;;) {
 *         poll(..., glow_jobs_next(&js, t + 1) - t ...);
 *         while (glow_jobs_reap(&js, &done, &status) > 0)
 *             ... done.arg, status, done.timed_out ...;
 *         glow_jobs_timeouts(&js, glow_gh_clock(), stopping);
 *     }
 *
 * Times are seconds on the monotonic clock, glow_gh_clock() (github.h).  Functions
 * return 0 or -1 with errno set; none prints.
 */
#ifndef GLOW_JOBS_H
#define GLOW_JOBS_H

#include <sys/types.h>
#include <stddef.h>

struct glow_job {
	pid_t pid;              /* also the process group's ID */
	void *arg;              /* the caller's */
	double start, deadline; /* started; the timeout passes */
	double killat;          /* after SIGTERM: when SIGKILL follows */
	int termed;             /* SIGTERM sent (timeout or stop) */
	int timed_out;          /* for its timeout, not a stop */
	char *record;           /* its record file, removed when reaped */
};

struct glow_jobs {
	struct glow_job *v;     /* n running, room for max */
	int n, max;
	long grace;             /* seconds from SIGTERM to SIGKILL */
};

int glow_jobs_init(struct glow_jobs *js, int max, long grace);
void glow_jobs_free(struct glow_jobs *js);
/* Are max jobs running? */
int glow_jobs_full(const struct glow_jobs *js);

/*
 * Start sh -c command with stdin from fd (the caller closes fd after) and
 * the environment envp, for at most timeout seconds.  In the child, the
 * dispositions of SIGPIPE, SIGTERM, SIGINT, SIGHUP and SIGCHLD are reset to
 * the default and no signal is blocked.  -1 if fork(2) failed (or max jobs
 * run: EAGAIN).  Flush stdio before, as before any fork.
 *
 * record, if not NULL, is a file written before the command may start
 * ("PGID START BOOT-ID": its process group, the leader's start time and
 * this boot) and removed when the job is reaped.  The child waits for it:
 * if the caller dies first, the command never runs (a job that runs is
 * always recorded), and if it cannot be written, the command does not run
 * and ends with status 127.  After a crash of the caller, the records left
 * name the orphaned jobs (glow_job_orphan).
 */
int glow_job_start(struct glow_jobs *js, const char *command, int fd,
    char *const envp[], long timeout, const char *record, void *arg);

/*
 * End the orphaned job a record left by a crashed caller names: if its
 * process group still lives on this boot (and its leader, if alive, is
 * the recorded process), SIGTERM to the group, SIGKILL grace seconds
 * later, and wait until no member is left.  The record is removed.
 * 1 if a group was ended, 0 if none lived, -1 if the record could not be
 * read or removed.
 */
int glow_job_orphan(const char *record, long grace);

/*
 * Collect one job that ended: 1 with it in *job (no longer in the table)
 * and its wait status in *status; 0 when none has ended.  Other children
 * that ended are reaped and passed over.  Does not block.
 */
int glow_jobs_reap(struct glow_jobs *js, struct glow_job *job, int *status);

/*
 * Send the signals due at time now: SIGTERM to the groups past their
 * deadline (all of them when stopping), SIGKILL to those past their grace.
 */
void glow_jobs_timeouts(struct glow_jobs *js, double now, int stopping);

/* The earliest of next and the time of each job's next signal. */
double glow_jobs_next(const struct glow_jobs *js, double next);

/*
 * An environment for a command: base (environ) without the n variables
 * named in names[], then NAME=VALUE for each values[i] that is not NULL.
 * One allocation: free(3) it.  NULL (ENOMEM) when out of memory.
 */
char **glow_jobs_envp(char *const base[], const char *const names[],
    const char *const values[], size_t n);

/*
 * A descriptor for a command's stdin (close-on-exec, at offset 0): path
 * opened for reading, or with path NULL a private unlinked file in TMPDIR
 * (else /tmp) holding the len bytes at text, so that concurrent commands
 * each read from the start.
 */
int glow_jobs_stdin(const char *path, const void *text, size_t len);

#endif
