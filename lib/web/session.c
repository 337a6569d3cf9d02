/* SPDX-License-Identifier: ISC */
#include <sys/random.h>
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

#include "core/crypto.h"
#include "core/fsio.h"
#include "core/hex.h"
#include "core/secret.h"
#include "web/session.h"

static int
mkdir_private(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_mode & 077) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

int
glow_state_open(const char *dir)
{
	char path[PATH_MAX];

	if (mkdir_private(dir) < 0)
		return -1;
	if (snprintf(path, sizeof path, "%s/sessions", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir_private(path) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/ratelimit", dir);
	if (mkdir_private(path) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/cache", dir);
	return mkdir_private(path);
}

static int
read_key(const char *path, unsigned char key[GLOW_SESSION_KEYLEN])
{
	unsigned char extra;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, key, GLOW_SESSION_KEYLEN);
	if (n == GLOW_SESSION_KEYLEN && read(fd, &extra, 1) == 0) {
		close(fd);
		return 0;
	}
	close(fd);
	glow_wipe(key, GLOW_SESSION_KEYLEN);
	errno = EINVAL;
	return -1;
}

int
glow_session_key(const char *dir, const char *configured,
    unsigned char key[GLOW_SESSION_KEYLEN])
{
	char path[PATH_MAX], tmp[PATH_MAX];
	unsigned char fresh[GLOW_SESSION_KEYLEN];
	int fd, saved;

	if (configured && *configured) {
		/* any length in, 32 bytes out; the label keeps the key apart
		 * from other uses of the same secret */
		glow_hmac_sha256(configured, strlen(configured), "glow-companion session key",
		    26, key);
		return 0;
	}
	if (snprintf(path, sizeof path, "%s/key", dir) >= (int)sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s/key.XXXXXX", dir) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (read_key(path, key) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* The first process to link its key wins; the others read it. */
	if (glow_random(fresh, sizeof fresh) < 0)
		return -1;
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || glow_write_all(fd, fresh, sizeof fresh) < 0 ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		glow_wipe(fresh, sizeof fresh);
		errno = saved;
		return -1;
	}
	close(fd);
	glow_wipe(fresh, sizeof fresh);
	if (link(tmp, path) < 0 && errno != EEXIST) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	unlink(tmp);
	return read_key(path, key);
}

int
glow_session_new(struct glow_session *s, int facilitator, long long now,
    long long ttl)
{
	unsigned char r[GLOW_SESSION_IDLEN / 2];

	if (glow_random(r, sizeof r) < 0)
		return -1;
	glow_hex(s->id, r, sizeof r);
	s->facilitator = facilitator;
	s->expires = now + ttl;
	return 0;
}

static void
session_mac(const unsigned char key[GLOW_SESSION_KEYLEN], const char *body,
    size_t n, char out[2 * GLOW_SHA256_LEN + 1])
{
	unsigned char mac[GLOW_SHA256_LEN];
	struct glow_buf m = GLOW_BUF_INIT;

	glow_buf_adds(&m, "session");
	glow_buf_addc(&m, '\0');
	glow_buf_add(&m, body, n);
	glow_hmac_sha256(key, GLOW_SESSION_KEYLEN, glow_buf_str(&m), m.len, mac);
	glow_hex(out, mac, sizeof mac);
	glow_buf_free(&m);
}

void
glow_session_cookie(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, struct glow_buf *out)
{
	char body[80], mac[2 * GLOW_SHA256_LEN + 1];
	int n;

	n = snprintf(body, sizeof body, "%s.%c.%lld", s->id,
	    s->facilitator ? 'f' : 'a', s->expires);
	session_mac(key, body, (size_t)n, mac);
	glow_buf_add(out, body, (size_t)n);
	glow_buf_addc(out, '.');
	glow_buf_adds(out, mac);
}

static int
ishex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
glow_session_parse(const unsigned char key[GLOW_SESSION_KEYLEN],
    const char *v, size_t n, long long now, struct glow_session *s)
{
	char mac[2 * GLOW_SHA256_LEN + 1];
	size_t i, body;
	long long exp = 0;

	/* ID . K . EXPIRES . MAC */
	if (n < GLOW_SESSION_IDLEN + 5 + 2 * GLOW_SHA256_LEN || n > 160)
		return -1;
	if (!ishex(v, GLOW_SESSION_IDLEN) || v[GLOW_SESSION_IDLEN] != '.' ||
	    (v[GLOW_SESSION_IDLEN + 1] != 'a' && v[GLOW_SESSION_IDLEN + 1] != 'f') ||
	    v[GLOW_SESSION_IDLEN + 2] != '.')
		return -1;
	for (i = GLOW_SESSION_IDLEN + 3; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (i - (GLOW_SESSION_IDLEN + 3) >= 15)
			return -1;
		exp = exp * 10 + (v[i] - '0');
	}
	if (i == GLOW_SESSION_IDLEN + 3 || i >= n || v[i] != '.')
		return -1;
	body = i;
	if (n - body - 1 != 2 * GLOW_SHA256_LEN || !ishex(v + body + 1, n - body - 1))
		return -1;
	session_mac(key, v, body, mac);
	if (!glow_ct_equal(mac, v + body + 1, 2 * GLOW_SHA256_LEN))
		return -1;
	if (exp <= now)
		return -1;
	memcpy(s->id, v, GLOW_SESSION_IDLEN);
	s->id[GLOW_SESSION_IDLEN] = '\0';
	s->facilitator = v[GLOW_SESSION_IDLEN + 1] == 'f';
	s->expires = exp;
	return 0;
}

static int
session_path(const char *dir, const struct glow_session *s, char *path,
    size_t size)
{
	if (strlen(s->id) != GLOW_SESSION_IDLEN || !ishex(s->id, GLOW_SESSION_IDLEN)) {
		errno = EINVAL;
		return -1;
	}
	if (snprintf(path, size, "%s/sessions/%s", dir, s->id) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
glow_session_store(const char *dir, const struct glow_session *s)
{
	char path[PATH_MAX];
	int fd;

	if (session_path(dir, s, path, sizeof path) < 0)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -1;
	return close(fd);
}

int
glow_session_alive(const char *dir, const struct glow_session *s)
{
	char path[PATH_MAX];
	struct stat st;

	if (session_path(dir, s, path, sizeof path) < 0)
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
glow_session_revoke(const char *dir, const struct glow_session *s)
{
	char path[PATH_MAX];

	if (session_path(dir, s, path, sizeof path) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

struct aged {
	char name[GLOW_SESSION_IDLEN + 1];
	time_t mtime;
};

static int
aged_cmp(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

void
glow_session_sweep(const char *dir, long long now, long long ttl, size_t max)
{
	char path[PATH_MAX];
	struct aged *list = NULL, *grown;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	struct stat st;
	DIR *dp;

	if (snprintf(path, sizeof path, "%s/sessions", dir) >= (int)sizeof path ||
	    !(dp = opendir(path)))
		return;
	while ((d = readdir(dp))) {
		if (strlen(d->d_name) != GLOW_SESSION_IDLEN ||
		    !ishex(d->d_name, GLOW_SESSION_IDLEN))
			continue;
		snprintf(path, sizeof path, "%s/sessions/%s", dir, d->d_name);
		if (stat(path, &st) < 0)
			continue;
		if ((long long)st.st_mtime + ttl <= now) {
			unlink(path);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(list, cap * sizeof *list)))
				break;
			list = grown;
		}
		memcpy(list[n].name, d->d_name, GLOW_SESSION_IDLEN + 1);
		list[n++].mtime = st.st_mtime;
	}
	closedir(dp);
	if (n >= max) {
		qsort(list, n, sizeof *list, aged_cmp);
		for (i = 0; i + max <= n; i++) {
			snprintf(path, sizeof path, "%s/sessions/%s", dir, list[i].name);
			unlink(path);
		}
	}
	free(list);
}

void
glow_session_mac(const unsigned char key[GLOW_SESSION_KEYLEN],
    const char *label, const char *msg, size_t msglen, char *out, size_t n)
{
	unsigned char mac[GLOW_SHA256_LEN];
	struct glow_buf m = GLOW_BUF_INIT;

	glow_buf_adds(&m, label);
	glow_buf_addc(&m, '\0');
	glow_buf_add(&m, msg, msglen);
	glow_hmac_sha256(key, GLOW_SESSION_KEYLEN, glow_buf_str(&m), m.len, mac);
	glow_buf_free(&m);
	if (n > GLOW_SHA256_LEN)
		n = GLOW_SHA256_LEN;
	glow_hex(out, mac, n);
}

void
glow_session_csrf(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, char out[GLOW_CSRF_LEN + 1])
{
	glow_session_mac(key, "csrf", s->id, strlen(s->id), out, GLOW_CSRF_LEN / 2);
}

int
glow_session_csrf_ok(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, const char *token, size_t n)
{
	char want[GLOW_CSRF_LEN + 1];

	if (n != GLOW_CSRF_LEN)
		return 0;
	glow_session_csrf(key, s, want);
	return glow_ct_equal(want, token, GLOW_CSRF_LEN);
}
