/* ELF loader tests through the public API. The oracle is binutils: readelf -W
 * (-h -S -l -d -r -n -s --dyn-syms) and objdump run at test time on system
 * binaries (/usr/bin/ls, libc, libz), the gcc/clang fixtures, a stripped copy,
 * i386 files built here when gcc -m32 can, a RELR-packed build, and synthetic
 * big-endian files built in memory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lineage.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"
#define LIBZ "/lib/x86_64-linux-gnu/libz.so.1"

static lineage_ctx *ctx;
static char tmpdir[256];

/* ---- helpers: commands, files ---- */

/* Output of a shell command (caller frees); NULL when it cannot run. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	if (!p) return NULL;
	size_t len = 0, cap = 65536;
	char *out = malloc(cap);
	size_t n;
	while (out && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *nb = realloc(out, cap * 2);
			if (!nb) {
				free(out);
				out = NULL;
				break;
			}
			out = nb;
			cap *= 2;
		}
	}
	int st = pclose(p);
	if (!out) return NULL;
	out[len] = 0;
	if (st != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Run a command quietly; true when it exits 0. */
static bool sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[4200];
	snprintf(full, sizeof(full), "(%s) >/dev/null 2>&1", cmd);
	return system(full) == 0;
}

/* Next line of a buffer: *pos advances; NULL at the end. Modifies buf. */
static char *next_line(char **pos)
{
	char *s = *pos;
	if (!s || !*s) return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = 0;
		*pos = nl + 1;
	} else {
		*pos = s + strlen(s);
	}
	return s;
}

static const char *fixtures_dir(void)
{
	const char *d = getenv("LINEAGE_FIXTURES");
	return d ? d : "fixtures";
}

static bool exists(const char *p)
{
	return access(p, R_OK) == 0;
}

static const char *fixture(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", fixtures_dir(), name);
	return buf;
}

static lineage_sample *load(const char *path)
{
	lineage_sample *s = NULL;
	int rc = lineage_sample_load_file(&s, ctx, path);
	if (rc != 0) fail_msg("%s: %s", path, lineage_errmsg(ctx));
	return s;
}

static void *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc(sz > 0 ? (size_t)sz : 1);
	if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return p;
}

static bool has_hint(const lineage_binary *b, uint64_t addr, uint32_t src)
{
	for (size_t i = 0; i < b->nhints; i++)
		if (b->hints[i].address == addr && (b->hints[i].source & src)) return true;
	return false;
}

static const lineage_import *import_named(const lineage_binary *b, const char *name)
{
	for (size_t i = 0; i < b->nimports; i++)
		if (b->imports[i].name && strcmp(b->imports[i].name, name) == 0) return &b->imports[i];
	return NULL;
}

static const lineage_section *section_named(const lineage_binary *b, const char *name)
{
	for (size_t i = 0; i < b->nsections; i++)
		if (strcmp(b->sections[i].name, name) == 0) return &b->sections[i];
	return NULL;
}

static void strip_version(char *name)
{
	char *at = strchr(name, '@');
	if (at) *at = 0;
}

/* The files every oracle comparison runs on. */
static size_t oracle_files(char out[][512], size_t max)
{
	size_t n = 0;
	const char *sys[] = {"/usr/bin/ls", LIBC, LIBZ};
	for (size_t i = 0; i < 3 && n < max; i++)
		if (exists(sys[i])) snprintf(out[n++], 512, "%s", sys[i]);
	const char *progs[] = {"kin_a", "kin_b"}, *ccs[] = {"gcc", "clang"}, *opts[] = {"O0", "O2", "Os"};
	for (size_t p = 0; p < 2; p++)
		for (size_t c = 0; c < 2; c++)
			for (size_t o = 0; o < 3 && n < max; o++) {
				char path[512];
				snprintf(path, sizeof(path), "%s/%s-%s-%s", fixtures_dir(), progs[p], ccs[c], opts[o]);
				if (exists(path)) snprintf(out[n++], 512, "%s", path);
			}
	return n;
}

/* ---- oracle checks shared by several tests ---- */

/* Sections: count, names and addresses equal readelf -S; segments count equals
 * readelf -l; entry equals readelf -h. */
static void check_headers(const char *path, const lineage_binary *b)
{
	char *out = run("readelf -W -S '%s'", path);
	assert_non_null(out);
	char *pos = out, *l;
	unsigned long count = 0;
	size_t seen = 0;
	while ((l = next_line(&pos))) {
		if (sscanf(l, "There are %lu section headers", &count) == 1) continue;
		char *lb = strstr(l, "  ["), *rb = lb ? strchr(lb, ']') : NULL;
		unsigned idx;
		if (!rb || sscanf(lb + 3, "%u", &idx) != 1) continue;
		char name[512] = "", type[64] = "";
		unsigned long long addr = 0;
		if (idx == 0) {
			assert_int_equal(sscanf(rb + 1, "%63s %llx", type, &addr), 2);
		} else {
			assert_int_equal(sscanf(rb + 1, "%511s %63s %llx", name, type, &addr), 3);
		}
		assert_true(idx < b->nsections);
		if (strcmp(b->sections[idx].name, name) != 0)
			fail_msg("%s: section %u: '%s' != readelf '%s'", path, idx, b->sections[idx].name, name);
		assert_int_equal(b->sections[idx].vaddr, addr);
		seen++;
	}
	free(out);
	assert_int_equal(b->nsections, count);
	assert_int_equal(seen, count);

	out = run("readelf -W -h '%s'", path);
	assert_non_null(out);
	pos = out;
	unsigned long long entry = 0;
	unsigned long nph = 0;
	while ((l = next_line(&pos))) {
		sscanf(l, " Entry point address: %llx", &entry);
		sscanf(l, " Number of program headers: %lu", &nph);
	}
	free(out);
	assert_int_equal(b->entry, entry);
	assert_int_equal(b->has_entry, entry != 0);
	assert_int_equal(b->nsegments, nph);
}

/* DT_NEEDED (in order), DT_SONAME, interpreter and build-id equal readelf. */
static void check_dynamic(const char *path, const lineage_binary *b)
{
	char *out = run("readelf -W -d -l -n '%s'", path);
	assert_non_null(out);
	char *pos = out, *l;
	size_t nneeded = 0;
	char soname[256] = "", interp[512] = "", build_id[256] = "";
	while ((l = next_line(&pos))) {
		char *p, *q;
		if ((p = strstr(l, "(NEEDED)")) && (p = strchr(p, '[')) && (q = strchr(p, ']'))) {
			*q = 0;
			assert_true(nneeded < b->elf.nneeded);
			assert_string_equal(b->elf.needed[nneeded], p + 1);
			nneeded++;
		}
		if ((p = strstr(l, "(SONAME)")) && (p = strchr(p, '[')) && (q = strchr(p, ']'))) {
			*q = 0;
			snprintf(soname, sizeof(soname), "%s", p + 1);
		}
		if ((p = strstr(l, "program interpreter: ")) && (q = strchr(p, ']'))) {
			*q = 0;
			snprintf(interp, sizeof(interp), "%s", p + 21);
		}
		if ((p = strstr(l, "Build ID: "))) sscanf(p + 10, "%255s", build_id);
	}
	free(out);
	assert_int_equal(b->elf.nneeded, nneeded);
	if (*soname)
		assert_string_equal(b->elf.soname, soname);
	else
		assert_null(b->elf.soname);
	if (*interp)
		assert_string_equal(b->elf.interpreter, interp);
	else
		assert_null(b->elf.interpreter);
	if (*build_id)
		assert_string_equal(b->elf.build_id, build_id);
	else
		assert_null(b->elf.build_id);
}

/* Every defined global/weak FUNC of readelf --dyn-syms (value != 0) is an
 * export at the same address, marked as a function. */
static void check_exports(const char *path, const lineage_binary *b)
{
	char *out = run("readelf -W --dyn-syms '%s'", path);
	assert_non_null(out);
	char *pos = out, *l;
	size_t checked = 0;
	while ((l = next_line(&pos))) {
		unsigned long long value;
		char size[64], type[32], bind[32], vis[32], ndx[32], name[1024];
		if (sscanf(l, " %*u: %llx %63s %31s %31s %31s %31s %1023s", &value, size, type, bind, vis, ndx, name) !=
		    7)
			continue;
		if (strcmp(type, "FUNC") != 0 || strcmp(ndx, "UND") == 0 || !value) continue;
		if (strcmp(bind, "GLOBAL") != 0 && strcmp(bind, "WEAK") != 0) continue;
		strip_version(name);
		bool found = false;
		for (size_t i = 0; i < b->nexports && !found; i++) {
			const lineage_export *x = &b->exports[i];
			found = x->name && strcmp(x->name, name) == 0 && x->address == value && x->is_function;
		}
		if (!found) fail_msg("%s: dynamic function %s at 0x%llx is not an export", path, name, value);
		assert_true(has_hint(b, value, LINEAGE_SRC_EXPORT));
		checked++;
	}
	free(out);
	(void)checked;
}

/* stripped == no .symtab in readelf -S. */
static void check_stripped(const char *path, const lineage_binary *b)
{
	char *out = run("readelf -W -S '%s'", path);
	assert_non_null(out);
	bool symtab = strstr(out, " SYMTAB ") != NULL;
	free(out);
	assert_int_equal(b->elf.stripped, !symtab);
}

/* FDE coverage: every defined FUNC symbol of .symtab with a size has an
 * exception hint (gcc and clang emit an FDE per function). */
static void check_fde_coverage(const char *path, const lineage_binary *b)
{
	char *out = run("readelf -W -s '%s'", path);
	assert_non_null(out);
	char *pos = out, *l;
	bool in_symtab = false;
	size_t checked = 0;
	while ((l = next_line(&pos))) {
		if (strstr(l, "Symbol table '")) in_symtab = strstr(l, "'.symtab'") != NULL;
		unsigned long long value, size;
		char type[32], bind[32], vis[32], ndx[32], name[1024];
		if (!in_symtab || sscanf(l, " %*u: %llx %llu %31s %31s %31s %31s %1023s", &value, &size, type, bind,
		                         vis, ndx, name) != 7)
			continue;
		if (strcmp(type, "FUNC") != 0 || strcmp(ndx, "UND") == 0 || !size) continue;
		if (!has_hint(b, value, LINEAGE_SRC_EXCEPTION))
			fail_msg("%s: function %s at 0x%llx has no .eh_frame hint", path, name, value);
		/* the FDE's pc_range is the function's extent */
		bool sized = false;
		for (size_t i = 0; i < b->nhints; i++)
			if (b->hints[i].address == value && (b->hints[i].source & LINEAGE_SRC_EXCEPTION) &&
			    b->hints[i].size == size)
				sized = true;
		if (!sized) fail_msg("%s: FDE of %s does not give its size %llu", path, name, size);
		assert_true(has_hint(b, value, LINEAGE_SRC_SYMBOL));
		checked++;
	}
	free(out);
	assert_true(checked >= 3);
}

typedef struct rel {
	unsigned long long where, value;
	char type[64], name[512];
} rel;

/* readelf -r rows: offset, type and either the symbol name or the addend. */
static rel *readelf_relocs(const char *path, size_t *n)
{
	char *out = run("readelf -W -r '%s'", path);
	assert_non_null(out);
	size_t cap = 1024;
	rel *r = malloc(cap * sizeof(rel));
	*n = 0;
	char *pos = out, *l;
	while ((l = next_line(&pos))) {
		rel x;
		memset(&x, 0, sizeof(x));
		unsigned long long info;
		char a[512] = "", c[512] = "";
		int k = sscanf(l, "%llx %llx %63s %511s %511s", &x.where, &info, x.type, a, c);
		if (k < 3 || strncmp(x.type, "R_", 2) != 0) continue;
		x.value = UINT64_MAX; /* REL: readelf shows no addend */
		if (k == 4) {
			x.value = strtoull(a, NULL, 16); /* RELATIVE: the addend */
		} else if (k == 5) {
			x.value = strtoull(a, NULL, 16); /* symbol value */
			snprintf(x.name, sizeof(x.name), "%s", c);
			strip_version(x.name);
		}
		if (*n == cap) r = realloc(r, (cap *= 2) * sizeof(rel));
		r[(*n)++] = x;
	}
	free(out);
	return r;
}

/* JUMP_SLOT/GLOB_DAT against undefined symbols are imports at their slot;
 * RELATIVE relocations carry their addend. */
static void check_relocs(const char *path, const lineage_binary *b, bool want_stubs)
{
	size_t n;
	rel *r = readelf_relocs(path, &n);
	size_t nrel = 0, nslots = 0;
	for (size_t i = 0; i < n; i++) {
		if (strstr(r[i].type, "_RELATIVE") && !strstr(r[i].type, "IRELATIVE")) {
			nrel++;
			bool found = false;
			for (size_t j = 0; j < b->nrelocs && !found; j++)
				found = b->relocs[j].where == r[i].where &&
				        (r[i].value == UINT64_MAX || b->relocs[j].target == r[i].value);
			if (!found) fail_msg("%s: RELATIVE at 0x%llx -> 0x%llx missing", path, r[i].where, r[i].value);
		}
		bool slot = strstr(r[i].type, "JUMP_SLOT") || strstr(r[i].type, "JMP_SLOT");
		if ((slot || strstr(r[i].type, "GLOB_DAT")) && !r[i].value && *r[i].name) {
			const lineage_import *im = NULL;
			for (size_t j = 0; j < b->nimports && !im; j++)
				if (b->imports[j].slot == r[i].where) im = &b->imports[j];
			if (!im)
				fail_msg("%s: %s %s at 0x%llx is not an import", path, r[i].type, r[i].name,
				         r[i].where);
			assert_string_equal(im->name, r[i].name);
			if (slot && want_stubs && !im->stub) fail_msg("%s: import %s has no PLT stub", path, im->name);
			nslots++;
		}
	}
	size_t ours = 0;
	for (size_t j = 0; j < b->nrelocs; j++)
		if (b->relocs[j].type == 8) ours++;
	assert_int_equal(ours, nrel);
	free(r);
	(void)nslots;
}

/* PLT stub addresses equal objdump's <name@plt> labels. */
static void check_stubs_objdump(const char *path, const lineage_binary *b)
{
	char *out = run("objdump -d -j .plt -j .plt.sec -j .plt.got '%s' 2>/dev/null", path);
	assert_non_null(out); /* binutils, like readelf */
	char *pos = out, *l;
	size_t checked = 0;
	while ((l = next_line(&pos))) {
		unsigned long long addr;
		char label[512];
		if (sscanf(l, "%llx <%511[^>]>:", &addr, label) != 2) continue;
		char *at = strstr(label, "@plt");
		if (!at || strchr(label, '+') || strchr(label, '-')) continue;
		*at = 0;
		strip_version(label);
		const lineage_import *im = import_named(b, label);
		if (!im) continue;
		bool ok = false;
		for (size_t i = 0; i < b->nimports; i++)
			if (b->imports[i].name && strcmp(b->imports[i].name, label) == 0 && b->imports[i].stub == addr)
				ok = true;
		if (!ok)
			fail_msg("%s: stub of %s: objdump 0x%llx, ours 0x%llx", path, label, addr,
			         (unsigned long long)im->stub);
		checked++;
	}
	free(out);
	assert_true(checked > 0);
}

/* ---- tests ---- */

static void test_headers_vs_readelf(void **state)
{
	(void)state;
	char files[32][512];
	size_t n = oracle_files(files, 32);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		lineage_sample *s = load(files[i]);
		const lineage_binary *b = lineage_sample_binary(s);
		assert_int_equal(b->format, LINEAGE_FORMAT_ELF);
		assert_int_equal(b->arch, LINEAGE_ARCH_X86_64);
		assert_int_equal(b->bits, 64);
		assert_int_equal(b->elf.elf_class, 2);
		assert_int_equal(b->elf.machine, 62);
		check_headers(files[i], b);
		check_dynamic(files[i], b);
		check_stripped(files[i], b);
		for (size_t w = 0; w < b->nwarnings; w++)
			fail_msg("%s: unexpected warning %s: %s", files[i], b->warnings[w].area,
			         b->warnings[w].message);
		lineage_sample_free(s);
	}
}

static void test_exports_vs_dynsym(void **state)
{
	(void)state;
	const char *files[] = {LIBC, LIBZ, "/usr/bin/ls"};
	for (size_t i = 0; i < 3; i++) {
		if (!exists(files[i])) continue;
		lineage_sample *s = load(files[i]);
		check_exports(files[i], lineage_sample_binary(s));
		lineage_sample_free(s);
	}
	lineage_sample *s = load(LIBC);
	const lineage_binary *b = lineage_sample_binary(s);
	assert_true(b->nexports > 1000);
	assert_string_equal(b->elf.soname, "libc.so.6");
	lineage_sample_free(s);
}

static void test_ls_imports(void **state)
{
	(void)state;
	lineage_sample *s = load("/usr/bin/ls");
	const lineage_binary *b = lineage_sample_binary(s);
	bool plt = section_named(b, ".plt") || section_named(b, ".plt.sec");
	check_relocs("/usr/bin/ls", b, plt);
	check_stubs_objdump("/usr/bin/ls", b);
	const lineage_import *io = import_named(b, "ioctl");
	assert_non_null(io);
	assert_string_equal(io->library, "libc.so.6");
	assert_int_equal(io->flags & LINEAGE_IMPORT_DATA, 0);
	/* a data import: ls reads stdout/stderr-like objects from libc */
	bool data = false;
	for (size_t i = 0; i < b->nimports; i++)
		if (b->imports[i].flags & LINEAGE_IMPORT_DATA) data = true;
	assert_true(data);
	/* the import from the other library resolves through its version */
	bool selinux = false;
	for (size_t i = 0; i < b->nimports; i++)
		if (strcmp(b->imports[i].library, "libselinux.so.1") == 0) selinux = true;
	assert_true(selinux);
	assert_true(b->has_entry);
	assert_true(has_hint(b, b->entry, LINEAGE_SRC_ENTRY));
	lineage_sample_free(s);
}

static void test_fixtures(void **state)
{
	(void)state;
	char files[32][512];
	size_t n = oracle_files(files, 32);
	size_t fx = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(files[i], "/usr", 4) == 0 || strncmp(files[i], "/lib", 4) == 0) continue;
		fx++;
		lineage_sample *s = load(files[i]);
		const lineage_binary *b = lineage_sample_binary(s);
		assert_int_equal(b->elf.stripped, 0);
		check_fde_coverage(files[i], b);
		check_relocs(files[i], b, true);
		check_stubs_objdump(files[i], b);
		const lineage_import *pr = import_named(b, "printf");
		if (pr) assert_string_equal(pr->library, "libc.so.6");
		/* DT_INIT and the init/fini arrays (PIE: relocation targets) */
		char *out = run("readelf -W -s -d '%s'", files[i]);
		assert_non_null(out);
		char *pos = out, *l;
		unsigned long long init = 0, fd = 0, dtors = 0;
		while ((l = next_line(&pos))) {
			unsigned long long v;
			char name[256];
			if (sscanf(l, " 0x%*x (INIT) %llx", &v) == 1) init = v;
			if (sscanf(l, " %*u: %llx %*u FUNC %*s %*s %*s %255s", &v, name) == 2) {
				if (strcmp(name, "frame_dummy") == 0) fd = v;
				if (strcmp(name, "__do_global_dtors_aux") == 0) dtors = v;
			}
		}
		free(out);
		assert_true(init && fd && dtors);
		assert_true(has_hint(b, init, LINEAGE_SRC_INIT));
		assert_true(has_hint(b, fd, LINEAGE_SRC_INIT));
		assert_true(has_hint(b, dtors, LINEAGE_SRC_INIT));
		assert_int_equal(b->overlay_size, 0);
		lineage_sample_free(s);
	}
	if (!fx) fail_msg("no fixtures in %s (run tests/fixtures/build.sh)", fixtures_dir());
}

static void test_stripped_copy(void **state)
{
	(void)state;
	char src[512], dst[600];
	fixture(src, sizeof(src), "kin_a-gcc-O2");
	snprintf(dst, sizeof(dst), "%s/kin_a-stripped", tmpdir);
	assert_true(sh("strip -o '%s' '%s'", dst, src));
	lineage_sample *s = load(dst);
	const lineage_binary *b = lineage_sample_binary(s);
	assert_int_equal(b->elf.stripped, 1);
	check_headers(dst, b);
	check_dynamic(dst, b);
	check_relocs(dst, b, true);
	for (size_t i = 0; i < b->nsymbols; i++) assert_int_equal(b->symbols[i].dynamic, 1);
	/* functions are still found through .eh_frame */
	size_t exc = 0;
	for (size_t i = 0; i < b->nhints; i++)
		if (b->hints[i].source & LINEAGE_SRC_EXCEPTION) exc++;
	assert_true(exc >= 4);
	lineage_sample_free(s);
}

/* Without section headers: pseudo-sections from PT_LOAD, and the dynamic
 * table alone still gives the same imports, stubs, exports and libraries. */
static void test_sectionless(void **state)
{
	(void)state;
	size_t n;
	uint8_t *data = read_all("/usr/bin/ls", &n);
	assert_non_null(data);
	lineage_sample *full = load("/usr/bin/ls");
	const lineage_binary *fb = lineage_sample_binary(full);
	memset(data + 0x28, 0, 8); /* e_shoff */
	memset(data + 0x3c, 0, 4); /* e_shnum, e_shstrndx */
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, data, n, "ls-nosections"), 0);
	const lineage_binary *b = lineage_sample_binary(s);
	assert_string_equal(b->sections[0].name, "seg0");
	size_t loads = 0;
	for (size_t i = 0; i < b->nsegments; i++)
		if (b->segments[i].type == 1) loads++;
	assert_int_equal(b->nsections, loads);
	bool code = false;
	for (size_t i = 0; i < b->nsections; i++)
		if (b->sections[i].flags & LINEAGE_SEC_CODE) code = true;
	assert_true(code);
	assert_int_equal(b->nimports, fb->nimports);
	for (size_t i = 0; i < fb->nimports; i++) {
		const lineage_import *a = &fb->imports[i];
		bool found = false;
		for (size_t j = 0; j < b->nimports && !found; j++) {
			const lineage_import *c = &b->imports[j];
			found = c->slot == a->slot && strcmp(c->name, a->name) == 0 &&
			        strcmp(c->library, a->library) == 0;
			/* .plt stubs come back through the lazy GOT values; .plt.got ones cannot */
			if (found && a->stub && c->stub) assert_int_equal(c->stub, a->stub);
		}
		if (!found) fail_msg("import %s lost without section headers", a->name);
	}
	size_t stubs = 0, fstubs = 0;
	for (size_t i = 0; i < b->nimports; i++) stubs += b->imports[i].stub != 0;
	for (size_t i = 0; i < fb->nimports; i++) fstubs += fb->imports[i].stub != 0;
	assert_true(stubs > 50 && stubs + 10 >= fstubs);
	assert_int_equal(b->nexports, fb->nexports);
	assert_int_equal(b->elf.nneeded, fb->elf.nneeded);
	assert_string_equal(b->elf.build_id, fb->elf.build_id);
	assert_true(b->elf.stripped);
	assert_true(has_hint(b, b->entry, LINEAGE_SRC_ENTRY));
	size_t exc = 0;
	for (size_t i = 0; i < b->nhints; i++)
		if (b->hints[i].source & LINEAGE_SRC_EXCEPTION) exc++;
	assert_true(exc > 100); /* PT_GNU_EH_FRAME */
	for (size_t i = 0; i < b->nhints; i++)
		if (b->hints[i].source & LINEAGE_SRC_EXCEPTION) assert_int_not_equal(b->hints[i].size, 0);
	lineage_sample_free(s);
	lineage_sample_free(full);
	free(data);
}

/* .eh_frame_hdr unusable: the .eh_frame walk finds the same FDEs. */
static void test_eh_frame_walk(void **state)
{
	(void)state;
	char src[512];
	fixture(src, sizeof(src), "kin_b-clang-O2");
	lineage_sample *ref = load(src);
	const lineage_binary *rb = lineage_sample_binary(ref);
	const lineage_section *hdr = section_named(rb, ".eh_frame_hdr");
	assert_non_null(hdr);
	size_t n;
	uint8_t *data = read_all(src, &n);
	data[hdr->offset] = 9; /* version */
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, data, n, "hdr-broken"), 0);
	const lineage_binary *b = lineage_sample_binary(s);
	size_t exc = 0;
	for (size_t i = 0; i < rb->nhints; i++) {
		if (!(rb->hints[i].source & LINEAGE_SRC_EXCEPTION)) continue;
		exc++;
		assert_int_not_equal(rb->hints[i].size, 0);
		bool same = false;
		for (size_t j = 0; j < b->nhints; j++)
			if (b->hints[j].address == rb->hints[i].address && b->hints[j].size == rb->hints[i].size &&
			    (b->hints[j].source & LINEAGE_SRC_EXCEPTION))
				same = true;
		assert_true(same);
	}
	assert_true(exc >= 4);
	assert_true(b->nwarnings >= 1);
	assert_string_equal(b->warnings[0].area, "eh_frame");
	lineage_sample_free(s);
	lineage_sample_free(ref);
	free(data);
}

/* RELR-packed relative relocations decode to readelf's offsets. */
static void test_relr(void **state)
{
	(void)state;
	char c[600], out[600];
	snprintf(c, sizeof(c), "%s/relr.c", tmpdir);
	snprintf(out, sizeof(out), "%s/relr", tmpdir);
	FILE *f = fopen(c, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\nstatic int a, b, c;\nint *ptrs[] = {&a, &b, &c, &a, &b, &c, &a};\n"
	      "int *more[40] = {&a, [9] = &b, [39] = &c};\n"
	      "int main(void) { printf(\"%p %p\\n\", (void *)ptrs[1], (void *)more[9]); return 0; }\n",
	      f);
	fclose(f);
	if (!sh("gcc -O1 -fPIE -pie -Wl,-z,pack-relative-relocs -o '%s' '%s'", out, c)) {
		print_message("skipped: the linker cannot pack relative relocations\n");
		return;
	}
	char *ro = run("readelf -W -r '%s'", out);
	assert_non_null(ro);
	char *pos = ro, *l;
	bool in = false;
	size_t want = 0;
	lineage_sample *s = load(out);
	const lineage_binary *b = lineage_sample_binary(s);
	while ((l = next_line(&pos))) {
		if (strstr(l, "Relocation section")) in = strstr(l, ".relr.dyn") != NULL;
		unsigned long long where;
		char extra[8];
		if (!in || sscanf(l, "%llx %7s", &where, extra) != 1 || strlen(l) < 8) continue;
		bool found = false;
		for (size_t j = 0; j < b->nrelocs && !found; j++)
			found = b->relocs[j].where == where && b->relocs[j].target != 0;
		if (!found) fail_msg("RELR slot 0x%llx missing", where);
		want++;
	}
	free(ro);
	assert_true(want >= 10);
	assert_int_equal(b->nwarnings, 0);
	lineage_sample_free(s);
}

/* i386: a shared library and two programs built without libc (so no multilib
 * is needed), PIE (jmp [ebx+disp]) and non-PIE (jmp [abs32]); plus a full
 * libc program when gcc -m32 can link one. */
static void test_i386(void **state)
{
	(void)state;
	char lib[600], main_c[600], full_c[600];
	snprintf(lib, sizeof(lib), "%s/ext.c", tmpdir);
	snprintf(main_c, sizeof(main_c), "%s/m32.c", tmpdir);
	snprintf(full_c, sizeof(full_c), "%s/full32.c", tmpdir);
	FILE *f = fopen(lib, "w");
	assert_non_null(f);
	fputs("int ext_val;\nint ext_func(int x) { return x + ext_val; }\nint ext_two(void) { return 2; }\n", f);
	fclose(f);
	f = fopen(main_c, "w");
	assert_non_null(f);
	fputs("extern int ext_func(int);\nextern int ext_two(void);\nextern int ext_val;\n"
	      "static int helper(int x) { return ext_func(x) * ext_two(); }\n"
	      "void _start(void) { helper(ext_val); for (;;) ; }\n",
	      f);
	fclose(f);
	f = fopen(full_c, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", f);
	fclose(f);
	if (!sh("cd '%s' && gcc -m32 -shared -fPIC -nostdlib -Wl,-soname,libext.so -o libext.so ext.c", tmpdir)) {
		print_message("skipped: gcc -m32 cannot build i386 code here\n");
		return;
	}
	const char *variants[][2] = {{"pie32", "-fPIE -pie"}, {"nopie32", "-fno-pic -no-pie"}};
	for (size_t v = 0; v < 2; v++) {
		assert_true(sh("cd '%s' && gcc -m32 %s -nostdlib -o %s m32.c -L. -lext", tmpdir, variants[v][1],
		               variants[v][0]));
		char path[700];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, variants[v][0]);
		lineage_sample *s = load(path);
		const lineage_binary *b = lineage_sample_binary(s);
		assert_int_equal(b->arch, LINEAGE_ARCH_X86);
		assert_int_equal(b->bits, 32);
		assert_int_equal(b->elf.elf_class, 1);
		check_headers(path, b);
		check_dynamic(path, b);
		check_relocs(path, b, true);
		check_stubs_objdump(path, b);
		const lineage_import *im = import_named(b, "ext_func");
		assert_non_null(im);
		assert_string_equal(im->library, "libext.so");
		assert_int_not_equal(im->stub, 0);
		im = import_named(b, "ext_val");
		assert_non_null(im); /* GLOB_DAT (PIE) or COPY (non-PIE) */
		assert_true(im->flags & LINEAGE_IMPORT_DATA);
		for (size_t w = 0; w < b->nwarnings; w++)
			fail_msg("%s: unexpected warning %s: %s", path, b->warnings[w].area, b->warnings[w].message);
		lineage_sample_free(s);
	}
	char path[700];
	snprintf(path, sizeof(path), "%s/libext.so", tmpdir);
	lineage_sample *s = load(path);
	check_exports(path, lineage_sample_binary(s));
	check_headers(path, lineage_sample_binary(s));
	lineage_sample_free(s);
	if (!sh("cd '%s' && gcc -m32 -O2 -o full32 full32.c", tmpdir)) {
		print_message("note: gcc -m32 cannot link against libc (no multilib); libc i386 check skipped\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/full32", tmpdir);
	s = load(path);
	const lineage_binary *b = lineage_sample_binary(s);
	check_headers(path, b);
	check_dynamic(path, b);
	check_relocs(path, b, true);
	const lineage_import *im = import_named(b, "puts");
	assert_non_null(im);
	assert_string_equal(im->library, "libc.so.6");
	lineage_sample_free(s);
}

/* A non-PIE executable: addresses differ from file offsets (0x400000 base),
 * which catches any mix-up of the two in .eh_frame_hdr, PLT and GOT code. */
static void test_nopie(void **state)
{
	(void)state;
	char c[600], out[600];
	snprintf(c, sizeof(c), "%s/nopie.c", tmpdir);
	snprintf(out, sizeof(out), "%s/nopie", tmpdir);
	FILE *f = fopen(c, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
	      "__attribute__((noinline)) int twice(int x) { return x * 2 + (int)strlen(\"ab\"); }\n"
	      "__attribute__((noinline)) int thrice(int x) { return x * 3 + atoi(\"1\"); }\n"
	      "int main(int argc, char **argv) { printf(\"%d %s\\n\", twice(argc) + thrice(argc), argv[0]); "
	      "return 0; }\n",
	      f);
	fclose(f);
	assert_true(sh("gcc -O1 -fno-pie -no-pie -o '%s' '%s'", out, c));
	lineage_sample *s = load(out);
	const lineage_binary *b = lineage_sample_binary(s);
	assert_int_equal(b->elf.type, 2);
	assert_int_equal(b->image_base, 0x400000);
	check_headers(out, b);
	check_dynamic(out, b);
	check_relocs(out, b, true);
	check_stubs_objdump(out, b);
	check_fde_coverage(out, b);
	assert_int_equal(b->nwarnings, 0);
	lineage_sample_free(s);
}

/* IBT PLTs: the stubs are the endbr64/endbr32 entries of .plt.sec. */
static void test_ibt_plt(void **state)
{
	(void)state;
	char c[600], out[600];
	snprintf(c, sizeof(c), "%s/ibt.c", tmpdir);
	snprintf(out, sizeof(out), "%s/ibt", tmpdir);
	FILE *f = fopen(c, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\n#include <string.h>\n"
	      "int main(int argc, char **argv) { puts(argv[0]); return (int)strlen(argv[0]) + printf(\"%d\", argc); "
	      "}\n",
	      f);
	fclose(f);
	if (!sh("gcc -O2 -fcf-protection=full -Wl,-z,ibtplt -o '%s' '%s'", out, c)) {
		print_message("skipped: no IBT PLT support in this toolchain\n");
		return;
	}
	lineage_sample *s = load(out);
	const lineage_binary *b = lineage_sample_binary(s);
	const lineage_section *sec = section_named(b, ".plt.sec");
	assert_non_null(sec);
	check_relocs(out, b, true);
	check_stubs_objdump(out, b);
	const lineage_import *im = import_named(b, "puts");
	assert_non_null(im);
	assert_true(im->stub >= sec->vaddr && im->stub < sec->vaddr + sec->vsize);
	const uint8_t *p;
	uint64_t avail;
	assert_int_equal(lineage_binary_va_bytes(&p, &avail, b, im->stub), 0);
	assert_int_equal(p[0], 0xf3); /* endbr64 */
	lineage_sample_free(s);
	/* i386 flavour, when gcc -m32 can compile */
	snprintf(out, sizeof(out), "%s/ibt32", tmpdir);
	if (!sh("cd '%s' && test -f libext.so && gcc -m32 -nostdlib -fcf-protection=full -Wl,-z,ibtplt -fPIE -pie "
	        "-o ibt32 m32.c -L. -lext",
	        tmpdir)) {
		print_message("skipped: i386 IBT check (needs test_i386's library and gcc -m32)\n");
		return;
	}
	s = load(out);
	b = lineage_sample_binary(s);
	check_relocs(out, b, true);
	check_stubs_objdump(out, b);
	lineage_sample_free(s);
}

/* ---- synthetic files: header + one PT_LOAD + a section table ---- */

typedef struct wr {
	uint8_t *p;
	bool be;
} wr;

static void put(wr *w, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) w->p[off + i] = (uint8_t)(v >> (8 * (w->be ? n - 1 - i : i)));
}

/* A minimal executable: [0] NULL, [1] .text, [2] .shstrtab. */
static size_t synth(uint8_t *buf, bool is64, bool be, uint16_t machine)
{
	wr w = {buf, be};
	memset(buf, 0, 512);
	size_t ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32, shsize = is64 ? 64 : 40;
	size_t phoff = ehsize, text = phoff + phsize, strs = text + 16, shoff = strs + 24;
	const char names[] = "\0.text\0.shstrtab";
	memcpy(buf, "\177ELF", 4);
	buf[4] = is64 ? 2 : 1;
	buf[5] = be ? 2 : 1;
	buf[6] = 1;
	put(&w, 16, 2, 2); /* ET_EXEC */
	put(&w, 18, machine, 2);
	put(&w, 20, 1, 4);
	unsigned a = is64 ? 8 : 4;
	put(&w, 24, 0x10000000 + text, a);
	put(&w, 24 + a, phoff, a);
	put(&w, 24 + 2 * a, shoff, a);
	size_t o = 24 + 3 * a + 4;
	put(&w, o, ehsize, 2);
	put(&w, o + 2, phsize, 2);
	put(&w, o + 4, 1, 2);
	put(&w, o + 6, shsize, 2);
	put(&w, o + 8, 3, 2);
	put(&w, o + 10, 2, 2);
	/* PT_LOAD covering the whole file, R+X */
	if (is64) {
		put(&w, phoff, 1, 4);
		put(&w, phoff + 4, 5, 4);
		put(&w, phoff + 8, 0, 8);
		put(&w, phoff + 16, 0x10000000, 8);
		put(&w, phoff + 32, shoff + 3 * shsize, 8);
		put(&w, phoff + 40, shoff + 3 * shsize, 8);
	} else {
		put(&w, phoff, 1, 4);
		put(&w, phoff + 4, 0, 4);
		put(&w, phoff + 8, 0x10000000, 4);
		put(&w, phoff + 16, shoff + 3 * shsize, 4);
		put(&w, phoff + 20, shoff + 3 * shsize, 4);
		put(&w, phoff + 24, 5, 4);
	}
	memset(buf + text, 0x60, 16);
	memcpy(buf + strs, names, sizeof(names));
	struct {
		uint32_t name, type;
		uint64_t flags, addr, off, size;
	} sec[3] = {{0, 0, 0, 0, 0, 0}, {1, 1, 6, 0x10000000 + text, text, 16}, {7, 3, 0, 0, strs, sizeof(names)}};
	for (size_t i = 0; i < 3; i++) {
		size_t s = shoff + i * shsize;
		put(&w, s, sec[i].name, 4);
		put(&w, s + 4, sec[i].type, 4);
		put(&w, s + 8, sec[i].flags, a);
		put(&w, s + 8 + a, sec[i].addr, a);
		put(&w, s + 8 + 2 * a, sec[i].off, a);
		put(&w, s + 8 + 3 * a, sec[i].size, a);
	}
	return shoff + 3 * shsize;
}

static void test_big_endian(void **state)
{
	(void)state;
	uint8_t buf[512];
	for (int v = 0; v < 4; v++) {
		bool is64 = v & 1, be = v < 2;
		uint16_t machine = is64 ? 21 /* PPC64 */ : 8 /* MIPS */;
		size_t n = synth(buf, is64, be, machine);
		lineage_sample *s;
		assert_int_equal(lineage_sample_load_memory(&s, ctx, buf, n, "synthetic"), 0);
		const lineage_binary *b = lineage_sample_binary(s);
		size_t text = (is64 ? 64 + 56 : 52 + 32);
		assert_int_equal(b->format, LINEAGE_FORMAT_ELF);
		assert_int_equal(b->arch, LINEAGE_ARCH_OTHER);
		assert_int_equal(b->bits, is64 ? 64 : 32);
		assert_int_equal(b->elf.elf_class, is64 ? 2 : 1);
		assert_int_equal(b->elf.machine, machine);
		assert_int_equal(b->elf.type, 2);
		assert_int_equal(b->entry, 0x10000000 + text);
		assert_int_equal(b->image_base, 0x10000000);
		assert_int_equal(b->nsegments, 1);
		assert_int_equal(b->segments[0].vaddr, 0x10000000);
		assert_int_equal(b->segments[0].flags, 5);
		assert_int_equal(b->nsections, 3);
		assert_string_equal(b->sections[1].name, ".text");
		assert_string_equal(b->sections[2].name, ".shstrtab");
		assert_int_equal(b->sections[1].vaddr, 0x10000000 + text);
		assert_int_equal(b->sections[1].size, 16);
		assert_int_equal(b->sections[1].offset, text);
		assert_int_equal(b->sections[1].flags,
		                 LINEAGE_SEC_ALLOC | LINEAGE_SEC_READ | LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE);
		assert_int_equal(b->sections[2].flags, 0);
		assert_int_equal(b->nwarnings, 0);
		assert_int_equal(b->overlay_size, 0);
		assert_true(has_hint(b, b->entry, LINEAGE_SRC_ENTRY));
		const uint8_t *p;
		uint64_t avail;
		assert_int_equal(lineage_binary_va_bytes(&p, &avail, b, b->entry), 0);
		assert_int_equal(avail, 16);
		assert_int_equal(p[0], 0x60);
		lineage_sample_free(s);
	}
	/* readelf agrees with the builder */
	size_t n = synth(buf, true, true, 21);
	char path[600];
	snprintf(path, sizeof(path), "%s/be64", tmpdir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(buf, 1, n, f);
	fclose(f);
	lineage_sample *s = load(path);
	check_headers(path, lineage_sample_binary(s));
	lineage_sample_free(s);
	/* appended bytes are an overlay */
	uint8_t big[600];
	n = synth(big, false, true, 8);
	memset(big + n, 0xaa, 40);
	assert_int_equal(lineage_sample_load_memory(&s, ctx, big, n + 40, "overlay"), 0);
	assert_int_equal(lineage_sample_binary(s)->overlay_offset, n);
	assert_int_equal(lineage_sample_binary(s)->overlay_size, 40);
	lineage_sample_free(s);
}

static void test_truncated_header(void **state)
{
	(void)state;
	uint8_t buf[512];
	synth(buf, true, false, 62);
	lineage_sample *s = (lineage_sample *)1;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, buf, 40, "short"), LINEAGE_EFORMAT);
	assert_null(s);
	assert_non_null(strstr(lineage_errmsg(ctx), "ELF header truncated: 40 bytes"));
	assert_int_equal(lineage_sample_load_memory(&s, ctx, buf, 10, "short"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "ELF header truncated: 10 bytes"));
	buf[4] = 7;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, buf, 64, "class"), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "class"));
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lineage-test-elf-XXXXXX");
	if (!mkdtemp(tmpdir)) return -1;
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	if (tmpdir[0]) sh("rm -rf '%s'", tmpdir);
	return 0;
}

int main(void)
{
	if (!sh("readelf --version")) {
		fprintf(stderr, "test_elf: readelf (binutils) is needed as the oracle\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_headers_vs_readelf),
	        cmocka_unit_test(test_exports_vs_dynsym),
	        cmocka_unit_test(test_ls_imports),
	        cmocka_unit_test(test_fixtures),
	        cmocka_unit_test(test_stripped_copy),
	        cmocka_unit_test(test_sectionless),
	        cmocka_unit_test(test_eh_frame_walk),
	        cmocka_unit_test(test_relr),
	        cmocka_unit_test(test_i386),
	        cmocka_unit_test(test_ibt_plt),
	        cmocka_unit_test(test_nopie),
	        cmocka_unit_test(test_big_endian),
	        cmocka_unit_test(test_truncated_header),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
