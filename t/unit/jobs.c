/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/events/run.c: a command runs with the environment and stdin
 * given, its status is collected, a timeout sends SIGTERM and, past the
 * grace, SIGKILL to the whole group; the cap holds.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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
	is_int(glow_job_start(&js, cmd, fd, env, 10, NULL, &arg), 0, "start");
	close(fd);
	ok(glow_jobs_full(&js), "full at the cap");
	ok(glow_job_start(&js, "true", 0, no_env, 10, NULL, NULL) < 0 && errno == EAGAIN,
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
	    NULL, NULL);
	ok(wait_job(&js, &j, &status, 0), "timeout: the job ended");
	ok(j.timed_out && j.termed, "timeout: marked timed out");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "timeout: SIGKILL after the grace");
	ok(glow_gh_clock() - t0 >= 2 && glow_gh_clock() - t0 < 8,
	    "timeout: after the timeout and the grace");

	/* a stop: SIGTERM at once, not a timeout */
	glow_job_start(&js, "sleep 30", 0, no_env, 600, NULL, NULL);
	ok(wait_job(&js, &j, &status, 1), "stop: the job ended");
	ok(j.termed && !j.timed_out && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGTERM, "stop: SIGTERM, not timed out");
	is_int((long long)glow_jobs_next(&js, 42), 42, "next: no job, no change");
	glow_jobs_free(&js);
	glow_buf_free(&b);
}

/* A job recorded, its caller gone: the orphan is found and ended. */
static void
test_orphan(void)
{
	struct glow_jobs js;
	struct glow_job j;
	char rec[] = "/tmp/glow-job-XXXXXX";
	struct glow_buf b = GLOW_BUF_INIT;
	long long pgid = 0;
	int fd, status;

	fd = mkstemp(rec);
	close(fd);
	unlink(rec);
	glow_jobs_init(&js, 1, 1);
	is_int(glow_job_start(&js, "sleep 30 & sleep 30", 0, no_env, 600, rec,
	    NULL), 0, "start with a record");
	ok(glow_read_file(rec, &b, 256) == 0 &&
	    sscanf(b.p, "%lld", &pgid) == 1 && pgid == js.v[0].pid,
	    "the record names the job's process group");
	glow_gh_sleep(0.2);
	ok(kill(-(pid_t)pgid, 0) == 0, "the group runs");
	/* as if its caller had died: a fresh look at the record */
	is_int(glow_job_orphan(rec, 1), 1, "an orphan: ended");
	ok(access(rec, F_OK) < 0, "the record is removed");
	/* the same record again: no live member (zombies do not count) */
	fd = open(rec, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	(void)!write(fd, b.p, b.len);
	close(fd);
	is_int(glow_job_orphan(rec, 1), 0, "no live member is left");
	ok(wait_job(&js, &j, &status, 0), "the leader is reaped");
	is_int(glow_job_orphan(rec, 1), 0, "no record: nothing to end");

	/* a record of another boot, or of a process since reused: left */
	fd = open(rec, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dprintf(fd, "%ld 1 not-this-boot\n", (long)getpid());
	close(fd);
	is_int(glow_job_orphan(rec, 1), 0, "another boot's record: nothing ended");
	ok(kill(getpid(), 0) == 0, "(and this process lives)");
	{
		/* a live group of its own, whose leader started at another
		 * time than recorded: someone else's, left alone */
		pid_t other = fork();

		if (other == 0) {
			setpgid(0, 0);
			pause();
			_exit(0);
		}
		setpgid(other, other);
		fd = open(rec, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		glow_buf_reset(&b);
		glow_read_file("/proc/sys/kernel/random/boot_id", &b, 64);
		dprintf(fd, "%ld 1 %.36s\n", (long)other, b.p);
		close(fd);
		is_int(glow_job_orphan(rec, 1), 0,
		    "a group whose leader started at another time: not ours, left");
		ok(kill(other, 0) == 0, "(it lives)");
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
	}

	/* the record cannot be written: the command never runs */
	is_int(glow_job_start(&js, "touch ran", 0, no_env, 600,
	    "/nonexistent/dir/rec", NULL), 0, "start, record impossible");
	ok(wait_job(&js, &j, &status, 0) && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 127, "it ends 127");
	ok(access("ran", F_OK) < 0, "and never ran");
	glow_jobs_free(&js);
	glow_buf_free(&b);
}

int
main(void)
{
	test_envp();
	test_run();
	test_orphan();
	return done_testing();
}
