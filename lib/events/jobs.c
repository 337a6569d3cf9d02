/* SPDX-License-Identifier: ISC */
/* run.c: commands with a timeout and a concurrency cap (run.h). */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "events/jobs.h"
#include "github/github.h"

int
glow_jobs_init(struct glow_jobs *js, int max, long grace)
{
	memset(js, 0, sizeof *js);
	if (!(js->v = calloc((size_t)max, sizeof *js->v)))
		return -1;
	js->max = max;
	js->grace = grace;
	return 0;
}

void
glow_jobs_free(struct glow_jobs *js)
{
	free(js->v);
	js->v = NULL;
	js->n = js->max = 0;
}

int
glow_jobs_full(const struct glow_jobs *js)
{
	return js->n >= js->max;
}

int
glow_job_start(struct glow_jobs *js, const char *command, int fd,
    char *const envp[], long timeout, void *arg)
{
	struct glow_job *j;
	struct sigaction dfl;
	char *argv[4];
	sigset_t none;
	pid_t pid;

	if (glow_jobs_full(js)) {
		errno = EAGAIN;
		return -1;
	}
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		/* only async-signal-safe calls from here on */
		setpgid(0, 0);
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fd, 0) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	setpgid(pid, pid);      /* also here: no race with kill(-pid) */
	j = &js->v[js->n++];
	memset(j, 0, sizeof *j);
	j->pid = pid;
	j->arg = arg;
	j->start = glow_gh_clock();
	j->deadline = j->start + (double)timeout;
	return 0;
}

int
glow_jobs_reap(struct glow_jobs *js, struct glow_job *job, int *status)
{
	siginfo_t si;
	int k;

	for (;;) {
		/*
		 * The leader is looked at without being reaped (WNOWAIT), so
		 * that its process group, which may still hold children,
		 * cannot be reused before they are killed.
		 */
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid == 0)
			return 0;
		for (k = 0; k < js->n && js->v[k].pid != si.si_pid; k++)
			;
		if (k < js->n)
			kill(-js->v[k].pid, SIGKILL);   /* what it left behind */
		while (waitpid(si.si_pid, status, 0) < 0 && errno == EINTR)
			;
		if (k == js->n)
			continue;
		*job = js->v[k];
		js->v[k] = js->v[--js->n];
		return 1;
	}
}

void
glow_jobs_timeouts(struct glow_jobs *js, double now, int stopping)
{
	struct glow_job *j;
	int k;

	for (k = 0; k < js->n; k++) {
		j = &js->v[k];
		if (!j->termed && (now >= j->deadline || stopping)) {
			kill(-j->pid, SIGTERM);
			j->termed = 1;
			j->timed_out = now >= j->deadline;
			j->killat = now + (double)js->grace;
		} else if (j->termed && now >= j->killat) {
			kill(-j->pid, SIGKILL);
			j->killat = now + 3600;
		}
	}
}

double
glow_jobs_next(const struct glow_jobs *js, double next)
{
	double d;
	int k;

	for (k = 0; k < js->n; k++) {
		d = js->v[k].termed ? js->v[k].killat : js->v[k].deadline;
		if (d < next)
			next = d;
	}
	return next;
}

/* Is var ("NAME=VALUE") one of the n names? */
static int
named(const char *var, const char *const names[], size_t n)
{
	size_t k, len;

	for (k = 0; k < n; k++) {
		len = strlen(names[k]);
		if (strncmp(var, names[k], len) == 0 && var[len] == '=')
			return 1;
	}
	return 0;
}

char **
glow_jobs_envp(char *const base[], const char *const names[],
    const char *const values[], size_t n)
{
	size_t nbase, nvar = 0, size = 0, i, k, len;
	char **v, *s;

	for (nbase = 0; base[nbase]; nbase++)
		;
	for (k = 0; k < n; k++)
		if (values[k]) {
			nvar++;
			size += strlen(names[k]) + strlen(values[k]) + 2;
		}
	/* the vector, then the strings it adds */
	if (!(v = malloc((nbase + nvar + 1) * sizeof *v + size)))
		return NULL;
	s = (char *)(v + nbase + nvar + 1);
	for (i = 0, k = 0; k < nbase; k++)
		if (!named(base[k], names, n))
			v[i++] = base[k];
	for (k = 0; k < n; k++) {
		if (!values[k])
			continue;
		v[i++] = s;
		len = strlen(names[k]);
		memcpy(s, names[k], len);
		s[len] = '=';
		s += len + 1;
		len = strlen(values[k]) + 1;
		memcpy(s, values[k], len);
		s += len;
	}
	v[i] = NULL;
	return v;
}

int
glow_jobs_stdin(const char *path, const void *text, size_t len)
{
	const char *tmp;
	char name[PATH_MAX];
	int fd;

	if (path)
		return open(path, O_RDONLY | O_CLOEXEC);
	tmp = getenv("TMPDIR");
	snprintf(name, sizeof name, "%s/glow-stdin.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(name)) < 0)
		return -1;
	unlink(name);
	if (glow_write_all(fd, text, len) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
