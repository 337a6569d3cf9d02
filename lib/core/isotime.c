/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/isotime.h"

/* n decimal digits at s into *v: 0, or -1. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	for (*v = 0, i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

long long
glow_time_parse(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se, dim, yy, era, yoe, doy;
	size_t i = 19, f;
	long long days;

	if (!s || n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return -1;
	if (s[i] == '.') {
		for (f = 0, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			f++;
		if (f < 1 || f > 9)
			return -1;
	}
	if (!((n - i == 1 && s[i] == 'Z') ||
	    (n - i == 6 && memcmp(s + i, "+00:00", 6) == 0)))
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	/* days from the civil date (Howard Hinnant's algorithm) */
	yy = y - (mo <= 2);
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	days = (long long)era * 146097 + (long long)yoe * 365 + yoe / 4 -
	    yoe / 100 + doy - 719468;
	return days * 86400 + h * 3600 + mi * 60 + se;
}

int
glow_time_ok(const char *s, size_t n)
{
	return glow_time_parse(s, n) >= 0;
}

void
glow_time_format(char out[GLOW_TIME_LEN], long long t, unsigned ms)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		memcpy(out, "1970-01-01T00:00:00", 20);
	ms %= 1000u;
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

int
glow_now(char out[GLOW_TIME_LEN], long long *t)
{
	const char *v = getenv("GLOW_NOW");
	struct timespec ts;
	long long x;
	size_t n;

	if (v && *v) {
		n = strlen(v);
		if (n < GLOW_TIME_LEN && (x = glow_time_parse(v, n)) >= 0) {
			memcpy(out, v, n + 1);
			if (t)
				*t = x;
			return 0;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	glow_time_format(out, (long long)ts.tv_sec,
	    (unsigned)(ts.tv_nsec / 1000000));
	if (t)
		*t = (long long)ts.tv_sec;
	return v && *v ? -1 : 0;
}
