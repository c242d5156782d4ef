/* The artifacts axis: what the build left in the file rather than what the
 * code does. The Rich header (which Microsoft tools, which objects), the
 * import hash, the CodeView record (the PDB path, the developer's folder,
 * the build's GUID), the link time, resource languages, the section layout,
 * the export directory's own DLL name, an ELF build id. All of it is cheap
 * to forge or to strip, so the combined verdict (lib/kinship/match.c) lets
 * these traits raise or lower a confidence, and point out a contradiction,
 * but never decide alone (docs/attribution.md). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../core/core.h"
#include "lineage/traits.h"

typedef struct art {
	ln_vec v;
	ln_arena *a;
	bool oom;
} art;

static void put(art *t, uint32_t kind, const char *token, const char *detail)
{
	if (!ln_trait_push(&t->v, t->a, "artifacts", kind, token, detail)) t->oom = true;
}

/* @p in lower-cased into @p out, with '/' for '\\' (the same PDB path
 * written by two tools). */
static void fold_path(const char *in, char *out, size_t cap)
{
	size_t k = 0;
	for (; *in && k + 1 < cap; in++) out[k++] = *in == '\\' ? '/' : (char)tolower((unsigned char)*in);
	out[k] = 0;
}

/* The user name in a PDB path under a home folder ("c:/users/NAME/...",
 * "/home/NAME/..."), or "" when none. */
static void pdb_user(const char *folded, char *out, size_t cap)
{
	static const char *const homes[] = {"/users/", "/documents and settings/", "/home/"};
	out[0] = 0;
	for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
		const char *p = strstr(folded, homes[i]);
		if (!p) continue;
		p += strlen(homes[i]);
		size_t n = strcspn(p, "/");
		if (n && n < cap && p[n] == '/') {
			memcpy(out, p, n);
			out[n] = 0;
			return;
		}
	}
}

static void pe_traits(art *t, const lineage_binary *b)
{
	const lineage_pe_info *pe = &b->pe;
	char tok[600], det[700], folded[520];
	if (pe->rich_hash[0]) {
		snprintf(tok, sizeof(tok), "artifacts:rich:%s", pe->rich_hash);
		snprintf(det, sizeof(det), "Rich header %s (%zu tool entries): the same toolchain and objects",
		         pe->rich_hash, pe->nrich);
		put(t, LINEAGE_TRAIT_BUILD, tok, det);
	}
	if (pe->pdb_path && pe->pdb_path[0]) {
		fold_path(pe->pdb_path, folded, sizeof(folded));
		snprintf(tok, sizeof(tok), "artifacts:pdb:%s", folded);
		snprintf(det, sizeof(det), "PDB path %s", pe->pdb_path);
		put(t, LINEAGE_TRAIT_VARIANT, tok, det);
		const char *base = strrchr(folded, '/');
		base = base ? base + 1 : folded;
		if (*base && base != folded) {
			snprintf(tok, sizeof(tok), "artifacts:pdbname:%s", base);
			snprintf(det, sizeof(det), "PDB file name %s", base);
			put(t, LINEAGE_TRAIT_BUILD, tok, det);
		}
		char user[128];
		pdb_user(folded, user, sizeof(user));
		if (user[0]) {
			snprintf(tok, sizeof(tok), "artifacts:pdbuser:%s", user);
			snprintf(det, sizeof(det), "built in the home folder of user %s", user);
			put(t, LINEAGE_TRAIT_VARIANT, tok, det);
		}
	}
	if (pe->pdb_guid[0]) {
		snprintf(tok, sizeof(tok), "artifacts:pdbguid:%s", pe->pdb_guid);
		snprintf(det, sizeof(det), "PDB GUID %s age %u: the same build", pe->pdb_guid, pe->pdb_age);
		put(t, LINEAGE_TRAIT_MATERIAL, tok, det);
	}
	/* a link time; 0 and all-ones are placeholders, and reproducible builds
	 * write a hash there (no Rich header, no sense as a date: left out) */
	if (pe->timestamp && pe->timestamp != 0xffffffffu && (pe->nrich || pe->timestamp < 0x70000000u)) {
		snprintf(tok, sizeof(tok), "artifacts:timestamp:%08x", pe->timestamp);
		snprintf(det, sizeof(det), "link time 0x%08x", pe->timestamp);
		put(t, LINEAGE_TRAIT_BUILD, tok, det);
	}
	if (pe->export_dll_name && pe->export_dll_name[0]) {
		fold_path(pe->export_dll_name, folded, sizeof(folded));
		snprintf(tok, sizeof(tok), "artifacts:exportname:%s", folded);
		snprintf(det, sizeof(det), "export directory names the DLL %s", pe->export_dll_name);
		put(t, LINEAGE_TRAIT_VARIANT, tok, det);
	}
	/* resource languages other than neutral and US English */
	uint32_t seen[16];
	size_t nseen = 0;
	for (size_t i = 0; i < b->nresources && nseen < 16; i++) {
		uint32_t lang = b->resources[i].lang;
		if (lang == 0 || lang == 0x409 || lang == 0x400 || lang == 0x800) continue;
		bool dup = false;
		for (size_t k = 0; k < nseen && !dup; k++) dup = seen[k] == lang;
		if (dup) continue;
		seen[nseen++] = lang;
		snprintf(tok, sizeof(tok), "artifacts:lang:0x%04x", lang);
		snprintf(det, sizeof(det), "resources in language 0x%04x", lang);
		put(t, LINEAGE_TRAIT_COMMON, tok, det);
	}
}

/* The section layout: names in file order. */
static void layout_trait(art *t, const lineage_binary *b)
{
	char names[400] = "";
	size_t n = 0;
	for (size_t i = 0; i < b->nsections && n + 2 < sizeof(names); i++) {
		const char *nm = b->sections[i].name;
		if (!nm || !nm[0]) continue; /* ELF's null section */
		int w = snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "", nm);
		if (w < 0 || (size_t)w >= sizeof(names) - n) break;
		n += (size_t)w;
	}
	if (!n) return;
	char tok[480], det[480];
	snprintf(tok, sizeof(tok), "artifacts:sections:%s", names);
	snprintf(det, sizeof(det), "section layout %s", names);
	put(t, LINEAGE_TRAIT_COMMON, tok, det);
}

int ln_artifacts_run(lineage_sample *s)
{
	art t = {.a = s->arena};
	ln_vec_init(&t.v, sizeof(lineage_trait));
	const lineage_binary *b = &s->bin;
	char tok[160], det[200];
	if (b->format == LINEAGE_FORMAT_PE) {
		pe_traits(&t, b);
		if (s->hashes.imphash[0]) {
			snprintf(tok, sizeof(tok), "artifacts:imphash:%s", s->hashes.imphash);
			snprintf(det, sizeof(det), "import hash %s", s->hashes.imphash);
			put(&t, LINEAGE_TRAIT_BUILD, tok, det);
		}
	} else if (b->format == LINEAGE_FORMAT_ELF && b->elf.build_id) {
		snprintf(tok, sizeof(tok), "artifacts:buildid:%.80s", b->elf.build_id);
		snprintf(det, sizeof(det), "GNU build id %.80s: the same build", b->elf.build_id);
		put(&t, LINEAGE_TRAIT_MATERIAL, tok, det);
	}
	if (b->format != LINEAGE_FORMAT_RAW) layout_trait(&t, b);
	int rc = t.oom ? LINEAGE_ENOMEM : ln_sample_add_traits(s, t.v.items, t.v.len);
	ln_vec_free(&t.v);
	return rc;
}
