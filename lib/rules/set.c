/* Rule sets: the YARA files compiled by libyara and the capability rules
 * (YAML) of one folder, and the YARA scan of one sample's bytes, kept as the
 * places each rule matched for the axes that read them (crypto.c reads the
 * rules with a family, the capability engine the rules it names). */
#include "set.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

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
		else if ((len > 4 && !strcmp(e->d_name + len - 4, ".yar")) ||
		         (len > 4 && !strcmp(e->d_name + len - 4, ".yml")) ||
		         (len > 5 && !strcmp(e->d_name + len - 5, ".yaml")))
			list_add(l, p);
	}
	closedir(d);
}

static bool is_yara(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && !strcmp(path + n - 4, ".yar");
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

int ln_yara_acquire(void)
{
	pthread_mutex_lock(&yr_lock);
	int rc = yr_initialize();
	pthread_mutex_unlock(&yr_lock);
	return rc;
}

void ln_yara_release(void)
{
	pthread_mutex_lock(&yr_lock);
	yr_finalize();
	pthread_mutex_unlock(&yr_lock);
}

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
		rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: no rule file (.yar, .yml) in this folder", dir);
		goto done;
	}
	ln_sort(files.v, files.n, sizeof(*files.v), cmp_str);
	lineage_rules *r = ln_calloc(1, sizeof(*r));
	if (!r) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto done;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	int yrc = ln_yara_acquire();
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
		if (!is_yara(files.v[i])) continue;
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
	YR_RULES *yr = NULL;
	if (yr_compiler_get_rules(comp, &yr) != ERROR_SUCCESS) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
		goto fail;
	}
	r->yr = yr;
	yr_compiler_destroy(comp);
	comp = NULL;
	YR_RULE *rule;
	yr_rules_foreach(yr, rule) r->nyara++;
	/* the capability rules, then their compiled form */
	r->arena = ln_arena_new();
	ln_vec caps;
	ln_vec_init(&caps, sizeof(ln_rule));
	char msg[512] = "";
	rc = r->arena ? 0 : LINEAGE_ENOMEM;
	for (size_t i = 0; i < files.n && !rc; i++)
		if (!is_yara(files.v[i])) rc = ln_rules_parse_file(&caps, r->arena, files.v[i], msg, sizeof(msg));
	if (!rc) {
		size_t want = caps.len;
		r->caps = ln_vec_to_arena(&caps, r->arena, &r->ncaps);
		if (want && !r->caps) rc = LINEAGE_ENOMEM;
	}
	ln_vec_free(&caps);
	if (!rc) rc = ln_caps_compile(r, msg, sizeof(msg));
	if (rc) {
		rc = ln_ctx_error(ctx, rc, "%s", rc == LINEAGE_ENOMEM && !*msg ? "out of memory" : msg);
		goto fail;
	}
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
	ln_caps_free(r->engine);
	ln_arena_free(r->arena);
	ln_yara_release();
	ln_free(r);
}

size_t lineage_rules_count(const lineage_rules *r)
{
	return r ? r->nyara + r->ncaps : 0;
}

size_t lineage_rules_capability_count(const lineage_rules *r)
{
	return r ? r->ncaps : 0;
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

const char *ln_yara_meta(const void *rule, const char *name)
{
	const YR_META *m;
	const YR_RULE *yr = rule;
	yr_rule_metas_foreach(yr, m)
	{
		if (m->type == META_TYPE_STRING && strcmp(m->identifier, name) == 0) return m->string;
	}
	return NULL;
}

bool ln_yara_has_rule(const lineage_rules *r, const char *name)
{
	const YR_RULE *rule;
	YR_RULES *yr = r->yr;
	yr_rules_foreach(yr, rule)
	{
		if (!strcmp(rule->identifier, name)) return true;
	}
	return false;
}

typedef struct scan {
	lineage_sample *s;
	ln_vec hits; /* ln_yhit */
	bool oom;
} scan;

/* libyara keeps its match records packed in its arena: reading them through
 * its own iteration macros is a misaligned access that UBSan reports (x86
 * loads them fine). */
__attribute__((no_sanitize("alignment"))) static int on_match(YR_SCAN_CONTEXT *sc, int message, void *data, void *arg)
{
	scan *k = arg;
	if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
	const YR_RULE *rule = data;
	const char *name = ln_arena_strdup(k->s->arena, rule->identifier);
	if (!name) {
		k->oom = true;
		return CALLBACK_ERROR;
	}
	uint64_t seen[LN_YARA_PLACES];
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
				dup |= off + LN_YARA_SPAN > seen[i] && seen[i] + LN_YARA_SPAN > off;
			if (dup || nseen == LN_YARA_PLACES) continue;
			seen[nseen++] = off;
			ln_yhit *h = ln_vec_push(&k->hits);
			if (!h) {
				k->oom = true;
				return CALLBACK_ERROR;
			}
			*h = (ln_yhit){rule, name, off, (uint32_t)m->match_length};
		}
	}
	if (!nseen) { /* a rule of conditions only (filesize, uint16(0)...) */
		ln_yhit *h = ln_vec_push(&k->hits);
		if (!h) {
			k->oom = true;
			return CALLBACK_ERROR;
		}
		*h = (ln_yhit){rule, name, 0, 0};
	}
	return CALLBACK_CONTINUE;
}

int ln_yara_scan(lineage_sample *s, lineage_ctx *ctx, const lineage_rules *r)
{
	if (s->yara_done) return 0;
	const lineage_binary *bin = &s->bin;
	scan k = {.s = s};
	ln_vec_init(&k.hits, sizeof(ln_yhit));
	int rc = ERROR_SUCCESS;
	if (bin->size && r->nyara) {
		uint32_t ms = ctx->limits.max_time_ms;
		int timeout = ms ? (int)((ms + 999) / 1000) : 0;
		rc = yr_rules_scan_mem(r->yr, bin->data, bin->size, 0, on_match, &k, timeout);
	}
	if (k.oom || rc == ERROR_INSUFFICIENT_MEMORY) {
		ln_vec_free(&k.hits);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", bin->path);
	}
	if (rc == ERROR_SCAN_TIMEOUT) { /* partial: what was found stays, and says so */
		if (!s->budget_hit) s->budget_hit = "time";
	} else if (rc != ERROR_SUCCESS && rc != ERROR_TOO_MANY_MATCHES && rc != ERROR_CALLBACK_ERROR) {
		ln_vec_free(&k.hits);
		return ln_ctx_error(ctx, LINEAGE_EFORMAT, "%s: the rule scan failed (libyara error %d)", bin->path, rc);
	}
	size_t want = k.hits.len;
	s->yhits = ln_vec_to_arena(&k.hits, s->arena, &s->nyhits);
	if (want && !s->yhits) return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", bin->path);
	s->yara_done = true;
	return 0;
}
