/* lineage corpus: list the stored samples and families, statistics, change
 * labels, remove samples. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lineage corpus [--db PATH] <action> [args]\n\n"
	           "actions:\n"
	           "  list [--family F]     the stored samples: sha256, family, actor, functions, path\n"
	           "  families              each family with its number of samples\n"
	           "  stats                 samples, families, actors, functions, distinct function hashes, size\n"
	           "  label SHA256 [--family F] [--actor A] [--tags T] [--source S] [--library]\n"
	           "                        replace a sample's labels (--library: reference library code)\n"
	           "  remove SHA256...      remove samples\n"
	           "  iocs [VALUE]          the stored feed entries (lineage import-iocs), or those naming VALUE\n"
	           "                        (an indicator, or the host of a URL): type, value, port, actor, ATT&CK\n"
	           "                        group, confidence, first and last seen, source, feed\n\n"
	           "  --db PATH             the corpus (default ./lineage.db)\n"
	           "  -h, --help            this help\n");
}

static int print_sample(const lineage_corpus_sample *s, void *arg)
{
	(void)arg;
	printf("%s  %-20s %-20s %7llu  %s%s\n", s->sha256, s->labels.family[0] ? s->labels.family : "-",
	       s->labels.actor[0] ? s->labels.actor : "-", (unsigned long long)s->nfunctions,
	       s->labels.library ? "[library] " : "", s->path);
	return 0;
}

static int print_ioc(const lineage_feed_ioc *f, void *arg)
{
	(void)arg;
	printf("%-10s %s", f->type, f->value);
	if (f->port) printf(" port %u", f->port);
	printf("\t%s", f->actor ? f->actor : "-");
	if (f->group_id) printf(" (%s %s)", f->group_id, f->group_name ? f->group_name : "");
	if (f->confidence >= 0)
		printf("\tconfidence %d", f->confidence);
	else
		printf("\tconfidence -");
	printf("\t%s .. %s\t%s\t%s\n", f->first_seen ? f->first_seen : "?", f->last_seen ? f->last_seen : "?",
	       f->source, f->feed);
	return 0;
}

typedef struct {
	char **names;
	size_t *counts, n, cap;
} fam_list;

static int count_family(const lineage_corpus_sample *s, void *arg)
{
	fam_list *l = arg;
	const char *f = s->labels.family[0] ? s->labels.family : "(none)";
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], f)) {
			l->counts[i]++;
			return 0;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->names, cap * sizeof(char *));
		if (!nv) return -1;
		l->names = nv;
		size_t *nc = realloc(l->counts, cap * sizeof(size_t));
		if (!nc) return -1;
		l->counts = nc;
		l->cap = cap;
	}
	l->names[l->n] = strdup(f);
	if (!l->names[l->n]) return -1;
	l->counts[l->n++] = 1;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_corpus(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"db", required_argument, 0, 'd'},     {"family", required_argument, 0, 'f'},
	        {"actor", required_argument, 0, 'a'},  {"tags", required_argument, 0, 't'},
	        {"source", required_argument, 0, 's'}, {"library", no_argument, 0, 'L'},
	        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
	};
	const char *db = "lineage.db";
	lineage_labels labels = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': labels.family = optarg; break;
		case 'a': labels.actor = optarg; break;
		case 't': labels.tags = optarg; break;
		case 's': labels.source = optarg; break;
		case 'L': labels.library = 1; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("corpus: no action");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *action = argv[optind++];
	bool writes = !strcmp(action, "label") || !strcmp(action, "remove");
	if (strcmp(action, "list") && strcmp(action, "families") && strcmp(action, "stats") && strcmp(action, "iocs") &&
	    !writes) {
		cli_error("corpus: unknown action '%s'", action);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (writes && optind >= argc) {
		cli_error("corpus %s: no sha256 given", action);
		return CLI_EXIT_USAGE;
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_corpus *corpus;
	if (lineage_corpus_open(&corpus, ctx, db, writes ? 0 : LINEAGE_CORPUS_READONLY) != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		return CLI_EXIT_DB;
	}
	int ret = CLI_EXIT_OK;
	if (!strcmp(action, "list")) {
		if (lineage_corpus_each_sample(corpus, ctx, labels.family, print_sample, NULL) < 0) ret = CLI_EXIT_DB;
	} else if (!strcmp(action, "families")) {
		fam_list l = {0};
		if (lineage_corpus_each_sample(corpus, ctx, NULL, count_family, &l) != 0) ret = CLI_EXIT_DB;
		/* sort names with their counts: a permutation by name */
		char **sorted = l.n ? malloc(l.n * sizeof(char *)) : NULL;
		if (l.n && sorted) {
			memcpy(sorted, l.names, l.n * sizeof(char *));
			qsort(sorted, l.n, sizeof(char *), cmp_names);
			for (size_t i = 0; i < l.n; i++)
				for (size_t k = 0; k < l.n; k++)
					if (l.names[k] == sorted[i]) printf("%6zu  %s\n", l.counts[k], sorted[i]);
		}
		free(sorted);
		for (size_t i = 0; i < l.n; i++) free(l.names[i]);
		free(l.names);
		free(l.counts);
	} else if (!strcmp(action, "iocs")) {
		if (lineage_corpus_each_feed_ioc(corpus, ctx, optind < argc ? argv[optind] : NULL, print_ioc, NULL) !=
		    0)
			ret = CLI_EXIT_DB;
	} else if (!strcmp(action, "stats")) {
		lineage_corpus_stats st;
		if (lineage_corpus_stats_get(corpus, ctx, &st) != 0) {
			ret = CLI_EXIT_DB;
		} else {
			printf("samples          %llu\nfamilies         %llu\nactors           %llu\nfunctions        "
			       "%llu\n"
			       "distinct hashes  %llu\nsize             %.1f MB\n",
			       (unsigned long long)st.samples, (unsigned long long)st.families,
			       (unsigned long long)st.actors, (unsigned long long)st.functions,
			       (unsigned long long)st.distinct_hashes, (double)st.bytes / 1e6);
		}
	} else {
		for (int i = optind; i < argc; i++) {
			int rc = !strcmp(action, "label") ? lineage_corpus_set_labels(corpus, ctx, argv[i], &labels)
			                                  : lineage_corpus_remove(corpus, ctx, argv[i]);
			if (rc != 0) {
				fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
				ret = rc == LINEAGE_ENOTFOUND ? CLI_EXIT_INPUT : CLI_EXIT_DB;
			}
		}
	}
	if (ret == CLI_EXIT_DB) fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
	lineage_corpus_close(corpus);
	lineage_ctx_free(ctx);
	return ret;
}
