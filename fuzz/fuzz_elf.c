/* libFuzzer target for the ELF loader: load from memory, then run every
 * analysis stage under small budgets so that one input stays fast. Also
 * built with fuzz/replay.c to replay fuzz/corpus/elf/ in CTest. */
#include <stddef.h>
#include <stdint.h>

#include "lineage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
	if (lineage_sample_load_memory(&s, ctx, data, size, "fuzz") != 0) return 0;
	lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL);
	lineage_sample_free(s);
	return 0;
}
