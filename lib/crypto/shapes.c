/* Crypto recognized by the shape of its code, where no table or constant
 * gives it away: RC4's swap loop (no table: S is built at run time), XOR
 * decoding loops and their constant keys, ROR13 string-hash loops, TEA's
 * shifts around the golden-ratio delta; and the variant of an algorithm
 * whose constants are shared (ChaCha or Salsa20, RC5 or RC6: RC6 rotates
 * by 5 after its multiplications, RC5 only by variable counts). Only functions
 * whose notes make them candidates are decoded again, loop by loop. */
#include "crypto.h"

#include <stdio.h>
#include <Zydis/Zydis.h>

#define MAX_LOOP_INSNS 1024
/* Instructions in a loop whose shape is read: RC4, XOR and hash loops take
 * under 50 even unoptimized. */
#define MAX_SHAPE_LOOP 80

typedef struct dins {
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t va;
} dins;

typedef struct shaper {
	ln_crypto *c;
	ZydisDecoder dec;
	dins *buf; /* MAX_LOOP_INSNS */
	struct loops *L;
} shaper;

/* Decode the marked blocks of the function (or, with mark NULL, those
 * starting in [start, end)) into s->buf; returns the count. */
static size_t decode_blocks(shaper *s, const lineage_function *fn, const uint8_t *mark, uint64_t start, uint64_t end)
{
	size_t n = 0;
	for (uint32_t b = 0; b < fn->nblocks && n < MAX_LOOP_INSNS; b++) {
		const lineage_block *bl = &fn->blocks[b];
		if (mark ? !mark[b] : bl->start < start || bl->start >= end) continue;
		const uint8_t *p;
		uint64_t avail;
		if (lineage_binary_va_bytes(&p, &avail, s->c->bin, bl->start) != 0) continue;
		uint64_t len = bl->size < avail ? bl->size : avail, off = 0;
		while (off < len && n < MAX_LOOP_INSNS) {
			dins *d = &s->buf[n];
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&s->dec, p + off, len - off, &d->zi, d->ops))) break;
			d->va = bl->start + off;
			off += d->zi.length;
			n++;
		}
	}
	return n;
}

static size_t decode_range(shaper *s, const lineage_function *fn, uint64_t start, uint64_t end)
{
	return decode_blocks(s, fn, NULL, start, end);
}

/* The widest register of r's family (al, ax, eax -> rax). */
static ZydisRegister widest(const shaper *s, ZydisRegister r)
{
	return ZydisRegisterGetLargestEnclosing(s->dec.machine_mode, r);
}

static bool is_byte_mem(const ZydisDecodedOperand *o)
{
	return o->type == ZYDIS_OPERAND_TYPE_MEMORY && o->size == 8;
}

static bool is_load(const ZydisDecodedInstruction *zi)
{
	return zi->mnemonic == ZYDIS_MNEMONIC_MOV || zi->mnemonic == ZYDIS_MNEMONIC_MOVZX ||
	       zi->mnemonic == ZYDIS_MNEMONIC_MOVSX;
}

/* Natural loops: for each back edge (a block jumping to a block at or
 * before it that it can be reached from), the blocks that reach the edge's
 * source without passing through its target. */
typedef struct loops {
	uint32_t *pred_first, *preds; /* predecessors, CSR */
	uint32_t *stack;
	uint8_t *mark;
	size_t cap_blocks, cap_edges;
} loops;

static int block_index(const lineage_function *fn, uint64_t va)
{
	uint32_t lo = 0, hi = fn->nblocks;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (fn->blocks[m].start < va)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < fn->nblocks && fn->blocks[lo].start == va ? (int)lo : -1;
}

static bool loops_prepare(loops *L, const lineage_function *fn)
{
	size_t nb = fn->nblocks, ne = fn->nedges;
	if (nb + 1 > L->cap_blocks) {
		ln_free(L->pred_first);
		ln_free(L->stack);
		ln_free(L->mark);
		size_t cap = nb + 1 > 256 ? nb + 1 : 256;
		L->pred_first = ln_malloc(cap * sizeof(uint32_t));
		L->stack = ln_malloc(cap * sizeof(uint32_t));
		L->mark = ln_malloc(cap);
		L->cap_blocks = L->pred_first && L->stack && L->mark ? cap : 0;
		if (!L->cap_blocks) return false;
	}
	if (ne + 1 > L->cap_edges) {
		ln_free(L->preds);
		size_t cap = ne + 1 > 1024 ? ne + 1 : 1024;
		L->preds = ln_malloc(cap * sizeof(uint32_t));
		L->cap_edges = L->preds ? cap : 0;
		if (!L->preds) return false;
	}
	memset(L->pred_first, 0, (nb + 1) * sizeof(uint32_t));
	for (uint32_t b = 0; b < nb; b++)
		for (uint32_t e = 0; e < fn->blocks[b].nedges; e++) {
			int t = block_index(fn, fn->edges[fn->blocks[b].edge_first + e].target);
			if (t >= 0) L->pred_first[t + 1]++;
		}
	for (size_t b = 0; b < nb; b++) L->pred_first[b + 1] += L->pred_first[b];
	memcpy(L->stack, L->pred_first, nb * sizeof(uint32_t)); /* fill cursors */
	for (uint32_t b = 0; b < nb; b++)
		for (uint32_t e = 0; e < fn->blocks[b].nedges; e++) {
			int t = block_index(fn, fn->edges[fn->blocks[b].edge_first + e].target);
			if (t >= 0) L->preds[L->stack[t]++] = b;
		}
	return true;
}

/* Mark the body of the loop closed by the edge tail -> head (blocks are in
 * address order): the blocks between them that reach the tail; returns
 * their number. */
static size_t loop_body(loops *L, const lineage_function *fn, uint32_t head, uint32_t tail)
{
	memset(L->mark, 0, fn->nblocks);
	L->mark[head] = 1;
	size_t n = 1, sp = 0;
	if (!L->mark[tail]) {
		L->mark[tail] = 1;
		n++;
		L->stack[sp++] = tail;
	}
	while (sp) {
		uint32_t b = L->stack[--sp];
		for (uint32_t k = L->pred_first[b]; k < L->pred_first[b + 1]; k++) {
			uint32_t p = L->preds[k];
			/* within the head..tail range: unoptimized loops are entered by a
			 * jump to their condition at the bottom, from before the head */
			if (p < head || p > tail) continue;
			if (!L->mark[p]) {
				L->mark[p] = 1;
				n++;
				L->stack[sp++] = p;
			}
		}
	}
	return n;
}

static void loops_free(loops *L)
{
	ln_free(L->pred_first);
	ln_free(L->preds);
	ln_free(L->stack);
	ln_free(L->mark);
}

typedef struct regset {
	ZydisRegister r[16];
	size_t n;
} regset;

static bool rs_has(const regset *s, ZydisRegister r)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i] == r) return true;
	return false;
}

static void rs_del(regset *s, ZydisRegister r)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i] == r) {
			s->r[i] = s->r[--s->n];
			return;
		}
}

static void rs_add(regset *s, ZydisRegister r)
{
	if (!rs_has(s, r) && s->n < 16) s->r[s->n++] = r;
}

/* ------------------------------------------------------------------ RC4 */

/* A byte of an array: through an index, or a base that is not the frame
 * (i386 code often adds the index into the base first). */
static bool array_access(const ZydisDecodedOperand *o)
{
	ZydisRegister b = o->mem.base;
	if (o->mem.index != ZYDIS_REGISTER_NONE) return true;
	return b != ZYDIS_REGISTER_NONE && b != ZYDIS_REGISTER_RBP && b != ZYDIS_REGISTER_EBP &&
	       b != ZYDIS_REGISTER_RSP && b != ZYDIS_REGISTER_ESP && b != ZYDIS_REGISTER_RIP;
}

/* An entry of RC4's state: a byte, or a 32-bit word (OpenSSL's RC4_INT,
 * libgcrypt's u32 sbox). */
static bool state_mem(const ZydisDecodedOperand *o)
{
	return o->type == ZYDIS_OPERAND_TYPE_MEMORY && (o->size == 8 || o->size == 32) && array_access(o);
}

/* Frame slots ([rbp-8], [esp+0x10]) holding a value derived from the
 * state: unoptimized code keeps i and j there between statements. */
typedef struct slotset {
	int64_t d[16];
	size_t n;
} slotset;

static bool frame_slot(const ZydisDecodedOperand *o, int64_t *disp)
{
	if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.index != ZYDIS_REGISTER_NONE) return false;
	ZydisRegister b = o->mem.base;
	if (b != ZYDIS_REGISTER_RBP && b != ZYDIS_REGISTER_EBP && b != ZYDIS_REGISTER_RSP && b != ZYDIS_REGISTER_ESP)
		return false;
	*disp = o->mem.disp.value;
	return true;
}

static bool ss_has(const slotset *s, int64_t d)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i] == d) return true;
	return false;
}

/* An RC4 swap loop: two byte loads and two byte stores through an index,
 * and a store through an index computed from a byte loaded from the array
 * (j += S[i]; S[j] = ...), followed through registers and frame slots. */
static bool rc4_loop(shaper *s, size_t n, bool *prga, bool *wrap8)
{
	unsigned loads = 0, stores = 0, xors = 0, moved = 0;
	regset loaded = {{0}, 0}, derived = {{0}, 0};
	slotset slots = {{0}, 0}, lslots = {{0}, 0};
	bool data_index = false, data_store = false, data_load = false;
	/* two passes: a slot written late in the body is read early in the next iteration */
	for (int pass = 0; pass < 2; pass++) {
		loads = stores = xors = moved = 0;
		for (size_t i = 0; i < n; i++) {
			const dins *d = &s->buf[i];
			const ZydisDecodedOperand *o = d->ops;
			uint8_t nops = d->zi.operand_count_visible;
			ZydisMnemonic m = d->zi.mnemonic;
			if (nops < 2) continue;
			int64_t disp;
			for (uint8_t k = 0; k < nops; k++)
				if (o[k].type == ZYDIS_OPERAND_TYPE_MEMORY && array_access(&o[k]) &&
				    (rs_has(&derived, widest(s, o[k].mem.index)) ||
				     rs_has(&derived, widest(s, o[k].mem.base))))
					data_index = true;
			/* t = S[j]: a load through the state-derived index (read before
			 * the load overwrites the index register) */
			bool from_state = o[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			                  (rs_has(&derived, widest(s, o[1].mem.index)) ||
			                   rs_has(&derived, widest(s, o[1].mem.base)));
			/* a plain write forgets what the register held */
			ZydisRegister dst = o[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? widest(s, o[0].reg.value)
			                                                             : ZYDIS_REGISTER_NONE;
			if (dst && (m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVZX || m == ZYDIS_MNEMONIC_MOVSX ||
			            m == ZYDIS_MNEMONIC_MOVSXD || m == ZYDIS_MNEMONIC_LEA)) {
				if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER && m != ZYDIS_MNEMONIC_LEA) {
					/* a copy (movzx edx, al) carries what the source held */
					ZydisRegister src = widest(s, o[1].reg.value);
					if (src != dst) {
						bool l = rs_has(&loaded, src), dv = rs_has(&derived, src);
						rs_del(&loaded, dst);
						rs_del(&derived, dst);
						if (l) rs_add(&loaded, dst);
						if (dv) rs_add(&derived, dst);
					}
				} else {
					rs_del(&loaded, dst);
					rs_del(&derived, dst);
				}
			}
			if (is_load(&d->zi) && o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && state_mem(&o[1])) {
				loads++;
				data_load |= from_state;
				rs_add(&loaded, widest(s, o[0].reg.value));
			} else if (m == ZYDIS_MNEMONIC_MOV && state_mem(&o[0])) {
				stores++;
				/* the swap stores bytes as they were loaded */
				if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
				    rs_has(&loaded, widest(s, o[1].reg.value)))
					moved++;
				data_store |= rs_has(&derived, widest(s, o[0].mem.index)) ||
				              rs_has(&derived, widest(s, o[0].mem.base));
			} else if ((m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVZX) && frame_slot(&o[0], &disp) &&
			           o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
				ZydisRegister w = widest(s, o[1].reg.value);
				if (rs_has(&derived, w) && !ss_has(&slots, disp) && slots.n < 16)
					slots.d[slots.n++] = disp;
				if (rs_has(&loaded, w) && !ss_has(&lslots, disp) && lslots.n < 16)
					lslots.d[lslots.n++] = disp;
			} else if ((m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVZX || m == ZYDIS_MNEMONIC_MOVSX ||
			            m == ZYDIS_MNEMONIC_MOVSXD) &&
			           o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && frame_slot(&o[1], &disp)) {
				if (ss_has(&slots, disp)) rs_add(&derived, widest(s, o[0].reg.value));
				if (ss_has(&lslots, disp)) rs_add(&loaded, widest(s, o[0].reg.value));
			} else if ((m == ZYDIS_MNEMONIC_ADD || m == ZYDIS_MNEMONIC_LEA) &&
			           o[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
				bool from = false;
				for (uint8_t k = 1; k < nops; k++) {
					if (o[k].type == ZYDIS_OPERAND_TYPE_REGISTER)
						from |= rs_has(&loaded, widest(s, o[k].reg.value)) ||
						        rs_has(&derived, widest(s, o[k].reg.value));
					if (o[k].type == ZYDIS_OPERAND_TYPE_MEMORY)
						from |= is_byte_mem(&o[k]) ||
						        rs_has(&loaded, widest(s, o[k].mem.base)) ||
						        rs_has(&loaded, widest(s, o[k].mem.index)) ||
						        rs_has(&derived, widest(s, o[k].mem.base)) ||
						        rs_has(&derived, widest(s, o[k].mem.index)) ||
						        (frame_slot(&o[k], &disp) &&
						         (ss_has(&lslots, disp) || ss_has(&slots, disp)));
				}
				if (from) rs_add(&derived, widest(s, o[0].reg.value));
			} else if ((m == ZYDIS_MNEMONIC_MOVZX || m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVSX ||
			            m == ZYDIS_MNEMONIC_MOVSXD) &&
			           o[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			           o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			           rs_has(&derived, widest(s, o[1].reg.value))) {
				rs_add(&derived, widest(s, o[0].reg.value));
			} else if (m == ZYDIS_MNEMONIC_XOR && o[0].size == 8) {
				xors++;
			}
			/* i++ on an 8-bit register: the loop runs 256 times */
			if (o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && o[0].size == 8 &&
			    ((m == ZYDIS_MNEMONIC_ADD && o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			      o[1].imm.value.u == 1) ||
			     m == ZYDIS_MNEMONIC_INC))
				*wrap8 = true;
		}
	}
	*prga = xors > 0 && loads >= 3;
	return loads >= 2 && stores >= 2 && moved >= 2 && data_index && data_store && data_load;
}

static bool has_bound_256(const lineage_function *fn)
{
	for (uint32_t k = 0; k < fn->nnotes; k++) {
		const lineage_note *nt = &fn->notes[k];
		if (nt->kind == LINEAGE_NOTE_IMM && (nt->value == 0x100 || nt->value == 0xff)) return true;
	}
	return false;
}

/* ------------------------------------------------------------ XOR loops */

typedef struct xkey {
	uint8_t key[64];
	size_t len;
	uint64_t va;
	bool data; /* the key is read from data (multi-byte) */
} xkey;

/* Registers holding the address of constant data: lea reg, [rip+x] or
 * mov reg, imm (i386) before or in the loop. */
typedef struct addrmap {
	ZydisRegister r[8];
	uint64_t a[8];
	size_t n;
} addrmap;

static void am_set(addrmap *m, ZydisRegister r, uint64_t a)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i] == r) {
			m->a[i] = a;
			return;
		}
	if (m->n < 8) {
		m->r[m->n] = r;
		m->a[m->n++] = a;
	}
}

static void am_kill(addrmap *m, ZydisRegister r)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i] == r) {
			m->r[i] = m->r[--m->n];
			m->a[i] = m->a[m->n];
			return;
		}
}

static bool am_get(const addrmap *m, ZydisRegister r, uint64_t *a)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i] == r) {
			*a = m->a[i];
			return true;
		}
	return false;
}

static bool const_data(const lineage_binary *bin, uint64_t va)
{
	const lineage_section *sec = lineage_binary_section_at(bin, va);
	return sec && (sec->flags & LINEAGE_SEC_ALLOC) && !(sec->flags & LINEAGE_SEC_EXEC);
}

/* The length of a key read from data: an and-mask (i & 3), a compare with
 * a small bound (k == 4), else the printable string there. */
static size_t key_length(const lineage_binary *bin, uint64_t va, unsigned mask, unsigned bound, uint8_t *out)
{
	const uint8_t *p;
	uint64_t avail;
	if (lineage_binary_va_bytes(&p, &avail, bin, va) != 0 || !avail) return 0;
	size_t len = 0;
	if (mask)
		len = mask + 1;
	else if (bound)
		len = bound;
	else {
		while (len < avail && len < 64 && p[len] >= 0x20 && p[len] < 0x7f) len++;
		if (len == avail || p[len] != 0) len = 0;
	}
	if (len < 2 || len > 64 || len > avail) return 0;
	memcpy(out, p, len);
	return len;
}

/* Follow registers holding the address of constant data: set by lea of a
 * rip-relative address or a mov of an absolute one, forgotten when
 * overwritten by anything else. */
static void track_addr(const shaper *s, addrmap *am, const dins *d)
{
	const ZydisDecodedOperand *o = d->ops;
	if (d->zi.operand_count_visible < 2 || o[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    !(o[0].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
		return;
	ZydisRegister w = widest(s, o[0].reg.value);
	uint64_t t;
	if (d->zi.mnemonic == ZYDIS_MNEMONIC_LEA && o[1].mem.base == ZYDIS_REGISTER_RIP &&
	    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d->zi, &o[1], d->va, &t)) && const_data(s->c->bin, t))
		am_set(am, w, t);
	else if (d->zi.mnemonic == ZYDIS_MNEMONIC_MOV && o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
	         const_data(s->c->bin, o[1].imm.value.u))
		am_set(am, w, o[1].imm.value.u);
	else
		am_kill(am, w);
}

/* The registers holding constant data's address on entry to a loop at
 * head: followed over the function's code before it, decoded one
 * instruction at a time (the loop's own decoding in s->buf stays). */
static void track_before(shaper *s, const lineage_function *fn, uint64_t head, addrmap *am)
{
	am->n = 0;
	dins d;
	size_t n = 0;
	for (uint32_t b = 0; b < fn->nblocks && n < MAX_LOOP_INSNS; b++) {
		const lineage_block *bl = &fn->blocks[b];
		if (bl->start < fn->address || bl->start >= head) continue;
		const uint8_t *p;
		uint64_t avail;
		if (lineage_binary_va_bytes(&p, &avail, s->c->bin, bl->start) != 0) continue;
		uint64_t len = bl->size < avail ? bl->size : avail, off = 0;
		for (; off < len && n < MAX_LOOP_INSNS; n++) {
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&s->dec, p + off, len - off, &d.zi, d.ops))) break;
			d.va = bl->start + off;
			off += d.zi.length;
			track_addr(s, am, &d);
		}
	}
}

/* The address of the constant data a memory operand reads through a
 * mapped base register or an absolute displacement, or 0. */
static uint64_t key_addr(const shaper *s, const addrmap *am, const ZydisDecodedOperand *o)
{
	uint64_t a = 0;
	if (o->mem.index == ZYDIS_REGISTER_NONE && o->mem.base == ZYDIS_REGISTER_NONE) return 0;
	if (o->mem.base != ZYDIS_REGISTER_NONE && am_get(am, widest(s, o->mem.base), &a)) return a;
	if (o->mem.scale <= 1 && am_get(am, widest(s, o->mem.index), &a)) return a; /* [i + key] */
	/* key[i] in i386 code: the key's absolute address as displacement */
	uint64_t disp = (uint64_t)o->mem.disp.value & (s->c->bin->bits == 32 ? 0xffffffffu : ~0ull);
	if (o->mem.disp.has_displacement && disp >= 0x10000 && const_data(s->c->bin, disp)) return disp;
	return 0;
}

/* A memory operand indexed by a register of the set. */
static bool indexed_by(const shaper *s, const regset *set, const ZydisDecodedOperand *o)
{
	return (o->mem.index != ZYDIS_REGISTER_NONE && rs_has(set, widest(s, o->mem.index))) ||
	       (o->mem.base != ZYDIS_REGISTER_NONE && rs_has(set, widest(s, o->mem.base)));
}

/* A memory operand that moves with the loop: its index or base changes. */
static bool walks(const shaper *s, const regset *written, const ZydisDecodedOperand *o)
{
	return (o->mem.index != ZYDIS_REGISTER_NONE && rs_has(written, widest(s, o->mem.index))) ||
	       (o->mem.base != ZYDIS_REGISTER_NONE && rs_has(written, widest(s, o->mem.base)));
}

/* Single-byte constants that xor does for other reasons: 0 and 1 (flags),
 * 0x20 (letter case), 0x80 (sign), 0x36, 0x5c and 0x6a (HMAC's pads and the
 * one turning the first into the second), 0x1b and 0x63 (AES's field
 * reduction and affine constant). */
static bool plausible_key8(uint8_t k)
{
	return k > 1 && k != 0x20 && k != 0x80 && k != 0x36 && k != 0x5c && k != 0x6a && k != 0x1b && k != 0x63;
}

/* An XOR decoding loop: a byte of a buffer combined with a constant (or a
 * byte of constant data indexed by the loop) and stored back. Data flow is
 * followed through registers: bytes loaded from the buffer, bytes loaded
 * from the key, the xor's result, the store. */
static bool xor_loop(shaper *s, size_t n, addrmap *am, xkey *k)
{
	const lineage_binary *bin = s->c->bin;
	bool found = false, stored = false, inplace = false;
	unsigned mask = 0, bound = 0;
	regset keyregs = {{0}, 0}, bufregs = {{0}, 0}, xored = {{0}, 0}, written = {{0}, 0};
	uint64_t keyaddr = 0;
	for (size_t i = 0; i < n; i++) /* registers the loop changes: its cursors among them */
		if (s->buf[i].zi.operand_count_visible && s->buf[i].ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (s->buf[i].ops[0].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			rs_add(&written, widest(s, s->buf[i].ops[0].reg.value));
	for (size_t i = 0; i < n; i++) {
		const dins *d = &s->buf[i];
		const ZydisDecodedOperand *o = d->ops;
		uint8_t nops = d->zi.operand_count_visible;
		ZydisMnemonic m = d->zi.mnemonic;
		if (nops < 2) continue;
		/* the key's address before this instruction overwrites its register */
		uint64_t ka = is_byte_mem(&o[1]) ? key_addr(s, am, &o[1]) : 0;
		track_addr(s, am, d);
		if ((m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVZX || m == ZYDIS_MNEMONIC_MOVSX) &&
		    o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			ZydisRegister dst = widest(s, o[0].reg.value), src = widest(s, o[1].reg.value);
			regset *sets[3] = {&keyregs, &bufregs, &xored};
			for (int q = 0; q < 3; q++) { /* a copy carries what the register held */
				if (rs_has(sets[q], src))
					rs_add(sets[q], dst);
				else
					rs_del(sets[q], dst);
			}
			continue;
		}
		if (m == ZYDIS_MNEMONIC_AND && o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			uint64_t v = o[1].imm.value.u;
			if (v >= 1 && v < 64 && ((v + 1) & v) == 0) mask = (unsigned)v;
		}
		if (m == ZYDIS_MNEMONIC_CMP && o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && o[1].imm.value.u >= 2 &&
		    o[1].imm.value.u <= 64)
			bound = (unsigned)o[1].imm.value.u;
		if (is_load(&d->zi) && o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && is_byte_mem(&o[1])) {
			/* table[data byte] is a substitution (an S-box), not a key */
			uint64_t a = indexed_by(s, &bufregs, &o[1]) || indexed_by(s, &xored, &o[1]) ? 0 : ka;
			if (a) {
				keyaddr = a;
				rs_add(&keyregs, widest(s, o[0].reg.value));
			} else if (walks(s, &written, &o[1])) {
				rs_add(&bufregs, widest(s, o[0].reg.value));
			}
			continue;
		}
		if (m == ZYDIS_MNEMONIC_MOV && is_byte_mem(&o[0]) && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    rs_has(&xored, widest(s, o[1].reg.value)))
			stored = true;
		if (m != ZYDIS_MNEMONIC_XOR) continue;
		bool r0 = o[0].type == ZYDIS_OPERAND_TYPE_REGISTER,
		     m0 = is_byte_mem(&o[0]) && walks(s, &written, &o[0]);
		ZydisRegister w0 = r0 ? widest(s, o[0].reg.value) : ZYDIS_REGISTER_NONE;
		if (o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			uint64_t v = o[1].imm.value.u;
			if ((m0 || (r0 && rs_has(&bufregs, w0) && v <= 0xff)) && plausible_key8((uint8_t)v) && !found) {
				k->key[0] = (uint8_t)v; /* a single-byte key */
				k->len = 1;
				k->va = d->va;
				found = true;
				inplace |= m0;
			} else if (o[0].type == ZYDIS_OPERAND_TYPE_MEMORY && o[0].size == 32 && !found) {
				uint8_t b[4];
				int distinct = 0;
				for (int q = 0; q < 4; q++) {
					b[q] = (uint8_t)(v >> (8 * q));
					bool dup = false;
					for (int r = 0; r < q; r++) dup |= b[r] == b[q];
					distinct += !dup;
				}
				if (distinct >= 3 && b[0] && b[1] && b[2] &&
				    b[3]) { /* a 4-byte key applied a word at a time */
					memcpy(k->key, b, 4);
					k->len = 4;
					k->va = d->va;
					found = inplace = true;
				}
			}
			if (r0) rs_add(&xored, w0);
			continue;
		}
		/* key byte ^ buffer byte, in registers or one of them in memory */
		bool keyed = false;
		if (r0 && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			ZydisRegister w1 = widest(s, o[1].reg.value);
			keyed = (rs_has(&keyregs, w0) && rs_has(&bufregs, w1)) ||
			        (rs_has(&bufregs, w0) && rs_has(&keyregs, w1));
		} else if (r0 && is_byte_mem(&o[1])) {
			uint64_t a = indexed_by(s, &bufregs, &o[1]) || indexed_by(s, &xored, &o[1]) ? 0 : ka;
			if (a && rs_has(&bufregs, w0)) keyaddr = a;
			keyed = (a && rs_has(&bufregs, w0)) || (!a && rs_has(&keyregs, w0));
		} else if (m0 && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			keyed = rs_has(&keyregs, widest(s, o[1].reg.value));
			inplace |= keyed;
		}
		if (keyed && keyaddr && !found) {
			k->va = d->va;
			k->data = true;
			found = true;
		}
		if (r0) rs_add(&xored, w0);
	}
	if (!found || !(stored || inplace)) return false;
	if (k->data) {
		k->len = key_length(bin, keyaddr, mask, bound, k->key);
		if (!k->len) return false;
	}
	size_t zero = 0;
	for (size_t q = 0; q < k->len; q++) zero += k->key[q] == 0;
	return zero < k->len;
}

/* ------------------------------------------------------------ hash loops */

/* A string-hash loop: every rotation in it by the same count, a byte loaded
 * and combined; returns the rotate-right count or 0. */
static unsigned hash_loop(shaper *s, size_t n)
{
	unsigned rot = 0, nrot = 0;
	bool byte = false;
	for (size_t i = 0; i < n; i++) {
		const dins *d = &s->buf[i];
		const ZydisDecodedOperand *o = d->ops;
		ZydisMnemonic m = d->zi.mnemonic;
		if ((m == ZYDIS_MNEMONIC_ROR || m == ZYDIS_MNEMONIC_ROL) && d->zi.operand_count_visible == 2 &&
		    o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && o[0].size == 32) {
			unsigned r = (unsigned)(o[1].imm.value.u & 31);
			if (m == ZYDIS_MNEMONIC_ROL) r = (32 - r) & 31;
			if (nrot && r != rot) return 0;
			rot = r;
			nrot++;
		}
		if ((is_load(&d->zi) && d->zi.operand_count_visible == 2 && is_byte_mem(&d->ops[1])) ||
		    m == ZYDIS_MNEMONIC_LODSB)
			byte = true;
	}
	return nrot && nrot <= 2 && byte ? rot : 0;
}

/* --------------------------------------------------------------- driver */

static void rc4_finding(shaper *s, const lineage_function *fn, uint64_t va, bool prga)
{
	lineage_crypto_finding *f =
	        ln_crypto_add(s->c, "rc4", "rc4", "code", prga ? "code:rc4-prga" : "code:rc4-ksa",
	                      prga ? "RC4 keystream loop (swap S[i], S[j] with j += S[i], output S[S[i]+S[j]])"
	                           : "RC4 key schedule (256-entry state, swap S[i], S[j] with j += S[i] + key[i % n])",
	                      NULL);
	if (f) ln_crypto_at_va(s->c, f, va, 0);
}

static void shapes_of(shaper *s, const lineage_function *fn)
{
	bool xor8 = false, rot = false, delta = false;
	for (uint32_t k = 0; k < fn->nnotes; k++) {
		const lineage_note *nt = &fn->notes[k];
		if (nt->kind == LINEAGE_NOTE_INSN && nt->mnemonic == ZYDIS_MNEMONIC_XOR) xor8 = true;
		if (nt->kind == LINEAGE_NOTE_IMM && nt->mnemonic == ZYDIS_MNEMONIC_XOR) xor8 = true;
		if (nt->kind == LINEAGE_NOTE_ROT && nt->aux == 32 &&
		    ((nt->mnemonic == ZYDIS_MNEMONIC_ROR && nt->value == 13) ||
		     (nt->mnemonic == ZYDIS_MNEMONIC_ROL && nt->value == 19)))
			rot = true;
		if (nt->kind == LINEAGE_NOTE_IMM && (nt->value == 0x9e3779b9u || nt->value == 0x61c88647u))
			delta = true;
	}
	bool bound = has_bound_256(fn), rc4_done = false, xor_done = false, hash_done = false;
	addrmap am = {{0}, {0}, 0};
	bool ready = fn->sig.nloops && loops_prepare(s->L, fn);
	if (fn->sig.nloops && !ready) {
		s->c->oom = true;
		return;
	}
	unsigned seen = 0;
	/* loop heads: only innermost loops are read (a decoding loop is one;
	 * an outer loop mixes in what its inner loops and table lookups do) */
	uint64_t heads[64];
	unsigned nheads = 0;
	for (uint32_t b = 0; ready && b < fn->nblocks; b++)
		for (uint32_t e = 0; e < fn->blocks[b].nedges && nheads < 64; e++) {
			uint64_t t = fn->edges[fn->blocks[b].edge_first + e].target;
			if (t <= fn->blocks[b].start) heads[nheads++] = t;
		}
	for (uint32_t b = 0; ready && b < fn->nblocks && seen < 64 && !s->c->oom; b++) {
		const lineage_block *bl = &fn->blocks[b];
		for (uint32_t e = 0; e < bl->nedges; e++) {
			uint64_t t = fn->edges[bl->edge_first + e].target;
			int head = t <= bl->start ? block_index(fn, t) : -1;
			if (head < 0) continue;
			seen++;
			if (loop_body(s->L, fn, (uint32_t)head, b) > 16) continue;
			bool inner = true;
			for (unsigned h = 0; h < nheads && inner; h++) {
				int hb = heads[h] != t ? block_index(fn, heads[h]) : -1;
				inner = hb < 0 || !s->L->mark[hb];
			}
			if (!inner) continue;
			size_t n = decode_blocks(s, fn, s->L->mark, 0, 0);
			if (!n || n > MAX_SHAPE_LOOP) continue; /* these loops are small even at -O0 */
			bool prga = false, wrap8 = false;
			if (!rc4_done && rc4_loop(s, n, &prga, &wrap8) && (bound || prga || wrap8)) {
				rc4_finding(s, fn, s->buf[0].va, prga);
				rc4_done = true;
			}
			if (xor8 && !xor_done) {
				track_before(s, fn, t, &am); /* the key's address may be set before the loop */
				xkey k;
				memset(&k, 0, sizeof(k));
				if (xor_loop(s, n, &am, &k)) {
					const char *hex = ln_crypto_hex(s->c, k.key, k.len);
					lineage_crypto_finding *f = ln_crypto_add(
					        s->c, "xor", k.len == 1 ? "xor-8" : "xor-multibyte", "code",
					        "code:xor-loop",
					        ln_crypto_fmt(s->c, "XOR decoding loop with a constant %zu-byte key%s",
					                      k.len, k.data ? " read from data" : ""),
					        hex);
					if (f) {
						if (k.len > 1) f->flags |= LINEAGE_CRYPTO_MATERIAL;
						ln_crypto_at_va(s->c, f, k.va, 0);
					}
					xor_done = true;
				}
			}
			if (rot && !hash_done) {
				if (hash_loop(s, n) == 13) {
					lineage_crypto_finding *f =
					        ln_crypto_add(s->c, "api-hash", "ror13", "code", "code:ror13-hash-loop",
					                      "ROR13 string-hash loop (resolves API names by hash "
					                      "instead of importing them)",
					                      NULL);
					if (f) ln_crypto_at_va(s->c, f, s->buf[0].va, 0);
					hash_done = true;
				}
			}
		}
	}
	if (delta && !s->c->oom) {
		/* TEA family: the delta beside shifts by 4 and 5; XTEA adds
		 * key[sum & 3] and sum >> 11, XXTEA shifts by 2 and 3 */
		size_t n = decode_range(s, fn, fn->address, fn->address + fn->size);
		unsigned shl[32] = {0}, shr[32] = {0};
		for (size_t i = 0; i < n; i++) {
			const dins *d = &s->buf[i];
			if (d->zi.operand_count_visible != 2 || d->ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE ||
			    d->ops[0].size != 32) /* TEA works on 32-bit words */
				continue;
			if (d->zi.mnemonic == ZYDIS_MNEMONIC_SHL) shl[d->ops[1].imm.value.u & 31]++;
			if (d->zi.mnemonic == ZYDIS_MNEMONIC_SHR || d->zi.mnemonic == ZYDIS_MNEMONIC_SAR)
				shr[d->ops[1].imm.value.u & 31]++;
		}
		/* both halves of a TEA/XTEA round shift by 4 and by 5; XXTEA's
		 * MX shifts by 5, 2, 3 and 4 */
		bool xx = shr[5] && shl[2] && shr[3] && shl[4];
		bool sh[32] = {0};
		sh[11] = shr[11] > 0;
		/* in the round function, not somewhere in a large function that
		 * also hashes with the golden ratio (boost::hash_combine) */
		bool dense = fn->ninsn <= 400 || (shl[4] + shr[5]) * 40 >= fn->ninsn;
		if (dense && ((shl[4] >= 2 && shr[5] >= 2) || xx)) {
			const char *alg = sh[11] ? "xtea" : xx ? "xxtea" : "tea";
			lineage_crypto_finding *f = ln_crypto_add(
			        s->c, "tea", alg, "code", "code:tea-rounds",
			        ln_crypto_fmt(s->c, "%s rounds: delta 0x9E3779B9 with shifts by 4 and 5%s",
			                      !strcmp(alg, "xtea")    ? "XTEA"
			                      : !strcmp(alg, "xxtea") ? "XXTEA"
			                                              : "TEA",
			                      sh[11] ? " and 11" : ""),
			        NULL);
			if (f) ln_crypto_at_va(s->c, f, fn->address, 0);
		}
	}
}

/* String equality out of line: GCC 12.2 at -O2 (value-range propagation of
 * strcmp results) decided that a pointer found unequal to "chacha" and
 * "salsa" could not equal "rc5" either, and dropped the RC5/RC6 relabelling
 * below; a call it cannot see into keeps the tests honest. */
__attribute__((noinline)) static bool name_is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Shared constants, told apart by rotation counts: ChaCha rotates by 16,
 * 12, 8, 7 and Salsa20 by 7, 9, 13, 18; RC6 rotates by 5 (in a function
 * that is not SHA-1's, which rotates by 5 and 30). */
/* Where a function stores the first two "expand 32-byte k" words, as
 * immediates or copied from the constant in data (sigma_va, 0 if none):
 * Salsa20 puts them on the diagonal of its 4x4 state (words 0 and 5, 20
 * bytes apart), ChaCha on the first row (4 bytes apart). Returns 'S', 'C'
 * or 0. */
static int sigma_layout(shaper *s, const lineage_function *fn, uint64_t sigma_va)
{
	size_t n = decode_range(s, fn, fn->address, fn->address + fn->size);
	int64_t disp[2] = {0, 0};
	bool have[2] = {false, false};
	ZydisRegister held[2] = {ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE};
	for (size_t i = 0; i < n; i++) {
		const dins *d = &s->buf[i];
		const ZydisDecodedOperand *o = d->ops;
		if (d->zi.mnemonic != ZYDIS_MNEMONIC_MOV || d->zi.operand_count_visible != 2) continue;
		uint64_t t;
		if (o[0].type == ZYDIS_OPERAND_TYPE_REGISTER && o[1].type == ZYDIS_OPERAND_TYPE_MEMORY && sigma_va &&
		    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d->zi, &o[1], d->va, &t)) &&
		    (t == sigma_va || t == sigma_va + 4))
			held[t != sigma_va] = widest(s, o[0].reg.value);
		if (o[0].type != ZYDIS_OPERAND_TYPE_MEMORY || o[0].size != 32) continue;
		int w = -1;
		if (o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			uint32_t v = (uint32_t)o[1].imm.value.u;
			w = v == 0x61707865u ? 0 : v == 0x3320646eu ? 1 : -1;
		} else if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			ZydisRegister r = widest(s, o[1].reg.value);
			w = r == held[0] ? 0 : r == held[1] ? 1 : -1;
		}
		if (w < 0 || have[w]) continue;
		have[w] = true;
		disp[w] = o[0].mem.disp.value;
	}
	if (!have[0] || !have[1]) return 0;
	return disp[1] - disp[0] == 20 ? 'S' : disp[1] - disp[0] == 4 ? 'C' : 0;
}

/* RC6's round: t = rotl(B * (2B + 1), 5); unoptimized code rotates with a
 * shift left by 5 and right by 27 beside the multiplication. */
static bool rc6_round(shaper *s, const lineage_function *fn)
{
	if (fn->ninsn > MAX_LOOP_INSNS) return false;
	size_t n = decode_range(s, fn, fn->address, fn->address + fn->size);
	bool imul = false, shl5 = false, shr27 = false;
	for (size_t i = 0; i < n; i++) {
		const dins *d = &s->buf[i];
		ZydisMnemonic m = d->zi.mnemonic;
		imul |= m == ZYDIS_MNEMONIC_IMUL || m == ZYDIS_MNEMONIC_MUL;
		if (d->zi.operand_count_visible == 2 && d->ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			shl5 |= m == ZYDIS_MNEMONIC_SHL && d->ops[1].imm.value.u == 5;
			shr27 |= m == ZYDIS_MNEMONIC_SHR && d->ops[1].imm.value.u == 27;
		}
	}
	return imul && shl5 && shr27;
}

static void variants(ln_crypto *c, shaper *sh)
{
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(c->s, &nf);
	bool rol[33] = {0}, rc6 = false;
	for (size_t i = 0; i < nf; i++) {
		bool r5 = false, r30 = false;
		for (uint32_t k = 0; k < fns[i].nnotes; k++) {
			const lineage_note *nt = &fns[i].notes[k];
			if (nt->kind != LINEAGE_NOTE_ROT || nt->aux != 32) continue;
			unsigned r = (unsigned)nt->value & 31;
			if (nt->mnemonic == ZYDIS_MNEMONIC_ROR) r = (32 - r) & 31;
			rol[r] = true;
			r5 |= r == 5;
			r30 |= r == 30; /* SHA-1 rotates by 5 and 30 */
		}
		rc6 |= r5 && !r30;
	}
	bool chacha = rol[16] && rol[12] && rol[8] && rol[7];
	bool salsa = rol[7] && rol[9] && rol[13] && rol[18];
	/* the round functions themselves: Salsa20's rotation counts are its
	 * own; ChaCha's are BLAKE2s' too, so they count only beside the
	 * "expand 32-byte k" constants */
	bool sigma = false;
	for (size_t i = 0; i < c->out.len; i++)
		sigma |= name_is(((lineage_crypto_finding *)c->out.items)[i].family, "chacha") ||
		         name_is(((lineage_crypto_finding *)c->out.items)[i].family, "salsa");
	bool salsa_code = false, chacha_code = false;
	for (size_t i = 0; i < nf && !c->oom; i++) {
		unsigned cnt[32] = {0};
		for (uint32_t k = 0; k < fns[i].nnotes; k++) {
			const lineage_note *nt = &fns[i].notes[k];
			if (nt->kind != LINEAGE_NOTE_ROT || nt->aux != 32) continue;
			unsigned r = (unsigned)nt->value & 31;
			cnt[nt->mnemonic == ZYDIS_MNEMONIC_ROR ? (32 - r) & 31 : r]++;
		}
		bool sr = cnt[7] >= 2 && cnt[9] >= 2 && cnt[13] >= 2 && cnt[18] >= 2;
		bool cr = sigma && cnt[16] >= 2 && cnt[12] >= 2 && cnt[8] >= 2 && cnt[7] >= 2;
		if (!sr && !cr) continue;
		lineage_crypto_finding *x =
		        ln_crypto_add(c, sr ? "salsa" : "chacha", sr ? "salsa20" : "chacha20", "code",
		                      sr ? "code:salsa20-rounds" : "code:chacha-rounds",
		                      sr ? "Salsa20 rounds: 32-bit rotations by 7, 9, 13 and 18"
		                         : "ChaCha rounds: 32-bit rotations by 16, 12, 8 and 7 beside its constants",
		                      NULL);
		if (x) ln_crypto_at_va(c, x, fns[i].address, 0);
		salsa_code |= sr;
		chacha_code |= cr;
	}
	if (salsa_code != chacha_code) { /* the round code settles whose constants they are */
		chacha = chacha_code;
		salsa = salsa_code;
	}
	/* unoptimized code rotates with a shift pair (x << 7 | x >> 25) */
	for (size_t i = 0; sigma && chacha == salsa && i < nf; i++) {
		if (fns[i].ninsn > MAX_LOOP_INSNS || fns[i].ninsn < 64) continue;
		size_t n = decode_range(sh, &fns[i], fns[i].address, fns[i].address + fns[i].size);
		bool shl[32] = {0}, shr[32] = {0};
		for (size_t k = 0; k < n; k++) {
			const dins *d = &sh->buf[k];
			if (d->zi.operand_count_visible != 2 || d->ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE ||
			    d->ops[0].size != 32)
				continue;
			if (d->zi.mnemonic == ZYDIS_MNEMONIC_SHL) shl[d->ops[1].imm.value.u & 31] = true;
			if (d->zi.mnemonic == ZYDIS_MNEMONIC_SHR) shr[d->ops[1].imm.value.u & 31] = true;
		}
#define PAIR(r) (shl[r] && shr[32 - (r)])
		if (PAIR(7) && PAIR(9) && PAIR(13) && PAIR(18)) salsa = true;
		if (PAIR(16) && PAIR(12) && PAIR(8) && PAIR(7)) chacha = true;
#undef PAIR
	}
	bool rc = false;
	for (size_t i = 0; i < c->out.len; i++)
		rc |= name_is(((lineage_crypto_finding *)c->out.items)[i].family, "rc5");
	for (size_t i = 0; rc && !rc6 && i < nf; i++) rc6 = rc6_round(sh, &fns[i]);
	lineage_crypto_finding *f = c->out.items;
	for (size_t i = 0; i < c->out.len; i++) {
		bool cs = name_is(f[i].family, "chacha") || name_is(f[i].family, "salsa");
		int layout = 0; /* the state layout of the code that uses these constants */
		if (cs && strncmp(f[i].source, "code:", 5)) {
			const lineage_function *fn =
			        f[i].function ? lineage_sample_function_at(c->s, f[i].function) : NULL;
			if (fn) layout = sigma_layout(sh, fn, 0);
			for (uint32_t u = 0; !layout && u < f[i].nusers; u++) {
				const lineage_function *uf = lineage_sample_function_at(c->s, f[i].users[u]);
				if (uf) layout = sigma_layout(sh, uf, f[i].va);
			}
		}
		if (cs && (layout || chacha != salsa)) {
			bool ch = layout ? layout == 'C' : chacha;
			f[i].family = ch ? "chacha" : "salsa";
			f[i].algorithm = ch ? "chacha20" : "salsa20";
		}
		if ((name_is(f[i].family, "rc5") || name_is(f[i].family, "rc6")) &&
		    (!strncmp(f[i].source, "const:", 6) || !strncmp(f[i].source, "rule:", 5))) {
			f[i].family = rc6 ? "rc6" : "rc5";
			f[i].algorithm = f[i].family;
		}
	}
}

void ln_crypto_shapes(ln_crypto *c)
{
	shaper s = {.c = c};
	if (c->bin->arch == LINEAGE_ARCH_X86_64)
		ZydisDecoderInit(&s.dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	else if (c->bin->arch == LINEAGE_ARCH_X86)
		ZydisDecoderInit(&s.dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	else
		return;
	loops L;
	memset(&L, 0, sizeof(L));
	s.L = &L;
	s.buf = ln_malloc(MAX_LOOP_INSNS * sizeof(*s.buf));
	if (!s.buf) {
		c->oom = true;
		return;
	}
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(c->s, &nf);
	for (size_t i = 0; i < nf && !c->oom; i++)
		if (fns[i].nnotes) shapes_of(&s, &fns[i]);
	variants(c, &s);
	ln_free(s.buf);
	loops_free(&L);
}
