/* Bump allocator in chunks. With LINEAGE_DEBUG_POOL set in the environment
 * every allocation is its own malloc block so that ASan sees each object
 * (libgit2's GIT_DEBUG_POOL). */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNK_MIN (64 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
} chunk;

struct ln_arena {
	chunk *head;
	size_t total;
	bool debug;
};

ln_arena *ln_arena_new(void)
{
	ln_arena *a = ln_calloc(1, sizeof(*a));
	if (!a) return NULL;
	const char *d = getenv("LINEAGE_DEBUG_POOL");
	a->debug = d && *d && *d != '0';
	return a;
}

void ln_arena_free(ln_arena *a)
{
	if (!a) return;
	chunk *c = a->head;
	while (c) {
		chunk *n = c->next;
		ln_free(c);
		c = n;
	}
	ln_free(a);
}

void *ln_arena_alloc(ln_arena *a, size_t n)
{
	void *p = ln_arena_alloc_raw(a, n);
	if (p) memset(p, 0, n);
	return p;
}

void *ln_arena_alloc_raw(ln_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0) n = 16;
	chunk *c = a->head;
	if (a->debug || !c || c->size - c->used < n) {
		size_t sz = a->debug ? n : (n > CHUNK_MIN ? n : CHUNK_MIN);
		if (sz > SIZE_MAX - sizeof(chunk)) return NULL;
		chunk *nc = ln_malloc(sizeof(chunk) + sz);
		if (!nc) return NULL;
		nc->size = sz;
		nc->used = 0;
		/* A big one-off block goes behind the current chunk so the current
		 * chunk's free space stays usable. */
		if (c && !a->debug && n > CHUNK_MIN) {
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->head = nc;
		}
		c = nc;
	}
	void *p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

void *ln_arena_memdup(ln_arena *a, const void *p, size_t n)
{
	void *d = ln_arena_alloc(a, n);
	if (d && n) memcpy(d, p, n);
	return d;
}

char *ln_arena_strndup(ln_arena *a, const char *s, size_t n)
{
	char *d = ln_arena_alloc(a, n + 1);
	if (!d) return NULL;
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *ln_arena_strdup(ln_arena *a, const char *s)
{
	return ln_arena_strndup(a, s, strlen(s));
}

char *ln_arena_printf(ln_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) return NULL;
	char *d = ln_arena_alloc(a, (size_t)n + 1);
	if (!d) return NULL;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}

size_t ln_arena_used(const ln_arena *a)
{
	return a->total;
}

char *ln_arena_sanitize(ln_arena *a, const char *s, size_t n)
{
	char *d = ln_arena_strndup(a, s, n);
	if (!d) return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] == 0x7f) d[i] = '?';
	return d;
}
