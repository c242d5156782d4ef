/* Unit tests of the HTML match report: text from a sample or the corpus
 * (a file name, labels, symbol-free trait details, feed entries) comes out
 * escaped, never as markup; indicators are defanged when asked; every
 * in-page link has its target; the side-by-side view shows a known function
 * re-read from its stored path, and says so when the file is gone; out of
 * memory anywhere is an error, never a crash. The match is built by hand, so
 * that every string can be hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "lineage.h"
#include "util/util.h"

#include "../ctx_group.h"

#define HOSTILE_NAME   "/tmp/x\"y'<script>alert(1)</script>&amp;.exe"
#define HOSTILE_FAMILY "<img src=x onerror=alert(1)>"
#define GONE_PATH      "/nonexistent/<script>gone</script>.bin"
#define ZERO_SHA       "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct fixture {
	lineage_sample *q, *known;
	char known_path[600];
	lineage_match_sample samples[2];
	lineage_match_family families[1];
	lineage_match_evidence evidence[2];
	lineage_match_trait traits[1];
	lineage_match_feed feeds[1];
	lineage_match_contradiction contradictions[1];
	lineage_match m;
} fixture;

static uint64_t address_of(const lineage_sample *s, const char *name)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++)
		if (f[i].name && !strcmp(f[i].name, name)) return f[i].address;
	fail_msg("%s not found", name);
	return 0;
}

/* kin_b loaded under a hostile name, matched by hand against kin_a (on disk)
 * and a sample whose file is gone. */
static void make(fixture *x)
{
	memset(x, 0, sizeof(*x));
	const char *fx = getenv("LINEAGE_FIXTURES");
	assert_non_null(fx);
	char path[600];
	snprintf(path, sizeof(path), "%s/kin_b-gcc-O2", fx);
	snprintf(x->known_path, sizeof(x->known_path), "%s/kin_a-gcc-O2", fx);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char data[1 << 20];
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	assert_int_equal(lineage_sample_load_memory(&x->q, ctx, data, n, HOSTILE_NAME), 0);
	assert_int_equal(lineage_sample_analyze(x->q, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);
	assert_int_equal(lineage_sample_load_file(&x->known, ctx, x->known_path), 0);
	assert_int_equal(lineage_sample_analyze(x->known, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);

	x->samples[0] = (lineage_match_sample){.id = 1,
	                                       .sha256 = lineage_sample_hashes(x->known)->sha256,
	                                       .path = x->known_path,
	                                       .family = HOSTILE_FAMILY,
	                                       .actor = "O'Brien & <Co>",
	                                       .score = 0.6,
	                                       .nfunctions = 2};
	x->samples[1] = (lineage_match_sample){.id = 2,
	                                       .sha256 = ZERO_SHA,
	                                       .path = GONE_PATH,
	                                       .family = HOSTILE_FAMILY,
	                                       .actor = "O'Brien & <Co>",
	                                       .score = 0.5,
	                                       .nfunctions = 1};
	lineage_match_family *fam = &x->families[0];
	fam->family = HOSTILE_FAMILY;
	fam->actor = "O'Brien & <Co>";
	fam->score = 0.6;
	fam->infrastructure_score = 0.9;
	fam->nsamples = 2;
	fam->nfunctions = 2;
	fam->nexact = 2;
	fam->shared_insns = 100;
	fam->axis_evidence[LINEAGE_AXIS_CODE] = 8;
	fam->axis_evidence[LINEAGE_AXIS_INFRASTRUCTURE] = 3;
	fam->evidence = 7;
	fam->confidence = 0.97;
	fam->supported = 1;
	fam->group_id = "G9999\"><script>";
	fam->group_name = "Group <u>";
	x->evidence[0] = (lineage_match_evidence){.family = 0,
	                                          .sample = 0,
	                                          .query_address = address_of(x->q, "fixture_kin_checksum"),
	                                          .known_address = address_of(x->known, "fixture_kin_checksum"),
	                                          .query_name = "fixture_kin_checksum",
	                                          .known_name = "<script>known</script>",
	                                          .ninsn = 36,
	                                          .similarity = 1,
	                                          .exact = 1,
	                                          .nfamilies = 1,
	                                          .weight = 1};
	x->evidence[1] = (lineage_match_evidence){.family = 0,
	                                          .sample = 1,
	                                          .query_address = address_of(x->q, "fixture_kin_parse"),
	                                          .known_address = 0x1390,
	                                          .query_name = "fixture_kin_parse",
	                                          .ninsn = 75,
	                                          .similarity = 1,
	                                          .exact = 1,
	                                          .nfamilies = 1,
	                                          .weight = 1};
	x->traits[0] = (lineage_match_trait){.family = 0,
	                                     .sample = 1,
	                                     .axis = "infrastructure",
	                                     .token = "infra:url:http://evil.example.net/<script>",
	                                     .detail = "url http://evil.example.net/<script> \"quoted\" (ascii)",
	                                     .kind = LINEAGE_TRAIT_MATERIAL,
	                                     .nfamilies = 1,
	                                     .weight = 0.9};
	x->feeds[0] = (lineage_match_feed){.type = "url",
	                                   .value = "http://c2.example.net/x",
	                                   .family = 0,
	                                   .weight = 0.765,
	                                   .entry = {.type = "url",
	                                             .value = "http://c2.example.net/x",
	                                             .source = "<script>src</script>",
	                                             .feed = "feed.json",
	                                             .actor = "Actor \"A\"",
	                                             .confidence = 85,
	                                             .description = "a 'description' <i>"}};
	x->contradictions[0] = (lineage_match_contradiction){.axis = LINEAGE_AXIS_ARTIFACTS, .score = 0.9};
	lineage_match *m = &x->m;
	m->families = x->families;
	m->nfamilies = 1;
	m->samples = x->samples;
	m->nsamples = 2;
	m->evidence = x->evidence;
	m->nevidence = 2;
	m->traits = x->traits;
	m->ntraits = 1;
	m->feeds = x->feeds;
	m->nfeeds = 1;
	m->contradictions = x->contradictions;
	m->ncontradictions = 1;
	m->threshold = LINEAGE_VERDICT_THRESHOLD;
	m->verdict = HOSTILE_FAMILY;
	m->verdict_axis = "code";
	m->confidence = 0.97;
	m->score = 0.6;
}

static void unmake(fixture *x)
{
	lineage_sample_free(x->q);
	lineage_sample_free(x->known);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
	return n;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	for (size_t n = strlen(needle); *hay; hay++)
		if (!strncasecmp(hay, needle, n)) return true;
	return false;
}

/* Every href="#x" has an element with id="x". */
static void check_anchors(const char *html)
{
	size_t links = 0;
	for (const char *p = html; (p = strstr(p, "href=\"")); p += 6) {
		assert_int_equal(p[6], '#'); /* no link leaves the page */
		const char *end = strchr(p + 7, '"');
		assert_non_null(end);
		char id[80];
		assert_true(end - (p + 7) < 60);
		snprintf(id, sizeof(id), "id=\"%.*s\"", (int)(end - (p + 7)), p + 7);
		if (!strstr(html, id)) fail_msg("no target for %s", id);
		links++;
	}
	assert_true(links > 10);
}

static void test_escaped(void **state)
{
	(void)state;
	fixture x;
	make(&x);
	char *html;
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &x.m, 0), 0);
	/* nothing from the sample or the corpus becomes markup */
	assert_false(contains_nocase(html, "<script"));
	assert_false(contains_nocase(html, "<img"));
	assert_false(contains_nocase(html, "<u>"));
	assert_false(contains_nocase(html, "<i>"));
	assert_null(strstr(html, "src=\""));
	assert_non_null(strstr(html, "x&quot;y&#39;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;.exe"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(html, "O&#39;Brien &amp; &lt;Co&gt;"));
	assert_non_null(strstr(html, "G9999&quot;&gt;&lt;script&gt;"));
	assert_non_null(strstr(html, "&quot;quoted&quot;"));
	assert_non_null(strstr(html, "&lt;script&gt;src&lt;/script&gt;"));
	assert_non_null(strstr(html, "Actor &quot;A&quot;"));
	/* no script, no network: the CSP forbids fetches and nothing refers outside */
	assert_non_null(strstr(html, "default-src 'none'"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "@import"));
	assert_null(strstr(html, "url("));
	/* the verdict, and the contradiction shown */
	assert_non_null(strstr(html, "Verdict: <a href=\"#fam0\">&lt;img src=x onerror=alert(1)&gt;</a>"));
	assert_non_null(strstr(html, "id=\"contradictions\""));
	/* without --defang, the indicator as it is (escaped) */
	assert_non_null(strstr(html, "http://c2.example.net/x"));
	check_anchors(html);
	/* side by side: kin_a's function re-read and identical; the gone file said so */
	assert_non_null(strstr(html, "id=\"sbs0\""));
	assert_non_null(strstr(html, "id=\"sbs1\""));
	assert_true(count(html, "<tr class=\"same\">") >= 30);
	assert_non_null(strstr(html, "36 of 36 / 36 instructions identical"));
	assert_non_null(strstr(html, "Known function not shown: the file is gone or unreadable"));
	assert_non_null(strstr(html, "/nonexistent/&lt;script&gt;gone&lt;/script&gt;.bin"));
	free(html);

	/* defanged: no live indicator left, in the feed or the trait */
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &x.m, LINEAGE_REPORT_DEFANG), 0);
	assert_null(strstr(html, "http://c2"));
	assert_null(strstr(html, "http://evil"));
	assert_non_null(strstr(html, "hxxp://c2[.]example[.]net/x"));
	assert_non_null(strstr(html, "hxxp://evil[.]example[.]net/&lt;script&gt;"));
	free(html);

	/* no context: the known side is not loaded, and the page says why */
	assert_int_equal(lineage_report_match_html(&html, NULL, x.q, &x.m, 0), 0);
	assert_non_null(strstr(html, "not loaded (no context given)"));
	free(html);
	unmake(&x);
}

/* A stored path whose file has changed since it was added: not shown as the
 * known function. */
static void test_changed_file(void **state)
{
	(void)state;
	fixture x;
	make(&x);
	x.samples[0].sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
	char *html;
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &x.m, 0), 0);
	assert_non_null(strstr(html, "no longer the stored sample"));
	assert_null(strstr(html, "<tr class=\"same\">"));
	free(html);
	unmake(&x);
}

/* Bytes that are not UTF-8, and control characters, become U+FFFD. */
static void test_bytes(void **state)
{
	(void)state;
	fixture x;
	make(&x);
	x.families[0].actor = "a\x01\xff\xc0\xafz\xe2\x82\xac";
	x.samples[1].sha256 = "<s>\"'&<s>"; /* a corpus that is not ours */
	char *html;
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &x.m, 0), 0);
	assert_non_null(strstr(html, "a&#xfffd;&#xfffd;&#xfffd;&#xfffd;z\xe2\x82\xac"));
	assert_non_null(strstr(html, "&lt;s&gt;&quot;&#39;&amp;&lt;s&gt;"));
	assert_null(strstr(html, "<s>"));
	free(html);
	unmake(&x);
}

static void test_no_relative(void **state)
{
	(void)state;
	fixture x;
	make(&x);
	x.m.verdict = NULL;
	x.m.verdict_axis = NULL;
	x.m.confidence = 0.83;
	x.m.ambiguous = 1;
	lineage_match_actor actor = {.actor = "<em>Actor</em>", .group_id = "G0032", .confidence = 0.4, .nfamilies = 1};
	x.m.actors = &actor;
	x.m.nactors = 1;
	char *html;
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &x.m, 0), 0);
	assert_non_null(strstr(html, "Verdict: no known relative"));
	assert_non_null(strstr(html, "<b>ambiguous</b>"));
	assert_non_null(strstr(html, "<tr id=\"actor0\"><td>&lt;em&gt;Actor&lt;/em&gt;</td><td>G0032 </td>"));
	assert_non_null(strstr(html, "probability 0.83"));
	assert_non_null(strstr(html, "nearest candidates: <a href=\"#fam0\">"));
	check_anchors(html);
	free(html);
	/* and nothing at all shared */
	lineage_match empty = {.threshold = LINEAGE_VERDICT_THRESHOLD, .confidence = 1};
	assert_int_equal(lineage_report_match_html(&html, ctx, x.q, &empty, 0), 0);
	assert_non_null(strstr(html, "nothing is shared with the corpus"));
	assert_null(strstr(html, "href=\"#fam"));
	free(html);
	unmake(&x);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	fixture x;
	make(&x);
	bool done = false;
	for (uint64_t n = 1; n < 20000 && !done; n++) {
		char *html = (char *)1;
		ln_alloc_fail_after(n);
		int rc = lineage_report_match_html(&html, ctx, x.q, &x.m, 0);
		ln_alloc_fail_after(0);
		assert_true(rc == 0 || rc == LINEAGE_ENOMEM);
		if (rc != 0) assert_null(html);
		done = rc == 0 && strstr(html, "36 of 36 / 36");
		free(html);
	}
	assert_true(done);
	unmake(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escaped),     cmocka_unit_test(test_changed_file),  cmocka_unit_test(test_bytes),
	        cmocka_unit_test(test_no_relative), cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
