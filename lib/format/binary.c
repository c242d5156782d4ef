/* Format dispatch and the format-independent helpers of lineage_binary. */
#include "format.h"

#include <stdarg.h>
#include <stdio.h>

void ln_load_warn(ln_load *ld, const char *area, const char *fmt, ...)
{
	if (ld->warnings.len >= 1000) return; /* a hostile file could emit millions */
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lineage_warning *w = ln_vec_push(&ld->warnings);
	if (!w) {
		ld->oom = true;
		return;
	}
	w->area = ln_arena_strdup(ld->arena, area);
	w->message = ln_arena_strdup(ld->arena, msg);
	if (!w->area || !w->message) ld->oom = true;
}

void *ln_load_push(ln_load *ld, ln_vec *v, uint32_t limit, const char *area)
{
	if (v->len >= limit) {
		if (!v->full) ln_load_warn(ld, area, "limit of %u entries reached; the rest is ignored", limit);
		v->full = true;
		return NULL;
	}
	void *p = ln_vec_push(v);
	if (!p) ld->oom = true;
	return p;
}

void ln_load_hint_range(ln_load *ld, uint64_t addr, uint64_t size, uint32_t source)
{
	if (!addr) return;
	lineage_code_hint *h = ln_load_push(ld, &ld->hints, 4000000, "hints");
	if (!h) return;
	h->address = addr;
	h->size = size;
	h->source = source;
}

void ln_load_hint(ln_load *ld, uint64_t addr, uint32_t source)
{
	ln_load_hint_range(ld, addr, 0, source);
}

const char *ln_load_str(ln_load *ld, const char *s, size_t n)
{
	char *d = ln_arena_sanitize(ld->arena, s, n);
	if (!d) ld->oom = true;
	return d ? d : "";
}

static void section_entropy(lineage_section *s, const ln_buf *b)
{
	const uint8_t *p = ln_rd_ptr(b, s->offset, s->size);
	s->entropy = p ? ln_entropy(p, (size_t)s->size) : 0;
}

int ln_binary_load(lineage_binary *bin, ln_arena *arena, const lineage_limits *lim, char *err, size_t errlen)
{
	ln_load ld;
	memset(&ld, 0, sizeof(ld));
	ld.bin = bin;
	ld.buf.data = bin->data;
	ld.buf.size = bin->size;
	ld.arena = arena;
	ld.lim = lim;
	ln_vec_init(&ld.sections, sizeof(lineage_section));
	ln_vec_init(&ld.segments, sizeof(lineage_segment));
	ln_vec_init(&ld.imports, sizeof(lineage_import));
	ln_vec_init(&ld.exports, sizeof(lineage_export));
	ln_vec_init(&ld.symbols, sizeof(lineage_symbol));
	ln_vec_init(&ld.relocs, sizeof(lineage_reloc));
	ln_vec_init(&ld.resources, sizeof(lineage_resource));
	ln_vec_init(&ld.hints, sizeof(lineage_code_hint));
	ln_vec_init(&ld.warnings, sizeof(lineage_warning));
	ln_vec_init(&ld.tls, sizeof(uint64_t));
	ln_vec_init(&ld.rich, sizeof(lineage_rich_entry));
	ln_vec_init(&ld.needed, sizeof(const char *));

	int rc = 0;
	bin->format = LINEAGE_FORMAT_RAW;
	if (ln_pe_detect(&ld.buf)) {
		bin->format = LINEAGE_FORMAT_PE;
		rc = ln_pe_load(&ld);
	} else if (ln_elf_detect(&ld.buf)) {
		bin->format = LINEAGE_FORMAT_ELF;
		rc = ln_elf_load(&ld);
	}
	if (rc == 0 && ld.oom) rc = LINEAGE_ENOMEM;
	if (rc != 0) {
		snprintf(err, errlen, "%s", ld.err[0] ? ld.err : lineage_strerror(rc));
	} else {
		/* entropy costs a pass over each section; overlapping sections of a
		 * hostile file could make that sections x file size: cap the bytes */
		lineage_section *secs = ld.sections.items;
		uint64_t budget = 2 * bin->size + (1u << 20);
		for (size_t i = 0; i < ld.sections.len; i++) {
			if (secs[i].size > budget) {
				ln_load_warn(&ld, "sections",
				             "entropy not computed from section %zu on: sections overlap", i);
				break;
			}
			budget -= secs[i].size;
			section_entropy(&secs[i], &ld.buf);
		}
		bin->sections = ln_vec_to_arena(&ld.sections, arena, &bin->nsections);
		bin->segments = ln_vec_to_arena(&ld.segments, arena, &bin->nsegments);
		bin->imports = ln_vec_to_arena(&ld.imports, arena, &bin->nimports);
		bin->exports = ln_vec_to_arena(&ld.exports, arena, &bin->nexports);
		bin->symbols = ln_vec_to_arena(&ld.symbols, arena, &bin->nsymbols);
		bin->relocs = ln_vec_to_arena(&ld.relocs, arena, &bin->nrelocs);
		bin->resources = ln_vec_to_arena(&ld.resources, arena, &bin->nresources);
		bin->hints = ln_vec_to_arena(&ld.hints, arena, &bin->nhints);
		bin->warnings = ln_vec_to_arena(&ld.warnings, arena, &bin->nwarnings);
		bin->pe.tls_callbacks = ln_vec_to_arena(&ld.tls, arena, &bin->pe.ntls_callbacks);
		bin->pe.rich = ln_vec_to_arena(&ld.rich, arena, &bin->pe.nrich);
		bin->elf.needed = ln_vec_to_arena(&ld.needed, arena, &bin->elf.nneeded);
	}
	ln_vec *all[] = {&ld.sections,  &ld.segments, &ld.imports,  &ld.exports, &ld.symbols, &ld.relocs,
	                 &ld.resources, &ld.hints,    &ld.warnings, &ld.tls,     &ld.rich,    &ld.needed};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) ln_vec_free(all[i]);
	return rc;
}

const char *lineage_format_name(lineage_format f)
{
	switch (f) {
	case LINEAGE_FORMAT_PE: return "pe";
	case LINEAGE_FORMAT_ELF: return "elf";
	default: return "raw";
	}
}

const char *lineage_arch_name(lineage_arch a)
{
	switch (a) {
	case LINEAGE_ARCH_X86: return "x86";
	case LINEAGE_ARCH_X86_64: return "x86-64";
	case LINEAGE_ARCH_OTHER: return "other";
	default: return "unknown";
	}
}

const lineage_section *lineage_binary_section_at(const lineage_binary *bin, uint64_t va)
{
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) || !s->vsize) continue;
		if (va >= s->vaddr && va - s->vaddr < s->vsize) return s;
	}
	return NULL;
}

bool ln_binary_offset_va(const lineage_binary *bin, uint64_t off, uint64_t *va)
{
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) || !s->size) continue;
		uint64_t n = s->vsize && s->vsize < s->size ? s->vsize : s->size;
		if (off >= s->offset && off - s->offset < n) {
			*va = s->vaddr + (off - s->offset);
			return true;
		}
	}
	return false;
}

int lineage_binary_va_bytes(const uint8_t **out, uint64_t *avail, const lineage_binary *bin, uint64_t va)
{
	*out = NULL;
	*avail = 0;
	/* Sections first (finer grained), then segments for section-less ELF. */
	for (size_t i = 0; i < bin->nsections; i++) {
		const lineage_section *s = &bin->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) || va < s->vaddr) continue;
		uint64_t d = va - s->vaddr;
		if (d >= s->size || d >= s->vsize) continue;
		if (s->type == 8 /* SHT_NOBITS */ && bin->format == LINEAGE_FORMAT_ELF) continue;
		uint64_t n = (s->size < s->vsize ? s->size : s->vsize) - d;
		if (s->offset > bin->size || d > bin->size - s->offset) continue;
		if (n > bin->size - s->offset - d) n = bin->size - s->offset - d;
		*out = bin->data + s->offset + d;
		*avail = n;
		return 0;
	}
	for (size_t i = 0; i < bin->nsegments; i++) {
		const lineage_segment *g = &bin->segments[i];
		if (g->type != 1 /* PT_LOAD */ || va < g->vaddr) continue;
		uint64_t d = va - g->vaddr;
		if (d >= g->filesz || d >= g->memsz) continue;
		if (g->offset > bin->size || d > bin->size - g->offset) continue;
		uint64_t n = (g->filesz < g->memsz ? g->filesz : g->memsz) - d;
		if (n > bin->size - g->offset - d) n = bin->size - g->offset - d;
		*out = bin->data + g->offset + d;
		*avail = n;
		return 0;
	}
	return LINEAGE_ENOTFOUND;
}
