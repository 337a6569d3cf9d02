/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/events/run.c: a command runs with the environment and stdin
 * given, its status is collected, a timeout sends SIGTERM and, past the
 * grace, SIGKILL to the whole group; the cap holds.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "events/jobs.h"
#include "github/github.h"
#include "tap.h"

static char *const no_env[] = { NULL };

/* Wait (at most 10 s) for one job to end. */
static int
wait_job(struct glow_jobs *js, struct glow_job *j, int *status, int stopping)
{
	double until = glow_gh_clock() + 10;

	while (glow_gh_clock() < until) {
		if (glow_jobs_reap(js, j, status) > 0)
			return 1;
		glow_jobs_timeouts(js, glow_gh_clock(), stopping);
		usleep(10000);
	}
	return 0;
}

static void
test_envp(void)
{
	char *base[] = { "PATH=/bin", "GLOW_RULE=old", "GLOW_RULES=kept",
	    "GLOW_ENVELOPE=old", NULL };
	const char *names[] = { "GLOW_RULE", "GLOW_ENVELOPE", "GLOW_ATTEMPT" };
	const char *values[] = { "build", NULL, "" };
	char **v = glow_jobs_envp(base, names, values, 3);
	int i;

	ok(v != NULL, "envp: made");
	for (i = 0; v && v[i]; i++)
		;
	is_int(i, 4, "envp: base less the names, plus the values set");
	if (i == 4) {
		is_str(v[0], "PATH=/bin", "envp: others kept in order");
		is_str(v[1], "GLOW_RULES=kept", "envp: a longer name is another");
		is_str(v[2], "GLOW_RULE=build", "envp: a value replaces");
		is_str(v[3], "GLOW_ATTEMPT=", "envp: an empty value is set");
	}
	free(v);
}

static void
test_run(void)
{
	struct glow_jobs js;
	struct glow_job j;
	char *env[] = { "GREETING=hello", NULL };
	char out[] = "/tmp/glow-run-XXXXXX";
	struct glow_buf b = GLOW_BUF_INIT;
	char cmd[128];
	int fd, ofd, status = 0, arg = 7;
	double t0;

	is_int(glow_jobs_init(&js, 1, 1), 0, "init");
	ofd = mkstemp(out);
	fd = glow_jobs_stdin(NULL, "from stdin", 10);
	ok(fd >= 0, "stdin: a private copy");
	snprintf(cmd, sizeof cmd, "read x; echo \"$GREETING $x\" >%s; exit 3", out);
	is_int(glow_job_start(&js, cmd, fd, env, 10, &arg), 0, "start");
	close(fd);
	ok(glow_jobs_full(&js), "full at the cap");
	ok(glow_job_start(&js, "true", 0, no_env, 10, NULL) < 0 && errno == EAGAIN,
	    "start: refused past the cap");
	ok(wait_job(&js, &j, &status, 0), "reap: the job ended");
	ok(j.arg == &arg && js.n == 0, "reap: its arg, out of the table");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3 && !j.timed_out,
	    "reap: its exit status");
	glow_read_fd(ofd, &b, 1024);
	is_mem(b.p, b.len, "hello from stdin\n", 17, "environment and stdin given");
	close(ofd);
	unlink(out);

	/* a command that ignores SIGTERM: SIGKILL after the grace (1 s) */
	t0 = glow_gh_clock();
	glow_job_start(&js, "trap '' TERM; sleep 30 & wait; wait", 0, no_env, 1,
	    NULL);
	ok(wait_job(&js, &j, &status, 0), "timeout: the job ended");
	ok(j.timed_out && j.termed, "timeout: marked timed out");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "timeout: SIGKILL after the grace");
	ok(glow_gh_clock() - t0 >= 2 && glow_gh_clock() - t0 < 8,
	    "timeout: after the timeout and the grace");

	/* a stop: SIGTERM at once, not a timeout */
	glow_job_start(&js, "sleep 30", 0, no_env, 600, NULL);
	ok(wait_job(&js, &j, &status, 1), "stop: the job ended");
	ok(j.termed && !j.timed_out && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGTERM, "stop: SIGTERM, not timed out");
	is_int((long long)glow_jobs_next(&js, 42), 42, "next: no job, no change");
	glow_jobs_free(&js);
	glow_buf_free(&b);
}

int
main(void)
{
	test_envp();
	test_run();
	return done_testing();
}
