/* ln_map: open addressing with linear probing over 64-bit keys; the table
 * doubles at 50% load so probes stay short. */
#include "util.h"

static inline size_t slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & mask;
}

void ln_map_init(ln_map *m)
{
	memset(m, 0, sizeof(*m));
}

void ln_map_free(ln_map *m)
{
	ln_free(m->keys);
	ln_free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint32_t *ln_map_get(const ln_map *m, uint64_t key)
{
	if (!m->cap) return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
		if (m->keys[i] == key) return &m->vals[i];
		if (m->keys[i] == LN_MAP_EMPTY) return NULL;
	}
}

static bool grow(ln_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	uint64_t *keys = ln_malloc(ncap * sizeof(*keys));
	uint32_t *vals = ln_malloc(ncap * sizeof(*vals));
	if (!keys || !vals) {
		ln_free(keys);
		ln_free(vals);
		return false;
	}
	memset(keys, 0xff, ncap * sizeof(*keys));
	size_t mask = ncap - 1;
	for (size_t j = 0; j < m->cap; j++) {
		if (m->keys[j] == LN_MAP_EMPTY) continue;
		size_t i = slot_of(m->keys[j], mask);
		while (keys[i] != LN_MAP_EMPTY) i = (i + 1) & mask;
		keys[i] = m->keys[j];
		vals[i] = m->vals[j];
	}
	ln_free(m->keys);
	ln_free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = ncap;
	return true;
}

bool ln_map_put(ln_map *m, uint64_t key, uint32_t val)
{
	uint32_t *v = ln_map_get(m, key);
	if (v) {
		*v = val;
		return true;
	}
	if ((m->len + 1) * 2 > m->cap && !grow(m)) return false;
	size_t mask = m->cap - 1;
	size_t i = slot_of(key, mask);
	while (m->keys[i] != LN_MAP_EMPTY) i = (i + 1) & mask;
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return true;
}
