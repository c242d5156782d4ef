/* The body the loader fuzz targets share: load the input from memory, then
 * run every analysis stage under small budgets so that one input stays fast.
 * Each target (fuzz_pe.c, fuzz_elf.c) keeps its own seed corpus. */
#ifndef LINEAGE_FUZZ_SAMPLE_H
#define LINEAGE_FUZZ_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "lineage.h"

static int fuzz_sample(const uint8_t *data, size_t size, const char *name)
{
	static lineage_ctx *ctx;
	if (!ctx) {
		if (lineage_ctx_new(&ctx) != 0) return 0;
		lineage_limits lim;
		lineage_limits_default(&lim);
		lim.max_time_ms = 200;
		lim.max_instructions = 200000;
		lim.max_functions = 5000;
		lineage_ctx_set_limits(ctx, &lim);
	}
	lineage_sample *s = NULL;
	if (lineage_sample_load_memory(&s, ctx, data, size, name) != 0) return 0;
	lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL);
	lineage_sample_free(s);
	return 0;
}

#endif
