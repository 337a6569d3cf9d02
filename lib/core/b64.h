/* SPDX-License-Identifier: ISC */
/*
 * b64.h: base64url (RFC 4648 section 5) as JOSE writes it (RFC 7515
 * section 2): no padding.  glow writes it for JWTs and reads none: what
 * GitHub sends in base64 (file contents) is compared as it comes.
 */
#ifndef GLOW_B64_H
#define GLOW_B64_H

#include <stddef.h>

#include "core/buf.h"

/* Characters that encoding n bytes produces. */
size_t glow_b64url_enclen(size_t n);

/* Append the base64url of n bytes at src to b (check b->failed). */
void glow_b64url_append(struct glow_buf *b, const void *src, size_t n);

#endif
