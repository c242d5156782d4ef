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
/* Signature features of one instruction (lineage_function_sig): each a
 * 32-bit hash whose low 3 bits are its part (LINEAGE_SIG_*). */
#define LN_FP_INSN_FEATURES 4
typedef struct ln_fp_insn_env {
	const lineage_binary *bin;
	/* the import whose IAT/GOT slot is at va, or NULL; may be NULL */
	const lineage_import *(*slot_import)(void *arg, uint64_t va);
	void *arg;
	const lineage_section *last; /* cache: the section found last */
} ln_fp_insn_env;
/* The mapped section holding va, the one found last tried first; NULL. */
const lineage_section *ln_fp_section_at(ln_fp_insn_env *env, uint64_t va);
/* Write up to LN_FP_INSN_FEATURES features of the instruction at va to out;
 * returns how many. */
size_t ln_fp_insn_features(uint32_t *out, ln_fp_insn_env *env, const ZydisDecodedInstruction *zi,
                           const ZydisDecodedOperand *ops, uint64_t va);
/* Notes of one instruction (lineage_note, va left 0) for the analyses that
 * read code; at most LN_FP_INSN_NOTES, returns how many. */
#define LN_FP_INSN_NOTES 3
size_t ln_fp_insn_notes(lineage_note *out, ln_fp_insn_env *env, const ZydisDecodedInstruction *zi,
                        const ZydisDecodedOperand *ops, uint64_t va);
/* A function's signature: begin (empty), add each feature of its
 * instructions, end (adds its imported callees and counts its loops, from
 * fn->calls and fn->blocks). */
void ln_fp_signature_begin(lineage_function *fn);
void ln_fp_signature_add(lineage_function *fn, uint32_t feature_hash);
void ln_fp_signature_end(lineage_function *fn);
/* Add the graph part of every signature: each function's callees' and
 * callers' features. fns sorted by address, their other parts filled. */
int ln_fp_signature_graph(lineage_function *fns, size_t n); /* 0 or LINEAGE_ENOMEM */
/* Whole-file hashes; 0 or LINEAGE_ENOMEM. */
int ln_fp_file(lineage_file_hashes *out, const lineage_binary *bin);

#endif
