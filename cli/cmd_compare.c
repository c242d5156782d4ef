/* lineage compare A B: the function-by-function pairing of two files, with
 * an overall score; no corpus needed. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lineage compare [options] FILE_A FILE_B\n\n"
	        "  --json             the comparison as one JSON document\n"
	        "  --threshold T      near-duplicate threshold on the estimated Jaccard similarity (default %.2f)\n"
	        "  --all              list every pair (default: the first 40)\n"
	        "  -h, --help         this help\n",
	        LINEAGE_NEAR_THRESHOLD);
}

static lineage_sample *load(lineage_ctx *ctx, const char *path)
{
	lineage_sample *s = NULL;
	if (lineage_sample_load_file(&s, ctx, path) != 0 ||
	    lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES) != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		lineage_sample_free(s);
		return NULL;
	}
	return s;
}

static void hex(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "0x%llx", (unsigned long long)v);
}

static void print_json(const lineage_comparison *c, const lineage_sample *a, const lineage_sample *b, double t)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", 1);
	cJSON_AddStringToObject(root, "tool", "lineage");
	cJSON_AddStringToObject(root, "tool_version", lineage_version());
	const lineage_sample *s[2] = {a, b};
	const char *key[2] = {"a", "b"};
	for (int i = 0; i < 2; i++) {
		cJSON *o = cJSON_AddObjectToObject(root, key[i]);
		cJSON_AddStringToObject(o, "path", lineage_sample_binary(s[i])->path);
		cJSON_AddStringToObject(o, "sha256", lineage_sample_hashes(s[i])->sha256);
		cJSON_AddNumberToObject(o, "functions", (double)(i ? c->functions_b : c->functions_a));
		cJSON_AddNumberToObject(o, "score", i ? c->score_b : c->score_a);
	}
	cJSON_AddNumberToObject(root, "threshold", t);
	cJSON_AddNumberToObject(root, "score", c->score);
	cJSON_AddNumberToObject(root, "exact", (double)c->nexact);
	cJSON_AddNumberToObject(root, "near", (double)(c->npairs - c->nexact));
	cJSON *arr = cJSON_AddArrayToObject(root, "pairs");
	for (size_t i = 0; i < c->npairs; i++) {
		const lineage_pair *p = &c->pairs[i];
		cJSON *o = cJSON_CreateObject();
		char h[32];
		hex(h, sizeof(h), p->a);
		cJSON_AddStringToObject(o, "a", h);
		hex(h, sizeof(h), p->b);
		cJSON_AddStringToObject(o, "b", h);
		if (p->name_a) cJSON_AddStringToObject(o, "name_a", p->name_a);
		if (p->name_b) cJSON_AddStringToObject(o, "name_b", p->name_b);
		cJSON_AddStringToObject(o, "kind", p->exact ? "exact" : "near");
		cJSON_AddNumberToObject(o, "similarity", (double)(int)(p->similarity * 10000 + 0.5) / 10000);
		cJSON_AddNumberToObject(o, "instructions_a", p->ninsn_a);
		cJSON_AddNumberToObject(o, "instructions_b", p->ninsn_b);
		cJSON_AddItemToArray(arr, o);
	}
	char *txt = cJSON_PrintUnformatted(root);
	if (txt) puts(txt);
	free(txt);
	cJSON_Delete(root);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"json", no_argument, 0, 'J'},
	        {"threshold", required_argument, 0, 't'},
	        {"all", no_argument, 0, 'A'},
	        {"help", no_argument, 0, 'h'},
	        {0, 0, 0, 0},
	};
	bool json = false, all = false;
	double t = LINEAGE_NEAR_THRESHOLD;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': json = true; break;
		case 'A': all = true; break;
		case 't': {
			char *end;
			errno = 0;
			t = strtod(optarg, &end);
			if (errno || *end || !(t > 0 && t <= 1)) {
				cli_error("compare: invalid value '%s' for --threshold (0 < T <= 1)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cli_error("compare: two files are needed");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_sample *a = load(ctx, argv[optind]), *b = a ? load(ctx, argv[optind + 1]) : NULL;
	if (!a || !b) {
		lineage_sample_free(a);
		lineage_ctx_free(ctx);
		return CLI_EXIT_INPUT;
	}
	lineage_comparison *cmp;
	int ret = CLI_EXIT_OK;
	if (lineage_compare(&cmp, ctx, a, b, t) != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		ret = CLI_EXIT_INTERNAL;
	} else if (json) {
		print_json(cmp, a, b, t);
	} else {
		printf("A  %s\n   %zu functions, %.1f%% of its code paired\n", argv[optind], cmp->functions_a,
		       100 * cmp->score_a);
		printf("B  %s\n   %zu functions, %.1f%% of its code paired\n", argv[optind + 1], cmp->functions_b,
		       100 * cmp->score_b);
		printf("score %.3f: %zu exact pairs, %zu near pairs (similarity >= %.2f); functions under %d "
		       "instructions "
		       "are not paired\n",
		       cmp->score, cmp->nexact, cmp->npairs - cmp->nexact, t, LINEAGE_MIN_MATCH_INSNS);
		size_t shown = all ? cmp->npairs : (cmp->npairs < 40 ? cmp->npairs : 40);
		if (shown) printf("\n%-18s %-18s %6s %5s  %s\n", "A", "B", "sim", "insns", "names");
		for (size_t i = 0; i < shown; i++) {
			const lineage_pair *p = &cmp->pairs[i];
			char ha[32], hb[32];
			hex(ha, sizeof(ha), p->a);
			hex(hb, sizeof(hb), p->b);
			printf("%-18s %-18s %6.3f %5u  %s%s%s%s\n", ha, hb, p->similarity, p->ninsn_a,
			       p->exact ? "= " : "~ ", p->name_a ? p->name_a : "-", " / ", p->name_b ? p->name_b : "-");
		}
		if (shown < cmp->npairs) printf("... %zu more pairs (--all)\n", cmp->npairs - shown);
	}
	lineage_comparison_free(cmp);
	lineage_sample_free(a);
	lineage_sample_free(b);
	lineage_ctx_free(ctx);
	return ret;
}
