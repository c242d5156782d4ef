/* ELF32/ELF64 loader, either byte order.
 *
 * Outline: ELF header -> program headers -> section headers (pseudo-sections
 * from PT_LOAD when the table is missing or useless) -> a VA-to-offset map ->
 * interpreter, notes, the dynamic table -> symbol versions -> .symtab and
 * .dynsym -> relocations (imports through GLOB_DAT/JUMP_SLOT, RELATIVE
 * pointers, RELR) -> PLT stubs -> init/fini arrays -> .eh_frame FDEs ->
 * overlay.
 *
 * Every byte is read through the bounded reader and every count is capped by
 * a limit or by what the file can hold: a hostile file yields warnings and a
 * partial result, never a crash, a long loop or unbounded memory. Only a
 * header too short or too odd to tell the layout fails the load. */
#include "format.h"

#include <stdio.h>
#include <stdlib.h>

enum { ET_REL = 1, ET_EXEC = 2, ET_DYN = 3 };
enum { EM_386 = 3, EM_ARM = 40, EM_X86_64 = 62, EM_AARCH64 = 183 };
enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_GNU_EH_FRAME = 0x6474e550 };
enum { PF_X = 1, PF_W = 2, PF_R = 4 };
enum {
	SHT_SYMTAB = 2,
	SHT_STRTAB = 3,
	SHT_RELA = 4,
	SHT_DYNAMIC = 6,
	SHT_NOTE = 7,
	SHT_NOBITS = 8,
	SHT_REL = 9,
	SHT_DYNSYM = 11,
	SHT_INIT_ARRAY = 14,
	SHT_FINI_ARRAY = 15,
	SHT_PREINIT_ARRAY = 16,
	SHT_RELR = 19,
	SHT_GNU_VERNEED = 0x6ffffffe,
	SHT_GNU_VERSYM = 0x6fffffff
};
enum { SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4 };
enum { SHN_UNDEF = 0, SHN_XINDEX = 0xffff, PN_XNUM = 0xffff };
enum { STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4, STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10 };
enum { STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10 };
enum {
	DT_NULL = 0,
	DT_NEEDED = 1,
	DT_PLTRELSZ = 2,
	DT_PLTGOT = 3,
	DT_HASH = 4,
	DT_STRTAB = 5,
	DT_SYMTAB = 6,
	DT_RELA = 7,
	DT_RELASZ = 8,
	DT_RELAENT = 9,
	DT_STRSZ = 10,
	DT_SYMENT = 11,
	DT_INIT = 12,
	DT_FINI = 13,
	DT_SONAME = 14,
	DT_REL = 17,
	DT_RELSZ = 18,
	DT_RELENT = 19,
	DT_PLTREL = 20,
	DT_JMPREL = 23,
	DT_INIT_ARRAY = 25,
	DT_FINI_ARRAY = 26,
	DT_INIT_ARRAYSZ = 27,
	DT_FINI_ARRAYSZ = 28,
	DT_PREINIT_ARRAY = 32,
	DT_PREINIT_ARRAYSZ = 33,
	DT_RELRSZ = 35,
	DT_RELR = 36,
	DT_RELRENT = 37,
	DT_NSTD = 38 /* tags below this are kept in dyninfo.val */
};
#define DT_GNU_HASH   0x6ffffef5u
#define DT_VERSYM     0x6ffffff0u
#define DT_VERNEED    0x6ffffffeu
#define DT_VERNEEDNUM 0x6fffffffu

/* Caps on structures that have no limit of their own in lineage_limits. */
#define MAX_DYN_ENTRIES 65536u
#define MAX_VERNEED     4096u  /* Verneed + Vernaux records walked */
#define MAX_NOTES       4096u  /* notes per note section */
#define MAX_NAME        65536u /* longest symbol name kept (C++ names are long) */
#define MAX_EH_ENTRIES  4000000u
#define MAX_ARRAY_PTRS  1000000u
#define MAX_MAP         4096u

typedef struct shdr {
	uint32_t name, type, link, info;
	uint64_t flags, addr, offset, size, addralign, entsize;
} shdr;

typedef struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
} phdr;

/* One file-backed range of the address space. The map is sorted by va and
 * its ranges do not overlap. */
typedef struct map_ent {
	uint64_t va, size, off;
	size_t order; /* position in the file's tables: the tie-break */
} map_ent;

typedef struct sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
} sym;

/* A symbol table: entries at off, count of them, and its string table. */
typedef struct symtab {
	bool ok;
	uint64_t off, count, entsize;
	ln_buf str;
} symtab;

typedef struct dyninfo {
	bool found;
	uint64_t val[DT_NSTD];
	bool has[DT_NSTD];
	uint64_t gnu_hash, versym, verneed, verneednum;
	bool has_gnu_hash, has_versym, has_verneed, has_verneednum;
	ln_vec needed; /* uint64_t: DT_NEEDED string offsets */
} dyninfo;

/* Relocation type numbers of one machine; UINT32_MAX when it has none. */
typedef struct relkinds {
	uint32_t abs, glob_dat, jump_slot, relative, irelative, copy;
} relkinds;

typedef struct span {
	uint64_t lo, hi;
} span;

typedef struct elf {
	ln_load *ld;
	const ln_buf *b;
	lineage_binary *bin;
	bool is64, be;
	uint32_t word; /* pointer size */
	uint16_t type, machine;
	shdr *sh;
	size_t nsh;
	phdr *ph;
	size_t nph;
	bool sh_usable;
	map_ent *map;
	size_t nmap;
	span *exec; /* executable ranges, sorted and merged */
	size_t nexec;
	dyninfo dyn;
	symtab dynsym;
	ln_buf dynstr;
	bool has_versym;
	uint64_t versym_off, versym_count;
	const char **verlib;     /* 0x8000 entries: version index -> library */
	const char *only_needed; /* the single DT_NEEDED, else NULL */
	const relkinds *rk;
	uint64_t reloc_budget; /* relocation entries still to be read */
	bool reloc_budget_warned;
	uint64_t array_budget; /* init/fini array pointers still to be read */
	bool array_budget_warned;
	lineage_reloc *rsorted; /* relocations sorted by where, for the arrays */
	size_t nrsorted;
} elf;

static const relkinds rk_x86_64 = {1, 6, 7, 8, 37, 5};
static const relkinds rk_386 = {1, 6, 7, 8, 42, 5};
static const relkinds rk_arm = {2, 21, 22, 23, 160, 20};
static const relkinds rk_aarch64 = {257, 1025, 1026, 1027, 1032, 1024};

/* ---- endian-aware reads ---- */

static bool rd16(const elf *e, uint64_t off, uint16_t *out)
{
	return e->be ? ln_rd_u16be(e->b, off, out) : ln_rd_u16le(e->b, off, out);
}

static bool rd32(const elf *e, uint64_t off, uint32_t *out)
{
	return e->be ? ln_rd_u32be(e->b, off, out) : ln_rd_u32le(e->b, off, out);
}

static bool rd64(const elf *e, uint64_t off, uint64_t *out)
{
	return e->be ? ln_rd_u64be(e->b, off, out) : ln_rd_u64le(e->b, off, out);
}

/* A 32-bit field widened, or a 64-bit field: ELF's Addr/Off/Xword by class. */
static bool rdw(const elf *e, uint64_t off, uint64_t *out)
{
	if (e->is64) return rd64(e, off, out);
	uint32_t v;
	if (!rd32(e, off, &v)) return false;
	*out = v;
	return true;
}

static uint64_t wmask(const elf *e, uint64_t v)
{
	return e->is64 ? v : (v & 0xffffffffu);
}

/* A view of [off, off+size) clamped to the file; empty when off is past it. */
static ln_buf subbuf(const elf *e, uint64_t off, uint64_t size)
{
	ln_buf r = {NULL, 0};
	if (off >= e->b->size) return r;
	uint64_t avail = e->b->size - off;
	r.data = ln_rd_ptr(e->b, off, 0);
	r.size = size < avail ? size : avail;
	return r;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ---- the address map ---- */

static int cmp_map(const void *a, const void *b)
{
	const map_ent *x = a, *y = b;
	if (x->va != y->va) return x->va < y->va ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void map_add(elf *e, size_t *n, uint64_t va, uint64_t size, uint64_t off)
{
	if (*n >= MAX_MAP || off >= e->b->size || !size) return;
	size = min_u64(size, e->b->size - off);
	if (va + size < va) size = UINT64_MAX - va;
	if (!size) return;
	e->map[*n].va = va;
	e->map[*n].size = size;
	e->map[*n].off = off;
	e->map[*n].order = *n;
	(*n)++;
}

/* PT_LOAD segments are the run-time view; without them (ET_REL, broken
 * headers) allocated sections stand in. Overlaps (only in odd files) are
 * cut so that lookups are a plain binary search: the range that starts
 * first keeps the shared bytes. */
static void build_map(elf *e)
{
	size_t cap = e->nph + e->nsh;
	if (cap > MAX_MAP) cap = MAX_MAP;
	if (!cap) return;
	e->map = ln_calloc(cap, sizeof(map_ent));
	if (!e->map) {
		e->ld->oom = true;
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < e->nph && n < cap; i++) {
		const phdr *p = &e->ph[i];
		if (p->type == PT_LOAD) map_add(e, &n, p->vaddr, min_u64(p->filesz, p->memsz), p->offset);
	}
	if (!n) {
		for (size_t i = 0; i < e->nsh && n < cap; i++) {
			const shdr *s = &e->sh[i];
			if ((s->flags & SHF_ALLOC) && s->type != SHT_NOBITS && s->addr)
				map_add(e, &n, s->addr, s->size, s->offset);
		}
	}
	qsort(e->map, n, sizeof(map_ent), cmp_map);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		map_ent x = e->map[i];
		if (m) {
			const map_ent *prev = &e->map[m - 1];
			uint64_t end = prev->va + prev->size;
			if (x.va < end) {
				if (x.va + x.size <= end) continue;
				uint64_t cut = end - x.va;
				x.va = end;
				x.off += cut;
				x.size -= cut;
			}
		}
		e->map[m++] = x;
	}
	e->nmap = m;
}

/* File offset of va and the file-backed bytes from there. */
static bool map_va(const elf *e, uint64_t va, uint64_t *off, uint64_t *avail)
{
	size_t lo = 0, hi = e->nmap;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->map[mid].va <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) return false;
	const map_ent *m = &e->map[lo - 1];
	if (va - m->va >= m->size) return false;
	*off = m->off + (va - m->va);
	if (avail) *avail = m->size - (va - m->va);
	return true;
}

static bool rd_va_word(const elf *e, uint64_t va, uint64_t *out)
{
	uint64_t off, avail;
	if (!map_va(e, va, &off, &avail) || avail < e->word) return false;
	return rdw(e, off, out);
}

/* ---- executable ranges (from the final section list) ---- */

static int cmp_span(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void build_exec(elf *e)
{
	ln_vec *v = &e->ld->sections;
	if (!v->len) return;
	e->exec = ln_calloc(v->len, sizeof(span));
	if (!e->exec) {
		e->ld->oom = true;
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < v->len; i++) {
		const lineage_section *s = &LN_VEC_AT(v, lineage_section, i);
		if (!(s->flags & LINEAGE_SEC_ALLOC) || !(s->flags & LINEAGE_SEC_EXEC) || !s->vsize) continue;
		e->exec[n].lo = s->vaddr;
		e->exec[n].hi = s->vaddr + s->vsize < s->vaddr ? UINT64_MAX : s->vaddr + s->vsize;
		n++;
	}
	qsort(e->exec, n, sizeof(span), cmp_span);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && e->exec[i].lo <= e->exec[m - 1].hi) {
			if (e->exec[i].hi > e->exec[m - 1].hi) e->exec[m - 1].hi = e->exec[i].hi;
		} else {
			e->exec[m++] = e->exec[i];
		}
	}
	e->nexec = m;
}

static bool in_exec(const elf *e, uint64_t va)
{
	size_t lo = 0, hi = e->nexec;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->exec[mid].lo <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && va < e->exec[lo - 1].hi;
}

/* ---- headers ---- */

static bool read_phdr(const elf *e, uint64_t off, phdr *p)
{
	if (e->is64)
		return rd32(e, off, &p->type) && rd32(e, off + 4, &p->flags) && rd64(e, off + 8, &p->offset) &&
		       rd64(e, off + 16, &p->vaddr) && rd64(e, off + 32, &p->filesz) && rd64(e, off + 40, &p->memsz) &&
		       rd64(e, off + 48, &p->align);
	uint32_t o, va, fs, ms, al;
	if (!rd32(e, off, &p->type) || !rd32(e, off + 4, &o) || !rd32(e, off + 8, &va) || !rd32(e, off + 16, &fs) ||
	    !rd32(e, off + 20, &ms) || !rd32(e, off + 24, &p->flags) || !rd32(e, off + 28, &al))
		return false;
	p->offset = o;
	p->vaddr = va;
	p->filesz = fs;
	p->memsz = ms;
	p->align = al;
	return true;
}

static bool read_shdr(const elf *e, uint64_t off, shdr *s)
{
	if (e->is64)
		return rd32(e, off, &s->name) && rd32(e, off + 4, &s->type) && rd64(e, off + 8, &s->flags) &&
		       rd64(e, off + 16, &s->addr) && rd64(e, off + 24, &s->offset) && rd64(e, off + 32, &s->size) &&
		       rd32(e, off + 40, &s->link) && rd32(e, off + 44, &s->info) && rd64(e, off + 48, &s->addralign) &&
		       rd64(e, off + 56, &s->entsize);
	uint32_t fl, ad, of, sz, al, es;
	if (!rd32(e, off, &s->name) || !rd32(e, off + 4, &s->type) || !rd32(e, off + 8, &fl) ||
	    !rd32(e, off + 12, &ad) || !rd32(e, off + 16, &of) || !rd32(e, off + 20, &sz) ||
	    !rd32(e, off + 24, &s->link) || !rd32(e, off + 28, &s->info) || !rd32(e, off + 32, &al) ||
	    !rd32(e, off + 36, &es))
		return false;
	s->flags = fl;
	s->addr = ad;
	s->offset = of;
	s->size = sz;
	s->addralign = al;
	s->entsize = es;
	return true;
}

/* How many fixed-size entries of a table at off fit in the file; warns when
 * the declared count does not. */
static uint64_t table_fit(elf *e, const char *area, const char *what, uint64_t off, uint64_t count, uint64_t entsize)
{
	if (!count) return 0;
	if (off >= e->b->size) {
		ln_load_warn(e->ld, area, "%s at 0x%llx is past the end of the file (%llu bytes)", what,
		             (unsigned long long)off, (unsigned long long)e->b->size);
		return 0;
	}
	uint64_t fit = (e->b->size - off) / entsize;
	if (fit < count) {
		ln_load_warn(e->ld, area, "%s: %llu entries declared, %llu fit in the file", what,
		             (unsigned long long)count, (unsigned long long)fit);
		return fit;
	}
	return count;
}

static void load_segments(elf *e, uint64_t phoff, uint32_t phnum, uint16_t phentsize)
{
	if (!phnum) return;
	if (phentsize < (e->is64 ? 56 : 32)) {
		ln_load_warn(e->ld, "segments", "e_phentsize %u is too small; program headers ignored", phentsize);
		return;
	}
	uint64_t n = table_fit(e, "segments", "program header table", phoff, phnum, phentsize);
	if (n > e->ld->lim->max_sections) {
		ln_load_warn(e->ld, "segments", "%llu program headers; keeping the first %u", (unsigned long long)n,
		             e->ld->lim->max_sections);
		n = e->ld->lim->max_sections;
	}
	if (!n) return;
	e->ph = ln_calloc((size_t)n, sizeof(phdr));
	if (!e->ph) {
		e->ld->oom = true;
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		phdr *p = &e->ph[e->nph];
		if (!read_phdr(e, phoff + i * phentsize, p)) break;
		e->nph++;
		lineage_segment *g = ln_load_push(e->ld, &e->ld->segments, UINT32_MAX, "segments");
		if (!g) continue;
		g->type = p->type;
		g->flags = p->flags;
		g->offset = p->offset;
		g->filesz = p->filesz;
		g->vaddr = p->vaddr;
		g->memsz = p->memsz;
	}
}

static void load_sections(elf *e, uint64_t shoff, uint32_t shnum, uint16_t shentsize, uint32_t shstrndx)
{
	ln_load *ld = e->ld;
	if (!shnum) return;
	uint64_t n = table_fit(e, "sections", "section header table", shoff, shnum, shentsize);
	if (n > ld->lim->max_sections) {
		ln_load_warn(ld, "sections", "%llu section headers; keeping the first %u", (unsigned long long)n,
		             ld->lim->max_sections);
		n = ld->lim->max_sections;
	}
	if (!n) return;
	e->sh = ln_calloc((size_t)n, sizeof(shdr));
	if (!e->sh) {
		ld->oom = true;
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (!read_shdr(e, shoff + i * shentsize, &e->sh[e->nsh])) break;
		e->nsh++;
	}
	ln_buf names = {NULL, 0};
	if (shstrndx != SHN_UNDEF && shstrndx >= e->nsh) {
		ln_load_warn(ld, "sections", "e_shstrndx %u out of range (%zu sections); no section names", shstrndx,
		             e->nsh);
	} else if (shstrndx != SHN_UNDEF && e->sh[shstrndx].type != SHT_NOBITS) {
		names = subbuf(e, e->sh[shstrndx].offset, e->sh[shstrndx].size);
	}
	uint64_t past = 0, first_past = 0;
	for (size_t i = 0; i < e->nsh; i++) {
		const shdr *s = &e->sh[i];
		lineage_section *o = ln_load_push(ld, &ld->sections, UINT32_MAX, "sections");
		if (!o) break;
		size_t len = 0;
		const char *nm = ln_rd_cstr(&names, s->name, 4096, &len);
		o->name = nm ? ln_load_str(ld, nm, len) : "";
		o->vaddr = s->addr;
		o->offset = s->offset;
		o->type = s->type;
		o->raw_flags = (uint32_t)s->flags;
		if (s->flags & SHF_ALLOC) {
			o->flags |= LINEAGE_SEC_ALLOC | LINEAGE_SEC_READ;
			o->vsize = s->size;
		}
		if (s->flags & SHF_WRITE) o->flags |= LINEAGE_SEC_WRITE;
		if (s->flags & SHF_EXECINSTR) o->flags |= LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE;
		if (s->type != SHT_NOBITS && s->size) {
			uint64_t end;
			if (!ln_add_ok(s->offset, s->size, &end) || end > e->b->size) {
				if (!past++) first_past = i;
			}
			o->size = s->offset < e->b->size ? min_u64(s->size, e->b->size - s->offset) : 0;
		}
	}
	if (past)
		ln_load_warn(ld, "sections", "%llu section(s) extend past the end of the file (first: [%llu] %s)",
		             (unsigned long long)past, (unsigned long long)first_past,
		             LN_VEC_AT(&ld->sections, lineage_section, first_past).name);
	e->sh_usable = true;
}

/* Sections stand-ins from PT_LOAD so that code can be found in files without
 * (usable) section headers. */
static void pseudo_sections(elf *e)
{
	uint32_t k = 0;
	for (size_t i = 0; i < e->nph; i++) {
		const phdr *p = &e->ph[i];
		if (p->type != PT_LOAD) continue;
		lineage_section *o = ln_load_push(e->ld, &e->ld->sections, e->ld->lim->max_sections, "sections");
		if (!o) break;
		o->name = ln_arena_printf(e->ld->arena, "seg%u", k++);
		if (!o->name) {
			e->ld->oom = true;
			o->name = "";
		}
		o->vaddr = p->vaddr;
		o->vsize = p->memsz;
		o->offset = p->offset;
		o->size = p->offset < e->b->size ? min_u64(p->filesz, e->b->size - p->offset) : 0;
		o->type = p->type;
		o->raw_flags = p->flags;
		o->flags = LINEAGE_SEC_ALLOC;
		if (p->flags & PF_R) o->flags |= LINEAGE_SEC_READ;
		if (p->flags & PF_W) o->flags |= LINEAGE_SEC_WRITE;
		if (p->flags & PF_X) o->flags |= LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE;
	}
}

static const shdr *section_named(const elf *e, const char *name, const lineage_section **out)
{
	for (size_t i = 0; i < e->nsh && i < e->ld->sections.len; i++) {
		const lineage_section *s = &LN_VEC_AT(&e->ld->sections, lineage_section, i);
		if (strcmp(s->name, name) == 0) {
			if (out) *out = s;
			return &e->sh[i];
		}
	}
	return NULL;
}

/* ---- interpreter, notes ---- */

static void load_interp(elf *e)
{
	uint64_t off = 0, size = 0;
	bool found = false;
	for (size_t i = 0; i < e->nph && !found; i++) {
		if (e->ph[i].type != PT_INTERP) continue;
		off = e->ph[i].offset;
		size = e->ph[i].filesz;
		found = true;
	}
	if (!found && !e->nph) {
		const shdr *s = section_named(e, ".interp", NULL);
		if (s && s->type != SHT_NOBITS) {
			off = s->offset;
			size = s->size;
			found = true;
		}
	}
	if (!found) return;
	ln_buf v = subbuf(e, off, min_u64(size, 4096));
	if (!v.size) {
		ln_load_warn(e->ld, "interp", "PT_INTERP at 0x%llx is outside the file", (unsigned long long)off);
		return;
	}
	const uint8_t *p = ln_rd_ptr(&v, 0, v.size);
	const uint8_t *z = memchr(p, 0, (size_t)v.size);
	size_t len = z ? (size_t)(z - p) : (size_t)v.size;
	e->bin->elf.interpreter = ln_load_str(e->ld, (const char *)p, len);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void parse_notes(elf *e, uint64_t off, uint64_t size, uint64_t align)
{
	ln_buf v = subbuf(e, off, size);
	uint64_t p = 0;
	for (unsigned k = 0; k < MAX_NOTES && p + 12 <= v.size && !e->bin->elf.build_id; k++) {
		uint32_t namesz, descsz, type;
		bool ok = e->be ? ln_rd_u32be(&v, p, &namesz) && ln_rd_u32be(&v, p + 4, &descsz) &&
		                          ln_rd_u32be(&v, p + 8, &type)
		                : ln_rd_u32le(&v, p, &namesz) && ln_rd_u32le(&v, p + 4, &descsz) &&
		                          ln_rd_u32le(&v, p + 8, &type);
		if (!ok) break;
		uint64_t name = p + 12;
		uint64_t desc = align_up(name + namesz, align);
		uint64_t next = align_up(desc + descsz, align);
		if (next > v.size) {
			ln_load_warn(e->ld, "notes", "note at 0x%llx runs past its section",
			             (unsigned long long)(off + p));
			break;
		}
		const uint8_t *nm = ln_rd_ptr(&v, name, namesz);
		const uint8_t *d = ln_rd_ptr(&v, desc, descsz);
		if (type == 3 && namesz == 4 && nm && memcmp(nm, "GNU", 4) == 0 && d && descsz && descsz <= 64) {
			char hex[129];
			ln_hex(hex, d, descsz);
			e->bin->elf.build_id = ln_arena_strdup(e->ld->arena, hex);
			if (!e->bin->elf.build_id) e->ld->oom = true;
		}
		if (next == p) break;
		p = next;
	}
}

static void load_notes(elf *e)
{
	bool any = false;
	for (size_t i = 0; i < e->nsh && !e->bin->elf.build_id; i++) {
		const shdr *s = &e->sh[i];
		if (s->type != SHT_NOTE) continue;
		any = true;
		parse_notes(e, s->offset, s->size, s->addralign == 8 ? 8 : 4);
	}
	if (any) return;
	for (size_t i = 0; i < e->nph && !e->bin->elf.build_id; i++) {
		const phdr *p = &e->ph[i];
		if (p->type == PT_NOTE) parse_notes(e, p->offset, p->filesz, p->align == 8 ? 8 : 4);
	}
}

/* ---- the dynamic table ---- */

static void load_dynamic(elf *e)
{
	dyninfo *d = &e->dyn;
	uint64_t off = 0, size = 0;
	bool found = false;
	for (size_t i = 0; i < e->nph && !found; i++) {
		const phdr *p = &e->ph[i];
		if (p->type != PT_DYNAMIC) continue;
		uint64_t avail;
		/* The run-time linker follows p_vaddr; p_offset is the fallback. */
		if (!map_va(e, p->vaddr, &off, &avail)) {
			off = p->offset;
			avail = p->filesz;
		}
		size = min_u64(p->filesz, avail);
		found = true;
	}
	for (size_t i = 0; i < e->nsh && !found; i++) {
		const shdr *s = &e->sh[i];
		if (s->type != SHT_DYNAMIC) continue;
		off = s->offset;
		size = s->size;
		found = true;
	}
	if (!found) return;
	uint64_t ent = 2ull * e->word;
	uint64_t n = table_fit(e, "dynamic", "dynamic table", off, size / ent, ent);
	if (n > MAX_DYN_ENTRIES) {
		ln_load_warn(e->ld, "dynamic", "%llu dynamic entries; reading the first %u", (unsigned long long)n,
		             MAX_DYN_ENTRIES);
		n = MAX_DYN_ENTRIES;
	}
	d->found = true;
	bool terminated = false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag, val;
		if (!rdw(e, off + i * ent, &tag) || !rdw(e, off + i * ent + e->word, &val)) break;
		if (tag == DT_NULL) {
			terminated = true;
			break;
		}
		if (tag == DT_NEEDED) {
			uint64_t *x = ln_load_push(e->ld, &d->needed, e->ld->lim->max_imports, "needed");
			if (x) *x = val;
		} else if (tag < DT_NSTD) {
			d->val[tag] = val;
			d->has[tag] = true;
		} else if (tag == DT_GNU_HASH) {
			d->gnu_hash = val;
			d->has_gnu_hash = true;
		} else if (tag == DT_VERSYM) {
			d->versym = val;
			d->has_versym = true;
		} else if (tag == DT_VERNEED) {
			d->verneed = val;
			d->has_verneed = true;
		} else if (tag == DT_VERNEEDNUM) {
			d->verneednum = val;
			d->has_verneednum = true;
		}
	}
	if (!terminated)
		ln_load_warn(e->ld, "dynamic", "no DT_NULL in %llu entries at 0x%llx", (unsigned long long)n,
		             (unsigned long long)off);
}

/* The dynamic string table: DT_STRTAB as the run-time linker sees it, else
 * the string section linked from .dynsym/.dynamic. */
static void find_dynstr(elf *e)
{
	dyninfo *d = &e->dyn;
	uint64_t off, avail;
	if (d->has[DT_STRTAB] && map_va(e, d->val[DT_STRTAB], &off, &avail)) {
		uint64_t sz = d->has[DT_STRSZ] ? min_u64(d->val[DT_STRSZ], avail) : avail;
		e->dynstr = subbuf(e, off, sz);
		return;
	}
	for (size_t i = 0; i < e->nsh; i++) {
		const shdr *s = &e->sh[i];
		if (s->type != SHT_DYNSYM && s->type != SHT_DYNAMIC) continue;
		if (s->link == i || s->link >= e->nsh || e->sh[s->link].type != SHT_STRTAB) continue;
		e->dynstr = subbuf(e, e->sh[s->link].offset, e->sh[s->link].size);
		return;
	}
}

static const char *dyn_string(elf *e, uint64_t idx, size_t max)
{
	size_t len;
	const char *s = ln_rd_cstr(&e->dynstr, idx, max, &len);
	if (!s) return NULL;
	return ln_load_str(e->ld, s, len);
}

static void load_needed(elf *e)
{
	dyninfo *d = &e->dyn;
	if (d->needed.len && !e->dynstr.size)
		ln_load_warn(e->ld, "dynamic", "DT_NEEDED present but no usable string table");
	for (size_t i = 0; i < d->needed.len; i++) {
		uint64_t idx = LN_VEC_AT(&d->needed, uint64_t, i);
		const char *s = dyn_string(e, idx, 4096);
		if (!s) {
			ln_load_warn(e->ld, "dynamic", "DT_NEEDED string 0x%llx is outside the string table",
			             (unsigned long long)idx);
			continue;
		}
		const char **x = ln_load_push(e->ld, &e->ld->needed, e->ld->lim->max_imports, "needed");
		if (x) *x = s;
	}
	if (e->ld->needed.len == 1) e->only_needed = LN_VEC_AT(&e->ld->needed, const char *, 0);
	if (d->has[DT_SONAME]) {
		e->bin->elf.soname = dyn_string(e, d->val[DT_SONAME], 4096);
		if (!e->bin->elf.soname) ln_load_warn(e->ld, "dynamic", "DT_SONAME is outside the string table");
	}
}

/* ---- symbols ---- */

static uint64_t sym_entsize(const elf *e)
{
	return e->is64 ? 24 : 16;
}

static bool read_sym(const elf *e, const symtab *t, uint64_t i, sym *s)
{
	uint64_t off;
	if (i >= t->count || !ln_mul_ok(i, t->entsize, &off) || !ln_add_ok(off, t->off, &off)) return false;
	if (e->is64)
		return rd32(e, off, &s->name) && ln_rd_u8(e->b, off + 4, &s->info) &&
		       ln_rd_u8(e->b, off + 5, &s->other) && rd16(e, off + 6, &s->shndx) &&
		       rd64(e, off + 8, &s->value) && rd64(e, off + 16, &s->size);
	uint32_t v, sz;
	if (!rd32(e, off, &s->name) || !rd32(e, off + 4, &v) || !rd32(e, off + 8, &sz) ||
	    !ln_rd_u8(e->b, off + 12, &s->info) || !ln_rd_u8(e->b, off + 13, &s->other) ||
	    !rd16(e, off + 14, &s->shndx))
		return false;
	s->value = v;
	s->size = sz;
	return true;
}

/* A symbol table described by a section; its strings come from sh_link. */
static symtab symtab_from_section(elf *e, size_t idx)
{
	symtab t;
	memset(&t, 0, sizeof(t));
	const shdr *s = &e->sh[idx];
	const char *nm = LN_VEC_AT(&e->ld->sections, lineage_section, idx).name;
	t.entsize = s->entsize >= sym_entsize(e) && s->entsize <= 256 ? s->entsize : sym_entsize(e);
	if (s->type == SHT_NOBITS) return t;
	t.off = s->offset;
	t.count = table_fit(e, "symbols", nm, s->offset, s->size / t.entsize, t.entsize);
	if (s->link == idx || s->link >= e->nsh || e->sh[s->link].type == SHT_NOBITS) {
		ln_load_warn(e->ld, "symbols", "section [%zu] %s: sh_link %u is not a string table", idx, nm, s->link);
		return t;
	}
	t.str = subbuf(e, e->sh[s->link].offset, e->sh[s->link].size);
	t.ok = true;
	return t;
}

/* Number of .dynsym entries from DT_HASH or DT_GNU_HASH, for files whose
 * section headers are gone. 0 when neither is usable. */
static uint64_t dynsym_count(const elf *e)
{
	const dyninfo *d = &e->dyn;
	uint64_t off, avail;
	uint32_t v;
	if (d->has[DT_HASH] && map_va(e, d->val[DT_HASH], &off, &avail) && avail >= 8 && rd32(e, off + 4, &v)) return v;
	if (!d->has_gnu_hash || !map_va(e, d->gnu_hash, &off, &avail) || avail < 16) return 0;
	uint32_t nbuckets, symoffset, bloom;
	if (!rd32(e, off, &nbuckets) || !rd32(e, off + 4, &symoffset) || !rd32(e, off + 8, &bloom)) return 0;
	uint64_t buckets = off + 16 + (uint64_t)bloom * e->word;
	uint64_t top = 0;
	for (uint64_t i = 0; i < nbuckets; i++) {
		if (!rd32(e, buckets + 4 * i, &v)) return 0;
		if (v > top) top = v;
	}
	if (top < symoffset) return symoffset;
	uint64_t chains = buckets + 4ull * nbuckets;
	/* Follow the last bucket's chain to its end bit; bounded by the file. */
	for (uint64_t i = top; i - symoffset < e->b->size / 4; i++) {
		if (!rd32(e, chains + 4 * (i - symoffset), &v)) return i;
		if (v & 1) return i + 1;
	}
	return top + 1;
}

static void find_dynsym(elf *e)
{
	for (size_t i = 0; i < e->nsh; i++) {
		if (e->sh[i].type != SHT_DYNSYM) continue;
		e->dynsym = symtab_from_section(e, i);
		if (e->dynsym.ok) return;
	}
	const dyninfo *d = &e->dyn;
	uint64_t off, avail;
	if (!d->has[DT_SYMTAB] || !map_va(e, d->val[DT_SYMTAB], &off, &avail)) return;
	symtab t;
	memset(&t, 0, sizeof(t));
	t.entsize = d->has[DT_SYMENT] && d->val[DT_SYMENT] >= sym_entsize(e) && d->val[DT_SYMENT] <= 256
	                    ? d->val[DT_SYMENT]
	                    : sym_entsize(e);
	t.off = off;
	uint64_t n = dynsym_count(e);
	if (!n && d->has[DT_STRTAB] && d->val[DT_STRTAB] > d->val[DT_SYMTAB])
		n = (d->val[DT_STRTAB] - d->val[DT_SYMTAB]) / t.entsize; /* the usual layout */
	t.count = min_u64(n, avail / t.entsize);
	t.str = e->dynstr;
	t.ok = true;
	e->dynsym = t;
}

static void load_versions(elf *e)
{
	const dyninfo *d = &e->dyn;
	uint64_t vs_off = 0, vn_off = 0, vn_num = 0, vn_size = UINT64_MAX, avail;
	bool have_vs = false, have_vn = false;
	for (size_t i = 0; i < e->nsh; i++) {
		const shdr *s = &e->sh[i];
		if (s->type == SHT_GNU_VERSYM && !have_vs) {
			vs_off = s->offset;
			have_vs = true;
		} else if (s->type == SHT_GNU_VERNEED && !have_vn) {
			vn_off = s->offset;
			vn_num = s->info;
			vn_size = s->size;
			have_vn = true;
		}
	}
	if (!have_vs && d->has_versym && map_va(e, d->versym, &vs_off, &avail)) have_vs = true;
	if (!have_vn && d->has_verneed && map_va(e, d->verneed, &vn_off, &avail)) {
		vn_num = d->has_verneednum ? d->verneednum : MAX_VERNEED;
		vn_size = avail;
		have_vn = true;
	}
	if (have_vs) {
		e->has_versym = true;
		e->versym_off = vs_off;
	}
	if (!have_vn || !vn_num) return;
	e->verlib = ln_calloc(0x8000, sizeof(const char *));
	if (!e->verlib) {
		e->ld->oom = true;
		return;
	}
	ln_buf v = subbuf(e, vn_off, vn_size);
	uint64_t p = 0;
	unsigned walked = 0;
	for (uint64_t i = 0; i < vn_num; i++) {
		uint16_t cnt;
		uint32_t file, aux, next;
		bool ok = e->be ? ln_rd_u16be(&v, p + 2, &cnt) && ln_rd_u32be(&v, p + 4, &file) &&
		                          ln_rd_u32be(&v, p + 8, &aux) && ln_rd_u32be(&v, p + 12, &next)
		                : ln_rd_u16le(&v, p + 2, &cnt) && ln_rd_u32le(&v, p + 4, &file) &&
		                          ln_rd_u32le(&v, p + 8, &aux) && ln_rd_u32le(&v, p + 12, &next);
		if (!ok) {
			ln_load_warn(e->ld, "versions", "verneed entry %llu at 0x%llx is outside its table",
			             (unsigned long long)i, (unsigned long long)(vn_off + p));
			return;
		}
		const char *lib = dyn_string(e, file, 4096);
		uint64_t a = p + aux;
		for (unsigned j = 0; j < cnt; j++) {
			if (++walked > MAX_VERNEED) {
				ln_load_warn(e->ld, "versions", "more than %u version records; the rest is ignored",
				             MAX_VERNEED);
				return;
			}
			uint16_t other;
			uint32_t anext;
			ok = e->be ? ln_rd_u16be(&v, a + 6, &other) && ln_rd_u32be(&v, a + 12, &anext)
			           : ln_rd_u16le(&v, a + 6, &other) && ln_rd_u32le(&v, a + 12, &anext);
			if (!ok) {
				ln_load_warn(e->ld, "versions", "vernaux at 0x%llx is outside its table",
				             (unsigned long long)(vn_off + a));
				break;
			}
			if (lib) e->verlib[other & 0x7fff] = lib;
			if (!anext) break;
			a += anext;
		}
		if (!next) break;
		if (++walked > MAX_VERNEED) {
			ln_load_warn(e->ld, "versions", "more than %u version records; the rest is ignored",
			             MAX_VERNEED);
			return;
		}
		p += next;
	}
}

static const char *import_library(const elf *e, uint64_t symidx)
{
	if (e->has_versym && e->verlib) {
		uint16_t vs;
		uint64_t off;
		if (ln_mul_ok(symidx, 2, &off) && ln_add_ok(off, e->versym_off, &off) && rd16(e, off, &vs)) {
			vs &= 0x7fff;
			if (vs >= 2 && e->verlib[vs]) return e->verlib[vs];
		}
	}
	return e->only_needed ? e->only_needed : "";
}

static bool is_func_type(uint8_t t)
{
	return t == STT_FUNC || t == STT_GNU_IFUNC;
}

static void load_symtab(elf *e, const symtab *t, bool dynamic)
{
	ln_load *ld = e->ld;
	const char *area = dynamic ? "dynsym" : "symtab";
	uint64_t n = t->count;
	if (n > ld->lim->max_symbols) {
		ln_load_warn(ld, area, "%llu entries; reading the first %u", (unsigned long long)n,
		             ld->lim->max_symbols);
		n = ld->lim->max_symbols;
	}
	uint64_t bad_names = 0;
	bool addresses = e->type != ET_REL; /* ET_REL values are section offsets */
	for (uint64_t i = 1; i < n; i++) {
		sym s;
		if (!read_sym(e, t, i, &s)) break;
		uint8_t type = s.info & 0xf, bind = s.info >> 4;
		if (type == STT_SECTION || type == STT_FILE || !s.name) continue;
		size_t len;
		const char *nm = ln_rd_cstr(&t->str, s.name, MAX_NAME, &len);
		if (!nm) {
			bad_names++;
			continue;
		}
		if (!len) continue;
		bool func = is_func_type(type);
		bool defined = s.shndx != SHN_UNDEF;
		bool global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
		uint8_t kind = func                                         ? LINEAGE_SYM_FUNC
		               : (type == STT_OBJECT || type == STT_COMMON) ? LINEAGE_SYM_OBJECT
		                                                            : LINEAGE_SYM_OTHER;
		const char *name = NULL;
		lineage_symbol *o = ln_load_push(ld, &ld->symbols, ld->lim->max_symbols, "symbols");
		if (o) {
			name = ln_load_str(ld, nm, len);
			o->name = name;
			o->address = s.value;
			o->size = s.size;
			o->kind = kind;
			o->dynamic = dynamic;
			o->global = global;
			o->defined = defined;
		}
		if (!addresses || !defined || !s.value) continue;
		if (dynamic && global && (func || kind == LINEAGE_SYM_OBJECT)) {
			lineage_export *x = ln_load_push(ld, &ld->exports, ld->lim->max_exports, "exports");
			if (x) {
				x->name = name ? name : ln_load_str(ld, nm, len);
				x->address = s.value;
				x->is_function = func;
			}
			if (func) ln_load_hint(ld, s.value, LINEAGE_SRC_EXPORT);
		} else if (!dynamic && func && in_exec(e, s.value)) {
			ln_load_hint(ld, s.value, LINEAGE_SRC_SYMBOL);
		}
	}
	if (bad_names)
		ln_load_warn(ld, area, "%llu symbol name(s) outside the string table", (unsigned long long)bad_names);
}

static void load_symbols(elf *e)
{
	bool have_symtab = false;
	for (size_t i = 0; i < e->nsh; i++) {
		if (e->sh[i].type != SHT_SYMTAB) continue;
		have_symtab = true;
		symtab t = symtab_from_section(e, i);
		if (t.ok) load_symtab(e, &t, false);
		break;
	}
	e->bin->elf.stripped = !have_symtab;
	if (e->dynsym.ok) load_symtab(e, &e->dynsym, true);
}

/* ---- relocations ---- */

static void add_reloc(elf *e, uint64_t where, uint64_t target, uint32_t type)
{
	lineage_reloc *r = ln_load_push(e->ld, &e->ld->relocs, e->ld->lim->max_relocs, "relocs");
	if (!r) return;
	r->where = where;
	r->target = wmask(e, target);
	r->type = type;
}

static bool take_budget(elf *e)
{
	if (e->reloc_budget) {
		e->reloc_budget--;
		return true;
	}
	if (!e->reloc_budget_warned)
		ln_load_warn(e->ld, "relocs", "more than %u relocation entries; the rest is ignored",
		             e->ld->lim->max_relocs);
	e->reloc_budget_warned = true;
	return false;
}

enum { IMP_UNDEF, IMP_UNDEF_FUNC, IMP_COPY };

/* An import through a GOT slot (or a COPY relocation's destination). Only
 * undefined symbols count, except for COPY whose symbol the executable
 * itself defines. */
static void reloc_import(elf *e, const symtab *st, uint64_t symidx, uint64_t slot, int mode)
{
	sym s;
	if (!symidx || !read_sym(e, st, symidx, &s)) return;
	if (mode != IMP_COPY && s.shndx != SHN_UNDEF) return;
	uint8_t type = s.info & 0xf;
	if (mode == IMP_UNDEF_FUNC && !is_func_type(type)) return;
	size_t len;
	const char *nm = ln_rd_cstr(&st->str, s.name, MAX_NAME, &len);
	if (!nm || !len) return;
	const char *at = memchr(nm, '@', len);
	if (at) len = (size_t)(at - nm);
	lineage_import *im = ln_load_push(e->ld, &e->ld->imports, e->ld->lim->max_imports, "imports");
	if (!im) return;
	im->name = ln_load_str(e->ld, nm, len);
	im->library = import_library(e, symidx);
	im->slot = wmask(e, slot);
	if (type == STT_OBJECT || type == STT_TLS || type == STT_COMMON || mode == IMP_COPY)
		im->flags |= LINEAGE_IMPORT_DATA;
}

static void do_reltab(elf *e, uint64_t off, uint64_t size, uint64_t entsize, bool rela, const symtab *st)
{
	uint64_t minent = e->is64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
	if (entsize < minent || entsize > 256) entsize = minent;
	uint64_t n = table_fit(e, "relocs", rela ? "RELA table" : "REL table", off, size / entsize, entsize);
	for (uint64_t i = 0; i < n; i++) {
		if (!take_budget(e)) return;
		uint64_t p = off + i * entsize, where, info, addend = 0, symidx;
		uint32_t type;
		if (!rdw(e, p, &where) || !rdw(e, p + e->word, &info)) return;
		if (rela && !rdw(e, p + 2ull * e->word, &addend)) return;
		if (e->is64) {
			symidx = info >> 32;
			type = (uint32_t)info;
		} else {
			symidx = info >> 8;
			type = info & 0xff;
		}
		const relkinds *k = e->rk;
		if (type == k->glob_dat || type == k->jump_slot) {
			reloc_import(e, st, symidx, where, IMP_UNDEF);
		} else if (type == k->copy) {
			reloc_import(e, st, symidx, where, IMP_COPY);
		} else if (type == k->relative || type == k->irelative) {
			uint64_t t = addend;
			if (!rela && !rd_va_word(e, where, &t)) t = 0;
			add_reloc(e, where, t, type);
		} else if (type == k->abs) {
			sym s;
			if (symidx && read_sym(e, st, symidx, &s) && s.shndx != SHN_UNDEF) {
				uint64_t a = addend;
				if (!rela && !rd_va_word(e, where, &a)) a = 0;
				add_reloc(e, where, s.value + a, type);
			} else {
				reloc_import(e, st, symidx, where, IMP_UNDEF_FUNC);
			}
		}
	}
}

/* RELR: even words are addresses, odd words bitmaps of the following slots. */
static void do_relr(elf *e, uint64_t off, uint64_t size, uint64_t entsize)
{
	uint64_t w = e->word;
	if (entsize != w) entsize = w;
	uint64_t n = table_fit(e, "relocs", "RELR table", off, size / entsize, entsize);
	uint64_t base = 0;
	bool have_base = false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ent;
		if (!rdw(e, off + i * entsize, &ent)) return;
		if (!(ent & 1)) {
			if (!take_budget(e)) return;
			uint64_t t = 0;
			rd_va_word(e, ent, &t);
			add_reloc(e, ent, t, e->rk->relative);
			base = wmask(e, ent + w);
			have_base = true;
			continue;
		}
		if (!have_base) {
			ln_load_warn(e->ld, "relocs", "RELR bitmap before any address at 0x%llx",
			             (unsigned long long)(off + i * entsize));
			return;
		}
		uint64_t bits = ent >> 1;
		for (uint64_t j = 0; bits; j++, bits >>= 1) {
			if (!(bits & 1)) continue;
			if (!take_budget(e)) return;
			uint64_t where = wmask(e, base + j * w), t = 0;
			rd_va_word(e, where, &t);
			add_reloc(e, where, t, e->rk->relative);
		}
		base = wmask(e, base + (w * 8 - 1) * w);
	}
}

typedef struct reltab {
	uint64_t va, size, ent;
	bool rela, relr;
} reltab;

static void do_dyn_reltab(elf *e, const reltab *t)
{
	uint64_t off, avail;
	if (!t->size) return;
	if (!map_va(e, t->va, &off, &avail)) {
		ln_load_warn(e->ld, "relocs", "relocation table at 0x%llx is not in the file",
		             (unsigned long long)t->va);
		return;
	}
	uint64_t size = t->size;
	if (size > avail) {
		ln_load_warn(e->ld, "relocs", "relocation table at 0x%llx: %llu bytes declared, %llu mapped",
		             (unsigned long long)t->va, (unsigned long long)size, (unsigned long long)avail);
		size = avail;
	}
	if (t->relr)
		do_relr(e, off, size, t->ent);
	else
		do_reltab(e, off, size, t->ent, t->rela, &e->dynsym);
}

static void load_relocs(elf *e)
{
	if (!e->rk) return;
	const dyninfo *d = &e->dyn;
	reltab t[5];
	size_t n = 0;
	memset(t, 0, sizeof(t));
	bool any = false;
	if (d->has[DT_RELA] && d->has[DT_RELASZ]) {
		t[n++] = (reltab){d->val[DT_RELA], d->val[DT_RELASZ], d->val[DT_RELAENT], true, false};
		any = true;
	}
	if (d->has[DT_REL] && d->has[DT_RELSZ]) {
		t[n++] = (reltab){d->val[DT_REL], d->val[DT_RELSZ], d->val[DT_RELENT], false, false};
		any = true;
	}
	if (d->has[DT_RELR] && d->has[DT_RELRSZ]) {
		t[n++] = (reltab){d->val[DT_RELR], d->val[DT_RELRSZ], d->val[DT_RELRENT], false, true};
		any = true;
	}
	if (d->has[DT_JMPREL] && d->has[DT_PLTRELSZ]) {
		bool rela = d->has[DT_PLTREL] ? d->val[DT_PLTREL] == DT_RELA : d->has[DT_RELA] || e->is64;
		reltab j = {d->val[DT_JMPREL], d->val[DT_PLTRELSZ], rela ? d->val[DT_RELAENT] : d->val[DT_RELENT], rela,
		            false};
		/* Some linkers count .rel.plt inside DT_RELSZ: cut it out so that no
		 * entry is read twice. */
		for (size_t i = 0; i < n; i++) {
			if (t[i].relr || t[i].rela != rela) continue;
			uint64_t lo = t[i].va, hi = t[i].va + t[i].size, jhi = j.va + j.size;
			if (j.va < lo || jhi > hi || hi < lo || jhi < j.va) continue;
			t[n] = t[i];
			t[n].va = jhi;
			t[n].size = hi - jhi;
			t[i].size = j.va - lo;
			n++;
			break;
		}
		t[n++] = j;
		any = true;
	}
	for (size_t i = 0; i < n; i++) do_dyn_reltab(e, &t[i]);
	if (any) return;
	/* No dynamic table (or no relocations in it): allocated relocation
	 * sections, with the symbol table they link to. */
	for (size_t i = 0; i < e->nsh; i++) {
		const shdr *s = &e->sh[i];
		if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS) continue;
		if (s->type == SHT_RELR) {
			do_relr(e, s->offset, s->size, s->entsize);
		} else if (s->type == SHT_RELA || s->type == SHT_REL) {
			symtab st = e->dynsym;
			if (s->link && s->link != i && s->link < e->nsh &&
			    (e->sh[s->link].type == SHT_DYNSYM || e->sh[s->link].type == SHT_SYMTAB))
				st = symtab_from_section(e, s->link);
			do_reltab(e, s->offset, s->size, s->entsize, s->type == SHT_RELA, &st);
		}
	}
}

typedef struct slot_idx {
	uint64_t slot;
	size_t i;
} slot_idx;

static int cmp_slot(const void *a, const void *b)
{
	const slot_idx *x = a, *y = b;
	if (x->slot != y->slot) return x->slot < y->slot ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static slot_idx *import_index(elf *e, size_t *count)
{
	ln_vec *v = &e->ld->imports;
	*count = 0;
	if (!v->len) return NULL;
	slot_idx *ix = ln_calloc(v->len, sizeof(slot_idx));
	if (!ix) {
		e->ld->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < v->len; i++) {
		ix[i].slot = LN_VEC_AT(v, lineage_import, i).slot;
		ix[i].i = i;
	}
	qsort(ix, v->len, sizeof(slot_idx), cmp_slot);
	*count = v->len;
	return ix;
}

/* Drop imports that repeat a slot (overlapping tables), keeping the first. */
static void dedup_imports(elf *e)
{
	ln_vec *v = &e->ld->imports;
	size_t n;
	slot_idx *ix = import_index(e, &n);
	if (!ix) return;
	bool *drop = ln_calloc(n, sizeof(bool));
	if (!drop) {
		e->ld->oom = true;
		ln_free(ix);
		return;
	}
	size_t dropped = 0;
	for (size_t k = 1; k < n; k++) {
		if (ix[k].slot == ix[k - 1].slot) {
			drop[ix[k].i] = true;
			dropped++;
		}
	}
	if (dropped) {
		size_t m = 0;
		lineage_import *im = v->items;
		for (size_t i = 0; i < n; i++)
			if (!drop[i]) im[m++] = im[i];
		v->len = m;
	}
	ln_free(drop);
	ln_free(ix);
}

/* ---- PLT stubs ---- */

static lineage_import *import_by_slot(elf *e, const slot_idx *ix, size_t n, uint64_t slot)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || ix[lo].slot != slot) return NULL;
	return &LN_VEC_AT(&e->ld->imports, lineage_import, ix[lo].i);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Slot of an indirect jmp at p (6 bytes available): x86-64 `ff 25 disp32`
 * (rip-relative), i386 `ff 25 abs32` and `ff a3 disp32` ([ebx+disp], ebx =
 * the GOT). */
static bool jmp_slot(const elf *e, const uint8_t *p, uint64_t va, uint64_t got, uint64_t *slot)
{
	if (p[0] != 0xff) return false;
	uint32_t d = le32(p + 2);
	if (p[1] == 0x25) {
		*slot = e->machine == EM_X86_64 ? va + 6 + (uint64_t)(int64_t)(int32_t)d : d;
		*slot = wmask(e, *slot);
		return true;
	}
	if (p[1] == 0xa3 && e->machine == EM_386 && got) {
		*slot = (got + d) & 0xffffffffu;
		return true;
	}
	return false;
}

static bool is_endbr(const uint8_t *p)
{
	return p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && (p[3] == 0xfa || p[3] == 0xfb);
}

static void scan_plt(elf *e, const shdr *s, uint64_t got, const slot_idx *ix, size_t nix)
{
	if (s->type == SHT_NOBITS || s->offset >= e->b->size) return;
	uint64_t size = min_u64(s->size, e->b->size - s->offset);
	const uint8_t *p = ln_rd_ptr(e->b, s->offset, size);
	if (!p) return;
	for (uint64_t i = 0; i + 6 <= size; i++) {
		uint64_t slot;
		if (!jmp_slot(e, p + i, s->addr + i, got, &slot)) continue;
		lineage_import *im = import_by_slot(e, ix, nix, slot);
		if (im && !im->stub) {
			/* The entry starts at the endbr (and bnd prefix) before the jmp. */
			uint64_t start = i;
			if (start >= 1 && p[start - 1] == 0xf2) start--;
			if (start >= 4 && is_endbr(p + start - 4)) start -= 4;
			im->stub = s->addr + start;
		}
		i += 5;
	}
}

static void find_stubs(elf *e)
{
	if (e->machine != EM_X86_64 && e->machine != EM_386) return;
	size_t nix;
	slot_idx *ix = import_index(e, &nix);
	if (!ix) return;
	uint64_t got = e->dyn.has[DT_PLTGOT] ? e->dyn.val[DT_PLTGOT] : 0;
	if (!got) {
		const lineage_section *ls = NULL;
		if (section_named(e, ".got.plt", &ls) || section_named(e, ".got", &ls)) got = ls->vaddr;
	}
	static const char *const plts[] = {".plt", ".plt.sec", ".plt.got", ".plt.bnd"};
	for (size_t k = 0; k < sizeof(plts) / sizeof(plts[0]); k++) {
		const shdr *s = section_named(e, plts[k], NULL);
		if (s) scan_plt(e, s, got, ix, nix);
	}
	/* Lazy-binding GOT slots start out pointing just past their PLT jmp (at
	 * the push): this finds stubs in files without section headers. */
	for (size_t i = 0; i < e->ld->imports.len; i++) {
		lineage_import *im = &LN_VEC_AT(&e->ld->imports, lineage_import, i);
		uint64_t v, off, avail;
		if (im->stub || !rd_va_word(e, im->slot, &v) || v < 6) continue;
		uint64_t c = v - 6, slot;
		if (!in_exec(e, c) || !map_va(e, c, &off, &avail) || avail < 6) continue;
		const uint8_t *p = ln_rd_ptr(e->b, off, 6);
		if (p && jmp_slot(e, p, c, got, &slot) && slot == im->slot) im->stub = c;
	}
	ln_free(ix);
}

/* ---- init/fini arrays ---- */

static int cmp_reloc(const void *a, const void *b)
{
	const lineage_reloc *x = a, *y = b;
	return x->where < y->where ? -1 : x->where > y->where;
}

/* One unit of the init/fini budget; false (with one warning) when spent. */
static bool take_array_budget(elf *e)
{
	if (e->array_budget) {
		e->array_budget--;
		return true;
	}
	if (!e->array_budget_warned)
		ln_load_warn(e->ld, "init", "more than %u init/fini pointers; the rest is ignored", MAX_ARRAY_PTRS);
	e->array_budget_warned = true;
	return false;
}

static void hint_array(elf *e, uint64_t va, uint64_t size)
{
	uint64_t off, avail;
	if (!size || !map_va(e, va, &off, &avail)) return;
	uint64_t n = min_u64(size, avail) / e->word;
	for (uint64_t i = 0; i < n && take_array_budget(e); i++) {
		uint64_t p;
		if (!rdw(e, off + i * e->word, &p)) break;
		if (p && p != wmask(e, UINT64_MAX)) ln_load_hint(e->ld, p, LINEAGE_SRC_INIT);
	}
	/* PIE: the array holds zeros and RELATIVE relocations carry the targets. */
	size_t lo = 0, hi = e->nrsorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->rsorted[mid].where < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < e->nrsorted && e->rsorted[i].where - va < size && take_array_budget(e); i++)
		if (e->rsorted[i].target) ln_load_hint(e->ld, e->rsorted[i].target, LINEAGE_SRC_INIT);
}

static void load_init(elf *e)
{
	const dyninfo *d = &e->dyn;
	e->array_budget = MAX_ARRAY_PTRS;
	if (e->ld->relocs.len) {
		e->rsorted = ln_calloc(e->ld->relocs.len, sizeof(lineage_reloc));
		if (!e->rsorted) {
			e->ld->oom = true;
			return;
		}
		memcpy(e->rsorted, e->ld->relocs.items, e->ld->relocs.len * sizeof(lineage_reloc));
		e->nrsorted = e->ld->relocs.len;
		qsort(e->rsorted, e->nrsorted, sizeof(lineage_reloc), cmp_reloc);
	}
	if (d->has[DT_INIT]) ln_load_hint(e->ld, d->val[DT_INIT], LINEAGE_SRC_INIT);
	if (d->has[DT_FINI]) ln_load_hint(e->ld, d->val[DT_FINI], LINEAGE_SRC_INIT);
	static const struct {
		uint32_t arr, sz, sht;
	} kinds[] = {{DT_INIT_ARRAY, DT_INIT_ARRAYSZ, SHT_INIT_ARRAY},
	             {DT_FINI_ARRAY, DT_FINI_ARRAYSZ, SHT_FINI_ARRAY},
	             {DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ, SHT_PREINIT_ARRAY}};
	for (size_t k = 0; k < 3; k++) {
		if (d->has[kinds[k].arr] && d->has[kinds[k].sz]) {
			hint_array(e, d->val[kinds[k].arr], d->val[kinds[k].sz]);
			continue;
		}
		for (size_t i = 0; i < e->nsh; i++)
			if (e->sh[i].type == kinds[k].sht) hint_array(e, e->sh[i].addr, e->sh[i].size);
	}
	/* Static binaries and old toolchains: .init/.fini code, .ctors/.dtors. */
	const lineage_section *ls = NULL;
	if (!d->has[DT_INIT] && section_named(e, ".init", &ls) && (ls->flags & LINEAGE_SEC_EXEC))
		ln_load_hint(e->ld, ls->vaddr, LINEAGE_SRC_INIT);
	if (!d->has[DT_FINI] && section_named(e, ".fini", &ls) && (ls->flags & LINEAGE_SEC_EXEC))
		ln_load_hint(e->ld, ls->vaddr, LINEAGE_SRC_INIT);
	const shdr *s;
	if ((s = section_named(e, ".ctors", NULL))) hint_array(e, s->addr, s->size);
	if ((s = section_named(e, ".dtors", NULL))) hint_array(e, s->addr, s->size);
}

/* ---- .eh_frame ---- */

typedef struct ehreg {
	uint64_t off, size, va; /* file range and its address */
} ehreg;

static bool uleb(const elf *e, uint64_t *p, uint64_t end, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0, shift = 0; i < 10; i++, shift += 7) {
		uint8_t c;
		if (*p >= end || !ln_rd_u8(e->b, *p, &c)) return false;
		(*p)++;
		if (shift < 64) v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool sleb(const elf *e, uint64_t *p, uint64_t end, int64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0, shift = 0; i < 10; i++) {
		uint8_t c;
		if (*p >= end || !ln_rd_u8(e->b, *p, &c)) return false;
		(*p)++;
		if (shift < 64) v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
		if (!(c & 0x80)) {
			if (shift < 64 && (c & 0x40)) v |= UINT64_MAX << shift;
			*out = (int64_t)v;
			return true;
		}
	}
	return false;
}

/* A DW_EH_PE-encoded pointer at *p (file offset within r). Advances *p;
 * false when it cannot be read or the encoding is unknown. */
static bool eh_ptr(const elf *e, const ehreg *r, uint64_t *p, uint64_t end, uint8_t enc, uint64_t datarel,
                   uint64_t *out)
{
	uint64_t start = *p, v = 0;
	if (*p > end) return false;
	switch (enc & 0x0f) {
	case 0x00:
		if (end - *p < e->word || !rdw(e, *p, &v)) return false;
		*p += e->word;
		break;
	case 0x01:
		if (!uleb(e, p, end, &v)) return false;
		break;
	case 0x09: {
		int64_t s;
		if (!sleb(e, p, end, &s)) return false;
		v = (uint64_t)s;
		break;
	}
	case 0x02:
	case 0x0a: {
		uint16_t x;
		if (end - *p < 2 || !rd16(e, *p, &x)) return false;
		*p += 2;
		v = (enc & 0x08) ? (uint64_t)(int64_t)(int16_t)x : x;
		break;
	}
	case 0x03:
	case 0x0b: {
		uint32_t x;
		if (end - *p < 4 || !rd32(e, *p, &x)) return false;
		*p += 4;
		v = (enc & 0x08) ? (uint64_t)(int64_t)(int32_t)x : x;
		break;
	}
	case 0x04:
	case 0x0c:
		if (end - *p < 8 || !rd64(e, *p, &v)) return false;
		*p += 8;
		break;
	default: return false;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += r->va + (start - r->off); break;
	case 0x30: v += datarel; break;
	default: return false;
	}
	*out = wmask(e, v);
	return true;
}

/* The FDE pointer encoding of the CIE at off (its length field). */
static bool cie_encoding(const elf *e, const ehreg *r, uint64_t off, uint8_t *enc)
{
	uint32_t len32, id;
	uint64_t end = r->off + r->size;
	if (off < r->off || off >= end || end - off < 8) return false;
	if (!rd32(e, off, &len32) || len32 == 0xffffffffu || len32 < 4 || len32 > end - off - 4) return false;
	uint64_t p = off + 4, cend = off + 4 + len32;
	if (!rd32(e, p, &id) || id != 0) return false;
	p += 4;
	uint8_t version;
	if (!ln_rd_u8(e->b, p++, &version)) return false;
	size_t alen;
	ln_buf cb = subbuf(e, 0, cend);
	const char *aug = ln_rd_cstr(&cb, p, 16, &alen);
	if (!aug) return false;
	p += alen + 1;
	*enc = 0; /* absptr */
	uint64_t u;
	int64_t s;
	if (strstr(aug, "eh")) p += e->word;
	if (version == 4) p += 2; /* address_size, segment_size */
	if (!uleb(e, &p, cend, &u) || !sleb(e, &p, cend, &s)) return false;
	if (version == 1)
		p++;
	else if (!uleb(e, &p, cend, &u))
		return false;
	if (aug[0] != 'z') return true;
	if (!uleb(e, &p, cend, &u)) return false;
	for (size_t i = 1; i < alen; i++) {
		uint8_t c;
		switch (aug[i]) {
		case 'R': return ln_rd_u8(e->b, p, enc) && p < cend;
		case 'L': p++; break;
		case 'P':
			if (p >= cend || !ln_rd_u8(e->b, p++, &c) || !eh_ptr(e, r, &p, cend, c & 0x7f, 0, &u))
				return false;
			break;
		case 'S':
		case 'B':
		case 'G': break;
		default: return true;
		}
	}
	return true;
}

/* The CIE of the last FDE: consecutive FDEs nearly always share one. */
typedef struct cie_cache {
	uint64_t off;
	uint8_t enc;
	bool ok;
} cie_cache;

/* pc_begin and pc_range of the FDE whose CIE-pointer field is at body and
 * which ends at end. False for a CIE or an unreadable FDE. */
static bool fde_pc(const elf *e, const ehreg *r, uint64_t body, uint64_t end, cie_cache *c, uint64_t *pc,
                   uint64_t *range)
{
	uint32_t id;
	if (!rd32(e, body, &id) || id == 0 || id > body - r->off) return false;
	uint64_t cie = body - id; /* CIE pointer: back from this field */
	if (cie != c->off) {
		c->off = cie;
		c->ok = cie_encoding(e, r, cie, &c->enc);
	}
	uint64_t q = body + 4;
	if (!c->ok || !eh_ptr(e, r, &q, end, c->enc, 0, pc)) return false;
	/* pc_range: the same format, never relative */
	if (!eh_ptr(e, r, &q, end, c->enc & 0x0f, 0, range)) *range = 0;
	return true;
}

/* Length field at p: the entry's body (after the length) and its end. False
 * at the terminator or when the entry does not fit the region. */
static bool eh_entry(elf *e, const ehreg *r, uint64_t p, uint64_t *body, uint64_t *end, bool *bad)
{
	uint64_t rend = r->off + r->size, len;
	uint32_t len32;
	*bad = false;
	if (p < r->off || p >= rend || rend - p < 4 || !rd32(e, p, &len32) || len32 == 0) return false;
	len = len32;
	*body = p + 4;
	if (len32 == 0xffffffffu) {
		if (rend - p < 12 || !rd64(e, p + 4, &len)) return false;
		*body = p + 12;
	}
	if (len < 4 || len > rend - *body) {
		*bad = true;
		return false;
	}
	*end = *body + len;
	return true;
}

static void walk_eh_frame(elf *e, const ehreg *r)
{
	uint64_t p = r->off;
	cie_cache c = {UINT64_MAX, 0, false};
	uint64_t nbad = 0;
	for (unsigned k = 0; k < MAX_EH_ENTRIES; k++) {
		uint64_t body, end, pc, range;
		uint32_t id;
		bool bad;
		if (!eh_entry(e, r, p, &body, &end, &bad)) {
			if (bad)
				ln_load_warn(e->ld, "eh_frame", "entry at 0x%llx has a length outside the section",
				             (unsigned long long)p);
			break;
		}
		if (rd32(e, body, &id) && id != 0) {
			if (fde_pc(e, r, body, end, &c, &pc, &range))
				ln_load_hint_range(e->ld, pc, range, LINEAGE_SRC_EXCEPTION);
			else
				nbad++;
		}
		p = end;
	}
	if (nbad) ln_load_warn(e->ld, "eh_frame", "%llu FDE(s) with a bad CIE or pc_begin", (unsigned long long)nbad);
}

void ln_eh_frame_hints(ln_load *ld, uint64_t off, uint64_t size, uint64_t va, bool is64)
{
	elf e;
	memset(&e, 0, sizeof(e));
	e.ld = ld;
	e.b = &ld->buf;
	e.bin = ld->bin;
	e.is64 = is64;
	e.word = is64 ? 8 : 4;
	if (off > ld->buf.size) return;
	if (size > ld->buf.size - off) size = ld->buf.size - off;
	ehreg r = {off, size, va};
	walk_eh_frame(&e, &r);
}

/* The header of .eh_frame_hdr: where .eh_frame is and, when the binary
 * search table is usable ((initial_location, fde) pairs, datarel|sdata4),
 * its offset and count. */
static bool eh_frame_hdr(elf *e, const ehreg *h, uint64_t *frame_va, uint64_t *table, uint64_t *count)
{
	uint8_t hv[4];
	*frame_va = 0;
	for (int i = 0; i < 4; i++)
		if (h->size < 4 || !ln_rd_u8(e->b, h->off + i, &hv[i])) return false;
	if (hv[0] != 1) return false;
	uint64_t p = h->off + 4, end = h->off + h->size;
	if (hv[1] != 0xff && !eh_ptr(e, h, &p, end, hv[1], h->va, frame_va)) return false;
	if (hv[2] == 0xff || hv[3] != 0x3b || !eh_ptr(e, h, &p, end, hv[2], h->va, count)) return false;
	if (!*count || *count > (end - p) / 8) return false;
	*table = p;
	return true;
}

/* Hints from the search table; the FDEs it points at give the sizes. */
static void eh_table(elf *e, const ehreg *h, uint64_t table, uint64_t count, const ehreg *fr)
{
	cie_cache c = {UINT64_MAX, 0, false};
	for (uint64_t i = 0; i < count && i < MAX_EH_ENTRIES; i++) {
		uint32_t loc, fde;
		if (!rd32(e, table + 8 * i, &loc) || !rd32(e, table + 8 * i + 4, &fde)) break;
		uint64_t pc = wmask(e, h->va + (uint64_t)(int64_t)(int32_t)loc);
		uint64_t fva = wmask(e, h->va + (uint64_t)(int64_t)(int32_t)fde), size = 0;
		uint64_t body, end, fpc, range;
		bool bad;
		if (fr->size && fva >= fr->va && fva - fr->va < fr->size &&
		    eh_entry(e, fr, fr->off + (fva - fr->va), &body, &end, &bad) &&
		    fde_pc(e, fr, body, end, &c, &fpc, &range) && fpc == pc)
			size = range;
		ln_load_hint_range(e->ld, pc, size, LINEAGE_SRC_EXCEPTION);
	}
}

static void load_eh(elf *e)
{
	if (e->type == ET_REL) return; /* pc_begin fields wait for relocation */
	ehreg hdr = {0, 0, 0}, frame = {0, 0, 0};
	bool have_hdr = false;
	const shdr *s = section_named(e, ".eh_frame_hdr", NULL);
	if (s && s->type != SHT_NOBITS) {
		ln_buf v = subbuf(e, s->offset, s->size);
		hdr = (ehreg){s->offset, v.size, s->addr};
		have_hdr = v.size > 0;
	}
	for (size_t i = 0; i < e->nph && !have_hdr; i++) {
		const phdr *p = &e->ph[i];
		if (p->type != PT_GNU_EH_FRAME) continue;
		ln_buf v = subbuf(e, p->offset, p->filesz);
		hdr = (ehreg){p->offset, v.size, p->vaddr};
		have_hdr = v.size > 0;
	}
	s = section_named(e, ".eh_frame", NULL);
	if (s && s->type != SHT_NOBITS) {
		ln_buf v = subbuf(e, s->offset, s->size);
		frame = (ehreg){s->offset, v.size, s->addr};
	}
	uint64_t frame_va = 0, table = 0, count = 0;
	bool table_ok = have_hdr && eh_frame_hdr(e, &hdr, &frame_va, &table, &count);
	if (!frame.size && frame_va) {
		/* no section headers: .eh_frame runs to the end of its mapping */
		uint64_t off, avail;
		if (map_va(e, frame_va, &off, &avail)) frame = (ehreg){off, avail, frame_va};
	}
	if (table_ok) {
		eh_table(e, &hdr, table, count, &frame);
		return;
	}
	if (have_hdr) ln_load_warn(e->ld, "eh_frame", ".eh_frame_hdr is unusable; walking .eh_frame");
	if (frame.size) walk_eh_frame(e, &frame);
}

/* ---- overlay ---- */

static void extend(uint64_t *end, uint64_t off, uint64_t size)
{
	uint64_t x;
	if (!ln_add_ok(off, size, &x)) x = UINT64_MAX;
	if (x > *end) *end = x;
}

static void load_overlay(elf *e, uint64_t hdrsize, uint64_t phoff, uint64_t phsize, uint64_t shoff, uint64_t shsize)
{
	uint64_t end = hdrsize;
	if (phsize) extend(&end, phoff, phsize);
	if (shsize) extend(&end, shoff, shsize);
	for (size_t i = 0; i < e->nsh; i++)
		if (e->sh[i].type != SHT_NOBITS) extend(&end, e->sh[i].offset, e->sh[i].size);
	for (size_t i = 0; i < e->nph; i++) extend(&end, e->ph[i].offset, e->ph[i].filesz);
	if (end < e->b->size) {
		e->bin->overlay_offset = end;
		e->bin->overlay_size = e->b->size - end;
	} else {
		e->bin->overlay_offset = e->b->size;
	}
}

/* ---- entry point ---- */

bool ln_elf_detect(const ln_buf *b)
{
	const uint8_t *p = ln_rd_ptr(b, 0, 4);
	return p && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

int ln_elf_load(ln_load *ld)
{
	elf e;
	memset(&e, 0, sizeof(e));
	e.ld = ld;
	e.b = &ld->buf;
	e.bin = ld->bin;
	ln_vec_init(&e.dyn.needed, sizeof(uint64_t));
	lineage_binary *bin = ld->bin;
	int rc = 0;
	uint8_t cls = 0, enc = 0, osabi = 0;
	if (ld->buf.size < 16 || !ln_rd_u8(e.b, 4, &cls) || !ln_rd_u8(e.b, 5, &enc) || !ln_rd_u8(e.b, 7, &osabi)) {
		snprintf(ld->err, sizeof(ld->err), "ELF header truncated: %llu bytes",
		         (unsigned long long)ld->buf.size);
		rc = LINEAGE_EFORMAT;
		goto done;
	}
	if (cls != 1 && cls != 2) {
		snprintf(ld->err, sizeof(ld->err), "ELF: invalid class %u", cls);
		rc = LINEAGE_EFORMAT;
		goto done;
	}
	if (enc != 1 && enc != 2) {
		snprintf(ld->err, sizeof(ld->err), "ELF: invalid data encoding %u", enc);
		rc = LINEAGE_EFORMAT;
		goto done;
	}
	e.is64 = cls == 2;
	e.be = enc == 2;
	e.word = e.is64 ? 8 : 4;
	uint64_t hdrsize = e.is64 ? 64 : 52;
	if (ld->buf.size < hdrsize) {
		snprintf(ld->err, sizeof(ld->err), "ELF header truncated: %llu bytes",
		         (unsigned long long)ld->buf.size);
		rc = LINEAGE_EFORMAT;
		goto done;
	}
	uint64_t entry, phoff, shoff;
	uint16_t phentsize, phnum16, shentsize, shnum16, shstrndx16;
	unsigned o = 24, w = e.word; /* e_entry, then phoff, shoff, flags, ... */
	bool ok = rd16(&e, 16, &e.type) && rd16(&e, 18, &e.machine) && rdw(&e, o, &entry) && rdw(&e, o + w, &phoff) &&
	          rdw(&e, o + 2 * w, &shoff) && rd16(&e, o + 3 * w + 6, &phentsize) &&
	          rd16(&e, o + 3 * w + 8, &phnum16) && rd16(&e, o + 3 * w + 10, &shentsize) &&
	          rd16(&e, o + 3 * w + 12, &shnum16) && rd16(&e, o + 3 * w + 14, &shstrndx16);
	if (!ok) {
		snprintf(ld->err, sizeof(ld->err), "ELF header truncated: %llu bytes",
		         (unsigned long long)ld->buf.size);
		rc = LINEAGE_EFORMAT;
		goto done;
	}
	bin->elf.elf_class = cls;
	bin->elf.osabi = osabi;
	bin->elf.type = e.type;
	bin->elf.machine = e.machine;
	bin->bits = e.is64 ? 64 : 32;
	if (e.machine == EM_386) {
		bin->arch = LINEAGE_ARCH_X86;
		bin->bits = 32;
		e.rk = &rk_386;
	} else if (e.machine == EM_X86_64) {
		bin->arch = LINEAGE_ARCH_X86_64;
		bin->bits = 64; /* x32 (ELFCLASS32) code runs in long mode too */
		e.rk = &rk_x86_64;
	} else {
		bin->arch = LINEAGE_ARCH_OTHER;
		if (e.machine == EM_ARM) e.rk = &rk_arm;
		if (e.machine == EM_AARCH64) e.rk = &rk_aarch64;
	}
	bin->entry = wmask(&e, entry);
	bin->has_entry = bin->entry != 0;

	/* Extended numbering: counts that do not fit 16 bits live in section 0. */
	uint32_t phnum = phnum16, shnum = shnum16, shstrndx = shstrndx16;
	bool sh_ok = shoff != 0 && shentsize >= (e.is64 ? 64 : 40);
	if (shoff && !sh_ok)
		ln_load_warn(ld, "sections", "e_shentsize %u is too small; section headers ignored", shentsize);
	if (sh_ok && shoff >= ld->buf.size) {
		ln_load_warn(ld, "sections", "e_shoff 0x%llx is past the end of the file (%llu bytes)",
		             (unsigned long long)shoff, (unsigned long long)ld->buf.size);
		sh_ok = false;
	}
	if (sh_ok && (shnum16 == 0 || shstrndx16 == SHN_XINDEX || phnum16 == PN_XNUM)) {
		shdr s0;
		if (read_shdr(&e, shoff, &s0)) {
			if (shnum16 == 0) shnum = s0.size > UINT32_MAX ? UINT32_MAX : (uint32_t)s0.size;
			if (shstrndx16 == SHN_XINDEX) shstrndx = s0.link;
			if (phnum16 == PN_XNUM && s0.info) phnum = s0.info;
		}
	}
	if (phoff && phnum && phoff >= ld->buf.size) {
		ln_load_warn(ld, "segments", "e_phoff 0x%llx is past the end of the file (%llu bytes)",
		             (unsigned long long)phoff, (unsigned long long)ld->buf.size);
	} else if (phoff) {
		load_segments(&e, phoff, phnum, phentsize);
	}
	if (sh_ok) load_sections(&e, shoff, shnum, shentsize, shstrndx);
	if (ld->oom) goto done;

	bool any_alloc = false;
	for (size_t i = 0; i < ld->sections.len; i++)
		if (LN_VEC_AT(&ld->sections, lineage_section, i).flags & LINEAGE_SEC_ALLOC) any_alloc = true;
	bool any_load = false;
	uint64_t base = UINT64_MAX;
	for (size_t i = 0; i < e.nph; i++) {
		const phdr *p = &e.ph[i];
		if (p->type != PT_LOAD) continue;
		any_load = true;
		uint64_t b = p->vaddr >= p->offset ? p->vaddr - p->offset : p->vaddr;
		b &= ~(uint64_t)0xfff;
		if (b < base) base = b;
	}
	bin->image_base = any_load ? base : 0;
	if (!any_alloc && any_load) {
		if (ld->sections.len)
			ln_load_warn(ld, "sections", "no allocated section; using the PT_LOAD segments as sections");
		else if (e.type != ET_REL)
			ln_load_warn(ld, "sections", "no section headers; using the PT_LOAD segments as sections");
		pseudo_sections(&e);
	}
	build_map(&e);
	build_exec(&e);
	if (ld->oom) goto done;

	load_interp(&e);
	load_notes(&e);
	load_dynamic(&e);
	find_dynstr(&e);
	load_needed(&e);
	find_dynsym(&e);
	load_versions(&e);
	load_symbols(&e);
	if (e.type != ET_REL) {
		e.reloc_budget = ld->lim->max_relocs;
		load_relocs(&e);
		dedup_imports(&e);
		find_stubs(&e);
		load_init(&e);
	}
	load_eh(&e);
	if (bin->has_entry && e.type != ET_REL) ln_load_hint(ld, bin->entry, LINEAGE_SRC_ENTRY);
	load_overlay(&e, hdrsize, phoff, (uint64_t)phnum * phentsize, sh_ok ? shoff : 0,
	             sh_ok ? (uint64_t)shnum * shentsize : 0);

done:
	ln_free(e.sh);
	ln_free(e.ph);
	ln_free(e.map);
	ln_free(e.exec);
	ln_free(e.verlib);
	ln_free(e.rsorted);
	ln_vec_free(&e.dyn.needed);
	return rc;
}
