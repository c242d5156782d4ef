/* Internal interface of the fingerprint stage.
 *
 * Normalization: each instruction becomes one 32-bit token built from its
 * mnemonic and, per operand, its kind and width: register class (gpr8/16/32/64,
 * xmm, ymm, zmm, segment, ...; the register identity is kept only for the
 * stack and frame pointers), memory (base/index present, displacement size
 * class), immediates (small constants |x| < 0x1000 kept by value, larger ones
 * masked to their width), relative branch targets masked. Nothing depends on
 * the load address or on relocated values. */
#ifndef LN_FINGERPRINT_H
#define LN_FINGERPRINT_H

#include <Zydis/Zydis.h>

#include "lineage/sample.h"
#include "../util/util.h"

/* The normalized token of one decoded instruction. */
uint32_t ln_fp_token(const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops);
/* Append the human-readable normalized form of one instruction to buf
 * (NUL-terminated, truncated to cap). */
void ln_fp_token_text(char *buf, size_t cap, const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops);
/* Fill fn->exact_hash and fn->minhash from fn->tokens[0..fn->ninsn). */
void ln_fp_function(lineage_function *fn);
/* Whole-file hashes; 0 or LINEAGE_ENOMEM. */
int ln_fp_file(lineage_file_hashes *out, const lineage_binary *bin);

#endif
