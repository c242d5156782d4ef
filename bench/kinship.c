/* Family identification by code kinship, next to ssdeep and TLSH on exactly
 * the same queries in the same run.
 *
 * Input (stdin): one line per file, tab-separated: KIND GROUP FAMILY PATH.
 *   F  a member of FAMILY: stored in the corpus, and queried against all the
 *      others (leave-one-out: its own copy is excluded)
 *   L  reference library code (stored with the library mark, never queried)
 *   U  an unrelated file: not stored, queried; the right answer is "no known
 *      relative"
 * GROUP names where the file comes from (fixtures, realcode, system) for the
 * per-group figures.
 *
 * Measured: precision@1 (the top-ranked family is the file's family; ssdeep
 * and TLSH rank known files by score/distance and take the best one's
 * family), attribution at each method's operating threshold (a verdict that
 * is the right family), and the share of unrelated files answered "no known
 * relative". Only files whose family has another member are queried as F.
 *   usage: bench_kinship DB < manifest */
#include <fuzzy.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lineage.h>

int bench_tlsh_diff(const char *a, const char *b);

#define SSDEEP_T 1   /* ssdeep: a score of 1 or more is a match */
#define TLSH_T   100 /* TLSH: a distance of 100 or less is a match */

typedef struct entry {
	char kind;
	char group[32], family[128], path[1024];
	char sha256[65], ssdeep[160], tlsh[80];
	int dup;     /* same sha256 as an earlier entry: skipped */
	int members; /* F entries of its family (distinct files) */
	/* results */
	char top[128]; /* lineage's top-ranked family, "" for none */
	int verdict_ok, verdict_any;
	double score;
	uint64_t shared; /* non-library instructions shared with the top family */
	int ss_best;     /* best ssdeep score, index of its file */
	int ss_ix;
	int tl_best; /* best TLSH distance (-1 none), index */
	int tl_ix;
} entry;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static entry *read_manifest(size_t *n)
{
	size_t cap = 256;
	entry *v = calloc(cap, sizeof(*v));
	char line[2048];
	*n = 0;
	while (v && fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#') continue;
		char *f[4], *save = NULL, *p = line;
		int k = 0;
		for (; k < 4 && (f[k] = strtok_r(p, "\t", &save)); k++) p = NULL;
		if (k != 4 || !strchr("FLU", f[0][0])) {
			fprintf(stderr, "bench_kinship: bad manifest line: %s\n", line);
			continue;
		}
		if (*n == cap) {
			entry *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv) break;
			v = nv;
		}
		entry *e = &v[(*n)++];
		memset(e, 0, sizeof(*e));
		e->kind = f[0][0];
		snprintf(e->group, sizeof(e->group), "%s", f[1]);
		snprintf(e->family, sizeof(e->family), "%s", f[2]);
		snprintf(e->path, sizeof(e->path), "%s", f[3]);
	}
	return v;
}

typedef struct tally {
	int n, lin_top, lin_attr, ss_top, ss_attr, tl_top, tl_attr;
} tally;

static void print_row(const char *what, const tally *t, bool unrelated)
{
	if (!t->n) return;
	if (unrelated)
		printf("  %-28s %5d   %6.1f%%   %6.1f%%   %6.1f%%\n", what, t->n, 100.0 * t->lin_attr / t->n,
		       100.0 * t->ss_attr / t->n, 100.0 * t->tl_attr / t->n);
	else
		printf("  %-28s %5d   %6.1f%% %6.1f%%   %6.1f%% %6.1f%%   %6.1f%% %6.1f%%\n", what, t->n,
		       100.0 * t->lin_top / t->n, 100.0 * t->lin_attr / t->n, 100.0 * t->ss_top / t->n,
		       100.0 * t->ss_attr / t->n, 100.0 * t->tl_top / t->n, 100.0 * t->tl_attr / t->n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_kinship DB < manifest\n");
		return 2;
	}
	size_t n;
	entry *e = read_manifest(&n);
	if (!e || !n) {
		fprintf(stderr, "bench_kinship: empty manifest\n");
		return 2;
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return 3;
	lineage_corpus *c;
	remove(argv[1]);
	if (lineage_corpus_open(&c, ctx, argv[1], LINEAGE_CORPUS_CREATE) != 0) {
		fprintf(stderr, "bench_kinship: %s\n", lineage_errmsg(ctx));
		return 4;
	}
	/* analyze and store */
	double t0 = now(), t_an = 0, t_add = 0;
	lineage_sample **smp = calloc(n, sizeof(*smp));
	for (size_t i = 0; i < n; i++) {
		double a = now();
		if (lineage_sample_load_file(&smp[i], ctx, e[i].path) != 0 ||
		    lineage_sample_analyze(smp[i], ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES) != 0) {
			fprintf(stderr, "bench_kinship: %s\n", lineage_errmsg(ctx));
			lineage_sample_free(smp[i]);
			smp[i] = NULL;
			e[i].dup = 1;
			continue;
		}
		t_an += now() - a;
		const lineage_file_hashes *h = lineage_sample_hashes(smp[i]);
		snprintf(e[i].sha256, sizeof(e[i].sha256), "%s", h->sha256);
		snprintf(e[i].ssdeep, sizeof(e[i].ssdeep), "%s", h->ssdeep);
		snprintf(e[i].tlsh, sizeof(e[i].tlsh), "%s", h->tlsh);
		for (size_t k = 0; k < i; k++)
			if (!e[k].dup && !strcmp(e[k].sha256, e[i].sha256)) e[i].dup = 1;
		if (e[i].dup || e[i].kind == 'U') continue;
		lineage_labels l = {e[i].family, NULL, NULL, "bench", e[i].kind == 'L'};
		int added;
		a = now();
		if (lineage_corpus_add(c, ctx, smp[i], &l, &added) != 0) {
			fprintf(stderr, "bench_kinship: %s\n", lineage_errmsg(ctx));
			return 4;
		}
		t_add += now() - a;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++)
			if (e[i].kind == 'F' && e[k].kind == 'F' && !e[k].dup && !strcmp(e[i].family, e[k].family))
				e[i].members++;
	fprintf(stderr, "analyzed and stored %zu files in %.1f s\n", n, now() - t0);

	/* query: lineage */
	double t_match = 0;
	uint64_t rows = 0;
	lineage_match_options mo = {.exclude_self = 1};
	for (size_t i = 0; i < n; i++) {
		if (e[i].dup || e[i].kind == 'L' || (e[i].kind == 'F' && e[i].members < 2)) continue;
		lineage_match *m;
		double a = now();
		if (lineage_corpus_match(&m, c, ctx, smp[i], &mo) != 0) {
			fprintf(stderr, "bench_kinship: %s\n", lineage_errmsg(ctx));
			return 4;
		}
		t_match += now() - a;
		rows += m->rows_read;
		if (m->nfamilies) snprintf(e[i].top, sizeof(e[i].top), "%s", m->families[0].family);
		e[i].verdict_any = m->verdict != NULL;
		e[i].verdict_ok = m->verdict && !strcmp(m->verdict, e[i].family);
		e[i].score = m->score;
		e[i].shared = m->nfamilies ? m->families[0].shared_insns : 0;
		lineage_match_free(m);
	}
	/* query: ssdeep and TLSH, against the same stored files */
	double t_fuzzy = 0, t_tlsh = 0;
	for (size_t i = 0; i < n; i++) {
		e[i].ss_best = 0;
		e[i].ss_ix = -1;
		e[i].tl_best = -1;
		e[i].tl_ix = -1;
		if (e[i].dup || e[i].kind == 'L') continue;
		for (size_t k = 0; k < n; k++) {
			if (k == i || e[k].dup || e[k].kind != 'F') continue;
			double a = now();
			int s = e[i].ssdeep[0] && e[k].ssdeep[0] ? fuzzy_compare(e[i].ssdeep, e[k].ssdeep) : -1;
			t_fuzzy += now() - a;
			if (s > e[i].ss_best) {
				e[i].ss_best = s;
				e[i].ss_ix = (int)k;
			}
			a = now();
			int d = bench_tlsh_diff(e[i].tlsh, e[k].tlsh);
			t_tlsh += now() - a;
			if (d >= 0 && (e[i].tl_best < 0 || d < e[i].tl_best)) {
				e[i].tl_best = d;
				e[i].tl_ix = (int)k;
			}
		}
	}

	/* figures */
	const char *groups[] = {"fixtures", "realcode", "system", NULL};
	tally kin_all = {0}, un_all = {0}, kin_g[3] = {{0}}, un_g[3] = {{0}};
	for (size_t i = 0; i < n; i++) {
		if (e[i].dup || e[i].kind == 'L' || (e[i].kind == 'F' && e[i].members < 2)) continue;
		int g = 0;
		while (groups[g] && strcmp(groups[g], e[i].group)) g++;
		const char *ss_fam = e[i].ss_ix >= 0 ? e[e[i].ss_ix].family : "";
		const char *tl_fam = e[i].tl_ix >= 0 ? e[e[i].tl_ix].family : "";
		bool ss_match = e[i].ss_best >= SSDEEP_T, tl_match = e[i].tl_best >= 0 && e[i].tl_best <= TLSH_T;
		if (e[i].kind == 'F') {
			tally *t[2] = {&kin_all, groups[g] ? &kin_g[g] : NULL};
			for (int k = 0; k < 2; k++) {
				if (!t[k]) continue;
				t[k]->n++;
				t[k]->lin_top += !strcmp(e[i].top, e[i].family);
				t[k]->lin_attr += e[i].verdict_ok;
				t[k]->ss_top += !strcmp(ss_fam, e[i].family);
				t[k]->ss_attr += ss_match && !strcmp(ss_fam, e[i].family);
				t[k]->tl_top += !strcmp(tl_fam, e[i].family);
				t[k]->tl_attr += tl_match && !strcmp(tl_fam, e[i].family);
			}
		} else {
			tally *t[2] = {&un_all, groups[g] ? &un_g[g] : NULL};
			for (int k = 0; k < 2; k++) {
				if (!t[k]) continue;
				t[k]->n++;
				t[k]->lin_attr += !e[i].verdict_any;
				t[k]->ss_attr += !ss_match;
				t[k]->tl_attr += !tl_match;
			}
		}
	}
	int families = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind != 'F' || e[i].dup) continue;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = !(e[k].kind == 'F' && !e[k].dup && !strcmp(e[k].family, e[i].family));
		families += first;
	}
	printf("kinship benchmark: %d families, %d kin queries (leave-one-out), %d unrelated queries\n", families,
	       kin_all.n, un_all.n);
	printf("operating points: lineage verdict threshold %.2f; ssdeep score >= %d; TLSH distance <= %d\n\n",
	       LINEAGE_VERDICT_THRESHOLD, SSDEEP_T, TLSH_T);
	printf("family identification     queries   lineage          ssdeep           TLSH\n");
	printf("                                      P@1   attrib     P@1   attrib     P@1   attrib\n");
	print_row("all", &kin_all, false);
	for (int g = 0; groups[g]; g++) print_row(groups[g], &kin_g[g], false);
	printf("\nunrelated files answered \"no known relative\"\n");
	printf("                          queries   lineage   ssdeep    TLSH\n");
	print_row("all", &un_all, true);
	for (int g = 0; groups[g]; g++) print_row(groups[g], &un_g[g], true);

	/* calibration of the verdict threshold on these queries */
	printf("\nlineage verdict threshold sweep (attribution of kin / no known relative on unrelated)\n");
	const double ts[] = {0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30};
	for (size_t t = 0; t < sizeof(ts) / sizeof(ts[0]); t++) {
		int ok = 0, nkr = 0;
		for (size_t i = 0; i < n; i++) {
			if (e[i].dup || e[i].kind == 'L' || (e[i].kind == 'F' && e[i].members < 2)) continue;
			bool verdict = e[i].score >= ts[t] && e[i].shared >= LINEAGE_VERDICT_MIN_INSNS;
			if (e[i].kind == 'F')
				ok += !strcmp(e[i].top, e[i].family) && verdict;
			else
				nkr += !verdict;
		}
		printf("  %.2f   %5.1f%%   %5.1f%%\n", ts[t], kin_all.n ? 100.0 * ok / kin_all.n : 0,
		       un_all.n ? 100.0 * nkr / un_all.n : 0);
	}
	double worst_unrelated = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == 'U' && !e[i].dup && e[i].score > worst_unrelated) worst_unrelated = e[i].score;
	printf("  highest score of an unrelated file: %.4f\n", worst_unrelated);
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == 'U' && !e[i].dup && e[i].score >= worst_unrelated / 2 && e[i].score > 0)
			printf("    %.4f %s (top %s, %llu shared instructions)\n", e[i].score, e[i].path, e[i].top,
			       (unsigned long long)e[i].shared);

	printf("\nmisses (lineage)\n");
	for (size_t i = 0; i < n; i++) {
		if (e[i].dup || e[i].kind == 'L' || (e[i].kind == 'F' && e[i].members < 2)) continue;
		if (e[i].kind == 'F' && !e[i].verdict_ok)
			printf("  kin       %-12s %-48s top %-14s score %.3f\n", e[i].family, e[i].path,
			       e[i].top[0] ? e[i].top : "-", e[i].score);
		if (e[i].kind == 'U' && e[i].verdict_any)
			printf("  unrelated %-61s top %-14s score %.3f\n", e[i].path, e[i].top, e[i].score);
	}
	int q = kin_all.n + un_all.n;
	printf("\ntime: analysis %.2f s (once, all files); matching %.1f ms per query; "
	       "ssdeep %.3f ms and TLSH %.3f ms per query (all-pairs compare, hashes precomputed)\n",
	       t_an, q ? 1000 * t_match / q : 0, q ? 1000 * t_fuzzy / q : 0, q ? 1000 * t_tlsh / q : 0);
	printf("storing: %.1f ms per file; index entries and functions read per query: %.0f\n",
	       1000 * t_add / (double)n, q ? (double)rows / q : 0);
	for (size_t i = 0; i < n; i++) lineage_sample_free(smp[i]);
	free(smp);
	free(e);
	lineage_corpus_close(c);
	lineage_ctx_free(ctx);
	return 0;
}
