/* Internal: the infrastructure stage (lib/infra/infra.c) and the corpus's
 * feed and export glue (lib/infra/corpus_iocs.c). */
#ifndef LN_INFRA_H
#define LN_INFRA_H

#include "lineage/infra.h"
#include <stdbool.h>

#include "lineage/traits.h"

/* Find the sample's indicators and draw its infrastructure traits
 * (LINEAGE_ANALYZE_INFRA). Uses the crypto axis's XOR keys when it ran. */
int ln_infra_run(lineage_sample *s, lineage_ctx *ctx);

/* The indicator type and value of an infrastructure trait token
 * ("infra:ipv4:192.0.2.1"); false for other tokens. type gets a static name. */
bool ln_infra_token(const char *token, const char **type, const char **value);

#endif
