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

#endif
