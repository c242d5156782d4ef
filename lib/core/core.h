/* Internal: the context and the sample object shared by lib/ stages. */
#ifndef LN_CORE_H
#define LN_CORE_H

#include "lineage.h"
#include "../util/util.h"
#include "../disasm/disasm.h"

#define LINEAGE_VERSION_STRING "0.1.0"

struct lineage_ctx {
	lineage_limits limits;
	char errmsg[1024];
	ln_map_cache map_cache;            /* the disassembler's instruction map, kept for the next sample */
	const struct lineage_rules *rules; /* borrowed (lineage_ctx_set_rules) or own_rules */
	struct lineage_rules *own_rules;   /* the default set, loaded on first use */
};

struct lineage_sample {
	ln_arena *arena;
	lineage_binary bin;
	lineage_function *functions;
	size_t nfunctions;
	lineage_file_hashes hashes;
	uint64_t ninsn;
	const char *budget_hit;
	uint32_t analyzed;                     /* LINEAGE_ANALYZE_* already done */
	struct lineage_crypto_finding *crypto; /* LINEAGE_ANALYZE_CRYPTO, in the arena */
	size_t ncrypto;
	struct lineage_trait *traits; /* of every axis analysed, sorted by token, in the arena */
	size_t ntraits;
};

/* A shipped folder (NAME: "rules", "data"): $ENV, the source tree's for a
 * program run from its build tree, else the installed share/lineage/NAME.
 * Returns env's value or buf. */
const char *ln_shipped_dir(char *buf, size_t cap, const char *env, const char *name);
bool ln_is_dir(const char *p); /* p not NULL */

/* Set the context message and return code. */
int ln_ctx_error(lineage_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
