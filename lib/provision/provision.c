/* SPDX-License-Identifier: ISC */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/fsio.h"
#include "provision/provision.h"

#define LOG_MAX ((size_t)1 << 30)

/* ------------------------------------------------------------- records */

static void
str_or_null(struct glow_jw *w, const char *key, const char *v)
{
	glow_jw_key(w, key);
	if (v)
		glow_jw_str(w, v);
	else
		glow_jw_null(w);
}

void
glow_plog_record(struct glow_buf *out, const struct glow_plog_rec *rec,
    int indent)
{
	struct glow_jw w;
	size_t i;

	glow_jw_init(&w, out, indent);
	glow_jw_object(&w);
	str_or_null(&w, "github_handle", rec->github_handle);
	str_or_null(&w, "cohort_id", rec->cohort_id);
	str_or_null(&w, "attempt_at", rec->attempt_at);
	str_or_null(&w, "result", rec->result);
	str_or_null(&w, "repo", rec->repo);
	str_or_null(&w, "template_sha", rec->template_sha);
	str_or_null(&w, "error_detail", rec->error_detail);
	glow_jw_key(&w, "requests");
	glow_jw_int(&w, rec->requests);
	str_or_null(&w, "invitation", rec->invitation);
	glow_jw_key(&w, "healed");
	glow_jw_array(&w);
	for (i = 0; rec->healed && i < rec->nhealed; i++)
		glow_jw_str(&w, rec->healed[i]);
	glow_jw_end(&w);
	str_or_null(&w, "comment", rec->comment);
	glow_jw_end(&w);
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
glow_plog_detect(const char *text, size_t len)
{
	size_t i = 0;

	/* a UTF-8 byte order mark, as some editors leave */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && blank(text[i]))
		i++;
	if (i == len || text[i] == '{')
		return GLOW_PLOG_LINES;
	if (text[i] == '[')
		return GLOW_PLOG_ARRAY;
	return -1;
}

/* ------------------------------------------------------------- reading */

int
glow_plog_read(const char *text, size_t len, glow_plog_fn *fn, void *arg,
    size_t *ntorn, struct glow_json_error *err)
{
	struct glow_json doc;
	size_t off = 0, end;
	int fmt, v, rc = 0;

	if (ntorn)
		*ntorn = 0;
	if ((fmt = glow_plog_detect(text, len)) < 0) {
		err->offset = 0;
		err->reason = "not a provisioning log";
		return -1;
	}
	if (fmt == GLOW_PLOG_ARRAY) {
		if (glow_json_parse(&doc, text, len, err) < 0)
			return -1;
		if (glow_json_type(&doc, 0) != GLOW_JSON_ARRAY) {
			glow_json_free(&doc);
			err->offset = 0;
			err->reason = "not a provisioning log";
			return -1;
		}
		for (v = glow_json_first(&doc, 0); v >= 0; v = glow_json_next(&doc, v)) {
			if (glow_json_type(&doc, v) != GLOW_JSON_OBJECT) {
				err->offset = (size_t)doc.tok[v].start;
				err->reason = "a record that is not an object";
				rc = -1;
				break;
			}
			if (fn && fn(&doc, v, arg) < 0) {
				err->offset = (size_t)doc.tok[v].start;
				err->reason = "stopped";
				rc = -1;
				break;
			}
		}
		glow_json_free(&doc);
		return rc;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		off = 3;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t s = off;

		end = nl ? (size_t)(nl - text) : len;
		while (s < end && blank(text[s]))
			s++;
		if (s == end) {
			off = end + 1;
			continue;
		}
		if (glow_json_parse(&doc, text + s, end - s, err) < 0) {
			if (!nl) {              /* a torn last record */
				if (ntorn)
					(*ntorn)++;
				return 0;
			}
			err->offset += s;
			return -1;
		}
		if (glow_json_type(&doc, 0) != GLOW_JSON_OBJECT) {
			glow_json_free(&doc);
			err->offset = s;
			err->reason = "a record that is not an object";
			return -1;
		}
		if (fn && fn(&doc, 0, arg) < 0) {
			glow_json_free(&doc);
			err->offset = s;
			err->reason = "stopped";
			return -1;
		}
		glow_json_free(&doc);
		off = end + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- writing */

/* The array form: the old bytes up to the closing bracket, the record
 * indented as JSON.stringify(log, null, 2) would, and the bracket. */
static int
append_array(const char *path, const struct glow_buf *old, mode_t mode,
    const struct glow_plog_rec *rec)
{
	struct glow_buf out = GLOW_BUF_INIT, one = GLOW_BUF_INIT;
	size_t close_at, open_at = 0, k, e;
	int has = 0, rc;

	close_at = old->len;
	while (close_at > 0 && blank(old->p[close_at - 1]))
		close_at--;
	if (close_at == 0 || old->p[close_at - 1] != ']') {
		errno = EINVAL;
		return -1;
	}
	close_at--;
	while (open_at < close_at && old->p[open_at] != '[')
		open_at++;
	for (k = open_at + 1; k < close_at; k++)
		if (!blank(old->p[k]))
			has = 1;
	e = close_at;
	while (e > open_at + 1 && blank(old->p[e - 1]))
		e--;
	glow_buf_add(&out, old->p, e);
	glow_buf_adds(&out, has ? ",\n  " : "\n  ");
	glow_plog_record(&one, rec, 2);
	for (k = 0; k < one.len; k++) {
		glow_buf_addc(&out, one.p[k]);
		if (one.p[k] == '\n')
			glow_buf_adds(&out, "  ");
	}
	glow_buf_adds(&out, "\n]\n");
	if (out.failed || one.failed) {
		glow_buf_free(&out);
		glow_buf_free(&one);
		errno = ENOMEM;
		return -1;
	}
	rc = glow_write_atomic(path, out.p, out.len, mode);
	glow_buf_free(&out);
	glow_buf_free(&one);
	return rc;
}

int
glow_plog_append(const char *path, const struct glow_plog_rec *rec)
{
	struct glow_buf old = GLOW_BUF_INIT, line = GLOW_BUF_INIT;
	struct stat st;
	int lk, rc = -1, saved, fmt, existed;

	if ((lk = glow_lock(path)) < 0)
		return -1;
	existed = stat(path, &st) == 0;
	if (existed && glow_read_file(path, &old, LOG_MAX) < 0)
		goto out;
	fmt = glow_plog_detect(glow_buf_str(&old), old.len);
	if (fmt < 0) {
		errno = EINVAL;
		goto out;
	}
	if (fmt == GLOW_PLOG_ARRAY) {
		rc = append_array(path, &old, st.st_mode & 07777, rec);
		goto out;
	}
	/* a torn last line (a crash mid-write) ends here, not in our record */
	if (old.len && old.p[old.len - 1] != '\n')
		glow_buf_addc(&line, '\n');
	glow_plog_record(&line, rec, 0);
	glow_buf_addc(&line, '\n');
	if (line.failed) {
		errno = ENOMEM;
		goto out;
	}
	/* 0600, as the roster it records learners of */
	rc = glow_append_durable(path, line.p, line.len, 0600);
	if (rc == 0 && !existed)
		rc = glow_fsync_dir_of(path);
out:
	saved = errno;
	glow_buf_free(&old);
	glow_buf_free(&line);
	glow_unlock(lk);
	errno = saved;
	return rc;
}

/* ------------------------------------------------------------ the plan */

enum glow_prov_sel
glow_prov_select(const char *state, size_t n, int verify_all)
{
	if (!state || (n == 7 && !memcmp(state, "pending", 7)) ||
	    (n == 6 && !memcmp(state, "failed", 6)))
		return GLOW_PROV_PROVISION;
	if ((n == 11 && !memcmp(state, "provisioned", 11)) ||
	    (n == 6 && !memcmp(state, "healed", 6)))
		return verify_all ? GLOW_PROV_VERIFY : GLOW_PROV_SKIP;
	return GLOW_PROV_SKIP;
}

void
glow_prov_list_free(char **list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

static int
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 100 || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

long
glow_prov_list(const char *s, char ***out)
{
	char **list = NULL, **nl;
	size_t n = 0;
	const char *p = s, *e;

	*out = NULL;
	for (;;) {
		size_t len;

		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len) {
			if (!name_ok(p, len)) {
				glow_prov_list_free(list);
				errno = EINVAL;
				return -1;
			}
			if (!(nl = realloc(list, (n + 2) * sizeof *list)) ||
			    !(nl[n] = strndup(p, len))) {
				if (nl)
					list = nl;
				if (list)
					list[n] = NULL;
				glow_prov_list_free(list);
				errno = ENOMEM;
				return -1;
			}
			list = nl;
			list[++n] = NULL;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	*out = list;
	return (long)n;
}

/* ------------------------------------------------------- the answers */

int
glow_prov_dir_has(const struct glow_json *doc, int arr, const char *name)
{
	int v, t;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return 0;
	for (v = glow_json_first(doc, arr); v >= 0; v = glow_json_next(doc, v)) {
		if (glow_json_type(doc, v) != GLOW_JSON_OBJECT)
			continue;
		t = glow_json_get(doc, v, "type");
		if (t >= 0 && !glow_json_streq(doc, t, "file"))
			continue;
		if (glow_json_streq(doc, glow_json_get(doc, v, "name"), name))
			return 1;
	}
	return 0;
}

int
glow_prov_marker_in(const struct glow_json *doc, int arr, const char *marker)
{
	struct glow_buf b = GLOW_BUF_INIT;
	int v, found = 0;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return 0;
	for (v = glow_json_first(doc, arr); v >= 0 && !found;
	    v = glow_json_next(doc, v)) {
		glow_buf_reset(&b);
		if (glow_json_type(doc, v) != GLOW_JSON_OBJECT ||
		    glow_json_string(doc, glow_json_get(doc, v, "body"), &b) < 0)
			continue;
		if (!glow_json_streq(doc, glow_json_get(doc, glow_json_get(doc, v,
		    "user"), "type"), "Bot"))
			continue;
		if (b.p && memmem(b.p, b.len, marker, strlen(marker)))
			found = 1;
	}
	glow_buf_free(&b);
	return found;
}

void
glow_prov_description(struct glow_buf *out, const char *handle,
    const char *cohort, const char *key)
{
	glow_buf_printf(out, "Learning room of @%s (%s) [glow %s]", handle,
	    cohort, key);
}

enum glow_prov_origin
glow_prov_origin(const struct glow_json *doc, int repo, const char *tmpl,
    const char *handle, const char *cohort, const char *key)
{
	struct glow_buf d = GLOW_BUF_INIT, want = GLOW_BUF_INIT;
	enum glow_prov_origin o = GLOW_PROV_NOT_MARKED;
	size_t hn = strlen(handle), cn = strlen(cohort);
	const char *p;

	if (glow_json_type(doc, repo) != GLOW_JSON_OBJECT)
		return GLOW_PROV_NOT_TEMPLATE;
	if (glow_json_string(doc, glow_json_get(doc, glow_json_get(doc, repo,
	    "template_repository"), "full_name"), &d) < 0 || !d.p ||
	    strcasecmp(d.p, tmpl) != 0) {
		glow_buf_free(&d);
		return GLOW_PROV_NOT_TEMPLATE;
	}
	glow_buf_reset(&d);
	if (glow_json_string(doc, glow_json_get(doc, repo, "description"), &d) >= 0 &&
	    d.p) {
		glow_buf_printf(&want, "[glow %s]", key);
		if (want.p && strstr(d.p, want.p))
			o = GLOW_PROV_OURS;
		/* glow 0.1: "Learning room of @HANDLE (COHORT)", nothing more */
		p = d.p + strlen("Learning room of @");
		if (o != GLOW_PROV_OURS &&
		    strncmp(d.p, "Learning room of @", strlen("Learning room of @")) == 0 &&
		    d.len == strlen("Learning room of @") + hn + 2 + cn + 1 &&
		    strncasecmp(p, handle, hn) == 0 && strncmp(p + hn, " (", 2) == 0 &&
		    strncmp(p + hn + 2, cohort, cn) == 0 && p[hn + 2 + cn] == ')')
			o = GLOW_PROV_OURS;
	}
	glow_buf_free(&d);
	glow_buf_free(&want);
	return o;
}

static int
login_is(const struct glow_json *doc, int tok, const char *login)
{
	const char *s;
	size_t n, i, ln = strlen(login);

	if (glow_json_type(doc, tok) != GLOW_JSON_STRING)
		return 0;
	s = glow_json_raw(doc, tok, &n);   /* logins need no escapes */
	if (n != ln)
		return 0;
	for (i = 0; i < n; i++) {
		char a = s[i], b = login[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

int
glow_prov_login_in(const struct glow_json *doc, int arr, const char *login)
{
	int v;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return 0;
	for (v = glow_json_first(doc, arr); v >= 0; v = glow_json_next(doc, v))
		if (glow_json_type(doc, v) == GLOW_JSON_OBJECT &&
		    login_is(doc, glow_json_get(doc, v, "login"), login))
			return 1;
	return 0;
}

int
glow_prov_invitation(const struct glow_json *doc, int arr, const char *login,
    long long *id)
{
	int v, who, res = GLOW_PROV_INV_NONE;
	long long x;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return res;
	for (v = glow_json_first(doc, arr); v >= 0; v = glow_json_next(doc, v)) {
		if (glow_json_type(doc, v) != GLOW_JSON_OBJECT)
			continue;
		who = glow_json_get(doc, v, "invitee");
		if (glow_json_type(doc, who) != GLOW_JSON_OBJECT ||
		    !login_is(doc, glow_json_get(doc, who, "login"), login))
			continue;
		if (glow_json_type(doc, glow_json_get(doc, v, "expired")) !=
		    GLOW_JSON_TRUE)
			return GLOW_PROV_INV_LIVE;
		if (glow_json_int(doc, glow_json_get(doc, v, "id"), &x) == 0) {
			if (id)
				*id = x;
			res = GLOW_PROV_INV_EXPIRED;
		}
	}
	return res;
}

void
glow_prov_web_url(const char *base, struct glow_buf *out)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	if (n == 22 && !strncmp(base, "https://api.github.com", 22)) {
		glow_buf_adds(out, "https://github.com");
		return;
	}
	if (n > 7 && !strncmp(base + n - 7, "/api/v3", 7)) {
		glow_buf_add(out, base, n - 7);
		return;
	}
	glow_buf_add(out, base, n);
}
