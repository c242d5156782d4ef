/* Unit tests of the infrastructure stage (lib/infra/infra.c) and its corpus
 * glue (lib/infra/corpus_iocs.c): indicators from a blob in memory with their
 * flags, offsets and traits; the minimum string length; integer addresses in
 * a socket address (built fixture) with the instruction that carries them;
 * XOR-decoded strings only when the crypto axis ran; trait tokens; a feed
 * imported through the API with its actor resolved to an ATT&CK group, looked
 * up by value and by host; a STIX export read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "lineage.h"
#include "infra/infra.h"

static lineage_ctx *ctx;
static char tmpdir[] = "/tmp/lineage-infra-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return lineage_ctx_new(&ctx) == 0 && mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const lineage_indicator *find(const lineage_sample *s, const char *type, const char *value)
{
	size_t n;
	const lineage_indicator *in = lineage_sample_indicators(s, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(in[i].type, type) && !strcmp(in[i].value, value)) return &in[i];
	return NULL;
}

static const lineage_trait *trait(const lineage_sample *s, const char *token)
{
	size_t n;
	const lineage_trait *t = lineage_sample_traits(s, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].token, token)) return &t[i];
	return NULL;
}

static const char blob[] = "junk\0config: http://C2.Example.NET:8080/gate.php?id=%s\0"
                           "fallback 198.51.100.23:443\0lan 192.168.1.20\0resolver 8.8.8.8\0"
                           "mail ops@example.org\0libc.so.6\0version 10.0.19041.1\0";

static void test_blob(void **state)
{
	(void)state;
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, blob, sizeof(blob), "blob"), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_INFRA), 0);
	size_t n;
	lineage_sample_indicators(s, &n);
	assert_int_equal(n, 5); /* url, two addresses, the resolver, the e-mail; no junk */
	const lineage_indicator *u = find(s, "url", "http://c2.example.net:8080/gate.php?id=%s");
	assert_non_null(u);
	assert_string_equal(u->host, "c2.example.net");
	assert_int_equal(u->port, 8080);
	assert_true(u->flags & LINEAGE_IOC_DOC);
	assert_int_equal(u->nplaces, 1);
	assert_string_equal(u->places[0].form, "ascii");
	assert_true(u->places[0].has_offset);
	assert_int_equal(u->places[0].offset, (uint64_t)(strstr(blob + 5, "http") - blob));
	const lineage_indicator *a = find(s, "ipv4", "198.51.100.23");
	assert_non_null(a);
	assert_int_equal(a->port, 443);
	const lineage_indicator *p = find(s, "ipv4", "192.168.1.20");
	assert_non_null(p);
	assert_true(p->flags & LINEAGE_IOC_PRIVATE);
	const lineage_indicator *r = find(s, "ipv4", "8.8.8.8");
	assert_non_null(r);
	assert_true(r->flags & LINEAGE_IOC_COMMON);
	assert_non_null(find(s, "email", "ops@example.org"));
	/* traits: rare ones weigh like key material, private and public services like a common algorithm */
	const lineage_trait *t = trait(s, "infra:url:http://c2.example.net:8080/gate.php?id=%s");
	assert_non_null(t);
	assert_int_equal(t->kind, LINEAGE_TRAIT_MATERIAL);
	assert_string_equal(t->axis, "infrastructure");
	assert_non_null(trait(s, "infra:domain:c2.example.net")); /* the URL's host, to meet it written alone */
	assert_int_equal(trait(s, "infra:ipv4:192.168.1.20")->kind, LINEAGE_TRAIT_COMMON);
	assert_int_equal(trait(s, "infra:ipv4:8.8.8.8")->kind, LINEAGE_TRAIT_COMMON);
	assert_null(trait(s, "infra:registrable:example.net")); /* example names: no registrable trait */
	const char *type, *value;
	assert_true(ln_infra_token("infra:ipv4:198.51.100.23", &type, &value));
	assert_string_equal(type, "ipv4");
	assert_string_equal(value, "198.51.100.23");
	assert_false(ln_infra_token("infra:registrable:example.net", &type, &value));
	assert_false(ln_infra_token("crypto:aes", &type, &value));
	char buf[256];
	assert_string_equal(lineage_ioc_defang("url", u->value, buf, sizeof(buf)),
	                    "hxxp://c2[.]example[.]net:8080/gate.php?id=%s");
	lineage_sample_free(s);

	/* a longer minimum string length leaves the short strings out */
	lineage_ctx *c2;
	assert_int_equal(lineage_ctx_new(&c2), 0);
	lineage_limits lim = *lineage_ctx_limits(ctx);
	lim.min_string_length = 27; /* "fallback 198.51.100.23:443" has 26 */
	assert_int_equal(lineage_ctx_set_limits(c2, &lim), 0);
	assert_int_equal(lineage_sample_load_memory(&s, c2, blob, sizeof(blob), "blob"), 0);
	assert_int_equal(lineage_sample_analyze(s, c2, LINEAGE_ANALYZE_INFRA), 0);
	lineage_sample_indicators(s, &n);
	assert_int_equal(n, 1);
	assert_non_null(find(s, "url", "http://c2.example.net:8080/gate.php?id=%s"));
	lineage_sample_free(s);
	lineage_ctx_free(c2);
}

static lineage_sample *fixture(const char *name, uint32_t what)
{
	const char *dir = getenv("LINEAGE_FIXTURES");
	assert_non_null(dir);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, what), 0);
	return s;
}

static void test_socket_address(void **state)
{
	(void)state;
	static const char *const builds[] = {"infra-sockaddr_integer-gcc-O0", "infra-sockaddr_integer-clang-O2",
	                                     "infra-sockaddr_integer-mingw32-O0.exe"};
	for (size_t b = 0; b < 3; b++) {
		lineage_sample *s = fixture(builds[b], LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_INFRA);
		const lineage_indicator *a = find(s, "ipv4", "203.0.113.77");
		assert_non_null(a);
		assert_int_equal(a->port, 4444);
		assert_string_equal(a->places[0].form, "integer");
		assert_string_equal(a->places[0].context, "connect");
		assert_true(a->places[0].has_va && a->places[0].has_offset);
		/* the instruction carries the constant: htonl's argument (host order) at -O0, the network-order
		 * address in a 64-bit store at -O2 */
		const lineage_binary *bin = lineage_sample_binary(s);
		const uint8_t *p = bin->data + a->places[0].offset;
		static const uint8_t host[] = {0x4d, 0x71, 0x00, 0xcb}, net[] = {0xcb, 0x00, 0x71, 0x4d};
		bool carried = false;
		for (int k = 0; k < 12 && a->places[0].offset + k + 4 <= bin->size; k++)
			carried |= !memcmp(p + k, host, 4) || !memcmp(p + k, net, 4);
		assert_true(carried);
		assert_non_null(lineage_sample_function_at(s, a->places[0].function));
		lineage_sample_free(s);
	}
	/* without the code stage there is no integer address */
	lineage_sample *s = fixture("infra-sockaddr_integer-gcc-O2", LINEAGE_ANALYZE_INFRA);
	assert_null(find(s, "ipv4", "203.0.113.77"));
	lineage_sample_free(s);
}

static void test_xor_needs_crypto(void **state)
{
	(void)state;
	const char *url = "https://files.evil-corp.example/stage2.bin";
	lineage_sample *s = fixture("infra-xor_strings-clang-O2", LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_INFRA);
	assert_null(find(s, "url", url));
	lineage_sample_free(s);
	s = fixture("infra-xor_strings-clang-O2",
	            LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO | LINEAGE_ANALYZE_INFRA);
	const lineage_indicator *u = find(s, "url", url);
	assert_non_null(u);
	assert_string_equal(u->places[0].form, "xor");
	assert_string_equal(u->places[0].key, "5a");
	lineage_sample_free(s);
}

static int count_feed(const lineage_feed_ioc *f, void *arg)
{
	lineage_feed_ioc *last = arg;
	last->confidence++;
	if (!strcmp(f->type, "ipv4")) {
		assert_string_equal(f->actor, "Guardians of Peace");
		assert_string_equal(f->group_id, "G0032");
		assert_string_equal(f->group_name, "Lazarus Group");
		assert_string_equal(f->source, "Example CERT");
		assert_non_null(f->first_seen);
	}
	return 0;
}

static void test_feeds_and_export(void **state)
{
	(void)state;
	char db[256], feed[4096];
	snprintf(db, sizeof(db), "%s/feeds.db", tmpdir);
	snprintf(feed, sizeof(feed), "%s/tests/fixtures/feeds/example-cert.stix.json", getenv("LINEAGE_SOURCE_DIR"));
	lineage_kb *kb;
	assert_int_equal(lineage_kb_load(&kb, ctx, NULL), 0);
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, db, LINEAGE_CORPUS_CREATE), 0);
	lineage_import_stats st;
	assert_int_equal(lineage_corpus_import_iocs(c, ctx, feed, kb, &st), 0);
	assert_string_equal(st.format, "stix");
	assert_true(st.read >= 4);
	assert_int_equal(st.added, st.read);
	assert_int_equal(st.resolved, 1);
	/* by value, and by host: the feed's URL is found from its host */
	lineage_feed_ioc seen = {.confidence = 0};
	assert_int_equal(lineage_corpus_each_feed_ioc(c, ctx, "198.51.100.23", count_feed, &seen), 0);
	assert_int_equal(seen.confidence, 1);
	seen.confidence = 0;
	assert_int_equal(lineage_corpus_each_feed_ioc(c, ctx, "c2.example.net", count_feed, &seen), 0);
	assert_int_equal(seen.confidence, 1);
	/* again: updated, not duplicated */
	assert_int_equal(lineage_corpus_import_iocs(c, ctx, feed, kb, &st), 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.existing, st.read);
	/* a file that is no feed: the message names it */
	snprintf(feed, sizeof(feed), "%s/broken.json", tmpdir);
	FILE *f = fopen(feed, "w");
	assert_non_null(f);
	fputs("{\"type\": \"bundle\", \"objects\": [", f);
	fclose(f);
	assert_int_equal(lineage_corpus_import_iocs(c, ctx, feed, kb, &st), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "broken.json"));
	/* the export: the feed's indicator, indicating the intrusion-set of the ATT&CK group */
	char *json;
	assert_int_equal(lineage_corpus_export_stix(c, ctx, kb, &json), 0);
	cJSON *b = cJSON_Parse(json);
	assert_non_null(b);
	assert_string_equal(cJSON_GetObjectItem(b, "type")->valuestring, "bundle");
	bool pattern = false, group = false;
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(b, "objects"))
	{
		const cJSON *p = cJSON_GetObjectItem(o, "pattern"), *n = cJSON_GetObjectItem(o, "name");
		pattern |= p && !strcmp(p->valuestring, "[ipv4-addr:value = '198.51.100.23']");
		group |= !strcmp(cJSON_GetObjectItem(o, "type")->valuestring, "intrusion-set") && n &&
		         !strcmp(n->valuestring, "Lazarus Group");
	}
	assert_true(pattern && group);
	cJSON_Delete(b);
	free(json);
	lineage_corpus_close(c);
	lineage_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_blob),
	        cmocka_unit_test(test_socket_address),
	        cmocka_unit_test(test_xor_needs_crypto),
	        cmocka_unit_test(test_feeds_and_export),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
