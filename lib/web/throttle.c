/* SPDX-License-Identifier: ISC */
/* throttle.c: the companion's request windows in shared files; see throttle.h. */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "web/throttle.h"

#define FILES 16
#define SLOTS 256
#define PROBE 8
#define SLOT 32         /* tag 16, start 8, count 4, spare 4 */
#define TAG 16

static long long
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (long long)v;
}

static void
put64(unsigned char *p, long long x)
{
	uint64_t v = (uint64_t)x;
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static unsigned
get32(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 |
	    (unsigned)p[3] << 24;
}

static void
put32(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int
glow_throttle_hit(const char *dir, const unsigned char key[32],
    const char *scope, const char *client, unsigned max, unsigned window,
    long long now, unsigned *retry_after)
{
	unsigned char h[GLOW_SHA256_LEN], table[SLOTS * SLOT], *s, *pick = NULL;
	struct glow_buf m = GLOW_BUF_INIT;
	char path[PATH_MAX];
	unsigned first, k, count;
	long long start, oldest = 0;
	ssize_t got;
	int fd, rc, saved;

	if (max == 0)
		return 1;
	glow_buf_adds(&m, scope);
	glow_buf_addc(&m, '\0');
	glow_buf_adds(&m, client);
	if (m.failed) {
		glow_buf_free(&m);
		errno = ENOMEM;
		return -1;
	}
	glow_hmac_sha256(key, 32, m.p, m.len, h);
	glow_buf_free(&m);
	if (snprintf(path, sizeof path, "%s/ratelimit/%02x", dir, h[0] % FILES) >=
	    (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		goto fail;
	memset(table, 0, sizeof table);
	if ((got = pread(fd, table, sizeof table, 0)) < 0)
		goto fail;
	first = ((unsigned)h[1] << 8 | h[2]) % SLOTS;
	for (k = 0; k < PROBE; k++) {
		s = table + ((first + k) % SLOTS) * SLOT;
		if (memcmp(s, h + 4, TAG) == 0) {
			pick = s;
			break;
		}
	}
	if (!pick) {
		/* an empty or ended slot, else the oldest window */
		for (k = 0; k < PROBE; k++) {
			s = table + ((first + k) % SLOTS) * SLOT;
			start = get64(s + TAG);
			if (start == 0 || now - start >= (long long)window) {
				pick = s;
				break;
			}
			if (!pick || start < oldest) {
				pick = s;
				oldest = start;
			}
		}
		memset(pick, 0, SLOT);
		memcpy(pick, h + 4, TAG);
	}
	start = get64(pick + TAG);
	count = get32(pick + TAG + 8);
	if (start == 0 || now - start >= (long long)window || now < start) {
		start = now;
		count = 0;
	}
	if (count >= max) {
		rc = 0;
		if (retry_after)
			*retry_after = (unsigned)(start + window - now);
	} else {
		rc = 1;
		put64(pick + TAG, start);
		put32(pick + TAG + 8, count + 1);
		if (pwrite(fd, pick, SLOT, pick - table) != SLOT)
			goto fail;
	}
	close(fd);      /* releases the lock */
	return rc;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
