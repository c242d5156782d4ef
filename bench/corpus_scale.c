/* bench/corpus_scale: how the corpus behaves as it grows. Real binaries of
 * this machine are added (lineage_corpus_add, public API) in the order given
 * until the corpus holds each step's number of functions; at each step the
 * adding pauses and the bench prints the add throughput over the step, the
 * store's size, the match latency of a fixed set of held-out queries
 * (lineage_corpus_match, median of R runs after one warm-up) and the memory
 * used. Next to each match, as the reference measured in the same run, a
 * brute-force search: one SQL scan reading every stored MinHash
 * ("SELECT minhash FROM functions"), then every query function compared
 * with every stored function; the comparison is timed on an even subset of
 * the query's functions and extrapolated (labelled so).
 *
 * A loader thread reads and analyzes the next files while the main thread
 * stores; it is paused while a step is measured. Nothing analyzed is ever
 * executed.
 * A query whose warm-up takes longer than --slow seconds (default 10) is run
 * once more only, and the table says so.
 *   usage: bench_corpus_scale --db PATH --list FILE [--steps N,N,...]
 *          [--runs R] [--slow S] [--brute-sub N] -q QUERY [-q QUERY...]
 * The list holds one path per line; files that are not ELF or PE, and files
 * with a query's sha256, are skipped (the queries are held out). */
#include <lineage.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUERIES 8
#define MAX_STEPS   16
#define QUEUE_DEPTH 2

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* ELF or PE (MZ): the rest would be stored as raw blobs without code */
static int is_binary(const char *path)
{
	unsigned char m[4] = {0};
	FILE *f = fopen(path, "rb");
	if (!f) return 0;
	size_t n = fread(m, 1, 4, f);
	fclose(f);
	if (n < 2) return 0;
	return (n == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F') || (m[0] == 'M' && m[1] == 'Z');
}

/* /proc/self/status field in kB */
static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f) return -1;
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* reset VmHWM to the current RSS (Linux >= 4.0) */
static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (!f) return;
	fputs("5", f);
	fclose(f);
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* ---- the loader thread ------------------------------------------------ */

typedef struct item {
	lineage_sample *s;
	const char *path;
	long long size;
	double analyze_s;
} item;

typedef struct loader {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char **paths;
	size_t npaths, next;
	item q[QUEUE_DEPTH];
	size_t qhead, qlen;
	int paused, busy, done, stop;
	const char (*skip_sha)[65];
	size_t nskip;
	size_t skipped_query, skipped_other;
} loader;

static int is_query_sha(const loader *L, const char *sha)
{
	for (size_t i = 0; i < L->nskip; i++)
		if (!strcmp(L->skip_sha[i], sha)) return 1;
	return 0;
}

static void *load_main(void *arg)
{
	loader *L = arg;
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx)) return NULL;
	for (;;) {
		pthread_mutex_lock(&L->mu);
		while (!L->stop && (L->paused || L->qlen == QUEUE_DEPTH)) pthread_cond_wait(&L->cv, &L->mu);
		if (L->stop || L->next >= L->npaths) {
			L->done = 1;
			pthread_cond_broadcast(&L->cv);
			pthread_mutex_unlock(&L->mu);
			break;
		}
		const char *path = L->paths[L->next++];
		L->busy = 1;
		pthread_mutex_unlock(&L->mu);

		item it = {NULL, path, file_size(path), 0};
		double t0 = wall();
		int skip = !is_binary(path);
		if (!skip && lineage_sample_load_file(&it.s, ctx, path) != 0) {
			fprintf(stderr, "  skip %s: %s\n", path, lineage_errmsg(ctx));
			skip = 1;
		}
		if (!skip && lineage_sample_analyze(it.s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES) != 0) {
			fprintf(stderr, "  skip %s: %s\n", path, lineage_errmsg(ctx));
			skip = 1;
		}
		it.analyze_s = wall() - t0;
		int query = !skip && is_query_sha(L, lineage_sample_hashes(it.s)->sha256);
		if (skip || query) {
			lineage_sample_free(it.s);
			it.s = NULL;
		}

		pthread_mutex_lock(&L->mu);
		L->busy = 0;
		if (query)
			L->skipped_query++;
		else if (skip)
			L->skipped_other++;
		else
			L->q[(L->qhead + L->qlen++) % QUEUE_DEPTH] = it;
		pthread_cond_broadcast(&L->cv);
		pthread_mutex_unlock(&L->mu);
	}
	lineage_ctx_free(ctx);
	return NULL;
}

/* the next analyzed sample, or 0 when the list is exhausted */
static int loader_pop(loader *L, item *out)
{
	pthread_mutex_lock(&L->mu);
	while (L->qlen == 0 && !L->done) pthread_cond_wait(&L->cv, &L->mu);
	int ok = L->qlen > 0;
	if (ok) {
		*out = L->q[L->qhead];
		L->qhead = (L->qhead + 1) % QUEUE_DEPTH;
		L->qlen--;
		pthread_cond_broadcast(&L->cv);
	}
	pthread_mutex_unlock(&L->mu);
	return ok;
}

/* pause: wait until the loader is idle, so that it does not compete with
 * the measurements for the two cores */
static void loader_pause(loader *L, int on)
{
	pthread_mutex_lock(&L->mu);
	L->paused = on;
	pthread_cond_broadcast(&L->cv);
	while (on && L->busy) pthread_cond_wait(&L->cv, &L->mu);
	pthread_mutex_unlock(&L->mu);
}

/* ---- queries and the brute-force reference ---------------------------- */

typedef struct query {
	const char *path;
	lineage_sample *s;
	size_t nfunc; /* considered: >= LINEAGE_MIN_MATCH_INSNS, not thunks */
	uint32_t *mh; /* their MinHash, nfunc x K */
} query;

static int considered(const lineage_function *f)
{
	return f->ninsn >= LINEAGE_MIN_MATCH_INSNS && !(f->flags & LINEAGE_FUNC_THUNK);
}

/* All stored MinHash values of functions a query may pair with, by one SQL
 * scan; *n receives their number. */
static uint32_t *scan_minhash(sqlite3 *db, size_t *n, double *secs)
{
	double t0 = wall();
	sqlite3_stmt *st;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT minhash FROM functions WHERE ninsn >= ?1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int(st, 1, LINEAGE_MIN_MATCH_INSNS);
	size_t cap = 1 << 16;
	uint32_t *all = malloc(cap * LINEAGE_MINHASH_K * sizeof(uint32_t));
	while (all && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != LINEAGE_MINHASH_K * (int)sizeof(uint32_t)) continue;
		if (*n == cap) {
			cap *= 2;
			uint32_t *grown = realloc(all, cap * LINEAGE_MINHASH_K * sizeof(uint32_t));
			if (!grown) {
				free(all);
				all = NULL;
				break;
			}
			all = grown;
		}
		memcpy(all + *n * LINEAGE_MINHASH_K, sqlite3_column_blob(st, 0), LINEAGE_MINHASH_K * sizeof(uint32_t));
		(*n)++;
	}
	sqlite3_finalize(st);
	*secs = wall() - t0;
	return all;
}

/* Compare `sub` query functions, spread evenly over the query, with every
 * stored one; returns the seconds, *pairs the pairs at or above 0.5. The
 * stored signatures are taken in blocks that stay in cache while every query
 * function is compared with them, so that the reference is bound by the
 * comparisons, not by memory bandwidth. */
static double brute_compare(const query *q, size_t sub, const uint32_t *all, size_t n, size_t *pairs)
{
	enum { BLOCK = 2048 }; /* 512 KiB of signatures */
	const unsigned need = (unsigned)(LINEAGE_NEAR_THRESHOLD * LINEAGE_MINHASH_K + 0.5);
	double t0 = wall();
	size_t hit = 0;
	for (size_t lo = 0; lo < n; lo += BLOCK) {
		size_t hi = lo + BLOCK < n ? lo + BLOCK : n;
		for (size_t j = 0; j < sub; j++) {
			const uint32_t *a = q->mh + (j * q->nfunc / sub) * LINEAGE_MINHASH_K;
			for (size_t i = lo; i < hi; i++) {
				const uint32_t *b = all + i * LINEAGE_MINHASH_K;
				unsigned same = 0;
				for (unsigned k = 0; k < LINEAGE_MINHASH_K; k++) same += a[k] == b[k];
				hit += same >= need;
			}
		}
	}
	*pairs = hit;
	return wall() - t0;
}

/* ---- steps ------------------------------------------------------------ */

typedef struct step_row {
	uint64_t functions, samples, distinct, db_bytes, wal_bytes;
	int match_runs[MAX_QUERIES];
	size_t step_samples;
	double step_mb, step_funcs, store_s, analyze_s, wall_s;
	double match_ms[MAX_QUERIES], match_min_ms[MAX_QUERIES];
	size_t match_samples[MAX_QUERIES];
	double match_score[MAX_QUERIES];
	double scan_s, brute_s[MAX_QUERIES];
	size_t brute_sub[MAX_QUERIES], brute_pairs[MAX_QUERIES];
	size_t stored_mh;
	long rss_kb, match_hwm_kb, maxrss_kb;
} step_row;

static int parse_steps(const char *s, uint64_t *steps)
{
	int n = 0;
	while (*s && n < MAX_STEPS) {
		char *end;
		steps[n++] = strtoull(s, &end, 10);
		if (*end == 'k') steps[n - 1] *= 1000, end++;
		if (*end == 'M') steps[n - 1] *= 1000000, end++;
		s = *end == ',' ? end + 1 : end;
		if (end == s && *s) break;
	}
	return n;
}

static const char *base(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *list = NULL;
	const char *qpaths[MAX_QUERIES];
	int nq = 0, runs = 3;
	double slow = 10;
	size_t brute_sub = 256;
	uint64_t steps[MAX_STEPS];
	int nsteps = parse_steps("10k,30k,100k,300k,1M", steps);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strcmp(argv[i], "--list") && i + 1 < argc)
			list = argv[++i];
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			nsteps = parse_steps(argv[++i], steps);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slow") && i + 1 < argc)
			slow = atof(argv[++i]);
		else if (!strcmp(argv[i], "--brute-sub") && i + 1 < argc)
			brute_sub = (size_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "-q") && i + 1 < argc && nq < MAX_QUERIES)
			qpaths[nq++] = argv[++i];
		else {
			fprintf(stderr,
			        "usage: %s --db PATH --list FILE [--steps 10k,30k,...] [--runs R] [--slow S] "
			        "[--brute-sub N] -q "
			        "QUERY...\n",
			        argv[0]);
			return 2;
		}
	}
	if (!db || !list || nq == 0 || nsteps == 0 || runs < 1) {
		fprintf(stderr, "%s: --db, --list and at least one -q are needed\n", argv[0]);
		return 2;
	}

	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx)) return 3;

	/* the queries, analyzed once and kept */
	query qs[MAX_QUERIES];
	char qsha[MAX_QUERIES][65];
	for (int i = 0; i < nq; i++) {
		qs[i] = (query){.path = qpaths[i]};
		if (lineage_sample_load_file(&qs[i].s, ctx, qpaths[i]) ||
		    lineage_sample_analyze(qs[i].s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES)) {
			fprintf(stderr, "query %s: %s\n", qpaths[i], lineage_errmsg(ctx));
			return 1;
		}
		memcpy(qsha[i], lineage_sample_hashes(qs[i].s)->sha256, 65);
		size_t nf;
		const lineage_function *fn = lineage_sample_functions(qs[i].s, &nf);
		qs[i].mh = malloc((nf + 1) * LINEAGE_MINHASH_K * sizeof(uint32_t));
		for (size_t k = 0; k < nf; k++)
			if (considered(&fn[k]))
				memcpy(qs[i].mh + qs[i].nfunc++ * LINEAGE_MINHASH_K, fn[k].minhash,
				       LINEAGE_MINHASH_K * sizeof(uint32_t));
	}

	/* the file list */
	FILE *lf = fopen(list, "r");
	if (!lf) {
		perror(list);
		return 1;
	}
	size_t cap = 1024, npaths = 0;
	char **paths = malloc(cap * sizeof(char *)), line[4096];
	while (fgets(line, sizeof(line), lf)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0]) continue;
		if (npaths == cap) paths = realloc(paths, (cap *= 2) * sizeof(char *));
		paths[npaths++] = strdup(line);
	}
	fclose(lf);

	/* a fresh corpus */
	char side[1100];
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	lineage_corpus *c;
	if (lineage_corpus_open(&c, ctx, db, LINEAGE_CORPUS_CREATE)) {
		fprintf(stderr, "%s\n", lineage_errmsg(ctx));
		return 1;
	}
	sqlite3 *raw;
	if (sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(raw));
		return 1;
	}

	loader L = {.paths = paths, .npaths = npaths, .skip_sha = (const char(*)[65])qsha, .nskip = (size_t)nq};
	pthread_mutex_init(&L.mu, NULL);
	pthread_cond_init(&L.cv, NULL);
	pthread_t th;
	pthread_create(&th, NULL, load_main, &L);

	fprintf(stderr, "corpus_scale: %zu files listed, %d queries held out, steps up to %llu functions\n", npaths, nq,
	        (unsigned long long)steps[nsteps - 1]);
	step_row rows[MAX_STEPS];
	int nrows = 0;
	uint64_t functions = 0, samples = 0;
	size_t step_samples = 0;
	double step_bytes = 0, step_funcs = 0, store_s = 0, analyze_s = 0, step_t0 = wall(), t_start = wall();
	size_t dup = 0;
	item it;
	int more = 1;
	while (nrows < nsteps) {
		more = loader_pop(&L, &it);
		if (more) {
			size_t nf;
			lineage_sample_functions(it.s, &nf);
			int added = 0;
			double t0 = wall();
			if (lineage_corpus_add(c, ctx, it.s, NULL, &added)) {
				fprintf(stderr, "add %s: %s\n", it.path, lineage_errmsg(ctx));
				return 1;
			}
			store_s += wall() - t0;
			analyze_s += it.analyze_s;
			if (added) {
				functions += nf;
				samples++;
				step_samples++;
				step_bytes += (double)it.size;
				step_funcs += (double)nf;
			} else {
				dup++;
			}
			lineage_sample_free(it.s);
			if (samples % 50 == 0 && added)
				fprintf(stderr, "  %llu samples, %llu functions, %.0f s\n", (unsigned long long)samples,
				        (unsigned long long)functions, wall() - t_start);
		}
		if (more && functions < steps[nrows]) continue;

		/* a step: measure with the loader paused */
		loader_pause(&L, 1);
		step_row *r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		r->wall_s = wall() - step_t0;
		r->step_samples = step_samples;
		r->step_mb = step_bytes / 1e6;
		r->step_funcs = step_funcs;
		r->store_s = store_s;
		r->analyze_s = analyze_s;
		lineage_corpus_stats st;
		lineage_corpus_stats_get(c, ctx, &st);
		r->functions = st.functions;
		r->samples = st.samples;
		r->distinct = st.distinct_hashes;
		char wal[1100];
		snprintf(wal, sizeof(wal), "%s-wal", db);
		r->db_bytes = st.bytes; /* pages x page size: the database, WAL frames included */
		r->wal_bytes = (uint64_t)file_size(wal);
		fprintf(stderr,
		        "step %d: %llu functions in %llu samples, database %.0f MB (WAL file %.0f MB); matching\n",
		        nrows, (unsigned long long)r->functions, (unsigned long long)r->samples, r->db_bytes / 1e6,
		        r->wal_bytes / 1e6);

		r->rss_kb = status_kb("VmRSS");
		reset_peak();
		for (int qi = 0; qi < nq; qi++) {
			double t[64];
			int n = runs < 64 ? runs : 64;
			for (int k = -1; k < n; k++) {
				lineage_match *m;
				double t0 = wall();
				if (lineage_corpus_match(&m, c, ctx, qs[qi].s, NULL)) {
					fprintf(stderr, "match %s: %s\n", qs[qi].path, lineage_errmsg(ctx));
					return 1;
				}
				double dt = wall() - t0;
				if (k >= 0) t[k] = dt;
				if (k < 0 && dt > slow) n = 1; /* slow: one measured run */
				r->match_samples[qi] = m->nsamples;
				r->match_score[qi] = m->nsamples ? m->samples[0].score : 0;
				lineage_match_free(m);
			}
			qsort(t, (size_t)n, sizeof(double), cmp_double);
			r->match_runs[qi] = n;
			r->match_ms[qi] = 1e3 * t[n / 2];
			r->match_min_ms[qi] = 1e3 * t[0];
		}
		r->match_hwm_kb = status_kb("VmHWM");

		/* the brute-force reference */
		size_t nmh = 0;
		uint32_t *all = scan_minhash(raw, &nmh, &r->scan_s);
		r->stored_mh = nmh;
		for (int qi = 0; all && qi < nq; qi++) {
			size_t sub = brute_sub < qs[qi].nfunc ? brute_sub : qs[qi].nfunc;
			double cs = sub ? brute_compare(&qs[qi], sub, all, nmh, &r->brute_pairs[qi]) : 0;
			r->brute_sub[qi] = sub;
			r->brute_s[qi] = r->scan_s + (sub ? cs * (double)qs[qi].nfunc / (double)sub : 0);
		}
		free(all);
		r->maxrss_kb = maxrss_kb();
		fprintf(stderr, "  match %.0f ms (%s)", r->match_ms[0], base(qs[0].path));
		for (int qi = 1; qi < nq; qi++) fprintf(stderr, ", %.0f ms (%s)", r->match_ms[qi], base(qs[qi].path));
		fprintf(stderr, "; brute force %.1f s (%s)\n", r->brute_s[0], base(qs[0].path));

		step_samples = 0;
		step_bytes = step_funcs = store_s = analyze_s = 0;
		loader_pause(&L, 0);
		step_t0 = wall();
		if (!more) break;
	}
	pthread_mutex_lock(&L.mu);
	L.stop = 1;
	pthread_cond_broadcast(&L.cv);
	pthread_mutex_unlock(&L.mu);
	while (loader_pop(&L, &it)) lineage_sample_free(it.s);
	pthread_join(th, NULL);

	/* ---- tables ---- */
	printf("corpus_scale: %llu samples stored (%zu re-adds skipped, %zu query copies held out, %zu unreadable or "
	       "not ELF/PE), %.0f s in all\n",
	       (unsigned long long)samples, dup, L.skipped_query, L.skipped_other, wall() - t_start);
	if (!more && nrows && rows[nrows - 1].functions < steps[nsteps - 1])
		printf("the file list ran out at %llu functions (last step asked %llu)\n",
		       (unsigned long long)rows[nrows - 1].functions, (unsigned long long)steps[nsteps - 1]);
	printf("\nAdd throughput over each step (store = lineage_corpus_add alone; end-to-end adds the analysis of the "
	       "same files, run here on a second thread;\ndb MB = SQLite pages x page size, B/func its bytes per "
	       "stored "
	       "function; WAL MB = size of the -wal file, which keeps its high-water mark)\n");
	printf("%10s %8s %8s %8s %8s | %7s %9s %8s %9s | %9s %9s | %8s\n", "functions", "samples", "distinct", "db MB",
	       "WAL MB", "step", "samples/s", "MB/s", "func/s", "e2e smp/s", "e2e MB/s", "B/func");
	for (int i = 0; i < nrows; i++) {
		const step_row *r = &rows[i];
		double e2e = r->store_s + r->analyze_s;
		printf("%10llu %8llu %8llu %8.0f %8.0f | %7zu %9.1f %8.2f %9.0f | %9.1f %9.2f | %8.0f\n",
		       (unsigned long long)r->functions, (unsigned long long)r->samples,
		       (unsigned long long)r->distinct, r->db_bytes / 1e6, r->wal_bytes / 1e6, r->step_samples,
		       r->store_s > 0 ? r->step_samples / r->store_s : 0, r->store_s > 0 ? r->step_mb / r->store_s : 0,
		       r->store_s > 0 ? r->step_funcs / r->store_s : 0, e2e > 0 ? r->step_samples / e2e : 0,
		       e2e > 0 ? r->step_mb / e2e : 0, r->functions ? (double)r->db_bytes / r->functions : 0);
	}
	printf("\nMatch latency (lineage_corpus_match, wall, median of %d after one warm-up; of 1 when the warm-up "
	       "took "
	       "over %.0f s) against brute force "
	       "(one SQL scan of every stored MinHash + all-pairs comparison;\n"
	       "the comparison timed on %zu query functions spread over the query and extrapolated to all of them)\n",
	       runs, slow, brute_sub);
	for (int qi = 0; qi < nq; qi++) {
		size_t nf;
		lineage_sample_functions(qs[qi].s, &nf);
		printf("\nquery %s: %zu functions, %zu considered (>= %d instructions, no thunks), %.1f MB\n",
		       qs[qi].path, nf, qs[qi].nfunc, LINEAGE_MIN_MATCH_INSNS, file_size(qs[qi].path) / 1e6);
		printf("%10s %8s | %9s %4s %9s %8s %8s | %8s %10s %9s | %9s\n", "functions", "growth", "match ms",
		       "runs", "min ms", "growth", "samples", "scan s", "brute s*", "pairs/fn", "brute/idx");
		for (int i = 0; i < nrows; i++) {
			const step_row *r = &rows[i];
			printf("%10llu %7.1fx | %9.1f %4d %9.1f %7.2fx %8zu | %8.3f %10.2f %9.1f | %8.2fx\n",
			       (unsigned long long)r->functions, (double)r->functions / rows[0].functions,
			       r->match_ms[qi], r->match_runs[qi], r->match_min_ms[qi],
			       r->match_ms[qi] / rows[0].match_ms[qi], r->match_samples[qi], r->scan_s, r->brute_s[qi],
			       r->brute_sub[qi] ? (double)r->brute_pairs[qi] / r->brute_sub[qi] : 0,
			       r->match_ms[qi] > 0 ? 1e3 * r->brute_s[qi] / r->match_ms[qi] : 0);
		}
	}
	printf("\n* brute s = scan s + (comparison of the subset) x (considered functions / subset)\n");
	printf("\nMemory (kB): RSS when the step was reached, peak RSS during its matches, peak RSS of the process "
	       "(the loader's analysis of the largest file included)\n");
	printf("%10s %10s %12s %12s\n", "functions", "RSS", "match peak", "process peak");
	for (int i = 0; i < nrows; i++)
		printf("%10llu %10ld %12ld %12ld\n", (unsigned long long)rows[i].functions, rows[i].rss_kb,
		       rows[i].match_hwm_kb, rows[i].maxrss_kb);

	/* how SQLite runs the two lookups a match makes per query function */
	const char *plans[] = {
	        "SELECT id, sample, address, ninsn, flags, name, minhash FROM functions WHERE exact_hash = ?1 LIMIT ?2",
	        "SELECT f.id, f.sample, f.address, f.ninsn, f.flags, f.name, f.minhash FROM bands b"
	        " JOIN functions f ON f.id = b.function WHERE b.key = ?1 LIMIT ?2"};
	printf("\nSQLite query plans of the match lookups (lib/corpus/sqlite.c Q_EXACT, Q_NEAR):\n");
	for (int i = 0; i < 2; i++) {
		char sql[600];
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", plans[i]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK) continue;
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("  %s: %s\n", i ? "near " : "exact", sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	sqlite3_close(raw);
	lineage_corpus_close(c);
	for (int i = 0; i < nq; i++) {
		lineage_sample_free(qs[i].s);
		free(qs[i].mh);
	}
	for (size_t i = 0; i < npaths; i++) free(paths[i]);
	free(paths);
	lineage_ctx_free(ctx);
	return 0;
}
