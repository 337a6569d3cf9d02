/* SPDX-License-Identifier: ISC */
/* webhook_store.c: what glow-webhook keeps of a delivery: the deduplication record and the spool; see webhook.h. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/counters.h"
#include "core/crypto.h"
#include "core/fsio.h"
#include "core/hex.h"
#include "core/secret.h"
#include "events/webhook.h"
#include "web/cgi.h"

/* Deduplication --------------------------------------------------------- */

static int
mkdir_p1(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Create marker name in dfd: 1 if it is new (or replaced a stale one), 0
 * if a fresh one was there, -1 on error.
 */
static int
claim(int dfd, const char *name, time_t now, long expiry)
{
	struct stat st;
	int fd, lk, rc, tries;

	for (tries = 0; tries < 3; tries++) {
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd >= 0) {
			close(fd);
			return 1;
		}
		if (errno != EEXIST)
			return -1;
		if (fstatat(dfd, name, &st, 0) < 0) {
			if (errno == ENOENT)
				continue;       /* pruned meanwhile */
			return -1;
		}
		if (now - st.st_mtime < expiry)
			return 0;
		/* Stale: replace it under the lock, so only one does. */
		if ((lk = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) < 0)
			return -1;
		while ((rc = flock(lk, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc == 0 && fstatat(dfd, name, &st, 0) == 0 &&
		    now - st.st_mtime >= expiry)
			unlinkat(dfd, name, 0);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		rc = fd >= 0 ? 1 : errno == EEXIST ? 0 : -1;
		if (fd >= 0)
			close(fd);
		close(lk);
		return rc;
	}
	errno = EAGAIN;
	return -1;
}

static void
marker_names(char d[160], char h[80], const char *delivery,
    const unsigned char hash[32])
{
	char hex[2 * GLOW_SHA256_LEN + 1];

	glow_hex(hex, hash, GLOW_SHA256_LEN);
	snprintf(d, 160, "d-%s", delivery);
	snprintf(h, 80, "h-%s", hex);
}

int
glow_webhook_seen(const char *seen, const char *delivery,
    const unsigned char hash[32], time_t now, long expiry,
    enum glow_webhook_seen *result)
{
	char d[160], h[80];
	int dfd, rc, saved;

	marker_names(d, h, delivery, hash);
	if (mkdir_p1(seen) < 0)
		return -1;
	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = claim(dfd, d, now, expiry);
	if (rc == 0)
		*result = GLOW_WEBHOOK_DUP_DELIVERY;
	else if (rc == 1) {
		rc = claim(dfd, h, now, expiry);
		if (rc == 0)
			*result = GLOW_WEBHOOK_DUP_BODY;
		else if (rc == 1)
			*result = GLOW_WEBHOOK_NEW;
		else {
			saved = errno;
			unlinkat(dfd, d, 0);
			errno = saved;
		}
	}
	saved = errno;
	close(dfd);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

void
glow_webhook_unsee(const char *seen, const char *delivery,
    const unsigned char hash[32])
{
	char d[160], h[80];
	int dfd;

	marker_names(d, h, delivery, hash);
	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	unlinkat(dfd, d, 0);
	unlinkat(dfd, h, 0);
	close(dfd);
}

long
glow_webhook_prune(const char *seen, time_t now, long expiry, long interval)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;
	long removed = 0;
	int dfd, lk, fd;

	if ((dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if (fstatat(dfd, ".pruned", &st, 0) == 0 &&
	    now - st.st_mtime < interval && now >= st.st_mtime)
		goto out;
	if ((lk = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto out;
	if (flock(lk, LOCK_EX | LOCK_NB) < 0)
		goto unlock;
	/* Another process may have pruned while this one looked. */
	if (fstatat(dfd, ".pruned", &st, 0) == 0 &&
	    now - st.st_mtime < interval && now >= st.st_mtime)
		goto unlock;
	if ((fd = openat(dfd, ".pruned", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) >= 0) {
		struct timespec ts[2] = { { now, 0 }, { now, 0 } };

		futimens(fd, ts);
		close(fd);
	}
	if ((fd = dup(dfd)) < 0 || !(dp = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		goto unlock;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime >= expiry &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dp);
unlock:
	close(lk);
out:
	close(dfd);
	return removed;
}

/* The spool ------------------------------------------------------------ */

int
glow_webhook_spool(const char *spool, const char *delivery,
    const struct timespec *ts, const void *p, size_t n, char *name,
    size_t namesz)
{
	char tmp[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX], stamp[32];
	struct tm tm;
	int fd, saved;

	if (!glow_webhook_delivery_ok(delivery)) {
		errno = EINVAL;
		return -1;
	}
	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	if (snprintf(name, namesz, "%s.%06ldZ-%s.json", stamp,
	    (long)(ts->tv_nsec / 1000), delivery) >= (int)namesz ||
	    snprintf(tmp, sizeof tmp, "%s/tmp/%s.%ld", spool, name,
	    (long)getpid()) >= (int)sizeof tmp ||
	    snprintf(dst, sizeof dst, "%s/new/%s", spool, name) >=
	    (int)sizeof dst) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir_p1(spool) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/tmp", spool);
	if (mkdir_p1(dir) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/new", spool);
	if (mkdir_p1(dir) < 0)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -1;
	/* The file is new: fdatasync also flushes its size. */
	if (glow_write_all(fd, p, n) < 0 || fdatasync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return glow_fsync_dir(dir);
}
