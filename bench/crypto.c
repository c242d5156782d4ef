/* bench/crypto: speed of lineage's crypto axis over a list of files, in two
 * modes, median of N runs (bench/crypto.sh runs YARA's command line over the
 * same files with the same rules in the same run and prints the ratios):
 *   (a) rules only   LINEAGE_ANALYZE_CRYPTO: the YARA rules of rules/crypto and
 *                    the data scans, on the bytes (no disassembly)
 *   (b) full         LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO: everything,
 *                    function discovery and disassembly included
 * Times are wall time (CLOCK_MONOTONIC) of load + analyze per file, summed over
 * the files; the rules are compiled once, before the runs (time printed apart).
 * Findings are counted per mode; "rule hits" counts distinct (file, rule) pairs
 * of the findings whose source is "rule:NAME", comparable to the match lines
 * of `yara` (lineage may drop or merge some matches after YARA).
 *   usage: bench_crypto [--runs N] [--rules DIR] [--list FILE] [FILE...]
 * The last line is for scripts: "RESULT files=.. bytes=.. a_sec=.. a_findings=..
 * a_rule_hits=.. b_sec=.. b_findings=..". Nothing analyzed is ever run. */
#include <lineage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* distinct "rule:" sources among the findings */
static size_t rule_hits(const lineage_crypto_finding *f, size_t n)
{
	const char **v = malloc((n ? n : 1) * sizeof(*v));
	size_t k = 0, d = 0;
	if (!v) return 0;
	for (size_t i = 0; i < n; i++)
		if (f[i].source && !strncmp(f[i].source, "rule:", 5)) v[k++] = f[i].source;
	qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 0; i < k; i++)
		if (!i || strcmp(v[i], v[i - 1])) d++;
	free(v);
	return d;
}

typedef struct result {
	double *t[2];       /* [mode][run] seconds */
	size_t findings[2]; /* last run */
	size_t hits;        /* rule hits, mode a */
	long long size;
	int ok;
} result;

/* load + analyze one file; returns seconds or -1 */
static double one(lineage_ctx *ctx, const char *path, uint32_t what, size_t *nfind, size_t *nhits)
{
	lineage_sample *s;
	double t0 = bench_now();
	if (lineage_sample_load_file(&s, ctx, path) != 0) {
		fprintf(stderr, "skip %s: %s\n", path, lineage_errmsg(ctx));
		return -1;
	}
	int rc = lineage_sample_analyze(s, ctx, what);
	double t1 = bench_now();
	if (rc != 0) {
		fprintf(stderr, "%s: analysis failed: %s\n", path, lineage_errmsg(ctx));
		lineage_sample_free(s);
		return -1;
	}
	size_t n = 0;
	const lineage_crypto_finding *f = lineage_sample_crypto(s, &n);
	*nfind = n;
	if (nhits) *nhits = rule_hits(f, n);
	lineage_sample_free(s);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	int runs, nfiles;
	const char *rdir;
	char **files;
	int bad = bench_args(argc, argv, "usage: bench_crypto [--runs N] [--rules DIR] [--list FILE] [FILE...]\n",
	                     &runs, &rdir, &files, &nfiles);
	if (bad) return bad;

	lineage_rules *rules;
	double trload;
	lineage_ctx *ctx = bench_ctx_with_rules(rdir, &rules, &trload);
	if (!ctx) return 3;
	printf("lineage crypto: %zu rules from %s compiled in %.3f s; %d files, median of %d runs\n",
	       lineage_rules_count(rules), lineage_rules_dir(rules), trload, nfiles, runs);

	result *r = calloc((size_t)nfiles, sizeof(*r));
	if (!r) return 3;
	for (int i = 0; i < nfiles; i++) {
		r[i].size = bench_file_size(files[i]);
		r[i].ok = r[i].size > 0;
		for (int m = 0; m < 2; m++) r[i].t[m] = calloc((size_t)runs, sizeof(double));
	}
	static const uint32_t modes[2] = {LINEAGE_ANALYZE_CRYPTO, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO};
	double *tot[2] = {calloc((size_t)runs, sizeof(double)), calloc((size_t)runs, sizeof(double))};
	/* runs outermost, modes alternating per file: the machine's load drifts
	 * alike over both modes */
	for (int run = 0; run < runs; run++)
		for (int i = 0; i < nfiles; i++)
			for (int m = 0; m < 2 && r[i].ok; m++) {
				double t = one(ctx, files[i], modes[m], &r[i].findings[m], m == 0 ? &r[i].hits : NULL);
				if (t < 0) {
					r[i].ok = 0;
					break;
				}
				r[i].t[m][run] = t;
			}
	for (int run = 0; run < runs; run++)
		for (int i = 0; i < nfiles; i++)
			if (r[i].ok)
				for (int m = 0; m < 2; m++) tot[m][run] += r[i].t[m][run];

	printf("\n%-30s %8s | %9s %8s %6s | %9s %8s\n", "file", "MB", "(a) MB/s", "findings", "rules", "(b) MB/s",
	       "findings");
	double bytes = 0;
	size_t fa = 0, fb = 0, hits = 0;
	int nok = 0;
	for (int i = 0; i < nfiles; i++) {
		if (!r[i].ok) continue;
		nok++;
		double mb = (double)r[i].size / 1e6;
		double ta = bench_median(r[i].t[0], runs), tb = bench_median(r[i].t[1], runs);
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		printf("%-30.30s %8.2f | %9.1f %8zu %6zu | %9.1f %8zu\n", base, mb, ta > 0 ? mb / ta : 0.0,
		       r[i].findings[0], r[i].hits, tb > 0 ? mb / tb : 0.0, r[i].findings[1]);
		bytes += (double)r[i].size;
		fa += r[i].findings[0];
		fb += r[i].findings[1];
		hits += r[i].hits;
	}
	double ta = bench_median(tot[0], runs), tb = bench_median(tot[1], runs);
	printf("\n(a) rules only (bytes: YARA rules + data scans): %.1f MB in %.3f s = %.1f MB/s, %zu findings, %zu "
	       "rule hits\n",
	       bytes / 1e6, ta, ta > 0 ? bytes / 1e6 / ta : 0.0, fa, hits);
	printf("(b) full (disassembly + code scans + rules):      %.1f MB in %.3f s = %.1f MB/s, %zu findings\n",
	       bytes / 1e6, tb, tb > 0 ? bytes / 1e6 / tb : 0.0, fb);
	printf("RESULT files=%d bytes=%.0f a_sec=%.6f a_findings=%zu a_rule_hits=%zu b_sec=%.6f b_findings=%zu\n", nok,
	       bytes, ta, fa, hits, tb, fb);

	for (int i = 0; i < nfiles; i++) {
		free(r[i].t[0]);
		free(r[i].t[1]);
	}
	free(r);
	free(tot[0]);
	free(tot[1]);
	lineage_ctx_free(ctx); /* borrows the rules */
	lineage_rules_free(rules);
	bench_free_paths(files, nfiles);
	return 0;
}
