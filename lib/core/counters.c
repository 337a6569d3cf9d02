/* SPDX-License-Identifier: ISC */
/* counters.c: event counters in a shared text file, and their Prometheus
 * text; see counters.h. */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/counters.h"
#include "core/fsio.h"

unsigned long long
glow_counters_get(const char *text, size_t len, const char *series)
{
	size_t i = 0, nlen = strlen(series), e;
	unsigned long long v = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		e = nl ? (size_t)(nl - text) : len;
		if (e - i > nlen + 1 && memcmp(text + i, series, nlen) == 0 &&
		    text[i + nlen] == ' ') {
			for (size_t k = i + nlen + 1; k < e &&
			    text[k] >= '0' && text[k] <= '9'; k++)
				v = v * 10 + (unsigned)(text[k] - '0');
			return v;
		}
		i = e + 1;
	}
	return 0;
}

int
glow_counters_add(const char *path, const char *const *series, int n)
{
	return glow_counters_addn(path, series, NULL, n);
}

int
glow_counters_addn(const char *path, const char *const *series,
    const unsigned long long *delta, int n)
{
	struct glow_buf in = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	unsigned done = 0;
	ssize_t r;
	size_t i, e, nlen;
	int fd, k, rc = -1, saved;

	if (n > 16) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			goto fail;
	for (;;) {
		if (glow_buf_reserve(&in, 4096) < 0)
			goto fail;
		r = pread(fd, in.p + in.len, in.cap - in.len - 1,
		    (off_t)in.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0 || in.len > (1 << 20))
			break;
		in.len += (size_t)r;
	}
	for (i = 0; i < in.len; i = e + 1) {
		const char *nl = memchr(in.p + i, '\n', in.len - i);
		const char *sp;

		e = nl ? (size_t)(nl - in.p) : in.len;
		if (!(sp = memchr(in.p + i, ' ', e - i)))
			continue;       /* a torn or foreign line: dropped */
		nlen = (size_t)(sp - (in.p + i));
		for (k = 0; k < n; k++)
			if (strlen(series[k]) == nlen &&
			    memcmp(series[k], in.p + i, nlen) == 0)
				break;
		if (k < n && !(done & (1u << k))) {
			done |= 1u << k;
			glow_buf_printf(&out, "%s %llu\n", series[k],
			    glow_counters_get(in.p + i, e - i, series[k]) +
			    (delta ? delta[k] : 1));
		} else if (k == n) {
			glow_buf_add(&out, in.p + i, e - i);
			glow_buf_addc(&out, '\n');
		}
	}
	for (k = 0; k < n; k++)
		if (!(done & (1u << k)))
			glow_buf_printf(&out, "%s %llu\n", series[k],
			    delta ? delta[k] : 1ULL);
	if (out.failed) {
		errno = ENOMEM;
		goto fail;
	}
	if (pwrite(fd, out.p, out.len, 0) != (ssize_t)out.len ||
	    ftruncate(fd, (off_t)out.len) < 0)
		goto fail;
	rc = 0;
fail:
	saved = errno;
	close(fd);
	glow_buf_free(&in);
	glow_buf_free(&out);
	errno = saved;
	return rc;
}

int
glow_counters_read(const char *path, struct glow_buf *text)
{
	int fd, rc, saved;

	glow_buf_reset(text);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR)
			break;          /* read it anyway: at worst a torn line */
	rc = glow_read_fd(fd, text, 1 << 20);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

void
glow_metric_family(struct glow_buf *out, const char *text, size_t len,
    const char *name, const char *type, const char *help, const char *label,
    const char *const *values, int n)
{
	struct glow_buf series = GLOW_BUF_INIT;
	int i;

	glow_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
	if (n == 0)
		glow_buf_printf(out, "%s %llu\n", name,
		    glow_counters_get(text, len, name));
	for (i = 0; i < n; i++) {
		glow_buf_reset(&series);
		glow_buf_printf(&series, "%s{%s=\"", name, label);
		glow_metrics_label(&series, values[i], strlen(values[i]));
		glow_buf_adds(&series, "\"}");
		if (series.failed) {
			out->failed = 1;
			break;
		}
		glow_buf_printf(out, "%s %llu\n", glow_buf_str(&series),
		    glow_counters_get(text, len, glow_buf_str(&series)));
	}
	glow_buf_free(&series);
}

void
glow_metric_series(struct glow_buf *out, const char *text, size_t len,
    const char *name, const char *type, const char *help)
{
	size_t i = 0, e, n = strlen(name);

	glow_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		e = nl ? (size_t)(nl - text) : len;
		if (e - i > n && memcmp(text + i, name, n) == 0 &&
		    (text[i + n] == ' ' || text[i + n] == '{')) {
			glow_buf_add(out, text + i, e - i);
			glow_buf_addc(out, '\n');
		}
		i = e + 1;
	}
}

void
glow_metrics_label(struct glow_buf *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			glow_buf_addc(o, '\\');
		if (s[i] == '\n')
			glow_buf_adds(o, "\\n");
		else
			glow_buf_addc(o, s[i]);
	}
}
