/**
 * @file lineage/kinship.h
 * @brief Code kinship between two samples: which functions one shares with
 * the other, exactly (same normalized instructions) or nearly (estimated
 * Jaccard similarity of instruction 3-grams above a threshold).
 */
#ifndef LINEAGE_KINSHIP_H
#define LINEAGE_KINSHIP_H

#include "corpus.h"
#include "infra.h"

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

/* ---- Matching a sample against the corpus ---------------------------- */

/** Default verdict threshold on a family's code score: below it the answer is
 *  "no known relative". Calibrated by bench/kinship (docs/kinship.md). */
#define LINEAGE_VERDICT_THRESHOLD 0.20
/** A verdict also needs this many instructions of shared, non-library code. */
#define LINEAGE_VERDICT_MIN_INSNS 60
/** Default threshold on lineage_function_similarity() for "similar"
 *  functions: the same source built by another compiler or at another level. */
#define LINEAGE_SIMILAR_THRESHOLD 0.90
/** A function found in this many families or more is library code. */
#define LINEAGE_LIBRARY_FAMILIES 3

typedef struct lineage_match_options {
	double near_threshold;    /**< estimated Jaccard for near duplicates; 0: LINEAGE_NEAR_THRESHOLD */
	double verdict_threshold; /**< 0: LINEAGE_VERDICT_THRESHOLD */
	double similar_threshold; /**< signature similarity for "similar" functions; 0: LINEAGE_SIMILAR_THRESHOLD */
	size_t max_hits;          /**< stored functions read per query function; 0: 2000 */
	/** Leave the stored sample with the query's own sha256 out (match a
	 *  corpus member against the rest). */
	int exclude_self;
	/** The axes that count (LINEAGE_AXIS_MASK bits); 0: all of them. The
	 *  others are still looked up and shown but add no evidence. */
	unsigned axes;
	/** Resolves actor names to ATT&CK groups, so that a feed naming
	 *  "Guardians of Peace" meets a family labelled "Lazarus Group"; NULL:
	 *  names are compared as written (without case, spaces, dashes, dots). */
	const lineage_kb *kb;
} lineage_match_options;

/** The evidence axes of the combined verdict (docs/attribution.md). */
typedef enum lineage_axis {
	LINEAGE_AXIS_CODE,
	LINEAGE_AXIS_CRYPTO,
	LINEAGE_AXIS_DESTRUCTION,
	LINEAGE_AXIS_INFRASTRUCTURE,
	LINEAGE_AXIS_ARTIFACTS,
	LINEAGE_NAXES
} lineage_axis;
#define LINEAGE_AXIS_MASK(a) (1u << (a))

/** "code", "crypto", "destruction", "infrastructure", "artifacts"; NULL when out of range. */
LINEAGE_API const char *lineage_axis_name(int axis);
/** The axis named @p name, or -1. */
LINEAGE_API int lineage_axis_from_name(const char *name);

/** A stored sample that shares code with the query. */
typedef struct lineage_match_sample {
	int64_t id;
	const char *sha256, *path;
	const char *family; /**< "" when unlabeled */
	const char *actor;
	int library;           /**< a reference library sample */
	double score;          /**< share of the query's weighted code found in this sample */
	double known_coverage; /**< share of this sample's instructions found in the query (weighted) */
	size_t nfunctions;     /**< query functions matched in it */
	size_t nexact;
} lineage_match_sample;

/** A family (all its samples), or one unlabeled sample standing alone. */
typedef struct lineage_match_family {
	const char *family; /**< "" for an unlabeled sample (see best_sample) */
	const char *actor;  /**< of its best sample */
	int library;
	double score;       /**< the best score of its samples */
	size_t best_sample; /**< index into lineage_match.samples */
	size_t nsamples;    /**< its samples that share code with the query */
	size_t nfunctions;  /**< query functions matched in the family */
	size_t nexact;
	size_t nlibrary;             /**< of those, library code */
	uint64_t shared_insns;       /**< instructions of those functions, library code excluded */
	double crypto_score;         /**< the crypto axis: 0..1 from the traits shared (lineage_match_trait) */
	double destruction_score;    /**< the destruction axis: 0..1 from its traits shared, the same way */
	double infrastructure_score; /**< the infrastructure axis: 0..1 from the indicators shared, and
	                                  from feed entries naming the family's actor */
	size_t actor_rank;           /**< its actor in lineage_match.actors, or SIZE_MAX */
	double artifacts_score;      /**< the artifacts axis: 0..1 from the build traits shared (Rich
	                                  header, PDB path, imphash...): supporting evidence only */
	size_t ntraits;              /**< traits the query shares with the family */
	/** The combined model (docs/attribution.md): each axis's evidence in
	 *  log-odds (axis_evidence[LINEAGE_AXIS_*], 0 for an axis left out),
	 *  their sum with the prior (evidence), and the confidence that this
	 *  family is the answer: a softmax over the ranked families and "no known
	 *  relative", calibrated by bench/kinship. */
	double axis_evidence[LINEAGE_NAXES];
	double evidence;
	double confidence;
	/** 1 when the strong axes alone (code, crypto, destruction,
	 *  infrastructure: not artifacts, not the capped weak traits) clear the
	 *  open-set threshold: the family may be the verdict. */
	int supported;
	/** The ATT&CK software the family's label names and the ATT&CK group its
	 *  actor label names, through their aliases (lineage_match_options.kb);
	 *  NULL when none or without a knowledge base. Borrowed from the kb. */
	const char *software_id, *software_name;
	const char *group_id, *group_name;
} lineage_match_family;

/** Trait weights before division by the number of families holding the
 *  trait: key material decides, a custom variant counts, how an algorithm
 *  is built and which algorithms are there only add a little, together at
 *  most LINEAGE_TRAIT_WEAK_CAP: a common algorithm alone decides nothing. */
#define LINEAGE_TRAIT_WEIGHT_MATERIAL 0.90
#define LINEAGE_TRAIT_WEIGHT_VARIANT  0.25
#define LINEAGE_TRAIT_WEIGHT_BUILD    0.05
#define LINEAGE_TRAIT_WEIGHT_COMMON   0.01
#define LINEAGE_TRAIT_WEAK_CAP        0.15
/** A family with no code verdict is the verdict when its crypto score
 *  reaches this: shared key material, or several custom variants. */
#define LINEAGE_CRYPTO_VERDICT_THRESHOLD 0.50
/** Nor crypto: a family is the verdict when its destruction score reaches
 *  this (shared variants: the same scripts and command lines, extension list
 *  or embedded driver; capabilities alone stay under it). */
#define LINEAGE_DESTRUCTION_VERDICT_THRESHOLD 0.50
/** Nor destruction: a family is the verdict when its infrastructure score
 *  reaches this (a rare address, domain, URL, mutex or pipe shared, or a
 *  feed's confident entry naming its actor; public services weigh nothing). */
#define LINEAGE_INFRA_VERDICT_THRESHOLD 0.50
/** A trait held by this many stored samples or more is everywhere (a CDN, a
 *  public resolver): it weighs nothing. */
#define LINEAGE_TRAIT_EVERYWHERE 1000

/** A feed entry (lineage_corpus_import_iocs) naming one of the query's
 *  indicators. */
typedef struct lineage_match_feed {
	const char *type, *value; /**< the query's indicator */
	size_t family;            /**< the family whose actor it names, index into
	                               lineage_match.families, or SIZE_MAX */
	double weight;            /**< what it adds to that family's infrastructure score */
	lineage_feed_ioc entry;   /**< the feed's record (its value may be the indicator's host) */
} lineage_match_feed;

/** A trait the query shares with a family (lineage/traits.h). */
typedef struct lineage_match_trait {
	size_t family;      /**< index into lineage_match.families */
	size_t sample;      /**< index into lineage_match.samples: a sample of the family holding it */
	const char *axis;   /**< "crypto", "destruction", "infrastructure" or "artifacts" */
	const char *token;  /**< the shared trait */
	const char *detail; /**< the query's description of it */
	uint32_t kind;      /**< LINEAGE_TRAIT_* */
	uint32_t nfamilies; /**< families in the corpus holding it */
	double weight;      /**< its weight (kind weight / nfamilies) */
} lineage_match_trait;

/** An axis pointing at another family than the verdict (or, without one,
 *  than the nearest candidate): artifacts saying one thing and code another
 *  is a possible false flag. */
typedef struct lineage_match_contradiction {
	int axis;             /**< LINEAGE_AXIS_*: the axis pointing elsewhere */
	size_t family;        /**< the family it points at (index into lineage_match.families) */
	size_t against;       /**< the verdict's (or nearest candidate's) family */
	double score;         /**< that axis's score for @c family */
	double against_score; /**< the same axis's score for @c against */
	int false_flag;       /**< artifacts (cheap to plant) against strong evidence */
} lineage_match_contradiction;

/** An actor: the families labelled with it (the same ATT&CK group through
 *  its aliases, or the same name), with their confidences summed. */
typedef struct lineage_match_actor {
	const char *actor;                 /**< the label of its first family */
	const char *group_id, *group_name; /**< its ATT&CK group, or NULL */
	double confidence;                 /**< the sum of its families' */
	size_t family;                     /**< its first family (index into lineage_match.families) */
	size_t nfamilies;
} lineage_match_actor;

/** Open set: the verdict's family must be supported (lineage_match_family);
 *  when the second family is supported too, the first needs this confidence,
 *  else the answer is ambiguous (lineage_match.ambiguous), no verdict, the
 *  candidates listed. */
#define LINEAGE_VERDICT_CONFIDENCE 0.50
/** An axis's score for another family at which it is called a contradiction. */
#define LINEAGE_CONTRADICTION_SCORE 0.50

/** One matched function: the evidence a claim rests on. */
typedef struct lineage_match_evidence {
	size_t family; /**< index into lineage_match.families */
	size_t sample; /**< index into lineage_match.samples */
	uint64_t query_address, known_address;
	const char *query_name, *known_name; /**< symbol names when known, else NULL */
	uint32_t ninsn;                      /**< instructions of the query function */
	double similarity; /**< 1.0 when exact; the MinHash estimate when near; the signature score when similar */
	int exact;
	int similar;        /**< found by signature similarity (another compiler or level), not by MinHash */
	uint32_t nfamilies; /**< families the function is found in */
	int library;        /**< marked as library/runtime code */
	double weight;      /**< 1/nfamilies, 0 for library code */
} lineage_match_evidence;

typedef struct lineage_match {
	const lineage_match_family *families; /**< best first, library families excluded */
	size_t nfamilies;
	const lineage_match_family *libraries; /**< reference library code recognized in the query */
	size_t nlibraries;
	const lineage_match_sample *samples; /**< best first */
	size_t nsamples;
	const lineage_match_evidence *evidence; /**< for each family: its functions, heaviest first */
	size_t nevidence;
	size_t functions;         /**< query functions considered (>= LINEAGE_MIN_MATCH_INSNS) */
	size_t library_functions; /**< of those, marked as library code */
	uint64_t query_insns;     /**< instructions of the non-library functions: the score's denominator */
	double threshold;         /**< the verdict threshold used */
	const char *verdict;      /**< the family, or NULL: no known relative */
	const char *verdict_axis; /**< the axis with the most evidence for the verdict
	                                        ("code", "crypto", "destruction", "infrastructure");
	                                        NULL with none */
	double confidence;        /**< the verdict's confidence, or without one the
	                                        probability that the query has no known relative */
	int ambiguous;            /**< no verdict although the first family is supported:
	                                        the second is supported too and the first's confidence
	                                        is under LINEAGE_VERDICT_CONFIDENCE */
	const lineage_match_contradiction *contradictions;
	size_t ncontradictions;
	const lineage_match_actor *actors; /**< by confidence; families without an actor label left out */
	size_t nactors;
	const lineage_match_trait *traits; /**< shared traits, by family (ranked) then weight */
	size_t ntraits;
	const lineage_match_feed *feeds; /**< feed entries naming the query's indicators */
	size_t nfeeds;
	double score;       /**< the best family's score */
	uint64_t rows_read; /**< index entries and stored functions read to answer (the query's cost) */
} lineage_match;

/**
 * Match an analyzed sample (LINEAGE_ANALYZE_CODE) against a corpus: exact
 * hashes through the hash index, near duplicates through the LSH band index.
 * Each query function's weight falls with the number of families it is found
 * in; functions found in library samples, in LINEAGE_LIBRARY_FAMILIES
 * families or more, or named as compiler runtime are library code and weigh
 * nothing. A sample's score is its share of the query's weighted
 * instructions; a family's is its best sample's. The query's traits
 * (LINEAGE_ANALYZE_CRYPTO) are looked up too: each family gets a crypto score
 * from the traits it shares (lineage_match_trait), and a family without
 * shared code still ranks, and is the verdict, on shared key material.
 * @param opt NULL for the defaults.
 */
LINEAGE_API int lineage_corpus_match(lineage_match **out, lineage_corpus *c, lineage_ctx *ctx, const lineage_sample *s,
                                     const lineage_match_options *opt);
LINEAGE_API void lineage_match_free(lineage_match *m);

/** A family's name: its label, or for an unlabelled sample standing alone,
 *  that sample's sha256 (as lineage_match.verdict names it). */
LINEAGE_API const char *lineage_match_family_name(const lineage_match *m, const lineage_match_family *f);
/** A family's score on an axis (LINEAGE_AXIS_*): its code score, crypto_score,
 *  destruction_score, infrastructure_score or artifacts_score. */
LINEAGE_API double lineage_match_axis_score(const lineage_match_family *f, int axis);
/** The score at which an axis alone supports a verdict (the code threshold
 *  used by @p m for code, 0.50 for the trait axes); 1 for artifacts, which
 *  never decide. */
LINEAGE_API double lineage_match_axis_threshold(const lineage_match *m, int axis);

/** 1 when @p name is a compiler-runtime function (CRT startup, stack
 *  protector, TLS callbacks...): never evidence of kinship. */
LINEAGE_API int lineage_runtime_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
