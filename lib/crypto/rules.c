/* Rule sets: YARA files compiled by libyara, and the scan of one sample's
 * bytes with them. A rule's meta says what it finds (family, algorithm, kind,
 * description, and blob for key material); rules without a family are not
 * crypto rules and are left to the other axes. */
#include "crypto.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

/* Findings kept per rule: a table found more often than this is reported
 * this many times. Matches of one rule less than MATCH_SPAN bytes apart
 * (two strings of one table, an OID in two encodings) are one finding. */
#define MAX_MATCHES_PER_RULE 8
#define MATCH_SPAN           64

struct lineage_rules {
	YR_RULES *yr;
	size_t count;
	char dir[PATH_MAX];
};

typedef struct file_list {
	char **v;
	size_t n, cap;
	bool oom;
} file_list;

static void list_add(file_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **v = ln_realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = ln_strdup(path);
	if (!l->v[l->n]) {
		l->oom = true;
		return;
	}
	l->n++;
}

static void walk(file_list *l, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 8) {
		if (d) closedir(d);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') continue;
		char p[PATH_MAX];
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p)) continue;
		size_t len = strlen(e->d_name);
		if (ln_is_dir(p))
			walk(l, p, depth + 1);
		else if (len > 4 && strcmp(e->d_name + len - 4, ".yar") == 0)
			list_add(l, p);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct compile_err {
	char msg[512];
	int errors;
} compile_err;

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *message, void *arg)
{
	compile_err *e = arg;
	if (level != YARA_ERROR_LEVEL_ERROR || e->errors++) return;
	snprintf(e->msg, sizeof(e->msg), "%s:%d: %s", file ? file : "?", line, message);
}

static pthread_mutex_t yr_lock = PTHREAD_MUTEX_INITIALIZER;

int lineage_rules_load(lineage_rules **out, lineage_ctx *ctx, const char *dir)
{
	*out = NULL;
	char buf[PATH_MAX];
	if (!dir) dir = ln_shipped_dir(buf, sizeof(buf), "LINEAGE_RULES", "rules");
	if (!ln_is_dir(dir)) return ln_ctx_error(ctx, LINEAGE_EIO, "%s: no such rules folder", *dir ? dir : "(unset)");
	file_list files = {0};
	walk(&files, dir, 0);
	int rc = 0;
	if (files.oom) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto done;
	}
	if (!files.n) {
		rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: no .yar rule file in this folder", dir);
		goto done;
	}
	ln_sort(files.v, files.n, sizeof(*files.v), cmp_str);
	lineage_rules *r = ln_calloc(1, sizeof(*r));
	if (!r) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto done;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	pthread_mutex_lock(&yr_lock); /* yr_initialize's counter is not atomic */
	int yrc = yr_initialize();
	pthread_mutex_unlock(&yr_lock);
	if (yrc != ERROR_SUCCESS) {
		ln_free(r);
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "libyara failed to initialize (error %d)", yrc);
		goto done;
	}
	YR_COMPILER *comp = NULL;
	compile_err err = {{0}, 0};
	if (yr_compiler_create(&comp) != ERROR_SUCCESS) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto fail;
	}
	yr_compiler_set_callback(comp, on_compile, &err);
	for (size_t i = 0; i < files.n && !err.errors; i++) {
		FILE *f = fopen(files.v[i], "r");
		if (!f) {
			rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: %s", files.v[i], strerror(errno));
			goto fail;
		}
		yr_compiler_add_file(comp, f, NULL, files.v[i]);
		fclose(f);
	}
	if (err.errors) {
		rc = ln_ctx_error(ctx, LINEAGE_EFORMAT, "%s", err.msg);
		goto fail;
	}
	if (yr_compiler_get_rules(comp, &r->yr) != ERROR_SUCCESS) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto fail;
	}
	yr_compiler_destroy(comp);
	YR_RULE *rule;
	yr_rules_foreach(r->yr, rule) r->count++;
	*out = r;
	goto done;
fail:
	if (comp) yr_compiler_destroy(comp);
	lineage_rules_free(r);
done:
	for (size_t i = 0; i < files.n; i++) ln_free(files.v[i]);
	ln_free(files.v);
	return rc;
}

void lineage_rules_free(lineage_rules *r)
{
	if (!r) return;
	if (r->yr) yr_rules_destroy(r->yr);
	pthread_mutex_lock(&yr_lock);
	yr_finalize();
	pthread_mutex_unlock(&yr_lock);
	ln_free(r);
}

size_t lineage_rules_count(const lineage_rules *r)
{
	return r ? r->count : 0;
}

const char *lineage_rules_dir(const lineage_rules *r)
{
	return r ? r->dir : "";
}

void lineage_ctx_set_rules(lineage_ctx *ctx, const lineage_rules *r)
{
	ctx->rules = r;
}

int ln_rules_for(const lineage_rules **out, lineage_ctx *ctx)
{
	if (!ctx->rules) {
		int rc = lineage_rules_load(&ctx->own_rules, ctx, NULL);
		if (rc != 0) return rc;
		ctx->rules = ctx->own_rules;
	}
	*out = ctx->rules;
	return 0;
}

void ln_rules_release(lineage_ctx *ctx)
{
	lineage_rules_free(ctx->own_rules);
	ctx->own_rules = NULL;
	ctx->rules = NULL;
}

/* ------------------------------------------------------------------ scan */

static const char *meta_str(const YR_RULE *rule, const char *name)
{
	const YR_META *m;
	yr_rule_metas_foreach(rule, m)
	{
		if (m->type == META_TYPE_STRING && strcmp(m->identifier, name) == 0) return m->string;
	}
	return NULL;
}

/* libyara keeps its match records packed in its arena: reading them through
 * its own iteration macros is a misaligned access that UBSan reports (x86
 * loads them fine). */
__attribute__((no_sanitize("alignment"))) static int on_match(YR_SCAN_CONTEXT *sc, int message, void *data, void *arg)
{
	ln_crypto *c = arg;
	if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
	const YR_RULE *rule = data;
	const char *family = meta_str(rule, "family");
	if (!family) return CALLBACK_CONTINUE;
	const char *algorithm = meta_str(rule, "algorithm");
	const char *kind = meta_str(rule, "kind");
	const char *blob = meta_str(rule, "blob");
	const char *mat = meta_str(rule, "material");
	bool material = mat && (!strcmp(mat, "yes") || !strcmp(mat, "true"));
	char source[160];
	snprintf(source, sizeof(source), "rule:%s", rule->identifier);
	/* one finding per place, the first few */
	uint64_t seen[MAX_MATCHES_PER_RULE];
	size_t nseen = 0;
	const YR_STRING *str;
	yr_rule_strings_foreach(rule, str)
	{
		const YR_MATCH *m;
		yr_string_matches_foreach(sc, str, m)
		{
			uint64_t off = (uint64_t)(m->base + m->offset);
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup |= off + MATCH_SPAN > seen[i] && seen[i] + MATCH_SPAN > off;
			if (dup || nseen == MAX_MATCHES_PER_RULE) continue;
			seen[nseen++] = off;
			if (blob) {
				ln_crypto_blob(c, blob, off);
				continue;
			}
			/* a rule may say its bytes are material (an analyst's rule for
			 * one family's key or configuration): they become its value */
			const char *value = NULL;
			if (material && off < c->bin->size) {
				size_t len = (size_t)m->match_length < 64 ? (size_t)m->match_length : 64;
				if (len > c->bin->size - off) len = (size_t)(c->bin->size - off);
				value = ln_crypto_hex(c, c->bin->data + off, len);
			}
			lineage_crypto_finding *f =
			        ln_crypto_add(c, family, algorithm ? algorithm : family, kind ? kind : "table", source,
			                      meta_str(rule, "description"), value);
			if (!f) return CALLBACK_ERROR;
			if (material) f->flags |= LINEAGE_CRYPTO_MATERIAL;
			ln_crypto_at_offset(c, f, off, (uint32_t)m->match_length);
		}
	}
	return c->oom ? CALLBACK_ERROR : CALLBACK_CONTINUE;
}

int ln_crypto_rules(ln_crypto *c, const lineage_rules *rules)
{
	const lineage_binary *bin = c->bin;
	if (!bin->size) return 0;
	uint32_t ms = c->ctx->limits.max_time_ms;
	int timeout = ms ? (int)((ms + 999) / 1000) : 0;
	int rc = yr_rules_scan_mem(rules->yr, bin->data, bin->size, 0, on_match, c, timeout);
	if (c->oom || rc == ERROR_INSUFFICIENT_MEMORY)
		return ln_ctx_error(c->ctx, LINEAGE_ENOMEM, "%s: out of memory", bin->path);
	if (rc == ERROR_SCAN_TIMEOUT) { /* partial: what was found stays, and says so */
		if (!c->s->budget_hit) c->s->budget_hit = "time";
		return 0;
	}
	if (rc != ERROR_SUCCESS && rc != ERROR_TOO_MANY_MATCHES && rc != ERROR_CALLBACK_ERROR)
		return ln_ctx_error(c->ctx, LINEAGE_EFORMAT, "%s: the rule scan failed (libyara error %d)", bin->path,
		                    rc);
	return 0;
}
