/* Walking the inputs: files and folders, recursively, in a stable order. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("lineage: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Print s as the inside of a JSON string. */
static void json_text(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
}

void cli_json_error(const char *path, int code, const char *msg)
{
	/* a minimal document so that a pipeline sees every input */
	fputs("{\"schema_version\":1,\"file\":{\"path\":\"", stdout);
	json_text(path);
	printf("\"},\"error\":{\"code\":%d,\"message\":\"", code);
	json_text(msg);
	printf("\"}}\n");
}

bool cli_rules(lineage_ctx *ctx, const char *dir, lineage_rules **out)
{
	if (lineage_rules_load(out, ctx, dir) != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		return false;
	}
	lineage_ctx_set_rules(ctx, *out);
	return true;
}

lineage_sample *cli_load(lineage_ctx *ctx, const char *path, const char *err, bool json)
{
	if (err) {
		cli_error("%s: %s", path, err);
		if (json) cli_json_error(path, LINEAGE_EIO, err);
		return NULL;
	}
	lineage_sample *s = NULL;
	int rc = lineage_sample_load_file(&s, ctx, path);
	if (rc == 0) rc = lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL);
	if (rc == 0) return s;
	cli_error("%s", lineage_errmsg(ctx));
	if (json) cli_json_error(path, rc, lineage_errmsg(ctx));
	lineage_sample_free(s);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const char *dir, cli_file_fn fn, void *arg, int depth)
{
	if (depth > 64) return fn(dir, "folders nested too deep", arg);
	DIR *d = opendir(dir);
	if (!d) return fn(dir, strerror(errno), arg);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int failed = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) break;
			names = nn;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) break;
		size_t dl = strlen(dir);
		snprintf(names[n], len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
		n++;
	}
	closedir(d);
	if (names) qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (lstat(names[i], &st) != 0)
			failed += fn(names[i], strerror(errno), arg);
		else if (S_ISDIR(st.st_mode))
			failed += walk_dir(names[i], fn, arg, depth + 1);
		else if (S_ISREG(st.st_mode))
			failed += fn(names[i], NULL, arg);
		free(names[i]);
	}
	free(names);
	return failed;
}

int cli_walk(char **paths, int npaths, cli_file_fn fn, void *arg)
{
	int failed = 0;
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0)
			failed += fn(paths[i], strerror(errno), arg);
		else if (S_ISDIR(st.st_mode))
			failed += walk_dir(paths[i], fn, arg, 0);
		else if (S_ISREG(st.st_mode))
			failed += fn(paths[i], NULL, arg);
		else
			failed += fn(paths[i], "not a regular file or folder", arg);
	}
	return failed;
}
