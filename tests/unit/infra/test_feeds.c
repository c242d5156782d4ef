/* Unit tests of lib/infra/feeds.c and stix.c: the fixture feeds of
 * tests/fixtures/feeds (STIX 2.1, MISP, CSV) parsed to the exact records a
 * reader checked by hand against the files, malformed feeds, STIX patterns,
 * and the STIX export read back with cJSON and checked by
 * tests/infra/stix_check.py. File SCO identifiers are compared with ones
 * computed by Python's uuid.uuid5 over the canonical JSON (the oracle). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "infra/feeds.h"
#include "lineage/errors.h"

/* ---- helpers ---------------------------------------------------------- */

typedef struct parsed {
	ln_arena *a;
	ln_vec v;
	size_t skipped;
	int rc;
	char err[256];
} parsed;

static void parse_mem(parsed *p, const char *name, const void *data, size_t size, int format)
{
	p->a = ln_arena_new();
	assert_non_null(p->a);
	ln_vec_init(&p->v, sizeof(ln_feed_ioc));
	p->skipped = 12345;
	p->rc = ln_feed_parse(name, data, size, format, p->a, &p->v, &p->skipped, p->err, sizeof(p->err));
}

static void parse_str(parsed *p, const char *name, const char *text, int format)
{
	parse_mem(p, name, text, strlen(text), format);
}

static void parsed_free(parsed *p)
{
	ln_vec_free(&p->v);
	ln_arena_free(p->a);
}

static const ln_feed_ioc *rec(const parsed *p, size_t i)
{
	assert_true(i < p->v.len);
	return &((const ln_feed_ioc *)p->v.items)[i];
}

/* NULL-tolerant string comparison for optional fields. */
#define assert_opt_string(got, want)                                                                                   \
	do {                                                                                                           \
		const char *g_ = (got), *w_ = (want);                                                                  \
		if (!w_)                                                                                               \
			assert_null(g_);                                                                               \
		else {                                                                                                 \
			assert_non_null(g_);                                                                           \
			assert_string_equal(g_, w_);                                                                   \
		}                                                                                                      \
	} while (0)

typedef struct want {
	uint32_t type;
	const char *value;
	uint16_t port;
	const char *source, *actor, *first_seen, *last_seen;
	int confidence;
	const char *description;
} want;

static void assert_records(const parsed *p, const want *w, size_t n, const char *feed)
{
	assert_int_equal(p->v.len, n);
	for (size_t i = 0; i < n; i++) {
		const ln_feed_ioc *r = rec(p, i);
		assert_int_equal(r->type, w[i].type);
		assert_string_equal(r->value, w[i].value);
		assert_int_equal(r->port, w[i].port);
		assert_string_equal(r->source, w[i].source);
		assert_string_equal(r->feed, feed);
		assert_opt_string(r->actor, w[i].actor);
		assert_opt_string(r->first_seen, w[i].first_seen);
		assert_opt_string(r->last_seen, w[i].last_seen);
		assert_int_equal(r->confidence, w[i].confidence);
		assert_opt_string(r->description, w[i].description);
	}
}

static char *fixture_path(const char *rel)
{
	const char *src = getenv("LINEAGE_SOURCE_DIR");
	if (!src) return NULL;
	size_t n = strlen(src) + strlen(rel) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", src, rel);
	return p;
}

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (len + 65536 > cap) {
			cap = (len + 65536) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + len, 1, 65536, f);
		len += got;
	} while (got > 0);
	fclose(f);
	*size = len;
	return buf;
}

/* Parse tests/fixtures/feeds/NAME; false (test skipped) without the source tree. */
static bool parse_fixture(parsed *p, const char *name, int format)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/feeds/%s", name);
	char *path = fixture_path(rel);
	if (!path) return false;
	size_t size;
	uint8_t *data = read_all(path, &size);
	parse_mem(p, path, data, size, format);
	free(data);
	free(path);
	return true;
}

/* ---- the fixture feeds ------------------------------------------------ */

static const want stix_want[] = {
        {LN_IOC_IPV4, "198.51.100.23", 0, "Example CERT", "Guardians of Peace", "2014-11-24T00:00:00Z",
         "2015-11-24T00:00:00Z", 85, "GOP command-and-control address"},
        /* the actor through indicates -> malware -> authored-by */
        {LN_IOC_DOMAIN, "update.evil-corp.example", 0, "Example CERT", "Guardians of Peace", "2014-11-21T13:45:10Z",
         NULL, 70, "Update host contacted by the wiper's dropper"},
        {LN_IOC_URL, "http://c2.example.net:8080/gate.php", 8080, "Example CERT", "Guardians of Peace",
         "2014-11-24T00:00:00Z", NULL, -1, "GOP gate URL"},
        /* AND: the mutex kept, file:name 'wiper.exe' skipped */
        {LN_IOC_MUTEX, "Global\\LineageFixtureMutex", 0, "Example CERT", "Guardians of Peace", "2014-11-24T00:00:00Z",
         NULL, -1, "Wiper single-instance mutex"},
        /* an SCO given directly: the bundle's producer as source, no actor */
        {LN_IOC_IPV4, "198.51.100.24", 0, "Example CERT", NULL, NULL, NULL, -1, NULL},
};

static void test_stix_fixture(void **state)
{
	(void)state;
	parsed p;
	if (!parse_fixture(&p, "example-cert.stix.json", LN_FEED_AUTO)) skip();
	assert_int_equal(p.rc, 0);
	assert_string_equal(p.err, "");
	assert_records(&p, stix_want, sizeof(stix_want) / sizeof(stix_want[0]), "example-cert.stix.json");
	assert_int_equal(p.skipped, 2); /* the yara indicator, file:name */
	parsed_free(&p);
	/* the same with the format given */
	if (!parse_fixture(&p, "example-cert.stix.json", LN_FEED_STIX)) skip();
	assert_int_equal(p.rc, 0);
	assert_records(&p, stix_want, sizeof(stix_want) / sizeof(stix_want[0]), "example-cert.stix.json");
	parsed_free(&p);
}

#define ISAC "HIDDEN COBRA infrastructure (lineage fixture)"
static const want misp_want[] = {
        {LN_IOC_IPV4, "203.0.113.77", 0, "Example ISAC", "HIDDEN COBRA", "2017-06-01T08:15:00Z", "2017-06-10T16:00:00Z",
         70, "Beacon destination"},
        {LN_IOC_IPV4, "203.0.113.78", 4444, "Example ISAC", "HIDDEN COBRA", "2017-06-13T00:00:00Z", NULL, 70, ISAC},
        {LN_IOC_DOMAIN, "beacon.lineage-test.example", 0, "Example ISAC", "HIDDEN COBRA", "2017-06-13T00:00:00Z", NULL,
         85, ISAC},
        {LN_IOC_EMAIL, "ops@example.org", 0, "Example ISAC", "HIDDEN COBRA", "2017-06-13T00:00:00Z", NULL, 70, ISAC},
        {LN_IOC_USER_AGENT, "Mozilla/4.0 (compatible; LineageFixture 1.0)", 0, "Example ISAC", "HIDDEN COBRA",
         "2017-06-13T00:00:00Z", NULL, 70, ISAC},
        {LN_IOC_PIPE, "\\\\.\\pipe\\lineage_fixture_pipe", 0, "Example ISAC", "HIDDEN COBRA", "2017-06-13T00:00:00Z",
         NULL, 70, ISAC},
        {LN_IOC_SHA256, "5b4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d97d", 0, "Example ISAC",
         "HIDDEN COBRA", "2017-06-13T00:00:00Z", NULL, 70, ISAC},
        {LN_IOC_MD5, "843873e9779279669ffac9b8f4318061", 0, "Example ISAC", "HIDDEN COBRA", "2017-06-13T00:00:00Z",
         NULL, 70, ISAC},
};

static void test_misp_fixture(void **state)
{
	(void)state;
	parsed p;
	if (!parse_fixture(&p, "example-isac.misp.json", LN_FEED_AUTO)) skip();
	assert_int_equal(p.rc, 0);
	assert_records(&p, misp_want, sizeof(misp_want) / sizeof(misp_want[0]), "example-isac.misp.json");
	assert_int_equal(p.skipped, 2); /* regkey, the object's filename */
	parsed_free(&p);
	if (!parse_fixture(&p, "example-isac.misp.json", LN_FEED_MISP)) skip();
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 8);
	parsed_free(&p);
}

#define PARTNER "Example Partner Feed"
static const want csv_want[] = {
        {LN_IOC_URL, "http://bad.example.com/x", 0, PARTNER, "Lazarus Group", "2018-02-01T08:00:00Z", NULL, 60,
         "Stage-two download, seen \"twice\""},
        {LN_IOC_IPV4, "192.0.2.55", 0, PARTNER, "Lazarus Group", "2018-02-01T00:00:00Z", "2018-03-01T00:00:00Z", 40,
         "defanged address"},
        {LN_IOC_DOMAIN, "evil-updates.example", 0, "example-partner.csv", "Lazarus Group", "2018-02-01T00:00:00Z", NULL,
         -1, NULL},
        {LN_IOC_EMAIL, "phish@evil-updates.example", 0, PARTNER, "Lazarus Group", NULL, NULL, -1, NULL},
        {LN_IOC_USER_AGENT, "Mozilla/5.0 (Windows NT 6.1; LineageFixture)", 0, PARTNER, "Lazarus Group", NULL, NULL, -1,
         NULL},
        {LN_IOC_MUTEX, "Global\\LineageFixtureCsvMutex", 0, PARTNER, "Lazarus Group", NULL, NULL, 90,
         "Created at start-up;\r\nchecked before wiping"},
        {LN_IOC_PIPE, "\\\\.\\pipe\\lineage_csv_pipe", 0, PARTNER, "Lazarus Group", NULL, NULL, -1, NULL},
        {LN_IOC_SHA1, "346a7675a1170621efc2435c7540d1fc1d75cfed", 0, PARTNER, "Lazarus Group", NULL, NULL, -1,
         "upper-case hash"},
};

static void test_csv_fixture(void **state)
{
	(void)state;
	parsed p;
	if (!parse_fixture(&p, "example-partner.csv", LN_FEED_AUTO)) skip();
	assert_int_equal(p.rc, 0);
	assert_records(&p, csv_want, sizeof(csv_want) / sizeof(csv_want[0]), "example-partner.csv");
	assert_int_equal(p.skipped, 2); /* "not an indicator", the regkey */
	parsed_free(&p);
}

/* Every prefix of every fixture: no crash, and only 0 or LINEAGE_EFORMAT. */
static void test_fixture_prefixes(void **state)
{
	(void)state;
	static const char *const names[] = {"example-cert.stix.json", "example-isac.misp.json", "example-partner.csv"};
	for (size_t k = 0; k < 3; k++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "tests/fixtures/feeds/%s", names[k]);
		char *path = fixture_path(rel);
		if (!path) skip();
		size_t size;
		uint8_t *data = read_all(path, &size);
		for (size_t n = 0; n < size; n += 7) {
			for (int fmt = LN_FEED_AUTO; fmt <= LN_FEED_CSV; fmt++) {
				parsed p;
				parse_mem(&p, names[k], data, n, fmt);
				assert_true(p.rc == 0 || p.rc == LINEAGE_EFORMAT);
				if (p.rc) assert_true(strncmp(p.err, names[k], strlen(names[k])) == 0);
				parsed_free(&p);
			}
		}
		free(data);
		free(path);
	}
}

/* The Nth allocation fails: LINEAGE_ENOMEM or success, never a crash or a
 * leak (the sanitizer build checks the latter). */
static void test_alloc_failures(void **state)
{
	(void)state;
	static const char *const names[] = {"example-cert.stix.json", "example-isac.misp.json", "example-partner.csv"};
	for (size_t k = 0; k < 3; k++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "tests/fixtures/feeds/%s", names[k]);
		char *path = fixture_path(rel);
		if (!path) skip();
		size_t size;
		uint8_t *data = read_all(path, &size);
		bool done = false;
		for (uint64_t n = 1; !done && n < 10000; n++) {
			ln_arena *a = ln_arena_new();
			assert_non_null(a);
			ln_vec v;
			ln_vec_init(&v, sizeof(ln_feed_ioc));
			size_t skipped;
			char err[256];
			ln_alloc_fail_after(n);
			int rc = ln_feed_parse(names[k], data, size, LN_FEED_AUTO, a, &v, &skipped, err, sizeof(err));
			ln_alloc_fail_after(0);
			assert_true(rc == 0 || rc == LINEAGE_ENOMEM);
			if (rc == LINEAGE_ENOMEM) assert_non_null(strstr(err, "out of memory"));
			done = rc == 0;
			ln_vec_free(&v);
			ln_arena_free(a);
		}
		assert_true(done);
		free(data);
		free(path);
	}
}

/* ---- malformed feeds -------------------------------------------------- */

static void expect_error(const char *name, const char *text, int format, const char *msg)
{
	parsed p;
	parse_str(&p, name, text, format);
	assert_int_equal(p.rc, LINEAGE_EFORMAT);
	assert_string_equal(p.err, msg);
	parsed_free(&p);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("feeds/cut.json",
	             "{\"type\": \"bundle\",\n \"id\": \"bundle--x\",\n \"objects\": [{\"type\": ", LN_FEED_AUTO,
	             "feeds/cut.json: not valid JSON at line 3");
	expect_error("b.json", "{\"type\": \"bundle\", \"id\": \"bundle--x\"}", LN_FEED_AUTO,
	             "b.json: not a STIX bundle: no objects array");
	expect_error("b.json", "{\"type\": \"bundle\", \"objects\": {}}", LN_FEED_AUTO,
	             "b.json: not a STIX bundle: no objects array");
	expect_error("e.json", "{\"Event\": {}}", LN_FEED_STIX, "e.json: not a STIX bundle: no \"type\": \"bundle\"");
	expect_error("b.json", "{\"type\": \"bundle\", \"objects\": []}", LN_FEED_MISP,
	             "b.json: not a MISP event: no Event object");
	expect_error("x.json", "{\"hello\": 1}", LN_FEED_AUTO,
	             "x.json: JSON that is neither a STIX bundle nor a MISP event");
	expect_error("x.json", "{\"type\": \"bundle\", \"objects\": []}\n\ngarbage", LN_FEED_AUTO,
	             "x.json: text after the JSON at line 3");
	expect_error("u.csv", "value,type\n192.0.2.1,ipv4\n# note\n\"192.0.2.2,ipv4\n192.0.2.3,ipv4\n", LN_FEED_AUTO,
	             "u.csv: unterminated quoted field at line 4");
	expect_error("q.csv", "value\r\n\"192.0.2.1\"x\r\n", LN_FEED_CSV,
	             "q.csv: text after a closing quote at line 2");
	expect_error("h.csv", "# a comment\n\naddress,type\n192.0.2.1,ipv4\n", LN_FEED_AUTO,
	             "h.csv: no value column (value, indicator or ioc) in the CSV header at line 3");
	expect_error("empty.csv", "", LN_FEED_AUTO, "empty.csv: empty feed: no CSV header");
	expect_error("c.csv", "# only comments\r\n\r\n", LN_FEED_CSV, "c.csv: empty feed: no CSV header");
	expect_error("f.json", "{}", 99, "f.json: unknown feed format 99");
	/* a header alone is a valid, empty feed */
	parsed p;
	parse_str(&p, "h.csv", "ioc\n", LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 0);
	assert_int_equal(p.skipped, 0);
	parsed_free(&p);
}

/* ---- STIX details ----------------------------------------------------- */

#define IND(id, extra, pattern)                                                                                        \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" id "\"," extra                         \
	"\"pattern\":\"" pattern "\",\"valid_from\":\"2020-01-01T00:00:00Z\"}"
#define REL(src, type, dst)                                                                                            \
	"{\"type\":\"relationship\",\"id\":\"relationship--" src "-" dst "\",\"relationship_type\":\"" type            \
	"\",\"source_ref\":\"" src "\",\"target_ref\":\"" dst "\"}"

static void test_stix_patterns(void **state)
{
	(void)state;
	const char *bundle = "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
	        /* OR of two, one with an escaped quote and backslash */
	        IND("1", "\"pattern_type\":\"stix\",",
	            "[ipv4-addr:value = '192.0.2.1'] OR [mutex:name = 'Local\\\\\\\\It\\\\'s']") ","
	        /* IN, a nested parenthesis, a qualifier */
	        IND("2", "", "([domain-name:value IN ('a.example', 'b.example')]) WITHIN 60 SECONDS") ","
	        /* !=, NOT, LIKE: not values; an unknown path */
	        IND("3", "",
	            "[ipv4-addr:value != '192.0.2.9' AND ipv4-addr:value NOT = '192.0.2.8'] OR "
	            "[url:value LIKE 'http://%'] OR [x-custom:thing = 'v']") ","
	        /* a pipe through file:name, a hash without quotes and with, user-agent */
	        IND("4", "",
	            "[file:name = '\\\\\\\\\\\\\\\\.\\\\\\\\pipe\\\\\\\\p1'] AND [file:hashes.'SHA-256' = "
	            "'AB5B4275C88ABE28296CAE6FF17954181852B8AB328208487D3F2D77AD4027D9'] AND "
	            "[file:hashes.MD5 = '843873e9779279669ffac9b8f4318061'] FOLLOWEDBY "
	            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'UA/1.0']") ","
	        /* broken: skipped whole */
	        IND("5", "", "[ipv4-addr:value = '192.0.2.5'") "," IND(
	                "6", "", "[ipv4-addr:value = '192.0.2.6]") "," IND("7", "\"pattern_type\":\"sigma\",",
	                                                                   "title: x") "," IND("8", "\"revoked\":true,",
	                                                                                       "[ipv4-addr:value = "
	                                                                                       "'192.0.2.8']") ","
	        /* defanged inside a pattern is still accepted */
	        IND("9", "", "[domain-name:value = 'evil[.]example']") ","
	        /* a backslash that is no escape is kept as written */
	        IND("10", "", "[mutex:name = 'Global\\\\Name']") "]}";
	parsed p;
	parse_str(&p, "/feeds/p.json", bundle, LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	static const struct {
		uint32_t type;
		const char *value;
	} w[] = {
	        {LN_IOC_IPV4, "192.0.2.1"},
	        {LN_IOC_MUTEX, "Local\\It's"},
	        {LN_IOC_DOMAIN, "a.example"},
	        {LN_IOC_DOMAIN, "b.example"},
	        {LN_IOC_PIPE, "\\\\.\\pipe\\p1"},
	        {LN_IOC_SHA256, "ab5b4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d9"},
	        {LN_IOC_MD5, "843873e9779279669ffac9b8f4318061"},
	        {LN_IOC_USER_AGENT, "UA/1.0"},
	        {LN_IOC_DOMAIN, "evil.example"},
	        {LN_IOC_MUTEX, "Global\\Name"},
	};
	assert_int_equal(p.v.len, sizeof(w) / sizeof(w[0]));
	for (size_t i = 0; i < p.v.len; i++) {
		assert_int_equal(rec(&p, i)->type, w[i].type);
		assert_string_equal(rec(&p, i)->value, w[i].value);
		/* no identity anywhere: the source is the file's base name */
		assert_string_equal(rec(&p, i)->source, "p.json");
		assert_null(rec(&p, i)->actor);
		assert_string_equal(rec(&p, i)->first_seen, "2020-01-01T00:00:00Z");
	}
	/* !=, NOT =, LIKE, x-custom; two broken patterns; sigma; revoked */
	assert_int_equal(p.skipped, 4 + 2 + 1 + 1);
	parsed_free(&p);
}

static void test_stix_actors(void **state)
{
	(void)state;
	const char *bundle =
	        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
	        "{\"type\":\"identity\",\"id\":\"identity--A\",\"name\":\"Org A\"},"
	        "{\"type\":\"identity\",\"id\":\"identity--B\",\"name\":\"Org B\"},"
	        "{\"type\":\"threat-actor\",\"id\":\"threat-actor--1\",\"name\":\"Actor One\"},"
	        "{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--2\",\"name\":\"Set Two\"},"
	        "{\"type\":\"campaign\",\"id\":\"campaign--3\",\"name\":\"Op "
	        "Three\",\"created_by_ref\":\"identity--B\"},"
	        "{\"type\":\"malware\",\"id\":\"malware--4\",\"name\":\"Unattributed\",\"is_family\":true},"
	        /* direct */
	        IND("1", "\"created_by_ref\":\"identity--A\",\"confidence\":101,",
	            "[ipv4-addr:value = '192.0.2.1']") ","
	        /* through a campaign; source from the bundle's producer (the campaign's identity) */
	        IND("2", "\"confidence\":0,", "[ipv4-addr:value = '192.0.2.2']") ","
	        /* a malware attributed to nobody: no actor; a dangling target */
	        IND("3", "", "[ipv4-addr:value = '192.0.2.3']") ","
	        /* the direct actor wins over one through malware */
	        IND("4", "", "[ipv4-addr:value = '192.0.2.4']") "," REL("indicator--1", "indicates", "threat-actor--1") "," REL(
	                "indicator--2", "indicates",
	                "campaign--3") "," REL("campaign--3", "attributed-to",
	                                       "intrusion-set--2") "," REL("indicator--3", "indicates",
	                                                                   "malware--4") "," REL("indicator--3",
	                                                                                         "indicates",
	                                                                                         "malware--404") "," REL("indicator--4",
	                                                                                                                 "indicates",
	                                                                                                                 "malware--4") "," REL("indicator--4",
	                                                                                                                                       "indicates",
	                                                                                                                                       "intrusion-set--2") "]}";
	parsed p;
	parse_str(&p, "a.json", bundle, LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 4);
	assert_string_equal(rec(&p, 0)->actor, "Actor One");
	assert_string_equal(rec(&p, 0)->source, "Org A");
	assert_int_equal(rec(&p, 0)->confidence, -1); /* out of range */
	assert_string_equal(rec(&p, 1)->actor, "Set Two");
	assert_string_equal(rec(&p, 1)->source, "Org B");
	assert_int_equal(rec(&p, 1)->confidence, 0);
	assert_null(rec(&p, 2)->actor);
	assert_string_equal(rec(&p, 3)->actor, "Set Two");
	parsed_free(&p);
}

/* ---- MISP details ----------------------------------------------------- */

static void test_misp_shapes(void **state)
{
	(void)state;
	/* a search response with two events, galaxies, composites */
	const char *resp =
	        "{\"response\":[{\"Event\":{\"info\":\"one\",\"date\":\"2020-02-29\",\"Org\":{\"name\":\"Org Only\"},"
	        "\"Galaxy\":[{\"type\":\"mitre-intrusion-set\",\"GalaxyCluster\":[{\"value\":\"Lazarus Group - "
	        "G0032\"}]}],"
	        "\"Attribute\":["
	        "{\"type\":\"domain|ip\",\"value\":\"pair.example|192.0.2.20\"},"
	        "{\"type\":\"filename|sha256\",\"value\":\"x.exe|"
	        "5b4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d97d\"},"
	        "{\"type\":\"hostname|port\",\"value\":\"host.example|99999\"},"
	        "{\"type\":\"link\",\"value\":\"https://report.example/x\"},"
	        "{\"type\":\"uri\",\"value\":\"/relative/path\"},"
	        "{\"type\":\"ip-src\",\"value\":\"2001:db8::1\",\"deleted\":false,\"first_seen\":1583020800},"
	        "{\"type\":\"ip-dst\",\"value\":\"192.0.2.21\",\"deleted\":true},"
	        "{\"type\":\"regkey|value\",\"value\":\"HKLM\\\\x|1\"}]}},"
	        "{\"Event\":{\"info\":\"two\",\"date\":\"2021-13-01\",\"Tag\":[{\"name\":"
	        "\"misp-galaxy:mitre-intrusion-set=\\\"APT-Example - G9999\\\"\"},"
	        "{\"name\":\"estimative-language:likelihood-probability=\\\"almost-no-chance\\\"\"}],"
	        "\"Attribute\":[{\"type\":\"email-dst\",\"value\":\"a@example.org\",\"comment\":\"\"}]}}]}";
	parsed p;
	parse_str(&p, "r.json", resp, LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 6);
	assert_int_equal(rec(&p, 0)->type, LN_IOC_DOMAIN);
	assert_string_equal(rec(&p, 0)->value, "pair.example");
	assert_string_equal(rec(&p, 0)->actor, "Lazarus Group");
	assert_string_equal(rec(&p, 0)->source, "Org Only");
	assert_string_equal(rec(&p, 0)->first_seen, "2020-02-29T00:00:00Z");
	assert_string_equal(rec(&p, 0)->description, "one");
	assert_int_equal(rec(&p, 1)->type, LN_IOC_IPV4);
	assert_string_equal(rec(&p, 1)->value, "192.0.2.20");
	assert_int_equal(rec(&p, 2)->type, LN_IOC_SHA256);
	assert_int_equal(rec(&p, 3)->type, LN_IOC_DOMAIN);
	assert_string_equal(rec(&p, 3)->value, "host.example");
	assert_int_equal(rec(&p, 3)->port, 0); /* 99999 is no port */
	assert_int_equal(rec(&p, 4)->type, LN_IOC_IPV6);
	assert_string_equal(rec(&p, 4)->value, "2001:db8::1");
	assert_string_equal(rec(&p, 4)->first_seen, "2020-03-01T00:00:00Z"); /* epoch seconds */
	assert_int_equal(rec(&p, 5)->type, LN_IOC_EMAIL);
	assert_string_equal(rec(&p, 5)->actor, "APT-Example");
	assert_string_equal(rec(&p, 5)->source, "r.json");
	assert_null(rec(&p, 5)->first_seen); /* month 13 */
	assert_int_equal(rec(&p, 5)->confidence, 5);
	assert_string_equal(rec(&p, 5)->description, "two");
	assert_int_equal(p.skipped, 4); /* link, relative uri, deleted, regkey|value */
	parsed_free(&p);

	/* a bare array of events; an attribute search */
	parse_str(&p, "a.json",
	          "[{\"Event\":{\"Attribute\":[{\"type\":\"md5\",\"value\":\"843873E9779279669FFAC9B8F4318061\"}]}}]",
	          LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 1);
	assert_string_equal(rec(&p, 0)->value, "843873e9779279669ffac9b8f4318061");
	assert_null(rec(&p, 0)->description);
	parsed_free(&p);
	parse_str(&p, "s.json",
	          "{\"response\":{\"Attribute\":[{\"type\":\"url\",\"value\":\"hxxps://x[.]example/a\"}]}}",
	          LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 1);
	assert_string_equal(rec(&p, 0)->value, "https://x.example/a");
	parsed_free(&p);
}

/* ---- CSV details ------------------------------------------------------ */

static void test_csv_details(void **state)
{
	(void)state;
	const char *text = "\xef\xbb\xbf"
	                   "Comment,IOC,first_seen,last_seen,Confidence,port,group\n"
	                   "\"a, b\",192.0.2.1,2020-01-01 10:00:00,2020-01-01T10:00:00-05:30,7,8443,APT Example\n"
	                   "x,192.0.2.2,2020-02-30,1577836800.25,101,0\n"
	                   "y,  evil.example  ,2020-01-01T00:00:60Z,,abc,,\n"
	                   "z,,,,,,\n"
	                   "\n"
	                   "w,\"multi\nline\",,,,,\n"
	                   "v,192.0.2.3:8080,2019-12-31T23:59:59.999999999+00:00\n"
	                   "u,192.0.2.4,20141124,1416787200";
	parsed p;
	parse_str(&p, "d.csv", text, LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 5);
	assert_string_equal(rec(&p, 0)->description, "a, b");
	assert_string_equal(rec(&p, 0)->first_seen, "2020-01-01T10:00:00Z");
	assert_string_equal(rec(&p, 0)->last_seen, "2020-01-01T15:30:00Z");
	assert_int_equal(rec(&p, 0)->confidence, 7);
	assert_int_equal(rec(&p, 0)->port, 8443);
	assert_string_equal(rec(&p, 0)->actor, "APT Example");
	assert_null(rec(&p, 1)->first_seen); /* no February 30th */
	assert_string_equal(rec(&p, 1)->last_seen, "2020-01-01T00:00:00Z");
	assert_int_equal(rec(&p, 1)->confidence, -1);
	assert_int_equal(rec(&p, 1)->port, 0);
	assert_null(rec(&p, 1)->actor);
	assert_string_equal(rec(&p, 2)->value, "evil.example");
	assert_int_equal(rec(&p, 2)->type, LN_IOC_DOMAIN);
	assert_string_equal(rec(&p, 2)->first_seen, "2020-01-01T00:00:59Z"); /* a leap second */
	assert_string_equal(rec(&p, 3)->first_seen, "2019-12-31T23:59:59Z");
	assert_int_equal(rec(&p, 3)->port, 8080);
	assert_null(rec(&p, 4)->first_seen); /* a compact date is no epoch time */
	assert_string_equal(rec(&p, 4)->last_seen, "2014-11-24T00:00:00Z");
	assert_int_equal(p.skipped, 2); /* the empty value, "multi\nline" */
	parsed_free(&p);
}

/* ---- STIX export ------------------------------------------------------ */

static void test_stix_pattern_escaping(void **state)
{
	(void)state;
	char buf[256];
	assert_string_equal(ln_stix_pattern(LN_IOC_IPV4, "192.0.2.1", buf, sizeof(buf)),
	                    "[ipv4-addr:value = '192.0.2.1']");
	assert_string_equal(ln_stix_pattern(LN_IOC_MUTEX, "Global\\It's", buf, sizeof(buf)),
	                    "[mutex:name = 'Global\\\\It\\'s']");
	assert_string_equal(ln_stix_pattern(LN_IOC_PIPE, "\\\\.\\pipe\\x", buf, sizeof(buf)),
	                    "[file:name = '\\\\\\\\.\\\\pipe\\\\x']");
	assert_string_equal(
	        ln_stix_pattern(LN_IOC_USER_AGENT, "UA 'q'", buf, sizeof(buf)),
	        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'UA \\'q\\'']");
	assert_string_equal(ln_stix_pattern(LN_IOC_SHA256, "ab", buf, sizeof(buf)), "[file:hashes.'SHA-256' = 'ab']");
	assert_string_equal(ln_stix_pattern(LN_IOC_SHA1, "ab", buf, sizeof(buf)), "[file:hashes.'SHA-1' = 'ab']");
	assert_string_equal(ln_stix_pattern(LN_IOC_MD5, "ab", buf, sizeof(buf)), "[file:hashes.MD5 = 'ab']");
	assert_string_equal(ln_stix_pattern(LN_IOC_DOMAIN, "a.example", buf, sizeof(buf)),
	                    "[domain-name:value = 'a.example']");
	assert_string_equal(ln_stix_pattern(LN_IOC_URL, "http://a.example/", buf, sizeof(buf)),
	                    "[url:value = 'http://a.example/']");
	assert_string_equal(ln_stix_pattern(LN_IOC_EMAIL, "a@b.example", buf, sizeof(buf)),
	                    "[email-addr:value = 'a@b.example']");
	assert_string_equal(ln_stix_pattern(LN_IOC_IPV6, "2001:db8::1", buf, sizeof(buf)),
	                    "[ipv6-addr:value = '2001:db8::1']");
	/* exactly fits, one byte short, unknown type */
	const char *exact = "[ipv4-addr:value = '192.0.2.1']";
	assert_non_null(ln_stix_pattern(LN_IOC_IPV4, "192.0.2.1", buf, strlen(exact) + 1));
	assert_null(ln_stix_pattern(LN_IOC_IPV4, "192.0.2.1", buf, strlen(exact)));
	assert_null(ln_stix_pattern(LN_IOC_MUTEX, "a'", buf, strlen("[mutex:name = 'a\\'']")));
	assert_null(ln_stix_pattern(LN_IOC_NTYPES, "x", buf, sizeof(buf)));
}

static const char *sget(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *by_id(const cJSON *objects, const char *id)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, objects)
	{
		const char *i = sget(o, "id");
		if (i && !strcmp(i, id)) return o;
	}
	return NULL;
}

static bool is_uuid_id(const char *id, const char *type, char version)
{
	size_t n = strlen(type);
	if (strncmp(id, type, n) || strncmp(id + n, "--", 2)) return false;
	const char *u = id + n + 2;
	if (strlen(u) != 36) return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-') return false;
		} else if (!strchr("0123456789abcdef", u[i])) {
			return false;
		}
	}
	return u[14] == version && strchr("89ab", u[19]);
}

/* Every *_ref and *_refs under v resolves in objects; returns the count. */
static size_t check_refs(const cJSON *v, const cJSON *objects)
{
	size_t n = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, v)
	{
		const char *k = c->string;
		size_t kl = k ? strlen(k) : 0;
		if (k && kl > 4 && !strcmp(k + kl - 4, "_ref")) {
			assert_true(cJSON_IsString(c));
			assert_non_null(by_id(objects, c->valuestring));
			n++;
		} else if (k && kl > 5 && !strcmp(k + kl - 5, "_refs")) {
			const cJSON *r;
			cJSON_ArrayForEach(r, c)
			{
				assert_true(cJSON_IsString(r));
				assert_non_null(by_id(objects, r->valuestring));
				n++;
			}
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			n += check_refs(c, objects);
		}
	}
	return n;
}

/* The relationship src --type--> dst exists. */
static bool has_rel(const cJSON *objects, const char *src, const char *type, const char *dst)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, objects)
	{
		if (strcmp(sget(o, "type"), "relationship")) continue;
		if (!strcmp(sget(o, "source_ref"), src) && !strcmp(sget(o, "relationship_type"), type) &&
		    !strcmp(sget(o, "target_ref"), dst))
			return true;
	}
	return false;
}

static const char *const aliases[] = {"Guardians of Peace", "HIDDEN COBRA", "Lazarus Group"};
static const ln_stix_actor actors[] = {
        {"Lazarus Group", "G0032", aliases, 3},
        {"Example Panda", NULL, NULL, 0},
        {"Lazarus Group", "G0032", aliases, 1}, /* the same group again: one intrusion-set */
};
static const ln_stix_sample samples[] = {
        {"5b4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d97d", "843873e9779279669ffac9b8f4318061",
         "wiper.exe", "ExampleWiper", 0, "2024-01-02T03:04:05Z"},
        {"aa4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d97d", "", NULL, "ExampleWiper", 2,
         "2023-01-02T03:04:05.5Z"},
        {"bb4275c88abe28296cae6ff17954181852b8ab328208487d3f2d77ad4027d97d", "", "caf\xe9.exe", NULL, 1, NULL},
};
static const size_t s01[] = {0, 1}, s2[] = {2};
static const ln_stix_indicator indicators[] = {
        {LN_IOC_IPV4, "198.51.100.23", s01, 2, 0, "2014-11-24T00:00:00Z", "2015-11-24T00:00:00Z", 85, "Example CERT"},
        {LN_IOC_MUTEX, "Global\\It's", s2, 1, SIZE_MAX, NULL, NULL, -1, NULL},
        {LN_IOC_USER_AGENT, "Mozilla/4.0 (compatible; x)", NULL, 0, 1, "2020-01-01T00:00:00Z", "2019-01-01T00:00:00Z",
         101, "Feed"},
        {LN_IOC_PIPE, "\\\\.\\pipe\\x", s2, 1, SIZE_MAX, NULL, NULL, -1, NULL},
};
static const ln_stix_export export = {samples, 3, indicators, 4, actors, 3, "2026-11-30T12:00:00.000Z"};

static void test_stix_write(void **state)
{
	(void)state;
	char *text = ln_stix_write(&export);
	assert_non_null(text);
	cJSON *root = cJSON_Parse(text);
	assert_non_null(root);
	assert_string_equal(sget(root, "type"), "bundle");
	assert_true(is_uuid_id(sget(root, "id"), "bundle", '4'));
	const cJSON *objects = cJSON_GetObjectItemCaseSensitive(root, "objects");
	assert_true(cJSON_IsArray(objects));
	/* 2 intrusion-sets, 1 family, 3 files, 3 samples, 4 indicators, 2 threat-actors, and the
	 * relationships: 2 variant-of, 2 authored-by (family -> Lazarus, sample 3 -> Panda), indicates:
	 * 2+1 samples, 1 actor (ipv4) + 1 actor (UA) + 1 sample (pipe), 2 attributed-to (each set to
	 * its threat-actor) */
	size_t counts[8] = {0};
	static const char *const types[] = {"intrusion-set", "malware",      "file",
	                                    "indicator",     "relationship", "threat-actor"};
	const cJSON *o;
	cJSON_ArrayForEach(o, objects)
	{
		const char *type = sget(o, "type"), *id = sget(o, "id");
		size_t t = 0;
		while (t < 6 && strcmp(types[t], type)) t++;
		assert_true(t < 6);
		counts[t]++;
		assert_true(is_uuid_id(id, type, !strcmp(type, "file") ? '5' : '4'));
		assert_string_equal(sget(o, "spec_version"), "2.1");
		if (strcmp(type, "file")) {
			assert_non_null(sget(o, "created"));
			assert_non_null(sget(o, "modified"));
		}
		/* no duplicate ids */
		const cJSON *p;
		size_t same = 0;
		cJSON_ArrayForEach(p, objects) same += !strcmp(sget(p, "id"), id);
		assert_int_equal(same, 1);
	}
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 4);
	assert_int_equal(counts[2], 3);
	assert_int_equal(counts[3], 4);
	assert_int_equal(counts[4], 2 + 2 + 3 + 2 + 1 + 2);
	assert_int_equal(counts[5], 2);
	assert_true(check_refs(objects, objects) >= 3 + 2 * counts[4]);

	/* file SCOs: UUIDv5 as Python's uuid.uuid5(STIX namespace, canonical JSON) gives them */
	const cJSON *f1 = by_id(objects, "file--f6312098-d20d-51e8-8e2b-bc64540c312a");
	const cJSON *f2 = by_id(objects, "file--073eda4f-6987-5c3c-867a-5e0fdc7a1e64");
	const cJSON *f3 = by_id(objects, "file--06c16b24-fbf2-5627-93c8-d8a2961796cd");
	assert_non_null(f1);
	assert_non_null(f2);
	assert_non_null(f3);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(f1, "hashes");
	assert_string_equal(sget(h, "SHA-256"), samples[0].sha256);
	assert_string_equal(sget(h, "MD5"), samples[0].md5);
	assert_string_equal(sget(f1, "name"), "wiper.exe");
	assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f2, "hashes"), "MD5"));
	assert_string_equal(sget(f3, "name"), "caf\xef\xbf\xbd.exe"); /* invalid UTF-8 replaced */

	/* the objects by role */
	const cJSON *lazarus = NULL, *panda = NULL, *family = NULL, *sample[3] = {0}, *ind[4] = {0};
	size_t ni = 0;
	cJSON_ArrayForEach(o, objects)
	{
		const char *type = sget(o, "type"), *name = sget(o, "name");
		if (!strcmp(type, "intrusion-set")) {
			if (!strcmp(name, "Lazarus Group")) lazarus = o;
			if (!strcmp(name, "Example Panda")) panda = o;
		} else if (!strcmp(type, "malware")) {
			const cJSON *fam = cJSON_GetObjectItemCaseSensitive(o, "is_family");
			assert_true(cJSON_IsBool(fam));
			if (cJSON_IsTrue(fam)) {
				family = o;
				continue;
			}
			const char *ref =
			        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "sample_refs"), 0)->valuestring;
			if (by_id(objects, ref) == f1) sample[0] = o;
			if (by_id(objects, ref) == f2) sample[1] = o;
			if (by_id(objects, ref) == f3) sample[2] = o;
		} else if (!strcmp(type, "indicator")) {
			ind[ni++] = o;
		}
	}
	assert_non_null(lazarus);
	assert_non_null(panda);
	assert_non_null(family);
	assert_string_equal(sget(family, "name"), "ExampleWiper");
	assert_string_equal(sget(family, "created"), "2023-01-02T03:04:05.500Z"); /* its first sample */
	assert_string_equal(sget(sample[0], "name"), "wiper.exe");
	assert_string_equal(sget(sample[1], "name"), samples[1].sha256);
	assert_string_equal(sget(sample[0], "created"), "2024-01-02T03:04:05.000Z");
	assert_string_equal(sget(sample[2], "created"), "2026-11-30T12:00:00.000Z");
	const cJSON *aka = cJSON_GetObjectItemCaseSensitive(lazarus, "aliases");
	assert_int_equal(cJSON_GetArraySize(aka), 2); /* its own name left out */
	assert_string_equal(cJSON_GetArrayItem(aka, 0)->valuestring, "Guardians of Peace");
	const cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(lazarus, "external_references"), 0);
	assert_string_equal(sget(ext, "source_name"), "mitre-attack");
	assert_string_equal(sget(ext, "external_id"), "G0032");
	assert_string_equal(sget(ext, "url"), "https://attack.mitre.org/groups/G0032");
	assert_null(cJSON_GetObjectItemCaseSensitive(panda, "external_references"));

	const char *laz = sget(lazarus, "id"), *pan = sget(panda, "id"), *fam = sget(family, "id");
	assert_true(has_rel(objects, sget(sample[0], "id"), "variant-of", fam));
	assert_true(has_rel(objects, sget(sample[1], "id"), "variant-of", fam));
	assert_true(has_rel(objects, fam, "authored-by", laz));
	assert_true(has_rel(objects, sget(sample[2], "id"), "authored-by", pan));
	assert_true(has_rel(objects, sget(ind[0], "id"), "indicates", sget(sample[0], "id")));
	assert_true(has_rel(objects, sget(ind[0], "id"), "indicates", sget(sample[1], "id")));
	assert_true(has_rel(objects, sget(ind[0], "id"), "indicates", laz));
	assert_true(has_rel(objects, sget(ind[1], "id"), "indicates", sget(sample[2], "id")));
	assert_true(has_rel(objects, sget(ind[2], "id"), "indicates", pan));

	assert_string_equal(sget(ind[0], "pattern"), "[ipv4-addr:value = '198.51.100.23']");
	assert_string_equal(sget(ind[0], "pattern_type"), "stix");
	assert_string_equal(sget(ind[0], "valid_from"), "2014-11-24T00:00:00.000Z");
	assert_string_equal(sget(ind[0], "valid_until"), "2015-11-24T00:00:00.000Z");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(ind[0], "confidence")->valueint, 85);
	assert_string_equal(sget(ind[0], "description"), "Reported by Example CERT");
	assert_string_equal(sget(ind[1], "pattern"), "[mutex:name = 'Global\\\\It\\'s']");
	assert_string_equal(sget(ind[1], "valid_from"), "2026-11-30T12:00:00.000Z");
	assert_string_equal(sget(ind[1], "description"), "Found in 1 lineage corpus sample");
	assert_null(cJSON_GetObjectItemCaseSensitive(ind[1], "confidence"));
	assert_null(cJSON_GetObjectItemCaseSensitive(ind[2], "valid_until")); /* before valid_from */
	assert_null(cJSON_GetObjectItemCaseSensitive(ind[2], "confidence"));  /* 101 */
	assert_string_equal(sget(ind[3], "pattern"), "[file:name = '\\\\\\\\.\\\\pipe\\\\x']");
	cJSON_Delete(root);

	/* read back as a feed: the same values, actors through the relationships */
	parsed p;
	parse_str(&p, "out/export.json", text, LN_FEED_AUTO);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.len, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(rec(&p, i)->type, indicators[i].type);
		assert_string_equal(rec(&p, i)->value, indicators[i].value);
	}
	assert_string_equal(rec(&p, 0)->actor, "Lazarus Group");
	assert_string_equal(rec(&p, 1)->actor, "Example Panda"); /* its sample's actor */
	assert_int_equal(rec(&p, 0)->confidence, 85);
	assert_int_equal(p.skipped, 0);
	parsed_free(&p);
	free(text);

	/* two exports: the file ids are stable, the others fresh */
	char *again = ln_stix_write(&export);
	assert_non_null(again);
	assert_non_null(strstr(again, "file--f6312098-d20d-51e8-8e2b-bc64540c312a"));
	free(again);

	/* times that are no calendar time: the export time instead */
	ln_stix_indicator bad = {LN_IOC_DOMAIN,          "a.example", NULL,  0, SIZE_MAX, "2021-02-29T00:00:00Z",
	                         "2021-13-01T00:00:00Z", -1,          "Feed"};
	ln_stix_export one = {NULL, 0, &bad, 1, NULL, 0, "2026-11-30T12:00:00.000Z"};
	text = ln_stix_write(&one);
	assert_non_null(text);
	root = cJSON_Parse(text);
	const cJSON *only = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "objects"), 0);
	assert_string_equal(sget(only, "valid_from"), "2026-11-30T12:00:00.000Z");
	assert_null(cJSON_GetObjectItemCaseSensitive(only, "valid_until"));
	cJSON_Delete(root);
	free(text);

	/* nothing at all, and no export time given */
	ln_stix_export none = {0};
	text = ln_stix_write(&none);
	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "objects")), 0);
	cJSON_Delete(root);
	free(text);
}

/* The export passes tests/infra/stix_check.py --strict (an independent
 * reading of the specification), as does the fixture bundle. */
static int run_checker(const char *arg1, const char *arg2)
{
	char *script = fixture_path("tests/infra/stix_check.py");
	assert_non_null(script);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("python3", "python3", script, arg1, arg2, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(script);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_stix_check(void **state)
{
	(void)state;
	if (!getenv("LINEAGE_SOURCE_DIR")) skip();
	assert_int_equal(run_checker("--self-test", NULL), 0);
	char *fixture = fixture_path("tests/fixtures/feeds/example-cert.stix.json");
	assert_int_equal(run_checker("--strict", fixture), 0);
	free(fixture);

	char path[] = "/tmp/lineage-stix-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char *text = ln_stix_write(&export);
	assert_non_null(text);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(run_checker("--strict", path), 0);
	/* and the checker does reject: a dangling reference */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"type\":\"bundle\",\"id\":\"bundle--6b0f9c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e\",\"objects\":[{\"type\":"
	      "\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\","
	      "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-01T00:00:00.000Z\",\"is_family\":false,"
	      "\"sample_refs\":[\"file--073eda4f-6987-5c3c-867a-5e0fdc7a1e64\"]}]}",
	      f);
	fclose(f);
	assert_int_equal(run_checker("--strict", path), 1);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stix_fixture),
	        cmocka_unit_test(test_misp_fixture),
	        cmocka_unit_test(test_csv_fixture),
	        cmocka_unit_test(test_fixture_prefixes),
	        cmocka_unit_test(test_alloc_failures),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_stix_patterns),
	        cmocka_unit_test(test_stix_actors),
	        cmocka_unit_test(test_misp_shapes),
	        cmocka_unit_test(test_csv_details),
	        cmocka_unit_test(test_stix_pattern_escaping),
	        cmocka_unit_test(test_stix_write),
	        cmocka_unit_test(test_stix_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
