/* Clustering the corpus by code kinship (lineage/cluster.h).
 *
 * 1. The samples to cluster ("members": unlabeled, or all with opt.all;
 *    library samples never) and their considered functions are read from
 *    the store, sample by sample.
 * 2. Each member function is looked up by exact hash, through its LSH
 *    bands and through its signature's feature keys, as lib/kinship/match.c
 *    does for a query: a copy is exact, near (token MinHash) or similar (the
 *    signature model of sigsim.h: the same source built by another compiler
 *    or at another level); the best copy in each other sample is kept as a
 *    link. Holders that are library samples, three labeled families or more,
 *    runtime names and huge exact-copy counts mark it as library code for
 *    good.
 * 3. Passes: each function weighs 1 / the other groups holding it; a group is
 *    a labeled family, or the cluster of the previous pass for a member
 *    (pass 1: each member alone, and no function is library by count, so
 *    that a family of many unlabeled samples is not taken for library code
 *    before it is found). From pass 2, a function held by
 *    LINEAGE_LIBRARY_FAMILIES other groups is library code: the C runtime
 *    every unrelated program of one toolchain carries. Pair scores, then
 *    average linkage by reciprocal nearest neighbours (average linkage is
 *    reducible, so merging every reciprocal pair of a round gives the same
 *    clusters as merging the single best pair at a time). The passes stop
 *    when the clusters no longer change.
 * 4. The result: clusters with their cohesion, the functions their members
 *    share (linked copies grouped with union-find), common traits and the
 *    nearest labeled family. */
#include "lineage/cluster.h"

#include <math.h>

#include "../core/core.h"
#include "../corpus/store.h"
#include "lineage/kinship.h"
#include "sigsim.h"
#include "lineage/traits.h"

#define MAX_EXACT     2000 /* exact copies read per function; more: library code */
#define STOP_BUCKET   200  /* LSH buckets larger than this are stop words (match.c) */
#define MAX_PASSES    6
#define MAX_CACHED    200000
#define MAX_TRAITS    20 /* per cluster */
#define DEFAULT_SHOWN 5

typedef struct csample {
	lineage_cluster_member pub;
	bool member, library;
	uint32_t family; /* labeled family index, or UINT32_MAX */
	uint32_t first_fn, nfn;
	uint32_t cluster; /* members: current cluster (a member index) */
	uint32_t pos;     /* members: index among members */
} csample;

typedef struct cfunc {
	uint32_t sample; /* index into samples */
	uint32_t ninsn, nblocks;
	uint64_t address, exact_hash;
	const char *name; /* arena, or NULL */
	uint32_t first_link, nlinks;
	bool fixed_lib; /* library whatever the grouping */
	bool lib;       /* library in the current pass */
	double weight;
} cfunc;

/* The best copy of a member function in another sample. */
typedef struct clink {
	uint32_t sample; /* index into samples */
	uint32_t fn;     /* member function index of the copy, or UINT32_MAX */
	uint64_t address, exact_hash;
	uint32_t ninsn;
	float sim;
	uint8_t exact;
	uint8_t similar; /* by signature similarity, not a near duplicate */
} clink;

/* A stored function read by id (band and feature candidates), kept. */
typedef struct cstored {
	int64_t sample;
	uint64_t address;
	uint32_t ninsn, nblocks;
	bool has_mh, has_sig;
	const char *name;
	uint32_t minhash[LINEAGE_MINHASH_K];
	lineage_function_sig sig;
} cstored;

typedef struct cpair {
	uint32_t a, b;             /* member positions, a < b */
	double shared_a, shared_b; /* weighted instructions of a's functions found in b, and b's in a */
	uint64_t insns_a, insns_b; /* the same, unweighted */
	double score;              /* the link value: 0 under the minimum of instructions */
} cpair;

typedef struct clusterer {
	const ln_store_ops *ops;
	ln_store *st;
	ln_arena *arena;
	double near, similar, threshold;
	ln_vec samples;   /* csample */
	ln_map sample_ix; /* sample id -> index */
	ln_vec families;  /* const char *: labeled family names */
	ln_vec fns;       /* cfunc: member functions */
	ln_vec minhash;   /* uint32_t[K] per member function */
	ln_vec mh_ok;     /* uint8_t per member function */
	ln_vec sigs;      /* lineage_function_sig per member function */
	ln_vec sig_ok;    /* uint8_t per member function */
	ln_map fn_ix;     /* stored function id -> member function index */
	ln_vec links;     /* clink */
	ln_vec cands;     /* clink: the current function's candidates */
	ln_vec ids;       /* one LSH bucket */
	ln_map seen;      /* stored function id -> tag */
	uint32_t tag;
	ln_vec cache;      /* cstored */
	ln_map cache_ix;   /* stored function id -> cache index + 1 */
	size_t nexact;     /* exact copies of the current function */
	uint32_t cur;      /* the current member function */
	uint32_t *members; /* member position -> sample index */
	size_t nmembers;
	uint64_t rows;
	const char *stage; /* for error messages */
} clusterer;

static const char *dup0(ln_arena *a, const char *s)
{
	return ln_arena_strdup(a, s ? s : "");
}

static int family_index(clusterer *k, const char *family, uint32_t *out)
{
	const char **f = k->families.items;
	for (size_t i = 0; i < k->families.len; i++)
		if (!strcmp(f[i], family)) {
			*out = (uint32_t)i;
			return 0;
		}
	const char **x = ln_vec_push(&k->families);
	if (!x || !(*x = ln_arena_strdup(k->arena, family))) return LINEAGE_ENOMEM;
	*out = (uint32_t)(k->families.len - 1);
	return 0;
}

typedef struct take_arg {
	clusterer *k;
	int all;
} take_arg;

static int take_sample(const lineage_corpus_sample *cs, void *arg)
{
	take_arg *t = arg;
	clusterer *k = t->k;
	csample *x = ln_vec_push(&k->samples);
	if (!x) return LINEAGE_ENOMEM;
	x->pub.id = cs->id;
	x->pub.sha256 = dup0(k->arena, cs->sha256);
	x->pub.path = dup0(k->arena, cs->path);
	x->pub.family = dup0(k->arena, cs->labels.family);
	if (!x->pub.sha256 || !x->pub.path || !x->pub.family) return LINEAGE_ENOMEM;
	x->library = cs->labels.library != 0;
	x->member = !x->library && (t->all || !x->pub.family[0]);
	x->family = UINT32_MAX;
	if (!x->library && x->pub.family[0]) {
		int rc = family_index(k, x->pub.family, &x->family);
		if (rc) return rc;
	}
	return ln_map_put(&k->sample_ix, (uint64_t)cs->id, (uint32_t)(k->samples.len - 1)) ? 0 : LINEAGE_ENOMEM;
}

static int take_function(const ln_hit *h, uint64_t exact_hash, void *arg)
{
	clusterer *k = arg;
	if (h->ninsn < LINEAGE_MIN_MATCH_INSNS || (h->flags & LINEAGE_FUNC_THUNK)) return 0;
	k->rows++;
	uint32_t *si = ln_map_get(&k->sample_ix, (uint64_t)h->sample);
	if (!si) return 0;
	cfunc *f = ln_vec_push(&k->fns);
	uint32_t *mh = ln_vec_push(&k->minhash);
	uint8_t *ok = ln_vec_push(&k->mh_ok);
	lineage_function_sig *sig = ln_vec_push(&k->sigs);
	uint8_t *sig_ok = ln_vec_push(&k->sig_ok);
	if (!f || !mh || !ok || !sig || !sig_ok) return LINEAGE_ENOMEM;
	f->sample = *si;
	f->ninsn = h->ninsn;
	f->nblocks = h->nblocks;
	f->address = h->address;
	f->exact_hash = exact_hash;
	f->fixed_lib = lineage_runtime_name(h->name) != 0;
	if (h->name && !(f->name = ln_arena_strdup(k->arena, h->name))) return LINEAGE_ENOMEM;
	if (h->minhash) memcpy(mh, h->minhash, LINEAGE_MINHASH_K * sizeof(uint32_t));
	*ok = h->minhash != NULL;
	if (h->sig) *sig = *h->sig;
	*sig_ok = h->sig != NULL;
	return ln_map_put(&k->fn_ix, (uint64_t)h->function, (uint32_t)(k->fns.len - 1)) ? 0 : LINEAGE_ENOMEM;
}

/* A candidate copy of the current function; the best per sample is kept
 * later. */
static int candidate(clusterer *k, int64_t function, int64_t sample, uint64_t address, uint32_t ninsn, const char *name,
                     float sim, bool exact, bool similar, uint64_t exact_hash)
{
	uint32_t *si = ln_map_get(&k->sample_ix, (uint64_t)sample);
	cfunc *me = &LN_VEC_AT(&k->fns, cfunc, k->cur);
	if (!si || *si == me->sample) return 0;
	csample *s = &LN_VEC_AT(&k->samples, csample, *si);
	if (s->library || lineage_runtime_name(name)) {
		me->fixed_lib = true;
		return 0;
	}
	clink *c = ln_vec_push(&k->cands);
	if (!c) return LINEAGE_ENOMEM;
	uint32_t *fi = ln_map_get(&k->fn_ix, (uint64_t)function);
	*c = (clink){*si, fi ? *fi : UINT32_MAX, address, exact_hash, ninsn, sim, exact, similar};
	return 0;
}

static int met(clusterer *k, int64_t function, bool *seen)
{
	uint32_t *t = ln_map_get(&k->seen, (uint64_t)function);
	*seen = t && *t == k->tag;
	if (*seen) return 0;
	return ln_map_put(&k->seen, (uint64_t)function, k->tag) ? 0 : LINEAGE_ENOMEM;
}

static int take_exact(const ln_hit *h, void *arg)
{
	clusterer *k = arg;
	k->rows++;
	k->nexact++;
	bool seen;
	int rc = met(k, h->function, &seen);
	if (rc || seen) return rc;
	const cfunc *me = &LN_VEC_AT(&k->fns, cfunc, k->cur);
	return candidate(k, h->function, h->sample, h->address, h->ninsn, h->name, 1.0f, true, false, me->exact_hash);
}

static int collect_id(int64_t function, void *arg)
{
	int64_t *x = ln_vec_push(arg);
	if (!x) return LINEAGE_ENOMEM;
	*x = function;
	return 0;
}

/* A stored function read: its name copied into the arena here, while the
 * row is valid. */
typedef struct stored_read {
	cstored *c;
	ln_arena *arena;
	bool oom;
} stored_read;

static int keep_stored(const ln_hit *h, void *arg)
{
	stored_read *r = arg;
	cstored *c = r->c;
	c->sample = h->sample;
	c->address = h->address;
	c->ninsn = h->ninsn;
	c->nblocks = h->nblocks;
	c->name = h->name ? ln_arena_strdup(r->arena, h->name) : NULL;
	if (h->name && !c->name) r->oom = true;
	c->has_mh = h->minhash != NULL;
	if (h->minhash) memcpy(c->minhash, h->minhash, sizeof(c->minhash));
	c->has_sig = h->sig != NULL;
	if (h->sig) c->sig = *h->sig;
	return 0;
}

/* A stored function that is not a member's: from the cache, or read. */
static int stored(clusterer *k, int64_t function, cstored *out, bool *found)
{
	uint32_t *ci = ln_map_get(&k->cache_ix, (uint64_t)function);
	if (ci) {
		*out = LN_VEC_AT(&k->cache, cstored, *ci - 1);
		*found = true;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->sample = -1;
	k->rows++;
	stored_read rd = {out, k->arena, false};
	int rc = k->ops->get_function(k->st, function, keep_stored, &rd);
	if (rc) return rc;
	if (rd.oom) return LINEAGE_ENOMEM;
	*found = out->sample >= 0;
	if (!*found) return 0;
	if (k->cache.len >= MAX_CACHED) return 0;
	cstored *c = ln_vec_push(&k->cache);
	if (!c) return LINEAGE_ENOMEM;
	*c = *out;
	return ln_map_put(&k->cache_ix, (uint64_t)function, (uint32_t)k->cache.len) ? 0 : LINEAGE_ENOMEM;
}

/* The similarity of the current function to another: its MinHash
 * estimate when a near duplicate, else its signature similarity when
 * similar; 0 when neither. */
static float similarity(const clusterer *k, const ln_sigsim_fn *other, bool *similar)
{
	*similar = false;
	uint32_t fi = k->cur;
	const cfunc *me = &LN_VEC_AT(&k->fns, cfunc, fi);
	const uint32_t *mh = (const uint32_t *)k->minhash.items + (size_t)fi * LINEAGE_MINHASH_K;
	bool mh_ok = LN_VEC_AT(&k->mh_ok, uint8_t, fi);
	if (!other->minhash || !mh_ok) return 0;
	double sim = lineage_minhash_similarity(mh, other->minhash);
	if (sim >= k->near) return (float)sim;
	if (!LN_VEC_AT(&k->sig_ok, uint8_t, fi)) return 0;
	ln_sigsim_fn self = {&LN_VEC_AT(&k->sigs, lineage_function_sig, fi), mh, me->ninsn, me->nblocks};
	sim = ln_sigsim_similarity(&self, other);
	*similar = sim >= k->similar;
	return *similar ? (float)sim : 0;
}

/* The functions of one LSH band bucket, or of one feature-index bucket
 * (feature); buckets over STOP_BUCKET are skipped. */
static int near_bucket(clusterer *k, uint64_t key, bool feature)
{
	ln_vec_clear(&k->ids);
	int rc = feature ? k->ops->find_feature(k->st, key, STOP_BUCKET + 1, collect_id, &k->ids)
	                 : k->ops->find_band(k->st, key, STOP_BUCKET + 1, collect_id, &k->ids);
	k->rows += k->ids.len;
	if (rc || k->ids.len > STOP_BUCKET) return rc;
	for (size_t i = 0; i < k->ids.len && rc == 0; i++) {
		int64_t function = LN_VEC_AT(&k->ids, int64_t, i);
		bool seen;
		rc = met(k, function, &seen);
		if (rc || seen) continue;
		uint32_t *fi = ln_map_get(&k->fn_ix, (uint64_t)function);
		if (fi) { /* a member's function: already in memory */
			const cfunc *o = &LN_VEC_AT(&k->fns, cfunc, *fi);
			if (o->sample == LN_VEC_AT(&k->fns, cfunc, k->cur).sample) continue;
			ln_sigsim_fn other = {
			        LN_VEC_AT(&k->sig_ok, uint8_t, *fi) ? &LN_VEC_AT(&k->sigs, lineage_function_sig, *fi)
			                                            : NULL,
			        LN_VEC_AT(&k->mh_ok, uint8_t, *fi)
			                ? (const uint32_t *)k->minhash.items + (size_t)*fi * LINEAGE_MINHASH_K
			                : NULL,
			        o->ninsn, o->nblocks};
			bool similar;
			float sim = similarity(k, &other, &similar);
			if (sim <= 0) continue;
			rc = candidate(k, function, LN_VEC_AT(&k->samples, csample, o->sample).pub.id, o->address,
			               o->ninsn, o->name, sim, false, similar, o->exact_hash);
			continue;
		}
		cstored c;
		bool found;
		rc = stored(k, function, &c, &found);
		if (rc || !found) continue;
		ln_sigsim_fn other = {c.has_sig ? &c.sig : NULL, c.has_mh ? c.minhash : NULL, c.ninsn, c.nblocks};
		bool similar;
		float sim = similarity(k, &other, &similar);
		if (sim <= 0) continue;
		rc = candidate(k, function, c.sample, c.address, c.ninsn, c.name, sim, false, similar, 0);
	}
	return rc;
}

static int cmp_cand(const void *x, const void *y)
{
	const clink *a = x, *b = y;
	if (a->sample != b->sample) return a->sample < b->sample ? -1 : 1;
	if (a->exact != b->exact) return a->exact ? -1 : 1;
	if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
	return a->address < b->address ? -1 : a->address > b->address;
}

/* Look one member function up; keep its best copy in each other sample. */
static int lookup(clusterer *k, uint32_t fi)
{
	k->cur = fi;
	k->tag++;
	k->nexact = 0;
	ln_vec_clear(&k->cands);
	cfunc *f = &LN_VEC_AT(&k->fns, cfunc, fi);
	int rc = k->ops->find_exact(k->st, f->exact_hash, MAX_EXACT, take_exact, k);
	const uint32_t *mh = (const uint32_t *)k->minhash.items + (size_t)fi * LINEAGE_MINHASH_K;
	if (rc == 0 && f->ninsn >= LN_LSH_MIN_INSNS && LN_VEC_AT(&k->mh_ok, uint8_t, fi))
		for (unsigned band = 0; band < LN_LSH_BANDS && rc == 0; band++)
			rc = near_bucket(k, ln_lsh_band_key(mh, band), false);
	/* builds by another compiler or at another level: candidates from the
	 * feature index, kept on signature similarity */
	uint64_t keys[LN_SIG_KEYS];
	unsigned nk = rc == 0 && LN_VEC_AT(&k->sig_ok, uint8_t, fi)
	                      ? ln_sig_keys(&LN_VEC_AT(&k->sigs, lineage_function_sig, fi), keys)
	                      : 0;
	for (unsigned x = 0; x < nk && rc == 0; x++) rc = near_bucket(k, keys[x], true);
	if (rc) return rc;
	f = &LN_VEC_AT(&k->fns, cfunc, fi);
	if (k->nexact >= MAX_EXACT) f->fixed_lib = true;
	clink *c = k->cands.items;
	ln_sort(c, k->cands.len, sizeof(clink), cmp_cand);
	/* labeled families holding it: three or more, library code */
	uint32_t fam[LINEAGE_LIBRARY_FAMILIES];
	size_t nfam = 0;
	f->first_link = (uint32_t)k->links.len;
	for (size_t i = 0; i < k->cands.len; i++) {
		if (i > 0 && c[i - 1].sample == c[i].sample) continue;
		const csample *s = &LN_VEC_AT(&k->samples, csample, c[i].sample);
		if (!s->member && s->family != UINT32_MAX && nfam < LINEAGE_LIBRARY_FAMILIES) {
			bool dup = false;
			for (size_t j = 0; j < nfam; j++) dup = dup || fam[j] == s->family;
			if (!dup) fam[nfam++] = s->family;
		}
		clink *l = ln_vec_push(&k->links);
		if (!l) return LINEAGE_ENOMEM;
		*l = c[i];
	}
	if (nfam >= LINEAGE_LIBRARY_FAMILIES) f->fixed_lib = true;
	f->nlinks = (uint32_t)(k->links.len - f->first_link);
	return 0;
}

/* The group of a sample in a pass: its cluster for a member (itself in pass
 * 1), its family for a labeled sample outside the clustering. */
static uint32_t group_of(const clusterer *k, uint32_t si)
{
	const csample *s = &LN_VEC_AT(&k->samples, csample, si);
	if (s->member) return s->cluster;
	return s->family == UINT32_MAX ? UINT32_MAX : (uint32_t)(k->samples.len + s->family);
}

/* Weigh every member function for this pass; the code size of each member.
 * In pass 1 the groups holding a function are counted over its exact and
 * near copies only: every build of a family holds a similar copy of its
 * code, and counting those would weigh a family of n builds 1/(n-1) before
 * any of them is grouped. From pass 2, similar copies count too, so that
 * code compiled into unrelated programs by several toolchains (an embedded
 * library, a C runtime) is library code by count like an exact copy. */
static void weigh(clusterer *k, int pass)
{
	cfunc *fs = k->fns.items;
	const clink *ls = k->links.items;
	csample *smp = k->samples.items;
	for (size_t m = 0; m < k->nmembers; m++) smp[k->members[m]].pub.code_insns = 0;
	uint32_t groups[64];
	for (size_t i = 0; i < k->fns.len; i++) {
		cfunc *f = &fs[i];
		uint32_t own = group_of(k, f->sample);
		size_t ng = 0, other = 0;
		for (uint32_t j = 0; j < f->nlinks; j++) {
			uint32_t g = group_of(k, ls[f->first_link + j].sample);
			if (g == own || g == UINT32_MAX) continue;
			if (pass == 1 && ls[f->first_link + j].similar) continue;
			bool dup = false;
			for (size_t x = 0; x < ng && !dup; x++) dup = groups[x] == g;
			if (dup) continue;
			other++;
			if (ng < sizeof(groups) / sizeof(groups[0])) groups[ng++] = g;
		}
		f->lib = f->fixed_lib || (pass > 1 && other >= LINEAGE_LIBRARY_FAMILIES);
		f->weight = f->lib ? 0 : 1.0 / (double)(other ? other : 1);
		if (!f->lib) smp[f->sample].pub.code_insns += f->ninsn;
	}
}

static uint64_t pair_key(uint32_t a, uint32_t b)
{
	return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* Pair scores between members from the links of this pass. */
static int score_pairs(clusterer *k, ln_vec *pairs, ln_map *pair_ix, size_t *nlinks)
{
	ln_vec_clear(pairs);
	ln_map_free(pair_ix);
	ln_map_init(pair_ix);
	const cfunc *fs = k->fns.items;
	const clink *ls = k->links.items;
	const csample *smp = k->samples.items;
	for (size_t i = 0; i < k->fns.len; i++) {
		const cfunc *f = &fs[i];
		if (f->lib) continue;
		uint32_t pa = smp[f->sample].pos;
		for (uint32_t j = 0; j < f->nlinks; j++) {
			const clink *l = &ls[f->first_link + j];
			if (l->fn == UINT32_MAX || fs[l->fn].lib) continue; /* not a member's, or library there */
			uint32_t pb = smp[l->sample].pos;
			uint64_t key = pair_key(pa, pb);
			uint32_t *ix = ln_map_get(pair_ix, key);
			cpair *p;
			if (ix) {
				p = &LN_VEC_AT(pairs, cpair, *ix);
			} else {
				if (!(p = ln_vec_push(pairs))) return LINEAGE_ENOMEM;
				p->a = pa < pb ? pa : pb;
				p->b = pa < pb ? pb : pa;
				if (!ln_map_put(pair_ix, key, (uint32_t)(pairs->len - 1))) return LINEAGE_ENOMEM;
			}
			double w = f->weight * l->sim * f->ninsn;
			if (pa == p->a) {
				p->shared_a += w;
				p->insns_a += f->ninsn;
			} else {
				p->shared_b += w;
				p->insns_b += f->ninsn;
			}
		}
	}
	*nlinks = 0;
	for (size_t i = 0; i < pairs->len; i++) {
		cpair *p = &LN_VEC_AT(pairs, cpair, i);
		uint64_t ca = smp[k->members[p->a]].pub.code_insns, cb = smp[k->members[p->b]].pub.code_insns;
		/* the smaller sample's share: how much of it the other explains */
		bool a_small = ca < cb || (ca == cb && p->a < p->b);
		double shared = a_small ? p->shared_a : p->shared_b;
		uint64_t code = a_small ? ca : cb, insns = a_small ? p->insns_a : p->insns_b;
		double s = code ? fmin(1.0, shared / (double)code) : 0;
		p->score = insns >= LINEAGE_CLUSTER_MIN_INSNS ? s : 0;
		*nlinks += p->score >= k->threshold;
	}
	return 0;
}

static uint32_t find_root(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) x = parent[x] = parent[parent[x]];
	return x;
}

/* Average linkage by reciprocal nearest neighbours over the scored pairs;
 * cl[m] gets the cluster (a member position) of each member. */
static int link_clusters(clusterer *k, const ln_vec *pairs, uint32_t *cl)
{
	size_t n = k->nmembers;
	uint32_t *size = ln_calloc(n + 1, sizeof(uint32_t));
	uint32_t *best = ln_calloc(n + 1, sizeof(uint32_t));
	double *best_v = ln_calloc(n + 1, sizeof(double));
	ln_map sums; /* cluster pair -> index into sum_v */
	ln_vec sum_v;
	ln_map_init(&sums);
	ln_vec_init(&sum_v, sizeof(double));
	int rc = size && best && best_v ? 0 : LINEAGE_ENOMEM;
	for (size_t m = 0; m < n; m++) cl[m] = (uint32_t)m;
	for (size_t m = 0; m < n && rc == 0; m++) size[m] = 1;
	const cpair *ps = pairs->items;
	for (bool merged = true; merged && rc == 0;) {
		merged = false;
		/* sums of the pair scores between clusters */
		ln_map_free(&sums);
		ln_map_init(&sums);
		ln_vec_clear(&sum_v);
		for (size_t i = 0; i < pairs->len && rc == 0; i++) {
			if (ps[i].score <= 0) continue;
			uint32_t a = find_root(cl, ps[i].a), b = find_root(cl, ps[i].b);
			if (a == b) continue;
			uint64_t key = pair_key(a, b);
			uint32_t *ix = ln_map_get(&sums, key);
			if (ix) {
				LN_VEC_AT(&sum_v, double, *ix) += ps[i].score;
				continue;
			}
			double *v = ln_vec_push(&sum_v);
			if (!v || !ln_map_put(&sums, key, (uint32_t)(sum_v.len - 1)))
				rc = LINEAGE_ENOMEM;
			else
				*v = ps[i].score;
		}
		if (rc) break;
		/* each cluster's nearest by mean score */
		for (size_t m = 0; m < n; m++) best[m] = UINT32_MAX, best_v[m] = 0;
		for (size_t s = 0; s < sums.cap; s++) {
			if (sums.keys[s] == LN_MAP_EMPTY) continue;
			uint32_t a = (uint32_t)(sums.keys[s] >> 32), b = (uint32_t)sums.keys[s];
			double mean = LN_VEC_AT(&sum_v, double, sums.vals[s]) / ((double)size[a] * size[b]);
			if (mean < k->threshold) continue;
			if (mean > best_v[a] || (mean == best_v[a] && b < best[a])) best_v[a] = mean, best[a] = b;
			if (mean > best_v[b] || (mean == best_v[b] && a < best[b])) best_v[b] = mean, best[b] = a;
		}
		for (size_t a = 0; a < n; a++) {
			uint32_t b = best[a];
			if (b == UINT32_MAX || b < a || best[b] != a) continue;
			cl[b] = (uint32_t)a; /* a < b: the smaller position is the root */
			size[a] += size[b];
			merged = true;
		}
	}
	for (size_t m = 0; m < n; m++) cl[m] = find_root(cl, (uint32_t)m);
	ln_map_free(&sums);
	ln_vec_free(&sum_v);
	ln_free(size);
	ln_free(best);
	ln_free(best_v);
	return rc;
}

/* ---- the result ------------------------------------------------------ */

typedef struct trow {
	uint32_t sample; /* index, or UINT32_MAX when not a sample read */
	const char *token, *detail, *axis;
	uint32_t kind;
} trow;

typedef struct trait_arg {
	clusterer *k;
	ln_vec *rows;
	const char *axis;
} trait_arg;

static int take_trait(int64_t sample, const char *token, uint32_t kind, const char *detail, void *arg)
{
	trait_arg *t = arg;
	t->k->rows++;
	trow *r = ln_vec_push(t->rows);
	if (!r) return LINEAGE_ENOMEM;
	uint32_t *si = ln_map_get(&t->k->sample_ix, (uint64_t)sample);
	r->sample = si ? *si : UINT32_MAX;
	r->kind = kind;
	r->axis = t->axis;
	r->token = ln_arena_strdup(t->k->arena, token);
	r->detail = ln_arena_strdup(t->k->arena, detail);
	return r->token && r->detail ? 0 : LINEAGE_ENOMEM;
}

/* Per member: the labeled family (outside the clustering) sharing most of
 * its code, scored like a pair. */
static int nearest_families(clusterer *k)
{
	size_t nf = k->families.len;
	if (!nf) return 0;
	double *acc = ln_calloc(nf, sizeof(double));
	float *best = ln_calloc(nf, sizeof(float));
	if (!acc || !best) {
		ln_free(acc);
		ln_free(best);
		return LINEAGE_ENOMEM;
	}
	csample *smp = k->samples.items;
	const cfunc *fs = k->fns.items;
	const clink *ls = k->links.items;
	for (size_t m = 0; m < k->nmembers; m++) {
		csample *s = &smp[k->members[m]];
		memset(acc, 0, nf * sizeof(double));
		for (uint32_t i = s->first_fn; i < s->first_fn + s->nfn; i++) {
			const cfunc *f = &fs[i];
			if (f->lib) continue;
			memset(best, 0, nf * sizeof(float));
			for (uint32_t j = 0; j < f->nlinks; j++) {
				const csample *o = &smp[ls[f->first_link + j].sample];
				if (o->member || o->family == UINT32_MAX) continue;
				if (ls[f->first_link + j].sim > best[o->family])
					best[o->family] = ls[f->first_link + j].sim;
			}
			for (size_t x = 0; x < nf; x++) acc[x] += f->weight * best[x] * f->ninsn;
		}
		for (size_t x = 0; x < nf && s->pub.code_insns; x++) {
			double sc = fmin(1.0, acc[x] / (double)s->pub.code_insns);
			if (sc > s->pub.nearest_score) {
				s->pub.nearest_score = sc;
				s->pub.nearest_family = LN_VEC_AT(&k->families, const char *, x);
			}
		}
	}
	ln_free(acc);
	ln_free(best);
	return 0;
}

static int cmp_member(const void *x, const void *y)
{
	const lineage_cluster_member *a = x, *b = y;
	if (a->code_insns != b->code_insns) return a->code_insns > b->code_insns ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_cluster(const void *x, const void *y)
{
	const lineage_cluster *a = x, *b = y;
	if (a->nmembers != b->nmembers) return a->nmembers > b->nmembers ? -1 : 1;
	if (a->mean_score != b->mean_score) return a->mean_score > b->mean_score ? -1 : 1;
	return a->members[0].id < b->members[0].id ? -1 : a->members[0].id > b->members[0].id;
}

static int cmp_shared(const void *x, const void *y)
{
	const lineage_cluster_shared *a = x, *b = y;
	if (a->ncopies != b->ncopies) return a->ncopies > b->ncopies ? -1 : 1;
	double wa = a->weight * (double)a->insns, wb = b->weight * (double)b->insns;
	if (wa != wb) return wa > wb ? -1 : 1;
	return a->copies[0].address < b->copies[0].address ? -1 : a->copies[0].address > b->copies[0].address;
}

static int cmp_trait(const void *x, const void *y)
{
	const lineage_cluster_trait *a = x, *b = y;
	if (a->kind != b->kind) return a->kind > b->kind ? -1 : 1;
	if (a->nmembers != b->nmembers) return a->nmembers > b->nmembers ? -1 : 1;
	if (a->nsamples != b->nsamples) return a->nsamples < b->nsamples ? -1 : 1;
	return strcmp(a->token, b->token);
}

/* The functions a cluster's members share: linked copies in one component
 * (uf_root: each function's component; comp_size: functions in it). */
static int shared_functions(clusterer *k, lineage_cluster *c, const uint32_t *uf_root, const uint32_t *comp_size,
                            const uint32_t *sample_member, size_t max_shared)
{
	const cfunc *fs = k->fns.items;
	ln_map comp_ix; /* component root -> index into sh */
	ln_map_init(&comp_ix);
	ln_vec sh;
	ln_vec_init(&sh, sizeof(lineage_cluster_shared));
	ln_vec hash0; /* the exact hash of each component's first copy */
	ln_vec_init(&hash0, sizeof(uint64_t));
	int rc = 0;
	for (size_t m = 0; m < c->nmembers && rc == 0; m++) {
		const csample *s =
		        &LN_VEC_AT(&k->samples, csample, *ln_map_get(&k->sample_ix, (uint64_t)c->members[m].id));
		for (uint32_t i = s->first_fn; i < s->first_fn + s->nfn && rc == 0; i++) {
			const cfunc *f = &fs[i];
			if (f->lib || comp_size[uf_root[i]] < 2) continue;
			uint32_t *ix = ln_map_get(&comp_ix, uf_root[i]);
			lineage_cluster_shared *x;
			if (ix) {
				x = &LN_VEC_AT(&sh, lineage_cluster_shared, *ix);
			} else {
				x = ln_vec_push(&sh);
				uint64_t *h = ln_vec_push(&hash0);
				lineage_cluster_copy *cc = ln_arena_alloc(k->arena, c->nmembers * sizeof(*cc));
				if (!x || !h || !cc || !ln_map_put(&comp_ix, uf_root[i], (uint32_t)(sh.len - 1))) {
					rc = LINEAGE_ENOMEM;
					break;
				}
				x->copies = cc;
				x->exact = 1;
				*h = f->exact_hash;
			}
			size_t ci = (size_t)(x - (lineage_cluster_shared *)sh.items);
			lineage_cluster_copy *cc = (lineage_cluster_copy *)x->copies;
			size_t mem = sample_member[f->sample], at = x->ncopies;
			for (size_t j = 0; j < x->ncopies; j++)
				if (cc[j].member == mem) at = j;
			if (f->exact_hash != LN_VEC_AT(&hash0, uint64_t, ci)) x->exact = 0;
			if (f->weight > x->weight) x->weight = f->weight;
			if (f->ninsn > x->insns) x->insns = f->ninsn;
			if (at < x->ncopies && cc[at].ninsn >= f->ninsn)
				continue; /* one copy per member: its largest */
			if (at == x->ncopies) x->ncopies++;
			cc[at] = (lineage_cluster_copy){mem, f->address, f->ninsn, f->name};
		}
	}
	lineage_cluster_shared *v = sh.items;
	for (size_t ci = 0; ci < sh.len && rc == 0; ci++) {
		if (v[ci].ncopies == c->nmembers) c->shared_all++;
		if (v[ci].ncopies >= 2 && 2 * v[ci].ncopies >= c->nmembers) c->shared_most++;
	}
	if (rc == 0 && sh.len) {
		ln_sort(sh.items, sh.len, sizeof(lineage_cluster_shared), cmp_shared);
		if (sh.len > max_shared) sh.len = max_shared;
		c->shared = ln_vec_to_arena(&sh, k->arena, &c->nshared);
		if (!c->shared) rc = LINEAGE_ENOMEM;
	}
	ln_vec_free(&sh);
	ln_vec_free(&hash0);
	ln_map_free(&comp_ix);
	return rc;
}

struct lineage_clusters_owner {
	lineage_clusters pub;
	ln_arena *arena;
};

static int build_result(clusterer *k, lineage_clusters *r, const uint32_t *cl, const ln_vec *pairs,
                        const ln_map *pair_ix, const lineage_cluster_options *o)
{
	size_t n = k->nmembers;
	csample *smp = k->samples.items;
	cfunc *fs = k->fns.items;
	int rc = nearest_families(k);
	if (rc) return rc;
	uint32_t *csize = ln_calloc(n + 1, sizeof(uint32_t));
	uint32_t *slot = ln_calloc(n + 1, sizeof(uint32_t)); /* root -> cluster index + 1 */
	uint32_t *uf = ln_calloc(k->fns.len + 1, sizeof(uint32_t));
	uint32_t *sample_member = ln_calloc(k->samples.len + 1, sizeof(uint32_t)); /* index within its cluster */
	lineage_cluster *cs = ln_arena_alloc(k->arena, (n + 1) * sizeof(*cs));
	lineage_cluster_member *single = ln_arena_alloc(k->arena, (n + 1) * sizeof(*single));
	if (!csize || !slot || !uf || !sample_member || !cs || !single) rc = LINEAGE_ENOMEM;
	for (size_t m = 0; m < n && rc == 0; m++) csize[cl[m]]++;
	size_t nc = 0;
	for (size_t m = 0; m < n && rc == 0; m++) {
		csample *s = &smp[k->members[m]];
		if (csize[cl[m]] < o->min_size) {
			single[r->nsingletons++] = s->pub;
			continue;
		}
		if (!slot[cl[m]]) {
			slot[cl[m]] = (uint32_t)++nc;
			cs[nc - 1].members = ln_arena_alloc(k->arena, csize[cl[m]] * sizeof(lineage_cluster_member));
			if (!cs[nc - 1].members) {
				rc = LINEAGE_ENOMEM;
				break;
			}
		}
		lineage_cluster *c = &cs[slot[cl[m]] - 1];
		((lineage_cluster_member *)c->members)[c->nmembers++] = s->pub;
	}
	/* members by size; their index within the cluster; cohesion */
	for (size_t ci = 0; ci < nc && rc == 0; ci++) {
		lineage_cluster *c = &cs[ci];
		ln_sort((void *)c->members, c->nmembers, sizeof(lineage_cluster_member), cmp_member);
		double sum = 0, mn = 1;
		for (size_t a = 0; a < c->nmembers; a++) {
			uint32_t sa = *ln_map_get(&k->sample_ix, (uint64_t)c->members[a].id);
			sample_member[sa] = (uint32_t)a;
			for (size_t b = a + 1; b < c->nmembers; b++) {
				uint32_t sb = *ln_map_get(&k->sample_ix, (uint64_t)c->members[b].id);
				uint32_t *ix = ln_map_get(pair_ix, pair_key(smp[sa].pos, smp[sb].pos));
				double v = ix ? LN_VEC_AT(pairs, cpair, *ix).score : 0;
				sum += v;
				if (v < mn) mn = v;
			}
		}
		size_t np = c->nmembers * (c->nmembers - 1) / 2;
		c->min_score = np ? mn : 0;
		c->mean_score = np ? sum / (double)np : 0;
		/* the nearest labeled family */
		for (size_t a = 0; a < c->nmembers; a++)
			if (c->members[a].nearest_family && c->members[a].nearest_score > c->candidate_score) {
				c->candidate_score = c->members[a].nearest_score;
				c->candidate_family = c->members[a].nearest_family;
			}
		for (size_t a = 0; a < c->nmembers && c->candidate_family; a++)
			c->candidate_members += c->members[a].nearest_family &&
			                        !strcmp(c->members[a].nearest_family, c->candidate_family);
	}
	/* union-find over the linked copies within each cluster */
	for (size_t i = 0; i < k->fns.len && rc == 0; i++) uf[i] = (uint32_t)i;
	for (size_t i = 0; i < k->fns.len && rc == 0; i++) {
		const cfunc *f = &fs[i];
		if (f->lib) continue;
		for (uint32_t j = 0; j < f->nlinks; j++) {
			const clink *l = &LN_VEC_AT(&k->links, clink, f->first_link + j);
			if (l->fn == UINT32_MAX || fs[l->fn].lib) continue;
			if (cl[smp[f->sample].pos] != cl[smp[l->sample].pos]) continue;
			uint32_t a = find_root(uf, (uint32_t)i), b = find_root(uf, l->fn);
			if (a != b) uf[a > b ? a : b] = a > b ? b : a;
		}
	}
	uint32_t *comp_size = rc == 0 ? ln_calloc(k->fns.len + 1, sizeof(uint32_t)) : NULL;
	if (rc == 0 && !comp_size) rc = LINEAGE_ENOMEM;
	for (size_t i = 0; i < k->fns.len && rc == 0; i++) comp_size[uf[i] = find_root(uf, (uint32_t)i)]++;
	for (size_t ci = 0; ci < nc && rc == 0; ci++)
		rc = shared_functions(k, &cs[ci], uf, comp_size, sample_member, o->max_shared);
	ln_free(comp_size);
	/* traits two members or more hold */
	ln_vec rows;
	ln_vec_init(&rows, sizeof(trow));
	static const char *const prefix[][2] = {
	        {"crypto:", "crypto"}, {"destruction:", "destruction"}, {"infra:", "infrastructure"}};
	for (size_t p = 0; p < 3 && rc == 0 && nc; p++) {
		trait_arg ta = {k, &rows, prefix[p][1]};
		rc = k->ops->each_trait(k->st, prefix[p][0], take_trait, &ta);
	}
	ln_vec *tv = ln_calloc(nc + 1, sizeof(ln_vec));
	uint32_t *seen = ln_calloc(nc + 1, sizeof(uint32_t));
	if (!tv || !seen) rc = LINEAGE_ENOMEM;
	for (size_t ci = 0; ci < nc && rc == 0; ci++) ln_vec_init(&tv[ci], sizeof(lineage_cluster_trait));
	const trow *tr = rows.items;
	for (size_t a = 0; a < rows.len && rc == 0;) {
		size_t b = a;
		while (b < rows.len && !strcmp(tr[b].token, tr[a].token)) b++;
		for (size_t i = a; i < b && rc == 0; i++) {
			if (tr[i].sample == UINT32_MAX || !smp[tr[i].sample].member) continue;
			uint32_t root = cl[smp[tr[i].sample].pos];
			if (!slot[root]) continue;
			uint32_t ci = slot[root] - 1;
			if (seen[ci] == a + 1) continue; /* counted for this token */
			seen[ci] = (uint32_t)(a + 1);
			size_t held = 0;
			for (size_t j = i; j < b; j++)
				held += tr[j].sample != UINT32_MAX && smp[tr[j].sample].member &&
				        cl[smp[tr[j].sample].pos] == root;
			if (held < 2) continue;
			lineage_cluster_trait *t = ln_vec_push(&tv[ci]);
			if (!t) {
				rc = LINEAGE_ENOMEM;
				break;
			}
			*t = (lineage_cluster_trait){tr[i].axis, tr[i].token, tr[i].detail, tr[i].kind, held, b - a};
		}
		a = b;
	}
	for (size_t ci = 0; ci < nc; ci++) {
		if (rc == 0 && tv[ci].len) {
			ln_sort(tv[ci].items, tv[ci].len, sizeof(lineage_cluster_trait), cmp_trait);
			if (tv[ci].len > MAX_TRAITS) tv[ci].len = MAX_TRAITS;
			cs[ci].traits = ln_vec_to_arena(&tv[ci], k->arena, &cs[ci].ntraits);
			if (!cs[ci].traits) rc = LINEAGE_ENOMEM;
		}
		if (tv) ln_vec_free(&tv[ci]);
	}
	ln_free(tv);
	ln_free(seen);
	ln_vec_free(&rows);
	if (rc == 0) {
		ln_sort(cs, nc, sizeof(*cs), cmp_cluster);
		for (size_t ci = 0; ci < nc; ci++) cs[ci].id = ci + 1;
		r->clusters = cs;
		r->nclusters = nc;
		r->singletons = single;
		r->nsamples = n;
	}
	ln_free(csize);
	ln_free(slot);
	ln_free(uf);
	ln_free(sample_member);
	return rc;
}

int lineage_corpus_cluster(lineage_clusters **out, lineage_corpus *c, lineage_ctx *ctx,
                           const lineage_cluster_options *opt)
{
	*out = NULL;
	lineage_cluster_options o = opt ? *opt : (lineage_cluster_options){0};
	if (o.threshold == 0) o.threshold = LINEAGE_CLUSTER_THRESHOLD;
	if (o.near_threshold == 0) o.near_threshold = LINEAGE_NEAR_THRESHOLD;
	if (!o.min_size) o.min_size = 2;
	if (!o.max_shared) o.max_shared = DEFAULT_SHOWN;
	if (!(o.threshold > 0 && o.threshold <= 1) || !(o.near_threshold > 0 && o.near_threshold <= 1))
		return ln_ctx_error(ctx, LINEAGE_EINVAL, "cluster: a threshold is not in (0, 1]");
	clusterer k = {.near = o.near_threshold, .similar = LINEAGE_SIMILAR_THRESHOLD, .threshold = o.threshold};
	ln_corpus_store(c, &k.ops, &k.st);
	struct lineage_clusters_owner *own = ln_calloc(1, sizeof(*own));
	k.arena = ln_arena_new();
	if (!own || !k.arena) {
		ln_free(own);
		ln_arena_free(k.arena);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "cluster: out of memory");
	}
	own->arena = k.arena;
	ln_vec_init(&k.samples, sizeof(csample));
	ln_vec_init(&k.families, sizeof(const char *));
	ln_vec_init(&k.fns, sizeof(cfunc));
	ln_vec_init(&k.minhash, LINEAGE_MINHASH_K * sizeof(uint32_t));
	ln_vec_init(&k.mh_ok, 1);
	ln_vec_init(&k.sigs, sizeof(lineage_function_sig));
	ln_vec_init(&k.sig_ok, 1);
	ln_vec_init(&k.links, sizeof(clink));
	ln_vec_init(&k.cands, sizeof(clink));
	ln_vec_init(&k.ids, sizeof(int64_t));
	ln_vec_init(&k.cache, sizeof(cstored));
	ln_map_init(&k.sample_ix);
	ln_map_init(&k.fn_ix);
	ln_map_init(&k.seen);
	ln_map_init(&k.cache_ix);
	ln_vec pairs;
	ln_vec_init(&pairs, sizeof(cpair));
	ln_map pair_ix;
	ln_map_init(&pair_ix);
	uint32_t *cl = NULL, *prev = NULL;
	lineage_clusters *r = &own->pub;
	r->threshold = o.threshold;
	/* one read transaction: one snapshot for the whole walk */
	bool reading = k.ops->begin_read(k.st) == 0;
	take_arg ta = {&k, o.all};
	int rc = k.ops->each_sample(k.st, NULL, take_sample, &ta);
	size_t ns = k.samples.len;
	if (rc == 0 && !(k.members = ln_calloc(ns + 1, sizeof(uint32_t)))) rc = LINEAGE_ENOMEM;
	for (size_t i = 0; i < ns && rc == 0; i++) {
		csample *s = &LN_VEC_AT(&k.samples, csample, i);
		if (!s->member) continue;
		s->pos = (uint32_t)k.nmembers;
		s->cluster = s->pos;
		k.members[k.nmembers++] = (uint32_t)i;
		s->first_fn = (uint32_t)k.fns.len;
		rc = k.ops->each_function(k.st, s->pub.id, take_function, &k);
		s = &LN_VEC_AT(&k.samples, csample, i);
		s->nfn = (uint32_t)(k.fns.len - s->first_fn);
		s->pub.functions = s->nfn;
	}
	if (rc == 0 && !k.nmembers) {
		rc = LINEAGE_ENOTFOUND;
		ln_ctx_error(ctx, rc, "cluster: no %ssample to cluster in the corpus", o.all ? "" : "unlabeled ");
	}
	for (size_t i = 0; i < k.fns.len && rc == 0; i++) rc = lookup(&k, (uint32_t)i);
	if (reading) k.ops->rollback(k.st);
	if (rc == 0) {
		cl = ln_calloc(k.nmembers + 1, sizeof(uint32_t));
		prev = ln_calloc(k.nmembers + 1, sizeof(uint32_t));
		if (!cl || !prev) rc = LINEAGE_ENOMEM;
	}
	for (int pass = 1; pass <= MAX_PASSES && rc == 0; pass++) {
		weigh(&k, pass);
		rc = score_pairs(&k, &pairs, &pair_ix, &r->nlinks);
		if (rc == 0) rc = link_clusters(&k, &pairs, cl);
		if (rc) break;
		r->passes = (size_t)pass;
		bool same = pass > 1 && !memcmp(cl, prev, k.nmembers * sizeof(uint32_t));
		memcpy(prev, cl, k.nmembers * sizeof(uint32_t));
		for (size_t m = 0; m < k.nmembers; m++) LN_VEC_AT(&k.samples, csample, k.members[m]).cluster = cl[m];
		if (same) break;
	}
	r->npairs = pairs.len;
	if (rc == 0) {
		/* what was read is needed again for the traits: a new snapshot */
		reading = k.ops->begin_read(k.st) == 0;
		rc = build_result(&k, r, cl, &pairs, &pair_ix, &o);
		if (reading) k.ops->rollback(k.st);
	}
	r->rows_read = k.rows;
	ln_free(cl);
	ln_free(prev);
	ln_free(k.members);
	ln_vec_free(&pairs);
	ln_map_free(&pair_ix);
	ln_vec_free(&k.samples);
	ln_vec_free(&k.families);
	ln_vec_free(&k.fns);
	ln_vec_free(&k.minhash);
	ln_vec_free(&k.mh_ok);
	ln_vec_free(&k.sigs);
	ln_vec_free(&k.sig_ok);
	ln_vec_free(&k.links);
	ln_vec_free(&k.cands);
	ln_vec_free(&k.ids);
	ln_vec_free(&k.cache);
	ln_map_free(&k.sample_ix);
	ln_map_free(&k.fn_ix);
	ln_map_free(&k.seen);
	ln_map_free(&k.cache_ix);
	if (rc != 0) {
		ln_arena_free(k.arena);
		ln_free(own);
		if (rc == LINEAGE_ENOTFOUND) return rc;
		if (rc == LINEAGE_ENOMEM) return ln_ctx_error(ctx, rc, "cluster: out of memory");
		return ln_ctx_error(ctx, rc, "cluster: %s", k.ops->errmsg(k.st));
	}
	*out = r;
	return 0;
}

void lineage_clusters_free(lineage_clusters *r)
{
	if (!r) return;
	struct lineage_clusters_owner *own = (struct lineage_clusters_owner *)r;
	ln_arena_free(own->arena);
	ln_free(own);
}
