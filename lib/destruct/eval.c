/* Evaluation of the capability rules on one sample. Features are read from
 * the file (imports, strings, the rule set's YARA matches, embedded files)
 * and from each function (calls, the strings and data it references, the
 * constants it carries); a rule is evaluated at file scope once, or in every
 * function (thunks and recognized library code left out). Rules are
 * evaluated dependencies first, so a rule: feature reads a finished result.
 * The evidence of a match is what made its features true. */
#include "destruct.h"

#include <stdio.h>
#include <strings.h>

#define MAX_EVIDENCE 32
#define NO_FN        SIZE_MAX

typedef struct ev {
	lineage_sample *s;
	const lineage_rules *set;
	const ln_capset *e;
	const lineage_binary *bin;
	ln_arena *a;
	const lineage_function *fns;
	size_t nf;
	const ln_string *str;
	size_t nstr;
	ln_vec *smatch;       /* per leaf: indexes of the strings it matches (sorted) */
	const char **imports; /* API names, sorted case-insensitively */
	size_t nimports;
	bool resolver;      /* GetProcAddress, LdrGetProcedureAddress or dlsym imported */
	const char *hashed; /* ",Name,Name," of API names resolved through hashes (crypto axis) */
	uint64_t *consts;   /* every constant noted in code, sorted */
	size_t nconsts;
	const char *os, *arch; /* the ioctl table's target */
	const ln_map *slots;   /* import slot -> import (ln_slots_build) */
	bool *file_match;      /* per rule */
	uint8_t **fn_match;    /* per function-scope rule: a bit per function */
	uint64_t *first_fn;    /* per function-scope rule: the first function it matched in */
	bool oom;
	ln_vec *evidence; /* lineage_evidence, while explaining */
	/* per leaf, computed on first use: a named constant's value for this
	 * sample (state 1 known, 2 none), the string resolving an API name */
	uint64_t *cval;
	uint8_t *cstate;
	long *rstr;     /* -2 not looked up yet, -1 none */
	uint32_t *slow; /* string leaves without a literal: tried on every string */
	size_t nslow;
	/* per function, flattened: the import each call reaches (-1 none), the
	 * string each note references (-1 none); per import/call leaf, on first
	 * use: which imports it names */
	int32_t *cimp, *nstr_of;
	size_t *coff, *noff;
	ln_map names; /* hash of an API name -> import index */
	uint8_t **imatch;
} ev;

/* ------------------------------------------------------------- helpers */

const char *ln_api_name(const char *import, char *buf, size_t cap)
{
	if (!import) return NULL;
	const char *bang = strrchr(import, '!');
	const char *name = bang ? bang + 1 : import;
	const char *at = strchr(name, '@');
	size_t n = at ? (size_t)(at - name) : strlen(name);
	if (n >= cap) n = cap - 1;
	memcpy(buf, name, n);
	buf[n] = 0;
	return buf;
}

/* A rule's API name matches this one, or its A or W form. */
static bool api_match(const char *want, const char *api)
{
	size_t n = strlen(want);
	if (strncasecmp(want, api, n)) return false;
	return !api[n] || ((api[n] == 'A' || api[n] == 'W') && !api[n + 1]);
}

static int cmp_ci(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = ln_lower_u64(v, n, x);
	return lo < n && v[lo] == x;
}

static bool has_u32(const ln_vec *v, uint32_t x)
{
	const uint32_t *p = v->items;
	size_t lo = 0, hi = v->len;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (p[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < v->len && p[lo] == x;
}

bool ln_ioctl_target(const lineage_binary *bin, const char **os, const char **arch)
{
	if (bin->format == LINEAGE_FORMAT_PE) {
		*os = "windows";
		*arch = "any";
		return true;
	}
	if (bin->format != LINEAGE_FORMAT_ELF) return false;
	*os = "linux";
	bool le = bin->size > 5 && bin->data[5] == 1;
	bool b64 = bin->elf.elf_class == 2;
	switch (bin->elf.machine) {
	case 62: *arch = "amd64"; return true;
	case 3: *arch = "i386"; return true;
	case 183: *arch = "arm64"; return true;
	case 40: *arch = "armhf"; return true;
	case 8: *arch = b64 ? (le ? "mips64el" : "mips64") : (le ? "mipsel" : "mips"); return true;
	case 20: *arch = "powerpc"; return true;
	case 21: *arch = le ? "ppc64el" : "ppc64"; return true;
	case 243: *arch = "riscv64"; return true;
	case 22: *arch = "s390x"; return true;
	case 43: *arch = "sparc64"; return true;
	case 4: *arch = "m68k"; return true;
	default: return false;
	}
}

const char *ln_ioctl_name(const char *os, const char *arch, uint64_t value)
{
	for (size_t i = 0; i < ln_ioctl_count; i++) {
		const ln_ioctl_def *d = &ln_ioctl_table[i];
		if (d->value == value && !strcmp(d->os, os) && !strcmp(d->arch, arch)) return d->name;
	}
	return NULL;
}

static bool ioctl_value(const ev *x, const char *name, uint64_t *v)
{
	if (!x->os) return false;
	for (size_t i = 0; i < ln_ioctl_count; i++) {
		const ln_ioctl_def *d = &ln_ioctl_table[i];
		if (!strcmp(d->name, name) && !strcmp(d->os, x->os) && !strcmp(d->arch, x->arch)) {
			*v = d->value;
			return true;
		}
	}
	return false;
}

/* A noted constant equals the rule's: 32-bit values are noted as 32 bits. */
static bool const_eq(uint64_t noted, uint64_t want)
{
	return noted == want || (want > 0xffffffffu && noted == (want & 0xffffffffu)) ||
	       (want <= 0xffffffffu && noted == (uint64_t)(int64_t)(int32_t)want);
}

static long string_at_va(const ev *x, uint64_t va)
{
	return ln_sample_string_at(x->s, va);
}

bool ln_slots_build(ln_map *m, const lineage_binary *bin)
{
	ln_map_init(m);
	for (size_t i = 0; i < bin->nimports; i++)
		if (bin->imports[i].name && bin->imports[i].slot && bin->imports[i].slot != LN_MAP_EMPTY &&
		    !ln_map_put(m, bin->imports[i].slot, (uint32_t)i))
			return false;
	return true;
}

const char *ln_call_api(const lineage_sample *s, const ln_map *slots, const lineage_function *f, const lineage_call *c,
                        char *buf, size_t cap)
{
	const lineage_binary *bin = lineage_sample_binary(s);
	if (c->import) return ln_api_name(c->import, buf, cap);
	if (c->target) {
		const lineage_function *g = lineage_sample_function_at(s, c->target);
		if (g && g->address == c->target && (g->flags & LINEAGE_FUNC_THUNK) && g->ncalls && g->calls[0].import)
			return ln_api_name(g->calls[0].import, buf, cap);
		return NULL;
	}
	if (!slots->len) return NULL;
	/* the last import slot read before the call, among the 64 notes before it */
	uint32_t lo = 0, hi = f->nnotes;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (f->notes[m].va < c->site)
			lo = m + 1;
		else
			hi = m;
	}
	for (uint32_t k = lo, seen = 0; k > 0 && seen < 64; k--, seen++) {
		const lineage_note *n = &f->notes[k - 1];
		const uint32_t *ix = n->kind == LINEAGE_NOTE_REF ? ln_map_get(slots, n->value) : NULL;
		if (ix) return ln_api_name(bin->imports[*ix].name, buf, cap);
	}
	return NULL;
}

static const char *call_api(const ev *x, const lineage_function *f, const lineage_call *c, char *buf, size_t cap)
{
	return ln_call_api(x->s, x->slots, f, c, buf, cap);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) h = (h ^ (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s)) * 1099511628211ull;
	return h == LN_MAP_EMPTY ? 0 : h;
}

/* The import a call reaches, as ln_call_api finds it, or -1. */
static int32_t call_import(const ev *x, const lineage_function *f, const lineage_call *c)
{
	char buf[256];
	const char *api = call_api(x, f, c, buf, sizeof(buf));
	if (!api) return -1;
	const uint32_t *i = ln_map_get(&x->names, name_hash(api));
	return i ? (int32_t)*i : -1;
}

/* Per function, the imports its calls reach and the strings its notes
 * reference, computed once for all the rules. */
static void index_functions(ev *x)
{
	size_t nc = 0, nn = 0;
	for (size_t i = 0; i < x->nf; i++) {
		nc += x->fns[i].ncalls;
		nn += x->fns[i].nnotes;
	}
	x->coff = ln_arena_alloc_raw(x->a, (x->nf + 1) * sizeof(size_t));
	x->noff = ln_arena_alloc_raw(x->a, (x->nf + 1) * sizeof(size_t));
	x->cimp = ln_arena_alloc_raw(x->a, (nc + 1) * sizeof(int32_t));
	x->nstr_of = ln_arena_alloc_raw(x->a, (nn + 1) * sizeof(int32_t));
	if (!x->coff || !x->noff || !x->cimp || !x->nstr_of) {
		x->oom = true;
		return;
	}
	ln_map_init(&x->names);
	char buf[256];
	for (size_t i = 0; i < x->bin->nimports && !x->oom; i++) {
		const char *n = x->bin->imports[i].name;
		if (!n) continue;
		uint64_t h = name_hash(ln_api_name(n, buf, sizeof(buf)));
		if (!ln_map_get(&x->names, h) && !ln_map_put(&x->names, h, (uint32_t)i)) x->oom = true;
	}
	size_t c = 0, k = 0;
	for (size_t i = 0; i < x->nf; i++) {
		const lineage_function *f = &x->fns[i];
		x->coff[i] = c;
		x->noff[i] = k;
		for (uint32_t j = 0; j < f->ncalls; j++) x->cimp[c++] = call_import(x, f, &f->calls[j]);
		for (uint32_t j = 0; j < f->nnotes; j++)
			x->nstr_of[k++] =
			        f->notes[j].kind == LINEAGE_NOTE_REF ? (int32_t)string_at_va(x, f->notes[j].value) : -1;
	}
}

/* Which imports an import/call leaf names (one byte per import). */
static const uint8_t *leaf_imports(ev *x, const ln_rnode *n)
{
	uint8_t **m = &x->imatch[n->slot];
	if (!*m) {
		*m = ln_arena_alloc(x->a, x->bin->nimports + 1);
		if (!*m) {
			x->oom = true;
			return NULL;
		}
		char buf[256];
		for (size_t i = 0; i < x->bin->nimports; i++)
			(*m)[i] = x->bin->imports[i].name &&
			          api_match(n->text, ln_api_name(x->bin->imports[i].name, buf, sizeof(buf)));
	}
	return *m;
}

static const char *keep(ev *x, const char *s)
{
	if (!s) return NULL;
	char *d = ln_arena_sanitize(x->a, s, strnlen(s, 400));
	if (!d) x->oom = true;
	return d;
}

static void add_ev(ev *x, const char *feature, const char *value, const char *detail, uint32_t flags, uint64_t va,
                   uint64_t off)
{
	if (!x->evidence || x->evidence->len >= MAX_EVIDENCE) return;
	lineage_evidence *v = ln_vec_push(x->evidence);
	if (!v) {
		x->oom = true;
		return;
	}
	*v = (lineage_evidence){.feature = feature,
	                        .value = keep(x, value),
	                        .detail = keep(x, detail),
	                        .va = va,
	                        .offset = off,
	                        .flags = flags};
}

static void add_string_ev(ev *x, long si)
{
	const ln_string *s = &x->str[si];
	uint64_t va = 0;
	uint32_t flags = LINEAGE_EVIDENCE_HAS_OFFSET | (s->wide ? LINEAGE_EVIDENCE_WIDE : 0);
	if (ln_binary_offset_va(x->bin, s->offset, &va)) flags |= LINEAGE_EVIDENCE_HAS_VA;
	add_ev(x, "string", s->text, s->wide ? "UTF-16LE" : NULL, flags, va, s->offset);
}

/* ----------------------------------------------------- per-sample setup */

typedef struct scan_state {
	ev *x;
	size_t si;
	uint32_t *last; /* per leaf: string index + 1 last verified */
} scan_state;

static bool verify(const ln_leaf *l, const ln_string *s)
{
	if (l->re) return regexec(l->re, s->text, 0, NULL, 0) == 0;
	return strstr(s->text, l->node->text) != NULL;
}

static int on_literal(uint32_t slot, size_t start, void *arg)
{
	(void)start;
	scan_state *st = arg;
	ev *x = st->x;
	if (st->last[slot] == st->si + 1) return 0;
	st->last[slot] = (uint32_t)(st->si + 1);
	if (!verify(&x->e->leaves[slot], &x->str[st->si])) return 0;
	uint32_t *p = ln_vec_push(&x->smatch[slot]);
	if (!p) return x->oom = true, 1;
	*p = (uint32_t)st->si;
	return 0;
}

static void match_strings(ev *x)
{
	size_t nl = x->e->nleaves;
	scan_state st = {x, 0, ln_calloc(nl + 1, sizeof(uint32_t))};
	if (!st.last) {
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < x->nstr && !x->oom; i++) {
		st.si = i;
		ln_ac_scan(x->e->ac, x->str[i].text, x->str[i].len, on_literal, &st);
		for (size_t k = 0; k < x->nslow && !x->oom; k++) { /* regexes without a literal */
			uint32_t l = x->slow[k];
			if (!verify(&x->e->leaves[l], &x->str[i])) continue;
			uint32_t *p = ln_vec_push(&x->smatch[l]);
			if (!p)
				x->oom = true;
			else
				*p = (uint32_t)i;
		}
	}
	ln_free(st.last);
}

static void setup(ev *x)
{
	char buf[256];
	x->imports = ln_arena_alloc(x->a, (x->bin->nimports + 1) * sizeof(char *));
	if (!x->imports) {
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < x->bin->nimports; i++) {
		const char *n = x->bin->imports[i].name;
		if (!n) continue;
		const char *api = ln_api_name(n, buf, sizeof(buf));
		if (!strcmp(api, "GetProcAddress") || !strcmp(api, "LdrGetProcedureAddress") || !strcmp(api, "dlsym"))
			x->resolver = true;
		if (!(x->imports[x->nimports++] = ln_arena_strdup(x->a, api))) x->oom = true;
	}
	if (x->oom) return;
	ln_sort(x->imports, x->nimports, sizeof(char *), cmp_ci);
	/* names resolved through API hashes, when the crypto axis ran */
	size_t nc;
	const lineage_crypto_finding *cf = lineage_sample_crypto(x->s, &nc);
	size_t len = 2;
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(cf[i].family, "api-hash") && cf[i].value) len += strlen(cf[i].value) + 1;
	char *h = ln_arena_alloc(x->a, len + 1), *o = h;
	if (!h) {
		x->oom = true;
		return;
	}
	*o++ = ',';
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(cf[i].family, "api-hash") && cf[i].value) {
			for (const char *p = cf[i].value; *p; p++) /* "A, B" -> ",A,B," */
				if (*p != ' ') *o++ = *p;
			*o++ = ',';
		}
	*o = 0;
	x->hashed = h;
	/* constants of the code */
	size_t n = 0;
	for (size_t i = 0; i < x->nf; i++)
		for (uint32_t k = 0; k < x->fns[i].nnotes; k++) n += x->fns[i].notes[k].kind == LINEAGE_NOTE_IMM;
	x->consts = ln_arena_alloc_raw(x->a, (n + 1) * sizeof(uint64_t));
	if (!x->consts) {
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < x->nf; i++)
		for (uint32_t k = 0; k < x->fns[i].nnotes; k++)
			if (x->fns[i].notes[k].kind == LINEAGE_NOTE_IMM)
				x->consts[x->nconsts++] = x->fns[i].notes[k].value;
	ln_sort(x->consts, x->nconsts, sizeof(uint64_t), cmp_u64);
	x->str = ln_sample_strings(x->s, &x->nstr);
	x->smatch = ln_arena_alloc(x->a, (x->e->nleaves + 1) * sizeof(ln_vec));
	if (!x->smatch) {
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < x->e->nleaves; i++) ln_vec_init(&x->smatch[i], sizeof(uint32_t));
	size_t nl = x->e->nleaves;
	x->cval = ln_arena_alloc(x->a, (nl + 1) * sizeof(uint64_t));
	x->cstate = ln_arena_alloc(x->a, nl + 1);
	x->rstr = ln_arena_alloc_raw(x->a, (nl + 1) * sizeof(long));
	x->slow = ln_arena_alloc(x->a, (nl + 1) * sizeof(uint32_t));
	if (!x->cval || !x->cstate || !x->rstr || !x->slow) {
		x->oom = true;
		return;
	}
	x->imatch = ln_arena_alloc(x->a, (nl + 1) * sizeof(uint8_t *));
	if (!x->imatch) {
		x->oom = true;
		return;
	}
	index_functions(x);
	for (size_t i = 0; i < nl; i++) {
		x->rstr[i] = -2;
		const ln_leaf *lf = &x->e->leaves[i];
		if (lf->node->kind == LN_R_STRING && !lf->anchored) x->slow[x->nslow++] = (uint32_t)i;
	}
	match_strings(x);
	if (!ln_ioctl_target(x->bin, &x->os, &x->arch)) x->os = x->arch = NULL;
}

/* --------------------------------------------------------------- leaves */

/* The leaf's API name as a string the program resolves at run time. */
static long resolved_string(const ev *x, const ln_rnode *n)
{
	if (!x->resolver) return -1;
	long *r = &x->rstr[n->slot];
	if (*r == -2) {
		*r = -1;
		for (size_t i = 0; i < x->nstr && *r < 0; i++)
			if (api_match(n->text, x->str[i].text)) *r = (long)i;
	}
	return *r;
}

static bool hashed_name(const ev *x, const char *name)
{
	char pat[300];
	snprintf(pat, sizeof(pat), ",%s,", name);
	if (strstr(x->hashed, pat)) return true;
	snprintf(pat, sizeof(pat), ",%sA,", name);
	if (strstr(x->hashed, pat)) return true;
	snprintf(pat, sizeof(pat), ",%sW,", name);
	return strstr(x->hashed, pat) != NULL;
}

static bool file_import(ev *x, const ln_rnode *n, bool explain)
{
	for (size_t i = 0; i < x->nimports; i++)
		if (api_match(n->text, x->imports[i])) {
			if (explain) add_ev(x, "import", x->imports[i], NULL, 0, 0, 0);
			return true;
		}
	long si = resolved_string(x, n);
	if (si >= 0) {
		if (explain) {
			add_ev(x, "import", x->str[si].text, "resolved at run time from its name",
			       LINEAGE_EVIDENCE_RESOLVED | LINEAGE_EVIDENCE_HAS_OFFSET, 0, x->str[si].offset);
		}
		return true;
	}
	if (hashed_name(x, n->text)) {
		if (explain)
			add_ev(x, "import", n->text, "resolved at run time from an API hash", LINEAGE_EVIDENCE_RESOLVED,
			       0, 0);
		return true;
	}
	return false;
}

/* The API called next after va in the function. */
static const char *next_call(const ev *x, const lineage_function *f, uint64_t va, uint64_t *site, char *buf, size_t cap)
{
	const lineage_call *best = NULL;
	for (uint32_t i = 0; i < f->ncalls; i++)
		if (f->calls[i].site > va && (!best || f->calls[i].site < best->site)) best = &f->calls[i];
	if (!best) return NULL;
	*site = best->site;
	const char *api = call_api(x, f, best, buf, cap);
	if (api) return api;
	snprintf(buf, cap, "sub_%llx", (unsigned long long)best->target);
	return best->target ? buf : NULL;
}

static void const_ev(ev *x, const lineage_function *f, uint64_t va, uint64_t value, const char *name)
{
	char hex[24], buf[256];
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)value);
	if (!name && x->os) name = ln_ioctl_name(x->os, x->arch, value);
	add_ev(x, "constant", hex, name, va ? LINEAGE_EVIDENCE_HAS_VA : 0, va, 0);
	if (!f || !x->evidence || !x->evidence->len) return;
	lineage_evidence *e = &LN_VEC_AT(x->evidence, lineage_evidence, x->evidence->len - 1);
	uint64_t site = 0;
	const char *api = next_call(x, f, va, &site, buf, sizeof(buf));
	if (api) {
		e->reaches = keep(x, api);
		e->reaches_va = site;
	}
}

static bool leaf_constant(ev *x, const ln_rnode *n, uint64_t *v)
{
	if (!n->symbolic) {
		*v = n->value;
		return true;
	}
	if (!x->cstate[n->slot]) x->cstate[n->slot] = ioctl_value(x, n->text, &x->cval[n->slot]) ? 1 : 2;
	*v = x->cval[n->slot];
	return x->cstate[n->slot] == 1;
}

static bool fn_rule(ev *x, int r, size_t fi, int depth, uint64_t *where)
{
	if (x->fn_match[r][fi / 8] & (1u << (fi % 8))) {
		*where = x->fns[fi].address;
		return true;
	}
	if (!depth) return false;
	const lineage_function *f = &x->fns[fi];
	for (uint32_t i = 0; i < f->ncalls; i++) {
		if (!f->calls[i].target || f->calls[i].import) continue;
		const lineage_function *g = lineage_sample_function_at(x->s, f->calls[i].target);
		if (!g || g == f || g->address != f->calls[i].target) continue;
		if (fn_rule(x, r, (size_t)(g - x->fns), depth - 1, where)) return true;
	}
	return false;
}

static bool yara_place_in(const ev *x, const ln_yhit *h, const lineage_function *f)
{
	uint64_t va;
	if (!ln_binary_offset_va(x->bin, h->offset, &va)) return false;
	if (va >= f->address && va - f->address < f->size) return true;
	for (uint32_t k = 0; k < f->nnotes; k++)
		if (f->notes[k].kind == LINEAGE_NOTE_REF && f->notes[k].value >= va &&
		    f->notes[k].value - va < (h->length ? h->length : 1))
			return true;
	return false;
}

static bool embedded_kind(const ev *x, const char *kind, bool explain, ev *mx)
{
	for (size_t i = 0; i < x->s->nembedded; i++) {
		const lineage_embedded *m = &x->s->embedded[i];
		if (strcmp(kind, "any") && strcmp(kind, m->kind) && strcmp(kind, m->format)) continue;
		if (explain) {
			char v[200];
			snprintf(v, sizeof(v), "%s %s, %llu bytes at 0x%llx", m->kind, m->where,
			         (unsigned long long)m->size, (unsigned long long)m->offset);
			add_ev(mx, "embedded", v, m->sha256, LINEAGE_EVIDENCE_HAS_OFFSET, 0, m->offset);
		}
		return true;
	}
	return false;
}

/* A leaf at file scope (fi == NO_FN) or in function fi. */
static bool leaf(ev *x, const ln_rnode *n, size_t fi, bool explain)
{
	const lineage_function *f = fi == NO_FN ? NULL : &x->fns[fi];
	char buf[256];
	switch (n->kind) {
	case LN_R_IMPORT:
	case LN_R_CALL:
		if (!f) {
			if (n->kind == LN_R_CALL && x->nf) { /* a call anywhere in the code */
				const uint8_t *im = leaf_imports(x, n);
				for (size_t g = 0; im && g < x->nf; g++)
					for (uint32_t i = 0; i < x->fns[g].ncalls; i++) {
						int32_t ix = x->cimp[x->coff[g] + i];
						if (ix < 0 || !im[ix]) continue;
						if (explain)
							add_ev(x, "call",
							       ln_api_name(x->bin->imports[ix].name, buf, sizeof(buf)),
							       NULL, LINEAGE_EVIDENCE_HAS_VA, x->fns[g].calls[i].site,
							       0);
						return true;
					}
				/* or resolved at run time */
				long si = resolved_string(x, n);
				if (si < 0 && !hashed_name(x, n->text)) return false;
			}
			return file_import(x, n, explain);
		}
		const uint8_t *im = leaf_imports(x, n);
		for (uint32_t i = 0; im && i < f->ncalls; i++) {
			int32_t ix = x->cimp[x->coff[fi] + i];
			if (ix < 0 || !im[ix]) continue;
			if (explain)
				add_ev(x, "call", ln_api_name(x->bin->imports[ix].name, buf, sizeof(buf)), NULL,
				       LINEAGE_EVIDENCE_HAS_VA, f->calls[i].site, 0);
			return true;
		}
		if (x->resolver) /* the function names the API for GetProcAddress */
			for (uint32_t k = 0; k < f->nnotes; k++) {
				long si = x->nstr_of[x->noff[fi] + k];
				if (si >= 0 && api_match(n->text, x->str[si].text)) {
					if (explain)
						add_ev(x, "call", x->str[si].text, "resolved at run time from its name",
						       LINEAGE_EVIDENCE_RESOLVED | LINEAGE_EVIDENCE_HAS_VA,
						       f->notes[k].va, 0);
					return true;
				}
			}
		return false;
	case LN_R_STRING: {
		const ln_vec *sm = &x->smatch[n->slot];
		if (!sm->len) return false;
		if (!f) {
			if (explain) /* the first few places */
				for (size_t i = 0; i < sm->len && i < 4; i++)
					add_string_ev(x, (long)LN_VEC_AT(sm, uint32_t, i));
			return true;
		}
		for (uint32_t k = 0; k < f->nnotes; k++) {
			long si = x->nstr_of[x->noff[fi] + k];
			if (si >= 0 && has_u32(sm, (uint32_t)si)) {
				if (explain) add_string_ev(x, si);
				return true;
			}
		}
		return false;
	}
	case LN_R_CONSTANT: {
		uint64_t v;
		if (!leaf_constant(x, n, &v)) return false;
		const char *name = n->symbolic ? n->text : NULL;
		if (!f) {
			bool any = has_u64(x->consts, x->nconsts, v) ||
			           (v <= 0xffffffffu && has_u64(x->consts, x->nconsts, (uint64_t)(int64_t)(int32_t)v));
			if (any && explain) /* where: the first function carrying it */
				for (size_t g = 0; g < x->nf; g++)
					for (uint32_t k = 0; k < x->fns[g].nnotes; k++)
						if (x->fns[g].notes[k].kind == LINEAGE_NOTE_IMM &&
						    const_eq(x->fns[g].notes[k].value, v)) {
							const_ev(x, &x->fns[g], x->fns[g].notes[k].va, v, name);
							return true;
						}
			return any;
		}
		for (uint32_t k = 0; k < f->nnotes; k++)
			if (f->notes[k].kind == LINEAGE_NOTE_IMM && const_eq(f->notes[k].value, v)) {
				if (explain) const_ev(x, f, f->notes[k].va, v, name);
				return true;
			}
		return false;
	}
	case LN_R_RULE: {
		int r = x->e->leaves[n->slot].rule;
		const ln_rule *rr = &x->set->caps[r];
		uint64_t where = 0;
		bool ok = f && rr->function_scope ? (x->fn_match[r] && fn_rule(x, r, fi, 1, &where)) : x->file_match[r];
		if (ok && !f && rr->function_scope) where = x->first_fn[r];
		if (ok && explain)
			add_ev(x, "rule", rr->id, f && where && where != f->address ? "in a function it calls" : NULL,
			       where ? LINEAGE_EVIDENCE_HAS_VA : 0, where, 0);
		return ok;
	}
	case LN_R_YARA:
		for (size_t i = 0; i < x->s->nyhits; i++) {
			const ln_yhit *h = &x->s->yhits[i];
			if (strcmp(h->name, n->text) || (f && !yara_place_in(x, h, f))) continue;
			if (explain) add_ev(x, "yara", h->name, NULL, LINEAGE_EVIDENCE_HAS_OFFSET, 0, h->offset);
			return true;
		}
		return false;
	case LN_R_EMBEDDED: return embedded_kind(x, n->text, explain, x);
	default: return false;
	}
}

static bool eval(ev *x, const ln_rnode *n, size_t fi, bool explain)
{
	switch (n->kind) {
	case LN_R_ALL:
		for (size_t i = 0; i < n->nkids; i++)
			if (!eval(x, n->kids[i], fi, false)) return false;
		if (explain)
			for (size_t i = 0; i < n->nkids; i++) eval(x, n->kids[i], fi, true);
		return true;
	case LN_R_ANY:
	case LN_R_SOME: {
		size_t need = n->kind == LN_R_ANY ? 1 : n->min, got = 0;
		for (size_t i = 0; i < n->nkids && (explain || got < need); i++)
			if (eval(x, n->kids[i], fi, false)) {
				got++;
				if (explain) eval(x, n->kids[i], fi, true);
			}
		return got >= need;
	}
	case LN_R_NOT: return !eval(x, n->kids[0], fi, false);
	default: return leaf(x, n, fi, explain);
	}
}

/* ---------------------------------------------------------------- run */

static void emit(ev *x, const ln_rule *r, size_t fi, uint32_t nfn, ln_vec *out)
{
	ln_vec evv;
	ln_vec_init(&evv, sizeof(lineage_evidence));
	x->evidence = &evv;
	eval(x, r->match, fi, true);
	x->evidence = NULL;
	lineage_capability c = {.id = r->id,
	                        .name = r->name,
	                        .description = r->description,
	                        .axis = r->axis,
	                        .support = r->support,
	                        .attack = r->attack,
	                        .nattack = r->nattack,
	                        .mbc = r->mbc,
	                        .nmbc = r->nmbc,
	                        .rule_file = r->file,
	                        .function_scope = r->function_scope,
	                        .nfunctions = nfn,
	                        .embedded = -1,
	                        .evidence = evv.items,
	                        .nevidence = evv.len};
	if (fi != NO_FN) {
		c.function = x->fns[fi].address;
		c.function_name = x->fns[fi].name;
	}
	lineage_capability *slot = ln_vec_push(out);
	if (!slot || !ln_cap_copy(slot, &c, x->a)) x->oom = true;
	ln_vec_free(&evv);
}

int ln_caps_eval(lineage_sample *s, lineage_ctx *ctx, const lineage_rules *set, const ln_map *slots, ln_vec *out)
{
	(void)ctx;
	ev x = {.s = s, .set = set, .e = set->engine, .bin = &s->bin, .a = s->arena, .slots = slots};
	if (!set->ncaps) return 0;
	x.fns = lineage_sample_functions(s, &x.nf);
	setup(&x);
	x.file_match = ln_calloc(set->ncaps + 1, sizeof(bool));
	x.fn_match = ln_calloc(set->ncaps + 1, sizeof(uint8_t *));
	x.first_fn = ln_calloc(set->ncaps + 1, sizeof(uint64_t));
	if (!x.file_match || !x.fn_match || !x.first_fn) x.oom = true;
	for (size_t k = 0; k < set->ncaps && !x.oom; k++) {
		uint32_t i = x.e->order[k];
		const ln_rule *r = &set->caps[i];
		if (!r->function_scope) {
			if ((x.file_match[i] = eval(&x, r->match, NO_FN, false))) emit(&x, r, NO_FN, 0, out);
			continue;
		}
		if (!x.nf) continue;
		uint8_t *bits = ln_calloc(x.nf / 8 + 1, 1);
		if (!bits) {
			x.oom = true;
			break;
		}
		size_t first = NO_FN;
		uint32_t count = 0;
		for (size_t fi = 0; fi < x.nf; fi++) {
			if (x.fns[fi].flags & (LINEAGE_FUNC_THUNK | LINEAGE_FUNC_LIBRARY)) continue;
			if (!eval(&x, r->match, fi, false)) continue;
			bits[fi / 8] |= (uint8_t)(1u << (fi % 8));
			if (first == NO_FN) first = fi;
			count++;
		}
		x.fn_match[i] = bits;
		if (count) x.first_fn[i] = x.fns[first].address;
		if ((x.file_match[i] = count > 0)) emit(&x, r, first, count, out);
	}
	for (size_t i = 0; x.fn_match && i < set->ncaps; i++) ln_free(x.fn_match[i]);
	ln_free(x.fn_match);
	ln_free(x.first_fn);
	ln_free(x.file_match);
	ln_map_free(&x.names);
	if (x.smatch)
		for (size_t i = 0; i < x.e->nleaves; i++) ln_vec_free(&x.smatch[i]);
	if (x.oom) return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
	return 0;
}

/* ---------------------------------------------------------------- copy */

static const char *const *dup_list(const char *const *v, size_t n, ln_arena *a, bool *ok)
{
	if (!n) return NULL;
	const char **d = ln_arena_alloc(a, n * sizeof(*d));
	if (!d) return *ok = false, NULL;
	for (size_t i = 0; i < n; i++)
		if (!(d[i] = ln_arena_strdup(a, v[i]))) *ok = false;
	return d;
}

static const char *dup(ln_arena *a, const char *s, bool *ok)
{
	if (!s) return NULL;
	const char *d = ln_arena_strdup(a, s);
	if (!d) *ok = false;
	return d;
}

bool ln_cap_copy(lineage_capability *dst, const lineage_capability *src, ln_arena *a)
{
	bool ok = true;
	*dst = *src;
	dst->id = dup(a, src->id, &ok);
	dst->name = dup(a, src->name, &ok);
	dst->description = dup(a, src->description, &ok);
	dst->axis = dup(a, src->axis, &ok);
	dst->rule_file = dup(a, src->rule_file, &ok);
	dst->function_name = dup(a, src->function_name, &ok);
	dst->attack = dup_list(src->attack, src->nattack, a, &ok);
	dst->mbc = dup_list(src->mbc, src->nmbc, a, &ok);
	lineage_evidence *e = src->nevidence ? ln_arena_alloc(a, src->nevidence * sizeof(*e)) : NULL;
	if (src->nevidence && !e) ok = false;
	for (size_t i = 0; e && i < src->nevidence; i++) {
		e[i] = src->evidence[i];
		e[i].feature = dup(a, src->evidence[i].feature, &ok);
		e[i].value = dup(a, src->evidence[i].value, &ok);
		e[i].detail = dup(a, src->evidence[i].detail, &ok);
		e[i].reaches = dup(a, src->evidence[i].reaches, &ok);
	}
	dst->evidence = e;
	return ok;
}
