/* Unit tests of the scan JSON report: it parses, carries the schema version,
 * agrees with the API and with independent tools (sha256sum), and names the
 * import calls of each function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "lineage.h"

#include "../ctx_group.h"

static cJSON *report(const char *path, lineage_sample **out, uint32_t flags)
{
	assert_int_equal(lineage_sample_load_file(out, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(*out, ctx, LINEAGE_ANALYZE_ALL), 0);
	char *js;
	assert_int_equal(lineage_report_scan_json(&js, *out, flags), 0);
	cJSON *root = cJSON_Parse(js);
	assert_non_null(root);
	free(js);
	return root;
}

static void sha256_of(const char *path, char out[65])
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", out), 1);
	pclose(p);
}

static bool any_call(const cJSON *fn, const char *import)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(fn, "calls"))
	{
		const cJSON *imp = cJSON_GetObjectItem(c, "import");
		if (cJSON_IsString(imp) && !strcmp(imp->valuestring, import)) return true;
	}
	return false;
}

static void check_report(const char *path, const char *format, const char *arch, const char *import)
{
	lineage_sample *s;
	cJSON *root = report(path, &s, LINEAGE_REPORT_FUNCTIONS | LINEAGE_REPORT_MINHASH);
	assert_int_equal(cJSON_GetObjectItem(root, "schema_version")->valueint, LINEAGE_SCAN_SCHEMA_VERSION);
	assert_string_equal(cJSON_GetObjectItem(root, "format")->valuestring, format);
	assert_string_equal(cJSON_GetObjectItem(root, "arch")->valuestring, arch);
	char sha[65];
	sha256_of(path, sha);
	const cJSON *file = cJSON_GetObjectItem(root, "file");
	assert_string_equal(cJSON_GetObjectItem(file, "sha256")->valuestring, sha);
	size_t nf;
	lineage_sample_functions(s, &nf);
	const cJSON *code = cJSON_GetObjectItem(root, "code");
	assert_int_equal((size_t)cJSON_GetObjectItem(code, "functions")->valuedouble, nf);
	const cJSON *list = cJSON_GetObjectItem(code, "function_list");
	assert_int_equal((size_t)cJSON_GetArraySize(list), nf);
	bool named = false;
	const cJSON *fn;
	cJSON_ArrayForEach(fn, list)
	{
		assert_int_equal(strlen(cJSON_GetObjectItem(fn, "exact_hash")->valuestring), 16);
		assert_int_equal(strlen(cJSON_GetObjectItem(fn, "minhash")->valuestring), LINEAGE_MINHASH_K * 8);
		named |= any_call(fn, import);
	}
	assert_true(named);
	bool imported = false;
	const cJSON *im;
	cJSON_ArrayForEach(im, cJSON_GetObjectItem(root, "imports"))
	{
		const cJSON *n = cJSON_GetObjectItem(im, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, strchr(import, '!') + 1)) imported = true;
	}
	assert_true(imported);
	cJSON_Delete(root);
	lineage_sample_free(s);
}

static void test_fixture_reports(void **state)
{
	(void)state;
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	char path[512];
	snprintf(path, sizeof(path), "%s/features-gcc-O2", fx);
	check_report(path, "elf", "x86-64", "libc.so.6!ioctl");
	snprintf(path, sizeof(path), "%s/features-mingw64-O2.exe", fx);
	check_report(path, "pe", "x86-64", "kernel32.dll!DeviceIoControl");
	snprintf(path, sizeof(path), "%s/features-mingw32-Os.exe", fx);
	check_report(path, "pe", "x86", "kernel32.dll!DeviceIoControl");
}

/* Without LINEAGE_REPORT_FUNCTIONS the list is absent; a raw blob reports
 * format "raw" with no code. */
static void test_summary_and_raw(void **state)
{
	(void)state;
	lineage_sample *s;
	cJSON *root = report("/lib/x86_64-linux-gnu/libz.so.1", &s, 0);
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "code"), "function_list"));
	assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "code"), "functions")->valuedouble > 50);
	cJSON_Delete(root);
	lineage_sample_free(s);
	static const char blob[] = "just some text, not an executable at all";
	assert_int_equal(lineage_sample_load_memory(&s, ctx, blob, sizeof(blob), "blob.txt"), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL), 0);
	char *js;
	assert_int_equal(lineage_report_scan_json(&js, s, LINEAGE_REPORT_PRETTY), 0);
	root = cJSON_Parse(js);
	free(js);
	assert_string_equal(cJSON_GetObjectItem(root, "format")->valuestring, "raw");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "code"), "functions")->valueint, 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "file"), "path")->valuestring, "blob.txt");
	cJSON_Delete(root);
	lineage_sample_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_reports),
	        cmocka_unit_test(test_summary_and_raw),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
