/* SPDX-License-Identifier: ISC */
#include <sys/random.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <bearssl.h>

#include "core/crypto.h"
#include "core/secret.h"

/* A PKCS#8 RSA-4096 key is about 2.4 KB of DER. */
#define DER_MAX 8192

struct der {
	unsigned char p[DER_MAX];
	size_t len;
	int capture;            /* inside the object we keep */
	int overflow;
};

static void
der_add(void *ctx, const void *p, size_t n)
{
	struct der *d = ctx;

	if (!d->capture)
		return;
	if (n > sizeof d->p - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->p + d->len, p, n);
	d->len += n;
}

static int
contains(const char *s, size_t n, const char *word)
{
	return memmem(s, n, word, strlen(word)) != NULL;
}

/*
 * Push n bytes to the PEM decoder, collecting the DER of a private key
 * object.  Returns 1 when a whole key object was read, -1 on broken armour,
 * 0 to go on.
 */
static int
pem_push(br_pem_decoder_context *pc, struct der *d, const char *p, size_t n,
    int *saw_public)
{
	const char *name;
	size_t used;

	while (n) {
		used = br_pem_decoder_push(pc, p, n);
		p += used;
		n -= used;
		switch (br_pem_decoder_event(pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(pc);
			d->len = 0;
			d->capture = strcmp(name, "RSA PRIVATE KEY") == 0 ||
			    strcmp(name, "PRIVATE KEY") == 0 ||
			    strcmp(name, "EC PRIVATE KEY") == 0;
			if (strstr(name, "PUBLIC KEY") || strstr(name, "CERTIFICATE"))
				*saw_public = 1;
			break;
		case BR_PEM_END_OBJ:
			if (d->capture)
				return 1;
			break;
		case BR_PEM_ERROR:
			return -1;
		}
	}
	return 0;
}

/*
 * Find the first private key object in the text.  Carriage returns are
 * dropped (BearSSL's decoder wants LF line ends), and a newline is added
 * at the end in case the text lacks its last one.
 */
static int
pem_key(br_pem_decoder_context *pc, struct der *d, const char *pem, size_t len,
    int *saw_public)
{
	size_t i, j;
	int r;

	br_pem_decoder_init(pc);
	br_pem_decoder_setdest(pc, der_add, d);
	for (i = 0; i < len; i = j + 1) {
		for (j = i; j < len && pem[j] != '\r'; j++)
			;
		if ((r = pem_push(pc, d, pem + i, j - i, saw_public)) != 0)
			return r;
	}
	if ((r = pem_push(pc, d, "\n", 1, saw_public)) != 0)
		return r;
	return d->capture ? -1 : 0;    /* a key begun but never ended */
}

static enum glow_crypto_err
skey_error(int err)
{
	switch (err) {
	case BR_ERR_X509_UNSUPPORTED:
		return GLOW_CRYPTO_NOT_RSA;     /* an unknown algorithm OID */
	case BR_ERR_X509_LIMIT_EXCEEDED:
		return GLOW_CRYPTO_KEY_SIZE;
	default:
		return GLOW_CRYPTO_BAD_KEY;
	}
}

/*
 * One DER element (X.690) at *p before end: its tag and contents; *p moves
 * past it.  Only what an already-decoded key needs: short tags, definite
 * lengths.
 */
static int
der_next(const unsigned char **p, const unsigned char *end, int *tag,
    const unsigned char **val, size_t *len)
{
	const unsigned char *q = *p;
	size_t n, k;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return -1;
		for (n = 0; k; k--)
			n = n << 8 | *q++;
	}
	if ((size_t)(end - q) < n)
		return -1;
	*val = q;
	*len = n;
	*p = q + n;
	return 0;
}

/* An INTEGER's magnitude, without the sign-keeping leading zeros. */
static void
der_unsigned(const unsigned char **v, size_t *n)
{
	while (*n > 1 && **v == 0) {
		(*v)++;
		(*n)--;
	}
}

/*
 * The modulus and public exponent as written in the key, which BearSSL's
 * decoder skips: RSAPrivateKey (RFC 8017 appendix A.1.2) is SEQUENCE {
 * version, n, e, ... }; PKCS#8 (RFC 5208) wraps it as SEQUENCE { version,
 * AlgorithmIdentifier, OCTET STRING { RSAPrivateKey } }.
 */
static int
der_public(const unsigned char *der, size_t len, const unsigned char **n,
    size_t *nlen, const unsigned char **e, size_t *elen)
{
	const unsigned char *p = der, *end = der + len, *v;
	size_t vlen;
	int tag;

	if (der_next(&p, end, &tag, &v, &vlen) < 0 || tag != 0x30)
		return -1;
	p = v;
	end = v + vlen;
	if (der_next(&p, end, &tag, &v, &vlen) < 0 || tag != 0x02)
		return -1;
	if (der_next(&p, end, &tag, &v, &vlen) < 0)
		return -1;
	if (tag == 0x30) {
		if (der_next(&p, end, &tag, &v, &vlen) < 0 || tag != 0x04)
			return -1;
		return der_public(v, vlen, n, nlen, e, elen);
	}
	if (tag != 0x02)
		return -1;
	*n = v;
	*nlen = vlen;
	if (der_next(&p, end, &tag, &v, &vlen) < 0 || tag != 0x02)
		return -1;
	*e = v;
	*elen = vlen;
	der_unsigned(n, nlen);
	der_unsigned(e, elen);
	return 0;
}

static unsigned char *
put(unsigned char **at, const unsigned char *p, size_t n)
{
	unsigned char *where = *at;

	memcpy(where, p, n);
	*at += n;
	return where;
}

/*
 * Copy the decoded private key into key, with the public half from the
 * DER, and check that the modulus written there is p * q.
 */
static enum glow_crypto_err
keep_key(struct glow_rsa_key *key, const br_rsa_private_key *sk,
    const unsigned char *der, size_t len)
{
	/* BearSSL 0.6's i31 (default) version gives up on 4096-bit keys. */
	br_rsa_compute_modulus modulus = br_rsa_i15_compute_modulus;
	const unsigned char *n, *e;
	unsigned char *at = key->data;
	size_t nlen, elen;

	if (sk->n_bitlen < GLOW_RSA_MIN_BITS || sk->n_bitlen > GLOW_RSA_MAX_BITS)
		return GLOW_CRYPTO_KEY_SIZE;
	if (der_public(der, len, &n, &nlen, &e, &elen) < 0)
		return GLOW_CRYPTO_BAD_KEY;
	/* The decoder's own buffer bounds these; check anyway. */
	if (nlen > GLOW_RSA_MAX_SIG || elen > GLOW_RSA_MAX_EXP ||
	    sk->plen + sk->qlen + sk->dplen + sk->dqlen + sk->iqlen + nlen + elen >
	    sizeof key->data)
		return GLOW_CRYPTO_KEY_SIZE;
	key->sk.n_bitlen = sk->n_bitlen;
	key->sk.p = put(&at, sk->p, key->sk.plen = sk->plen);
	key->sk.q = put(&at, sk->q, key->sk.qlen = sk->qlen);
	key->sk.dp = put(&at, sk->dp, key->sk.dplen = sk->dplen);
	key->sk.dq = put(&at, sk->dq, key->sk.dqlen = sk->dqlen);
	key->sk.iq = put(&at, sk->iq, key->sk.iqlen = sk->iqlen);
	key->pk.e = put(&at, e, key->pk.elen = elen);
	/* Room for the modulus was checked above: nlen bytes, and p * q
	   has as many when the key is whole. */
	if (modulus(NULL, &key->sk) != nlen || modulus(at, &key->sk) != nlen ||
	    !glow_ct_equal(at, n, nlen))
		return GLOW_CRYPTO_BAD_KEY;
	key->pk.n = at;
	key->pk.nlen = nlen;
	return GLOW_CRYPTO_OK;
}

enum glow_crypto_err
glow_rsa_key_load(struct glow_rsa_key *key, const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	br_skey_decoder_context kc;
	struct der d;
	enum glow_crypto_err e;
	int r, saw_public = 0;

	memset(key, 0, sizeof *key);
	/*
	 * BearSSL's PEM decoder refuses RFC 1421 headers outright, so
	 * recognise the kinds it cannot read before it sees them, to say
	 * why.
	 */
	if (contains(pem, len, "BEGIN ENCRYPTED PRIVATE KEY") ||
	    contains(pem, len, "Proc-Type: 4,ENCRYPTED"))
		return GLOW_CRYPTO_ENCRYPTED;
	if (contains(pem, len, "BEGIN OPENSSH PRIVATE KEY"))
		return GLOW_CRYPTO_OPENSSH;

	d.len = 0;
	d.capture = d.overflow = 0;
	r = pem_key(&pc, &d, pem, len, &saw_public);
	if (r < 0)
		e = GLOW_CRYPTO_BAD_PEM;
	else if (r == 0)
		e = saw_public ? GLOW_CRYPTO_PUBLIC : GLOW_CRYPTO_NO_KEY;
	else if (d.overflow)
		e = GLOW_CRYPTO_KEY_SIZE;
	else {
		br_skey_decoder_init(&kc);
		br_skey_decoder_push(&kc, d.p, d.len);
		if ((r = br_skey_decoder_last_error(&kc)) != 0)
			e = skey_error(r);
		else if (br_skey_decoder_key_type(&kc) != BR_KEYTYPE_RSA)
			e = GLOW_CRYPTO_NOT_RSA;
		else
			e = keep_key(key, br_skey_decoder_get_rsa(&kc), d.p, d.len);
		glow_wipe(&kc, sizeof kc);
	}
	glow_wipe(&d, sizeof d);
	glow_wipe(&pc, sizeof pc);
	if (e != GLOW_CRYPTO_OK)
		glow_rsa_key_wipe(key);
	return e;
}

unsigned
glow_rsa_key_bits(const struct glow_rsa_key *key)
{
	return key->sk.n_bitlen;
}

size_t
glow_rsa_sig_len(const struct glow_rsa_key *key)
{
	return (key->sk.n_bitlen + 7) / 8;
}

void
glow_rsa_key_wipe(struct glow_rsa_key *key)
{
	glow_wipe(key, sizeof *key);
}

int
glow_rs256_verify(const struct glow_rsa_key *key, const void *msg, size_t n,
    const unsigned char *sig, size_t siglen)
{
	br_rsa_pkcs1_vrfy vrfy = br_rsa_pkcs1_vrfy_get_default();
	unsigned char hash[GLOW_SHA256_LEN], got[GLOW_SHA256_LEN];

	if (siglen != key->pk.nlen)
		return 0;
	glow_sha256(msg, n, hash);
	if (!vrfy(sig, siglen, BR_HASH_OID_SHA256, sizeof got, &key->pk, got))
		return 0;
	return glow_ct_equal(hash, got, sizeof hash);
}

enum glow_crypto_err
glow_rs256_sign(const struct glow_rsa_key *key, const void *msg, size_t n,
    unsigned char *sig, size_t *siglen)
{
	br_rsa_pkcs1_sign sign = br_rsa_pkcs1_sign_get_default();
	unsigned char hash[GLOW_SHA256_LEN];

	*siglen = 0;
	if (key->pk.nlen == 0)
		return GLOW_CRYPTO_NO_KEY;
	glow_sha256(msg, n, hash);
	if (!sign(BR_HASH_OID_SHA256, hash, sizeof hash, &key->sk, sig))
		return GLOW_CRYPTO_SIGN;
	/*
	 * Check before anyone relies on it: a CRT signature made with a
	 * damaged factor is wrong, and (Boneh, DeMillo, Lipton 1997) would
	 * reveal the key to whoever sees it.
	 */
	if (!glow_rs256_verify(key, msg, n, sig, glow_rsa_sig_len(key))) {
		glow_wipe(sig, glow_rsa_sig_len(key));
		return GLOW_CRYPTO_SIGN;
	}
	*siglen = glow_rsa_sig_len(key);
	return GLOW_CRYPTO_OK;
}

void
glow_sha256(const void *p, size_t n, unsigned char out[GLOW_SHA256_LEN])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, p, n);
	br_sha256_out(&c, out);
}

void
glow_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
    unsigned char out[GLOW_SHA256_LEN])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, n);
	br_hmac_out(&hc, out);
	glow_wipe(&kc, sizeof kc);
	glow_wipe(&hc, sizeof hc);
}

int
glow_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= x[i] ^ y[i];
	return acc == 0;
}


const char *
glow_crypto_strerror(enum glow_crypto_err e)
{
	switch (e) {
	case GLOW_CRYPTO_OK:
		return "no error";
	case GLOW_CRYPTO_NO_KEY:
		return "no PEM private key found (expected BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)";
	case GLOW_CRYPTO_BAD_PEM:
		return "the PEM text is damaged or cut short";
	case GLOW_CRYPTO_ENCRYPTED:
		return "the key is encrypted; GitHub App keys are not, export it without a passphrase";
	case GLOW_CRYPTO_NOT_RSA:
		return "not an RSA key; GitHub App keys are RSA";
	case GLOW_CRYPTO_PUBLIC:
		return "that is a public key or certificate, not the private key";
	case GLOW_CRYPTO_OPENSSH:
		return "an OpenSSH-format key; use the PEM file GitHub generated";
	case GLOW_CRYPTO_BAD_KEY:
		return "the key is damaged (its contents do not decode or do not fit together)";
	case GLOW_CRYPTO_KEY_SIZE:
		return "the RSA key is not between 2048 and 4096 bits";
	case GLOW_CRYPTO_SIGN:
		return "signing failed (the key may be damaged)";
	}
	return "unknown error";
}

int
glow_random(void *p, size_t n)
{
	unsigned char *b = p;
	ssize_t r;

	while (n) {
		r = getrandom(b, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}
