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

/**
 * The match of one sample as one self-contained HTML page (docs/cli/match.md,
 * "HTML report"): the file, the verdict, the contradictions, the families
 * with each axis's score and evidence, a table per axis (matched functions,
 * shared traits, feed entries), an inline SVG graph of the nearest families
 * and samples, and the top family's heaviest matched functions side by side
 * (normalized instructions of both, identical lines highlighted). Every claim
 * links (#anchors) to the rows that support it. No script, no network access,
 * no external resource; every text taken from the sample or the corpus is
 * escaped. LINEAGE_REPORT_DEFANG defangs network indicators.
 *
 * The known functions are read again from the files at the stored paths
 * (`lineage_match_sample.path`), analysed with LINEAGE_ANALYZE_CODE; a file
 * that is gone, unreadable or changed (another sha256) is said so in the
 * page, not an error.
 * @param[out] out a NUL-terminated malloc'd string, freed by the caller with free().
 * @param ctx for loading the known samples; NULL: the known side is not shown.
 * @param q the query, analysed with at least LINEAGE_ANALYZE_CODE and LINEAGE_ANALYZE_HASHES.
 * @param m its match (lineage_corpus_match()).
 * @return 0 or LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_report_match_html(char **out, lineage_ctx *ctx, const lineage_sample *q, const lineage_match *m,
                                          uint32_t flags);

#ifdef __cplusplus
}
#endif
#endif
