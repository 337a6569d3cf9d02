/* SPDX-License-Identifier: ISC */
/* spool.c: the envelope spool and runs.jsonl (spool.h). */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "core/json.h"
#include "events/spool.h"

void
glow_spool_init(struct glow_spool *sp, const char *dir)
{
	memset(sp, 0, sizeof *sp);
	sp->dir = dir;
	sp->lockfd = -1;
}

void
glow_spool_free(struct glow_spool *sp)
{
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	sp->lockfd = -1;
	glow_buf_free(&sp->path);
	glow_buf_free(&sp->to);
}

int
glow_spool_path(struct glow_buf *b, const char *spool, const char *sub,
    const char *name)
{
	glow_buf_reset(b);
	glow_buf_printf(b, "%s/%s%s%s", spool, sub, name ? "/" : "",
	    name ? name : "");
	if (b->failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Set sp->path to SPOOL/sub[/name], and what a failure from here means. */
static int
at(struct glow_spool *sp, enum glow_spool_err err, const char *sub,
    const char *name)
{
	sp->err = err;
	return glow_spool_path(&sp->path, sp->dir, sub, name);
}

static int
fail(struct glow_spool *sp, enum glow_spool_err err)
{
	sp->err = err;
	return -1;
}

int
glow_spool_open(struct glow_spool *sp)
{
	static const char *const subs[] = { "", GLOW_SPOOL_TMP, GLOW_SPOOL_NEW,
	    GLOW_SPOOL_CUR, GLOW_SPOOL_DONE, GLOW_SPOOL_FAILED,
	    GLOW_SPOOL_RUNNING };
	size_t i;

	for (i = 0; i < sizeof subs / sizeof *subs; i++) {
		if (at(sp, GLOW_SPOOL_CREATE, subs[i], NULL) < 0)
			return -1;
		if (mkdir(sp->path.p, 0700) < 0 && errno != EEXIST)
			return -1;
	}
	if (at(sp, GLOW_SPOOL_LOCKFILE, GLOW_SPOOL_LOCK, NULL) < 0 ||
	    (sp->lockfd = open(sp->path.p, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) < 0)
		return fail(sp, GLOW_SPOOL_LOCKED);
	sp->err = GLOW_SPOOL_OK;
	return 0;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
glow_spool_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
glow_spool_list(struct glow_spool *sp, const char *sub, char ***names,
    size_t *n)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cap = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (at(sp, GLOW_SPOOL_READ, sub, NULL) < 0 || !(d = opendir(sp->path.p)))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(nv = realloc(v, cap * sizeof *v)))
				goto nomem;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto nomem;
		++*n;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, namecmp);
	*names = v;
	return 0;
nomem:
	closedir(d);
	glow_spool_names_free(v, *n);
	*n = 0;
	errno = ENOMEM;
	return fail(sp, GLOW_SPOOL_LIST);
}

int
glow_spool_claim(struct glow_spool *sp, const char *name)
{
	if (at(sp, GLOW_SPOOL_CLAIM, GLOW_SPOOL_NEW, name) < 0 ||
	    glow_spool_path(&sp->to, sp->dir, GLOW_SPOOL_CUR, name) < 0)
		return -1;
	if (rename(sp->path.p, sp->to.p) < 0)
		return errno == ENOENT ? 0 : -1;
	/* the claim is durable before anything runs */
	glow_spool_path(&sp->to, sp->dir, GLOW_SPOOL_CUR, NULL);
	(void)glow_fsync_dir(sp->to.p);
	return 1;
}

int
glow_spool_read(struct glow_spool *sp, const char *name, struct glow_buf *out,
    size_t max)
{
	if (at(sp, GLOW_SPOOL_READ, GLOW_SPOOL_CUR, name) < 0)
		return -1;
	return glow_read_file(sp->path.p, out, max);
}

int
glow_spool_retire(struct glow_spool *sp, const char *name, int failed)
{
	const char *sub = failed ? GLOW_SPOOL_FAILED : GLOW_SPOOL_DONE;

	if (at(sp, GLOW_SPOOL_MOVE, GLOW_SPOOL_CUR, name) < 0 ||
	    glow_spool_path(&sp->to, sp->dir, sub, name) < 0 ||
	    rename(sp->path.p, sp->to.p) < 0)
		return -1;
	glow_spool_path(&sp->to, sp->dir, sub, NULL);
	(void)glow_fsync_dir(sp->to.p);
	return 0;
}

int
glow_spool_requeue(struct glow_spool *sp, const char *name,
    const struct timespec *now, struct glow_buf *newname)
{
	const char *dash = strchr(name, '-');
	char stamp[32];
	struct tm tm;

	/* the arrival stamp goes, the rest (delivery and .json) stays */
	gmtime_r(&now->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	glow_buf_reset(newname);
	glow_buf_printf(newname, "%s.%06ldZ%s%s", stamp,
	    (long)(now->tv_nsec / 1000), dash ? "" : "-", dash ? dash : name);
	if (newname->failed)
		return fail(sp, GLOW_SPOOL_NOMEM);
	if (at(sp, GLOW_SPOOL_MOVE, GLOW_SPOOL_FAILED, name) < 0 ||
	    glow_spool_path(&sp->to, sp->dir, GLOW_SPOOL_NEW, newname->p) < 0 ||
	    rename(sp->path.p, sp->to.p) < 0)
		return -1;
	glow_spool_path(&sp->to, sp->dir, GLOW_SPOOL_NEW, NULL);
	return glow_fsync_dir(sp->to.p);
}

/* ---- runs.jsonl ---- */

int
glow_spool_run_ok(const struct glow_spool_run *r)
{
	return r->error == NULL && WIFEXITED(r->status) &&
	    WEXITSTATUS(r->status) == 0 && !r->timed_out;
}

static void
str_or_null(struct glow_jw *w, const char *key, const char *s)
{
	glow_jw_key(w, key);
	s ? glow_jw_str(w, s) : glow_jw_null(w);
}

void
glow_spool_run_format(struct glow_buf *out, const struct glow_spool_run *r,
    const struct timespec *t)
{
	struct glow_jw w;
	struct tm tm;
	char s[24], ts[32];

	gmtime_r(&t->tv_sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof ts, "%.19s.%03dZ", s, (int)(t->tv_nsec / 1000000));
	glow_jw_init(&w, out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "time");
	glow_jw_str(&w, ts);
	if (r->envelope) {
		glow_jw_key(&w, "envelope");
		glow_jw_str(&w, r->envelope);
	}
	str_or_null(&w, "delivery", r->delivery);
	str_or_null(&w, "rule", r->rule);
	glow_jw_key(&w, "attempt");
	glow_jw_int(&w, r->attempt);
	if (r->error) {
		glow_jw_key(&w, "error");
		glow_jw_str(&w, r->error);
	} else {
		glow_jw_key(&w, "exit");
		WIFEXITED(r->status) ? glow_jw_int(&w, WEXITSTATUS(r->status)) :
		    glow_jw_null(&w);
		glow_jw_key(&w, "signal");
		WIFSIGNALED(r->status) ? glow_jw_int(&w, WTERMSIG(r->status)) :
		    glow_jw_null(&w);
		glow_jw_key(&w, "timed_out");
		glow_jw_bool(&w, r->timed_out);
		glow_jw_key(&w, "duration_ms");
		glow_jw_int(&w, (long long)(r->seconds * 1000 + 0.5));
	}
	glow_jw_key(&w, "ok");
	glow_jw_bool(&w, glow_spool_run_ok(r));
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
}

int
glow_spool_append(struct glow_spool *sp, const char *line, size_t n)
{
	if (at(sp, GLOW_SPOOL_APPEND, GLOW_SPOOL_RUNS, NULL) < 0)
		return -1;
	return glow_append_durable(sp->path.p, line, n, 0600);
}

static struct glow_spool_tally *
tally_find(const struct glow_spool_tallies *t, const char *envelope,
    const char *rule)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].envelope, envelope) == 0 &&
		    (rule ? t->v[i].rule && strcmp(t->v[i].rule, rule) == 0 :
		    !t->v[i].rule))
			return &t->v[i];
	return NULL;
}

const struct glow_spool_tally *
glow_spool_tally_find(const struct glow_spool_tallies *t, const char *envelope,
    const char *rule)
{
	return tally_find(t, envelope, rule);
}

/* Count one record; takes envelope and rule (freed when not kept). */
static int
tally_add(struct glow_spool_tallies *t, char *envelope, char *rule, int ok)
{
	struct glow_spool_tally *x, *nv;

	if ((x = tally_find(t, envelope, rule))) {
		x->count++;
		x->ok |= ok;
		free(envelope);
		free(rule);
		return 0;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		if (!(nv = realloc(t->v, t->cap * sizeof *nv))) {
			free(envelope);
			free(rule);
			errno = ENOMEM;
			return -1;
		}
		t->v = nv;
	}
	x = &t->v[t->n++];
	x->envelope = envelope;
	x->rule = rule;
	x->ok = ok;
	x->count = 1;
	return 0;
}

int
glow_spool_tally_parse(struct glow_spool_tallies *t, const char *text,
    size_t len, char *const names[], size_t n)
{
	const char *line, *end;
	struct glow_json d;
	char *env, *rule;
	int ok;

	for (line = text; line && line < text + len; line = end + 1) {
		if (!(end = memchr(line, '\n', (size_t)(text + len - line))))
			end = text + len;
		if (end == line || glow_json_parse(&d, line, (size_t)(end - line),
		    NULL) < 0)
			continue;
		env = glow_json_strdup(&d, glow_json_get(&d, 0, "envelope"));
		rule = glow_json_strdup(&d, glow_json_get(&d, 0, "rule"));
		ok = glow_json_type(&d, glow_json_get(&d, 0, "ok")) == GLOW_JSON_TRUE;
		glow_json_free(&d);
		if (!env || !bsearch(&env, names, n, sizeof *names, namecmp)) {
			free(env);
			free(rule);
			continue;
		}
		if (tally_add(t, env, rule, ok) < 0)
			return -1;
	}
	return 0;
}

int
glow_spool_tally_load(struct glow_spool *sp, struct glow_spool_tallies *t,
    char *const names[], size_t n)
{
	struct glow_buf b = GLOW_BUF_INIT;
	int rc = -1;

	if (at(sp, GLOW_SPOOL_READ, GLOW_SPOOL_RUNS, NULL) < 0)
		return -1;
	if (glow_read_file(sp->path.p, &b, (size_t)1 << 31) < 0) {
		if (errno != ENOENT)
			return -1;
		glow_buf_free(&b);
		sp->err = GLOW_SPOOL_OK;
		return 0;
	}
	/* a torn last line (a crash mid-write) must not glue to the next */
	if (b.len && b.p[b.len - 1] != '\n' &&
	    glow_append_durable(sp->path.p, "\n", 1, 0600) < 0)
		sp->err = GLOW_SPOOL_APPEND;
	else if (glow_spool_tally_parse(t, b.p, b.len, names, n) < 0)
		sp->err = GLOW_SPOOL_NOMEM;
	else {
		sp->err = GLOW_SPOOL_OK;
		rc = 0;
	}
	glow_buf_free(&b);
	return rc;
}

void
glow_spool_tally_free(struct glow_spool_tallies *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].envelope);
		free(t->v[i].rule);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
