/* Internal: the declarative capability rules (issue 5's destruction axis
 * first): YAML files, one or more rules each, parsed into trees of features
 * combined by all/any/not/"N or more" at file or function scope. This is
 * the parser; lib/destruct/engine.c compiles and evaluates them. */
#ifndef LN_RULES_H
#define LN_RULES_H

#include "../util/util.h"
#include "lineage/errors.h"

/* Node kinds: combinators, then features. */
enum {
	LN_R_ALL,
	LN_R_ANY,
	LN_R_NOT,
	LN_R_SOME, /* at least min of its children */
	LN_R_IMPORT,
	LN_R_CALL,
	LN_R_STRING,
	LN_R_CONSTANT,
	LN_R_RULE,
	LN_R_YARA,
	LN_R_EMBEDDED /* an embedded file of a kind: pe, elf, driver, any */
};

typedef struct ln_rnode {
	int kind;
	unsigned min;       /* LN_R_SOME */
	const char *text;   /* import/call/string/rule/yara: the name or text */
	bool regex, nocase; /* string: /.../ and /.../i */
	bool symbolic;      /* constant: text is a name of the shipped table (lib/destruct/ioctls.inc) */
	uint64_t value;     /* constant, when not symbolic */
	uint32_t slot;      /* the engine's index for this leaf (set when the rule set is compiled) */
	struct ln_rnode **kids;
	size_t nkids;
	unsigned line; /* where it is, for messages */
} ln_rnode;

typedef struct ln_rule {
	const char *id, *name, *description, *file;
	const char *axis;           /* the evidence axis its traits belong to: "destruction" unless it says */
	bool support;               /* role: support (a building block), not a method in itself */
	const char **attack, **mbc; /* ATT&CK and MBC ids */
	size_t nattack, nmbc;
	bool function_scope;
	ln_rnode *match;
	unsigned line;
} ln_rule;

/* Parse one YAML file of rules into the arena, appending to rules (a vec of
 * ln_rule). Returns 0, LINEAGE_EIO, LINEAGE_EFORMAT (err: "FILE:LINE: what")
 * or LINEAGE_ENOMEM. */
int ln_rules_parse_file(ln_vec *rules, ln_arena *a, const char *path, char *err, size_t errlen);
/* The same from memory; name is used in messages. */
int ln_rules_parse_buffer(ln_vec *rules, ln_arena *a, const char *name, const void *data, size_t len, char *err,
                          size_t errlen);

#endif
