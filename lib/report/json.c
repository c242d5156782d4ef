/* The scan report as JSON (docs/json-schema.md). Addresses are hex strings
 * because JSON numbers lose precision above 2^53. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>

#include "lineage.h"
#include "../util/util.h"

static cJSON *hexnum(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return cJSON_CreateString(b);
}

static void add_hex(cJSON *o, const char *k, uint64_t v)
{
	cJSON_AddItemToObject(o, k, hexnum(v));
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void sec_flags(char out[5], uint32_t f)
{
	out[0] = f & LINEAGE_SEC_READ ? 'r' : '-';
	out[1] = f & LINEAGE_SEC_WRITE ? 'w' : '-';
	out[2] = f & LINEAGE_SEC_EXEC ? 'x' : '-';
	out[3] = f & LINEAGE_SEC_ALLOC ? 'a' : '-';
	out[4] = 0;
}

static const char *const source_names[] = {"entry", "export", "symbol",   "tls",  "exception", "reloc",
                                           "data",  "call",   "prologue", "init", "tailcall"};

static cJSON *sources_array(uint32_t m)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof(source_names) / sizeof(source_names[0]); i++)
		if (m & (1u << i)) cJSON_AddItemToArray(a, cJSON_CreateString(source_names[i]));
	return a;
}

static cJSON *function_json(const lineage_function *f, uint32_t flags)
{
	cJSON *o = cJSON_CreateObject();
	add_hex(o, "address", f->address);
	cJSON_AddNumberToObject(o, "size", (double)f->size);
	add_str_or_null(o, "name", f->name);
	cJSON_AddNumberToObject(o, "instructions", f->ninsn);
	cJSON_AddNumberToObject(o, "blocks", f->nblocks);
	cJSON_AddNumberToObject(o, "edges", f->nedges);
	cJSON_AddItemToObject(o, "sources", sources_array(f->sources));
	cJSON *fl = cJSON_AddArrayToObject(o, "flags");
	if (f->flags & LINEAGE_FUNC_THUNK) cJSON_AddItemToArray(fl, cJSON_CreateString("thunk"));
	if (f->flags & LINEAGE_FUNC_TRUNCATED) cJSON_AddItemToArray(fl, cJSON_CreateString("truncated"));
	if (f->flags & LINEAGE_FUNC_LIBRARY) cJSON_AddItemToArray(fl, cJSON_CreateString("library"));
	if (f->flags & LINEAGE_FUNC_NORETURN) cJSON_AddItemToArray(fl, cJSON_CreateString("noreturn"));
	char h[17];
	snprintf(h, sizeof(h), "%016llx", (unsigned long long)f->exact_hash);
	cJSON_AddStringToObject(o, "exact_hash", h);
	if (flags & LINEAGE_REPORT_BLOCKS) {
		static const char *const kinds[] = {"fall", "jump", "cond", "switch"};
		cJSON *bl = cJSON_AddArrayToObject(o, "block_list");
		for (uint32_t i = 0; i < f->nblocks; i++) {
			const lineage_block *b = &f->blocks[i];
			cJSON *bo = cJSON_CreateObject();
			add_hex(bo, "start", b->start);
			cJSON_AddNumberToObject(bo, "size", b->size);
			cJSON_AddNumberToObject(bo, "instructions", b->ninsn);
			cJSON *succ = cJSON_AddArrayToObject(bo, "successors");
			for (uint32_t e = 0; e < b->nedges; e++) {
				const lineage_edge *ed = &f->edges[b->edge_first + e];
				cJSON *eo = cJSON_CreateObject();
				add_hex(eo, "target", ed->target);
				cJSON_AddStringToObject(eo, "kind", ed->kind < 4 ? kinds[ed->kind] : "?");
				cJSON_AddItemToArray(succ, eo);
			}
			cJSON_AddItemToArray(bl, bo);
		}
	}
	cJSON *calls = cJSON_AddArrayToObject(o, "calls");
	for (uint32_t i = 0; i < f->ncalls; i++) {
		const lineage_call *c = &f->calls[i];
		cJSON *co = cJSON_CreateObject();
		add_hex(co, "site", c->site);
		if (c->target)
			add_hex(co, "target", c->target);
		else
			cJSON_AddNullToObject(co, "target");
		add_str_or_null(co, "import", c->import);
		if (c->tail) cJSON_AddTrueToObject(co, "tail");
		cJSON_AddItemToArray(calls, co);
	}
	if (flags & LINEAGE_REPORT_MINHASH) {
		char mh[LINEAGE_MINHASH_K * 8 + 1];
		for (int i = 0; i < LINEAGE_MINHASH_K; i++) snprintf(mh + 8 * i, 9, "%08x", f->minhash[i]);
		cJSON_AddStringToObject(o, "minhash", mh);
	}
	return o;
}

static cJSON *pe_json(const lineage_binary *b)
{
	const lineage_pe_info *pe = &b->pe;
	cJSON *o = cJSON_CreateObject();
	char m[8];
	snprintf(m, sizeof(m), "0x%04x", pe->machine);
	cJSON_AddStringToObject(o, "machine", m);
	cJSON_AddNumberToObject(o, "timestamp", pe->timestamp);
	time_t t = (time_t)pe->timestamp;
	struct tm tm;
	char iso[32];
	if (gmtime_r(&t, &tm) && strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		cJSON_AddStringToObject(o, "timestamp_utc", iso);
	cJSON_AddBoolToObject(o, "dll", pe->is_dll);
	cJSON_AddBoolToObject(o, "pe32plus", pe->is_pe32plus);
	cJSON_AddNumberToObject(o, "subsystem", pe->subsystem);
	cJSON_AddNumberToObject(o, "characteristics", pe->characteristics);
	cJSON_AddNumberToObject(o, "dll_characteristics", pe->dll_characteristics);
	char lv[16];
	snprintf(lv, sizeof(lv), "%u.%u", pe->linker_major, pe->linker_minor);
	cJSON_AddStringToObject(o, "linker_version", lv);
	cJSON_AddNumberToObject(o, "checksum", pe->checksum);
	cJSON_AddNumberToObject(o, "size_of_image", pe->size_of_image);
	if (pe->nrich) {
		cJSON *r = cJSON_AddObjectToObject(o, "rich");
		char k[12];
		snprintf(k, sizeof(k), "0x%08x", pe->rich_key);
		cJSON_AddStringToObject(r, "key", k);
		add_hex(r, "offset", pe->rich_offset);
		cJSON_AddStringToObject(r, "hash", pe->rich_hash);
		cJSON *e = cJSON_AddArrayToObject(r, "entries");
		for (size_t i = 0; i < pe->nrich; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "product", pe->rich[i].product);
			cJSON_AddNumberToObject(x, "build", pe->rich[i].build);
			cJSON_AddNumberToObject(x, "count", pe->rich[i].count);
			cJSON_AddItemToArray(e, x);
		}
	} else {
		cJSON_AddNullToObject(o, "rich");
	}
	if (pe->pdb_path) {
		cJSON *d = cJSON_AddObjectToObject(o, "pdb");
		cJSON_AddStringToObject(d, "path", pe->pdb_path);
		cJSON_AddStringToObject(d, "guid", pe->pdb_guid);
		cJSON_AddNumberToObject(d, "age", pe->pdb_age);
	} else {
		cJSON_AddNullToObject(o, "pdb");
	}
	cJSON *tls = cJSON_AddArrayToObject(o, "tls_callbacks");
	for (size_t i = 0; i < pe->ntls_callbacks; i++) cJSON_AddItemToArray(tls, hexnum(pe->tls_callbacks[i]));
	add_str_or_null(o, "export_name", pe->export_dll_name);
	return o;
}

static cJSON *elf_json(const lineage_binary *b)
{
	const lineage_elf_info *e = &b->elf;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "class", e->elf_class == 2 ? 64 : 32);
	cJSON_AddNumberToObject(o, "type", e->type);
	cJSON_AddNumberToObject(o, "machine", e->machine);
	cJSON_AddNumberToObject(o, "osabi", e->osabi);
	add_str_or_null(o, "interpreter", e->interpreter);
	add_str_or_null(o, "soname", e->soname);
	cJSON *n = cJSON_AddArrayToObject(o, "needed");
	for (size_t i = 0; i < e->nneeded; i++) cJSON_AddItemToArray(n, cJSON_CreateString(e->needed[i]));
	add_str_or_null(o, "build_id", e->build_id);
	cJSON_AddBoolToObject(o, "stripped", e->stripped);
	return o;
}

static cJSON *resource_json(const lineage_resource *r)
{
	cJSON *o = cJSON_CreateObject();
	if (r->type_name)
		cJSON_AddStringToObject(o, "type", r->type_name);
	else
		cJSON_AddNumberToObject(o, "type", r->type_id);
	if (r->name)
		cJSON_AddStringToObject(o, "name", r->name);
	else
		cJSON_AddNumberToObject(o, "name", r->name_id);
	cJSON_AddNumberToObject(o, "lang", r->lang);
	cJSON_AddNumberToObject(o, "codepage", r->codepage);
	add_hex(o, "rva", r->rva);
	add_hex(o, "offset", r->offset);
	cJSON_AddNumberToObject(o, "size", (double)r->size);
	return o;
}

/* A document's head: schema version, tool, and the file with its path, size
 * and sha256 (*file, for more members). */
static cJSON *doc_root(int version, const lineage_binary *b, const lineage_file_hashes *h, cJSON **file)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", version);
	cJSON_AddStringToObject(root, "tool", "lineage");
	cJSON_AddStringToObject(root, "tool_version", lineage_version());
	*file = cJSON_AddObjectToObject(root, "file");
	cJSON_AddStringToObject(*file, "path", b->path ? b->path : "");
	cJSON_AddNumberToObject(*file, "size", (double)b->size);
	cJSON_AddStringToObject(*file, "sha256", h->sha256);
	return root;
}

static cJSON *fn_ref_json(const lineage_sample *s, uint64_t va)
{
	cJSON *o = cJSON_CreateObject();
	add_hex(o, "address", va);
	const lineage_function *fn = lineage_sample_function_at(s, va);
	add_str_or_null(o, "name", fn && fn->address == va ? fn->name : NULL);
	return o;
}

/* The crypto axis: a summary per family, then every finding. */
static void crypto_json(cJSON *root, const lineage_sample *s)
{
	size_t n;
	const lineage_crypto_finding *f = lineage_sample_crypto(s, &n);
	cJSON *c = cJSON_AddObjectToObject(root, "crypto");
	cJSON *fams = cJSON_AddArrayToObject(c, "families");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		cJSON *o = cJSON_CreateObject(), *algs = cJSON_CreateArray(), *how = cJSON_CreateArray();
		cJSON_AddStringToObject(o, "family", f[i].family);
		bool material = false, own = false;
		for (; j < n && !strcmp(f[j].family, f[i].family); j++) {
			bool dup = false;
			for (size_t k = i; k < j && !dup; k++) dup = !strcmp(f[k].algorithm, f[j].algorithm);
			if (!dup) cJSON_AddItemToArray(algs, cJSON_CreateString(f[j].algorithm));
			dup = false;
			for (size_t k = i; k < j && !dup; k++) dup = !strcmp(f[k].kind, f[j].kind);
			if (!dup) cJSON_AddItemToArray(how, cJSON_CreateString(f[j].kind));
			material |= (f[j].flags & LINEAGE_CRYPTO_MATERIAL) != 0;
			own |= !(f[j].flags & LINEAGE_CRYPTO_LIBRARY);
		}
		cJSON_AddItemToObject(o, "algorithms", algs);
		cJSON_AddItemToObject(o, "kinds", how);
		cJSON_AddNumberToObject(o, "findings", (double)(j - i));
		cJSON_AddBoolToObject(o, "material", material);
		cJSON_AddBoolToObject(o, "library_only", !own);
		cJSON_AddItemToArray(fams, o);
		i = j;
	}
	cJSON *arr = cJSON_AddArrayToObject(c, "findings");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "family", f[i].family);
		cJSON_AddStringToObject(o, "algorithm", f[i].algorithm);
		cJSON_AddStringToObject(o, "kind", f[i].kind);
		cJSON_AddStringToObject(o, "source", f[i].source);
		cJSON_AddStringToObject(o, "description", f[i].description);
		add_str_or_null(o, "value", f[i].value);
		if (f[i].flags & LINEAGE_CRYPTO_HAS_OFFSET)
			add_hex(o, "offset", f[i].offset);
		else
			cJSON_AddNullToObject(o, "offset");
		if (f[i].flags & LINEAGE_CRYPTO_HAS_VA)
			add_hex(o, "va", f[i].va);
		else
			cJSON_AddNullToObject(o, "va");
		cJSON_AddNumberToObject(o, "size", f[i].size);
		cJSON_AddNumberToObject(o, "count", f[i].count);
		if (f[i].function) {
			cJSON *fo = cJSON_AddObjectToObject(o, "function");
			add_hex(fo, "address", f[i].function);
			add_str_or_null(fo, "name", f[i].function_name);
		} else {
			cJSON_AddNullToObject(o, "function");
		}
		cJSON *us = cJSON_AddArrayToObject(o, "users");
		for (uint32_t k = 0; k < f[i].nusers; k++) cJSON_AddItemToArray(us, fn_ref_json(s, f[i].users[k]));
		cJSON_AddBoolToObject(o, "material", (f[i].flags & LINEAGE_CRYPTO_MATERIAL) != 0);
		cJSON_AddBoolToObject(o, "library", (f[i].flags & LINEAGE_CRYPTO_LIBRARY) != 0);
		cJSON_AddItemToArray(arr, o);
	}
}

static cJSON *str_array(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *evidence_json(const lineage_evidence *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "feature", e->feature);
	add_str_or_null(o, "value", e->value);
	add_str_or_null(o, "detail", e->detail);
	if (e->flags & LINEAGE_EVIDENCE_HAS_OFFSET)
		add_hex(o, "offset", e->offset);
	else
		cJSON_AddNullToObject(o, "offset");
	if (e->flags & LINEAGE_EVIDENCE_HAS_VA)
		add_hex(o, "va", e->va);
	else
		cJSON_AddNullToObject(o, "va");
	if (e->reaches) {
		cJSON *r = cJSON_AddObjectToObject(o, "reaches");
		cJSON_AddStringToObject(r, "call", e->reaches);
		add_hex(r, "va", e->reaches_va);
	} else {
		cJSON_AddNullToObject(o, "reaches");
	}
	cJSON_AddBoolToObject(o, "wide", (e->flags & LINEAGE_EVIDENCE_WIDE) != 0);
	cJSON_AddBoolToObject(o, "resolved", (e->flags & LINEAGE_EVIDENCE_RESOLVED) != 0);
	return o;
}

/* Capability rules that matched (the destruction axis), embedded files and
 * device-control codes. */
static void capabilities_json(cJSON *root, const lineage_sample *s)
{
	size_t n, ne, ni;
	const lineage_capability *c = lineage_sample_capabilities(s, &n);
	const lineage_embedded *m = lineage_sample_embedded(s, &ne);
	const lineage_ioctl_use *io = lineage_sample_ioctls(s, &ni);
	cJSON *arr = cJSON_AddArrayToObject(root, "capabilities");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", c[i].id);
		cJSON_AddStringToObject(o, "name", c[i].name);
		cJSON_AddStringToObject(o, "axis", c[i].axis);
		cJSON_AddStringToObject(o, "role", c[i].support ? "support" : "method");
		cJSON_AddItemToObject(o, "attack", str_array(c[i].attack, c[i].nattack));
		cJSON_AddItemToObject(o, "mbc", str_array(c[i].mbc, c[i].nmbc));
		add_str_or_null(o, "description", c[i].description);
		cJSON_AddStringToObject(o, "rule_file", c[i].rule_file);
		cJSON_AddStringToObject(o, "scope", c[i].function_scope ? "function" : "file");
		if (c[i].function_scope && c[i].function) {
			cJSON *fo = cJSON_AddObjectToObject(o, "function");
			add_hex(fo, "address", c[i].function);
			add_str_or_null(fo, "name", c[i].function_name);
		} else {
			cJSON_AddNullToObject(o, "function");
		}
		cJSON_AddNumberToObject(o, "functions", c[i].nfunctions);
		if (c[i].embedded >= 0)
			cJSON_AddNumberToObject(o, "embedded", c[i].embedded);
		else
			cJSON_AddNullToObject(o, "embedded");
		cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
		for (size_t k = 0; k < c[i].nevidence; k++) cJSON_AddItemToArray(ev, evidence_json(&c[i].evidence[k]));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON *emb = cJSON_AddArrayToObject(root, "embedded");
	for (size_t i = 0; i < ne; i++) {
		cJSON *o = cJSON_CreateObject();
		add_hex(o, "offset", m[i].offset);
		cJSON_AddNumberToObject(o, "size", (double)m[i].size);
		cJSON_AddStringToObject(o, "where", m[i].where);
		cJSON_AddStringToObject(o, "format", m[i].format);
		cJSON_AddStringToObject(o, "kind", m[i].kind);
		cJSON_AddStringToObject(o, "sha256", m[i].sha256);
		cJSON_AddNumberToObject(o, "capabilities", (double)m[i].ncapabilities);
		cJSON_AddItemToArray(emb, o);
	}
	cJSON *ios = cJSON_AddArrayToObject(root, "ioctls");
	for (size_t i = 0; i < ni; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", io[i].name);
		add_hex(o, "code", io[i].code);
		add_hex(o, "va", io[i].va);
		add_hex(o, "function", io[i].function);
		if (io[i].call) {
			cJSON *r = cJSON_AddObjectToObject(o, "reaches");
			cJSON_AddStringToObject(r, "call", io[i].call);
			add_hex(r, "va", io[i].call_va);
		} else {
			cJSON_AddNullToObject(o, "reaches");
		}
		cJSON_AddItemToArray(ios, o);
	}
}

/* A value as the report writes it: defanged when asked. */
static void add_ioc_value(cJSON *o, const char *k, const char *type, const char *v, uint32_t flags)
{
	char buf[1100];
	cJSON_AddStringToObject(o, k,
	                        flags & LINEAGE_REPORT_DEFANG ? lineage_ioc_defang(type, v, buf, sizeof(buf)) : v);
}

/* Network and host indicators (the infrastructure axis). */
static void indicators_json(cJSON *root, const lineage_sample *s, uint32_t flags)
{
	size_t n;
	const lineage_indicator *in = lineage_sample_indicators(s, &n);
	cJSON *arr = cJSON_AddArrayToObject(root, "indicators");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", in[i].type);
		add_ioc_value(o, "value", in[i].type, in[i].value, flags);
		if (in[i].host)
			add_ioc_value(o, "host", strchr(in[i].host, ':') ? "ipv6" : "domain", in[i].host, flags);
		else
			cJSON_AddNullToObject(o, "host");
		add_str_or_null(o, "registrable", in[i].registrable);
		cJSON_AddNumberToObject(o, "port", in[i].port);
		cJSON *fl = cJSON_AddArrayToObject(o, "flags");
		for (uint32_t b = 1; b && b <= LINEAGE_IOC_DEFANGED; b <<= 1)
			if (in[i].flags & b) cJSON_AddItemToArray(fl, cJSON_CreateString(lineage_ioc_flag_name(b)));
		cJSON_AddNumberToObject(o, "count", (double)in[i].count);
		cJSON *pa = cJSON_AddArrayToObject(o, "occurrences");
		for (size_t k = 0; k < in[i].nplaces; k++) {
			const lineage_ioc_place *p = &in[i].places[k];
			cJSON *q = cJSON_CreateObject();
			cJSON_AddStringToObject(q, "form", p->form);
			if (p->has_offset) cJSON_AddNumberToObject(q, "offset", (double)p->offset);
			if (p->has_va) add_hex(q, "va", p->va);
			if (p->function) add_hex(q, "function", p->function);
			if (p->key) cJSON_AddStringToObject(q, "key", p->key);
			if (p->context) cJSON_AddStringToObject(q, "context", p->context);
			cJSON_AddItemToArray(pa, q);
		}
		cJSON_AddItemToArray(arr, o);
	}
}

static cJSON *scan_json(const lineage_sample *s, uint32_t flags)
{
	const lineage_binary *b = lineage_sample_binary(s);
	const lineage_file_hashes *h = lineage_sample_hashes(s);
	cJSON *file, *root = doc_root(LINEAGE_SCAN_SCHEMA_VERSION, b, h, &file);
	cJSON_AddStringToObject(file, "md5", h->md5);
	add_str_or_null(file, "imphash", h->imphash);
	add_str_or_null(file, "ssdeep", h->ssdeep);
	add_str_or_null(file, "tlsh", h->tlsh);

	cJSON_AddStringToObject(root, "format", lineage_format_name(b->format));
	cJSON_AddStringToObject(root, "arch", lineage_arch_name(b->arch));
	cJSON_AddNumberToObject(root, "bits", b->bits);
	add_hex(root, "image_base", b->image_base);
	if (b->has_entry)
		add_hex(root, "entry", b->entry);
	else
		cJSON_AddNullToObject(root, "entry");
	if (b->format == LINEAGE_FORMAT_PE) cJSON_AddItemToObject(root, "pe", pe_json(b));
	if (b->format == LINEAGE_FORMAT_ELF) cJSON_AddItemToObject(root, "elf", elf_json(b));

	cJSON *secs = cJSON_AddArrayToObject(root, "sections");
	for (size_t i = 0; i < b->nsections; i++) {
		const lineage_section *x = &b->sections[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", x->name ? x->name : "");
		add_hex(o, "vaddr", x->vaddr);
		cJSON_AddNumberToObject(o, "vsize", (double)x->vsize);
		add_hex(o, "offset", x->offset);
		cJSON_AddNumberToObject(o, "size", (double)x->size);
		char fl[5];
		sec_flags(fl, x->flags);
		cJSON_AddStringToObject(o, "flags", fl);
		cJSON_AddNumberToObject(o, "entropy", (double)(int)(x->entropy * 1000) / 1000.0);
		cJSON_AddItemToArray(secs, o);
	}
	cJSON *imps = cJSON_AddArrayToObject(root, "imports");
	for (size_t i = 0; i < b->nimports; i++) {
		const lineage_import *x = &b->imports[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "library", x->library ? x->library : "");
		add_str_or_null(o, "name", x->name);
		if (x->flags & LINEAGE_IMPORT_ORDINAL) cJSON_AddNumberToObject(o, "ordinal", x->ordinal);
		if (x->flags & LINEAGE_IMPORT_DELAY) cJSON_AddTrueToObject(o, "delay");
		add_hex(o, "slot", x->slot);
		if (x->stub) add_hex(o, "stub", x->stub);
		cJSON_AddItemToArray(imps, o);
	}
	cJSON *exps = cJSON_AddArrayToObject(root, "exports");
	for (size_t i = 0; i < b->nexports; i++) {
		const lineage_export *x = &b->exports[i];
		cJSON *o = cJSON_CreateObject();
		add_str_or_null(o, "name", x->name);
		if (x->ordinal) cJSON_AddNumberToObject(o, "ordinal", x->ordinal);
		if (x->forwarder)
			cJSON_AddStringToObject(o, "forwarder", x->forwarder);
		else
			add_hex(o, "address", x->address);
		cJSON_AddItemToArray(exps, o);
	}
	cJSON *res = cJSON_AddArrayToObject(root, "resources");
	for (size_t i = 0; i < b->nresources; i++) cJSON_AddItemToArray(res, resource_json(&b->resources[i]));
	if (b->overlay_size) {
		cJSON *ov = cJSON_AddObjectToObject(root, "overlay");
		add_hex(ov, "offset", b->overlay_offset);
		cJSON_AddNumberToObject(ov, "size", (double)b->overlay_size);
	} else {
		cJSON_AddNullToObject(root, "overlay");
	}
	cJSON_AddNumberToObject(root, "symbols", (double)b->nsymbols);

	size_t nf;
	const lineage_function *fns = lineage_sample_functions(s, &nf);
	cJSON *code = cJSON_AddObjectToObject(root, "code");
	cJSON_AddNumberToObject(code, "functions", (double)nf);
	cJSON_AddNumberToObject(code, "instructions", (double)lineage_sample_instructions(s));
	add_str_or_null(code, "budget_hit", lineage_sample_budget_hit(s));
	if (flags & LINEAGE_REPORT_FUNCTIONS) {
		cJSON *fa = cJSON_AddArrayToObject(code, "function_list");
		for (size_t i = 0; i < nf; i++) cJSON_AddItemToArray(fa, function_json(&fns[i], flags));
	}
	crypto_json(root, s);
	capabilities_json(root, s);
	indicators_json(root, s, flags);
	/* the artifacts axis's traits */
	cJSON *arts = cJSON_AddArrayToObject(root, "artifacts");
	size_t nt;
	const lineage_trait *tr = lineage_sample_traits(s, &nt);
	for (size_t i = 0; i < nt; i++) {
		if (strcmp(tr[i].axis, "artifacts")) continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", lineage_trait_kind_name(tr[i].kind));
		cJSON_AddStringToObject(o, "token", tr[i].token);
		cJSON_AddStringToObject(o, "detail", tr[i].detail);
		cJSON_AddItemToArray(arts, o);
	}
	cJSON *warns = cJSON_AddArrayToObject(root, "warnings");
	for (size_t i = 0; i < b->nwarnings; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "area", b->warnings[i].area);
		cJSON_AddStringToObject(o, "message", b->warnings[i].message);
		cJSON_AddItemToArray(warns, o);
	}
	return root;
}

int lineage_report_scan_json(char **out, const lineage_sample *s, uint32_t flags)
{
	*out = NULL;
	cJSON *root = scan_json(s, flags);
	if (!root) return LINEAGE_ENOMEM;
	*out = flags & LINEAGE_REPORT_PRETTY ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return *out ? 0 : LINEAGE_ENOMEM;
}

static double round4(double v)
{
	return (double)(int64_t)(v * 10000 + 0.5) / 10000;
}

/* {"id", "name"} of an ATT&CK entry, or null. */
static void add_attack(cJSON *o, const char *k, const char *id, const char *name)
{
	if (!id) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	cJSON *a = cJSON_AddObjectToObject(o, k);
	cJSON_AddStringToObject(a, "id", id);
	add_str_or_null(a, "name", name);
}

static cJSON *family_json(const lineage_match *m, const lineage_match_family *f)
{
	const lineage_match_sample *best = &m->samples[f->best_sample];
	cJSON *o = cJSON_CreateObject();
	/* an unlabeled sample stands for itself */
	add_str_or_null(o, "family", f->family);
	add_str_or_null(o, "actor", f->actor);
	cJSON_AddNumberToObject(o, "score", round4(f->score));
	cJSON_AddNumberToObject(o, "samples", (double)f->nsamples);
	cJSON_AddNumberToObject(o, "functions", (double)f->nfunctions);
	cJSON_AddNumberToObject(o, "exact", (double)f->nexact);
	cJSON_AddNumberToObject(o, "library_functions", (double)f->nlibrary);
	cJSON_AddNumberToObject(o, "shared_instructions", (double)f->shared_insns);
	cJSON_AddStringToObject(o, "best_sample", best->sha256);
	cJSON_AddNumberToObject(o, "crypto_score", round4(f->crypto_score));
	cJSON_AddNumberToObject(o, "destruction_score", round4(f->destruction_score));
	cJSON_AddNumberToObject(o, "infrastructure_score", round4(f->infrastructure_score));
	cJSON_AddNumberToObject(o, "artifacts_score", round4(f->artifacts_score));
	cJSON_AddNumberToObject(o, "confidence", round4(f->confidence));
	cJSON_AddNumberToObject(o, "evidence", round4(f->evidence));
	cJSON_AddBoolToObject(o, "supported", f->supported);
	cJSON *ax = cJSON_AddObjectToObject(o, "axes");
	for (int a = 0; a < LINEAGE_NAXES; a++) {
		cJSON *x = cJSON_AddObjectToObject(ax, lineage_axis_name(a));
		cJSON_AddNumberToObject(x, "score", round4(lineage_match_axis_score(f, a)));
		cJSON_AddNumberToObject(x, "evidence", round4(f->axis_evidence[a]));
	}
	cJSON_AddNumberToObject(o, "traits", (double)f->ntraits);
	add_attack(o, "attack_software", f->software_id, f->software_name);
	add_attack(o, "attack_group", f->group_id, f->group_name);
	return o;
}

static cJSON *match_json(const lineage_sample *s, const lineage_match *m, size_t max_evidence, uint32_t flags)
{
	const lineage_binary *b = lineage_sample_binary(s);
	const lineage_file_hashes *h = lineage_sample_hashes(s);
	cJSON *file, *root = doc_root(LINEAGE_MATCH_SCHEMA_VERSION, b, h, &file);
	cJSON_AddStringToObject(file, "format", lineage_format_name(b->format));
	cJSON_AddStringToObject(file, "arch", lineage_arch_name(b->arch));

	const lineage_match_family *vf = NULL; /* the verdict's family */
	for (size_t i = 0; m->verdict && i < m->nfamilies && !vf; i++) {
		const lineage_match_family *f = &m->families[i];
		if (!strcmp(f->family[0] ? f->family : m->samples[f->best_sample].sha256, m->verdict)) vf = f;
	}
	cJSON *v = cJSON_AddObjectToObject(root, "verdict");
	add_str_or_null(v, "family", m->verdict);
	cJSON_AddBoolToObject(v, "known_relative", m->verdict != NULL);
	add_str_or_null(v, "actor", vf ? vf->actor : NULL);
	add_attack(v, "attack_software", vf ? vf->software_id : NULL, vf ? vf->software_name : NULL);
	add_attack(v, "attack_group", vf ? vf->group_id : NULL, vf ? vf->group_name : NULL);
	add_str_or_null(v, "axis", m->verdict_axis);
	cJSON_AddNumberToObject(v, "confidence", round4(m->confidence));
	cJSON_AddBoolToObject(v, "ambiguous", m->ambiguous);
	cJSON_AddNumberToObject(v, "confidence_threshold", LINEAGE_VERDICT_CONFIDENCE);
	cJSON_AddNumberToObject(v, "crypto_threshold", LINEAGE_CRYPTO_VERDICT_THRESHOLD);
	cJSON_AddNumberToObject(v, "destruction_threshold", LINEAGE_DESTRUCTION_VERDICT_THRESHOLD);
	cJSON_AddNumberToObject(v, "infrastructure_threshold", LINEAGE_INFRA_VERDICT_THRESHOLD);
	cJSON_AddNumberToObject(v, "score", round4(m->score));
	cJSON_AddNumberToObject(v, "threshold", m->threshold);
	cJSON_AddNumberToObject(v, "min_shared_instructions", LINEAGE_VERDICT_MIN_INSNS);

	cJSON *code = cJSON_AddObjectToObject(root, "code");
	cJSON_AddNumberToObject(code, "functions", (double)m->functions);
	cJSON_AddNumberToObject(code, "library_functions", (double)m->library_functions);
	cJSON_AddNumberToObject(code, "instructions", (double)m->query_insns);
	add_str_or_null(code, "budget_hit", lineage_sample_budget_hit(s));

	cJSON *fa = cJSON_AddArrayToObject(root, "families");
	for (size_t i = 0; i < m->nfamilies; i++) cJSON_AddItemToArray(fa, family_json(m, &m->families[i]));
	cJSON *la = cJSON_AddArrayToObject(root, "libraries");
	for (size_t i = 0; i < m->nlibraries; i++) cJSON_AddItemToArray(la, family_json(m, &m->libraries[i]));
	cJSON *sa = cJSON_AddArrayToObject(root, "samples");
	for (size_t i = 0; i < m->nsamples; i++) {
		const lineage_match_sample *x = &m->samples[i];
		if (!x->nfunctions) continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "sha256", x->sha256);
		cJSON_AddStringToObject(o, "path", x->path);
		add_str_or_null(o, "family", x->family);
		add_str_or_null(o, "actor", x->actor);
		cJSON_AddBoolToObject(o, "library", x->library);
		cJSON_AddNumberToObject(o, "score", round4(x->score));
		cJSON_AddNumberToObject(o, "known_coverage", round4(x->known_coverage));
		cJSON_AddNumberToObject(o, "functions", (double)x->nfunctions);
		cJSON_AddNumberToObject(o, "exact", (double)x->nexact);
		cJSON_AddItemToArray(sa, o);
	}
	cJSON *ta = cJSON_AddArrayToObject(root, "traits");
	for (size_t i = 0; i < m->ntraits; i++) {
		const lineage_match_trait *t = &m->traits[i];
		const lineage_match_family *f = &m->families[t->family];
		cJSON *o = cJSON_CreateObject();
		add_str_or_null(o, "family", f->family);
		cJSON_AddStringToObject(o, "axis", t->axis);
		cJSON_AddStringToObject(o, "kind", lineage_trait_kind_name(t->kind));
		cJSON_AddStringToObject(o, "token", t->token);
		cJSON_AddStringToObject(o, "detail", t->detail);
		cJSON_AddNumberToObject(o, "families", t->nfamilies);
		cJSON_AddNumberToObject(o, "weight", round4(t->weight));
		cJSON_AddStringToObject(o, "known_sample", m->samples[t->sample].sha256);
		cJSON_AddStringToObject(o, "known_path", m->samples[t->sample].path);
		cJSON_AddItemToArray(ta, o);
	}
	cJSON *aa = cJSON_AddArrayToObject(root, "actors");
	for (size_t i = 0; i < m->nactors; i++) {
		const lineage_match_actor *x = &m->actors[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "actor", x->actor);
		add_attack(o, "attack_group", x->group_id, x->group_name);
		cJSON_AddNumberToObject(o, "confidence", round4(x->confidence));
		cJSON *fl = cJSON_AddArrayToObject(o, "families");
		for (size_t k = x->family; k < m->nfamilies; k++)
			if (m->families[k].actor_rank == i)
				cJSON_AddItemToArray(fl,
				                     cJSON_CreateString(lineage_match_family_name(m, &m->families[k])));
		cJSON_AddItemToArray(aa, o);
	}
	cJSON *ca = cJSON_AddArrayToObject(root, "contradictions");
	for (size_t i = 0; i < m->ncontradictions; i++) {
		const lineage_match_contradiction *c = &m->contradictions[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "axis", lineage_axis_name(c->axis));
		add_str_or_null(o, "family", m->families[c->family].family);
		cJSON_AddNumberToObject(o, "score", round4(c->score));
		add_str_or_null(o, "against", m->families[c->against].family);
		cJSON_AddNumberToObject(o, "against_score", round4(c->against_score));
		cJSON_AddBoolToObject(o, "false_flag", c->false_flag);
		cJSON_AddItemToArray(ca, o);
	}
	cJSON *fe = cJSON_AddArrayToObject(root, "feeds");
	for (size_t i = 0; i < m->nfeeds; i++) {
		const lineage_match_feed *x = &m->feeds[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", x->type);
		add_ioc_value(o, "value", x->type, x->value, flags);
		add_str_or_null(o, "family", x->family != SIZE_MAX ? m->families[x->family].family : NULL);
		cJSON_AddNumberToObject(o, "weight", round4(x->weight));
		cJSON_AddStringToObject(o, "feed_type", x->entry.type);
		add_ioc_value(o, "feed_value", x->entry.type, x->entry.value, flags);
		if (x->entry.port)
			cJSON_AddNumberToObject(o, "port", x->entry.port);
		else
			cJSON_AddNullToObject(o, "port");
		cJSON_AddStringToObject(o, "source", x->entry.source);
		cJSON_AddStringToObject(o, "feed", x->entry.feed);
		add_str_or_null(o, "actor", x->entry.actor);
		if (x->entry.group_id) {
			cJSON *g = cJSON_AddObjectToObject(o, "attack_group");
			cJSON_AddStringToObject(g, "id", x->entry.group_id);
			add_str_or_null(g, "name", x->entry.group_name);
		} else {
			cJSON_AddNullToObject(o, "attack_group");
		}
		add_str_or_null(o, "first_seen", x->entry.first_seen);
		add_str_or_null(o, "last_seen", x->entry.last_seen);
		if (x->entry.confidence >= 0)
			cJSON_AddNumberToObject(o, "confidence", x->entry.confidence);
		else
			cJSON_AddNullToObject(o, "confidence");
		add_str_or_null(o, "description", x->entry.description);
		cJSON_AddItemToArray(fe, o);
	}
	cJSON *ea = cJSON_AddArrayToObject(root, "evidence");
	size_t kept = 0;
	for (size_t i = 0; i < m->nevidence; i++) {
		const lineage_match_evidence *e = &m->evidence[i];
		kept = i && e->family == m->evidence[i - 1].family ? kept + 1 : 1;
		if (max_evidence && kept > max_evidence) continue;
		const lineage_match_family *f = &m->families[e->family];
		cJSON *o = cJSON_CreateObject();
		add_str_or_null(o, "family", f->family);
		add_hex(o, "query_address", e->query_address);
		add_str_or_null(o, "query_name", e->query_name);
		cJSON_AddStringToObject(o, "known_sample", m->samples[e->sample].sha256);
		add_hex(o, "known_address", e->known_address);
		add_str_or_null(o, "known_name", e->known_name);
		cJSON_AddStringToObject(o, "kind", e->exact ? "exact" : e->similar ? "similar" : "near");
		cJSON_AddNumberToObject(o, "similarity", round4(e->similarity));
		cJSON_AddNumberToObject(o, "instructions", e->ninsn);
		cJSON_AddNumberToObject(o, "families", e->nfamilies);
		cJSON_AddBoolToObject(o, "library", e->library);
		cJSON_AddNumberToObject(o, "weight", round4(e->weight));
		cJSON_AddItemToArray(ea, o);
	}
	return root;
}

int lineage_report_match_json(char **out, const lineage_sample *s, const lineage_match *m, size_t max_evidence,
                              uint32_t flags)
{
	*out = NULL;
	cJSON *root = match_json(s, m, max_evidence, flags);
	if (!root) return LINEAGE_ENOMEM;
	*out = flags & LINEAGE_REPORT_PRETTY ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return *out ? 0 : LINEAGE_ENOMEM;
}
