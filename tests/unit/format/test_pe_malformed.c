/* Malformed PE input: real images (a mingw-w64 runtime DLL with imports,
 * exports, resources, relocations and TLS; a PE32 fixture) truncated at every
 * header boundary and at random lengths, with hostile counts, loops and
 * pointers written into their structures, and with random bytes flipped.
 * Every load must end in 0 or LINEAGE_EFORMAT with a message, within a
 * bounded time, and a successful load must describe only bytes of the file.
 * The ASan configuration runs this too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lineage.h"

#define DLL64 "/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll"

enum { DIR_EXPORT = 0, DIR_IMPORT = 1, DIR_RESOURCE = 2, DIR_BASERELOC = 5, DIR_TLS = 9 };

static lineage_ctx *ctx;

typedef struct image {
	uint8_t *data;
	size_t len;
	uint32_t pe;     /* e_lfanew */
	uint32_t opt;    /* optional header */
	uint32_t dd;     /* data directories */
	uint32_t sectab; /* section table */
	uint16_t nsec;
	int pe32plus;
	uint64_t base;
	lineage_sample *s; /* the intact image, loaded: maps RVAs for the test */
} image;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void open_image(image *im, const char *path)
{
	memset(im, 0, sizeof(*im));
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	im->data = malloc((size_t)n);
	assert_non_null(im->data);
	im->len = fread(im->data, 1, (size_t)n, f);
	fclose(f);
	im->pe = get32(im->data + 0x3c);
	im->opt = im->pe + 24;
	im->pe32plus = get16(im->data + im->opt) == 0x20b;
	im->dd = im->opt + (im->pe32plus ? 112 : 96);
	im->nsec = get16(im->data + im->pe + 6);
	im->sectab = im->opt + get16(im->data + im->pe + 20);
	assert_int_equal(lineage_sample_load_memory(&im->s, ctx, im->data, im->len, path), 0);
	im->base = lineage_sample_binary(im->s)->image_base;
}

static void close_image(image *im)
{
	lineage_sample_free(im->s);
	free(im->data);
}

static uint32_t dir_rva(const image *im, int i)
{
	return get32(im->data + im->dd + 8 * i);
}

/* File offset of an RVA in the intact image. */
static size_t rva_off(const image *im, uint64_t rva)
{
	const uint8_t *p;
	uint64_t avail;
	assert_int_equal(lineage_binary_va_bytes(&p, &avail, lineage_sample_binary(im->s), im->base + rva), 0);
	return (size_t)(p - lineage_sample_binary(im->s)->data);
}

/* Load a mutated copy: 0 or LINEAGE_EFORMAT with a message, in bounded time
 * (generous: the ASan build is slow, and binary.c computes the entropy of
 * every section, which hostile overlapping rows make costly; a hang is what
 * this catches), and a result that stays inside the file. Returns the load's
 * code. */
static int try_load(const uint8_t *data, size_t len, int analyze)
{
	lineage_sample *s = NULL;
	uint64_t t0 = now_ms();
	int rc = lineage_sample_load_memory(&s, ctx, data, len, "mutant.exe");
	uint64_t dt = now_ms() - t0;
	if (dt > 10000) fprintf(stderr, "load took %llu ms\n", (unsigned long long)dt);
	assert_true(dt <= 10000);
	if (rc != 0 && rc != LINEAGE_EFORMAT) fprintf(stderr, "rc %d: %s\n", rc, lineage_errmsg(ctx));
	assert_true(rc == 0 || rc == LINEAGE_EFORMAT);
	if (rc) {
		assert_null(s);
		assert_true(strlen(lineage_errmsg(ctx)) > 0);
		return rc;
	}
	const lineage_binary *b = lineage_sample_binary(s);
	assert_true(b->format == LINEAGE_FORMAT_PE || b->format == LINEAGE_FORMAT_RAW);
	assert_int_equal(b->overlay_offset + b->overlay_size, b->format == LINEAGE_FORMAT_PE ? len : 0);
	for (size_t i = 0; i < b->nsections; i++) assert_true(b->sections[i].offset + b->sections[i].size <= len);
	for (size_t i = 0; i < b->nresources; i++) assert_true(b->resources[i].offset + b->resources[i].size <= len);
	for (size_t i = 0; i < b->nimports; i++) assert_non_null(b->imports[i].library);
	assert_true(b->nwarnings <= 1000);
	/* the analysis stages run on what the loader produced (small budgets) */
	if (analyze) assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL), 0);
	lineage_sample_free(s);
	return rc;
}

/* A copy of the image with one change applied by the caller. */
static uint8_t *copy_of(const image *im)
{
	uint8_t *c = malloc(im->len);
	assert_non_null(c);
	memcpy(c, im->data, im->len);
	return c;
}

static void truncations(const char *path)
{
	image im;
	open_image(&im, path);
	size_t hdr_end = im.sectab + 40u * im.nsec + 64;
	for (size_t n = 0; n <= hdr_end && n <= im.len; n++) try_load(im.data, n, 0);
	/* around every section's raw data and every directory */
	const lineage_binary *b = lineage_sample_binary(im.s);
	for (size_t i = 0; i < b->nsections; i++) {
		size_t ends[] = {b->sections[i].offset, b->sections[i].offset + b->sections[i].size};
		for (int k = 0; k < 2; k++)
			for (size_t d = 0; d < 24; d++)
				if (ends[k] + d >= 12 && ends[k] + d - 12 <= im.len)
					try_load(im.data, ends[k] + d - 12, 0);
	}
	for (int d = 0; d < 16; d++) {
		uint32_t rva = dir_rva(&im, d);
		const uint8_t *p;
		uint64_t avail;
		if (!rva || lineage_binary_va_bytes(&p, &avail, b, im.base + rva)) continue;
		size_t off = (size_t)(p - b->data);
		for (size_t k = 0; k < 64 && off + k <= im.len; k++) try_load(im.data, off + k, 0);
	}
	srand(1234);
	for (int i = 0; i < 400; i++) try_load(im.data, (size_t)rand() % im.len, i % 100 == 0);
	close_image(&im);
}

static void test_truncated(void **state)
{
	(void)state;
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	char path[4096];
	snprintf(path, sizeof(path), "%s/kin_a-mingw32-O0.exe", fx);
	truncations(DLL64);
	truncations(path);
}

static void test_header_fields(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	uint8_t *c = copy_of(&im);

	put16(c + im.pe + 6, 0xffff); /* NumberOfSections */
	assert_int_equal(try_load(c, im.len, 1), 0);
	put16(c + im.pe + 6, 0);
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	put32(c + 0x3c, 0x7ffffff0); /* e_lfanew */
	assert_int_equal(try_load(c, im.len, 0), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "past the end of the file"));
	put32(c + 0x3c, (uint32_t)im.len - 2);
	assert_int_equal(try_load(c, im.len, 0), LINEAGE_EFORMAT);
	memcpy(c, im.data, im.len);

	put16(c + im.pe + 20, 0xffff); /* SizeOfOptionalHeader: the section table past the end */
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	put32(c + im.dd - 4, 0xffffffff); /* NumberOfRvaAndSizes */
	try_load(c, im.len, 0);
	memcpy(c, im.data, im.len);

	/* every directory pointing nowhere, at the headers, at one place */
	uint32_t vals[] = {0xffffffff, 0, 0x1000, 0x7ffffff8};
	for (size_t v = 0; v < 4; v++) {
		for (int d = 0; d < 16; d++) {
			put32(c + im.dd + 8 * d, vals[v]);
			put32(c + im.dd + 8 * d + 4, 0xffffffff);
		}
		assert_int_equal(try_load(c, im.len, 1), 0);
	}
	memcpy(c, im.data, im.len);

	/* section rows with huge sizes and offsets */
	for (uint16_t i = 0; i < im.nsec; i++) {
		uint8_t *sh = c + im.sectab + 40u * i;
		put32(sh + 8, 0xffffffff);
		put32(sh + 16, 0xffffffff);
		put32(sh + 20, i % 2 ? 0xfffffe00 : 0x200);
	}
	assert_int_equal(try_load(c, im.len, 1), 0);
	free(c);
	close_image(&im);
}

static void test_import_loops(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	uint32_t rva = dir_rva(&im, DIR_IMPORT);
	size_t d = rva_off(&im, rva);
	uint8_t *c = copy_of(&im);

	/* the first descriptor's thunk lists and name are the descriptor table */
	put32(c + d, rva);
	put32(c + d + 12, rva);
	put32(c + d + 16, rva);
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	/* no terminator: the first descriptor repeated to the end of the section */
	const lineage_section *sec = lineage_binary_section_at(lineage_sample_binary(im.s), im.base + rva);
	assert_non_null(sec);
	size_t end = (size_t)(sec->offset + sec->size);
	for (size_t o = d + 20; o + 20 <= end; o += 20) memcpy(c + o, im.data + d, 20);
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	/* a thunk list without a terminator: nonzero entries to the end */
	uint32_t ilt = get32(im.data + d);
	size_t t = rva_off(&im, ilt);
	for (size_t o = t; o + 8 <= end; o += 8) memcpy(c + o, im.data + t, 8);
	assert_int_equal(try_load(c, im.len, 1), 0);
	/* ... and ordinals everywhere */
	for (size_t o = t; o + 8 <= end; o += 8) {
		put32(c + o, 0x1234);
		put32(c + o + 4, 0x80000000u);
	}
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	/* names past the end of the file */
	put32(c + d + 12, 0xfffffff0);
	put32(c + t, 0x7ffffff0);
	assert_int_equal(try_load(c, im.len, 0), 0);
	free(c);
	close_image(&im);
}

static void test_resource_loops(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	uint32_t rva = dir_rva(&im, DIR_RESOURCE);
	assert_true(rva != 0);
	size_t root = rva_off(&im, rva);
	uint8_t *c = copy_of(&im);

	/* the root's first entry points back at the root */
	put32(c + root + 16 + 4, 0x80000000u);
	assert_int_equal(try_load(c, im.len, 1), 0);
	memcpy(c, im.data, im.len);

	/* the type directory's child points back at the root */
	uint32_t child = get32(im.data + root + 16 + 4);
	assert_true(child & 0x80000000u);
	size_t sub = root + (child & 0x7fffffffu);
	put32(c + sub + 16 + 4, 0x80000000u);
	assert_int_equal(try_load(c, im.len, 1), 0);
	/* ... and at itself */
	put32(c + sub + 16 + 4, child);
	assert_int_equal(try_load(c, im.len, 0), 0);
	memcpy(c, im.data, im.len);

	/* huge entry counts in every directory, every entry a subdirectory of
	 * the root: a fan-out that only a budget stops */
	put16(c + root + 12, 0x7fff);
	put16(c + root + 14, 0x7fff);
	for (size_t o = root + 16; o + 8 <= root + 0x400 && o + 8 <= im.len; o += 8) {
		put32(c + o, 1);
		put32(c + o + 4, 0x80000000u | (uint32_t)((o - root) & ~7u));
	}
	assert_int_equal(try_load(c, im.len, 0), 0);
	memcpy(c, im.data, im.len);

	/* named entries whose strings lie past the end */
	put32(c + root + 16, 0xfffffff0u);
	assert_int_equal(try_load(c, im.len, 0), 0);
	free(c);
	close_image(&im);
}

static void test_export_counts(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	size_t e = rva_off(&im, dir_rva(&im, DIR_EXPORT));
	uint8_t *c = copy_of(&im);
	put32(c + e + 24, 0xffffffff); /* NumberOfNames */
	assert_int_equal(try_load(c, im.len, 1), 0);
	put32(c + e + 20, 0xffffffff); /* NumberOfFunctions */
	assert_int_equal(try_load(c, im.len, 1), 0);
	put32(c + e + 28, 0xfffffff0);               /* AddressOfFunctions */
	put32(c + e + 32, dir_rva(&im, DIR_EXPORT)); /* AddressOfNames: the directory */
	assert_int_equal(try_load(c, im.len, 0), 0);
	memcpy(c, im.data, im.len);
	put32(c + e + 36, 0xffffffff); /* AddressOfNameOrdinals */
	assert_int_equal(try_load(c, im.len, 0), 0);
	memcpy(c, im.data, im.len);
	/* name ordinals past the function table */
	size_t ords = rva_off(&im, get32(im.data + e + 36));
	for (int i = 0; i < 16; i++) put16(c + ords + 2 * i, 0xffff);
	assert_int_equal(try_load(c, im.len, 0), 0);
	free(c);
	close_image(&im);
}

static void test_reloc_blocks(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	size_t r = rva_off(&im, dir_rva(&im, DIR_BASERELOC));
	uint8_t *c = copy_of(&im);
	uint32_t sizes[] = {0, 4, 9, 0xfffffff0, 0xffffffff};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put32(c + r + 4, sizes[i]);
		assert_int_equal(try_load(c, im.len, 1), 0);
	}
	put32(c + im.dd + 8 * DIR_BASERELOC + 4, 0xffffffff); /* directory size */
	put32(c + r + 4, 8);
	assert_int_equal(try_load(c, im.len, 0), 0);
	free(c);
	close_image(&im);
}

static void test_tls_callbacks(void **state)
{
	(void)state;
	image im;
	open_image(&im, DLL64);
	size_t t = rva_off(&im, dir_rva(&im, DIR_TLS));
	uint8_t *c = copy_of(&im);
	/* the callback array: the code section, no zero for a long way */
	const lineage_binary *b = lineage_sample_binary(im.s);
	uint64_t text = b->sections[0].vaddr;
	put32(c + t + 24, (uint32_t)text);
	put32(c + t + 28, (uint32_t)(text >> 32));
	assert_int_equal(try_load(c, im.len, 1), 0);
	put32(c + t + 24, 0xffffffff);
	put32(c + t + 28, 0xffffffff);
	assert_int_equal(try_load(c, im.len, 0), 0);
	put32(c + t + 24, 0x10);
	put32(c + t + 28, 0);
	assert_int_equal(try_load(c, im.len, 0), 0);
	free(c);
	close_image(&im);
}

/* Random bytes flipped in the headers and in the structures the directories
 * point at. */
static void flips(const char *path, int rounds)
{
	image im;
	open_image(&im, path);
	uint8_t *c = copy_of(&im);
	size_t targets[32], nt = 0;
	targets[nt++] = 0;
	targets[nt++] = im.pe;
	targets[nt++] = im.sectab;
	for (int d = 0; d < 16; d++) {
		uint32_t rva = dir_rva(&im, d);
		const uint8_t *p;
		uint64_t avail;
		const lineage_binary *b = lineage_sample_binary(im.s);
		if (rva && !lineage_binary_va_bytes(&p, &avail, b, im.base + rva))
			targets[nt++] = (size_t)(p - b->data);
	}
	srand(42);
	for (int i = 0; i < rounds; i++) {
		int n = 1 + rand() % 8;
		size_t base = targets[(size_t)rand() % nt];
		for (int k = 0; k < n; k++) {
			size_t o = base + (size_t)rand() % 512;
			if (o < im.len) c[o] = (uint8_t)rand();
		}
		try_load(c, im.len, i % 200 == 0);
		if (i % 8 == 7) memcpy(c, im.data, im.len); /* let damage accumulate a little */
	}
	free(c);
	close_image(&im);
}

static void test_random_flips(void **state)
{
	(void)state;
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	char path[4096];
	snprintf(path, sizeof(path), "%s/kin_a-mingw32-O0.exe", fx);
	flips(DLL64, 2000);
	flips(path, 1000);
}

static int setup(void **state)
{
	(void)state;
	if (lineage_ctx_new(&ctx)) return -1;
	/* small analysis budgets: the point is the loader */
	lineage_limits lim;
	lineage_limits_default(&lim);
	lim.max_time_ms = 500;
	lim.max_instructions = 200000;
	return lineage_ctx_set_limits(ctx, &lim);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_truncated),     cmocka_unit_test(test_header_fields),
	        cmocka_unit_test(test_import_loops),  cmocka_unit_test(test_resource_loops),
	        cmocka_unit_test(test_export_counts), cmocka_unit_test(test_reloc_blocks),
	        cmocka_unit_test(test_tls_callbacks), cmocka_unit_test(test_random_flips),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
