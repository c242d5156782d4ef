/* bench/lsh_recall: how many true near-duplicate function pairs the corpus's
 * LSH banding returns as candidates. For each pair of binaries given (two
 * builds of the same code: other compiler, other optimization level), every
 * cross pair of functions (>= 10 instructions as the corpus bands them, no
 * thunks) is compared by brute force:
 *  - ground truth: the true Jaccard similarity of the two functions' sets of
 *    instruction-token n-grams (LINEAGE_MINHASH_NGRAM = 3, computed here from
 *    lineage_function.tokens), a true pair when >= LINEAGE_NEAR_THRESHOLD;
 *    the same figures again with the MinHash estimate as ground truth;
 *  - candidates: a pair is a candidate of a banding when enough of its bands
 *    hold equal MinHash values in every row (what an index lookup returns).
 * Bandings measured in the same run, on the same 64-value signatures:
 *  - 21x3: lib/corpus (LN_LSH_BANDS x LN_LSH_ROWS), one band suffices;
 *  - 16x4: this project's previous banding; 32x2;
 *  - MCRIT, the open-source MinHash code-similarity tool (its defaults in
 *    mcrit/config: StorageConfig STORAGE_BANDS {4: 20} with the "random"
 *    strategy: 20 bands of 4 offsets drawn at random from the 64;
 *    MinHashConfig MINHASH_SIGNATURE_BITS 8 and BAND_MATCHES_REQUIRED 2):
 *    emulated here with 20 random 4-offset bands (own seed), the values
 *    truncated to 8 bits, at least 2 matching bands (its default), and 1
 *    (its "hunt" preset).
 * With --max-a N, at most N functions of each A (evenly spread) are paired
 * with all of B: an unbiased sample that keeps huge binaries tractable.
 *   usage: bench_lsh_recall [--max-a N] A1 B1 [A2 B2 ...]   (nothing is executed) */
#include <lineage.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K       LINEAGE_MINHASH_K
#define NBUCKET 3
#define NBAND   32
/* distinct n-grams from which nearly every one of the 64 bins holds its own
 * minimum (64 e^-4 = 1.2 bins expected empty): below it, one-permutation
 * hashing fills the empty bins from their neighbours, and the adjacent rows
 * of a band agree together more often than independent rows would */
#define LARGE 256

static const double bucket_lo[NBUCKET] = {0.5, 0.6, 0.8};
static const char *const bucket_name[NBUCKET] = {"[0.5,0.6)", "[0.6,0.8)", "[0.8,1.0]"};

typedef struct banding {
	const char *name;
	int nbands, need, bits8;
	uint64_t mask[NBAND]; /* the signature offsets of each band */
} banding;

enum { B_21x3, B_16x4, B_32x2, B_MCRIT2, B_MCRIT1, NBANDINGS };

typedef struct tally {
	/* [ground truth: 0 true Jaccard, 1 MinHash estimate, 2 true Jaccard
	 * of large functions][bucket, NBUCKET: all, NBUCKET+1: exact hash differs] */
	uint64_t truth[3][NBUCKET + 2];
	uint64_t found[NBANDINGS][3][NBUCKET + 2];
	uint64_t candidates[NBANDINGS];
	uint64_t cross;
} tally;

static banding bandings[NBANDINGS];

/* Functions the corpus bands (lib/corpus/store.h LN_LSH_MIN_INSNS): shorter
 * ones are matched by their exact hash only. */
#define MIN_INSNS 10

static uint64_t rng_state = 0xdeadbeefcafef00dull;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void linear(banding *b, const char *name, int rows)
{
	b->name = name;
	b->nbands = K / rows;
	b->need = 1;
	for (int i = 0; i < b->nbands; i++)
		for (int r = 0; r < rows; r++) b->mask[i] |= 1ull << (i * rows + r);
}

/* The corpus index's banding: band i takes the rows i, i+nbands, i+2*nbands
 * (interleaved, lib/corpus/corpus.c ln_lsh_band_key). */
static void interleaved(banding *b, const char *name, int rows)
{
	b->name = name;
	b->nbands = K / rows;
	b->need = 1;
	for (int i = 0; i < b->nbands; i++)
		for (int r = 0; r < rows; r++) b->mask[i] |= 1ull << (i + r * b->nbands);
}

static void setup(void)
{
	interleaved(&bandings[B_21x3], "21x3 (lineage)", 3);
	linear(&bandings[B_16x4], "16x4 (before)", 4);
	linear(&bandings[B_32x2], "32x2", 2);
	banding *m = &bandings[B_MCRIT2];
	m->name = "MCRIT 20x4 >=2";
	m->nbands = 20;
	m->need = 2;
	m->bits8 = 1;
	for (int i = 0; i < 20; i++) {
		int perm[K];
		for (int k = 0; k < K; k++) perm[k] = k;
		for (int k = K - 1; k > 0; k--) {
			int j = (int)(rng() % (uint64_t)(k + 1)), t = perm[k];
			perm[k] = perm[j];
			perm[j] = t;
		}
		for (int r = 0; r < 4; r++) m->mask[i] |= 1ull << perm[r];
	}
	bandings[B_MCRIT1] = *m;
	bandings[B_MCRIT1].name = "MCRIT 20x4 >=1";
	bandings[B_MCRIT1].need = 1;
}

/* one considered function: its n-gram set, sorted, and its signature */
typedef struct func {
	uint64_t *grams;
	uint32_t ngrams;
	uint64_t exact;
	const uint32_t *mh;
} func;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int considered(const lineage_function *f)
{
	return f->ninsn >= MIN_INSNS && !(f->flags & LINEAGE_FUNC_THUNK) && f->tokens;
}

static func *functions_of(const lineage_sample *s, size_t *count)
{
	size_t nf, n = 0;
	const lineage_function *fn = lineage_sample_functions(s, &nf);
	func *out = calloc(nf + 1, sizeof(func));
	for (size_t i = 0; i < nf; i++) {
		if (!considered(&fn[i])) continue;
		func *f = &out[n++];
		uint32_t g = fn[i].ninsn - LINEAGE_MINHASH_NGRAM + 1;
		f->grams = malloc(g * sizeof(uint64_t));
		for (uint32_t k = 0; k < g; k++) {
			const uint32_t *t = fn[i].tokens + k;
			/* an n-gram of three 32-bit tokens, as a 64-bit hash:
			 * collisions are negligible at these set sizes */
			f->grams[k] = mix(((uint64_t)t[0] << 32 | t[1]) ^ mix(t[2] + 0x9e3779b97f4a7c15ull));
		}
		qsort(f->grams, g, sizeof(uint64_t), cmp_u64);
		uint32_t u = 0;
		for (uint32_t k = 0; k < g; k++)
			if (!u || f->grams[k] != f->grams[u - 1]) f->grams[u++] = f->grams[k];
		f->ngrams = u;
		f->exact = fn[i].exact_hash;
		f->mh = fn[i].minhash;
	}
	*count = n;
	return out;
}

static double jaccard(const func *a, const func *b)
{
	uint32_t i = 0, j = 0, both = 0;
	while (i < a->ngrams && j < b->ngrams) {
		if (a->grams[i] == b->grams[j])
			both++, i++, j++;
		else if (a->grams[i] < b->grams[j])
			i++;
		else
			j++;
	}
	uint32_t uni = a->ngrams + b->ngrams - both;
	return uni ? (double)both / uni : 0;
}

static int bucket(double j)
{
	if (j < bucket_lo[0]) return -1;
	int b = 0;
	while (b + 1 < NBUCKET && j >= bucket_lo[b + 1]) b++;
	return b;
}

static void count(tally *t, int truth, double sim, int not_exact, const int *cand)
{
	int b = bucket(sim);
	if (b < 0) return;
	int slots[3] = {b, NBUCKET, NBUCKET + 1};
	for (int s = 0; s < 2 + not_exact; s++) {
		t->truth[truth][slots[s]]++;
		for (int k = 0; k < NBANDINGS; k++) t->found[k][truth][slots[s]] += cand[k] != 0;
	}
}

static void compare(tally *t, const func *A, size_t na, const func *B, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		const func *a = &A[i];
		for (size_t j = 0; j < nb; j++) {
			const func *b = &B[j];
			uint64_t eq = 0, eq8 = 0;
			for (int k = 0; k < K; k++) {
				eq |= (uint64_t)(a->mh[k] == b->mh[k]) << k;
				eq8 |= (uint64_t)((uint8_t)a->mh[k] == (uint8_t)b->mh[k]) << k;
			}
			int cand[NBANDINGS];
			for (int k = 0; k < NBANDINGS; k++) {
				const banding *bd = &bandings[k];
				uint64_t e = bd->bits8 ? eq8 : eq;
				int hit = 0;
				for (int x = 0; x < bd->nbands && hit < bd->need; x++)
					hit += (e & bd->mask[x]) == bd->mask[x];
				cand[k] = hit >= bd->need;
				t->candidates[k] += (uint64_t)cand[k];
			}
			t->cross++;
			int not_exact = a->exact != b->exact;
			double est = (double)__builtin_popcountll(eq) / K;
			count(t, 1, est, not_exact, cand);
			/* J <= min/max of the set sizes: most pairs end here */
			uint32_t lo = a->ngrams < b->ngrams ? a->ngrams : b->ngrams;
			uint32_t hi = a->ngrams < b->ngrams ? b->ngrams : a->ngrams;
			if ((double)lo < LINEAGE_NEAR_THRESHOLD * hi) continue;
			double jac = jaccard(a, b);
			count(t, 0, jac, not_exact, cand);
			if (lo >= LARGE) count(t, 2, jac, not_exact, cand);
		}
	}
}

static void add_tally(tally *to, const tally *t)
{
	uint64_t *d = (uint64_t *)to;
	const uint64_t *s = (const uint64_t *)t;
	for (size_t i = 0; i < sizeof(tally) / sizeof(uint64_t); i++) d[i] += s[i];
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static const char *base(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

static void table(const tally *t, int truth)
{
	printf("%-16s", "banding");
	for (int b = 0; b < NBUCKET; b++) printf(" %10s", bucket_name[b]);
	printf(" %10s %10s | %12s %10s\n", "all>=0.5", "not exact", "candidates", "cand/true");
	printf("%-16s", "true pairs");
	for (int b = 0; b < NBUCKET + 2; b++) printf(" %10llu", (unsigned long long)t->truth[truth][b]);
	printf(" | %12llu %10s\n", (unsigned long long)t->cross, "(cross)");
	for (int k = 0; k < NBANDINGS; k++) {
		printf("%-16s", bandings[k].name);
		for (int b = 0; b < NBUCKET + 2; b++)
			printf(" %9.1f%%", pct(t->found[k][truth][b], t->truth[truth][b]));
		if (truth == 2) { /* candidates are counted over all pairs */
			printf(" |\n");
			continue;
		}
		printf(" | %12llu %10.1f\n", (unsigned long long)t->candidates[k],
		       t->truth[truth][NBUCKET] ? (double)t->candidates[k] / (double)t->truth[truth][NBUCKET] : 0);
	}
}

int main(int argc, char **argv)
{
	size_t max_a = 0;
	int first = 1;
	if (argc > 2 && !strcmp(argv[1], "--max-a")) {
		max_a = (size_t)atol(argv[2]);
		first = 3;
	}
	if (argc - first < 2 || (argc - first) % 2) {
		fprintf(stderr, "usage: %s [--max-a N] A1 B1 [A2 B2 ...]\n", argv[0]);
		return 2;
	}
	setup();
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx)) return 3;
	tally total;
	memset(&total, 0, sizeof(total));
	printf("LSH recall: cross pairs of functions (>= %d instructions, no thunks) of two builds of the same code;\n"
	       "true pair = Jaccard of instruction %d-gram sets >= %.1f. Share of the true pairs returned as "
	       "candidates:\n",
	       MIN_INSNS, LINEAGE_MINHASH_NGRAM, LINEAGE_NEAR_THRESHOLD);
	printf("%-26s %-26s %6s %6s %10s %8s", "A", "B", "fn A", "fn B", "cross", "true");
	for (int k = 0; k < NBANDINGS; k++) printf(" %15s", bandings[k].name);
	printf("\n");
	double t0 = (double)clock() / CLOCKS_PER_SEC;
	for (int p = first; p + 1 < argc; p += 2) {
		lineage_sample *s[2] = {NULL, NULL};
		func *F[2];
		size_t n[2];
		int ok = 1;
		for (int x = 0; x < 2; x++) {
			if (lineage_sample_load_file(&s[x], ctx, argv[p + x]) ||
			    lineage_sample_analyze(s[x], ctx, LINEAGE_ANALYZE_CODE)) {
				fprintf(stderr, "skip %s: %s\n", argv[p + x], lineage_errmsg(ctx));
				ok = 0;
				break;
			}
			F[x] = functions_of(s[x], &n[x]);
		}
		if (ok && max_a && n[0] > max_a) {
			/* keep max_a of A's functions, evenly spread */
			for (size_t i = 0, kept = 0; i < n[0]; i++) {
				if (kept < max_a && i == kept * n[0] / max_a) {
					F[0][kept++] = F[0][i];
				} else {
					free(F[0][i].grams);
				}
			}
			fprintf(stderr, "  %s: %zu of %zu functions sampled\n", argv[p], max_a, n[0]);
			n[0] = max_a;
		}
		if (ok) {
			fprintf(stderr, "  %s x %s: %zu x %zu functions\n", argv[p], argv[p + 1], n[0], n[1]);
			tally t;
			memset(&t, 0, sizeof(t));
			compare(&t, F[0], n[0], F[1], n[1]);
			printf("%-26s %-26s %6zu %6zu %10llu %8llu", base(argv[p]), base(argv[p + 1]), n[0], n[1],
			       (unsigned long long)t.cross, (unsigned long long)t.truth[0][NBUCKET]);
			for (int k = 0; k < NBANDINGS; k++)
				printf(" %14.1f%%", pct(t.found[k][0][NBUCKET], t.truth[0][NBUCKET]));
			printf("\n");
			add_tally(&total, &t);
			for (int x = 0; x < 2; x++) {
				for (size_t i = 0; i < n[x]; i++) free(F[x][i].grams);
				free(F[x]);
			}
		}
		lineage_sample_free(s[0]);
		lineage_sample_free(s[1]);
	}
	printf("\nAll pairs of binaries, ground truth = true Jaccard of %d-gram sets (recall per similarity bucket;\n"
	       "\"not exact\": pairs whose exact hashes differ, which the exact-hash index alone would miss;\n"
	       "cand/true: candidate pairs a lookup returns per true pair, the cost):\n",
	       LINEAGE_MINHASH_NGRAM);
	table(&total, 0);
	printf("\nThe same, ground truth = MinHash estimate >= %.1f:\n", LINEAGE_NEAR_THRESHOLD);
	table(&total, 1);
	printf("\nThe same, ground truth = true Jaccard, pairs of large functions only (>= %d distinct %d-grams "
	       "each):\n",
	       LARGE, LINEAGE_MINHASH_NGRAM);
	table(&total, 2);
	printf("\nTheory, 1-(1-J^r)^b at J = 0.5 / 0.6 / 0.8: 21x3 %.2f / %.2f / %.2f, 16x4 %.2f / %.2f / %.2f, 32x2 "
	       "%.2f / "
	       "%.2f / %.2f;\nMCRIT 20x4 >=2 (binomial, 8-bit values ignored) %.2f / %.2f / %.2f\n",
	       1 - pow(1 - pow(.5, 3), 21), 1 - pow(1 - pow(.6, 3), 21), 1 - pow(1 - pow(.8, 3), 21),
	       1 - pow(1 - pow(.5, 4), 16), 1 - pow(1 - pow(.6, 4), 16), 1 - pow(1 - pow(.8, 4), 16),
	       1 - pow(1 - pow(.5, 2), 32), 1 - pow(1 - pow(.6, 2), 32), 1 - pow(1 - pow(.8, 2), 32),
	       1 - pow(1 - pow(.5, 4), 20) - 20 * pow(.5, 4) * pow(1 - pow(.5, 4), 19),
	       1 - pow(1 - pow(.6, 4), 20) - 20 * pow(.6, 4) * pow(1 - pow(.6, 4), 19),
	       1 - pow(1 - pow(.8, 4), 20) - 20 * pow(.8, 4) * pow(1 - pow(.8, 4), 19));
	fprintf(stderr, "lsh_recall: %.0f s CPU\n", (double)clock() / CLOCKS_PER_SEC - t0);
	lineage_ctx_free(ctx);
	return 0;
}
