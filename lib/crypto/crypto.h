/* Internal interface of the crypto axis: each detector appends findings to
 * one list; crypto.c runs them, locates each finding (file offset, address,
 * containing function, functions that use the data) and sorts the list. */
#ifndef LN_CRYPTO_H
#define LN_CRYPTO_H

#include "lineage/crypto.h"
#include "../core/core.h"

typedef struct ln_crypto {
	lineage_sample *s;
	lineage_ctx *ctx;
	const lineage_binary *bin;
	ln_arena *arena; /* the sample's: findings and their strings live there */
	ln_vec out;      /* lineage_crypto_finding */
	bool oom;
	/* every data reference of the code, sorted by target: (target, function address) */
	uint64_t (*refs)[2];
	size_t nrefs;
} ln_crypto;

/* Append a finding; strings are copied into the arena (NULL stays NULL).
 * Returns it for the caller to fill in the location, or NULL on OOM. */
lineage_crypto_finding *ln_crypto_add(ln_crypto *c, const char *family, const char *algorithm, const char *kind,
                                      const char *source, const char *description, const char *value);
/* Set the finding's location from a file offset (address, containing
 * function and users follow) or from an address. */
void ln_crypto_at_offset(ln_crypto *c, lineage_crypto_finding *f, uint64_t off, uint32_t size);
void ln_crypto_at_va(ln_crypto *c, lineage_crypto_finding *f, uint64_t va, uint32_t size);
/* A printf-style string in the arena ("" on OOM). */
const char *ln_crypto_fmt(ln_crypto *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hex of n bytes, in the arena. */
const char *ln_crypto_hex(ln_crypto *c, const uint8_t *p, size_t n);

/* Detectors. */
int ln_crypto_rules(ln_crypto *c);       /* the rule set's YARA matches with a family */
void ln_crypto_consts(ln_crypto *c);     /* immediates in code */
void ln_crypto_api_hashes(ln_crypto *c); /* API-name hashes: immediates (when read), data words */
void ln_crypto_insns(ln_crypto *c);      /* AES-NI, SHA, CLMUL, bignum */
void ln_crypto_imports(ln_crypto *c);    /* CryptoAPI, CNG, crypto libraries */
void ln_crypto_shapes(ln_crypto *c);     /* RC4 KSA, XOR loops, hash loops */
void ln_crypto_alphabets(ln_crypto *c);  /* custom Base64 alphabets */
/* Key material at a YARA match: kind is the rule's blob meta. */
void ln_crypto_blob(ln_crypto *c, const char *kind, uint64_t off);

/* The analysis stage (sample.c calls it). */
int ln_crypto_run(lineage_sample *s, lineage_ctx *ctx);

#endif
