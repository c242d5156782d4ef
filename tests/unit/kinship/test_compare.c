/* Unit tests of lineage_compare: a file against itself pairs every function
 * exactly; the shared fixture unit pairs across two programs for every
 * compiler and level; unrelated code scores near zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lineage.h"

#include "../ctx_group.h"

static lineage_sample *load(const char *path)
{
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE), 0);
	return s;
}

static void test_self(void **state)
{
	(void)state;
	lineage_sample *s = load("/lib/x86_64-linux-gnu/libz.so.1");
	lineage_comparison *c;
	assert_int_equal(lineage_compare(&c, ctx, s, s, 0), 0);
	assert_true(c->functions_a > 50);
	assert_int_equal(c->npairs, c->functions_a);
	assert_int_equal(c->nexact, c->npairs);
	assert_true(c->score > 0.999);
	for (size_t i = 0; i < c->npairs; i++) assert_int_equal(c->pairs[i].a, c->pairs[i].b);
	lineage_comparison_free(c);
	assert_int_equal(lineage_compare(&c, ctx, s, s, 1.5), LINEAGE_EINVAL);
	lineage_sample_free(s);
}

static const lineage_pair *pair_named(const lineage_comparison *c, const char *name)
{
	for (size_t i = 0; i < c->npairs; i++) {
		const char *n = c->pairs[i].name_a;
		if (n && (!strcmp(n, name) || (n[0] == '_' && !strcmp(n + 1, name)))) return &c->pairs[i];
	}
	return NULL;
}

static void test_shared_unit(void **state)
{
	(void)state;
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	const char *cc[] = {"gcc", "clang", "mingw64", "mingw32"}, *opt[] = {"O0", "O2", "Os"};
	for (int i = 0; i < 4; i++)
		for (int o = 0; o < 3; o++) {
			char pa[600], pb[600], pz[600];
			const char *ext = i >= 2 ? ".exe" : "";
			snprintf(pa, sizeof(pa), "%s/kin_a-%s-%s%s", fx, cc[i], opt[o], ext);
			snprintf(pb, sizeof(pb), "%s/kin_b-%s-%s%s", fx, cc[i], opt[o], ext);
			snprintf(pz, sizeof(pz), "%s/features-%s-%s%s", fx, cc[i], opt[o], ext);
			lineage_sample *a = load(pa), *b = load(pb);
			lineage_comparison *c;
			assert_int_equal(lineage_compare(&c, ctx, a, b, 0), 0);
			const lineage_pair *p = pair_named(c, "fixture_kin_checksum");
			if (!p) fprintf(stderr, "%s vs %s: fixture_kin_checksum not paired\n", pa, pb);
			assert_non_null(p);
			assert_true(p->exact);
			assert_string_equal(p->name_a, p->name_b);
			lineage_comparison_free(c);
			lineage_sample_free(b);
			lineage_sample_free(a);
		}
	/* unrelated code: the fixture against zlib */
	char pa[600];
	snprintf(pa, sizeof(pa), "%s/features-gcc-O2", fx);
	lineage_sample *a = load(pa), *z = load("/lib/x86_64-linux-gnu/libz.so.1");
	lineage_comparison *c;
	assert_int_equal(lineage_compare(&c, ctx, a, z, 0), 0);
	assert_true(c->score_b < 0.05);
	lineage_comparison_free(c);
	lineage_sample_free(a);
	lineage_sample_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_self),
	        cmocka_unit_test(test_shared_unit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
