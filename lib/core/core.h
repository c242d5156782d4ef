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
	struct ln_yhit *yhits; /* the rule set's YARA matches (lib/rules), once per sample */
	size_t nyhits;
	bool yara_done;
	struct ln_string *strings; /* printable strings, on first use (ln_sample_strings) */
	size_t nstrings;
	bool strings_done, strings_truncated;
	struct lineage_capability *caps; /* LINEAGE_ANALYZE_CAPABILITIES */
	size_t ncaps;
	struct lineage_embedded *embedded;
	size_t nembedded;
	struct lineage_ioctl_use *ioctls;
	size_t nioctls;
	struct lineage_indicator *indicators; /* LINEAGE_ANALYZE_INFRA */
	size_t nindicators;
	int depth; /* 0, or how deep this sample is embedded in the one analysed */
};

/* A shipped folder (NAME: "rules", "data"): $ENV, the source tree's for a
 * program run from its build tree, else the installed share/lineage/NAME.
 * Returns env's value or buf. */
const char *ln_shipped_dir(char *buf, size_t cap, const char *env, const char *name);
bool ln_is_dir(const char *p); /* p not NULL */

/* The sample's printable strings (ASCII and UTF-16LE, at least 4
 * characters), found on first use; NULL with *count 0 on OOM. */
const struct ln_string *ln_sample_strings(lineage_sample *s, size_t *count);
/* The index of the sample's string (ln_sample_strings, called before)
 * holding the byte at address va, or -1. */
long ln_sample_string_at(lineage_sample *s, uint64_t va);
/* Append a trait to v (lineage_trait), its strings copied into the arena;
 * false on OOM. */
bool ln_trait_push(ln_vec *v, ln_arena *a, const char *axis, uint32_t kind, const char *token, const char *detail);
/* Merge traits into the sample's (sorted by token, one per token). */
int ln_sample_add_traits(lineage_sample *s, const struct lineage_trait *t, size_t n);
/* The artifacts axis's traits (lib/artifacts), after the file hashes. */
int ln_artifacts_run(lineage_sample *s);

/* Set the context message and return code. */
int ln_ctx_error(lineage_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
