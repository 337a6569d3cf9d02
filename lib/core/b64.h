/* SPDX-License-Identifier: ISC */
/*
 * b64.h: base64 (RFC 4648 section 4) and base64url (section 5).
 *
 * base64url is the JOSE flavour (RFC 7515 section 2): no padding, and the
 * decoder is strict: a character outside the alphabet, "=" padding, a
 * length that no encoding has (4k+1) or non-zero unused bits in the last
 * character all fail.  A JWT has exactly one spelling.
 *
 * Standard base64 is written with padding and no line breaks.  Its decoder
 * skips CR and LF anywhere (GitHub's contents API returns base64 broken
 * every 60 characters), accepts the padding or its absence, and is strict
 * about everything else.
 *
 * The raw functions write into memory the caller sizes with the *len
 * functions; encoders also write a terminating NUL that the returned
 * length does not count.  The _append functions grow a glow_buf instead.
 * Decoders return 0, or -1 on bad input (dst then holds garbage).
 */
#ifndef GLOW_B64_H
#define GLOW_B64_H

#include <stddef.h>

#include "core/buf.h"

/* Characters (without the NUL) that encoding n bytes produces. */
size_t glow_b64_enclen(size_t n);
size_t glow_b64url_enclen(size_t n);
/* An upper bound on the bytes that n characters decode to. */
size_t glow_b64_declen(size_t n);

/* Encode n bytes at src into dst (enclen(n) + 1 bytes); returns enclen(n). */
size_t glow_b64_encode(char *dst, const void *src, size_t n);
size_t glow_b64url_encode(char *dst, const void *src, size_t n);

/* Decode n characters at src into dst (declen(n) bytes), length in *len. */
int glow_b64_decode(void *dst, size_t *len, const char *src, size_t n);
int glow_b64url_decode(void *dst, size_t *len, const char *src, size_t n);

/* The same, appending to a buffer (check b->failed for memory). */
void glow_b64_append(struct glow_buf *b, const void *src, size_t n);
void glow_b64url_append(struct glow_buf *b, const void *src, size_t n);
int glow_b64_decode_append(struct glow_buf *b, const char *src, size_t n);
int glow_b64url_decode_append(struct glow_buf *b, const char *src, size_t n);

#endif
