/* The corpus API over a storage backend: a sample goes in with its labels,
 * its functions (exact hash, MinHash) and their LSH bands, in one
 * transaction. */
#include "store.h"

#include <stdio.h>
#include <xxhash.h>

#include "../core/core.h"
#include "lineage/kinship.h"

struct lineage_corpus {
	const ln_store_ops *ops;
	ln_store *st;
};

uint64_t ln_lsh_band_key(const uint32_t *minhash, unsigned band)
{
	/* rows b, b+21, b+42: the densified MinHash copies an empty bin from its
	 * neighbour, so adjacent bins of a small function are correlated */
	uint32_t buf[LN_LSH_ROWS + 1];
	buf[0] = band;
	for (unsigned r = 0; r < LN_LSH_ROWS; r++) buf[1 + r] = minhash[band + r * LN_LSH_BANDS];
	/* keys are stored as signed 64-bit integers: keep them non-negative */
	return XXH3_64bits(buf, sizeof(buf)) >> 1;
}

unsigned ln_sig_keys(const lineage_function_sig *sig, uint64_t keys[LN_SIG_KEYS])
{
	static const struct {
		unsigned part, n;
	} use[] = {{LINEAGE_SIG_DATA, 2}, {LINEAGE_SIG_CONSTS, 1}, {LINEAGE_SIG_GRAPH, 2}, {LINEAGE_SIG_IMPORTS, 1}};
	unsigned n = 0;
	for (size_t u = 0; u < sizeof(use) / sizeof(use[0]); u++) {
		const uint32_t *part = sig->part[use[u].part];
		if (!sig->nfeatures[use[u].part]) continue;
		for (unsigned i = 0; i < use[u].n && part[i] != UINT32_MAX; i++) {
			uint32_t buf[2] = {use[u].part | 0x100u, part[i]};
			keys[n++] = XXH3_64bits(buf, sizeof(buf)) >> 1;
		}
	}
	return n;
}

void ln_corpus_store(lineage_corpus *c, const ln_store_ops **ops, ln_store **st)
{
	*ops = c->ops;
	*st = c->st;
}

int lineage_corpus_open(lineage_corpus **out, lineage_ctx *ctx, const char *where, unsigned flags)
{
	*out = NULL;
	if (!where || !*where) return ln_ctx_error(ctx, LINEAGE_EINVAL, "corpus: no location given");
	lineage_corpus *c = ln_calloc(1, sizeof(*c));
	if (!c) return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", where);
	c->ops = &ln_store_sqlite;
	char err[2100];
	err[0] = 0;
	int rc = c->ops->open(&c->st, where, flags, err, sizeof(err));
	if (rc != 0) {
		ln_free(c);
		return ln_ctx_error(ctx, rc, "%s", err[0] ? err : lineage_strerror(rc));
	}
	*out = c;
	return 0;
}

void lineage_corpus_close(lineage_corpus *c)
{
	if (!c) return;
	c->ops->close(c->st);
	ln_free(c);
}

static int store_error(lineage_corpus *c, lineage_ctx *ctx, int rc)
{
	return ln_ctx_error(ctx, rc, "%s", c->ops->errmsg(c->st));
}

/* An index row waiting to be inserted. */
typedef struct keyed {
	uint64_t key;
	int64_t function;
} keyed;

static int push_keyed(ln_vec *v, uint64_t key, int64_t function)
{
	keyed *k = ln_vec_push(v);
	if (!k) return LINEAGE_ENOMEM;
	*k = (keyed){key, function};
	return 0;
}

static int cmp_keyed(const void *x, const void *y)
{
	const keyed *a = x, *b = y;
	if (a->key != b->key) return a->key < b->key ? -1 : 1;
	return a->function < b->function ? -1 : a->function > b->function;
}

/* Store the sample's traits (when it was analysed for any) and the version
 * they were drawn with. */
static int store_traits(lineage_corpus *c, const lineage_sample *s, int64_t id)
{
	size_t nt;
	const lineage_trait *t = lineage_sample_traits(s, &nt);
	if (!t) return 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nt; i++)
		rc = c->ops->insert_trait(c->st, id, t[i].token, t[i].kind, t[i].detail);
	if (rc == 0) rc = c->ops->set_traits_version(c->st, id, LINEAGE_TRAITS_VERSION);
	return rc;
}

int lineage_corpus_add(lineage_corpus *c, lineage_ctx *ctx, const lineage_sample *s, const lineage_labels *labels,
                       int *added)
{
	*added = 0;
	const lineage_binary *b = lineage_sample_binary(s);
	const lineage_file_hashes *h = lineage_sample_hashes(s);
	if (!h->sha256[0]) return ln_ctx_error(ctx, LINEAGE_EINVAL, "%s: analyze the sample (hashes) first", b->path);
	size_t nf;
	const lineage_function *fn = lineage_sample_functions(s, &nf);
	lineage_labels none = {0};
	const ln_store_ops *o = c->ops;
	int rc = o->begin(c->st);
	if (rc) return store_error(c, ctx, rc);
	int64_t id;
	rc = o->find_sample(c->st, h->sha256, &id);
	if (rc == 0) { /* already stored: only traits drawn by an older version are renewed */
		size_t nt;
		int version = 0;
		lineage_sample_traits(s, &nt);
		rc = o->traits_version(c->st, id, &version);
		if (rc == 0 && nt && version < LINEAGE_TRAITS_VERSION) {
			rc = version ? o->clear_traits(c->st, id) : 0; /* drawn by an older version */
			if (rc == 0) rc = store_traits(c, s, id);
			if (rc == 0) rc = o->commit(c->st);
			if (rc != 0) goto fail;
			return 0;
		}
		o->rollback(c->st);
		return rc ? store_error(c, ctx, rc) : 0;
	}
	if (rc != LINEAGE_ENOTFOUND) goto fail;
	ln_sample_row row = {
	        .sha256 = h->sha256,
	        .md5 = h->md5,
	        .path = b->path,
	        .format = lineage_format_name(b->format),
	        .arch = lineage_arch_name(b->arch),
	        .imphash = h->imphash,
	        .ssdeep = h->ssdeep,
	        .tlsh = h->tlsh,
	        .size = b->size,
	        .nfunctions = nf,
	        .ninsn = lineage_sample_instructions(s),
	        .labels = labels ? *labels : none,
	};
	rc = o->insert_sample(c->st, &row, &id);
	/* index rows are inserted sorted by key: neighbouring B-tree pages,
	 * fewer pages dirtied per sample */
	ln_vec bands, feats;
	ln_vec_init(&bands, sizeof(keyed));
	ln_vec_init(&feats, sizeof(keyed));
	for (size_t i = 0; rc == 0 && i < nf; i++) {
		ln_function_row fr = {
		        .address = fn[i].address,
		        .size = fn[i].size,
		        .ninsn = fn[i].ninsn,
		        .nblocks = fn[i].nblocks,
		        .flags = fn[i].flags,
		        .exact_hash = fn[i].exact_hash,
		        .minhash = fn[i].minhash,
		        .sig = &fn[i].sig,
		        .name = fn[i].name,
		};
		int64_t fid;
		rc = o->insert_function(c->st, id, &fr, &fid);
		if (fn[i].ninsn >= LINEAGE_MIN_MATCH_INSNS && !(fn[i].flags & LINEAGE_FUNC_THUNK)) {
			uint64_t keys[LN_SIG_KEYS];
			unsigned nk = ln_sig_keys(&fn[i].sig, keys);
			for (unsigned k = 0; rc == 0 && k < nk; k++) rc = push_keyed(&feats, keys[k], fid);
		}
		/* functions too short for a meaningful signature get no bands */
		if (fn[i].ninsn < LN_LSH_MIN_INSNS) continue;
		for (unsigned band = 0; rc == 0 && band < LN_LSH_BANDS; band++)
			rc = push_keyed(&bands, ln_lsh_band_key(fn[i].minhash, band), fid);
	}
	if (rc == 0) {
		ln_sort(bands.items, bands.len, sizeof(keyed), cmp_keyed);
		ln_sort(feats.items, feats.len, sizeof(keyed), cmp_keyed);
	}
	for (size_t i = 0; rc == 0 && i < bands.len; i++)
		rc = o->insert_band(c->st, LN_VEC_AT(&bands, keyed, i).key, LN_VEC_AT(&bands, keyed, i).function);
	for (size_t i = 0; rc == 0 && i < feats.len; i++)
		rc = o->insert_feature(c->st, LN_VEC_AT(&feats, keyed, i).key, LN_VEC_AT(&feats, keyed, i).function);
	ln_vec_free(&bands);
	ln_vec_free(&feats);
	if (rc == 0) rc = store_traits(c, s, id);
	if (rc == 0) rc = o->commit(c->st);
	if (rc == 0) {
		*added = 1;
		return 0;
	}
fail:
	o->rollback(c->st);
	return store_error(c, ctx, rc);
}

static int with_sample(lineage_corpus *c, lineage_ctx *ctx, const char *sha256, int64_t *id)
{
	int rc = c->ops->find_sample(c->st, sha256, id);
	if (rc == LINEAGE_ENOTFOUND) return ln_ctx_error(ctx, rc, "%s: no sample with sha256 %s", "corpus", sha256);
	return rc ? store_error(c, ctx, rc) : 0;
}

int lineage_corpus_set_labels(lineage_corpus *c, lineage_ctx *ctx, const char *sha256, const lineage_labels *labels)
{
	int rc = c->ops->begin(c->st);
	if (rc) return store_error(c, ctx, rc);
	int64_t id;
	rc = with_sample(c, ctx, sha256, &id);
	if (rc == 0) rc = c->ops->set_labels(c->st, id, labels);
	if (rc == 0) rc = c->ops->commit(c->st);
	if (rc) {
		c->ops->rollback(c->st);
		return rc == LINEAGE_ENOTFOUND ? rc : store_error(c, ctx, rc);
	}
	return 0;
}

int lineage_corpus_remove(lineage_corpus *c, lineage_ctx *ctx, const char *sha256)
{
	int rc = c->ops->begin(c->st);
	if (rc) return store_error(c, ctx, rc);
	int64_t id;
	rc = with_sample(c, ctx, sha256, &id);
	if (rc == 0) rc = c->ops->remove_sample(c->st, id);
	if (rc == 0) rc = c->ops->commit(c->st);
	if (rc) {
		c->ops->rollback(c->st);
		return rc == LINEAGE_ENOTFOUND ? rc : store_error(c, ctx, rc);
	}
	return 0;
}

int lineage_corpus_each_sample(lineage_corpus *c, lineage_ctx *ctx, const char *family,
                               int (*cb)(const lineage_corpus_sample *, void *), void *arg)
{
	int rc = c->ops->each_sample(c->st, family, cb, arg);
	return rc < 0 ? store_error(c, ctx, rc) : rc;
}

int lineage_corpus_stats_get(lineage_corpus *c, lineage_ctx *ctx, lineage_corpus_stats *out)
{
	int rc = c->ops->stats(c->st, out);
	return rc ? store_error(c, ctx, rc) : 0;
}
