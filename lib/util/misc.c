/* Vectors, bounded strings, time, entropy, hex. */
#include "util.h"

#include <stdlib.h>

#include <math.h>
#include <time.h>

void ln_vec_init(ln_vec *v, size_t item_size)
{
	v->items = NULL;
	v->len = v->cap = 0;
	v->item = item_size;
	v->full = false;
}

bool ln_vec_reserve(ln_vec *v, size_t n)
{
	if (n <= v->cap) return true;
	size_t cap = v->cap ? v->cap : 16;
	while (cap < n) {
		if (cap > SIZE_MAX / 2) return false;
		cap *= 2;
	}
	uint64_t bytes;
	if (!ln_mul_ok(cap, v->item, &bytes) || bytes > SIZE_MAX) return false;
	void *p = ln_realloc(v->items, (size_t)bytes);
	if (!p) return false;
	v->items = p;
	v->cap = cap;
	return true;
}

void *ln_vec_push_slow(ln_vec *v)
{
	if (!ln_vec_reserve(v, v->len + 1)) return NULL;
	void *slot = (char *)v->items + v->len * v->item;
	memset(slot, 0, v->item);
	v->len++;
	return slot;
}

void ln_vec_clear(ln_vec *v)
{
	v->len = 0;
}

void ln_vec_free(ln_vec *v)
{
	ln_free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

void *ln_vec_to_arena(ln_vec *v, ln_arena *a, size_t *count)
{
	void *out = NULL;
	*count = 0;
	if (v->len) {
		out = ln_arena_memdup(a, v->items, v->len * v->item);
		if (out) *count = v->len;
	}
	ln_vec_free(v);
	return out;
}

const char *ln_rd_cstr(const ln_buf *b, uint64_t off, size_t max, size_t *len)
{
	if (off >= b->size) return NULL;
	uint64_t avail = b->size - off;
	size_t lim = avail < max ? (size_t)avail : max;
	const char *s = (const char *)b->data + off;
	const char *z = memchr(s, 0, lim);
	if (!z) return NULL;
	if (len) *len = (size_t)(z - s);
	return s;
}

uint64_t ln_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double ln_entropy(const uint8_t *p, size_t n)
{
	if (!n) return 0;
	/* four histograms break the store-to-load dependency on runs of one byte */
	uint32_t h[4][256];
	memset(h, 0, sizeof(h));
	uint64_t counts[256] = {0};
	size_t i = 0;
	while (i < n) {
		size_t stop = n - i > (1u << 30) ? i + (1u << 30) : n; /* keep uint32 counts from overflowing */
		for (; i + 4 <= stop; i += 4) {
			h[0][p[i]]++;
			h[1][p[i + 1]]++;
			h[2][p[i + 2]]++;
			h[3][p[i + 3]]++;
		}
		for (; i < stop; i++) h[0][p[i]]++;
		for (int k = 0; k < 256; k++) {
			counts[k] += (uint64_t)h[0][k] + h[1][k] + h[2][k] + h[3][k];
			h[0][k] = h[1][k] = h[2][k] = h[3][k] = 0;
		}
	}
	double e = 0;
	for (int k = 0; k < 256; k++) {
		if (!counts[k]) continue;
		double q = (double)counts[k] / (double)n;
		e -= q * log2(q);
	}
	return e;
}

void ln_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

void ln_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1) qsort(base, n, size, cmp);
}

int ln_base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}
