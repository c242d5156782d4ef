/* Threat-intelligence feeds in: STIX 2.1 bundles, MISP event JSON and CSV.
 * Every feed is hostile input: the JSON goes through cJSON (its nesting
 * limit bounds recursion), what is kept is copied into the caller's arena,
 * and every loop is bounded by the input. A value lineage cannot use is
 * counted and skipped; only a feed whose structure is broken fails. */
#include "feeds.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "lineage/errors.h"

/* Longest value handed to ln_ioc_parse (its normalized form is shorter
 * still); longer ones are skipped. */
#define MAX_VALUE 4096
/* Longest STIX pattern read; longer indicators are skipped. */
#define MAX_PATTERN (256u * 1024)
/* Bracket nesting of a STIX pattern. */
#define MAX_NEST 64
/* Fields of one CSV record. */
#define MAX_FIELDS 1024

typedef struct feed {
	const char *name; /* as given: messages */
	const char *base; /* its base name, in the arena */
	ln_arena *a;
	ln_vec *out;
	size_t skipped;
	char *err;
	size_t errcap;
	int rc;
} feed;

/* What a feed says about an indicator besides its value; strings are in the
 * arena already. */
typedef struct meta {
	const char *source, *actor, *first_seen, *last_seen, *description;
	int confidence;
	uint16_t port;
} meta;

__attribute__((format(printf, 2, 3))) static void fail(feed *f, const char *fmt, ...)
{
	if (f->rc) return; /* the first error is the one reported */
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f->err && f->errcap) snprintf(f->err, f->errcap, "%s: %s", f->name, msg);
	f->rc = LINEAGE_EFORMAT;
}

static void oom(feed *f)
{
	if (f->rc == LINEAGE_ENOMEM) return;
	if (f->err && f->errcap) snprintf(f->err, f->errcap, "%s: out of memory", f->name);
	f->rc = LINEAGE_ENOMEM;
}

static const char *dup(feed *f, const char *s)
{
	if (!s) return NULL;
	char *d = ln_arena_strdup(f->a, s);
	if (!d) oom(f);
	return d;
}

static const char *dupn(feed *f, const char *s, size_t n)
{
	char *d = ln_arena_strndup(f->a, s, n);
	if (!d) oom(f);
	return d;
}

/* ---- records ------------------------------------------------------------ */

/* Normalize one value of a known type (or -1: guess) and append it. An
 * address may be either family whatever the feed's type name says. */
static void emit(feed *f, int type, const char *value, const meta *m)
{
	if (f->rc) return;
	ln_ioc ioc;
	bool ok = false;
	if (value && *value && strlen(value) <= MAX_VALUE) {
		if (type == LN_IOC_IPV4 || type == LN_IOC_IPV6)
			ok = ln_ioc_parse(value, LN_IOC_IPV4, &ioc) || ln_ioc_parse(value, LN_IOC_IPV6, &ioc);
		else
			ok = ln_ioc_parse(value, type, &ioc);
	}
	if (!ok || ioc.type >= LN_IOC_NTYPES) {
		f->skipped++;
		return;
	}
	const char *v = dup(f, ioc.value);
	ln_feed_ioc *r = v ? ln_vec_push(f->out) : NULL;
	if (!r) return oom(f);
	r->type = ioc.type;
	r->value = v;
	r->port = ioc.port ? ioc.port : m->port;
	r->source = m->source ? m->source : f->base;
	r->feed = f->base;
	r->actor = m->actor;
	r->first_seen = m->first_seen;
	r->last_seen = m->last_seen;
	r->confidence = m->confidence;
	r->description = m->description;
}

static bool port_of(const char *s, uint16_t *out)
{
	char *end;
	while (*s == ' ') s++;
	if (*s < '0' || *s > '9') return false;
	long v = strtol(s, &end, 10);
	while (*end == ' ') end++;
	if (*end || v < 1 || v > 65535) return false;
	*out = (uint16_t)v;
	return true;
}

/* A type named the MISP, STIX or lineage way; -1 for others. "ip" (the
 * MISP composites' "domain|ip") is either address family; "link" is a
 * reference to a report, not an indicator. */
static int type_named(const char *name)
{
	if (!strcasecmp(name, "ip")) return LN_IOC_IPV4;
	if (!strcasecmp(name, "link")) return -1;
	return ln_ioc_type_from_name(name);
}

/* A value with a type named the MISP, STIX or lineage way, including the
 * MISP composites ("ip-dst|port", "domain|ip", "filename|sha256"). */
static void emit_named(feed *f, const char *tname, const char *value, const meta *m)
{
	if (!value) {
		f->skipped++;
		return;
	}
	const char *bar = strchr(tname, '|');
	if (!bar) {
		int t = type_named(tname);
		if (t < 0) {
			f->skipped++;
			return;
		}
		emit(f, t, value, m);
		return;
	}
	const char *vbar = strchr(value, '|');
	if (!vbar || strchr(bar + 1, '|')) {
		f->skipped++;
		return;
	}
	char t1[64], t2[64];
	size_t n1 = (size_t)(bar - tname);
	if (n1 >= sizeof(t1) || strlen(bar + 1) >= sizeof(t2)) {
		f->skipped++;
		return;
	}
	memcpy(t1, tname, n1);
	t1[n1] = 0;
	snprintf(t2, sizeof(t2), "%s", bar + 1);
	const char *v1 = dupn(f, value, (size_t)(vbar - value)), *v2 = vbar + 1;
	if (!v1) return;
	if (!strcasecmp(t2, "port")) {
		meta mp = *m;
		if (!port_of(v2, &mp.port)) mp.port = 0;
		int t = type_named(t1);
		if (t < 0) {
			f->skipped++;
			return;
		}
		emit(f, t, v1, &mp);
		return;
	}
	int ta = strcasecmp(t1, "filename") ? type_named(t1) : -1;
	int tb = type_named(t2);
	if (ta < 0 && tb < 0) {
		f->skipped++;
		return;
	}
	if (ta >= 0) emit(f, ta, v1, m);
	if (tb >= 0) emit(f, tb, v2, m);
}

/* ---- timestamps --------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Seconds since the epoch of an RFC 3339 time (fractions dropped, offsets
 * applied), a date alone (midnight UTC), a time without zone (UTC, as MISP
 * writes "2014-11-24 10:00:00") or epoch seconds (9 to 11 digits, so that
 * a compact date "20141124" is not read as one). */
static bool parse_time(const char *s, int64_t *out)
{
	while (*s == ' ') s++;
	size_t nd = strspn(s, "0123456789");
	if (nd >= 9 && nd <= 11 && (s[nd] == 0 || s[nd] == ' ' || s[nd] == '.')) {
		const char *e = s + nd;
		if (*e == '.') e += 1 + strspn(e + 1, "0123456789");
		while (*e == ' ') e++;
		if (*e) return false;
		*out = strtoll(s, NULL, 10);
		return *out <= 253402300799; /* 9999-12-31T23:59:59Z */
	}
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y))) return false;
	const char *p = s + 10;
	int64_t off = 0;
	if (*p == 'T' || *p == 't' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
		p++;
		if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi)) return false;
		p += 5;
		if (*p == ':') {
			if (!digits(p + 1, 2, &sec)) return false;
			p += 3;
			if (*p == '.' || *p == ',') {
				size_t nf = strspn(p + 1, "0123456789");
				if (!nf) return false;
				p += 1 + nf;
			}
		}
		if (h > 23 || mi > 59 || sec > 60) return false;
		if (sec == 60) sec = 59; /* a leap second: the instant before it */
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om = 0;
			if (!digits(p + 1, 2, &oh)) return false;
			const char *q = p + 3;
			if (*q == ':') q++;
			if (*q >= '0' && *q <= '9') {
				if (!digits(q, 2, &om)) return false;
				q += 2;
			}
			if (oh > 23 || om > 59) return false;
			off = (oh * 60 + om) * 60;
			if (*p == '-') off = -off;
			p = q;
		}
	}
	while (*p == ' ') p++;
	if (*p) return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return *out >= -62135596800 && *out <= 253402300799; /* years 1..9999 */
}

static void format_time(char *buf, size_t cap, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t rem = t - days * 86400, y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
	         (int)(rem % 60));
}

/* A timestamp as "YYYY-MM-DDTHH:MM:SSZ" in the arena; NULL when absent or
 * unreadable (the record is kept without it). */
static const char *norm_time(feed *f, const cJSON *j)
{
	int64_t t;
	if (cJSON_IsString(j)) {
		if (!parse_time(j->valuestring, &t)) return NULL;
	} else if (cJSON_IsNumber(j)) {
		if (!(j->valuedouble >= 0 && j->valuedouble <= 253402300799.0)) return NULL;
		t = (int64_t)j->valuedouble;
	} else {
		return NULL;
	}
	char buf[32];
	format_time(buf, sizeof(buf), t);
	return dup(f, buf);
}

static const char *norm_time_str(feed *f, const char *s)
{
	int64_t t;
	if (!s || !parse_time(s, &t)) return NULL;
	char buf[32];
	format_time(buf, sizeof(buf), t);
	return dup(f, buf);
}

/* ---- JSON helpers ------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

/* A non-empty string member, borrowed from the JSON tree. */
static const char *sget(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* v when it is an array, else NULL (cJSON_ArrayForEach walks objects too). */
static const cJSON *array(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

static bool truthy(const cJSON *v)
{
	if (cJSON_IsTrue(v)) return true;
	if (cJSON_IsString(v)) return !strcmp(v->valuestring, "1") || !strcasecmp(v->valuestring, "true");
	if (cJSON_IsNumber(v)) return v->valuedouble != 0;
	return false;
}

/* ---- STIX 2.1 ----------------------------------------------------------- */

typedef struct sobj {
	const char *id, *type;
	const cJSON *o;
	const char *actor; /* malware/campaign: the actor it is attributed to, once resolved */
	bool resolved;
} sobj;

typedef struct srel {
	const char *src, *dst, *type;
} srel;

typedef struct stix {
	feed *f;
	sobj *objs;
	size_t nobjs;
	srel *rels; /* sorted by source */
	size_t nrels;
	const char *source; /* the bundle's producer, when any object names one */
	bool source_done;
} stix;

static int cmp_sobj(const void *a, const void *b)
{
	return strcmp(((const sobj *)a)->id, ((const sobj *)b)->id);
}

static int cmp_srel(const void *a, const void *b)
{
	return strcmp(((const srel *)a)->src, ((const srel *)b)->src);
}

static sobj *find(stix *s, const char *id)
{
	if (!id || !s->nobjs) return NULL;
	sobj key = {.id = id};
	return bsearch(&key, s->objs, s->nobjs, sizeof(sobj), cmp_sobj);
}

/* The relationships whose source is id: [*first, *first + return). */
static size_t rels_from(stix *s, const char *id, size_t *first)
{
	size_t lo = 0, hi = s->nrels;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->rels[mid].src, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < s->nrels && !strcmp(s->rels[end].src, id)) end++;
	*first = lo;
	return end - lo;
}

static bool is_actor(const sobj *o)
{
	return o && (!strcmp(o->type, "intrusion-set") || !strcmp(o->type, "threat-actor")) && sget(o->o, "name");
}

/* The actor a malware or campaign is attributed to (attributed-to, or
 * authored-by as the spec names it for malware), memoized on the object so
 * that shared targets cost one walk. */
static const char *attributed(stix *s, sobj *o)
{
	if (o->resolved) return o->actor;
	o->resolved = true;
	size_t first, n = rels_from(s, o->id, &first);
	for (size_t i = first; i < first + n; i++) {
		const srel *r = &s->rels[i];
		if (strcmp(r->type, "attributed-to") && strcmp(r->type, "authored-by")) continue;
		sobj *t = find(s, r->dst);
		if (is_actor(t)) return o->actor = sget(t->o, "name");
	}
	return NULL;
}

/* indicator --indicates--> threat-actor | intrusion-set, else
 * indicator --indicates--> malware | campaign --attributed-to--> actor. */
static const char *indicator_actor(stix *s, const char *id)
{
	size_t first, n = rels_from(s, id, &first);
	for (size_t i = first; i < first + n; i++) {
		const srel *r = &s->rels[i];
		if (strcmp(r->type, "indicates")) continue;
		sobj *t = find(s, r->dst);
		if (is_actor(t)) return sget(t->o, "name");
	}
	for (size_t i = first; i < first + n; i++) {
		const srel *r = &s->rels[i];
		if (strcmp(r->type, "indicates")) continue;
		sobj *t = find(s, r->dst);
		if (!t || (strcmp(t->type, "malware") && strcmp(t->type, "campaign"))) continue;
		const char *a = attributed(s, t);
		if (a) return a;
	}
	return NULL;
}

static const char *identity_name(stix *s, const char *ref)
{
	sobj *o = find(s, ref);
	return o && !strcmp(o->type, "identity") ? sget(o->o, "name") : NULL;
}

/* The bundle's producer: the identity the first object naming one was
 * created by. */
static const char *bundle_source(stix *s)
{
	if (s->source_done) return s->source;
	s->source_done = true;
	for (size_t i = 0; i < s->nobjs && !s->source; i++) {
		const char *n = identity_name(s, sget(s->objs[i].o, "created_by_ref"));
		if (n) s->source = dup(s->f, n);
	}
	return s->source;
}

/* -- the pattern: a lexer and a scan for "path = 'string'" comparisons -- */

enum { T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_COMMA, T_PATH, T_OP, T_STRING, T_WORD, T_OTHER };

typedef struct ptok {
	int kind;
	uint32_t start, len; /* in the pattern; a string's quotes excluded */
} ptok;

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The end of a quoted string starting at p[i] == '\'', or 0 when it does
 * not end. */
static size_t string_end(const char *p, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++) {
		if (p[j] == '\\' && j + 1 < n)
			j++;
		else if (p[j] == '\'')
			return j + 1;
	}
	return 0;
}

/* Tokens of a pattern; false on a lexical error. */
static bool lex(const char *p, size_t n, ln_vec *toks, bool *nomem)
{
	size_t i = 0;
	while (i < n) {
		char c = p[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
			continue;
		}
		ptok *t = ln_vec_push(toks);
		if (!t) return *nomem = true, false;
		t->start = (uint32_t)i;
		if (c == '[' || c == ']' || c == '(' || c == ')' || c == ',') {
			t->kind = c == '['   ? T_LBRACK
			          : c == ']' ? T_RBRACK
			          : c == '(' ? T_LPAREN
			          : c == ')' ? T_RPAREN
			                     : T_COMMA;
			t->len = 1;
			i++;
		} else if (c == '\'') {
			size_t e = string_end(p, n, i);
			if (!e) return false;
			t->kind = T_STRING;
			t->start = (uint32_t)(i + 1);
			t->len = (uint32_t)(e - i - 2);
			i = e;
		} else if ((c == 't' || c == 'b' || c == 'h') && i + 1 < n && p[i + 1] == '\'') {
			size_t e = string_end(p, n, i + 1); /* t'...', b'...', h'...' literals */
			if (!e) return false;
			t->kind = T_OTHER;
			t->len = (uint32_t)(e - i);
			i = e;
		} else if (c == '=' || c == '!' || c == '<' || c == '>') {
			size_t e = i + 1;
			if (e < n && p[e] == '=') e++;
			if (c == '!' && e == i + 1) return false;
			t->kind = T_OP;
			t->len = (uint32_t)(e - i);
			i = e;
		} else if (ident_char(c)) {
			size_t e = i;
			while (e < n && ident_char(p[e])) e++;
			if (e < n && p[e] == ':') {
				/* object-type ':' property, then '.' property or [index] */
				e++;
				for (bool want = true;;) {
					if (want) {
						if (e < n && p[e] == '\'') {
							size_t q = string_end(p, n, e);
							if (!q) return false;
							e = q;
						} else if (e < n && ident_char(p[e])) {
							while (e < n && ident_char(p[e])) e++;
						} else {
							return false;
						}
						want = false;
					} else if (e < n && p[e] == '.') {
						e++;
						want = true;
					} else if (e + 2 < n && p[e] == '[' &&
					           (p[e + 1] == '*' || (p[e + 1] >= '0' && p[e + 1] <= '9'))) {
						size_t q = e + 1;
						if (p[q] == '*')
							q++;
						else
							while (q < n && p[q] >= '0' && p[q] <= '9') q++;
						if (q >= n || p[q] != ']') return false;
						e = q + 1;
					} else {
						break;
					}
				}
				t->kind = T_PATH;
			} else {
				t->kind = T_WORD; /* AND, OR, IN, LIKE, numbers, ... */
			}
			t->len = (uint32_t)(e - i);
			i = e;
		} else if (c == '.' || c == '+') {
			t->kind = T_OTHER; /* a number's sign or point */
			t->len = 1;
			i++;
		} else {
			return false;
		}
	}
	return true;
}

/* A path in a comparable form: quotes dropped, lower case; false when too
 * long to be one lineage knows. */
static bool canon_path(const char *p, size_t n, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\'') continue;
		if (o + 1 >= cap) return false;
		buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[o] = 0;
	return true;
}

enum { P_NONE = -1, P_PIPE_OR_FILE = -2, P_IP_OR_DOMAIN = -3 };

static int path_type(const char *path)
{
	static const struct {
		const char *path;
		int type;
	} paths[] = {
	        {"ipv4-addr:value", LN_IOC_IPV4},
	        {"ipv6-addr:value", LN_IOC_IPV6},
	        {"domain-name:value", LN_IOC_DOMAIN},
	        {"url:value", LN_IOC_URL},
	        {"email-addr:value", LN_IOC_EMAIL},
	        {"email-message:from_ref.value", LN_IOC_EMAIL},
	        {"email-message:sender_ref.value", LN_IOC_EMAIL},
	        {"mutex:name", LN_IOC_MUTEX},
	        {"file:hashes.md5", LN_IOC_MD5},
	        {"file:hashes.sha-1", LN_IOC_SHA1},
	        {"file:hashes.sha1", LN_IOC_SHA1},
	        {"file:hashes.sha-256", LN_IOC_SHA256},
	        {"file:hashes.sha256", LN_IOC_SHA256},
	        {"network-traffic:extensions.http-request-ext.request_header.user-agent", LN_IOC_USER_AGENT},
	        {"file:name", P_PIPE_OR_FILE},
	        {"network-traffic:dst_ref.value", P_IP_OR_DOMAIN},
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!strcmp(path, paths[i].path)) return paths[i].type;
	return P_NONE;
}

/* A string literal's value: \' and \\ unescaped; any other backslash kept
 * as written (feeds in the wild often forget to double them). */
static void unescape(const char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '\\' || p[i + 1] == '\''))
			out[o++] = p[++i];
		else
			out[o++] = p[i];
	}
	out[o] = 0;
}

static bool is_pipe(const char *v)
{
	if (v[0] != '\\' || v[1] != '\\') return false;
	const char *sep = strchr(v + 2, '\\');
	return sep && !strncasecmp(sep, "\\pipe\\", 6) && sep[6];
}

static void emit_comparison(feed *f, int ptype, const char *value, const meta *m)
{
	if (ptype == P_PIPE_OR_FILE) {
		if (is_pipe(value))
			emit(f, LN_IOC_PIPE, value, m);
		else
			f->skipped++; /* a file name: not an indicator lineage keeps */
	} else if (ptype == P_IP_OR_DOMAIN) {
		ln_ioc probe;
		bool ip = ln_ioc_parse(value, LN_IOC_IPV4, &probe) || ln_ioc_parse(value, LN_IOC_IPV6, &probe);
		emit(f, ip ? LN_IOC_IPV4 : LN_IOC_DOMAIN, value, m);
	} else {
		emit(f, ptype, value, m);
	}
}

/* Each "path = 'v'" and "path IN ('v', ...)" of the pattern becomes a
 * record (whether joined by OR, AND or FOLLOWEDBY); other comparisons and
 * unknown paths are counted as skipped; a pattern that does not lex or
 * whose brackets do not balance is skipped whole. */
static void stix_pattern(feed *f, const char *p, const meta *m)
{
	size_t n = strlen(p);
	if (n > MAX_PATTERN) {
		f->skipped++;
		return;
	}
	ln_vec toks;
	ln_vec_init(&toks, sizeof(ptok));
	char *scratch = ln_malloc(n + 1);
	bool nomem = false;
	if (!scratch) {
		oom(f);
		goto done;
	}
	if (!lex(p, n, &toks, &nomem)) {
		if (nomem)
			oom(f);
		else
			f->skipped++;
		goto done;
	}
	const ptok *t = toks.items;
	size_t nt = toks.len;
	/* brackets balance, comparisons sit inside an observation */
	char stack[MAX_NEST];
	size_t depth = 0, obs = 0;
	bool bad = nt == 0;
	for (size_t i = 0; i < nt && !bad; i++) {
		if (t[i].kind == T_LBRACK || t[i].kind == T_LPAREN) {
			if (depth == MAX_NEST)
				bad = true;
			else
				stack[depth++] = t[i].kind == T_LBRACK ? '[' : '(';
			if (t[i].kind == T_LBRACK) obs++;
		} else if (t[i].kind == T_RBRACK || t[i].kind == T_RPAREN) {
			char want = t[i].kind == T_RBRACK ? '[' : '(';
			if (!depth || stack[depth - 1] != want)
				bad = true;
			else
				depth--;
			if (t[i].kind == T_RBRACK) obs--;
		} else if (t[i].kind == T_PATH && !obs) {
			bad = true;
		}
	}
	if (bad || depth) {
		f->skipped++;
		goto done;
	}
	for (size_t i = 0; i < nt && !f->rc; i++) {
		if (t[i].kind != T_PATH) continue;
		if (i > 0 && t[i - 1].kind == T_WORD && t[i - 1].len == 6 &&
		    !strncasecmp(p + t[i - 1].start, "EXISTS", 6))
			continue;
		char path[128];
		int ptype = canon_path(p + t[i].start, t[i].len, path, sizeof(path)) ? path_type(path) : P_NONE;
		const ptok *op = i + 1 < nt ? &t[i + 1] : NULL;
		if (ptype == P_NONE || !op) {
			f->skipped++;
			continue;
		}
		if (op->kind == T_OP && op->len == 1 && p[op->start] == '=' && i + 2 < nt &&
		    t[i + 2].kind == T_STRING) {
			unescape(p + t[i + 2].start, t[i + 2].len, scratch);
			emit_comparison(f, ptype, scratch, m);
		} else if (op->kind == T_WORD && op->len == 2 && !strncasecmp(p + op->start, "IN", 2) && i + 2 < nt &&
		           t[i + 2].kind == T_LPAREN) {
			size_t j = i + 3;
			while (j < nt && t[j].kind == T_STRING && !f->rc) {
				unescape(p + t[j].start, t[j].len, scratch);
				emit_comparison(f, ptype, scratch, m);
				if (j + 1 < nt && t[j + 1].kind == T_COMMA)
					j += 2;
				else
					break;
			}
		} else {
			f->skipped++; /* !=, LIKE, MATCHES, NOT ...: not a value */
		}
	}
done:
	ln_free(scratch);
	ln_vec_free(&toks);
}

static int confidence_of(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 100)) return -1;
	return (int)v->valuedouble;
}

static void stix_indicator(stix *s, const sobj *ind)
{
	feed *f = s->f;
	const cJSON *o = ind->o;
	const char *ptype = sget(o, "pattern_type");
	const char *pattern = sget(o, "pattern");
	if (truthy(get(o, "revoked")) || (ptype && strcasecmp(ptype, "stix")) || !pattern) {
		f->skipped++;
		return;
	}
	meta m = {.confidence = confidence_of(get(o, "confidence"))};
	const char *by = identity_name(s, sget(o, "created_by_ref"));
	m.source = by ? dup(f, by) : bundle_source(s);
	m.actor = dup(f, indicator_actor(s, ind->id));
	m.first_seen = norm_time(f, get(o, "valid_from"));
	m.last_seen = norm_time(f, get(o, "valid_until"));
	const char *desc = sget(o, "name");
	m.description = dup(f, desc ? desc : sget(o, "description"));
	if (f->rc) return;
	stix_pattern(f, pattern, &m);
}

/* An observable given as such (not through a pattern): its value, with the
 * bundle's producer as source. */
static void stix_sco(stix *s, const sobj *o)
{
	static const struct {
		const char *type, *prop;
		int ioc;
	} scos[] = {
	        {"ipv4-addr", "value", LN_IOC_IPV4},     {"ipv6-addr", "value", LN_IOC_IPV6},
	        {"domain-name", "value", LN_IOC_DOMAIN}, {"url", "value", LN_IOC_URL},
	        {"email-addr", "value", LN_IOC_EMAIL},   {"mutex", "name", LN_IOC_MUTEX},
	};
	for (size_t i = 0; i < sizeof(scos) / sizeof(scos[0]); i++) {
		if (strcmp(o->type, scos[i].type)) continue;
		meta m = {.confidence = -1, .source = bundle_source(s)};
		if (s->f->rc) return;
		emit(s->f, scos[i].ioc, sget(o->o, scos[i].prop), &m);
		return;
	}
}

static void parse_stix(feed *f, const cJSON *root)
{
	const cJSON *objects = get(root, "objects");
	if (!cJSON_IsArray(objects)) return fail(f, "not a STIX bundle: no objects array");
	stix s = {.f = f};
	ln_vec objs, rels;
	ln_vec_init(&objs, sizeof(sobj));
	ln_vec_init(&rels, sizeof(srel));
	const cJSON *o;
	cJSON_ArrayForEach(o, objects)
	{
		const char *id = sget(o, "id"), *type = sget(o, "type");
		if (!id || !type) continue;
		sobj *so = ln_vec_push(&objs);
		if (!so) goto nomem;
		so->id = id;
		so->type = type;
		so->o = o;
		if (!strcmp(type, "relationship")) {
			const char *src = sget(o, "source_ref"), *dst = sget(o, "target_ref"),
			           *rt = sget(o, "relationship_type");
			if (!src || !dst || !rt) continue;
			srel *r = ln_vec_push(&rels);
			if (!r) goto nomem;
			*r = (srel){src, dst, rt};
		}
	}
	/* bundle order is kept for the records: walk the array again */
	s.objs = objs.items;
	s.nobjs = objs.len;
	s.rels = rels.items;
	s.nrels = rels.len;
	ln_sort(s.objs, s.nobjs, sizeof(sobj), cmp_sobj);
	ln_sort(s.rels, s.nrels, sizeof(srel), cmp_srel);
	cJSON_ArrayForEach(o, objects)
	{
		if (f->rc) break;
		/* several versions may share an id: take the object at hand; one
		 * without an id still counts, it just cannot be related */
		const char *id = sget(o, "id");
		sobj here = {.id = id ? id : "", .type = sget(o, "type"), .o = o};
		if (!here.type) continue;
		if (!strcmp(here.type, "indicator"))
			stix_indicator(&s, &here);
		else
			stix_sco(&s, &here);
	}
	goto done;
nomem:
	oom(f);
done:
	ln_vec_free(&objs);
	ln_vec_free(&rels);
}

/* ---- MISP --------------------------------------------------------------- */

/* "Lazarus Group - G0032" (the MITRE galaxies' values) -> "Lazarus Group". */
static const char *strip_attack_suffix(feed *f, const char *v)
{
	size_t n = strlen(v);
	if (n > 8 && !memcmp(v + n - 8, " - G", 4) && strspn(v + n - 4, "0123456789") == 4) return dupn(f, v, n - 8);
	return dup(f, v);
}

static bool actor_galaxy(const char *g, size_t n)
{
	static const char *const names[] = {"threat-actor", "mitre-intrusion-set",
	                                    "mitre-enterprise-attack-intrusion-set"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(g, names[i], n)) return true;
	return false;
}

/* The actor and confidence of a tag list (misp-galaxy:threat-actor="X",
 * estimative-language:likelihood-probability="likely", ...) and of the
 * galaxies attached; unchanged when none says. */
static void misp_context(feed *f, const cJSON *holder, meta *m)
{
	static const struct {
		const char *tag;
		int conf;
	} confs[] = {
	        {"estimative-language:likelihood-probability=\"almost-certain\"", 95},
	        {"estimative-language:likelihood-probability=\"very-likely\"", 85},
	        {"estimative-language:likelihood-probability=\"likely\"", 70},
	        {"estimative-language:likelihood-probability=\"roughly-even-chance\"", 50},
	        {"estimative-language:likelihood-probability=\"unlikely\"", 30},
	        {"estimative-language:likelihood-probability=\"very-unlikely\"", 15},
	        {"estimative-language:likelihood-probability=\"almost-no-chance\"", 5},
	        {"misp:confidence-level=\"completely-confident\"", 100},
	        {"misp:confidence-level=\"usually-confident\"", 75},
	        {"misp:confidence-level=\"fairly-confident\"", 50},
	        {"misp:confidence-level=\"rarely-confident\"", 25},
	        {"misp:confidence-level=\"unconfident\"", 0},
	};
	const cJSON *t;
	const cJSON *tags = get(holder, "Tag");
	const char *actor = NULL;
	cJSON_ArrayForEach(t, array(tags))
	{
		const char *name = sget(t, "name");
		if (!name) continue;
		for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++)
			if (!strcasecmp(name, confs[i].tag)) m->confidence = confs[i].conf;
		if (actor || strncmp(name, "misp-galaxy:", 12)) continue;
		const char *g = name + 12, *eq = strchr(g, '=');
		if (!eq || !actor_galaxy(g, (size_t)(eq - g)) || eq[1] != '"') continue;
		size_t vn = strlen(eq + 2);
		if (vn < 2 || eq[2 + vn - 1] != '"') continue;
		actor = dupn(f, eq + 2, vn - 1);
	}
	const cJSON *gal, *galaxies = get(holder, "Galaxy");
	cJSON_ArrayForEach(gal, array(galaxies))
	{
		const char *type = sget(gal, "type");
		if (actor || !type || !actor_galaxy(type, strlen(type))) continue;
		const cJSON *c, *clusters = get(gal, "GalaxyCluster");
		cJSON_ArrayForEach(c, array(clusters))
		{
			const char *v = sget(c, "value");
			if (v) {
				actor = v;
				break;
			}
		}
	}
	if (actor) m->actor = strip_attack_suffix(f, actor);
}

static void misp_attributes(feed *f, const cJSON *attrs, const meta *base)
{
	const cJSON *at;
	cJSON_ArrayForEach(at, array(attrs))
	{
		if (f->rc) return;
		const char *type = sget(at, "type"), *value = sget(at, "value");
		if (!type || !value || truthy(get(at, "deleted"))) {
			f->skipped++;
			continue;
		}
		meta m = *base;
		misp_context(f, at, &m);
		const char *fs = norm_time(f, get(at, "first_seen")), *ls = norm_time(f, get(at, "last_seen"));
		if (fs) m.first_seen = fs;
		if (ls) m.last_seen = ls;
		const char *comment = sget(at, "comment");
		if (comment) m.description = dup(f, comment);
		if (f->rc) return;
		emit_named(f, type, value, &m);
	}
}

static void misp_event(feed *f, const cJSON *ev)
{
	meta m = {.confidence = -1};
	const char *org = sget(get(ev, "Orgc"), "name");
	if (!org) org = sget(get(ev, "Org"), "name");
	m.source = dup(f, org);
	m.description = dup(f, sget(ev, "info"));
	m.first_seen = norm_time(f, get(ev, "date"));
	misp_context(f, ev, &m);
	if (f->rc) return;
	misp_attributes(f, get(ev, "Attribute"), &m);
	const cJSON *obj, *objs = get(ev, "Object");
	cJSON_ArrayForEach(obj, array(objs))
	{
		if (f->rc) return;
		meta om = m;
		const char *fs = norm_time(f, get(obj, "first_seen")), *ls = norm_time(f, get(obj, "last_seen"));
		if (fs) om.first_seen = fs;
		if (ls) om.last_seen = ls;
		misp_attributes(f, get(obj, "Attribute"), &om);
	}
}

/* {"Event": {...}}, {"response": [{"Event": ...}, ...]}, [{"Event": ...}],
 * or an attribute search {"response": {"Attribute": [...]}}. */
static bool is_misp(const cJSON *root)
{
	if (cJSON_IsObject(get(root, "Event"))) return true;
	const cJSON *resp = get(root, "response");
	if (cJSON_IsObject(resp)) return cJSON_IsArray(get(resp, "Attribute"));
	const cJSON *arr = cJSON_IsArray(resp) ? resp : array(root);
	if (!arr) return false;
	const cJSON *first = arr->child;
	return !first || cJSON_IsObject(get(first, "Event"));
}

static void parse_misp(feed *f, const cJSON *root)
{
	if (!is_misp(root)) return fail(f, "not a MISP event: no Event object");
	const cJSON *ev = get(root, "Event");
	if (ev) return misp_event(f, ev);
	const cJSON *resp = get(root, "response");
	if (cJSON_IsObject(resp)) {
		meta m = {.confidence = -1};
		return misp_attributes(f, get(resp, "Attribute"), &m);
	}
	const cJSON *it, *arr = cJSON_IsArray(resp) ? resp : root;
	cJSON_ArrayForEach(it, arr)
	{
		if (f->rc) return;
		ev = get(it, "Event");
		if (cJSON_IsObject(ev)) misp_event(f, ev);
	}
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct csv {
	feed *f;
	const char *p;
	size_t n, i;
	unsigned line;
	char *buf; /* the record's fields, NUL-separated */
	size_t len, cap;
	size_t off[MAX_FIELDS];
	size_t nfields;
	unsigned start; /* the record's first line */
} csv;

static bool put(csv *c, char ch)
{
	if (c->len == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		char *nb = ln_realloc(c->buf, cap);
		if (!nb) return oom(c->f), false;
		c->buf = nb;
		c->cap = cap;
	}
	c->buf[c->len++] = ch;
	return true;
}

static bool at_eol(const csv *c)
{
	return c->i >= c->n || c->p[c->i] == '\n' || c->p[c->i] == '\r';
}

static void skip_eol(csv *c)
{
	if (c->i < c->n && c->p[c->i] == '\r') c->i++;
	if (c->i < c->n && c->p[c->i] == '\n') c->i++;
	c->line++;
}

/* One record into c->buf/off (RFC 4180: quoted fields, "" escapes, line
 * breaks inside quotes); false at the end of the input or on an error. */
static bool record(csv *c)
{
	for (;;) {
		if (c->i >= c->n) return false;
		char ch = c->p[c->i];
		if (ch == '#') { /* a comment line */
			while (!at_eol(c)) c->i++;
			skip_eol(c);
		} else if (ch == '\n' || ch == '\r') {
			skip_eol(c);
		} else {
			break;
		}
	}
	c->len = 0;
	c->nfields = 0;
	c->start = c->line;
	for (;;) {
		if (c->nfields == MAX_FIELDS) {
			fail(c->f, "more than %d fields at line %u", MAX_FIELDS, c->line);
			return false;
		}
		c->off[c->nfields++] = c->len;
		if (c->i < c->n && c->p[c->i] == '"') {
			unsigned qline = c->line;
			c->i++;
			for (;;) {
				if (c->i >= c->n) {
					fail(c->f, "unterminated quoted field at line %u", qline);
					return false;
				}
				char ch = c->p[c->i++];
				if (ch == '"') {
					if (c->i < c->n && c->p[c->i] == '"') {
						c->i++;
					} else {
						break;
					}
				} else if (ch == '\n' || (ch == '\r' && (c->i >= c->n || c->p[c->i] != '\n'))) {
					c->line++;
				}
				if (!put(c, ch)) return false;
			}
			if (c->i < c->n && c->p[c->i] != ',' && !at_eol(c)) {
				fail(c->f, "text after a closing quote at line %u", c->line);
				return false;
			}
		} else {
			while (c->i < c->n && c->p[c->i] != ',' && !at_eol(c))
				if (!put(c, c->p[c->i++])) return false;
		}
		if (!put(c, 0)) return false;
		if (c->i < c->n && c->p[c->i] == ',') {
			c->i++;
			continue;
		}
		skip_eol(c);
		return true;
	}
}

/* Field k of the record, spaces trimmed in place; NULL when absent/empty. */
static const char *field(csv *c, int k)
{
	if (k < 0 || (size_t)k >= c->nfields) return NULL;
	char *s = c->buf + c->off[k];
	while (*s == ' ' || *s == '\t') s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
	return n ? s : NULL;
}

enum { C_VALUE, C_TYPE, C_ACTOR, C_SOURCE, C_FIRST, C_LAST, C_CONF, C_DESC, C_PORT, C_N };

static int column_of(const char *h)
{
	static const struct {
		const char *name;
		int col;
	} cols[] = {
	        {"value", C_VALUE},      {"indicator", C_VALUE},    {"ioc", C_VALUE},       {"type", C_TYPE},
	        {"actor", C_ACTOR},      {"threat_actor", C_ACTOR}, {"group", C_ACTOR},     {"source", C_SOURCE},
	        {"first_seen", C_FIRST}, {"last_seen", C_LAST},     {"confidence", C_CONF}, {"description", C_DESC},
	        {"comment", C_DESC},     {"port", C_PORT},
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (!strcasecmp(h, cols[i].name)) return cols[i].col;
	return -1;
}

/* The previous row's copy when the text is the same (feeds repeat their
 * source and actor on every line). */
static const char *dup_cached(feed *f, const char *s, const char **prev)
{
	if (!s) return NULL;
	if (*prev && !strcmp(*prev, s)) return *prev;
	return *prev = dup(f, s);
}

static void parse_csv(feed *f, const uint8_t *data, size_t size)
{
	csv c = {.f = f, .p = (const char *)data, .n = size, .line = 1};
	if (c.n >= 3 && !memcmp(c.p, "\xef\xbb\xbf", 3)) c.i = 3;
	int col[C_N];
	for (int k = 0; k < C_N; k++) col[k] = -1;
	if (!record(&c)) {
		if (!f->rc) fail(f, "empty feed: no CSV header");
		goto done;
	}
	for (size_t k = 0; k < c.nfields; k++) {
		const char *h = field(&c, (int)k);
		int which = h ? column_of(h) : -1;
		if (which >= 0 && col[which] < 0) col[which] = (int)k;
	}
	if (col[C_VALUE] < 0) {
		fail(f, "no value column (value, indicator or ioc) in the CSV header at line %u", c.start);
		goto done;
	}
	const char *last_source = NULL, *last_actor = NULL;
	while (!f->rc && record(&c)) {
		const char *value = field(&c, col[C_VALUE]);
		if (!value) {
			f->skipped++;
			continue;
		}
		meta m = {.confidence = -1};
		m.source = dup_cached(f, field(&c, col[C_SOURCE]), &last_source);
		m.actor = dup_cached(f, field(&c, col[C_ACTOR]), &last_actor);
		m.first_seen = norm_time_str(f, field(&c, col[C_FIRST]));
		m.last_seen = norm_time_str(f, field(&c, col[C_LAST]));
		m.description = dup(f, field(&c, col[C_DESC]));
		const char *conf = field(&c, col[C_CONF]), *port = field(&c, col[C_PORT]);
		if (conf) {
			char *end;
			long v = strtol(conf, &end, 10);
			if (!*end && v >= 0 && v <= 100) m.confidence = (int)v;
		}
		if (port && !port_of(port, &m.port)) m.port = 0;
		if (f->rc) break;
		const char *type = field(&c, col[C_TYPE]);
		if (type)
			emit_named(f, type, value, &m);
		else
			emit(f, -1, value, &m);
	}
done:
	ln_free(c.buf);
}

/* ---- entry -------------------------------------------------------------- */

static unsigned line_of(const uint8_t *data, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++) line += data[i] == '\n';
	return line;
}

int ln_feed_parse(const char *name, const uint8_t *data, size_t size, int format, ln_arena *a, ln_vec *out,
                  size_t *skipped, char *err, size_t errcap)
{
	if (!name) name = "feed";
	feed f = {.name = name, .a = a, .out = out, .err = err, .errcap = errcap};
	if (err && errcap) err[0] = 0;
	if (skipped) *skipped = 0;
	if (!data) size = 0;
	const char *slash = strrchr(name, '/');
	f.base = dup(&f, slash && slash[1] ? slash + 1 : name);
	if (f.rc) return f.rc;
	if (format < LN_FEED_AUTO || format > LN_FEED_CSV) {
		fail(&f, "unknown feed format %d", format);
		return f.rc;
	}
	size_t start = size >= 3 && !memcmp(data, "\xef\xbb\xbf", 3) ? 3 : 0;
	while (start < size &&
	       (data[start] == ' ' || data[start] == '\t' || data[start] == '\r' || data[start] == '\n'))
		start++;
	bool json = format == LN_FEED_STIX || format == LN_FEED_MISP ||
	            (format == LN_FEED_AUTO && start < size && (data[start] == '{' || data[start] == '['));
	if (!json) {
		parse_csv(&f, data, size);
	} else {
		const char *end = NULL;
		cJSON *root = cJSON_ParseWithLengthOpts((const char *)data + start, size - start, &end, false);
		if (!root) {
			size_t off =
			        end && end >= (const char *)data + start ? (size_t)(end - (const char *)data) : start;
			if (off > size) off = size;
			fail(&f, "not valid JSON at line %u", line_of(data, off));
			return f.rc;
		}
		size_t used = end ? (size_t)(end - (const char *)data) : size;
		while (used < size && (data[used] == ' ' || data[used] == '\t' || data[used] == '\r' ||
		                       data[used] == '\n' || data[used] == 0))
			used++;
		if (used < size) {
			fail(&f, "text after the JSON at line %u", line_of(data, used));
			cJSON_Delete(root);
			return f.rc;
		}
		const char *type = sget(root, "type");
		bool bundle = type && !strcmp(type, "bundle");
		if (format == LN_FEED_STIX || (format == LN_FEED_AUTO && bundle)) {
			if (!bundle)
				fail(&f, "not a STIX bundle: no \"type\": \"bundle\"");
			else
				parse_stix(&f, root);
		} else if (format == LN_FEED_MISP || is_misp(root)) {
			parse_misp(&f, root);
		} else {
			fail(&f, "JSON that is neither a STIX bundle nor a MISP event");
		}
		cJSON_Delete(root);
	}
	if (skipped) *skipped = f.skipped;
	return f.rc;
}
