/* Unit tests of lib/util: arena, vectors, the bounded reader, the allocator,
 * Aho-Corasick and the string scanner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "util/util.h"

static void test_arena_alloc_and_strings(void **state)
{
	(void)state;
	ln_arena *a = ln_arena_new();
	assert_non_null(a);
	for (int i = 0; i < 10000; i++) {
		unsigned char *p = ln_arena_alloc(a, (size_t)(i % 300) + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_int_equal(p[0], 0); /* zeroed */
		p[0] = 0xff;
	}
	void *big = ln_arena_alloc(a, 1 << 20);
	assert_non_null(big);
	assert_string_equal(ln_arena_printf(a, "%s-%d", "x", 42), "x-42");
	assert_string_equal(ln_arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(ln_arena_sanitize(a,
	                                      "a\x01"
	                                      "b\x7f",
	                                      4),
	                    "a?b?");
	assert_true(ln_arena_used(a) >= (1u << 20));
	ln_arena_free(a);
	ln_arena_free(NULL);
}

static void test_vec(void **state)
{
	(void)state;
	ln_vec v;
	ln_vec_init(&v, sizeof(uint64_t));
	for (uint64_t i = 0; i < 1000; i++) *(uint64_t *)ln_vec_push(&v) = i * 3;
	assert_int_equal(v.len, 1000);
	assert_int_equal(LN_VEC_AT(&v, uint64_t, 999), 2997);
	ln_arena *a = ln_arena_new();
	size_t n;
	uint64_t *items = ln_vec_to_arena(&v, a, &n);
	assert_int_equal(n, 1000);
	assert_int_equal(items[500], 1500);
	assert_null(v.items);
	ln_arena_free(a);
}

static void test_reader_bounds(void **state)
{
	(void)state;
	const uint8_t bytes[] = {1, 2, 3, 4, 5, 6, 7, 8, 'h', 'i', 0, 'x'};
	ln_buf b = {bytes, sizeof(bytes)};
	uint32_t v32;
	uint64_t v64;
	uint16_t v16;
	assert_true(ln_rd_u32le(&b, 0, &v32));
	assert_int_equal(v32, 0x04030201);
	assert_true(ln_rd_u32be(&b, 0, &v32));
	assert_int_equal(v32, 0x01020304);
	assert_true(ln_rd_u64le(&b, 0, &v64));
	assert_true(v64 == 0x0807060504030201ull);
	assert_false(ln_rd_u32le(&b, 9, &v32));              /* runs past the end */
	assert_false(ln_rd_u64le(&b, UINT64_MAX - 2, &v64)); /* offset overflow */
	assert_false(ln_rd_u16le(&b, sizeof(bytes), &v16));
	assert_true(ln_rd_u16le(&b, sizeof(bytes) - 2, &v16));
	assert_null(ln_rd_ptr(&b, 4, UINT64_MAX));
	size_t len;
	assert_string_equal(ln_rd_cstr(&b, 8, 16, &len), "hi");
	assert_int_equal(len, 2);
	assert_null(ln_rd_cstr(&b, 11, 16, &len)); /* no terminator before the end */
	assert_null(ln_rd_cstr(&b, 8, 2, &len));   /* longer than max */
}

static void test_alloc_failure(void **state)
{
	(void)state;
	ln_alloc_fail_after(1);
	assert_null(ln_malloc(10));
	void *p = ln_malloc(10);
	assert_non_null(p);
	ln_free(p);
	ln_alloc_fail_after(2);
	ln_arena *a = ln_arena_new(); /* 1st allocation succeeds */
	assert_non_null(a);
	assert_null(ln_arena_alloc(a, 8)); /* 2nd fails: the chunk */
	assert_non_null(ln_arena_alloc(a, 8));
	ln_arena_free(a);
}

static void test_entropy_and_hex(void **state)
{
	(void)state;
	uint8_t z[256], r[256];
	for (int i = 0; i < 256; i++) {
		z[i] = 0;
		r[i] = (uint8_t)i;
	}
	assert_true(ln_entropy(z, 256) == 0.0);
	assert_true(ln_entropy(r, 256) > 7.99);
	char hex[9];
	ln_hex(hex, (const uint8_t *)"\x00\xab\x10\xff", 4);
	assert_string_equal(hex, "00ab10ff");
}

typedef struct ac_hits {
	char seen[16][16];
	int n;
} ac_hits;

static int on_ac(uint32_t id, size_t start, void *arg)
{
	ac_hits *h = arg;
	if (h->n < 16) snprintf(h->seen[h->n++], 16, "%u@%zu", id, start);
	return 0;
}

static int stop_at_first(uint32_t id, size_t start, void *arg)
{
	(void)id;
	(void)start;
	(void)arg;
	return 7;
}

/* Aho-Corasick: overlapping patterns, one a suffix of another, ASCII case
 * folded both ways, a callback that stops the scan. */
static void test_aho_corasick(void **state)
{
	(void)state;
	ln_ac *ac = ln_ac_new();
	assert_non_null(ac);
	assert_true(ln_ac_add(ac, "he", 2, 1));
	assert_true(ln_ac_add(ac, "SHE", 3, 2));
	assert_true(ln_ac_add(ac, "hers", 4, 3));
	assert_true(ln_ac_add(ac, "his", 3, 4));
	assert_false(ln_ac_add(ac, "", 0, 5));
	assert_true(ln_ac_build(ac));
	assert_false(ln_ac_add(ac, "late", 4, 6));
	assert_int_equal(ln_ac_patterns(ac), 4);
	ac_hits h = {0};
	assert_int_equal(ln_ac_scan(ac, "uSHErs", 6, on_ac, &h), 0);
	/* "she" ends at 4 (with "he"), "hers" ends at 6 */
	assert_int_equal(h.n, 3);
	assert_string_equal(h.seen[0], "2@1");
	assert_string_equal(h.seen[1], "1@2");
	assert_string_equal(h.seen[2], "3@2");
	assert_int_equal(ln_ac_scan(ac, "xxhisxx", 7, stop_at_first, NULL), 7);
	h.n = 0;
	assert_int_equal(ln_ac_scan(ac, "nothing", 7, on_ac, &h), 0);
	assert_int_equal(h.n, 0);
	ln_ac_free(ac);
}

/* Strings: ASCII and UTF-16LE runs with their offsets and sizes, at either
 * alignment; short runs left out; a maximum count that truncates. */
static void test_strings(void **state)
{
	(void)state;
	static const uint8_t data[] = {0x00, 'a', 'b', 'c', 'd', 'e', 0x01, 'x', 'y', 0xff, 'P',
	                               0,    'h', 0,   'y', 0,   's', 0,    0,   'o', 0,    'd',
	                               0,    'd', 0,   0,   0,   0,   'l',  'o', 'n', 'g',  '!'};
	ln_arena *a = ln_arena_new();
	ln_string *v;
	size_t n;
	bool cut;
	assert_true(ln_strings_scan(&v, &n, &cut, data, sizeof(data), 4, 100, a));
	assert_false(cut);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].text, "abcde");
	assert_int_equal(v[0].offset, 1);
	assert_int_equal(v[0].size, 5);
	assert_false(v[0].wide);
	assert_string_equal(v[1].text, "Phys");
	assert_int_equal(v[1].offset, 10);
	assert_int_equal(v[1].size, 8);
	assert_true(v[1].wide);
	assert_string_equal(v[2].text, "long!");
	/* "odd" is UTF-16 at an odd offset but only 3 characters */
	assert_true(ln_strings_scan(&v, &n, &cut, data, sizeof(data), 3, 100, a));
	assert_int_equal(n, 4);
	assert_string_equal(v[2].text, "odd");
	assert_int_equal(v[2].offset, 19);
	assert_true(ln_strings_scan(&v, &n, &cut, data, sizeof(data), 4, 2, a));
	assert_true(cut);
	assert_int_equal(n, 2);
	ln_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_arena_alloc_and_strings),
	        cmocka_unit_test(test_vec),
	        cmocka_unit_test(test_reader_bounds),
	        cmocka_unit_test(test_alloc_failure),
	        cmocka_unit_test(test_entropy_and_hex),
	        cmocka_unit_test(test_aho_corasick),
	        cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
