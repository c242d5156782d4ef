/* bench/destruct: cost of lineage's destruction axis (the capability stage,
 * LINEAGE_ANALYZE_CAPABILITIES) over a list of files, median of N runs
 * (bench/destruct.sh runs GNU strings over the same files in the same run
 * and prints the ratios):
 *   (a) after code   LINEAGE_ANALYZE_CODE (disassembly) timed alone, then
 *                    LINEAGE_ANALYZE_CAPABILITIES on the same sample: the
 *                    file's strings, the YARA pass, the rules at file and
 *                    function scope, embedded files, IOCTL uses. The stage's
 *                    share is caps / (code + caps).
 *   (b) bytes only   LINEAGE_ANALYZE_CAPABILITIES on a fresh sample: strings,
 *                    YARA hits and the file-scope rules, no disassembly
 * Times are wall time (CLOCK_MONOTONIC) of lineage_sample_analyze() alone,
 * summed over the files; loading (reading and parsing the file) is timed
 * apart, and the rules are compiled once, before the runs (time printed
 * apart). Capabilities are counted per mode (rules that matched, embedded
 * files' included); "methods" leaves out the support rules.
 *   usage: bench_destruct [--runs N] [--rules DIR] [--list FILE] [FILE...]
 * --list reads one path per line. The last line is for scripts: "RESULT
 * files=.. bytes=.. load_sec=.. code_sec=.. caps_sec=.. bytes_sec=.. a_caps=..
 * a_methods=.. b_caps=.. embedded=.. ioctls=..". Nothing analyzed is ever run. */
#include <lineage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

enum { T_LOAD, T_CODE, T_CAPS, T_BYTES, NT };

typedef struct result {
	double *t[NT];                             /* [stage][run] seconds */
	size_t caps[2], methods, embedded, ioctls; /* last run; caps per mode */
	long long size;
	int ok;
} result;

static size_t methods(const lineage_capability *c, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) k += !c[i].support;
	return k;
}

/* one run over one file: (a) code then capabilities on one sample, (b)
 * capabilities alone on another */
static int one(result *r, lineage_ctx *ctx, const char *path, int run)
{
	lineage_sample *s;
	size_t n;
	if (bench_load(&s, ctx, path, &r->t[T_LOAD][run])) return -1;
	int rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_CODE, &r->t[T_CODE][run]);
	if (rc == 0) rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_CAPABILITIES, &r->t[T_CAPS][run]);
	if (rc == 0) {
		const lineage_capability *c = lineage_sample_capabilities(s, &n);
		r->caps[0] = n;
		r->methods = methods(c, n);
		lineage_sample_embedded(s, &r->embedded);
		lineage_sample_ioctls(s, &r->ioctls);
	}
	lineage_sample_free(s);
	if (rc != 0) return -1;

	double tl;
	if (bench_load(&s, ctx, path, &tl)) return -1;
	rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_CAPABILITIES, &r->t[T_BYTES][run]);
	if (rc == 0) lineage_sample_capabilities(s, &r->caps[1]);
	lineage_sample_free(s);
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const char usage[] = "usage: bench_destruct [--runs N] [--rules DIR] [--list FILE] [FILE...]\n";
	int runs, nfiles;
	const char *rdir;
	char **files;
	int bad = bench_args(argc, argv, usage, &runs, &rdir, &files, &nfiles);
	if (bad) return bad;

	lineage_rules *rules;
	double trload;
	lineage_ctx *ctx = bench_ctx_with_rules(rdir, &rules, &trload);
	if (!ctx) return 3;
	printf("lineage destruct: %zu rules (%zu capability rules) from %s compiled in %.3f s; %d files, median of "
	       "%d runs\n",
	       lineage_rules_count(rules), lineage_rules_capability_count(rules), lineage_rules_dir(rules), trload,
	       nfiles, runs);

	result *r = calloc((size_t)nfiles, sizeof(*r));
	double *tot[NT];
	if (!r) return 3;
	for (int k = 0; k < NT; k++) tot[k] = calloc((size_t)runs, sizeof(double));
	for (int i = 0; i < nfiles; i++) {
		r[i].size = bench_file_size(files[i]);
		r[i].ok = r[i].size > 0;
		for (int k = 0; k < NT; k++) r[i].t[k] = calloc((size_t)runs, sizeof(double));
	}
	/* runs outermost, both modes per file: the machine's load drifts alike
	 * over every stage */
	for (int run = 0; run < runs; run++)
		for (int i = 0; i < nfiles; i++)
			if (r[i].ok && one(&r[i], ctx, files[i], run)) r[i].ok = 0;
	for (int run = 0; run < runs; run++)
		for (int i = 0; i < nfiles; i++)
			if (r[i].ok)
				for (int k = 0; k < NT; k++) tot[k][run] += r[i].t[k][run];

	printf("\n%-30s %7s | %8s %8s %9s %6s %5s %5s | %8s %5s\n", "file", "MB", "code ms", "caps ms", "caps MB/s",
	       "share", "caps", "meth", "(b) MB/s", "caps");
	double bytes = 0;
	size_t ca = 0, cb = 0, meth = 0, emb = 0, io = 0;
	int nok = 0;
	for (int i = 0; i < nfiles; i++) {
		if (!r[i].ok) continue;
		nok++;
		double mb = (double)r[i].size / 1e6;
		double tc = bench_median(r[i].t[T_CODE], runs), tk = bench_median(r[i].t[T_CAPS], runs);
		double tb = bench_median(r[i].t[T_BYTES], runs);
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		printf("%-30.30s %7.2f | %8.1f %8.1f %9.1f %5.1f%% %5zu %5zu | %8.1f %5zu\n", base, mb, tc * 1e3,
		       tk * 1e3, tk > 0 ? mb / tk : 0.0, tc + tk > 0 ? 100 * tk / (tc + tk) : 0.0, r[i].caps[0],
		       r[i].methods, tb > 0 ? mb / tb : 0.0, r[i].caps[1]);
		bytes += (double)r[i].size;
		ca += r[i].caps[0];
		cb += r[i].caps[1];
		meth += r[i].methods;
		emb += r[i].embedded;
		io += r[i].ioctls;
	}
	double tl = bench_median(tot[T_LOAD], runs), tc = bench_median(tot[T_CODE], runs),
	       tk = bench_median(tot[T_CAPS], runs);
	double tb = bench_median(tot[T_BYTES], runs), mb = bytes / 1e6;
	printf("\nload (read + parse, not counted below):            %.3f s\n", tl);
	printf("(a) code (disassembly):                            %.1f MB in %.3f s = %.1f MB/s\n", mb, tc,
	       tc > 0 ? mb / tc : 0.0);
	printf("(a) capability stage after code:                   %.1f MB in %.3f s = %.1f MB/s, %.1f%% of code + "
	       "capabilities;\n    %zu capabilities (%zu methods), %zu embedded files, %zu IOCTL uses\n",
	       mb, tk, tk > 0 ? mb / tk : 0.0, tc + tk > 0 ? 100 * tk / (tc + tk) : 0.0, ca, meth, emb, io);
	printf("(b) capability stage alone (bytes only):           %.1f MB in %.3f s = %.1f MB/s, %zu capabilities\n",
	       mb, tb, tb > 0 ? mb / tb : 0.0, cb);
	printf("RESULT files=%d bytes=%.0f load_sec=%.6f code_sec=%.6f caps_sec=%.6f bytes_sec=%.6f a_caps=%zu "
	       "a_methods=%zu b_caps=%zu embedded=%zu ioctls=%zu\n",
	       nok, bytes, tl, tc, tk, tb, ca, meth, cb, emb, io);

	for (int i = 0; i < nfiles; i++)
		for (int k = 0; k < NT; k++) free(r[i].t[k]);
	for (int k = 0; k < NT; k++) free(tot[k]);
	free(r);
	bench_free_paths(files, nfiles);
	lineage_ctx_free(ctx); /* borrows the rules */
	lineage_rules_free(rules);
	return 0;
}
