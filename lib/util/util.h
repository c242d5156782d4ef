/* Internal utilities: the replaceable allocator, arenas, growable vectors and
 * the bounded reader. Depends on nothing else in lineage. */
#ifndef LN_UTIL_H
#define LN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LN_HIDDEN __attribute__((visibility("hidden")))

/* ---- allocator: every heap allocation in lib/ goes through these ---- */
void *ln_malloc(size_t n);
void *ln_calloc(size_t n, size_t size);
void *ln_realloc(void *p, size_t n);
void ln_free(void *p);
char *ln_strdup(const char *s);
/* Test hook: make the Nth allocation from now fail (0 disables). */
void ln_alloc_fail_after(uint64_t n);

/* ---- arena: one per sample; everything it hands out dies with it ---- */
typedef struct ln_arena ln_arena;
ln_arena *ln_arena_new(void);
void ln_arena_free(ln_arena *a);
void *ln_arena_alloc(ln_arena *a, size_t n);     /* zeroed, 16-byte aligned; NULL on OOM */
void *ln_arena_alloc_raw(ln_arena *a, size_t n); /* same, not zeroed */
char *ln_arena_strdup(ln_arena *a, const char *s);
char *ln_arena_strndup(ln_arena *a, const char *s, size_t n);
void *ln_arena_memdup(ln_arena *a, const void *p, size_t n);
char *ln_arena_printf(ln_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t ln_arena_used(const ln_arena *a);

/* ---- vector of fixed-size items on the heap ---- */
typedef struct ln_vec {
	void *items;
	size_t len, cap, item;
	bool full; /* a limit was reached and reported (loaders) */
} ln_vec;
void ln_vec_init(ln_vec *v, size_t item_size);
void *ln_vec_push_slow(ln_vec *v);
/* A zeroed slot at the end, NULL on OOM. */
static inline void *ln_vec_push(ln_vec *v)
{
	if (v->len == v->cap) return ln_vec_push_slow(v);
	void *slot = (char *)v->items + v->len * v->item;
	memset(slot, 0, v->item);
	v->len++;
	return slot;
}
bool ln_vec_reserve(ln_vec *v, size_t n);
void ln_vec_clear(ln_vec *v);
void ln_vec_free(ln_vec *v);
/* Move the items into the arena (NULL when empty or OOM) and free the vector. */
void *ln_vec_to_arena(ln_vec *v, ln_arena *a, size_t *count);
#define LN_VEC_AT(v, type, i) (((type *)(v)->items)[i])

/* ---- hash map from 64-bit keys to 32-bit values (open addressing) ---- */
typedef struct ln_map {
	uint64_t *keys; /* LN_MAP_EMPTY marks a free slot */
	uint32_t *vals;
	size_t len, cap; /* cap is a power of two or 0 */
} ln_map;
#define LN_MAP_EMPTY UINT64_MAX
void ln_map_init(ln_map *m);
void ln_map_free(ln_map *m);
/* The value slot of key, or NULL when absent. key must not be LN_MAP_EMPTY. */
uint32_t *ln_map_get(const ln_map *m, uint64_t key);
/* Insert or overwrite; false on OOM. */
bool ln_map_put(ln_map *m, uint64_t key, uint32_t val);

/* ---- bounded reader over an immutable byte range ---- */
typedef struct ln_buf {
	const uint8_t *data;
	uint64_t size;
} ln_buf;

static inline bool ln_in_bounds(const ln_buf *b, uint64_t off, uint64_t len)
{
	return off <= b->size && len <= b->size - off;
}
static inline const uint8_t *ln_rd_ptr(const ln_buf *b, uint64_t off, uint64_t len)
{
	return ln_in_bounds(b, off, len) ? b->data + off : NULL;
}
static inline bool ln_rd_u8(const ln_buf *b, uint64_t off, uint8_t *out)
{
	if (!ln_in_bounds(b, off, 1)) {
		*out = 0;
		return false;
	}
	*out = b->data[off];
	return true;
}
static inline bool ln_rd_u16le(const ln_buf *b, uint64_t off, uint16_t *out)
{
	const uint8_t *p = ln_rd_ptr(b, off, 2);
	if (!p) {
		*out = 0;
		return false;
	}
	*out = (uint16_t)(p[0] | p[1] << 8);
	return true;
}
static inline bool ln_rd_u32le(const ln_buf *b, uint64_t off, uint32_t *out)
{
	const uint8_t *p = ln_rd_ptr(b, off, 4);
	if (!p) {
		*out = 0;
		return false;
	}
	*out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}
static inline bool ln_rd_u64le(const ln_buf *b, uint64_t off, uint64_t *out)
{
	uint32_t lo, hi;
	*out = 0;
	if (!ln_rd_u32le(b, off, &lo) || off + 4 < off || !ln_rd_u32le(b, off + 4, &hi)) return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}
static inline bool ln_rd_u16be(const ln_buf *b, uint64_t off, uint16_t *out)
{
	const uint8_t *p = ln_rd_ptr(b, off, 2);
	if (!p) {
		*out = 0;
		return false;
	}
	*out = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}
static inline bool ln_rd_u32be(const ln_buf *b, uint64_t off, uint32_t *out)
{
	const uint8_t *p = ln_rd_ptr(b, off, 4);
	if (!p) {
		*out = 0;
		return false;
	}
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return true;
}
static inline bool ln_rd_u64be(const ln_buf *b, uint64_t off, uint64_t *out)
{
	uint32_t lo, hi;
	*out = 0;
	if (!ln_rd_u32be(b, off, &hi) || off + 4 < off || !ln_rd_u32be(b, off + 4, &lo)) return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}
/* A NUL-terminated string of at most max bytes starting at off; NULL if it
 * runs past the buffer or max. *len (optional) receives its length. */
const char *ln_rd_cstr(const ln_buf *b, uint64_t off, size_t max, size_t *len);

/* Overflow-checked arithmetic. */
static inline bool ln_add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}
static inline bool ln_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* qsort that accepts an empty (possibly NULL) array. */
void ln_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* The first index of the sorted array v whose value is x or more (n when none). */
static inline size_t ln_lower_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (v[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/* Monotonic milliseconds. */
uint64_t ln_now_ms(void);
/* Shannon entropy of bytes, 0..8. */
double ln_entropy(const uint8_t *p, size_t n);
/* Lower-case hex of bytes into out (2n+1 chars). */
void ln_hex(char *out, const uint8_t *p, size_t n);
/* The value of a standard Base64 digit, or -1. */
int ln_base64_value(unsigned char c);
/* Printable-ASCII check of a name; replaces control bytes in a copy. */
char *ln_arena_sanitize(ln_arena *a, const char *s, size_t n);

/* ---- Aho-Corasick: many literal patterns, ASCII case folded, one pass ---- */
typedef struct ln_ac ln_ac;
/* Called per occurrence with the pattern's id and its start in the text; a
 * non-zero return stops the scan and is returned by it. */
typedef int (*ln_ac_hit)(uint32_t id, size_t start, void *arg);
ln_ac *ln_ac_new(void);
void ln_ac_free(ln_ac *ac);
bool ln_ac_add(ln_ac *ac, const void *pat, size_t len, uint32_t id); /* before the build; false on OOM */
bool ln_ac_build(ln_ac *ac);                                         /* false on OOM */
uint32_t ln_ac_patterns(const ln_ac *ac);
int ln_ac_scan(const ln_ac *ac, const void *text, size_t len, ln_ac_hit cb, void *arg);

/* ---- printable strings of a byte range: ASCII and UTF-16LE ---- */
typedef struct ln_string {
	uint64_t offset;  /* of the first byte in the scanned range */
	uint32_t size;    /* bytes it covers there */
	uint32_t len;     /* characters in text */
	uint32_t wide;    /* 1: UTF-16LE */
	const char *text; /* NUL-terminated ASCII (at most LN_STRING_MAX characters kept) */
} ln_string;
#define LN_STRING_MAX 4096
/* Runs of at least min_len printable ASCII characters (and tab), as bytes
 * and as UTF-16LE code units, sorted by offset; at most max strings (the
 * rest are dropped and *truncated set). Texts are copied into the arena.
 * False on OOM. */
bool ln_strings_scan(ln_string **out, size_t *count, bool *truncated, const uint8_t *data, size_t size, size_t min_len,
                     size_t max, ln_arena *a);

#endif
