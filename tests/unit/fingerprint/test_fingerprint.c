/* Unit tests of lib/fingerprint: normalization is independent of load address
 * and relocation, keeps small constants, MinHash estimates Jaccard, and the
 * file hashes agree with independent tools (sha256sum, md5sum, ssdeep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fingerprint/fingerprint.h"
#include "lineage.h"

static uint32_t token_of(const uint8_t *code, size_t len, ZydisMachineMode mode, char *text, size_t cap)
{
	ZydisDecoder d;
	ZydisDecoderInit(&d, mode, mode == ZYDIS_MACHINE_MODE_LONG_64 ? ZYDIS_STACK_WIDTH_64 : ZYDIS_STACK_WIDTH_32);
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, code, len, &insn, ops)));
	if (text) ln_fp_token_text(text, cap, &insn, ops);
	return ln_fp_token(&insn, ops);
}

#define TOK64(...)                                                                                                     \
	({                                                                                                             \
		static const uint8_t c_[] = {__VA_ARGS__};                                                             \
		token_of(c_, sizeof(c_), ZYDIS_MACHINE_MODE_LONG_64, NULL, 0);                                         \
	})
#define TOK32(...)                                                                                                     \
	({                                                                                                             \
		static const uint8_t c_[] = {__VA_ARGS__};                                                             \
		token_of(c_, sizeof(c_), ZYDIS_MACHINE_MODE_LEGACY_32, NULL, 0);                                       \
	})

static void test_addresses_masked(void **state)
{
	(void)state;
	/* call rel32 to two different targets */
	assert_int_equal(TOK64(0xe8, 0x10, 0x00, 0x00, 0x00), TOK64(0xe8, 0x00, 0x20, 0x30, 0x00));
	/* lea rax,[rip+X] with different X */
	assert_int_equal(TOK64(0x48, 0x8d, 0x05, 0x11, 0x22, 0x00, 0x00),
	                 TOK64(0x48, 0x8d, 0x05, 0x00, 0x10, 0x00, 0x00));
	/* i386 absolute: mov eax,[0x403000] vs [0x10403000] (relocated) */
	assert_int_equal(TOK32(0xa1, 0x00, 0x30, 0x40, 0x00), TOK32(0xa1, 0x00, 0x30, 0x40, 0x10));
	/* push imm32 of an address vs another address */
	assert_int_equal(TOK32(0x68, 0x00, 0x30, 0x40, 0x00), TOK32(0x68, 0x44, 0x55, 0x41, 0x00));
}

static void test_constants_and_registers_kept(void **state)
{
	(void)state;
	/* add eax,1 vs add eax,2: small constants are kept */
	assert_int_not_equal(TOK64(0x83, 0xc0, 0x01), TOK64(0x83, 0xc0, 0x02));
	/* mov eax,ecx vs mov eax,edx: same register class, same token */
	assert_int_equal(TOK64(0x89, 0xc8), TOK64(0x89, 0xd0));
	/* mov eax,ecx vs mov rax,rcx: different width */
	assert_int_not_equal(TOK64(0x89, 0xc8), TOK64(0x48, 0x89, 0xc8));
	/* [rsp+8] vs [rbx+8]: the stack pointer keeps its identity */
	assert_int_not_equal(TOK64(0x48, 0x8b, 0x44, 0x24, 0x08), TOK64(0x48, 0x8b, 0x43, 0x08));
	/* different mnemonics */
	assert_int_not_equal(TOK64(0x31, 0xc0), TOK64(0x29, 0xc0));
	char text[128];
	static const uint8_t lea[] = {0x48, 0x8d, 0x05, 0x11, 0x22, 0x00, 0x00};
	token_of(lea, sizeof(lea), ZYDIS_MACHINE_MODE_LONG_64, text, sizeof(text));
	assert_string_equal(text, "lea gpr64, [rip+ADDR]");
	static const uint8_t add[] = {0x48, 0x83, 0x44, 0x24, 0x08, 0x10};
	token_of(add, sizeof(add), ZYDIS_MACHINE_MODE_LONG_64, text, sizeof(text));
	assert_string_equal(text, "add [rsp+8], 0x10");
}

static void fill(lineage_function *f, uint32_t *toks, size_t n, uint32_t seed, size_t change_from)
{
	for (size_t i = 0; i < n; i++)
		toks[i] = i < change_from ? (uint32_t)(i * 2654435761u) : (uint32_t)(i * seed + 7);
	memset(f, 0, sizeof(*f));
	f->tokens = toks;
	f->ninsn = (uint32_t)n;
	ln_fp_function(f);
}

static void test_minhash(void **state)
{
	(void)state;
	static uint32_t t1[400], t2[400], t3[400];
	lineage_function a, b, c;
	fill(&a, t1, 400, 1, 400);
	fill(&b, t2, 400, 3, 300); /* 3/4 of the tokens shared */
	fill(&c, t3, 400, 5, 0);   /* nothing shared */
	double ab = lineage_minhash_similarity(a.minhash, b.minhash);
	double ac = lineage_minhash_similarity(a.minhash, c.minhash);
	assert_true(ab > 0.45 && ab < 0.85); /* true Jaccard of the 3-grams is about 0.6 */
	assert_true(ac < 0.1);
	assert_true(lineage_minhash_similarity(a.minhash, a.minhash) == 1.0);
	assert_true(a.exact_hash != b.exact_hash);
	lineage_function a2;
	static uint32_t t4[400];
	fill(&a2, t4, 400, 1, 400);
	assert_true(a.exact_hash == a2.exact_hash);
	/* a one-instruction function still gets a full signature */
	lineage_function one;
	fill(&one, t4, 1, 1, 1);
	for (int i = 0; i < LINEAGE_MINHASH_K; i++) assert_int_not_equal(one.minhash[i], UINT32_MAX);
}

static void run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	pclose(p);
}

static void test_file_hashes_match_tools(void **state)
{
	(void)state;
	const char *path = "/usr/bin/ls";
	lineage_ctx *ctx;
	assert_int_equal(lineage_ctx_new(&ctx), 0);
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_HASHES), 0);
	const lineage_file_hashes *h = lineage_sample_hashes(s);
	char out[4096];
	run("sha256sum /usr/bin/ls | cut -c1-64", out, sizeof(out));
	assert_int_equal(strncmp(out, h->sha256, 64), 0);
	run("md5sum /usr/bin/ls | cut -c1-32", out, sizeof(out));
	assert_int_equal(strncmp(out, h->md5, 32), 0);
	run("ssdeep -s -b /usr/bin/ls | tail -1 | cut -d, -f1", out, sizeof(out));
	assert_int_equal(strncmp(out, h->ssdeep, strlen(h->ssdeep)), 0);
	assert_true(strlen(h->tlsh) >= 70);
	run("tlsh -f /usr/bin/ls 2>/dev/null | cut -f1", out, sizeof(out));
	if (out[0]) assert_int_equal(strncasecmp(out, h->tlsh, strlen(h->tlsh)), 0);
	lineage_sample_free(s);
	lineage_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_addresses_masked),
	        cmocka_unit_test(test_constants_and_registers_kept),
	        cmocka_unit_test(test_minhash),
	        cmocka_unit_test(test_file_hashes_match_tools),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
