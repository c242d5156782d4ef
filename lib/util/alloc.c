/* The replaceable allocator. Tests make the Nth allocation fail to prove that
 * every caller handles out-of-memory (SQLite's fault injection, zstd customMem). */
#include "util.h"

#include <stdlib.h>

static _Thread_local uint64_t fail_countdown;

void ln_alloc_fail_after(uint64_t n)
{
	fail_countdown = n;
}

static bool should_fail(void)
{
	if (fail_countdown == 0) return false;
	return --fail_countdown == 0;
}

void *ln_malloc(size_t n)
{
	if (should_fail()) return NULL;
	return malloc(n ? n : 1);
}

void *ln_calloc(size_t n, size_t size)
{
	if (should_fail()) return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *ln_realloc(void *p, size_t n)
{
	if (should_fail()) return NULL;
	return realloc(p, n ? n : 1);
}

void ln_free(void *p)
{
	free(p);
}

char *ln_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = ln_malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}
