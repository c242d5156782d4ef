/* The capability stage and the destruction fingerprint: embedded files
 * first (a rule may ask for them), then the rules, then which device-control
 * codes reach which call, and the traits that the corpus stores: the
 * capabilities (common), how each is built (the strings that fired, the
 * IOCTL sequence of each function) and what varies between authors (whole
 * command lines and scripts, the targeted extension list, an embedded
 * file's hash). */
#include "destruct.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#define MAX_EXT_LIST 64

static int cmp_cap(const void *a, const void *b)
{
	const lineage_capability *x = a, *y = b;
	if (x->embedded != y->embedded) return x->embedded < y->embedded ? -1 : 1;
	int r = strcmp(x->axis, y->axis);
	return r ? r : strcmp(x->id, y->id);
}

static bool is_devctl(const char *api)
{
	static const char *const names[] = {"DeviceIoControl", "NtDeviceIoControlFile", "ZwDeviceIoControlFile",
	                                    "NtFsControlFile", "ZwFsControlFile",       "ioctl"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(api, names[i])) return true;
	return false;
}

/* Codes of the table carried by a function that calls a device-control API,
 * each with the device-control call it reaches (the next one after it). */
static int find_ioctls_in(lineage_sample *s, const ln_map *slots, const char *os, const char *arch, ln_vec *out)
{
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(s, &nf);
	char buf[256];
	for (size_t i = 0; i < nf; i++) {
		const lineage_function *f = &fns[i];
		if (f->flags & (LINEAGE_FUNC_THUNK | LINEAGE_FUNC_LIBRARY)) continue;
		bool devctl = false;
		for (uint32_t k = 0; k < f->ncalls && !devctl; k++) {
			const char *api = ln_call_api(s, slots, f, &f->calls[k], buf, sizeof(buf));
			devctl = api && is_devctl(api);
		}
		if (!devctl) continue;
		for (uint32_t k = 0; k < f->nnotes; k++) {
			const lineage_note *n = &f->notes[k];
			if (n->kind != LINEAGE_NOTE_IMM) continue;
			const char *name = ln_ioctl_name(os, arch, n->value);
			if (!name) continue;
			const lineage_call *best = NULL; /* the next device-control call */
			char abuf[256] = "";
			for (uint32_t c = 0; c < f->ncalls; c++) {
				if (f->calls[c].site <= n->va || (best && f->calls[c].site >= best->site)) continue;
				const char *a = ln_call_api(s, slots, f, &f->calls[c], buf, sizeof(buf));
				if (!a || !is_devctl(a)) continue;
				best = &f->calls[c];
				snprintf(abuf, sizeof(abuf), "%s", a);
			}
			lineage_ioctl_use *u = ln_vec_push(out);
			if (!u) return LINEAGE_ENOMEM;
			*u = (lineage_ioctl_use){.name = name,
			                         .code = n->value,
			                         .va = n->va,
			                         .call = best ? ln_arena_strdup(s->arena, abuf) : NULL,
			                         .call_va = best ? best->site : 0,
			                         .function = f->address};
			if (best && !u->call) return LINEAGE_ENOMEM;
		}
	}
	return 0;
}

static int find_ioctls(lineage_sample *s, const ln_map *slots, ln_vec *out)
{
	const char *os, *arch;
	return ln_ioctl_target(&s->bin, &os, &arch) ? find_ioctls_in(s, slots, os, arch, out) : 0;
}

/* ---------------------------------------------------------------- traits */

typedef struct tset {
	ln_vec v;
	ln_arena *a;
	bool oom;
} tset;

__attribute__((format(printf, 5, 6))) static void trait(tset *t, const char *axis, uint32_t kind, const char *detail,
                                                        const char *fmt, ...)
{
	char tok[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tok, sizeof(tok), fmt, ap);
	va_end(ap);
	if (!ln_trait_push(&t->v, t->a, axis, kind, tok, detail)) t->oom = true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Texts of at least this many characters are an author's wording (a
 * command line, a script), not just an indicator. */
#define VARIANT_TEXT 24

static int caps_traits(lineage_sample *s)
{
	tset t = {.a = s->arena};
	ln_vec_init(&t.v, sizeof(lineage_trait));
	char det[700];
	for (size_t i = 0; i < s->ncaps; i++) {
		const lineage_capability *c = &s->caps[i];
		/* with its ATT&CK and MBC ids, so that the match report carries them */
		int n = snprintf(det, sizeof(det), "can: %s (%s", c->name, c->id);
		for (size_t k = 0; k < c->nattack && n > 0 && (size_t)n < sizeof(det); k++)
			n += snprintf(det + n, sizeof(det) - (size_t)n, "%s%s", k ? ", " : "; ATT&CK ", c->attack[k]);
		for (size_t k = 0; k < c->nmbc && n > 0 && (size_t)n < sizeof(det); k++)
			n += snprintf(det + n, sizeof(det) - (size_t)n, "%s%s", k ? ", " : "; MBC ", c->mbc[k]);
		if (n > 0 && (size_t)n + 1 < sizeof(det)) snprintf(det + n, sizeof(det) - (size_t)n, ")");
		trait(&t, c->axis, LINEAGE_TRAIT_COMMON, det, "%s:cap:%s", c->axis, c->id);
		bool ext = !strcmp(c->id, "file.targeted-extensions");
		const char *exts[MAX_EXT_LIST];
		size_t next = 0;
		for (size_t k = 0; k < c->nevidence; k++) {
			const lineage_evidence *e = &c->evidence[k];
			if (strcmp(e->feature, "string") || !e->value) continue;
			if (ext) {
				if (next < MAX_EXT_LIST) exts[next++] = e->value;
				continue;
			}
			bool long_text = strlen(e->value) >= VARIANT_TEXT;
			snprintf(det, sizeof(det), "%s: \"%.500s\"", c->id, e->value);
			trait(&t, c->axis, long_text ? LINEAGE_TRAIT_VARIANT : LINEAGE_TRAIT_BUILD, det,
			      "%s:%s:%s:%.400s", c->axis, long_text ? "text" : "string", c->id, e->value);
		}
		if (ext && next >= 3) { /* the list itself, in a stable order */
			ln_sort(exts, next, sizeof(*exts), cmp_str);
			char list[500] = "";
			for (size_t k = 0; k < next; k++) {
				if (k) strncat(list, " ", sizeof(list) - strlen(list) - 1);
				strncat(list, exts[k], sizeof(list) - strlen(list) - 1);
			}
			snprintf(det, sizeof(det), "targets the extensions %s", list);
			trait(&t, c->axis, LINEAGE_TRAIT_VARIANT, det, "%s:extensions:%s", c->axis, list);
		}
	}
	/* the IOCTL sequence of each function, in address order */
	for (size_t i = 0; i < s->nioctls;) {
		size_t j = i;
		char seq[500] = "";
		const char *prev = NULL;
		for (; j < s->nioctls && s->ioctls[j].function == s->ioctls[i].function; j++) {
			if (prev && !strcmp(prev, s->ioctls[j].name)) continue;
			if (*seq) strncat(seq, ">", sizeof(seq) - strlen(seq) - 1);
			strncat(seq, s->ioctls[j].name, sizeof(seq) - strlen(seq) - 1);
			prev = s->ioctls[j].name;
		}
		snprintf(det, sizeof(det), "device-control sequence %s", seq);
		trait(&t, "destruction", LINEAGE_TRAIT_BUILD, det, "destruction:ioctls:%s", seq);
		i = j;
	}
	for (size_t i = 0; i < s->nembedded; i++) {
		const lineage_embedded *m = &s->embedded[i];
		snprintf(det, sizeof(det), "carries the %s %s (%s)", m->kind, m->sha256, m->where);
		trait(&t, "destruction", LINEAGE_TRAIT_VARIANT, det, "destruction:embedded:%s:%s", m->kind, m->sha256);
	}
	int rc = t.oom ? LINEAGE_ENOMEM : ln_sample_add_traits(s, t.v.items, t.v.len);
	ln_vec_free(&t.v);
	return rc;
}

static int cmp_ioctl(const void *a, const void *b)
{
	const lineage_ioctl_use *x = a, *y = b;
	if (x->function != y->function) return x->function < y->function ? -1 : 1;
	return (x->va > y->va) - (x->va < y->va);
}

int ln_caps_run(lineage_sample *s, lineage_ctx *ctx)
{
	const lineage_rules *rules;
	int rc = ln_rules_for(&rules, ctx);
	if (rc == 0) rc = ln_yara_scan(s, ctx, rules);
	if (rc != 0) return rc;
	ln_vec caps, emb, io;
	ln_vec_init(&caps, sizeof(lineage_capability));
	ln_vec_init(&emb, sizeof(lineage_embedded));
	ln_vec_init(&io, sizeof(lineage_ioctl_use));
	ln_map slots; /* import slot -> import, for calls through registers */
	if (!ln_slots_build(&slots, &s->bin)) rc = LINEAGE_ENOMEM;
	if (rc == 0 && s->depth == 0) rc = ln_embedded_run(s, ctx, &caps, &emb);
	if (rc == 0) {
		size_t want = emb.len;
		s->embedded = ln_vec_to_arena(&emb, s->arena, &s->nembedded);
		if (want && !s->embedded) rc = LINEAGE_ENOMEM;
	}
	if (rc == 0) rc = ln_caps_eval(s, ctx, rules, &slots, &caps);
	if (rc == 0) {
		ln_sort(caps.items, caps.len, sizeof(lineage_capability), cmp_cap);
		size_t want = caps.len;
		s->caps = ln_vec_to_arena(&caps, s->arena, &s->ncaps);
		if (want && !s->caps) rc = LINEAGE_ENOMEM;
	}
	if (rc == 0 && (rc = find_ioctls(s, &slots, &io)) == 0) {
		ln_sort(io.items, io.len, sizeof(lineage_ioctl_use), cmp_ioctl);
		size_t want = io.len;
		s->ioctls = ln_vec_to_arena(&io, s->arena, &s->nioctls);
		if (want && !s->ioctls) rc = LINEAGE_ENOMEM;
	}
	if (rc == 0 && s->depth == 0) rc = caps_traits(s);
	ln_vec_free(&caps);
	ln_vec_free(&emb);
	ln_vec_free(&io);
	ln_map_free(&slots);
	if (rc == LINEAGE_ENOMEM) return ln_ctx_error(ctx, rc, "%s: out of memory", s->bin.path);
	return rc;
}

const lineage_capability *lineage_sample_capabilities(const lineage_sample *s, size_t *count)
{
	*count = s->ncaps;
	return s->caps;
}

const lineage_embedded *lineage_sample_embedded(const lineage_sample *s, size_t *count)
{
	*count = s->nembedded;
	return s->embedded;
}

const lineage_ioctl_use *lineage_sample_ioctls(const lineage_sample *s, size_t *count)
{
	*count = s->nioctls;
	return s->ioctls;
}
