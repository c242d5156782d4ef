/* Instruction normalization: one 32-bit token per instruction that keeps what
 * the compiler chose (mnemonic, operand kinds and widths, small constants,
 * stack-frame registers) and drops what the linker and loader choose
 * (addresses, branch targets, relocated values). */
#include "fingerprint.h"

#include <stdio.h>

#define SMALL_CONST 0x1000

/* Operand kind codes, shared by the token and its text. */
enum { K_REG = 1, K_SPREG, K_MEM, K_MEM_RIP, K_MEM_ABS, K_IMM, K_IMM_BIG, K_REL, K_PTR };

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static inline uint32_t fold(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static bool is_frame_reg(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_RSP:
	case ZYDIS_REGISTER_ESP:
	case ZYDIS_REGISTER_SP:
	case ZYDIS_REGISTER_RBP:
	case ZYDIS_REGISTER_EBP:
	case ZYDIS_REGISTER_BP: return true;
	default: return false;
	}
}

static bool small(int64_t v)
{
	return v > -SMALL_CONST && v < SMALL_CONST;
}

/* Describe one operand as (kind, a, b): the values hashed and printed. */
static void operand_desc(const ZydisDecodedOperand *op, int *kind, int64_t *a, int64_t *b)
{
	*a = 0;
	*b = 0;
	switch (op->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		if (is_frame_reg(op->reg.value)) {
			*kind = K_SPREG;
			*a = op->reg.value;
		} else {
			*kind = K_REG;
			*a = ZydisRegisterGetClass(op->reg.value);
		}
		*b = op->size;
		return;
	case ZYDIS_OPERAND_TYPE_MEMORY: {
		ZydisRegister base = op->mem.base;
		if (base == ZYDIS_REGISTER_RIP || base == ZYDIS_REGISTER_EIP) {
			*kind = K_MEM_RIP;
			*a = op->size;
			return;
		}
		if (base == ZYDIS_REGISTER_NONE && op->mem.index == ZYDIS_REGISTER_NONE) {
			*kind = K_MEM_ABS;
			*a = op->size | (int64_t)op->mem.segment << 16;
			return;
		}
		*kind = K_MEM;
		int64_t basedesc = base == ZYDIS_REGISTER_NONE ? 0
		                   : is_frame_reg(base)        ? 1000 + base
		                                               : ZydisRegisterGetClass(base);
		int64_t disp = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
		if (!small(disp)) disp = 0x7fffffff; /* an address: masked */
		*a = basedesc | (int64_t)(op->mem.index != ZYDIS_REGISTER_NONE) << 16 | (int64_t)op->mem.scale << 20 |
		     (int64_t)op->size << 32;
		*b = disp;
		return;
	}
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		if (op->imm.is_relative) {
			*kind = K_REL;
			return;
		}
		if (op->imm.is_signed ? small(op->imm.value.s) : op->imm.value.u < SMALL_CONST) {
			*kind = K_IMM;
			*a = op->imm.value.s;
		} else {
			*kind = K_IMM_BIG;
		}
		*b = op->size;
		return;
	case ZYDIS_OPERAND_TYPE_POINTER: *kind = K_PTR; return;
	default: *kind = 0; return;
	}
}

uint32_t ln_fp_token(const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops)
{
	uint64_t h = mix(0x6c696e65616765ull, insn->mnemonic);
	for (uint8_t i = 0; i < insn->operand_count_visible; i++) {
		int kind;
		int64_t a, b;
		operand_desc(&ops[i], &kind, &a, &b);
		h = mix(h, (uint64_t)kind);
		h = mix(h, (uint64_t)a);
		h = mix(h, (uint64_t)b);
	}
	return fold(h);
}

static const char *regclass_name(int64_t c, int64_t size)
{
	switch (c) {
	case ZYDIS_REGCLASS_GPR8: return "gpr8";
	case ZYDIS_REGCLASS_GPR16: return "gpr16";
	case ZYDIS_REGCLASS_GPR32: return "gpr32";
	case ZYDIS_REGCLASS_GPR64: return "gpr64";
	case ZYDIS_REGCLASS_X87: return "st";
	case ZYDIS_REGCLASS_MMX: return "mmx";
	case ZYDIS_REGCLASS_XMM: return "xmm";
	case ZYDIS_REGCLASS_YMM: return "ymm";
	case ZYDIS_REGCLASS_ZMM: return "zmm";
	case ZYDIS_REGCLASS_SEGMENT: return "seg";
	case ZYDIS_REGCLASS_MASK: return "k";
	case ZYDIS_REGCLASS_CONTROL: return "cr";
	case ZYDIS_REGCLASS_DEBUG: return "dr";
	default: return "reg";
	}
}

void ln_fp_token_text(char *buf, size_t cap, const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops)
{
	if (!cap) return;
	size_t n = (size_t)snprintf(buf, cap, "%s", ZydisMnemonicGetString(insn->mnemonic));
	for (uint8_t i = 0; i < insn->operand_count_visible && n < cap; i++) {
		int kind;
		int64_t a, b;
		operand_desc(&ops[i], &kind, &a, &b);
		const char *sep = i ? ", " : " ";
		switch (kind) {
		case K_REG: n += (size_t)snprintf(buf + n, cap - n, "%s%s", sep, regclass_name(a, b)); break;
		case K_SPREG:
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", sep, ZydisRegisterGetString((ZydisRegister)a));
			break;
		case K_MEM: {
			int64_t base = a & 0xffff;
			const char *bs = base == 0      ? ""
			                 : base >= 1000 ? ZydisRegisterGetString((ZydisRegister)(base - 1000))
			                                : regclass_name(base, 0);
			bool idx = (a >> 16) & 1;
			int scale = (int)((a >> 20) & 0xff);
			n += (size_t)snprintf(buf + n, cap - n, "%s[%s%s", sep, bs, idx ? (base ? "+idx" : "idx") : "");
			if (idx && scale > 1 && n < cap) n += (size_t)snprintf(buf + n, cap - n, "*%d", scale);
			if (n < cap) {
				if (b == 0x7fffffff)
					n += (size_t)snprintf(buf + n, cap - n, "+ADDR]");
				else if (b)
					n += (size_t)snprintf(buf + n, cap - n, "%+lld]", (long long)b);
				else
					n += (size_t)snprintf(buf + n, cap - n, "]");
			}
			break;
		}
		case K_MEM_RIP: n += (size_t)snprintf(buf + n, cap - n, "%s[rip+ADDR]", sep); break;
		case K_MEM_ABS: n += (size_t)snprintf(buf + n, cap - n, "%s[ADDR]", sep); break;
		case K_IMM: n += (size_t)snprintf(buf + n, cap - n, "%s%#llx", sep, (unsigned long long)a); break;
		case K_IMM_BIG: n += (size_t)snprintf(buf + n, cap - n, "%sIMM", sep); break;
		case K_REL: n += (size_t)snprintf(buf + n, cap - n, "%sLOC", sep); break;
		case K_PTR: n += (size_t)snprintf(buf + n, cap - n, "%sFAR", sep); break;
		default: n += (size_t)snprintf(buf + n, cap - n, "%s?", sep); break;
		}
	}
}
