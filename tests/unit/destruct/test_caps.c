/* Unit tests of the capability engine (lib/destruct): rule sets that do not
 * compile (each mistake named with its file and line), and evaluation on a
 * real program of this machine (util-linux's blkdiscard): function and file
 * scope, named constants resolved for the architecture, the call a constant
 * reaches, rule references, not, N or more, regular expressions with and
 * without a literal, YARA rules named by capability rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lineage.h"
#include "destruct/destruct.h"
#include "rules/set.h"
#include "../test_files.h"

static lineage_ctx *ctx;
static char tmpdir[] = "/tmp/lineage-caps-XXXXXX";
static const char *target = "/usr/sbin/blkdiscard";

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

static const char marker_yar[] = "rule usage_text { strings: $a = \"Discard the content\" condition: $a }\n";

/* A folder holding one YARA file and one rule file. */
static void folder(const char *yml)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/a.yar", tmpdir);
	write_text(p, marker_yar);
	snprintf(p, sizeof(p), "%s/r.yml", tmpdir);
	write_text(p, yml);
}

static void expect_error(const char *yml, const char *where, const char *what)
{
	folder(yml);
	lineage_rules *r = NULL;
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), LINEAGE_EFORMAT);
	assert_null(r);
	if (!strstr(lineage_errmsg(ctx), where) || !strstr(lineage_errmsg(ctx), what))
		fail_msg("message '%s' lacks '%s' or '%s'", lineage_errmsg(ctx), where, what);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_error("- rule: a\n  name: A\n  match:\n    rule: nosuch\n", "r.yml:4:", "no rule 'nosuch'");
	expect_error("- rule: a\n  name: A\n  match:\n    yara: nosuch\n", "r.yml:4:", "no YARA rule 'nosuch'");
	expect_error("- rule: a\n  name: A\n  match:\n    constant: NOT_A_CODE\n",
	             "r.yml:4:", "unknown constant name NOT_A_CODE");
	expect_error("- rule: a\n  name: A\n  match:\n    rule: b\n- rule: b\n  name: B\n  match:\n    rule: a\n",
	             "r.yml:", "depends on itself");
	expect_error("- rule: a\n  name: A\n  match:\n    import: x\n- rule: a\n  name: A2\n  match:\n    import: y\n",
	             "r.yml:5:", "defined twice");
	expect_error("- rule: a\n  name: A\n  match:\n    string: /a(/\n", "r.yml:4:", "bad regular expression");
	expect_error("- rule: a\n  name: A\n  match:\n    embedded: jpeg\n", "r.yml:4:", "embedded is pe, elf");
	/* and a good one loads, counting both kinds */
	folder("- rule: a\n  name: A\n  match:\n    import: ioctl\n");
	lineage_rules *r = NULL;
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), 0);
	assert_int_equal(lineage_rules_capability_count(r), 1);
	assert_int_equal(lineage_rules_count(r), 2);
	lineage_rules_free(r);
}

static const char eval_yml[] = "- rule: t.discard\n"
                               "  name: discard\n"
                               "  attack: T1561.001\n"
                               "  mbc: F0014\n"
                               "  scope: function\n"
                               "  match:\n"
                               "    all:\n"
                               "      - constant: BLKDISCARD\n"
                               "      - call: ioctl\n"
                               "- rule: t.file\n"
                               "  name: file scope\n"
                               "  role: support\n"
                               "  match:\n"
                               "    all:\n"
                               "      - import: ioctl\n"
                               "      - rule: t.discard\n"
                               "      - string: '/discard the CONTENT of sectors/i'\n"
                               "      - yara: usage_text\n"
                               "      - not:\n"
                               "          import: CreateFileW\n"
                               "      - 2 or more:\n"
                               "          - constant: BLKSECDISCARD\n"
                               "          - constant: BLKZEROOUT\n"
                               "          - constant: 0x7C100\n"
                               "- rule: t.never\n"
                               "  name: never\n"
                               "  match:\n"
                               "    any:\n"
                               "      - import: CreateFileW\n"
                               "      - constant: IOCTL_DISK_DELETE_DRIVE_LAYOUT\n"
                               "      - string: no such text in this program\n"
                               "      - 3 or more:\n"
                               "          - constant: BLKDISCARD\n"
                               "          - constant: BLKZEROOUT\n"
                               "          - constant: 0x7C100\n"
                               "- rule: t.alternation\n"
                               "  name: a regex without a literal is tried on every string\n"
                               "  match:\n"
                               "    string: '/(Discarded|Zero-filled) %lu bytes/'\n"
                               "- rule: t.caller\n"
                               "  name: a function calling the discarding one, or itself\n"
                               "  scope: function\n"
                               "  match:\n"
                               "    rule: t.discard\n";

static const lineage_capability *cap(const lineage_capability *c, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].id, id)) return &c[i];
	return NULL;
}

static void test_eval(void **state)
{
	(void)state;
	if (access(target, R_OK) != 0) skip();
	folder(eval_yml);
	lineage_rules *r = NULL;
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), 0);
	lineage_ctx_set_rules(ctx, r);
	lineage_sample *s = NULL;
	assert_int_equal(lineage_sample_load_file(&s, ctx, target), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CAPABILITIES), 0);
	size_t n;
	const lineage_capability *c = lineage_sample_capabilities(s, &n);
	assert_null(cap(c, n, "t.never"));
	const lineage_capability *d = cap(c, n, "t.discard");
	assert_non_null(d);
	assert_string_equal(d->axis, "destruction");
	assert_false(d->support);
	assert_int_equal(d->nattack, 1);
	assert_string_equal(d->attack[0], "T1561.001");
	assert_string_equal(d->mbc[0], "F0014");
	assert_true(d->function_scope);
	const lineage_function *fn = lineage_sample_function_at(s, d->function);
	assert_non_null(fn);
	/* the constant, named, at an instruction of that function, reaching ioctl */
	const lineage_evidence *k = NULL;
	for (size_t i = 0; i < d->nevidence; i++)
		if (!strcmp(d->evidence[i].feature, "constant")) k = &d->evidence[i];
	assert_non_null(k);
	assert_string_equal(k->value, "0x1277"); /* x86-64's BLKDISCARD */
	assert_string_equal(k->detail, "BLKDISCARD");
	assert_true(k->va >= fn->address && k->va < fn->address + fn->size);
	assert_string_equal(k->reaches, "ioctl");
	assert_true(k->reaches_va > k->va && k->reaches_va < fn->address + fn->size);
	const lineage_capability *f = cap(c, n, "t.file");
	assert_non_null(f);
	assert_true(f->support);
	assert_false(f->function_scope);
	bool saw_yara = false, saw_string = false, saw_rule = false;
	for (size_t i = 0; i < f->nevidence; i++) {
		saw_yara |= !strcmp(f->evidence[i].feature, "yara");
		saw_rule |= !strcmp(f->evidence[i].feature, "rule") && !strcmp(f->evidence[i].value, "t.discard");
		if (!strcmp(f->evidence[i].feature, "string")) {
			saw_string = true;
			assert_non_null(strstr(f->evidence[i].value, "Discard the content"));
			assert_true(f->evidence[i].flags & LINEAGE_EVIDENCE_HAS_OFFSET);
		}
	}
	assert_true(saw_yara && saw_string && saw_rule);
	assert_non_null(cap(c, n, "t.alternation"));
	const lineage_capability *caller = cap(c, n, "t.caller");
	assert_non_null(caller);
	assert_true(caller->nfunctions >= 1);
	/* the IOCTL sequence of the discarding function, with the call reached */
	size_t ni;
	const lineage_ioctl_use *io = lineage_sample_ioctls(s, &ni);
	bool discard = false;
	for (size_t i = 0; i < ni; i++)
		if (!strcmp(io[i].name, "BLKDISCARD")) {
			discard = true;
			assert_int_equal(io[i].code, 0x1277);
			assert_string_equal(io[i].call, "ioctl");
			assert_int_equal(io[i].function, d->function);
		}
	assert_true(discard);
	/* traits: the capability (common) and the sequence (build) */
	size_t nt;
	const lineage_trait *t = lineage_sample_traits(s, &nt);
	bool common = false, seq = false;
	for (size_t i = 0; i < nt; i++) {
		common |= !strcmp(t[i].token, "destruction:cap:t.discard") && t[i].kind == LINEAGE_TRAIT_COMMON;
		seq |= !strncmp(t[i].token, "destruction:ioctls:", 19) && strstr(t[i].token, "BLKDISCARD") &&
		       t[i].kind == LINEAGE_TRAIT_BUILD;
	}
	assert_true(common && seq);
	lineage_sample_free(s);
	/* without the code, function-scope rules cannot match; file-scope ones
	 * that need them neither */
	assert_int_equal(lineage_sample_load_file(&s, ctx, target), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CAPABILITIES), 0);
	c = lineage_sample_capabilities(s, &n);
	assert_null(cap(c, n, "t.discard"));
	assert_null(cap(c, n, "t.file"));
	assert_non_null(cap(c, n, "t.alternation"));
	lineage_sample_free(s);
	lineage_ctx_set_rules(ctx, NULL);
	lineage_rules_free(r);
}

/* An import resolved at run time through an API hash: the crypto axis
 * resolves the hashes of the API-hash fixture (which imports nothing of
 * Windows), and an import feature holds on the name, marked resolved. */
static void test_hashed_import(void **state)
{
	(void)state;
	const char *fx = getenv("LINEAGE_FIXTURES");
	char path[4096];
	snprintf(path, sizeof(path), "%s/crypto-api_hash-gcc-O2", fx ? fx : ".");
	if (access(path, R_OK) != 0) fail_msg("no fixture %s", path);
	char p[256];
	snprintf(p, sizeof(p), "%s/h.yar", tmpdir);
	write_text(p, "rule never_x { condition: false }\n");
	snprintf(p, sizeof(p), "%s/a.yar", tmpdir);
	remove(p);
	snprintf(p, sizeof(p), "%s/r.yml", tmpdir);
	write_text(p, "rule: t.hashed\nname: thread creation\nmatch:\n  all:\n    - import: CreateThread\n"
	              "    - not:\n        import: CreateRemoteThread\n");
	lineage_rules *r = NULL;
	assert_int_equal(lineage_rules_load(&r, ctx, tmpdir), 0);
	lineage_ctx_set_rules(ctx, r);
	lineage_sample *s = NULL;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	/* without the crypto axis, nothing resolves the hashes */
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CAPABILITIES), 0);
	size_t n;
	const lineage_capability *c = lineage_sample_capabilities(s, &n);
	assert_null(cap(c, n, "t.hashed"));
	lineage_sample_free(s);
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL), 0);
	c = lineage_sample_capabilities(s, &n);
	const lineage_capability *h = cap(c, n, "t.hashed");
	assert_non_null(h);
	assert_string_equal(h->evidence[0].value, "CreateThread");
	assert_true(h->evidence[0].flags & LINEAGE_EVIDENCE_RESOLVED);
	assert_non_null(strstr(h->evidence[0].detail, "API hash"));
	lineage_sample_free(s);
	lineage_ctx_set_rules(ctx, NULL);
	lineage_rules_free(r);
	snprintf(p, sizeof(p), "%s/h.yar", tmpdir);
	remove(p);
}

/* The shipped rules load, and every ATT&CK and MBC id they name exists in
 * the shipped knowledge bases (data/attack, data/mbc). */
static void test_shipped_ids(void **state)
{
	(void)state;
	lineage_rules *r = NULL;
	assert_int_equal(lineage_rules_load(&r, ctx, NULL), 0);
	lineage_kb *kb = NULL;
	assert_int_equal(lineage_kb_load(&kb, ctx, NULL), 0);
	assert_true(r->ncaps >= 30);
	size_t methods = 0;
	for (size_t i = 0; i < r->ncaps; i++) {
		const ln_rule *c = &r->caps[i];
		methods += !c->support;
		if (!c->support && !c->nattack) fail_msg("%s: a method without an ATT&CK id", c->id);
		for (size_t k = 0; k < c->nattack; k++)
			if (!lineage_kb_technique_get(kb, c->attack[k]))
				fail_msg("%s (%s): no ATT&CK technique %s", c->id, c->file, c->attack[k]);
		for (size_t k = 0; k < c->nmbc; k++)
			if (!lineage_kb_behavior_get(kb, c->mbc[k]))
				fail_msg("%s (%s): no MBC behavior %s", c->id, c->file, c->mbc[k]);
	}
	assert_true(methods >= 15);
	lineage_kb_free(kb);
	lineage_rules_free(r);
}

/* The facts on the shipped table, and the per-architecture values. */
static void test_ioctl_table(void **state)
{
	(void)state;
	static const struct {
		const char *os, *arch, *name;
		uint64_t value;
	} facts[] = {
	        {"windows", "any", "IOCTL_DISK_GET_DRIVE_GEOMETRY_EX", 0x700A0},
	        {"windows", "any", "IOCTL_CDROM_GET_DRIVE_GEOMETRY_EX", 0x24050},
	        {"windows", "any", "IOCTL_DISK_DELETE_DRIVE_LAYOUT", 0x7C100},
	        {"windows", "any", "FSCTL_GET_RETRIEVAL_POINTERS", 0x90073},
	        {"windows", "any", "FSCTL_LOCK_VOLUME", 0x90018},
	        {"windows", "any", "FSCTL_DISMOUNT_VOLUME", 0x90020},
	        {"windows", "any", "FSCTL_MOVE_FILE", 0x90074},
	        {"linux", "amd64", "BLKDISCARD", 0x1277},
	        {"linux", "mips", "BLKDISCARD", 0x20001277},
	        {"linux", "mipsel", "BLKDISCARD", 0x20001277},
	        {"linux", "powerpc", "BLKDISCARD", 0x20001277},
	        {"linux", "arm64", "BLKDISCARD", 0x1277},
	};
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const char *n = ln_ioctl_name(facts[i].os, facts[i].arch, facts[i].value);
		if (!n || strcmp(n, facts[i].name))
			fail_msg("%s/%s 0x%llx: %s, wanted %s", facts[i].os, facts[i].arch,
			         (unsigned long long)facts[i].value, n ? n : "nothing", facts[i].name);
	}
	assert_null(ln_ioctl_name("linux", "mips", 0x1277));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_compile_errors), cmocka_unit_test(test_eval),
	                                   cmocka_unit_test(test_shipped_ids), cmocka_unit_test(test_ioctl_table),
	                                   cmocka_unit_test(test_hashed_import)};
	return cmocka_run_group_tests(tests, setup, teardown);
}
