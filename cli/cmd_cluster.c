/* lineage cluster: group the corpus's unlabeled samples into candidate
 * families by the code they share, and show what each group rests on. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLUSTER_SCHEMA_VERSION 1

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lineage cluster [options]\n\n"
	        "  --db PATH          the corpus (default ./lineage.db)\n"
	        "  --threshold T      pair score linking two samples (default %.2f)\n"
	        "  --near T           near-duplicate threshold on the estimated Jaccard similarity (default %.2f)\n"
	        "  --min-size N       smallest cluster listed; smaller groups are singletons (default 2)\n"
	        "  --all              cluster labeled samples too (labels are then not used; for measuring)\n"
	        "  --shared N         shared functions listed per cluster (default 5)\n"
	        "  --json             one JSON document (docs/json-schema.md)\n"
	        "  --pretty           indent the JSON\n"
	        "  -h, --help         this help\n\n"
	        "Exit status: 0 when the corpus was clustered (whatever the clusters), 1 when it holds no sample\n"
	        "to cluster, 2 on a bad command line, 3 on an internal error, 4 when the corpus cannot be read.\n",
	        LINEAGE_CLUSTER_THRESHOLD, LINEAGE_NEAR_THRESHOLD);
}

static const char *label(const lineage_cluster_member *m)
{
	return m->family[0] ? m->family : "-";
}

static void print_text(const lineage_clusters *r, size_t min_size)
{
	printf("%zu samples: %zu clusters, %zu singletons (threshold %.2f, %zu of %zu sharing pairs linked, %zu "
	       "passes)\n",
	       r->nsamples, r->nclusters, r->nsingletons, r->threshold, r->nlinks, r->npairs, r->passes);
	for (size_t i = 0; i < r->nclusters; i++) {
		const lineage_cluster *c = &r->clusters[i];
		printf("\ncluster %zu: %zu members, cohesion min %.3f mean %.3f\n", c->id, c->nmembers, c->min_score,
		       c->mean_score);
		if (c->candidate_family)
			printf("  candidate family  %s (score %.3f with %zu of %zu members)\n", c->candidate_family,
			       c->candidate_score, c->candidate_members, c->nmembers);
		else
			printf("  candidate family  none (no labeled family shares code with its members)\n");
		printf("  members  sha256            family        code insns  path\n");
		for (size_t m = 0; m < c->nmembers; m++) {
			const lineage_cluster_member *x = &c->members[m];
			printf("    %2zu. %.16s  %-12.12s %10llu  %s\n", m + 1, x->sha256, label(x),
			       (unsigned long long)x->code_insns, x->path);
		}
		printf("  shared   %zu functions held by all members, %zu by at least half\n", c->shared_all,
		       c->shared_most);
		for (size_t s = 0; s < c->nshared; s++) {
			const lineage_cluster_shared *x = &c->shared[s];
			const char *name = NULL;
			for (size_t k = 0; k < x->ncopies && !name; k++) name = x->copies[k].name;
			printf("    %s %zu/%zu members, %llu insns, weight %.2f%s%s\n", x->exact ? "exact" : "near ",
			       x->ncopies, c->nmembers, (unsigned long long)x->insns, x->weight, name ? "  " : "",
			       name ? name : "");
			for (size_t k = 0; k < x->ncopies; k++)
				printf("      %2zu. 0x%-12llx %5u insns\n", x->copies[k].member + 1,
				       (unsigned long long)x->copies[k].address, x->copies[k].ninsn);
		}
		for (size_t t = 0; t < c->ntraits && t < 8; t++) {
			const lineage_cluster_trait *x = &c->traits[t];
			if (!t)
				printf("  traits   held by two members or more: axis, kind, members, samples in the "
				       "corpus\n");
			printf("    %-14s %-8s %zu/%zu %4zu  %s\n", x->axis, lineage_trait_kind_name(x->kind),
			       x->nmembers, c->nmembers, x->nsamples, x->detail[0] ? x->detail : x->token);
		}
	}
	if (r->nsingletons)
		printf("\nsingletons (in no cluster of %zu or more): sha256, family, code insns, nearest family, "
		       "path\n",
		       min_size);
	for (size_t i = 0; i < r->nsingletons; i++) {
		const lineage_cluster_member *x = &r->singletons[i];
		char near[96];
		if (x->nearest_family)
			snprintf(near, sizeof(near), "%s %.3f", x->nearest_family, x->nearest_score);
		else
			snprintf(near, sizeof(near), "-");
		printf("  %.16s  %-12.12s %10llu  %-20.20s %s\n", x->sha256, label(x),
		       (unsigned long long)x->code_insns, near, x->path);
	}
}

static cJSON *member_json(const lineage_cluster_member *x)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sha256", x->sha256);
	cJSON_AddStringToObject(o, "path", x->path);
	if (x->family[0])
		cJSON_AddStringToObject(o, "family", x->family);
	else
		cJSON_AddNullToObject(o, "family");
	cJSON_AddNumberToObject(o, "functions", (double)x->functions);
	cJSON_AddNumberToObject(o, "code_instructions", (double)x->code_insns);
	if (x->nearest_family) {
		cJSON *n = cJSON_AddObjectToObject(o, "nearest_family");
		cJSON_AddStringToObject(n, "family", x->nearest_family);
		cJSON_AddNumberToObject(n, "score", x->nearest_score);
	} else {
		cJSON_AddNullToObject(o, "nearest_family");
	}
	return o;
}

static char *to_json(const lineage_clusters *r, const lineage_cluster_options *o, bool pretty)
{
	char buf[32];
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", CLUSTER_SCHEMA_VERSION);
	cJSON_AddStringToObject(root, "tool", "lineage");
	cJSON_AddStringToObject(root, "tool_version", lineage_version());
	cJSON *p = cJSON_AddObjectToObject(root, "parameters");
	cJSON_AddNumberToObject(p, "threshold", r->threshold);
	cJSON_AddNumberToObject(p, "near_threshold",
	                        o->near_threshold > 0 ? o->near_threshold : LINEAGE_NEAR_THRESHOLD);
	cJSON_AddNumberToObject(p, "min_size", (double)(o->min_size ? o->min_size : 2));
	cJSON_AddBoolToObject(p, "all", o->all != 0);
	cJSON_AddNumberToObject(p, "min_shared_instructions", LINEAGE_CLUSTER_MIN_INSNS);
	cJSON *st = cJSON_AddObjectToObject(root, "stats");
	cJSON_AddNumberToObject(st, "samples", (double)r->nsamples);
	cJSON_AddNumberToObject(st, "pairs", (double)r->npairs);
	cJSON_AddNumberToObject(st, "links", (double)r->nlinks);
	cJSON_AddNumberToObject(st, "passes", (double)r->passes);
	cJSON_AddNumberToObject(st, "rows_read", (double)r->rows_read);
	cJSON *cl = cJSON_AddArrayToObject(root, "clusters");
	for (size_t i = 0; i < r->nclusters; i++) {
		const lineage_cluster *c = &r->clusters[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddItemToArray(cl, x);
		cJSON_AddNumberToObject(x, "id", (double)c->id);
		cJSON *co = cJSON_AddObjectToObject(x, "cohesion");
		cJSON_AddNumberToObject(co, "min", c->min_score);
		cJSON_AddNumberToObject(co, "mean", c->mean_score);
		cJSON *ms = cJSON_AddArrayToObject(x, "members");
		for (size_t m = 0; m < c->nmembers; m++) cJSON_AddItemToArray(ms, member_json(&c->members[m]));
		if (c->candidate_family) {
			cJSON *cf = cJSON_AddObjectToObject(x, "candidate_family");
			cJSON_AddStringToObject(cf, "family", c->candidate_family);
			cJSON_AddNumberToObject(cf, "score", c->candidate_score);
			cJSON_AddNumberToObject(cf, "members", (double)c->candidate_members);
		} else {
			cJSON_AddNullToObject(x, "candidate_family");
		}
		cJSON *sh = cJSON_AddObjectToObject(x, "shared");
		cJSON_AddNumberToObject(sh, "all_members", (double)c->shared_all);
		cJSON_AddNumberToObject(sh, "most_members", (double)c->shared_most);
		cJSON *fl = cJSON_AddArrayToObject(sh, "functions");
		for (size_t s = 0; s < c->nshared; s++) {
			const lineage_cluster_shared *f = &c->shared[s];
			cJSON *fj = cJSON_CreateObject();
			cJSON_AddItemToArray(fl, fj);
			cJSON_AddStringToObject(fj, "kind", f->exact ? "exact" : "near");
			cJSON_AddNumberToObject(fj, "members", (double)f->ncopies);
			cJSON_AddNumberToObject(fj, "instructions", (double)f->insns);
			cJSON_AddNumberToObject(fj, "weight", f->weight);
			cJSON *cp = cJSON_AddArrayToObject(fj, "copies");
			for (size_t k = 0; k < f->ncopies; k++) {
				cJSON *cj = cJSON_CreateObject();
				cJSON_AddItemToArray(cp, cj);
				cJSON_AddNumberToObject(cj, "member", (double)f->copies[k].member);
				snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)f->copies[k].address);
				cJSON_AddStringToObject(cj, "address", buf);
				cJSON_AddNumberToObject(cj, "instructions", f->copies[k].ninsn);
				if (f->copies[k].name)
					cJSON_AddStringToObject(cj, "name", f->copies[k].name);
				else
					cJSON_AddNullToObject(cj, "name");
			}
		}
		cJSON *tr = cJSON_AddArrayToObject(x, "traits");
		for (size_t t = 0; t < c->ntraits; t++) {
			const lineage_cluster_trait *tt = &c->traits[t];
			cJSON *tj = cJSON_CreateObject();
			cJSON_AddItemToArray(tr, tj);
			cJSON_AddStringToObject(tj, "axis", tt->axis);
			cJSON_AddStringToObject(tj, "token", tt->token);
			cJSON_AddStringToObject(tj, "detail", tt->detail);
			cJSON_AddStringToObject(tj, "kind", lineage_trait_kind_name(tt->kind));
			cJSON_AddNumberToObject(tj, "members", (double)tt->nmembers);
			cJSON_AddNumberToObject(tj, "samples", (double)tt->nsamples);
		}
	}
	cJSON *sg = cJSON_AddArrayToObject(root, "singletons");
	for (size_t i = 0; i < r->nsingletons; i++) cJSON_AddItemToArray(sg, member_json(&r->singletons[i]));
	char *out = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

static bool parse_unit(const char *opt, const char *v, double *out)
{
	char *end;
	errno = 0;
	double t = strtod(v, &end);
	if (errno || end == v || *end || !(t > 0 && t <= 1)) {
		cli_error("cluster: invalid value '%s' for %s (0 < T <= 1)", v, opt);
		return false;
	}
	*out = t;
	return true;
}

static bool parse_count(const char *opt, const char *v, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < 1 || n > 1000000) {
		cli_error("cluster: invalid value '%s' for %s (a number from 1)", v, opt);
		return false;
	}
	*out = (size_t)n;
	return true;
}

int cmd_cluster(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"db", required_argument, 0, 'd'},   {"threshold", required_argument, 0, 't'},
	        {"near", required_argument, 0, 'n'}, {"min-size", required_argument, 0, 'm'},
	        {"all", no_argument, 0, 'A'},        {"shared", required_argument, 0, 's'},
	        {"json", no_argument, 0, 'J'},       {"pretty", no_argument, 0, 'P'},
	        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0},
	};
	lineage_cluster_options o = {0};
	const char *db = "lineage.db";
	bool json = false, pretty = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'A': o.all = 1; break;
		case 'J': json = true; break;
		case 'P': pretty = json = true; break;
		case 't':
			if (!parse_unit("--threshold", optarg, &o.threshold)) return CLI_EXIT_USAGE;
			break;
		case 'n':
			if (!parse_unit("--near", optarg, &o.near_threshold)) return CLI_EXIT_USAGE;
			break;
		case 'm':
			if (!parse_count("--min-size", optarg, &o.min_size)) return CLI_EXIT_USAGE;
			break;
		case 's':
			if (!parse_count("--shared", optarg, &o.max_shared)) return CLI_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("cluster: unexpected argument '%s' (cluster reads the corpus; add files with lineage add)",
		          argv[optind]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	lineage_ctx *ctx = NULL;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_corpus *corpus = NULL;
	if (lineage_corpus_open(&corpus, ctx, db, LINEAGE_CORPUS_READONLY) != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		return CLI_EXIT_DB;
	}
	lineage_clusters *r = NULL;
	int rc = lineage_corpus_cluster(&r, corpus, ctx, &o);
	int ret = CLI_EXIT_OK;
	if (rc == LINEAGE_ENOTFOUND) {
		fprintf(stderr, "lineage: %s: %s (add samples with lineage add; --all clusters labeled ones too)\n", db,
		        lineage_errmsg(ctx));
		ret = CLI_EXIT_INPUT;
	} else if (rc != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		ret = rc == LINEAGE_EDB ? CLI_EXIT_DB : CLI_EXIT_INTERNAL;
	} else if (json) {
		char *j = to_json(r, &o, pretty);
		if (!j) {
			cli_error("cluster: out of memory writing JSON");
			ret = CLI_EXIT_INTERNAL;
		} else {
			puts(j);
		}
		free(j);
	} else {
		print_text(r, o.min_size ? o.min_size : 2);
	}
	lineage_clusters_free(r);
	lineage_corpus_close(corpus);
	lineage_ctx_free(ctx);
	return ret;
}
