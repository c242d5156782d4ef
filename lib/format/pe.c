/* PE32/PE32+ loader: headers, sections, imports (also delay-load), exports,
 * base relocations, TLS callbacks, resources, the Rich header, CodeView debug
 * info, the COFF symbol table mingw leaves in unstripped images, x64 .pdata
 * and the overlay.
 *
 * Every byte comes through the bounded reader. Structures the file points at
 * are located by RVA through the section table (rva_map). Only an unusable
 * header block fails the load; any other damage becomes a warning and a
 * partial result. Every loop is bounded by the file size, the directory size
 * or a configured limit, so a hostile file cannot make the loader hang or
 * allocate without bound. */
#include "format.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>

#define MZ_MAGIC         0x5a4du
#define PE_SIGNATURE     0x00004550u
#define OPT_MAGIC_PE32   0x10bu
#define OPT_MAGIC_PE32P  0x20bu
#define MACHINE_I386     0x14cu
#define MACHINE_AMD64    0x8664u
#define FILE_DLL         0x2000u
#define SCN_CNT_CODE     0x00000020u
#define SCN_MEM_EXECUTE  0x20000000u
#define SCN_MEM_READ     0x40000000u
#define SCN_MEM_WRITE    0x80000000u
#define RICH_MAGIC       0x68636952u /* "Rich" */
#define DANS_MAGIC       0x536e6144u /* "DanS" */
#define RSDS_MAGIC       0x53445352u /* "RSDS" */
#define NB10_MAGIC       0x3031424eu /* "NB10" */
#define DEBUG_CODEVIEW   2u
#define UNW_FLAG_CHAIN   4u
#define FILE_ALIGN_HARD  0x200u /* the loader rounds PointerToRawData down to this */
#define COFF_SYM_SIZE    18u
#define SEC_HDR_SIZE     40u
#define NAME_MAX_LEN     4096u
#define DLL_NAME_MAX     512u
#define MAX_TLS_CALLBACK 1024u
#define MAX_DEBUG_ENTRY  64u
#define RES_MAX_DEPTH    3
#define RES_MAX_DIRS     4096u
#define RES_NAME_MAX     512u

enum {
	DIR_EXPORT = 0,
	DIR_IMPORT = 1,
	DIR_RESOURCE = 2,
	DIR_EXCEPTION = 3,
	DIR_SECURITY = 4,
	DIR_BASERELOC = 5,
	DIR_DEBUG = 6,
	DIR_TLS = 9,
	DIR_DELAY_IMPORT = 13,
	DIR_COUNT = 16
};

/* One row of the section table as the loader maps it. */
typedef struct pe_sec {
	uint32_t va, vsize;
	uint64_t raw_off;  /* PointerToRawData, rounded down like the loader does */
	uint64_t raw_size; /* SizeOfRawData clamped to the file */
	uint32_t chr;      /* Characteristics */
} pe_sec;

/* A run of RVAs owned by one section. Sections are kept in disjoint sorted
 * runs so that a lookup is a binary search even when a hostile file has
 * thousands of overlapping sections; where rows overlap the first row of the
 * table wins, as in lineage_binary_va_bytes(). */
typedef struct pe_ivl {
	uint64_t start, end;
	uint32_t sec;
} pe_ivl;

typedef struct pe_ctx {
	ln_load *ld;
	const ln_buf *b;
	lineage_binary *bin;
	uint64_t pe_off;  /* "PE\0\0" */
	uint64_t opt_off; /* optional header */
	uint16_t nsec_hdr;
	uint16_t opt_size;
	uint32_t symtab_off, nsyms;
	bool pe32plus;
	unsigned ptr; /* 4 or 8 */
	uint64_t image_base;
	uint32_t size_of_headers;
	uint32_t entry_rva;
	uint32_t ndirs;
	uint32_t dir_rva[DIR_COUNT], dir_size[DIR_COUNT];
	pe_sec *secs;
	size_t nsecs;
	struct pe_ivl *raw_map; /* RVA -> section with file data there */
	size_t nraw;
	struct pe_ivl *mem_map; /* RVA -> section mapping it in memory */
	size_t nmem;
	uint64_t sectab_end; /* file offset after the section table rows present */
	uint64_t strtab_off; /* COFF string table, 0 when absent */
	uint32_t strtab_size;
} pe_ctx;

bool ln_pe_detect(const ln_buf *b)
{
	uint16_t mz;
	return ln_rd_u16le(b, 0, &mz) && mz == MZ_MAGIC;
}

/* ---- address mapping ---- */

/* File offset of an RVA and the number of file-backed bytes from there within
 * its section (or the header region). False when the RVA is not backed by the
 * file. */
/* Build the run map of the sections, each covering [va, va + span). */
static pe_ivl *build_map(const pe_sec *secs, size_t n, bool raw, size_t *count)
{
	*count = 0;
	pe_ivl *m = ln_calloc(2 * n + 2, sizeof(pe_ivl));
	if (!m) return NULL;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t span = raw ? secs[i].raw_size : (secs[i].vsize ? secs[i].vsize : secs[i].raw_size);
		uint64_t cur = secs[i].va, end = cur + span;
		/* first run that ends after cur */
		size_t lo = 0, hi = len;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (m[mid].end <= cur)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* fill the gaps of [cur, end) that earlier rows left */
		while (cur < end) {
			if (lo < len && m[lo].start <= cur) {
				cur = m[lo++].end;
				continue;
			}
			uint64_t gap_end = lo < len && m[lo].start < end ? m[lo].start : end;
			memmove(&m[lo + 1], &m[lo], (len - lo) * sizeof(pe_ivl));
			m[lo] = (pe_ivl){cur, gap_end, (uint32_t)i};
			len++;
			lo++;
			cur = gap_end;
		}
	}
	*count = len;
	return m;
}

static const pe_sec *map_find(const pe_ctx *pc, const pe_ivl *m, size_t n, uint64_t rva)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m[mid].start <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || rva >= m[lo - 1].end) return NULL;
	return &pc->secs[m[lo - 1].sec];
}

/* File offset of an RVA and the number of file-backed bytes from there within
 * its section (or the header region). False when the RVA is not backed by the
 * file. */
static bool rva_map(const pe_ctx *pc, uint64_t rva, uint64_t *off, uint64_t *avail)
{
	const pe_sec *s = map_find(pc, pc->raw_map, pc->nraw, rva);
	if (s) {
		uint64_t d = rva - s->va;
		*off = s->raw_off + d;
		if (avail) *avail = s->raw_size - d;
		return true;
	}
	uint64_t hdr = pc->size_of_headers < pc->b->size ? pc->size_of_headers : pc->b->size;
	if (rva < hdr) {
		*off = rva;
		if (avail) *avail = hdr - rva;
		return true;
	}
	return false;
}

static bool rva_u16(const pe_ctx *pc, uint64_t rva, uint16_t *out)
{
	uint64_t off, avail;
	return rva_map(pc, rva, &off, &avail) && avail >= 2 && ln_rd_u16le(pc->b, off, out);
}

static bool rva_u32(const pe_ctx *pc, uint64_t rva, uint32_t *out)
{
	uint64_t off, avail;
	return rva_map(pc, rva, &off, &avail) && avail >= 4 && ln_rd_u32le(pc->b, off, out);
}

/* A pointer-sized value (PE32: 32 bits, PE32+: 64 bits). */
static bool rva_ptr(const pe_ctx *pc, uint64_t rva, uint64_t *out)
{
	if (pc->ptr == 8) {
		uint64_t off, avail;
		return rva_map(pc, rva, &off, &avail) && avail >= 8 && ln_rd_u64le(pc->b, off, out);
	}
	uint32_t v;
	if (!rva_u32(pc, rva, &v)) return false;
	*out = v;
	return true;
}

/* A NUL-terminated string at an RVA, bounded by its section and max. */
static const char *rva_cstr(const pe_ctx *pc, uint64_t rva, size_t max, size_t *len)
{
	uint64_t off, avail;
	if (!rva_map(pc, rva, &off, &avail)) return NULL;
	if (avail < max) max = (size_t)avail;
	return ln_rd_cstr(pc->b, off, max, len);
}

static const pe_sec *sec_of_rva(const pe_ctx *pc, uint64_t rva)
{
	return map_find(pc, pc->mem_map, pc->nmem, rva);
}

static bool rva_is_exec(const pe_ctx *pc, uint64_t rva)
{
	const pe_sec *s = sec_of_rva(pc, rva);
	return s && (s->chr & (SCN_MEM_EXECUTE | SCN_CNT_CODE));
}

/* The file-backed extent of a data directory: its offset and its size clamped
 * to what the file holds. False (with a warning) when it maps nowhere. */
static bool dir_map(const pe_ctx *pc, int idx, const char *area, uint64_t *off, uint64_t *size)
{
	if ((uint32_t)idx >= pc->ndirs || !pc->dir_rva[idx]) return false;
	uint64_t avail;
	if (!rva_map(pc, pc->dir_rva[idx], off, &avail)) {
		ln_load_warn(pc->ld, area, "directory RVA 0x%x maps to no file data", pc->dir_rva[idx]);
		return false;
	}
	*size = pc->dir_size[idx];
	if (*size > avail) *size = avail;
	return true;
}

/* ---- headers and sections ---- */

static int fail(ln_load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ln_load *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, sizeof(ld->err), fmt, ap);
	va_end(ap);
	return LINEAGE_EFORMAT;
}

static int parse_headers(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	lineage_binary *bin = pc->bin;
	uint32_t lfanew, sig;
	if (b->size < 0x40 || !ln_rd_u32le(b, 0x3c, &lfanew))
		return fail(ld, "DOS header truncated (file size %llu)", (unsigned long long)b->size);
	if (!ln_in_bounds(b, lfanew, 24))
		return fail(ld, "PE header at 0x%x is past the end of the file (size %llu)", lfanew,
		            (unsigned long long)b->size);
	if (!ln_rd_u32le(b, lfanew, &sig) || sig != PE_SIGNATURE)
		return fail(ld, "no PE signature at 0x%x (e_lfanew)", lfanew);
	pc->pe_off = lfanew;
	uint64_t coff = pc->pe_off + 4;
	lineage_pe_info *pe = &bin->pe;
	ln_rd_u16le(b, coff, &pe->machine);
	ln_rd_u16le(b, coff + 2, &pc->nsec_hdr);
	ln_rd_u32le(b, coff + 4, &pe->timestamp);
	ln_rd_u32le(b, coff + 8, &pc->symtab_off);
	ln_rd_u32le(b, coff + 12, &pc->nsyms);
	ln_rd_u16le(b, coff + 16, &pc->opt_size);
	ln_rd_u16le(b, coff + 18, &pe->characteristics);
	pc->opt_off = coff + 20;

	uint16_t magic;
	if (!ln_rd_u16le(b, pc->opt_off, &magic))
		return fail(ld, "optional header at 0x%llx is past the end of the file (size %llu)",
		            (unsigned long long)pc->opt_off, (unsigned long long)b->size);
	if (magic != OPT_MAGIC_PE32 && magic != OPT_MAGIC_PE32P)
		return fail(ld, "unknown optional header magic 0x%x at 0x%llx", magic, (unsigned long long)pc->opt_off);
	pc->pe32plus = magic == OPT_MAGIC_PE32P;
	pc->ptr = pc->pe32plus ? 8 : 4;
	uint64_t o = pc->opt_off;
	uint64_t dd = o + (pc->pe32plus ? 112 : 96); /* data directories */
	if (!ln_in_bounds(b, o, dd - o))
		return fail(ld, "optional header at 0x%llx is truncated (file size %llu)", (unsigned long long)o,
		            (unsigned long long)b->size);
	ln_rd_u8(b, o + 2, &pe->linker_major);
	ln_rd_u8(b, o + 3, &pe->linker_minor);
	ln_rd_u32le(b, o + 16, &pc->entry_rva);
	if (pc->pe32plus) {
		ln_rd_u64le(b, o + 24, &pc->image_base);
	} else {
		uint32_t ib;
		ln_rd_u32le(b, o + 28, &ib);
		pc->image_base = ib;
	}
	ln_rd_u32le(b, o + 56, &pe->size_of_image);
	ln_rd_u32le(b, o + 60, &pc->size_of_headers);
	ln_rd_u32le(b, o + 64, &pe->checksum);
	ln_rd_u16le(b, o + 68, &pe->subsystem);
	ln_rd_u16le(b, o + 70, &pe->dll_characteristics);
	uint32_t nrva;
	ln_rd_u32le(b, dd - 4, &nrva);
	pc->ndirs = nrva < DIR_COUNT ? nrva : DIR_COUNT;
	for (uint32_t i = 0; i < pc->ndirs; i++) {
		if (!ln_rd_u32le(b, dd + 8 * i, &pc->dir_rva[i]) || !ln_rd_u32le(b, dd + 8 * i + 4, &pc->dir_size[i])) {
			ln_load_warn(ld, "headers", "data directories truncated after %u of %u entries", i, nrva);
			pc->ndirs = i;
			break;
		}
	}

	pe->is_pe32plus = pc->pe32plus;
	pe->is_dll = (pe->characteristics & FILE_DLL) != 0;
	bin->bits = pc->pe32plus ? 64 : 32;
	bin->image_base = pc->image_base;
	bin->arch = pe->machine == MACHINE_I386    ? LINEAGE_ARCH_X86
	            : pe->machine == MACHINE_AMD64 ? LINEAGE_ARCH_X86_64
	                                           : LINEAGE_ARCH_OTHER;
	return 0;
}

/* A string from the COFF string table at offset off; NULL when invalid. */
static const char *strtab_str(const pe_ctx *pc, uint64_t off, size_t *len)
{
	if (!pc->strtab_off || off < 4 || off >= pc->strtab_size) return NULL;
	uint64_t max = pc->strtab_size - off;
	return ln_rd_cstr(pc->b, pc->strtab_off + off, max < NAME_MAX_LEN ? (size_t)max : NAME_MAX_LEN, len);
}

static void locate_strtab(pe_ctx *pc)
{
	uint64_t off;
	uint32_t size;
	if (!pc->symtab_off) return;
	if (!ln_add_ok(pc->symtab_off, (uint64_t)pc->nsyms * COFF_SYM_SIZE, &off) || !ln_rd_u32le(pc->b, off, &size) ||
	    size < 4)
		return;
	if (size > pc->b->size - off) size = (uint32_t)(pc->b->size - off);
	pc->strtab_off = off;
	pc->strtab_size = size;
}

/* Section name: 8 bytes, or "/123" (decimal) and "//BASE64" offsets into the
 * COFF string table, as mingw and LLVM write for names over 8 bytes. */
static const char *section_name(pe_ctx *pc, const uint8_t *raw)
{
	size_t n = 0;
	while (n < 8 && raw[n]) n++;
	if (n >= 2 && raw[0] == '/') {
		uint64_t v = 0;
		bool ok = true;
		if (raw[1] == '/') {
			for (size_t i = 2; i < n && ok; i++) {
				int d = ln_base64_value((unsigned char)raw[i]);
				ok = d >= 0;
				v = v * 64 + (uint64_t)(d < 0 ? 0 : d);
			}
			ok = ok && n > 2;
		} else {
			for (size_t i = 1; i < n && ok; i++) {
				ok = raw[i] >= '0' && raw[i] <= '9';
				v = v * 10 + (uint64_t)(raw[i] - '0');
			}
		}
		size_t len;
		const char *s = ok ? strtab_str(pc, v, &len) : NULL;
		if (s) return ln_load_str(pc->ld, s, len);
	}
	return ln_load_str(pc->ld, (const char *)raw, n);
}

static int parse_sections(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	uint64_t tab = pc->opt_off + pc->opt_size;
	uint32_t n = pc->nsec_hdr;
	uint64_t fit = tab < b->size ? (b->size - tab) / SEC_HDR_SIZE : 0;
	if (n > fit) {
		ln_load_warn(ld, "sections", "section table at 0x%llx truncated: %llu of %u entries in the file",
		             (unsigned long long)tab, (unsigned long long)fit, n);
		n = (uint32_t)fit;
	}
	if (n > ld->lim->max_sections) {
		ln_load_warn(ld, "sections", "limit of %u entries reached; the rest is ignored", ld->lim->max_sections);
		n = ld->lim->max_sections;
	}
	pc->sectab_end = tab + (uint64_t)n * SEC_HDR_SIZE;
	if (pc->sectab_end > b->size) pc->sectab_end = b->size;
	if (!n) return 0;
	pc->secs = ln_calloc(n, sizeof(pe_sec));
	if (!pc->secs) return LINEAGE_ENOMEM;
	uint32_t file_align = 0;
	ln_rd_u32le(b, pc->opt_off + 36, &file_align);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = tab + (uint64_t)i * SEC_HDR_SIZE;
		const uint8_t *raw = ln_rd_ptr(b, h, SEC_HDR_SIZE);
		if (!raw) break;
		uint32_t vsize, va, rsize, rptr, chr;
		ln_rd_u32le(b, h + 8, &vsize);
		ln_rd_u32le(b, h + 12, &va);
		ln_rd_u32le(b, h + 16, &rsize);
		ln_rd_u32le(b, h + 20, &rptr);
		ln_rd_u32le(b, h + 36, &chr);
		/* The Windows loader reads raw data from PointerToRawData rounded down
		 * to 512 bytes (pefile's adjust_FileAlignment) */
		uint64_t off = file_align >= FILE_ALIGN_HARD ? rptr & ~(uint64_t)(FILE_ALIGN_HARD - 1) : rptr;
		uint64_t size = 0;
		if (rsize && off < b->size) size = rsize < b->size - off ? rsize : b->size - off;
		if (rsize && size < rsize)
			ln_load_warn(ld, "sections",
			             "section %u raw data (0x%x bytes at 0x%x) runs past the end of the file", i, rsize,
			             rptr);
		pe_sec *ps = &pc->secs[pc->nsecs++];
		ps->va = va;
		ps->vsize = vsize;
		ps->raw_off = off;
		ps->raw_size = size;
		ps->chr = chr;

		lineage_section *s = ln_load_push(ld, &ld->sections, ld->lim->max_sections, "sections");
		if (!s) break;
		s->name = section_name(pc, raw);
		s->vaddr = pc->image_base + va;
		s->vsize = vsize ? vsize : rsize;
		s->offset = size ? off : 0;
		s->size = size;
		s->raw_flags = chr;
		if (chr & SCN_MEM_READ) s->flags |= LINEAGE_SEC_READ;
		if (chr & SCN_MEM_WRITE) s->flags |= LINEAGE_SEC_WRITE;
		if (chr & SCN_MEM_EXECUTE) s->flags |= LINEAGE_SEC_EXEC;
		if (chr & SCN_CNT_CODE) s->flags |= LINEAGE_SEC_CODE;
		if (vsize || rsize) s->flags |= LINEAGE_SEC_ALLOC;
	}
	pc->raw_map = build_map(pc->secs, pc->nsecs, true, &pc->nraw);
	pc->mem_map = build_map(pc->secs, pc->nsecs, false, &pc->nmem);
	return pc->raw_map && pc->mem_map ? 0 : LINEAGE_ENOMEM;
}

/* ---- imports ---- */

/* Walk one thunk list: names from int_rva (or the IAT when there is no INT),
 * slots in the IAT. va_based: the old delay-load format whose pointers are
 * VAs. Returns false when the import limit is reached. */
static bool import_thunks(pe_ctx *pc, const char *lib, uint64_t int_rva, uint64_t iat_rva, uint32_t flags,
                          bool va_based, const char *area)
{
	ln_load *ld = pc->ld;
	uint64_t ord_flag = pc->ptr == 8 ? 1ull << 63 : 1ull << 31;
	uint64_t names = int_rva ? int_rva : iat_rva;
	for (uint64_t i = 0;; i++) {
		uint64_t rva = names + i * pc->ptr, v;
		if (!rva_ptr(pc, rva, &v)) {
			ln_load_warn(ld, area, "%s: thunk list at RVA 0x%llx has no terminator inside the file", lib,
			             (unsigned long long)names);
			return true;
		}
		if (!v) return true;
		lineage_import im = {.library = lib, .flags = flags};
		if (iat_rva) im.slot = pc->image_base + iat_rva + i * pc->ptr;
		if (v & ord_flag) {
			im.flags |= LINEAGE_IMPORT_ORDINAL;
			im.ordinal = (uint32_t)(v & 0xffff);
		} else {
			uint64_t hint_rva = v;
			if (va_based) hint_rva = v >= pc->image_base ? v - pc->image_base : UINT64_MAX;
			size_t len;
			const char *name = NULL;
			if (hint_rva <= 0x7fffffffu) name = rva_cstr(pc, hint_rva + 2, NAME_MAX_LEN, &len);
			if (!name) {
				ln_load_warn(ld, area,
				             "%s: import name at 0x%llx maps to no file data; the rest of the list is "
				             "ignored",
				             lib, (unsigned long long)v);
				return true;
			}
			im.name = ln_load_str(ld, name, len);
		}
		lineage_import *slot = ln_load_push(ld, &ld->imports, ld->lim->max_imports, "imports");
		if (!slot) return false;
		*slot = im;
	}
}

static void parse_imports(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	uint64_t off, size;
	if (!dir_map(pc, DIR_IMPORT, "imports", &off, &size)) return;
	uint64_t rva = pc->dir_rva[DIR_IMPORT];
	/* Descriptors follow each other until an all-zero one (the directory
	 * size is not used: the loader ignores it). The walk is bounded by the
	 * file-backed part of the section holding them and, as pefile does, it
	 * gives up after a few unusable descriptors */
	unsigned errors = 0;
	for (uint64_t i = 0;; i++) {
		uint64_t d = rva + i * 20, doff, avail;
		if (!rva_map(pc, d, &doff, &avail) || avail < 20) {
			ln_load_warn(ld, "imports", "descriptor table at RVA 0x%llx has no terminator inside the file",
			             (unsigned long long)rva);
			return;
		}
		uint32_t ilt, name_rva, iat, ts, fwd;
		ln_rd_u32le(pc->b, doff, &ilt);
		ln_rd_u32le(pc->b, doff + 4, &ts);
		ln_rd_u32le(pc->b, doff + 8, &fwd);
		ln_rd_u32le(pc->b, doff + 12, &name_rva);
		ln_rd_u32le(pc->b, doff + 16, &iat);
		if (!ilt && !ts && !fwd && !name_rva && !iat) return;
		size_t len;
		const char *lib = rva_cstr(pc, name_rva, DLL_NAME_MAX, &len);
		uint64_t probe;
		if (ilt && !rva_map(pc, ilt, &probe, NULL)) ilt = 0; /* fall back to the IAT */
		if (!lib || (!ilt && !iat)) {
			ln_load_warn(ld, "imports", "descriptor %llu at RVA 0x%llx: %s", (unsigned long long)i,
			             (unsigned long long)d, lib ? "no thunk list" : "DLL name maps to no file data");
			if (++errors > 5) return;
			continue;
		}
		if (!import_thunks(pc, ln_load_str(ld, lib, len), ilt, iat, 0, false, "imports")) return;
		if (ld->oom) return;
	}
}

static void parse_delay_imports(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	uint64_t off, size;
	if (!dir_map(pc, DIR_DELAY_IMPORT, "delay imports", &off, &size)) return;
	uint64_t rva = pc->dir_rva[DIR_DELAY_IMPORT];
	/* Nothing but tools reads this directory (the delay-load helper finds
	 * its descriptor by address), so its size is trusted when present */
	uint64_t max = size ? (size + 31) / 32 : UINT64_MAX;
	unsigned errors = 0;
	for (uint64_t i = 0; i < max; i++) {
		uint64_t d = rva + i * 32, doff, avail;
		if (!rva_map(pc, d, &doff, &avail) || avail < 32) {
			ln_load_warn(ld, "delay imports",
			             "descriptor table at RVA 0x%llx has no terminator inside the file",
			             (unsigned long long)rva);
			return;
		}
		uint32_t attrs, f[7];
		ln_rd_u32le(pc->b, doff, &attrs);
		for (int k = 0; k < 7; k++) ln_rd_u32le(pc->b, doff + 4 + 4 * (uint64_t)k, &f[k]);
		uint64_t name_rva = f[0], iat = f[2], nt = f[3];
		if (!name_rva) return; /* the terminator is all zero; a nameless entry ends the table too */
		/* dlattrRva clear: the old Visual C++ 6 format, pointers are VAs */
		bool va_based = !(attrs & 1);
		if (va_based) {
			uint64_t *p[] = {&name_rva, &iat, &nt};
			for (size_t k = 0; k < 3; k++)
				*p[k] = *p[k] >= pc->image_base ? *p[k] - pc->image_base : (*p[k] ? UINT64_MAX : 0);
		}
		size_t len;
		uint64_t probe;
		const char *lib = name_rva <= UINT32_MAX ? rva_cstr(pc, name_rva, DLL_NAME_MAX, &len) : NULL;
		/* without a name table there is nothing to name: the IAT holds
		 * the addresses of the loader thunks */
		if (!lib || !iat || iat > UINT32_MAX || nt > UINT32_MAX || !nt || !rva_map(pc, nt, &probe, NULL)) {
			ln_load_warn(ld, "delay imports", "descriptor %llu at RVA 0x%llx does not map to file data",
			             (unsigned long long)i, (unsigned long long)d);
			if (++errors > 5) return;
			continue;
		}
		if (!import_thunks(pc, ln_load_str(ld, lib, len), nt, iat, LINEAGE_IMPORT_DELAY, va_based,
		                   "delay imports"))
			return;
		if (ld->oom) return;
	}
}

/* ---- exports ---- */

static void push_export(pe_ctx *pc, uint64_t dir_rva, uint64_t dir_size, const char *name, uint32_t ordinal,
                        uint32_t rva)
{
	ln_load *ld = pc->ld;
	lineage_export *e = ln_load_push(ld, &ld->exports, ld->lim->max_exports, "exports");
	if (!e) return;
	e->name = name;
	e->ordinal = ordinal;
	if (rva >= dir_rva && rva - dir_rva < dir_size) {
		size_t len;
		const char *fwd = rva_cstr(pc, rva, NAME_MAX_LEN, &len);
		e->forwarder = fwd ? ln_load_str(ld, fwd, len) : "";
		return;
	}
	e->address = pc->image_base + rva;
	e->is_function = rva_is_exec(pc, rva);
	if (e->is_function) ln_load_hint(ld, e->address, LINEAGE_SRC_EXPORT);
}

static void parse_exports(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	uint64_t off, size;
	if (!dir_map(pc, DIR_EXPORT, "exports", &off, &size)) return;
	if (!ln_in_bounds(b, off, 40)) {
		ln_load_warn(ld, "exports", "directory at 0x%llx truncated", (unsigned long long)off);
		return;
	}
	uint32_t name_rva, base, nfuncs, nnames, funcs_rva, names_rva, ords_rva;
	ln_rd_u32le(b, off + 4, &ld->bin->pe.export_timestamp);
	ln_rd_u32le(b, off + 12, &name_rva);
	ln_rd_u32le(b, off + 16, &base);
	ln_rd_u32le(b, off + 20, &nfuncs);
	ln_rd_u32le(b, off + 24, &nnames);
	ln_rd_u32le(b, off + 28, &funcs_rva);
	ln_rd_u32le(b, off + 32, &names_rva);
	ln_rd_u32le(b, off + 36, &ords_rva);
	size_t len;
	const char *dll = rva_cstr(pc, name_rva, DLL_NAME_MAX, &len);
	if (dll) ld->bin->pe.export_dll_name = ln_load_str(ld, dll, len);

	/* Clamp the counts to what the tables hold in the file, so that the
	 * bitmap below and every loop stay bounded by the file size */
	uint64_t foff, favail = 0, noff, navail = 0, ooff, oavail = 0;
	if (nfuncs && !rva_map(pc, funcs_rva, &foff, &favail)) favail = 0;
	if (nnames && (!rva_map(pc, names_rva, &noff, &navail) || !rva_map(pc, ords_rva, &ooff, &oavail)))
		navail = oavail = 0;
	uint64_t nf = nfuncs < favail / 4 ? nfuncs : favail / 4;
	uint64_t nn = nnames < navail / 4 ? nnames : navail / 4;
	if (nn > oavail / 2) nn = oavail / 2;
	if (nf < nfuncs || nn < nnames)
		ln_load_warn(ld, "exports", "tables hold %llu functions and %llu names of the %u and %u declared",
		             (unsigned long long)nf, (unsigned long long)nn, nfuncs, nnames);
	if (nf > ld->lim->max_exports) nf = ld->lim->max_exports;
	uint8_t *named = nf ? ln_calloc((size_t)nf, 1) : NULL;
	if (nf && !named) {
		ld->oom = true;
		return;
	}
	uint64_t dir_rva = pc->dir_rva[DIR_EXPORT], dir_size = pc->dir_size[DIR_EXPORT];
	uint64_t bad = 0;
	for (uint64_t j = 0; j < nn && !ld->exports.full && !ld->oom; j++) {
		uint32_t nrva;
		uint16_t idx;
		ln_rd_u32le(b, noff + 4 * j, &nrva);
		ln_rd_u16le(b, ooff + 2 * j, &idx);
		const char *name = rva_cstr(pc, nrva, NAME_MAX_LEN, &len);
		if (!name || idx >= nf) {
			bad++;
			continue;
		}
		named[idx] = 1;
		uint32_t frva;
		ln_rd_u32le(b, foff + 4 * (uint64_t)idx, &frva);
		push_export(pc, dir_rva, dir_size, ln_load_str(ld, name, len), base + idx, frva);
	}
	for (uint64_t i = 0; i < nf && !ld->exports.full && !ld->oom; i++) {
		uint32_t frva;
		ln_rd_u32le(b, foff + 4 * i, &frva);
		if (named[i] || !frva) continue;
		push_export(pc, dir_rva, dir_size, NULL, base + (uint32_t)i, frva);
	}
	if (bad)
		ln_load_warn(ld, "exports", "%llu names map to no file data or to no function",
		             (unsigned long long)bad);
	ln_free(named);
}

/* ---- base relocations ---- */

static void parse_relocs(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	uint64_t off, size;
	if (!dir_map(pc, DIR_BASERELOC, "relocations", &off, &size)) return;
	uint64_t pos = 0;
	while (pos + 8 <= size) {
		uint32_t page, bsize;
		ln_rd_u32le(b, off + pos, &page);
		ln_rd_u32le(b, off + pos + 4, &bsize);
		if (bsize < 8) {
			if (page || bsize)
				ln_load_warn(ld, "relocations",
				             "block at 0x%llx has SizeOfBlock %u; the rest is ignored",
				             (unsigned long long)(off + pos), bsize);
			return;
		}
		if (bsize > size - pos) {
			ln_load_warn(ld, "relocations", "block at 0x%llx (SizeOfBlock %u) runs past the directory",
			             (unsigned long long)(off + pos), bsize);
			bsize = (uint32_t)(size - pos);
		}
		for (uint64_t e = 8; e + 2 <= bsize; e += 2) {
			uint16_t ent;
			ln_rd_u16le(b, off + pos + e, &ent);
			uint32_t type = ent >> 12;
			if (type == 0) continue; /* IMAGE_REL_BASED_ABSOLUTE: padding */
			uint64_t rva = (uint64_t)page + (ent & 0xfff);
			lineage_reloc *r = ln_load_push(ld, &ld->relocs, ld->lim->max_relocs, "relocations");
			if (!r) return;
			r->where = pc->image_base + rva;
			r->type = type;
			if (type == 3) { /* HIGHLOW */
				uint32_t v;
				if (rva_u32(pc, rva, &v)) r->target = v;
			} else if (type == 10) { /* DIR64 */
				uint64_t roff, avail, v;
				if (rva_map(pc, rva, &roff, &avail) && avail >= 8 && ln_rd_u64le(b, roff, &v))
					r->target = v;
			}
		}
		pos += bsize;
	}
}

/* ---- TLS callbacks ---- */

static void parse_tls(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	uint64_t off, size, cb;
	if (!dir_map(pc, DIR_TLS, "tls", &off, &size)) return;
	/* AddressOfCallBacks: the fourth pointer-sized field */
	uint64_t field = pc->dir_rva[DIR_TLS] + 3ull * pc->ptr;
	if (!rva_ptr(pc, field, &cb)) {
		ln_load_warn(ld, "tls", "directory at RVA 0x%x truncated", pc->dir_rva[DIR_TLS]);
		return;
	}
	if (!cb) return;
	if (cb < pc->image_base) {
		ln_load_warn(ld, "tls", "callback array VA 0x%llx is below the image base", (unsigned long long)cb);
		return;
	}
	uint64_t arr = cb - pc->image_base;
	for (uint32_t i = 0;; i++) {
		uint64_t va;
		if (i == MAX_TLS_CALLBACK) {
			ln_load_warn(ld, "tls", "more than %u callbacks; the rest is ignored", MAX_TLS_CALLBACK);
			return;
		}
		if (!rva_ptr(pc, arr + (uint64_t)i * pc->ptr, &va)) {
			ln_load_warn(ld, "tls", "callback array at VA 0x%llx has no terminator inside the file",
			             (unsigned long long)cb);
			return;
		}
		if (!va) return;
		uint64_t *slot = ln_vec_push(&ld->tls);
		if (!slot) {
			ld->oom = true;
			return;
		}
		*slot = va;
		if (va >= pc->image_base && sec_of_rva(pc, va - pc->image_base))
			ln_load_hint(ld, va, LINEAGE_SRC_TLS);
		else
			ln_load_warn(ld, "tls", "callback 0x%llx lies outside every section", (unsigned long long)va);
	}
}

/* ---- resources ---- */

typedef struct res_walk {
	pe_ctx *pc;
	uint64_t base; /* RVA of the resource directory */
	uint32_t visited[RES_MAX_DIRS];
	uint32_t nvisited;
	uint64_t budget; /* directory entries left to read */
	bool warned_loop;
	/* the path from the root: type, name, language */
	uint32_t id[RES_MAX_DEPTH];
	const char *str[RES_MAX_DEPTH];
} res_walk;

/* Append one code point as UTF-8; '?' for what is not a scalar value. */
static size_t utf8_put(char *out, uint32_t c)
{
	if (c >= 0xd800 && c <= 0xdfff) c = '?';
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* IMAGE_RESOURCE_DIR_STRING_U: a 16-bit length, then UTF-16LE, as UTF-8. */
static const char *res_name(res_walk *w, uint32_t rel)
{
	const pe_ctx *pc = w->pc;
	uint16_t n;
	if (!rva_u16(pc, w->base + rel, &n)) return NULL;
	uint64_t off, avail;
	if (!rva_map(pc, w->base + rel + 2, &off, &avail)) return n ? NULL : "";
	if (n > RES_NAME_MAX) n = RES_NAME_MAX;
	if ((uint64_t)n * 2 > avail) n = (uint16_t)(avail / 2);
	char buf[RES_NAME_MAX * 4 + 1];
	size_t len = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t u, lo;
		ln_rd_u16le(pc->b, off + 2ull * i, &u);
		uint32_t c = u;
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n && ln_rd_u16le(pc->b, off + 2ull * (i + 1), &lo) &&
		    lo >= 0xdc00 && lo <= 0xdfff) {
			c = 0x10000 + ((uint32_t)(u - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		}
		len += utf8_put(buf + len, c);
	}
	return ln_load_str(pc->ld, buf, len);
}

static void res_leaf(res_walk *w, int depth, uint32_t rel)
{
	pe_ctx *pc = w->pc;
	ln_load *ld = pc->ld;
	uint32_t rva = 0, size = 0, cp = 0;
	if (!rva_u32(pc, w->base + rel, &rva) || !rva_u32(pc, w->base + rel + 4, &size)) {
		ln_load_warn(ld, "resources", "data entry at RVA 0x%llx maps to no file data",
		             (unsigned long long)(w->base + rel));
		return;
	}
	rva_u32(pc, w->base + rel + 8, &cp);
	lineage_resource *r = ln_load_push(ld, &ld->resources, ld->lim->max_resources, "resources");
	if (!r) return;
	if (depth > 0) {
		r->type_id = w->id[0];
		r->type_name = w->str[0];
	}
	if (depth > 1) {
		r->name_id = w->id[1];
		r->name = w->str[1];
	}
	if (depth > 2) r->lang = w->id[2];
	r->codepage = cp;
	r->rva = rva;
	uint64_t off, avail;
	if (size && rva_map(pc, rva, &off, &avail)) {
		r->offset = off;
		r->size = size < avail ? size : avail;
	}
}

static void res_dir(res_walk *w, int depth, uint32_t rel)
{
	pe_ctx *pc = w->pc;
	ln_load *ld = pc->ld;
	/* A directory seen before is a loop (or a shared subtree a real file
	 * never has): walk each once */
	for (uint32_t i = 0; i < w->nvisited; i++) {
		if (w->visited[i] == rel) {
			if (!w->warned_loop)
				ln_load_warn(ld, "resources", "directory at offset 0x%x is referenced twice (loop)",
				             rel);
			w->warned_loop = true;
			return;
		}
	}
	if (w->nvisited == RES_MAX_DIRS) {
		if (!w->warned_loop) ln_load_warn(ld, "resources", "more than %u directories", RES_MAX_DIRS);
		w->warned_loop = true;
		return;
	}
	w->visited[w->nvisited++] = rel;
	uint16_t nnamed, nid;
	if (!rva_u16(pc, w->base + rel + 12, &nnamed) || !rva_u16(pc, w->base + rel + 14, &nid)) {
		ln_load_warn(ld, "resources", "directory at RVA 0x%llx maps to no file data",
		             (unsigned long long)(w->base + rel));
		return;
	}
	uint32_t n = (uint32_t)nnamed + nid;
	for (uint32_t i = 0; i < n && !ld->resources.full && !ld->oom; i++) {
		if (!w->budget) {
			ln_load_warn(ld, "resources", "too many directory entries; the rest is ignored");
			return;
		}
		w->budget--;
		uint64_t e = w->base + rel + 16 + 8ull * i;
		uint32_t name, data;
		if (!rva_u32(pc, e, &name) || !rva_u32(pc, e + 4, &data)) {
			ln_load_warn(ld, "resources", "directory entries at RVA 0x%llx run past the file data",
			             (unsigned long long)e);
			return;
		}
		if (depth < RES_MAX_DEPTH) {
			w->id[depth] = (name & 0x80000000u) ? 0 : name;
			w->str[depth] = (name & 0x80000000u) ? res_name(w, name & 0x7fffffffu) : NULL;
		}
		if (data & 0x80000000u) {
			if (depth + 1 >= RES_MAX_DEPTH) {
				ln_load_warn(ld, "resources", "directory nested deeper than %d levels at RVA 0x%llx",
				             RES_MAX_DEPTH, (unsigned long long)e);
				continue;
			}
			res_dir(w, depth + 1, data & 0x7fffffffu);
		} else {
			res_leaf(w, depth + 1, data);
		}
	}
}

static void parse_resources(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	uint64_t off, size;
	if (!dir_map(pc, DIR_RESOURCE, "resources", &off, &size)) return;
	res_walk *w = ln_calloc(1, sizeof(*w));
	if (!w) {
		ld->oom = true;
		return;
	}
	w->pc = pc;
	w->base = pc->dir_rva[DIR_RESOURCE];
	w->budget = 4ull * ld->lim->max_resources + 1024;
	res_dir(w, 0, 0);
	ln_free(w);
}

/* ---- Rich header ---- */

/* The Rich header sits between the DOS stub and the PE header: "DanS" and
 * three zero dwords, then (comp.id, count) pairs, all XORed with the key that
 * follows the clear "Rich" marker. rich_hash is pefile's
 * get_rich_header_hash(): MD5 of the decoded bytes from "DanS" up to (not
 * including) "Rich". */
static void parse_rich(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	lineage_pe_info *pe = &ld->bin->pe;
	uint64_t end = pc->pe_off, rich = 0;
	bool found = false;
	for (uint64_t o = 0x40; o + 8 <= end; o += 4) {
		uint32_t v;
		if (ln_rd_u32le(b, o, &v) && v == RICH_MAGIC) {
			rich = o;
			found = true;
			break;
		}
	}
	if (!found) return;
	uint32_t key;
	ln_rd_u32le(b, rich + 4, &key);
	uint64_t dans = 0;
	found = false;
	for (uint64_t o = rich; o >= 0x40 + 4;) {
		o -= 4;
		uint32_t v;
		ln_rd_u32le(b, o, &v);
		if ((v ^ key) == DANS_MAGIC) {
			dans = o;
			found = true;
			break;
		}
	}
	if (!found || rich - dans < 16) {
		ln_load_warn(ld, "rich", "\"Rich\" at 0x%llx without a matching \"DanS\"", (unsigned long long)rich);
		return;
	}
	uint32_t pad[3];
	for (int i = 0; i < 3; i++) ln_rd_u32le(b, dans + 4 + 4 * (uint64_t)i, &pad[i]);
	if (pad[0] != key || pad[1] != key || pad[2] != key)
		ln_load_warn(ld, "rich", "padding after \"DanS\" at 0x%llx is not zero", (unsigned long long)dans);
	if ((rich - dans) % 8)
		ln_load_warn(ld, "rich", "entries at 0x%llx are not whole pairs", (unsigned long long)(dans + 16));
	for (uint64_t o = dans + 16; o + 8 <= rich; o += 8) {
		uint32_t id, cnt;
		ln_rd_u32le(b, o, &id);
		ln_rd_u32le(b, o + 4, &cnt);
		lineage_rich_entry *e = ln_vec_push(&ld->rich);
		if (!e) {
			ld->oom = true;
			return;
		}
		id ^= key;
		e->product = (uint16_t)(id >> 16);
		e->build = (uint16_t)(id & 0xffff);
		e->count = cnt ^ key;
	}
	pe->rich_key = key;
	pe->rich_offset = dans;
	/* decode and hash in small chunks: the block is as long as the file allows */
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_md5(), NULL)) {
		EVP_MD_CTX_free(md);
		return;
	}
	bool ok = true;
	for (uint64_t o = dans; o < rich && ok; o += 4) {
		uint32_t v;
		uint8_t clear[4];
		ln_rd_u32le(b, o, &v);
		v ^= key;
		for (int i = 0; i < 4; i++) clear[i] = (uint8_t)(v >> (8 * i));
		ok = EVP_DigestUpdate(md, clear, 4);
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	if (ok && EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 16) ln_hex(pe->rich_hash, digest, dlen);
	EVP_MD_CTX_free(md);
}

/* ---- debug directory ---- */

static void parse_debug(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	lineage_pe_info *pe = &ld->bin->pe;
	uint64_t off, size;
	if (!dir_map(pc, DIR_DEBUG, "debug", &off, &size)) return;
	uint64_t n = size / 28;
	if (n > MAX_DEBUG_ENTRY) n = MAX_DEBUG_ENTRY;
	for (uint64_t i = 0; i < n && !pe->pdb_path; i++) {
		uint64_t e = off + 28 * i;
		uint32_t type, dsize, drva, dptr;
		if (!ln_rd_u32le(b, e + 12, &type) || !ln_rd_u32le(b, e + 16, &dsize) ||
		    !ln_rd_u32le(b, e + 20, &drva) || !ln_rd_u32le(b, e + 24, &dptr))
			break;
		if (type != DEBUG_CODEVIEW) continue;
		uint64_t cv = dptr, avail = 0;
		if (!dptr || !ln_in_bounds(b, dptr, 24)) {
			if (!rva_map(pc, drva, &cv, &avail)) {
				ln_load_warn(ld, "debug", "CodeView entry %llu maps to no file data",
				             (unsigned long long)i);
				continue;
			}
		}
		avail = b->size - (cv < b->size ? cv : b->size);
		if (dsize < avail) avail = dsize;
		uint32_t magic;
		if (!ln_rd_u32le(b, cv, &magic)) continue;
		uint64_t path_off;
		if (magic == RSDS_MAGIC && avail >= 24) {
			uint32_t d1, age;
			uint16_t d2, d3;
			const uint8_t *d4 = ln_rd_ptr(b, cv + 12, 8);
			ln_rd_u32le(b, cv + 4, &d1);
			ln_rd_u16le(b, cv + 8, &d2);
			ln_rd_u16le(b, cv + 10, &d3);
			ln_rd_u32le(b, cv + 20, &age);
			snprintf(pe->pdb_guid, sizeof(pe->pdb_guid),
			         "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", d1, d2, d3, d4[0], d4[1], d4[2],
			         d4[3], d4[4], d4[5], d4[6], d4[7]);
			pe->pdb_age = age;
			path_off = 24;
		} else if (magic == NB10_MAGIC && avail >= 16) {
			ln_rd_u32le(b, cv + 12, &pe->pdb_age);
			path_off = 16;
		} else {
			continue;
		}
		size_t len;
		uint64_t max = avail - path_off;
		const char *path = ln_rd_cstr(b, cv + path_off, max < NAME_MAX_LEN ? (size_t)max : NAME_MAX_LEN, &len);
		if (!path) { /* no terminator inside the entry: keep what is there */
			len = (size_t)(max < NAME_MAX_LEN ? max : NAME_MAX_LEN);
			path = (const char *)ln_rd_ptr(b, cv + path_off, len);
		}
		pe->pdb_path = path ? ln_load_str(ld, path, len) : "";
	}
}

/* ---- COFF symbol table ---- */

static void parse_symbols(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	if (!pc->symtab_off || !pc->nsyms) return;
	uint64_t fit = pc->symtab_off < b->size ? (b->size - pc->symtab_off) / COFF_SYM_SIZE : 0;
	uint64_t n = pc->nsyms;
	if (n > fit) {
		ln_load_warn(ld, "symbols", "table at 0x%x holds %llu of %u symbols in the file", pc->symtab_off,
		             (unsigned long long)fit, pc->nsyms);
		n = fit;
	}
	for (uint64_t i = 0; i < n && !ld->symbols.full && !ld->oom; i++) {
		uint64_t s = pc->symtab_off + i * COFF_SYM_SIZE;
		const uint8_t *raw = ln_rd_ptr(b, s, COFF_SYM_SIZE);
		uint32_t zero, stroff, value;
		uint16_t secnum, type;
		uint8_t cls, naux;
		ln_rd_u32le(b, s, &zero);
		ln_rd_u32le(b, s + 4, &stroff);
		ln_rd_u32le(b, s + 8, &value);
		ln_rd_u16le(b, s + 12, &secnum);
		ln_rd_u16le(b, s + 14, &type);
		ln_rd_u8(b, s + 16, &cls);
		ln_rd_u8(b, s + 17, &naux);
		uint64_t here = i;
		i += naux;                          /* skip the auxiliary records */
		if (cls != 2 && cls != 3) continue; /* EXTERNAL, STATIC */
		int16_t sec = (int16_t)secnum;
		if (sec <= 0 || (size_t)sec > pc->nsecs) continue; /* undefined, absolute, debug */
		const pe_sec *ps = &pc->secs[sec - 1];
		const char *name;
		char shortname[9];
		size_t len;
		if (zero) {
			len = 0;
			while (len < 8 && raw[len]) len++;
			memcpy(shortname, raw, len);
			shortname[len] = 0;
			name = shortname;
		} else {
			name = strtab_str(pc, stroff, &len);
			if (!name) {
				ln_load_warn(ld, "symbols",
				             "symbol %llu names string table offset 0x%x outside the table",
				             (unsigned long long)here, stroff);
				continue;
			}
		}
		/* Section symbols: a static, untyped ".text", ".ctors.65535", ...,
		 * with an aux record in objects; a linked image keeps one per input
		 * section, most with a nonzero value */
		if (cls == 3 && !type && (naux || (len && name[0] == '.'))) continue;
		bool exec = (ps->chr & (SCN_MEM_EXECUTE | SCN_CNT_CODE)) != 0;
		bool func = ((type >> 4) & 3) == 2 || (exec && value);
		/* mingw's linker script puts the constructor lists inside .text */
		if (func && !type && (strstr(name, "_CTOR_LIST__") || strstr(name, "_DTOR_LIST__"))) func = false;
		lineage_symbol *sym = ln_load_push(ld, &ld->symbols, ld->lim->max_symbols, "symbols");
		if (!sym) return;
		sym->name = ln_load_str(ld, name, len);
		sym->address = pc->image_base + ps->va + value;
		sym->kind = func ? LINEAGE_SYM_FUNC : LINEAGE_SYM_OBJECT;
		sym->global = cls == 2;
		sym->defined = 1;
		if (func && exec) ln_load_hint(ld, sym->address, LINEAGE_SRC_SYMBOL);
	}
}

/* ---- x64 exception directory ---- */

static void parse_pdata(pe_ctx *pc)
{
	ln_load *ld = pc->ld;
	const ln_buf *b = pc->b;
	if (ld->bin->pe.machine != MACHINE_AMD64) return;
	uint64_t off, size;
	if (!dir_map(pc, DIR_EXCEPTION, "exceptions", &off, &size)) return;
	uint64_t n = size / 12, outside = 0;
	for (uint64_t i = 0; i < n && !ld->oom && !ld->hints.full; i++) {
		uint32_t begin, end, unwind;
		ln_rd_u32le(b, off + 12 * i, &begin);
		ln_rd_u32le(b, off + 12 * i + 4, &end);
		ln_rd_u32le(b, off + 12 * i + 8, &unwind);
		if (!begin && !end) continue;
		/* a chained entry describes part of a function, not its start */
		uint64_t uoff;
		uint8_t ver_flags;
		if (rva_map(pc, unwind, &uoff, NULL) && ln_rd_u8(b, uoff, &ver_flags) &&
		    ((ver_flags >> 3) & UNW_FLAG_CHAIN))
			continue;
		if (!rva_is_exec(pc, begin)) {
			outside++;
			continue;
		}
		ln_load_hint_range(ld, pc->image_base + begin, end > begin ? end - begin : 0, LINEAGE_SRC_EXCEPTION);
	}
	if (outside)
		ln_load_warn(ld, "exceptions", "%llu entries start outside every executable section",
		             (unsigned long long)outside);
}

/* ---- overlay ---- */

/* As pefile's get_overlay_data_start_offset(): the end of the furthest
 * structure the headers describe (headers, section raw data, data directories
 * except the certificate table, which is a file offset and commonly sits at
 * the end). Section data that runs past the end of the file ends at the end. */
static void compute_overlay(pe_ctx *pc)
{
	const ln_buf *b = pc->b;
	uint64_t end = pc->opt_off + pc->opt_size;
	if (pc->sectab_end > end) end = pc->sectab_end;
	for (size_t i = 0; i < pc->nsecs; i++) {
		const pe_sec *s = &pc->secs[i];
		if (s->raw_size && s->raw_off + s->raw_size > end) end = s->raw_off + s->raw_size;
	}
	for (uint32_t i = 0; i < pc->ndirs; i++) {
		uint64_t off;
		if (i == DIR_SECURITY || !pc->dir_rva[i] || !rva_map(pc, pc->dir_rva[i], &off, NULL)) continue;
		if (off + pc->dir_size[i] <= b->size && off + pc->dir_size[i] > end) end = off + pc->dir_size[i];
	}
	if (end > b->size) end = b->size;
	pc->bin->overlay_offset = end;
	pc->bin->overlay_size = b->size - end;
}

/* mingw-w64's i686 images unwind with DWARF: their .eh_frame lists every
 * function with its extent, as in ELF (x64 images use .pdata instead). */
static void parse_eh_frame(pe_ctx *pc)
{
	const lineage_binary *bin = pc->bin;
	if (bin->arch != LINEAGE_ARCH_X86 && bin->arch != LINEAGE_ARCH_X86_64) return;
	for (size_t i = 0; i < pc->ld->sections.len; i++) {
		const lineage_section *s = &LN_VEC_AT(&pc->ld->sections, lineage_section, i);
		if (s->name && !strcmp(s->name, ".eh_frame") && s->size) {
			ln_eh_frame_hints(pc->ld, s->offset, s->size < s->vsize ? s->size : s->vsize, s->vaddr,
			                  pc->pe32plus);
			return;
		}
	}
}

int ln_pe_load(ln_load *ld)
{
	pe_ctx pc;
	memset(&pc, 0, sizeof(pc));
	pc.ld = ld;
	pc.b = &ld->buf;
	pc.bin = ld->bin;
	int rc = parse_headers(&pc);
	if (rc) goto done;
	locate_strtab(&pc);
	rc = parse_sections(&pc);
	if (rc) goto done;

	lineage_binary *bin = ld->bin;
	if (pc.entry_rva || !bin->pe.is_dll) {
		bin->entry = pc.image_base + pc.entry_rva;
		bin->has_entry = 1;
		ln_load_hint(ld, bin->entry, LINEAGE_SRC_ENTRY);
	}
	parse_rich(&pc);
	parse_imports(&pc);
	parse_delay_imports(&pc);
	parse_exports(&pc);
	parse_relocs(&pc);
	parse_tls(&pc);
	parse_resources(&pc);
	parse_debug(&pc);
	parse_symbols(&pc);
	parse_pdata(&pc);
	parse_eh_frame(&pc);
	compute_overlay(&pc);
	if (ld->oom) rc = LINEAGE_ENOMEM;
done:
	ln_free(pc.secs);
	ln_free(pc.raw_map);
	ln_free(pc.mem_map);
	return rc;
}
