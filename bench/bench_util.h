/* Small helpers the benchmarks share: a monotonic clock, a file's size, the
 * median of a few measurements, a context with a rule set loaded, a list of
 * paths from the command line or a --list file. Header-only; each bench is one
 * program. */
#ifndef LINEAGE_BENCH_UTIL_H
#define LINEAGE_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lineage.h>

static inline double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline long long bench_file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return -1;
	fseek(f, 0, SEEK_END);
	long long n = ftell(f);
	fclose(f);
	return n;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v. */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A context with the rule set of rdir (NULL: the default) loaded into it;
 * *seconds gets the load time. Returns NULL after printing why. */
static inline lineage_ctx *bench_ctx_with_rules(const char *rdir, lineage_rules **rules, double *seconds)
{
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx)) return NULL;
	double t0 = bench_now();
	if (lineage_rules_load(rules, ctx, rdir) != 0) {
		fprintf(stderr, "rules: %s\n", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		return NULL;
	}
	*seconds = bench_now() - t0;
	lineage_ctx_set_rules(ctx, *rules);
	return ctx;
}

/* Appends a copy of path to *v (*n entries). Returns -1 when out of memory. */
static inline int bench_push_path(char ***v, int *n, const char *path)
{
	char **nv = realloc(*v, (size_t)(*n + 1) * sizeof(**v));
	if (!nv) return -1;
	*v = nv;
	char *p = strdup(path);
	if (!p) return -1;
	(*v)[(*n)++] = p;
	return 0;
}

/* Appends the paths of a --list file, one a line (blank lines skipped), to *v.
 * Returns -1 after printing why. */
static inline int bench_read_list(char ***v, int *n, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char line[4096];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0]) rc = bench_push_path(v, n, line);
	}
	fclose(f);
	if (rc) fprintf(stderr, "%s: out of memory\n", path);
	return rc;
}

/* Frees the n paths of v and v. */
static inline void bench_free_paths(char **v, int n)
{
	for (int i = 0; i < n; i++) free(v[i]);
	free(v);
}

/* Load a file into *s, its time into *t; -1 (after saying so) when it cannot be. */
static inline int bench_load(lineage_sample **s, lineage_ctx *ctx, const char *path, double *t)
{
	double t0 = bench_now();
	if (lineage_sample_load_file(s, ctx, path) != 0) {
		fprintf(stderr, "skip %s: %s\n", path, lineage_errmsg(ctx));
		return -1;
	}
	*t = bench_now() - t0;
	return 0;
}

/* Analyze s for what, its time into *t; the error code after saying so. */
static inline int bench_analyze(lineage_sample *s, lineage_ctx *ctx, const char *path, uint32_t what, double *t)
{
	double t0 = bench_now();
	int rc = lineage_sample_analyze(s, ctx, what);
	*t = bench_now() - t0;
	if (rc != 0) fprintf(stderr, "%s: analysis failed: %s\n", path, lineage_errmsg(ctx));
	return rc;
}

/* The benchmarks' command line: [--runs N] [--rules DIR] [--list FILE]
 * [FILE...] (--list reads one path per line). Fills the outputs and
 * returns 0, or the exit status after printing usage (2) or failing (3). */
static inline int bench_args(int argc, char **argv, const char *usage, int *runs, const char **rdir, char ***files,
                             int *nfiles)
{
	int first = 1;
	*runs = 3;
	*rdir = NULL;
	*files = NULL;
	*nfiles = 0;
	while (first < argc && !strncmp(argv[first], "--", 2)) {
		if (!strcmp(argv[first], "--runs") && first + 1 < argc) {
			*runs = atoi(argv[first + 1]);
			first += 2;
		} else if (!strcmp(argv[first], "--rules") && first + 1 < argc) {
			*rdir = argv[first + 1];
			first += 2;
		} else if (!strcmp(argv[first], "--list") && first + 1 < argc) {
			if (bench_read_list(files, nfiles, argv[first + 1])) return 3;
			first += 2;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	for (int i = first; i < argc; i++)
		if (bench_push_path(files, nfiles, argv[i])) return 3;
	if (*nfiles <= 0 || *runs <= 0) {
		fputs(usage, stderr);
		return 2;
	}
	return 0;
}

#endif
