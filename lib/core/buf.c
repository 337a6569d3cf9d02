/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/secret.h"

int
glow_buf_reserve(struct glow_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (n < b->cap - b->len && b->p)
		return 0;
	if (n > (size_t)-1 / 2 - b->len - 1)
		goto fail;
	cap = b->cap ? b->cap : 64;
	while (cap - b->len <= n)
		cap *= 2;
	if (!(p = realloc(b->p, cap)))
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = 1;
	return -1;
}

void
glow_buf_add(struct glow_buf *b, const void *p, size_t n)
{
	if (glow_buf_reserve(b, n) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
glow_buf_adds(struct glow_buf *b, const char *s)
{
	glow_buf_add(b, s, strlen(s));
}

void
glow_buf_addc(struct glow_buf *b, char c)
{
	glow_buf_add(b, &c, 1);
}

void
glow_buf_vprintf(struct glow_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || glow_buf_reserve(b, (size_t)n) < 0) {
		b->failed = 1;
		return;
	}
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
glow_buf_printf(struct glow_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	glow_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
glow_buf_reset(struct glow_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
glow_buf_wipe(struct glow_buf *b)
{
	if (b->p)
		glow_wipe(b->p, b->cap);
	glow_buf_free(b);
}

void
glow_buf_free(struct glow_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
