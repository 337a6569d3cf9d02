/* SPDX-License-Identifier: ISC */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fsio.h"

int
glow_read_fd(int fd, struct glow_buf *out, size_t max)
{
	size_t start = out->len;
	ssize_t n;

	for (;;) {
		if (glow_buf_reserve(out, 65536) < 0) {
			errno = ENOMEM;
			return -1;
		}
		n = read(fd, out->p + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->p[out->len] = '\0';
		if (out->len - start > max) {
			errno = EFBIG;
			return -1;
		}
	}
	return 0;
}

int
glow_read_file(const char *path, struct glow_buf *out, size_t max)
{
	int fd, rc, saved;

	if (strcmp(path, "-") == 0)
		return glow_read_fd(STDIN_FILENO, out, max);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = glow_read_fd(fd, out, max);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
glow_lock(const char *path)
{
	return glow_lock_within(path, -1);
}

int
glow_lock_within(const char *path, double seconds)
{
	char lockpath[PATH_MAX];
	struct timespec ts;
	double waited = 0;
	int fd, saved;

	if (snprintf(lockpath, sizeof lockpath, "%s.lock", path) >=
	    (int)sizeof lockpath) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while (flock(fd, seconds < 0 ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK && waited < seconds) {
			ts.tv_sec = 0;
			ts.tv_nsec = 20 * 1000 * 1000;
			nanosleep(&ts, NULL);
			waited += 0.02;
			continue;
		}
		if (errno != EINTR) {
			saved = errno == EWOULDBLOCK ? ETIMEDOUT : errno;
			close(fd);
			errno = saved;
			return -1;
		}
	}
	return fd;
}


void
glow_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);  /* closing the descriptor releases the flock */
}

int
glow_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The directory part of path, for the temporary file and its fsync. */
static void
dirname_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

int
glow_fsync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
glow_fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];

	if (strlen(path) >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	dirname_of(path, dir, sizeof dir);
	return glow_fsync_dir(dir);
}

int
glow_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, saved;

	base = base ? base + 1 : path;
	dirname_of(path, dir, sizeof dir);
	if (snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base) >=
	    (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if (fchmod(fd, mode) < 0 || glow_write_all(fd, p, n) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return glow_fsync_dir(dir);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

void
glow_remove_stale(const char *path, long age)
{
	char dir[PATH_MAX], prefix[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct dirent *de;
	struct stat st;
	size_t plen;
	time_t now = time(NULL);
	DIR *dp;
	int dfd;

	base = base ? base + 1 : path;
	dirname_of(path, dir, sizeof dir);
	/* glow_write_atomic's temporary name: ".BASE." and 6 characters */
	if ((size_t)snprintf(prefix, sizeof prefix, ".%s.", base) >= sizeof prefix ||
	    !(dp = opendir(dir)))
		return;
	plen = strlen(prefix);
	dfd = dirfd(dp);
	while ((de = readdir(dp)))
		if (strncmp(de->d_name, prefix, plen) == 0 &&
		    strlen(de->d_name) == plen + 6 &&
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime >= age)
			unlinkat(dfd, de->d_name, 0);
	closedir(dp);
}

int
glow_append_durable(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd, rc, saved;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	rc = glow_write_all(fd, p, n);
	if (rc == 0)
		rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* fsync each of g's directories: 0, or the errno of the first failure. */
static int
sync_dirs(const struct glow_fsync_group *g)
{
	int k;

	for (k = 0; g->dirs[k]; k++)
		if (glow_fsync_dir(g->dirs[k]) < 0)
			return errno ? errno : EIO;
	return 0;
}

int
glow_fsync_group(struct glow_fsync_group *g)
{
	unsigned long ticket, target;
	int err;

	pthread_mutex_lock(&g->lock);
	ticket = ++g->asked;    /* the caller's change is made: a sync that
	                           starts from now on covers it */
	for (;;) {
		if (g->synced >= ticket) {
			err = 0;
			break;
		}
		if (g->failed >= ticket) {
			err = g->err;
			break;
		}
		if (g->busy) {
			pthread_cond_wait(&g->done, &g->lock);
			continue;
		}
		g->busy = 1;
		target = g->asked;
		pthread_mutex_unlock(&g->lock);
		err = sync_dirs(g);
		pthread_mutex_lock(&g->lock);
		g->busy = 0;
		if (err) {
			g->failed = target;
			g->err = err;
		} else {
			g->synced = target;
		}
		pthread_cond_broadcast(&g->done);
	}
	pthread_mutex_unlock(&g->lock);
	if (err)
		errno = err;
	return err ? -1 : 0;
}
