/**
 * @file lineage/sample.h
 * @brief One analysed file: its loaded binary, recovered functions and file
 * fingerprints. A sample owns one arena; lineage_sample_free() releases all.
 * A sample is immutable after analysis and may be read from several threads.
 */
#ifndef LINEAGE_SAMPLE_H
#define LINEAGE_SAMPLE_H

#include "disasm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lineage_sample lineage_sample;

/** Whole-file fingerprints. Strings are "" when not computable. */
typedef struct lineage_file_hashes {
	char sha256[65];
	char md5[33];
	char imphash[33]; /**< PE only: MD5 of the normalized import list (pefile's) */
	char ssdeep[160]; /**< libfuzzy */
	char tlsh[80];    /**< TLSH; "" for files under 256 bytes or too uniform */
} lineage_file_hashes;

/** What lineage_sample_analyze() does. */
enum {
	LINEAGE_ANALYZE_CODE = 1u << 0,         /**< disassemble and fingerprint functions */
	LINEAGE_ANALYZE_HASHES = 1u << 1,       /**< file hashes (sha256, md5, imphash, ssdeep, TLSH) */
	LINEAGE_ANALYZE_CRYPTO = 1u << 2,       /**< the crypto axis (lineage/crypto.h); reads the code
	                                       when LINEAGE_ANALYZE_CODE runs too, else bytes only */
	LINEAGE_ANALYZE_CAPABILITIES = 1u << 3, /**< capability rules: the destruction axis
	                                             (lineage/capability.h); function-scope rules
	                                             need LINEAGE_ANALYZE_CODE too */
	LINEAGE_ANALYZE_INFRA = 1u << 4,        /**< the infrastructure axis: network indicators
	                                             (lineage/infra.h); strings decoded with XOR keys
	                                             need LINEAGE_ANALYZE_CRYPTO too, stack strings and
	                                             integer addresses LINEAGE_ANALYZE_CODE */
	LINEAGE_ANALYZE_ARTIFACTS = 1u << 5,    /**< the artifacts axis: traits of the build (Rich header,
	                                             imphash, PDB path and GUID, link time, resource
	                                             languages, section layout, ELF build id); runs
	                                             LINEAGE_ANALYZE_HASHES too */
	LINEAGE_ANALYZE_ALL = 0x7fffffff
};

/**
 * Read and parse a file.
 * A file that is not PE or ELF loads as LINEAGE_FORMAT_RAW. A malformed PE or
 * ELF loads with warnings and a partial result where possible.
 * @param[out] out the sample, owned by the caller; NULL on failure.
 * @return 0, LINEAGE_EIO (unreadable), LINEAGE_ETOOBIG (over max_file_size),
 *         LINEAGE_EFORMAT (a recognized format too broken to use), LINEAGE_ENOMEM.
 *         The context holds a message naming the file and the problem.
 */
LINEAGE_API int lineage_sample_load_file(lineage_sample **out, lineage_ctx *ctx, const char *path);

/** As lineage_sample_load_file(), from memory; the bytes are copied. */
LINEAGE_API int lineage_sample_load_memory(lineage_sample **out, lineage_ctx *ctx, const void *data, size_t size,
                                           const char *name);

/**
 * Run the analysis stages selected by @p what (LINEAGE_ANALYZE_*).
 * Budget exhaustion is not an error: the result is partial and
 * lineage_sample_budget_hit() says which budget.
 * @return 0, LINEAGE_ENOMEM, or for LINEAGE_ANALYZE_CRYPTO and
 *         LINEAGE_ANALYZE_CAPABILITIES the errors of
 *         lineage_rules_load() when the context has no rule set yet and the
 *         default one cannot be loaded.
 */
LINEAGE_API int lineage_sample_analyze(lineage_sample *s, lineage_ctx *ctx, uint32_t what);

/** Free a sample; NULL is a no-op. */
LINEAGE_API void lineage_sample_free(lineage_sample *s);

/** The loaded binary (borrowed). */
LINEAGE_API const lineage_binary *lineage_sample_binary(const lineage_sample *s);
/** Functions sorted by address (borrowed); *count receives their number. */
LINEAGE_API const lineage_function *lineage_sample_functions(const lineage_sample *s, size_t *count);
/** The function containing @p va, or NULL. */
LINEAGE_API const lineage_function *lineage_sample_function_at(const lineage_sample *s, uint64_t va);
/** File hashes (borrowed); zeroed until analyzed with LINEAGE_ANALYZE_HASHES. */
LINEAGE_API const lineage_file_hashes *lineage_sample_hashes(const lineage_sample *s);
/** NULL, or the name of the budget that cut the analysis ("instructions",
 *  "functions", "time"). Borrowed. */
LINEAGE_API const char *lineage_sample_budget_hit(const lineage_sample *s);
/** Total instructions decoded during the analysis. */
LINEAGE_API uint64_t lineage_sample_instructions(const lineage_sample *s);

#ifdef __cplusplus
}
#endif
#endif
