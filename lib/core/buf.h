/* SPDX-License-Identifier: ISC */
/*
 * buf.h: a growable byte buffer.
 *
 * A buffer never fails loudly: when memory runs out it sets `failed`, keeps
 * what it had and ignores further appends, like a stdio stream's error
 * flag.  Check `failed` once, after building.  The bytes are always followed
 * by a NUL that `len` does not count, so `p` can be used as a C string when
 * the content has no NUL of its own.
 */
#ifndef GLOW_BUF_H
#define GLOW_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct glow_buf {
	char *p;        /* NULL until the first append */
	size_t len;
	size_t cap;
	int failed;     /* an allocation failed; content is incomplete */
};

#define GLOW_BUF_INIT { 0, 0, 0, 0 }

void glow_buf_add(struct glow_buf *b, const void *p, size_t n);
void glow_buf_adds(struct glow_buf *b, const char *s);
void glow_buf_addc(struct glow_buf *b, char c);
void glow_buf_printf(struct glow_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void glow_buf_vprintf(struct glow_buf *b, const char *fmt, va_list ap);
/* Make room for n more bytes; 0 on success, -1 (and failed) if not. */
int glow_buf_reserve(struct glow_buf *b, size_t n);
void glow_buf_reset(struct glow_buf *b);     /* len = 0, memory kept */
/* The text of b, "" while it has none (p is NULL until the first add). */
static inline const char *
glow_buf_str(const struct glow_buf *b)
{
	return b->p ? b->p : "";
}
/* Overwrite the content with zeros before freeing: for secrets. */
void glow_buf_wipe(struct glow_buf *b);
void glow_buf_free(struct glow_buf *b);

#endif
