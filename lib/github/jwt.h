/* SPDX-License-Identifier: ISC */
/*
 * jwt.h: the JSON Web Token a GitHub App signs to authenticate as itself.
 *
 * RFC 7519 with an RS256 JWS signature (RFC 7515, RFC 7518 section 3.3),
 * in the shape GitHub documents ("Generating a JSON Web Token (JWT) for a
 * GitHub App"):
 *
 *     base64url({"alg":"RS256","typ":"JWT"}) "."
 *     base64url({"iat":IAT,"exp":EXP,"iss":"ISS"}) "."
 *     base64url(RS256 signature of the two parts before it)
 *
 * GitHub accepts an App JWT whose exp is at most ten minutes after its own
 * clock and whose iat is not in its future; issuing iat a minute in the
 * past absorbs clock drift.
 */
#ifndef GLOW_JWT_H
#define GLOW_JWT_H

#include "core/buf.h"
#include "core/crypto.h"

#define GLOW_JWT_BACKDATE     60    /* iat = now - this */
#define GLOW_JWT_LIFETIME     540   /* exp = now + this, by default */
#define GLOW_JWT_MAX_LIFETIME 600   /* GitHub's limit for exp - now */

/*
 * Append the App JWT for issuer iss (the App ID or Client ID, written as a
 * JSON string) with claims iat and exp to out.  Returns GLOW_CRYPTO_OK or
 * the signing error; check out->failed for memory.  The token is a bearer
 * credential: glow_buf_wipe() it when done.
 */
enum glow_crypto_err glow_jwt_app(struct glow_buf *out,
    const struct glow_rsa_key *key, const char *iss, long long iat,
    long long exp);

#endif
