/**
 * @file lineage/errors.h
 * @brief Error codes, the analysis context and its limits.
 *
 * Fallible functions return 0 or a negative LINEAGE_E* code. The values are
 * pinned forever; new codes are appended. The human-readable detail of the
 * last error lives in the context: lineage_errmsg().
 */
#ifndef LINEAGE_ERRORS_H
#define LINEAGE_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LINEAGE_API __attribute__((visibility("default")))
#else
#define LINEAGE_API
#endif

/** Error codes. Values never change. */
enum {
	LINEAGE_OK = 0,
	LINEAGE_ENOMEM = -1,       /**< out of memory */
	LINEAGE_EIO = -2,          /**< a file could not be opened or read */
	LINEAGE_EFORMAT = -3,      /**< the input is malformed beyond use */
	LINEAGE_ETOOBIG = -4,      /**< a configured limit was reached; result is partial */
	LINEAGE_EINVAL = -5,       /**< invalid argument from the caller */
	LINEAGE_ENOTFOUND = -6,    /**< the requested object does not exist */
	LINEAGE_EUNSUPPORTED = -7, /**< a feature the input needs is not supported */
	LINEAGE_EDB = -8           /**< the corpus database failed */
};

/**
 * Caps on the work done for one sample. Every cap is a hard bound: reaching
 * one marks the result as cut (lineage_sample_budget_hit()) and keeps what was
 * found so far.
 */
typedef struct lineage_limits {
	uint64_t max_file_size;             /**< bytes read from one file (default 512 MiB) */
	uint32_t max_sections;              /**< sections/segments kept (default 4096) */
	uint32_t max_imports;               /**< imports kept (default 65536) */
	uint32_t max_exports;               /**< exports kept (default 262144) */
	uint32_t max_symbols;               /**< symbols kept (default 2,000,000) */
	uint32_t max_resources;             /**< resource leaves kept (default 65536) */
	uint32_t max_relocs;                /**< relocations kept (default 8,000,000) */
	uint32_t max_functions;             /**< functions disassembled (default 500,000) */
	uint64_t max_instructions;          /**< instructions decoded in all (default 100,000,000) */
	uint32_t max_function_instructions; /**< per function (default 200,000) */
	uint32_t max_time_ms;               /**< wall time of the analysis (default 60,000) */
	uint32_t min_string_length;         /**< characters of a string searched for network
	                                         indicators (default 4, at least 4) */
	uint64_t max_code_bytes;            /**< executable bytes disassembled (default 128 MiB; the
	                                         per-byte instruction map costs 4 bytes for each) */
} lineage_limits;

/** Fill @p out with the default limits. */
LINEAGE_API void lineage_limits_default(lineage_limits *out);

/**
 * The analysis context: limits and the last error message. One per thread;
 * a context is not thread-safe, the samples it produced are independent.
 */
typedef struct lineage_ctx lineage_ctx;

/**
 * Create a context with default limits.
 * @param[out] out the new context, owned by the caller (lineage_ctx_free()).
 * @return 0 or LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_ctx_new(lineage_ctx **out);
/** Free a context; NULL is a no-op. */
LINEAGE_API void lineage_ctx_free(lineage_ctx *ctx);
/** Replace the context's limits. @return 0 or LINEAGE_EINVAL. */
LINEAGE_API int lineage_ctx_set_limits(lineage_ctx *ctx, const lineage_limits *limits);
/** The context's limits (borrowed). */
LINEAGE_API const lineage_limits *lineage_ctx_limits(const lineage_ctx *ctx);
/** Message of the last error on @p ctx; never NULL ("" when none). Borrowed. */
LINEAGE_API const char *lineage_errmsg(const lineage_ctx *ctx);
/** Static description of an error code; never NULL. */
LINEAGE_API const char *lineage_strerror(int code);
/** Library version string, e.g. "0.1.0". */
LINEAGE_API const char *lineage_version(void);

#ifdef __cplusplus
}
#endif
#endif
