/* Crypto reached through an API: imported CryptoAPI and CNG functions with
 * the algorithm identifiers passed to them (CALG_* constants, CNG algorithm
 * names), and functions imported from crypto libraries whose names say the
 * algorithm (EVP_aes_256_cbc, SHA256_Init, mbedtls_aes_crypt_cbc, nettle_aes128_encrypt,
 * crypto_stream_chacha20; libgcrypt's gcry_* names do not say). Only
 * imports count: a library's own exports are never evidence. */
#include "crypto.h"

#include <stdio.h>
#include <strings.h>

typedef struct prefix_map {
	const char *prefix, *family, *algorithm;
} prefix_map;

/* Imported names of crypto libraries (OpenSSL, nettle, mbed TLS, libsodium,
 * GMP, zlib) naming their algorithm; the longest prefix wins. */
static const prefix_map lib_names[] = {
        {"EVP_aes_", "aes", "aes"},
        {"AES_", "aes", "aes"},
        {"mbedtls_aes_", "aes", "aes"},
        {"nettle_aes", "aes", "aes"},
        {"crypto_aead_aes256gcm", "aes", "aes"},
        {"EVP_des_ede3", "des", "3des"},
        {"EVP_des_", "des", "des"},
        {"DES_", "des", "des"},
        {"mbedtls_des3_", "des", "3des"},
        {"mbedtls_des_", "des", "des"},
        {"nettle_des3", "des", "3des"},
        {"nettle_des", "des", "des"},
        {"EVP_bf_", "blowfish", "blowfish"},
        {"BF_", "blowfish", "blowfish"},
        {"nettle_blowfish", "blowfish", "blowfish"},
        {"nettle_twofish", "twofish", "twofish"},
        {"EVP_camellia_", "camellia", "camellia"},
        {"Camellia_", "camellia", "camellia"},
        {"mbedtls_camellia_", "camellia", "camellia"},
        {"nettle_camellia", "camellia", "camellia"},
        {"EVP_seed_", "seed", "seed"},
        {"SEED_", "seed", "seed"},
        {"EVP_aria_", "aria", "aria"},
        {"mbedtls_aria_", "aria", "aria"},
        {"EVP_cast5_", "cast", "cast128"},
        {"CAST_", "cast", "cast128"},
        {"nettle_cast128", "cast", "cast128"},
        {"EVP_rc5_", "rc5", "rc5"},
        {"RC5_", "rc5", "rc5"},
        {"EVP_rc4", "rc4", "rc4"},
        {"RC4", "rc4", "rc4"},
        {"nettle_arcfour", "rc4", "rc4"},
        {"EVP_chacha20", "chacha", "chacha20"},
        {"mbedtls_chacha20_", "chacha", "chacha20"},
        {"nettle_chacha", "chacha", "chacha20"},
        {"crypto_stream_chacha20", "chacha", "chacha20"},
        {"crypto_aead_chacha20", "chacha", "chacha20"},
        {"crypto_aead_xchacha20", "chacha", "chacha20"},
        {"crypto_secretstream_xchacha20", "chacha", "chacha20"},
        {"nettle_salsa20", "salsa", "salsa20"},
        {"crypto_stream_salsa20", "salsa", "salsa20"},
        {"crypto_stream_xsalsa20", "salsa", "salsa20"},
        {"crypto_secretbox", "salsa", "salsa20"},
        {"EVP_md4", "md4", "md4"},
        {"MD4", "md4", "md4"},
        {"nettle_md4", "md4", "md4"},
        {"EVP_md5", "md5", "md5"},
        {"MD5", "md5", "md5"},
        {"mbedtls_md5", "md5", "md5"},
        {"nettle_md5", "md5", "md5"},
        {"EVP_sha1", "sha1", "sha1"},
        {"SHA1", "sha1", "sha1"},
        {"mbedtls_sha1", "sha1", "sha1"},
        {"nettle_sha1", "sha1", "sha1"},
        {"EVP_sha224", "sha2", "sha224"},
        {"EVP_sha256", "sha2", "sha256"},
        {"EVP_sha384", "sha2", "sha384"},
        {"EVP_sha512", "sha2", "sha512"},
        {"SHA224", "sha2", "sha224"},
        {"SHA256", "sha2", "sha256"},
        {"SHA384", "sha2", "sha384"},
        {"SHA512", "sha2", "sha512"},
        {"mbedtls_sha256", "sha2", "sha256"},
        {"mbedtls_sha512", "sha2", "sha512"},
        {"nettle_sha256", "sha2", "sha256"},
        {"nettle_sha512", "sha2", "sha512"},
        {"crypto_hash_sha256", "sha2", "sha256"},
        {"crypto_hash_sha512", "sha2", "sha512"},
        {"crypto_auth_hmacsha256", "sha2", "sha256"},
        {"crypto_auth_hmacsha512", "sha2", "sha512"},
        {"EVP_ripemd160", "ripemd", "ripemd160"},
        {"RIPEMD160", "ripemd", "ripemd160"},
        {"mbedtls_ripemd160", "ripemd", "ripemd160"},
        {"nettle_ripemd160", "ripemd", "ripemd160"},
        {"RSA_", "rsa", "rsa"},
        {"EVP_PKEY_CTX_set_rsa", "rsa", "rsa"},
        {"mbedtls_rsa_", "rsa", "rsa"},
        {"nettle_rsa_", "rsa", "rsa"},
        {"DSA_", "dsa", "dsa"},
        {"nettle_dsa_", "dsa", "dsa"},
        {"EC_KEY_", "ecc", "ecc"},
        {"ECDSA_", "ecc", "ecc"},
        {"ECDH_", "ecc", "ecc"},
        {"mbedtls_ecp_", "ecc", "ecc"},
        {"mbedtls_ecdsa_", "ecc", "ecc"},
        {"nettle_ecc_", "ecc", "ecc"},
        {"nettle_ecdsa_", "ecc", "ecc"},
        {"crypto_scalarmult", "ecc", "curve25519"},
        {"crypto_box", "ecc", "curve25519"},
        {"crypto_sign", "ecc", "ed25519"},
        {"BN_", "bignum", "multi-precision"},
        {"mbedtls_mpi_", "bignum", "multi-precision"},
        {"__gmpz_", "bignum", "multi-precision"},
        {"__gmpn_", "bignum", "multi-precision"},
        {"crc32", "crc", "crc32"},
        {"adler32", "adler", "adler32"},
};

typedef struct calg {
	uint32_t id;
	const char *name, *family, *algorithm;
} calg;

/* CryptoAPI algorithm identifiers (wincrypt.h). */
static const calg calgs[] = {
        {0x6601, "CALG_DES", "des", "des"},         {0x6603, "CALG_3DES", "des", "3des"},
        {0x6609, "CALG_3DES_112", "des", "3des"},   {0x660e, "CALG_AES_128", "aes", "aes"},
        {0x660f, "CALG_AES_192", "aes", "aes"},     {0x6610, "CALG_AES_256", "aes", "aes"},
        {0x6611, "CALG_AES", "aes", "aes"},         {0x6801, "CALG_RC4", "rc4", "rc4"},
        {0x8002, "CALG_MD4", "md4", "md4"},         {0x8003, "CALG_MD5", "md5", "md5"},
        {0x8004, "CALG_SHA1", "sha1", "sha1"},      {0x800c, "CALG_SHA_256", "sha2", "sha256"},
        {0x800d, "CALG_SHA_384", "sha2", "sha384"}, {0x800e, "CALG_SHA_512", "sha2", "sha512"},
        {0xa400, "CALG_RSA_KEYX", "rsa", "rsa"},    {0x2400, "CALG_RSA_SIGN", "rsa", "rsa"},
        {0x2200, "CALG_DSS_SIGN", "dsa", "dsa"},    {0xaa05, "CALG_ECDH", "ecc", "ecc"},
        {0x2203, "CALG_ECDSA", "ecc", "ecc"},
};

/* CNG algorithm identifiers (bcrypt.h), passed as UTF-16 strings. */
static const prefix_map cng_names[] = {
        {"AES", "aes", "aes"},         {"DES", "des", "des"},         {"3DES", "des", "3des"},
        {"3DES_112", "des", "3des"},   {"RC4", "rc4", "rc4"},         {"MD4", "md4", "md4"},
        {"MD5", "md5", "md5"},         {"SHA1", "sha1", "sha1"},      {"SHA256", "sha2", "sha256"},
        {"SHA384", "sha2", "sha384"},  {"SHA512", "sha2", "sha512"},  {"RSA", "rsa", "rsa"},
        {"DSA", "dsa", "dsa"},         {"ECDH_P256", "ecc", "p256"},  {"ECDH_P384", "ecc", "p384"},
        {"ECDH_P521", "ecc", "p521"},  {"ECDSA_P256", "ecc", "p256"}, {"ECDSA_P384", "ecc", "p384"},
        {"ECDSA_P521", "ecc", "p521"}, {"ECDH", "ecc", "ecc"},        {"ECDSA", "ecc", "ecc"},
};

static const char *func_of(const char *import)
{
	const char *bang = strchr(import, '!');
	return bang ? bang + 1 : import;
}

static bool is_capi(const char *name)
{
	static const char *const fns[] = {"CryptAcquireContext",  "CryptCreateHash",  "CryptHashData",
	                                  "CryptDeriveKey",       "CryptEncrypt",     "CryptDecrypt",
	                                  "CryptGenKey",          "CryptImportKey",   "CryptExportKey",
	                                  "CryptSignHash",        "CryptSetKeyParam", "CryptGetHashParam",
	                                  "CryptVerifySignature", "CryptGenRandom",   "CryptDestroyKey"};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strncmp(name, fns[i], strlen(fns[i])) == 0) return true;
	return false;
}

static bool is_cng(const char *name)
{
	return strncmp(name, "BCrypt", 6) == 0 || strncmp(name, "NCrypt", 6) == 0;
}

/* A UTF-16LE NUL-terminated ASCII string at va, into out; false if none. */
static bool utf16_at(const lineage_binary *bin, uint64_t va, char *out, size_t cap)
{
	const uint8_t *p;
	uint64_t avail;
	if (lineage_binary_va_bytes(&p, &avail, bin, va) != 0) return false;
	size_t n = 0;
	for (uint64_t i = 0; i + 1 < avail && n + 1 < cap; i += 2) {
		if (p[i + 1]) return false;
		if (!p[i]) {
			out[n] = 0;
			return n > 0;
		}
		if (p[i] < 0x20 || p[i] > 0x7e) return false;
		out[n++] = (char)p[i];
	}
	return false;
}

/* CALG identifiers and CNG names used by functions that call the API. */
static void api_arguments(ln_crypto *c, const lineage_function *fn, bool capi, bool cng)
{
	for (uint32_t k = 0; k < fn->nnotes; k++) {
		const lineage_note *nt = &fn->notes[k];
		if (capi && nt->kind == LINEAGE_NOTE_IMM)
			for (size_t i = 0; i < sizeof(calgs) / sizeof(calgs[0]); i++)
				if (nt->value == calgs[i].id) {
					lineage_crypto_finding *f = ln_crypto_add(
					        c, calgs[i].family, calgs[i].algorithm, "api", "api:cryptoapi",
					        ln_crypto_fmt(c, "%s passed to CryptoAPI", calgs[i].name),
					        calgs[i].name);
					if (!f) return;
					f->flags |= LINEAGE_CRYPTO_LIBRARY;
					ln_crypto_at_va(c, f, nt->va, 0);
				}
		char s[32];
		if (cng && nt->kind == LINEAGE_NOTE_REF && utf16_at(c->bin, nt->value, s, sizeof(s)))
			for (size_t i = 0; i < sizeof(cng_names) / sizeof(cng_names[0]); i++)
				if (strcmp(s, cng_names[i].prefix) == 0) {
					lineage_crypto_finding *f = ln_crypto_add(
					        c, cng_names[i].family, cng_names[i].algorithm, "api", "api:cng",
					        ln_crypto_fmt(c, "CNG algorithm L\"%s\"", s), s);
					if (!f) return;
					f->flags |= LINEAGE_CRYPTO_LIBRARY;
					ln_crypto_at_va(c, f, nt->va, 0);
				}
	}
}

void ln_crypto_imports(ln_crypto *c)
{
	const lineage_binary *bin = c->bin;
	bool capi = false, cng = false;
	/* one finding per imported crypto function */
	for (size_t i = 0; i < bin->nimports && !c->oom; i++) {
		const char *name = bin->imports[i].name;
		if (!name) continue;
		const char *fam = NULL, *alg = NULL;
		if (is_capi(name)) {
			fam = alg = "cryptoapi";
			capi = true;
		} else if (is_cng(name)) {
			fam = alg = "cng";
			cng = true;
		} else {
			size_t best = 0;
			for (size_t k = 0; k < sizeof(lib_names) / sizeof(lib_names[0]); k++) {
				size_t l = strlen(lib_names[k].prefix);
				if (l > best && strncmp(name, lib_names[k].prefix, l) == 0) {
					best = l;
					fam = lib_names[k].family;
					alg = lib_names[k].algorithm;
				}
			}
		}
		if (!fam) continue;
		char src[160];
		snprintf(src, sizeof(src), "import:%s", name);
		const char *lib = bin->imports[i].library ? bin->imports[i].library : "";
		lineage_crypto_finding *f =
		        ln_crypto_add(c, fam, alg, "import", src,
		                      ln_crypto_fmt(c, "imports %s%s%s", name, *lib ? " from " : "", lib), NULL);
		if (!f) return;
		f->flags |= LINEAGE_CRYPTO_LIBRARY;
		if (bin->imports[i].slot) {
			f->va = bin->imports[i].slot;
			f->flags |= LINEAGE_CRYPTO_HAS_VA;
		}
	}
	if (!capi && !cng) return;
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(c->s, &nf);
	for (size_t i = 0; i < nf && !c->oom; i++) {
		bool fc = false, fg = false;
		for (uint32_t k = 0; k < fns[i].ncalls; k++) {
			const char *im = fns[i].calls[k].import;
			if (!im) continue;
			fc |= is_capi(func_of(im));
			fg |= is_cng(func_of(im));
		}
		if (fc || fg) api_arguments(c, &fns[i], fc, fg);
	}
}
