/* Unit tests of the crypto axis on inputs built in memory: rule loading and its
 * errors, key blobs and PEM keys (key ids computed here independently with
 * OpenSSL), Base64 alphabets, API-name hashes in a raw blob, and the traits
 * drawn from the findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "lineage.h"
#include "../test_files.h"

static lineage_ctx *ctx;
static lineage_rules *rules;
static char tmpdir[] = "/tmp/lineage-crypto-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (lineage_ctx_new(&ctx) != 0 || !mkdtemp(tmpdir)) return -1;
	if (lineage_rules_load(&rules, ctx, NULL) != 0) return -1; /* the source tree's rules */
	lineage_ctx_set_rules(ctx, rules);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	lineage_rules_free(rules);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Analyse bytes as a raw blob; the caller frees the sample. */
static lineage_sample *blob(const void *p, size_t n)
{
	lineage_sample *s = NULL;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, p, n, "blob.bin"), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL), 0);
	return s;
}

static const lineage_crypto_finding *find(const lineage_sample *s, const char *source)
{
	size_t n;
	const lineage_crypto_finding *f = lineage_sample_crypto(s, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].source, source)) return &f[i];
	return NULL;
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	write_text(p, text);
}

static void test_rules_load(void **state)
{
	(void)state;
	assert_true(lineage_rules_count(rules) > 200);
	lineage_rules *r = NULL;
	char p[256];
	snprintf(p, sizeof(p), "%s/none", tmpdir);
	assert_int_equal(lineage_rules_load(&r, ctx, p), LINEAGE_EIO);
	assert_null(r);
	assert_non_null(strstr(lineage_errmsg(ctx), "no such rules folder"));
	snprintf(p, sizeof(p), "%s/empty", tmpdir);
	mkdir(p, 0700);
	assert_int_equal(lineage_rules_load(&r, ctx, p), LINEAGE_EIO);
	assert_non_null(strstr(lineage_errmsg(ctx), "no rule file (.yar, .yml)"));
	write_file("a.yar", "rule fine { strings: $a = \"abc\" condition: $a }\n");
	write_file("b.yar", "rule bad {\n condition: $missing\n}\n");
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "/b.yar:"));
	assert_non_null(strstr(lineage_errmsg(ctx), "undefined string"));
	snprintf(p, sizeof(p), "%s/b.yar", tmpdir);
	unlink(p);
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), 0);
	assert_int_equal(lineage_rules_count(r), 1);
	lineage_rules_free(r);
}

/* The key id: "rsa:sha256:" and the first 16 bytes of SHA-256 of the modulus. */
static void key_id(char out[64], const uint8_t *mod_be, size_t n)
{
	unsigned char h[32];
	unsigned hl = 0;
	assert_true(EVP_Digest(mod_be, n, h, &hl, EVP_sha256(), NULL));
	strcpy(out, "rsa:sha256:");
	for (int i = 0; i < 16; i++) snprintf(out + 11 + 2 * i, 3, "%02x", h[i]);
}

static void test_capi_and_bcrypt_blobs(void **state)
{
	(void)state;
	/* the same made-up 1024-bit modulus in both blob layouts, in one blob */
	uint8_t mod[128];
	for (int i = 0; i < 128; i++) mod[i] = (uint8_t)(0xc1 + 7 * i);
	uint8_t buf[512] = {0};
	size_t at = 16;
	const uint8_t hdr[] = {0x06, 0x02, 0x00, 0x00, 0x00, 0xa4, 0x00, 0x00, 'R',  'S',
	                       'A',  '1',  0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00};
	memcpy(buf + at, hdr, sizeof(hdr));
	for (int i = 0; i < 128; i++) buf[at + sizeof(hdr) + i] = mod[127 - i]; /* little-endian */
	at = 200;
	const uint8_t bh[] = {'R', 'S', 'A', '1', 0x00, 0x04, 0x00, 0x00, 0x03, 0, 0,    0,    0x80, 0,
	                      0,   0,   0,   0,   0,    0,    0,    0,    0,    0, 0x01, 0x00, 0x01};
	memcpy(buf + at, bh, sizeof(bh));
	memcpy(buf + at + sizeof(bh), mod, 128);
	lineage_sample *s = blob(buf, sizeof(buf));
	char want[64];
	key_id(want, mod, sizeof(mod));
	const lineage_crypto_finding *a = find(s, "rule:capi-key-blob"), *b = find(s, "rule:bcrypt-key-blob");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->value, want);
	assert_string_equal(b->value, want);
	assert_int_equal(a->offset, 16);
	assert_int_equal(b->offset, 200);
	assert_true(a->flags & LINEAGE_CRYPTO_MATERIAL);
	assert_non_null(strstr(a->description, "RSA-1024 public key"));
	/* one trait for the key, material */
	size_t nt;
	const lineage_trait *t = lineage_sample_traits(s, &nt);
	size_t mat = 0;
	for (size_t i = 0; i < nt; i++)
		if (t[i].kind == LINEAGE_TRAIT_MATERIAL) {
			mat++;
			assert_non_null(strstr(t[i].token, want));
			assert_string_equal(t[i].axis, "crypto");
		}
	assert_int_equal(mat, 1);
	lineage_sample_free(s);
	/* a blob whose length field does not fit gives nothing */
	buf[16 + 13] = 0x40; /* 16 Kbit claimed, 512 bytes present */
	s = blob(buf, 180);
	assert_null(find(s, "rule:capi-key-blob"));
	lineage_sample_free(s);
}

static void test_pem_dsa_is_not_rsa(void **state)
{
	(void)state;
	/* a traditional DSA private key: SEQUENCE { 0, p, q, g, y, x } with made-up numbers */
	uint8_t der[800];
	size_t n = 0;
	der[n++] = 0x30, der[n++] = 0x82, n += 2;
	der[n++] = 0x02, der[n++] = 0x01, der[n++] = 0x00;
	for (int k = 0; k < 5; k++) {
		der[n++] = 0x02, der[n++] = 0x81, der[n++] = 0x80;
		for (int i = 0; i < 128; i++) der[n++] = (uint8_t)(0x11 * (k + 1) + i) | 0x01;
		der[n - 128] &= 0x7f;
	}
	der[2] = (uint8_t)((n - 4) >> 8), der[3] = (uint8_t)(n - 4);
	/* Base64 of it inside PEM armour */
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char pem[1200];
	size_t o = (size_t)sprintf(pem, "xx\n-----BEGIN DSA PRIVATE KEY-----\n");
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < n ? der[i + 1] : 0) << 8 | (i + 2 < n ? der[i + 2] : 0);
		pem[o++] = b64[v >> 18 & 63];
		pem[o++] = b64[v >> 12 & 63];
		pem[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		pem[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	o += (size_t)sprintf(pem + o, "\n-----END DSA PRIVATE KEY-----\n");
	lineage_sample *s = blob(pem, o);
	const lineage_crypto_finding *f = find(s, "rule:pem");
	assert_non_null(f);
	assert_string_equal(f->family, "dsa");
	assert_non_null(strstr(f->description, "DSA private key"));
	unsigned char h[32];
	unsigned hl;
	assert_true(EVP_Digest(der, n, h, &hl, EVP_sha256(), NULL));
	char want[64];
	strcpy(want, "dsa:sha256:");
	for (int i = 0; i < 16; i++) snprintf(want + 11 + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(f->value, want);
	lineage_sample_free(s);
}

static void test_alphabets(void **state)
{
	(void)state;
	static const char data[] = "\0QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm9876543210+/\0"
	                           "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\0"
	                           "$._ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789\0";
	lineage_sample *s = blob(data, sizeof(data));
	size_t n, custom = 0, crypt = 0;
	const lineage_crypto_finding *f = lineage_sample_crypto(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].kind, "alphabet")) continue;
		if (!strcmp(f[i].algorithm, "base64-custom")) {
			custom++;
			assert_string_equal(f[i].value, data + 1);
			assert_int_equal(f[i].offset, 1);
			assert_true(f[i].flags & LINEAGE_CRYPTO_MATERIAL);
		} else if (!strcmp(f[i].algorithm, "base64-crypt")) {
			crypt++;
			assert_false(f[i].flags & LINEAGE_CRYPTO_MATERIAL);
		}
	}
	assert_int_equal(custom, 1); /* the 65-character identifier set is no alphabet */
	assert_int_equal(crypt, 1);
	lineage_sample_free(s);
}

static uint32_t ror13(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) h = (h >> 13 | h << 19) + (uint8_t)*s;
	return h;
}

static void test_api_hashes_raw(void **state)
{
	(void)state;
	uint8_t sc[32] = {0x90, 0x90, 0x68};
	uint32_t a = ror13("LoadLibraryA"), b = ror13("GetProcAddress");
	assert_int_equal(a, 0xec0e4e8eu); /* the value shellcode pushes */
	memcpy(sc + 3, &a, 4);
	sc[7] = 0x68;
	memcpy(sc + 8, &b, 4);
	lineage_sample *s = blob(sc, sizeof(sc));
	const lineage_crypto_finding *f = find(s, "const:api-hash-ror13");
	assert_non_null(f);
	assert_string_equal(f->value, "LoadLibraryA,GetProcAddress");
	assert_true(f->flags & LINEAGE_CRYPTO_HAS_OFFSET);
	assert_false(f->flags & LINEAGE_CRYPTO_HAS_VA); /* a raw blob has no addresses */
	assert_int_equal(f->offset, 3);
	size_t nt;
	const lineage_trait *t = lineage_sample_traits(s, &nt);
	bool variant = false;
	for (size_t i = 0; i < nt; i++)
		if (!strcmp(t[i].token, "crypto:variant:api-hash:ror13:")) variant = t[i].kind == LINEAGE_TRAIT_VARIANT;
	assert_true(variant);
	lineage_sample_free(s);
	/* one name is not enough */
	s = blob(sc, 7);
	assert_null(find(s, "const:api-hash-ror13"));
	lineage_sample_free(s);
}

static void test_trait_names(void **state)
{
	(void)state;
	assert_string_equal(lineage_trait_kind_name(LINEAGE_TRAIT_COMMON), "common");
	assert_string_equal(lineage_trait_kind_name(LINEAGE_TRAIT_BUILD), "build");
	assert_string_equal(lineage_trait_kind_name(LINEAGE_TRAIT_VARIANT), "variant");
	assert_string_equal(lineage_trait_kind_name(LINEAGE_TRAIT_MATERIAL), "material");
	assert_string_equal(lineage_trait_kind_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rules_load),         cmocka_unit_test(test_capi_and_bcrypt_blobs),
	        cmocka_unit_test(test_pem_dsa_is_not_rsa), cmocka_unit_test(test_alphabets),
	        cmocka_unit_test(test_api_hashes_raw),     cmocka_unit_test(test_trait_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
