/* Unit tests of lineage_corpus_match on fixtures compiled at test time: a
 * program sharing a source unit with a stored family is attributed to it
 * with the shared functions as evidence; unrelated code is "no known
 * relative"; code found in several families loses weight and becomes library
 * code; reference library samples mark what they contain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lineage.h"

#define TEST_DIR "/tmp/lineage-match-XXXXXX"
#include "../test_fixture_env.h"

static lineage_sample *analyzed(const char *path)
{
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);
	return s;
}

static const char *fixture(const char *name)
{
	static char buf[4][700];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx, name);
	return buf[k];
}

/* Store PATH with a family (or as library code when lib is set). */
static void add(lineage_corpus *c, const char *path, const char *family, int lib)
{
	lineage_sample *s = analyzed(path);
	lineage_labels l = {family, lib ? NULL : "Test Actor", NULL, "unit test", lib};
	int added;
	assert_int_equal(lineage_corpus_add(c, ctx, s, &l, &added), 0);
	assert_int_equal(added, 1);
	lineage_sample_free(s);
}

static lineage_corpus *fresh(const char *name)
{
	char path[800];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_CREATE), 0);
	return c;
}

static const lineage_function *named(const lineage_sample *s, const char *name)
{
	size_t n;
	const lineage_function *f = lineage_sample_functions(s, &n);
	for (size_t i = 0; i < n; i++)
		if (f[i].name && (!strcmp(f[i].name, name) || (f[i].name[0] == '_' && !strcmp(f[i].name + 1, name))))
			return &f[i];
	return NULL;
}

/* kin_b shares the source unit kin.c with kin_a: attributed to kin_a's
 * family for each compiler, with fixture_kin_checksum matched exactly at its
 * addresses in both files; features (unrelated code) is no known relative. */
static void test_verdict_and_evidence(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("verdict.db");
	const char *cc[] = {"gcc-O2", "clang-O2", "mingw64-O2.exe", "mingw32-O2.exe"};
	char name[128];
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "kin_a-%s", cc[i]);
		add(c, fixture(name), "Kin", 0);
	}
	add(c, "/lib/x86_64-linux-gnu/libz.so.1", "zlib", 0);
	/* what each toolchain links into every program: library code */
	const char *tc[] = {"gcc", "clang", "mingw64", "mingw32"}, *lv[] = {"O0", "O2", "Os"};
	for (int i = 0; i < 4; i++)
		for (int o = 0; o < 3; o++) {
			snprintf(name, sizeof(name), "runtime_probe-%s-%s%s", tc[i], lv[o], i >= 2 ? ".exe" : "");
			add(c, fixture(name), "runtime", 1);
		}
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "kin_b-%s", cc[i]);
		lineage_sample *q = analyzed(fixture(name));
		lineage_match *m;
		assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
		assert_non_null(m->verdict);
		assert_string_equal(m->verdict, "Kin");
		assert_true(m->nfamilies >= 1);
		assert_string_equal(m->families[0].family, "Kin");
		assert_string_equal(m->families[0].actor, "Test Actor");
		assert_true(m->score >= LINEAGE_VERDICT_THRESHOLD);
		assert_true(m->families[0].shared_insns >= LINEAGE_VERDICT_MIN_INSNS);
		/* the best sample is the same compiler's kin_a */
		const lineage_match_sample *best = &m->samples[m->families[0].best_sample];
		snprintf(name, sizeof(name), "kin_a-%s", cc[i]);
		assert_non_null(strstr(best->path, name));
		/* fixture_kin_checksum is evidence, exact, at its addresses in both */
		snprintf(name, sizeof(name), "kin_a-%s", cc[i]);
		lineage_sample *k = analyzed(fixture(name));
		const lineage_function *fq = named(q, "fixture_kin_checksum"), *fk = named(k, "fixture_kin_checksum");
		assert_non_null(fq);
		assert_non_null(fk);
		bool found = false;
		for (size_t e = 0; e < m->nevidence; e++) {
			const lineage_match_evidence *ev = &m->evidence[e];
			if (ev->family != 0 || ev->query_address != fq->address) continue;
			found = true;
			assert_int_equal(ev->known_address, fk->address);
			assert_int_equal(ev->exact, 1);
			assert_true(ev->similarity == 1.0);
			assert_int_equal(ev->nfamilies, 1);
			assert_true(ev->weight == 1.0);
			assert_int_equal(ev->library, 0);
			assert_string_equal(m->samples[ev->sample].sha256, lineage_sample_hashes(k)->sha256);
		}
		assert_true(found);
		/* evidence is grouped by family, heaviest first */
		for (size_t e = 1; e < m->nevidence; e++) {
			const lineage_match_evidence *a = &m->evidence[e - 1], *b = &m->evidence[e];
			assert_true(a->family <= b->family);
			if (a->family == b->family)
				assert_true(a->weight * a->ninsn * a->similarity >=
				            b->weight * b->ninsn * b->similarity);
		}
		lineage_sample_free(k);
		lineage_match_free(m);
		lineage_sample_free(q);
	}
	/* unrelated code: no known relative, yet the nearest families are listed */
	const char *unrelated[] = {"features-gcc-O2", "features-mingw64-O2.exe", "/lib/x86_64-linux-gnu/libm.so.6"};
	for (int i = 0; i < 3; i++) {
		lineage_sample *q = analyzed(unrelated[i][0] == '/' ? unrelated[i] : fixture(unrelated[i]));
		lineage_match *m;
		assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
		assert_null(m->verdict);
		assert_true(m->score < LINEAGE_VERDICT_THRESHOLD);
		assert_true(m->functions > 10);
		lineage_match_free(m);
		lineage_sample_free(q);
	}
	/* a stored file matches itself whole */
	lineage_sample *q = analyzed("/lib/x86_64-linux-gnu/libz.so.1");
	lineage_match *m;
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
	assert_string_equal(m->verdict, "zlib");
	assert_true(m->score > 0.99);
	assert_int_equal(m->families[0].nexact, m->families[0].nfunctions);
	lineage_match_free(m);
	/* thresholds are checked */
	lineage_match_options o = {.verdict_threshold = 1.5};
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, &o), LINEAGE_EINVAL);
	assert_null(m);
	/* a stricter threshold than the score: no verdict */
	o = (lineage_match_options){.verdict_threshold = 1.0};
	lineage_sample_free(q);
	q = analyzed(fixture("kin_b-gcc-O2"));
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, &o), 0);
	assert_null(m->verdict);
	assert_string_equal(m->families[0].family, "Kin");
	lineage_match_free(m);
	lineage_sample_free(q);
	lineage_corpus_close(c);
}

/* A copy of a file with bytes appended: another sha256, the same code. */
static const char *variant(const char *src, int n)
{
	static char out[4][800];
	snprintf(out[n], sizeof(out[n]), "%s/variant%d", dir, n);
	FILE *in = fopen(src, "rb"), *o = fopen(out[n], "wb");
	assert_non_null(in);
	assert_non_null(o);
	char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0) assert_int_equal(fwrite(buf, 1, k, o), k);
	for (int i = 0; i <= n; i++) fputc(0, o);
	fclose(in);
	fclose(o);
	return out[n];
}

static const lineage_match_evidence *evidence_at(const lineage_match *m, uint64_t addr)
{
	for (size_t e = 0; e < m->nevidence; e++)
		if (m->evidence[e].query_address == addr) return &m->evidence[e];
	return NULL;
}

/* The same code in two families weighs 1/2 in each; in three it is library
 * code and decides nothing. */
static void test_weights_fall_with_families(void **state)
{
	(void)state;
	const char *kin_a = fixture("kin_a-gcc-O2");
	lineage_sample *q = analyzed(fixture("kin_b-gcc-O2"));
	const lineage_function *fq = named(q, "fixture_kin_checksum");
	assert_non_null(fq);
	lineage_corpus *c = fresh("weights.db");
	add(c, kin_a, "A", 0);
	add(c, variant(kin_a, 0), "B", 0);
	lineage_match *m;
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
	const lineage_match_evidence *e = evidence_at(m, fq->address);
	assert_non_null(e);
	assert_int_equal(e->nfamilies, 2);
	assert_true(e->weight == 0.5);
	assert_int_equal(e->library, 0);
	assert_int_equal(m->nfamilies, 2);
	assert_true(m->families[0].score == m->families[1].score);
	double two = m->families[0].score;
	lineage_match_free(m);

	add(c, variant(kin_a, 1), "C", 0);
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
	e = evidence_at(m, fq->address);
	assert_non_null(e);
	assert_int_equal(e->nfamilies, 3);
	assert_true(e->weight == 0.0);
	assert_int_equal(e->library, 1);
	assert_null(m->verdict);
	assert_true(m->score < two);
	assert_true(m->library_functions > 0);
	lineage_match_free(m);
	lineage_corpus_close(c);
	lineage_sample_free(q);
}

/* Functions found in a reference library sample are library code: a query
 * that is nothing else has no family, and the library is named. */
static void test_library_samples(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("library.db");
	add(c, "/lib/x86_64-linux-gnu/libz.so.1", "zlib", 1);
	add(c, fixture("kin_a-gcc-O2"), "Kin", 0);
	lineage_sample *q = analyzed("/lib/x86_64-linux-gnu/libz.so.1");
	lineage_match *m;
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
	assert_null(m->verdict);
	assert_int_equal(m->nlibraries, 1);
	assert_string_equal(m->libraries[0].family, "zlib");
	assert_int_equal(m->libraries[0].library, 1);
	assert_true(m->libraries[0].score > 0.99);
	assert_int_equal(m->library_functions, m->functions);
	assert_int_equal(m->query_insns, 0);
	for (size_t i = 0; i < m->nfamilies; i++) assert_string_not_equal(m->families[i].family, "zlib");
	lineage_match_free(m);
	lineage_sample_free(q);
	/* runtime names are recognized */
	assert_true(lineage_runtime_name("__libc_csu_init"));
	assert_true(lineage_runtime_name("__mingw_TLScallback"));
	assert_true(lineage_runtime_name("_CRT_INIT"));
	assert_false(lineage_runtime_name("fixture_kin_checksum"));
	assert_false(lineage_runtime_name(NULL));
	lineage_corpus_close(c);
}

/* An empty corpus answers "no known relative" with nothing listed. */
static void test_empty_corpus(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("empty.db");
	lineage_sample *q = analyzed(fixture("kin_b-clang-O2"));
	lineage_match *m;
	assert_int_equal(lineage_corpus_match(&m, c, ctx, q, NULL), 0);
	assert_null(m->verdict);
	assert_int_equal(m->nfamilies, 0);
	assert_int_equal(m->nsamples, 0);
	assert_int_equal(m->nevidence, 0);
	assert_true(m->functions > 0);
	char *json = NULL;
	assert_int_equal(lineage_report_match_json(&json, q, m, 0, 0), 0);
	assert_non_null(strstr(json, "\"known_relative\":false"));
	free(json);
	lineage_match_free(m);
	lineage_sample_free(q);
	lineage_corpus_close(c);
}

/* The combined model: each family's evidence is the prior plus its axes'
 * evidence, code at its threshold is even odds, the confidences and the
 * probability of "no known relative" sum to 1, --axes leaves an axis out. */
static void test_combined_model(void **state)
{
	(void)state;
	lineage_corpus *c = fresh("model.db");
	add(c, fixture("kin_a-gcc-O2"), "Kin", 0);
	add(c, fixture("features-gcc-O2"), "Other", 0);
	lineage_sample *q = analyzed(fixture("kin_b-gcc-O2"));
	for (int pass = 0; pass < 2; pass++) {
		lineage_match_options o = {.axes = pass ? LINEAGE_AXIS_MASK(LINEAGE_AXIS_CRYPTO) : 0};
		lineage_match *m;
		assert_int_equal(lineage_corpus_match(&m, c, ctx, q, &o), 0);
		assert_true(m->nfamilies >= 1);
		double total = 0;
		for (size_t i = 0; i < m->nfamilies; i++) {
			const lineage_match_family *f = &m->families[i];
			double sum = -4.0;
			for (int a = 0; a < LINEAGE_NAXES; a++) sum += f->axis_evidence[a];
			assert_float_equal(sum, f->evidence, 1e-9);
			assert_true(f->axis_evidence[LINEAGE_AXIS_ARTIFACTS] <= 1.5);
			if (i) assert_true(f->evidence <= m->families[i - 1].evidence);
			total += f->confidence;
		}
		const lineage_match_family *k = &m->families[0];
		if (!pass) { /* all axes: code decides */
			assert_string_equal(k->family, "Kin");
			assert_float_equal(k->axis_evidence[LINEAGE_AXIS_CODE],
			                   4.0 * k->score / LINEAGE_VERDICT_THRESHOLD, 1e-9);
			assert_non_null(m->verdict);
			assert_string_equal(m->verdict_axis, "code");
			assert_float_equal(m->confidence, k->confidence, 1e-12);
			assert_true(k->supported && k->confidence > 0.9);
			assert_true(total > 0.9 && total < 1.0); /* "none" keeps a share */
		} else { /* crypto only: the code is still scored but weighs nothing */
			for (size_t i = 0; i < m->nfamilies; i++)
				assert_float_equal(m->families[i].axis_evidence[LINEAGE_AXIS_CODE], 0, 0);
			assert_null(m->verdict);
			total += m->confidence; /* the probability of "no known relative" */
			assert_float_equal(total, 1.0, 1e-9);
		}
		lineage_match_free(m);
	}
	lineage_sample_free(q);
	lineage_corpus_close(c);
	assert_string_equal(lineage_axis_name(LINEAGE_AXIS_ARTIFACTS), "artifacts");
	assert_null(lineage_axis_name(LINEAGE_NAXES));
	for (int a = 0; a < LINEAGE_NAXES; a++) assert_int_equal(lineage_axis_from_name(lineage_axis_name(a)), a);
	assert_int_equal(lineage_axis_from_name("colour"), -1);
}

/* The artifacts axis on system files: a DLL's export name and import hash,
 * a shared library's build id, nothing for a raw blob. */
static void test_artifacts_traits(void **state)
{
	(void)state;
	static const struct {
		const char *path, *prefix;
		unsigned kind;
	} want[] = {
	        {"/usr/lib/gcc/x86_64-w64-mingw32/12-win32/libgomp-1.dll", "artifacts:exportname:libgomp-1.dll",
	         LINEAGE_TRAIT_VARIANT},
	        {"/usr/lib/gcc/x86_64-w64-mingw32/12-win32/libgomp-1.dll", "artifacts:imphash:", LINEAGE_TRAIT_BUILD},
	        {"/lib/x86_64-linux-gnu/libz.so.1", "artifacts:buildid:", LINEAGE_TRAIT_MATERIAL},
	        {"/lib/x86_64-linux-gnu/libz.so.1", "artifacts:sections:.note.gnu.build-id,", LINEAGE_TRAIT_COMMON}};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		lineage_sample *s;
		assert_int_equal(lineage_sample_load_file(&s, ctx, want[w].path), 0);
		assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ARTIFACTS), 0);
		size_t n, found = 0;
		const lineage_trait *t = lineage_sample_traits(s, &n);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(t[i].axis, "artifacts");
			if (strncmp(t[i].token, want[w].prefix, strlen(want[w].prefix))) continue;
			found++;
			assert_int_equal(t[i].kind, want[w].kind);
			const lineage_binary *b = lineage_sample_binary(s);
			if (strstr(want[w].prefix, "imphash"))
				assert_string_equal(t[i].token + strlen(want[w].prefix),
				                    lineage_sample_hashes(s)->imphash);
			if (strstr(want[w].prefix, "buildid"))
				assert_string_equal(t[i].token + strlen(want[w].prefix), b->elf.build_id);
		}
		assert_int_equal(found, 1);
		lineage_sample_free(s);
	}
	static const char blob[] = "not an executable, no artifacts at all";
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_memory(&s, ctx, blob, sizeof(blob), "blob"), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ARTIFACTS), 0);
	size_t n;
	lineage_sample_traits(s, &n);
	assert_int_equal(n, 0);
	assert_true(lineage_sample_hashes(s)->sha256[0]); /* the hashes ran first */
	lineage_sample_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_verdict_and_evidence), cmocka_unit_test(test_weights_fall_with_families),
	        cmocka_unit_test(test_library_samples),      cmocka_unit_test(test_empty_corpus),
	        cmocka_unit_test(test_combined_model),       cmocka_unit_test(test_artifacts_traits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
