/* bench/infra: cost of lineage's infrastructure axis (LINEAGE_ANALYZE_INFRA,
 * network and host indicators) over a list of files, median of N runs
 * (bench/infra.sh runs `strings | grep -aEo IOC-regex` over the same files in
 * the same run and prints the ratios):
 *   (a) after code   LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO
 *                    (disassembly and the crypto axis) timed together as
 *                    "code+crypto", then LINEAGE_ANALYZE_INFRA on the same
 *                    sample: the strings scanned for indicators, stack strings
 *                    and socket addresses decoded in the candidate functions,
 *                    strings decoded with the crypto axis's XOR keys. The
 *                    stage's share is infra / (code+crypto + infra).
 *   (b) bytes only   LINEAGE_ANALYZE_INFRA on a fresh sample: the strings
 *                    alone (no code, no keys)
 * Times are wall time (CLOCK_MONOTONIC) of lineage_sample_analyze() alone,
 * summed over the files; loading (reading and parsing the file) is timed
 * apart, and the rules (the crypto axis's) are compiled once, before the runs
 * (time printed apart). Indicators (lineage_sample_indicators: one per type,
 * value and port) are counted per mode, per type, and per form of their first
 * occurrence (ascii, utf16, stack, xor, integer).
 *   usage: bench_infra [--runs N] [--rules DIR] [--list FILE] [FILE...]
 * --list reads one path per line. The last line is for scripts: "RESULT
 * files=.. bytes=.. load_sec=.. cc_sec=.. infra_sec=.. bytes_sec=.. a_iocs=..
 * b_iocs=.. a_net=.. b_net=.." then the counts per type and per form of each
 * mode ("a_ipv4=.. ... b_integer=.."; "user-agent" is written user_agent,
 * the types and forms this program does not know a_type_other, a_form_other).
 * Nothing analyzed is ever run. */
#include <lineage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

enum { T_LOAD, T_CC, T_INFRA, T_BYTES, NT };

/* indicator types, the first five the network ones (what the grep pipeline's
 * regex looks for); the last slot counts types this list does not know */
static const char *const types[] = {"ipv4", "ipv6", "domain", "url", "email", "user-agent", "mutex", "pipe", "other"};
enum { TY_IPV4, TY_IPV6, TY_DOMAIN, TY_URL, TY_EMAIL, TY_UA, TY_MUTEX, TY_PIPE, NNET = TY_UA };
enum { NTYPE = sizeof(types) / sizeof(*types) };
/* forms of an indicator's first occurrence; the last slot as above */
static const char *const forms[] = {"ascii", "utf16", "stack", "xor", "integer", "other"};
enum { FO_ASCII, FO_UTF16, FO_STACK, FO_XOR, FO_INTEGER };
enum { NFORM = sizeof(forms) / sizeof(*forms) };

typedef struct tally {
	size_t n, net, type[NTYPE], form[NFORM];
} tally;

typedef struct result {
	double *t[NT]; /* [stage][run] seconds */
	tally c[2];    /* last run; per mode */
	long long size;
	int ok;
} result;

static size_t slot(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i + 1 < n; i++)
		if (!strcmp(names[i], name)) return i;
	return n - 1;
}

static void count(tally *c, const lineage_sample *s)
{
	size_t n = 0;
	const lineage_indicator *in = lineage_sample_indicators(s, &n);
	memset(c, 0, sizeof(*c));
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t t = slot(types, NTYPE, in[i].type);
		c->type[t]++;
		c->net += t < NNET;
		c->form[slot(forms, NFORM, in[i].nplaces ? in[i].places[0].form : NULL)]++;
	}
}

static void add(tally *to, const tally *c)
{
	to->n += c->n;
	to->net += c->net;
	for (int k = 0; k < NTYPE; k++) to->type[k] += c->type[k];
	for (int k = 0; k < NFORM; k++) to->form[k] += c->form[k];
}

/* one run over one file: (a) code+crypto then infra on one sample, (b) infra
 * alone on another */
static int one(result *r, lineage_ctx *ctx, const char *path, int run)
{
	lineage_sample *s;
	if (bench_load(&s, ctx, path, &r->t[T_LOAD][run])) return -1;
	int rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO, &r->t[T_CC][run]);
	if (rc == 0) rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_INFRA, &r->t[T_INFRA][run]);
	if (rc == 0) count(&r->c[0], s);
	lineage_sample_free(s);
	if (rc != 0) return -1;

	double tl;
	if (bench_load(&s, ctx, path, &tl)) return -1;
	rc = bench_analyze(s, ctx, path, LINEAGE_ANALYZE_INFRA, &r->t[T_BYTES][run]);
	if (rc == 0) count(&r->c[1], s);
	lineage_sample_free(s);
	return rc ? -1 : 0;
}

static void print_tally(const char *label, const tally *c)
{
	printf("    %s by type:", label);
	for (int k = 0; k < NTYPE; k++)
		if (k + 1 < NTYPE || c->type[k]) printf(" %s %zu", types[k], c->type[k]);
	printf("\n    %s by form of first occurrence:", label);
	for (int k = 0; k < NFORM; k++)
		if (k + 1 < NFORM || c->form[k]) printf(" %s %zu", forms[k], c->form[k]);
	printf("\n");
}

static void result_tally(const char *mode, const tally *c)
{
	printf(" %s_iocs=%zu %s_net=%zu", mode, c->n, mode, c->net);
	for (int k = 0; k < NTYPE; k++) {
		printf(" %s_%s", mode, k + 1 < NTYPE ? "" : "type_");
		for (const char *p = types[k]; *p; p++) putchar(*p == '-' ? '_' : *p);
		printf("=%zu", c->type[k]);
	}
	for (int k = 0; k < NFORM; k++)
		printf(" %s_%s%s=%zu", mode, k + 1 < NFORM ? "" : "form_", forms[k], c->form[k]);
}

int main(int argc, char **argv)
{
	static const char usage[] = "usage: bench_infra [--runs N] [--rules DIR] [--list FILE] [FILE...]\n";
	int runs, nfiles;
	const char *rdir;
	char **files;
	int bad = bench_args(argc, argv, usage, &runs, &rdir, &files, &nfiles);
	if (bad) return bad;

	lineage_rules *rules;
	double trload;
	lineage_ctx *ctx = bench_ctx_with_rules(rdir, &rules, &trload);
	if (!ctx) return 3;
	printf("lineage infra: %zu rules from %s compiled in %.3f s; %d files, median of %d runs\n",
	       lineage_rules_count(rules), lineage_rules_dir(rules), trload, nfiles, runs);

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

	/* url dom ip mail: network types; host: user agents, mutexes, pipes;
	 * code: first found in code (stack, xor, integer) */
	printf("\n%-30s %7s | %8s %8s %9s %6s %5s %4s %4s %4s %4s %4s %4s | %8s %5s\n", "file", "MB", "cc ms",
	       "infra ms", "inf MB/s", "share", "iocs", "url", "dom", "ip", "mail", "host", "code", "(b) MB/s", "iocs");
	double bytes = 0;
	tally ca = {0}, cb = {0};
	int nok = 0;
	for (int i = 0; i < nfiles; i++) {
		if (!r[i].ok) continue;
		nok++;
		double mb = (double)r[i].size / 1e6;
		double tc = bench_median(r[i].t[T_CC], runs), tk = bench_median(r[i].t[T_INFRA], runs);
		double tb = bench_median(r[i].t[T_BYTES], runs);
		const tally *a = &r[i].c[0];
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		printf("%-30.30s %7.2f | %8.1f %8.1f %9.1f %5.1f%% %5zu %4zu %4zu %4zu %4zu %4zu %4zu | %8.1f %5zu\n",
		       base, mb, tc * 1e3, tk * 1e3, tk > 0 ? mb / tk : 0.0, tc + tk > 0 ? 100 * tk / (tc + tk) : 0.0,
		       a->n, a->type[TY_URL], a->type[TY_DOMAIN], a->type[TY_IPV4] + a->type[TY_IPV6],
		       a->type[TY_EMAIL], a->type[TY_UA] + a->type[TY_MUTEX] + a->type[TY_PIPE],
		       a->form[FO_STACK] + a->form[FO_XOR] + a->form[FO_INTEGER], tb > 0 ? mb / tb : 0.0, r[i].c[1].n);
		bytes += (double)r[i].size;
		add(&ca, a);
		add(&cb, &r[i].c[1]);
	}
	double tl = bench_median(tot[T_LOAD], runs), tc = bench_median(tot[T_CC], runs),
	       tk = bench_median(tot[T_INFRA], runs);
	double tb = bench_median(tot[T_BYTES], runs), mb = bytes / 1e6;
	printf("\nload (read + parse, not counted below):            %.3f s\n", tl);
	printf("(a) code+crypto (disassembly, crypto axis):        %.1f MB in %.3f s = %.1f MB/s\n", mb, tc,
	       tc > 0 ? mb / tc : 0.0);
	printf("(a) infrastructure stage after code+crypto:        %.1f MB in %.3f s = %.1f MB/s, %.1f%% of "
	       "code+crypto + infra;\n    %zu indicators (%zu network)\n",
	       mb, tk, tk > 0 ? mb / tk : 0.0, tc + tk > 0 ? 100 * tk / (tc + tk) : 0.0, ca.n, ca.net);
	print_tally("(a)", &ca);
	printf("(b) infrastructure stage alone (bytes only):       %.1f MB in %.3f s = %.1f MB/s, %zu indicators (%zu "
	       "network)\n",
	       mb, tb, tb > 0 ? mb / tb : 0.0, cb.n, cb.net);
	print_tally("(b)", &cb);
	printf("RESULT files=%d bytes=%.0f load_sec=%.6f cc_sec=%.6f infra_sec=%.6f bytes_sec=%.6f", nok, bytes, tl, tc,
	       tk, tb);
	result_tally("a", &ca);
	result_tally("b", &cb);
	printf("\n");

	for (int i = 0; i < nfiles; i++)
		for (int k = 0; k < NT; k++) free(r[i].t[k]);
	for (int k = 0; k < NT; k++) free(tot[k]);
	free(r);
	bench_free_paths(files, nfiles);
	lineage_ctx_free(ctx); /* borrows the rules */
	lineage_rules_free(rules);
	return 0;
}
