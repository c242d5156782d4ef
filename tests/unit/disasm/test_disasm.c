/* Unit tests of lib/disasm on fixtures built at test time (gcc, clang,
 * mingw-w64 at -O0/-O2/-Os) and on system libraries: function starts in
 * stripped copies, exact hashes of a shared function, import naming, jump
 * tables, block/edge consistency, budgets and adversarial code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lineage.h"

static lineage_ctx *ctx;
static const char *fixtures;
static const char *compilers[] = {"gcc", "clang", "mingw64", "mingw32"};
static const char *opts[] = {"O0", "O2", "Os"};

static int setup(void **state)
{
	(void)state;
	fixtures = getenv("LINEAGE_FIXTURES");
	if (!fixtures) {
		fprintf(stderr, "LINEAGE_FIXTURES is not set\n");
		return -1;
	}
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	return 0;
}

static void fixture_path(char *buf, size_t cap, const char *name, const char *cc, const char *opt)
{
	snprintf(buf, cap, "%s/%s-%s-%s%s", fixtures, name, cc, opt, strncmp(cc, "mingw", 5) ? "" : ".exe");
}

static lineage_sample *load(const char *path)
{
	lineage_sample *s = NULL;
	int rc = lineage_sample_load_file(&s, ctx, path);
	if (rc) fprintf(stderr, "%s\n", lineage_errmsg(ctx));
	assert_int_equal(rc, 0);
	rc = lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE);
	if (rc) fprintf(stderr, "%s\n", lineage_errmsg(ctx));
	assert_int_equal(rc, 0);
	return s;
}

/* Function by symbol name; mingw i686 prefixes C names with '_'. */
static const lineage_function *by_name(lineage_sample *s, const char *name)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (!f[i].name) continue;
		const char *fn = f[i].name[0] == '_' && strcmp(name, "_start") ? f[i].name + 1 : f[i].name;
		if (!strcmp(fn, name) || !strcmp(f[i].name, name)) return &f[i];
	}
	return NULL;
}

static bool has_start(lineage_sample *s, uint64_t va)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++)
		if (f[i].address == va) return true;
	return false;
}

/* The user functions of a fixture, by nm on the unstripped file, must all be
 * found in a stripped copy. */
static void check_stripped(const char *path, bool pe, const char *const *names)
{
	char tmp[] = "/tmp/lineage-strip-XXXXXX";
	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s -o %s %s", pe ? "x86_64-w64-mingw32-strip" : "strip --strip-all", tmp, path);
	assert_int_equal(system(cmd), 0);
	lineage_sample *s = load(tmp);
	for (const char *const *n = names; *n; n++) {
		snprintf(cmd, sizeof(cmd), "%s --defined-only %s", pe ? "x86_64-w64-mingw32-nm" : "nm", path);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		char line[512];
		uint64_t addr = 0;
		while (fgets(line, sizeof(line), p)) {
			unsigned long long a;
			char type, sym[400];
			if (sscanf(line, "%llx %c %399s", &a, &type, sym) != 3) continue;
			const char *bare = sym[0] == '_' && pe ? sym + 1 : sym;
			if ((type == 'T' || type == 't') && !strcmp(bare, *n)) addr = a;
		}
		pclose(p);
		if (!addr) {
			fprintf(stderr, "%s: nm has no %s\n", path, *n);
			fail();
		}
		if (!has_start(s, addr)) {
			fprintf(stderr, "%s (stripped): %s at 0x%llx not found\n", path, *n, (unsigned long long)addr);
			fail();
		}
	}
	lineage_sample_free(s);
	unlink(tmp);
}

static void test_stripped_fixtures(void **state)
{
	(void)state;
	static const char *const kin_a[] = {"main", "fixture_kin_checksum", "fixture_kin_classify", NULL};
	static const char *const feat[] = {"main",
	                                   "fixture_query_size",
	                                   "fixture_dispatch",
	                                   "fixture_fail",
	                                   "op_add",
	                                   "op_sub",
	                                   "op_mul",
	                                   "op_xor",
	                                   NULL};
	char path[512];
	for (size_t c = 0; c < 4; c++)
		for (size_t o = 0; o < 3; o++) {
			bool pe = c >= 2;
			fixture_path(path, sizeof(path), "kin_a", compilers[c], opts[o]);
			check_stripped(path, pe, kin_a);
			fixture_path(path, sizeof(path), "features", compilers[c], opts[o]);
			check_stripped(path, pe, feat);
		}
}

/* The same C function linked into two programs with the same compiler and
 * flags has the same exact hash; across optimization levels it differs. */
static void test_same_exact_hash(void **state)
{
	(void)state;
	char pa[512], pb[512];
	for (size_t c = 0; c < 4; c++) {
		uint64_t prev = 0;
		for (size_t o = 0; o < 3; o++) {
			fixture_path(pa, sizeof(pa), "kin_a", compilers[c], opts[o]);
			fixture_path(pb, sizeof(pb), "kin_b", compilers[c], opts[o]);
			lineage_sample *a = load(pa), *b = load(pb);
			const char *names[] = {"fixture_kin_checksum", "fixture_kin_classify"};
			for (size_t k = 0; k < 2; k++) {
				const lineage_function *fa = by_name(a, names[k]), *fb = by_name(b, names[k]);
				if (!fa || !fb) {
					fprintf(stderr, "%s/%s: %s not found\n", pa, pb, names[k]);
					fail();
				}
				assert_true(fa->ninsn > 3);
				if (fa->exact_hash != fb->exact_hash) {
					fprintf(stderr, "%s vs %s: %s hashes differ (%u vs %u insns)\n", pa, pb,
					        names[k], fa->ninsn, fb->ninsn);
					fail();
				}
				assert_int_equal(fa->nblocks, fb->nblocks);
				assert_memory_equal(fa->minhash, fb->minhash, sizeof(fa->minhash));
				if (k == 0) {
					assert_true(fa->exact_hash != prev);
					prev = fa->exact_hash;
					char *ta, *tb;
					assert_int_equal(
					        lineage_function_normalized_text(&ta, lineage_sample_binary(a), fa), 0);
					assert_int_equal(
					        lineage_function_normalized_text(&tb, lineage_sample_binary(b), fb), 0);
					assert_string_equal(ta, tb);
					/* no absolute addresses: every constant printed is small */
					for (const char *q = strstr(ta, "0x"); q; q = strstr(q + 2, "0x"))
						assert_true(strtoull(q, NULL, 16) < 0x1000);
					free(ta);
					free(tb);
				}
			}
			lineage_sample_free(a);
			lineage_sample_free(b);
		}
	}
}

static bool calls_import(const lineage_function *f, const char *lib, const char *name)
{
	for (uint32_t i = 0; i < f->ncalls; i++) {
		const char *imp = f->calls[i].import;
		if (!imp) continue;
		const char *bang = strchr(imp, '!');
		if (bang && !strcmp(bang + 1, name) && (size_t)(bang - imp) == strlen(lib) &&
		    !strncmp(imp, lib, strlen(lib)))
			return true;
	}
	return false;
}

static void test_import_calls_named(void **state)
{
	(void)state;
	char path[512];
	for (size_t c = 0; c < 4; c++)
		for (size_t o = 0; o < 3; o++) {
			fixture_path(path, sizeof(path), "features", compilers[c], opts[o]);
			lineage_sample *s = load(path);
			/* a function that ends in exit() never returns; main does */
			const lineage_function *nr = by_name(s, "fixture_fail"), *m = by_name(s, "main");
			assert_non_null(nr);
			assert_non_null(m);
			if (!(nr->flags & LINEAGE_FUNC_NORETURN)) {
				fprintf(stderr, "%s: fixture_fail is not marked noreturn\n", path);
				fail();
			}
			assert_false(m->flags & LINEAGE_FUNC_NORETURN);
			const lineage_function *f = by_name(s, "fixture_query_size");
			assert_non_null(f);
			bool ok = c < 2 ? calls_import(f, "libc.so.6", "ioctl")
			                : calls_import(f, "kernel32.dll", "DeviceIoControl");
			if (!ok) {
				fprintf(stderr, "%s: no named import call in fixture_query_size; calls:\n", path);
				for (uint32_t i = 0; i < f->ncalls; i++)
					fprintf(stderr, "  0x%llx -> 0x%llx %s\n", (unsigned long long)f->calls[i].site,
					        (unsigned long long)f->calls[i].target,
					        f->calls[i].import ? f->calls[i].import : "-");
				fail();
			}
			lineage_sample_free(s);
		}
}

static void test_jump_tables(void **state)
{
	(void)state;
	char path[512];
	for (size_t c = 0; c < 4; c++)
		for (size_t o = 0; o < 3; o++) {
			fixture_path(path, sizeof(path), "features", compilers[c], opts[o]);
			lineage_sample *s = load(path);
			const lineage_function *f = by_name(s, "fixture_dispatch");
			assert_non_null(f);
			unsigned sw = 0;
			for (uint32_t i = 0; i < f->nedges; i++) sw += f->edges[i].kind == LINEAGE_EDGE_SWITCH;
			if (sw < 10) {
				fprintf(stderr, "%s: fixture_dispatch has %u switch edges, want >= 10\n", path, sw);
				fail();
			}
			lineage_sample_free(s);
		}
}

/* Blocks partition the instructions, edges land on blocks, calls sorted. */
static void check_consistent(lineage_sample *s)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (i) assert_true(f[i - 1].address < f[i].address);
		uint32_t ninsn = 0;
		assert_true(f[i].nblocks > 0);
		bool entry_block = false; /* blocks are sorted; the entry need not be the lowest */
		for (uint32_t b = 0; b < f[i].nblocks; b++) entry_block |= f[i].blocks[b].start == f[i].address;
		assert_true(entry_block);
		for (uint32_t b = 0; b < f[i].nblocks; b++) {
			const lineage_block *bl = &f[i].blocks[b];
			ninsn += bl->ninsn;
			if (b) assert_true(f[i].blocks[b - 1].start < bl->start);
			assert_true(bl->edge_first + bl->nedges <= f[i].nedges);
			for (uint32_t e = 0; e < bl->nedges; e++) {
				uint64_t t = f[i].edges[bl->edge_first + e].target;
				bool found = false;
				for (uint32_t k = 0; k < f[i].nblocks && !found; k++) found = f[i].blocks[k].start == t;
				if (!found)
					fprintf(stderr,
					        "function 0x%llx: edge to 0x%llx (kind %u) from block 0x%llx lands on "
					        "no block\n",
					        (unsigned long long)f[i].address, (unsigned long long)t,
					        f[i].edges[bl->edge_first + e].kind, (unsigned long long)bl->start);
				assert_true(found);
			}
		}
		assert_int_equal(ninsn, f[i].ninsn);
		for (uint32_t c = 1; c < f[i].ncalls; c++) assert_true(f[i].calls[c - 1].site <= f[i].calls[c].site);
	}
}

static void test_consistency(void **state)
{
	(void)state;
	const char *files[] = {"/usr/bin/ls", "/lib/x86_64-linux-gnu/libz.so.1",
	                       "/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll"};
	for (size_t i = 0; i < 3; i++) {
		lineage_sample *s = load(files[i]);
		check_consistent(s);
		assert_null(lineage_sample_budget_hit(s));
		lineage_sample_free(s);
	}
	char path[512];
	fixture_path(path, sizeof(path), "features", "mingw32", "O2");
	lineage_sample *s = load(path);
	check_consistent(s);
	lineage_sample_free(s);
}

static void test_budgets(void **state)
{
	(void)state;
	lineage_limits lim;
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	struct {
		uint64_t insns, funcs, per_fn;
		const char *hit;
	} cases[] = {{5000, 500000, 200000, "instructions"},
	             {100000000, 20, 200000, "functions"},
	             {100000000, 500000, 8, NULL}};
	for (size_t i = 0; i < 3; i++) {
		lineage_limits_default(&lim);
		lim.max_instructions = cases[i].insns;
		lim.max_functions = cases[i].funcs;
		lim.max_function_instructions = cases[i].per_fn;
		assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
		lineage_sample *s = load(libc);
		size_t n;
		const lineage_function *f = lineage_sample_functions(s, &n);
		if (cases[i].hit) {
			assert_non_null(lineage_sample_budget_hit(s));
			assert_string_equal(lineage_sample_budget_hit(s), cases[i].hit);
		}
		assert_true(lineage_sample_instructions(s) <= cases[i].insns + 1);
		assert_true(n <= cases[i].funcs);
		size_t truncated = 0;
		for (size_t k = 0; k < n; k++) {
			assert_true(f[k].ninsn <= cases[i].per_fn);
			truncated += (f[k].flags & LINEAGE_FUNC_TRUNCATED) != 0;
		}
		if (i == 2) assert_true(truncated > 100);
		lineage_sample_free(s);
	}
	/* executable bytes: a file whose code is over the limit is analysed up to it */
	lineage_limits_default(&lim);
	lim.max_code_bytes = 4096;
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
	lineage_sample *s = load("/usr/bin/ls");
	assert_non_null(lineage_sample_budget_hit(s));
	assert_string_equal(lineage_sample_budget_hit(s), "code size");
	lineage_sample_free(s);
	lineage_limits_default(&lim);
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
}

/* Hostile code: the .text of a real file replaced by random bytes, by
 * self-loops and by chains of calls; analysis ends, within its budget. */
static void test_adversarial_code(void **state)
{
	(void)state;
	char path[512];
	fixture_path(path, sizeof(path), "features", "gcc", "O2");
	lineage_sample *s = load(path);
	const lineage_binary *bin = lineage_sample_binary(s);
	const lineage_section *text = NULL;
	for (size_t i = 0; i < bin->nsections; i++)
		if (!strcmp(bin->sections[i].name, ".text")) text = &bin->sections[i];
	assert_non_null(text);
	size_t size = bin->size;
	uint8_t *copy = malloc(size);
	assert_non_null(copy);
	for (int variant = 0; variant < 4; variant++) {
		memcpy(copy, bin->data, size);
		uint8_t *t = copy + text->offset;
		uint32_t x = 12345 + (uint32_t)variant;
		for (uint64_t k = 0; k < text->size; k++) {
			x = x * 1103515245u + 12345u;
			switch (variant) {
			case 0: t[k] = (uint8_t)(x >> 16); break;
			case 1: t[k] = k % 2 ? 0xfe : 0xeb; break;                               /* jmp $ */
			case 2: t[k] = (uint8_t[]){0xe8, 0, 0, 0, 0}[k % 5]; break;              /* call $+5 */
			default: t[k] = (uint8_t[]){0xe8, 0xfb, 0xff, 0xff, 0xff}[k % 5]; break; /* call self */
			}
		}
		lineage_sample *m = NULL;
		assert_int_equal(lineage_sample_load_memory(&m, ctx, copy, size, "adversarial"), 0);
		assert_int_equal(lineage_sample_analyze(m, ctx, LINEAGE_ANALYZE_ALL), 0);
		size_t n;
		const lineage_function *f = lineage_sample_functions(m, &n);
		for (size_t k = 0; k < n; k++)
			assert_non_null(lineage_binary_section_at(lineage_sample_binary(m), f[k].address));
		lineage_sample_free(m);
	}
	free(copy);
	lineage_sample_free(s);
}

/* The time budget holds on a large file whose code is hostile: the .text of
 * libcrypto replaced by a web of calls, 100 ms allowed. */
static void test_time_budget(void **state)
{
	(void)state;
	lineage_sample *s = load("/lib/x86_64-linux-gnu/libcrypto.so.3");
	const lineage_binary *bin = lineage_sample_binary(s);
	const lineage_section *text = NULL;
	for (size_t i = 0; i < bin->nsections; i++)
		if (!strcmp(bin->sections[i].name, ".text")) text = &bin->sections[i];
	assert_non_null(text);
	uint8_t *copy = malloc(bin->size);
	assert_non_null(copy);
	memcpy(copy, bin->data, bin->size);
	/* a stream of valid "call rel32" whose targets are other calls: every
	 * one starts a function, none returns, and each body runs to the end of
	 * the section (quadratic work without a budget) */
	uint32_t x = 99;
	uint64_t units = text->size / 5;
	for (uint64_t k = 0; k < units; k++) {
		x = x * 1103515245u + 12345u;
		int64_t rel = ((int64_t)(x % units) - (int64_t)k - 1) * 5;
		uint8_t *u = copy + text->offset + k * 5;
		u[0] = 0xe8;
		for (int j = 0; j < 4; j++) u[1 + j] = (uint8_t)((uint64_t)rel >> (8 * j));
	}
	lineage_limits lim;
	lineage_limits_default(&lim);
	lim.max_time_ms = 100;
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
	lineage_sample *m = NULL;
	assert_int_equal(lineage_sample_load_memory(&m, ctx, copy, bin->size, "call-web"), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lineage_sample_analyze(m, ctx, LINEAGE_ANALYZE_CODE), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_non_null(lineage_sample_budget_hit(m));
	assert_string_equal(lineage_sample_budget_hit(m), "time");
	/* 100 ms to decode, as long again to cut functions; generous for ASan */
	if (ms > 3000) fprintf(stderr, "analysis took %.0f ms with a 100 ms budget\n", ms);
	assert_true(ms < 3000);
	lineage_sample_free(m);
	free(copy);
	lineage_sample_free(s);
	lineage_limits_default(&lim);
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stripped_fixtures),  cmocka_unit_test(test_same_exact_hash),
	        cmocka_unit_test(test_import_calls_named), cmocka_unit_test(test_jump_tables),
	        cmocka_unit_test(test_consistency),        cmocka_unit_test(test_budgets),
	        cmocka_unit_test(test_adversarial_code),   cmocka_unit_test(test_time_budget),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
