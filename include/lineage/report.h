/**
 * @file lineage/report.h
 * @brief Machine-readable reports. The JSON schema is documented in
 * docs/json-schema.md and carries "schema_version".
 */
#ifndef LINEAGE_REPORT_H
#define LINEAGE_REPORT_H

#include "kinship.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the scan JSON document; bumped on incompatible change. */
#define LINEAGE_SCAN_SCHEMA_VERSION 1
/** Version of the match JSON document. */
#define LINEAGE_MATCH_SCHEMA_VERSION 2

enum {
	LINEAGE_REPORT_FUNCTIONS = 1u << 0, /**< include every function with blocks, calls, hashes */
	LINEAGE_REPORT_MINHASH = 1u << 1,   /**< include MinHash signatures */
	LINEAGE_REPORT_PRETTY = 1u << 2,    /**< indent the JSON */
	LINEAGE_REPORT_BLOCKS = 1u << 3,    /**< include each function's basic blocks and their successors */
	LINEAGE_REPORT_DEFANG = 1u << 4     /**< network indicators written defanged (hxxp, [.]) */
};

/**
 * The scan result of one sample as a JSON object.
 * @param[out] out a NUL-terminated malloc'd string, freed by the caller with free().
 * @return 0 or LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_report_scan_json(char **out, const lineage_sample *s, uint32_t flags);

/**
 * The match of one sample against the corpus as a JSON object: the verdict,
 * ranked families and samples, recognized library code and the matched
 * functions (docs/json-schema.md). LINEAGE_REPORT_PRETTY indents it.
 * @param max_evidence evidence records kept per family (0: all).
 * @return 0 or LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_report_match_json(char **out, const lineage_sample *s, const lineage_match *m,
                                          size_t max_evidence, uint32_t flags);

#ifdef __cplusplus
}
#endif
#endif
