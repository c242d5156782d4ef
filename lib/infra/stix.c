/* A STIX 2.1 bundle out: the corpus's samples as file observables and
 * malware objects, their families and actors, and indicators with STIX
 * patterns (OASIS STIX 2.1: section 3 common properties, 4 SDOs, 5 SROs,
 * 6 SCOs, 9 patterning). Built with cJSON, members in a fixed order.
 *
 * Identifiers: SCOs (file) are UUIDv5 in the STIX namespace over the
 * canonical JSON of their ID contributing properties (section 2.9: hashes,
 * one of them by the order MD5, SHA-1, SHA-256, SHA-512, and name), so the
 * same file gets the same id in every export; SDOs, SROs and the bundle are
 * random UUIDv4.
 *
 * Relationships (section 4 tables): indicator indicates malware (the sample)
 * and intrusion-set (a feed's actor); sample variant-of family; family (or a
 * sample without one) authored-by intrusion-set, the only relationship the
 * spec defines from malware to an intrusion-set. */
#include "feeds.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <time.h>

#define REL_ATTRIBUTION "authored-by"

static const uint8_t sco_namespace[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                          0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

/* ---- patterns ----------------------------------------------------------- */

static const char *const pattern_paths[LN_IOC_NTYPES] = {
        [LN_IOC_IPV4] = "ipv4-addr:value",
        [LN_IOC_IPV6] = "ipv6-addr:value",
        [LN_IOC_DOMAIN] = "domain-name:value",
        [LN_IOC_URL] = "url:value",
        [LN_IOC_EMAIL] = "email-addr:value",
        [LN_IOC_USER_AGENT] = "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
        [LN_IOC_MUTEX] = "mutex:name",
        [LN_IOC_PIPE] = "file:name", /* STIX has no named-pipe object */
        [LN_IOC_MD5] = "file:hashes.MD5",
        [LN_IOC_SHA1] = "file:hashes.'SHA-1'",
        [LN_IOC_SHA256] = "file:hashes.'SHA-256'",
};

char *ln_stix_pattern(uint32_t type, const char *value, char *buf, size_t cap)
{
	if (type >= LN_IOC_NTYPES || !value || !buf || !cap) return NULL;
	int n = snprintf(buf, cap, "[%s = '", pattern_paths[type]);
	if (n < 0 || (size_t)n >= cap) return NULL;
	size_t o = (size_t)n;
	for (const char *p = value; *p; p++) {
		bool esc = *p == '\\' || *p == '\'';
		if (o + esc + 1 >= cap) return NULL;
		if (esc) buf[o++] = '\\';
		buf[o++] = *p;
	}
	if (o + 3 > cap) return NULL;
	memcpy(buf + o, "']", 3);
	return buf;
}

/* ---- identifiers -------------------------------------------------------- */

static void uuid_format(char *out, const uint8_t b[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = 0;
}

/* "type--uuid4" into out (at least 80 bytes); false when the random source
 * fails. */
static bool id_v4(char *out, size_t cap, const char *type)
{
	uint8_t b[16];
	if (RAND_bytes(b, sizeof(b)) != 1) return false;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	char u[37];
	uuid_format(u, b);
	snprintf(out, cap, "%s--%s", type, u);
	return true;
}

/* "type--uuid5(STIX namespace, name)". */
static bool id_v5(char *out, size_t cap, const char *type, const char *name)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	          EVP_DigestUpdate(ctx, sco_namespace, sizeof(sco_namespace)) == 1 &&
	          EVP_DigestUpdate(ctx, name, strlen(name)) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
	          mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok) return false;
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x50);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	char u[37];
	uuid_format(u, md);
	snprintf(out, cap, "%s--%s", type, u);
	return true;
}

/* ---- strings ------------------------------------------------------------ */

/* s as valid UTF-8 (JSON text must be): each byte of a malformed sequence
 * becomes U+FFFD. In the arena. */
static char *utf8_clean(ln_arena *a, const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = ln_arena_alloc_raw(a, n * 3 + 1);
	if (!out) return NULL;
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t len = c < 0x80             ? 1
		             : (c & 0xe0) == 0xc0 ? 2
		             : (c & 0xf0) == 0xe0 ? 3
		             : (c & 0xf8) == 0xf0 ? 4
		                                  : 0;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++) ok = (p[i + k] & 0xc0) == 0x80;
		if (ok && len > 1) {
			uint32_t cp = c & (0x7f >> len);
			for (size_t k = 1; k < len; k++) cp = cp << 6 | (p[i + k] & 0x3f);
			static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
			ok = cp >= min[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
		}
		if (!ok) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, len);
		o += len;
		i += len;
	}
	out[o] = 0;
	return out;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* A set of strings: the index of s, added when new (*added set); SIZE_MAX on
 * OOM. s must outlive the set. */
typedef struct strset {
	ln_map map;
	ln_vec items; /* const char * */
} strset;

static size_t strset_index(strset *set, const char *s, bool *added)
{
	*added = false;
	uint64_t k = fnv1a(s);
	for (;; k++) {
		if (k == LN_MAP_EMPTY) k = 0;
		uint32_t *v = ln_map_get(&set->map, k);
		if (!v) break;
		if (!strcmp(LN_VEC_AT(&set->items, const char *, *v), s)) return *v;
	}
	if (set->items.len >= UINT32_MAX) return SIZE_MAX;
	const char **slot = ln_vec_push(&set->items);
	if (!slot) return SIZE_MAX;
	*slot = s;
	if (!ln_map_put(&set->map, k, (uint32_t)(set->items.len - 1))) {
		set->items.len--;
		return SIZE_MAX;
	}
	*added = true;
	return set->items.len - 1;
}

static void strset_free(strset *set)
{
	ln_map_free(&set->map);
	ln_vec_free(&set->items);
}

/* ---- timestamps --------------------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9') return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYY-MM-DD" at s is a calendar date. */
static bool valid_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' || !all_digits(s + 8, 2))
		return false;
	int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
}

/* A STIX timestamp with milliseconds ("2014-11-24T00:00:00.000Z") of a UTC
 * time written "YYYY-MM-DDTHH:MM:SS[.fff...]Z" (or "+00:00"), or a date
 * alone; false for anything else (the caller falls back to the export
 * time). Feeds' times come normalized by lib/infra/feeds.c. */
static bool stix_time(char out[32], const char *s)
{
	if (!s) return false;
	size_t n = strlen(s);
	if (n == 10 && valid_date(s)) {
		snprintf(out, 32, "%sT00:00:00.000Z", s);
		return true;
	}
	if (n < 20 || !valid_date(s) || (s[10] != 'T' && s[10] != 't') || !all_digits(s + 11, 2) || s[13] != ':' ||
	    !all_digits(s + 14, 2) || s[16] != ':' || !all_digits(s + 17, 2) || num(s + 11, 2) > 23 ||
	    num(s + 14, 2) > 59 || num(s + 17, 2) > 59)
		return false;
	const char *p = s + 19;
	char frac[4] = "000";
	if (*p == '.') {
		size_t nf = strspn(p + 1, "0123456789");
		if (!nf) return false;
		memcpy(frac, p + 1, nf < 3 ? nf : 3);
		p += 1 + nf;
	}
	if (strcmp(p, "Z") && strcmp(p, "z") && strcmp(p, "+00:00") && strcmp(p, "-00:00")) return false;
	snprintf(out, 32, "%.10sT%.8s.%sZ", s, s + 11, frac);
	return true;
}

static void now_time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char day[24];
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!gmtime_r(&ts.tv_sec, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) || strlen(day) != 19)
		memcpy(day, "1970-01-01T00:00:00", 20);
	snprintf(out, 32, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* ---- the bundle --------------------------------------------------------- */

typedef struct writer {
	const ln_stix_export *x;
	ln_arena *a;
	cJSON *objects;
	bool fail;
	char now[32];
	const char **actor_ids;  /* per actor: its intrusion-set's id */
	const char **sample_ids; /* per sample: its malware SDO's id */
	const char **family_ids; /* per distinct family */
	strset families, files, rels;
} writer;

static void str(writer *w, cJSON *o, const char *k, const char *v)
{
	char *clean = utf8_clean(w->a, v);
	if (!clean || !cJSON_AddStringToObject(o, k, clean)) w->fail = true;
}

/* A new object of the given type with the common properties of an SDO or
 * SRO; its id (in the arena) into *id. */
static cJSON *sdo(writer *w, const char *type, const char *created, const char **id)
{
	cJSON *o = cJSON_CreateObject();
	char buf[96];
	if (!o || !cJSON_AddItemToArray(w->objects, o)) {
		cJSON_Delete(o);
		w->fail = true;
		return NULL;
	}
	if (!id_v4(buf, sizeof(buf), type) || !(*id = ln_arena_strdup(w->a, buf))) {
		w->fail = true;
		return NULL;
	}
	str(w, o, "type", type);
	str(w, o, "spec_version", "2.1");
	str(w, o, "id", *id);
	str(w, o, "created", created);
	str(w, o, "modified", created);
	return o;
}

/* A relationship, once per (source, type, target). */
static void relationship(writer *w, const char *src, const char *type, const char *dst)
{
	if (!src || !dst) return;
	char *key = ln_arena_printf(w->a, "%s %s %s", src, type, dst);
	bool added;
	if (!key || strset_index(&w->rels, key, &added) == SIZE_MAX) {
		w->fail = true;
		return;
	}
	if (!added) return;
	const char *id;
	cJSON *o = sdo(w, "relationship", w->now, &id);
	if (!o) return;
	str(w, o, "relationship_type", type);
	str(w, o, "source_ref", src);
	str(w, o, "target_ref", dst);
}

static bool known_actor(const ln_stix_export *x, size_t i)
{
	return i != SIZE_MAX && i < x->nactors && x->actors[i].name && x->actors[i].name[0];
}

/* One intrusion-set per actor; actors with the same ATT&CK id (or, without
 * one, the same name) share it. */
static void write_actors(writer *w)
{
	const ln_stix_export *x = w->x;
	strset seen = {0};
	ln_map_init(&seen.map);
	ln_vec_init(&seen.items, sizeof(const char *));
	const char **first_ids = ln_arena_alloc(w->a, (x->nactors + 1) * sizeof(*first_ids));
	if (!first_ids) w->fail = true;
	for (size_t i = 0; i < x->nactors && !w->fail; i++) {
		const ln_stix_actor *ac = &x->actors[i];
		if (!known_actor(x, i)) continue;
		const char *key = ac->attack_id && ac->attack_id[0] ? ac->attack_id : ac->name;
		bool added;
		size_t k = strset_index(&seen, key, &added);
		if (k == SIZE_MAX) {
			w->fail = true;
			break;
		}
		if (!added) {
			w->actor_ids[i] = first_ids[k];
			continue;
		}
		cJSON *o = sdo(w, "intrusion-set", w->now, &w->actor_ids[i]);
		if (!o) break;
		first_ids[k] = w->actor_ids[i];
		str(w, o, "name", ac->name);
		cJSON *aliases = NULL;
		for (size_t j = 0; j < ac->naliases; j++) {
			const char *al = ac->aliases ? ac->aliases[j] : NULL;
			if (!al || !al[0] || !strcmp(al, ac->name)) continue;
			if (!aliases && !(aliases = cJSON_AddArrayToObject(o, "aliases"))) {
				w->fail = true;
				break;
			}
			char *clean = utf8_clean(w->a, al);
			cJSON *s = clean ? cJSON_CreateString(clean) : NULL;
			if (!s || !cJSON_AddItemToArray(aliases, s)) {
				cJSON_Delete(s);
				w->fail = true;
			}
		}
		if (ac->attack_id && ac->attack_id[0]) {
			cJSON *refs = cJSON_AddArrayToObject(o, "external_references");
			cJSON *ref = cJSON_CreateObject();
			if (!refs || !ref || !cJSON_AddItemToArray(refs, ref)) {
				cJSON_Delete(ref);
				w->fail = true;
				continue;
			}
			str(w, ref, "source_name", "mitre-attack");
			str(w, ref, "external_id", ac->attack_id);
			char url[128];
			snprintf(url, sizeof(url), "https://attack.mitre.org/groups/%s", ac->attack_id);
			str(w, ref, "url", url);
		}
		/* the actor behind the set: a threat-actor the set is attributed-to */
		const char *ta;
		cJSON *t = sdo(w, "threat-actor", w->now, &ta);
		if (!t) break;
		str(w, t, "name", ac->name);
		cJSON *types = cJSON_AddArrayToObject(t, "threat_actor_types");
		cJSON *ty = cJSON_CreateString("unknown");
		if (!types || !ty || !cJSON_AddItemToArray(types, ty)) {
			cJSON_Delete(ty);
			w->fail = true;
		}
		relationship(w, w->actor_ids[i], "attributed-to", ta);
	}
	strset_free(&seen);
}

/* The file SCO of a sample (deduplicated by id); its id. */
static const char *write_file(writer *w, const ln_stix_sample *s)
{
	bool md5 = s->md5 && s->md5[0];
	const char *name = s->name && s->name[0] ? utf8_clean(w->a, s->name) : NULL;
	if (s->name && s->name[0] && !name) return w->fail = true, NULL;
	/* the canonical JSON of the ID contributing properties (RFC 8785:
	 * members sorted, no spaces; cJSON escapes strings the same way) */
	const char *hash = utf8_clean(w->a, md5 ? s->md5 : s->sha256);
	cJSON *c = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(c, "hashes");
	char *canon = NULL;
	if (hash && h && cJSON_AddStringToObject(h, md5 ? "MD5" : "SHA-256", hash) &&
	    (!name || cJSON_AddStringToObject(c, "name", name)))
		canon = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	char buf[96];
	bool ok = canon && id_v5(buf, sizeof(buf), "file", canon);
	cJSON_free(canon);
	const char *id = ok ? ln_arena_strdup(w->a, buf) : NULL;
	bool added;
	if (!id || strset_index(&w->files, id, &added) == SIZE_MAX) return w->fail = true, NULL;
	if (!added) return id;
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(w->objects, o)) {
		cJSON_Delete(o);
		return w->fail = true, NULL;
	}
	str(w, o, "type", "file");
	str(w, o, "spec_version", "2.1");
	str(w, o, "id", id);
	cJSON *hashes = cJSON_AddObjectToObject(o, "hashes");
	if (!hashes) return w->fail = true, NULL;
	str(w, hashes, "SHA-256", s->sha256);
	if (md5) str(w, hashes, "MD5", s->md5);
	if (name) str(w, o, "name", name);
	return id;
}

static void write_samples(writer *w)
{
	const ln_stix_export *x = w->x;
	/* families first, created when their first sample entered the corpus */
	char(*first)[32] = ln_arena_alloc(w->a, (x->nsamples + 1) * sizeof(*first));
	if (!first) {
		w->fail = true;
		return;
	}
	for (size_t i = 0; i < x->nsamples; i++) {
		const ln_stix_sample *s = &x->samples[i];
		if (!s->family || !s->family[0]) continue;
		bool added;
		size_t k = strset_index(&w->families, s->family, &added);
		if (k == SIZE_MAX) {
			w->fail = true;
			return;
		}
		char c[32];
		if (!stix_time(c, s->added)) memcpy(c, w->now, sizeof(c));
		if (added || strcmp(c, first[k]) < 0) memcpy(first[k], c, sizeof(c));
	}
	for (size_t k = 0; k < w->families.items.len && !w->fail; k++) {
		cJSON *o = sdo(w, "malware", first[k], &w->family_ids[k]);
		if (!o) break;
		str(w, o, "name", LN_VEC_AT(&w->families.items, const char *, k));
		if (!cJSON_AddBoolToObject(o, "is_family", true)) w->fail = true;
	}
	for (size_t i = 0; i < x->nsamples && !w->fail; i++) {
		const ln_stix_sample *s = &x->samples[i];
		if (!s->sha256 || !s->sha256[0]) continue;
		const char *file = write_file(w, s);
		if (!file) break;
		char added[32];
		cJSON *o = sdo(w, "malware", stix_time(added, s->added) ? added : w->now, &w->sample_ids[i]);
		if (!o) break;
		str(w, o, "name", s->name && s->name[0] ? s->name : s->sha256);
		if (!cJSON_AddBoolToObject(o, "is_family", false)) w->fail = true;
		cJSON *refs = cJSON_AddArrayToObject(o, "sample_refs");
		cJSON *ref = cJSON_CreateString(file);
		if (!refs || !ref || !cJSON_AddItemToArray(refs, ref)) {
			cJSON_Delete(ref);
			w->fail = true;
			break;
		}
		const char *family = NULL;
		if (s->family && s->family[0]) {
			bool fresh;
			size_t k = strset_index(&w->families, s->family, &fresh);
			if (k == SIZE_MAX || fresh) {
				w->fail = true;
				break;
			}
			family = w->family_ids[k];
			relationship(w, w->sample_ids[i], "variant-of", family);
		}
		if (known_actor(x, s->actor))
			relationship(w, family ? family : w->sample_ids[i], REL_ATTRIBUTION, w->actor_ids[s->actor]);
	}
}

static void write_indicators(writer *w)
{
	const ln_stix_export *x = w->x;
	for (size_t i = 0; i < x->nindicators && !w->fail; i++) {
		const ln_stix_indicator *in = &x->indicators[i];
		if (!in->value || !in->value[0]) continue;
		size_t cap = strlen(in->value) * 2 + 128;
		char *pattern = ln_arena_alloc_raw(w->a, cap);
		if (!pattern) {
			w->fail = true;
			break;
		}
		if (!ln_stix_pattern(in->type, in->value, pattern, cap)) continue; /* a type STIX cannot say */
		char from[32], until[32];
		if (!stix_time(from, in->first_seen)) memcpy(from, w->now, sizeof(from));
		bool has_until = stix_time(until, in->last_seen) && strcmp(until, from) > 0;
		const char *id;
		cJSON *o = sdo(w, "indicator", w->now, &id);
		if (!o) break;
		char *name = ln_arena_printf(w->a, "%s %s", ln_ioc_type_name(in->type), in->value);
		char *desc = in->source && in->source[0] ? ln_arena_printf(w->a, "Reported by %s", in->source)
		                                         : ln_arena_printf(w->a, "Found in %zu lineage corpus sample%s",
		                                                           in->nsamples, in->nsamples == 1 ? "" : "s");
		if (!name || !desc) {
			w->fail = true;
			break;
		}
		str(w, o, "name", name);
		str(w, o, "description", desc);
		cJSON *types = cJSON_AddArrayToObject(o, "indicator_types");
		cJSON *mal = cJSON_CreateString("malicious-activity");
		if (!types || !mal || !cJSON_AddItemToArray(types, mal)) {
			cJSON_Delete(mal);
			w->fail = true;
			break;
		}
		str(w, o, "pattern", pattern);
		str(w, o, "pattern_type", "stix");
		str(w, o, "pattern_version", "2.1");
		str(w, o, "valid_from", from);
		if (has_until) str(w, o, "valid_until", until);
		if (in->confidence >= 0 && in->confidence <= 100 &&
		    !cJSON_AddNumberToObject(o, "confidence", in->confidence))
			w->fail = true;
		for (size_t j = 0; j < in->nsamples && in->samples; j++) {
			size_t k = in->samples[j];
			if (k < x->nsamples && w->sample_ids[k]) relationship(w, id, "indicates", w->sample_ids[k]);
		}
		if (known_actor(x, in->actor)) relationship(w, id, "indicates", w->actor_ids[in->actor]);
	}
}

char *ln_stix_write(const ln_stix_export *x)
{
	if (!x || x->nactors > SIZE_MAX / 64 || x->nsamples > SIZE_MAX / 64) return NULL;
	writer w = {.x = x};
	char *text = NULL;
	cJSON *root = NULL;
	ln_map_init(&w.families.map);
	ln_vec_init(&w.families.items, sizeof(const char *));
	ln_map_init(&w.files.map);
	ln_vec_init(&w.files.items, sizeof(const char *));
	ln_map_init(&w.rels.map);
	ln_vec_init(&w.rels.items, sizeof(const char *));
	if (!(w.a = ln_arena_new())) goto done;
	if (!stix_time(w.now, x->now)) now_time(w.now);
	w.actor_ids = ln_arena_alloc(w.a, (x->nactors + 1) * sizeof(char *));
	w.sample_ids = ln_arena_alloc(w.a, (x->nsamples + 1) * sizeof(char *));
	w.family_ids = ln_arena_alloc(w.a, (x->nsamples + 1) * sizeof(char *));
	root = cJSON_CreateObject();
	char id[96];
	if (!w.actor_ids || !w.sample_ids || !w.family_ids || !root || !id_v4(id, sizeof(id), "bundle")) goto done;
	str(&w, root, "type", "bundle");
	str(&w, root, "id", id);
	if (!(w.objects = cJSON_AddArrayToObject(root, "objects"))) goto done;
	write_actors(&w);
	write_samples(&w);
	write_indicators(&w);
	if (!w.fail) text = cJSON_Print(root);
done:
	cJSON_Delete(root);
	strset_free(&w.families);
	strset_free(&w.files);
	strset_free(&w.rels);
	ln_arena_free(w.a);
	return text;
}
