/* The knowledge bases: MITRE ATT&CK Enterprise and MBC, read once from their
 * JSON (data/attack/enterprise-attack.json, data/mbc/mbc.json) into an arena,
 * with sorted indexes for lookups by id and by normalized name or alias. */
#include "lineage/kb.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/core.h"

typedef struct key {
	const char *norm; /* normalized name or id */
	uint32_t entry;
} key;

typedef struct table {
	lineage_kb_entry *v;
	size_t n;
	key *keys; /* sorted by norm */
	size_t nkeys;
} table;

struct lineage_kb {
	ln_arena *arena;
	const char *source;
	lineage_kb_technique *tech; /* sorted by id */
	size_t ntech;
	table groups, software, behaviors;
};

/* Lower case, letters and digits only, into o (cap > 0): "HIDDEN-COBRA" and
 * "Hidden Cobra" meet. Returns the length. */
static size_t norm_into(char *o, size_t cap, const char *s)
{
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && k + 1 < cap; p++) {
		unsigned char c = *p;
		if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) o[k++] = (char)c;
	}
	o[k] = 0;
	return k;
}

static char *normalize(ln_arena *a, const char *s)
{
	size_t cap = strlen(s) + 1;
	char *o = ln_arena_alloc_raw(a, cap);
	if (o) norm_into(o, cap, s);
	return o;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const key *)a)->norm, ((const key *)b)->norm);
}

static int cmp_tech(const void *a, const void *b)
{
	return strcmp(((const lineage_kb_technique *)a)->id, ((const lineage_kb_technique *)b)->id);
}

/* The strings of a JSON array, copied into the arena. */
static const char *const *strings(ln_arena *a, const cJSON *arr, size_t *n, bool *oom)
{
	*n = 0;
	int len = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	if (len <= 0) return NULL;
	const char **v = ln_arena_alloc(a, (size_t)len * sizeof(*v));
	if (!v) {
		*oom = true;
		return NULL;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it)) continue;
		v[*n] = ln_arena_strdup(a, it->valuestring);
		if (!v[*n]) *oom = true;
		(*n)++;
	}
	return v;
}

static const char *str(ln_arena *a, const cJSON *o, const char *k, bool *oom)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsString(x)) return NULL;
	const char *s = ln_arena_strdup(a, x->valuestring);
	if (!s) *oom = true;
	return s;
}

/* Entries of one JSON array with their index of ids, names and aliases. */
static int load_table(lineage_kb *kb, table *t, const cJSON *arr, bool behaviors)
{
	int len = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
	if (len < 0) return LINEAGE_EFORMAT;
	bool oom = false;
	t->v = ln_arena_alloc(kb->arena, ((size_t)len + 1) * sizeof(*t->v));
	if (!t->v) return LINEAGE_ENOMEM;
	size_t nkeys = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		lineage_kb_entry *e = &t->v[t->n];
		e->id = str(kb->arena, o, "id", &oom);
		e->name = str(kb->arena, o, "name", &oom);
		if (!e->id || !e->name) {
			if (oom) return LINEAGE_ENOMEM;
			continue; /* an entry without id or name is no use */
		}
		e->type = str(kb->arena, o, "type", &oom);
		e->aliases = strings(kb->arena, cJSON_GetObjectItemCaseSensitive(o, "aliases"), &e->naliases, &oom);
		if (behaviors)
			e->attack =
			        strings(kb->arena, cJSON_GetObjectItemCaseSensitive(o, "attack"), &e->nattack, &oom);
		if (oom) return LINEAGE_ENOMEM;
		nkeys += 2 + e->naliases;
		t->n++;
	}
	t->keys = ln_arena_alloc(kb->arena, (nkeys + 1) * sizeof(*t->keys));
	if (!t->keys) return LINEAGE_ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const lineage_kb_entry *e = &t->v[i];
		const char *names[2] = {e->id, e->name};
		for (size_t k = 0; k < 2 + e->naliases; k++) {
			char *nm = normalize(kb->arena, k < 2 ? names[k] : e->aliases[k - 2]);
			if (!nm) return LINEAGE_ENOMEM;
			if (*nm) t->keys[t->nkeys++] = (key){nm, (uint32_t)i};
		}
	}
	ln_sort(t->keys, t->nkeys, sizeof(*t->keys), cmp_key);
	return 0;
}

static const lineage_kb_entry *table_find(const lineage_kb *kb, const table *t, const char *q)
{
	if (!kb || !q) return NULL;
	char buf[256];
	if (!norm_into(buf, sizeof(buf), q)) return NULL;
	/* the first key equal to the query; when an alias names two entries
	 * (ATT&CK has a few), the entry whose own name or id it is wins */
	size_t lo = 0, hi = t->nkeys;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (strcmp(t->keys[m].norm, buf) < 0)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo == t->nkeys || strcmp(t->keys[lo].norm, buf)) return NULL;
	for (size_t i = lo; i < t->nkeys && !strcmp(t->keys[i].norm, buf); i++) {
		const lineage_kb_entry *e = &t->v[t->keys[i].entry];
		char nm[256], id[64];
		norm_into(nm, sizeof(nm), e->name);
		norm_into(id, sizeof(id), e->id);
		if (!strcmp(nm, buf) || !strcmp(id, buf)) return e;
	}
	return &t->v[t->keys[lo].entry];
}

static cJSON *read_json(lineage_ctx *ctx, const char *path, int *rc)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: cannot be read", path);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			char *nb = ln_realloc(buf, cap);
			if (!nb) {
				ln_free(buf);
				fclose(f);
				*rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, 65536, f);
		len += got;
		if (got < 65536) break;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		ln_free(buf);
		*rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: cannot be read", path);
		return NULL;
	}
	buf[len] = 0;
	cJSON *j = cJSON_ParseWithLength(buf, len);
	ln_free(buf);
	if (!j) *rc = ln_ctx_error(ctx, LINEAGE_EFORMAT, "%s: not valid JSON", path);
	return j;
}

static int load_attack(lineage_kb *kb, lineage_ctx *ctx, const char *path)
{
	int rc = 0;
	cJSON *j = read_json(ctx, path, &rc);
	if (!j) return rc;
	bool oom = false;
	kb->source = str(kb->arena, j, "source", &oom);
	const cJSON *tech = cJSON_GetObjectItemCaseSensitive(j, "techniques");
	int nt = cJSON_IsArray(tech) ? cJSON_GetArraySize(tech) : -1;
	if (nt < 0 || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "groups"))) {
		cJSON_Delete(j);
		return ln_ctx_error(ctx, LINEAGE_EFORMAT, "%s: no ATT&CK techniques and groups in it", path);
	}
	kb->tech = ln_arena_alloc(kb->arena, ((size_t)nt + 1) * sizeof(*kb->tech));
	if (!kb->tech) oom = true;
	const cJSON *o;
	cJSON_ArrayForEach(o, tech)
	{
		if (oom) break;
		lineage_kb_technique *t = &kb->tech[kb->ntech];
		t->id = str(kb->arena, o, "id", &oom);
		t->name = str(kb->arena, o, "name", &oom);
		t->tactics = strings(kb->arena, cJSON_GetObjectItemCaseSensitive(o, "tactics"), &t->ntactics, &oom);
		if (t->id && t->name) kb->ntech++;
	}
	if (!oom) ln_sort(kb->tech, kb->ntech, sizeof(*kb->tech), cmp_tech);
	rc = oom ? LINEAGE_ENOMEM : load_table(kb, &kb->groups, cJSON_GetObjectItemCaseSensitive(j, "groups"), false);
	if (rc == 0) rc = load_table(kb, &kb->software, cJSON_GetObjectItemCaseSensitive(j, "software"), false);
	cJSON_Delete(j);
	if (rc == LINEAGE_ENOMEM) return ln_ctx_error(ctx, rc, "%s: out of memory", path);
	if (rc) return ln_ctx_error(ctx, rc, "%s: not the expected ATT&CK layout", path);
	return 0;
}

static int load_mbc(lineage_kb *kb, lineage_ctx *ctx, const char *path)
{
	int rc = 0;
	cJSON *j = read_json(ctx, path, &rc);
	if (!j) return rc;
	rc = load_table(kb, &kb->behaviors, cJSON_GetObjectItemCaseSensitive(j, "behaviors"), true);
	cJSON_Delete(j);
	if (rc == LINEAGE_ENOMEM) return ln_ctx_error(ctx, rc, "%s: out of memory", path);
	if (rc) return ln_ctx_error(ctx, rc, "%s: no MBC behaviors in it", path);
	return 0;
}

int lineage_kb_load(lineage_kb **out, lineage_ctx *ctx, const char *dir)
{
	*out = NULL;
	char buf[PATH_MAX], path[PATH_MAX + 64];
	if (!dir) dir = ln_shipped_dir(buf, sizeof(buf), "LINEAGE_DATA", "data");
	if (!ln_is_dir(dir)) return ln_ctx_error(ctx, LINEAGE_EIO, "%s: no such data folder", *dir ? dir : "(unset)");
	lineage_kb *kb = ln_calloc(1, sizeof(*kb));
	if (kb) kb->arena = ln_arena_new();
	if (!kb || !kb->arena) {
		ln_free(kb);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", dir);
	}
	snprintf(path, sizeof(path), "%s/attack/enterprise-attack.json", dir);
	int rc = load_attack(kb, ctx, path);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/mbc/mbc.json", dir);
		rc = load_mbc(kb, ctx, path);
	}
	if (rc) {
		lineage_kb_free(kb);
		return rc;
	}
	*out = kb;
	return 0;
}

void lineage_kb_free(lineage_kb *kb)
{
	if (!kb) return;
	ln_arena_free(kb->arena);
	ln_free(kb);
}

const char *lineage_kb_attack_source(const lineage_kb *kb)
{
	return kb && kb->source ? kb->source : "";
}

const lineage_kb_technique *lineage_kb_technique_get(const lineage_kb *kb, const char *id)
{
	if (!kb || !id) return NULL;
	lineage_kb_technique probe = {.id = id};
	return bsearch(&probe, kb->tech, kb->ntech, sizeof(*kb->tech), cmp_tech);
}

const lineage_kb_entry *lineage_kb_behavior_get(const lineage_kb *kb, const char *id)
{
	const lineage_kb_entry *e = kb ? table_find(kb, &kb->behaviors, id) : NULL;
	return e && !strcmp(e->id, id) ? e : NULL; /* by exact id only */
}

const lineage_kb_entry *lineage_kb_group_find(const lineage_kb *kb, const char *name_or_id)
{
	return kb ? table_find(kb, &kb->groups, name_or_id) : NULL;
}

const lineage_kb_entry *lineage_kb_software_find(const lineage_kb *kb, const char *name_or_id)
{
	return kb ? table_find(kb, &kb->software, name_or_id) : NULL;
}

void lineage_kb_counts(const lineage_kb *kb, size_t *techniques, size_t *groups, size_t *software, size_t *behaviors)
{
	*techniques = kb ? kb->ntech : 0;
	*groups = kb ? kb->groups.n : 0;
	*software = kb ? kb->software.n : 0;
	*behaviors = kb ? kb->behaviors.n : 0;
}
