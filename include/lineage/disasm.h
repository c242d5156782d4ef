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
	uint64_t exact_hash;                 /**< XXH3-64 of the token sequence */
	uint32_t minhash[LINEAGE_MINHASH_K]; /**< over token n-grams; all 0xffffffff when too short */
} lineage_function;

/** Render the normalized form of one function, one instruction per line
 *  ("mov reg64, [reg64+disp8]"). @param[out] out malloc'd, caller frees. */
LINEAGE_API int lineage_function_normalized_text(char **out, const lineage_binary *bin, const lineage_function *fn);

/** Estimated Jaccard similarity of two functions' MinHash signatures, 0..1. */
LINEAGE_API double lineage_minhash_similarity(const uint32_t *a, const uint32_t *b);

#ifdef __cplusplus
}
#endif
#endif
