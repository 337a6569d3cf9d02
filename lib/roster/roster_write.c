/* SPDX-License-Identifier: ISC */
/* roster_write.c: writing a roster of record, and reading one field; see roster.h. */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fsio.h"
#include "core/isotime.h"
#include "roster/roster_parts.h"

/* Writing. */

static void
write_key_of(struct glow_jw *w, const struct glow_json *doc, int k,
    struct glow_buf *scratch)
{
	glow_buf_reset(scratch);
	glow_json_string(doc, k, scratch);
	glow_jw_key(w, glow_buf_str(scratch));
}

static void
write_trimmed(struct glow_jw *w, const struct slot *sl, int f,
    struct glow_buf *scratch)
{
	const char *s;
	size_t n;

	if (sl->lit) {
		glow_jw_str(w, sl->lit);
		return;
	}
	if (!(s = roster_strval(sl->doc, sl->tok, scratch, &n))) {
		glow_jw_value(w, sl->doc, sl->tok);
		return;
	}
	if (f == GLOW_RF_HANDLE) {
		if (n && s[0] == '@')
			s++, n--;
	} else {
		s = glow_roster_trim(s, n, &n);
	}
	glow_jw_strn(w, s, n);
}

/*
 * The writer's member step for a known field name, in one append: what
 * glow_jw_key() does (JSON.stringify's layout), without a call per byte.
 * Known field names need no escaping.
 */
static void
put_key(struct glow_jw *w, int f)
{
	struct glow_buf *b = w->out;
	size_t ind = (size_t)w->indent * (size_t)w->depth, n = roster_field_len[f];
	char *p;

	if (glow_buf_reserve(b, n + ind + 8) < 0)
		return;
	p = b->p + b->len;
	if (!w->empty)
		*p++ = ',';
	w->empty = 0;
	if (w->indent) {
		*p++ = '\n';
		memset(p, ' ', ind);
		p += ind;
	}
	*p++ = '"';
	memcpy(p, glow_roster_field_name[f], n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	if (w->indent)
		*p++ = ' ';
	b->len = (size_t)(p - b->p);
	b->p[b->len] = '\0';
	w->pending_key = 1;
}

/* A member's value: a literal or a string without escapes is copied as
 * it is (it is already in canonical form); others go through the writer. */
static void
put_value(struct glow_jw *w, const struct glow_json *doc, int t)
{
	const jsmntok_t *tk = &doc->tok[t];
	const char *raw = doc->text + tk->start;
	size_t n = (size_t)(tk->end - tk->start);
	struct glow_buf *b = w->out;

	if (tk->type == JSMN_PRIMITIVE) {
		w->pending_key = 0;
		glow_buf_add(b, raw, n);
	} else if (tk->type == JSMN_STRING && !memchr(raw, '\\', n)) {
		w->pending_key = 0;
		if (glow_buf_reserve(b, n + 2) < 0)
			return;
		b->p[b->len] = '"';
		memcpy(b->p + b->len + 1, raw, n);
		b->p[b->len + 1 + n] = '"';
		b->len += n + 2;
		b->p[b->len] = '\0';
	} else {
		glow_jw_value(w, doc, t);
	}
}

void
roster_write_fields(struct glow_jw *w, const struct fields *fs, int view,
    struct glow_buf *scratch)
{
	const struct slot *sl;
	size_t u;
	int f;

	glow_jw_object(w);
	for (f = 0; f < GLOW_RF_COUNT; f++) {
		if (view == GLOW_ROSTER_PUBLIC && !roster_public_field[f])
			continue;
		sl = &fs->slot[f];
		put_key(w, f);
		if (f == GLOW_RF_HANDLE || f == GLOW_RF_COHORT) {
			if (sl->tok < 0 && !sl->lit)
				glow_jw_null(w);
			else
				write_trimmed(w, sl, f, scratch);
		} else if (sl->lit) {
			glow_jw_str(w, sl->lit);
		} else if (sl->tok >= 0) {
			put_value(w, sl->doc, sl->tok);
		} else if (f == GLOW_RF_PATH) {
			glow_jw_str(w, glow_roster_paths[0]);
		} else if (f == GLOW_RF_STATE) {
			glow_jw_str(w, glow_roster_states[0]);
		} else if (f == GLOW_RF_STATUS) {
			glow_jw_str(w, glow_roster_statuses[0]);
		} else if (f == GLOW_RF_NOTES) {
			glow_jw_str(w, "");
		} else {
			glow_jw_null(w);
		}
	}
	if (view != GLOW_ROSTER_PUBLIC) {
		for (u = 0; u < fs->nunk; u++) {
			write_key_of(w, fs->unk[u].doc, fs->unk[u].key, scratch);
			glow_jw_value(w, fs->unk[u].doc, fs->unk[u].key + 1);
		}
	}
	glow_jw_end(w);
}

static void
write_learner(const struct glow_roster_learner *l, struct glow_jw *w, int view,
    struct fields *fs, struct glow_buf *scratch)
{
	if (glow_json_type(l->doc, l->tok) != GLOW_JSON_OBJECT ||
	    roster_collect(l->doc, l->tok, fs, scratch, NULL, 0) < 0) {
		glow_jw_value(w, l->doc, l->tok);
		return;
	}
	roster_write_fields(w, fs, view, scratch);
}

static void
write_cohort(struct glow_jw *w, const struct glow_roster_cohort *c, int view,
    struct fields *fs, struct glow_buf *scratch)
{
	size_t u;
	int f;

	if (glow_json_type(c->doc, c->tok) != GLOW_JSON_OBJECT ||
	    roster_collect(c->doc, c->tok, fs, scratch, roster_cohort_fields, 3) < 0) {
		glow_jw_value(w, c->doc, c->tok);
		return;
	}
	glow_jw_object(w);
	for (f = 0; f < 3; f++) {
		if (fs->slot[f].tok < 0 || (view == GLOW_ROSTER_PUBLIC && f == 2))
			continue;
		glow_jw_key(w, roster_cohort_fields[f]);
		if (f == 0)
			write_trimmed(w, &fs->slot[f], GLOW_RF_COHORT, scratch);
		else
			glow_jw_value(w, fs->slot[f].doc, fs->slot[f].tok);
	}
	if (view != GLOW_ROSTER_PUBLIC) {
		for (u = 0; u < fs->nunk; u++) {
			write_key_of(w, fs->unk[u].doc, fs->unk[u].key, scratch);
			glow_jw_value(w, fs->unk[u].doc, fs->unk[u].key + 1);
		}
	}
	glow_jw_end(w);
}

/* Hand out's bytes to fd once there are many: memory stays small. */
static int
flush(struct glow_buf *out, int fd, size_t over)
{
	if (fd < 0 || out->len < over || out->failed)
		return 0;
	if (glow_write_all(fd, out->p, out->len) < 0)
		return -1;
	out->len = 0;
	return 0;
}

static int
write_roster(struct glow_roster *r, struct glow_buf *out, int fd, int view,
    const unsigned char *keep, const char *now)
{
	struct glow_jw w;
	struct fields fs;
	struct glow_buf scratch = GLOW_BUF_INIT;
	char clock[25];
	size_t i;
	int rc = 0;

	memset(&fs, 0, sizeof fs);
	glow_roster_sort(r);
	if (r->dirty || !r->generated_at[0]) {
		if (!now) {
			glow_now(clock, NULL);
			now = clock;
		}
		snprintf(r->generated_at, sizeof r->generated_at, "%s", now);
	}
	/* one allocation, not twenty */
	if (!out->p)
		glow_buf_reserve(out, fd >= 0 ? (1 << 20) + 65536 :
		    r->doc.len + r->doc.len / 8 + 4096);
	glow_jw_init(&w, out, 2);
	if (view == GLOW_ROSTER_LEARNERS) {
		glow_jw_array(&w);
		goto learners;
	}
	glow_jw_object(&w);
	glow_jw_key(&w, "version");
	glow_jw_int(&w, 1);
	glow_jw_key(&w, "generated_at");
	glow_jw_str(&w, r->generated_at);
	glow_jw_key(&w, "cohorts");
	glow_jw_array(&w);
	for (i = 0; i < r->ncohort; i++)
		write_cohort(&w, &r->cohort[i], view, &fs, &scratch);
	glow_jw_end(&w);
	glow_jw_key(&w, "learners");
	glow_jw_array(&w);
learners:
	for (i = 0; i < r->nlearner && rc == 0; i++) {
		if (!keep || keep[i])
			write_learner(&r->learner[i], &w,
			    view == GLOW_ROSTER_PUBLIC ? view : GLOW_ROSTER_CANONICAL,
			    &fs, &scratch);
		rc = flush(out, fd, 1 << 20);
	}
	glow_jw_end(&w);
	if (view == GLOW_ROSTER_CANONICAL) {
		for (i = 0; i < r->nextra; i++) {
			write_key_of(&w, &r->doc, r->extra[i], &scratch);
			glow_jw_value(&w, &r->doc, r->extra[i] + 1);
		}
	}
	if (view != GLOW_ROSTER_LEARNERS)
		glow_jw_end(&w);
	glow_buf_addc(out, '\n');
	free(fs.unk);
	glow_buf_free(&scratch);
	if (out->failed) {
		errno = ENOMEM;
		return -1;
	}
	if (rc == 0)
		rc = flush(out, fd, 0);
	return rc;
}

int
glow_roster_write(struct glow_roster *r, struct glow_buf *out, int view,
    const unsigned char *keep, const char *now)
{
	return write_roster(r, out, -1, view, keep, now);
}

int
glow_roster_write_fd(struct glow_roster *r, int fd, int view,
    const unsigned char *keep, const char *now)
{
	struct glow_buf out = GLOW_BUF_INIT;
	int rc = write_roster(r, &out, fd, view, keep, now);

	glow_buf_free(&out);
	return rc;
}

/* Reading one field. */

const char *
glow_roster_get(const struct glow_roster *r, size_t i, enum glow_roster_field f,
    struct glow_buf *scratch, size_t *n)
{
	const struct glow_roster_learner *l = &r->learner[i];
	const char *s = NULL;
	int k, t = -1;

	if (glow_json_type(l->doc, l->tok) != GLOW_JSON_OBJECT)
		return NULL;
	for (k = glow_json_first(l->doc, l->tok); k >= 0; k = glow_json_next(l->doc, k))
		if (roster_classify(l->doc, k, scratch) == (int)f)
			t = k + 1;
	if (t < 0) {
		switch (f) {
		case GLOW_RF_PATH:
			s = glow_roster_paths[0];
			break;
		case GLOW_RF_STATE:
			s = glow_roster_states[0];
			break;
		case GLOW_RF_STATUS:
			s = glow_roster_statuses[0];
			break;
		case GLOW_RF_NOTES:
			s = "";
			break;
		default:
			return NULL;
		}
		*n = strlen(s);
		return s;
	}
	if (!(s = roster_strval(l->doc, t, scratch, n)))
		return NULL;
	if (f == GLOW_RF_HANDLE && *n && s[0] == '@')
		s++, (*n)--;
	else if (f == GLOW_RF_COHORT)
		s = glow_roster_trim(s, *n, n);
	return s;
}
