/* Unit tests of the corpus over the SQLite store: adding is keyed by sha256,
 * labels keep any text, removal takes every row, functions and LSH bands are
 * stored, and files that are not a corpus are refused and left untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "lineage.h"

static lineage_ctx *ctx;
static char dir[] = "/tmp/lineage-corpus-XXXXXX";
static char dbpath[600];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir)) return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/c.db", dir);
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static lineage_sample *analyzed(const char *path)
{
	lineage_sample *s;
	assert_int_equal(lineage_sample_load_file(&s, ctx, path), 0);
	assert_int_equal(lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES), 0);
	return s;
}

static int64_t count(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

typedef struct {
	int n;
	char family[128], actor[128], tags[128];
	uint64_t nfunctions;
} seen;

static int remember(const lineage_corpus_sample *s, void *arg)
{
	seen *x = arg;
	x->n++;
	snprintf(x->family, sizeof(x->family), "%s", s->labels.family);
	snprintf(x->actor, sizeof(x->actor), "%s", s->labels.actor);
	snprintf(x->tags, sizeof(x->tags), "%s", s->labels.tags);
	x->nfunctions = s->nfunctions;
	return 0;
}

static void test_add_label_remove(void **state)
{
	(void)state;
	unlink(dbpath);
	lineage_corpus *c;
	/* no corpus yet, and not asked to create one */
	assert_int_equal(lineage_corpus_open(&c, ctx, dbpath, 0), LINEAGE_ENOTFOUND);
	assert_int_equal(lineage_corpus_open(&c, ctx, dbpath, LINEAGE_CORPUS_CREATE), 0);
	lineage_sample *s = analyzed("/lib/x86_64-linux-gnu/libz.so.1");
	size_t nf;
	lineage_sample_functions(s, &nf);
	const char *odd = "Guardians of Peace; DROP TABLE samples;--' \"quoted\" \xce\xa9 \t tab";
	lineage_labels l = {"Destover", odd, "wiper,korea", "unit test", 0};
	int added = -1;
	assert_int_equal(lineage_corpus_add(c, ctx, s, &l, &added), 0);
	assert_int_equal(added, 1);
	/* re-adding is a no-op, labels included */
	lineage_labels other = {"Other", NULL, NULL, NULL, 0};
	assert_int_equal(lineage_corpus_add(c, ctx, s, &other, &added), 0);
	assert_int_equal(added, 0);
	seen x = {0};
	assert_int_equal(lineage_corpus_each_sample(c, ctx, NULL, remember, &x), 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.family, "Destover");
	assert_string_equal(x.actor, odd);
	assert_int_equal(x.nfunctions, nf);
	assert_int_equal(count("SELECT count(*) FROM functions"), (int64_t)nf);
	/* 21 LSH bands for every function with a signature worth banding */
	int64_t banded = count("SELECT count(*) FROM functions WHERE ninsn >= 10");
	assert_true(banded > 0);
	assert_int_equal(count("SELECT count(*) FROM bands"), banded * 21);
	/* labels can be changed */
	const char *sha = lineage_sample_hashes(s)->sha256;
	lineage_labels relabel = {"Destover", "Lazarus Group", NULL, NULL, 1};
	assert_int_equal(lineage_corpus_set_labels(c, ctx, sha, &relabel), 0);
	memset(&x, 0, sizeof(x));
	lineage_corpus_each_sample(c, ctx, "Destover", remember, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.actor, "Lazarus Group");
	assert_string_equal(x.tags, "");
	memset(&x, 0, sizeof(x));
	lineage_corpus_each_sample(c, ctx, "Other", remember, &x);
	assert_int_equal(x.n, 0);
	lineage_corpus_stats st;
	assert_int_equal(lineage_corpus_stats_get(c, ctx, &st), 0);
	assert_int_equal(st.samples, 1);
	assert_int_equal(st.functions, nf);
	/* removal takes the functions and bands too */
	assert_int_equal(lineage_corpus_remove(c, ctx, sha), 0);
	assert_int_equal(lineage_corpus_remove(c, ctx, sha), LINEAGE_ENOTFOUND);
	assert_non_null(strstr(lineage_errmsg(ctx), sha));
	assert_int_equal(count("SELECT count(*) FROM functions"), 0);
	assert_int_equal(count("SELECT count(*) FROM bands"), 0);
	lineage_sample_free(s);
	lineage_corpus_close(c);
	/* the store is in WAL mode */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(*n + 1);
	assert_int_equal(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

/* A file that is not a corpus is refused with LINEAGE_EDB, named in the
 * message, and not a byte of it changes. */
static void test_foreign_and_corrupt(void **state)
{
	(void)state;
	char path[700];
	snprintf(path, sizeof(path), "%s/foreign.db", dir);
	const char text[] = "this is somebody's notes, not a database\n";
	write_file(path, text, sizeof(text));
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_CREATE), LINEAGE_EDB);
	assert_non_null(strstr(lineage_errmsg(ctx), path));
	assert_non_null(strstr(lineage_errmsg(ctx), "not a lineage corpus"));
	size_t n;
	char *back = read_file(path, &n);
	assert_int_equal(n, sizeof(text));
	assert_memory_equal(back, text, n);
	free(back);

	/* an SQLite database of another application */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes(t); INSERT INTO notes VALUES('x')", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	char *before = read_file(path, &n);
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_CREATE), LINEAGE_EDB);
	assert_non_null(strstr(lineage_errmsg(ctx), "something else"));
	size_t n2;
	char *after = read_file(path, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(before, after, n);
	free(before);
	free(after);

	/* a corpus whose pages are damaged: a clear error, no crash */
	snprintf(path, sizeof(path), "%s/damaged.db", dir);
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_CREATE), 0);
	lineage_sample *s = analyzed("/lib/x86_64-linux-gnu/libz.so.1");
	int added;
	assert_int_equal(lineage_corpus_add(c, ctx, s, NULL, &added), 0);
	lineage_sample_free(s);
	lineage_corpus_close(c);
	char *good = read_file(path, &n);
	for (size_t i = 4096; i < n; i++) good[i] = (char)(good[i] ^ 0x5a);
	write_file(path, good, n);
	free(good);
	int rc = lineage_corpus_open(&c, ctx, path, 0);
	if (rc == 0) {
		lineage_corpus_stats st;
		rc = lineage_corpus_stats_get(c, ctx, &st);
		lineage_corpus_close(c);
	}
	assert_int_equal(rc, LINEAGE_EDB);
	assert_non_null(strstr(lineage_errmsg(ctx), path));
}

/* A schema-1 corpus (before the library mark, today's banding and function
 * signatures) is upgraded when opened for writing: its samples stay, bands
 * are rebuilt from the stored MinHash, functions have no signature; a
 * read-only open asks for the upgrade instead. */
static void test_upgrade_from_schema_1(void **state)
{
	(void)state;
	char path[500];
	snprintf(path, sizeof(path), "%s/v1.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	const char *v1 =
	        "PRAGMA application_id=1280196935; PRAGMA user_version=1;"
	        "CREATE TABLE samples (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, md5 TEXT, path TEXT,"
	        " format TEXT, arch TEXT, imphash TEXT, ssdeep TEXT, tlsh TEXT, size INTEGER, nfunctions INTEGER,"
	        " ninsn INTEGER, family TEXT, actor TEXT, tags TEXT, source TEXT, added INTEGER);"
	        "CREATE TABLE functions (id INTEGER PRIMARY KEY, sample INTEGER NOT NULL, address INTEGER,"
	        " size INTEGER, ninsn INTEGER, nblocks INTEGER, flags INTEGER, exact_hash INTEGER, minhash BLOB,"
	        " name TEXT);"
	        "CREATE INDEX functions_hash ON functions(exact_hash);"
	        "CREATE TABLE bands (key INTEGER NOT NULL, function INTEGER NOT NULL);"
	        "INSERT INTO samples (id, sha256, family, nfunctions) VALUES (1, 'ab', 'Old', 2);"
	        "INSERT INTO functions (id, sample, ninsn, exact_hash, minhash) VALUES"
	        " (1, 1, 40, 7, zeroblob(256)), (2, 1, 3, 8, zeroblob(256));"
	        "INSERT INTO bands VALUES (11, 1), (12, 1);";
	assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	lineage_corpus *c;
	assert_int_equal(lineage_corpus_open(&c, ctx, path, LINEAGE_CORPUS_READONLY), LINEAGE_EDB);
	assert_non_null(strstr(lineage_errmsg(ctx), "needs an upgrade"));
	assert_int_equal(lineage_corpus_open(&c, ctx, path, 0), 0);
	seen x = {0};
	assert_int_equal(lineage_corpus_each_sample(c, ctx, NULL, remember, &x), 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.family, "Old");
	lineage_corpus_close(c);
	char saved[sizeof(dbpath)];
	memcpy(saved, dbpath, sizeof(saved));
	snprintf(dbpath, sizeof(dbpath), "%s", path);
	/* one function is long enough to be banded: 21 bands */
	assert_int_equal(count("SELECT count(*) FROM bands"), 21);
	assert_int_equal(count("SELECT count(*) FROM bands WHERE key IN (11, 12)"), 0);
	assert_int_equal(count("SELECT library FROM samples"), 0);
	assert_int_equal(count("PRAGMA user_version"), 6);
	assert_int_equal(count("SELECT count(*) FROM iocs"), 0);
	assert_int_equal(count("SELECT count(*) FROM traits"), 0); /* drawn again when added again */
	assert_int_equal(count("SELECT traits FROM samples"), 0);
	assert_int_equal(count("SELECT count(*) FROM feats"), 0);
	assert_int_equal(count("SELECT count(*) FROM functions WHERE sig IS NULL"), 2);
	memcpy(dbpath, saved, sizeof(saved));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_add_label_remove),
	        cmocka_unit_test(test_foreign_and_corrupt),
	        cmocka_unit_test(test_upgrade_from_schema_1),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
