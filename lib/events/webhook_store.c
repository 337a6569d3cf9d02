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

/*
 * The markers.  "d-ID" holds the spool name its delivery was given
 * ("NAME\n"), then "+\n" once that envelope is committed; "h-HEX" holds
 * the delivery ID that brought the body.  Each is written whole under a
 * temporary name (".m-...") and linked into place, so a marker is never
 * seen half-written; a d- marker is linked already locked (flock(2),
 * released when its owner closes it or dies), so the one process spooling
 * a delivery holds it from the instant it is visible.
 */

static int
mkdir_p1(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Link a new marker holding text into dfd as name, from a temporary file
 * (its descriptor, still open and locked when lock, to *fdp).  1 if it
 * was linked, 0 if name exists, -1 on error.
 */
static int
marker_new(int dfd, const char *name, const char *text, int lock, int *fdp)
{
	char tmp[64];
	size_t len = strlen(text);
	int fd, rc, saved;
	static unsigned long seq;
	unsigned long n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);

	*fdp = -1;
	snprintf(tmp, sizeof tmp, ".m-%ld-%lu", (long)getpid(), n);
	if ((fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	if ((lock && flock(fd, LOCK_EX) < 0) ||
	    glow_write_all(fd, text, len) < 0) {
		rc = -1;
	} else if (linkat(dfd, tmp, dfd, name, 0) == 0) {
		rc = 1;
	} else {
		rc = errno == EEXIST ? 0 : -1;
	}
	saved = errno;
	unlinkat(dfd, tmp, 0);
	if (rc == 1 && lock)
		*fdp = fd;
	else
		close(fd);
	errno = saved;
	return rc;
}

/* A marker's text (up to size - 1 bytes, NUL-terminated): its length or -1. */
static ssize_t
marker_read(int fd, char *buf, size_t size)
{
	ssize_t n;

	while ((n = pread(fd, buf, size - 1, 0)) < 0 && errno == EINTR)
		;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Make the open marker fd hold text, its mtime now. */
static int
marker_set(int fd, const char *text, time_t now)
{
	struct timespec ts[2] = { { now, 0 }, { now, 0 } };
	size_t len = strlen(text);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
		return -1;
	return futimens(fd, ts);
}

/* Is NAME anywhere a committed envelope can be?  (glow-trigger moves it
 * on from new/.) */
static int
committed(const char *spool, const char *name)
{
	static const char *const dirs[] = { "new", "cur", "done",
	    "failed" };
	char path[PATH_MAX];
	size_t k;

	for (k = 0; k < sizeof dirs / sizeof *dirs; k++) {
		snprintf(path, sizeof path, "%s/%s/%s", spool, dirs[k], name);
		if (access(path, F_OK) == 0)
			return 1;
	}
	return 0;
}

/*
 * The d- marker already exists: wait for its owner (its lock), then
 * decide.  Committed (or its envelope found): a duplicate.  Expired, or
 * never committed (its owner died or failed): ours now, the stale
 * temporary envelope removed.
 */
static int
take_over(int dfd, const char *dname, const char *spool, const char *name,
    time_t now, long expiry, int *fdp)
{
	char text[512], path[PATH_MAX], *nl;
	struct stat st;
	int fd, dup = 0;

	if ((fd = openat(dfd, dname, O_RDWR | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;   /* pruned: try again */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			goto fail;
	if (fstat(fd, &st) < 0 || marker_read(fd, text, sizeof text) < 0)
		goto fail;
	if (st.st_nlink == 0) {                 /* pruned meanwhile */
		close(fd);
		return 0;
	}
	if (now - st.st_mtime < expiry && (nl = strchr(text, '\n'))) {
		*nl = '\0';
		if (strcmp(nl + 1, "+\n") == 0)
			dup = 1;
		else if (glow_webhook_delivery_name_ok(text) &&
		    committed(spool, text)) {
			dup = 1;
			(void)pwrite(fd, "+\n", 2, (off_t)strlen(text) + 1);
		} else if (glow_webhook_delivery_name_ok(text) &&
		    snprintf(path, sizeof path, "%s/tmp/%s", spool, text) <
		    (int)sizeof path)
			unlink(path);           /* the dead attempt's */
	}
	if (dup) {
		close(fd);
		return 2;
	}
	snprintf(text, sizeof text, "%s\n", name);
	if (marker_set(fd, text, now) < 0)
		goto fail;
	*fdp = fd;
	return 1;
fail:
	close(fd);
	return -1;
}

/*
 * The body's marker: new, or ours (a crashed attempt of this delivery
 * made it), or expired: 1; another delivery's: 0.
 */
static int
claim_body(int dfd, const char *hname, const char *delivery, time_t now,
    long expiry)
{
	char text[160];
	struct stat st;
	int fd, rc, tries;

	for (tries = 0; tries < 3; tries++) {
		if ((rc = marker_new(dfd, hname, delivery, 0, &fd)) != 0)
			return rc;
		if ((fd = openat(dfd, hname, O_RDWR | O_CLOEXEC)) < 0) {
			if (errno == ENOENT)
				continue;       /* pruned meanwhile */
			return -1;
		}
		rc = fstat(fd, &st) == 0 && marker_read(fd, text, sizeof text) >= 0 ?
		    (strcmp(text, delivery) == 0 ? 1 :
		    now - st.st_mtime >= expiry ? 2 : 0) : -1;
		if (rc == 2)
			rc = marker_set(fd, delivery, now) < 0 ? -1 : 1;
		close(fd);
		return rc;
	}
	errno = EAGAIN;
	return -1;
}

int
glow_webhook_claim(const char *seen, const char *spool, const char *delivery,
    const unsigned char hash[32], const char *name, time_t now, long expiry,
    struct glow_webhook_claim *c, enum glow_webhook_seen *result)
{
	char dname[160], hname[80], text[300], hex[2 * GLOW_SHA256_LEN + 1];
	int dfd, rc = -1, tries, saved;

	c->fd = -1;
	c->len = 0;
	glow_hex(hex, hash, GLOW_SHA256_LEN);
	snprintf(dname, sizeof dname, "d-%s", delivery);
	snprintf(hname, sizeof hname, "h-%s", hex);
	if (snprintf(text, sizeof text, "%s\n", name) >= (int)sizeof text) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir_p1(seen) < 0 ||
	    (dfd = open(seen, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if ((rc = marker_new(dfd, dname, text, 1, &c->fd)) != 0)
			break;
		if ((rc = take_over(dfd, dname, spool, name, now, expiry,
		    &c->fd)) != 0)
			break;
	}
	if (rc == 0) {
		errno = EAGAIN;
		rc = -1;
	}
	if (rc == 2) {
		*result = GLOW_WEBHOOK_DUP_DELIVERY;
		rc = 0;
	} else if (rc == 1) {
		c->len = strlen(text);
		rc = claim_body(dfd, hname, delivery, now, expiry);
		if (rc >= 0)
			*result = rc ? GLOW_WEBHOOK_NEW : GLOW_WEBHOOK_DUP_BODY;
		if (rc <= 0)
			glow_webhook_release(c);
		rc = rc < 0 ? -1 : 0;
	}
	saved = errno;
	close(dfd);
	errno = saved;
	return rc;
}

int
glow_webhook_committed(const char *seen, const char *spool,
    const char *delivery)
{
	char path[PATH_MAX], text[512], *nl;
	ssize_t n;
	int fd, rc = 0;

	if (!glow_webhook_delivery_ok(delivery) ||
	    snprintf(path, sizeof path, "%s/d-%s", seen, delivery) >=
	    (int)sizeof path)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if ((n = marker_read(fd, text, sizeof text)) > 0 &&
	    (nl = strchr(text, '\n'))) {
		*nl = '\0';
		rc = strcmp(nl + 1, "+\n") == 0 ||
		    (glow_webhook_delivery_name_ok(text) && committed(spool, text));
	}
	close(fd);
	return rc;
}

void
glow_webhook_commit(struct glow_webhook_claim *c)
{
	/* Without it the envelope is still found by name (take_over). */
	if (c->fd >= 0)
		(void)pwrite(c->fd, "+\n", 2, (off_t)c->len);
	glow_webhook_release(c);
}

void
glow_webhook_release(struct glow_webhook_claim *c)
{
	if (c->fd >= 0)
		close(c->fd);   /* the lock goes with it */
	c->fd = -1;
}

/* Remove the names in dir older than age seconds that pass keep == 0. */
static long
remove_old(int dfd, time_t now, long age, int (*stale)(const char *))
{
	struct dirent *de;
	struct stat st;
	long removed = 0;
	DIR *dp;
	int fd;

	if ((fd = dup(dfd)) < 0 || !(dp = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(dp))) {
		if (!stale(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime >= age && unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dp);
	return removed;
}

static int
is_marker(const char *name)
{
	return name[0] == 'd' || name[0] == 'h';
}

static int
is_temporary(const char *name)
{
	return strncmp(name, ".m-", 3) == 0;
}

static int
is_envelope(const char *name)
{
	return name[0] != '.';
}

long
glow_webhook_prune(const char *seen, const char *spool, time_t now,
    long expiry, long interval)
{
	char tmp[PATH_MAX];
	struct stat st;
	long removed = 0;
	int dfd, lk, fd, tfd;

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
	removed = remove_old(dfd, now, expiry, is_marker);
	/* What killed writers left: never in use for so long. */
	remove_old(dfd, now, GLOW_WEBHOOK_STALE, is_temporary);
	snprintf(tmp, sizeof tmp, "%s/tmp", spool);
	if ((tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		remove_old(tfd, now, GLOW_WEBHOOK_STALE, is_envelope);
		close(tfd);
	}
unlock:
	close(lk);
out:
	close(dfd);
	return removed;
}

/* The spool ------------------------------------------------------------ */

int
glow_webhook_spool_name(char *name, size_t namesz, const char *delivery,
    const struct timespec *ts)
{
	char stamp[32];
	struct tm tm;

	if (!glow_webhook_delivery_ok(delivery)) {
		errno = EINVAL;
		return -1;
	}
	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	if (snprintf(name, namesz, "%s.%06ldZ-%s.json", stamp,
	    (long)(ts->tv_nsec / 1000), delivery) >= (int)namesz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
glow_webhook_delivery_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && n < 256 && !strchr(name, '/') && name[0] != '.' &&
	    strcmp(name + n - 5, ".json") == 0;
}

int
glow_webhook_spool(const char *spool, const char *name, const void *p,
    size_t n)
{
	char tmp[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	int fd, saved;

	if (!glow_webhook_delivery_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (snprintf(tmp, sizeof tmp, "%s/tmp/%s", spool, name) >=
	    (int)sizeof tmp ||
	    snprintf(dst, sizeof dst, "%s/new/%s", spool, name) >=
	    (int)sizeof dst) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* O_TRUNC: a killed attempt's file of this name is ours to replace
	 * (the delivery's marker is held).  The directories are made the
	 * first time only. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 && errno == ENOENT) {
		if (mkdir_p1(spool) < 0)
			return -1;
		snprintf(dir, sizeof dir, "%s/tmp", spool);
		if (mkdir_p1(dir) < 0)
			return -1;
		snprintf(dir, sizeof dir, "%s/new", spool);
		if (mkdir_p1(dir) < 0)
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -1;
	/* The file is new: fdatasync also flushes its size. */
	if (glow_write_all(fd, p, n) < 0 || fdatasync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0)
		goto fail;
	if (rename(tmp, dst) < 0) {
		snprintf(dir, sizeof dir, "%s/new", spool);
		if (errno != ENOENT || mkdir_p1(dir) < 0 || rename(tmp, dst) < 0)
			goto fail;
	}
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	errno = saved;
	return -1;
}
