/* Internal: a loaded rule set (YARA rules and capability rules), the YARA
 * scan of one sample, and the hooks of the capability engine. */
#ifndef LN_RULESET_H
#define LN_RULESET_H

#include <limits.h>

#include "lineage/rules.h"
#include "rules.h"
#include "../core/core.h"

struct ln_capset; /* the engine's compiled form (lib/destruct/engine.c) */

struct lineage_rules {
	void *yr; /* YR_RULES */
	size_t nyara;
	char dir[PATH_MAX];
	ln_arena *arena; /* the capability rules */
	ln_rule *caps;
	size_t ncaps;
	struct ln_capset *engine;
};

/* One place a YARA rule matched: at most LN_YARA_PLACES per rule; matches
 * less than LN_YARA_SPAN bytes apart are one place. */
#define LN_YARA_PLACES 8
#define LN_YARA_SPAN   64
typedef struct ln_yhit {
	const void *rule; /* YR_RULE, valid while the rule set lives */
	const char *name; /* its identifier, in the sample's arena */
	uint64_t offset;
	uint32_t length;
} ln_yhit;

/* The rule set behind the context, loading the default set once. */
int ln_rules_for(const lineage_rules **out, lineage_ctx *ctx);
void ln_rules_release(lineage_ctx *ctx);
/* Run the set's YARA rules over the sample once (s->yhits); a time-out
 * keeps what was found and sets the budget. */
int ln_yara_scan(lineage_sample *s, lineage_ctx *ctx, const lineage_rules *r);
/* A string meta value of a hit's rule, or NULL. */
const char *ln_yara_meta(const void *rule, const char *name);
/* Whether the set has a YARA rule of this identifier. */
bool ln_yara_has_rule(const lineage_rules *r, const char *name);

/* The engine: compile the capability rules after loading (err: "FILE:LINE:
 * what"), free the compiled form. */
int ln_caps_compile(lineage_rules *r, char *err, size_t errlen);
void ln_caps_free(struct ln_capset *e);
/* The analysis stage (sample.c calls it): capabilities, embedded files,
 * IOCTL uses and their traits. */
int ln_caps_run(lineage_sample *s, lineage_ctx *ctx);

/* libyara's yr_initialize and yr_finalize, under the one lock of the library
 * (their reference counter is not atomic): every user of libyara in lineage
 * (the rule set, lineage yara) takes and gives back through these. */
int ln_yara_acquire(void);
void ln_yara_release(void);

#endif
