/* Internal: the capability engine (engine.c compiles, eval.c evaluates),
 * embedded files (embedded.c) and the destruction axis's fingerprint and
 * traits (destruct.c). */
#ifndef LN_DESTRUCT_H
#define LN_DESTRUCT_H

#include <regex.h>

#include "lineage/capability.h"
#include "lineage/traits.h"
#include "../format/format.h"
#include "../rules/set.h"

/* The shipped device-control codes (ioctls.inc, data/ioctls.md). */
typedef struct ln_ioctl_def {
	const char *os, *arch, *name;
	uint64_t value;
} ln_ioctl_def;
extern const ln_ioctl_def ln_ioctl_table[];
extern const size_t ln_ioctl_count;

/* One feature of a rule, compiled. */
typedef struct ln_leaf {
	const ln_rnode *node;
	int rule;      /* LN_R_RULE: the rule it names */
	regex_t *re;   /* LN_R_STRING with a regex */
	bool anchored; /* LN_R_STRING: in the automaton (else tried on every string) */
} ln_leaf;

struct ln_capset {
	ln_leaf *leaves; /* ln_rnode.slot indexes this */
	size_t nleaves;
	uint32_t *order; /* rule indexes, dependencies first */
	ln_ac *ac;       /* string features' literals, by leaf slot */
};
typedef struct ln_capset ln_capset;

/* The sample's OS and architecture names of the table ("windows", "any";
 * "linux", "amd64"), or NULL when the table has nothing for it. */
bool ln_ioctl_target(const lineage_binary *bin, const char **os, const char **arch);
/* The table's name of a code for that target, or NULL. */
const char *ln_ioctl_name(const char *os, const char *arch, uint64_t value);
/* A call's API name without its library or symbol version ("DeviceIoControl"). */
const char *ln_api_name(const char *import, char *buf, size_t cap);
/* The import slots of a binary: slot address -> import index. False on OOM. */
bool ln_slots_build(ln_map *m, const lineage_binary *bin);
/* The API a call of f reaches: its import, an import thunk's, or for an
 * indirect call the import whose slot f loaded last before it (mov reg,
 * [__imp_X] ... call reg: how compilers call an import twice); NULL when
 * none. */
const char *ln_call_api(const lineage_sample *s, const ln_map *slots, const lineage_function *f, const lineage_call *c,
                        char *buf, size_t cap);

/* Evaluate the rules on a sample (capabilities appended to *out, in the
 * sample's arena, embedded -1); slots from ln_slots_build. */
int ln_caps_eval(lineage_sample *s, lineage_ctx *ctx, const lineage_rules *set, const ln_map *slots, ln_vec *out);
/* Find, load and analyse embedded PE and ELF files; their capabilities are
 * appended to caps with their index. */
int ln_embedded_run(lineage_sample *s, lineage_ctx *ctx, ln_vec *caps, ln_vec *embedded);
/* Deep copy of a capability into an arena (NULL on OOM). */
bool ln_cap_copy(lineage_capability *dst, const lineage_capability *src, ln_arena *a);

#endif
