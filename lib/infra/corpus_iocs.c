/* Feeds in the corpus (lineage import-iocs) and the corpus out as a STIX 2.1
 * bundle (lineage export --stix): the glue between lib/infra/feeds.c,
 * lib/infra/stix.c, the knowledge base that resolves actors and the store. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "feeds.h"
#include "infra.h"
#include "../core/core.h"
#include "../corpus/store.h"

#define MAX_FEED_SIZE (256u << 20)

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int read_all(lineage_ctx *ctx, const char *path, uint8_t **out, size_t *size)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) return ln_ctx_error(ctx, LINEAGE_EIO, "%s: cannot open: %s", path, strerror(errno));
	ln_vec v;
	ln_vec_init(&v, 1);
	uint8_t buf[65536];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (v.len + n > MAX_FEED_SIZE) {
			rc = ln_ctx_error(ctx, LINEAGE_ETOOBIG, "%s: larger than %u MiB", path, MAX_FEED_SIZE >> 20);
			break;
		}
		if (!ln_vec_reserve(&v, v.len + n + 1)) {
			rc = LINEAGE_ENOMEM;
			break;
		}
		memcpy((uint8_t *)v.items + v.len, buf, n);
		v.len += n;
	}
	if (rc == 0 && ferror(f)) rc = ln_ctx_error(ctx, LINEAGE_EIO, "%s: read error", path);
	fclose(f);
	if (rc) {
		ln_vec_free(&v);
		return rc;
	}
	*size = v.len;
	*out = v.items ? v.items : ln_calloc(1, 1);
	return *out ? 0 : LINEAGE_ENOMEM;
}

/* The feed's format: a JSON bundle is STIX, other JSON MISP, the rest CSV. */
static int sniff(const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) i = 3; /* UTF-8 byte order mark */
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
	if (i == n || (p[i] != '{' && p[i] != '[')) return LN_FEED_CSV;
	cJSON *j = cJSON_ParseWithLength((const char *)p + i, n - i);
	if (!j) return LN_FEED_STIX; /* broken JSON: the parser says where */
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
	int f = cJSON_IsString(t) && !strcmp(t->valuestring, "bundle") ? LN_FEED_STIX : LN_FEED_MISP;
	cJSON_Delete(j);
	return f;
}

int lineage_corpus_import_iocs(lineage_corpus *c, lineage_ctx *ctx, const char *path, const lineage_kb *kb,
                               lineage_import_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	const ln_store_ops *ops;
	ln_store *st;
	ln_corpus_store(c, &ops, &st);
	uint8_t *data;
	size_t size;
	int rc = read_all(ctx, path, &data, &size);
	if (rc) return rc;
	ln_arena *a = ln_arena_new();
	ln_vec recs;
	ln_vec_init(&recs, sizeof(ln_feed_ioc));
	char err[512] = "";
	if (!a) rc = LINEAGE_ENOMEM;
	int format = sniff(data, size);
	stats->format = format == LN_FEED_STIX ? "stix" : format == LN_FEED_MISP ? "misp" : "csv";
	if (rc == 0) rc = ln_feed_parse(path, data, size, format, a, &recs, &stats->skipped, err, sizeof(err));
	ln_free(data);
	if (rc == LINEAGE_EFORMAT) rc = ln_ctx_error(ctx, rc, "%s", err[0] ? err : "not a feed lineage reads");
	const ln_feed_ioc *r = recs.items;
	const char *actors[256];
	size_t nactors = 0;
	if (rc == 0) rc = ops->begin(st);
	for (size_t i = 0; rc == 0 && i < recs.len; i++) {
		const lineage_kb_entry *g = kb && r[i].actor ? lineage_kb_group_find(kb, r[i].actor) : NULL;
		if (r[i].actor) {
			bool seen = false;
			for (size_t k = 0; k < nactors; k++) seen |= !strcmp(actors[k], r[i].actor);
			if (!seen && nactors < sizeof(actors) / sizeof(actors[0])) {
				actors[nactors++] = r[i].actor;
				stats->actors++;
				stats->resolved += g != NULL;
			}
		}
		lineage_feed_ioc x = {.type = ln_ioc_type_name(r[i].type),
		                      .value = r[i].value,
		                      .port = r[i].port,
		                      .source = r[i].source,
		                      .feed = r[i].feed,
		                      .actor = r[i].actor,
		                      .group_id = g ? g->id : NULL,
		                      .group_name = g ? g->name : NULL,
		                      .first_seen = r[i].first_seen,
		                      .last_seen = r[i].last_seen,
		                      .confidence = r[i].confidence,
		                      .description = r[i].description};
		ln_ioc p;
		const char *host = ln_ioc_parse(r[i].value, (int)r[i].type, &p) && p.host[0] ? p.host : NULL;
		int added = 0;
		rc = ops->put_ioc(st, &x, host, &added);
		if (rc) rc = ln_ctx_error(ctx, rc, "%s: storing: %s", path, ops->errmsg(st));
		stats->read++;
		if (added)
			stats->added++;
		else
			stats->existing++;
	}
	if (rc == 0) {
		rc = ops->commit(st);
		if (rc) rc = ln_ctx_error(ctx, rc, "%s: storing: %s", path, ops->errmsg(st));
	} else if (recs.len) {
		ops->rollback(st);
	}
	ln_vec_free(&recs);
	ln_arena_free(a);
	return rc;
}

int lineage_corpus_each_feed_ioc(lineage_corpus *c, lineage_ctx *ctx, const char *value,
                                 int (*cb)(const lineage_feed_ioc *, void *), void *arg)
{
	const ln_store_ops *ops;
	ln_store *st;
	ln_corpus_store(c, &ops, &st);
	int rc = ops->find_ioc(st, value, cb, arg);
	if (rc == LINEAGE_EDB) return ln_ctx_error(ctx, rc, "corpus: %s", ops->errmsg(st));
	return rc;
}

/* ---- STIX export ----------------------------------------------------- */

typedef struct exporter {
	ln_arena *a;
	const lineage_kb *kb;
	ln_vec samples;    /* ln_stix_sample */
	ln_vec ids;        /* int64_t: the samples' corpus ids */
	ln_vec actors;     /* ln_stix_actor */
	ln_vec indicators; /* ln_stix_indicator */
	ln_vec refs;       /* size_t: the current indicator's samples */
	const char *cur_token;
} exporter;

static size_t actor_index(exporter *x, const char *name)
{
	if (!name || !*name) return SIZE_MAX;
	const lineage_kb_entry *g = x->kb ? lineage_kb_group_find(x->kb, name) : NULL;
	const char *want = g ? g->name : name;
	ln_stix_actor *ac = x->actors.items;
	for (size_t i = 0; i < x->actors.len; i++)
		if (!strcmp(ac[i].name, want)) return i;
	ln_stix_actor *n = ln_vec_push(&x->actors);
	if (!n) return SIZE_MAX;
	*n = (ln_stix_actor){.name = ln_arena_strdup(x->a, want)};
	if (g) {
		n->attack_id = g->id;
		n->aliases = g->aliases;
		n->naliases = g->naliases;
	}
	return n->name ? x->actors.len - 1 : SIZE_MAX;
}

static void rfc3339(char *buf, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static int take_sample(const lineage_corpus_sample *cs, void *arg)
{
	exporter *x = arg;
	ln_stix_sample *s = ln_vec_push(&x->samples);
	int64_t *id = ln_vec_push(&x->ids);
	if (!s || !id) return LINEAGE_ENOMEM;
	char when[40];
	rfc3339(when, sizeof(when), cs->added);
	const char *p = cs->path && *cs->path ? cs->path : NULL;
	*s = (ln_stix_sample){
	        .sha256 = ln_arena_strdup(x->a, cs->sha256),
	        .md5 = "",
	        .name = p ? ln_arena_strdup(x->a, base_name(p)) : NULL,
	        .family = cs->labels.family && *cs->labels.family ? ln_arena_strdup(x->a, cs->labels.family) : NULL,
	        .actor = actor_index(x, cs->labels.actor),
	        .added = ln_arena_strdup(x->a, when)};
	*id = cs->id;
	return s->sha256 && s->added ? 0 : LINEAGE_ENOMEM;
}

static int flush_indicator(exporter *x)
{
	if (!x->cur_token || !x->refs.len) return 0;
	const char *type, *value;
	if (!ln_infra_token(x->cur_token, &type, &value)) return 0;
	int t = ln_ioc_type_from_name(type);
	ln_stix_indicator *in = ln_vec_push(&x->indicators);
	if (!in || t < 0) return in ? 0 : LINEAGE_ENOMEM;
	size_t n;
	const size_t *refs = ln_vec_to_arena(&x->refs, x->a, &n);
	if (!refs) return LINEAGE_ENOMEM;
	*in = (ln_stix_indicator){.type = (uint32_t)t,
	                          .value = ln_arena_strdup(x->a, value),
	                          .samples = refs,
	                          .nsamples = n,
	                          .actor = SIZE_MAX,
	                          .confidence = -1};
	ln_vec_init(&x->refs, sizeof(size_t));
	return in->value ? 0 : LINEAGE_ENOMEM;
}

static int take_trait(int64_t sample, const char *token, uint32_t kind, const char *detail, void *arg)
{
	exporter *x = arg;
	(void)detail;
	if (kind == LINEAGE_TRAIT_COMMON) return 0; /* nobody's infrastructure */
	if (!x->cur_token || strcmp(x->cur_token, token)) {
		int rc = flush_indicator(x);
		if (rc) return rc;
		x->cur_token = ln_arena_strdup(x->a, token);
		if (!x->cur_token) return LINEAGE_ENOMEM;
	}
	const int64_t *ids = x->ids.items;
	for (size_t i = 0; i < x->ids.len; i++)
		if (ids[i] == sample) {
			size_t *r = ln_vec_push(&x->refs);
			if (!r) return LINEAGE_ENOMEM;
			*r = i;
			break;
		}
	return 0;
}

static int take_feed(const lineage_feed_ioc *f, void *arg)
{
	exporter *x = arg;
	int t = ln_ioc_type_from_name(f->type);
	if (t < 0) return 0;
	ln_stix_indicator *in = ln_vec_push(&x->indicators);
	if (!in) return LINEAGE_ENOMEM;
	*in = (ln_stix_indicator){.type = (uint32_t)t,
	                          .value = ln_arena_strdup(x->a, f->value),
	                          .actor = actor_index(x, f->group_name ? f->group_name : f->actor),
	                          .first_seen = f->first_seen ? ln_arena_strdup(x->a, f->first_seen) : NULL,
	                          .last_seen = f->last_seen ? ln_arena_strdup(x->a, f->last_seen) : NULL,
	                          .confidence = f->confidence,
	                          .source = ln_arena_strdup(x->a, f->source && *f->source ? f->source : f->feed)};
	return in->value && in->source ? 0 : LINEAGE_ENOMEM;
}

int lineage_corpus_export_stix(lineage_corpus *c, lineage_ctx *ctx, const lineage_kb *kb, char **json)
{
	*json = NULL;
	const ln_store_ops *ops;
	ln_store *st;
	ln_corpus_store(c, &ops, &st);
	exporter x = {.a = ln_arena_new(), .kb = kb};
	ln_vec_init(&x.samples, sizeof(ln_stix_sample));
	ln_vec_init(&x.ids, sizeof(int64_t));
	ln_vec_init(&x.actors, sizeof(ln_stix_actor));
	ln_vec_init(&x.indicators, sizeof(ln_stix_indicator));
	ln_vec_init(&x.refs, sizeof(size_t));
	int rc = x.a ? ops->begin_read(st) : LINEAGE_ENOMEM;
	if (rc == 0) {
		rc = ops->each_sample(st, NULL, take_sample, &x);
		if (rc == 0) rc = ops->each_trait(st, "infra:", take_trait, &x);
		if (rc == 0) rc = flush_indicator(&x);
		if (rc == 0) rc = ops->find_ioc(st, NULL, take_feed, &x);
		ops->rollback(st);
	}
	if (rc == 0) {
		char now[40];
		rfc3339(now, sizeof(now), (int64_t)time(NULL));
		ln_stix_export e = {.samples = x.samples.items,
		                    .nsamples = x.samples.len,
		                    .indicators = x.indicators.items,
		                    .nindicators = x.indicators.len,
		                    .actors = x.actors.items,
		                    .nactors = x.actors.len,
		                    .now = now};
		*json = ln_stix_write(&e);
		if (!*json) rc = LINEAGE_ENOMEM;
	}
	if (rc == LINEAGE_EDB) rc = ln_ctx_error(ctx, rc, "corpus: %s", ops->errmsg(st));
	ln_vec_free(&x.samples);
	ln_vec_free(&x.ids);
	ln_vec_free(&x.actors);
	ln_vec_free(&x.indicators);
	ln_vec_free(&x.refs);
	ln_arena_free(x.a);
	return rc;
}
