/**
 * @file lineage/cluster.h
 * @brief Clustering the corpus: unlabeled samples grouped into candidate
 * families by the code they share, library code discounted, each group with
 * the evidence it rests on. Works from the stored functions alone (exact
 * hashes, MinHash signatures and their LSH bands, similarity signatures and
 * their feature index); no file is read again.
 */
#ifndef LINEAGE_CLUSTER_H
#define LINEAGE_CLUSTER_H

#include "corpus.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default threshold on a pair's kinship score: two samples are linked when
 *  this share of the smaller one's own code (weighted) is found in the other.
 *  Measured on fixtures and real code (docs/cli/cluster.md). */
#define LINEAGE_CLUSTER_THRESHOLD 0.25
/** A link also needs this many instructions of shared, non-library code. */
#define LINEAGE_CLUSTER_MIN_INSNS 40

typedef struct lineage_cluster_options {
	double threshold;      /**< on a pair's score (0 < t <= 1); 0: LINEAGE_CLUSTER_THRESHOLD */
	double near_threshold; /**< estimated Jaccard for near duplicates; 0: LINEAGE_NEAR_THRESHOLD */
	size_t min_size;       /**< smallest cluster reported; 0: 2 (smaller ones are singletons) */
	int all;               /**< cluster labeled samples too (library samples never are) */
	size_t max_shared;     /**< heaviest shared functions listed per cluster; 0: 5 */
} lineage_cluster_options;

/** A clustered sample. */
typedef struct lineage_cluster_member {
	int64_t id;
	const char *sha256, *path;
	const char *family;         /**< its label, "" when unlabeled */
	size_t functions;           /**< functions considered (>= LINEAGE_MIN_MATCH_INSNS, no thunk) */
	uint64_t code_insns;        /**< instructions of those that are not library code */
	const char *nearest_family; /**< the labeled family sharing most code with it, or NULL */
	double nearest_score;       /**< that family's share of its code (weighted, as a pair score) */
} lineage_cluster_member;

/** One copy of a shared function, in one member. */
typedef struct lineage_cluster_copy {
	size_t member; /**< index into lineage_cluster.members */
	uint64_t address;
	uint32_t ninsn;
	const char *name; /**< symbol name when known, else NULL */
} lineage_cluster_copy;

/** A function the members share: copies linked exactly or as near duplicates. */
typedef struct lineage_cluster_shared {
	const lineage_cluster_copy *copies; /**< one per member holding it, by member */
	size_t ncopies;                     /**< members holding it */
	int exact;                          /**< all copies have the same exact hash */
	double weight;                      /**< its weight (1 / other groups holding it) */
	uint64_t insns;                     /**< instructions of its largest copy */
} lineage_cluster_shared;

/** A trait (lineage/traits.h) held by at least two members. */
typedef struct lineage_cluster_trait {
	const char *axis;   /**< "crypto", "destruction" or "infrastructure" */
	const char *token;  /**< the trait */
	const char *detail; /**< one member's description of it */
	uint32_t kind;      /**< LINEAGE_TRAIT_* */
	size_t nmembers;    /**< members holding it */
	size_t nsamples;    /**< stored samples holding it, in or out of the cluster */
} lineage_cluster_trait;

typedef struct lineage_cluster {
	size_t id;                             /**< 1-based, in the order listed */
	const lineage_cluster_member *members; /**< by code size, largest first */
	size_t nmembers;
	double min_score, mean_score;         /**< cohesion: over all member pairs (0 when unlinked) */
	size_t shared_all;                    /**< functions held by every member */
	size_t shared_most;                   /**< by at least half of them (shared_all included) */
	const lineage_cluster_shared *shared; /**< the heaviest (weight x instructions), at most
	                                             lineage_cluster_options.max_shared */
	size_t nshared;
	const lineage_cluster_trait *traits; /**< strongest kind first, then held by more members */
	size_t ntraits;
	const char *candidate_family; /**< the labeled family nearest to a member, or NULL */
	double candidate_score;       /**< its best score with a member */
	size_t candidate_members;     /**< members sharing code with it */
} lineage_cluster;

typedef struct lineage_clusters {
	const lineage_cluster *clusters; /**< largest first, then most cohesive */
	size_t nclusters;
	const lineage_cluster_member *singletons; /**< samples in no cluster of min_size */
	size_t nsingletons;
	size_t nsamples;    /**< samples clustered (clusters and singletons) */
	size_t npairs;      /**< sample pairs sharing code (any score) */
	size_t nlinks;      /**< of those, at or over the threshold */
	size_t passes;      /**< weighting passes run (see lineage_corpus_cluster) */
	double threshold;   /**< the threshold used */
	uint64_t rows_read; /**< index entries and stored functions read */
} lineage_clusters;

/**
 * Group the corpus's unlabeled samples (all non-library samples with
 * opt->all) by code kinship.
 *
 * Each function of each sample is looked up by exact hash, through its
 * LSH bands and through its signature's feature keys (never by scanning the
 * corpus); a pair of samples shares a function when the copies are exact,
 * near duplicates (estimated Jaccard at or over the near threshold) or
 * similar as lineage_corpus_match() judges them (another compiler or level:
 * LINEAGE_SIMILAR_THRESHOLD and distinctive content in common). Library code weighs nothing: functions
 * held by library samples, by LINEAGE_LIBRARY_FAMILIES groups or more, named
 * as compiler runtime, or shorter than LINEAGE_MIN_MATCH_INSNS. Every other
 * function weighs 1 / the number of other groups holding it, where a group is
 * a labeled family or, for unlabeled samples, the cluster of the previous
 * pass (the first pass: each sample alone, only exact and near copies
 * counted, and no function is library by count), repeated until the
 * clusters stop changing. A pair's score is the
 * similarity-weighted instructions of the smaller sample's (less non-library
 * code) functions found in the other, over its non-library instructions.
 * Pairs at or over the threshold, with LINEAGE_CLUSTER_MIN_INSNS shared
 * instructions, are joined by average linkage: two clusters merge while the
 * mean score over all their cross pairs (unlinked pairs count 0) reaches the
 * threshold, so that a chain of pairwise links does not merge unrelated
 * samples.
 *
 * @param[out] out the clusters, freed with lineage_clusters_free(); NULL on failure.
 * @param opt NULL for the defaults.
 * @return 0, LINEAGE_EINVAL for a bad option, LINEAGE_ENOTFOUND when the
 *         corpus holds no sample to cluster, LINEAGE_EDB, LINEAGE_ENOMEM.
 * Not thread-safe on one corpus handle.
 */
LINEAGE_API int lineage_corpus_cluster(lineage_clusters **out, lineage_corpus *c, lineage_ctx *ctx,
                                       const lineage_cluster_options *opt);
/** Free a result; NULL is a no-op. */
LINEAGE_API void lineage_clusters_free(lineage_clusters *r);

#ifdef __cplusplus
}
#endif
#endif
