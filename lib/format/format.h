/* Internal interface of the loaders (pe.c, elf.c, raw): they fill a
 * lineage_binary through an ln_load, reading every byte via the bounded reader. */
#ifndef LN_FORMAT_H
#define LN_FORMAT_H

#include "lineage/binary.h"
#include "../util/util.h"

typedef struct ln_load {
	lineage_binary *bin; /* being filled; data/size/path already set */
	ln_buf buf;          /* the whole file */
	ln_arena *arena;     /* owns every string and array of bin */
	const lineage_limits *lim;
	ln_vec sections;  /* lineage_section */
	ln_vec segments;  /* lineage_segment */
	ln_vec imports;   /* lineage_import */
	ln_vec exports;   /* lineage_export */
	ln_vec symbols;   /* lineage_symbol */
	ln_vec relocs;    /* lineage_reloc */
	ln_vec resources; /* lineage_resource */
	ln_vec hints;     /* lineage_code_hint */
	ln_vec warnings;  /* lineage_warning */
	ln_vec tls;       /* uint64_t: PE TLS callbacks */
	ln_vec rich;      /* lineage_rich_entry */
	ln_vec needed;    /* const char *: ELF DT_NEEDED */
	char err[256];    /* message when a loader returns an error */
	bool oom;         /* an allocation failed while filling */
} ln_load;

/* Record a warning on the binary: "area: message". Never fails the load. */
void ln_load_warn(ln_load *ld, const char *area, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record a code address learned from the structure (LINEAGE_SRC_*). */
void ln_load_hint(ln_load *ld, uint64_t addr, uint32_t source);
/* Same, with the extent the table gives the function (FDE, .pdata). */
void ln_load_hint_range(ln_load *ld, uint64_t addr, uint64_t size, uint32_t source);
/* Push helpers: NULL on OOM (and ld->oom set) or when the limit is reached
 * (a warning "<area>: limit of N reached" is recorded once). */
void *ln_load_push(ln_load *ld, ln_vec *v, uint32_t limit, const char *area);
/* Copy a string from the file into the arena, replacing control characters. */
const char *ln_load_str(ln_load *ld, const char *s, size_t n);

/* Function starts and extents (LINEAGE_SRC_EXCEPTION hints) from the FDEs of
 * a DWARF .eh_frame at file range [off, off+size) mapped at va, little-endian:
 * ELF, and mingw-w64's i686 PE images, which unwind with DWARF. */
void ln_eh_frame_hints(ln_load *ld, uint64_t off, uint64_t size, uint64_t va, bool is64);

/* Detection by magic. */
bool ln_pe_detect(const ln_buf *b);
bool ln_elf_detect(const ln_buf *b);

/* Loaders. Return 0 (possibly with warnings), LINEAGE_EFORMAT with ld->err
 * set when the headers are unusable, or LINEAGE_ENOMEM. */
int ln_pe_load(ln_load *ld);
int ln_elf_load(ln_load *ld);

/* Dispatch on magic, then move every vector into the arena. */
int ln_binary_load(lineage_binary *bin, ln_arena *arena, const lineage_limits *lim, char *err, size_t errlen);

/* The mapped address of a file offset (within a section's bytes that are
 * mapped, vsize when it is smaller); false when the offset is not mapped. */
bool ln_binary_offset_va(const lineage_binary *bin, uint64_t off, uint64_t *va);

#endif
