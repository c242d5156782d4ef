/* Function-by-function comparison of two samples: exact hashes, then near
 * duplicates through the same MinHash LSH banding the corpus index uses,
 * assigned greedily (best similarity first, each function once). */
#include "lineage/kinship.h"

#include <stdlib.h>

#include "../core/core.h"
#include "../corpus/store.h"

typedef struct cand {
	double sim;
	uint32_t a, b;
} cand;

static int cmp_cand(const void *x, const void *y)
{
	const cand *p = x, *q = y;
	if (p->sim != q->sim) return p->sim > q->sim ? -1 : 1;
	if (p->a != q->a) return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_pair(const void *x, const void *y)
{
	const lineage_pair *p = x, *q = y;
	if (p->exact != q->exact) return p->exact ? -1 : 1;
	if (p->similarity != q->similarity) return p->similarity > q->similarity ? -1 : 1;
	return p->a < q->a ? -1 : p->a > q->a;
}

static bool counts(const lineage_function *f)
{
	return f->ninsn >= LINEAGE_MIN_MATCH_INSNS && !(f->flags & LINEAGE_FUNC_THUNK);
}

/* Buckets: key -> first index in chain, chain[i] -> next index + 1. */
typedef struct bucket {
	ln_map head;
	uint32_t *next;
} bucket;

static bool bucket_put(bucket *bk, uint64_t key, uint32_t i)
{
	uint32_t *h = ln_map_get(&bk->head, key);
	bk->next[i] = h ? *h : 0;
	return ln_map_put(&bk->head, key, i + 1);
}

int lineage_compare(lineage_comparison **out, lineage_ctx *ctx, const lineage_sample *sa, const lineage_sample *sb,
                    double threshold)
{
	*out = NULL;
	if (threshold <= 0) threshold = LINEAGE_NEAR_THRESHOLD;
	if (threshold > 1) return ln_ctx_error(ctx, LINEAGE_EINVAL, "compare: threshold %g is over 1", threshold);
	size_t na, nb;
	const lineage_function *fa = lineage_sample_functions(sa, &na);
	const lineage_function *fb = lineage_sample_functions(sb, &nb);
	lineage_comparison *c = ln_calloc(1, sizeof(*c));
	uint8_t *used_a = ln_calloc(na + 1, 1), *used_b = ln_calloc(nb + 1, 1);
	lineage_pair *pairs = ln_calloc((na < nb ? na : nb) + 1, sizeof(lineage_pair));
	bucket exact = {0}, bands = {0};
	ln_map_init(&exact.head);
	ln_map_init(&bands.head);
	exact.next = ln_calloc(nb + 1, sizeof(uint32_t));
	bands.next = ln_calloc((nb + 1) * LN_LSH_BANDS, sizeof(uint32_t));
	ln_vec cands;
	ln_vec_init(&cands, sizeof(cand));
	int rc = 0;
	if (!c || !used_a || !used_b || !pairs || !exact.next || !bands.next) rc = LINEAGE_ENOMEM;

	uint64_t tot_a = 0, tot_b = 0;
	for (size_t i = 0; rc == 0 && i < nb; i++) {
		if (!counts(&fb[i])) continue;
		c->functions_b++;
		tot_b += fb[i].ninsn;
		if (!bucket_put(&exact, fb[i].exact_hash, (uint32_t)i)) rc = LINEAGE_ENOMEM;
	}
	/* exact pairs: the same normalized instructions */
	size_t np = 0;
	for (size_t i = 0; rc == 0 && i < na; i++) {
		if (!counts(&fa[i])) continue;
		c->functions_a++;
		tot_a += fa[i].ninsn;
		/* among identical functions prefer the one with the same name, then
		 * the same address, then the first free one */
		uint32_t *h = ln_map_get(&exact.head, fa[i].exact_hash);
		uint32_t best = 0;
		int best_rank = -1;
		for (uint32_t k = h ? *h : 0; k; k = exact.next[k - 1]) {
			if (used_b[k - 1]) continue;
			const lineage_function *g = &fb[k - 1];
			int rank = (fa[i].name && g->name && !strcmp(fa[i].name, g->name)) * 2 +
			           (g->address == fa[i].address);
			if (rank > best_rank) {
				best_rank = rank;
				best = k;
			}
		}
		if (best) {
			used_a[i] = used_b[best - 1] = 1;
			pairs[np++] = (lineage_pair){fa[i].address, fb[best - 1].address, fa[i].name, fb[best - 1].name,
			                             fa[i].ninsn,   fb[best - 1].ninsn,   1.0,        1};
		}
	}
	c->nexact = np;
	/* near pairs: candidates share an LSH band, then the full estimate decides */
	for (size_t i = 0; rc == 0 && i < nb; i++) {
		if (!counts(&fb[i]) || used_b[i]) continue;
		for (unsigned band = 0; band < LN_LSH_BANDS && rc == 0; band++)
			if (!bucket_put(&bands, ln_lsh_band_key(fb[i].minhash, band),
			                (uint32_t)(i * LN_LSH_BANDS + band)))
				rc = LINEAGE_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < na; i++) {
		if (!counts(&fa[i]) || used_a[i]) continue;
		size_t first = cands.len;
		for (unsigned band = 0; band < LN_LSH_BANDS && rc == 0; band++) {
			uint32_t *h = ln_map_get(&bands.head, ln_lsh_band_key(fa[i].minhash, band));
			for (uint32_t k = h ? *h : 0; k; k = bands.next[k - 1]) {
				uint32_t bi = (k - 1) / LN_LSH_BANDS;
				bool seen = false; /* a candidate met in an earlier band */
				for (size_t q = first; q < cands.len && !seen; q++)
					seen = LN_VEC_AT(&cands, cand, q).b == bi;
				if (seen) continue;
				double sim = lineage_minhash_similarity(fa[i].minhash, fb[bi].minhash);
				if (sim < threshold) continue;
				cand *x = ln_vec_push(&cands);
				if (!x) {
					rc = LINEAGE_ENOMEM;
					break;
				}
				*x = (cand){sim, (uint32_t)i, bi};
			}
		}
	}
	if (rc == 0) {
		ln_sort(cands.items, cands.len, sizeof(cand), cmp_cand);
		for (size_t k = 0; k < cands.len; k++) {
			const cand *x = &LN_VEC_AT(&cands, cand, k);
			if (used_a[x->a] || used_b[x->b]) continue;
			used_a[x->a] = used_b[x->b] = 1;
			pairs[np++] = (lineage_pair){fa[x->a].address, fb[x->b].address, fa[x->a].name, fb[x->b].name,
			                             fa[x->a].ninsn,   fb[x->b].ninsn,   x->sim,        0};
		}
		ln_sort(pairs, np, sizeof(*pairs), cmp_pair);
		double wa = 0, wb = 0;
		for (size_t k = 0; k < np; k++) {
			wa += pairs[k].similarity * pairs[k].ninsn_a;
			wb += pairs[k].similarity * pairs[k].ninsn_b;
		}
		c->pairs = pairs;
		c->npairs = np;
		c->score_a = tot_a ? wa / (double)tot_a : 0;
		c->score_b = tot_b ? wb / (double)tot_b : 0;
		c->score = tot_a + tot_b ? (wa + wb) / (double)(tot_a + tot_b) : 0;
	}
	ln_free(used_a);
	ln_free(used_b);
	ln_free(exact.next);
	ln_free(bands.next);
	ln_map_free(&exact.head);
	ln_map_free(&bands.head);
	ln_vec_free(&cands);
	if (rc != 0) {
		ln_free(pairs);
		ln_free(c);
		return ln_ctx_error(ctx, rc, "compare: out of memory");
	}
	*out = c;
	return 0;
}

void lineage_comparison_free(lineage_comparison *c)
{
	if (!c) return;
	ln_free((void *)c->pairs);
	ln_free(c);
}
