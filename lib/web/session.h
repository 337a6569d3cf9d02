/* SPDX-License-Identifier: ISC */
/*
 * session.h: the companion's state directory, signing key, sessions and
 * CSRF tokens.
 *
 * A CGI program is a new process per request, so whatever must outlive a
 * request lives in a state directory (mode 0700, refused if group or
 * others may enter it):
 *
 *     DIR/key              32 random bytes, made once (0600) when no key is
 *                          configured; link(2) makes the first writer win
 *     DIR/sessions/ID      one empty file per facilitator session; removing
 *                          it (sign-out) revokes the session
 *     DIR/ratelimit/       see throttle.h
 *     DIR/cache/           pages kept while the roster file is unchanged
 *
 * A session is a cookie value "ID.K.EXPIRES.MAC": ID 32 hex digits of
 * randomness, K 'a' (anonymous, for a learner's CSRF token) or 'f'
 * (facilitator), EXPIRES a Unix time, MAC the HMAC-SHA256 of the rest under
 * the key, in hex.  An anonymous session needs no file: it only binds CSRF
 * tokens.  A facilitator session is valid only while its file exists.
 * The CSRF token of a session is HMAC(key, "csrf" ID) in hex, so a form
 * posted with another session's token (or none) is refused.
 *
 * Functions return 0 on success and -1 with errno set on failure.
 */
#ifndef GLOW_SESSION_H
#define GLOW_SESSION_H

#include <stddef.h>

#include "core/buf.h"

#define GLOW_SESSION_KEYLEN 32
#define GLOW_SESSION_IDLEN 32   /* hex digits */
#define GLOW_CSRF_LEN 64        /* hex digits */

/*
 * Make dir (and its sessions/, ratelimit/ and cache/ subdirectories) with mode
 * 0700 if missing.  EACCES if dir exists but group or others have any
 * permission on it.
 */
int glow_state_open(const char *dir);

/*
 * The signing key: derived from configured (COMPANION_SECRET_KEY) if it is
 * not NULL or empty, else read from DIR/key, which is generated first if
 * missing.  EINVAL if DIR/key has the wrong size.
 */
int glow_session_key(const char *dir, const char *configured,
    unsigned char key[GLOW_SESSION_KEYLEN]);


struct glow_session {
	char id[GLOW_SESSION_IDLEN + 1];
	int facilitator;
	long long expires;
};

/* A new session with a random ID that expires at now + ttl. */
int glow_session_new(struct glow_session *s, int facilitator, long long now,
    long long ttl);
/* Append the cookie value of s to out. */
void glow_session_cookie(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, struct glow_buf *out);
/*
 * Check a cookie value: well formed, MAC right (compared in constant
 * time), not expired at now.  Returns 0 and fills s, or -1.  A facilitator
 * session must also pass glow_session_alive().
 */
int glow_session_parse(const unsigned char key[GLOW_SESSION_KEYLEN],
    const char *v, size_t n, long long now, struct glow_session *s);

/* Facilitator sessions on disk: store, check (1 alive, 0 not), revoke. */
int glow_session_store(const char *dir, const struct glow_session *s);
int glow_session_alive(const char *dir, const struct glow_session *s);
int glow_session_revoke(const char *dir, const struct glow_session *s);
/*
 * Bound the stored sessions: remove those older than ttl, then the oldest
 * until fewer than max remain.
 */
void glow_session_sweep(const char *dir, long long now, long long ttl,
    size_t max);

/* The CSRF token of session s (GLOW_CSRF_LEN hex digits and a NUL). */
void glow_session_csrf(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, char out[GLOW_CSRF_LEN + 1]);
/* 1 if token[0..n) is the CSRF token of s, else 0 (constant time). */
int glow_session_csrf_ok(const unsigned char key[GLOW_SESSION_KEYLEN],
    const struct glow_session *s, const char *token, size_t n);

/*
 * A MAC of a short message under the key for other uses (a confirmation
 * link bound to the session): hex, 2 * n digits of the first n <= 32
 * bytes, NUL-terminated.
 */
void glow_session_mac(const unsigned char key[GLOW_SESSION_KEYLEN],
    const char *label, const char *msg, size_t msglen, char *out, size_t n);

#endif
