/* Unit tests of the knowledge bases (lineage/kb.h) on the shipped ATT&CK and
 * MBC data: counts as published, lookups by id, name and alias (the Destroyer
 * case: "Guardians of Peace" is Lazarus Group), and the errors of missing or
 * damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lineage.h"
#include "util/util.h"
#include "../test_files.h"

static lineage_ctx *ctx;
static lineage_kb *kb;

static int setup(void **state)
{
	(void)state;
	if (lineage_ctx_new(&ctx) != 0) return -1;
	return lineage_kb_load(&kb, ctx, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	lineage_kb_free(kb);
	lineage_ctx_free(ctx);
	return 0;
}

static void test_counts(void **state)
{
	(void)state;
	size_t t, g, s, b;
	lineage_kb_counts(kb, &t, &g, &s, &b);
	assert_int_equal(t, 691);
	assert_int_equal(g, 172);
	assert_int_equal(s, 784);
	assert_int_equal(b, 617);
	assert_non_null(strstr(lineage_kb_attack_source(kb), "ATT&CK"));
}

static void test_techniques_and_behaviors(void **state)
{
	(void)state;
	const lineage_kb_technique *t = lineage_kb_technique_get(kb, "T1485");
	assert_non_null(t);
	assert_string_equal(t->name, "Data Destruction");
	assert_int_equal(t->ntactics, 1);
	assert_string_equal(t->tactics[0], "impact");
	t = lineage_kb_technique_get(kb, "T1561.002");
	assert_non_null(t);
	assert_string_equal(t->name, "Disk Structure Wipe");
	assert_null(lineage_kb_technique_get(kb, "T9999"));
	assert_null(lineage_kb_technique_get(kb, "t1485")); /* ids are exact */
	const lineage_kb_entry *b = lineage_kb_behavior_get(kb, "F0014");
	assert_non_null(b);
	assert_string_equal(b->name, "Disk Wipe");
	assert_int_equal(b->nattack, 1);
	assert_string_equal(b->attack[0], "T1561");
	b = lineage_kb_behavior_get(kb, "E1485");
	assert_non_null(b);
	assert_string_equal(b->name, "Data Destruction");
	assert_null(lineage_kb_behavior_get(kb, "Disk Wipe")); /* by id only */
}

static void test_groups_and_software(void **state)
{
	(void)state;
	const char *names[] = {"Guardians of Peace", "guardians-of-peace", "HIDDEN COBRA", "Lazarus Group", "G0032"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const lineage_kb_entry *g = lineage_kb_group_find(kb, names[i]);
		assert_non_null(g);
		assert_string_equal(g->id, "G0032");
		assert_string_equal(g->name, "Lazarus Group");
	}
	assert_null(lineage_kb_group_find(kb, "No Such Crew"));
	assert_null(lineage_kb_group_find(kb, "  --  "));
	const lineage_kb_entry *s = lineage_kb_software_find(kb, "Disttrack");
	assert_non_null(s);
	assert_string_equal(s->id, "S0140");
	assert_string_equal(s->name, "Shamoon");
	assert_string_equal(s->type, "malware");
	s = lineage_kb_software_find(kb, "win32/killdisk.nbi");
	assert_non_null(s);
	assert_string_equal(s->id, "S0607");
}

static void test_errors(void **state)
{
	(void)state;
	char dir[] = "/tmp/lineage-kb-XXXXXX", p[256];
	assert_non_null(mkdtemp(dir));
	lineage_kb *k = NULL;
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_int_equal(lineage_kb_load(&k, ctx, p), LINEAGE_EIO);
	assert_non_null(strstr(lineage_errmsg(ctx), "no such data folder"));
	assert_int_equal(lineage_kb_load(&k, ctx, dir), LINEAGE_EIO); /* no files */
	assert_non_null(strstr(lineage_errmsg(ctx), "enterprise-attack.json: cannot be read"));
	snprintf(p, sizeof(p), "%s/attack", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/attack/enterprise-attack.json", dir);
	write_text(p, "{\"techniques\": [1, 2");
	assert_int_equal(lineage_kb_load(&k, ctx, dir), LINEAGE_EFORMAT);
	assert_non_null(strstr(lineage_errmsg(ctx), "not valid JSON"));
	write_text(p, "{\"techniques\": {}}");
	assert_int_equal(lineage_kb_load(&k, ctx, dir), LINEAGE_EFORMAT);
	write_text(p, "{\"techniques\": [{\"id\": \"T1\", \"name\": \"x\"}, {\"name\": \"no id\"}], \"groups\": [], "
	              "\"software\": []}");
	assert_int_equal(lineage_kb_load(&k, ctx, dir), LINEAGE_EIO); /* mbc missing */
	assert_non_null(strstr(lineage_errmsg(ctx), "mbc.json"));
	snprintf(p, sizeof(p), "%s/mbc", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/mbc/mbc.json", dir);
	write_text(p, "{\"behaviors\": [{\"id\": \"F1\", \"name\": \"y\", \"attack\": [\"T1\"]}]}");
	assert_int_equal(lineage_kb_load(&k, ctx, dir), 0);
	size_t t, g, s, b;
	lineage_kb_counts(k, &t, &g, &s, &b);
	assert_int_equal(t, 1); /* the entry without id is left out */
	assert_int_equal(b, 1);
	lineage_kb_free(k);
	/* out of memory anywhere: an error, never a crash */
	for (uint64_t n = 1; n < 40; n++) {
		ln_alloc_fail_after(n);
		int rc = lineage_kb_load(&k, ctx, dir);
		ln_alloc_fail_after(0);
		assert_true(rc == 0 || rc == LINEAGE_ENOMEM);
		lineage_kb_free(k);
		k = NULL;
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts),
	        cmocka_unit_test(test_techniques_and_behaviors),
	        cmocka_unit_test(test_groups_and_software),
	        cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
