/* Printable strings of a byte range, as the strings(1) tool finds them and as
 * UTF-16LE (Windows' wide strings), in file order. */
#include "util.h"

static bool printable(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

static int cmp_string(const void *a, const void *b)
{
	const ln_string *x = a, *y = b;
	if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
	return (int)x->wide - (int)y->wide;
}

static bool keep(ln_vec *v, ln_arena *a, const uint8_t *p, uint64_t off, size_t chars, bool wide)
{
	ln_string *s = ln_vec_push(v);
	if (!s) return false;
	size_t n = chars < LN_STRING_MAX ? chars : LN_STRING_MAX;
	char *t = ln_arena_alloc_raw(a, n + 1);
	if (!t) return false;
	for (size_t i = 0; i < n; i++) t[i] = (char)p[wide ? 2 * i : i];
	t[n] = 0;
	uint64_t size = wide ? 2 * (uint64_t)chars : chars;
	*s = (ln_string){off, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size, (uint32_t)n, wide, t};
	return true;
}

bool ln_strings_scan(ln_string **out, size_t *count, bool *truncated, const uint8_t *data, size_t size, size_t min_len,
                     size_t max, ln_arena *a)
{
	*out = NULL;
	*count = 0;
	*truncated = false;
	if (min_len < 1) min_len = 1;
	ln_vec v;
	ln_vec_init(&v, sizeof(ln_string));
	bool oom = false;
	/* ASCII */
	for (size_t i = 0; i < size && !oom && !*truncated;) {
		if (!printable(data[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < size && printable(data[j])) j++;
		if (j - i >= min_len) {
			if (v.len == max)
				*truncated = true;
			else
				oom = !keep(&v, a, data + i, i, j - i, false);
		}
		i = j;
	}
	/* UTF-16LE: a printable byte then a zero, at either alignment */
	for (size_t i = 0; i + 1 < size && !oom && !*truncated;) {
		if (!printable(data[i]) || data[i + 1]) {
			i++;
			continue;
		}
		size_t j = i;
		while (j + 1 < size && printable(data[j]) && !data[j + 1]) j += 2;
		if ((j - i) / 2 >= min_len) {
			if (v.len == max)
				*truncated = true;
			else
				oom = !keep(&v, a, data + i, i, (j - i) / 2, true);
			i = j;
		} else {
			i++;
		}
	}
	if (oom) {
		ln_vec_free(&v);
		return false;
	}
	ln_sort(v.items, v.len, sizeof(ln_string), cmp_string);
	size_t want = v.len;
	*out = ln_vec_to_arena(&v, a, count);
	return !want || *out;
}
