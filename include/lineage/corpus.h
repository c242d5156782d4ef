/**
 * @file lineage/corpus.h
 * @brief The corpus: known samples with their labels and function
 * fingerprints, stored behind one interface (the embedded SQLite store by
 * default). Each sample is stored in one transaction: it is there whole or
 * not at all. Re-adding a file is a no-op keyed by its sha256.
 */
#ifndef LINEAGE_CORPUS_H
#define LINEAGE_CORPUS_H

#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lineage_corpus lineage_corpus;

/** Labels of a sample; NULL or "" leaves a label unset. Any UTF-8 text. */
typedef struct lineage_labels {
	const char *family; /**< malware family ("Destover") */
	const char *actor;  /**< threat actor ("Lazarus Group") */
	const char *tags;   /**< free tags, comma-separated */
	const char *source; /**< where the sample came from */
	/** Reference library or runtime code (a CRT, zlib, OpenSSL...), not a
	 *  family: functions a query shares with it are marked as library code
	 *  and weigh nothing in an attribution. */
	int library;
} lineage_labels;

enum {
	LINEAGE_CORPUS_CREATE = 1u << 0,  /**< create the store when it does not exist */
	LINEAGE_CORPUS_READONLY = 1u << 1 /**< open for queries only */
};

/**
 * Open a corpus. @p where is a file path for the embedded SQLite store.
 * A file that is not a lineage corpus is refused with LINEAGE_EDB and left
 * untouched. Several processes may open one corpus at once; within one
 * process, keep one handle per corpus file (POSIX file locks belong to the
 * process, and a second handle's open and close would release the first
 * one's).
 */
LINEAGE_API int lineage_corpus_open(lineage_corpus **out, lineage_ctx *ctx, const char *where, unsigned flags);
LINEAGE_API void lineage_corpus_close(lineage_corpus *c);

/**
 * Store an analyzed sample (LINEAGE_ANALYZE_CODE and HASHES) with its labels,
 * in one transaction. @param[out] added 1 when stored, 0 when a sample with
 * the same sha256 was already there (nothing changes then).
 */
LINEAGE_API int lineage_corpus_add(lineage_corpus *c, lineage_ctx *ctx, const lineage_sample *s,
                                   const lineage_labels *labels, int *added);

/** Replace the labels of a stored sample; LINEAGE_ENOTFOUND when absent. */
LINEAGE_API int lineage_corpus_set_labels(lineage_corpus *c, lineage_ctx *ctx, const char *sha256,
                                          const lineage_labels *labels);

/** Remove a sample and its functions; LINEAGE_ENOTFOUND when absent. */
LINEAGE_API int lineage_corpus_remove(lineage_corpus *c, lineage_ctx *ctx, const char *sha256);

/** A stored sample, as listed. Strings are valid during the callback only. */
typedef struct lineage_corpus_sample {
	int64_t id;
	const char *sha256;
	const char *path; /**< as given when it was added */
	const char *format, *arch;
	lineage_labels labels;
	uint64_t size;
	uint64_t nfunctions;
	uint64_t ninsn; /**< instructions decoded */
	int64_t added;  /**< Unix time */
} lineage_corpus_sample;

/** Call @p cb for each stored sample (of @p family, or all when NULL), by id;
 *  a non-zero return from @p cb stops the walk and is returned. */
LINEAGE_API int lineage_corpus_each_sample(lineage_corpus *c, lineage_ctx *ctx, const char *family,
                                           int (*cb)(const lineage_corpus_sample *, void *), void *arg);

typedef struct lineage_corpus_stats {
	uint64_t samples, families, actors, functions, distinct_hashes;
	uint64_t bytes; /**< size of the store on disk */
} lineage_corpus_stats;

LINEAGE_API int lineage_corpus_stats_get(lineage_corpus *c, lineage_ctx *ctx, lineage_corpus_stats *out);

#ifdef __cplusplus
}
#endif
#endif
