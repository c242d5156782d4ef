/* Unit tests of the YARA rule writer: which operand bytes become wildcards
 * (instructions hand-encoded; encodings and operand meanings checked with
 * objdump -D -b binary), the hex form, and lineage_yara_generate on a small
 * corpus of fixtures (recall, false positives, missing files, an unknown
 * family). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lineage.h"
#include "sig/sig.h"

#define TEST_DIR "/tmp/lineage-yara-XXXXXX"
#include "../test_fixture_env.h"

/* The wildcards of mask as a string of offsets "1-4,8-11" (runs). */
static void runs(char *out, size_t cap, const uint8_t *mask, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (mask[i]) continue;
		size_t j = i;
		while (j + 1 < n && !mask[j + 1]) j++;
		len += (size_t)snprintf(out + len, cap - len, "%s%zu-%zu", len ? "," : "", i, j);
		i = j;
	}
}

/* x86-64 at 0x1000, the function [0x1000, 0x1028), the image [0x400000, 0x500000):
 *   1000 e8 00 00 10 00            call 0x101005           target outside: 1-4
 *   1005 48 8b 05 78 56 34 12      mov rax, [rip+0x12345678]          RIP: 8-11
 *   100c 8b 47 10                  mov eax, [rdi+0x10]     a field offset: kept
 *   100f b8 00 10 40 00            mov eax, 0x401000       in the image: 16-19
 *   1014 eb 02                     jmp 0x1018              inside: kept
 *   1016 48 8b 04 c5 00 20 40 00   mov rax, [rax*8+0x402000]   no base: 26-29
 *   101e 48 b8 00 10 40 00 0 0 0 0 movabs rax, 0x401000    in the image: 32-39 */
static const uint8_t x64[] = {0xe8, 0x00, 0x00, 0x10, 0x00, 0x48, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12, 0x8b, 0x47,
                              0x10, 0xb8, 0x00, 0x10, 0x40, 0x00, 0xeb, 0x02, 0x48, 0x8b, 0x04, 0xc5, 0x00, 0x20,
                              0x40, 0x00, 0x48, 0xb8, 0x00, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00};

static void test_mask_x64(void **state)
{
	(void)state;
	uint8_t mask[sizeof(x64)];
	uint32_t ends[16];
	size_t nins;
	char got[200];
	ln_sig_env env = {.bits = 64, .fn_lo = 0x1000, .fn_hi = 0x1028, .img_lo = 0x400000, .img_hi = 0x500000};
	assert_int_equal(ln_sig_mask(mask, ends, 16, &nins, x64, sizeof(x64), 0x1000, &env), sizeof(x64));
	assert_int_equal(nins, 7);
	const uint32_t want_ends[] = {5, 12, 15, 20, 22, 30, 40};
	for (size_t i = 0; i < 7; i++) assert_int_equal(ends[i], want_ends[i]);
	runs(got, sizeof(got), mask, sizeof(x64));
	assert_string_equal(got, "1-4,8-11,16-19,26-29,32-39");

	/* position-independent code (no image range): constants stay, addresses
	 * reached through RIP or a table still go */
	env.img_lo = env.img_hi = 0;
	ln_sig_mask(mask, NULL, 0, NULL, x64, sizeof(x64), 0x1000, &env);
	runs(got, sizeof(got), mask, sizeof(x64));
	assert_string_equal(got, "1-4,8-11,26-29");

	/* a function that ends before the jmp's target: its rel8 goes too */
	env.fn_hi = 0x1016;
	ln_sig_mask(mask, NULL, 0, NULL, x64, sizeof(x64), 0x1000, &env);
	runs(got, sizeof(got), mask, sizeof(x64));
	assert_string_equal(got, "1-4,8-11,21-21,26-29");

	/* the call's target inside the function: kept */
	env.fn_hi = 0x200000;
	ln_sig_mask(mask, NULL, 0, NULL, x64, sizeof(x64), 0x1000, &env);
	runs(got, sizeof(got), mask, sizeof(x64));
	assert_string_equal(got, "8-11,26-29");
}

/* i386 at 0x401000, the function [0x401000, 0x401020):
 *   401000 ff 15 00 20 40 00        call [0x402000]              absolute: 2-5
 *   401006 8b 84 81 00 30 40 00     mov eax, [ecx+eax*4+0x403000] table in the image: 9-12
 *   40100d 8b 81 00 01 00 00        mov eax, [ecx+0x100]         kept
 *   401013 68 00 00 40 00           push 0x400000                in the image: 20-23
 *   401018 e8 00 00 00 00           call 0x40101d                inside: kept
 *   40101d 75 fe                    jne 0x40101d                 inside: kept */
static const uint8_t x86[] = {0xff, 0x15, 0x00, 0x20, 0x40, 0x00, 0x8b, 0x84, 0x81, 0x00, 0x30,
                              0x40, 0x00, 0x8b, 0x81, 0x00, 0x01, 0x00, 0x00, 0x68, 0x00, 0x00,
                              0x40, 0x00, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x75, 0xfe};

static void test_mask_x86(void **state)
{
	(void)state;
	uint8_t mask[sizeof(x86)];
	char got[200];
	ln_sig_env env = {.bits = 32, .fn_lo = 0x401000, .fn_hi = 0x401020, .img_lo = 0x400000, .img_hi = 0x410000};
	assert_int_equal(ln_sig_mask(mask, NULL, 0, NULL, x86, sizeof(x86), 0x401000, &env), sizeof(x86));
	runs(got, sizeof(got), mask, sizeof(x86));
	assert_string_equal(got, "2-5,9-12,20-23");

	/* without an image range, a relocation alone marks the push's operand */
	const uint64_t relocs[] = {0x401014};
	const uint8_t widths[] = {4};
	env.img_lo = env.img_hi = 0;
	env.relocs = relocs;
	env.reloc_width = widths;
	env.nrelocs = 1;
	ln_sig_mask(mask, NULL, 0, NULL, x86, sizeof(x86), 0x401000, &env);
	runs(got, sizeof(got), mask, sizeof(x86));
	assert_string_equal(got, "2-5,20-23");
	env.nrelocs = 0;
	ln_sig_mask(mask, NULL, 0, NULL, x86, sizeof(x86), 0x401000, &env);
	runs(got, sizeof(got), mask, sizeof(x86));
	assert_string_equal(got, "2-5");

	/* bytes that do not decode end the walk */
	const uint8_t bad[] = {0x8b, 0x47, 0x10, 0x0f, 0xff};
	assert_int_equal(ln_sig_mask(mask, NULL, 0, NULL, bad, sizeof(bad), 0x401000, &env), 3);
	/* an instruction cut by the end of the bytes is not taken */
	assert_int_equal(ln_sig_mask(mask, NULL, 0, NULL, x86, 4, 0x401000, &env), 0);
}

static void test_hex(void **state)
{
	(void)state;
	const uint8_t b[] = {0xe8, 0x01, 0x02, 0x03, 0x04, 0xc3};
	const uint8_t m[] = {1, 0, 0, 0, 0, 1};
	char out[3 * sizeof(b)];
	ln_sig_hex(out, b, m, sizeof(b));
	assert_string_equal(out, "E8 ?? ?? ?? ?? C3");
}

static const char *fixture(const char *name)
{
	static char buf[4][700];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx, name);
	return buf[k];
}

static void add(lineage_corpus *c, const char *path, const char *family, int lib)
{
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);
	lineage_labels l = {family, lib ? NULL : "Test Actor", NULL, "unit test", lib};
	int added;
	assert_int_equal(lineage_corpus_add(c, ctx, s, &l, &added), 0);
	assert_int_equal(added, 1);
	lineage_sample_free(s);
}

static void copy(const char *from, const char *to)
{
	char cmd[2000];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
	return n;
}

/* Kin (kin_a and kin_b, gcc and mingw32) against Features and the runtime
 * probes: every Kin sample hit, nothing else; a Kin sample whose file is
 * gone is skipped and named; an unknown family is refused by name. */
static void test_generate(void **state)
{
	(void)state;
	char db[800], gone[800];
	snprintf(db, sizeof(db), "%s/c.db", dir);
	snprintf(gone, sizeof(gone), "%s/kin_b-clang-O2", dir);
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, db, LINEAGE_CORPUS_CREATE), 0);
	const char *kin[] = {"kin_a-gcc-O2", "kin_b-gcc-O2", "kin_a-mingw32-O2.exe", "kin_b-mingw32-O2.exe"};
	for (int i = 0; i < 4; i++) add(c, fixture(kin[i]), "Kin", 0);
	copy(fixture("kin_b-clang-O2"), gone);
	add(c, gone, "Kin", 0);
	assert_int_equal(unlink(gone), 0);
	add(c, fixture("features-gcc-O2"), "Features", 0);
	add(c, fixture("features-mingw32-O2.exe"), "Features", 0);
	add(c, fixture("runtime_probe-gcc-O2"), "runtime", 1);
	add(c, fixture("runtime_probe-mingw32-O2.exe"), "runtime", 1);

	/* an extra file outside the family, and one of the family's own (ignored) */
	const char *extra[] = {fixture("keyed_a-gcc-O2"), fixture("kin_a-gcc-O2")};
	lineage_yara_options opt = {.verify = extra, .nverify = 2, .date = "2020-01-02"};
	lineage_yara_rule *r = NULL;
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "Kin", &opt), 0);
	assert_non_null(r);
	assert_string_equal(r->name, "lineage_Kin");
	assert_string_equal(r->actor, "Test Actor");
	assert_int_equal(r->nsamples, 5);
	assert_int_equal(r->samples_read, 4);
	assert_int_equal(r->samples_hit, 4);
	assert_int_equal(r->nfalse_positives, 0);
	assert_int_equal(r->corpus_files, 4);
	assert_int_equal(r->extra_files, 1);
	assert_true(r->nstrings >= 2 && r->nstrings <= LINEAGE_YARA_MAX_STRINGS);
	assert_true(r->min_hits >= 1 && r->min_hits <= LINEAGE_YARA_MIN_HITS);
	assert_string_equal(r->format, "(uint16(0) == 0x5A4D or uint32(0) == 0x464C457F)");
	size_t gone_seen = 0;
	for (size_t i = 0; i < r->nsamples; i++) {
		const lineage_yara_sample *s = &r->samples[i];
		if (!strcmp(s->path, gone)) {
			assert_int_equal(s->status, LINEAGE_YARA_SAMPLE_GONE);
			assert_non_null(s->message);
			gone_seen++;
		} else {
			assert_int_equal(s->status, LINEAGE_YARA_SAMPLE_HIT);
			assert_true(s->hits >= r->min_hits);
		}
	}
	assert_int_equal(gone_seen, 1);
	for (size_t i = 0; i < r->nstrings; i++) {
		const lineage_yara_string *s = &r->strings[i];
		/* the hex form has one ?? per wildcard and agrees with the counts */
		assert_int_equal(count(s->hex, "??"), s->length - s->fixed);
		assert_int_equal(strlen(s->hex), 3 * (size_t)s->length - 1);
		assert_true(s->fixed >= LINEAGE_YARA_MIN_FIXED && s->length <= LINEAGE_YARA_MAX_PATTERN);
		assert_true(s->samples_hit >= 1);
		assert_true(strstr(r->text, s->hex) != NULL);
	}
	assert_non_null(strstr(r->text, "rule lineage_Kin\n"));
	assert_non_null(strstr(r->text, "family = \"Kin\""));
	assert_non_null(strstr(r->text, "actor = \"Test Actor\""));
	assert_non_null(strstr(r->text, "date = \"2020-01-02\""));
	assert_non_null(strstr(r->text, "samples = 4"));
	char cond[100];
	snprintf(cond, sizeof(cond), "%u of ($f*)", r->min_hits);
	assert_non_null(strstr(r->text, cond));
	lineage_yara_rule_free(r);

	/* a count set above what the family's code gives is not lowered (only
	 * capped at the strings found): the samples it cannot reach are missed */
	opt = (lineage_yara_options){.min_hits = 40, .max_strings = 40, .date = "2020-01-02"};
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "Kin", &opt), 0);
	assert_true(r->nstrings < 40);
	assert_int_equal(r->min_hits, r->nstrings);
	assert_true(r->samples_hit < r->samples_read);
	lineage_yara_rule_free(r);

	/* bad requests */
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "NoSuchFamily", NULL), LINEAGE_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(lineage_errmsg(ctx), "'NoSuchFamily'"));
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "runtime", NULL), LINEAGE_ENOTFOUND);
	opt = (lineage_yara_options){.min_hits = 5, .max_strings = 4};
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "Kin", &opt), LINEAGE_EINVAL);
	assert_int_equal(lineage_yara_generate(&r, c, ctx, "", NULL), LINEAGE_EINVAL);
	lineage_yara_rule_free(NULL);
	lineage_corpus_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mask_x64),
	        cmocka_unit_test(test_mask_x86),
	        cmocka_unit_test(test_hex),
	        cmocka_unit_test(test_generate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
