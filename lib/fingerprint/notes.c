/* Instruction notes (lineage_note): while the disassembler decodes each
 * instruction once, the few facts that the code-reading analyses need are
 * kept, so that they never decode the whole file again: large immediates
 * (algorithm constants, IOCTL codes, API-name hashes), rotation counts, data
 * references (which function uses which table or string) and the
 * instruction classes of crypto code. */
#include "fingerprint.h"

static bool insn_class(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_AESENC:
	case ZYDIS_MNEMONIC_AESENCLAST:
	case ZYDIS_MNEMONIC_AESDEC:
	case ZYDIS_MNEMONIC_AESDECLAST:
	case ZYDIS_MNEMONIC_AESIMC:
	case ZYDIS_MNEMONIC_AESKEYGENASSIST:
	case ZYDIS_MNEMONIC_VAESENC:
	case ZYDIS_MNEMONIC_VAESENCLAST:
	case ZYDIS_MNEMONIC_VAESDEC:
	case ZYDIS_MNEMONIC_VAESDECLAST:
	case ZYDIS_MNEMONIC_VAESIMC:
	case ZYDIS_MNEMONIC_VAESKEYGENASSIST:
	case ZYDIS_MNEMONIC_SHA1MSG1:
	case ZYDIS_MNEMONIC_SHA1MSG2:
	case ZYDIS_MNEMONIC_SHA1NEXTE:
	case ZYDIS_MNEMONIC_SHA1RNDS4:
	case ZYDIS_MNEMONIC_SHA256MSG1:
	case ZYDIS_MNEMONIC_SHA256MSG2:
	case ZYDIS_MNEMONIC_SHA256RNDS2:
	case ZYDIS_MNEMONIC_PCLMULQDQ:
	case ZYDIS_MNEMONIC_VPCLMULQDQ:
	case ZYDIS_MNEMONIC_ADC:
	case ZYDIS_MNEMONIC_SBB:
	case ZYDIS_MNEMONIC_ADCX:
	case ZYDIS_MNEMONIC_ADOX:
	case ZYDIS_MNEMONIC_MULX: return true;
	default: return false;
	}
}

static bool in_data(ln_fp_insn_env *env, uint64_t t)
{
	const lineage_section *s = ln_fp_section_at(env, t);
	return s && (s->flags & LINEAGE_SEC_ALLOC) && !(s->flags & LINEAGE_SEC_EXEC);
}

static void note(lineage_note *out, size_t *n, uint16_t kind, uint64_t value, const ZydisDecodedInstruction *zi,
                 uint16_t bits)
{
	if (*n < LN_FP_INSN_NOTES)
		out[(*n)++] = (lineage_note){.value = value, .mnemonic = zi->mnemonic, .kind = kind, .aux = bits};
}

size_t ln_fp_insn_notes(lineage_note *out, ln_fp_insn_env *env, const ZydisDecodedInstruction *zi,
                        const ZydisDecodedOperand *ops, uint64_t va)
{
	size_t n = 0;
	uint8_t nops = zi->operand_count_visible;
	ZydisMnemonic m = zi->mnemonic;
	uint16_t bits = nops ? ops[0].size : zi->operand_width;
	if (insn_class(m) || (m == ZYDIS_MNEMONIC_MUL && nops == 1 && ops[0].size == env->bin->bits) ||
	    (m == ZYDIS_MNEMONIC_XOR && nops == 2 &&
	     ((ops[0].size == 8 &&
	       (ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY || ops[1].type != ZYDIS_OPERAND_TYPE_REGISTER)) ||
	      ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE ||
	      (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       ops[0].reg.value != ops[1].reg.value)))) /* not the zeroing idiom */
		note(out, &n, LINEAGE_NOTE_INSN, 0, zi, bits);
	if ((m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR) && nops == 2 &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		note(out, &n, LINEAGE_NOTE_ROT, ops[1].imm.value.u & 63, zi, bits);
	/* sub rsp, 0x1000 is a frame, not a constant; ebp is often a plain
	 * register (mov ebp, 0x6ED9EBA1) */
	bool stack_adjust = nops && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	                    (ops[0].reg.value == ZYDIS_REGISTER_RSP || ops[0].reg.value == ZYDIS_REGISTER_ESP);
	for (uint8_t i = 0; i < nops; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		uint64_t t;
		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			if (op->imm.is_relative || stack_adjust || m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR)
				continue;
			uint64_t u = op->imm.is_signed ? (uint64_t)op->imm.value.s : op->imm.value.u;
			if (op->size <= 32 || (int64_t)u == (int64_t)(int32_t)u) u = (uint32_t)u;
			uint64_t floor = m == ZYDIS_MNEMONIC_CMP ? 0x10 : 0x100;
			if (u < floor || (u >= 0xffffff00u && u <= 0xffffffffu)) continue;
			if (env->bin->bits == 32 && u >= 0x10000 && in_data(env, u))
				note(out, &n, LINEAGE_NOTE_REF, u, zi, bits);
			else
				note(out, &n, LINEAGE_NOTE_IMM, u, zi, op->size);
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			ZydisRegister base = op->mem.base;
			/* lea r, [a + b + K]: compilers fold additive constants
			 * (MD5's T[i], SHA-1's K) into the displacement */
			if (m == ZYDIS_MNEMONIC_LEA && base != ZYDIS_REGISTER_RIP && base != ZYDIS_REGISTER_EIP &&
			    base != ZYDIS_REGISTER_NONE && op->mem.disp.has_displacement) {
				uint32_t k = (uint32_t)op->mem.disp.value;
				if (k >= 0x10000 && k < 0xffff0000u) {
					if (env->bin->bits == 32 && in_data(env, k))
						note(out, &n, LINEAGE_NOTE_REF, k, zi, bits);
					else
						note(out, &n, LINEAGE_NOTE_IMM, k, zi, 32);
					continue;
				}
			}
			if (base == ZYDIS_REGISTER_RIP || base == ZYDIS_REGISTER_EIP) {
				if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(zi, op, va, &t)) && in_data(env, t))
					note(out, &n, LINEAGE_NOTE_REF, t, zi, bits);
			} else if (base == ZYDIS_REGISTER_NONE && op->mem.disp.has_displacement) {
				t = (uint64_t)op->mem.disp.value & (env->bin->bits == 32 ? 0xffffffffu : ~0ull);
				if (in_data(env, t)) note(out, &n, LINEAGE_NOTE_REF, t, zi, bits);
			} else if (env->bin->bits == 32 && op->mem.disp.has_displacement &&
			           op->mem.disp.value >= 0x10000) {
				t = (uint64_t)op->mem.disp.value & 0xffffffffu; /* table[reg]: absolute in i386 */
				if (in_data(env, t)) note(out, &n, LINEAGE_NOTE_REF, t, zi, bits);
			}
		}
	}
	return n;
}
