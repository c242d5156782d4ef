/* The capability engine: compiles the capability rules of a rule set
 * (references checked, string features indexed by one Aho-Corasick
 * automaton, evaluation order with dependencies first) and evaluates them on
 * a sample, at file scope or in each function, with the evidence of what
 * fired. */
#include "destruct.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------ the table */

const ln_ioctl_def ln_ioctl_table[] = {
#define LN_IOCTL(os, arch, name, value) {os, arch, name, value},
#include "ioctls.inc"
#undef LN_IOCTL
};
const size_t ln_ioctl_count = sizeof(ln_ioctl_table) / sizeof(ln_ioctl_table[0]);

static bool known_constant_name(const char *name)
{
	for (size_t i = 0; i < ln_ioctl_count; i++)
		if (!strcmp(ln_ioctl_table[i].name, name)) return true;
	return false;
}

/* ------------------------------------------------------------- compile */

typedef struct compiler {
	ln_capset *e;
	lineage_rules *set;
	char *err;
	size_t errlen;
	int rc;
	ln_vec leaves; /* ln_leaf */
} compiler;

__attribute__((format(printf, 4, 5))) static void cfail(compiler *c, const ln_rule *r, unsigned line, const char *fmt,
                                                        ...)
{
	if (c->rc) return;
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", r->file, line ? line : r->line, msg);
	c->rc = LINEAGE_EFORMAT;
}

static int rule_index(const lineage_rules *set, const char *id)
{
	for (size_t i = 0; i < set->ncaps; i++)
		if (!strcmp(set->caps[i].id, id)) return (int)i;
	return -1;
}

/* POSIX extended regular expressions with \d and \D added (glibc knows \w,
 * \s and \b already). */
static char *translate_regex(const char *re)
{
	size_t n = strlen(re);
	char *out = ln_malloc(n * 5 + 1), *o = out;
	if (!out) return NULL;
	bool bracket = false;
	for (size_t i = 0; i < n; i++) {
		if (re[i] == '\\' && i + 1 < n && (re[i + 1] == 'd' || re[i + 1] == 'D')) {
			const char *rep = bracket ? "0-9" : re[i + 1] == 'd' ? "[0-9]" : "[^0-9]";
			size_t k = strlen(rep);
			memcpy(o, rep, k);
			o += k;
			i++;
			continue;
		}
		if (re[i] == '\\' && i + 1 < n && !bracket) {
			*o++ = re[i++];
			*o++ = re[i];
			continue;
		}
		if (re[i] == '[' && !bracket) {
			bracket = true;
			*o++ = re[i];
			if (i + 1 < n && re[i + 1] == '^') *o++ = re[++i];
			if (i + 1 < n && re[i + 1] == ']') *o++ = re[++i];
			continue;
		}
		if (re[i] == ']' && bracket) bracket = false;
		*o++ = re[i];
	}
	*o = 0;
	return out;
}

/* The longest literal every match of the regex contains (3+ characters),
 * for the automaton; "" when there is none (an alternation at any level, or
 * only short literals): the regex is then tried on every string. */
static void regex_anchor(const char *re, char *out, size_t cap)
{
	char cur[256], best[256] = "";
	size_t nc = 0;
	out[0] = 0;
	for (const char *p = re; *p; p++)
		if (*p == '|') return;
#define FLUSH()                                                                                                        \
	do {                                                                                                           \
		cur[nc] = 0;                                                                                           \
		if (nc > strlen(best)) memcpy(best, cur, nc + 1);                                                      \
		nc = 0;                                                                                                \
	} while (0)
	for (const char *p = re; *p; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			char d = *++p;
			if (strchr("dDwWsSbB<>`'", d)) {
				FLUSH();
				continue;
			}
			if (nc < sizeof(cur) - 1) cur[nc++] = d;
			continue;
		}
		if (c == '[') {
			FLUSH();
			p++;
			if (*p == '^') p++;
			if (*p == ']') p++;
			while (*p && *p != ']') p++;
			if (!*p) break;
			continue;
		}
		if (c == '*' || c == '?' || c == '{') {
			if (nc) nc--; /* the character before is optional */
			FLUSH();
			if (c == '{')
				while (p[1] && *p != '}') p++;
			continue;
		}
		if (c == '(') { /* a group may be optional or repeated: its literals are not required */
			FLUSH();
			int depth = 1;
			while (p[1] && depth) {
				p++;
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
			}
			continue;
		}
		if (c == '+' || c == ')' || c == '.' || c == '^' || c == '$') {
			FLUSH();
			continue;
		}
		if (nc < sizeof(cur) - 1) cur[nc++] = c;
	}
	FLUSH();
#undef FLUSH
	if (strlen(best) >= 3) snprintf(out, cap, "%s", best);
}

static void compile_node(compiler *c, const ln_rule *r, ln_rnode *n)
{
	if (c->rc) return;
	switch (n->kind) {
	case LN_R_ALL:
	case LN_R_ANY:
	case LN_R_NOT:
	case LN_R_SOME:
		for (size_t i = 0; i < n->nkids; i++) compile_node(c, r, n->kids[i]);
		return;
	default: break;
	}
	ln_leaf *l = ln_vec_push(&c->leaves);
	if (!l) {
		c->rc = LINEAGE_ENOMEM;
		return;
	}
	memset(l, 0, sizeof(*l));
	l->node = n;
	l->rule = -1;
	n->slot = (uint32_t)(c->leaves.len - 1);
	switch (n->kind) {
	case LN_R_RULE:
		l->rule = rule_index(c->set, n->text);
		if (l->rule < 0) cfail(c, r, n->line, "rule %s: no rule '%s'", r->id, n->text);
		break;
	case LN_R_YARA:
		if (!ln_yara_has_rule(c->set, n->text))
			cfail(c, r, n->line, "rule %s: no YARA rule '%s' in the set", r->id, n->text);
		break;
	case LN_R_CONSTANT:
		if (n->symbolic && !known_constant_name(n->text))
			cfail(c, r, n->line, "rule %s: unknown constant name %s (data/ioctls.md lists them)", r->id,
			      n->text);
		break;
	case LN_R_STRING: {
		if (n->regex) {
			char *t = translate_regex(n->text);
			if (!t) {
				c->rc = LINEAGE_ENOMEM;
				return;
			}
			l->re = ln_malloc(sizeof(regex_t));
			int rc = l->re ? regcomp(l->re, t, REG_EXTENDED | REG_NOSUB | (n->nocase ? REG_ICASE : 0)) : -1;
			ln_free(t);
			if (rc != 0) {
				char msg[128] = "out of memory";
				if (l->re) regerror(rc, l->re, msg, sizeof(msg));
				ln_free(l->re);
				l->re = NULL;
				cfail(c, r, n->line, "rule %s: bad regular expression /%s/: %s", r->id, n->text, msg);
				return;
			}
			char anchor[256];
			regex_anchor(n->text, anchor, sizeof(anchor));
			l->anchored = anchor[0] != 0;
			if (l->anchored && !ln_ac_add(c->e->ac, anchor, strlen(anchor), n->slot))
				c->rc = LINEAGE_ENOMEM;
		} else {
			l->anchored = true;
			if (!ln_ac_add(c->e->ac, n->text, strlen(n->text), n->slot)) c->rc = LINEAGE_ENOMEM;
		}
		break;
	}
	default: break;
	}
}

/* Dependencies first; a rule reaching itself is an error. */
static void visit(compiler *c, size_t i, uint8_t *state, uint32_t *order, size_t *n);

static void visit_node(compiler *c, const ln_rnode *n, uint8_t *state, uint32_t *order, size_t *k)
{
	if (n->kind == LN_R_RULE) {
		int t = ((ln_leaf *)c->leaves.items)[n->slot].rule;
		if (t >= 0) visit(c, (size_t)t, state, order, k);
		return;
	}
	for (size_t i = 0; i < n->nkids && !c->rc; i++) visit_node(c, n->kids[i], state, order, k);
}

static void visit(compiler *c, size_t i, uint8_t *state, uint32_t *order, size_t *k)
{
	if (c->rc || state[i] == 2) return;
	const ln_rule *r = &c->set->caps[i];
	if (state[i] == 1) {
		cfail(c, r, r->line, "rule %s depends on itself", r->id);
		return;
	}
	state[i] = 1;
	visit_node(c, r->match, state, order, k);
	state[i] = 2;
	order[(*k)++] = (uint32_t)i;
}

int ln_caps_compile(lineage_rules *set, char *err, size_t errlen)
{
	ln_capset *e = ln_calloc(1, sizeof(*e));
	if (!e || !(e->ac = ln_ac_new())) {
		ln_free(e);
		return LINEAGE_ENOMEM;
	}
	set->engine = e;
	compiler c = {.e = e, .set = set, .err = err, .errlen = errlen};
	ln_vec_init(&c.leaves, sizeof(ln_leaf));
	for (size_t i = 0; i < set->ncaps && !c.rc; i++) {
		const ln_rule *r = &set->caps[i];
		for (size_t k = 0; k < i; k++)
			if (!strcmp(set->caps[k].id, r->id))
				cfail(&c, r, r->line, "rule %s is defined twice (also %s:%u)", r->id, set->caps[k].file,
				      set->caps[k].line);
		compile_node(&c, r, r->match);
	}
	e->leaves = c.leaves.items;
	e->nleaves = c.leaves.len;
	if (!c.rc && !ln_ac_build(e->ac)) c.rc = LINEAGE_ENOMEM;
	if (!c.rc) {
		uint8_t *state = ln_calloc(set->ncaps + 1, 1);
		e->order = ln_calloc(set->ncaps + 1, sizeof(uint32_t));
		if (!state || !e->order) c.rc = LINEAGE_ENOMEM;
		size_t k = 0;
		for (size_t i = 0; i < set->ncaps && !c.rc; i++) visit(&c, i, state, e->order, &k);
		ln_free(state);
	}
	if (c.rc == LINEAGE_ENOMEM && !*err) snprintf(err, errlen, "%s: out of memory", set->dir);
	return c.rc;
}

void ln_caps_free(ln_capset *e)
{
	if (!e) return;
	for (size_t i = 0; i < e->nleaves; i++)
		if (e->leaves[i].re) {
			regfree(e->leaves[i].re);
			ln_free(e->leaves[i].re);
		}
	ln_free(e->leaves);
	ln_free(e->order);
	ln_ac_free(e->ac);
	ln_free(e);
}
