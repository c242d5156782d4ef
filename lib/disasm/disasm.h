/* Internal interface of the disassembly stage: function discovery by
 * recursive descent over the loader's code hints, pointers and prologues. */
#ifndef LN_DISASM_H
#define LN_DISASM_H

#include "lineage/disasm.h"
#include "../util/util.h"

typedef struct ln_disasm_out {
	lineage_function *functions; /* sorted by address, in the arena */
	size_t nfunctions;
	uint64_t ninsn;         /* instructions decoded */
	const char *budget_hit; /* NULL, "instructions", "functions", "time" or "code size" (static) */
} ln_disasm_out;

/* A per-context cache of the per-byte instruction map: fresh pages cost a
 * page fault each, a kept block only a clear. Freed by ln_map_cache_free. */
typedef struct ln_map_cache {
	uint32_t *map;
	size_t cap;
} ln_map_cache;
void ln_map_cache_free(ln_map_cache *c);

/* Discover, disassemble and fingerprint every function of bin.
 * Returns 0 (budget exhaustion is not an error) or LINEAGE_ENOMEM. */
int ln_disasm_run(ln_disasm_out *out, const lineage_binary *bin, ln_arena *a, const lineage_limits *lim,
                  ln_map_cache *cache);

#endif
