/* Function similarity signatures: features of a function that survive a
 * change of optimization level or compiler, where the token sequence does
 * not (register allocation, scheduling, inlining, unrolling and frame layout
 * all change it). What the source fixes stays: the library functions called,
 * the strings and constant tables referenced, the constants computed with,
 * the structure field offsets, the globals touched, and the neighbours in
 * the call graph. Each kind goes to its own bottom-k sketch (the K smallest
 * distinct 32-bit hashes), which gives the exact Jaccard similarity of small
 * sets, and most functions have small sets of these.
 *
 * The disassembler hands each instruction, decoded once, to
 * ln_fp_insn_features() and keeps the few feature hashes it returns; a
 * function's signature gathers those of its instructions. Symbol names are
 * never read. */
#include "fingerprint.h"

#include <math.h>
#include <xxhash.h>

enum { TAG_IMPORT = 1, TAG_STRING, TAG_RODATA, TAG_CONST, TAG_OFFSET, TAG_GLOBAL, TAG_CALLEE, TAG_CALLER };

/* A feature's hash; its low 3 bits hold its signature part (never all ones,
 * so never the sketch's padding). */
static inline uint32_t feature(int part, uint64_t tag, uint64_t v)
{
	uint64_t h = v ^ (tag * 0x9e3779b97f4a7c15ull);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)(h >> 32 & ~7ull) | (uint32_t)part;
}

/* The output of one instruction's features. */
typedef struct feats {
	uint32_t *out;
	size_t n;
} feats;

static void emit(feats *f, int part, uint64_t tag, uint64_t v)
{
	if (f->n < LN_FP_INSN_FEATURES) f->out[f->n++] = feature(part, tag, v);
}

/* Insert h into the sorted bottom-k sketch of its part (distinct values
 * only). */
static void sketch_add(lineage_function_sig *sig, int part, uint32_t h)
{
	uint32_t *s = sig->part[part];
	if (sig->nfeatures[part] < UINT16_MAX) sig->nfeatures[part]++;
	if (h >= s[LINEAGE_SIG_K - 1]) return;
	size_t i = LINEAGE_SIG_K - 1;
	while (i > 0 && s[i - 1] > h) i--;
	if (i > 0 && s[i - 1] == h) return;
	memmove(&s[i + 1], &s[i], (LINEAGE_SIG_K - 1 - i) * sizeof(*s));
	s[i] = h;
}

static bool is_frame_reg(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_RSP || r == ZYDIS_REGISTER_ESP || r == ZYDIS_REGISTER_RBP || r == ZYDIS_REGISTER_EBP;
}

static bool printable(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

static uint64_t hash_str(const char *s)
{
	return s ? XXH3_64bits(s, strlen(s)) : 0;
}

/* A reference to data at t: read-only contents are hashed (a string up to
 * its NUL, else as many bytes as the instruction reads, 16 for an address
 * taken); writable data is known only by its place in its section. */
/* The mapped section holding va; the one found last is tried first (most
 * references go to .rodata and .data). */
const lineage_section *ln_fp_section_at(ln_fp_insn_env *env, uint64_t va)
{
	const lineage_section *s = env->last;
	if (s && va >= s->vaddr && va - s->vaddr < s->vsize) return s;
	s = lineage_binary_section_at(env->bin, va);
	if (s) env->last = s;
	return s;
}

static void data_ref(feats *f, ln_fp_insn_env *env, uint64_t t, unsigned size, bool load)
{
	const lineage_binary *bin = env->bin;
	const lineage_section *sec = ln_fp_section_at(env, t);
	if (!sec || !(sec->flags & LINEAGE_SEC_ALLOC) || (sec->flags & LINEAGE_SEC_EXEC)) return;
	if (sec->flags & LINEAGE_SEC_WRITE) {
		const lineage_import *im = load && env->slot_import ? env->slot_import(env->arg, t) : NULL;
		if (im && im->name)
			emit(f, LINEAGE_SIG_IMPORTS, TAG_IMPORT, hash_str(im->name));
		else
			emit(f, LINEAGE_SIG_GLOBALS, TAG_GLOBAL,
			     hash_str(sec->name) ^ (t - sec->vaddr) * 0x2545f4914f6cdd1dull);
		return;
	}
	/* the section's file bytes from t (none for .bss) */
	if (bin->format == LINEAGE_FORMAT_ELF && sec->type == 8 /* SHT_NOBITS */) return;
	uint64_t d = t - sec->vaddr, end = sec->size < sec->vsize ? sec->size : sec->vsize;
	ln_buf file = {bin->data, bin->size};
	const uint8_t *p = d < end ? ln_rd_ptr(&file, sec->offset + d, 1) : NULL;
	if (!p) return;
	uint64_t avail = end - d;
	if (avail > bin->size - (sec->offset + d)) avail = bin->size - (sec->offset + d);
	size_t n = 0;
	while (n < avail && n < 256 && printable(p[n])) n++;
	if (n >= 2 && n < avail && p[n] == 0) {
		emit(f, LINEAGE_SIG_DATA, TAG_STRING, XXH3_64bits(p, n));
		return;
	}
	size_t m = size ? size : 16;
	if (m > 16) m = 16;
	if (m > avail) m = (size_t)avail;
	emit(f, LINEAGE_SIG_DATA, TAG_RODATA, XXH3_64bits(p, m));
}

/* Immediates keyed by value, with 32-bit values and their 64-bit sign
 * extensions made one (mov eax, -1 and mov rax, -1). */
static uint64_t imm_key(const ZydisDecodedOperand *op)
{
	uint64_t u = op->imm.is_signed ? (uint64_t)op->imm.value.s : op->imm.value.u;
	if (op->size <= 32 || (int64_t)u == (int64_t)(int32_t)u) return (uint32_t)u;
	return u;
}

size_t ln_fp_insn_features(uint32_t *out, ln_fp_insn_env *env, const ZydisDecodedInstruction *zi,
                           const ZydisDecodedOperand *ops, uint64_t va)
{
	const lineage_binary *bin = env->bin;
	feats fo = {out, 0}, *f = &fo;
	bool stack_adjust = false;
	for (uint8_t i = 0; i < zi->operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && is_frame_reg(ops[i].reg.value)) stack_adjust = true;
	bool lea = zi->mnemonic == ZYDIS_MNEMONIC_LEA;
	for (uint8_t i = 0; i < zi->operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			if (op->imm.is_relative || stack_adjust) continue;
			uint64_t k = imm_key(op);
			if (k == 0 || k == 1 || k == 0xffffffffu) continue;
			if (bin->bits == 32 && k >= 0x10000 && ln_fp_section_at(env, k)) {
				data_ref(f, env, k, 0, false);
				continue;
			}
			emit(f, LINEAGE_SIG_CONSTS, TAG_CONST, k);
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			ZydisRegister base = op->mem.base;
			uint64_t t;
			unsigned size = lea ? 0 : op->size / 8;
			if (base == ZYDIS_REGISTER_RIP || base == ZYDIS_REGISTER_EIP) {
				if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(zi, op, va, &t)))
					data_ref(f, env, t, size, !lea && op->size == bin->bits);
			} else if (base == ZYDIS_REGISTER_NONE) {
				/* absolute (i386, non-PIC) or a table indexed off an address */
				if (op->mem.disp.has_displacement)
					data_ref(f, env,
					         (uint64_t)op->mem.disp.value & (bin->bits == 32 ? 0xffffffffu : ~0ull),
					         op->mem.index == ZYDIS_REGISTER_NONE ? size : 0,
					         !lea && op->mem.index == ZYDIS_REGISTER_NONE && op->size == bin->bits);
			} else if (!is_frame_reg(base) && op->mem.disp.has_displacement) {
				int64_t disp = op->mem.disp.value;
				if (disp != 0 && disp > -0x10000 && disp < 0x10000)
					emit(f, LINEAGE_SIG_OFFSETS, TAG_OFFSET, (uint64_t)disp);
			}
		}
	}
	return fo.n;
}

void ln_fp_signature_begin(lineage_function *fn)
{
	memset(&fn->sig, 0, sizeof(fn->sig));
	memset(fn->sig.part, 0xff, sizeof(fn->sig.part));
}

void ln_fp_signature_end(lineage_function *fn)
{
	lineage_function_sig *sig = &fn->sig;
	for (uint32_t i = 0; i < fn->ncalls; i++)
		if (fn->calls[i].import) {
			const char *bang = strchr(fn->calls[i].import, '!');
			/* the function, not its library: versions and spellings vary */
			sketch_add(sig, LINEAGE_SIG_IMPORTS,
			           feature(LINEAGE_SIG_IMPORTS, TAG_IMPORT,
			                   hash_str(bang ? bang + 1 : fn->calls[i].import)));
		}
	for (uint32_t bi = 0; bi < fn->nblocks; bi++) {
		const lineage_block *b = &fn->blocks[bi];
		for (uint32_t e = 0; e < b->nedges; e++)
			if (fn->edges[b->edge_first + e].target <= b->start && sig->nloops < UINT16_MAX) sig->nloops++;
	}
}

void ln_fp_signature_add(lineage_function *fn, uint32_t feature_hash)
{
	sketch_add(&fn->sig, (int)(feature_hash & 7), feature_hash);
}

/* A function's identity as its neighbours see it: the smallest hash of each
 * of its most telling non-empty parts. */
static size_t keys_of(const lineage_function_sig *sig, uint32_t *keys)
{
	static const int parts[] = {LINEAGE_SIG_IMPORTS, LINEAGE_SIG_DATA, LINEAGE_SIG_CONSTS};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (sig->part[parts[i]][0] != UINT32_MAX) keys[n++] = sig->part[parts[i]][0];
	if (!n && sig->part[LINEAGE_SIG_OFFSETS][0] != UINT32_MAX) keys[n++] = sig->part[LINEAGE_SIG_OFFSETS][0];
	return n;
}

static lineage_function *function_at(lineage_function *fns, size_t n, uint64_t va)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fns[mid].address < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && fns[lo].address == va ? &fns[lo] : NULL;
}

int ln_fp_signature_graph(lineage_function *fns, size_t n)
{
	/* seen[g] = 1 + the last caller that counted g: each callee once per caller */
	uint32_t *seen = ln_calloc(n + 1, sizeof(uint32_t));
	if (!seen) return LINEAGE_ENOMEM;
	/* the graph part is built from the other parts only, never from itself */
	for (size_t i = 0; i < n; i++) {
		lineage_function *f = &fns[i];
		uint32_t fkeys[4];
		size_t nf = keys_of(&f->sig, fkeys);
		for (uint32_t c = 0; c < f->ncalls; c++) {
			const lineage_call *call = &f->calls[c];
			if (call->import || !call->target) continue;
			lineage_function *g = function_at(fns, n, call->target);
			if (!g || g == f || seen[g - fns] == i + 1) continue;
			seen[g - fns] = (uint32_t)i + 1;
			if (f->sig.ncallees < UINT16_MAX) f->sig.ncallees++;
			if (g->sig.ncallers < UINT16_MAX) g->sig.ncallers++;
			uint32_t gkeys[4];
			size_t ng = keys_of(&g->sig, gkeys);
			for (size_t k = 0; k < ng; k++)
				sketch_add(&f->sig, LINEAGE_SIG_GRAPH,
				           feature(LINEAGE_SIG_GRAPH, TAG_CALLEE, gkeys[k]));
			for (size_t k = 0; k < nf; k++)
				sketch_add(&g->sig, LINEAGE_SIG_GRAPH,
				           feature(LINEAGE_SIG_GRAPH, TAG_CALLER, fkeys[k]));
		}
	}
	ln_free(seen);
	return 0;
}

double lineage_sig_part_similarity(const uint32_t *a, const uint32_t *b)
{
	size_t i = 0, j = 0, n = 0, both = 0;
	while (n < LINEAGE_SIG_K) {
		uint32_t x = i < LINEAGE_SIG_K ? a[i] : UINT32_MAX;
		uint32_t y = j < LINEAGE_SIG_K ? b[j] : UINT32_MAX;
		if (x == UINT32_MAX && y == UINT32_MAX) break;
		if (x == y) {
			both++;
			i++;
			j++;
		} else if (x < y) {
			i++;
		} else {
			j++;
		}
		n++;
	}
	return n ? (double)both / (double)n : 0.0;
}

static size_t filled(const uint32_t *s)
{
	size_t n = 0;
	while (n < LINEAGE_SIG_K && s[n] != UINT32_MAX) n++;
	return n;
}

static double log_ratio(uint32_t a, uint32_t b)
{
	return fabs(log2(((double)a + 1.0) / ((double)b + 1.0)));
}

void lineage_function_similarity_terms(double *out, const lineage_function *a, const lineage_function *b)
{
	out[0] = 1.0;
	for (int p = 0; p < LINEAGE_SIG_PARTS; p++) {
		/* a zeroed signature (never computed) reads as empty */
		bool ea = !a->sig.nfeatures[p] || a->sig.part[p][0] == UINT32_MAX;
		bool eb = !b->sig.nfeatures[p] || b->sig.part[p][0] == UINT32_MAX;
		out[1 + 2 * p] = !ea && !eb ? lineage_sig_part_similarity(a->sig.part[p], b->sig.part[p]) : 0.0;
		out[2 + 2 * p] = ea != eb ? 1.0 : 0.0;
	}
	out[13] = lineage_minhash_similarity(a->minhash, b->minhash);
	out[14] = log_ratio(a->ninsn, b->ninsn);
	out[15] = log_ratio(a->nblocks, b->nblocks);
	out[16] = log_ratio(a->sig.ncallees, b->sig.ncallees);
	/* the same Jaccard similarity says more over more features */
	for (int p = 0; p < LINEAGE_SIG_PARTS; p++) {
		size_t fa = filled(a->sig.part[p]), fb = filled(b->sig.part[p]);
		out[17 + p] = out[1 + 2 * p] * log2(1.0 + (double)(fa < fb ? fa : fb));
	}
}

/* Logistic-regression weights over lineage_function_similarity_terms(),
 * fitted by bench/funcsim.sh (bench_funcsim --fit lua, seed 20221, 1000
 * queries per task) on Lua 5.4 alone: gcc and clang, -O0 to -O3 and -Os,
 * cross-optimization and cross-compiler pairs, 100 negatives per positive,
 * positives reweighted to balance. The benchmark tests on other projects. */
static const double sim_weights[LINEAGE_SIM_TERMS] = {
        -4.542, 4.781, -0.966, 0.491, -0.371, 4.520, 0.720, 4.241, -0.167, 1.759, -2.886, 6.125,
        0.964,  6.892, 0.227,  0.090, -0.651, 1.463, 5.774, 0.722, -0.003, 1.759, 2.279,
};

double lineage_function_similarity(const lineage_function *a, const lineage_function *b)
{
	double t[LINEAGE_SIM_TERMS], z = 0;
	if (!a->ninsn || !b->ninsn) return 0.0; /* no code: nothing to compare */
	lineage_function_similarity_terms(t, a, b);
	for (int i = 0; i < LINEAGE_SIM_TERMS; i++) z += sim_weights[i] * t[i];
	return 1.0 / (1.0 + exp(-z));
}
