/* Which bytes of an instruction stay in a signature: Zydis's raw view of an
 * instruction says where its displacement and immediates sit and how wide
 * they are; the operands say what they mean (RIP-relative, absolute, a
 * branch target). Everything that changes when the same code is linked at
 * another address becomes a wildcard. */
#include "sig.h"

#include <Zydis/Zydis.h>

static bool in_image(const ln_sig_env *env, uint64_t v)
{
	return env->img_hi > env->img_lo && v >= env->img_lo && v < env->img_hi;
}

static void clear(uint8_t *mask, size_t at, size_t width, size_t limit)
{
	for (size_t i = at; i < at + width && i < limit; i++) mask[i] = 0;
}

/* The relocated slots overlapping [va, va + len): wildcards over their bytes. */
static void clear_relocs(uint8_t *mask, size_t base, uint64_t va, size_t len, const ln_sig_env *env)
{
	if (!env->nrelocs) return;
	/* a slot of up to 8 bytes may start before the instruction */
	uint64_t from = va >= 8 ? va - 8 : 0;
	for (size_t i = ln_lower_u64(env->relocs, env->nrelocs, from); i < env->nrelocs && env->relocs[i] < va + len;
	     i++) {
		uint64_t lo = env->relocs[i], hi = lo + (env->reloc_width ? env->reloc_width[i] : 4);
		if (hi <= va) continue;
		uint64_t a = lo > va ? lo : va, b = hi < va + len ? hi : va + len;
		clear(mask, base + (size_t)(a - va), (size_t)(b - a), base + len);
	}
}

size_t ln_sig_mask(uint8_t *mask, uint32_t *insn_ends, size_t cap, size_t *ninsn, const uint8_t *code, size_t n,
                   uint64_t va, const ln_sig_env *env)
{
	ZydisDecoder dec;
	if (env->bits == 64)
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	else
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	uint64_t amask = env->bits == 64 ? UINT64_MAX : UINT32_MAX;
	size_t off = 0, k = 0;
	while (off < n) {
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code + off, n - off, &zi, ops))) break;
		size_t len = zi.length;
		if (!len || len > n - off) break;
		uint64_t at = va + off;
		for (size_t i = 0; i < len; i++) mask[off + i] = 1;

		/* the displacement: an address unless it is an offset from a register
		 * that holds one (a frame or structure offset) */
		if (zi.raw.disp.size) {
			bool address = false;
			for (uint8_t i = 0; i < zi.operand_count_visible; i++) {
				const ZydisDecodedOperand *op = &ops[i];
				if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || !op->mem.disp.has_displacement) continue;
				ZydisRegister b = op->mem.base;
				if (b == ZYDIS_REGISTER_RIP || b == ZYDIS_REGISTER_EIP || b == ZYDIS_REGISTER_NONE)
					address = true; /* RIP-relative, absolute, or a table indexed by a register */
				else if (zi.raw.disp.size >= 32 && in_image(env, (uint64_t)op->mem.disp.value & amask))
					address = true; /* [reg + table] */
			}
			if (address) clear(mask, off + zi.raw.disp.offset, zi.raw.disp.size / 8, off + len);
		}
		/* immediates: branch targets leaving the function, and values that
		 * point into the image */
		for (int i = 0; i < 2; i++) {
			if (!zi.raw.imm[i].size) continue;
			bool address;
			if (zi.raw.imm[i].is_relative) {
				uint64_t target = (at + len + (uint64_t)zi.raw.imm[i].value.s) & amask;
				address = target < env->fn_lo || target >= env->fn_hi;
			} else {
				uint64_t v = zi.raw.imm[i].value.u;
				if (zi.raw.imm[i].size < 64) v &= ((uint64_t)1 << zi.raw.imm[i].size) - 1;
				address = zi.raw.imm[i].size >= 32 && in_image(env, v);
			}
			if (address) clear(mask, off + zi.raw.imm[i].offset, zi.raw.imm[i].size / 8, off + len);
		}
		clear_relocs(mask, off, at, len, env);
		off += len;
		if (insn_ends && k < cap) insn_ends[k] = (uint32_t)off;
		k++;
	}
	if (ninsn) *ninsn = insn_ends && k > cap ? cap : k;
	return off;
}

void ln_sig_hex(char *out, const uint8_t *bytes, const uint8_t *mask, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	char *p = out;
	for (size_t i = 0; i < n; i++) {
		if (i) *p++ = ' ';
		if (mask[i]) {
			*p++ = digits[bytes[i] >> 4];
			*p++ = digits[bytes[i] & 15];
		} else {
			*p++ = '?';
			*p++ = '?';
		}
	}
	*p = 0;
}
