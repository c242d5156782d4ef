/**
 * @file lineage/rules.h
 * @brief Rule sets: the YARA rules (byte patterns) and the capability rules
 * (YAML: boolean combinations of features, docs/rules.md) that the crypto
 * and destruction axes run, loaded at run time from one folder.
 */
#ifndef LINEAGE_RULES_H
#define LINEAGE_RULES_H

#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A compiled rule set; immutable once loaded, so one set may serve several
 *  contexts and threads at once. */
typedef struct lineage_rules lineage_rules;

/**
 * Load every *.yar file (YARA rules, compiled by libyara) and every *.yml or
 * *.yaml file (capability rules) under @p dir, recursively, in name order.
 * A capability rule's rule:, yara: and named constant: features must name
 * something that exists, and rules may not depend on themselves.
 * @param dir NULL for the default: $LINEAGE_RULES when set; the rules of the
 *        source tree for a program run from the build tree it was built in;
 *        else share/lineage/rules beside the executable's prefix, else under
 *        the configured install prefix.
 * @return 0, LINEAGE_EIO (no such folder or no rule file in it), LINEAGE_EFORMAT
 *         (a rule is wrong: the message names the file and line) or
 *         LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_rules_load(lineage_rules **out, lineage_ctx *ctx, const char *dir);
/** Free a rule set; NULL is a no-op. */
LINEAGE_API void lineage_rules_free(lineage_rules *r);
/** Number of rules in the set (YARA and capability rules). */
LINEAGE_API size_t lineage_rules_count(const lineage_rules *r);
/** Number of capability rules in the set. */
LINEAGE_API size_t lineage_rules_capability_count(const lineage_rules *r);
/** The folder the rules were read from (borrowed). */
LINEAGE_API const char *lineage_rules_dir(const lineage_rules *r);
/** Use @p r (borrowed: it must outlive the context's use of it) for the
 *  analyses of @p ctx. Without it, the first analysis that needs rules loads
 *  the default set into the context. */
LINEAGE_API void lineage_ctx_set_rules(lineage_ctx *ctx, const lineage_rules *r);

#ifdef __cplusplus
}
#endif
#endif
