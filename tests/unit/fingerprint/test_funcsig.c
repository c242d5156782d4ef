/* Unit tests of the function similarity signature (lib/fingerprint/funcsig.c):
 * bottom-k Jaccard on hand-made sketches, features checked against the
 * fixture's source (the imports and callees it names), and the similarity
 * finding each fixture function's own counterpart in a build by another
 * compiler at another optimization level (symbol names as the oracle; the
 * similarity never reads them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lineage.h"

static lineage_ctx *ctx;
static const char *fixtures;

static int setup(void **state)
{
	(void)state;
	fixtures = getenv("LINEAGE_FIXTURES");
	if (!fixtures) {
		fprintf(stderr, "LINEAGE_FIXTURES is not set\n");
		return -1;
	}
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	return 0;
}

static lineage_sample *load(const char *name, const char *cc, const char *opt)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s-%s-%s", fixtures, name, cc, opt);
	lineage_sample *s = NULL;
	int rc = lineage_sample_load_file(&s, ctx, path);
	if (rc) fprintf(stderr, "%s\n", lineage_errmsg(ctx));
	assert_int_equal(rc, 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE), 0);
	return s;
}

static const lineage_function *by_name(const lineage_sample *s, const char *name)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++)
		if (f[i].name && !strcmp(f[i].name, name)) return &f[i];
	return NULL;
}

static void sketch(uint32_t *s, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < LINEAGE_SIG_K; i++) s[i] = i < n ? v[i] : UINT32_MAX;
}

static size_t filled(const uint32_t *s)
{
	size_t n = 0;
	while (n < LINEAGE_SIG_K && s[n] != UINT32_MAX) n++;
	return n;
}

static void test_part_similarity(void **state)
{
	(void)state;
	uint32_t a[LINEAGE_SIG_K], b[LINEAGE_SIG_K], big_a[LINEAGE_SIG_K], big_b[LINEAGE_SIG_K];
	sketch(a, (const uint32_t[]){10, 20, 30}, 3);
	sketch(b, (const uint32_t[]){20, 30, 40}, 3);
	assert_true(lineage_sig_part_similarity(a, b) == 0.5); /* {20,30} of {10,20,30,40} */
	assert_true(lineage_sig_part_similarity(a, a) == 1.0);
	sketch(b, NULL, 0);
	assert_true(lineage_sig_part_similarity(a, b) == 0.0);
	assert_true(lineage_sig_part_similarity(b, b) == 0.0);
	/* beyond K: the estimate over the K smallest of the union. A = 0..K-1
	 * (step 2), B = A shifted by one element: the union's K smallest are
	 * A's first K, of which B holds all but the smallest. */
	uint32_t va[LINEAGE_SIG_K], vb[LINEAGE_SIG_K];
	for (uint32_t i = 0; i < LINEAGE_SIG_K; i++) {
		va[i] = 2 * i;
		vb[i] = 2 * i + 2;
	}
	sketch(big_a, va, LINEAGE_SIG_K);
	sketch(big_b, vb, LINEAGE_SIG_K);
	assert_true(lineage_sig_part_similarity(big_a, big_b) == (double)(LINEAGE_SIG_K - 1) / LINEAGE_SIG_K);
}

/* fixture_fail() calls fprintf and exit and reads stderr (tests/fixtures/
 * src/features.c); main calls fixture_fail, fixture_dispatch and, at -O0,
 * fixture_query_size directly. */
static void test_features_from_source(void **state)
{
	(void)state;
	static const char *builds[][2] = {{"gcc", "O0"}, {"gcc", "O2"}, {"clang", "O0"}, {"clang", "O2"}};
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		lineage_sample *s = load("features", builds[i][0], builds[i][1]);
		const lineage_function *fail = by_name(s, "fixture_fail");
		assert_non_null(fail);
		assert_int_equal(filled(fail->sig.part[LINEAGE_SIG_IMPORTS]), 3);
		assert_true(fail->sig.ncallers >= 1);
		const lineage_function *dispatch = by_name(s, "fixture_dispatch");
		assert_non_null(dispatch);
		/* puts, putchar, printf; at -O2 both compilers call putc(a, stdout)
		 * instead of putchar (objdump -d): puts, printf, putc, stdout. And
		 * the strings "one", "five", "nine", "%d\n". */
		assert_int_equal(filled(dispatch->sig.part[LINEAGE_SIG_IMPORTS]), !strcmp(builds[i][1], "O0") ? 3 : 4);
		assert_true(filled(dispatch->sig.part[LINEAGE_SIG_DATA]) >= 4);
		const lineage_function *m = by_name(s, "main");
		assert_non_null(m);
		if (!strcmp(builds[i][1], "O0")) assert_int_equal(m->sig.ncallees, 3);
		assert_true(m->sig.part[LINEAGE_SIG_GRAPH][0] != UINT32_MAX);
		lineage_sample_free(s);
	}
}

/* Each named function of at least 5 instructions in gcc -O0 finds its own
 * counterpart first among the functions of clang -O2 (and back); the score
 * is symmetric and in 0..1. */
static void test_finds_counterpart(void **state)
{
	(void)state;
	lineage_sample *a = load("features", "gcc", "O0"), *b = load("features", "clang", "O2");
	static const char *names[] = {"fixture_fail", "fixture_dispatch", "fixture_query_size", "main"};
	for (int dir = 0; dir < 2; dir++) {
		lineage_sample *x = dir ? b : a, *y = dir ? a : b;
		size_t ny;
		const lineage_function *fy = lineage_sample_functions(y, &ny);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const lineage_function *q = by_name(x, names[i]), *t = by_name(y, names[i]);
			assert_non_null(q);
			assert_non_null(t);
			double st = lineage_function_similarity(q, t);
			assert_true(st >= 0 && st <= 1);
			assert_true(st == lineage_function_similarity(t, q));
			for (size_t j = 0; j < ny; j++) {
				if (&fy[j] == t || !fy[j].name || fy[j].ninsn < 5 || (fy[j].flags & LINEAGE_FUNC_THUNK))
					continue;
				double s = lineage_function_similarity(q, &fy[j]);
				if (s >= st)
					fprintf(stderr, "%s: %s scores %.3f >= %.3f\n", names[i], fy[j].name, s, st);
				assert_true(s < st);
			}
		}
	}
	double terms[LINEAGE_SIM_TERMS];
	const lineage_function *f = by_name(a, "fixture_dispatch");
	lineage_function_similarity_terms(terms, f, f);
	assert_true(terms[0] == 1.0);
	assert_true(terms[1 + 2 * LINEAGE_SIG_IMPORTS] == 1.0);
	assert_true(terms[14] == 0.0);
	/* a zeroed function (no signature computed) matches nothing */
	lineage_function zero;
	memset(&zero, 0, sizeof(zero));
	lineage_function_similarity_terms(terms, &zero, &zero);
	for (int p = 0; p < LINEAGE_SIG_PARTS; p++) assert_true(terms[1 + 2 * p] == 0.0);
	assert_true(lineage_function_similarity(&zero, &zero) == 0.0);
	assert_true(lineage_function_similarity(f, &zero) == 0.0);
	lineage_sample_free(a);
	lineage_sample_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_part_similarity),
	        cmocka_unit_test(test_features_from_source),
	        cmocka_unit_test(test_finds_counterpart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
