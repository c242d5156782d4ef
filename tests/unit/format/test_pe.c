/* Unit tests of the PE loader. Real PE files (mingw-w64 runtime DLLs, the
 * fixtures, small images built here with mingw-w64) are loaded through the
 * public API and compared with what binutils (objdump -p/-h/-t, nm) reports
 * about them; the Rich header, CodeView records and .pdata chaining are
 * checked on images written byte by byte in this file, against values
 * computed here independently (OpenSSL MD5 of the clear Rich block). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "lineage.h"

static lineage_ctx *ctx;
static char tmpdir[256];

#define OBJDUMP "x86_64-w64-mingw32-objdump"
#define NM      "x86_64-w64-mingw32-nm"

static const char *const system_dlls[] = {
        "/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll",
        "/usr/lib/gcc/x86_64-w64-mingw32/12-win32/libgcc_s_seh-1.dll",
        "/usr/lib/gcc/i686-w64-mingw32/12-win32/libgcc_s_dw2-1.dll",
};

/* ---- helpers ---- */

/* Output of a shell command (heap, NUL-terminated); fails the test when the
 * command fails. */
static char *run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = 0, cap = 65536;
	char *out = malloc(cap);
	assert_non_null(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[len] = 0;
	int st = pclose(p);
	if (st != 0) fprintf(stderr, "command failed (%d): %s\n%s\n", st, cmd, out);
	assert_int_equal(st, 0);
	return out;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	assert_non_null(p);
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

static void spill(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	snprintf(path, sizeof(path), "%s/%s", fx, name);
	return path;
}

static const lineage_binary *load(lineage_sample **s, const char *path)
{
	int rc = lineage_sample_load_file(s, ctx, path);
	if (rc) fprintf(stderr, "%s: %s\n", path, lineage_errmsg(ctx));
	assert_int_equal(rc, 0);
	const lineage_binary *b = lineage_sample_binary(*s);
	assert_int_equal(b->format, LINEAGE_FORMAT_PE);
	return b;
}

static const lineage_binary *load_mem(lineage_sample **s, const void *data, size_t len)
{
	int rc = lineage_sample_load_memory(s, ctx, data, len, "synthetic.exe");
	if (rc) fprintf(stderr, "synthetic: %s\n", lineage_errmsg(ctx));
	assert_int_equal(rc, 0);
	return lineage_sample_binary(*s);
}

static int in_exec_section(const lineage_binary *b, uint64_t va)
{
	const lineage_section *s = lineage_binary_section_at(b, va);
	return s && (s->flags & (LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE));
}

static const lineage_import *find_import(const lineage_binary *b, const char *lib, const char *name, uint32_t ord)
{
	for (size_t i = 0; i < b->nimports; i++) {
		const lineage_import *im = &b->imports[i];
		if (strcasecmp(im->library, lib)) continue;
		if (name && im->name && !strcmp(im->name, name)) return im;
		if (!name && !im->name && (im->flags & LINEAGE_IMPORT_ORDINAL) && im->ordinal == ord) return im;
	}
	return NULL;
}

static const lineage_export *find_export_ordinal(const lineage_binary *b, uint32_t ord)
{
	for (size_t i = 0; i < b->nexports; i++)
		if (b->exports[i].ordinal == ord) return &b->exports[i];
	return NULL;
}

static const lineage_export *find_export(const lineage_binary *b, const char *name)
{
	for (size_t i = 0; i < b->nexports; i++)
		if (b->exports[i].name && !strcmp(b->exports[i].name, name)) return &b->exports[i];
	return NULL;
}

static const lineage_symbol *find_symbol(const lineage_binary *b, const char *name)
{
	for (size_t i = 0; i < b->nsymbols; i++)
		if (!strcmp(b->symbols[i].name, name)) return &b->symbols[i];
	return NULL;
}

/* Address of a symbol in `nm` output (first line whose name is `name`). */
static uint64_t nm_address(const char *nm, const char *name)
{
	for (const char *l = nm; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned long long a;
		char t, n[512];
		if (sscanf(l, "%llx %c %511s", &a, &t, n) == 3 && !strcmp(n, name)) return a;
	}
	return 0;
}

static size_t count_hints(const lineage_binary *b, uint32_t source)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nhints; i++) n += b->hints[i].source == source;
	return n;
}

static char *next_line(char **cur)
{
	char *l = *cur;
	if (!l || !*l) return NULL;
	char *nl = strchr(l, '\n');
	if (nl) {
		*nl = 0;
		*cur = nl + 1;
	} else {
		*cur = l + strlen(l);
	}
	return l;
}

/* ---- objdump -p / -h / -t as the oracle ---- */

static void check_headers_sections(const lineage_binary *b, const char *path)
{
	char *out = run("TZ=UTC " OBJDUMP " -p '%s'", path);
	char *cur = out, *l;
	unsigned long long v;
	unsigned u;
	int saw_base = 0, saw_time = 0;
	while ((l = next_line(&cur))) {
		char str[128];
		if (sscanf(l, "ImageBase %llx", &v) == 1) {
			assert_int_equal(b->image_base, v);
			saw_base = 1;
		} else if (sscanf(l, "AddressOfEntryPoint %llx", &v) == 1) {
			if (v) assert_int_equal(b->entry, b->image_base + v);
			assert_int_equal(b->has_entry, v || !b->pe.is_dll);
		} else if (!saw_time && sscanf(l, "Time/Date %127[^\n]", str) == 1) {
			char mine[128];
			time_t t = (time_t)b->pe.timestamp;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(mine, sizeof(mine), "%a %b %e %H:%M:%S %Y", &tm);
			assert_string_equal(mine, str);
			saw_time = 1;
		} else if (sscanf(l, "Magic %x", &u) == 1) {
			assert_int_equal(b->pe.is_pe32plus, u == 0x20b);
			assert_int_equal(b->bits, u == 0x20b ? 64 : 32);
		} else if (sscanf(l, "MajorLinkerVersion %u", &u) == 1) {
			assert_int_equal(b->pe.linker_major, u);
		} else if (sscanf(l, "MinorLinkerVersion %u", &u) == 1) {
			assert_int_equal(b->pe.linker_minor, u);
		} else if (sscanf(l, "CheckSum %x", &u) == 1) {
			assert_int_equal(b->pe.checksum, u);
		} else if (sscanf(l, "SizeOfImage %x", &u) == 1) {
			assert_int_equal(b->pe.size_of_image, u);
		} else if (sscanf(l, "Subsystem %x", &u) == 1) {
			assert_int_equal(b->pe.subsystem, u);
		} else if (sscanf(l, "Characteristics 0x%x", &u) == 1) {
			assert_int_equal(b->pe.characteristics, u);
			assert_int_equal(b->pe.is_dll, (u & 0x2000) != 0);
		}
	}
	assert_true(saw_base && saw_time);
	free(out);

	/* objdump -h: the size BFD shows is the virtual size when the raw data
	 * is padded past it (or absent for .bss), else the raw size */
	out = run(OBJDUMP " -h '%s'", path);
	cur = out;
	size_t idx = 0;
	while ((l = next_line(&cur))) {
		unsigned n;
		char name[256];
		unsigned long long size, vma, lma, off;
		if (sscanf(l, " %u %255s %llx %llx %llx %llx", &n, name, &size, &vma, &lma, &off) != 6) continue;
		assert_int_equal(n, idx);
		assert_true(idx < b->nsections);
		const lineage_section *s = &b->sections[idx++];
		assert_string_equal(s->name, name);
		assert_int_equal(s->vaddr, vma);
		uint64_t mine = s->size ? (s->size < s->vsize ? s->size : s->vsize) : s->vsize;
		assert_int_equal(mine, size);
		if (s->size) assert_int_equal(s->offset, off);
		assert_true(s->flags & LINEAGE_SEC_ALLOC);
		char *flags = next_line(&cur); /* "CONTENTS, ALLOC, LOAD, READONLY, CODE" */
		assert_non_null(flags);
		assert_int_equal(strstr(flags, "CODE") != NULL, (s->flags & LINEAGE_SEC_CODE) != 0);
		assert_int_equal(strstr(flags, "READONLY") != NULL, !(s->flags & LINEAGE_SEC_WRITE));
	}
	assert_int_equal(idx, b->nsections);
	assert_true(b->nsections > 0);
	free(out);
}

static void check_imports_exports(const lineage_binary *b, const char *path)
{
	char *out = run(OBJDUMP " -p '%s'", path);
	char *cur = out, *l;
	enum { NONE, IMPORTS, EAT, NAMES, PDATA } mode = NONE;
	char dll[256] = "";
	unsigned long long first_thunk = 0, v;
	unsigned idx = 0, ord_base = 0;
	size_t nimports = 0, neat = 0, nnames = 0, npdata = 0, cap = 1024;
	uint64_t *pdata = malloc(cap * sizeof(uint64_t));
	unsigned ptr = b->pe.is_pe32plus ? 8 : 4;
	while ((l = next_line(&cur))) {
		if (!strncmp(l, "The Import Tables", 17)) {
			mode = IMPORTS;
			continue;
		}
		if (!strncmp(l, "Export Address Table -- Ordinal Base", 36)) {
			sscanf(l + 36, "%u", &ord_base);
			mode = EAT;
			continue;
		}
		if (!strncmp(l, "[Ordinal/Name Pointer] Table", 28)) {
			mode = NAMES;
			continue;
		}
		if (!strncmp(l, "The Function Table", 18)) {
			mode = PDATA;
			continue;
		}
		if (!strncmp(l, "The ", 4) || !strncmp(l, "There ", 6) || !strncmp(l, "PE File", 7) ||
		    !strncmp(l, "Dump of", 7)) {
			mode = NONE;
			continue;
		}
		if (mode == IMPORTS) {
			unsigned long long f[6];
			char name[512];
			unsigned long long hint;
			if (sscanf(l, " %llx %llx %llx %llx %llx %llx", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]) ==
			            6 &&
			    l[0] == ' ') {
				first_thunk = f[5];
				idx = 0;
			} else if (sscanf(l, "\tDLL Name: %255s", dll) == 1) {
				continue;
			} else if (l[0] == '\t' && sscanf(l, "\t%llx %llu %511s", &v, &hint, name) == 3) {
				const lineage_import *im = v >= 0x80000000u ? find_import(b, dll, NULL, (uint32_t)hint)
				                                            : find_import(b, dll, name, 0);
				if (!im) fprintf(stderr, "%s: import %s!%s (%llu) not found\n", path, dll, name, hint);
				assert_non_null(im);
				assert_false(im->flags & LINEAGE_IMPORT_DELAY);
				assert_int_equal(im->slot, b->image_base + first_thunk + (uint64_t)idx * ptr);
				idx++;
				nimports++;
			}
		} else if (mode == EAT) {
			unsigned i, ord;
			unsigned long long rva;
			char kind[64], fwd[512] = "";
			if (sscanf(l, "\t[%u] +base[%u] %llx %63s", &i, &ord, &rva, kind) != 4) continue;
			assert_int_equal(ord, ord_base + i);
			const lineage_export *e = find_export_ordinal(b, ord);
			assert_non_null(e);
			if (!strcmp(kind, "Forwarder")) {
				const char *arrow = strstr(l, "-- ");
				assert_non_null(arrow);
				snprintf(fwd, sizeof(fwd), "%s", arrow + 3);
				assert_non_null(e->forwarder);
				assert_string_equal(e->forwarder, fwd);
				assert_int_equal(e->address, 0);
			} else {
				assert_null(e->forwarder);
				assert_int_equal(e->address, b->image_base + rva);
				assert_int_equal(e->is_function, in_exec_section(b, e->address));
			}
			neat++;
		} else if (mode == NAMES) {
			unsigned i;
			char name[1024];
			if (sscanf(l, "\t[%u] %1023s", &i, name) != 2) continue;
			const lineage_export *e = find_export(b, name);
			if (!e) fprintf(stderr, "%s: export %s not found\n", path, name);
			assert_non_null(e);
			assert_int_equal(e->ordinal, ord_base + i);
			nnames++;
		} else if (mode == PDATA) {
			unsigned long long vma, begin, end, unwind;
			if (sscanf(l, " %llx:\t%llx %llx %llx", &vma, &begin, &end, &unwind) != 4) continue;
			if (npdata + 2 > cap) pdata = realloc(pdata, (cap *= 2) * sizeof(uint64_t));
			pdata[npdata++] = begin;
			pdata[npdata++] = end;
		}
	}
	size_t mine = 0, named = 0;
	for (size_t i = 0; i < b->nimports; i++) mine += !(b->imports[i].flags & LINEAGE_IMPORT_DELAY);
	assert_int_equal(mine, nimports);
	for (size_t i = 0; i < b->nexports; i++) named += b->exports[i].name != NULL;
	assert_int_equal(named, nnames);
	assert_int_equal(b->nexports, neat);
	/* on x64 every exception hint is a .pdata BeginAddress objdump lists,
	 * inside code (i686 images get theirs from .eh_frame: test_i686_eh_frame) */
	size_t nexc = 0;
	for (size_t i = 0; i < b->nhints; i++) {
		if (b->hints[i].source != LINEAGE_SRC_EXCEPTION) continue;
		int found = b->pe.machine != 0x8664;
		for (size_t k = 0; k < npdata && !found; k += 2)
			found = pdata[k] == b->hints[i].address && pdata[k + 1] - pdata[k] == b->hints[i].size;
		assert_true(found);
		assert_true(in_exec_section(b, b->hints[i].address));
		nexc++;
	}
	if (b->pe.machine == 0x8664) {
		assert_true(npdata > 0);
		assert_true(nexc > 0 && nexc <= npdata / 2);
	} else {
		assert_int_equal(npdata, 0); /* no .pdata: the hints come from .eh_frame */
	}
	free(pdata);
	free(out);
}

/* COFF symbols: every function symbol objdump -t lists (type 0x20, class
 * EXTERNAL or STATIC) is a FUNC at section VA + value. */
static void check_symbols(const lineage_binary *b, const char *path)
{
	char *out = run(OBJDUMP " -t '%s'", path);
	char *cur = out, *l;
	size_t nfunc = 0;
	while ((l = next_line(&cur))) {
		int sec, scl, nx;
		unsigned fl, ty;
		unsigned long long value;
		char name[1024];
		if (sscanf(l, "[%*d](sec %d)(fl 0x%x)(ty %x)(scl %d) (nx %d) 0x%llx %1023s", &sec, &fl, &ty, &scl, &nx,
		           &value, name) != 7)
			continue;
		if (sec <= 0 || (scl != 2 && scl != 3) || (ty >> 4) != 2) continue;
		assert_true((size_t)sec <= b->nsections);
		uint64_t addr = b->sections[sec - 1].vaddr + value;
		int found = 0;
		for (size_t i = 0; i < b->nsymbols && !found; i++) {
			const lineage_symbol *s = &b->symbols[i];
			found = s->address == addr && s->kind == LINEAGE_SYM_FUNC && !strcmp(s->name, name);
		}
		if (!found)
			fprintf(stderr, "%s: function symbol %s at 0x%llx not found\n", path, name,
			        (unsigned long long)addr);
		assert_true(found);
		nfunc++;
	}
	assert_true(nfunc > 0);
	assert_true(count_hints(b, LINEAGE_SRC_SYMBOL) >= nfunc / 2);
	free(out);
}

/* The mingw CRT registers __dyn_tls_init and __dyn_tls_dtor as TLS callbacks. */
static void check_tls(const lineage_binary *b, const char *path)
{
	char *nm = run(NM " '%s'", path);
	uint64_t init = nm_address(nm, "__dyn_tls_init") | nm_address(nm, "___dyn_tls_init@12");
	uint64_t dtor = nm_address(nm, "__dyn_tls_dtor") | nm_address(nm, "___dyn_tls_dtor@12");
	assert_true(init && dtor);
	int saw_init = 0, saw_dtor = 0;
	for (size_t i = 0; i < b->pe.ntls_callbacks; i++) {
		saw_init |= b->pe.tls_callbacks[i] == init;
		saw_dtor |= b->pe.tls_callbacks[i] == dtor;
		assert_true(in_exec_section(b, b->pe.tls_callbacks[i]));
	}
	assert_true(saw_init && saw_dtor);
	assert_int_equal(count_hints(b, LINEAGE_SRC_TLS), b->pe.ntls_callbacks);
	free(nm);
}

static void check_common(const lineage_binary *b)
{
	if (b->has_entry) {
		int found = 0;
		for (size_t i = 0; i < b->nhints; i++)
			found |= b->hints[i].source == LINEAGE_SRC_ENTRY && b->hints[i].address == b->entry;
		assert_true(found);
	}
	assert_int_equal(b->arch, b->pe.machine == 0x8664 ? LINEAGE_ARCH_X86_64 : LINEAGE_ARCH_X86);
	assert_true(b->overlay_offset + b->overlay_size == b->size);
	for (size_t i = 0; i < b->nsections; i++) assert_true(b->sections[i].offset + b->sections[i].size <= b->size);
	for (size_t i = 0; i < b->nhints; i++)
		if (b->hints[i].source == LINEAGE_SRC_EXPORT) assert_true(in_exec_section(b, b->hints[i].address));
	assert_int_equal(b->nwarnings, 0);
}

static void check_file(const char *path)
{
	lineage_sample *s;
	const lineage_binary *b = load(&s, path);
	check_headers_sections(b, path);
	check_imports_exports(b, path);
	check_symbols(b, path);
	check_common(b);
	lineage_sample_free(s);
}

static void test_system_dlls(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(system_dlls) / sizeof(system_dlls[0]); i++) {
		check_file(system_dlls[i]);
		lineage_sample *s;
		const lineage_binary *b = load(&s, system_dlls[i]);
		assert_true(b->pe.is_dll);
		assert_true(b->nexports > 10);
		assert_non_null(b->pe.export_dll_name);
		assert_non_null(strstr(system_dlls[i], b->pe.export_dll_name));
		assert_true(b->nrelocs > 0);
		for (size_t k = 0; k < b->nrelocs; k++) {
			const lineage_reloc *r = &b->relocs[k];
			assert_int_equal(r->type, b->bits == 64 ? 10 : 3);
			assert_non_null(lineage_binary_section_at(b, r->where));
			/* a based pointer in a DLL points into the image */
			if (r->target)
				assert_true(r->target >= b->image_base &&
				            r->target < b->image_base + b->pe.size_of_image);
		}
		lineage_sample_free(s);
	}
}

static void test_fixtures(void **state)
{
	(void)state;
	const char *names[] = {"kin_a-mingw64-O2.exe", "kin_a-mingw32-O0.exe"};
	for (size_t i = 0; i < 2; i++) {
		const char *path = fixture(names[i]);
		check_file(path);
		lineage_sample *s;
		const lineage_binary *b = load(&s, path);
		assert_false(b->pe.is_dll);
		check_tls(b, path);
		const lineage_import *im = find_import(b, "KERNEL32.dll", "GetLastError", 0);
		assert_non_null(im);
		assert_true(im->slot != 0);
		assert_true(count_hints(b, LINEAGE_SRC_SYMBOL) > 0);
		lineage_sample_free(s);
	}
}

/* mingw-w64's i686 images unwind with DWARF: every function nm lists in
 * .text of the unstripped fixture has an .eh_frame hint with its extent, and
 * a stripped copy keeps them (the section stays) */
static void test_i686_eh_frame(void **state)
{
	(void)state;
	char out[] = "/tmp/lineage-pe-eh-XXXXXX";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	const char *path = fixture("kin_a-mingw32-O2.exe");
	free(run("i686-w64-mingw32-strip -o '%s' '%s'", out, path));
	char *nm = run("i686-w64-mingw32-nm --defined-only '%s'", path);
	lineage_sample *s;
	const lineage_binary *b = load(&s, out);
	const char *names[] = {"_fixture_kin_checksum", "_fixture_kin_classify", "_main"};
	for (size_t k = 0; k < 3; k++) {
		const char *at = strstr(nm, names[k]);
		assert_non_null(at);
		while (at > nm && at[-1] != '\n') at--;
		uint64_t va = strtoull(at, NULL, 16);
		bool found = false;
		for (size_t i = 0; i < b->nhints; i++)
			if (b->hints[i].address == va && b->hints[i].source == LINEAGE_SRC_EXCEPTION &&
			    b->hints[i].size > 0)
				found = true;
		if (!found) fprintf(stderr, "%s at 0x%llx: no .eh_frame hint\n", names[k], (unsigned long long)va);
		assert_true(found);
	}
	lineage_sample_free(s);
	free(nm);
	unlink(out);
}

/* strip removes the COFF symbol table: no symbols, no symbol hints */
static void test_stripped(void **state)
{
	(void)state;
	char out[512];
	snprintf(out, sizeof(out), "%s/stripped.exe", tmpdir);
	free(run("x86_64-w64-mingw32-strip -o '%s' '%s'", out, fixture("kin_a-mingw64-O2.exe")));
	lineage_sample *s, *u;
	const lineage_binary *b = load(&s, out);
	const lineage_binary *ub = load(&u, fixture("kin_a-mingw64-O2.exe"));
	assert_int_equal(b->nsymbols, 0);
	assert_int_equal(count_hints(b, LINEAGE_SRC_SYMBOL), 0);
	assert_true(ub->nsymbols > 0);
	assert_non_null(find_symbol(ub, "main"));
	assert_int_equal(find_symbol(ub, "main")->kind, LINEAGE_SYM_FUNC);
	/* the unstripped file keeps its symbol table after the last section,
	 * which pefile counts as overlay; the stripped one has none */
	assert_true(ub->overlay_size > 0);
	assert_int_equal(b->overlay_size, 0);
	assert_int_equal(b->overlay_offset, b->size);
	check_headers_sections(b, out);
	lineage_sample_free(s);
	lineage_sample_free(u);

	/* bytes appended to the file are overlay */
	size_t len;
	uint8_t *data = slurp(out, &len);
	data = realloc(data, len + 1000);
	memset(data + len, 0x41, 1000);
	b = load_mem(&s, data, len + 1000);
	assert_int_equal(b->overlay_offset, len);
	assert_int_equal(b->overlay_size, 1000);
	lineage_sample_free(s);
	free(data);
}

/* ---- images built here with mingw-w64 ---- */

static void write_text(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	spill(path, text, strlen(text));
}

static void build_feature_images(void)
{
	static int built;
	if (built) return;
	write_text("lib.c", "__declspec(dllexport) int named_one(int x) { return x + 1; }\n"
	                    "int hidden_two(int x) { return x * 2; }\n"
	                    "int data_three = 3;\n");
	write_text("lib.def", "LIBRARY featlib.dll\nEXPORTS\n  named_one @1\n  hidden_two @7 NONAME\n"
	                      "  data_three @3 DATA\n  fwd_tick = KERNEL32.GetTickCount @4\n");
	write_text("imp.def", "LIBRARY featlib.dll\nEXPORTS\n  named_one @1\n  hidden_two @7 NONAME\n");
	write_text("delay.def", "LIBRARY delayme.dll\nEXPORTS\n  DelayedFunc\n  DelayedOrd @9 NONAME\n");
	write_text("app.c", "int named_one(int);\nint hidden_two(int);\nint DelayedFunc(int);\nint DelayedOrd(int);\n"
	                    "int main(int argc, char **argv) { (void)argv;\n"
	                    "  return named_one(argc) + hidden_two(argc) + DelayedFunc(argc) + DelayedOrd(argc); }\n");
	write_text("app.rc", "1 VERSIONINFO\nFILEVERSION 1,2,3,4\nBEGIN\nEND\n"
	                     "MYDATA RCDATA { \"hello resource\" }\n"
	                     "STRINGTABLE\nBEGIN\n  7 \"seven\"\nEND\n");
	free(run("cd '%s' && x86_64-w64-mingw32-gcc -shared -O1 -o featlib.dll lib.c lib.def 2>&1"
	         " && x86_64-w64-mingw32-dlltool -d imp.def -l libfeat.a"
	         " && x86_64-w64-mingw32-dlltool -d delay.def -y libdelay.a"
	         " && x86_64-w64-mingw32-windres app.rc -O coff -o app.res.o"
	         " && x86_64-w64-mingw32-gcc -O1 -o app.exe app.c app.res.o libfeat.a libdelay.a -Wl,--build-id 2>&1"
	         " && i686-w64-mingw32-dlltool -d imp.def -l libfeat32.a"
	         " && i686-w64-mingw32-dlltool -d delay.def -y libdelay32.a"
	         " && i686-w64-mingw32-gcc -O1 -o app32.exe app.c libfeat32.a libdelay32.a 2>&1",
	         tmpdir));
	built = 1;
}

static void test_dll_exports(void **state)
{
	(void)state;
	build_feature_images();
	char path[512];
	snprintf(path, sizeof(path), "%s/featlib.dll", tmpdir);
	check_file(path);
	lineage_sample *s;
	const lineage_binary *b = load(&s, path);
	assert_string_equal(b->pe.export_dll_name, "featlib.dll");
	char *nm = run(NM " '%s'", path);
	const lineage_export *e = find_export(b, "named_one");
	assert_non_null(e);
	assert_int_equal(e->ordinal, 1);
	assert_true(e->is_function);
	assert_int_equal(e->address, nm_address(nm, "named_one"));
	e = find_export_ordinal(b, 7); /* NONAME: ordinal only */
	assert_non_null(e);
	assert_null(e->name);
	assert_true(e->is_function);
	assert_int_equal(e->address, nm_address(nm, "hidden_two"));
	e = find_export(b, "data_three");
	assert_non_null(e);
	assert_false(e->is_function);
	assert_int_equal(e->address, nm_address(nm, "data_three"));
	e = find_export(b, "fwd_tick");
	assert_non_null(e);
	assert_string_equal(e->forwarder, "KERNEL32.GetTickCount");
	assert_int_equal(e->address, 0);
	assert_int_equal(count_hints(b, LINEAGE_SRC_EXPORT), 2);
	free(nm);
	lineage_sample_free(s);
}

/* Offsets of a loaded image's structures, from the loader's own sections
 * (checked against objdump above). */
static uint64_t va_to_off(const lineage_binary *b, uint64_t va)
{
	const uint8_t *p;
	uint64_t avail;
	assert_int_equal(lineage_binary_va_bytes(&p, &avail, b, va), 0);
	return (uint64_t)(p - b->data);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Point data directory 13 at the descriptor dlltool's delay library made
 * (GNU ld links it but leaves the directory empty). */
static void set_delay_directory(uint8_t *data, uint32_t rva)
{
	uint32_t pe = get32(data + 0x3c);
	uint16_t magic = (uint16_t)(data[pe + 24] | data[pe + 25] << 8);
	uint32_t dd = pe + 24 + (magic == 0x20b ? 112 : 96);
	put32(data + dd + 13 * 8, rva);
	put32(data + dd + 13 * 8 + 4, 32);
}

static void check_delay(const lineage_binary *b, const char *nm, const char *prefix)
{
	char name[128];
	const lineage_import *im = find_import(b, "delayme.dll", "DelayedFunc", 0);
	assert_non_null(im);
	assert_true(im->flags & LINEAGE_IMPORT_DELAY);
	snprintf(name, sizeof(name), "%sDelayedFunc", prefix);
	assert_int_equal(im->slot, nm_address(nm, name));
	im = find_import(b, "delayme.dll", NULL, 9);
	assert_non_null(im);
	assert_true(im->flags & LINEAGE_IMPORT_DELAY);
	assert_true(im->flags & LINEAGE_IMPORT_ORDINAL);
	snprintf(name, sizeof(name), "%sDelayedOrd", prefix);
	assert_int_equal(im->slot, nm_address(nm, name));
}

static void test_exe_imports_resources_debug(void **state)
{
	(void)state;
	build_feature_images();
	char path[512];
	snprintf(path, sizeof(path), "%s/app.exe", tmpdir);
	check_file(path);
	lineage_sample *s;
	const lineage_binary *b = load(&s, path);
	char *nm = run(NM " '%s'", path);

	/* imports by name and by ordinal; each slot is the __imp_ symbol */
	const lineage_import *im = find_import(b, "featlib.dll", "named_one", 0);
	assert_non_null(im);
	assert_int_equal(im->slot, nm_address(nm, "__imp_named_one"));
	im = find_import(b, "featlib.dll", NULL, 7);
	assert_non_null(im);
	assert_true(im->flags & LINEAGE_IMPORT_ORDINAL);
	assert_int_equal(im->slot, nm_address(nm, "__imp_hidden_two"));
	im = find_import(b, "kernel32.dll", "GetLastError", 0); /* library kept as written: KERNEL32.dll */
	assert_non_null(im);
	assert_string_equal(im->library, "KERNEL32.dll");
	assert_int_equal(im->slot, nm_address(nm, "__imp_GetLastError"));

	/* resources: objdump lists the leaves */
	char *od = run(OBJDUMP " -p '%s'", path);
	size_t leaves = 0;
	for (const char *l = strstr(od, "Leaf: Addr: "); l; l = strstr(l + 1, "Leaf: Addr: ")) {
		unsigned rva, size, cp;
		assert_int_equal(sscanf(l, "Leaf: Addr: 0x%x, Size: 0x%x, Codepage: %u", &rva, &size, &cp), 3);
		int found = 0;
		for (size_t i = 0; i < b->nresources && !found; i++)
			found = b->resources[i].rva == rva && b->resources[i].size == size &&
			        b->resources[i].codepage == cp;
		assert_true(found);
		leaves++;
	}
	assert_int_equal(leaves, 3);
	assert_int_equal(b->nresources, 3);
	int saw_named = 0;
	for (size_t i = 0; i < b->nresources; i++) {
		const lineage_resource *r = &b->resources[i];
		assert_int_equal(r->lang, 0x409);
		if (r->type_id == 10) { /* RT_RCDATA "MYDATA" */
			assert_non_null(r->name);
			assert_string_equal(r->name, "MYDATA");
			assert_true(r->size >= 14);
			assert_memory_equal(b->data + r->offset, "hello resource", 14);
			saw_named = 1;
		} else {
			assert_true(r->type_id == 16 || r->type_id == 6);
			assert_null(r->name);
			assert_int_equal(r->name_id, 1);
		}
	}
	assert_true(saw_named);

	/* --build-id: a CodeView RSDS record; objdump prints the raw 16 bytes */
	const char *rsds = strstr(od, "(format RSDS signature ");
	assert_non_null(rsds);
	char sig[33];
	unsigned age;
	assert_int_equal(sscanf(rsds, "(format RSDS signature %32s age %u", sig, &age), 2);
	/* BFD byte-swaps Data1..Data3 when it reads the record, so its hex is
	 * already in the GUID's text order */
	char guid[64];
	snprintf(guid, sizeof(guid), "{%.8s-%.4s-%.4s-%.4s-%.12s}", sig, sig + 8, sig + 12, sig + 16, sig + 20);
	for (char *c = guid; *c; c++)
		if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
	assert_string_equal(b->pe.pdb_guid, guid);
	assert_int_equal(b->pe.pdb_age, age);
	assert_non_null(b->pe.pdb_path);
	assert_string_equal(b->pe.pdb_path, "");

	/* delay-load imports, once the directory points at the descriptor */
	size_t len;
	uint8_t *data = slurp(path, &len);
	uint64_t desc = nm_address(nm, "__DELAY_IMPORT_DESCRIPTOR_libdelay_a");
	assert_true(desc > b->image_base);
	set_delay_directory(data, (uint32_t)(desc - b->image_base));
	lineage_sample *d;
	const lineage_binary *db = load_mem(&d, data, len);
	check_delay(db, nm, "__imp_");
	assert_int_equal(db->nwarnings, 0);
	lineage_sample_free(d);
	free(data);
	free(od);
	free(nm);
	lineage_sample_free(s);
}

/* PE32 delay imports, RVA-based as dlltool writes them and rewritten into the
 * old Visual C++ 6 form whose fields and name pointers are VAs. */
static void test_delay_imports_pe32(void **state)
{
	(void)state;
	build_feature_images();
	char path[512];
	snprintf(path, sizeof(path), "%s/app32.exe", tmpdir);
	check_file(path);
	lineage_sample *s;
	const lineage_binary *b = load(&s, path);
	char *nm = run(NM " '%s'", path);
	uint64_t desc = nm_address(nm, "__DELAY_IMPORT_DESCRIPTOR_libdelay32_a");
	assert_true(desc > b->image_base);
	const lineage_import *im = find_import(b, "featlib.dll", NULL, 7);
	assert_non_null(im);
	assert_int_equal(im->slot, nm_address(nm, "__imp__hidden_two"));

	size_t len;
	uint8_t *data = slurp(path, &len);
	set_delay_directory(data, (uint32_t)(desc - b->image_base));
	lineage_sample *d;
	const lineage_binary *db = load_mem(&d, data, len);
	check_delay(db, nm, "__imp__");
	lineage_sample_free(d);

	/* the VA form: attributes 0, name/IAT/INT fields and the INT's name
	 * pointers are VAs */
	uint64_t doff = va_to_off(b, desc);
	uint8_t *dp = data + doff;
	uint32_t ib = (uint32_t)b->image_base;
	assert_int_equal(get32(dp), 1);
	uint32_t int_rva = get32(dp + 16);
	put32(dp, 0);
	for (int k = 1; k < 8; k++)
		if (get32(dp + 4 * k) && k != 7) put32(dp + 4 * k, get32(dp + 4 * k) + ib);
	for (uint8_t *t = data + va_to_off(b, b->image_base + int_rva); get32(t); t += 4)
		if (!(get32(t) & 0x80000000u)) put32(t, get32(t) + ib);
	db = load_mem(&d, data, len);
	check_delay(db, nm, "__imp__");
	assert_int_equal(db->nwarnings, 0);
	lineage_sample_free(d);
	free(data);
	free(nm);
	lineage_sample_free(s);
}

/* ---- images written byte by byte ---- */

#define SYN_SIZE 0xa00

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A PE32+ x86-64 image: DOS header, a Rich header at 0x80, .text at RVA
 * 0x1000 (file 0x400) and .rdata at RVA 0x2000 (file 0x600). rich_clear
 * receives the Rich block before XOR (from "DanS" to "Rich"). */
static void synth(uint8_t *f, uint8_t *rich_clear, size_t *rich_len, uint32_t key)
{
	memset(f, 0, SYN_SIZE);
	f[0] = 'M';
	f[1] = 'Z';
	put32(f + 0x3c, 0xc0);
	/* Rich: DanS, 3 zero dwords, (comp.id, count) pairs */
	uint32_t clear[] = {
	        0x536e6144, 0, 0, 0, (0x0104u << 16) | 0x7809, 5, (0x0001u << 16) | 0, 42, (0x00ffu << 16) | 0x6030, 1};
	size_t n = sizeof(clear) / 4;
	for (size_t i = 0; i < n; i++) {
		put32(rich_clear + 4 * i, clear[i]);
		put32(f + 0x80 + 4 * i, clear[i] ^ key);
	}
	*rich_len = 4 * n;
	memcpy(f + 0x80 + 4 * n, "Rich", 4);
	put32(f + 0x80 + 4 * n + 4, key);

	uint8_t *pe = f + 0xc0;
	memcpy(pe, "PE\0\0", 4);
	put16(pe + 4, 0x8664);
	put16(pe + 6, 2);
	put32(pe + 8, 0x5f5e1000);
	put16(pe + 20, 240);
	put16(pe + 22, 0x22);
	uint8_t *o = pe + 24;
	put16(o, 0x20b);
	o[2] = 14;
	o[3] = 29;
	put32(o + 16, 0x1000); /* entry */
	put32(o + 24, 0x40000000);
	put32(o + 28, 0x1); /* image base 0x140000000 */
	put32(o + 32, 0x1000);
	put32(o + 36, 0x200);
	put32(o + 56, 0x3000);
	put32(o + 60, 0x400);
	put16(o + 68, 3);
	put32(o + 108, 16);
	uint8_t *dd = o + 112;
	put32(dd + 3 * 8, 0x2000); /* exception directory: 3 RUNTIME_FUNCTIONs */
	put32(dd + 3 * 8 + 4, 36);
	put32(dd + 6 * 8, 0x2200); /* debug directory: 1 entry */
	put32(dd + 6 * 8 + 4, 28);
	uint8_t *sh = o + 240;
	memcpy(sh, ".text", 5);
	put32(sh + 8, 0x100);
	put32(sh + 12, 0x1000);
	put32(sh + 16, 0x200);
	put32(sh + 20, 0x400);
	put32(sh + 36, 0x60000020);
	sh += 40;
	memcpy(sh, ".rdata", 6);
	put32(sh + 8, 0x400);
	put32(sh + 12, 0x2000);
	put32(sh + 16, 0x400);
	put32(sh + 20, 0x600);
	put32(sh + 36, 0x40000040);
	memset(f + 0x400, 0xc3, 0x100);

	uint8_t *rd = f + 0x600; /* RVA 0x2000 */
	uint32_t rf[] = {0x1000, 0x1010, 0x2100, 0x1010, 0x1020, 0x2108, 0x1020, 0x1030, 0x2100};
	for (size_t i = 0; i < 9; i++) put32(rd + 4 * i, rf[i]);
	rd[0x100] = 0x01;            /* UNWIND_INFO version 1, no flags */
	rd[0x108] = 0x01 | (4 << 3); /* UNW_FLAG_CHAININFO */
	uint8_t *dbg = rd + 0x200;
	put32(dbg + 12, 2); /* IMAGE_DEBUG_TYPE_CODEVIEW */
	put32(dbg + 16, 24 + 12);
	put32(dbg + 20, 0x2240);
	put32(dbg + 24, 0x600 + 0x240);
	uint8_t *cv = rd + 0x240;
	memcpy(cv, "RSDS", 4);
	for (int i = 0; i < 16; i++) cv[4 + i] = (uint8_t)(i * 0x11);
	put32(cv + 20, 7);
	memcpy(cv + 24, "C:\\b\\x.pdb", 11);
}

static void test_rich_and_codeview(void **state)
{
	(void)state;
	uint8_t *f = malloc(SYN_SIZE), clear[256];
	size_t clen;
	uint32_t key = 0x9ac3d1e5;
	synth(f, clear, &clen, key);
	lineage_sample *s;
	const lineage_binary *b = load_mem(&s, f, SYN_SIZE);
	assert_int_equal(b->arch, LINEAGE_ARCH_X86_64);
	assert_int_equal(b->image_base, 0x140000000ull);
	assert_int_equal(b->entry, 0x140001000ull);
	assert_int_equal(b->pe.timestamp, 0x5f5e1000);
	assert_int_equal(b->pe.linker_major, 14);
	assert_int_equal(b->pe.linker_minor, 29);

	assert_int_equal(b->pe.nrich, 3);
	assert_int_equal(b->pe.rich_key, key);
	assert_int_equal(b->pe.rich_offset, 0x80);
	assert_int_equal(b->pe.rich[0].product, 0x0104);
	assert_int_equal(b->pe.rich[0].build, 0x7809);
	assert_int_equal(b->pe.rich[0].count, 5);
	assert_int_equal(b->pe.rich[1].product, 1);
	assert_int_equal(b->pe.rich[1].count, 42);
	assert_int_equal(b->pe.rich[2].product, 0xff);
	assert_int_equal(b->pe.rich[2].build, 0x6030);
	/* pefile's get_rich_header_hash: MD5 of the clear block DanS..Rich */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	assert_true(EVP_Digest(clear, clen, md, &mdlen, EVP_md5(), NULL));
	char hex[33];
	for (unsigned i = 0; i < mdlen; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(b->pe.rich_hash, hex);

	/* CodeView RSDS: GUID bytes 00 11 22 .. ff as a Windows GUID string */
	assert_string_equal(b->pe.pdb_guid, "{33221100-5544-7766-8899-AABBCCDDEEFF}");
	assert_int_equal(b->pe.pdb_age, 7);
	assert_string_equal(b->pe.pdb_path, "C:\\b\\x.pdb");

	/* .pdata: the chained entry at 0x1010 is not a function start */
	assert_int_equal(count_hints(b, LINEAGE_SRC_EXCEPTION), 2);
	for (size_t i = 0; i < b->nhints; i++) {
		if (b->hints[i].source != LINEAGE_SRC_EXCEPTION) continue;
		assert_true(b->hints[i].address == 0x140001000ull || b->hints[i].address == 0x140001020ull);
		assert_int_equal(b->hints[i].size, 0x10); /* EndAddress - BeginAddress */
	}
	assert_int_equal(b->nwarnings, 0);
	assert_int_equal(b->overlay_offset, SYN_SIZE);
	lineage_sample_free(s);

	/* NB10: a signature and age, no GUID */
	synth(f, clear, &clen, key);
	uint8_t *cv = f + 0x840;
	memset(cv, 0, 40);
	memcpy(cv, "NB10", 4);
	put32(cv + 8, 0x12345678);
	put32(cv + 12, 3);
	memcpy(cv + 16, "old.pdb", 8);
	b = load_mem(&s, f, SYN_SIZE);
	assert_string_equal(b->pe.pdb_path, "old.pdb");
	assert_int_equal(b->pe.pdb_age, 3);
	assert_string_equal(b->pe.pdb_guid, "");
	lineage_sample_free(s);

	/* no Rich header: a damaged key leaves DanS undecodable */
	synth(f, clear, &clen, key);
	put32(f + 0x80 + clen + 4, key ^ 1);
	b = load_mem(&s, f, SYN_SIZE);
	assert_int_equal(b->pe.nrich, 0);
	assert_string_equal(b->pe.rich_hash, "");
	assert_true(b->nwarnings > 0);
	lineage_sample_free(s);
	free(f);
}

/* The headers that make a PE unusable fail the load with a message. */
static void test_unusable_headers(void **state)
{
	(void)state;
	uint8_t *f = malloc(SYN_SIZE), clear[256];
	size_t clen;
	lineage_sample *s;
	synth(f, clear, &clen, 1);
	assert_int_equal(lineage_sample_load_memory(&s, ctx, f, 0x30, "short.exe"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "DOS header"));
	put32(f + 0x3c, 0x7ffffff0);
	assert_int_equal(lineage_sample_load_memory(&s, ctx, f, SYN_SIZE, "far.exe"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "PE header at 0x7ffffff0 is past the end of the file (size 2560)"));
	assert_null(s);
	synth(f, clear, &clen, 1);
	f[0xc0] = 'X';
	assert_int_equal(lineage_sample_load_memory(&s, ctx, f, SYN_SIZE, "nosig.exe"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "no PE signature"));
	synth(f, clear, &clen, 1);
	put16(f + 0xd8, 0x107);
	assert_int_equal(lineage_sample_load_memory(&s, ctx, f, SYN_SIZE, "rom.exe"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "optional header magic"));
	free(f);
}

/* x86 machine: 0x14c, PE32; other machines parse as LINEAGE_ARCH_OTHER. */
static void test_arch(void **state)
{
	(void)state;
	lineage_sample *s;
	const lineage_binary *b = load(&s, system_dlls[2]);
	assert_int_equal(b->arch, LINEAGE_ARCH_X86);
	assert_int_equal(b->bits, 32);
	lineage_sample_free(s);
	uint8_t *f = malloc(SYN_SIZE), clear[256];
	size_t clen;
	synth(f, clear, &clen, 1);
	put16(f + 0xc4, 0xaa64); /* ARM64 */
	b = load_mem(&s, f, SYN_SIZE);
	assert_int_equal(b->arch, LINEAGE_ARCH_OTHER);
	assert_int_equal(b->bits, 64);
	assert_int_equal(count_hints(b, LINEAGE_SRC_EXCEPTION), 0); /* .pdata read for x64 only */
	lineage_sample_free(s);
	free(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lineage_test_pe.XXXXXX");
	if (!mkdtemp(tmpdir)) return -1;
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_system_dlls),        cmocka_unit_test(test_fixtures),
	        cmocka_unit_test(test_i686_eh_frame),      cmocka_unit_test(test_stripped),
	        cmocka_unit_test(test_dll_exports),        cmocka_unit_test(test_exe_imports_resources_debug),
	        cmocka_unit_test(test_delay_imports_pe32), cmocka_unit_test(test_rich_and_codeview),
	        cmocka_unit_test(test_unusable_headers),   cmocka_unit_test(test_arch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
