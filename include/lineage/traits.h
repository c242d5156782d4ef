/**
 * @file lineage/traits.h
 * @brief Traits: the comparable facts each evidence axis draws from a sample
 * (an algorithm it carries, how it is built, a key it embeds), stored in the
 * corpus per sample and met again by lineage_corpus_match(). Two samples share
 * a trait when their tokens are equal.
 */
#ifndef LINEAGE_TRAITS_H
#define LINEAGE_TRAITS_H

#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How much sharing a trait says about kinship, weakest first. */
enum {
	LINEAGE_TRAIT_COMMON = 0,  /**< an algorithm or capability many programs have ("carries AES",
	                            *   "can delete a drive layout") */
	LINEAGE_TRAIT_BUILD = 1,   /**< how it is built ("AES from 32-bit big-endian T-tables", the
	                            *   device path string, an IOCTL sequence) */
	LINEAGE_TRAIT_VARIANT = 2, /**< a custom variant ("API names hashed with ROR13", a 1-byte XOR key,
	                            *   a command line or script's wording, an extension list, an
	                            *   embedded driver) */
	LINEAGE_TRAIT_MATERIAL = 3 /**< key material or a custom table: an RSA key, a custom Base64
	                            *   alphabet, a multi-byte XOR key */
};

/** Bumped when the traits drawn from a file change: a corpus sample stored
 *  with an older version gets its traits again when it is added again. */
#define LINEAGE_TRAITS_VERSION 4 /* 2: the destruction axis, 3: infrastructure, 4: artifacts */

typedef struct lineage_trait {
	const char *axis;   /**< "crypto", "destruction", "infrastructure", "artifacts" */
	const char *token;  /**< "crypto:material:alphabet:ZYX...": equal tokens, same trait */
	const char *detail; /**< one line for a human */
	uint32_t kind;      /**< LINEAGE_TRAIT_* */
} lineage_trait;

/** The traits of an analysed sample (those of the axes it was analysed for),
 *  sorted by token and distinct; borrowed. */
LINEAGE_API const lineage_trait *lineage_sample_traits(const lineage_sample *s, size_t *count);

/** "common", "build", "variant" or "material". */
LINEAGE_API const char *lineage_trait_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif
#endif
