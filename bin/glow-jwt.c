/* SPDX-License-Identifier: ISC */
/*
 * glow-jwt: mint a GitHub App JWT from an App ID and the App's private key,
 * and print it as JSON for glow-token.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/json.h"
#include "core/secret.h"
#include "github/jwt.h"

#define KEY_ENV "PROVISIONING_APP_PRIVATE_KEY"
#define ID_ENV  "PROVISIONING_APP_ID"
#define LATEST  253402300799LL  /* 9999-12-31T23:59:59Z */

/*
 * An App ID is digits; a Client ID is "Iv1." or "Iv23" and hex-ish
 * characters.  Either is accepted as "iss"; nothing else is, so a value
 * pasted into the wrong variable (a key, a URL) stops here.
 */
static int
valid_app_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, "0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz") == n;
}

/* A decimal number from lo to hi, or -1. */
static long long
number(const char *s, long long lo, long long hi)
{
	long long v = 0;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 12)
		return -1;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	return v >= lo && v <= hi ? v : -1;
}

static void
iso8601(char *out, size_t size, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		glow_die(GLOW_EXIT_ERR, "cannot format time '%lld': out of range", t);
}

/*
 * Read the PEM text from -k FILE, else from the environment (PEM, PEM with
 * "\n" escapes, or @path), and load the key.  Diagnostics name where the
 * key came from, never what it holds.
 */
static void
load_key(struct glow_rsa_key *key, const char *keyfile)
{
	struct glow_buf pem = GLOW_BUF_INIT;
	enum glow_secret_err se;
	enum glow_crypto_err ce;
	const char *value = NULL, *source;

	if (keyfile) {
		source = keyfile;
		se = glow_secret_file(keyfile, &pem, 0);
	} else {
		value = getenv(KEY_ENV);
		if (!value || !*value)
			glow_die(GLOW_EXIT_ERR, "no private key: give -k FILE or set "
			    KEY_ENV);
		source = value[0] == '@' ? value + 1 : KEY_ENV;
		se = glow_secret_value(value, &pem, 0);
	}
	if (se != GLOW_SECRET_OK) {
		glow_buf_wipe(&pem);
		glow_die(GLOW_EXIT_ERR, "cannot read key '%s': %s", source,
		    glow_secret_strerror(se));
	}
	ce = glow_rsa_key_load(key, pem.p, pem.len);
	glow_buf_wipe(&pem);
	if (ce == GLOW_CRYPTO_NO_KEY && value && value[0] != '@' &&
	    !strstr(value, "-----"))
		glow_die(GLOW_EXIT_ERR, "cannot use key '%s': it holds no PEM text; "
		    "to name a file, write @/path/to/key.pem", source);
	if (ce != GLOW_CRYPTO_OK)
		glow_die(GLOW_EXIT_ERR, "cannot use key '%s': %s", source,
		    glow_crypto_strerror(ce));
}

static const char usage_text[] =
	"usage: glow-jwt [-a app-id] [-k key-file] [-e seconds] [-t time]\n"
	"       glow-jwt -h | --help | -V\n"
	"\n"
	"  -a app-id     the App ID or Client ID (default PROVISIONING_APP_ID)\n"
	"  -e seconds    the token's lifetime, 1 to 600 (default 540)\n"
	"  -h, --help    print this usage and exit\n"
	"  -k key-file   read the private key from key-file ('-': standard input)\n"
	"  -t time       take this time (epoch seconds) as now\n"
	"  -V            print the version and exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
}

struct options {
	const char *app_id, *id_source, *keyfile;
	long long lifetime, now;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	int c;

	o->app_id = o->keyfile = NULL;
	o->id_source = "-a";
	o->lifetime = GLOW_JWT_LIFETIME;
	o->now = -1;
	while ((c = glow_getopt(argc, argv, "a:e:k:t:V", usage_text)) != -1) {
		switch (c) {
		case 'a':
			o->app_id = optarg;
			break;
		case 'e':
			if ((o->lifetime = number(optarg, 1, GLOW_JWT_MAX_LIFETIME)) < 0)
				glow_die(GLOW_EXIT_ERR, "bad lifetime '%s': give 1 to %d "
				    "seconds (GitHub's limit)", optarg,
				    GLOW_JWT_MAX_LIFETIME);
			break;
		case 'k':
			o->keyfile = optarg;
			break;
		case 't':
			if ((o->now = number(optarg, GLOW_JWT_BACKDATE, LATEST)) < 0)
				glow_die(GLOW_EXIT_ERR, "bad time '%s': give seconds "
				    "since the epoch", optarg);
			break;
		case 'V':
			glow_version();
			exit(GLOW_EXIT_OK);
		}
	}
	if (optind < argc)
		usage(GLOW_EXIT_ERR);
	if (!o->app_id) {
		o->app_id = getenv(ID_ENV);
		o->id_source = ID_ENV;
		if (!o->app_id || !*o->app_id)
			glow_die(GLOW_EXIT_ERR, "no App ID: give -a ID or set " ID_ENV);
	}
	/* Name the variable, not its value: it may hold anything. */
	if (!valid_app_id(o->app_id))
		glow_die(GLOW_EXIT_ERR, "bad App ID '%s': give the App ID (digits) "
		    "or the Client ID (like Iv1.0123abcd)",
		    o->id_source[0] == '-' ? o->app_id : o->id_source);
}

/* The App JWT, signed and printed as JSON. */
static int
sign(const struct options *o)
{
	struct glow_rsa_key key;
	struct glow_buf jwt = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_jw w;
	enum glow_crypto_err ce;
	const char *app_id = o->app_id;
	long long lifetime = o->lifetime, now = o->now;
	char issued[32], expires[32];

	load_key(&key, o->keyfile);
	if (now < 0)
		now = (long long)time(NULL);
	iso8601(issued, sizeof issued, now - GLOW_JWT_BACKDATE);
	iso8601(expires, sizeof expires, now + lifetime);
	ce = glow_jwt_app(&jwt, &key, app_id, now - GLOW_JWT_BACKDATE, now + lifetime);
	glow_rsa_key_wipe(&key);
	if (ce != GLOW_CRYPTO_OK)
		glow_die(GLOW_EXIT_ERR, "cannot sign JWT '%s': %s", app_id,
		    glow_crypto_strerror(ce));

	/* Sized up front so no stale copy of the token is left by realloc. */
	glow_buf_reserve(&out, jwt.len + 256 + strlen(app_id));
	glow_jw_init(&w, &out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "token");
	glow_jw_strn(&w, jwt.p, jwt.len);
	glow_jw_key(&w, "issued_at");
	glow_jw_str(&w, issued);
	glow_jw_key(&w, "expires_at");
	glow_jw_str(&w, expires);
	glow_jw_key(&w, "app_id");
	glow_jw_str(&w, app_id);
	glow_jw_end(&w);
	glow_buf_addc(&out, '\n');
	if (jwt.failed || out.failed) {
		errno = ENOMEM;
		glow_die(GLOW_EXIT_ERR, "cannot make JWT '%s':", app_id);
	}
	glow_secret_mask(jwt.p);
	glow_buf_wipe(&jwt);
	if (glow_write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		glow_buf_wipe(&out);
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	}
	glow_buf_wipe(&out);
	return GLOW_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	struct options o;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	parse_options(argc, argv, &o);
	return sign(&o);
}
