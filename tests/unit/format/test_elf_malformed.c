/* Hostile ELF input: mutations of real files (a gcc fixture and /usr/bin/ls)
 * loaded from memory. Each load returns 0 (with warnings naming the damage)
 * or LINEAGE_EFORMAT with a message, in bounded time, without a crash; the
 * ASan configuration runs this file too. Structures are located with a small
 * ELF64 reader written here, independent of the library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lineage.h"

static lineage_ctx *ctx;
static uint8_t *base;
static size_t base_len;
static uint8_t *ls;
static size_t ls_len;

/* ---- a tiny ELF64 little-endian reader/writer for locating structures ---- */

static uint64_t get(const uint8_t *p, size_t off, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static void set(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) p[off + i] = (uint8_t)(v >> (8 * i));
}

typedef struct sec {
	size_t hdr; /* file offset of the section header */
	uint32_t type;
	uint64_t addr, off, size;
	uint32_t link, info;
} sec;

static size_t shoff(const uint8_t *p)
{
	return (size_t)get(p, 0x28, 8);
}

static unsigned shnum(const uint8_t *p)
{
	return (unsigned)get(p, 0x3c, 2);
}

static sec sec_at(const uint8_t *p, unsigned i)
{
	sec s;
	s.hdr = shoff(p) + 64 * (size_t)i;
	s.type = (uint32_t)get(p, s.hdr + 4, 4);
	s.addr = get(p, s.hdr + 16, 8);
	s.off = get(p, s.hdr + 24, 8);
	s.size = get(p, s.hdr + 32, 8);
	s.link = (uint32_t)get(p, s.hdr + 40, 4);
	s.info = (uint32_t)get(p, s.hdr + 44, 4);
	return s;
}

/* Section by name; fails the test when absent. */
static sec find(const uint8_t *p, const char *name, unsigned *idx)
{
	sec strs = sec_at(p, (unsigned)get(p, 0x3e, 2));
	for (unsigned i = 0; i < shnum(p); i++) {
		sec s = sec_at(p, i);
		uint32_t nm = (uint32_t)get(p, s.hdr, 4);
		if (strcmp((const char *)p + strs.off + nm, name) == 0) {
			if (idx) *idx = i;
			return s;
		}
	}
	fail_msg("no section %s", name);
	sec none;
	memset(&none, 0, sizeof(none));
	return none;
}

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n);
	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Touch everything the loader produced so that ASan sees bad pointers. */
static void walk(const lineage_binary *b)
{
	size_t sum = 0;
	for (size_t i = 0; i < b->nsections; i++) sum += strlen(b->sections[i].name);
	for (size_t i = 0; i < b->nimports; i++)
		sum += strlen(b->imports[i].library) + (b->imports[i].name ? strlen(b->imports[i].name) : 0);
	for (size_t i = 0; i < b->nexports; i++) sum += b->exports[i].name ? strlen(b->exports[i].name) : 0;
	for (size_t i = 0; i < b->nsymbols; i++) sum += strlen(b->symbols[i].name);
	for (size_t i = 0; i < b->nwarnings; i++) sum += strlen(b->warnings[i].area) + strlen(b->warnings[i].message);
	for (size_t i = 0; i < b->elf.nneeded; i++) sum += strlen(b->elf.needed[i]);
	if (b->elf.interpreter) sum += strlen(b->elf.interpreter);
	if (b->elf.soname) sum += strlen(b->elf.soname);
	if (b->elf.build_id) sum += strlen(b->elf.build_id);
	for (size_t i = 0; i < b->nhints; i++) sum += (size_t)b->hints[i].address & 1;
	for (size_t i = 0; i < b->nrelocs; i++) sum += (size_t)b->relocs[i].target & 1;
	assert_true(b->overlay_offset <= b->size);
	assert_true(b->overlay_offset + b->overlay_size == b->size || b->overlay_size == 0);
	(void)sum;
}

/* Load a mutated file: 0 or LINEAGE_EFORMAT with a message, quickly. The
 * sample is returned for further checks (NULL on EFORMAT). */
static lineage_sample *try_load(const uint8_t *p, size_t n, const char *what)
{
	lineage_sample *s = NULL;
	double t0 = now_ms();
	int rc = lineage_sample_load_memory(&s, ctx, p, n, what);
	double dt = now_ms() - t0;
	if (dt > 2000) fail_msg("%s: load took %.0f ms", what, dt);
	if (rc == LINEAGE_EFORMAT) {
		assert_null(s);
		assert_true(strlen(lineage_errmsg(ctx)) > 0);
		return NULL;
	}
	if (rc != 0) fail_msg("%s: unexpected rc %d: %s", what, rc, lineage_errmsg(ctx));
	walk(lineage_sample_binary(s));
	return s;
}

static bool has_warning(const lineage_binary *b, const char *area, const char *text)
{
	for (size_t i = 0; i < b->nwarnings; i++)
		if (strcmp(b->warnings[i].area, area) == 0 && strstr(b->warnings[i].message, text)) return true;
	return false;
}

static void dump_warnings(const lineage_binary *b)
{
	for (size_t i = 0; i < b->nwarnings; i++)
		print_message("  %s: %s\n", b->warnings[i].area, b->warnings[i].message);
}

/* Load p, expect success with a warning "area: ...text...". */
static void expect_warning(const uint8_t *p, size_t n, const char *what, const char *area, const char *text)
{
	lineage_sample *s = try_load(p, n, what);
	if (!s) fail_msg("%s: rejected: %s", what, lineage_errmsg(ctx));
	const lineage_binary *b = lineage_sample_binary(s);
	if (!has_warning(b, area, text)) {
		dump_warnings(b);
		fail_msg("%s: no warning '%s: %s'", what, area, text);
	}
	lineage_sample_free(s);
}

static void set_limits(void (*edit)(lineage_limits *))
{
	lineage_limits lim;
	lineage_limits_default(&lim);
	if (edit) edit(&lim);
	assert_int_equal(lineage_ctx_set_limits(ctx, &lim), 0);
}

/* ---- tests ---- */

static void test_baseline_clean(void **state)
{
	(void)state;
	lineage_sample *s = try_load(base, base_len, "base");
	assert_non_null(s);
	assert_int_equal(lineage_sample_binary(s)->nwarnings, 0);
	lineage_sample_free(s);
}

static void test_truncations(void **state)
{
	(void)state;
	for (size_t n = 0; n < base_len; n += n < 4096 ? 1 : 13) {
		lineage_sample *s = try_load(base, n, "truncated");
		if (n < 4) {
			/* no magic left: a raw blob */
			assert_non_null(s);
			assert_int_equal(lineage_sample_binary(s)->format, LINEAGE_FORMAT_RAW);
		} else if (n < 64) {
			if (s) fail_msg("truncated to %zu bytes loaded", n);
			assert_non_null(strstr(lineage_errmsg(ctx), "ELF header truncated"));
		}
		lineage_sample_free(s);
	}
	/* ls: at every section start and end, and 300 evenly spread offsets */
	for (unsigned i = 0; i < shnum(ls); i++) {
		sec x = sec_at(ls, i);
		size_t cut[] = {(size_t)x.off, (size_t)(x.off + x.size / 2), (size_t)(x.off + x.size - 1)};
		for (size_t k = 0; k < 3; k++) {
			if (cut[k] >= ls_len) continue;
			lineage_sample_free(try_load(ls, cut[k], "ls truncated"));
		}
	}
	for (size_t k = 1; k <= 300; k++) lineage_sample_free(try_load(ls, ls_len * k / 301, "ls truncated"));
}

static void test_shnum_huge(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	set(p, 0x3c, 0xffff, 2);
	expect_warning(p, base_len, "shnum", "sections", "65535 entries declared");
	/* extended numbering: e_shnum 0, the count in section 0's sh_size */
	set(p, 0x3c, 0, 2);
	set(p, shoff(p) + 32, 0xffffffffffull, 8);
	expect_warning(p, base_len, "shnum-ext", "sections", "entries declared");
	free(p);
}

static void lim_sections(lineage_limits *l)
{
	l->max_sections = 8;
}

static void test_max_sections(void **state)
{
	(void)state;
	set_limits(lim_sections);
	expect_warning(base, base_len, "max_sections", "sections", "keeping the first 8");
	set_limits(NULL);
}

static void test_shoff_past_end(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	uint64_t bad[] = {base_len + 1000, UINT64_MAX - 10, base_len};
	for (size_t i = 0; i < 3; i++) {
		set(p, 0x28, bad[i], 8);
		lineage_sample *s = try_load(p, base_len, "shoff");
		assert_non_null(s);
		const lineage_binary *b = lineage_sample_binary(s);
		assert_true(has_warning(b, "sections", "past the end of the file"));
		/* code is still reachable through pseudo-sections */
		assert_string_equal(b->sections[0].name, "seg0");
		assert_true(b->nimports > 0);
		lineage_sample_free(s);
	}
	free(p);
}

static void test_phnum_huge(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	set(p, 0x38, 0xfffe, 2);
	expect_warning(p, base_len, "phnum", "segments", "65534 entries declared");
	/* PN_XNUM: the count in section 0's sh_info */
	set(p, 0x38, 0xffff, 2);
	set(p, shoff(p) + 44, 0x7fffffff, 4);
	expect_warning(p, base_len, "phnum-xnum", "segments", "entries declared");
	set(p, 0x38, 3, 2);
	set(p, 0x20, UINT64_MAX - 100, 8); /* e_phoff */
	expect_warning(p, base_len, "phoff", "segments", "past the end");
	set(p, 0x36, 8, 2); /* e_phentsize */
	set(p, 0x20, 64, 8);
	expect_warning(p, base_len, "phentsize", "segments", "too small");
	free(p);
}

static void test_shstrndx(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	set(p, 0x3e, 0xfff0, 2);
	expect_warning(p, base_len, "shstrndx", "sections", "e_shstrndx 65520 out of range");
	free(p);
}

static void test_section_overflow(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec t = find(p, ".text", NULL);
	set(p, t.hdr + 24, UINT64_MAX - 0x10, 8);
	expect_warning(p, base_len, "sh_offset", "sections", "extend past the end");
	set(p, t.hdr + 24, t.off, 8);
	set(p, t.hdr + 32, UINT64_MAX, 8);
	expect_warning(p, base_len, "sh_size", "sections", "extend past the end");
	free(p);
}

static void test_dynsym_size_huge(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec d = find(p, ".dynsym", NULL);
	set(p, d.hdr + 32, 0x7fffffffffffffffull, 8);
	expect_warning(p, base_len, "dynsym", "symbols", "fit in the file");
	set(p, d.hdr + 32, 0x7fffffffffffffffull - 0x7fffffffffffffffull % 24, 8);
	expect_warning(p, base_len, "dynsym", "symbols", "fit in the file");
	set(p, d.hdr + 56, 0, 8); /* sh_entsize 0 */
	expect_warning(p, base_len, "dynsym entsize", "symbols", "fit in the file");
	free(p);
}

static void lim_symbols(lineage_limits *l)
{
	l->max_symbols = 5;
}

static void test_max_symbols(void **state)
{
	(void)state;
	set_limits(lim_symbols);
	lineage_sample *s = try_load(ls, ls_len, "max_symbols");
	const lineage_binary *b = lineage_sample_binary(s);
	assert_true(has_warning(b, "dynsym", "reading the first 5"));
	assert_true(b->nsymbols <= 5);
	lineage_sample_free(s);
	set_limits(NULL);
}

static void test_sh_link_self(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	unsigned di, si;
	sec d = find(p, ".dynsym", &di);
	sec st = find(p, ".symtab", &si);
	set(p, d.hdr + 40, di, 4);
	set(p, st.hdr + 40, si, 4);
	expect_warning(p, base_len, "sh_link self", "symbols", "sh_link");
	set(p, d.hdr + 40, 0xffffffffu, 4);
	expect_warning(p, base_len, "sh_link range", "symbols", "sh_link");
	/* relocation sections linking to themselves or to each other */
	unsigned ri, pi;
	sec rd = find(p, ".rela.dyn", &ri);
	sec rp = find(p, ".rela.plt", &pi);
	set(p, rd.hdr + 40, pi, 4);
	set(p, rp.hdr + 40, ri, 4);
	lineage_sample_free(try_load(p, base_len, "rela links"));
	free(p);
}

static void test_st_name_past_strtab(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec d = find(p, ".dynsym", NULL);
	for (uint64_t o = 24; o + 24 <= d.size; o += 24) set(p, (size_t)(d.off + o), 0xfffffff0u, 4);
	expect_warning(p, base_len, "st_name", "dynsym", "outside the string table");
	free(p);
}

static void test_verneed_loop(void **state)
{
	(void)state;
	uint8_t *p = copy(ls, ls_len);
	sec v = find(p, ".gnu.version_r", NULL);
	size_t vn = (size_t)v.off;
	size_t aux = vn + (size_t)get(p, vn + 8, 4);
	/* vn_next back at itself, vn_cnt huge, vna_next 0; sh_info huge */
	set(p, vn + 12, 0, 4);
	set(p, vn + 2, 0xffff, 2);
	set(p, aux + 12, 0, 4);
	set(p, v.hdr + 44, 0xffffffffu, 4);
	lineage_sample *s = try_load(p, ls_len, "verneed self");
	assert_non_null(s);
	lineage_sample_free(s);
	/* vna_next and vn_next that point at themselves under 32-bit wrap-around */
	set(p, aux + 12, 0, 4);
	set(p, vn + 2, 3, 2);
	set(p, vn + 12, 0xfffffff0u, 4);
	expect_warning(p, ls_len, "verneed back", "versions", "outside its table");
	/* a long chain of tiny steps: bounded by the record cap */
	set(p, vn + 12, 1, 4);
	lineage_sample_free(try_load(p, ls_len, "verneed steps"));
	free(p);
}

/* Offset of the .dynamic entry with tag t (first), or 0. */
static size_t dyn_entry(const uint8_t *p, int64_t t)
{
	sec d = find(p, ".dynamic", NULL);
	for (uint64_t o = 0; o + 16 <= d.size; o += 16)
		if ((int64_t)get(p, (size_t)(d.off + o), 8) == t) return (size_t)(d.off + o);
	return 0;
}

static void test_dynamic_no_null(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec d = find(p, ".dynamic", NULL);
	for (uint64_t o = 0; o + 16 <= d.size; o += 16)
		if (get(p, (size_t)(d.off + o), 8) == 0) set(p, (size_t)(d.off + o), 21 /* DT_DEBUG */, 8);
	expect_warning(p, base_len, "no DT_NULL", "dynamic", "no DT_NULL");
	/* PT_DYNAMIC claiming the whole file */
	size_t ph = (size_t)get(p, 0x20, 8);
	for (unsigned i = 0; i < get(p, 0x38, 2); i++) {
		size_t h = ph + 56 * (size_t)i;
		if (get(p, h, 4) == 2) set(p, h + 32, UINT64_MAX / 2, 8);
	}
	lineage_sample_free(try_load(p, base_len, "PT_DYNAMIC huge"));
	free(p);
}

static void lim_relocs(lineage_limits *l)
{
	l->max_relocs = 5;
}

static void test_relocs_huge(void **state)
{
	(void)state;
	uint8_t *p = copy(ls, ls_len);
	size_t e = dyn_entry(p, 8 /* DT_RELASZ */);
	assert_true(e != 0);
	set(p, e + 8, 0x7fffffffffffff00ull, 8);
	expect_warning(p, ls_len, "RELASZ", "relocs", "relocation table at");
	e = dyn_entry(p, 9 /* DT_RELAENT */);
	set(p, e + 8, 0, 8);
	lineage_sample_free(try_load(p, ls_len, "RELAENT 0"));
	memcpy(p, ls, ls_len);
	e = dyn_entry(p, 2 /* DT_PLTRELSZ */);
	set(p, e + 8, UINT64_MAX - 7, 8);
	expect_warning(p, ls_len, "PLTRELSZ", "relocs", "bytes declared");
	e = dyn_entry(p, 7 /* DT_RELA */);
	set(p, e + 8, UINT64_MAX - 7, 8);
	expect_warning(p, ls_len, "RELA", "relocs", "not in the file");
	free(p);
	set_limits(lim_relocs);
	expect_warning(ls, ls_len, "max_relocs", "relocs", "more than 5 relocation entries");
	set_limits(NULL);
}

static void test_eh_frame_bad(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec h = find(p, ".eh_frame_hdr", NULL);
	sec f = find(p, ".eh_frame", NULL);
	p[h.off] = 7; /* unusable header: the walker runs */
	/* an FDE whose CIE pointer points at itself, one pointing before the section */
	size_t first = (size_t)f.off, second = first + 4 + (size_t)get(p, first, 4);
	set(p, second + 4, 4, 4);
	size_t third = second + 4 + (size_t)get(p, second, 4);
	set(p, third + 4, 0x7ffffff0, 4);
	expect_warning(p, base_len, "eh cie", "eh_frame", "bad CIE");
	/* a 64-bit length past the section */
	set(p, second, 0xffffffffu, 4);
	set(p, second + 4, UINT64_MAX - 3, 8);
	expect_warning(p, base_len, "eh len64", "eh_frame", "outside the section");
	/* zero length at the start: the terminator, nothing to walk */
	set(p, first, 0, 4);
	lineage_sample_free(try_load(p, base_len, "eh zero"));
	/* header table with a huge count */
	memcpy(p, base, base_len);
	set(p, (size_t)h.off + 8, 0xffffffffu, 4);
	lineage_sample_free(try_load(p, base_len, "eh hdr count"));
	free(p);
}

static void test_notes_bad(void **state)
{
	(void)state;
	uint8_t *p = copy(base, base_len);
	sec n = find(p, ".note.gnu.build-id", NULL);
	set(p, (size_t)n.off + 4, 0xfffffff0u, 4); /* descsz */
	expect_warning(p, base_len, "note", "notes", "runs past");
	free(p);
}

/* Deterministic random byte mutations across the file. */
static void test_random_mutations(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t *p = malloc(base_len);
	assert_non_null(p);
	double t0 = now_ms();
	for (int it = 0; it < 3000; it++) {
		memcpy(p, base, base_len);
		int flips = 1 + it % 8;
		for (int k = 0; k < flips; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half of the flips hit the headers, where damage matters most */
			size_t off = (size_t)((k & 1) ? x % base_len : x % 1024);
			p[off] = (uint8_t)(x >> 24);
		}
		lineage_sample_free(try_load(p, base_len, "random"));
	}
	print_message("3000 mutations in %.0f ms\n", now_ms() - t0);
	free(p);
}

static void *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)sz);
	if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return p;
}

static int setup(void **state)
{
	(void)state;
	const char *dir = getenv("LINEAGE_FIXTURES");
	char path[1024];
	snprintf(path, sizeof(path), "%s/kin_a-gcc-O2", dir ? dir : "fixtures");
	base = read_file(path, &base_len);
	ls = read_file("/usr/bin/ls", &ls_len);
	if (!base || !ls) {
		fprintf(stderr, "test_elf_malformed: cannot read %s or /usr/bin/ls\n", path);
		return -1;
	}
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	free(base);
	free(ls);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_baseline_clean),   cmocka_unit_test(test_truncations),
	        cmocka_unit_test(test_shnum_huge),       cmocka_unit_test(test_max_sections),
	        cmocka_unit_test(test_shoff_past_end),   cmocka_unit_test(test_phnum_huge),
	        cmocka_unit_test(test_shstrndx),         cmocka_unit_test(test_section_overflow),
	        cmocka_unit_test(test_dynsym_size_huge), cmocka_unit_test(test_max_symbols),
	        cmocka_unit_test(test_sh_link_self),     cmocka_unit_test(test_st_name_past_strtab),
	        cmocka_unit_test(test_verneed_loop),     cmocka_unit_test(test_dynamic_no_null),
	        cmocka_unit_test(test_relocs_huge),      cmocka_unit_test(test_eh_frame_bad),
	        cmocka_unit_test(test_notes_bad),        cmocka_unit_test(test_random_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
