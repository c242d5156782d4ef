/* Matching a sample against the corpus: each function of the query is looked
 * up by exact hash and through its 21 LSH bands; the stored functions it
 * meets are grouped by sample and family, weighted by how many families share
 * them, and the families ranked by the share of the query's own code they
 * hold. Library and runtime code is marked and weighs nothing. */
#include "lineage/kinship.h"

#include <ctype.h>
#include <math.h>
#include <xxhash.h>

#include "../core/core.h"
#include "../corpus/store.h"
#include "sigsim.h"

#define DEFAULT_MAX_HITS      2000
#define MAX_EVIDENCE_FAMILIES 10
#define LN_STOP_BUCKET        200

/* A stored sample met by the query, with its running totals. */
typedef struct msample {
	lineage_match_sample pub;
	uint32_t family;
	double shared_q, shared_k;
	uint64_t ninsn;
} msample;

typedef struct mfamily {
	lineage_match_family pub;
	uint32_t last_q, weigh_q; /* last query function counted / weighed, + 1 */
	uint32_t rank;            /* position after sorting */
	bool best_set;            /* met through traits only: its best sample chosen */
} mfamily;

/* A stored function read through the band index, kept: generic functions
 * meet many query functions. */
typedef struct cfn {
	ln_hit hit; /* name in the arena, minhash and signature below */
	uint32_t minhash[LINEAGE_MINHASH_K];
	lineage_function_sig sig;
	bool has_sig;
} cfn;
#define MAX_CACHED 50000

/* One stored function a query function met. */
typedef struct qhit {
	int64_t function;
	uint32_t sample; /* index into samples */
	uint32_t ninsn;
	uint64_t address;
	const char *name; /* arena */
	float sim;
	uint8_t exact;
	uint8_t similar; /* by signature similarity (another compiler or level) */
} qhit;

/* A query function with the range of its hits. */
typedef struct qfun {
	const lineage_function *fn;
	size_t first, nhits;
	uint32_t nfamilies;
	uint8_t library;
	double weight;
} qfun;

/* A stored sample holding one of the query's traits. */
typedef struct thit {
	uint32_t trait;  /* index into the query's traits */
	uint32_t sample; /* index into samples */
} thit;
#define MAX_TRAIT_SAMPLES 5000

typedef struct matcher {
	const ln_store_ops *ops;
	ln_store *st;
	ln_arena *arena;
	ln_map sample_ix, family_ix; /* sample id / family key -> index */
	ln_map fn_seen;              /* stored function id -> last query function that met it, + 1 */
	uint32_t qtag;               /* the current query function, + 1 */
	ln_vec samples, families, hits, qfuns;
	ln_vec ids;                /* function ids of one LSH bucket */
	ln_map fn_cache;           /* stored function id -> index into cached, + 1 */
	ln_vec cached;             /* cfn: stored functions read, kept for the next query functions */
	const lineage_function *q; /* the query function being looked up */
	size_t q_first;            /* its first hit */
	double near, sig_threshold;
	size_t cap, seen; /* exact copies read for the current query function */
	int64_t excluded; /* a stored sample left out, or -1 */
	ln_vec thits;     /* thit: stored samples holding each query trait, grouped by trait */
	uint32_t cur_trait;
	uint64_t rows; /* index entries and functions read */
	ln_vec feeds;  /* lineage_match_feed: feed entries naming the query's indicators */
	const char *cur_type, *cur_value;
	const lineage_kb *kb;
	unsigned axes; /* LINEAGE_AXIS_MASK bits that count */
} matcher;

static uint64_t family_key(const char *family, int64_t sample)
{
	if (family && *family) return XXH3_64bits(family, strlen(family));
	return XXH3_64bits(&sample, sizeof(sample)) ^ 0x5a5a5a5a5a5a5a5aull; /* an unlabeled sample alone */
}

static int keep_sample(const lineage_corpus_sample *cs, void *arg)
{
	matcher *m = arg;
	msample *x = ln_vec_push(&m->samples);
	if (!x) return LINEAGE_ENOMEM;
	memset(x, 0, sizeof(*x));
	x->pub.id = cs->id;
	x->pub.sha256 = ln_arena_strdup(m->arena, cs->sha256);
	x->pub.path = ln_arena_strdup(m->arena, cs->path);
	x->pub.family = ln_arena_strdup(m->arena, cs->labels.family);
	x->pub.actor = ln_arena_strdup(m->arena, cs->labels.actor);
	x->pub.library = cs->labels.library != 0;
	x->ninsn = cs->ninsn;
	if (!x->pub.sha256 || !x->pub.path || !x->pub.family || !x->pub.actor) return LINEAGE_ENOMEM;
	uint64_t fk = family_key(cs->labels.family, cs->id);
	uint32_t *fi = ln_map_get(&m->family_ix, fk);
	if (fi) {
		x->family = *fi;
		return 0;
	}
	mfamily *f = ln_vec_push(&m->families);
	if (!f) return LINEAGE_ENOMEM;
	memset(f, 0, sizeof(*f));
	f->pub.family = x->pub.family;
	f->pub.actor = x->pub.actor;
	f->pub.library = x->pub.library;
	x->family = (uint32_t)(m->families.len - 1);
	return ln_map_put(&m->family_ix, fk, x->family) ? 0 : LINEAGE_ENOMEM;
}

/* The index of a stored sample, read on first meeting. */
static int sample_index(matcher *m, int64_t id, uint32_t *out)
{
	uint32_t *ix = ln_map_get(&m->sample_ix, (uint64_t)id);
	if (ix) {
		*out = *ix;
		return 0;
	}
	int rc = m->ops->get_sample(m->st, id, keep_sample, m);
	if (rc) return rc;
	*out = (uint32_t)(m->samples.len - 1);
	return ln_map_put(&m->sample_ix, (uint64_t)id, *out) ? 0 : LINEAGE_ENOMEM;
}

/* The signature similarity of the query function and a stored one
 * (sigsim.h: 0 unless they agree on distinctive content). */
static double sig_similarity(const lineage_function *q, const ln_hit *h)
{
	ln_sigsim_fn a = {&q->sig, q->minhash, q->ninsn, q->nblocks};
	ln_sigsim_fn b = {h->sig, h->minhash, h->ninsn, h->nblocks};
	return ln_sigsim_similarity(&a, &b);
}

/* Keep a stored function met by the query function: exact, near (token
 * MinHash), or similar (signature). */
static int keep_hit(matcher *m, const ln_hit *h, bool exact)
{
	if (h->sample == m->excluded) return 0;
	float sim = 1.0f;
	bool similar = false;
	if (!exact) {
		if (!h->minhash) return 0;
		sim = (float)lineage_minhash_similarity(m->q->minhash, h->minhash);
		if (sim < m->near) {
			sim = (float)sig_similarity(m->q, h);
			if (sim < m->sig_threshold) return 0;
			similar = true;
		}
	}
	uint32_t si;
	int rc = sample_index(m, h->sample, &si);
	if (rc) return rc;
	qhit *x = ln_vec_push(&m->hits);
	if (!x) return LINEAGE_ENOMEM;
	*x = (qhit){h->function, si, h->ninsn, h->address, NULL, sim, exact, similar};
	if (h->name && !(x->name = ln_arena_strdup(m->arena, h->name))) return LINEAGE_ENOMEM;
	return 0;
}

/* 1 when the function was already met by this query function (exactly or in
 * an earlier band); remembers it otherwise. */
static int met(matcher *m, int64_t function, bool *seen)
{
	uint32_t *t = ln_map_get(&m->fn_seen, (uint64_t)function);
	*seen = t && *t == m->qtag;
	if (*seen) return 0;
	return ln_map_put(&m->fn_seen, (uint64_t)function, m->qtag) ? 0 : LINEAGE_ENOMEM;
}

static int take_exact(const ln_hit *h, void *arg)
{
	matcher *m = arg;
	m->seen++;
	m->rows++;
	bool seen;
	int rc = met(m, h->function, &seen);
	return rc || seen ? rc : keep_hit(m, h, true);
}

static int take_function(const ln_hit *h, void *arg)
{
	matcher *m = arg;
	if (m->cached.len < MAX_CACHED && h->minhash) {
		cfn *c = ln_vec_push(&m->cached);
		if (!c) return LINEAGE_ENOMEM;
		c->hit = *h;
		memcpy(c->minhash, h->minhash, sizeof(c->minhash));
		c->has_sig = h->sig != NULL;
		if (h->sig) c->sig = *h->sig;
		c->hit.minhash = NULL; /* set on use: the vector moves */
		c->hit.sig = NULL;
		if (h->name && !(c->hit.name = ln_arena_strdup(m->arena, h->name))) return LINEAGE_ENOMEM;
		if (!ln_map_put(&m->fn_cache, (uint64_t)h->function, (uint32_t)m->cached.len)) return LINEAGE_ENOMEM;
	}
	return keep_hit(m, h, false);
}

static int collect_id(int64_t function, void *arg)
{
	int64_t *x = ln_vec_push(arg);
	if (!x) return LINEAGE_ENOMEM;
	*x = function;
	return 0;
}

/* The functions of one LSH bucket. A bucket holding more than
 * LN_STOP_BUCKET functions (200: the best cut-off MCRIT measured) is a "stop word": a MinHash band that generic code
 * of every kind shares (its members are not near duplicates of each other);
 * it is skipped, as the bands a true near duplicate shares are many. */
static int near_bucket(matcher *m, uint64_t key, bool feature)
{
	ln_vec_clear(&m->ids);
	int rc = feature ? m->ops->find_feature(m->st, key, LN_STOP_BUCKET + 1, collect_id, &m->ids)
	                 : m->ops->find_band(m->st, key, LN_STOP_BUCKET + 1, collect_id, &m->ids);
	m->rows += m->ids.len;
	if (rc || m->ids.len > LN_STOP_BUCKET) return rc;
	for (size_t i = 0; i < m->ids.len && rc == 0; i++) {
		int64_t function = LN_VEC_AT(&m->ids, int64_t, i);
		bool seen;
		rc = met(m, function, &seen);
		if (rc || seen) continue;
		uint32_t *ci = ln_map_get(&m->fn_cache, (uint64_t)function);
		if (ci) {
			cfn *c = &LN_VEC_AT(&m->cached, cfn, *ci - 1);
			c->hit.minhash = c->minhash;
			c->hit.sig = c->has_sig ? &c->sig : NULL;
			rc = keep_hit(m, &c->hit, false);
			continue;
		}
		m->rows++;
		rc = m->ops->get_function(m->st, function, take_function, m);
	}
	return rc;
}

int lineage_runtime_name(const char *name)
{
	if (!name || !*name) return 0;
	/* startup, teardown and support code that compilers and C runtimes link
	 * into every program: GNU/glibc, mingw-w64, MSVC */
	static const char *const exact[] = {
	        "_start",
	        "_init",
	        "_fini",
	        "frame_dummy",
	        "register_tm_clones",
	        "deregister_tm_clones",
	        "__do_global_dtors_aux",
	        "__do_global_ctors_aux",
	        "__libc_csu_init",
	        "__libc_csu_fini",
	        "__do_global_ctors",
	        "__do_global_dtors",
	        "__main",
	        "__gcc_register_frame",
	        "__gcc_deregister_frame",
	        "mainCRTStartup",
	        "WinMainCRTStartup",
	        "wmainCRTStartup",
	        "wWinMainCRTStartup",
	        "__tmainCRTStartup",
	        "_CRT_INIT",
	        "DllMainCRTStartup",
	        "_DllMainCRTStartup",
	        "__DllMainCRTStartup",
	        "pre_c_init",
	        "pre_cpp_init",
	        "__security_init_cookie",
	        "__report_gsfailure",
	        "__security_check_cookie",
	        "_pei386_runtime_relocator",
	        "__chkstk",
	        "___chkstk_ms",
	        "__chkstk_ms",
	        "_alloca",
	        "__alloca",
	        "atexit",
	        "_onexit",
	        "_matherr",
	        "__mingw_raise_matherr",
	        "__dyn_tls_init",
	        "__dyn_tls_dtor",
	        "__tlregdtor",
	        "_setargv",
	        "__getmainargs",
	        "__wgetmainargs",
	        "__stack_chk_fail",
	        "__stack_chk_fail_local",
	        "_FindPESection",
	        "_FindPESectionByName",
	        "_FindPESectionExec",
	        "_GetPEImageBase",
	        "_IsNonwritableInCurrentImage",
	        "_ValidateImageBase",
	        "__write_memory",
	        "__report_error",
	        "mark_section_writable",
	        "_fpreset",
	        "__fpclassify",
	        "__cxa_finalize",
	        "__cxa_atexit",
	        "_gnu_exception_handler",
	        "__mingw_SEH_error_handler",
	        "__mingw_init_ehandler",
	        "_get_invalid_parameter_handler",
	        "_set_invalid_parameter_handler",
	};
	static const char *const prefix[] = {"__mingw_",
	                                     "__mingwthr_",
	                                     "_CRT_",
	                                     "__crt_",
	                                     "__scrt_",
	                                     "__acrt_",
	                                     "__vcrt_",
	                                     "_initterm",
	                                     "__x86.get_pc_thunk",
	                                     "__x86_indirect_thunk",
	                                     "__tls_",
	                                     "_tls_",
	                                     "__libc_start",
	                                     "__pformat_", /* mingw-w64's printf */
	                                     "__gdtoa",
	                                     "__strtodg"};
	/* i686 PE symbols carry one more leading underscore */
	for (int pass = 0; pass < 2; pass++, name++) {
		for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
			if (!strcmp(name, exact[i])) return 1;
		for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
			if (!strncmp(name, prefix[i], strlen(prefix[i]))) return 1;
		/* mingw-w64's gdtoa (number conversions): __d2b_D2A, __Balloc_D2A... */
		size_t n = strlen(name);
		if (n > 6 && name[0] == '_' && !strcmp(name + n - 4, "_D2A")) return 1;
		if (name[0] != '_') break;
	}
	return 0;
}

/* GNU crt1.o, crti.o and crtbegin.o code in an ELF file, recognized without
 * symbols by where the linker puts it: the entry function (_start), the
 * functions of .init and .fini, and crtbegin.o's four consecutive small
 * functions deregister_tm_clones, register_tm_clones, __do_global_dtors_aux
 * and frame_dummy, the last two reached from .fini_array and .init_array.
 * (main may come first: GCC puts it in .text.startup.) */
static void mark_elf_crt(const lineage_sample *s, uint8_t *rt)
{
	const lineage_binary *b = lineage_sample_binary(s);
	if (b->format != LINEAGE_FORMAT_ELF) return;
	size_t nf;
	const lineage_function *fn = lineage_sample_functions(s, &nf);
	for (size_t i = 0; i < b->nsections; i++) {
		const lineage_section *x = &b->sections[i];
		if (!x->name || (strcmp(x->name, ".init") && strcmp(x->name, ".fini"))) continue;
		for (size_t k = 0; k < nf; k++)
			if (fn[k].address >= x->vaddr && fn[k].address < x->vaddr + x->vsize) rt[k] = 1;
	}
	for (size_t k = 0; b->has_entry && k < nf; k++)
		if (fn[k].address == b->entry) rt[k] = 1;
	for (size_t k = 2; k + 1 < nf; k++) {
		bool shape = true;
		for (size_t i = k - 2; i <= k + 1 && shape; i++) shape = fn[i].ninsn < 40;
		if (!shape || !(fn[k].sources & LINEAGE_SRC_INIT) || !(fn[k + 1].sources & LINEAGE_SRC_INIT)) continue;
		for (size_t i = k - 2; i <= k + 1; i++) rt[i] = 1;
		break;
	}
}

static bool considered(const lineage_function *f)
{
	return f->ninsn >= LINEAGE_MIN_MATCH_INSNS && !(f->flags & LINEAGE_FUNC_THUNK);
}

static int cmp_hit(const void *x, const void *y)
{
	const qhit *a = x, *b = y;
	if (a->sample != b->sample) return a->sample < b->sample ? -1 : 1;
	if (a->exact != b->exact) return a->exact ? -1 : 1;
	if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
	return a->address < b->address ? -1 : a->address > b->address;
}

/* Look one query function up: exact hash, then each LSH band. Its hits end
 * grouped by sample, best first. */
static int lookup(matcher *m, const lineage_function *fn)
{
	m->q = fn;
	m->q_first = m->hits.len;
	m->seen = 0;
	m->qtag++;
	int rc = m->ops->find_exact(m->st, fn->exact_hash, m->cap, take_exact, m);
	if (rc == 0 && fn->ninsn >= LN_LSH_MIN_INSNS)
		for (unsigned band = 0; band < LN_LSH_BANDS && rc == 0; band++)
			rc = near_bucket(m, ln_lsh_band_key(fn->minhash, band), false);
	/* functions built by another compiler or at another level: candidates
	 * from the feature index, kept on signature similarity */
	uint64_t keys[LN_SIG_KEYS];
	unsigned nk = rc == 0 ? ln_sig_keys(&fn->sig, keys) : 0;
	for (unsigned k = 0; k < nk && rc == 0; k++) rc = near_bucket(m, keys[k], true);
	if (rc == 0 && m->hits.len > m->q_first)
		ln_sort((qhit *)m->hits.items + m->q_first, m->hits.len - m->q_first, sizeof(qhit), cmp_hit);
	return rc;
}

/* Mark library code and weigh each query function. */
static void weigh(matcher *m, qfun *qf)
{
	msample *smp = m->samples.items;
	mfamily *fam = m->families.items;
	uint32_t tag = (uint32_t)(qf - (qfun *)m->qfuns.items) + 1;
	qf->library = qf->library || lineage_runtime_name(qf->fn->name) || m->seen >= m->cap;
	for (size_t i = qf->first; i < qf->first + qf->nhits; i++) {
		const qhit *h = &LN_VEC_AT(&m->hits, qhit, i);
		mfamily *f = &fam[smp[h->sample].family];
		if (f->pub.library || lineage_runtime_name(h->name)) qf->library = 1;
		if (f->pub.library || f->weigh_q == tag) continue;
		f->weigh_q = tag;
		qf->nfamilies++;
	}
	if (qf->nfamilies >= LINEAGE_LIBRARY_FAMILIES) qf->library = 1;
	qf->weight = qf->library ? 0 : 1.0 / (qf->nfamilies ? qf->nfamilies : 1);
}

/* Credit each sample and family with a query function's hits: the first
 * hit of each sample is its best. */
static void credit(matcher *m, qfun *qf, uint32_t tag)
{
	msample *smp = m->samples.items;
	mfamily *fam = m->families.items;
	for (size_t i = qf->first; i < qf->first + qf->nhits; i++) {
		const qhit *best = &LN_VEC_AT(&m->hits, qhit, i);
		if (i > qf->first && LN_VEC_AT(&m->hits, qhit, i - 1).sample == best->sample) continue;
		msample *s = &smp[best->sample];
		mfamily *f = &fam[s->family];
		/* library samples measure how much of the query they explain */
		double w = f->pub.library ? 1.0 : qf->weight;
		s->shared_q += qf->fn->ninsn * w * best->sim;
		s->shared_k += best->ninsn * w * best->sim;
		s->pub.nfunctions++;
		s->pub.nexact += best->exact;
		if (f->last_q != tag) {
			f->last_q = tag;
			f->pub.nfunctions++;
			f->pub.nexact += best->exact;
			f->pub.nlibrary += qf->library;
			if (!qf->library || f->pub.library) f->pub.shared_insns += qf->fn->ninsn;
		}
	}
}

static int cmp_sample(const void *x, const void *y)
{
	const msample *a = x, *b = y;
	if (a->pub.score != b->pub.score) return a->pub.score > b->pub.score ? -1 : 1;
	if (a->pub.nfunctions != b->pub.nfunctions) return a->pub.nfunctions > b->pub.nfunctions ? -1 : 1;
	return a->pub.id < b->pub.id ? -1 : a->pub.id > b->pub.id;
}

static int cmp_family(const void *x, const void *y)
{
	const lineage_match_family *a = x, *b = y;
	if (a->evidence != b->evidence) return a->evidence > b->evidence ? -1 : 1;
	if (a->score != b->score) return a->score > b->score ? -1 : 1;
	if (a->crypto_score != b->crypto_score) return a->crypto_score > b->crypto_score ? -1 : 1;
	if (a->destruction_score != b->destruction_score) return a->destruction_score > b->destruction_score ? -1 : 1;
	if (a->infrastructure_score != b->infrastructure_score)
		return a->infrastructure_score > b->infrastructure_score ? -1 : 1;
	if (a->nfunctions != b->nfunctions) return a->nfunctions > b->nfunctions ? -1 : 1;
	return a->best_sample < b->best_sample ? -1 : a->best_sample > b->best_sample;
}

static int cmp_evidence(const void *x, const void *y)
{
	const lineage_match_evidence *a = x, *b = y;
	if (a->family != b->family) return a->family < b->family ? -1 : 1;
	double wa = a->weight * a->ninsn * a->similarity, wb = b->weight * b->ninsn * b->similarity;
	if (wa != wb) return wa > wb ? -1 : 1;
	if (a->ninsn != b->ninsn) return a->ninsn > b->ninsn ? -1 : 1;
	return a->query_address < b->query_address ? -1 : a->query_address > b->query_address;
}

static int take_trait(int64_t sample, uint32_t kind, const char *detail, void *arg)
{
	matcher *m = arg;
	(void)kind;
	(void)detail;
	if (sample == m->excluded) return 0;
	uint32_t ix;
	int rc = sample_index(m, sample, &ix);
	if (rc) return rc;
	thit *t = ln_vec_push(&m->thits);
	if (!t) return LINEAGE_ENOMEM;
	*t = (thit){m->cur_trait, ix};
	return 0;
}

/* The stored samples holding each of the query's traits. */
static int lookup_traits(matcher *m, const lineage_sample *s)
{
	size_t nt;
	const lineage_trait *t = lineage_sample_traits(s, &nt);
	for (size_t i = 0; i < nt; i++) {
		m->cur_trait = (uint32_t)i;
		int rc = m->ops->find_trait(m->st, t[i].token, MAX_TRAIT_SAMPLES, take_trait, m);
		m->rows += 1;
		if (rc) return rc;
	}
	return 0;
}

static double trait_weight(uint32_t kind)
{
	switch (kind) {
	case LINEAGE_TRAIT_MATERIAL: return LINEAGE_TRAIT_WEIGHT_MATERIAL;
	case LINEAGE_TRAIT_VARIANT: return LINEAGE_TRAIT_WEIGHT_VARIANT;
	case LINEAGE_TRAIT_BUILD: return LINEAGE_TRAIT_WEIGHT_BUILD;
	default: return LINEAGE_TRAIT_WEIGHT_COMMON;
	}
}

/* The axes that get a score of their own from traits. */
enum { AXIS_CRYPTO, AXIS_DESTRUCTION, AXIS_INFRA, AXIS_ARTIFACTS, NAXES };

static int trait_axis(const char *axis)
{
	if (!strcmp(axis, "crypto")) return AXIS_CRYPTO;
	if (!strcmp(axis, "artifacts")) return AXIS_ARTIFACTS;
	return !strcmp(axis, "infrastructure") ? AXIS_INFRA : AXIS_DESTRUCTION;
}

static char *dup_or_null(ln_arena *a, const char *s)
{
	return s ? ln_arena_strdup(a, s) : NULL;
}

static int take_feed(const lineage_feed_ioc *e, void *arg)
{
	matcher *m = arg;
	lineage_match_feed *x = m->feeds.items;
	for (size_t i = 0; i < m->feeds.len; i++) /* one record per entry and indicator */
		if (!strcmp(x[i].value, m->cur_value) && !strcmp(x[i].entry.value, e->value) &&
		    !strcmp(x[i].entry.source, e->source) && !strcmp(x[i].entry.feed, e->feed) &&
		    !strcmp(x[i].entry.actor ? x[i].entry.actor : "", e->actor ? e->actor : ""))
			return 0;
	lineage_match_feed *f = ln_vec_push(&m->feeds);
	if (!f) return LINEAGE_ENOMEM;
	ln_arena *a = m->arena;
	*f = (lineage_match_feed){.type = m->cur_type, .value = m->cur_value, .family = SIZE_MAX};
	f->entry = *e;
	f->entry.type = dup_or_null(a, e->type);
	f->entry.value = dup_or_null(a, e->value);
	f->entry.source = dup_or_null(a, e->source);
	f->entry.feed = dup_or_null(a, e->feed);
	f->entry.actor = dup_or_null(a, e->actor);
	f->entry.group_id = dup_or_null(a, e->group_id);
	f->entry.group_name = dup_or_null(a, e->group_name);
	f->entry.first_seen = dup_or_null(a, e->first_seen);
	f->entry.last_seen = dup_or_null(a, e->last_seen);
	f->entry.description = dup_or_null(a, e->description);
	return f->entry.value && f->entry.source && f->entry.feed ? 0 : LINEAGE_ENOMEM;
}

/* The feed entries naming the query's indicators (or a URL's or an
 * address's host). */
static int lookup_feeds(matcher *m, const lineage_sample *s)
{
	size_t n;
	const lineage_indicator *in = lineage_sample_indicators(s, &n);
	for (size_t i = 0; i < n; i++) {
		m->cur_type = in[i].type;
		m->cur_value = in[i].value;
		int rc = m->ops->find_ioc(m->st, in[i].value, take_feed, m);
		if (rc == 0 && in[i].host) rc = m->ops->find_ioc(m->st, in[i].host, take_feed, m);
		m->rows += 1;
		if (rc) return rc;
	}
	return 0;
}

/* An actor's name compared as the knowledge base does: no case, spaces,
 * dashes, dots or underscores. */
static bool same_name(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '-' || *a == '.' || *a == '_') a++;
		while (*b == ' ' || *b == '-' || *b == '.' || *b == '_') b++;
		if (!*a || !*b) return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
		a++, b++;
	}
}

/* A family's actor label and a feed entry's actor name the same actor. */
static bool same_actor(const matcher *m, const char *label, const lineage_feed_ioc *e)
{
	if (!label || !*label) return false;
	if (e->actor && same_name(label, e->actor)) return true;
	if (e->group_name && same_name(label, e->group_name)) return true;
	if (m->kb && e->group_id) {
		const lineage_kb_entry *g = lineage_kb_group_find(m->kb, label);
		if (g && !strcmp(g->id, e->group_id)) return true;
	}
	return false;
}

/* A feed entry's weight: a confident entry counts like shared key material. */
static double feed_weight(const lineage_feed_ioc *e)
{
	return LINEAGE_TRAIT_WEIGHT_MATERIAL * (e->confidence >= 0 ? e->confidence / 100.0 : 0.5);
}

/* Per trait: the families holding it (library samples left out) and its
 * weight; per family and axis: its score. tw[] gets each trait's weight,
 * tf[] its number of families. */
static void score_traits(matcher *m, const lineage_trait *qt, double *tw, uint32_t *tf)
{
	const thit *th = m->thits.items;
	size_t n = m->thits.len, nfam = m->families.len;
	msample *smp = m->samples.items;
	mfamily *fam = m->families.items;
	double *strong = ln_calloc(NAXES * (nfam + 1), sizeof(double));
	double *weak = ln_calloc(NAXES * (nfam + 1), sizeof(double));
	uint32_t *stamp = ln_calloc(nfam + 1, sizeof(uint32_t));   /* trait + 1 that last met the family */
	uint32_t *holders = ln_calloc(nfam + 1, sizeof(uint32_t)); /* the families of one trait */
	if (!strong || !weak || !stamp || !holders) goto done;
	for (size_t f = 0; f < NAXES * nfam; f++) strong[f] = 1.0;
	for (size_t a = 0; a < n;) {
		uint32_t tr = th[a].trait, families = 0, holders_n = 0;
		for (; a < n && th[a].trait == tr; a++, holders_n++) { /* each family once per trait */
			uint32_t f = smp[th[a].sample].family;
			if (fam[f].pub.library || stamp[f] == tr + 1) continue;
			stamp[f] = tr + 1;
			holders[families++] = f;
		}
		double w = families && holders_n < LINEAGE_TRAIT_EVERYWHERE ? trait_weight(qt[tr].kind) / families : 0;
		tw[tr] = w;
		tf[tr] = families;
		int ax = trait_axis(qt[tr].axis);
		for (uint32_t k = 0; k < families; k++) {
			mfamily *f = &fam[holders[k]];
			f->pub.ntraits++;
			if (qt[tr].kind >= LINEAGE_TRAIT_VARIANT)
				strong[NAXES * holders[k] + ax] *= 1.0 - w;
			else
				weak[NAXES * holders[k] + ax] += w;
		}
	}
	for (size_t f = 0; f < nfam; f++) {
		if (!fam[f].pub.ntraits) continue;
		double sc[NAXES];
		for (int ax = 0; ax < NAXES; ax++)
			sc[ax] = 1.0 -
			         strong[NAXES * f + ax] * (1.0 - fmin(weak[NAXES * f + ax], LINEAGE_TRAIT_WEAK_CAP));
		fam[f].pub.crypto_score = sc[AXIS_CRYPTO];
		fam[f].pub.destruction_score = sc[AXIS_DESTRUCTION];
		fam[f].pub.infrastructure_score = sc[AXIS_INFRA];
		fam[f].pub.artifacts_score = sc[AXIS_ARTIFACTS];
	}
done:
	ln_free(strong);
	ln_free(weak);
	ln_free(stamp);
	ln_free(holders);
}

static int cmp_trait_ev(const void *x, const void *y)
{
	const lineage_match_trait *a = x, *b = y;
	if (a->family != b->family) return a->family < b->family ? -1 : 1;
	if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
	return strcmp(a->token, b->token);
}

/* ---- The combined verdict (docs/attribution.md) ----------------------- */

static const char *const axis_names[LINEAGE_NAXES] = {"code", "crypto", "destruction", "infrastructure", "artifacts"};

const char *lineage_axis_name(int axis)
{
	return axis >= 0 && axis < LINEAGE_NAXES ? axis_names[axis] : NULL;
}

int lineage_axis_from_name(const char *name)
{
	for (int a = 0; a < LINEAGE_NAXES; a++)
		if (!strcmp(axis_names[a], name)) return a;
	return -1;
}

/* The prior log-odds that a family met in the corpus is the answer; each
 * axis reaching its own verdict threshold alone brings it to 0 (even odds),
 * so that one strong axis decides as it did before the axes were combined,
 * and two halfway axes decide together. */
#define PRIOR_LOGODDS (-4.0)
/* Artifacts add at most this much: they can raise a confidence or break a
 * tie, never carry a family over the open-set threshold. */
#define ARTIFACTS_CAP 1.5
/* Platt scaling of the combined log-odds into a confidence, fitted on
 * the held-out queries of bench/attribution.sh (bench/attribution.py fits them). */
#define CALIB_SCALE 1.15
#define CALIB_BIAS  0.0

/* A trait axis's score (1 - prod(1 - w)) as additive evidence. */
static double trait_evidence(double score, double threshold)
{
	double s = fmin(score, 0.999);
	return s > 0 ? -PRIOR_LOGODDS * -log1p(-s) / -log1p(-threshold) : 0;
}

const char *lineage_match_family_name(const lineage_match *m, const lineage_match_family *f)
{
	return f->family && f->family[0] ? f->family : m->samples[f->best_sample].sha256;
}

double lineage_match_axis_score(const lineage_match_family *f, int axis)
{
	switch (axis) {
	case LINEAGE_AXIS_CODE: return f->score;
	case LINEAGE_AXIS_CRYPTO: return f->crypto_score;
	case LINEAGE_AXIS_DESTRUCTION: return f->destruction_score;
	case LINEAGE_AXIS_INFRASTRUCTURE: return f->infrastructure_score;
	default: return f->artifacts_score;
	}
}

double lineage_match_axis_threshold(const lineage_match *m, int axis)
{
	switch (axis) {
	case LINEAGE_AXIS_CODE: return m->threshold;
	case LINEAGE_AXIS_CRYPTO: return LINEAGE_CRYPTO_VERDICT_THRESHOLD;
	case LINEAGE_AXIS_DESTRUCTION: return LINEAGE_DESTRUCTION_VERDICT_THRESHOLD;
	case LINEAGE_AXIS_INFRASTRUCTURE: return LINEAGE_INFRA_VERDICT_THRESHOLD;
	default: return 1; /* never decides */
	}
}

/* A family's evidence per axis, their sum with the prior, and whether the
 * strong axes alone support it. */
static void weigh_axes(lineage_match_family *f, double code_threshold, unsigned axes)
{
	double *e = f->axis_evidence;
	/* code: the share of the query's own code, scaled so that the verdict
	 * threshold is even odds; under LINEAGE_VERDICT_MIN_INSNS shared
	 * instructions it counts in proportion */
	double enough = fmin(1.0, (double)f->shared_insns / LINEAGE_VERDICT_MIN_INSNS);
	e[LINEAGE_AXIS_CODE] = -PRIOR_LOGODDS * f->score / code_threshold * enough;
	e[LINEAGE_AXIS_CRYPTO] = trait_evidence(f->crypto_score, LINEAGE_CRYPTO_VERDICT_THRESHOLD);
	e[LINEAGE_AXIS_DESTRUCTION] = trait_evidence(f->destruction_score, LINEAGE_DESTRUCTION_VERDICT_THRESHOLD);
	e[LINEAGE_AXIS_INFRASTRUCTURE] = trait_evidence(f->infrastructure_score, LINEAGE_INFRA_VERDICT_THRESHOLD);
	e[LINEAGE_AXIS_ARTIFACTS] =
	        fmin(ARTIFACTS_CAP, trait_evidence(f->artifacts_score, LINEAGE_CRYPTO_VERDICT_THRESHOLD));
	double strong = PRIOR_LOGODDS;
	for (int a = 0; a < LINEAGE_NAXES; a++) {
		if (!(axes & LINEAGE_AXIS_MASK(a))) e[a] = 0;
		if (a != LINEAGE_AXIS_ARTIFACTS) strong += e[a];
	}
	f->evidence = strong + e[LINEAGE_AXIS_ARTIFACTS];
	f->supported = strong >= 0;
}

/* Each family's confidence: a softmax over the families and "no known
 * relative" (log-odds 0) of the calibrated evidence. r->confidence gets the
 * probability of "no known relative" until the verdict is decided. */
static void confidences(lineage_match_family *f, size_t n, lineage_match *r)
{
	double top = 0;
	for (size_t i = 0; i < n; i++) top = fmax(top, CALIB_SCALE * f[i].evidence + CALIB_BIAS);
	double none = exp(-top), sum = none; /* shifted by the largest: no overflow */
	for (size_t i = 0; i < n; i++) sum += exp(CALIB_SCALE * f[i].evidence + CALIB_BIAS - top);
	for (size_t i = 0; i < n; i++) f[i].confidence = exp(CALIB_SCALE * f[i].evidence + CALIB_BIAS - top) / sum;
	r->confidence = none / sum;
}

/* An axis, for another family, strong enough to be a verdict of its own. */
static bool axis_counts(const lineage_match_family *f, int axis, double code_threshold)
{
	if (axis == LINEAGE_AXIS_CODE)
		return f->score >= code_threshold && f->shared_insns >= LINEAGE_VERDICT_MIN_INSNS;
	return lineage_match_axis_score(f, axis) >= LINEAGE_CONTRADICTION_SCORE;
}

/* The verdict: the best-ranked family that the strong axes support; the
 * axis that brought the most evidence; the axes pointing elsewhere. */
static int decide(matcher *m, lineage_match *r, lineage_match_family *fams)
{
	size_t v = SIZE_MAX;
	if (r->nfamilies && fams[0].supported) {
		/* two supported families sharing the probability: no single answer */
		if (fams[0].confidence < LINEAGE_VERDICT_CONFIDENCE && r->nfamilies > 1 && fams[1].supported)
			r->ambiguous = 1;
		else
			v = 0;
	}
	if (v != SIZE_MAX) {
		const lineage_match_family *f = &fams[v];
		r->verdict = lineage_match_family_name(r, f);
		int best = LINEAGE_AXIS_CODE;
		for (int a = 0; a < LINEAGE_AXIS_ARTIFACTS; a++)
			if (f->axis_evidence[a] > f->axis_evidence[best]) best = a;
		r->verdict_axis = axis_names[best];
		r->confidence = f->confidence;
	}
	/* contradictions: against the verdict, or the nearest candidate */
	size_t against = v != SIZE_MAX ? v : 0;
	if (!r->nfamilies) return 0;
	ln_vec cv;
	ln_vec_init(&cv, sizeof(lineage_match_contradiction));
	const lineage_match_family *t = &fams[against];
	for (int a = 0; a < LINEAGE_NAXES; a++) {
		if (!(m->axes & LINEAGE_AXIS_MASK(a))) continue;
		size_t best = SIZE_MAX;
		for (size_t k = 0; k < r->nfamilies; k++)
			if (k != against && axis_counts(&fams[k], a, r->threshold) &&
			    (best == SIZE_MAX ||
			     lineage_match_axis_score(&fams[k], a) > lineage_match_axis_score(&fams[best], a)))
				best = k;
		if (best == SIZE_MAX || lineage_match_axis_score(&fams[best], a) <= lineage_match_axis_score(t, a))
			continue;
		lineage_match_contradiction *c = ln_vec_push(&cv);
		if (!c) {
			ln_vec_free(&cv);
			return LINEAGE_ENOMEM;
		}
		*c = (lineage_match_contradiction){
		        .axis = a,
		        .family = best,
		        .against = against,
		        .score = lineage_match_axis_score(&fams[best], a),
		        .against_score = lineage_match_axis_score(t, a),
		        .false_flag = a == LINEAGE_AXIS_ARTIFACTS && t->supported,
		};
	}
	size_t want = cv.len;
	r->contradictions = ln_vec_to_arena(&cv, m->arena, &r->ncontradictions);
	ln_vec_free(&cv);
	return want && !r->contradictions ? LINEAGE_ENOMEM : 0;
}

static int cmp_actor(const void *x, const void *y)
{
	const lineage_match_actor *a = x, *b = y;
	if (a->confidence != b->confidence) return a->confidence > b->confidence ? -1 : 1;
	return a->family < b->family ? -1 : a->family > b->family;
}

/* The ranked actors: families grouped by ATT&CK group, else by label. */
static int rank_actors(matcher *m, lineage_match *r, lineage_match_family *fams)
{
	size_t nf = r->nfamilies, n = 0;
	lineage_match_actor *a = ln_arena_alloc(m->arena, (nf + 1) * sizeof(*a));
	size_t *slot = ln_calloc(nf + 1, sizeof(size_t));  /* a family's actor before sorting */
	size_t *moved = ln_calloc(nf + 1, sizeof(size_t)); /* an actor's place after sorting */
	if (!a || !slot || !moved) {
		ln_free(slot);
		ln_free(moved);
		return LINEAGE_ENOMEM;
	}
	for (size_t i = 0; i < nf; i++) {
		lineage_match_family *f = &fams[i];
		slot[i] = SIZE_MAX;
		if (!f->actor || !f->actor[0]) continue;
		size_t k = 0;
		for (; k < n; k++)
			if (f->group_id ? a[k].group_id && !strcmp(a[k].group_id, f->group_id)
			                : !a[k].group_id && same_name(a[k].actor, f->actor))
				break;
		if (k == n) a[n++] = (lineage_match_actor){f->actor, f->group_id, f->group_name, 0, i, 0};
		a[k].confidence += f->confidence;
		a[k].nfamilies++;
		slot[i] = k;
	}
	ln_sort(a, n, sizeof(*a), cmp_actor);
	for (size_t k = 0; k < n; k++) moved[slot[a[k].family]] = k; /* an actor is known by its first family */
	for (size_t i = 0; i < nf; i++) fams[i].actor_rank = slot[i] == SIZE_MAX ? SIZE_MAX : moved[slot[i]];
	ln_free(slot);
	ln_free(moved);
	r->actors = a;
	r->nactors = n;
	return 0;
}

/* Rank samples and families, fill the public result. */
static int rank(matcher *m, lineage_match *r, uint64_t all_insns, const lineage_sample *q)
{
	size_t ns = m->samples.len, nf = m->families.len;
	msample *smp = m->samples.items;
	mfamily *fam = m->families.items;
	size_t nqt;
	const lineage_trait *qt = lineage_sample_traits(q, &nqt);
	double *tw = ln_calloc(nqt + 1, sizeof(double));
	uint32_t *tf = ln_calloc(nqt + 1, sizeof(uint32_t));
	if (!tw || !tf) {
		ln_free(tw);
		ln_free(tf);
		return LINEAGE_ENOMEM;
	}
	score_traits(m, qt, tw, tf);
	for (size_t i = 0; i < ns; i++) {
		double denom = (double)(smp[i].pub.library ? all_insns : r->query_insns);
		smp[i].pub.score = denom > 0 ? smp[i].shared_q / denom : 0;
		smp[i].pub.known_coverage = smp[i].ninsn ? fmin(1.0, smp[i].shared_k / (double)smp[i].ninsn) : 0;
	}
	/* sort samples; remember where each went */
	uint32_t *where = ln_calloc(ns + 1, sizeof(uint32_t));
	msample *sorted = ln_arena_alloc(m->arena, (ns + 1) * sizeof(msample));
	if (!where || !sorted) {
		ln_free(where);
		ln_free(tw);
		ln_free(tf);
		return LINEAGE_ENOMEM;
	}
	if (ns) memcpy(sorted, smp, ns * sizeof(msample));
	ln_sort(sorted, ns, sizeof(msample), cmp_sample);
	lineage_match_sample *pubs = ln_arena_alloc(m->arena, (ns + 1) * sizeof(*pubs));
	if (!pubs) {
		ln_free(where);
		ln_free(tw);
		ln_free(tf);
		return LINEAGE_ENOMEM;
	}
	for (size_t i = 0; i < ns; i++) {
		pubs[i] = sorted[i].pub;
		uint32_t *ix = ln_map_get(&m->sample_ix, (uint64_t)sorted[i].pub.id);
		if (ix) where[*ix] = (uint32_t)i;
	}
	/* a family's score is its best sample's */
	for (size_t i = 0; i < ns; i++) {
		mfamily *f = &fam[smp[i].family];
		if (!smp[i].pub.nfunctions) continue; /* met through traits only */
		f->pub.nsamples++;
		size_t pos = where[i];
		if (f->pub.nsamples == 1 || pubs[pos].score > pubs[f->pub.best_sample].score ||
		    (pubs[pos].score == pubs[f->pub.best_sample].score && pos < f->pub.best_sample)) {
			f->pub.best_sample = pos;
			f->pub.score = pubs[pos].score;
			f->pub.actor = pubs[pos].actor;
		}
	}
	/* a family met only through traits: its best sample is the first
	 * holding one */
	const thit *th = m->thits.items;
	for (size_t k = 0; k < m->thits.len; k++) {
		mfamily *f = &fam[smp[th[k].sample].family];
		if (!f->pub.nfunctions && f->pub.ntraits && !f->best_set) {
			f->pub.best_sample = where[th[k].sample];
			f->best_set = true;
		}
	}
	/* feed entries naming the actor of a family met: infrastructure evidence */
	lineage_match_feed *fd = m->feeds.items;
	uint32_t *fed_family = ln_calloc(m->feeds.len + 1, sizeof(uint32_t)); /* family + 1 */
	for (size_t k = 0; k < m->feeds.len && fed_family; k++)
		for (size_t i = 0; i < ns; i++) {
			mfamily *f = &fam[smp[i].family];
			if (f->pub.library || !same_actor(m, smp[i].pub.actor, &fd[k].entry)) continue;
			if (fed_family[k] == smp[i].family + 1) continue;
			if (fed_family[k]) continue; /* one family per entry: the first met */
			fed_family[k] = smp[i].family + 1;
			fd[k].weight = feed_weight(&fd[k].entry);
			f->pub.infrastructure_score = 1.0 - (1.0 - f->pub.infrastructure_score) * (1.0 - fd[k].weight);
			if (!f->pub.actor) f->pub.actor = smp[i].pub.actor;
			if (!f->pub.nfunctions && !f->best_set) {
				f->pub.best_sample = where[i];
				f->best_set = true;
			}
		}
	lineage_match_family *fams = ln_arena_alloc(m->arena, (nf + 1) * sizeof(*fams));
	lineage_match_family *libs = ln_arena_alloc(m->arena, (nf + 1) * sizeof(*libs));
	if (!fams || !libs || !fed_family) {
		ln_free(where);
		ln_free(tw);
		ln_free(tf);
		ln_free(fed_family);
		return LINEAGE_ENOMEM;
	}
	for (size_t i = 0; i < nf; i++) {
		if (!fam[i].pub.nfunctions && !fam[i].pub.crypto_score && !fam[i].pub.destruction_score &&
		    !fam[i].pub.infrastructure_score && !fam[i].pub.artifacts_score)
			continue;
		if (fam[i].pub.library)
			libs[r->nlibraries++] = fam[i].pub;
		else
			fams[r->nfamilies++] = fam[i].pub;
	}
	for (size_t i = 0; i < r->nfamilies; i++) weigh_axes(&fams[i], r->threshold, m->axes);
	confidences(fams, r->nfamilies, r);
	ln_sort(fams, r->nfamilies, sizeof(*fams), cmp_family);
	for (size_t i = 0; i < r->nfamilies && m->kb; i++) { /* their names in ATT&CK */
		const lineage_kb_entry *sw = fams[i].family[0] ? lineage_kb_software_find(m->kb, fams[i].family) : NULL;
		const lineage_kb_entry *g =
		        fams[i].actor && fams[i].actor[0] ? lineage_kb_group_find(m->kb, fams[i].actor) : NULL;
		if (sw) fams[i].software_id = sw->id, fams[i].software_name = sw->name;
		if (g) fams[i].group_id = g->id, fams[i].group_name = g->name;
	}
	ln_sort(libs, r->nlibraries, sizeof(*libs), cmp_family);
	/* the family index of each sample in the sorted list */
	for (size_t i = 0; i < nf; i++) fam[i].rank = UINT32_MAX;
	for (size_t i = 0; i < r->nfamilies; i++) {
		const lineage_match_sample *b = &pubs[fams[i].best_sample];
		uint32_t *si = ln_map_get(&m->sample_ix, (uint64_t)b->id);
		if (si) fam[smp[*si].family].rank = (uint32_t)i;
	}
	for (size_t k = 0; k < m->feeds.len; k++)
		fd[k].family = fed_family[k] && fam[fed_family[k] - 1].rank != UINT32_MAX ? fam[fed_family[k] - 1].rank
		                                                                          : SIZE_MAX;
	ln_free(fed_family);
	/* evidence for the leading families: each query function's hit in the
	 * family's best sample, or its best hit in the family */
	ln_vec ev;
	ln_vec_init(&ev, sizeof(lineage_match_evidence));
	const qfun *qfs = m->qfuns.items;
	int rc = 0;
	for (size_t qi = 0; qi < m->qfuns.len && rc == 0; qi++) {
		const qfun *qf = &qfs[qi];
		const qhit *pick[MAX_EVIDENCE_FAMILIES] = {0};
		for (size_t i = qf->first; i < qf->first + qf->nhits; i++) {
			const qhit *h = &LN_VEC_AT(&m->hits, qhit, i);
			uint32_t fr = fam[smp[h->sample].family].rank;
			if (fr >= MAX_EVIDENCE_FAMILIES) continue;
			const qhit *p = pick[fr];
			bool h_best = where[h->sample] == fams[fr].best_sample;
			bool p_best = p && where[p->sample] == fams[fr].best_sample;
			if (!p || (h_best && !p_best) ||
			    (h_best == p_best && (h->exact > p->exact || (h->exact == p->exact && h->sim > p->sim))))
				pick[fr] = h;
		}
		for (uint32_t fr = 0; fr < MAX_EVIDENCE_FAMILIES; fr++) {
			if (!pick[fr]) continue;
			lineage_match_evidence *e = ln_vec_push(&ev);
			if (!e) {
				rc = LINEAGE_ENOMEM;
				break;
			}
			*e = (lineage_match_evidence){
			        .family = fr,
			        .sample = where[pick[fr]->sample],
			        .query_address = qf->fn->address,
			        .known_address = pick[fr]->address,
			        .query_name = qf->fn->name,
			        .known_name = pick[fr]->name,
			        .ninsn = qf->fn->ninsn,
			        .similarity = pick[fr]->sim,
			        .exact = pick[fr]->exact,
			        .similar = pick[fr]->similar,
			        .nfamilies = qf->nfamilies,
			        .library = qf->library,
			        .weight = qf->weight,
			};
		}
	}
	/* the shared traits of the ranked families */
	ln_vec tv;
	ln_vec_init(&tv, sizeof(lineage_match_trait));
	for (size_t k = 0; k < m->thits.len && rc == 0; k++) {
		uint32_t fr = fam[smp[th[k].sample].family].rank;
		if (fr >= r->nfamilies || !tw[th[k].trait]) continue;
		bool dup = false; /* one record per (trait, family) */
		for (size_t e = tv.len; e-- > 0 && !dup;) {
			const lineage_match_trait *x = &LN_VEC_AT(&tv, lineage_match_trait, e);
			if (x->token != qt[th[k].trait].token) break;
			dup = x->family == fr;
		}
		if (dup) continue;
		lineage_match_trait *x = ln_vec_push(&tv);
		if (!x) {
			rc = LINEAGE_ENOMEM;
			break;
		}
		*x = (lineage_match_trait){.family = fr,
		                           .sample = where[th[k].sample],
		                           .axis = qt[th[k].trait].axis,
		                           .token = qt[th[k].trait].token,
		                           .detail = qt[th[k].trait].detail,
		                           .kind = qt[th[k].trait].kind,
		                           .nfamilies = tf[th[k].trait],
		                           .weight = tw[th[k].trait]};
	}
	ln_free(where);
	ln_free(tw);
	ln_free(tf);
	if (rc == 0) {
		ln_sort(tv.items, tv.len, sizeof(lineage_match_trait), cmp_trait_ev);
		size_t want = tv.len;
		r->traits = ln_vec_to_arena(&tv, m->arena, &r->ntraits);
		if (want && !r->traits) rc = LINEAGE_ENOMEM;
	}
	if (rc == 0 && m->feeds.len) {
		r->feeds = ln_vec_to_arena(&m->feeds, m->arena, &r->nfeeds);
		if (!r->feeds) rc = LINEAGE_ENOMEM;
	}
	ln_vec_free(&tv);
	if (rc == 0) {
		lineage_match_evidence *e = ev.items;
		ln_sort(e, ev.len, sizeof(*e), cmp_evidence);
		r->evidence = ln_vec_to_arena(&ev, m->arena, &r->nevidence);
		if (ev.len && !r->evidence) rc = LINEAGE_ENOMEM;
	}
	ln_vec_free(&ev);
	r->families = fams;
	r->libraries = libs;
	r->samples = pubs;
	r->nsamples = ns;
	if (r->nfamilies) r->score = fams[0].score;
	if (rc == 0) rc = decide(m, r, fams);
	if (rc == 0) rc = rank_actors(m, r, fams);
	return rc;
}

struct lineage_match_owner {
	lineage_match pub;
	ln_arena *arena;
};

int lineage_corpus_match(lineage_match **out, lineage_corpus *c, lineage_ctx *ctx, const lineage_sample *s,
                         const lineage_match_options *opt)
{
	*out = NULL;
	lineage_match_options o = opt ? *opt : (lineage_match_options){0};
	if (o.near_threshold <= 0) o.near_threshold = LINEAGE_NEAR_THRESHOLD;
	if (o.similar_threshold <= 0) o.similar_threshold = LINEAGE_SIMILAR_THRESHOLD;
	if (o.verdict_threshold <= 0) o.verdict_threshold = LINEAGE_VERDICT_THRESHOLD;
	if (!o.max_hits) o.max_hits = DEFAULT_MAX_HITS;
	if (o.near_threshold > 1 || o.verdict_threshold > 1 || o.similar_threshold > 1)
		return ln_ctx_error(ctx, LINEAGE_EINVAL, "match: a threshold is over 1");
	const char *path = lineage_sample_binary(s)->path;
	matcher m = {.near = o.near_threshold, .sig_threshold = o.similar_threshold, .cap = o.max_hits, .excluded = -1};
	ln_corpus_store(c, &m.ops, &m.st);
	if (o.exclude_self) {
		int frc = m.ops->find_sample(m.st, lineage_sample_hashes(s)->sha256, &m.excluded);
		if (frc == LINEAGE_ENOTFOUND)
			m.excluded = -1;
		else if (frc)
			return ln_ctx_error(ctx, frc, "%s: match: %s", path, m.ops->errmsg(m.st));
	}
	struct lineage_match_owner *own = ln_calloc(1, sizeof(*own));
	m.arena = ln_arena_new();
	if (!own || !m.arena) {
		ln_free(own);
		ln_arena_free(m.arena);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", path);
	}
	own->arena = m.arena;
	ln_map_init(&m.sample_ix);
	ln_map_init(&m.family_ix);
	ln_map_init(&m.fn_seen);
	ln_vec_init(&m.samples, sizeof(msample));
	ln_vec_init(&m.families, sizeof(mfamily));
	ln_vec_init(&m.hits, sizeof(qhit));
	ln_vec_init(&m.qfuns, sizeof(qfun));
	ln_vec_init(&m.ids, sizeof(int64_t));
	ln_vec_init(&m.cached, sizeof(cfn));
	ln_vec_init(&m.thits, sizeof(thit));
	ln_vec_init(&m.feeds, sizeof(lineage_match_feed));
	m.kb = o.kb;
	m.axes = o.axes ? o.axes : ~0u;
	ln_map_init(&m.fn_cache);
	lineage_match *r = &own->pub;
	r->threshold = o.verdict_threshold;
	size_t nf;
	const lineage_function *fn = lineage_sample_functions(s, &nf);
	uint64_t all_insns = 0;
	uint8_t *runtime = ln_calloc(nf + 1, 1);
	int rc = runtime ? 0 : LINEAGE_ENOMEM;
	/* one read transaction: a consistent snapshot, and no file lock taken
	 * and released around each of the many lookups */
	bool reading = rc == 0 && m.ops->begin_read(m.st) == 0;
	if (runtime) mark_elf_crt(s, runtime);
	for (size_t i = 0; i < nf && rc == 0; i++) {
		if (!considered(&fn[i])) continue;
		rc = lookup(&m, &fn[i]);
		if (rc) break;
		qfun *qf = ln_vec_push(&m.qfuns);
		if (!qf) {
			rc = LINEAGE_ENOMEM;
			break;
		}
		*qf = (qfun){.fn = &fn[i], .first = m.q_first, .nhits = m.hits.len - m.q_first, .library = runtime[i]};
		weigh(&m, qf);
		r->functions++;
		all_insns += fn[i].ninsn;
		if (qf->library)
			r->library_functions++;
		else
			r->query_insns += fn[i].ninsn;
	}
	for (size_t i = 0; i < m.qfuns.len && rc == 0; i++) credit(&m, &LN_VEC_AT(&m.qfuns, qfun, i), (uint32_t)i + 1);
	if (rc == 0) rc = lookup_traits(&m, s);
	if (rc == 0) rc = lookup_feeds(&m, s);
	if (reading) m.ops->rollback(m.st);
	if (rc == 0) rc = rank(&m, r, all_insns, s);
	r->rows_read = m.rows;
	ln_free(runtime);
	ln_map_free(&m.sample_ix);
	ln_map_free(&m.family_ix);
	ln_map_free(&m.fn_seen);
	ln_vec_free(&m.samples);
	ln_vec_free(&m.families);
	ln_vec_free(&m.hits);
	ln_vec_free(&m.qfuns);
	ln_vec_free(&m.ids);
	ln_vec_free(&m.cached);
	ln_vec_free(&m.thits);
	ln_vec_free(&m.feeds);
	ln_map_free(&m.fn_cache);
	if (rc != 0) {
		ln_arena_free(m.arena);
		ln_free(own);
		if (rc == LINEAGE_ENOMEM) return ln_ctx_error(ctx, rc, "%s: match: out of memory", path);
		return ln_ctx_error(ctx, rc, "%s: match: %s", path, m.ops->errmsg(m.st));
	}
	*out = r;
	return 0;
}

void lineage_match_free(lineage_match *m)
{
	if (!m) return;
	struct lineage_match_owner *own = (struct lineage_match_owner *)m;
	ln_arena_free(own->arena);
	ln_free(own);
}
