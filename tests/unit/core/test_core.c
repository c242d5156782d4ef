/* Unit tests of the sample API: errors name the file and the problem, limits
 * give LINEAGE_ETOOBIG, raw blobs load, and every allocation failure is
 * handled (no crash, no leak: the ASan configuration runs this too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lineage.h"
#include "util/util.h"

#include "../ctx_group.h"

static void test_missing_file(void **state)
{
	(void)state;
	lineage_sample *s = (lineage_sample *)1;
	assert_int_equal(lineage_sample_load_file(&s, ctx, "/nonexistent/x.exe"), LINEAGE_EIO);
	assert_null(s);
	assert_non_null(strstr(lineage_errmsg(ctx), "/nonexistent/x.exe"));
	assert_non_null(strstr(lineage_errmsg(ctx), "No such file"));
	assert_int_equal(lineage_sample_load_file(&s, ctx, "/tmp"), LINEAGE_EIO);
	assert_non_null(strstr(lineage_errmsg(ctx), "not a regular file"));
}

static void test_strerror_total(void **state)
{
	(void)state;
	for (int c = -20; c <= 1; c++) assert_non_null(lineage_strerror(c));
	assert_string_equal(lineage_strerror(LINEAGE_ETOOBIG), "a configured limit was reached");
	assert_string_equal(lineage_format_name(LINEAGE_FORMAT_PE), "pe");
	assert_string_equal(lineage_arch_name(LINEAGE_ARCH_X86_64), "x86-64");
}

static void test_file_size_limit(void **state)
{
	(void)state;
	lineage_limits lim;
	lineage_limits_default(&lim);
	lim.max_file_size = 1000;
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, "/usr/bin/ls"), LINEAGE_ETOOBIG);
	assert_non_null(strstr(lineage_errmsg(ctx), "over the limit of 1000"));
	lim.max_file_size = 0;
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), LINEAGE_EINVAL);
	lineage_limits_default(&lim);
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
}

static void test_raw_blob(void **state)
{
	(void)state;
	const char text[] = "just some text, not an executable at all";
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, text, sizeof(text), "note.txt"), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL), 0);
	const lineage_binary *b = lineage_sample_binary(s);
	assert_int_equal(b->format, LINEAGE_FORMAT_RAW);
	assert_string_equal(b->path, "note.txt");
	size_t n;
	lineage_sample_functions(s, &n);
	assert_int_equal(n, 0);
	assert_int_equal(strlen(lineage_sample_hashes(s)->sha256), 64);
	assert_null(lineage_sample_function_at(s, 0x1000));
	lineage_sample_free(s);
	lineage_sample_free(NULL);
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc((size_t)n);
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

/* Fail the 1st, 2nd, ... allocation of a whole load+analysis: each run must
 * end in success or LINEAGE_ENOMEM, and free everything. */
static void fail_every_allocation(const char *path)
{
	size_t len = 0;
	void *data = slurp(path, &len);
	assert_non_null(data);
	int successes = 0;
	for (uint64_t n = 1; n < 4000; n += (n < 200 ? 1 : 37)) {
		lineage_sample *s = NULL;
		ln_alloc_fail_after(n);
		int rc = lineage_sample_load_memory(&s, ctx, data, len, path);
		if (rc == 0) rc = lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL);
		ln_alloc_fail_after(0);
		assert_true(rc == 0 || rc == LINEAGE_ENOMEM);
		if (rc == 0) successes++;
		lineage_sample_free(s);
	}
	assert_true(successes > 0);
	free(data);
}

static void test_allocation_failures(void **state)
{
	(void)state;
	char path[4096];
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	snprintf(path, sizeof(path), "%s/kin_a-gcc-O2", fx);
	fail_every_allocation(path);
	snprintf(path, sizeof(path), "%s/kin_a-mingw32-O2.exe", fx);
	fail_every_allocation(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_missing_file),        cmocka_unit_test(test_strerror_total),
	        cmocka_unit_test(test_file_size_limit),     cmocka_unit_test(test_raw_blob),
	        cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
