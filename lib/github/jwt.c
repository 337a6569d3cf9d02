/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "core/b64.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/secret.h"
#include "github/jwt.h"

enum glow_crypto_err
glow_jwt_app(struct glow_buf *out, const struct glow_rsa_key *key,
    const char *iss, long long iat, long long exp)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct glow_buf claims = GLOW_BUF_INIT;
	struct glow_jw w;
	unsigned char sig[GLOW_RSA_MAX_SIG];
	size_t start = out->len, siglen;
	enum glow_crypto_err e;

	glow_jw_init(&w, &claims, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "iat");
	glow_jw_int(&w, iat);
	glow_jw_key(&w, "exp");
	glow_jw_int(&w, exp);
	glow_jw_key(&w, "iss");
	glow_jw_str(&w, iss);
	glow_jw_end(&w);

	/* Room for the whole token up front: no copy left behind by realloc. */
	glow_buf_reserve(out, glow_b64url_enclen(sizeof header - 1) + 1 +
	    glow_b64url_enclen(claims.len) + 1 + glow_b64url_enclen(sizeof sig));
	glow_b64url_append(out, header, sizeof header - 1);
	glow_buf_addc(out, '.');
	glow_b64url_append(out, claims.p, claims.len);
	if (claims.failed)
		out->failed = 1;
	glow_buf_free(&claims);
	if (out->failed)
		return GLOW_CRYPTO_OK;

	e = glow_rs256_sign(key, out->p + start, out->len - start, sig, &siglen);
	if (e == GLOW_CRYPTO_OK) {
		glow_buf_addc(out, '.');
		glow_b64url_append(out, sig, siglen);
	} else {
		out->len = start;       /* nothing half-made is left behind */
		out->p[start] = '\0';
	}
	glow_wipe(sig, sizeof sig);
	return e;
}
