/* SPDX-License-Identifier: ISC */
/*
 * tap.h: a tiny TAP producer for the C unit tests of lib/.
 * Each check prints "ok N - name" or "not ok N - name" with got/expected
 * on failure; done_testing() prints the plan and returns the exit status.
 */
#ifndef GLOW_TAP_H
#define GLOW_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int
tap_ok(int cond, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name))

static int
is_int(long long got, long long want, const char *name)
{
	if (tap_ok(got == want, name))
		return 1;
	printf("#   got:      %lld\n#   expected: %lld\n", got, want);
	return 0;
}

static int
is_str(const char *got, const char *want, const char *name)
{
	int same = got && want ? strcmp(got, want) == 0 : got == want;

	if (tap_ok(same, name))
		return 1;
	printf("#   got:      '%s'\n#   expected: '%s'\n",
	    got ? got : "(null)", want ? want : "(null)");
	return 0;
}

static inline int
is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *name)
{
	int same = gotlen == wantlen && memcmp(got, want, gotlen) == 0;

	if (tap_ok(same, name))
		return 1;
	printf("#   got:      '%.*s' (%zu bytes)\n#   expected: '%.*s' (%zu bytes)\n",
	    (int)gotlen, (const char *)got, gotlen,
	    (int)wantlen, (const char *)want, wantlen);
	return 0;
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
