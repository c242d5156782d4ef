/* Unit tests of the capability rule parser (lib/rules/parse.c): the tree of
 * a rule file, and an error for every kind of mistake, naming the file and
 * the line, with no rule kept from a file that has one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/rules.h"

static const char good[] = "- rule: wipe.mbr\n"
                           "  name: Overwrites the master boot record\n"
                           "  attack: T1561.002\n"
                           "  mbc: [F0014, E1485]\n"
                           "  description: Opens a physical drive and writes its first sector.\n"
                           "  scope: function\n"
                           "  match:\n"
                           "    all:\n"
                           "      - import: CreateFileW\n"
                           "      - any:\n"
                           "          - string: /\\\\\\\\\\.\\\\PhysicalDrive[0-9]/i\n"
                           "          - constant: 0x7C100\n"
                           "      - 2 or more:\n"
                           "          - call: WriteFile\n"
                           "          - call: DeviceIoControl\n"
                           "          - rule: volume.lock\n"
                           "      - not:\n"
                           "          yara: benign_marker\n"
                           "- rule: volume.lock\n"
                           "  name: Locks a volume\n"
                           "  attack: [T1485]\n"
                           "  match:\n"
                           "    constant: 0x90018\n";

static int parse(const char *text, ln_vec *v, ln_arena *a, char *err, size_t errlen)
{
	ln_vec_init(v, sizeof(ln_rule));
	return ln_rules_parse_buffer(v, a, "t.yml", text, strlen(text), err, errlen);
}

/* Named constants, embedded files, role and axis. */
static void test_new_keys(void **state)
{
	(void)state;
	ln_arena *a = ln_arena_new();
	ln_vec v;
	char err[256] = "";
	assert_int_equal(parse("rule: x\nname: y\nrole: support\naxis: infrastructure\nmatch:\n  all:\n"
	                       "    - constant: BLKDISCARD\n    - embedded: driver\n",
	                       &v, a, err, sizeof(err)),
	                 0);
	const ln_rule *r = v.items;
	assert_true(r->support);
	assert_string_equal(r->axis, "infrastructure");
	assert_true(r->match->kids[0]->symbolic);
	assert_string_equal(r->match->kids[0]->text, "BLKDISCARD");
	assert_int_equal(r->match->kids[1]->kind, LN_R_EMBEDDED);
	assert_string_equal(r->match->kids[1]->text, "driver");
	ln_vec_free(&v);
	assert_int_equal(parse("rule: x\nname: y\nmatch:\n  constant: 0x90018\n", &v, a, err, sizeof(err)), 0);
	r = v.items;
	assert_false(r->support);
	assert_string_equal(r->axis, "destruction");
	assert_false(r->match->symbolic);
	assert_int_equal(r->match->value, 0x90018);
	ln_vec_free(&v);
	ln_arena_free(a);
}

static void test_tree(void **state)
{
	(void)state;
	ln_arena *a = ln_arena_new();
	ln_vec v;
	char err[256] = "";
	assert_int_equal(parse(good, &v, a, err, sizeof(err)), 0);
	assert_int_equal(v.len, 2);
	const ln_rule *r = v.items;
	assert_string_equal(r[0].id, "wipe.mbr");
	assert_string_equal(r[0].name, "Overwrites the master boot record");
	assert_int_equal(r[0].nattack, 1);
	assert_string_equal(r[0].attack[0], "T1561.002");
	assert_int_equal(r[0].nmbc, 2);
	assert_string_equal(r[0].mbc[1], "E1485");
	assert_true(r[0].function_scope);
	assert_int_equal(r[0].line, 1);
	const ln_rnode *m = r[0].match;
	assert_int_equal(m->kind, LN_R_ALL);
	assert_int_equal(m->nkids, 4);
	assert_int_equal(m->kids[0]->kind, LN_R_IMPORT);
	assert_string_equal(m->kids[0]->text, "CreateFileW");
	const ln_rnode *any = m->kids[1];
	assert_int_equal(any->kind, LN_R_ANY);
	assert_int_equal(any->kids[0]->kind, LN_R_STRING);
	assert_true(any->kids[0]->regex && any->kids[0]->nocase);
	assert_string_equal(any->kids[0]->text, "\\\\\\\\\\.\\\\PhysicalDrive[0-9]");
	assert_int_equal(any->kids[1]->kind, LN_R_CONSTANT);
	assert_int_equal(any->kids[1]->value, 0x7C100);
	assert_int_equal(any->kids[1]->line, 12);
	assert_int_equal(m->kids[2]->kind, LN_R_SOME);
	assert_int_equal(m->kids[2]->min, 2);
	assert_int_equal(m->kids[2]->nkids, 3);
	assert_int_equal(m->kids[2]->kids[2]->kind, LN_R_RULE);
	assert_int_equal(m->kids[3]->kind, LN_R_NOT);
	assert_int_equal(m->kids[3]->kids[0]->kind, LN_R_YARA);
	assert_false(r[1].function_scope); /* file scope by default */
	assert_int_equal(r[1].match->kind, LN_R_CONSTANT);
	assert_int_equal(r[1].match->value, 0x90018);
	ln_vec_free(&v);
	ln_arena_free(a);
}

/* Each mistake: the message's line and words; no rule kept. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
	        {"rule: x\nname: y\nmatch:\n  importt: A\n", "t.yml:4: unknown feature 'importt'"},
	        {"rule: x\nname: y\ncolour: red\nmatch:\n  import: A\n", "t.yml:3: unknown field 'colour'"},
	        {"rule: x\nmatch:\n  import: A\n", "t.yml:1: rule x needs a name"},
	        {"name: y\nmatch:\n  import: A\n", "needs 'rule'"},
	        {"rule: x\nname: y\n", "rule x needs match"},
	        {"rule: x\nname: y\nscope: process\nmatch:\n  import: A\n", "t.yml:3: scope is file or function"},
	        {"rule: x\nname: y\nmatch:\n  constant: 12z\n", "t.yml:4: not a number or a constant name: 12z"},
	        {"rule: x\nname: y\nmatch:\n  constant: blk-discard\n", "t.yml:4: not a number or a constant name"},
	        {"rule: x\nname: y\nmatch:\n  embedded: jpeg\n", "t.yml:4: embedded is pe, elf, driver or any"},
	        {"rule: x\nname: y\nrole: helper\nmatch:\n  import: A\n", "t.yml:3: role is method or support"},
	        {"rule: x\nname: y\naxis: ''\nmatch:\n  import: A\n", "rule x: an empty axis"},
	        {"rule: x\nname: y\nmatch:\n  string: /abc/x\n", "t.yml:4: a regular expression is"},
	        {"rule: x\nname: y\nmatch:\n  3 or more:\n    - import: A\n    - import: B\n", "3 or more of 2"},
	        {"rule: x\nname: y\nmatch:\n  all: []\n", "an empty list"},
	        {"rule: x\nname: y\nmatch:\n  import: A\n  call: B\n", "t.yml:4: expected one feature"},
	        {"rule: x\nname: y\nattack: 1485\nmatch:\n  import: A\n", "1485 is not an ATT&CK technique id"},
	        {"rule: x\nname: [y\n", "t.yml:"},
	        {"", "no rule in the file"},
	        {"- rule: ok\n  name: fine\n  match:\n    import: A\n- rule: bad\n  match:\n    import: B\n",
	         "t.yml:5: rule bad needs a name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ln_arena *a = ln_arena_new();
		ln_vec v;
		char err[256] = "";
		int rc = parse(cases[i].text, &v, a, err, sizeof(err));
		if (rc != LINEAGE_EFORMAT || !strstr(err, cases[i].want))
			fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, err, cases[i].want);
		assert_int_equal(v.len, 0); /* nothing kept from a file with an error */
		ln_vec_free(&v);
		ln_arena_free(a);
	}
	/* deep nesting is refused, not recursed into */
	char deep[4096] = "rule: x\nname: y\nmatch:\n";
	size_t o = strlen(deep);
	for (int d = 0; d < 40; d++) {
		for (int k = 0; k < 2 * d + 2; k++) deep[o++] = ' ';
		o += (size_t)sprintf(deep + o, "not:\n");
	}
	for (int k = 0; k < 82; k++) deep[o++] = ' ';
	sprintf(deep + o, "import: A\n");
	ln_arena *a = ln_arena_new();
	ln_vec v;
	char err[256];
	assert_int_equal(parse(deep, &v, a, err, sizeof(err)), LINEAGE_EFORMAT);
	assert_non_null(strstr(err, "nested too deeply"));
	ln_vec_free(&v);
	ln_arena_free(a);
}

static void test_files(void **state)
{
	(void)state;
	ln_arena *a = ln_arena_new();
	ln_vec v;
	ln_vec_init(&v, sizeof(ln_rule));
	char err[256];
	assert_int_equal(ln_rules_parse_file(&v, a, "/nonexistent/r.yml", err, sizeof(err)), LINEAGE_EIO);
	assert_non_null(strstr(err, "/nonexistent/r.yml: No such file"));
	char path[] = "/tmp/lineage-rules-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(good, f);
	fclose(f);
	assert_int_equal(ln_rules_parse_file(&v, a, path, err, sizeof(err)), 0);
	assert_int_equal(v.len, 2);
	assert_string_equal(((ln_rule *)v.items)[0].file, path);
	remove(path);
	ln_vec_free(&v);
	ln_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tree),
	        cmocka_unit_test(test_new_keys),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
