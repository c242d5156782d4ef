/**
 * @file lineage/disasm.h
 * @brief Functions recovered by recursive disassembly (Zydis), with basic
 * blocks, edges, calls and their per-function fingerprint.
 *
 * All pointers are borrowed from the owning sample.
 */
#ifndef LINEAGE_DISASM_H
#define LINEAGE_DISASM_H

#include "binary.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of MinHash permutations per function. */
#define LINEAGE_MINHASH_K 64
/** Instruction n-gram length fed to MinHash. */
#define LINEAGE_MINHASH_NGRAM 3

/** Parts of a function's similarity signature (lineage_function_sig). Each
 *  part is a bottom-k sketch of one kind of feature that survives changes of
 *  optimization level and compiler; none uses a symbol name. */
enum {
	LINEAGE_SIG_IMPORTS = 0, /**< imported callees and imported data read, by name without library */
	LINEAGE_SIG_DATA = 1,    /**< contents of read-only data referenced: strings, constant tables */
	LINEAGE_SIG_CONSTS = 2,  /**< immediate operands (stack adjustments left out) */
	LINEAGE_SIG_OFFSETS = 3, /**< displacements off non-frame registers: structure field offsets */
	LINEAGE_SIG_GLOBALS = 4, /**< writable data referenced, as (section, offset in it) */
	LINEAGE_SIG_GRAPH = 5,   /**< callees' and callers' own features (one level of the call graph) */
	LINEAGE_SIG_PARTS = 6
};
/** Hashes kept per signature part (the smallest distinct ones). */
#define LINEAGE_SIG_K 16

/** A compact similarity signature of one function (404 bytes, no pointers:
 *  it can be stored as it is). Each part holds the LINEAGE_SIG_K smallest
 *  distinct 32-bit feature hashes in increasing order, padded with
 *  0xffffffff; two parts' Jaccard similarity is exact while both sets have at
 *  most LINEAGE_SIG_K features and estimated beyond. A part whose nfeatures
 *  is 0 is empty, so an all-zero signature (never computed) matches nothing.
 *  Identical for a file and its stripped copy: no symbol name is used.
 *  Comparable between files analysed by the same lineage version. */
typedef struct lineage_function_sig {
	uint32_t part[LINEAGE_SIG_PARTS][LINEAGE_SIG_K];
	uint16_t nfeatures[LINEAGE_SIG_PARTS]; /**< feature occurrences seen per part (saturating) */
	uint16_t ncallees;                     /**< distinct functions of the file called directly */
	uint16_t ncallers;                     /**< distinct functions of the file calling this one directly */
	uint16_t nloops;                       /**< back edges of the control-flow graph */
	uint16_t reserved;
} lineage_function_sig;

/** A basic block. Successors are indexes into lineage_function.edges. */
typedef struct lineage_block {
	uint64_t start;
	uint32_t size; /**< bytes */
	uint32_t ninsn;
	uint32_t edge_first; /**< first successor in the function's edges[] */
	uint32_t nedges;
} lineage_block;

/** Edge kinds. */
enum {
	LINEAGE_EDGE_FALL = 0,  /**< fall-through */
	LINEAGE_EDGE_JUMP = 1,  /**< unconditional jump */
	LINEAGE_EDGE_COND = 2,  /**< conditional branch taken */
	LINEAGE_EDGE_SWITCH = 3 /**< jump-table case */
};

typedef struct lineage_edge {
	uint64_t target;
	uint32_t kind; /**< LINEAGE_EDGE_* */
} lineage_edge;

/** A call made by a function. */
typedef struct lineage_call {
	uint64_t site;      /**< address of the call instruction */
	uint64_t target;    /**< callee address; 0 when indirect and unknown */
	const char *import; /**< "kernel32.dll!DeviceIoControl" when through the IAT/PLT; else NULL */
	int tail;           /**< 1 for a jmp to another function/import (tail call) */
} lineage_call;

/** Kinds of lineage_note. */
enum {
	LINEAGE_NOTE_IMM = 1, /**< an immediate >= 0x100 (or >= 0x10 in a compare), or a large lea
	                        *   displacement (a folded constant); value: 32-bit values and their
	                        *   64-bit sign extensions as 32-bit, larger ones as 64-bit */
	LINEAGE_NOTE_ROT = 2, /**< a rotation by an immediate; value: the count, aux: operand bits */
	LINEAGE_NOTE_REF = 3, /**< a reference to mapped non-executable data; value: its address */
	LINEAGE_NOTE_INSN = 4 /**< an instruction of a class the analyses look for (AES-NI, SHA
	                        *   extensions, carry-less and wide multiplication, add/subtract with
	                        *   carry, xor with a constant, of two registers or an 8-bit xor with
	                        *   memory); value: 0 */
};

/** A fact noted while an instruction was decoded, for the analyses that read
 *  code (the crypto and destruction axes): the few instructions that carry a
 *  large constant, a rotation count, a data reference or a rare instruction
 *  class. The other instructions are only in the tokens. */
typedef struct lineage_note {
	uint64_t va;       /**< the instruction's address */
	uint64_t value;    /**< per kind, see LINEAGE_NOTE_* */
	uint32_t mnemonic; /**< the Zydis mnemonic (ZydisMnemonic) of the instruction */
	uint16_t kind;     /**< LINEAGE_NOTE_* */
	uint16_t aux;      /**< operand width in bits */
} lineage_note;

/** Function flags. */
enum {
	LINEAGE_FUNC_THUNK = 1u << 0,     /**< a single jmp to an import or function */
	LINEAGE_FUNC_TRUNCATED = 1u << 1, /**< cut by the per-function budget */
	LINEAGE_FUNC_LIBRARY = 1u << 2,   /**< recognized as runtime/library code */
	LINEAGE_FUNC_NORETURN = 1u << 3
};

/** A recovered function with its fingerprint. */
typedef struct lineage_function {
	uint64_t address;
	uint64_t size;    /**< bytes from the start to the end of the last block */
	const char *name; /**< from a symbol or export, else NULL */
	uint32_t sources; /**< LINEAGE_SRC_* bitmask */
	uint32_t flags;   /**< LINEAGE_FUNC_* */
	uint32_t ninsn;
	uint32_t nblocks;
	uint32_t nedges;
	uint32_t ncalls;
	const lineage_block *blocks; /**< sorted by address */
	const lineage_edge *edges;
	const lineage_call *calls;
	/** Normalized instruction tokens in address order (one 32-bit token per
	 *  instruction); stable across load address and relocation. */
	const uint32_t *tokens;
	const lineage_note *notes; /**< in address order */
	uint32_t nnotes;
	uint64_t exact_hash;                 /**< XXH3-64 of the token sequence */
	uint32_t minhash[LINEAGE_MINHASH_K]; /**< over token n-grams; all 0xffffffff when too short */
	lineage_function_sig sig;            /**< similarity signature (lineage_function_similarity) */
} lineage_function;

/** Render the normalized form of one function, one instruction per line
 *  ("mov reg64, [reg64+disp8]"). @param[out] out malloc'd, caller frees. */
LINEAGE_API int lineage_function_normalized_text(char **out, const lineage_binary *bin, const lineage_function *fn);

/** Estimated Jaccard similarity of two functions' MinHash signatures, 0..1. */
LINEAGE_API double lineage_minhash_similarity(const uint32_t *a, const uint32_t *b);

/** Number of terms lineage_function_similarity_terms() fills. */
#define LINEAGE_SIM_TERMS 23

/**
 * Similarity of two functions (possibly from different files) meant to
 * survive a change of optimization level or compiler: a logistic model over
 * the Jaccard similarities of their signature parts, their token MinHash and
 * their size ratios. The weights were fitted on functions of one project
 * (Lua 5.4, gcc and clang at -O0..-O3 and -Os) and are fixed; symbol names
 * are never used.
 * @return a score in 0..1, higher for the same source function (the
 *         logistic output, fitted with both classes weighted alike: a rank,
 *         not a calibrated probability); 0 when either has no instructions.
 * Thread safe; pure.
 */
LINEAGE_API double lineage_function_similarity(const lineage_function *a, const lineage_function *b);

/**
 * The terms lineage_function_similarity() combines, to explain a score or
 * to fit other weights: [0] 1 (intercept); per signature part p, [1+2p] its
 * Jaccard similarity when both sets are non-empty (else 0) and [2+2p] 1 when
 * exactly one of them is empty; [13] the token MinHash similarity; [14..16]
 * |log2| of the ratios of (1 +) their instruction, block and distinct-callee
 * counts; [17+p] part p's Jaccard similarity times log2(1 + the smaller
 * number of hashes the two sketches hold) (agreement over more features).
 * @param[out] out LINEAGE_SIM_TERMS values.
 */
LINEAGE_API void lineage_function_similarity_terms(double *out, const lineage_function *a, const lineage_function *b);

/** Estimated Jaccard similarity of two bottom-k sketches of
 *  LINEAGE_SIG_K sorted hashes (one part of lineage_function_sig), 0..1;
 *  0 when both are empty. */
LINEAGE_API double lineage_sig_part_similarity(const uint32_t *a, const uint32_t *b);

#ifdef __cplusplus
}
#endif
#endif
