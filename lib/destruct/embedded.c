/* Embedded files: a PE or ELF carried in a resource, in the overlay or in
 * data (droppers carry the raw-disk driver they install, wipers the payload
 * they write). Each is measured from its own headers, loaded from memory,
 * analysed (code and capabilities, one level deep) and reported with what
 * it can do. */
#include "destruct.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <strings.h>

#define MAX_EMBEDDED 16

typedef struct cand {
	uint64_t off, size;
	const char *where;
} cand;

/* The extent of a PE starting at p (avail bytes), from its headers: the end
 * of its last section's raw data; 0 when it is not a PE. */
static uint64_t pe_extent(const uint8_t *p, uint64_t avail)
{
	ln_buf b = {p, avail};
	uint16_t mz, nsec, optsize;
	uint32_t lfanew, sig, hdrs = 0;
	if (!ln_rd_u16le(&b, 0, &mz) || mz != 0x5a4d || !ln_rd_u32le(&b, 0x3c, &lfanew) || lfanew < 0x40 ||
	    lfanew > 0x10000 || !ln_rd_u32le(&b, lfanew, &sig) || sig != 0x4550)
		return 0;
	if (!ln_rd_u16le(&b, lfanew + 6, &nsec) || !ln_rd_u16le(&b, lfanew + 20, &optsize) || !nsec || nsec > 96)
		return 0;
	ln_rd_u32le(&b, lfanew + 24 + 60, &hdrs); /* SizeOfHeaders: same place in PE32 and PE32+ */
	uint64_t end = hdrs, tab = (uint64_t)lfanew + 24 + optsize;
	/* a COFF symbol table and its strings (MinGW keeps them), and an
	 * Authenticode signature, lie after the sections */
	uint32_t symptr = 0, nsyms = 0, strsize = 0, magic = 0;
	ln_rd_u32le(&b, lfanew + 12, &symptr);
	ln_rd_u32le(&b, lfanew + 16, &nsyms);
	if (symptr && nsyms < (1u << 24)) {
		uint64_t strtab = (uint64_t)symptr + (uint64_t)nsyms * 18;
		if (ln_rd_u32le(&b, strtab, &strsize) && strsize >= 4 && strsize < (1u << 26) && strtab + strsize > end)
			end = strtab + strsize;
	}
	uint16_t opt_magic = 0;
	ln_rd_u16le(&b, lfanew + 24, &opt_magic);
	magic = opt_magic == 0x20b ? 112 : 96; /* the data directories' offset in the optional header */
	uint32_t certoff = 0, certsize = 0;
	if (optsize >= magic + 5 * 8 && ln_rd_u32le(&b, lfanew + 24 + magic + 4 * 8, &certoff) &&
	    ln_rd_u32le(&b, lfanew + 24 + magic + 4 * 8 + 4, &certsize) && certoff && certsize &&
	    (uint64_t)certoff + certsize > end)
		end = (uint64_t)certoff + certsize;
	for (uint16_t i = 0; i < nsec; i++) {
		uint32_t rawsize, rawptr;
		if (!ln_rd_u32le(&b, tab + i * 40u + 16, &rawsize) || !ln_rd_u32le(&b, tab + i * 40u + 20, &rawptr))
			return 0;
		if (rawsize && (uint64_t)rawptr + rawsize > end) end = (uint64_t)rawptr + rawsize;
	}
	return end > avail ? avail : end;
}

/* The extent of an ELF: the furthest of its section table and segments. */
static uint64_t elf_extent(const uint8_t *p, uint64_t avail)
{
	if (avail < 52 || memcmp(p, "\177ELF", 4) || (p[4] != 1 && p[4] != 2) || (p[5] != 1 && p[5] != 2) || p[6] != 1)
		return 0;
	bool b64 = p[4] == 2, le = p[5] == 1;
	ln_buf b = {p, avail};
#define RD16(o, v) (le ? ln_rd_u16le(&b, o, v) : ln_rd_u16be(&b, o, v))
#define RD32(o, v) (le ? ln_rd_u32le(&b, o, v) : ln_rd_u32be(&b, o, v))
	uint64_t end = 0, phoff = 0, shoff = 0;
	uint16_t phnum = 0, phentsize = 0, shnum = 0, shentsize = 0;
	if (b64) {
		uint32_t lo, hi;
		if (!RD32(le ? 32 : 36, &lo) || !RD32(le ? 36 : 32, &hi)) return 0;
		phoff = (uint64_t)hi << 32 | lo;
		if (!RD32(le ? 40 : 44, &lo) || !RD32(le ? 44 : 40, &hi)) return 0;
		shoff = (uint64_t)hi << 32 | lo;
		RD16(54, &phentsize);
		RD16(56, &phnum);
		RD16(58, &shentsize);
		RD16(60, &shnum);
	} else {
		uint32_t v;
		RD32(28, &v);
		phoff = v;
		RD32(32, &v);
		shoff = v;
		RD16(42, &phentsize);
		RD16(44, &phnum);
		RD16(46, &shentsize);
		RD16(48, &shnum);
	}
	if (shoff && shoff < avail) end = shoff + (uint64_t)shnum * shentsize;
	for (uint16_t i = 0; i < phnum && phoff < avail && phentsize; i++) {
		uint64_t e = phoff + (uint64_t)i * phentsize, off, fsz;
		if (b64) {
			uint32_t lo, hi;
			if (!RD32(e + (le ? 8 : 12), &lo) || !RD32(e + (le ? 12 : 8), &hi)) break;
			off = (uint64_t)hi << 32 | lo;
			if (!RD32(e + (le ? 32 : 36), &lo) || !RD32(e + (le ? 36 : 32), &hi)) break;
			fsz = (uint64_t)hi << 32 | lo;
		} else {
			uint32_t v;
			if (!RD32(e + 4, &v)) break;
			off = v;
			if (!RD32(e + 16, &v)) break;
			fsz = v;
		}
		if (off < avail && off + fsz > end) end = off + fsz;
	}
#undef RD16
#undef RD32
	if (!end) return 0;
	return end > avail ? avail : end;
}

static uint64_t extent(const uint8_t *p, uint64_t avail)
{
	uint64_t n = pe_extent(p, avail);
	return n ? n : elf_extent(p, avail);
}

static void add(cand *c, size_t *n, uint64_t off, uint64_t size, const char *where)
{
	if (*n == MAX_EMBEDDED || size < 64) return;
	for (size_t i = 0; i < *n; i++)
		if (c[i].off == off) return;
	c[(*n)++] = (cand){off, size, where};
}

static const char *resource_place(ln_arena *a, const lineage_resource *r)
{
	static const char *const types[] = {[1] = "CURSOR", [2] = "BITMAP", [3] = "ICON",    [4] = "MENU",
	                                    [5] = "DIALOG", [6] = "STRING", [10] = "RCDATA", [24] = "MANIFEST"};
	char t[64], n[64];
	if (r->type_name)
		snprintf(t, sizeof(t), "%.60s", r->type_name);
	else if (r->type_id < sizeof(types) / sizeof(types[0]) && types[r->type_id])
		snprintf(t, sizeof(t), "%s", types[r->type_id]);
	else
		snprintf(t, sizeof(t), "%u", r->type_id);
	if (r->name)
		snprintf(n, sizeof(n), "%.60s", r->name);
	else
		snprintf(n, sizeof(n), "%u", r->name_id);
	return ln_arena_printf(a, "resource %s/%s", t, n);
}

static void find(const lineage_sample *s, ln_arena *a, cand *c, size_t *n)
{
	const lineage_binary *bin = &s->bin;
	for (size_t i = 0; i < bin->nresources; i++) {
		const lineage_resource *r = &bin->resources[i];
		if (!r->offset || r->size < 64 || r->offset >= bin->size) continue;
		uint64_t sz = extent(bin->data + r->offset, r->size);
		if (sz) add(c, n, r->offset, sz, resource_place(a, r));
	}
	if (bin->overlay_size && bin->overlay_offset < bin->size) {
		uint64_t sz = extent(bin->data + bin->overlay_offset, bin->size - bin->overlay_offset);
		if (sz) add(c, n, bin->overlay_offset, sz, "overlay");
	}
	/* anywhere else in the file */
	for (uint64_t off = 1; off + 64 < bin->size && *n < MAX_EMBEDDED; off++) {
		const uint8_t *p = bin->data + off;
		if (!((p[0] == 'M' && p[1] == 'Z') || (p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F')))
			continue;
		uint64_t sz = extent(p, bin->size - off);
		if (!sz) continue;
		bool inside = false; /* already counted */
		for (size_t i = 0; i < *n; i++) inside |= off >= c[i].off && off < c[i].off + c[i].size;
		bool overlay = bin->overlay_size && off >= bin->overlay_offset;
		if (!inside) add(c, n, off, sz, overlay ? "overlay" : "data");
		if (!inside) off += sz - 1;
	}
}

static const char *kind_of(const lineage_binary *b)
{
	if (b->format == LINEAGE_FORMAT_ELF) return "elf";
	if (b->pe.subsystem == 1) return "driver"; /* IMAGE_SUBSYSTEM_NATIVE */
	for (size_t i = 0; i < b->nimports; i++)
		if (b->imports[i].library && (!strcasecmp(b->imports[i].library, "ntoskrnl.exe") ||
		                              !strcasecmp(b->imports[i].library, "hal.dll")))
			return "driver";
	return b->pe.is_dll ? "dll" : "exe";
}

/* Load and analyse one embedded file; its capabilities join the sample's.
 * A file that does not load or analyse is skipped. */
static int one_embedded(lineage_sample *s, lineage_ctx *ctx, const cand *c, ln_vec *caps, ln_vec *embedded)
{
	char name[600];
	snprintf(name, sizeof(name), "%s@0x%llx", s->bin.path, (unsigned long long)c->off);
	lineage_sample *sub = NULL;
	if (lineage_sample_load_memory(&sub, ctx, s->bin.data + c->off, (size_t)c->size, name) != 0) return 0;
	sub->depth = s->depth + 1;
	int rc = lineage_sample_analyze(sub, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CAPABILITIES);
	if (rc != 0 || sub->bin.format == LINEAGE_FORMAT_RAW) {
		lineage_sample_free(sub);
		return rc == LINEAGE_ENOMEM ? rc : 0;
	}
	lineage_embedded *m = ln_vec_push(embedded);
	if (!m) {
		lineage_sample_free(sub);
		return ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
	}
	memset(m, 0, sizeof(*m));
	m->offset = c->off;
	m->size = c->size;
	m->where = c->where ? c->where : "data";
	m->format = lineage_format_name(sub->bin.format);
	m->kind = kind_of(&sub->bin);
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(s->bin.data + c->off, (size_t)c->size, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32)
		ln_hex(m->sha256, md, 32);
	bool ok = true;
	for (size_t k = 0; k < sub->ncaps && ok; k++) {
		if (sub->caps[k].embedded >= 0) continue; /* one level */
		lineage_capability *d = ln_vec_push(caps);
		ok = d && ln_cap_copy(d, &sub->caps[k], s->arena);
		if (ok) {
			d->embedded = (int)(embedded->len - 1);
			m->ncapabilities++;
		}
	}
	lineage_sample_free(sub);
	return ok ? 0 : ln_ctx_error(ctx, LINEAGE_ENOMEM, "%s: out of memory", s->bin.path);
}

int ln_embedded_run(lineage_sample *s, lineage_ctx *ctx, ln_vec *caps, ln_vec *embedded)
{
	cand c[MAX_EMBEDDED];
	size_t n = 0;
	find(s, s->arena, c, &n);
	/* the embedded files share the sample's time budget: each gets an eighth
	 * of it (at least a second), and none starts after half of it is spent */
	uint32_t limit = ctx->limits.max_time_ms;
	uint64_t start = ln_now_ms();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (limit && ln_now_ms() - start > limit / 2) {
			if (!s->budget_hit) s->budget_hit = "time";
			break;
		}
		ctx->limits.max_time_ms = limit ? (limit / 8 > 1000 ? limit / 8 : 1000) : 0;
		rc = one_embedded(s, ctx, &c[i], caps, embedded);
		ctx->limits.max_time_ms = limit;
	}
	return rc;
}
