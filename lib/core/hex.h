/* SPDX-License-Identifier: ISC */
/* hex.h: hex digits, the one owner (keys, MACs, cache names, %XX escapes,
 * JSON's \\uXXXX). */
#ifndef GLOW_HEX_H
#define GLOW_HEX_H

#include <stddef.h>

/* Lower-case hex of n bytes into dst (2n + 1 bytes, NUL-terminated). */
void glow_hex(char *dst, const void *src, size_t n);
/* Decode 2n hex digits (either case) at src into n bytes: 0, or -1. */
int glow_unhex(void *dst, const char *src, size_t n);

#endif
