/* SPDX-License-Identifier: ISC */
/*
 * fsio.h: reading whole files, and writing files of record safely.
 *
 * A file of record is replaced atomically: a temporary file in the same
 * directory, fsync, rename over the old name, fsync of the directory.  A
 * crash at any instant leaves the old file or the new one, never a torn
 * one.  Writers of one file first take its lock: an exclusive flock(2) on
 * "FILE.lock" beside it (not on FILE itself, whose inode the rename
 * replaces).  All functions return 0 or -1 with errno set.
 */
#ifndef GLOW_FSIO_H
#define GLOW_FSIO_H

#include <sys/types.h>
#include <pthread.h>
#include <stddef.h>

#include "core/buf.h"

/* Append everything readable from fd to out; EFBIG past max bytes. */
int glow_read_fd(int fd, struct glow_buf *out, size_t max);
/* Read a whole file ("-" is stdin) into out; EFBIG past max bytes. */
int glow_read_file(const char *path, struct glow_buf *out, size_t max);

/*
 * Take the exclusive lock of the file of record at path, waiting for it.
 * Returns the lock's descriptor, to give to glow_unlock().
 */
int glow_lock(const char *path);
/* The same, giving up after seconds (ETIMEDOUT); seconds < 0: wait. */
int glow_lock_within(const char *path, double seconds);
void glow_unlock(int lockfd);
/* Remove the temporary files glow_write_atomic() left for path (a writer
 * killed mid-write) that are at least age seconds old.  Call it holding
 * path's lock. */
void glow_remove_stale(const char *path, long age);

/* Replace path with n bytes at p, atomically and durably, with mode. */
int glow_write_atomic(const char *path, const void *p, size_t n, mode_t mode);

/*
 * Append n bytes to path (created with mode if missing) in one write and
 * fsync them: a record appended this way survives a crash right after.
 */
int glow_append_durable(const char *path, const void *p, size_t n, mode_t mode);

/* Write all n bytes to fd, retrying short writes and EINTR. */
int glow_write_all(int fd, const void *p, size_t n);

/* fsync(2) the directory dir, or the directory holding path, so that a
 * rename or a new file in it survives a crash.  0, or -1 with errno. */
int glow_fsync_dir(const char *dir);
int glow_fsync_dir_of(const char *path);

/*
 * Group commit: threads that each made a change in the same directories
 * (a rename, a link) share one fsync of each.  glow_fsync_group() returns
 * once every directory has been fsync'ed after the caller's change: the
 * first caller syncs, those arriving meanwhile wait and are covered by the
 * next sync, one for all of them.  0, or -1 with errno when the sync that
 * covered the caller failed.  Initialise with GLOW_FSYNC_GROUP_INIT and set
 * dirs (up to 2, NULL-terminated) before the first call.
 */
struct glow_fsync_group {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned long asked, synced, failed;
	int busy, err;
	const char *dirs[3];
};
#define GLOW_FSYNC_GROUP_INIT { PTHREAD_MUTEX_INITIALIZER, \
	PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, { NULL, NULL, NULL } }
int glow_fsync_group(struct glow_fsync_group *g);

#endif
