/* SPDX-License-Identifier: ISC */
/*
 * secret.h: reading and forgetting secrets, the way signify does.
 *
 * Secrets (PEM keys, JWTs, tokens, webhook secrets) come from a file, the
 * environment or stdin, never argv.  They are wiped after use and never
 * appear in a diagnostic.
 */
#ifndef GLOW_SECRET_H
#define GLOW_SECRET_H

#include <stddef.h>

#include "core/buf.h"

enum glow_secret_err {
	GLOW_SECRET_OK = 0,
	GLOW_SECRET_EMPTY,      /* the value (or the file) is empty */
	GLOW_SECRET_READ,       /* the @path could not be read; see errno */
	GLOW_SECRET_MODE        /* the file is readable by group or others */
};

/* Overwrite n bytes at p with zeros, in a way the compiler keeps. */
void glow_wipe(void *p, size_t n);

/*
 * Take a secret given as a configuration value into out: the text itself,
 * text with literal "\n" escapes (as CI secrets pasted on one line often
 * are; they become newlines), or "@path" to read a file.  Surrounding white
 * space is trimmed.  A file named with @ must not be readable by group or
 * others when strict_mode is set.
 */
enum glow_secret_err glow_secret_value(const char *value, struct glow_buf *out,
    int strict_mode);

/* Read a whole secret file (trailing white space trimmed). */
enum glow_secret_err glow_secret_file(const char *path, struct glow_buf *out,
    int strict_mode);

/* A one-sentence description of an error, for programs to print. */
const char *glow_secret_strerror(enum glow_secret_err e);

/*
 * In GitHub Actions (GITHUB_ACTIONS=true) ask the runner to mask a secret
 * the program is about to print: "::add-mask::" on stderr, which the runner
 * reads for workflow commands even when stdout is piped to the next
 * program.  Does nothing elsewhere.
 */
void glow_secret_mask(const char *secret);

#endif
