/* SPDX-License-Identifier: ISC */
/* form.c: application/x-www-form-urlencoded; see form.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "web/form.h"
#include "web/html.h"

long
glow_form_unescape(char *dst, const char *s, size_t n)
{
	size_t i, run, o = 0;

	for (i = 0; i < n;) {
		/* copy runs of plain bytes at once: webhook payloads are large */
		for (run = i; run < n && s[run] != '%' && s[run] != '+'; run++)
			;
		memcpy(dst + o, s + i, run - i);
		o += run - i;
		if ((i = run) == n)
			break;
		if (s[i] == '+') {
			dst[o++] = ' ';
			i++;
			continue;
		}
		if (i + 2 >= n || glow_unhex(dst + o, s + i + 1, 1) < 0)
			return -1;
		o++;
		i += 3;
	}
	return (long)o;
}

/* Decode s[0..n) ('+' is a space) into d, NUL-terminated; its length,
 * or -1. */
static long
unescape(char *d, const char *s, size_t n)
{
	long o = glow_form_unescape(d, s, n);

	if (o >= 0)
		d[o] = '\0';
	return o;
}

int
glow_form_parse(struct glow_form *f, const char *s, size_t n)
{
	size_t i = 0, end, eq;
	char *d;
	long kl, vl;

	memset(f, 0, sizeof *f);
	if (!(f->mem = malloc(n + 2 * GLOW_FORM_MAX + 2))) {
		errno = ENOMEM;
		return -1;
	}
	d = f->mem;
	while (i < n) {
		for (end = i; end < n && s[end] != '&'; end++)
			;
		if (end == i) {         /* "a=1&&b=2": tolerated, as browsers do */
			i++;
			continue;
		}
		if (f->n == GLOW_FORM_MAX)
			goto bad;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if ((kl = unescape(d, s + i, eq - i)) < 0 ||
		    !glow_utf8_ok(d, (size_t)kl))
			goto bad;
		f->name[f->n] = d;
		d += kl + 1;
		vl = eq < end ? unescape(d, s + eq + 1, end - eq - 1) : (*d = '\0', 0);
		if (vl < 0 || !glow_utf8_ok(d, (size_t)vl))
			goto bad;
		f->value[f->n] = d;
		f->vlen[f->n++] = (size_t)vl;
		d += vl + 1;
		i = end + 1;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

const char *
glow_form_get(const struct glow_form *f, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0) {
			if (len)
				*len = f->vlen[i];
			return f->value[i];
		}
	return NULL;
}

void
glow_form_free(struct glow_form *f)
{
	free(f->mem);
	f->mem = NULL;
	f->n = 0;
}

int
glow_form_decode(const char *s, size_t n, struct glow_buf *out)
{
	long o;

	if (glow_buf_reserve(out, n) < 0)
		return -1;
	if ((o = glow_form_unescape(out->p + out->len, s, n)) < 0)
		return -1;
	out->len += (size_t)o;
	out->p[out->len] = '\0';
	return 0;
}

int
glow_form_payload(const char *body, size_t n, struct glow_buf *out)
{
	struct glow_buf name = GLOW_BUF_INIT;
	size_t i = 0, e, eq;
	int rc = 1;

	while (i <= n && rc == 1) {
		const char *amp = memchr(body + i, '&', n - i);

		e = amp ? (size_t)(amp - body) : n;
		for (eq = i; eq < e && body[eq] != '='; eq++)
			;
		glow_buf_reset(&name);
		if (glow_form_decode(body + i, eq - i, &name) < 0)
			rc = -1;
		else if (name.len == 7 && memcmp(name.p, "payload", 7) == 0)
			rc = glow_form_decode(body + eq + (eq < e),
			    e - eq - (eq < e), out) < 0 ? -1 : 0;
		if (!amp)
			break;
		i = e + 1;
	}
	glow_buf_free(&name);
	return rc;
}
