/* Internal interface of the signature writer (lib/sig): the wildcarding of
 * position-dependent operand bytes, exposed for its unit test. */
#ifndef LN_SIG_H
#define LN_SIG_H

#include "lineage/yara.h"
#include "../util/util.h"

/* What decides whether an operand's bytes depend on where the code sits. */
typedef struct ln_sig_env {
	int bits;                   /* 32 or 64: the decoder's mode */
	uint64_t fn_lo, fn_hi;      /* the function: branches inside it keep their bytes */
	uint64_t img_lo, img_hi;    /* the mapped image: absolute values in it are addresses */
	const uint64_t *relocs;     /* sorted addresses of relocated slots (may be NULL) */
	const uint8_t *reloc_width; /* per slot: 4 or 8 bytes, parallel to relocs */
	size_t nrelocs;
} ln_sig_env;

/* Decode the instructions of code[0..n) (at address va) one after the other
 * and set mask[i] to 1 for a byte kept as it is, 0 for a wildcard: bytes of
 * relocated slots; displacements that are addresses (RIP-relative, absolute,
 * or an index's table base inside the image); relative branch and call
 * targets leaving [fn_lo, fn_hi); immediates of 32 bits or more whose value
 * lies in the image. Stops at the first byte that does not decode.
 * *insn_ends (optional, cap entries) receives the offset after each
 * instruction. Returns the bytes decoded. */
size_t ln_sig_mask(uint8_t *mask, uint32_t *insn_ends, size_t cap, size_t *ninsn, const uint8_t *code, size_t n,
                   uint64_t va, const ln_sig_env *env);

/* The hex-string body of a pattern: "55 48 ?? ..." (3 bytes per byte).
 * out holds at least 3 * n bytes. */
void ln_sig_hex(char *out, const uint8_t *bytes, const uint8_t *mask, size_t n);

#endif
