/* SPDX-License-Identifier: ISC */
/*
 * roster_parts.h: what the roster's own files share (roster.c: names,
 * keys, memory, fields, loading; roster_check.c: validation;
 * roster_write.c: writing; roster_edit.c: changes).  Not for programs:
 * they use roster.h.
 */
#ifndef GLOW_ROSTER_PARTS_H
#define GLOW_ROSTER_PARTS_H

#include "core/buf.h"
#include "core/json.h"
#include "roster/roster.h"

extern const unsigned char roster_field_len[GLOW_RF_COUNT];
extern const unsigned char roster_public_field[GLOW_RF_COUNT];
extern const char roster_starter[];
extern const char *const roster_cohort_fields[3];

/* A learner's (or cohort's) fields, collected from its object. */
struct slot {
	const struct glow_json *doc;
	int tok;                /* value token; -1: absent */
	const char *lit;        /* or a literal string value */
};
struct unk {
	const struct glow_json *doc;
	int key;                /* key token; its value is key + 1 */
};
struct fields {
	struct slot slot[GLOW_RF_COUNT];
	struct unk *unk;
	size_t nunk, capunk;
	int dup;                /* a known field appears twice */
	int dupfield;
};

/* Where problems go: counted, each behind the prefix. */
struct probs {
	struct glow_buf *out;
	size_t *count;
	const char *prefix;     /* "learner 3 (alice@@spring): " */
	size_t plen;
};

int roster_collect(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, const char *const *names, int nnames);
void roster_fields_clear(struct fields *fs);
long roster_find_at(struct glow_roster *r, const char *key, size_t n, size_t *at);
int roster_learner_add(struct glow_roster *r, const struct glow_json *doc, int tok,
    int pos);
int roster_learner_key(struct glow_roster *r, struct glow_roster_learner *l,
    const struct fields *fs, struct glow_buf *s1, struct glow_buf *s2,
    struct glow_buf *kb);
const struct glow_json *roster_part_new(struct glow_roster *r, const char *text, size_t n);
char *roster_pool_copy(struct glow_roster *r, const char *s, size_t n);
int roster_unk_add(struct fields *fs, const struct glow_json *doc, int key);
const char *roster_strval(const struct glow_json *doc, int t, struct glow_buf *scratch, size_t *n);
int roster_classify(const struct glow_json *doc, int k, struct glow_buf *scratch);
int roster_check_learner(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, struct probs *p);
void roster_prefix_learner(struct glow_buf *pre, int pos, const char *key, size_t keylen);
void roster_write_fields(struct glow_jw *w, const struct fields *fs, int view,
    struct glow_buf *scratch);

#endif
