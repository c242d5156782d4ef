/* Unit tests of lineage_corpus_cluster on fixtures compiled at test time:
 * two programs linking one source unit (kin_a, kin_b) form a cluster whose
 * shared functions are that unit's (the names come from its source, not
 * from our output); unrelated programs stay singletons; a labeled family
 * that shares code is given as the nearest family; --all clusters labeled
 * samples too; an empty corpus and a bad threshold are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lineage.h"

#define TEST_DIR "/tmp/lineage-cluster-XXXXXX"
#include "../test_fixture_env.h"

static void add(lineage_corpus *c, const char *name, const char *family, int lib)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", fx, name);
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);
	lineage_labels l = {family, NULL, NULL, "unit test", lib};
	int added;
	assert_int_equal(lineage_corpus_add(c, ctx, s, &l, &added), 0);
	lineage_sample_free(s);
}

static lineage_corpus *fresh(const char *name)
{
	char path[800];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_CREATE), 0);
	return c;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* The cluster holding a sample, or NULL. */
static const lineage_cluster *cluster_of(const lineage_clusters *r, const char *name)
{
	for (size_t i = 0; i < r->nclusters; i++)
		for (size_t m = 0; m < r->clusters[i].nmembers; m++)
			if (ends_with(r->clusters[i].members[m].path, name)) return &r->clusters[i];
	return NULL;
}

static const lineage_cluster_member *singleton(const lineage_clusters *r, const char *name)
{
	for (size_t i = 0; i < r->nsingletons; i++)
		if (ends_with(r->singletons[i].path, name)) return &r->singletons[i];
	return NULL;
}

static void test_groups_kin(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("kin.db");
	add(c, "kin_a-gcc-O2", NULL, 0);
	add(c, "kin_b-gcc-O2", NULL, 0);
	add(c, "features-gcc-O2", NULL, 0);
	add(c, "keyed_b-gcc-O2", NULL, 0);
	add(c, "kin_b-clang-O2", NULL, 0);
	add(c, "kin_a-clang-O2", "Kin", 0);
	add(c, "runtime_probe-gcc-O2", "runtime", 1);
	lineage_clusters *r;
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, NULL), 0);
	/* unlabeled, not library: 5 samples */
	assert_int_equal(r->nsamples, 5);
	assert_int_equal(r->nclusters, 1);
	const lineage_cluster *k = cluster_of(r, "/kin_a-gcc-O2");
	assert_non_null(k);
	assert_ptr_equal(k, cluster_of(r, "/kin_b-gcc-O2"));
	assert_int_equal(k->nmembers, 2);
	assert_true(k->min_score >= LINEAGE_CLUSTER_THRESHOLD);
	/* the shared unit's functions (tests/fixtures/src/shared/kin.c) */
	static const char *const unit[] = {"fixture_kin_checksum", "fixture_kin_encode", "fixture_kin_parse"};
	for (size_t u = 0; u < 3; u++) {
		bool found = false;
		for (size_t s = 0; s < k->nshared && !found; s++)
			for (size_t j = 0; j < k->shared[s].ncopies; j++)
				found = found ||
				        (k->shared[s].copies[j].name && !strcmp(k->shared[s].copies[j].name, unit[u]));
		assert_true(found);
	}
	assert_true(k->shared_all >= 3);
	for (size_t s = 0; s < k->nshared; s++) assert_int_equal(k->shared[s].ncopies, 2);
	/* the others stay alone; the clang build of kin_b names the labeled kin */
	assert_non_null(singleton(r, "/features-gcc-O2"));
	assert_non_null(singleton(r, "/keyed_b-gcc-O2"));
	const lineage_cluster_member *kb = singleton(r, "/kin_b-clang-O2");
	assert_non_null(kb);
	assert_non_null(kb->nearest_family);
	assert_string_equal(kb->nearest_family, "Kin");
	assert_true(kb->nearest_score >= LINEAGE_CLUSTER_THRESHOLD);
	lineage_clusters_free(r);

	/* --all: the labeled sample is clustered too, with its unlabeled kin */
	lineage_cluster_options o = {.all = 1};
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, &o), 0);
	assert_int_equal(r->nsamples, 6);
	assert_int_equal(r->nclusters, 2);
	k = cluster_of(r, "/kin_a-clang-O2");
	assert_non_null(k);
	assert_ptr_equal(k, cluster_of(r, "/kin_b-clang-O2"));
	assert_null(cluster_of(r, "/features-gcc-O2"));
	lineage_clusters_free(r);

	/* --min-size 3: the pairs are singletons */
	o = (lineage_cluster_options){.min_size = 3};
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, &o), 0);
	assert_int_equal(r->nclusters, 0);
	assert_int_equal(r->nsingletons, 5);
	lineage_clusters_free(r);
	lineage_corpus_close(c);
}

static void test_bad_input(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("empty.db");
	lineage_clusters *r = (lineage_clusters *)&r;
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, NULL), LINEAGE_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(lineage_errmsg(ctx), "no unlabeled sample"));
	/* labeled samples only: nothing to cluster by default, something with all */
	add(c, "kin_a-gcc-O2", "Kin", 0);
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, NULL), LINEAGE_ENOTFOUND);
	lineage_cluster_options o = {.all = 1};
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, &o), 0);
	assert_int_equal(r->nclusters, 0);
	assert_int_equal(r->nsingletons, 1);
	lineage_clusters_free(r);
	o = (lineage_cluster_options){.threshold = 1.5};
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, &o), LINEAGE_EINVAL);
	o = (lineage_cluster_options){.near_threshold = -0.5};
	assert_int_equal(lineage_corpus_cluster(&r, c, ctx, &o), LINEAGE_EINVAL);
	lineage_clusters_free(NULL);
	lineage_corpus_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_groups_kin),
	        cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
