/**
 * @file lineage/binary.h
 * @brief A loaded executable: the format-independent view that PE, ELF and raw
 * loaders produce. Plain read-only structs; every pointer in them is borrowed
 * from the sample that owns the binary and lives as long as it.
 *
 * Addresses are virtual addresses at the file's preferred image base.
 */
#ifndef LINEAGE_BINARY_H
#define LINEAGE_BINARY_H

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lineage_format {
	LINEAGE_FORMAT_RAW = 0, /**< not recognized: strings-only analysis */
	LINEAGE_FORMAT_PE = 1,
	LINEAGE_FORMAT_ELF = 2
} lineage_format;

typedef enum lineage_arch {
	LINEAGE_ARCH_UNKNOWN = 0,
	LINEAGE_ARCH_X86 = 1,    /**< IA-32 */
	LINEAGE_ARCH_X86_64 = 2, /**< AMD64 */
	LINEAGE_ARCH_OTHER = 3   /**< parsed, but code is not disassembled */
} lineage_arch;

/** Section flags (format-independent). */
enum {
	LINEAGE_SEC_READ = 1u << 0,
	LINEAGE_SEC_WRITE = 1u << 1,
	LINEAGE_SEC_EXEC = 1u << 2,
	LINEAGE_SEC_CODE = 1u << 3, /**< PE IMAGE_SCN_CNT_CODE / ELF SHF_EXECINSTR */
	LINEAGE_SEC_ALLOC = 1u << 4 /**< mapped at run time */
};

/** A PE section, an ELF section or (when an ELF has no section table) a segment. */
typedef struct lineage_section {
	const char *name;   /**< "" when none */
	uint64_t vaddr;     /**< 0 when not mapped */
	uint64_t vsize;     /**< size in memory */
	uint64_t offset;    /**< file offset of the raw bytes */
	uint64_t size;      /**< bytes present in the file (clamped to the file) */
	uint32_t flags;     /**< LINEAGE_SEC_* */
	uint32_t raw_flags; /**< PE Characteristics or ELF sh_flags (low 32 bits) */
	uint32_t type;      /**< ELF sh_type or p_type; 0 for PE */
	double entropy;     /**< Shannon entropy of the raw bytes, 0..8 */
} lineage_section;

/** ELF program header. */
typedef struct lineage_segment {
	uint32_t type;
	uint32_t flags;
	uint64_t offset, filesz, vaddr, memsz;
} lineage_segment;

enum {
	LINEAGE_IMPORT_ORDINAL = 1u << 0, /**< imported by ordinal (name is NULL) */
	LINEAGE_IMPORT_DELAY = 1u << 1,   /**< PE delay-load import */
	LINEAGE_IMPORT_DATA = 1u << 2     /**< ELF data object, not a function */
};

/** An imported function. */
typedef struct lineage_import {
	const char *library; /**< "kernel32.dll", "libc.so.6"; "" when unknown (ELF without versions) */
	const char *name;    /**< NULL when imported by ordinal */
	uint32_t ordinal;    /**< PE ordinal when LINEAGE_IMPORT_ORDINAL */
	uint32_t flags;      /**< LINEAGE_IMPORT_* */
	uint64_t slot;       /**< IAT / GOT slot address the code reads the target from */
	uint64_t stub;       /**< ELF PLT stub address that jumps through the slot; 0 if none */
} lineage_import;

/** An exported symbol. */
typedef struct lineage_export {
	const char *name;      /**< NULL for ordinal-only PE exports */
	uint32_t ordinal;      /**< PE ordinal; 0 for ELF */
	uint64_t address;      /**< 0 for forwarders */
	const char *forwarder; /**< PE forwarder "NTDLL.RtlFoo", else NULL */
	int is_function;       /**< 1 when the export points at code */
} lineage_export;

enum { LINEAGE_SYM_FUNC = 1, LINEAGE_SYM_OBJECT = 2, LINEAGE_SYM_OTHER = 3 };

/** A symbol from ELF .symtab/.dynsym or the PE COFF symbol table. */
typedef struct lineage_symbol {
	const char *name;
	uint64_t address;
	uint64_t size;   /**< 0 when unknown (COFF) */
	uint8_t kind;    /**< LINEAGE_SYM_* */
	uint8_t dynamic; /**< 1 when from .dynsym */
	uint8_t global;  /**< 1 for global/weak binding */
	uint8_t defined; /**< 0 for undefined (imported) symbols */
} lineage_symbol;

/** A relocation that tells where an address is stored in the image. */
typedef struct lineage_reloc {
	uint64_t where;  /**< address of the patched slot */
	uint64_t target; /**< the address the slot points at, when known; else 0 */
	uint32_t type;   /**< PE base relocation type or ELF r_type */
} lineage_reloc;

/** A leaf of the PE resource tree. Type/name are an id or a string. */
typedef struct lineage_resource {
	uint32_t type_id;      /**< RT_* when type_name is NULL */
	const char *type_name; /**< named type, or NULL */
	uint32_t name_id;
	const char *name; /**< named entry, or NULL */
	uint32_t lang;    /**< language id (LANGID) */
	uint32_t codepage;
	uint64_t rva;    /**< data RVA */
	uint64_t offset; /**< file offset of the data; 0 when unmapped */
	uint64_t size;   /**< data size (clamped to the file) */
} lineage_resource;

/** One @comp.id entry of the Rich header. */
typedef struct lineage_rich_entry {
	uint16_t product; /**< tool id */
	uint16_t build;   /**< tool build number */
	uint32_t count;
} lineage_rich_entry;

/** How a function start was learned; a bitmask on each function. */
enum {
	LINEAGE_SRC_ENTRY = 1u << 0,
	LINEAGE_SRC_EXPORT = 1u << 1,
	LINEAGE_SRC_SYMBOL = 1u << 2,
	LINEAGE_SRC_TLS = 1u << 3,
	LINEAGE_SRC_EXCEPTION = 1u << 4, /**< PE .pdata or ELF .eh_frame FDE */
	LINEAGE_SRC_RELOC = 1u << 5,     /**< pointer found through a relocation */
	LINEAGE_SRC_DATA = 1u << 6,      /**< pointer found in data */
	LINEAGE_SRC_CALL = 1u << 7,      /**< target of a direct call */
	LINEAGE_SRC_PROLOGUE = 1u << 8,  /**< gap scan for prologues */
	LINEAGE_SRC_INIT = 1u << 9,      /**< .init_array/.fini_array/.ctors */
	LINEAGE_SRC_TAILCALL = 1u << 10  /**< jump target outside any function */
};

/** A code address the loader learned from the file's structure. */
typedef struct lineage_code_hint {
	uint64_t address;
	uint64_t size;   /**< bytes the function covers when the table says (FDE pc_range, .pdata end); else 0 */
	uint32_t source; /**< one LINEAGE_SRC_* */
} lineage_code_hint;

/** A warning about a malformed part of the file ("imports: malformed at 0x1f0"). */
typedef struct lineage_warning {
	const char *area; /**< "imports", "resources", ... */
	const char *message;
} lineage_warning;

/** PE-specific facts. Zero when the file is not PE. */
typedef struct lineage_pe_info {
	uint16_t machine;
	uint16_t characteristics;
	uint16_t subsystem;
	uint16_t dll_characteristics;
	uint32_t timestamp; /**< COFF TimeDateStamp */
	uint8_t linker_major, linker_minor;
	uint32_t checksum;
	uint32_t size_of_image;
	int is_dll;
	int is_pe32plus;
	const lineage_rich_entry *rich; /**< Rich header entries, NULL when absent */
	size_t nrich;
	uint32_t rich_key; /**< XOR key (the stored checksum) */
	uint64_t rich_offset;
	char rich_hash[33];   /**< MD5 of the decoded Rich entries (pefile's get_rich_header_hash); "" */
	const char *pdb_path; /**< CodeView RSDS/NB10 path, NULL when absent */
	char pdb_guid[40];    /**< "{XXXXXXXX-XXXX-...}" + age, "" when absent */
	uint32_t pdb_age;
	const uint64_t *tls_callbacks;
	size_t ntls_callbacks;
	const char *export_dll_name; /**< name in the export directory */
	uint32_t export_timestamp;
} lineage_pe_info;

/** ELF-specific facts. Zero when the file is not ELF. */
typedef struct lineage_elf_info {
	uint8_t elf_class; /**< 1 = ELF32, 2 = ELF64 */
	uint8_t osabi;
	uint16_t type; /**< ET_EXEC, ET_DYN, ... */
	uint16_t machine;
	const char *interpreter;   /**< PT_INTERP, or NULL */
	const char *soname;        /**< DT_SONAME, or NULL */
	const char *const *needed; /**< DT_NEEDED libraries */
	size_t nneeded;
	const char *build_id; /**< hex of NT_GNU_BUILD_ID, or NULL */
	int stripped;         /**< 1 when no .symtab */
} lineage_elf_info;

/**
 * A loaded binary. Filled by the loader, read-only afterwards.
 */
typedef struct lineage_binary {
	const char *path;    /**< as given by the caller; may be "" */
	const uint8_t *data; /**< the whole file */
	uint64_t size;
	lineage_format format;
	lineage_arch arch;
	int bits; /**< 32 or 64; 0 for raw */
	uint64_t image_base;
	uint64_t entry; /**< 0 when none */
	int has_entry;

	const lineage_section *sections;
	size_t nsections;
	const lineage_segment *segments;
	size_t nsegments;
	const lineage_import *imports;
	size_t nimports;
	const lineage_export *exports;
	size_t nexports;
	const lineage_symbol *symbols;
	size_t nsymbols;
	const lineage_reloc *relocs;
	size_t nrelocs;
	const lineage_resource *resources;
	size_t nresources;
	const lineage_code_hint *hints;
	size_t nhints;
	const lineage_warning *warnings;
	size_t nwarnings;

	uint64_t overlay_offset; /**< first byte after the last mapped/structured byte */
	uint64_t overlay_size;   /**< 0 when no overlay */

	lineage_pe_info pe;
	lineage_elf_info elf;
} lineage_binary;

/** Name of a format ("pe", "elf", "raw"). */
LINEAGE_API const char *lineage_format_name(lineage_format f);
/** Name of an architecture ("x86", "x86-64", "other", "unknown"). */
LINEAGE_API const char *lineage_arch_name(lineage_arch a);

/**
 * Map a virtual address to file bytes.
 * @param[out] out borrowed pointer to the bytes at @p va.
 * @param[out] avail number of contiguous file-backed bytes from @p va within
 *             its section (or segment).
 * @return 0, or LINEAGE_ENOTFOUND when @p va is not backed by the file.
 */
LINEAGE_API int lineage_binary_va_bytes(const uint8_t **out, uint64_t *avail, const lineage_binary *bin, uint64_t va);
/** The section containing @p va, or NULL. Borrowed. */
LINEAGE_API const lineage_section *lineage_binary_section_at(const lineage_binary *bin, uint64_t va);

#ifdef __cplusplus
}
#endif
#endif
