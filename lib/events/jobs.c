/* SPDX-License-Identifier: ISC */
/* jobs.c: commands with a timeout and a concurrency cap (jobs.h). */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
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

/* This boot's ID, or "" (no /proc): 37 bytes with the NUL. */
static void
boot_id(char id[37])
{
	struct glow_buf b = GLOW_BUF_INIT;

	id[0] = '\0';
	if (glow_read_file("/proc/sys/kernel/random/boot_id", &b, 64) == 0 &&
	    b.len >= 36) {
		memcpy(id, b.p, 36);
		id[36] = '\0';
	}
	glow_buf_free(&b);
}

/* Process pid's start time (clock ticks since boot), or -1. */
static long long
start_time(pid_t pid)
{
	struct glow_buf b = GLOW_BUF_INIT;
	char path[64];
	const char *p;
	long long t = -1;
	int field;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (glow_read_file(path, &b, 4096) == 0 &&
	    (p = strrchr(glow_buf_str(&b), ')'))) {
		/* after "pid (comm)": state is field 3, starttime 22 */
		for (field = 2; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		if (field == 22)
			t = strtoll(p, NULL, 10);
	}
	glow_buf_free(&b);
	return t;
}

/* Write the job record: "PGID START BOOT-ID\n". */
static int
write_record(const char *record, pid_t pid)
{
	char text[128], boot[37];

	boot_id(boot);
	snprintf(text, sizeof text, "%ld %lld %s\n", (long)pid, start_time(pid),
	    boot);
	return glow_write_atomic(record, text, strlen(text), 0600);
}

int
glow_job_start(struct glow_jobs *js, const char *command, int fd,
    char *const envp[], long timeout, const char *record, void *arg)
{
	struct glow_job *j;
	struct sigaction dfl;
	char *argv[4], go;
	sigset_t none;
	int gate[2];
	pid_t pid;

	if (glow_jobs_full(js)) {
		errno = EAGAIN;
		return -1;
	}
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	go = 0;                 /* the child's, when the parent dies: EOF */
	if (pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		/* only async-signal-safe calls from here on */
		setpgid(0, 0);
		close(gate[1]);
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Run only once the parent has recorded the job: if it dies
		 * first, the pipe ends (EOF) and nothing runs untracked. */
		while (read(gate[0], &go, 1) < 0 && errno == EINTR)
			;       /* 0 bytes: the parent is gone, go stays 0 */
		if (go != 'g' || dup2(fd, 0) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	setpgid(pid, pid);      /* also here: no race with kill(-pid) */
	close(gate[0]);
	go = 'n';
	if (!record || write_record(record, pid) == 0)
		go = 'g';
	(void)!write(gate[1], &go, 1);
	close(gate[1]);
	j = &js->v[js->n++];
	memset(j, 0, sizeof *j);
	j->pid = pid;
	j->arg = arg;
	j->record = record && go == 'g' ? strdup(record) : NULL;
	j->start = glow_gh_clock();
	j->deadline = j->start + (double)timeout;
	return 0;
}

/*
 * Does process group pgid have a member that is not a zombie?  (A zombie
 * is dead; where nothing reaps it, as under a PID 1 that never waits, it
 * would otherwise keep the group "alive" for ever.)  From /proc, or
 * without it kill(2)'s answer.
 */
static int
group_lives(pid_t pgid)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct dirent *de;
	char path[300], state;
	const char *p;
	long long pgrp;
	DIR *dp;
	int lives = 0;

	if (kill(-pgid, 0) < 0 && errno != EPERM)
		return 0;
	if (!(dp = opendir("/proc")))
		return 1;
	while (!lives && (de = readdir(dp))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		glow_buf_reset(&b);
		if (glow_read_file(path, &b, 4096) < 0 ||
		    !(p = strrchr(glow_buf_str(&b), ')')))
			continue;
		/* ") S PPID PGRP ..." */
		if (sscanf(p + 1, " %c %*d %lld", &state, &pgrp) == 2 &&
		    pgrp == (long long)pgid && state != 'Z' && state != 'X')
			lives = 1;
	}
	closedir(dp);
	glow_buf_free(&b);
	return lives;
}

int
glow_job_orphan(const char *record, long grace)
{
	struct glow_buf b = GLOW_BUF_INIT;
	char boot[37], was[40];
	long long pgid, started, now_started;
	double until;
	int ended = 0;

	if (glow_read_file(record, &b, 256) < 0) {
		glow_buf_free(&b);
		return errno == ENOENT ? 0 : -1;
	}
	boot_id(boot);
	was[0] = '\0';
	if (sscanf(glow_buf_str(&b), "%lld %lld %39s", &pgid, &started, was) >= 2 &&
	    pgid > 1 && strcmp(was, boot) == 0 && group_lives((pid_t)pgid)) {
		/*
		 * The group is the job's if its leader is the very process
		 * recorded (same start time), or if the leader is gone: a
		 * process group's ID is not reused while a member lives.
		 */
		now_started = start_time((pid_t)pgid);
		if (now_started < 0 || now_started == started) {
			kill(-(pid_t)pgid, SIGTERM);
			until = glow_gh_clock() + (double)grace;
			while (group_lives((pid_t)pgid) && glow_gh_clock() < until)
				glow_gh_sleep(0.05);
			while (group_lives((pid_t)pgid)) {
				kill(-(pid_t)pgid, SIGKILL);
				glow_gh_sleep(0.02);
			}
			ended = 1;
		}
	}
	glow_buf_free(&b);
	if (unlink(record) < 0 && errno != ENOENT)
		return -1;
	return ended;
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
		if (js->v[k].record) {
			unlink(js->v[k].record);
			free(js->v[k].record);
			js->v[k].record = NULL;
		}
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
