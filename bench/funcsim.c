/* bench/funcsim: function-level binary similarity measured the way the
 * literature does (Marcelli et al., "How machine learning is solving the
 * binary function similarity problem", USENIX Security 2022): for each query
 * function, a pool of its true match (the same source function from another
 * build of the same project) and 100 other functions of that other build,
 * ranked by similarity. Reported: Recall@1, MRR@10, and the ROC AUC over all
 * (query, candidate) pairs.
 *
 * Tasks: XO (same compiler, different optimization level), XC (gcc against
 * clang, same level) and XC+XO (gcc against clang, different levels).
 * Methods, all measured in the same run:
 *   (a) MinHash over the raw bytes of the function (byte 4-grams, K = 64),
 *       the literature's baseline;
 *   (b) lineage's token MinHash (lineage_function.minhash);
 *   (c) lineage_function_similarity() (the signature, fixed weights);
 *   (d) with --fit PROJECT: the same terms (lineage_function_similarity_terms)
 *       with logistic-regression weights fitted in this run on PROJECT's
 *       functions alone; PROJECT is then left out of every figure, both as
 *       queries and as pool fillers. bench/funcsim.sh fits on Lua, which is
 *       where the library's fixed weights come from, so (c) and (d) agree;
 *   (e) as (d) without the globals part (data known by its place in the
 *       file's layout, which holds between builds of one source tree but
 *       not across versions of it).
 * A project with fewer than 101 eligible functions has its pool topped up
 * from the other tested projects' builds by the same compiler and level.
 * Symbol names are the ground truth only: a function is a query or a
 * candidate when lineage found it and named it from the symbol table, its
 * name is unique in its build (static functions of the same name in two
 * files are dropped) and it has at least 5 instructions. No similarity reads
 * a name.
 *   usage: bench_funcsim [--seed N] [--queries N] [--pool N] [--fit PROJECT]
 *                        PROJECT:COMPILER:OPT:FILE ...
 * Nothing analysed is ever run. */
#include <lineage.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_K     64
#define MAX_TERMS LINEAGE_SIM_TERMS

typedef struct build {
	char *spec; /* PROJECT:COMPILER:OPT:FILE, cut in place */
	const char *project, *compiler, *opt, *path;
	lineage_sample *sample;
	const lineage_function **fns; /* eligible functions, sorted by name */
	uint32_t (*raw)[RAW_K];       /* raw-byte MinHash per eligible function */
	size_t nfns;
} build;

/* ------------------------------------------------------------ random */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* ------------------------------------------------- raw-byte MinHash */

static inline uint32_t hash_k(uint32_t x, uint32_t k)
{
	uint64_t h = ((uint64_t)x << 32 | k) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Classic MinHash (K independent hash functions) over the byte 4-grams of
 * the function's blocks in address order. */
static void raw_minhash(uint32_t *out, const lineage_binary *bin, const lineage_function *fn)
{
	for (int k = 0; k < RAW_K; k++) out[k] = UINT32_MAX;
	uint32_t gram = 0;
	size_t seen = 0;
	for (uint32_t b = 0; b < fn->nblocks; b++) {
		const uint8_t *p;
		uint64_t avail;
		if (lineage_binary_va_bytes(&p, &avail, bin, fn->blocks[b].start) != 0) continue;
		uint64_t n = fn->blocks[b].size < avail ? fn->blocks[b].size : avail;
		for (uint64_t i = 0; i < n; i++) {
			gram = gram << 8 | p[i];
			if (++seen < 4) continue;
			for (uint32_t k = 0; k < RAW_K; k++) {
				uint32_t h = hash_k(gram, k);
				if (h < out[k]) out[k] = h;
			}
		}
	}
}

static double raw_similarity(const uint32_t *a, const uint32_t *b)
{
	int same = 0;
	for (int k = 0; k < RAW_K; k++) same += a[k] == b[k];
	return (double)same / RAW_K;
}

/* ------------------------------------------------------------ builds */

static int cmp_fn_name(const void *a, const void *b)
{
	const lineage_function *x = *(const lineage_function *const *)a, *y = *(const lineage_function *const *)b;
	return strcmp(x->name, y->name);
}

static size_t index_of(const build *b, const lineage_function *f)
{
	size_t lo = 0, hi = b->nfns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->fns[mid]->name, f->name);
		if (!c) return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static int load_build(build *b, lineage_ctx *ctx)
{
	if (lineage_sample_load_file(&b->sample, ctx, b->path) != 0 ||
	    lineage_sample_analyze(b->sample, ctx, LINEAGE_ANALYZE_CODE) != 0) {
		fprintf(stderr, "bench_funcsim: %s: %s\n", b->path, lineage_errmsg(ctx));
		return -1;
	}
	size_t n;
	const lineage_function *all = lineage_sample_functions(b->sample, &n);
	const lineage_function **named = calloc(n + 1, sizeof(*named));
	size_t nn = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].name && !(all[i].flags & LINEAGE_FUNC_THUNK) && !strchr(all[i].name, '!'))
			named[nn++] = &all[i];
	qsort(named, nn, sizeof(*named), cmp_fn_name);
	/* names that occur twice (static functions of several files) are no ground truth */
	b->fns = calloc(nn + 1, sizeof(*b->fns));
	b->nfns = 0;
	for (size_t i = 0; i < nn;) {
		size_t j = i + 1;
		while (j < nn && !strcmp(named[j]->name, named[i]->name)) j++;
		if (j == i + 1 && named[i]->ninsn >= 5) b->fns[b->nfns++] = named[i];
		i = j;
	}
	free(named);
	b->raw = calloc(b->nfns + 1, sizeof(*b->raw));
	for (size_t i = 0; i < b->nfns; i++) raw_minhash(b->raw[i], lineage_sample_binary(b->sample), b->fns[i]);
	return 0;
}

/* ----------------------------------------------------------- metrics */

enum { M_RAW, M_TOKEN, M_SIG, M_FIT, M_FIT_NOLAYOUT, NMETHODS };
static const char *method_names[NMETHODS] = {"(a) raw-byte MinHash K=64", "(b) lineage token MinHash",
                                             "(c) lineage_function_similarity", "(d) same terms, fitted here",
                                             "(e) (d) without the globals part"};
enum { T_XO, T_XC, T_XCXO, NTASKS };
static const char *task_names[NTASKS] = {"XO", "XC", "XC+XO"};

typedef struct pair_score {
	double s;
	int pos;
} pair_score;

typedef struct tally {
	size_t queries;
	double r1, mrr10;
	pair_score *pairs;
	size_t npairs, cap;
} tally;

static void tally_push(tally *t, double s, int pos)
{
	if (t->npairs == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->pairs = realloc(t->pairs, t->cap * sizeof(*t->pairs));
	}
	t->pairs[t->npairs++] = (pair_score){s, pos};
}

/* One ranked pool: expected Recall@1 and MRR@10 under a random order of ties. */
static void tally_pool(tally *t, const double *s, size_t n)
{
	size_t greater = 0, ties = 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] > s[0]) greater++;
		if (s[i] == s[0]) ties++;
	}
	double r1 = 0, mrr = 0;
	for (size_t k = 0; k <= ties; k++) {
		size_t rank = greater + k + 1;
		if (rank == 1) r1 += 1;
		if (rank <= 10) mrr += 1.0 / (double)rank;
	}
	t->r1 += r1 / (double)(ties + 1);
	t->mrr10 += mrr / (double)(ties + 1);
	t->queries++;
	for (size_t i = 0; i < n; i++) tally_push(t, s[i], i == 0);
}

static int cmp_pair(const void *a, const void *b)
{
	const pair_score *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* Mann-Whitney AUC with ties counted half. */
static double auc(tally *t)
{
	qsort(t->pairs, t->npairs, sizeof(*t->pairs), cmp_pair);
	double npos = 0, nneg = 0, ranksum = 0;
	for (size_t i = 0; i < t->npairs;) {
		size_t j = i;
		while (j < t->npairs && t->pairs[j].s == t->pairs[i].s) j++;
		double mid = ((double)i + 1 + (double)j) / 2.0;
		for (size_t k = i; k < j; k++)
			if (t->pairs[k].pos) {
				ranksum += mid;
				npos++;
			}
		i = j;
	}
	nneg = (double)t->npairs - npos;
	if (!npos || !nneg) return 0;
	return (ranksum - npos * (npos + 1) / 2) / (npos * nneg);
}

/* ------------------------------------------------ logistic regression */

typedef struct sample_set {
	double *x; /* n x MAX_TERMS */
	int *y;
	size_t n, cap;
} sample_set;

static void set_push(sample_set *s, const double *x, int y)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->x = realloc(s->x, s->cap * MAX_TERMS * sizeof(double));
		s->y = realloc(s->y, s->cap * sizeof(int));
	}
	memcpy(s->x + s->n * MAX_TERMS, x, MAX_TERMS * sizeof(double));
	s->y[s->n++] = y;
}

/* Solve A x = b (d x d, Gaussian elimination with partial pivoting). */
static void solve(double *a, double *b, int d)
{
	for (int c = 0; c < d; c++) {
		int p = c;
		for (int r = c + 1; r < d; r++)
			if (fabs(a[r * d + c]) > fabs(a[p * d + c])) p = r;
		for (int k = 0; k < d; k++) {
			double t = a[c * d + k];
			a[c * d + k] = a[p * d + k];
			a[p * d + k] = t;
		}
		double t = b[c];
		b[c] = b[p];
		b[p] = t;
		if (fabs(a[c * d + c]) < 1e-12) continue;
		for (int r = 0; r < d; r++) {
			if (r == c) continue;
			double f = a[r * d + c] / a[c * d + c];
			for (int k = c; k < d; k++) a[r * d + k] -= f * a[c * d + k];
			b[r] -= f * b[c];
		}
	}
	for (int c = 0; c < d; c++) b[c] = fabs(a[c * d + c]) < 1e-12 ? 0 : b[c] / a[c * d + c];
}

/* L2-regularized logistic regression by Newton's method (IRLS); positives
 * weighted by pos_weight so that both classes count alike. */
static void fit_logistic(double *w, const sample_set *s, double pos_weight)
{
	const int d = MAX_TERMS;
	const double lambda = 1.0;
	memset(w, 0, d * sizeof(double));
	for (int it = 0; it < 25; it++) {
		double h[MAX_TERMS * MAX_TERMS] = {0}, g[MAX_TERMS] = {0};
		for (size_t i = 0; i < s->n; i++) {
			const double *x = s->x + i * d;
			double z = 0;
			for (int k = 0; k < d; k++) z += w[k] * x[k];
			double p = 1.0 / (1.0 + exp(-z)), cw = s->y[i] ? pos_weight : 1.0;
			double r = cw * ((double)s->y[i] - p), q = cw * p * (1 - p);
			for (int k = 0; k < d; k++) {
				g[k] += r * x[k];
				for (int l = 0; l < d; l++) h[k * d + l] += q * x[k] * x[l];
			}
		}
		for (int k = 1; k < d; k++) {
			g[k] -= lambda * w[k];
			h[k * d + k] += lambda;
		}
		h[0] += 1e-9;
		solve(h, g, d);
		double step = 0;
		for (int k = 0; k < d; k++) {
			w[k] += g[k];
			step += fabs(g[k]);
		}
		if (step < 1e-6) break;
	}
}

/* -------------------------------------------------------------- main */

typedef struct pairing {
	size_t a, b;
} pairing;

static int task_of(const build *a, const build *b)
{
	if (strcmp(a->project, b->project) || a == b) return -1;
	bool same_cc = !strcmp(a->compiler, b->compiler), same_opt = !strcmp(a->opt, b->opt);
	if (same_cc && !same_opt) return T_XO;
	if (!same_cc && same_opt) return T_XC;
	if (!same_cc && !same_opt) return T_XCXO;
	return -1;
}

/* Pairs of builds of project for task, both orders. */
static size_t pairings(pairing *out, build *bs, size_t nb, const char *project, int task)
{
	size_t n = 0;
	for (size_t i = 0; i < nb; i++)
		for (size_t j = 0; j < nb; j++)
			if (i != j && !strcmp(bs[i].project, project) && !strcmp(bs[j].project, project) &&
			    task_of(&bs[i], &bs[j]) == task)
				out[n++] = (pairing){i, j};
	return n;
}

/* Run the queries of one task on one project; scores go to the tallies
 * (when given) and the terms to the training set (when given). */
static void run_queries(build *bs, size_t nb, const char *project, int task, size_t nq, size_t pool, tally *tal,
                        const double (*fitw)[MAX_TERMS], sample_set *train, const char *skip)
{
	pairing *pr = calloc(nb * nb + 1, sizeof(*pr));
	size_t npr = pairings(pr, bs, nb, project, task);
	double *sc[NMETHODS];
	for (int m = 0; m < NMETHODS; m++) sc[m] = calloc(pool + 1, sizeof(double));
	size_t *pick = calloc(pool + 1, sizeof(size_t));
	build **from = calloc(pool + 1, sizeof(*from)), **fill = calloc(nb, sizeof(*fill));
	size_t done = 0, tries = 0;
	while (npr && done < nq && tries < nq * 20) {
		tries++;
		const pairing *p = &pr[rnd_below(npr)];
		build *a = &bs[p->a], *b = &bs[p->b];
		if (!a->nfns || b->nfns < 2) continue;
		size_t qi = rnd_below(a->nfns);
		const lineage_function *q = a->fns[qi];
		size_t ti = index_of(b, q);
		if (ti == SIZE_MAX) continue;
		/* the pool: the true match first, then `pool` others of b; a
		 * project with fewer functions is topped up from the other
		 * projects' builds by the same compiler and level */
		size_t n = 1;
		pick[0] = ti;
		from[0] = b;
		size_t others = b->nfns - 1 < pool ? b->nfns - 1 : pool;
		while (n < others + 1) {
			size_t c = rnd_below(b->nfns);
			bool dup = c == ti;
			for (size_t k = 1; k < n && !dup; k++) dup = pick[k] == c;
			if (!dup) {
				from[n] = b;
				pick[n++] = c;
			}
		}
		size_t nfill = 0;
		for (size_t k = 0; k < nb; k++)
			if (&bs[k] != b && !strcmp(bs[k].compiler, b->compiler) && !strcmp(bs[k].opt, b->opt) &&
			    (!skip || strcmp(bs[k].project, skip)))
				fill[nfill++] = &bs[k];
		for (size_t guard = 0; n < pool + 1 && nfill && guard < pool * 100; guard++) {
			build *o = fill[rnd_below(nfill)];
			if (!o->nfns) continue;
			size_t c = rnd_below(o->nfns);
			bool dup = false;
			for (size_t k = 1; k < n && !dup; k++) dup = from[k] == o && pick[k] == c;
			if (!dup) {
				from[n] = o;
				pick[n++] = c;
			}
		}
		for (size_t k = 0; k < n; k++) {
			const lineage_function *c = from[k]->fns[pick[k]];
			double terms[MAX_TERMS];
			lineage_function_similarity_terms(terms, q, c);
			if (train) set_push(train, terms, k == 0);
			sc[M_RAW][k] = raw_similarity(a->raw[qi], from[k]->raw[pick[k]]);
			sc[M_TOKEN][k] = lineage_minhash_similarity(q->minhash, c->minhash);
			sc[M_SIG][k] = lineage_function_similarity(q, c);
			for (int f = 0; f < 2; f++) {
				double z = 0;
				for (int t = 0; fitw && t < MAX_TERMS; t++) z += fitw[f][t] * terms[t];
				sc[M_FIT + f][k] = z;
			}
		}
		if (tal)
			for (int m = 0; m < NMETHODS; m++) tally_pool(&tal[m], sc[m], n);
		done++;
	}
	for (int m = 0; m < NMETHODS; m++) free(sc[m]);
	free(pick);
	free(from);
	free(fill);
	free(pr);
}

int main(int argc, char **argv)
{
	uint64_t seed = 20221;
	size_t nq = 1000, pool = 100;
	const char *fit = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			nq = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--pool") && i + 1 < argc)
			pool = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--fit") && i + 1 < argc)
			fit = argv[++i];
		else {
			fprintf(stderr, "usage: bench_funcsim [--seed N] [--queries N] [--pool N] [--fit PROJECT] "
			                "PROJECT:COMPILER:OPT:FILE ...\n");
			return 2;
		}
	}
	size_t nb = (size_t)(argc - i);
	if (!nb) {
		fprintf(stderr, "bench_funcsim: no binaries\n");
		return 2;
	}
	build *bs = calloc(nb, sizeof(*bs));
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return 1;
	const char *projects[64];
	size_t nproj = 0;
	for (size_t k = 0; k < nb; k++) {
		bs[k].spec = strdup(argv[i + (int)k]);
		bs[k].project = strtok(bs[k].spec, ":");
		bs[k].compiler = strtok(NULL, ":");
		bs[k].opt = strtok(NULL, ":");
		bs[k].path = strtok(NULL, "");
		if (!bs[k].path) {
			fprintf(stderr, "bench_funcsim: %s: want PROJECT:COMPILER:OPT:FILE\n", argv[i + (int)k]);
			return 2;
		}
		if (load_build(&bs[k], ctx) != 0) return 1;
		bool known = false;
		for (size_t p = 0; p < nproj; p++) known |= !strcmp(projects[p], bs[k].project);
		if (!known && nproj < 64) projects[nproj++] = bs[k].project;
	}

	rng_state = seed;
	double fitw[2][MAX_TERMS] = {{0}};
	size_t ntrain = 0;
	if (fit) {
		sample_set train = {0};
		for (int t = 0; t < NTASKS; t++) run_queries(bs, nb, fit, t, nq, pool, NULL, NULL, &train, NULL);
		ntrain = train.n;
		fit_logistic(fitw[0], &train, (double)pool);
		printf("fitted on %s only (%zu pairs from XO, XC and XC+XO queries); weights over "
		       "lineage_function_similarity_terms():\n  {",
		       fit, train.n);
		for (int t = 0; t < MAX_TERMS; t++) printf("%s%.3f", t ? ", " : "", fitw[0][t]);
		printf("}\n\n");
		/* the globals part knows data by its place in the file's layout,
		 * which holds between builds of one source tree but not across
		 * versions: the same fit without it */
		for (size_t k = 0; k < train.n; k++)
			train.x[k * MAX_TERMS + 1 + 2 * LINEAGE_SIG_GLOBALS] =
			        train.x[k * MAX_TERMS + 2 + 2 * LINEAGE_SIG_GLOBALS] =
			                train.x[k * MAX_TERMS + 17 + LINEAGE_SIG_GLOBALS] = 0;
		fit_logistic(fitw[1], &train, (double)pool);
		free(train.x);
		free(train.y);
	}

	printf("projects tested:");
	for (size_t p = 0; p < nproj; p++)
		if (!fit || strcmp(projects[p], fit)) {
			size_t nf = 0, n = 0;
			for (size_t k = 0; k < nb; k++)
				if (!strcmp(bs[k].project, projects[p])) {
					nf += bs[k].nfns;
					n++;
				}
			printf(" %s (%zu builds, %zu functions per build on average)", projects[p], n, n ? nf / n : 0);
		}
	printf("\npool: 1 true match + %zu random functions of the other build; %zu queries per task and project; "
	       "seed %llu\n",
	       pool, nq, (unsigned long long)seed);
	if (fit) printf("(train set: %s, %zu pairs; no figure below includes it)\n", fit, ntrain);
	printf("\n%-6s %-34s %8s %9s %7s %7s\n", "task", "method", "queries", "Recall@1", "MRR@10", "AUC");
	double per_project[NTASKS][64][NMETHODS];
	size_t per_project_n[NTASKS][64];
	memset(per_project_n, 0, sizeof(per_project_n));
	for (int t = 0; t < NTASKS; t++) {
		tally tal[NMETHODS];
		memset(tal, 0, sizeof(tal));
		for (size_t p = 0; p < nproj; p++) {
			if (fit && !strcmp(projects[p], fit)) continue;
			tally tp[NMETHODS];
			memset(tp, 0, sizeof(tp));
			run_queries(bs, nb, projects[p], t, nq, pool, tp, fit ? fitw : NULL, NULL, fit);
			per_project_n[t][p] = tp[0].queries;
			for (int m = 0; m < NMETHODS; m++) {
				per_project[t][p][m] = tp[m].queries ? tp[m].r1 / (double)tp[m].queries : 0;
				tal[m].queries += tp[m].queries;
				tal[m].r1 += tp[m].r1;
				tal[m].mrr10 += tp[m].mrr10;
				for (size_t k = 0; k < tp[m].npairs; k++)
					tally_push(&tal[m], tp[m].pairs[k].s, tp[m].pairs[k].pos);
				free(tp[m].pairs);
			}
		}
		for (int m = 0; m < NMETHODS; m++) {
			if (m >= M_FIT && !fit) continue;
			printf("%-6s %-34s %8zu %9.3f %7.3f %7.3f\n", task_names[t], method_names[m], tal[m].queries,
			       tal[m].queries ? tal[m].r1 / (double)tal[m].queries : 0,
			       tal[m].queries ? tal[m].mrr10 / (double)tal[m].queries : 0, auc(&tal[m]));
			free(tal[m].pairs);
		}
	}
	printf("\nRecall@1 per project (a) / (b) / (c)%s:\n", fit ? " / (d) / (e)" : "");
	for (size_t p = 0; p < nproj; p++) {
		if (fit && !strcmp(projects[p], fit)) continue;
		printf("  %-10s", projects[p]);
		for (int t = 0; t < NTASKS; t++) {
			printf("  %s", task_names[t]);
			for (int m = 0; m < (fit ? NMETHODS : M_FIT); m++)
				printf("%s%.3f", m ? " / " : " ", per_project_n[t][p] ? per_project[t][p][m] : 0);
		}
		printf("\n");
	}
	printf("\npublished (Marcelli et al. 2022, XO task, pool of 1 + 100; their data set, not these binaries):\n"
	       "  best Recall@1 0.66 (a GNN); MinHash over raw bytes 0.375\n");
	for (size_t k = 0; k < nb; k++) {
		lineage_sample_free(bs[k].sample);
		free(bs[k].fns);
		free(bs[k].raw);
		free(bs[k].spec);
	}
	free(bs);
	lineage_ctx_free(ctx);
	return 0;
}
