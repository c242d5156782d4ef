/* Signature similarity of two stored or analysed functions, as `match`
 * (lib/kinship/match.c) and `cluster` (lib/kinship/cluster.c) judge a
 * "similar" function: one built from the same source by another compiler or
 * at another level. */
#ifndef LN_SIGSIM_H
#define LN_SIGSIM_H

#include <stdbool.h>

#include "lineage/disasm.h"

/* What the similarity model reads of a function; pointers borrowed. */
typedef struct ln_sigsim_fn {
	const lineage_function_sig *sig; /* or NULL: not comparable */
	const uint32_t *minhash;         /* LINEAGE_MINHASH_K values, or NULL: not comparable */
	uint32_t ninsn, nblocks;
} ln_sigsim_fn;

/* true when two signatures agree on distinctive content: at least half of
 * the read-only data (strings, tables) or of the constants, two features or
 * more on each side. */
bool ln_sigsim_distinctive(const lineage_function_sig *a, const lineage_function_sig *b);

/* lineage_function_similarity() of a and b when they agree on distinctive
 * content (ln_sigsim_distinctive), else 0; 0 when either lacks a signature
 * or a MinHash. Pure. */
double ln_sigsim_similarity(const ln_sigsim_fn *a, const ln_sigsim_fn *b);

#endif
