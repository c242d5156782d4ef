/**
 * @file lineage/crypto.h
 * @brief The crypto axis: which cryptographic algorithms, encodings and key
 * material a binary carries, where, and how each is built.
 *
 * Evidence comes from byte patterns (YARA rules under rules/crypto/, run
 * through libyara: tables, constants stored as data, key blobs, alphabets)
 * and from the code (immediates, rotation counts, crypto instructions, the
 * shape of loops such as RC4's key schedule or an XOR decoder, imported crypto
 * APIs and the algorithm identifiers passed to them). A library's own exported
 * names are never used as evidence.
 */
#ifndef LINEAGE_CRYPTO_H
#define LINEAGE_CRYPTO_H

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Finding flags. */
enum {
	LINEAGE_CRYPTO_HAS_OFFSET = 1u << 0, /**< offset is a file offset */
	LINEAGE_CRYPTO_HAS_VA = 1u << 1,     /**< va is a mapped address */
	LINEAGE_CRYPTO_MATERIAL = 1u << 2,   /**< key material or a custom table: value identifies it */
	LINEAGE_CRYPTO_LIBRARY = 1u << 3     /**< the binary calls a crypto library or system API for it */
};

/** One piece of evidence for one algorithm. */
typedef struct lineage_crypto_finding {
	const char *family;      /**< "aes", "sha2", "rc4", "base64", ... (docs/crypto.md lists them) */
	const char *algorithm;   /**< the variant: "aes", "3des", "sha256", "crc32c", "xtea", ... */
	const char *kind;        /**< "table", "constant", "string", "oid", "blob", "alphabet", "code",
	                          *   "instruction", "import", "api" */
	const char *source;      /**< what fired: "rule:aes_te0_le", "const:md5_t", "code:rc4-ksa",
	                          *   "insn:aesenc", "import:BCryptEncrypt" */
	const char *description; /**< one line for a human */
	const char *value;       /**< NULL, or what identifies the material: an RSA key id, a Base64
	                          *   alphabet, an XOR key in hex, "CALG_AES_256" */
	uint64_t offset;         /**< file offset (LINEAGE_CRYPTO_HAS_OFFSET) */
	uint64_t va;             /**< address (LINEAGE_CRYPTO_HAS_VA) */
	uint32_t size;           /**< bytes matched (data) or 0 */
	uint32_t count;          /**< how many hits this finding sums (constants, instructions) */
	uint32_t flags;          /**< LINEAGE_CRYPTO_* */
	uint32_t nusers;
	uint64_t function;         /**< the containing function's address, 0 when none */
	const char *function_name; /**< its symbol name or NULL */
	const uint64_t *users;     /**< functions that reference this data (sorted) */
} lineage_crypto_finding;

/** The crypto findings of an analysed sample (LINEAGE_ANALYZE_CRYPTO), sorted
 *  by family, then algorithm, then address; borrowed from the sample.
 *  @param[out] count their number. */
LINEAGE_API const lineage_crypto_finding *lineage_sample_crypto(const lineage_sample *s, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
