/* SPDX-License-Identifier: ISC */
/*
 * crypto.h: what glow needs of cryptography, over BearSSL.
 *
 * RSA private keys from PEM text, RS256 signatures (RSASSA-PKCS1-v1_5 with
 * SHA-256, RFC 8017 section 8.2, as JWS "RS256" in RFC 7518), SHA-256,
 * HMAC-SHA256 (RFC 2104; GitHub's webhook signatures), constant-time
 * comparison.  Hex digits are core/hex.h.
 *
 * Like BearSSL, nothing here allocates: the caller owns every buffer and
 * the key structure (about 2 KB; it may live on the stack).  Functions that
 * can fail return an enum glow_crypto_err; glow_crypto_strerror() turns it
 * into a sentence for a diagnostic.  No function prints.
 */
#ifndef GLOW_CRYPTO_H
#define GLOW_CRYPTO_H

#include <stddef.h>

#include <bearssl.h>

enum glow_crypto_err {
	GLOW_CRYPTO_OK = 0,
	GLOW_CRYPTO_NO_KEY,     /* no PEM private key in the text */
	GLOW_CRYPTO_BAD_PEM,    /* PEM armour found, but broken */
	GLOW_CRYPTO_ENCRYPTED,  /* a passphrase-protected key */
	GLOW_CRYPTO_NOT_RSA,    /* a private key, but EC (or another kind) */
	GLOW_CRYPTO_PUBLIC,     /* only a public key or certificate */
	GLOW_CRYPTO_OPENSSH,    /* an OpenSSH-format key, not PEM */
	GLOW_CRYPTO_BAD_KEY,    /* the key's DER does not decode, or is inconsistent */
	GLOW_CRYPTO_KEY_SIZE,   /* not 2048 to 4096 bits */
	GLOW_CRYPTO_SIGN        /* signing failed, or the signature did not verify */
};

#define GLOW_RSA_MIN_BITS 2048
#define GLOW_RSA_MAX_BITS 4096
/* Room for the largest signature (the modulus size). */
#define GLOW_RSA_MAX_SIG (GLOW_RSA_MAX_BITS / 8)
#define GLOW_RSA_MAX_EXP 16     /* bytes of public exponent; 65537 takes 3 */

/*
 * An RSA private key and its public half.  sk and pk point into data.  Wipe it with glow_rsa_key_wipe() when done.
 */
struct glow_rsa_key {
	br_rsa_private_key sk;
	br_rsa_public_key pk;
	unsigned char data[3 * 512 + GLOW_RSA_MAX_SIG + GLOW_RSA_MAX_EXP];
};

/*
 * Load the first RSA private key found in PEM text of len bytes: PKCS#1
 * ("BEGIN RSA PRIVATE KEY", what GitHub hands out) or unencrypted PKCS#8
 * ("BEGIN PRIVATE KEY").  CRLF line ends, a missing final newline and
 * other PEM objects around the key (a certificate) are tolerated.
 * Encrypted keys, EC keys and keys outside 2048 to 4096 bits are refused.
 * The public half is taken from the key too, and the key's modulus is
 * checked to be the product of its primes.  On failure key is wiped.  Temporary copies of key material are
 * wiped before returning.
 */
enum glow_crypto_err glow_rsa_key_load(struct glow_rsa_key *key,
    const char *pem, size_t len);
/* The modulus size in bits, and so the signature size in bytes. */
unsigned glow_rsa_key_bits(const struct glow_rsa_key *key);
size_t glow_rsa_sig_len(const struct glow_rsa_key *key);
void glow_rsa_key_wipe(struct glow_rsa_key *key);

/*
 * RS256: sign n bytes at msg into sig (GLOW_RSA_MAX_SIG bytes of room);
 * the signature's length, glow_rsa_sig_len(key), goes to *siglen.  The
 * signature is verified with the public key before it is returned, so a
 * damaged key fails here rather than at GitHub.
 */
enum glow_crypto_err glow_rs256_sign(const struct glow_rsa_key *key,
    const void *msg, size_t n, unsigned char *sig, size_t *siglen);
/* Verify an RS256 signature with key's public half: 1 if good, else 0. */
int glow_rs256_verify(const struct glow_rsa_key *key, const void *msg,
    size_t n, const unsigned char *sig, size_t siglen);

#define GLOW_SHA256_LEN 32

void glow_sha256(const void *p, size_t n, unsigned char out[GLOW_SHA256_LEN]);
void glow_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t n, unsigned char out[GLOW_SHA256_LEN]);

/*
 * 1 if the n bytes at a and b are equal, else 0, in time that depends on n
 * only: for comparing MACs and secrets.
 */
int glow_ct_equal(const void *a, const void *b, size_t n);

/* n bytes from the kernel's random source (getrandom(2)): 0, or -1. */
int glow_random(void *p, size_t n);


/* One sentence describing e, for a diagnostic. */
const char *glow_crypto_strerror(enum glow_crypto_err e);

#endif
