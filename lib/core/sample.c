/* A sample: read the file, load it, run the analysis stages. */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "../crypto/crypto.h"
#include "../disasm/disasm.h"
#include "../fingerprint/fingerprint.h"
#include "../format/format.h"
#include "../infra/infra.h"
#include "../rules/set.h"
#include "lineage/traits.h"

static int sample_from_bytes(lineage_sample **out, lineage_ctx *ctx, ln_arena *a, uint8_t *data, uint64_t size,
                             const char *name)
{
	lineage_sample *s = ln_arena_alloc(a, sizeof(*s));
	if (!s) {
		ln_arena_free(a);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", name);
	}
	s->arena = a;
	s->bin.path = ln_arena_strdup(a, name);
	s->bin.data = data;
	s->bin.size = size;
	char err[512];
	int rc = ln_binary_load(&s->bin, a, &ctx->limits, err, sizeof(err));
	if (rc != 0) {
		ln_ctx_error(ctx, rc, "%s: %s", name, err);
		ln_arena_free(a);
		return rc;
	}
	*out = s;
	return 0;
}

int lineage_sample_load_memory(lineage_sample **out, lineage_ctx *ctx, const void *data, size_t size, const char *name)
{
	*out = NULL;
	if (!name) name = "<memory>";
	if (size > ctx->limits.max_file_size)
		return ln_ctx_error(ctx, LINEAGE_ETOOBIG, "%s: %zu bytes is over the limit of %llu", name, size,
		                    (unsigned long long)ctx->limits.max_file_size);
	ln_arena *a = ln_arena_new();
	if (!a) return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", name);
	uint8_t *copy = ln_arena_memdup(a, data, size);
	if (!copy && size) {
		ln_arena_free(a);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", name);
	}
	return sample_from_bytes(out, ctx, a, copy, size, name);
}

int lineage_sample_load_file(lineage_sample **out, lineage_ctx *ctx, const char *path)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) return ln_ctx_error(ctx, LINEAGE_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return ln_ctx_error(ctx, LINEAGE_EIO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > ctx->limits.max_file_size) {
		fclose(f);
		return ln_ctx_error(ctx, LINEAGE_ETOOBIG, "%s: %lld bytes is over the limit of %llu", path,
		                    (long long)st.st_size, (unsigned long long)ctx->limits.max_file_size);
	}
	ln_arena *a = ln_arena_new();
	uint8_t *data = a ? ln_arena_alloc_raw(a, (size_t)st.st_size + 1) : NULL;
	if (!data) {
		ln_arena_free(a);
		fclose(f);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", path);
	}
	size_t got = fread(data, 1, (size_t)st.st_size, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || got != (size_t)st.st_size) {
		ln_arena_free(a);
		return ln_ctx_error(ctx, LINEAGE_EIO, "%s: read error", path);
	}
	return sample_from_bytes(out, ctx, a, data, got, path);
}

int lineage_sample_analyze(lineage_sample *s, lineage_ctx *ctx, uint32_t what)
{
	if ((what & LINEAGE_ANALYZE_CODE) && !(s->analyzed & LINEAGE_ANALYZE_CODE)) {
		ln_disasm_out d;
		memset(&d, 0, sizeof(d));
		int rc = ln_disasm_run(&d, &s->bin, s->arena, &ctx->limits, &ctx->map_cache);
		if (rc != 0) return ln_ctx_error(ctx, rc, "%s: disassembly: %s", s->bin.path, lineage_strerror(rc));
		s->functions = d.functions;
		s->nfunctions = d.nfunctions;
		s->ninsn = d.ninsn;
		s->budget_hit = d.budget_hit;
		s->analyzed |= LINEAGE_ANALYZE_CODE;
	}
	if (what & LINEAGE_ANALYZE_ARTIFACTS) what |= LINEAGE_ANALYZE_HASHES;
	if ((what & LINEAGE_ANALYZE_HASHES) && !(s->analyzed & LINEAGE_ANALYZE_HASHES)) {
		int rc = ln_fp_file(&s->hashes, &s->bin);
		if (rc != 0) return ln_ctx_error(ctx, rc, "%s: hashes: %s", s->bin.path, lineage_strerror(rc));
		s->analyzed |= LINEAGE_ANALYZE_HASHES;
	}
	if ((what & LINEAGE_ANALYZE_CRYPTO) && !(s->analyzed & LINEAGE_ANALYZE_CRYPTO)) {
		int rc = ln_crypto_run(s, ctx);
		if (rc != 0) return rc; /* the context names the file and the problem */
		s->analyzed |= LINEAGE_ANALYZE_CRYPTO;
	}
	if ((what & LINEAGE_ANALYZE_CAPABILITIES) && !(s->analyzed & LINEAGE_ANALYZE_CAPABILITIES)) {
		int rc = ln_caps_run(s, ctx);
		if (rc != 0) return rc;
		s->analyzed |= LINEAGE_ANALYZE_CAPABILITIES;
	}
	if ((what & LINEAGE_ANALYZE_INFRA) && !(s->analyzed & LINEAGE_ANALYZE_INFRA)) {
		int rc = ln_infra_run(s, ctx);
		if (rc != 0) return rc;
		s->analyzed |= LINEAGE_ANALYZE_INFRA;
	}
	if ((what & LINEAGE_ANALYZE_ARTIFACTS) && !(s->analyzed & LINEAGE_ANALYZE_ARTIFACTS)) {
		int rc = ln_artifacts_run(s);
		if (rc != 0) return ln_ctx_error(ctx, rc, "%s: artifacts: %s", s->bin.path, lineage_strerror(rc));
		s->analyzed |= LINEAGE_ANALYZE_ARTIFACTS;
	}
	return 0;
}

const struct ln_string *ln_sample_strings(lineage_sample *s, size_t *count)
{
	if (!s->strings_done) {
		s->strings_done = ln_strings_scan(&s->strings, &s->nstrings, &s->strings_truncated, s->bin.data,
		                                  (size_t)s->bin.size, 4, 1u << 20, s->arena);
		if (!s->strings_done) s->nstrings = 0;
	}
	*count = s->nstrings;
	return s->strings;
}

long ln_sample_string_at(lineage_sample *s, uint64_t va)
{
	if (!s->strings_done) return -1; /* never scanned, or the scan ran out of memory */
	size_t n = s->nstrings;
	const ln_string *str = s->strings;
	const uint8_t *p;
	uint64_t avail;
	if (lineage_binary_va_bytes(&p, &avail, &s->bin, va) != 0 || !avail) return -1;
	uint64_t off = (uint64_t)(p - s->bin.data);
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (str[m].offset <= off)
			lo = m + 1;
		else
			hi = m;
	}
	/* ASCII and UTF-16 strings do not overlap, but look at two */
	for (size_t k = lo; k > 0 && k + 2 > lo; k--)
		if (off >= str[k - 1].offset && off - str[k - 1].offset < str[k - 1].size) return (long)(k - 1);
	return -1;
}

static int cmp_trait(const void *a, const void *b)
{
	const lineage_trait *x = a, *y = b;
	return strcmp(x->token, y->token);
}

bool ln_trait_push(ln_vec *v, ln_arena *a, const char *axis, uint32_t kind, const char *token, const char *detail)
{
	lineage_trait *t = ln_vec_push(v);
	if (!t) return false;
	t->axis = ln_arena_strdup(a, axis);
	t->token = ln_arena_strdup(a, token);
	t->detail = ln_arena_strdup(a, detail);
	t->kind = kind;
	return t->axis && t->token && t->detail;
}

int ln_sample_add_traits(lineage_sample *s, const lineage_trait *t, size_t n)
{
	if (!n) return 0;
	size_t total = s->ntraits + n;
	lineage_trait *all = ln_arena_alloc_raw(s->arena, total * sizeof(*all));
	if (!all) return LINEAGE_ENOMEM;
	if (s->ntraits) memcpy(all, s->traits, s->ntraits * sizeof(*all));
	memcpy(all + s->ntraits, t, n * sizeof(*all));
	ln_sort(all, total, sizeof(*all), cmp_trait);
	size_t k = 0;
	for (size_t i = 0; i < total; i++)
		if (!k || strcmp(all[k - 1].token, all[i].token)) all[k++] = all[i];
	s->traits = all;
	s->ntraits = k;
	return 0;
}

void lineage_sample_free(lineage_sample *s)
{
	if (s) ln_arena_free(s->arena);
}

const lineage_binary *lineage_sample_binary(const lineage_sample *s)
{
	return &s->bin;
}

const lineage_function *lineage_sample_functions(const lineage_sample *s, size_t *count)
{
	*count = s->nfunctions;
	return s->functions;
}

const lineage_function *lineage_sample_function_at(const lineage_sample *s, uint64_t va)
{
	size_t lo = 0, hi = s->nfunctions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->functions[mid].address <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) return NULL;
	const lineage_function *f = &s->functions[lo - 1];
	return va - f->address < (f->size ? f->size : 1) ? f : NULL;
}

const lineage_file_hashes *lineage_sample_hashes(const lineage_sample *s)
{
	return &s->hashes;
}

const char *lineage_sample_budget_hit(const lineage_sample *s)
{
	return s->budget_hit;
}

uint64_t lineage_sample_instructions(const lineage_sample *s)
{
	return s->ninsn;
}
