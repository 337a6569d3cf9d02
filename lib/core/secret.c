/* SPDX-License-Identifier: ISC */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "core/secret.h"

void
glow_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

static void
trim(struct glow_buf *b)
{
	size_t i = 0;

	while (b->len && strchr(" \t\r\n", b->p[b->len - 1]))
		b->p[--b->len] = '\0';
	while (i < b->len && strchr(" \t\r\n", b->p[i]))
		i++;
	if (i) {
		memmove(b->p, b->p + i, b->len - i + 1);
		glow_wipe(b->p + b->len - i + 1, i);
		b->len -= i;
	}
}

enum glow_secret_err
glow_secret_file(const char *path, struct glow_buf *out, int strict_mode)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return GLOW_SECRET_READ;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return GLOW_SECRET_READ;
	}
	if (strict_mode && S_ISREG(st.st_mode) && (st.st_mode & 077)) {
		close(fd);
		return GLOW_SECRET_MODE;
	}
	rc = glow_read_fd(fd, out, 1 << 20);
	close(fd);
	if (rc < 0)
		return GLOW_SECRET_READ;
	trim(out);
	return out->len ? GLOW_SECRET_OK : GLOW_SECRET_EMPTY;
}

enum glow_secret_err
glow_secret_value(const char *value, struct glow_buf *out, int strict_mode)
{
	const char *s;

	if (!value || !*value)
		return GLOW_SECRET_EMPTY;
	if (value[0] == '@')
		return glow_secret_file(value + 1, out, strict_mode);
	if (glow_buf_reserve(out, strlen(value)) < 0)
		return GLOW_SECRET_READ;
	for (s = value; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			glow_buf_addc(out, '\n');
			s++;
		} else {
			glow_buf_addc(out, *s);
		}
	}
	trim(out);
	return out->len ? GLOW_SECRET_OK : GLOW_SECRET_EMPTY;
}

const char *
glow_secret_strerror(enum glow_secret_err e)
{
	switch (e) {
	case GLOW_SECRET_OK:
		return "no error";
	case GLOW_SECRET_EMPTY:
		return "the secret is empty";
	case GLOW_SECRET_READ:
		return strerror(errno);
	case GLOW_SECRET_MODE:
		return "the file is readable by group or others (chmod 600 it)";
	}
	return "unknown error";
}

void
glow_secret_mask(const char *secret)
{
	const char *a = getenv("GITHUB_ACTIONS");

	if (a && strcmp(a, "true") == 0 && secret && *secret)
		fprintf(stderr, "::add-mask::%s\n", secret);
}
