/* lineage yara FAMILY: a YARA rule from code only the family's samples have,
 * verified by libyara against the corpus and any extra files. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lineage yara [options] FAMILY [--verify PATH...]\n\n"
	        "  --db PATH          the corpus (default ./lineage.db)\n"
	        "  -o, --output FILE  write the rule to FILE (default: standard output)\n"
	        "  --json             the rule text and the verification figures as one JSON document\n"
	        "  --pretty           indent the JSON\n"
	        "  --max-strings N    at most N strings in the rule (default %d, at most %d)\n"
	        "  --min-hits N       the condition: N of the strings must hit (default %d, lowered when a\n"
	        "                     sample cannot reach it)\n"
	        "  --verify PATH...   files that must not be hit (folders recurse), besides the corpus:\n"
	        "                     every path after FAMILY once --verify is given\n"
	        "  -h, --help         this help\n\n"
	        "Exit status: 0 when the rule hits every family sample and nothing else, 1 when the family is\n"
	        "unknown, no rule could be built, a sample file is gone, a sample is missed, a file outside\n"
	        "the family is hit or a --verify path cannot be read, 2 on a bad command line, 3 on an\n"
	        "internal error, 4 when the corpus cannot be read.\n",
	        LINEAGE_YARA_MAX_STRINGS, LINEAGE_YARA_STRINGS_LIMIT, LINEAGE_YARA_MIN_HITS);
}

typedef struct path_list {
	char **v;
	size_t n, cap;
	bool oom;
} path_list;

static int take_path(const char *path, const char *err, void *arg)
{
	path_list *l = arg;
	if (err) {
		cli_error("yara: --verify %s: %s", path, err);
		return 1;
	}
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		cli_error("yara: --verify %s: %s", path, strerror(errno));
		return 1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return 0;
		}
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(real))) {
		l->oom = true;
		return 0;
	}
	l->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same file reached twice (a symbolic link, a folder named twice) is
 * scanned once. */
static void unique(path_list *l)
{
	if (!l->n) return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (!strcmp(l->v[i], l->v[k - 1]))
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

static bool parse_count(const char *opt, const char *v, long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < 1 || n > max) {
		cli_error("yara: invalid value '%s' for %s (1..%ld)", v, opt, max);
		return false;
	}
	*out = n;
	return true;
}

static const char *status_name(int s)
{
	switch (s) {
	case LINEAGE_YARA_SAMPLE_HIT: return "hit";
	case LINEAGE_YARA_SAMPLE_MISSED: return "missed";
	case LINEAGE_YARA_SAMPLE_GONE: return "gone";
	case LINEAGE_YARA_SAMPLE_CHANGED: return "changed";
	default: return "failed";
	}
}

static void hex(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "0x%llx", (unsigned long long)v);
}

static double recall(const lineage_yara_rule *r)
{
	return r->samples_read ? (double)r->samples_hit / (double)r->samples_read : 0;
}

static void print_json(const lineage_yara_rule *r, const char *output, bool pretty)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", 1);
	cJSON_AddStringToObject(root, "tool", "lineage");
	cJSON_AddStringToObject(root, "tool_version", lineage_version());
	cJSON_AddStringToObject(root, "family", r->family);
	cJSON_AddStringToObject(root, "actor", r->actor);
	cJSON_AddStringToObject(root, "rule_name", r->name);
	cJSON_AddStringToObject(root, "rule", r->text);
	if (output) cJSON_AddStringToObject(root, "output", output);
	cJSON *cond = cJSON_AddObjectToObject(root, "condition");
	cJSON_AddNumberToObject(cond, "min_hits", r->min_hits);
	cJSON_AddStringToObject(cond, "format", r->format);
	cJSON *arr = cJSON_AddArrayToObject(root, "strings");
	char h[32];
	for (size_t i = 0; i < r->nstrings; i++) {
		const lineage_yara_string *s = &r->strings[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "hex", s->hex);
		cJSON_AddNumberToObject(o, "length", s->length);
		cJSON_AddNumberToObject(o, "fixed", s->fixed);
		cJSON_AddStringToObject(o, "sample", s->sha256);
		cJSON_AddStringToObject(o, "path", s->path);
		hex(h, sizeof(h), s->address);
		cJSON_AddStringToObject(o, "function", h);
		hex(h, sizeof(h), s->offset);
		cJSON_AddStringToObject(o, "address", h);
		if (s->name) cJSON_AddStringToObject(o, "name", s->name);
		cJSON_AddNumberToObject(o, "samples_hit", (double)s->samples_hit);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(root, "samples");
	for (size_t i = 0; i < r->nsamples; i++) {
		const lineage_yara_sample *s = &r->samples[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "sha256", s->sha256);
		cJSON_AddStringToObject(o, "path", s->path);
		cJSON_AddStringToObject(o, "status", status_name(s->status));
		cJSON_AddNumberToObject(o, "strings_hit", s->hits);
		cJSON_AddNumberToObject(o, "candidates", (double)s->candidates);
		if (s->message) cJSON_AddStringToObject(o, "message", s->message);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON *v = cJSON_AddObjectToObject(root, "verification");
	cJSON_AddNumberToObject(v, "family_samples", (double)r->nsamples);
	cJSON_AddNumberToObject(v, "samples_read", (double)r->samples_read);
	cJSON_AddNumberToObject(v, "samples_hit", (double)r->samples_hit);
	cJSON_AddNumberToObject(v, "recall", (double)(long)(recall(r) * 10000 + 0.5) / 10000);
	cJSON_AddNumberToObject(v, "false_positives", (double)r->nfalse_positives);
	cJSON_AddNumberToObject(v, "corpus_files", (double)r->corpus_files);
	cJSON_AddNumberToObject(v, "extra_files", (double)r->extra_files);
	cJSON_AddNumberToObject(v, "candidates", (double)r->candidates);
	cJSON_AddNumberToObject(v, "rejected", (double)r->rejected);
	cJSON_AddNumberToObject(v, "excluded_functions", (double)r->excluded);
	arr = cJSON_AddArrayToObject(v, "false_positive_files");
	for (size_t i = 0; i < r->nfalse_positives; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", r->false_positives[i].path);
		if (r->false_positives[i].family) cJSON_AddStringToObject(o, "family", r->false_positives[i].family);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(v, "unscanned");
	for (size_t i = 0; i < r->nunscanned; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", r->unscanned[i].path);
		cJSON_AddStringToObject(o, "message", r->unscanned[i].message);
		cJSON_AddItemToArray(arr, o);
	}
	char *txt = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	if (txt) puts(txt);
	free(txt);
	cJSON_Delete(root);
}

static void print_json_error(const char *family, int code, const char *msg)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", 1);
	cJSON_AddStringToObject(root, "family", family);
	cJSON *e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	char *txt = cJSON_PrintUnformatted(root);
	if (txt) puts(txt);
	free(txt);
	cJSON_Delete(root);
}

/* The figures on standard error: recall, false positives, what was left out. */
static void print_summary(const lineage_yara_rule *r)
{
	fprintf(stderr,
	        "lineage yara: %s: %zu strings, %u of them required; recall %zu/%zu family samples (%.3f); %zu false "
	        "positives in %zu other corpus files and %zu extra files\n",
	        r->family, r->nstrings, r->min_hits, r->samples_hit, r->samples_read, recall(r), r->nfalse_positives,
	        r->corpus_files, r->extra_files);
	fprintf(stderr,
	        "lineage yara: %s: %zu candidate patterns, %zu rejected for hitting outside the family; %zu functions "
	        "left out as library code or found in other families\n",
	        r->family, r->candidates, r->rejected, r->excluded);
	for (size_t i = 0; i < r->nsamples; i++) {
		const lineage_yara_sample *s = &r->samples[i];
		if (s->status == LINEAGE_YARA_SAMPLE_HIT) continue;
		fprintf(stderr, "lineage yara: %s: sample %s (%.16s) %s%s%s\n", r->family, s->path, s->sha256,
		        status_name(s->status), s->message ? ": " : "", s->message ? s->message : "");
	}
	for (size_t i = 0; i < r->nfalse_positives; i++)
		fprintf(stderr, "lineage yara: %s: FALSE POSITIVE %s%s%s\n", r->family, r->false_positives[i].path,
		        r->false_positives[i].family ? " family " : "",
		        r->false_positives[i].family ? r->false_positives[i].family : "");
	for (size_t i = 0; i < r->nunscanned && i < 10; i++)
		fprintf(stderr, "lineage yara: %s: not verified against %s: %s\n", r->family, r->unscanned[i].path,
		        r->unscanned[i].message);
	if (r->nunscanned > 10)
		fprintf(stderr, "lineage yara: %s: ... %zu more files not verified (--json lists them)\n", r->family,
		        r->nunscanned - 10);
}

/* The meta date: SOURCE_DATE_EPOCH when set (reproducible output), else today. */
static void today(char *buf, size_t n)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end = NULL;
	time_t t = time(NULL);
	if (e && *e) {
		errno = 0;
		long long v = strtoll(e, &end, 10);
		if (!errno && !*end && v >= 0) t = (time_t)v;
	}
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm)) snprintf(buf, n, "unknown");
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		cli_error("yara: %s: %s", path, strerror(errno));
		return false;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	ok = (fclose(f) == 0) && ok;
	if (!ok) cli_error("yara: %s: write failed", path);
	return ok;
}

int cmd_yara(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"db", required_argument, 0, 'd'},
	        {"output", required_argument, 0, 'o'},
	        {"json", no_argument, 0, 'J'},
	        {"pretty", no_argument, 0, 'P'},
	        {"max-strings", required_argument, 0, 'm'},
	        {"min-hits", required_argument, 0, 'n'},
	        {"verify", required_argument, 0, 'V'},
	        {"help", no_argument, 0, 'h'},
	        {0, 0, 0, 0},
	};
	const char *db = "lineage.db", *output = NULL;
	bool json = false, pretty = false;
	long max_strings = 0, min_hits = 0;
	char **verify = calloc((size_t)argc + 1, sizeof(*verify));
	int nverify = 0;
	if (!verify) return CLI_EXIT_INTERNAL;
	int c, ret = CLI_EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'o': output = optarg; break;
		case 'J': json = true; break;
		case 'P': pretty = json = true; break;
		case 'm':
			if (!parse_count("--max-strings", optarg, LINEAGE_YARA_STRINGS_LIMIT, &max_strings)) goto out;
			break;
		case 'n':
			if (!parse_count("--min-hits", optarg, LINEAGE_YARA_STRINGS_LIMIT, &min_hits)) goto out;
			break;
		case 'V': verify[nverify++] = optarg; break;
		case 'h':
			usage(stdout);
			ret = CLI_EXIT_OK;
			goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind >= argc) {
		cli_error("yara: no family given");
		usage(stderr);
		goto out;
	}
	const char *family = argv[optind];
	/* the paths after FAMILY extend --verify */
	if (optind + 1 < argc && !nverify) {
		cli_error("yara: one family at a time (extra argument '%s'; files to verify follow --verify)",
		          argv[optind + 1]);
		usage(stderr);
		goto out;
	}
	for (int i = optind + 1; i < argc; i++) verify[nverify++] = argv[i];
	if (max_strings && min_hits > max_strings) {
		cli_error("yara: --min-hits %ld exceeds --max-strings %ld", min_hits, max_strings);
		goto out;
	}

	path_list extra = {0};
	int failed = cli_walk(verify, nverify, take_path, &extra);
	if (extra.oom) {
		cli_error("yara: out of memory");
		ret = CLI_EXIT_INTERNAL;
		goto free_paths;
	}
	unique(&extra);

	lineage_ctx *ctx = NULL;
	if (lineage_ctx_new(&ctx) != 0) {
		ret = CLI_EXIT_INTERNAL;
		goto free_paths;
	}
	lineage_corpus *corpus = NULL;
	if (lineage_corpus_open(&corpus, ctx, db, LINEAGE_CORPUS_READONLY) != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		if (json) print_json_error(family, LINEAGE_EDB, lineage_errmsg(ctx));
		ret = CLI_EXIT_DB;
		goto free_ctx;
	}
	char date[32];
	today(date, sizeof(date));
	lineage_yara_options opt = {.max_strings = (size_t)max_strings,
	                            .min_hits = (unsigned)min_hits,
	                            .verify = (const char *const *)extra.v,
	                            .nverify = extra.n,
	                            .date = date};
	lineage_yara_rule *r = NULL;
	int rc = lineage_yara_generate(&r, corpus, ctx, family, &opt);
	if (rc != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		if (json) print_json_error(family, rc, lineage_errmsg(ctx));
		ret = rc == LINEAGE_EDB                              ? CLI_EXIT_DB
		      : rc == LINEAGE_ENOTFOUND || rc == LINEAGE_EIO ? CLI_EXIT_INPUT
		                                                     : CLI_EXIT_INTERNAL;
		goto close;
	}
	bool written = true;
	if (output)
		written = write_file(output, r->text);
	else if (!json)
		fputs(r->text, stdout);
	if (json) print_json(r, output, pretty);
	print_summary(r);
	bool complete = r->samples_hit == r->nsamples && !r->nfalse_positives;
	ret = complete && written && !failed ? CLI_EXIT_OK : CLI_EXIT_INPUT;
	lineage_yara_rule_free(r);
close:
	lineage_corpus_close(corpus);
free_ctx:
	lineage_ctx_free(ctx);
free_paths:
	for (size_t i = 0; i < extra.n; i++) free(extra.v[i]);
	free(extra.v);
out:
	free(verify);
	return ret;
}
