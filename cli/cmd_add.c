/* lineage add: analyze files and store them in the corpus with their labels.
 * Workers analyze in parallel; one connection stores, a sample per
 * transaction. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lineage add [options] FILE|DIR...\n\n"
	           "  --family F       family label of these samples\n"
	           "  --actor A        actor label\n"
	           "  --tags T         free tags, comma-separated\n"
	           "  --source S       where the samples come from\n"
	           "  --library NAME   reference library or runtime code named NAME (not a family): code a\n"
	           "                   query shares with it is marked as library code and weighs nothing\n"
	           "  --db PATH        the corpus (default ./lineage.db; created when missing)\n"
	           "  -j, --jobs N     analysis workers (default: the number of cores)\n"
	           "  -q, --quiet      no progress bar\n"
	           "  --rules DIR      rule folder: YARA (.yar) and capability (.yml) rules (default: the\n"
	           "                   installed rules/)\n"
	           "  -h, --help       this help\n");
}

typedef struct {
	char **files;
	size_t nfiles, next, done, added, known, failed;
	uint64_t bytes;
	lineage_corpus *corpus;
	const lineage_rules *rules; /* one compiled set for every worker */
	lineage_labels labels;
	pthread_mutex_t lock;
	bool progress;
	double t0;
} job;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(job *j, bool final)
{
	if (!j->progress) return;
	double dt = now_s() - j->t0;
	fprintf(stderr, "\r[%zu/%zu] %.1f files/s, %.1f MB/s, %zu added, %zu known, %zu failed%s", j->done, j->nfiles,
	        dt > 0 ? (double)j->done / dt : 0.0, dt > 0 ? (double)j->bytes / 1e6 / dt : 0.0, j->added, j->known,
	        j->failed, final ? "\n" : "");
}

static void *worker(void *arg)
{
	job *j = arg;
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return NULL;
	lineage_ctx_set_rules(ctx, j->rules);
	for (;;) {
		pthread_mutex_lock(&j->lock);
		size_t i = j->next < j->nfiles ? j->next++ : SIZE_MAX;
		pthread_mutex_unlock(&j->lock);
		if (i == SIZE_MAX) break;
		const char *path = j->files[i];
		lineage_sample *s = NULL;
		int rc = lineage_sample_load_file(&s, ctx, path);
		if (rc == 0)
			rc = lineage_sample_analyze(s, ctx,
			                            LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES |
			                                    LINEAGE_ANALYZE_CRYPTO | LINEAGE_ANALYZE_CAPABILITIES |
			                                    LINEAGE_ANALYZE_INFRA | LINEAGE_ANALYZE_ARTIFACTS);
		int added = 0;
		pthread_mutex_lock(&j->lock);
		if (rc == 0) rc = lineage_corpus_add(j->corpus, ctx, s, &j->labels, &added);
		if (rc != 0) {
			if (j->progress) fprintf(stderr, "\n");
			fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
			j->failed++;
		} else {
			j->added += added;
			j->known += !added;
			j->bytes += lineage_sample_binary(s)->size;
		}
		j->done++;
		progress(j, false);
		pthread_mutex_unlock(&j->lock);
		lineage_sample_free(s);
	}
	lineage_ctx_free(ctx);
	return NULL;
}

typedef struct {
	char **v;
	size_t n, cap;
	size_t unreadable;
} file_list;

static int collect(const char *path, const char *err, void *arg)
{
	file_list *l = arg;
	if (err) {
		cli_error("%s: %s", path, err);
		l->unreadable++;
		return 1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof(char *));
		if (!v) {
			cli_error("%s: out of memory listing the inputs", path);
			l->unreadable++;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(path);
	if (!l->v[l->n]) {
		cli_error("%s: out of memory listing the inputs", path);
		l->unreadable++;
		return 1;
	}
	l->n++;
	return 0;
}

int cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"family", required_argument, 0, 'f'},
	        {"actor", required_argument, 0, 'a'},
	        {"tags", required_argument, 0, 't'},
	        {"source", required_argument, 0, 's'},
	        {"library", required_argument, 0, 'L'},
	        {"db", required_argument, 0, 'd'},
	        {"jobs", required_argument, 0, 'j'},
	        {"quiet", no_argument, 0, 'q'},
	        {"rules", required_argument, 0, 'R'},
	        {"help", no_argument, 0, 'h'},
	        {0, 0, 0, 0},
	};
	job j;
	memset(&j, 0, sizeof(j));
	const char *db = "lineage.db", *rules_dir = NULL;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': j.labels.family = optarg; break;
		case 'a': j.labels.actor = optarg; break;
		case 't': j.labels.tags = optarg; break;
		case 's': j.labels.source = optarg; break;
		case 'L':
			j.labels.family = optarg;
			j.labels.library = 1;
			break;
		case 'd': db = optarg; break;
		case 'j': {
			char *end;
			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno || *end || jobs < 1 || jobs > 256) {
				cli_error("add: invalid value '%s' for --jobs (1 to 256)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case 'q': quiet = true; break;
		case 'R': rules_dir = optarg; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("add: no input");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (jobs < 1) jobs = 1;
	file_list l = {0};
	cli_walk(argv + optind, argc - optind, collect, &l);

	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_rules *rules = NULL;
	if (!cli_rules(ctx, rules_dir, &rules)) {
		lineage_ctx_free(ctx);
		for (size_t i = 0; i < l.n; i++) free(l.v[i]);
		free(l.v);
		return CLI_EXIT_INTERNAL;
	}
	j.rules = rules;
	int rc = lineage_corpus_open(&j.corpus, ctx, db, LINEAGE_CORPUS_CREATE);
	if (rc != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		lineage_rules_free(rules);
		for (size_t i = 0; i < l.n; i++) free(l.v[i]);
		free(l.v);
		return CLI_EXIT_DB;
	}
	j.files = l.v;
	j.nfiles = l.n;
	j.progress = !quiet && isatty(STDERR_FILENO);
	j.t0 = now_s();
	pthread_mutex_init(&j.lock, NULL);
	if ((size_t)jobs > l.n) jobs = l.n ? (long)l.n : 1;
	pthread_t *th = calloc((size_t)jobs, sizeof(pthread_t));
	long started = 0;
	for (long i = 0; th && i < jobs; i++)
		if (pthread_create(&th[i], NULL, worker, &j) == 0) started++;
	if (!started) worker(&j);
	for (long i = 0; i < started; i++) pthread_join(th[i], NULL);
	free(th);
	progress(&j, true);
	double dt = now_s() - j.t0;
	printf("%zu file%s in %.1f s: %zu added, %zu already stored, %zu failed%s%s\n", l.n, l.n == 1 ? "" : "s", dt,
	       j.added, j.known, j.failed + l.unreadable, j.labels.family ? "; family " : "",
	       j.labels.family ? j.labels.family : "");
	pthread_mutex_destroy(&j.lock);
	lineage_corpus_close(j.corpus);
	lineage_ctx_free(ctx);
	lineage_rules_free(rules);
	for (size_t i = 0; i < l.n; i++) free(l.v[i]);
	free(l.v);
	return j.failed + l.unreadable ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}
