/**
 * @file lineage/kb.h
 * @brief The knowledge bases lineage names things with: MITRE ATT&CK
 * Enterprise (techniques, groups with their aliases, software) and the MITRE
 * Malware Behavior Catalog (behaviors with their ATT&CK mappings), read from
 * data/attack/enterprise-attack.json and data/mbc/mbc.json (copies of their
 * publishers' data, with the licences beside them).
 *
 * Capabilities carry ATT&CK and MBC ids; actor names from feeds and corpus
 * labels are resolved to ATT&CK groups through their aliases, so that
 * "Guardians of Peace" and "Lazarus Group" meet as G0032.
 */
#ifndef LINEAGE_KB_H
#define LINEAGE_KB_H

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lineage_kb lineage_kb;

/** An ATT&CK technique or sub-technique ("T1561.002"). */
typedef struct lineage_kb_technique {
	const char *id, *name;
	const char *const *tactics; /**< "impact", "defense-evasion", ... */
	size_t ntactics;
} lineage_kb_technique;

/** An ATT&CK group or software entry, or an MBC behavior. */
typedef struct lineage_kb_entry {
	const char *id;   /**< "G0032", "S0364", "F0014" */
	const char *name; /**< "Lazarus Group" */
	const char *const *aliases;
	size_t naliases;
	const char *type;          /**< software: "malware" or "tool"; NULL otherwise */
	const char *const *attack; /**< MBC behavior: the ATT&CK ids it maps to */
	size_t nattack;
} lineage_kb_entry;

/**
 * Load both bases from @p dir (NULL: $LINEAGE_DATA, else the data/ folder of
 * the source tree for a program run from its build tree, else the installed
 * share/lineage/data).
 * @return 0, LINEAGE_EIO (a file is missing or unreadable), LINEAGE_EFORMAT
 *         (not the expected JSON; the message names the file) or LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_kb_load(lineage_kb **out, lineage_ctx *ctx, const char *dir);
LINEAGE_API void lineage_kb_free(lineage_kb *kb);

/** Where the ATT&CK data come from (its "source" line); borrowed. */
LINEAGE_API const char *lineage_kb_attack_source(const lineage_kb *kb);

/** A technique by id ("T1485", "T1561.001"), or NULL. */
LINEAGE_API const lineage_kb_technique *lineage_kb_technique_get(const lineage_kb *kb, const char *id);
/** An MBC behavior by id ("F0014", "E1485", "C0027.009"), or NULL. */
LINEAGE_API const lineage_kb_entry *lineage_kb_behavior_get(const lineage_kb *kb, const char *id);
/** A group by id ("G0032") or by name or alias, compared without case and
 *  ignoring spaces, dashes and dots ("guardians of peace", "HIDDEN-COBRA");
 *  NULL when none. */
LINEAGE_API const lineage_kb_entry *lineage_kb_group_find(const lineage_kb *kb, const char *name_or_id);
/** A software entry by id ("S0364") or name or alias, as for groups. */
LINEAGE_API const lineage_kb_entry *lineage_kb_software_find(const lineage_kb *kb, const char *name_or_id);

/** Counts: techniques, groups, software, behaviors. */
LINEAGE_API void lineage_kb_counts(const lineage_kb *kb, size_t *techniques, size_t *groups, size_t *software,
                                   size_t *behaviors);

#ifdef __cplusplus
}
#endif
#endif
