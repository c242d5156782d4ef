/* Function discovery and disassembly.
 *
 * Phase A walks the code globally: every instruction reachable from a seed is
 * decoded once (Zydis), its normalized token kept, and its successors queued.
 * Seeds come in rounds of falling confidence: the structure of the file
 * (entry, exports, symbols, TLS callbacks, exception tables, init arrays),
 * then the targets of direct calls, code addresses taken in code, relocated
 * pointers, pointers in data, and last a scan of the gaps for prologues. A
 * weaker candidate must look like the start of code and may not land on an
 * instruction already decoded (a case label, the middle of a function).
 *
 * Phase B cuts the decoded instructions into functions: from each start,
 * the instructions reachable without a call and without entering another
 * function's start, split into basic blocks with their edges and calls.
 *
 * Every stage is bounded by the sample's limits; running out sets budget_hit
 * and keeps what was found. */
#include "disasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <Zydis/Zydis.h>

#include "../fingerprint/fingerprint.h"

enum { IK_SEQ, IK_RET, IK_JMP, IK_JCC, IK_CALL, IK_JMP_IND, IK_CALL_IND, IK_STOP };
enum {
	IF_MEMSLOT = 1,
	IF_NOP = 2,
	IF_NOTE = 8 /* has entries in dis.notes */,
	IF_JTAB = 16,
	IF_START = 32,
	IF_SEQNEXT = 64 /* next record is the next insn */,
	IF_IMPORT = 128 /* a direct call/jmp whose target is an import stub or thunk */
};

typedef struct insn {
	uint64_t target; /* direct target, or the memory slot of an indirect jmp/call (IF_MEMSLOT);
	                  * IK_SEQ: 1 + index of its first signature feature in dis.feats, 0 for none */
	uint32_t token;
	uint8_t len, kind, flags;
	uint8_t nfeat; /* signature features, in dis.feats from target - 1 (IK_SEQ only) */
} insn;

#define IMAP_BODY UINT32_MAX

typedef struct region {
	uint64_t va, size;
	const uint8_t *data;
	uint32_t *imap; /* per byte: 0 undecoded, IMAP_BODY inside, else insn index + 1 */
	bool plt;       /* ELF PLT: import stubs, never functions */
} region;

typedef struct cand {
	uint64_t addr;
	uint32_t sources;
	const char *name;
} cand;

typedef struct jtab {
	uint64_t site;
	uint32_t first, count;
} jtab;

typedef struct pnote {
	uint32_t idx; /* the instruction's index in dis.insns */
	lineage_note note;
} pnote;

typedef struct fins {
	uint64_t addr;
	uint32_t idx;
	uint32_t leader; /* starts a basic block */
} fins;

typedef struct dis {
	const lineage_binary *bin;
	ln_arena *arena;
	const lineage_limits *lim;
	ZydisDecoder dec;
	ZydisMachineMode mode;
	int ptrsize;
	region *regs;
	size_t nregs;
	region *last;        /* the region found last: lookups come in runs */
	ln_map_cache *cache; /* where the map block comes from and goes back to */
	uint32_t *map;       /* the instruction maps of all regions, one block */
	size_t map_cap;      /* its entries */
	ln_vec insns;        /* insn */
	ln_vec cands;        /* cand */
	ln_map cand_at;      /* address -> index in cands */
	ln_vec work;         /* uint64_t addresses to decode */
	ln_vec refs;         /* uint64_t code addresses taken in code */
	ln_vec jtabs;        /* jtab */
	ln_vec jtargets;     /* uint64_t */
	ln_vec pending;      /* uint64_t: indirect jumps not resolved yet */
	ln_vec jumps;        /* uint64_t pairs (site, target) of direct jmps */
	ln_map slot_imp;     /* IAT/GOT slot -> import index */
	ln_map stub_imp;     /* PLT stub -> import index */
	ln_map imp_at;       /* code address -> import index + 1 (0: not an import thunk) */
	ln_map reloc_at;     /* relocated slot -> index in bin->relocs, built on first use */
	bool reloc_at_built;
	uint8_t *imp_noret;      /* per import: 1 when it never returns */
	const char **imp_names;  /* per import: "lib!name", built on first use */
	uint64_t *rstart, *rend; /* function extents from FDE/.pdata, by start; rend is a running max */
	size_t nranges;
	uint64_t deadline, ninsn, nsince_clock;
	const char *budget_hit;
	bool code_cut; /* executable sections beyond max_code_bytes were left out */
	bool oom;
	/* similarity-signature features, taken while each instruction is decoded */
	ln_fp_insn_env fenv;
	ln_vec feats;  /* uint32_t (ln_fp_insn_features) */
	ln_vec fnotes; /* lineage_note: the function being built */
	ln_vec notes;  /* pnote, in instruction index order (ln_fp_insn_notes) */
	/* Phase B scratch */
	uint32_t *stamp;
	ln_vec stack, fbody, ftargets, fcalls, scratch;
} dis;

/* ---------------------------------------------------------------- helpers */

static region *region_of(dis *d, uint64_t va)
{
	region *c = d->last;
	if (c && va - c->va < c->size) return c;
	size_t lo = 0, hi = d->nregs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->regs[mid].va <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) return NULL;
	region *r = &d->regs[lo - 1];
	if (va - r->va >= r->size) return NULL;
	d->last = r;
	return r;
}

/* Decode one instruction and its visible operands only: the hidden ones
 * (flags, implicit stack pointer) never enter a token, and skipping them is
 * a good part of Zydis's cost. */
static inline bool decode(const dis *d, const uint8_t *p, uint64_t n, ZydisDecodedInstruction *zi,
                          ZydisDecodedOperand *ops)
{
	ZydisDecoderContext ctx;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d->dec, &ctx, p, (ZyanUSize)n, zi))) return false;
	return ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&d->dec, &ctx, zi, ops, zi->operand_count_visible));
}

/* Index of the instruction starting at va, or -1. */
static int64_t insn_at(dis *d, uint64_t va)
{
	region *r = region_of(d, va);
	if (!r) return -1;
	uint32_t m = r->imap[va - r->va];
	return m && m != IMAP_BODY ? (int64_t)m - 1 : -1;
}

static void push_u64(dis *d, ln_vec *v, uint64_t x)
{
	uint64_t *p = ln_vec_push(v);
	if (!p) {
		d->oom = true;
		return;
	}
	*p = x;
}

static bool out_of_budget(dis *d)
{
	if (d->budget_hit) return true;
	if (d->ninsn >= d->lim->max_instructions) {
		d->budget_hit = "instructions";
		return true;
	}
	if (d->oom) return true;
	/* every loop that works asks here: the clock is read now and then */
	if (++d->nsince_clock >= 1024) {
		d->nsince_clock = 0;
		if (ln_now_ms() > d->deadline) {
			d->budget_hit = "time";
			return true;
		}
	}
	return false;
}

static bool in_exec(dis *d, uint64_t va)
{
	region *r = region_of(d, va);
	return r && !r->plt;
}

/* Inside a function extent the file's unwind tables give (not at its start)?
 * Weak candidates there are case labels or split blocks, not functions. */
static bool inside_range(const dis *d, uint64_t va)
{
	size_t lo = 0, hi = d->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->rstart[mid] < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && d->rend[lo - 1] > va;
}

/* Add (or enrich) a function candidate; returns true when it is new. */
static bool add_cand(dis *d, uint64_t va, uint32_t source)
{
	uint32_t *ix = ln_map_get(&d->cand_at, va);
	if (ix) {
		LN_VEC_AT(&d->cands, cand, *ix).sources |= source;
		return false;
	}
	if (d->cands.len >= d->lim->max_functions) {
		if (!d->budget_hit) d->budget_hit = "functions";
		return false;
	}
	cand *c = ln_vec_push(&d->cands);
	if (!c || !ln_map_put(&d->cand_at, va, (uint32_t)(d->cands.len - 1))) {
		d->oom = true;
		return false;
	}
	c->addr = va;
	c->sources = source;
	push_u64(d, &d->work, va);
	return true;
}

static bool is_start(dis *d, uint64_t va)
{
	return ln_map_get(&d->cand_at, va) != NULL;
}

static const char *const noreturn_names[] = {
        "exit",
        "_exit",
        "_Exit",
        "abort",
        "__assert_fail",
        "__assert_rtn",
        "__stack_chk_fail",
        "__fortify_fail",
        "__chk_fail",
        "err",
        "errx",
        "verr",
        "verrx",
        "longjmp",
        "_longjmp",
        "siglongjmp",
        "__longjmp_chk",
        "pthread_exit",
        "__cxa_throw",
        "__cxa_rethrow",
        "_Unwind_Resume",
        "quick_exit",
        "ExitProcess",
        "ExitThread",
        "FatalExit",
        "FatalAppExitA",
        "FatalAppExitW",
        "_assert",
        "_wassert",
        "__cxa_bad_cast",
        "RtlExitUserThread",
        "RtlExitUserProcess",
        "NtTerminateProcess",
        "_invalid_parameter_noinfo_noreturn",
        "__report_gsfailure",
        "__libc_fatal",
        "__cxa_pure_virtual",
        "_ZSt9terminatev",
        "__chk_fail_local",
        "__stack_chk_fail_local",
        "_amsg_exit",
        "__ubsan_handle_builtin_unreachable",
};

static bool import_noreturn_name(const lineage_import *im)
{
	if (!im->name) return false;
	for (size_t i = 0; i < sizeof(noreturn_names) / sizeof(noreturn_names[0]); i++)
		if (!strcmp(im->name, noreturn_names[i])) return true;
	return false;
}

static bool import_noreturn(const dis *d, const lineage_import *im)
{
	return d->imp_noret[im - d->bin->imports];
}

/* The import a code address stands for: an ELF PLT stub, or a thunk that is a
 * single jmp through an import slot (mingw's import stubs, MSVC's ILT). */
static const lineage_import *import_of(dis *d, uint64_t va)
{
	if (!d->bin->nimports) return NULL;
	uint32_t *ix = ln_map_get(&d->stub_imp, va);
	if (ix) return &d->bin->imports[*ix];
	ix = ln_map_get(&d->imp_at, va);
	if (ix) return *ix ? &d->bin->imports[*ix - 1] : NULL;
	uint32_t val = 0;
	const uint8_t *p;
	uint64_t avail;
	if (in_exec(d, va) && lineage_binary_va_bytes(&p, &avail, d->bin, va) == 0) {
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		size_t n = avail > 16 ? 16 : (size_t)avail;
		/* an endbr64 may precede the jmp */
		if (n >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && (p[3] == 0xfa || p[3] == 0xfb)) {
			p += 4;
			n -= 4;
			va += 4;
		}
		if ((decode(d, p, n, &zi, ops)) && zi.mnemonic == ZYDIS_MNEMONIC_JMP &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[0].mem.index == ZYDIS_REGISTER_NONE) {
			uint64_t slot;
			if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[0], va, &slot))) {
				uint32_t *s = ln_map_get(&d->slot_imp, slot);
				if (s) val = *s + 1;
			}
		}
	}
	if (!ln_map_put(&d->imp_at, va, val)) d->oom = true;
	return val ? &d->bin->imports[val - 1] : NULL;
}

/* The import whose IAT/GOT slot is at va (signature features). */
static const lineage_import *slot_import(void *arg, uint64_t va)
{
	dis *d = arg;
	uint32_t *s = ln_map_get(&d->slot_imp, va);
	return s ? &d->bin->imports[*s] : NULL;
}

static bool target_noreturn(dis *d, const insn *in)
{
	const lineage_import *im = NULL;
	if (in->flags & IF_MEMSLOT) {
		uint32_t *s = ln_map_get(&d->slot_imp, in->target);
		if (s) im = &d->bin->imports[*s];
	} else if (in->flags & IF_IMPORT) {
		im = import_of(d, in->target);
	}
	return im && import_noreturn(d, im);
}

/* ------------------------------------------------------- classification */

static bool is_gpr(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);
	return c == ZYDIS_REGCLASS_GPR64 || c == ZYDIS_REGCLASS_GPR32;
}

static bool is_sp(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_RSP || r == ZYDIS_REGISTER_ESP;
}

static bool is_rare(const ZydisDecodedInstruction *zi, const uint8_t *p)
{
	if (zi->attributes & ZYDIS_ATTRIB_IS_PRIVILEGED) return true;
	if (zi->length == 2 && p[0] == 0 && p[1] == 0) return true; /* add [rax], al: zero bytes */
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_IN:
	case ZYDIS_MNEMONIC_OUT:
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_INSD:
	case ZYDIS_MNEMONIC_OUTSB:
	case ZYDIS_MNEMONIC_OUTSW:
	case ZYDIS_MNEMONIC_OUTSD:
	case ZYDIS_MNEMONIC_CLI:
	case ZYDIS_MNEMONIC_STI:
	case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_LES:
	case ZYDIS_MNEMONIC_LDS:
	case ZYDIS_MNEMONIC_ARPL:
	case ZYDIS_MNEMONIC_BOUND:
	case ZYDIS_MNEMONIC_INTO:
	case ZYDIS_MNEMONIC_AAA:
	case ZYDIS_MNEMONIC_AAS:
	case ZYDIS_MNEMONIC_DAA:
	case ZYDIS_MNEMONIC_DAS:
	case ZYDIS_MNEMONIC_AAM:
	case ZYDIS_MNEMONIC_AAD:
	case ZYDIS_MNEMONIC_SALC:
	case ZYDIS_MNEMONIC_XLAT:
	case ZYDIS_MNEMONIC_SAHF:
	case ZYDIS_MNEMONIC_LAHF:
	case ZYDIS_MNEMONIC_CMC:
	case ZYDIS_MNEMONIC_FWAIT:
	case ZYDIS_MNEMONIC_LOOPNE:
	case ZYDIS_MNEMONIC_LOOPE:
	case ZYDIS_MNEMONIC_JCXZ:
	case ZYDIS_MNEMONIC_INT1:
	case ZYDIS_MNEMONIC_ENTER: return true;
	default: break;
	}
	return false;
}

/* Padding between functions: nops, int3, and the "lea esi,[esi+0]" and
 * "mov edi, edi" fillers of 32-bit toolchains. */
static bool is_padding(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops, const uint8_t *p)
{
	if (zi->meta.category == ZYDIS_CATEGORY_NOP || zi->mnemonic == ZYDIS_MNEMONIC_NOP) return true;
	if (zi->mnemonic == ZYDIS_MNEMONIC_INT3) return true;
	if (zi->length == 2 && p[0] == 0 && p[1] == 0) return true;
	if (zi->mnemonic == ZYDIS_MNEMONIC_LEA && ops[1].mem.base == ops[0].reg.value &&
	    (!ops[1].mem.disp.has_displacement || ops[1].mem.disp.value == 0) &&
	    (ops[1].mem.index == ZYDIS_REGISTER_NONE || ops[1].mem.scale == 1))
		return ops[1].mem.index == ZYDIS_REGISTER_NONE || zi->length >= 6;
	if (zi->mnemonic == ZYDIS_MNEMONIC_XCHG && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].reg.value == ops[1].reg.value)
		return true;
	return false;
}

static bool is_prologue(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_ENDBR64:
	case ZYDIS_MNEMONIC_ENDBR32: return true;
	case ZYDIS_MNEMONIC_PUSH:
		return ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && is_gpr(ops[0].reg.value) &&
		       !is_sp(ops[0].reg.value);
	case ZYDIS_MNEMONIC_SUB:
		return ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && is_sp(ops[0].reg.value) &&
		       ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
	case ZYDIS_MNEMONIC_MOV:
		if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (is_sp(ops[1].reg.value)) return true; /* mov rbp, rsp */
			if (ops[0].reg.value == ZYDIS_REGISTER_EDI && ops[1].reg.value == ZYDIS_REGISTER_EDI)
				return true;
			return false;
		}
		if (ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && is_sp(ops[0].mem.base) &&
		    ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
			return true; /* x64 home-space store */
		if (ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY && is_sp(ops[1].mem.base) &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER)
			return true; /* 32-bit argument load */
		return false;
	default: return false;
	}
}

/* ------------------------------------------------------------ jump tables */

typedef struct regstate {
	int kind;      /* 0 unknown, 1 constant, 2 loaded from a table, 3 table entry + base, 4 scaled index,
	            5 address of a table entry, 6 entry loaded from [reg base], 7 that entry plus
	            the same base register */
	uint64_t val;  /* constant, or table address */
	uint64_t base; /* kind 3 */
	int width;     /* entry bytes */
	bool sign;
} regstate;

static int reg_slot(dis *d, ZydisRegister r)
{
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(d->mode, r);
	if (ZydisRegisterGetClass(big) != ZYDIS_REGCLASS_GPR64 && ZydisRegisterGetClass(big) != ZYDIS_REGCLASS_GPR32)
		return -1;
	int id = ZydisRegisterGetId(big);
	return id >= 0 && id < 16 ? id : -1;
}

/* The relocation that writes the slot at va (index into bin->relocs), or
 * NULL. The map is built the first time an absolute jump table needs it. */
static uint32_t *reloc_at(dis *d, uint64_t va)
{
	if (!d->reloc_at_built) {
		d->reloc_at_built = true;
		for (size_t i = 0; i < d->bin->nrelocs; i++)
			if (d->bin->relocs[i].target &&
			    !ln_map_put(&d->reloc_at, d->bin->relocs[i].where, (uint32_t)i)) {
				d->oom = true;
				break;
			}
	}
	return ln_map_get(&d->reloc_at, va);
}

/* Read up to count entries of a table and queue their targets. */
static void jt_read(dis *d, region *r, uint64_t site, uint64_t table, int width, bool sign, uint64_t base,
                    bool relative, uint64_t count)
{
	const uint8_t *p;
	uint64_t avail;
	if (lineage_binary_va_bytes(&p, &avail, d->bin, table) != 0) return;
	bool bounded = count > 0;
	if (!bounded) count = 512;
	if (count > 4096) count = 4096;
	ln_buf b = {p, avail};
	jtab *jt = ln_vec_push(&d->jtabs);
	if (!jt) {
		d->oom = true;
		return;
	}
	jt->site = site;
	jt->first = (uint32_t)d->jtargets.len;
	jt->count = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t e;
		if (width == 8) {
			if (!ln_rd_u64le(&b, i * 8, &e)) break;
		} else {
			uint32_t v;
			if (!ln_rd_u32le(&b, i * 4, &v)) break;
			e = sign ? (uint64_t)(int64_t)(int32_t)v : v;
		}
		if (!relative) {
			/* position-independent code: the loader writes the entry from a relocation */
			uint32_t *ri = reloc_at(d, table + i * (uint64_t)width);
			if (ri && d->bin->relocs[*ri].target) e = d->bin->relocs[*ri].target;
		}
		uint64_t t = relative ? base + e : e;
		if (d->ptrsize == 4) t &= 0xffffffffu;
		region *tr = region_of(d, t);
		if (tr != r) break;
		if (!bounded && (t > site + 0x100000 || site > t + 0x100000)) break;
		if (!bounded && tr->imap[t - tr->va] == IMAP_BODY) break;
		push_u64(d, &d->jtargets, t);
		push_u64(d, &d->work, t);
		jt->count++;
	}
	if (!jt->count) d->jtabs.len--;
}

/* Offsets of up to max instructions decoded just before site, nearest first. */
static int backtrack(dis *d, region *r, uint64_t site, uint64_t *chain, int max)
{
	int n = 0;
	uint64_t at = site - r->va;
	while (n < max) {
		bool found = false;
		/* step over alignment padding that control flow never reached */
		for (uint64_t g = 0; g < 16 && g < at && !found; g++) {
			if (g && r->imap[at - g]) break;
			for (uint64_t k = 1; k <= 15 && k + g <= at; k++) {
				uint32_t m = r->imap[at - g - k];
				if (m && m != IMAP_BODY && LN_VEC_AT(&d->insns, insn, m - 1).len == k) {
					at -= g + k;
					chain[n++] = at;
					found = true;
					break;
				}
			}
		}
		if (!found) break;
	}
	return n;
}

/* Decode the nearest instruction before site (in address order, up to max
 * back) that writes reg; false when there is none or decoding fails. */
static bool nearest_writer(dis *d, region *r, uint64_t site, ZydisRegister reg, int max, ZydisDecodedInstruction *zi,
                           ZydisDecodedOperand *ops, uint64_t *va)
{
	uint64_t chain[400];
	int n = backtrack(d, r, site, chain, max < 400 ? max : 400);
	ZydisRegister want = ZydisRegisterGetLargestEnclosing(d->mode, reg);
	for (int i = 0; i < n; i++) {
		uint64_t off = chain[i];
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d->dec, r->data + off, r->size - off, zi, ops))) return false;
		for (uint8_t k = 0; k < zi->operand_count; k++)
			if (ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			    (ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
			    ZydisRegisterGetLargestEnclosing(d->mode, ops[k].reg.value) == want) {
				*va = r->va + off;
				return true;
			}
	}
	return false;
}

/* "mov reg, [slot]; call reg": the slot an indirect call through a register
 * reads, when the register was loaded from a fixed address just before. */
static bool reg_loaded_from(dis *d, region *r, uint64_t site, ZydisRegister reg, uint64_t *slot)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t va;
	return nearest_writer(d, r, site, reg, 6, &zi, ops, &va) && zi.mnemonic == ZYDIS_MNEMONIC_MOV &&
	       ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[1].mem.index == ZYDIS_REGISTER_NONE &&
	       ops[1].size == d->ptrsize * 8 && ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[1], va, slot)) &&
	       ln_map_get(&d->slot_imp, *slot);
}

/* The constant a register holds at site, when the nearest instruction before
 * it (up to 400 back) that writes it is a lea of a fixed address. */
static bool reg_value_before(dis *d, region *r, uint64_t site, ZydisRegister reg, uint64_t *val)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t va;
	return nearest_writer(d, r, site, reg, 400, &zi, ops, &va) && zi.mnemonic == ZYDIS_MNEMONIC_LEA &&
	       ops[1].mem.index == ZYDIS_REGISTER_NONE &&
	       (ops[1].mem.base == ZYDIS_REGISTER_RIP || ops[1].mem.base == ZYDIS_REGISTER_NONE) &&
	       ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[1], va, val));
}

/* At an indirect jmp: look back over the instructions decoded just before it
 * for the compiler shapes of a jump table, and queue its targets. */
static void jt_resolve(dis *d, region *r, uint64_t site, const ZydisDecodedOperand *jops)
{
	uint64_t chain[24];
	int n = backtrack(d, r, site, chain, 24);
	regstate rs[16];
	memset(rs, 0, sizeof(rs));
	uint64_t bound = 0, cmpval = 0;
	bool have_cmp = false;
	for (int i = n - 1; i >= 0; i--) {
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		uint64_t off = chain[i], va = r->va + off;
		if (!(decode(d, r->data + off, r->size - off, &zi, ops))) return;
		/* the bound: "cmp idx, N" or "sub idx, N" then "ja default" */
		if ((zi.mnemonic == ZYDIS_MNEMONIC_CMP || zi.mnemonic == ZYDIS_MNEMONIC_SUB) &&
		    ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			cmpval = ops[1].imm.value.u;
			have_cmp = true;
			if (zi.mnemonic == ZYDIS_MNEMONIC_CMP) continue;
		} else if (zi.meta.category == ZYDIS_CATEGORY_COND_BR) {
			if (zi.mnemonic == ZYDIS_MNEMONIC_JNBE) bound = have_cmp ? cmpval + 1 : 0;
			if (zi.mnemonic == ZYDIS_MNEMONIC_JNB) bound = have_cmp ? cmpval : 0;
			have_cmp = false;
			continue;
		} else if (zi.meta.category != ZYDIS_CATEGORY_DATAXFER) {
			have_cmp = false;
		}
		if (!zi.operand_count_visible || ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER) continue;
		int dst = reg_slot(d, ops[0].reg.value);
		if (dst < 0) continue;
		regstate nv = {0};
		if (zi.mnemonic == ZYDIS_MNEMONIC_LEA && ops[1].mem.index == ZYDIS_REGISTER_NONE) {
			uint64_t a;
			if (ops[1].mem.base == ZYDIS_REGISTER_NONE || ops[1].mem.base == ZYDIS_REGISTER_RIP ||
			    ops[1].mem.base == ZYDIS_REGISTER_EIP) {
				if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[1], va, &a)))
					nv = (regstate){1, a, 0, 0, 0};
			} else {
				int b = reg_slot(d, ops[1].mem.base);
				if (b >= 0 && rs[b].kind == 1)
					nv = (regstate){1, rs[b].val + (uint64_t)ops[1].mem.disp.value, 0, 0, 0};
			}
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_MOV && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			nv = (regstate){1, ops[1].imm.value.u, 0, 0, 0};
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_LEA && ops[1].mem.base == ZYDIS_REGISTER_NONE &&
		           ops[1].mem.index != ZYDIS_REGISTER_NONE &&
		           (ops[1].mem.scale == 4 || ops[1].mem.scale == 8) && !ops[1].mem.disp.value) {
			nv = (regstate){4, 0, 0, ops[1].mem.scale, 0}; /* an index scaled to entries */
		} else if ((zi.mnemonic == ZYDIS_MNEMONIC_MOV || zi.mnemonic == ZYDIS_MNEMONIC_MOVSXD) &&
		           ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[1].mem.index != ZYDIS_REGISTER_NONE) {
			uint64_t tb = (uint64_t)ops[1].mem.disp.value;
			int b = ops[1].mem.base == ZYDIS_REGISTER_NONE ? -2 : reg_slot(d, ops[1].mem.base);
			int x = reg_slot(d, ops[1].mem.index);
			bool ok;
			if (ops[1].mem.scale == 4 || ops[1].mem.scale == 8) {
				ok = b == -2 || (b >= 0 && rs[b].kind == 1);
				if (ok && b >= 0) tb += rs[b].val;
			} else if (ops[1].mem.scale == 1 && b >= 0 && x >= 0) {
				/* [scaled + table] in either order */
				ok = (rs[b].kind == 1 && rs[x].kind == 4) || (rs[x].kind == 1 && rs[b].kind == 4);
				if (ok) tb += rs[b].kind == 1 ? rs[b].val : rs[x].val;
			} else {
				ok = false;
			}
			if (ok)
				nv = (regstate){2, tb, 0, ops[1].size / 8,
				                zi.mnemonic == ZYDIS_MNEMONIC_MOVSXD || ops[1].size == 64};
			else if (b >= 0 && rs[b].kind == 0 &&
			         ((ops[1].mem.scale == 4 && ops[1].size == 32) ||
			          (ops[1].mem.scale == d->ptrsize && ops[1].size == d->ptrsize * 8)))
				/* table base in a register set long before (lea r12, [rip+T] in the prologue) */
				nv = (regstate){6, (uint64_t)ops[1].mem.disp.value, ops[1].mem.base, ops[1].size / 8,
				                true};
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_SHL && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		           (ops[1].imm.value.u == 2 || ops[1].imm.value.u == 3)) {
			nv = (regstate){4, 0, 0, 1 << ops[1].imm.value.u, 0};
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_ADD && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		           rs[dst].kind == 4) {
			nv = (regstate){5, ops[1].imm.value.u, 0, rs[dst].width, 0}; /* address of an entry */
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_MOV && ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		           ops[1].mem.index == ZYDIS_REGISTER_NONE && ops[1].mem.base != ZYDIS_REGISTER_NONE &&
		           reg_slot(d, ops[1].mem.base) >= 0 && rs[reg_slot(d, ops[1].mem.base)].kind == 5) {
			nv = (regstate){2, rs[reg_slot(d, ops[1].mem.base)].val + (uint64_t)ops[1].mem.disp.value, 0,
			                ops[1].size / 8, ops[1].size == 64};
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_ADD && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int s = reg_slot(d, ops[1].reg.value);
			if (s >= 0 && rs[dst].kind == 4 && rs[s].kind == 1)
				nv = (regstate){5, rs[s].val, 0, rs[dst].width, 0};
			else if (s >= 0 && rs[s].kind == 4 && rs[dst].kind == 1)
				nv = (regstate){5, rs[dst].val, 0, rs[s].width, 0};
			else if (s >= 0 && rs[dst].kind == 6 && reg_slot(d, (ZydisRegister)rs[dst].base) == s &&
			         !rs[dst].val)
				nv = (regstate){7, 0, rs[dst].base, 4, true};
			else if (s >= 0 && rs[dst].kind == 2 && rs[s].kind == 1)
				nv = (regstate){3, rs[dst].val, rs[s].val, rs[dst].width, true};
			else if (s >= 0 && rs[s].kind == 2 && rs[dst].kind == 1)
				nv = (regstate){3, rs[s].val, rs[dst].val, rs[s].width, true};
		} else if (zi.mnemonic == ZYDIS_MNEMONIC_MOV && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int s = reg_slot(d, ops[1].reg.value);
			if (s >= 0) nv = rs[s];
		} else if ((zi.mnemonic == ZYDIS_MNEMONIC_CMP || zi.mnemonic == ZYDIS_MNEMONIC_TEST) ||
		           !(ops[0].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) {
			continue;
		}
		rs[dst] = nv;
	}
	if (jops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		int s = reg_slot(d, jops[0].reg.value);
		if (s < 0) return;
		uint64_t tb;
		if (rs[s].kind == 3 && rs[s].width == 4)
			jt_read(d, r, site, rs[s].val, 4, true, rs[s].base, true, bound);
		else if (rs[s].kind == 7 && reg_value_before(d, r, site, (ZydisRegister)rs[s].base, &tb))
			jt_read(d, r, site, tb, 4, true, tb, true, bound);
		else if (rs[s].kind == 6 && rs[s].width == d->ptrsize &&
		         reg_value_before(d, r, site, (ZydisRegister)rs[s].base, &tb))
			jt_read(d, r, site, tb + rs[s].val, d->ptrsize, false, 0, false, bound);
		else if (rs[s].kind == 2 && rs[s].width == d->ptrsize)
			jt_read(d, r, site, rs[s].val, d->ptrsize, false, 0, false, bound);
	} else if (jops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && jops[0].mem.index != ZYDIS_REGISTER_NONE &&
	           jops[0].mem.scale == d->ptrsize) {
		uint64_t tb = (uint64_t)jops[0].mem.disp.value;
		if (jops[0].mem.base != ZYDIS_REGISTER_NONE) {
			int b = reg_slot(d, jops[0].mem.base);
			if (b < 0 || rs[b].kind != 1) return;
			tb += rs[b].val;
		}
		if (d->ptrsize == 4) tb &= 0xffffffffu;
		jt_read(d, r, site, tb, d->ptrsize, false, 0, false, bound);
	}
}

/* ------------------------------------------------------------- phase A */

static void note_ref(dis *d, uint64_t a)
{
	if (in_exec(d, a)) push_u64(d, &d->refs, a);
}

/* Decode a linear run from va, recording each instruction and queueing its
 * successors, until a terminator or code already decoded. */
static void run(dis *d, uint64_t va)
{
	region *r = region_of(d, va);
	if (!r || r->plt) return;
	int64_t prev = -1; /* the record decoded just before, in this run */
	for (;;) {
		uint64_t off = va - r->va;
		if (off >= r->size || r->imap[off]) return;
		if (out_of_budget(d)) return;
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		const uint8_t *p = r->data + off;
		if (!(decode(d, p, r->size - off, &zi, ops))) return;
		for (uint8_t k = 1; k < zi.length; k++)
			if (r->imap[off + k]) return; /* overlaps code already decoded */
		insn *in = ln_vec_push(&d->insns);
		if (!in) {
			d->oom = true;
			return;
		}
		uint32_t idx = (uint32_t)(d->insns.len - 1);
		if (prev >= 0) LN_VEC_AT(&d->insns, insn, prev).flags |= IF_SEQNEXT;
		prev = idx;
		d->ninsn++;
		r->imap[off] = idx + 1;
		for (uint8_t k = 1; k < zi.length; k++) r->imap[off + k] = IMAP_BODY;
		in->len = zi.length;
		in->token = ln_fp_token(&zi, ops);
		uint32_t fv[LN_FP_INSN_FEATURES];
		size_t nfv = ln_fp_insn_features(fv, &d->fenv, &zi, ops, va);
		lineage_note nv[LN_FP_INSN_NOTES];
		size_t nnv = ln_fp_insn_notes(nv, &d->fenv, &zi, ops, va);
		for (size_t k = 0; k < nnv; k++) {
			pnote *pn = ln_vec_push(&d->notes);
			if (!pn) {
				d->oom = true;
				return;
			}
			nv[k].va = va;
			*pn = (pnote){idx, nv[k]};
			in = &LN_VEC_AT(&d->insns, insn, idx);
			in->flags |= IF_NOTE;
		}
		in->kind = IK_SEQ;
		if (is_padding(&zi, ops, p)) in->flags |= IF_NOP;
		uint64_t next = va + zi.length;
		const ZydisDecodedOperand *o0 = &ops[0];

		switch (zi.meta.category) {
		case ZYDIS_CATEGORY_RET: in->kind = IK_RET; return;
		case ZYDIS_CATEGORY_COND_BR: {
			uint64_t t;
			in->kind = IK_JCC;
			if (o0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, o0, va, &t))) {
				in->target = t;
				push_u64(d, &d->work, t);
			}
			break;
		}
		case ZYDIS_CATEGORY_UNCOND_BR: {
			uint64_t t;
			if (o0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, o0, va, &t))) {
				in->kind = IK_JMP;
				in->target = t;
				push_u64(d, &d->work, t);
				push_u64(d, &d->jumps, va);
				push_u64(d, &d->jumps, t);
				return;
			}
			in->kind = IK_JMP_IND;
			if (o0->type == ZYDIS_OPERAND_TYPE_MEMORY && o0->mem.index == ZYDIS_REGISTER_NONE &&
			    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, o0, va, &t))) {
				in->target = t;
				in->flags |= IF_MEMSLOT;
			} else if (o0->type == ZYDIS_OPERAND_TYPE_REGISTER || o0->type == ZYDIS_OPERAND_TYPE_MEMORY) {
				size_t before = d->jtabs.len;
				jt_resolve(d, r, va, ops);
				if (d->jtabs.len > before)
					LN_VEC_AT(&d->insns, insn, idx).flags |= IF_JTAB;
				else
					push_u64(d, &d->pending, va); /* retried when more code is decoded */
			} else {
				in->kind = IK_STOP; /* far jump */
			}
			return;
		}
		case ZYDIS_CATEGORY_CALL: {
			uint64_t t;
			if (o0->type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, o0, va, &t))) {
				in->kind = IK_CALL;
				in->target = t;
				if (t == next) break; /* call $+5: get the program counter */
				if (import_of(d, t))
					in->flags |= IF_IMPORT;
				else if (in_exec(d, t))
					add_cand(d, t, LINEAGE_SRC_CALL);
			} else {
				in->kind = IK_CALL_IND;
				if (o0->type == ZYDIS_OPERAND_TYPE_MEMORY && o0->mem.index == ZYDIS_REGISTER_NONE &&
				    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, o0, va, &t))) {
					in->target = t;
					in->flags |= IF_MEMSLOT;
				} else if (o0->type == ZYDIS_OPERAND_TYPE_REGISTER &&
				           reg_loaded_from(d, r, va, o0->reg.value, &t)) {
					in = &LN_VEC_AT(&d->insns, insn, idx);
					in->target = t;
					in->flags |= IF_MEMSLOT;
				}
			}
			in = &LN_VEC_AT(&d->insns, insn, idx); /* import_of may not move insns, but be safe */
			if (target_noreturn(d, in)) return;
			break;
		}
		default:
			switch (zi.mnemonic) {
			case ZYDIS_MNEMONIC_HLT:
			case ZYDIS_MNEMONIC_UD0:
			case ZYDIS_MNEMONIC_UD1:
			case ZYDIS_MNEMONIC_UD2:
			case ZYDIS_MNEMONIC_INT3:
			case ZYDIS_MNEMONIC_IRET:
			case ZYDIS_MNEMONIC_IRETD:
			case ZYDIS_MNEMONIC_IRETQ:
			case ZYDIS_MNEMONIC_SYSRET:
			case ZYDIS_MNEMONIC_SYSEXIT: in->kind = IK_STOP; return;
			case ZYDIS_MNEMONIC_INT:
				if (o0->imm.value.u == 0x29) { /* __fastfail */
					in->kind = IK_STOP;
					return;
				}
				break;
			default: break;
			}
			/* code addresses taken in code: lea of a rip-relative or absolute
			 * address, or a 32-bit immediate (push offset f, mov edi, f) */
			if (zi.mnemonic != ZYDIS_MNEMONIC_LEA && zi.raw.imm[0].size < 32) break;
			for (uint8_t i = 0; i < zi.operand_count_visible; i++) {
				uint64_t t;
				if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && zi.mnemonic == ZYDIS_MNEMONIC_LEA &&
				    ops[i].mem.index == ZYDIS_REGISTER_NONE &&
				    (ops[i].mem.base == ZYDIS_REGISTER_RIP || ops[i].mem.base == ZYDIS_REGISTER_NONE) &&
				    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[i], va, &t)))
					note_ref(d, t);
				else if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !ops[i].imm.is_relative &&
				         ops[i].size >= 32)
					note_ref(d, ops[i].imm.value.u);
			}
			break;
		}
		/* a plain instruction's target field holds where its signature
		 * features are (branches and calls have none of interest) */
		in = &LN_VEC_AT(&d->insns, insn, idx);
		if (nfv && in->kind == IK_SEQ) {
			if (!ln_vec_reserve(&d->feats, d->feats.len + nfv)) {
				d->oom = true;
				return;
			}
			in->target = d->feats.len + 1;
			in->nfeat = (uint8_t)nfv;
			memcpy((uint32_t *)d->feats.items + d->feats.len, fv, nfv * sizeof(uint32_t));
			d->feats.len += nfv;
		}
		va = next;
	}
}

static void drain_work(dis *d)
{
	while (d->work.len && !out_of_budget(d)) {
		uint64_t va = LN_VEC_AT(&d->work, uint64_t, --d->work.len);
		run(d, va);
	}
}

static int cmp_u64_fwd(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Decode everything queued; then retry the indirect jumps whose table setup
 * was not decoded yet when they were met, as long as that finds new code.
 * Called between rounds (retrying after every candidate would cost
 * candidates x pending jumps). */
static void settle(dis *d)
{
	drain_work(d);
	for (int round = 0; round < 16 && d->pending.len && !out_of_budget(d); round++) {
		size_t keep = 0, before = d->jtabs.len;
		for (size_t i = 0; i < d->pending.len; i++) {
			uint64_t va = LN_VEC_AT(&d->pending, uint64_t, i);
			region *r = region_of(d, va);
			int64_t ix = insn_at(d, va);
			ZydisDecodedInstruction zi;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			if (!r || ix < 0 || !(decode(d, r->data + (va - r->va), r->size - (va - r->va), &zi, ops)))
				continue;
			size_t n = d->jtabs.len;
			jt_resolve(d, r, va, ops);
			if (d->jtabs.len > n)
				LN_VEC_AT(&d->insns, insn, ix).flags |= IF_JTAB;
			else
				LN_VEC_AT(&d->pending, uint64_t, keep++) = va;
		}
		d->pending.len = keep;
		if (d->jtabs.len == before) break;
		drain_work(d);
	}
}

/* Does code plausibly start at va? Decodes ahead without recording: valid
 * instructions, nothing rare, no zero bytes, ending in a return or a jump or
 * reaching code already decoded. strict 1 (gap scan) also wants a prologue
 * or an aligned start; strict 2 wants a prologue. */
static bool plausible(dis *d, uint64_t va, int strict)
{
	region *r = region_of(d, va);
	if (!r || r->plt || r->imap[va - r->va]) return false;
	uint64_t at = va;
	for (int n = 0; n < 64; n++) {
		uint64_t off = at - r->va;
		if (off >= r->size) return false;
		uint32_t m = r->imap[off];
		if (m == IMAP_BODY) return false;
		if (m) return n > 0;
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		const uint8_t *p = r->data + off;
		if (!(decode(d, p, r->size - off, &zi, ops))) return false;
		if (is_rare(&zi, p)) return false;
		if (n == 0) {
			if (is_padding(&zi, ops, p)) return false;
			if (strict == 1 && !is_prologue(&zi, ops) && (va & 15)) return false;
			if (strict == 2 && !is_prologue(&zi, ops)) return false;
		}
		if (zi.mnemonic == ZYDIS_MNEMONIC_INT3 || zi.mnemonic == ZYDIS_MNEMONIC_HLT) return false;
		uint64_t t;
		switch (zi.meta.category) {
		case ZYDIS_CATEGORY_RET: return true;
		case ZYDIS_CATEGORY_UNCOND_BR:
			if (ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
				if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[0], at, &t)) || !in_exec(d, t))
					return false;
			}
			return true;
		case ZYDIS_CATEGORY_COND_BR:
		case ZYDIS_CATEGORY_CALL:
			if (ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
				if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, &ops[0], at, &t)) || !in_exec(d, t))
					return false;
				/* a call into the middle of a decoded instruction: not code */
				const region *tr = region_of(d, t);
				if (zi.meta.category == ZYDIS_CATEGORY_CALL && tr->imap[t - tr->va] == IMAP_BODY &&
				    !is_start(d, t) && !import_of(d, t))
					return false;
			}
			break;
		default: break;
		}
		at += zi.length;
	}
	return true;
}

static void try_cands(dis *d, ln_vec *v, uint32_t source)
{
	for (size_t i = 0; i < v->len && !out_of_budget(d); i++) {
		uint64_t a = LN_VEC_AT(v, uint64_t, i);
		uint32_t *ix = ln_map_get(&d->cand_at, a);
		if (ix) {
			LN_VEC_AT(&d->cands, cand, *ix).sources |= source;
			continue;
		}
		if (inside_range(d, a) || !plausible(d, a, 0)) continue;
		add_cand(d, a, source);
		drain_work(d);
	}
}

/* Pointers stored in data: aligned pointer-sized values that point into code.
 * Used when the file has no relocations to tell them. */
static void scan_data_pointers(dis *d, ln_vec *out)
{
	const lineage_binary *bin = d->bin;
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) || (s->flags & LINEAGE_SEC_EXEC) || !s->size) continue;
		if (s->offset > bin->size) continue;
		uint64_t n = s->size < bin->size - s->offset ? s->size : bin->size - s->offset;
		ln_buf b = {bin->data + s->offset, n};
		for (uint64_t o = 0; o + (uint64_t)d->ptrsize <= n; o += (uint64_t)d->ptrsize) {
			uint64_t v;
			if (d->ptrsize == 8) {
				if (!ln_rd_u64le(&b, o, &v)) break;
			} else {
				uint32_t w;
				if (!ln_rd_u32le(&b, o, &w)) break;
				v = w;
			}
			if (in_exec(d, v)) push_u64(d, out, v);
		}
	}
}

/* Length of the multi-byte NOP at p (66* 2e? 0f 1f /0, or 66 90), 0 when it
 * is none: the compilers' padding, skipped without a full decode. */
static size_t nop_len(const uint8_t *p, uint64_t avail)
{
	size_t i = 0;
	while (i < 8 && i < avail && (p[i] == 0x66 || p[i] == 0x2e)) i++;
	if (i && i < avail && p[i] == 0x90) return i + 1;
	if (i + 3 > avail || p[i] != 0x0f || p[i + 1] != 0x1f) return 0;
	uint8_t modrm = p[i + 2];
	if ((modrm >> 3 & 7) != 0) return 0;
	size_t n = i + 3, mod = modrm >> 6;
	if (mod != 3 && (modrm & 7) == 4) n++; /* SIB */
	if (mod == 1) n += 1;
	if (mod == 2 || (mod == 0 && (modrm & 7) == 5)) n += 4;
	return n <= avail ? n : 0;
}

/* Gaps: bytes no decoded instruction covers. Skip padding, then try a
 * function start; on failure move to the next 16-byte boundary after a pad. */
static void scan_gaps(dis *d, int strict)
{
	for (size_t ri = 0; ri < d->nregs && !out_of_budget(d); ri++) {
		region *r = &d->regs[ri];
		if (r->plt) continue;
		uint64_t off = 0;
		while (off < r->size && !out_of_budget(d)) {
			if (r->imap[off]) {
				off++;
				continue;
			}
			/* skip padding */
			ZydisDecodedInstruction zi;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			const uint8_t *p = r->data + off;
			if (p[0] == 0xcc || p[0] == 0x90 || p[0] == 0x00) {
				off++;
				continue;
			}
			size_t nl = nop_len(p, r->size - off);
			if (nl) {
				bool clear = true;
				for (size_t k = 1; k < nl && clear; k++) clear = !r->imap[off + k];
				off += clear ? nl : 1;
				continue;
			}
			if ((decode(d, p, r->size - off, &zi, ops)) && is_padding(&zi, ops, p)) {
				bool clear = true;
				for (uint8_t k = 0; k < zi.length && clear; k++)
					clear = off + k < r->size && !r->imap[off + k];
				off += clear ? zi.length : 1;
				continue;
			}
			uint64_t va = r->va + off;
			if (!inside_range(d, va) && plausible(d, va, strict)) {
				add_cand(d, va, LINEAGE_SRC_PROLOGUE);
				drain_work(d);
				if (r->imap[off]) continue;
			}
			/* not code: skip to the next aligned address that follows padding or a ret */
			off++;
			while (off < r->size && !r->imap[off] &&
			       !((off & 15) == 0 && (r->data[off - 1] == 0xcc || r->data[off - 1] == 0x90 ||
			                             r->data[off - 1] == 0xc3 || r->data[off - 1] == 0x00)))
				off++;
		}
	}
}

/* Does code at va begin where a function could: at the start of its region,
 * after bytes nothing reached (padding), or after an instruction that does
 * not fall through? A block that code above falls into is no function. */
static bool after_boundary(dis *d, uint64_t va)
{
	region *r = region_of(d, va);
	if (!r) return false;
	uint64_t off = va - r->va;
	if (!off || !r->imap[off - 1]) return true;
	for (uint64_t k = 1; k <= 15 && k <= off; k++) {
		uint32_t m = r->imap[off - k];
		if (m && m != IMAP_BODY && LN_VEC_AT(&d->insns, insn, m - 1).len == k) {
			const insn *p = &LN_VEC_AT(&d->insns, insn, m - 1);
			return (p->flags & IF_NOP) || p->kind == IK_RET || p->kind == IK_JMP || p->kind == IK_JMP_IND ||
			       p->kind == IK_STOP;
		}
	}
	return true;
}

/* Tail-call targets: a direct jmp whose target lies beyond another function's
 * start (forward past the next start, or back before its own function's
 * start) leaves its function; the target starts one. Repeated while new
 * starts appear. */
static void tail_targets(dis *d)
{
	for (int round = 0; round < 8 && !out_of_budget(d); round++) {
		size_t n = d->cands.len;
		uint64_t *starts = ln_malloc((n + 1) * sizeof(uint64_t));
		if (!starts) {
			d->oom = true;
			return;
		}
		for (size_t i = 0; i < n; i++) starts[i] = LN_VEC_AT(&d->cands, cand, i).addr;
		ln_sort(starts, n, sizeof(uint64_t), cmp_u64_fwd);
		size_t added = 0;
		for (size_t i = 0; i + 1 < d->jumps.len; i += 2) {
			uint64_t site = LN_VEC_AT(&d->jumps, uint64_t, i), t = LN_VEC_AT(&d->jumps, uint64_t, i + 1);
			if (is_start(d, t) || insn_at(d, t) < 0) continue;
			uint64_t lo = site < t ? site + 1 : t + 1, hi = site < t ? t : site;
			/* first start >= lo */
			size_t a = 0, b = n;
			while (a < b) {
				size_t m = a + (b - a) / 2;
				if (starts[m] < lo)
					a = m + 1;
				else
					b = m;
			}
			if (a < n && starts[a] <= hi && after_boundary(d, t) && !inside_range(d, t) &&
			    add_cand(d, t, LINEAGE_SRC_TAILCALL))
				added++;
		}
		ln_free(starts);
		if (!added) break;
		settle(d);
	}
}

/* ------------------------------------------------------------- phase B */

static int cmp_fins(const void *a, const void *b)
{
	const fins *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_call(const void *a, const void *b)
{
	const lineage_call *x = a, *y = b;
	return x->site < y->site ? -1 : x->site > y->site;
}

static int cmp_jtab(const void *a, const void *b)
{
	const jtab *x = a, *y = b;
	return x->site < y->site ? -1 : x->site > y->site;
}

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const jtab *jtab_at(dis *d, uint64_t site)
{
	size_t lo = 0, hi = d->jtabs.len;
	const jtab *t = d->jtabs.items;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].site < site)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->jtabs.len && t[lo].site == site ? &t[lo] : NULL;
}

static bool bsearch_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = ln_lower_u64(v, n, x);
	return lo < n && v[lo] == x;
}

static const char *import_name(dis *d, const lineage_import *im)
{
	if (!im) return NULL;
	const char **slot = &d->imp_names[im - d->bin->imports];
	if (*slot) return *slot;
	const char *lib = im->library && im->library[0] ? im->library : "?";
	char *name = im->name ? ln_arena_printf(d->arena, "%s!%s", lib, im->name)
	                      : ln_arena_printf(d->arena, "%s!#%u", lib, im->ordinal);
	if (!name) {
		d->oom = true;
		return NULL;
	}
	/* Windows library names are case-insensitive and linkers spell them
	 * differently (KERNEL32.dll, kernel32.dll): one spelling, lower case */
	if (d->bin->format == LINEAGE_FORMAT_PE)
		for (char *p = name; *p && *p != '!'; p++)
			if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
	*slot = name;
	return name;
}

static void add_call(dis *d, uint64_t site, uint64_t target, const lineage_import *im, int tail)
{
	lineage_call *c = ln_vec_push(&d->fcalls);
	if (!c) {
		d->oom = true;
		return;
	}
	c->site = site;
	c->target = target;
	c->import = import_name(d, im);
	c->tail = tail;
}

/* Put a function's instructions in address order. Bodies are mostly one
 * compact range: then a pass over the instruction map, in order, is cheaper
 * than a sort. */
static void sort_body(dis *d, fins *body, size_t n, uint32_t fnid)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		if (body[i].addr < lo) lo = body[i].addr;
		if (body[i].addr > hi) hi = body[i].addr;
		if (i && body[i].addr < body[i - 1].addr) sorted = false;
	}
	if (sorted) return;
	region *r = region_of(d, lo);
	if (r && hi - r->va < r->size && hi - lo <= 16 * (uint64_t)n && ln_vec_reserve(&d->scratch, n)) {
		fins *out = d->scratch.items;
		size_t k = 0;
		for (uint64_t off = lo - r->va; off <= hi - r->va && k < n; off += 1) {
			uint32_t m = r->imap[off];
			if (m && m != IMAP_BODY && d->stamp[m - 1] == fnid) {
				out[k].addr = r->va + off;
				out[k].idx = m - 1;
				k++;
			}
		}
		if (k == n) {
			memcpy(body, out, n * sizeof(*body));
			return;
		}
	}
	ln_sort(body, n, sizeof(*body), cmp_fins);
}

/* Cut the function starting at c->addr out of the decoded instructions. */
/* Append the notes of instruction idx to the function's (dis.notes is in
 * index order: binary search for the first). */
static void take_notes(dis *d, uint32_t idx)
{
	const pnote *pn = d->notes.items;
	size_t lo = 0, hi = d->notes.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pn[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->notes.len && pn[lo].idx == idx; lo++) {
		lineage_note *o = ln_vec_push(&d->fnotes);
		if (!o) {
			d->oom = true;
			return;
		}
		*o = pn[lo].note;
	}
}

static void build_function(dis *d, const cand *c, lineage_function *fn, uint32_t fnid)
{
	d->stack.len = d->fbody.len = d->ftargets.len = d->fcalls.len = 0;
	fn->address = c->addr;
	fn->sources = c->sources;
	fn->name = c->name;
	bool truncated = false;
	unsigned exits = 0, noret = 0; /* returns or leaves; calls that never return */
	push_u64(d, &d->stack, c->addr);
	while (d->stack.len && !d->oom) {
		uint64_t va = LN_VEC_AT(&d->stack, uint64_t, --d->stack.len);
		int64_t ix = insn_at(d, va);
		for (;;) {
			if (ix < 0 || d->stamp[ix] == fnid) break;
			if (d->fbody.len >= d->lim->max_function_instructions) {
				truncated = true;
				break;
			}
			d->stamp[ix] = fnid;
			fins *f = ln_vec_push(&d->fbody);
			if (!f) {
				d->oom = true;
				break;
			}
			f->addr = va;
			f->idx = (uint32_t)ix;
			const insn *in = &LN_VEC_AT(&d->insns, insn, ix);
			uint64_t next = va + in->len;
			bool stop = false;
			switch (in->kind) {
			case IK_RET: exits++; /* fall through */
			case IK_STOP: stop = true; break;
			case IK_CALL:
				if (in->target != next)
					add_call(d, va, in->target,
					         in->flags & IF_IMPORT ? import_of(d, in->target) : NULL, 0);
				stop = target_noreturn(d, in);
				noret += stop;
				break;
			case IK_CALL_IND: {
				const lineage_import *im = NULL;
				if (in->flags & IF_MEMSLOT) {
					uint32_t *s = ln_map_get(&d->slot_imp, in->target);
					if (s) im = &d->bin->imports[*s];
				}
				add_call(d, va, im ? in->target : 0, im, 0);
				stop = im && import_noreturn(d, im);
				noret += stop;
				break;
			}
			case IK_JCC:
			case IK_JMP: {
				int64_t tx = insn_at(d, in->target);
				if (tx < 0 ||
				    (in->target != c->addr && (LN_VEC_AT(&d->insns, insn, tx).flags & IF_START))) {
					add_call(d, va, in->target, import_of(d, in->target), 1);
					exits++;
				} else if (in->target) {
					push_u64(d, &d->stack, in->target);
					push_u64(d, &d->ftargets, in->target);
				}
				stop = in->kind == IK_JMP;
				break;
			}
			case IK_JMP_IND: {
				stop = true;
				if (in->flags & IF_JTAB) {
					const jtab *jt = jtab_at(d, va);
					for (uint32_t k = 0; jt && k < jt->count; k++) {
						uint64_t t = LN_VEC_AT(&d->jtargets, uint64_t, jt->first + k);
						if (insn_at(d, t) < 0) continue;
						push_u64(d, &d->stack, t);
						push_u64(d, &d->ftargets, t);
					}
				} else {
					exits++;
					uint32_t *s =
					        in->flags & IF_MEMSLOT ? ln_map_get(&d->slot_imp, in->target) : NULL;
					if (s) add_call(d, va, in->target, &d->bin->imports[*s], 1);
				}
				break;
			}
			default: break;
			}
			if (stop) break;
			int64_t nx = (in->flags & IF_SEQNEXT) ? ix + 1 : insn_at(d, next);
			if (nx >= 0 && (LN_VEC_AT(&d->insns, insn, nx).flags & IF_START)) {
				exits++;
				break; /* falls into the next function */
			}
			va = next;
			ix = nx;
		}
	}
	if (truncated) fn->flags |= LINEAGE_FUNC_TRUNCATED;
	if (!exits && noret && !truncated) fn->flags |= LINEAGE_FUNC_NORETURN;
	size_t n = d->fbody.len;
	if (!n || d->oom) return;
	fins *body = d->fbody.items;
	sort_body(d, body, n, fnid);
	uint64_t *tg = d->ftargets.items;
	size_t ntg = d->ftargets.len;
	ln_sort(tg, ntg, sizeof(*tg), cmp_u64);

	uint32_t *tokens = ln_arena_alloc(d->arena, n * sizeof(uint32_t));
	/* blocks: a new one at a jump target, after a transfer, or after a hole */
	size_t nblocks = 0;
	for (size_t i = 0, j = 0; i < n; i++) {
		const insn *pv = i ? &LN_VEC_AT(&d->insns, insn, body[i - 1].idx) : NULL;
		while (j < ntg && tg[j] < body[i].addr) j++; /* both sorted: merge */
		body[i].leader = !i || body[i - 1].addr + pv->len != body[i].addr ||
		                 (pv->kind != IK_SEQ && pv->kind != IK_CALL) ||
		                 (body[i].addr != c->addr && j < ntg && tg[j] == body[i].addr);
		nblocks += body[i].leader;
	}
	lineage_block *blocks = ln_arena_alloc(d->arena, nblocks * sizeof(*blocks));
	lineage_edge *edges = ln_arena_alloc(d->arena, nblocks * 2 * sizeof(*edges) + 16);
	if (!tokens || !blocks || !edges) {
		d->oom = true;
		return;
	}
	size_t nb = 0, ne = 0, extra = 0;
	lineage_edge *big = NULL; /* switch edges beyond 2 per block go to a larger array */
	ln_fp_signature_begin(fn);
	d->fnotes.len = 0;
	for (size_t i = 0; i < n; i++) {
		const insn *in = &LN_VEC_AT(&d->insns, insn, body[i].idx);
		tokens[i] = in->token;
		if (in->flags & IF_NOTE) take_notes(d, body[i].idx);
		if (in->nfeat) {
			const uint32_t *fv = (const uint32_t *)d->feats.items + in->target - 1;
			for (uint32_t k = 0; k < in->nfeat; k++) ln_fp_signature_add(fn, fv[k]);
		}
		if (body[i].leader) {
			blocks[nb].start = body[i].addr;
			nb++;
		}
		lineage_block *b = &blocks[nb - 1];
		b->size += in->len;
		b->ninsn++;
		if (in->kind == IK_JMP_IND && (in->flags & IF_JTAB)) {
			const jtab *jt = jtab_at(d, body[i].addr);
			if (jt) extra += jt->count;
		}
	}
	if (extra) {
		big = ln_arena_alloc(d->arena, (nblocks * 2 + extra) * sizeof(*big));
		if (!big) {
			d->oom = true;
			return;
		}
		edges = big;
	}
	/* edges from the last instruction of each block */
	for (size_t bi = 0, i = 0; bi < nb; bi++) {
		lineage_block *b = &blocks[bi];
		i += b->ninsn;
		const fins *last = &body[i - 1];
		const insn *in = &LN_VEC_AT(&d->insns, insn, last->idx);
		uint64_t next = last->addr + in->len;
		b->edge_first = (uint32_t)ne;
		bool has_next = bi + 1 < nb && blocks[bi + 1].start == next;
		switch (in->kind) {
		case IK_SEQ:
		case IK_CALL:
			if (has_next && !(in->kind == IK_CALL && target_noreturn(d, in)))
				edges[ne++] = (lineage_edge){next, LINEAGE_EDGE_FALL};
			break;
		case IK_CALL_IND:
			if (has_next) edges[ne++] = (lineage_edge){next, LINEAGE_EDGE_FALL};
			break;
		case IK_JCC:
			if (bsearch_u64(tg, ntg, in->target))
				edges[ne++] = (lineage_edge){in->target, LINEAGE_EDGE_COND};
			if (has_next) edges[ne++] = (lineage_edge){next, LINEAGE_EDGE_FALL};
			break;
		case IK_JMP:
			if (bsearch_u64(tg, ntg, in->target))
				edges[ne++] = (lineage_edge){in->target, LINEAGE_EDGE_JUMP};
			break;
		case IK_JMP_IND:
			if (in->flags & IF_JTAB) {
				const jtab *jt = jtab_at(d, last->addr);
				for (uint32_t k = 0; jt && k < jt->count; k++) {
					uint64_t t = LN_VEC_AT(&d->jtargets, uint64_t, jt->first + k);
					if (bsearch_u64(tg, ntg, t))
						edges[ne++] = (lineage_edge){t, LINEAGE_EDGE_SWITCH};
				}
			}
			break;
		default: break;
		}
		b->nedges = (uint32_t)(ne - b->edge_first);
	}
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t e = body[i].addr + LN_VEC_AT(&d->insns, insn, body[i].idx).len;
		if (e > end) end = e;
	}
	fn->size = end - c->addr;
	fn->ninsn = (uint32_t)n;
	if (d->fnotes.len) {
		fn->notes = ln_arena_memdup(d->arena, d->fnotes.items, d->fnotes.len * sizeof(lineage_note));
		if (!fn->notes) d->oom = true;
		fn->nnotes = (uint32_t)d->fnotes.len;
	}
	fn->tokens = tokens;
	fn->blocks = blocks;
	fn->nblocks = (uint32_t)nb;
	fn->edges = edges;
	fn->nedges = (uint32_t)ne;
	if (d->fcalls.len) {
		ln_sort(d->fcalls.items, d->fcalls.len, sizeof(lineage_call), cmp_call);
		fn->calls = ln_arena_memdup(d->arena, d->fcalls.items, d->fcalls.len * sizeof(lineage_call));
		if (!fn->calls) d->oom = true;
		fn->ncalls = (uint32_t)d->fcalls.len;
	}
	const insn *first = &LN_VEC_AT(&d->insns, insn, body[0].idx);
	if (n == 1 && (first->kind == IK_JMP || first->kind == IK_JMP_IND)) {
		fn->flags |= LINEAGE_FUNC_THUNK;
		if (!fn->name && fn->ncalls == 1 && fn->calls[0].import) fn->name = fn->calls[0].import;
	}
	ln_fp_function(fn);
	ln_fp_signature_end(fn);
}

/* ------------------------------------------------------------- driver */

/* The instruction map is 4 bytes per byte of code, touched all over: fresh
 * pages from calloc cost a page fault each, so a context keeps its last map
 * (up to LN_MAP_KEEP entries) for the next sample and clears it instead. */
#define LN_MAP_KEEP ((size_t)16 << 20)

void ln_map_cache_free(ln_map_cache *c)
{
	ln_free(c->map);
	c->map = NULL;
	c->cap = 0;
}

static uint32_t *map_take(ln_map_cache *c, size_t n, size_t *cap)
{
	if (!n) n = 1;
	if (c && c->map && c->cap >= n) {
		uint32_t *m = c->map;
		*cap = c->cap;
		c->map = NULL;
		c->cap = 0;
		memset(m, 0, n * sizeof(uint32_t));
		return m;
	}
	*cap = n;
	return ln_calloc(n, sizeof(uint32_t));
}

static void map_give(ln_map_cache *c, uint32_t *m, size_t cap)
{
	if (!m) return;
	if (c && cap <= LN_MAP_KEEP && (!c->map || c->cap < cap)) {
		ln_free(c->map);
		c->map = m;
		c->cap = cap;
		return;
	}
	ln_free(m);
}

static int setup(dis *d)
{
	const lineage_binary *bin = d->bin;
	if (bin->arch == LINEAGE_ARCH_X86_64) {
		d->mode = ZYDIS_MACHINE_MODE_LONG_64;
		d->ptrsize = 8;
		ZydisDecoderInit(&d->dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	} else {
		d->mode = ZYDIS_MACHINE_MODE_LEGACY_32;
		d->ptrsize = 4;
		ZydisDecoderInit(&d->dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	}
	size_t cap = 0;
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if ((s->flags & (LINEAGE_SEC_EXEC | LINEAGE_SEC_ALLOC)) == (LINEAGE_SEC_EXEC | LINEAGE_SEC_ALLOC) &&
		    s->size)
			cap++;
	}
	d->regs = ln_arena_alloc(d->arena, (cap + 1) * sizeof(region));
	if (!d->regs) return LINEAGE_ENOMEM;
	uint64_t total = 0;
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if ((s->flags & (LINEAGE_SEC_EXEC | LINEAGE_SEC_ALLOC)) != (LINEAGE_SEC_EXEC | LINEAGE_SEC_ALLOC) ||
		    !s->size)
			continue;
		const uint8_t *p;
		uint64_t avail;
		if (lineage_binary_va_bytes(&p, &avail, bin, s->vaddr) != 0 || !avail) continue;
		uint64_t size = s->vsize && s->vsize < avail ? s->vsize : avail;
		if (total + size > d->lim->max_code_bytes) { /* bound the per-byte map: 4 bytes per code byte */
			d->code_cut = true;
			break;
		}
		bool overlap = false;
		for (size_t j = 0; j < d->nregs; j++)
			if (s->vaddr < d->regs[j].va + d->regs[j].size && d->regs[j].va < s->vaddr + size)
				overlap = true;
		if (overlap) continue;
		region *r = &d->regs[d->nregs++];
		r->va = s->vaddr;
		r->size = size;
		r->data = p;
		r->plt = bin->format == LINEAGE_FORMAT_ELF && s->name &&
		         (!strcmp(s->name, ".plt") || !strcmp(s->name, ".plt.sec") || !strcmp(s->name, ".plt.got") ||
		          !strcmp(s->name, ".iplt"));
		total += size;
	}
	/* sort regions by address (few; insertion sort) */
	for (size_t i = 1; i < d->nregs; i++)
		for (size_t j = i; j > 0 && d->regs[j - 1].va > d->regs[j].va; j--) {
			region t = d->regs[j];
			d->regs[j] = d->regs[j - 1];
			d->regs[j - 1] = t;
		}
	size_t entries = 0;
	for (size_t i = 0; i < d->nregs; i++) entries += (size_t)d->regs[i].size;
	d->map = map_take(d->cache, entries, &d->map_cap);
	if (!d->map) return LINEAGE_ENOMEM;
	for (size_t i = 0, at = 0; i < d->nregs; i++) {
		d->regs[i].imap = d->map + at;
		at += (size_t)d->regs[i].size;
	}
	size_t nr = 0;
	for (size_t i = 0; i < bin->nhints; i++) nr += bin->hints[i].size > 0;
	if (nr) {
		d->rstart = ln_malloc(nr * sizeof(uint64_t));
		d->rend = ln_malloc(nr * sizeof(uint64_t));
		if (!d->rstart || !d->rend) return LINEAGE_ENOMEM;
		uint64_t *pairs = ln_malloc(nr * 2 * sizeof(uint64_t));
		if (!pairs) return LINEAGE_ENOMEM;
		for (size_t i = 0, k = 0; i < bin->nhints; i++)
			if (bin->hints[i].size) {
				pairs[2 * k] = bin->hints[i].address;
				pairs[2 * k + 1] = bin->hints[i].address + bin->hints[i].size;
				k++;
			}
		ln_sort(pairs, nr, 2 * sizeof(uint64_t), cmp_u64_fwd);
		uint64_t mx = 0;
		for (size_t k = 0; k < nr; k++) {
			d->rstart[k] = pairs[2 * k];
			if (pairs[2 * k + 1] > mx) mx = pairs[2 * k + 1];
			d->rend[k] = mx;
		}
		d->nranges = nr;
		ln_free(pairs);
	}
	d->imp_noret = ln_arena_alloc(d->arena, bin->nimports + 1);
	d->imp_names = ln_arena_alloc(d->arena, (bin->nimports + 1) * sizeof(char *));
	if (!d->imp_noret || !d->imp_names) return LINEAGE_ENOMEM;
	for (size_t i = 0; i < bin->nimports; i++) d->imp_noret[i] = import_noreturn_name(&bin->imports[i]);
	for (size_t i = 0; i < bin->nimports; i++) {
		const lineage_import *im = &bin->imports[i];
		if (im->slot && !ln_map_get(&d->slot_imp, im->slot) && !ln_map_put(&d->slot_imp, im->slot, (uint32_t)i))
			return LINEAGE_ENOMEM;
		if (im->stub && !ln_map_put(&d->stub_imp, im->stub, (uint32_t)i)) return LINEAGE_ENOMEM;
	}
	return 0;
}

static void name_cand(dis *d, uint64_t va, const char *name)
{
	uint32_t *ix = ln_map_get(&d->cand_at, va);
	if (ix && name && name[0] && !LN_VEC_AT(&d->cands, cand, *ix).name) LN_VEC_AT(&d->cands, cand, *ix).name = name;
}

static void seed(dis *d)
{
	const lineage_binary *bin = d->bin;
	if (bin->has_entry && in_exec(d, bin->entry)) add_cand(d, bin->entry, LINEAGE_SRC_ENTRY);
	for (size_t i = 0; i < bin->nexports; i++) {
		const lineage_export *e = &bin->exports[i];
		if (!e->address || e->forwarder || !in_exec(d, e->address)) continue;
		add_cand(d, e->address, LINEAGE_SRC_EXPORT);
		name_cand(d, e->address, e->name);
	}
	for (size_t i = 0; i < bin->nsymbols; i++) {
		const lineage_symbol *s = &bin->symbols[i];
		if (s->kind != LINEAGE_SYM_FUNC || !s->defined || !in_exec(d, s->address)) continue;
		add_cand(d, s->address, LINEAGE_SRC_SYMBOL);
		name_cand(d, s->address, s->name);
	}
	for (size_t i = 0; i < bin->nhints; i++)
		if (in_exec(d, bin->hints[i].address)) add_cand(d, bin->hints[i].address, bin->hints[i].source);
}

static void teardown(dis *d)
{
	map_give(d->cache, d->map, d->map_cap);
	ln_vec *vs[] = {&d->insns, &d->cands, &d->work,  &d->refs,     &d->jtabs,  &d->jtargets, &d->pending,
	                &d->jumps, &d->stack, &d->fbody, &d->ftargets, &d->fcalls, &d->scratch};
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) ln_vec_free(vs[i]);
	ln_vec_free(&d->feats);
	ln_vec_free(&d->notes);
	ln_vec_free(&d->fnotes);
	ln_map *ms[] = {&d->cand_at, &d->slot_imp, &d->stub_imp, &d->imp_at, &d->reloc_at};
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) ln_map_free(ms[i]);
	ln_free(d->stamp);
	ln_free(d->rstart);
	ln_free(d->rend);
}

int ln_disasm_run(ln_disasm_out *out, const lineage_binary *bin, ln_arena *a, const lineage_limits *lim,
                  ln_map_cache *cache)
{
	memset(out, 0, sizeof(*out));
	if (bin->arch != LINEAGE_ARCH_X86 && bin->arch != LINEAGE_ARCH_X86_64) return 0;
	dis d;
	memset(&d, 0, sizeof(d));
	d.bin = bin;
	d.arena = a;
	d.lim = lim;
	d.cache = cache;
	d.deadline = ln_now_ms() + lim->max_time_ms;
	ln_vec_init(&d.insns, sizeof(insn));
	ln_vec_init(&d.feats, sizeof(uint32_t));
	ln_vec_init(&d.notes, sizeof(pnote));
	ln_vec_init(&d.fnotes, sizeof(lineage_note));
	d.fenv = (ln_fp_insn_env){bin, slot_import, &d, NULL};
	ln_vec_init(&d.cands, sizeof(cand));
	ln_vec_init(&d.work, sizeof(uint64_t));
	ln_vec_init(&d.refs, sizeof(uint64_t));
	ln_vec_init(&d.jtabs, sizeof(jtab));
	ln_vec_init(&d.jtargets, sizeof(uint64_t));
	ln_vec_init(&d.pending, sizeof(uint64_t));
	ln_vec_init(&d.jumps, sizeof(uint64_t));
	ln_vec_init(&d.stack, sizeof(uint64_t));
	ln_vec_init(&d.fbody, sizeof(fins));
	ln_vec_init(&d.ftargets, sizeof(uint64_t));
	ln_vec_init(&d.fcalls, sizeof(lineage_call));
	ln_vec_init(&d.scratch, sizeof(fins));
	ln_map_init(&d.cand_at);
	ln_map_init(&d.slot_imp);
	ln_map_init(&d.stub_imp);
	ln_map_init(&d.imp_at);
	ln_map_init(&d.reloc_at);
	int rc = setup(&d);
	if (rc == 0 && d.nregs) {
		/* round 1: the file's structure, and every call target from there */
		seed(&d);
		settle(&d);
		/* round 2: code addresses taken in code (repeat: new code takes more) */
		for (int round = 0; round < 8 && d.refs.len && !out_of_budget(&d); round++) {
			ln_vec refs = d.refs;
			ln_vec_init(&d.refs, sizeof(uint64_t));
			try_cands(&d, &refs, LINEAGE_SRC_DATA);
			ln_vec_free(&refs);
			settle(&d);
		}
		/* round 3: functions in the gaps that open with a prologue, so that
		 * their jump tables are decoded before relocated case labels could
		 * pass for functions; then relocated pointers, or pointers in data
		 * when there are none */
		scan_gaps(&d, 2);
		settle(&d);
		ln_vec ptrs;
		ln_vec_init(&ptrs, sizeof(uint64_t));
		for (size_t i = 0; i < bin->nrelocs; i++)
			if (bin->relocs[i].target && in_exec(&d, bin->relocs[i].target))
				push_u64(&d, &ptrs, bin->relocs[i].target);
		try_cands(&d, &ptrs, LINEAGE_SRC_RELOC);
		settle(&d);
		if (!bin->nrelocs) {
			ptrs.len = 0;
			scan_data_pointers(&d, &ptrs);
			try_cands(&d, &ptrs, LINEAGE_SRC_DATA);
		}
		ln_vec_free(&ptrs);
		ln_vec refs = d.refs;
		ln_vec_init(&d.refs, sizeof(uint64_t));
		try_cands(&d, &refs, LINEAGE_SRC_DATA);
		ln_vec_free(&refs);
		/* round 4: prologues in the gaps, then tail-call targets */
		scan_gaps(&d, 1);
		settle(&d);
		tail_targets(&d);
		if (d.oom) rc = LINEAGE_ENOMEM;
	}
	if (rc == 0 && d.cands.len) {
		ln_sort(d.cands.items, d.cands.len, sizeof(cand), cmp_cand);
		for (size_t i = 0; i < d.cands.len; i++)
			if (!ln_map_put(&d.cand_at, LN_VEC_AT(&d.cands, cand, i).addr, (uint32_t)i)) d.oom = true;
		ln_sort(d.jtabs.items, d.jtabs.len, sizeof(jtab), cmp_jtab);
		for (size_t i = 0; i < d.cands.len; i++) {
			int64_t ix = insn_at(&d, LN_VEC_AT(&d.cands, cand, i).addr);
			if (ix >= 0) LN_VEC_AT(&d.insns, insn, ix).flags |= IF_START;
		}
		d.stamp = ln_calloc(d.insns.len + 1, sizeof(uint32_t));
		lineage_function *fns = ln_arena_alloc_raw(a, d.cands.len * sizeof(*fns)); /* each cleared when used */
		if (!d.stamp || !fns || d.oom) {
			rc = LINEAGE_ENOMEM;
		} else {
			size_t nf = 0;
			/* cutting functions shares the time budget (with a grace period of
			 * the same length, so that what was decoded can still be used):
			 * shared code walked from many starts must not run away */
			uint64_t cutoff = d.deadline + lim->max_time_ms;
			for (size_t i = 0; i < d.cands.len && !d.oom; i++) {
				if ((i & 63) == 0 && ln_now_ms() > cutoff) {
					d.budget_hit = "time";
					break;
				}
				memset(&fns[nf], 0, sizeof(fns[nf]));
				build_function(&d, &LN_VEC_AT(&d.cands, cand, i), &fns[nf], (uint32_t)i + 1);
				if (fns[nf].ninsn) nf++;
			}
			if (d.oom) rc = LINEAGE_ENOMEM;
			if (rc == 0) rc = ln_fp_signature_graph(fns, nf);
			out->functions = fns;
			out->nfunctions = nf;
		}
	}
	out->ninsn = d.ninsn;
	out->budget_hit = d.budget_hit ? d.budget_hit : d.code_cut ? "code size" : NULL;
	teardown(&d);
	if (rc != 0) {
		out->functions = NULL;
		out->nfunctions = 0;
	}
	return rc;
}

/* ------------------------------------------------------ normalized text */

int lineage_function_normalized_text(char **out, const lineage_binary *bin, const lineage_function *fn)
{
	*out = NULL;
	ZydisDecoder dec;
	if (bin->arch == LINEAGE_ARCH_X86_64)
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	else
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	size_t cap = (size_t)fn->ninsn * 48 + 1, len = 0;
	char *buf = ln_malloc(cap);
	if (!buf) return LINEAGE_ENOMEM;
	buf[0] = 0;
	for (uint32_t b = 0; b < fn->nblocks; b++) {
		uint64_t va = fn->blocks[b].start;
		for (uint32_t k = 0; k < fn->blocks[b].ninsn; k++) {
			const uint8_t *p;
			uint64_t avail;
			ZydisDecodedInstruction zi;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			if (lineage_binary_va_bytes(&p, &avail, bin, va) != 0 ||
			    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, avail, &zi, ops)))
				break;
			char line[160];
			ln_fp_token_text(line, sizeof(line), &zi, ops);
			size_t l = strlen(line);
			if (len + l + 2 > cap) {
				size_t ncap = (len + l + 2) * 2;
				char *nb = ln_realloc(buf, ncap);
				if (!nb) {
					ln_free(buf);
					return LINEAGE_ENOMEM;
				}
				buf = nb;
				cap = ncap;
			}
			memcpy(buf + len, line, l);
			len += l;
			buf[len++] = '\n';
			buf[len] = 0;
			va += zi.length;
		}
	}
	*out = buf;
	return 0;
}
