/* The capability rule files: YAML (libyaml's document API), a list of rules
 * or one rule per file. Every key is checked; an error names the file and the
 * line, and a file with an error gives no rule at all. */
#include "rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

typedef struct parse {
	yaml_document_t *doc;
	ln_arena *a;
	const char *path;
	const char *file; /* path, in the arena: the rules keep it */
	char *err;
	size_t errlen;
	int rc;
} parse;

__attribute__((format(printf, 3, 4))) static void fail(parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	if (p->rc) return; /* the first error is the one reported */
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->path, n ? (unsigned)n->start_mark.line + 1 : 0, msg);
	p->rc = LINEAGE_EFORMAT;
}

static void oom(parse *p)
{
	if (!p->rc) snprintf(p->err, p->errlen, "%s: out of memory", p->path);
	p->rc = LINEAGE_ENOMEM;
}

static const char *scalar(parse *p, yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		fail(p, n, "expected a value");
		return NULL;
	}
	char *s = ln_arena_strndup(p->a, (const char *)n->data.scalar.value, n->data.scalar.length);
	if (!s) oom(p);
	return s;
}

/* A value or a list of values. */
static const char **scalars(parse *p, yaml_node_t *n, size_t *count)
{
	*count = 0;
	if (n && n->type == YAML_SCALAR_NODE) {
		const char **v = ln_arena_alloc(p->a, sizeof(*v));
		if (!v) return oom(p), NULL;
		v[0] = scalar(p, n);
		*count = v[0] ? 1 : 0;
		return v;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE) return fail(p, n, "expected a value or a list of values"), NULL;
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	const char **v = ln_arena_alloc(p->a, (len + 1) * sizeof(*v));
	if (!v) return oom(p), NULL;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top && !p->rc; it++)
		if ((v[*count] = scalar(p, yaml_document_get_node(p->doc, *it))) != NULL) (*count)++;
	return v;
}

static bool is_key(parse *p, yaml_node_pair_t *pair, const char *k)
{
	yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
	return kn && kn->type == YAML_SCALAR_NODE && strlen(k) == kn->data.scalar.length &&
	       !memcmp(kn->data.scalar.value, k, kn->data.scalar.length);
}

static const char *key_text(parse *p, yaml_node_pair_t *pair)
{
	yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
	return kn && kn->type == YAML_SCALAR_NODE ? (const char *)kn->data.scalar.value : "?";
}

static ln_rnode *node(parse *p, yaml_node_t *n, int depth);

/* A combinator's children: a list of nodes. */
static bool children(parse *p, ln_rnode *r, yaml_node_t *list, int depth)
{
	if (!list || list->type != YAML_SEQUENCE_NODE) return fail(p, list, "expected a list of features"), false;
	size_t len = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if (!len) return fail(p, list, "an empty list"), false;
	r->kids = ln_arena_alloc(p->a, len * sizeof(*r->kids));
	if (!r->kids) return oom(p), false;
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		ln_rnode *k = node(p, yaml_document_get_node(p->doc, *it), depth + 1);
		if (!k) return false;
		r->kids[r->nkids++] = k;
	}
	return true;
}

/* "0x7C100", "512", "-1" */
static bool number(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (*s && !*end && !errno) {
		*out = (uint64_t)v;
		return true;
	}
	errno = 0;
	unsigned long long u = strtoull(s, &end, 0);
	if (!*s || *end || errno) return false;
	*out = u;
	return true;
}

/* One node: a mapping of exactly one key (all, any, not, "N or more", or a
 * feature). */
static ln_rnode *node(parse *p, yaml_node_t *n, int depth)
{
	if (depth > 32) return fail(p, n, "nested too deeply"), NULL;
	if (!n || n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
		return fail(p, n, "expected one feature or combination (key: value)"), NULL;
	yaml_node_pair_t *pair = n->data.mapping.pairs.start;
	yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
	ln_rnode *r = ln_arena_alloc(p->a, sizeof(*r));
	if (!r) return oom(p), NULL;
	r->line = (unsigned)n->start_mark.line + 1;
	const char *k = key_text(p, pair);
	unsigned some = 0;
	char tail[16];
	if (is_key(p, pair, "all") || is_key(p, pair, "any")) {
		r->kind = is_key(p, pair, "all") ? LN_R_ALL : LN_R_ANY;
		return children(p, r, v, depth) ? r : NULL;
	}
	if (sscanf(k, "%u or mor%1s", &some, tail) == 2 && !strcmp(tail, "e") && strstr(k, " or more") && some > 0) {
		r->kind = LN_R_SOME;
		r->min = some;
		if (!children(p, r, v, depth)) return NULL;
		if (r->min > r->nkids) return fail(p, n, "%u or more of %zu features", r->min, r->nkids), NULL;
		return r;
	}
	if (is_key(p, pair, "not")) {
		r->kind = LN_R_NOT;
		r->kids = ln_arena_alloc(p->a, sizeof(*r->kids));
		if (!r->kids) return oom(p), NULL;
		r->kids[0] = node(p, v, depth + 1);
		r->nkids = 1;
		return r->kids[0] ? r : NULL;
	}
	static const struct {
		const char *key;
		int kind;
	} feats[] = {{"import", LN_R_IMPORT},     {"call", LN_R_CALL}, {"string", LN_R_STRING},
	             {"constant", LN_R_CONSTANT}, {"rule", LN_R_RULE}, {"yara", LN_R_YARA},
	             {"embedded", LN_R_EMBEDDED}};
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		if (!is_key(p, pair, feats[i].key)) continue;
		r->kind = feats[i].kind;
		r->text = scalar(p, v);
		if (!r->text) return NULL;
		if (!*r->text) return fail(p, v, "an empty %s", feats[i].key), NULL;
		if (r->kind == LN_R_CONSTANT && !number(r->text, &r->value)) {
			/* a name of the shipped table (IOCTL_DISK_DELETE_DRIVE_LAYOUT,
			 * BLKDISCARD): its value depends on the sample's architecture */
			for (const char *c = r->text; *c; c++)
				if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
					return fail(p, v, "not a number or a constant name: %s", r->text), NULL;
			r->symbolic = true;
		}
		if (r->kind == LN_R_EMBEDDED && strcmp(r->text, "pe") && strcmp(r->text, "elf") &&
		    strcmp(r->text, "driver") && strcmp(r->text, "any"))
			return fail(p, v, "embedded is pe, elf, driver or any, not %s", r->text), NULL;
		size_t len = strlen(r->text);
		if (r->kind == LN_R_STRING && len >= 2 && r->text[0] == '/') { /* /regex/ or /regex/i */
			const char *end = strrchr(r->text, '/');
			if (end == r->text || (end[1] && strcmp(end + 1, "i")))
				return fail(p, v, "a regular expression is /.../ or /.../i"), NULL;
			r->regex = true;
			r->nocase = end[1] == 'i';
			r->text = ln_arena_strndup(p->a, r->text + 1, (size_t)(end - r->text - 1));
			if (!r->text) return oom(p), NULL;
		}
		return r;
	}
	return fail(p, n,
	            "unknown feature '%s' (all, any, not, N or more, import, call, string, constant, rule, yara, "
	            "embedded)",
	            k),
	       NULL;
}

/* One rule: a mapping of its fields. */
static void rule(parse *p, ln_vec *rules, yaml_node_t *n)
{
	if (!n || n->type != YAML_MAPPING_NODE) {
		fail(p, n, "a rule is a mapping of its fields");
		return;
	}
	ln_rule r = {.file = p->file, .axis = "destruction", .line = (unsigned)n->start_mark.line + 1};
	bool have_match = false;
	for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top && !p->rc; pair++) {
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		if (is_key(p, pair, "rule"))
			r.id = scalar(p, v);
		else if (is_key(p, pair, "name"))
			r.name = scalar(p, v);
		else if (is_key(p, pair, "description"))
			r.description = scalar(p, v);
		else if (is_key(p, pair, "attack"))
			r.attack = scalars(p, v, &r.nattack);
		else if (is_key(p, pair, "mbc"))
			r.mbc = scalars(p, v, &r.nmbc);
		else if (is_key(p, pair, "axis"))
			r.axis = scalar(p, v);
		else if (is_key(p, pair, "role")) {
			const char *s = scalar(p, v);
			if (s && strcmp(s, "method") && strcmp(s, "support"))
				fail(p, v, "role is method or support, not %s", s);
			r.support = s && !strcmp(s, "support");
		} else if (is_key(p, pair, "scope")) {
			const char *s = scalar(p, v);
			if (s && strcmp(s, "file") && strcmp(s, "function"))
				fail(p, v, "scope is file or function, not %s", s);
			r.function_scope = s && !strcmp(s, "function");
		} else if (is_key(p, pair, "match")) {
			r.match = node(p, v, 0);
			have_match = true;
		} else
			fail(p, yaml_document_get_node(p->doc, pair->key), "unknown field '%s'", key_text(p, pair));
	}
	if (p->rc) return;
	if (!r.id || !*r.id)
		fail(p, n, "a rule needs 'rule' (its id)");
	else if (!r.name)
		fail(p, n, "rule %s needs a name", r.id);
	else if (!have_match)
		fail(p, n, "rule %s needs match", r.id);
	for (size_t i = 0; i < r.nattack && !p->rc; i++)
		if (r.attack[i][0] != 'T') fail(p, n, "rule %s: %s is not an ATT&CK technique id", r.id, r.attack[i]);
	if (!p->rc && (!r.axis || !*r.axis)) fail(p, n, "rule %s: an empty axis", r.id);
	if (p->rc) return;
	ln_rule *slot = ln_vec_push(rules);
	if (!slot) {
		oom(p);
		return;
	}
	*slot = r;
}

int ln_rules_parse_buffer(ln_vec *rules, ln_arena *a, const char *name, const void *data, size_t len, char *err,
                          size_t errlen)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&yp)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return LINEAGE_ENOMEM;
	}
	yaml_parser_set_input_string(&yp, data, len);
	parse p = {.doc = &doc, .a = a, .path = name, .file = ln_arena_strdup(a, name), .err = err, .errlen = errlen};
	if (!p.file) {
		yaml_parser_delete(&yp);
		snprintf(err, errlen, "%s: out of memory", name);
		return LINEAGE_ENOMEM;
	}
	size_t before = rules->len;
	if (!yaml_parser_load(&yp, &doc)) {
		snprintf(err, errlen, "%s:%u: %s", name, (unsigned)yp.problem_mark.line + 1,
		         yp.problem ? yp.problem : "not YAML");
		yaml_parser_delete(&yp);
		return LINEAGE_EFORMAT;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		fail(&p, NULL, "no rule in the file");
	else if (root->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *it = root->data.sequence.items.start;
		     it < root->data.sequence.items.top && !p.rc; it++)
			rule(&p, rules, yaml_document_get_node(&doc, *it));
	else
		rule(&p, rules, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	if (p.rc) rules->len = before; /* a file with an error gives no rule */
	return p.rc;
}

/* Rule files are small: read whole, at most 4 MiB. */
#define MAX_RULE_FILE (4u << 20)

int ln_rules_parse_file(ln_vec *rules, ln_arena *a, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return LINEAGE_EIO;
	}
	char *buf = ln_malloc(MAX_RULE_FILE + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return LINEAGE_ENOMEM;
	}
	size_t n = fread(buf, 1, MAX_RULE_FILE + 1, f);
	bool bad = ferror(f);
	fclose(f);
	int rc;
	if (bad) {
		snprintf(err, errlen, "%s: cannot be read", path);
		rc = LINEAGE_EIO;
	} else if (n > MAX_RULE_FILE) {
		snprintf(err, errlen, "%s: over %u bytes: not a rule file", path, MAX_RULE_FILE);
		rc = LINEAGE_EFORMAT;
	} else {
		rc = ln_rules_parse_buffer(rules, a, path, buf, n, err, errlen);
	}
	ln_free(buf);
	return rc;
}
