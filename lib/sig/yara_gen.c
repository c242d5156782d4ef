/* lineage_yara_generate: a YARA rule for one corpus family from code that
 * only its samples have, verified with libyara against every stored sample
 * file and the caller's extra files.
 *
 * Outline (lineage/yara.h says why each step is there):
 *   members      the family's samples, read again from their stored paths
 *   candidates   one wildcarded pattern per eligible function (mask.c),
 *                deduplicated across samples, the best ones per sample kept
 *   scan 1       every candidate as a rule of its own over every file: which
 *                family samples each hits, and whether it hits anything else
 *   cover        greedy: each pick serves the most samples still short of the
 *                condition's count
 *   scan 2       the rule itself over the same files: recall, false positives
 */
#include "sig.h"
#include "../core/core.h"
#include "../corpus/store.h"
#include "../rules/set.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>
#include <yara.h>

/* Code read from one run of blocks, at most; patterns are cut from it. */
#define RUN_MAX 4096
/* Candidates kept per sample: a budget of about this many in all. */
#define CAND_BUDGET         32768
#define CAND_PER_SAMPLE_MAX 128
#define CAND_PER_SAMPLE_MIN 16

typedef struct csample {
	int64_t id;
	const char *sha256, *path, *family, *actor, *format; /* in the arena */
	int library;
	size_t member; /* index into members + 1, or 0 */
} csample;

typedef struct member {
	size_t cs; /* index into samples */
	lineage_yara_sample pub;
	bool read;
	const char *real; /* realpath (in the arena), to leave the family's own files out of the extra files */
	unsigned cover;
} member;

typedef struct cand {
	const uint8_t *bytes, *mask; /* in the arena */
	uint32_t len, fixed, distinct;
	size_t member; /* where it was taken from */
	uint64_t fn, va;
	const char *name;
	double score;
	bool outside; /* hits a file outside the family */
	bool chosen;
	uint32_t nhits; /* family samples it hits */
} cand;

typedef struct gen {
	lineage_ctx *ctx;
	const lineage_yara_options *opt;
	ln_arena *arena;
	const char *family;
	ln_vec samples;   /* csample, by id */
	ln_map sample_at; /* id -> index */
	ln_vec members;   /* member */
	ln_vec cands;     /* cand */
	ln_map cand_at;   /* pattern hash -> index */
	ln_map excl;      /* exact hash -> 1 outside the family, 2 not */
	uint8_t *hits;    /* cands x members: 1 when the candidate hits the member */
	const ln_store_ops *ops;
	ln_store *st;
	size_t excluded, rejected;
	ln_vec fps, unscanned; /* lineage_yara_file */
	size_t corpus_files, extra_files;
} gen;

typedef struct rule_box {
	lineage_yara_rule pub; /* first: the pointer handed out */
	ln_arena *arena;
} rule_box;

/* ------------------------------------------------------------ text buffer */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
	if (b->oom) return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *p = ln_realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* s as the inside of a YARA text string: quotes, backslashes and anything
 * but printable ASCII escaped. */
static void sb_quoted(sbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(b, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			sb_printf(b, "%c", *p);
		else
			sb_printf(b, "\\x%02x", *p);
	}
}

/* s in a // comment: printable ASCII only, at most max characters. */
static void sb_comment(sbuf *b, const char *s, size_t max)
{
	size_t i = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && i < max; p++, i++)
		sb_printf(b, "%c", *p >= 0x20 && *p < 0x7f ? *p : '?');
	if (s[i]) sb_printf(b, "...");
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ------------------------------------------------------------ the corpus */

static int on_sample(const lineage_corpus_sample *x, void *arg)
{
	gen *g = arg;
	csample *s = ln_vec_push(&g->samples);
	if (!s) return LINEAGE_ENOMEM;
	s->id = x->id;
	s->sha256 = ln_arena_strdup(g->arena, x->sha256 ? x->sha256 : "");
	s->path = ln_arena_strdup(g->arena, x->path ? x->path : "");
	s->family = ln_arena_strdup(g->arena, x->labels.family ? x->labels.family : "");
	s->actor = ln_arena_strdup(g->arena, x->labels.actor ? x->labels.actor : "");
	s->format = ln_arena_strdup(g->arena, x->format ? x->format : "");
	s->library = x->labels.library;
	if (!s->sha256 || !s->path || !s->family || !s->actor || !s->format) return LINEAGE_ENOMEM;
	if (!ln_map_put(&g->sample_at, (uint64_t)x->id, (uint32_t)(g->samples.len - 1))) return LINEAGE_ENOMEM;
	return 0;
}

typedef struct exact_q {
	gen *g;
	bool outside;
} exact_q;

static int on_exact(const ln_hit *h, void *arg)
{
	exact_q *q = arg;
	const uint32_t *ix = ln_map_get(&q->g->sample_at, (uint64_t)h->sample);
	if (!ix) return 0; /* added after the listing */
	const csample *s = &LN_VEC_AT(&q->g->samples, csample, *ix);
	if (!s->member || s->library || lineage_runtime_name(h->name)) {
		q->outside = true;
		return 1;
	}
	return 0;
}

/* 1 when the corpus holds a function with this exact hash outside the
 * family (another family, an unlabeled sample, a library sample, or under a
 * runtime name), 0 when not, or a negative error. */
static int found_elsewhere(gen *g, uint64_t hash)
{
	uint32_t *v = hash != LN_MAP_EMPTY ? ln_map_get(&g->excl, hash) : NULL;
	if (v) return *v == 1;
	exact_q q = {g, false};
	int rc = g->ops->find_exact(g->st, hash, 0, on_exact, &q);
	if (rc < 0) return ln_ctx_error(g->ctx, LINEAGE_EDB, "corpus: %s", g->ops->errmsg(g->st));
	if (hash != LN_MAP_EMPTY && !ln_map_put(&g->excl, hash, q.outside ? 1 : 2)) return LINEAGE_ENOMEM;
	return q.outside;
}

/* ------------------------------------------------------------ candidates */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Relocated slots of a binary, sorted, with their widths. */
static int reloc_table(ln_sig_env *env, const lineage_binary *bin, uint64_t **where, uint8_t **width)
{
	*where = NULL;
	*width = NULL;
	if (!bin->nrelocs) return 0;
	uint64_t *w = ln_malloc(bin->nrelocs * sizeof(*w));
	uint8_t *k = ln_malloc(bin->nrelocs);
	if (!w || !k) {
		ln_free(w);
		ln_free(k);
		return LINEAGE_ENOMEM;
	}
	/* the width rides in the low bits of a sorted key: addresses are shifted */
	for (size_t i = 0; i < bin->nrelocs; i++) {
		const lineage_reloc *r = &bin->relocs[i];
		bool wide = (bin->format == LINEAGE_FORMAT_PE && r->type == 10) ||
		            (bin->format == LINEAGE_FORMAT_ELF && bin->bits == 64 && r->type == 1);
		w[i] = r->where << 1 | (wide ? 1 : 0);
	}
	ln_sort(w, bin->nrelocs, sizeof(*w), cmp_u64);
	for (size_t i = 0; i < bin->nrelocs; i++) {
		k[i] = w[i] & 1 ? 8 : 4;
		w[i] >>= 1;
	}
	*where = w;
	*width = k;
	env->relocs = w;
	env->reloc_width = k;
	env->nrelocs = bin->nrelocs;
	return 0;
}

/* The mapped image's address range, or none (0, 0) when it starts so low
 * (a position-independent ELF) that small constants would look like
 * addresses: such code holds no absolute addresses anyway. */
static void image_range(ln_sig_env *env, const lineage_binary *bin)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) || !s->vaddr) continue;
		uint64_t end = s->vaddr + (s->vsize > s->size ? s->vsize : s->size);
		if (s->vaddr < lo) lo = s->vaddr;
		if (end > hi) hi = end;
	}
	if (bin->format == LINEAGE_FORMAT_PE && bin->pe.size_of_image) {
		lo = bin->image_base;
		hi = bin->image_base + bin->pe.size_of_image;
	}
	env->img_lo = env->img_hi = 0;
	if (lo < hi && lo >= 0x10000) {
		env->img_lo = lo;
		env->img_hi = hi;
	}
}

typedef struct window {
	size_t start, len;
	uint32_t fixed, distinct;
} window;

/* Whether the bytes [s, e) make a pattern worth scanning for: enough fixed
 * bytes, not mostly wildcards, varied, not padding, and a run of four fixed
 * bytes that are not all alike (libyara's atom: without one a string slows
 * every scan down). */
static bool good_window(const uint8_t *b, const uint8_t *m, size_t s, size_t e, window *out)
{
	while (s < e && !m[s]) s++;
	while (e > s && !m[e - 1]) e--;
	size_t len = e - s;
	uint32_t fixed = 0, pad = 0, distinct = 0, run = 0;
	bool atom = false, seen[256] = {false};
	for (size_t i = s; i < e; i++) {
		if (!m[i]) {
			run = 0;
			continue;
		}
		fixed++;
		pad += b[i] == 0x00 || b[i] == 0xcc || b[i] == 0x90;
		if (!seen[b[i]]) distinct++;
		seen[b[i]] = true;
		run++;
		if (run >= 4 && (b[i] != b[i - 1] || b[i] != b[i - 2] || b[i] != b[i - 3])) atom = true;
	}
	if (fixed < LINEAGE_YARA_MIN_FIXED || fixed * 10 < len * 7 || distinct < 8 || pad * 2 > fixed || !atom)
		return false;
	*out = (window){s, len, fixed, distinct};
	return true;
}

/* The best pattern of one function: the instruction-aligned window of at most
 * LINEAGE_YARA_MAX_PATTERN bytes with the most fixed bytes, from its longest
 * run of contiguous blocks. False when there is none worth keeping. */
static bool best_window(const lineage_binary *bin, const lineage_function *fn, ln_sig_env *env, uint8_t *mask,
                        uint32_t *ends, const uint8_t **code, uint64_t *at, window *out)
{
	if (!fn->nblocks) return false;
	uint64_t best_lo = 0, best_hi = 0;
	uint64_t lo = fn->blocks[0].start, hi = lo + fn->blocks[0].size;
	for (uint32_t b = 1; b <= fn->nblocks; b++) {
		if (b < fn->nblocks && fn->blocks[b].start >= lo && fn->blocks[b].start <= hi) {
			uint64_t end = fn->blocks[b].start + fn->blocks[b].size;
			if (end > hi) hi = end;
			continue;
		}
		if (hi - lo > best_hi - best_lo) {
			best_lo = lo;
			best_hi = hi;
		}
		if (b < fn->nblocks) {
			lo = fn->blocks[b].start;
			hi = lo + fn->blocks[b].size;
		}
	}
	const uint8_t *p;
	uint64_t avail;
	if (best_hi <= best_lo || lineage_binary_va_bytes(&p, &avail, bin, best_lo) != 0) return false;
	size_t n = (size_t)(best_hi - best_lo);
	if (n > avail) n = (size_t)avail;
	if (n > RUN_MAX) n = RUN_MAX;
	env->fn_lo = fn->address;
	env->fn_hi = fn->address + fn->size;
	size_t nins = 0;
	size_t got = ln_sig_mask(mask, ends, RUN_MAX, &nins, p, n, best_lo, env);
	if (!got || !nins) return false;
	bool found = false;
	window best = {0};
	/* each instruction start, extended over whole instructions */
	for (size_t a = 0; a < nins; a++) {
		size_t s = a ? ends[a - 1] : 0, e = s;
		for (size_t k = a; k < nins && ends[k] - s <= LINEAGE_YARA_MAX_PATTERN; k++) e = ends[k];
		window w;
		if (e > s && good_window(p, mask, s, e, &w) &&
		    (!found || w.fixed > best.fixed || (w.fixed == best.fixed && w.distinct > best.distinct))) {
			best = w;
			found = true;
		}
	}
	*code = p;
	*at = best_lo;
	*out = best;
	return found;
}

static int cmp_cand_score(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	return x->score < y->score ? 1 : x->score > y->score ? -1 : (x->va > y->va) - (x->va < y->va);
}

/* Keep a sample's best candidates, each pattern once across the family. */
static int add_candidates(gen *g, ln_vec *mine, size_t cap)
{
	ln_sort(mine->items, mine->len, sizeof(cand), cmp_cand_score);
	uint8_t key[2 * LINEAGE_YARA_MAX_PATTERN];
	for (size_t i = 0; i < mine->len && i < cap; i++) {
		const cand *c = &LN_VEC_AT(mine, cand, i);
		for (uint32_t k = 0; k < c->len; k++) {
			key[k] = c->mask[k] ? c->bytes[k] : 0;
			key[c->len + k] = c->mask[k];
		}
		uint64_t h = XXH3_64bits(key, 2 * (size_t)c->len) >> 1;
		if (ln_map_get(&g->cand_at, h)) continue;
		cand *d = ln_vec_push(&g->cands);
		if (!d || !ln_map_put(&g->cand_at, h, (uint32_t)(g->cands.len - 1))) return LINEAGE_ENOMEM;
		*d = *c;
	}
	return 0;
}

static void skip_member(gen *g, member *m, int status, const char *why)
{
	m->pub.status = status;
	m->pub.message = ln_arena_strdup(g->arena, why);
}

/* Read one sample of the family again and take its candidates. */
static int take_member(gen *g, member *m, size_t cap, uint8_t *mask, uint32_t *ends)
{
	const csample *cs = &LN_VEC_AT(&g->samples, csample, m->cs);
	struct stat st;
	if (stat(cs->path, &st) != 0) {
		char why[PATH_MAX + 64];
		snprintf(why, sizeof(why), "%s: %s", cs->path, strerror(errno));
		skip_member(g, m, LINEAGE_YARA_SAMPLE_GONE, why);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		skip_member(g, m, LINEAGE_YARA_SAMPLE_GONE, "not a regular file");
		return 0;
	}
	lineage_sample *s = NULL;
	int rc = lineage_sample_load_file(&s, g->ctx, cs->path);
	if (rc == 0) rc = lineage_sample_analyze(s, g->ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES);
	if (rc == LINEAGE_ENOMEM) goto done;
	if (rc != 0) {
		skip_member(g, m, LINEAGE_YARA_SAMPLE_FAILED, lineage_errmsg(g->ctx));
		rc = 0;
		goto done;
	}
	if (strcmp(lineage_sample_hashes(s)->sha256, cs->sha256)) {
		char why[200];
		snprintf(why, sizeof(why), "changed since it was added (sha256 now %.16s...)",
		         lineage_sample_hashes(s)->sha256);
		skip_member(g, m, LINEAGE_YARA_SAMPLE_CHANGED, why);
		goto done;
	}
	m->read = true;
	m->pub.status = LINEAGE_YARA_SAMPLE_MISSED; /* until the rule's scan hits it */
	char real[PATH_MAX];
	if (realpath(cs->path, real) && !(m->real = ln_arena_strdup(g->arena, real))) {
		rc = LINEAGE_ENOMEM;
		goto done;
	}
	const lineage_binary *bin = lineage_sample_binary(s);
	if (bin->arch != LINEAGE_ARCH_X86 && bin->arch != LINEAGE_ARCH_X86_64) goto done;
	ln_sig_env env = {.bits = bin->arch == LINEAGE_ARCH_X86_64 ? 64 : 32};
	image_range(&env, bin);
	uint64_t *rw = NULL;
	uint8_t *rk = NULL;
	if ((rc = reloc_table(&env, bin, &rw, &rk)) != 0) goto done;
	size_t nfn;
	const lineage_function *fns = lineage_sample_functions(s, &nfn);
	ln_vec mine;
	ln_vec_init(&mine, sizeof(cand));
	for (size_t i = 0; i < nfn && !rc; i++) {
		const lineage_function *fn = &fns[i];
		if (fn->ninsn < LINEAGE_MIN_MATCH_INSNS) continue;
		if ((fn->flags & (LINEAGE_FUNC_THUNK | LINEAGE_FUNC_LIBRARY)) || lineage_runtime_name(fn->name)) {
			g->excluded++;
			continue;
		}
		int where = found_elsewhere(g, fn->exact_hash);
		if (where < 0) {
			rc = where;
			break;
		}
		if (where) {
			g->excluded++;
			continue;
		}
		const uint8_t *code;
		uint64_t at;
		window w;
		if (!best_window(bin, fn, &env, mask, ends, &code, &at, &w)) continue;
		cand *c = ln_vec_push(&mine);
		uint8_t *bytes = ln_arena_memdup(g->arena, code + w.start, w.len);
		uint8_t *mk = ln_arena_memdup(g->arena, mask + w.start, w.len);
		const char *name = fn->name ? ln_arena_strdup(g->arena, fn->name) : NULL;
		if (!c || !bytes || !mk || (fn->name && !name)) {
			rc = LINEAGE_ENOMEM;
			break;
		}
		*c = (cand){.bytes = bytes,
		            .mask = mk,
		            .len = (uint32_t)w.len,
		            .fixed = w.fixed,
		            .distinct = w.distinct,
		            .member = (size_t)(m - (member *)g->members.items),
		            .fn = fn->address,
		            .va = at + w.start,
		            .name = name,
		            .score = w.fixed + 0.25 * w.distinct};
		m->pub.candidates++;
	}
	if (!rc) rc = add_candidates(g, &mine, cap);
	ln_vec_free(&mine);
	ln_free(rw);
	ln_free(rk);
done:
	lineage_sample_free(s);
	if (rc == LINEAGE_ENOMEM) return ln_ctx_error(g->ctx, rc, "%s: out of memory", cs->path);
	return rc;
}

/* ------------------------------------------------------------ libyara */

typedef struct compile_err {
	char msg[512];
	int errors;
} compile_err;

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *message, void *arg)
{
	compile_err *e = arg;
	if (level != YARA_ERROR_LEVEL_ERROR || e->errors++) return;
	snprintf(e->msg, sizeof(e->msg), "line %d: %s", line, message);
}

static int compile(gen *g, const char *text, YR_RULES **out)
{
	*out = NULL;
	YR_COMPILER *comp = NULL;
	if (yr_compiler_create(&comp) != ERROR_SUCCESS) return ln_ctx_error(g->ctx, LINEAGE_ENOMEM, "out of memory");
	compile_err err = {{0}, 0};
	yr_compiler_set_callback(comp, on_compile, &err);
	int rc = 0;
	if (yr_compiler_add_string(comp, text, NULL) != 0 || err.errors)
		rc = ln_ctx_error(g->ctx, LINEAGE_EFORMAT, "the generated rule does not compile: %s", err.msg);
	else if (yr_compiler_get_rules(comp, out) != ERROR_SUCCESS)
		rc = ln_ctx_error(g->ctx, LINEAGE_ENOMEM, "out of memory");
	yr_compiler_destroy(comp);
	return rc;
}

/* One file to scan: a member (index + 1), another corpus sample, or an
 * extra file (family NULL). */
typedef struct target {
	const char *path;
	size_t member;
	const char *family;
} target;

typedef struct scan_state {
	gen *g;
	const target *t;
	bool final;     /* the rule itself (scan 2), not the candidates */
	bool matched;   /* scan 2: the rule hit */
	uint8_t *found; /* scan 2: per string, found in this file */
	size_t nstrings;
} scan_state;

/* libyara keeps its match records packed in its arena: reading them through
 * its own iteration macros is a misaligned access that UBSan reports (x86
 * loads them fine). */
__attribute__((no_sanitize("alignment"))) static int on_scan(YR_SCAN_CONTEXT *sc, int message, void *data, void *arg)
{
	scan_state *k = arg;
	if (message != CALLBACK_MSG_RULE_MATCHING && message != CALLBACK_MSG_RULE_NOT_MATCHING)
		return CALLBACK_CONTINUE;
	const YR_RULE *rule = data;
	gen *g = k->g;
	if (!k->final) {
		if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
		char *end;
		unsigned long i = strtoul(rule->identifier + 1, &end, 10);
		if (*end || i >= g->cands.len) return CALLBACK_CONTINUE;
		if (k->t->member)
			g->hits[i * g->members.len + k->t->member - 1] = 1;
		else
			LN_VEC_AT(&g->cands, cand, i).outside = true;
		return CALLBACK_CONTINUE;
	}
	k->matched = message == CALLBACK_MSG_RULE_MATCHING;
	const YR_STRING *str;
	yr_rule_strings_foreach(rule, str)
	{
		const YR_MATCH *m;
		char *end;
		unsigned long i = strtoul(str->identifier + 2, &end, 10); /* "$f12" */
		if (*end || i >= k->nstrings) continue;
		yr_string_matches_foreach(sc, str, m)
		{
			k->found[i] = 1;
			break;
		}
	}
	return CALLBACK_CONTINUE;
}

static int add_file(gen *g, ln_vec *v, const target *t, const char *why)
{
	lineage_yara_file *f = ln_vec_push(v);
	if (!f) return LINEAGE_ENOMEM;
	f->path = ln_arena_strdup(g->arena, t->path);
	f->family = t->family ? ln_arena_strdup(g->arena, t->family) : NULL;
	f->message = why ? ln_arena_strdup(g->arena, why) : NULL;
	if (!f->path || (t->family && !f->family) || (why && !f->message)) return LINEAGE_ENOMEM;
	return 0;
}

/* Scan every target with the rules. Scan 1 (final false) fills the hit
 * matrix and marks candidates that hit outside; scan 2 counts strings and
 * rule hits per member and collects false positives. Files that cannot be
 * scanned are listed once, in scan 1. */
static int scan_all(gen *g, YR_RULES *rules, const target *ts, size_t nts, bool final, unsigned *str_hits,
                    size_t nstrings)
{
	uint8_t *found = final ? ln_calloc(nstrings ? nstrings : 1, 1) : NULL;
	if (final && !found) return ln_ctx_error(g->ctx, LINEAGE_ENOMEM, "out of memory");
	int timeout = g->opt->scan_timeout > 0 ? g->opt->scan_timeout : 60;
	int flags = SCAN_FLAGS_FAST_MODE | (final ? 0 : SCAN_FLAGS_REPORT_RULES_MATCHING);
	int rc = 0;
	for (size_t i = 0; i < nts && !rc; i++) {
		const target *t = &ts[i];
		struct stat st;
		const char *why = NULL;
		char buf[PATH_MAX + 64];
		if (stat(t->path, &st) != 0) {
			snprintf(buf, sizeof(buf), "%s", strerror(errno));
			why = buf;
		} else if (!S_ISREG(st.st_mode)) {
			why = "not a regular file";
		} else if ((uint64_t)st.st_size > g->ctx->limits.max_file_size) {
			why = "over the file size limit";
		} else if (!st.st_size) {
			continue; /* nothing to hit */
		}
		scan_state k = {g, t, final, false, found, nstrings};
		if (!why) {
			if (final) memset(found, 0, nstrings ? nstrings : 1);
			int yrc = yr_rules_scan_file(rules, t->path, flags, on_scan, &k, timeout);
			if (yrc == ERROR_INSUFFICIENT_MEMORY) {
				rc = ln_ctx_error(g->ctx, LINEAGE_ENOMEM, "%s: out of memory", t->path);
				break;
			}
			if (yrc == ERROR_SCAN_TIMEOUT)
				why = "the scan timed out";
			else if (yrc != ERROR_SUCCESS && yrc != ERROR_TOO_MANY_MATCHES) {
				snprintf(buf, sizeof(buf), "libyara could not scan it (error %d)", yrc);
				why = buf;
			}
		}
		if (why) {
			if (!final && !t->member) rc = add_file(g, &g->unscanned, t, why);
			continue;
		}
		if (!final) {
			if (t->member)
				;
			else if (t->family)
				g->corpus_files++;
			else
				g->extra_files++;
			continue;
		}
		if (t->member) {
			member *m = &LN_VEC_AT(&g->members, member, t->member - 1);
			m->pub.status = k.matched ? LINEAGE_YARA_SAMPLE_HIT : LINEAGE_YARA_SAMPLE_MISSED;
			m->pub.hits = 0;
			for (size_t s = 0; s < nstrings; s++) {
				m->pub.hits += found[s];
				str_hits[s] += found[s];
			}
		} else if (k.matched) {
			rc = add_file(g, &g->fps, t, NULL);
		}
	}
	ln_free(found);
	return rc;
}

/* ------------------------------------------------------------ the rule */

static const char *format_check(gen *g)
{
	bool pe = false, elf = false, other = false;
	for (size_t i = 0; i < g->members.len; i++) {
		const member *m = &LN_VEC_AT(&g->members, member, i);
		if (!m->read) continue;
		const char *f = LN_VEC_AT(&g->samples, csample, m->cs).format;
		pe |= !strcmp(f, "pe");
		elf |= !strcmp(f, "elf");
		other |= strcmp(f, "pe") && strcmp(f, "elf");
	}
	if (other || (!pe && !elf)) return "";
	if (pe && elf) return "(uint16(0) == 0x5A4D or uint32(0) == 0x464C457F)";
	return pe ? "uint16(0) == 0x5A4D" : "uint32(0) == 0x464C457F";
}

typedef struct verdict {
	bool done;
	size_t read, hit, fps, corpus, extra, unscanned;
} verdict;

/* The rule's text; with the verification figures once they are known. */
static void render(sbuf *b, gen *g, const char *name, const char *actor, const char *date, const size_t *chosen,
                   size_t n, const unsigned *str_hits, unsigned min_hits, const char *fmt, const verdict *v)
{
	sb_printf(b, "// Generated by lineage %s (lineage yara) from code that the samples of family \"",
	          lineage_version());
	sb_comment(b, g->family, 120);
	sb_printf(b, "\"\n// share and no other family in the corpus has; position-dependent bytes are ??.\n");
	if (v->done)
		sb_printf(b,
		          "// Verified with libyara: hits %zu of %zu family samples; false positives %zu of %zu other "
		          "files\n// (%zu corpus samples, %zu extra files; %zu could not be scanned).\n",
		          v->hit, v->read, v->fps, v->corpus + v->extra, v->corpus, v->extra, v->unscanned);
	sb_printf(b, "rule %s\n{\n\tmeta:\n\t\tfamily = \"", name);
	sb_quoted(b, g->family);
	sb_printf(b, "\"\n");
	if (*actor) {
		sb_printf(b, "\t\tactor = \"");
		sb_quoted(b, actor);
		sb_printf(b, "\"\n");
	}
	sb_printf(b, "\t\tgenerated_by = \"lineage %s\"\n\t\tdate = \"", lineage_version());
	sb_quoted(b, date);
	sb_printf(b, "\"\n\t\tsamples = %zu\n\tstrings:\n", v->read);
	for (size_t i = 0; i < n; i++) {
		const cand *c = &LN_VEC_AT(&g->cands, cand, chosen[i]);
		const member *m = &LN_VEC_AT(&g->members, member, c->member);
		const csample *cs = &LN_VEC_AT(&g->samples, csample, m->cs);
		sb_printf(b, "\t\t// ");
		if (c->name) {
			sb_comment(b, c->name, 80);
			sb_printf(b, " ");
		}
		sb_printf(b, "0x%llx", (unsigned long long)c->fn);
		if (c->va != c->fn) sb_printf(b, "+0x%llx", (unsigned long long)(c->va - c->fn));
		sb_printf(b, " in ");
		sb_comment(b, base_name(cs->path), 80);
		sb_printf(b, " (sha256 %.16s), %u of %u bytes fixed", cs->sha256, c->fixed, c->len);
		if (str_hits) sb_printf(b, ", in %u samples", str_hits[i]);
		sb_printf(b, "\n\t\t$f%zu = { ", i);
		char hex[3 * LINEAGE_YARA_MAX_PATTERN];
		ln_sig_hex(hex, c->bytes, c->mask, c->len);
		sb_printf(b, "%s }\n", hex);
	}
	sb_printf(b, "\tcondition:\n\t\t%s%s%u of ($f*)\n}\n", fmt, *fmt ? " and " : "", min_hits);
}

/* The rule's identifier: lineage_ and the family, other characters as _. */
static void rule_name(char *out, size_t cap, const char *family)
{
	size_t n = (size_t)snprintf(out, cap, "lineage_");
	for (const unsigned char *p = (const unsigned char *)family; *p && n + 1 < cap && n < 100; p++)
		out[n++] =
		        (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p
		                                                                                                : '_');
	out[n] = 0;
}

/* ------------------------------------------------------------ cover */

/* Greedy multi-cover: each pick hits the most samples still needing a
 * string, the better pattern first on ties. Returns the number chosen. */
static size_t cover(gen *g, unsigned want, size_t max, size_t *chosen)
{
	size_t nm = g->members.len, nc = g->cands.len, n = 0;
	unsigned *need = ln_calloc(nm ? nm : 1, sizeof(*need));
	if (!need) return SIZE_MAX;
	for (size_t m = 0; m < nm; m++) need[m] = LN_VEC_AT(&g->members, member, m).read ? want : 0;
	while (n < max) {
		size_t best = SIZE_MAX, best_gain = 0;
		for (size_t c = 0; c < nc; c++) {
			const cand *x = &LN_VEC_AT(&g->cands, cand, c);
			if (x->outside || x->chosen || !x->nhits) continue;
			size_t gain = 0;
			for (size_t m = 0; m < nm; m++) gain += g->hits[c * nm + m] && need[m];
			if (gain > best_gain ||
			    (gain && gain == best_gain && x->score > LN_VEC_AT(&g->cands, cand, best).score)) {
				best = c;
				best_gain = gain;
			}
		}
		if (best == SIZE_MAX) break;
		LN_VEC_AT(&g->cands, cand, best).chosen = true;
		chosen[n++] = best;
		for (size_t m = 0; m < nm; m++)
			if (g->hits[best * nm + m]) {
				if (need[m]) need[m]--;
				LN_VEC_AT(&g->members, member, m).cover++;
			}
	}
	ln_free(need);
	return n;
}

/* ------------------------------------------------------------ the call */

static int copy_out(rule_box *box, gen *g, const char *name, const char *actor, const char *text, const size_t *chosen,
                    size_t n, const unsigned *str_hits, unsigned min_hits, const char *fmt)
{
	ln_arena *a = box->arena;
	lineage_yara_rule *r = &box->pub;
	r->name = ln_arena_strdup(a, name);
	r->text = ln_arena_strdup(a, text);
	r->family = ln_arena_strdup(a, g->family);
	r->actor = ln_arena_strdup(a, actor);
	r->format = ln_arena_strdup(a, fmt);
	r->min_hits = min_hits;
	lineage_yara_string *s = ln_arena_alloc(a, (n ? n : 1) * sizeof(*s));
	lineage_yara_sample *sm = ln_arena_alloc(a, (g->members.len ? g->members.len : 1) * sizeof(*sm));
	if (!r->name || !r->text || !r->family || !r->actor || !r->format || !s || !sm) return LINEAGE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const cand *c = &LN_VEC_AT(&g->cands, cand, chosen[i]);
		const csample *cs = &LN_VEC_AT(&g->samples, csample, LN_VEC_AT(&g->members, member, c->member).cs);
		char *hex = ln_arena_alloc(a, 3 * (size_t)c->len);
		if (!hex) return LINEAGE_ENOMEM;
		ln_sig_hex(hex, c->bytes, c->mask, c->len);
		s[i] = (lineage_yara_string){.id = ln_arena_printf(a, "$f%zu", i),
		                             .hex = hex,
		                             .sha256 = cs->sha256,
		                             .path = cs->path,
		                             .name = c->name,
		                             .address = c->fn,
		                             .offset = c->va,
		                             .length = c->len,
		                             .fixed = c->fixed,
		                             .samples_hit = str_hits[i]};
		if (!s[i].id) return LINEAGE_ENOMEM;
	}
	r->strings = s;
	r->nstrings = n;
	for (size_t i = 0; i < g->members.len; i++) {
		const member *m = &LN_VEC_AT(&g->members, member, i);
		const csample *cs = &LN_VEC_AT(&g->samples, csample, m->cs);
		sm[i] = m->pub;
		sm[i].sha256 = cs->sha256;
		sm[i].path = cs->path;
		r->samples_read += m->read;
		r->samples_hit += m->read && m->pub.status == LINEAGE_YARA_SAMPLE_HIT;
	}
	r->samples = sm;
	r->nsamples = g->members.len;
	r->candidates = g->cands.len;
	r->rejected = g->rejected;
	r->excluded = g->excluded;
	r->corpus_files = g->corpus_files;
	r->extra_files = g->extra_files;
	size_t k, want_fps = g->fps.len, want_un = g->unscanned.len;
	r->false_positives = ln_vec_to_arena(&g->fps, a, &k);
	r->nfalse_positives = k;
	r->unscanned = ln_vec_to_arena(&g->unscanned, a, &k);
	r->nunscanned = k;
	if ((want_fps && !r->false_positives) || (want_un && !r->unscanned)) return LINEAGE_ENOMEM;
	return 0;
}

int lineage_yara_generate(lineage_yara_rule **out, lineage_corpus *c, lineage_ctx *ctx, const char *family,
                          const lineage_yara_options *opt)
{
	*out = NULL;
	static const lineage_yara_options defaults = {0};
	if (!opt) opt = &defaults;
	if (!family || !*family) return ln_ctx_error(ctx, LINEAGE_EINVAL, "yara: no family given");
	if (opt->max_strings > LINEAGE_YARA_STRINGS_LIMIT)
		return ln_ctx_error(ctx, LINEAGE_EINVAL, "yara: at most %d strings", LINEAGE_YARA_STRINGS_LIMIT);
	size_t max = opt->max_strings ? opt->max_strings : LINEAGE_YARA_MAX_STRINGS;
	unsigned want = opt->min_hits ? opt->min_hits : LINEAGE_YARA_MIN_HITS;
	if (want > max)
		return ln_ctx_error(ctx, LINEAGE_EINVAL, "yara: the condition's count (%u) exceeds the strings (%zu)",
		                    want, max);

	gen g = {.ctx = ctx, .opt = opt, .family = family};
	ln_vec_init(&g.samples, sizeof(csample));
	ln_vec_init(&g.members, sizeof(member));
	ln_vec_init(&g.cands, sizeof(cand));
	ln_vec_init(&g.fps, sizeof(lineage_yara_file));
	ln_vec_init(&g.unscanned, sizeof(lineage_yara_file));
	ln_map_init(&g.sample_at);
	ln_map_init(&g.cand_at);
	ln_map_init(&g.excl);
	ln_corpus_store(c, &g.ops, &g.st);
	uint8_t *mask = ln_malloc(RUN_MAX);
	uint32_t *ends = ln_malloc(RUN_MAX * sizeof(*ends));
	target *ts = NULL;
	size_t *chosen = NULL;
	unsigned *str_hits = NULL;
	YR_RULES *rules = NULL;
	sbuf text = {0};
	rule_box *box = NULL;
	bool yr_up = false, reading = false;
	int rc = 0;
	g.arena = ln_arena_new();
	if (!g.arena || !mask || !ends) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}

	/* the corpus's samples, and the family's among them */
	rc = lineage_corpus_each_sample(c, ctx, NULL, on_sample, &g);
	if (rc == LINEAGE_ENOMEM) rc = ln_ctx_error(ctx, rc, "out of memory");
	if (rc) goto done;
	const char *actor = "";
	for (size_t i = 0; i < g.samples.len; i++) {
		csample *s = &LN_VEC_AT(&g.samples, csample, i);
		if (strcmp(s->family, family)) continue;
		member *m = ln_vec_push(&g.members);
		if (!m) {
			rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
			goto done;
		}
		m->cs = i;
		s->member = g.members.len;
		if (!*actor && *s->actor) actor = s->actor;
	}
	if (!g.members.len) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOTFOUND,
		                  "no family '%s' in the corpus ('lineage corpus families' lists them)", family);
		goto done;
	}

	/* candidates from each member */
	size_t nm = g.members.len;
	size_t cap = CAND_BUDGET / nm;
	cap = cap > CAND_PER_SAMPLE_MAX ? CAND_PER_SAMPLE_MAX : cap < CAND_PER_SAMPLE_MIN ? CAND_PER_SAMPLE_MIN : cap;
	reading = g.ops->begin_read(g.st) == 0;
	for (size_t i = 0; i < nm && !rc; i++) rc = take_member(&g, &LN_VEC_AT(&g.members, member, i), cap, mask, ends);
	if (reading) g.ops->rollback(g.st);
	if (rc) goto done;
	size_t nread = 0;
	for (size_t i = 0; i < nm; i++) nread += LN_VEC_AT(&g.members, member, i).read;
	if (!nread) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOTFOUND, "family '%s': none of its %zu sample files could be read",
		                  family, nm);
		goto done;
	}
	if (!g.cands.len) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOTFOUND,
		                  "family '%s': no code of its own to build a rule from (%zu functions left out as "
		                  "library code or found in other families)",
		                  family, g.excluded);
		goto done;
	}

	/* the files to verify against: members, the other corpus samples, extras */
	size_t nts = 0;
	ts = ln_malloc((g.samples.len + opt->nverify) * sizeof(*ts));
	g.hits = ln_calloc(g.cands.len * nm, 1);
	if (!ts || !g.hits) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < g.samples.len; i++) {
		const csample *s = &LN_VEC_AT(&g.samples, csample, i);
		if (s->member && !LN_VEC_AT(&g.members, member, s->member - 1).read) continue;
		ts[nts++] = (target){s->path, s->member, s->family};
	}
	for (size_t i = 0; i < opt->nverify; i++) {
		char real[PATH_MAX];
		bool mine = false, known = realpath(opt->verify[i], real) != NULL;
		for (size_t k = 0; known && k < nm && !mine; k++) {
			const member *m = &LN_VEC_AT(&g.members, member, k);
			mine = m->real && !strcmp(m->real, real);
		}
		if (!mine) ts[nts++] = (target){opt->verify[i], 0, NULL};
	}

	int yrc = ln_yara_acquire();
	if (yrc != ERROR_SUCCESS) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "libyara failed to initialize (error %d)", yrc);
		goto done;
	}
	yr_up = true;

	/* scan 1: every candidate alone */
	for (size_t i = 0; i < g.cands.len; i++) {
		const cand *x = &LN_VEC_AT(&g.cands, cand, i);
		char hex[3 * LINEAGE_YARA_MAX_PATTERN];
		ln_sig_hex(hex, x->bytes, x->mask, x->len);
		sb_printf(&text, "rule c%zu { strings: $a = { %s } condition: $a }\n", i, hex);
	}
	if (text.oom) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = compile(&g, text.p, &rules)) != 0) goto done;
	if ((rc = scan_all(&g, rules, ts, nts, false, NULL, 0)) != 0) goto done;
	yr_rules_destroy(rules);
	rules = NULL;
	for (size_t i = 0; i < g.cands.len; i++) {
		cand *x = &LN_VEC_AT(&g.cands, cand, i);
		for (size_t m = 0; m < nm; m++) x->nhits += g.hits[i * nm + m];
		g.rejected += x->outside;
	}

	/* the cover */
	chosen = ln_malloc(max * sizeof(*chosen));
	str_hits = ln_calloc(max, sizeof(*str_hits));
	if (!chosen || !str_hits) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	size_t n = cover(&g, want, max, chosen);
	if (n == SIZE_MAX) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	if (!n) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOTFOUND,
		                  "family '%s': each of its %zu candidate patterns also hits a file outside the family",
		                  family, g.cands.len);
		goto done;
	}
	unsigned min_hits = want;
	if (!opt->min_hits)
		for (size_t i = 0; i < nm; i++) {
			const member *m = &LN_VEC_AT(&g.members, member, i);
			if (m->read && m->cover && m->cover < min_hits) min_hits = m->cover;
		}
	if (min_hits > n) min_hits = (unsigned)n;

	/* scan 2: the rule itself */
	char name[128], date[32];
	rule_name(name, sizeof(name), family);
	if (opt->date) {
		snprintf(date, sizeof(date), "%s", opt->date);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		if (!gmtime_r(&now, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d", &tm)) date[0] = 0;
	}
	const char *fmt = format_check(&g);
	verdict v = {.read = nread};
	text.len = 0;
	render(&text, &g, name, actor, date, chosen, n, NULL, min_hits, fmt, &v);
	if (text.oom) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = compile(&g, text.p, &rules)) != 0) goto done;
	if ((rc = scan_all(&g, rules, ts, nts, true, str_hits, n)) != 0) goto done;

	v.done = true;
	for (size_t i = 0; i < nm; i++) {
		const member *m = &LN_VEC_AT(&g.members, member, i);
		v.hit += m->read && m->pub.status == LINEAGE_YARA_SAMPLE_HIT;
	}
	v.fps = g.fps.len;
	v.corpus = g.corpus_files;
	v.extra = g.extra_files;
	v.unscanned = g.unscanned.len;
	text.len = 0;
	render(&text, &g, name, actor, date, chosen, n, str_hits, min_hits, fmt, &v);
	if (text.oom) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}

	/* the rule keeps the arena: its strings point into it */
	box = ln_calloc(1, sizeof(*box));
	if (box) {
		box->arena = g.arena;
		g.arena = NULL;
	}
	if (!box || copy_out(box, &g, name, actor, text.p, chosen, n, str_hits, min_hits, fmt) != 0) {
		rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "out of memory");
		goto done;
	}
	*out = &box->pub;
	box = NULL;
done:
	if (rules) yr_rules_destroy(rules);
	if (yr_up) {
		ln_yara_release();
	}
	if (box) lineage_yara_rule_free(&box->pub);
	ln_free(text.p);
	ln_free(chosen);
	ln_free(str_hits);
	ln_free(ts);
	ln_free(g.hits);
	ln_free(mask);
	ln_free(ends);
	ln_vec_free(&g.samples);
	ln_vec_free(&g.members);
	ln_vec_free(&g.cands);
	ln_vec_free(&g.fps);
	ln_vec_free(&g.unscanned);
	ln_map_free(&g.sample_at);
	ln_map_free(&g.cand_at);
	ln_map_free(&g.excl);
	ln_arena_free(g.arena);
	return rc;
}

void lineage_yara_rule_free(lineage_yara_rule *r)
{
	if (!r) return;
	rule_box *box = (rule_box *)r;
	ln_arena_free(box->arena);
	ln_free(box);
}
