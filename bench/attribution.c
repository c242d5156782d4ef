/* The combined verdict's acceptance benchmark: family attribution under each
 * combination of evidence axes, on the same corpus and queries in one run,
 * and the data its calibration is fitted and measured on (bench/attribution.sh,
 * bench/attribution.py; docs/attribution.md "Measured").
 *
 * Input (stdin): one line per file, tab-separated:
 *   ROLE FAMILY ARTIFACTS_FAMILY VARIANT PROFILE PATH
 * ROLE:
 *   S  a labelled member of FAMILY: stored, not queried
 *   Q  queried; FAMILY is the right answer
 *   X  a false flag: queried; FAMILY (its code) is the right answer,
 *      ARTIFACTS_FAMILY the family whose artifacts it carries
 *   U  unrelated: queried; the right answer is "no known relative"
 *   F  (bench/kinship.sh's manifest: KIND GROUP FAMILY PATH) stored and
 *      queried against the others, leave-one-out; L library code, stored
 *   Every file is analysed as `lineage add` does (all axes) and stored or
 *   queried through the library API.
 * PROFILE says how the query was made (bench/families/gen.py): full, code,
 * traits, drifted, faint, sliver, onetrait, sister, falseflag; for U the weak
 * overlap it carries.
 *
 * Output: per axis combination (code; +crypto; +destruction;
 * +infrastructure; +artifacts): precision@1 (the top family is right, over
 * known-family queries), verdict accuracy (the verdict is right: the family,
 * or "no known relative" for unrelated queries), wrong verdicts (a family
 * that is not the answer), the "no known relative" rate on unrelated and on
 * known queries, the ambiguous answers (no verdict: two families supported,
 * the first under LINEAGE_VERDICT_CONFIDENCE), accuracy per profile, the
 * false flags' outcome; then the expected calibration error of the stated
 * confidence (lineage_match.confidence) over every query of the run, with the
 * CALIB_* constants the library was built with (bench/attribution.sh runs one
 * seed per corpus; the held-out split is a set of seeds, bench/attribution.py).
 *   --dump FILE  writes, for every query and combination, the stated
 *                confidence, whether it was right, whether it was ambiguous,
 *                and each ranked family's combined evidence (the fit's input,
 *                bench/attribution.py)
 *   usage: bench_attribution [--dump FILE] DB < manifest */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define ANALYZE_ALL                                                                                                    \
	(LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES | LINEAGE_ANALYZE_CRYPTO | LINEAGE_ANALYZE_CAPABILITIES |       \
	 LINEAGE_ANALYZE_INFRA | LINEAGE_ANALYZE_ARTIFACTS)

#define NCOMBOS 5
#define NBINS   10
static const char *const combo_names[NCOMBOS] = {"code", "code+crypto", "code+crypto+destruction",
                                                 "code+crypto+destr+infra", "all five"};

static unsigned combo_mask(int k)
{
	unsigned m = 0;
	for (int a = 0; a <= k; a++) m |= LINEAGE_AXIS_MASK(a);
	return m;
}

typedef struct entry {
	char role;
	char family[128], afamily[128], profile[32], path[1024];
	int variant;
	int members; /* F: distinct stored members of its family */
	bool skip;   /* failed to load, or a duplicate */
	lineage_sample *s;
	char sha256[65];
	/* per combination */
	char top[NCOMBOS][128];
	bool verdict[NCOMBOS], verdict_ok[NCOMBOS], flagged[NCOMBOS], ambiguous[NCOMBOS];
	double confidence[NCOMBOS];
} entry;

static entry *read_manifest(size_t *n)
{
	size_t cap = 256;
	entry *v = calloc(cap, sizeof(*v));
	char line[2048];
	*n = 0;
	while (v && fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#') continue;
		char *f[6], *save = NULL, *p = line;
		int k = 0;
		for (; k < 6 && (f[k] = strtok_r(p, "\t", &save)); k++) p = NULL;
		bool kinship = k == 4 && strchr("FLU", f[0][0]);
		if (!kinship && (k != 6 || !strchr("SQXU", f[0][0]))) {
			fprintf(stderr, "bench_attribution: bad manifest line: %s\n", line);
			continue;
		}
		if (*n == cap) {
			entry *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv) break;
			v = nv;
		}
		entry *e = &v[(*n)++];
		memset(e, 0, sizeof(*e));
		e->role = f[0][0];
		if (kinship) { /* KIND GROUP FAMILY PATH */
			snprintf(e->family, sizeof(e->family), "%s", e->role == 'U' ? "-" : f[2]);
			snprintf(e->afamily, sizeof(e->afamily), "%s", e->family);
			snprintf(e->profile, sizeof(e->profile), "%s", f[1]);
			snprintf(e->path, sizeof(e->path), "%s", f[3]);
			e->variant = (int)*n;
		} else {
			snprintf(e->family, sizeof(e->family), "%s", f[1]);
			snprintf(e->afamily, sizeof(e->afamily), "%s", f[2]);
			e->variant = (int)strtol(f[3], NULL, 10);
			snprintf(e->profile, sizeof(e->profile), "%s", f[4]);
			snprintf(e->path, sizeof(e->path), "%s", f[5]);
		}
	}
	return v;
}

static bool stored(const entry *e)
{
	return e->role == 'S' || e->role == 'F' || e->role == 'L';
}

static bool queried(const entry *e)
{
	return !e->skip && (e->role == 'Q' || e->role == 'X' || e->role == 'U' || (e->role == 'F' && e->members > 1));
}

static bool known(const entry *e)
{
	return e->role == 'Q' || e->role == 'F';
}

/* The stated confidence is right: a verdict naming the answer, or "no known
 * relative" for a query that has none. */
static bool stated_right(const entry *e, int k)
{
	return e->verdict[k] ? e->verdict_ok[k] : e->role == 'U';
}

static void dump_match(FILE *d, const entry *e, int k, const lineage_match *m)
{
	fprintf(d, "%d\t%c\t%d\t%s\t%s\t%s\t%.9g\t%d\t%d", k, e->role, e->variant, e->family,
	        m->verdict ? m->verdict : "-", e->profile, m->confidence, stated_right(e, k), m->ambiguous != 0);
	for (size_t i = 0; i < m->nfamilies; i++) {
		const lineage_match_family *f = &m->families[i];
		fprintf(d, "\t%s:%.9g:%d", f->family[0] ? f->family : "?", f->evidence, f->supported);
	}
	fputc('\n', d);
}

static int query(lineage_corpus *c, lineage_ctx *ctx, entry *e, FILE *dump)
{
	for (int k = 0; k < NCOMBOS; k++) {
		lineage_match_options mo = {.axes = combo_mask(k), .exclude_self = e->role == 'F'};
		lineage_match *m;
		if (lineage_corpus_match(&m, c, ctx, e->s, &mo) != 0) {
			fprintf(stderr, "bench_attribution: %s\n", lineage_errmsg(ctx));
			return -1;
		}
		snprintf(e->top[k], sizeof(e->top[k]), "%s", m->nfamilies ? m->families[0].family : "");
		e->verdict[k] = m->verdict != NULL;
		e->verdict_ok[k] = m->verdict && !strcmp(m->verdict, e->family);
		e->confidence[k] = m->confidence;
		e->ambiguous[k] = m->ambiguous != 0;
		for (size_t i = 0; i < m->ncontradictions; i++) e->flagged[k] |= m->contradictions[i].false_flag;
		if (dump) dump_match(dump, e, k, m);
		lineage_match_free(m);
	}
	return 0;
}

typedef struct tally {
	int known, top, known_ok, known_nkr, unrel, unrel_nkr, wrong, queries, ambiguous;
	int flags, flag_ok, flag_planted, flag_nkr, flag_shown;
} tally;

static tally count(const entry *e, size_t n, int k, const char *profile)
{
	tally t = {0};
	for (size_t i = 0; i < n; i++) {
		if (!queried(&e[i])) continue;
		if (profile && strcmp(profile, e[i].profile)) continue;
		t.queries++;
		t.wrong += e[i].verdict[k] && !e[i].verdict_ok[k];
		t.ambiguous += e[i].ambiguous[k];
		if (known(&e[i])) {
			t.known++;
			t.top += !strcmp(e[i].top[k], e[i].family);
			t.known_ok += e[i].verdict_ok[k];
			t.known_nkr += !e[i].verdict[k];
		} else if (e[i].role == 'U') {
			t.unrel++;
			t.unrel_nkr += !e[i].verdict[k];
		} else {
			t.flags++;
			t.flag_ok += e[i].verdict_ok[k];
			t.flag_planted += e[i].verdict[k] && !strcmp(e[i].top[k], e[i].afamily);
			t.flag_nkr += !e[i].verdict[k];
			t.flag_shown += e[i].flagged[k];
		}
	}
	return t;
}

static double pct(int a, int b)
{
	return b ? 100.0 * a / b : 0;
}

/* Expected calibration error of the stated confidence over every query, in
 * NBINS equal-width bins. */
static double ece(const entry *e, size_t n, int k, int *nq, int cnt[NBINS], double conf[NBINS], double acc[NBINS])
{
	memset(cnt, 0, NBINS * sizeof(int));
	memset(conf, 0, NBINS * sizeof(double));
	memset(acc, 0, NBINS * sizeof(double));
	*nq = 0;
	for (size_t i = 0; i < n; i++) {
		if (!queried(&e[i])) continue;
		double c = e[i].confidence[k];
		int b = c >= 1 ? NBINS - 1 : c < 0 ? 0 : (int)(c * NBINS);
		cnt[b]++;
		conf[b] += c;
		acc[b] += stated_right(&e[i], k);
		(*nq)++;
	}
	double err = 0;
	for (int b = 0; b < NBINS; b++) {
		if (!cnt[b]) continue;
		conf[b] /= cnt[b];
		acc[b] /= cnt[b];
		err += (double)cnt[b] / *nq * (conf[b] > acc[b] ? conf[b] - acc[b] : acc[b] - conf[b]);
	}
	return err;
}

static void report(const entry *e, size_t n)
{
	printf("\nattribution per axis combination (known: queried variants of stored families; unrelated: the "
	       "answer is \"no known relative\")\n");
	printf("%-26s %7s %7s %7s %7s %7s %7s %7s\n", "axes", "P@1", "verdict", "wrong", "NKR", "NKR", "ambig.",
	       "queries");
	printf("%-26s %7s %7s %7s %7s %7s\n", "", "known", "right", "verdicts", "unrel.", "known");
	for (int k = 0; k < NCOMBOS; k++) {
		tally t = count(e, n, k, NULL);
		int right = t.known_ok + t.unrel_nkr;
		printf("%-26s %6.1f%% %6.1f%% %7d %6.1f%% %6.1f%% %7d %7d\n", combo_names[k], pct(t.top, t.known),
		       pct(right, t.known + t.unrel), t.wrong, pct(t.unrel_nkr, t.unrel), pct(t.known_nkr, t.known),
		       t.ambiguous, t.queries);
	}
	tally all = count(e, n, 0, NULL);
	printf("(%d known-family queries, %d unrelated; verdict right over both; wrong verdicts over every query, "
	       "false flags included; NKR: no verdict, ambiguous answers included; ambig.: answers ambiguous)\n",
	       all.known, all.unrel);

	static const char *const profiles[] = {"full",  "code",   "traits",   "drifted",
	                                       "faint", "sliver", "onetrait", "sister"};
	printf("\nknown-family queries by profile: verdict right (P@1)\n%-10s", "profile");
	for (int k = 0; k < NCOMBOS; k++) printf(" %15.15s", combo_names[k]);
	printf("\n");
	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
		tally t0 = count(e, n, 0, profiles[p]);
		if (!t0.known) continue;
		printf("%-7s%3d", profiles[p], t0.known);
		for (int k = 0; k < NCOMBOS; k++) {
			tally t = count(e, n, k, profiles[p]);
			printf("   %5.1f%% (%3.0f%%)", pct(t.known_ok, t.known), pct(t.top, t.known));
		}
		printf("\n");
	}

	tally f0 = count(e, n, 0, NULL);
	if (f0.flags) {
		printf("\nfalse flags (family A's code, family B's artifacts; the answer is A): %d queries\n",
		       f0.flags);
		printf("%-26s %8s %8s %8s %10s\n", "axes", "A", "B", "none", "flagged");
		for (int k = 0; k < NCOMBOS; k++) {
			tally t = count(e, n, k, NULL);
			printf("%-26s %8d %8d %8d %10d\n", combo_names[k], t.flag_ok, t.flag_planted, t.flag_nkr,
			       t.flag_shown);
		}
		printf("(flagged: a contradiction marked as a possible false flag)\n");
	}

	printf("\nstated confidence (the verdict's, or the probability of \"no known relative\"), expected "
	       "calibration error in %d bins\n",
	       NBINS);
	printf("%-26s %14s\n", "axes", "all queries");
	int cnt[NBINS], nq;
	double conf[NBINS], acc[NBINS];
	for (int k = 0; k < NCOMBOS; k++) {
		double whole = ece(e, n, k, &nq, cnt, conf, acc);
		printf("%-26s %8.3f (%3d)\n", combo_names[k], whole, nq);
	}
	double whole = ece(e, n, NCOMBOS - 1, &nq, cnt, conf, acc);
	printf("\nreliability, all five axes, every query of this run (ECE %.3f over %d)\n", whole, nq);
	printf("  bin          n   confidence  right\n");
	for (int b = 0; b < NBINS; b++)
		if (cnt[b])
			printf("  %.1f-%.1f %6d   %8.3f   %6.3f\n", b / (double)NBINS, (b + 1) / (double)NBINS, cnt[b],
			       conf[b], acc[b]);

	printf("\nmisses, all five axes (wrong or missing verdicts)\n");
	for (size_t i = 0; i < n; i++) {
		const entry *x = &e[i];
		int k = NCOMBOS - 1;
		if (!queried(x) || stated_right(x, k)) continue;
		printf("  %c %-34.34s %-15s top %-20.20s verdict %-5s conf %.3f (code only: %s)\n", x->role,
		       strrchr(x->path, '/') ? strrchr(x->path, '/') + 1 : x->path, x->profile,
		       x->top[k][0] ? x->top[k] : "-",
		       x->verdict[k]     ? "wrong"
		       : x->ambiguous[k] ? "ambig"
		                         : "none",
		       x->confidence[k], stated_right(x, 0) ? "right" : "wrong");
	}
	printf("hurt by combining (right with code alone, wrong with all five)\n");
	int hurt = 0;
	for (size_t i = 0; i < n; i++)
		if (queried(&e[i]) && stated_right(&e[i], 0) && !stated_right(&e[i], NCOMBOS - 1)) {
			printf("  %s (%s)\n", e[i].path, e[i].profile);
			hurt++;
		}
	if (!hurt) printf("  none\n");
}

int main(int argc, char **argv)
{
	const char *dump_path = NULL;
	int a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "--dump")) {
		dump_path = argv[a + 1];
		a += 2;
	}
	if (a + 1 != argc) {
		fprintf(stderr, "usage: bench_attribution [--dump FILE] DB < manifest\n");
		return 2;
	}
	size_t n;
	entry *e = read_manifest(&n);
	if (!e || !n) {
		fprintf(stderr, "bench_attribution: empty manifest\n");
		free(e);
		return 2;
	}
	lineage_rules *rules = NULL;
	double t_rules;
	lineage_ctx *ctx = bench_ctx_with_rules(NULL, &rules, &t_rules);
	if (!ctx) return 3;
	lineage_corpus *c;
	remove(argv[a]);
	if (lineage_corpus_open(&c, ctx, argv[a], LINEAGE_CORPUS_CREATE) != 0) {
		fprintf(stderr, "bench_attribution: %s\n", lineage_errmsg(ctx));
		return 4;
	}
	int rc = 0;
	double t0 = bench_now();
	size_t nstored = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		double t;
		if (bench_load(&e[i].s, ctx, e[i].path, &t) != 0 ||
		    bench_analyze(e[i].s, ctx, e[i].path, ANALYZE_ALL, &t) != 0) {
			e[i].skip = true;
			continue;
		}
		snprintf(e[i].sha256, sizeof(e[i].sha256), "%s", lineage_sample_hashes(e[i].s)->sha256);
		for (size_t k = 0; k < i && !e[i].skip; k++)
			e[i].skip = !e[k].skip && !strcmp(e[k].sha256, e[i].sha256);
		if (e[i].skip || !stored(&e[i])) continue;
		lineage_labels l = {e[i].family, NULL, NULL, "bench", e[i].role == 'L'};
		int added;
		if (lineage_corpus_add(c, ctx, e[i].s, &l, &added) != 0) {
			fprintf(stderr, "bench_attribution: %s\n", lineage_errmsg(ctx));
			rc = 4;
		}
		nstored++;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++)
			if (e[i].role == 'F' && e[k].role == 'F' && !e[k].skip && !strcmp(e[i].family, e[k].family))
				e[i].members++;
	double t_store = bench_now() - t0;
	FILE *dump = NULL;
	if (rc == 0 && dump_path && !(dump = fopen(dump_path, "w"))) {
		perror(dump_path);
		rc = 4;
	}
	if (dump)
		fprintf(dump, "# combination role variant family verdict profile confidence right "
		              "family:evidence:supported...\n");
	t0 = bench_now();
	size_t nq = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!queried(&e[i])) continue;
		if (query(c, ctx, &e[i], dump) != 0) rc = 4;
		nq++;
	}
	double t_query = bench_now() - t0;
	if (dump && fclose(dump) != 0) rc = 4;
	if (rc == 0) {
		printf("attribution benchmark: %zu files stored, %zu queries x %d axis combinations\n", nstored, nq,
		       NCOMBOS);
		printf("analysis and storing %.1f s; matching %.1f ms per query and combination\n", t_store,
		       nq ? 1000 * t_query / (double)(nq * NCOMBOS) : 0);
		report(e, n);
	}
	for (size_t i = 0; i < n; i++) lineage_sample_free(e[i].s);
	free(e);
	lineage_corpus_close(c);
	lineage_ctx_free(ctx);
	lineage_rules_free(rules);
	return rc;
}
