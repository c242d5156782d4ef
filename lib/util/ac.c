/* Aho-Corasick over ASCII-case-folded bytes: every occurrence of many
 * literal patterns in one pass. The alphabet is reduced to the bytes the
 * patterns use (plus class 0 for every other byte), so the full transition
 * table stays small: a few hundred patterns need well under a megabyte. */
#include "util.h"

typedef struct ac_pat {
	uint8_t *bytes; /* folded copy, freed by the build */
	uint32_t len, id;
	uint32_t next_same; /* another pattern ending in the same state, + 1; 0 none */
} ac_pat;

struct ln_ac {
	uint8_t cls[256];  /* byte -> class; 0: a byte no pattern uses */
	uint32_t nclasses; /* classes including 0 */
	uint32_t *next;    /* nstates * nclasses transitions (after the build) */
	uint32_t *out;     /* per state: first pattern ending here, + 1; 0 none */
	uint32_t *dict;    /* per state: the nearest state on its fail chain with an output; 0 none */
	uint32_t nstates;
	ac_pat *pats;
	uint32_t npats, patcap;
	bool built;
};

static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

ln_ac *ln_ac_new(void)
{
	ln_ac *ac = ln_calloc(1, sizeof(*ac));
	if (ac) ac->nclasses = 1;
	return ac;
}

void ln_ac_free(ln_ac *ac)
{
	if (!ac) return;
	for (uint32_t i = 0; i < ac->npats; i++) ln_free(ac->pats[i].bytes);
	ln_free(ac->pats);
	ln_free(ac->next);
	ln_free(ac->out);
	ln_free(ac->dict);
	ln_free(ac);
}

bool ln_ac_add(ln_ac *ac, const void *pat, size_t len, uint32_t id)
{
	if (ac->built || !len || len > (1u << 20)) return false;
	if (ac->npats == ac->patcap) {
		uint32_t cap = ac->patcap ? ac->patcap * 2 : 16;
		ac_pat *p = ln_realloc(ac->pats, cap * sizeof(*p));
		if (!p) return false;
		ac->pats = p;
		ac->patcap = cap;
	}
	uint8_t *copy = ln_malloc(len);
	if (!copy) return false;
	const uint8_t *p = pat;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = fold(p[i]);
		copy[i] = c;
		if (ac->cls[c]) continue;
		if (ac->nclasses == 256) {
			ln_free(copy);
			return false;
		}
		ac->cls[c] = (uint8_t)ac->nclasses;
		if (c >= 'a' && c <= 'z') ac->cls[c - 32] = (uint8_t)ac->nclasses;
		ac->nclasses++;
	}
	ac->pats[ac->npats++] = (ac_pat){copy, (uint32_t)len, id, 0};
	return true;
}

bool ln_ac_build(ln_ac *ac)
{
	if (ac->built) return true;
	size_t maxstates = 1;
	for (uint32_t i = 0; i < ac->npats; i++) maxstates += ac->pats[i].len;
	uint32_t k = ac->nclasses;
	uint32_t *next = ln_calloc(maxstates * k, sizeof(uint32_t));
	uint32_t *out = ln_calloc(maxstates, sizeof(uint32_t));
	uint32_t *dict = ln_calloc(maxstates, sizeof(uint32_t));
	uint32_t *fail = ln_calloc(maxstates, sizeof(uint32_t));
	uint32_t *queue = ln_malloc(maxstates * sizeof(uint32_t));
	if (!next || !out || !dict || !fail || !queue) {
		ln_free(next);
		ln_free(out);
		ln_free(dict);
		ln_free(fail);
		ln_free(queue);
		return false;
	}
	/* the trie; 0 is the root and "no child" while building */
	uint32_t n = 1;
	for (uint32_t i = 0; i < ac->npats; i++) {
		uint32_t s = 0;
		for (uint32_t j = 0; j < ac->pats[i].len; j++) {
			uint32_t *t = &next[(size_t)s * k + ac->cls[ac->pats[i].bytes[j]]];
			if (!*t) *t = n++;
			s = *t;
		}
		ac->pats[i].next_same = out[s];
		out[s] = i + 1;
		ln_free(ac->pats[i].bytes);
		ac->pats[i].bytes = NULL;
	}
	/* breadth first: fail links, then the full transition function */
	uint32_t head = 0, tail = 0;
	for (uint32_t c = 0; c < k; c++)
		if (next[c]) queue[tail++] = next[c];
	while (head < tail) {
		uint32_t s = queue[head++];
		dict[s] = out[fail[s]] ? fail[s] : dict[fail[s]];
		for (uint32_t c = 0; c < k; c++) {
			uint32_t *t = &next[(size_t)s * k + c];
			uint32_t f = next[(size_t)fail[s] * k + c];
			if (*t) {
				fail[*t] = f;
				queue[tail++] = *t;
			} else {
				*t = f;
			}
		}
	}
	ln_free(fail);
	ln_free(queue);
	ac->next = next;
	ac->out = out;
	ac->dict = dict;
	ac->nstates = n;
	ac->built = true;
	return true;
}

uint32_t ln_ac_patterns(const ln_ac *ac)
{
	return ac->npats;
}

int ln_ac_scan(const ln_ac *ac, const void *text, size_t len, ln_ac_hit cb, void *arg)
{
	if (!ac->built || !ac->npats) return 0;
	const uint8_t *p = text;
	uint32_t s = 0, k = ac->nclasses;
	for (size_t i = 0; i < len; i++) {
		s = ac->next[(size_t)s * k + ac->cls[p[i]]];
		for (uint32_t t = s; t; t = ac->dict[t])
			for (uint32_t o = ac->out[t]; o; o = ac->pats[o - 1].next_same) {
				int rc = cb(ac->pats[o - 1].id, i + 1 - ac->pats[o - 1].len, arg);
				if (rc) return rc;
			}
	}
	return 0;
}
