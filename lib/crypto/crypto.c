/* The crypto axis: run the detectors over one sample, locate each finding
 * (file offset, address, containing function, functions using the data) and
 * keep them sorted in the sample's arena. */
#include "crypto.h"

#include <stdarg.h>
#include <stdio.h>

#include "lineage/traits.h"
#include "../format/format.h"
#include "../rules/set.h"

lineage_crypto_finding *ln_crypto_add(ln_crypto *c, const char *family, const char *algorithm, const char *kind,
                                      const char *source, const char *description, const char *value)
{
	lineage_crypto_finding *f = ln_vec_push(&c->out);
	if (!f) {
		c->oom = true;
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	ln_arena *a = c->arena;
	f->family = ln_arena_strdup(a, family);
	f->algorithm = ln_arena_strdup(a, algorithm ? algorithm : family);
	f->kind = ln_arena_strdup(a, kind);
	f->source = ln_arena_strdup(a, source);
	f->description = ln_arena_strdup(a, description ? description : "");
	f->value = value ? ln_arena_strdup(a, value) : NULL;
	f->count = 1;
	if (!f->family || !f->algorithm || !f->kind || !f->source || !f->description || (value && !f->value)) {
		c->oom = true;
		c->out.len--;
		return NULL;
	}
	return f;
}

const char *ln_crypto_fmt(ln_crypto *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char *s = ln_arena_strdup(c->arena, buf);
	if (!s) c->oom = true;
	return s ? s : "";
}

const char *ln_crypto_hex(ln_crypto *c, const uint8_t *p, size_t n)
{
	char *s = ln_arena_alloc_raw(c->arena, n * 2 + 1);
	if (!s) {
		c->oom = true;
		return "";
	}
	ln_hex(s, p, n);
	return s;
}

/* The file offset of a mapped address. */
static bool va_offset(const lineage_binary *bin, uint64_t va, uint64_t *off)
{
	const uint8_t *p;
	uint64_t avail;
	if (lineage_binary_va_bytes(&p, &avail, bin, va) != 0 || !avail) return false;
	*off = (uint64_t)(p - bin->data);
	return true;
}

static int cmp_ref(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Every data reference of the code, sorted by target, built on first use. */
static void build_refs(ln_crypto *c)
{
	if (c->refs) return;
	size_t nf, n = 0;
	const lineage_function *fns = lineage_sample_functions(c->s, &nf);
	for (size_t i = 0; i < nf; i++)
		for (uint32_t k = 0; k < fns[i].nnotes; k++) n += fns[i].notes[k].kind == LINEAGE_NOTE_REF;
	c->refs = ln_arena_alloc_raw(c->arena, (n + 1) * sizeof(*c->refs));
	if (!c->refs) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < nf; i++)
		for (uint32_t k = 0; k < fns[i].nnotes; k++)
			if (fns[i].notes[k].kind == LINEAGE_NOTE_REF) {
				c->refs[c->nrefs][0] = fns[i].notes[k].value;
				c->refs[c->nrefs][1] = fns[i].address;
				c->nrefs++;
			}
	ln_sort(c->refs, c->nrefs, sizeof(*c->refs), cmp_ref);
}

/* Functions referencing [va, va + span): the data's users. Code reaches a
 * table at its start, or a little before or after it when it indexes from a
 * neighbouring table or a biased base. */
static void find_users(ln_crypto *c, lineage_crypto_finding *f, uint64_t va, uint64_t span)
{
	build_refs(c);
	if (!c->nrefs) return;
	uint64_t lo = va >= 16 ? va - 16 : 0, hi = va + (span ? span : 1);
	size_t a = 0, b = c->nrefs;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (c->refs[m][0] < lo)
			a = m + 1;
		else
			b = m;
	}
	uint64_t users[16];
	uint32_t n = 0;
	for (size_t i = a; i < c->nrefs && c->refs[i][0] < hi && n < 16; i++) {
		bool dup = false;
		for (uint32_t k = 0; k < n; k++) dup |= users[k] == c->refs[i][1];
		if (!dup) users[n++] = c->refs[i][1];
	}
	if (!n) return;
	for (uint32_t i = 1; i < n; i++) /* insertion sort: a handful */
		for (uint32_t k = i; k > 0 && users[k - 1] > users[k]; k--) {
			uint64_t t = users[k];
			users[k] = users[k - 1];
			users[k - 1] = t;
		}
	f->users = ln_arena_memdup(c->arena, users, n * sizeof(*users));
	if (!f->users) {
		c->oom = true;
		return;
	}
	f->nusers = n;
}

static void set_function(ln_crypto *c, lineage_crypto_finding *f, uint64_t va)
{
	const lineage_function *fn = lineage_sample_function_at(c->s, va);
	if (fn) {
		f->function = fn->address;
		f->function_name = fn->name;
	}
}

void ln_crypto_at_offset(ln_crypto *c, lineage_crypto_finding *f, uint64_t off, uint32_t size)
{
	f->offset = off;
	f->size = size;
	f->flags |= LINEAGE_CRYPTO_HAS_OFFSET;
	uint64_t va;
	if (!ln_binary_offset_va(c->bin, off, &va)) return;
	f->va = va;
	f->flags |= LINEAGE_CRYPTO_HAS_VA;
	set_function(c, f, va);
	if (!f->function) find_users(c, f, va, size);
}

void ln_crypto_at_va(ln_crypto *c, lineage_crypto_finding *f, uint64_t va, uint32_t size)
{
	f->va = va;
	f->size = size;
	f->flags |= LINEAGE_CRYPTO_HAS_VA;
	uint64_t off;
	if (va_offset(c->bin, va, &off)) {
		f->offset = off;
		f->flags |= LINEAGE_CRYPTO_HAS_OFFSET;
	}
	set_function(c, f, va);
	if (!f->function) find_users(c, f, va, size);
}

static int cmp_finding(const void *a, const void *b)
{
	const lineage_crypto_finding *x = a, *y = b;
	int r = strcmp(x->family, y->family);
	if (!r) r = strcmp(x->algorithm, y->algorithm);
	if (!r) r = (x->va > y->va) - (x->va < y->va);
	if (!r) r = (x->offset > y->offset) - (x->offset < y->offset);
	if (!r) r = strcmp(x->source, y->source);
	return r;
}

/* ------------------------------------------------------------- traits */

static void trait(ln_vec *v, ln_arena *a, bool *oom, uint32_t kind, const char *token, const char *detail)
{
	if (!ln_trait_push(v, a, "crypto", kind, token, detail)) *oom = true;
}

/* The crypto traits of a sample: each family it carries (common), how each
 * is built (the rule, constant set or code shape that found it), variants
 * (API-hash schemes, one-byte XOR keys) and material (keys, custom
 * alphabets, multi-byte XOR keys). Families reached only through a library
 * are traits of use, not of build. */
static int crypto_traits(lineage_sample *s)
{
	ln_vec v;
	ln_vec_init(&v, sizeof(lineage_trait));
	bool oom = false;
	char tok[512], det[640];
	for (size_t i = 0; i < s->ncrypto; i++) {
		const lineage_crypto_finding *f = &s->crypto[i];
		bool lib = f->flags & LINEAGE_CRYPTO_LIBRARY;
		snprintf(tok, sizeof(tok), "crypto:%s:%s", lib ? "uses" : "alg", f->family);
		snprintf(det, sizeof(det), "%s %s", lib ? "calls a library for" : "carries", f->family);
		trait(&v, s->arena, &oom, LINEAGE_TRAIT_COMMON, tok, det);
		if (lib) continue;
		if ((f->flags & LINEAGE_CRYPTO_MATERIAL) && f->value) {
			snprintf(tok, sizeof(tok), "crypto:material:%s:%s", f->kind, f->value);
			snprintf(det, sizeof(det), "%s: %s", f->description, f->value);
			trait(&v, s->arena, &oom, LINEAGE_TRAIT_MATERIAL, tok, det);
			continue;
		}
		bool variant = !strcmp(f->family, "api-hash") || (!strcmp(f->family, "xor") && f->value);
		if (variant) {
			/* an XOR key is the variant; for API hashing the scheme is (the
			 * names found vary with what each sample resolves) */
			bool keyed = !strcmp(f->family, "xor");
			snprintf(tok, sizeof(tok), "crypto:variant:%s:%s:%s", f->family, f->algorithm,
			         keyed && f->value ? f->value : "");
			snprintf(det, sizeof(det), "%s%s%s", f->description, f->value ? ": " : "",
			         f->value ? f->value : "");
			trait(&v, s->arena, &oom, LINEAGE_TRAIT_VARIANT, tok, det);
			continue;
		}
		snprintf(tok, sizeof(tok), "crypto:build:%s:%s", f->family, f->source);
		snprintf(det, sizeof(det), "%s (%s)", f->description, f->source);
		trait(&v, s->arena, &oom, LINEAGE_TRAIT_BUILD, tok, det);
	}
	if (oom) {
		ln_vec_free(&v);
		return LINEAGE_ENOMEM;
	}
	int rc = ln_sample_add_traits(s, v.items, v.len);
	ln_vec_free(&v);
	return rc;
}

const lineage_trait *lineage_sample_traits(const lineage_sample *s, size_t *count)
{
	*count = s->ntraits;
	return s->traits;
}

const char *lineage_trait_kind_name(uint32_t kind)
{
	switch (kind) {
	case LINEAGE_TRAIT_COMMON: return "common";
	case LINEAGE_TRAIT_BUILD: return "build";
	case LINEAGE_TRAIT_VARIANT: return "variant";
	case LINEAGE_TRAIT_MATERIAL: return "material";
	default: return "unknown";
	}
}

int ln_crypto_run(lineage_sample *s, lineage_ctx *ctx)
{
	const lineage_rules *rules;
	int rc = ln_rules_for(&rules, ctx);
	if (rc != 0) return rc;
	rc = ln_yara_scan(s, ctx, rules);
	if (rc != 0) return rc;
	ln_crypto c = {.s = s, .ctx = ctx, .bin = &s->bin, .arena = s->arena};
	ln_vec_init(&c.out, sizeof(lineage_crypto_finding));
	rc = ln_crypto_rules(&c);
	if (rc == 0) {
		if (s->analyzed & LINEAGE_ANALYZE_CODE) {
			ln_crypto_consts(&c);
			ln_crypto_insns(&c);
			ln_crypto_shapes(&c);
		}
		ln_crypto_api_hashes(&c);
		ln_crypto_imports(&c);
		ln_crypto_alphabets(&c);
		if (c.oom) rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
	}
	if (rc == 0) {
		size_t n = c.out.len;
		ln_sort(c.out.items, n, sizeof(lineage_crypto_finding), cmp_finding);
		s->crypto = ln_vec_to_arena(&c.out, s->arena, &s->ncrypto);
		if (n && !s->crypto) rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
	}
	if (rc == 0 && crypto_traits(s) != 0) rc = ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
	ln_vec_free(&c.out);
	return rc;
}

const lineage_crypto_finding *lineage_sample_crypto(const lineage_sample *s, size_t *count)
{
	*count = s->ncrypto;
	return s->crypto;
}
