/* SPDX-License-Identifier: ISC */
/*
 * throttle.h: glow-companion(1)'s per-client request windows (its own
 * rate limits on forms and sign-in, not GitHub's), shared by every process.
 *
 * A CGI program forgets everything between requests, so the windows live
 * in the state directory (see session.h), in DIR/ratelimit/: 16 files of
 * 256 slots of 32 bytes (128 KiB in all, whatever the traffic).  A client
 * (scope and address) is named by a keyed hash, so the files hold no
 * address; the hash picks the file and a run of 8 slots in it.  Each
 * request takes the file's flock(2), reads the file, counts and writes one
 * slot back: concurrent processes see one count.
 *
 * A window is fixed: it starts at a client's first request and lasts
 * `window` seconds; up to `max` requests are allowed in it.  When all 8
 * slots of a run are taken by live windows, the one started longest ago
 * is given up to the newcomer: the state stays bounded, and a flood from
 * many addresses can at worst forget some other client's count.
 */
#ifndef GLOW_THROTTLE_H
#define GLOW_THROTTLE_H

/*
 * Count one request of client in scope at time now.  Returns 1 if it is
 * allowed, 0 if it is over the limit (*retry_after: seconds until the
 * window ends), -1 with errno if the state could not be used.  max 0
 * means no limit.
 */
int glow_throttle_hit(const char *dir, const unsigned char key[32],
    const char *scope, const char *client, unsigned max, unsigned window,
    long long now, unsigned *retry_after);

#endif
