/* SPDX-License-Identifier: ISC */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/fsio.h"
#include "core/hex.h"
#include "roster/rostercache.h"

void
glow_rostercache_init(struct glow_rostercache *c, const char *roster,
    const char *state)
{
	memset(c, 0, sizeof *c);
	c->roster = roster;
	c->state = state;
}

void
glow_rostercache_free(struct glow_rostercache *c)
{
	glow_buf_free(&c->unwritten);
}

static int
fail(struct glow_rostercache *c, enum glow_rostercache_err err)
{
	c->err = err;
	c->errnum = errno;
	return -1;
}

/* Write a kept file; a failure is only noted. */
static void
keep(struct glow_rostercache *c, const char *path, const struct glow_buf *b)
{
	if (glow_write_atomic(path, b->p, b->len, 0600) < 0) {
		c->unwritten_errnum = errno;
		glow_buf_reset(&c->unwritten);
		glow_buf_adds(&c->unwritten, path);
	}
}

int
glow_rostercache_load(struct glow_rostercache *c, struct glow_buf *text,
    struct glow_roster *r)
{
	c->err = GLOW_ROSTERCACHE_OK;
	if (glow_read_file(c->roster, text, GLOW_ROSTERCACHE_MAX) < 0)
		return fail(c, GLOW_ROSTERCACHE_EREAD);
	if (glow_roster_load(r, glow_buf_str(text), text->len, &c->jerr) < 0)
		return fail(c, GLOW_ROSTERCACHE_EPARSE);
	if (r->nproblems) {
		c->nproblems = r->nproblems;
		glow_roster_free(r);
		return fail(c, GLOW_ROSTERCACHE_EINVALID);
	}
	return 0;
}

/* The roster file's identity, one line: 0, or -1 with c->err. */
static int
stamp(struct glow_rostercache *c, char *out, size_t size, size_t *len)
{
	struct stat st;

	if (stat(c->roster, &st) < 0)
		return fail(c, GLOW_ROSTERCACHE_EREAD);
	*len = (size_t)snprintf(out, size, "%llu %llu %lld %lld.%09ld\n",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

void
glow_cohorts_free(struct glow_cohorts *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free((char *)cs->c[i].id);
		free((char *)cs->c[i].label);
	}
	free(cs->c);
	cs->c = NULL;
	cs->n = 0;
}

/* The kept form, [[id, label-or-null], ...], into cs: 0, or -1. */
static int
cohorts_from(struct glow_cohorts *cs, const char *json, size_t len)
{
	struct glow_json doc;
	int a, e, rc = -1;

	memset(cs, 0, sizeof *cs);
	if (glow_json_parse(&doc, json, len, NULL) < 0)
		return -1;
	if (glow_json_type(&doc, 0) != GLOW_JSON_ARRAY ||
	    !(cs->c = calloc((size_t)glow_json_size(&doc, 0) + 1, sizeof *cs->c)))
		goto out;
	for (a = glow_json_first(&doc, 0); a >= 0; a = glow_json_next(&doc, a)) {
		e = glow_json_first(&doc, a);
		if (!(cs->c[cs->n].id = glow_json_strdup(&doc, e)))
			goto out;
		e = glow_json_next(&doc, e);
		cs->c[cs->n].label = glow_json_type(&doc, e) == GLOW_JSON_STRING ?
		    glow_json_strdup(&doc, e) : NULL;
		cs->n++;
	}
	rc = 0;
out:
	glow_json_free(&doc);
	if (rc < 0)
		glow_cohorts_free(cs);
	return rc;
}

/* The kept form of r's cohorts, appended to out. */
static void
cohorts_json(const struct glow_roster *r, struct glow_buf *out)
{
	struct glow_jw w;
	size_t i;

	glow_jw_init(&w, out, 0);
	glow_jw_array(&w);
	for (i = 0; i < r->ncohort; i++) {
		const struct glow_json *d = r->cohort[i].doc;
		int id = glow_json_get(d, r->cohort[i].tok, "cohort_id");
		int label = glow_json_get(d, r->cohort[i].tok, "label");

		if (glow_json_type(d, id) != GLOW_JSON_STRING)
			continue;
		glow_jw_array(&w);
		glow_jw_value(&w, d, id);
		if (glow_json_type(d, label) == GLOW_JSON_STRING)
			glow_jw_value(&w, d, label);
		else
			glow_jw_null(&w);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
}

int
glow_rostercache_cohorts(struct glow_rostercache *c, struct glow_cohorts *cs)
{
	struct glow_buf text = GLOW_BUF_INIT, kept = GLOW_BUF_INIT,
	    path = GLOW_BUF_INIT;
	struct glow_roster r;
	char st[128];
	size_t sl;
	int rc = -1;

	memset(cs, 0, sizeof *cs);
	c->err = GLOW_ROSTERCACHE_OK;
	if (stamp(c, st, sizeof st, &sl) < 0)
		return -1;
	glow_buf_printf(&path, "%s/cohorts", c->state);
	if (glow_read_file(path.p, &kept, 1 << 20) == 0 && kept.len > sl &&
	    memcmp(kept.p, st, sl) == 0 &&
	    cohorts_from(cs, kept.p + sl, kept.len - sl) == 0) {
		rc = 0;
		goto out;
	}
	if (glow_rostercache_load(c, &text, &r) < 0)
		goto out;
	glow_buf_reset(&kept);
	glow_buf_adds(&kept, st);
	cohorts_json(&r, &kept);
	glow_roster_free(&r);
	if (kept.failed || cohorts_from(cs, kept.p + sl, kept.len - sl) < 0) {
		fail(c, GLOW_ROSTERCACHE_ENOMEM);
		goto out;
	}
	keep(c, path.p, &kept);
	rc = 0;
out:
	glow_buf_free(&text);
	glow_buf_free(&kept);
	glow_buf_free(&path);
	return rc;
}

int
glow_rostercache_dashboard(struct glow_rostercache *c, const char *base,
    const char *filter, long page, struct glow_buf *body)
{
	struct glow_buf text = GLOW_BUF_INIT, key = GLOW_BUF_INIT,
	    path = GLOW_BUF_INIT, kept = GLOW_BUF_INIT;
	unsigned char h[GLOW_SHA256_LEN];
	char st[128], hex[2 * 16 + 1];
	struct glow_roster r;
	size_t sl;
	int rc = -1;

	c->err = GLOW_ROSTERCACHE_OK;
	if (stamp(c, st, sizeof st, &sl) < 0)
		return -1;
	glow_buf_printf(&key, "%s%c%s%c%ld", base, 0, filter ? filter : "", 0, page);
	glow_sha256(glow_buf_str(&key), key.len, h);
	glow_hex(hex, h, 16);
	glow_buf_printf(&path, "%s/cache/dashboard-%s", c->state, hex);
	if (glow_read_file(path.p, &kept, GLOW_ROSTERCACHE_MAX) == 0 &&
	    kept.len >= sl && memcmp(kept.p, st, sl) == 0) {
		glow_buf_add(body, kept.p + sl, kept.len - sl);
		rc = 0;
		goto out;
	}
	if (glow_rostercache_load(c, &text, &r) < 0)
		goto out;
	glow_buf_reset(&kept);
	glow_buf_add(&kept, st, sl);
	if (glow_companion_roster_page(&kept, base, &r, filter, page) && !kept.failed)
		keep(c, path.p, &kept);
	glow_buf_add(body, kept.p + sl, kept.len - sl);
	glow_roster_free(&r);
	rc = 0;
out:
	glow_buf_free(&text);
	glow_buf_free(&key);
	glow_buf_free(&path);
	glow_buf_free(&kept);
	return rc;
}
