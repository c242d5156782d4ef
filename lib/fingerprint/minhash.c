/* Per-function fingerprints: an exact hash of the token sequence and a
 * MinHash signature over token n-grams, computed by one-permutation hashing
 * with rotation densification (Shrivastava 2017): one hash per n-gram instead
 * of K, and empty bins borrow from the next non-empty bin so that the
 * estimator stays unbiased for short functions. */
#include "fingerprint.h"

#include <xxhash.h>

static inline uint64_t shingle(const uint32_t *t, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull;
	for (size_t i = 0; i < n; i++) {
		h ^= t[i];
		h *= 0x100000001b3ull ^ 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h;
}

void ln_fp_function(lineage_function *fn)
{
	const size_t k = LINEAGE_MINHASH_K;
	fn->exact_hash = XXH3_64bits(fn->tokens, (size_t)fn->ninsn * sizeof(uint32_t));
	for (size_t i = 0; i < k; i++) fn->minhash[i] = UINT32_MAX;
	if (!fn->ninsn) return;
	size_t n = fn->ninsn < LINEAGE_MINHASH_NGRAM ? fn->ninsn : LINEAGE_MINHASH_NGRAM;
	for (size_t i = 0; i + n <= fn->ninsn; i++) {
		uint64_t h = shingle(fn->tokens + i, n);
		uint32_t bin = (uint32_t)((h >> 32) * k >> 32);
		uint32_t v = (uint32_t)h;
		if (v == UINT32_MAX) v--;
		if (v < fn->minhash[bin]) fn->minhash[bin] = v;
	}
	/* densify: an empty bin takes the value of the next bin that was
	 * non-empty, salted by the distance so that two empty bins do not agree
	 * by accident. One pass backwards around the circle from a non-empty
	 * bin keeps "the next non-empty bin" at hand. */
	uint32_t orig[LINEAGE_MINHASH_K];
	memcpy(orig, fn->minhash, sizeof(orig));
	size_t start = k;
	for (size_t i = 0; i < k && start == k; i++)
		if (orig[i] != UINT32_MAX) start = i;
	if (start == k) return;
	size_t next = start;
	for (size_t step = 1; step < k; step++) {
		size_t i = (start + k - step) % k;
		if (orig[i] != UINT32_MAX) {
			next = i;
			continue;
		}
		size_t dist = (next + k - i) % k;
		uint32_t w = orig[next] * 0x9e3779b1u + (uint32_t)dist * 0x85ebca6bu;
		fn->minhash[i] = w == UINT32_MAX ? w - 1 : w;
	}
}

double lineage_minhash_similarity(const uint32_t *a, const uint32_t *b)
{
	unsigned same = 0;
	for (size_t i = 0; i < LINEAGE_MINHASH_K; i++) same += a[i] == b[i];
	return (double)same / LINEAGE_MINHASH_K;
}
