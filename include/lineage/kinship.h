/**
 * @file lineage/kinship.h
 * @brief Code kinship between two samples: which functions one shares with
 * the other, exactly (same normalized instructions) or nearly (estimated
 * Jaccard similarity of instruction 3-grams above a threshold).
 */
#ifndef LINEAGE_KINSHIP_H
#define LINEAGE_KINSHIP_H

#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Functions shorter than this many instructions are not paired: too common
 *  to mean anything (thunks, stubs, one-line getters). */
#define LINEAGE_MIN_MATCH_INSNS 5
/** Default near-duplicate threshold on the estimated Jaccard similarity. */
#define LINEAGE_NEAR_THRESHOLD 0.5

/** Two paired functions. */
typedef struct lineage_pair {
	uint64_t a, b;               /**< addresses in the first and second sample */
	const char *name_a, *name_b; /**< symbol names when the files have them, else NULL */
	uint32_t ninsn_a, ninsn_b;
	double similarity; /**< 1.0 for exact pairs, else the MinHash estimate */
	int exact;         /**< same exact hash */
} lineage_pair;

/** The function-by-function comparison of two samples. */
typedef struct lineage_comparison {
	const lineage_pair *pairs; /**< best first: exact, then by similarity */
	size_t npairs, nexact;
	size_t functions_a, functions_b; /**< functions considered (>= LINEAGE_MIN_MATCH_INSNS) */
	double score_a; /**< share of the first sample's instructions in pairs, weighted by similarity */
	double score_b; /**< the same for the second sample */
	double score;   /**< both together: similarity-weighted paired instructions over all */
} lineage_comparison;

/**
 * Pair the functions of two analyzed samples (LINEAGE_ANALYZE_CODE): exact
 * hashes first, then near duplicates found through MinHash LSH and assigned
 * greedily, best similarity first, each function at most once.
 * @param threshold near-duplicate threshold (0 < t <= 1); 0 means the default.
 */
LINEAGE_API int lineage_compare(lineage_comparison **out, lineage_ctx *ctx, const lineage_sample *a,
                                const lineage_sample *b, double threshold);
LINEAGE_API void lineage_comparison_free(lineage_comparison *c);

#ifdef __cplusplus
}
#endif
#endif
