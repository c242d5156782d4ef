/* lineage_funcs: print the functions lineage finds in a file, one per line:
 *   0xADDRESS SIZE SOURCES
 * where SOURCES is the LINEAGE_SRC_* bitmask in hex. Used by tests/e2e/funcs.sh
 * to compare function discovery on stripped binaries against their symbol
 * tables. Exit status: 0 on success, 1 when loading or analysis failed,
 * 2 on a usage error.
 *   usage: lineage_funcs FILE */
#include <inttypes.h>
#include <lineage.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	lineage_ctx *ctx = NULL;
	lineage_sample *s = NULL;
	size_t n = 0;
	int rc, status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: lineage_funcs FILE\n");
		return 2;
	}
	if (lineage_ctx_new(&ctx)) {
		fprintf(stderr, "lineage_funcs: out of memory\n");
		return 1;
	}
	rc = lineage_sample_load_file(&s, ctx, argv[1]);
	if (rc) {
		fprintf(stderr, "lineage_funcs: %s: %s\n", lineage_strerror(rc), lineage_errmsg(ctx));
		goto done;
	}
	rc = lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE);
	if (rc) {
		fprintf(stderr, "lineage_funcs: %s: %s\n", lineage_strerror(rc), lineage_errmsg(ctx));
		goto done;
	}
	/* A budget cut is reported but not fatal: the caller judges the figures. */
	if (lineage_sample_budget_hit(s))
		fprintf(stderr, "lineage_funcs: %s: budget hit: %s\n", argv[1], lineage_sample_budget_hit(s));

	const lineage_function *fn = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++)
		printf("0x%" PRIx64 " %" PRIu64 " 0x%" PRIx32 "\n", fn[i].address, fn[i].size, fn[i].sources);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "lineage_funcs: write error\n");
		goto done;
	}
	status = 0;
done:
	lineage_sample_free(s);
	lineage_ctx_free(ctx);
	return status;
}
