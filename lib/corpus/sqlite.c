/* The embedded corpus store: one SQLite file in WAL mode. A sample and all
 * its rows go in one transaction (BEGIN IMMEDIATE, so that concurrent
 * writers queue behind the busy timeout instead of failing). The file is
 * marked with an application id; a file without it, or not an SQLite file at
 * all, is refused before anything is written. */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define APP_ID         0x4c4e4147 /* "LNAG" */
#define SCHEMA_VERSION 6

enum {
	Q_FIND,
	Q_SAMPLE,
	Q_FUNC,
	Q_BAND,
	Q_LABELS,
	Q_EXACT,
	Q_NEAR,
	Q_GET,
	Q_FN,
	Q_FEAT,
	Q_FFIND,
	Q_TRAIT,
	Q_TFIND,
	Q_TVER,
	Q_TSET,
	Q_IOCPUT,
	Q_IOCFIND,
	Q_IOCALL,
	Q_TPREFIX,
	Q_COUNT
};

/* the statements a read-only corpus prepares */
static bool reader_query(int i)
{
	return i == Q_FIND || i == Q_EXACT || i == Q_NEAR || i == Q_GET || i == Q_FN || i == Q_FFIND || i == Q_TFIND ||
	       i == Q_TVER || i == Q_IOCFIND || i == Q_IOCALL || i == Q_TPREFIX;
}

struct ln_store {
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
	char path[1024];
	int lockfd; /* the writer-open lock's descriptor, or -1 */
	char err[2048];
	int code; /* SQLite's primary result code of the last failure */
};

static const char *const schema =
        "CREATE TABLE IF NOT EXISTS samples ("
        " id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, md5 TEXT, path TEXT, format TEXT, arch TEXT,"
        " imphash TEXT, ssdeep TEXT, tlsh TEXT, size INTEGER, nfunctions INTEGER, ninsn INTEGER,"
        " family TEXT, actor TEXT, tags TEXT, source TEXT, added INTEGER, library INTEGER NOT NULL DEFAULT 0,"
        " traits INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX IF NOT EXISTS samples_family ON samples(family);"
        "CREATE TABLE IF NOT EXISTS functions ("
        " id INTEGER PRIMARY KEY, sample INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,"
        " address INTEGER, size INTEGER, ninsn INTEGER, nblocks INTEGER, flags INTEGER, exact_hash INTEGER,"
        " minhash BLOB, name TEXT, sig BLOB);"
        "CREATE INDEX IF NOT EXISTS functions_hash ON functions(exact_hash);"
        "CREATE INDEX IF NOT EXISTS functions_sample ON functions(sample);"
        /* one B-tree keyed by (band key, function): a lookup by key is a
         * range scan; a removal recomputes the keys from the MinHash */
        "CREATE TABLE IF NOT EXISTS bands ("
        " key INTEGER NOT NULL, function INTEGER NOT NULL, PRIMARY KEY (key, function)) WITHOUT ROWID;"
        /* the feature index: signature keys (ln_sig_keys) */
        "CREATE TABLE IF NOT EXISTS feats ("
        " key INTEGER NOT NULL, function INTEGER NOT NULL, PRIMARY KEY (key, function)) WITHOUT ROWID;"
        /* traits of every axis (lineage/traits.h): a lookup by token is a
         * range scan; samples.traits is the version they were drawn with */
        "CREATE TABLE IF NOT EXISTS traits ("
        " token TEXT NOT NULL, sample INTEGER NOT NULL, kind INTEGER NOT NULL, detail TEXT,"
        " PRIMARY KEY (token, sample)) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS traits_sample ON traits(sample);"
        /* threat-intelligence feeds (lineage import-iocs): one row per
         * indicator, source, feed and actor ('' when none) */
        "CREATE TABLE IF NOT EXISTS iocs ("
        " id INTEGER PRIMARY KEY, type TEXT NOT NULL, value TEXT NOT NULL, host TEXT, port INTEGER NOT NULL,"
        " source TEXT NOT NULL, feed TEXT NOT NULL, actor TEXT NOT NULL, group_id TEXT, group_name TEXT,"
        " first_seen TEXT, last_seen TEXT, confidence INTEGER NOT NULL, description TEXT,"
        " UNIQUE (type, value, port, source, feed, actor));"
        "CREATE INDEX IF NOT EXISTS iocs_value ON iocs(value);"
        "CREATE INDEX IF NOT EXISTS iocs_host ON iocs(host);";

/* Schema 1 (issue 3's first days) to 2: the library mark, and the bands table
 * without a rowid, rebuilt from the stored MinHash with today's banding
 * (rebuild_bands). */
static const char *const migrate_1_2 =
        "ALTER TABLE samples ADD COLUMN library INTEGER NOT NULL DEFAULT 0;"
        "DROP TABLE bands;"
        "CREATE TABLE bands (key INTEGER NOT NULL, function INTEGER NOT NULL, PRIMARY KEY (key, function))"
        " WITHOUT ROWID;"
        "PRAGMA user_version=2;";

/* Schema 2 to 3: function signatures and the feature index. Functions stored
 * before have no signature: only exact and MinHash matching find them. */
static const char *const migrate_2_3 =
        "ALTER TABLE functions ADD COLUMN sig BLOB;"
        "CREATE TABLE feats (key INTEGER NOT NULL, function INTEGER NOT NULL, PRIMARY KEY (key, function))"
        " WITHOUT ROWID;"
        "PRAGMA user_version=3;";

/* Schema 3 to 4: bands over interleaved MinHash rows, functions of 10
 * instructions or more (rebuild_bands). */
static const char *const migrate_3_4 = "DELETE FROM bands; PRAGMA user_version=4;";

/* Schema 4 to 5: traits (the crypto axis first). Samples stored before have
 * none (samples.traits 0) until they are added again. */
static const char *const migrate_4_5 =
        "ALTER TABLE samples ADD COLUMN traits INTEGER NOT NULL DEFAULT 0;"
        "CREATE TABLE traits (token TEXT NOT NULL, sample INTEGER NOT NULL, kind INTEGER NOT NULL, detail TEXT,"
        " PRIMARY KEY (token, sample)) WITHOUT ROWID;"
        "CREATE INDEX traits_sample ON traits(sample);"
        "PRAGMA user_version=5;";

/* Schema 5 to 6: feeds. */
static const char *const migrate_5_6 =
        "CREATE TABLE iocs ("
        " id INTEGER PRIMARY KEY, type TEXT NOT NULL, value TEXT NOT NULL, host TEXT, port INTEGER NOT NULL,"
        " source TEXT NOT NULL, feed TEXT NOT NULL, actor TEXT NOT NULL, group_id TEXT, group_name TEXT,"
        " first_seen TEXT, last_seen TEXT, confidence INTEGER NOT NULL, description TEXT,"
        " UNIQUE (type, value, port, source, feed, actor));"
        "CREATE INDEX iocs_value ON iocs(value);"
        "CREATE INDEX iocs_host ON iocs(host);"
        "PRAGMA user_version=6;";

static const char *const queries[Q_COUNT] = {
        "SELECT id FROM samples WHERE sha256 = ?1",
        "INSERT INTO samples (sha256, md5, path, format, arch, imphash, ssdeep, tlsh, size, nfunctions, ninsn,"
        " family, actor, tags, source, added, library)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
        "INSERT INTO functions (sample, address, size, ninsn, nblocks, flags, exact_hash, minhash, name, sig)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        "INSERT OR IGNORE INTO bands (key, function) VALUES (?1, ?2)",
        "UPDATE samples SET family = ?2, actor = ?3, tags = ?4, source = ?5, library = ?6 WHERE id = ?1",
        "SELECT id, sample, address, ninsn, flags, name, minhash, nblocks, sig FROM functions"
        " WHERE exact_hash = ?1 LIMIT ?2",
        /* the band table alone answers: function ids, no row of functions read */
        "SELECT function FROM bands WHERE key = ?1 LIMIT ?2",
        "SELECT id, sha256, path, format, arch, family, actor, tags, source, size, nfunctions, added, library, ninsn"
        " FROM samples WHERE id = ?1",
        "SELECT id, sample, address, ninsn, flags, name, minhash, nblocks, sig FROM functions WHERE id = ?1",
        "INSERT OR IGNORE INTO feats (key, function) VALUES (?1, ?2)",
        "SELECT function FROM feats WHERE key = ?1 LIMIT ?2",
        "INSERT OR IGNORE INTO traits (token, sample, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        "SELECT sample, kind, detail FROM traits WHERE token = ?1 LIMIT ?2",
        "SELECT traits FROM samples WHERE id = ?1",
        "UPDATE samples SET traits = ?2 WHERE id = ?1",
        "INSERT INTO iocs (type, value, host, port, source, feed, actor, group_id, group_name, first_seen,"
        " last_seen, confidence, description) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
        " ON CONFLICT (type, value, port, source, feed, actor) DO UPDATE SET host = ?3, group_id = ?8,"
        " group_name = ?9, first_seen = ?10, last_seen = ?11, confidence = ?12, description = ?13",
        "SELECT type, value, port, source, feed, actor, group_id, group_name, first_seen, last_seen, confidence,"
        " description FROM iocs WHERE value = ?1 OR host = ?1 ORDER BY id",
        "SELECT type, value, port, source, feed, actor, group_id, group_name, first_seen, last_seen, confidence,"
        " description FROM iocs ORDER BY id",
        "SELECT token, sample, kind, detail FROM traits WHERE token >= ?1 AND token < ?2 ORDER BY token, sample",
};

static int fail(ln_store *s, int code, const char *what)
{
	s->code = s->db ? sqlite3_errcode(s->db) & 0xff : 0;
	snprintf(s->err, sizeof(s->err), "%s: %s: %s", s->path, what, s->db ? sqlite3_errmsg(s->db) : "?");
	return code;
}

static int exec(ln_store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		s->code = rc & 0xff;
		snprintf(s->err, sizeof(s->err), "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return LINEAGE_EDB;
	}
	return 0;
}

/* The band rows of every stored function with a signature worth banding. */
static int rebuild_bands(ln_store *s)
{
	sqlite3_stmt *fs, *ins;
	if (sqlite3_prepare_v2(s->db, "SELECT id, minhash FROM functions WHERE ninsn >= ?1", -1, &fs, NULL) !=
	    SQLITE_OK)
		return fail(s, LINEAGE_EDB, "upgrade");
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO bands (key, function) VALUES (?1, ?2)", -1, &ins, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(fs);
		return fail(s, LINEAGE_EDB, "upgrade");
	}
	sqlite3_bind_int(fs, 1, LN_LSH_MIN_INSNS);
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(fs)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(fs, 1);
		if (!blob || sqlite3_column_bytes(fs, 1) != LINEAGE_MINHASH_K * (int)sizeof(uint32_t)) continue;
		uint32_t mh[LINEAGE_MINHASH_K];
		memcpy(mh, blob, sizeof(mh));
		for (unsigned band = 0; ret == 0 && band < LN_LSH_BANDS; band++) {
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)ln_lsh_band_key(mh, band));
			sqlite3_bind_int64(ins, 2, sqlite3_column_int64(fs, 0));
			if (sqlite3_step(ins) != SQLITE_DONE) ret = fail(s, LINEAGE_EDB, "upgrade");
			sqlite3_reset(ins);
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) ret = fail(s, LINEAGE_EDB, "upgrade");
	sqlite3_finalize(fs);
	sqlite3_finalize(ins);
	return ret;
}

static int pragma_int(ln_store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return fail(s, LINEAGE_EDB, "not a database");
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) s->code = rc & 0xff;
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "not a database");
}

/* A non-empty file must start with SQLite's header; checked before SQLite
 * touches it, so that a foreign file is never rewritten. */
static int check_header(ln_store *s, const char *path, bool *exists)
{
	struct stat st;
	*exists = stat(path, &st) == 0;
	if (!*exists) return 0;
	if (!S_ISREG(st.st_mode)) {
		snprintf(s->err, sizeof(s->err), "%s: not a regular file", path);
		return LINEAGE_EDB;
	}
	if (st.st_size == 0) return 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(s->err, sizeof(s->err), "%s: cannot open", path);
		return LINEAGE_EIO;
	}
	char hdr[16] = {0};
	size_t n = fread(hdr, 1, sizeof(hdr), f);
	fclose(f);
	if (n != sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) != 0) {
		snprintf(s->err, sizeof(s->err), "%s: not a lineage corpus (not an SQLite database); left untouched",
		         path);
		return LINEAGE_EDB;
	}
	return 0;
}

/* The tables of the schema (no index: they stay empty) as temporary tables. */
static int temp_schema(ln_store *s)
{
	char sql[4096];
	int rc = 0;
	for (const char *p = schema; rc == 0 && *p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		static const char tbl[] = "CREATE TABLE IF NOT EXISTS ";
		if (n > sizeof(tbl) - 1 && !strncmp(p, tbl, sizeof(tbl) - 1) && n + 16 < sizeof(sql)) {
			snprintf(sql, sizeof(sql), "CREATE TEMP TABLE %.*s", (int)(n - (sizeof(tbl) - 1)),
			         p + sizeof(tbl) - 1);
			rc = exec(s, sql);
		}
		p += n + (end ? 1 : 0);
	}
	return rc;
}

static void sq_close(ln_store *s)
{
	if (!s) return;
	for (int i = 0; i < Q_COUNT; i++) sqlite3_finalize(s->q[i]);
	sqlite3_close(s->db);
	/* only now: closing any descriptor of the file drops every POSIX lock
	 * this process holds on it, SQLite's included */
	if (s->lockfd >= 0) close(s->lockfd);
	ln_free(s);
}

static int open_once(ln_store **out, const char *where, unsigned flags, char *err, size_t errlen, int *code)
{
	*out = NULL;
	ln_store *s = ln_calloc(1, sizeof(*s));
	if (!s) return LINEAGE_ENOMEM;
	s->lockfd = -1;
	snprintf(s->path, sizeof(s->path), "%s", where);
	bool exists;
	int rc = check_header(s, where, &exists);
	if (rc == 0 && !exists && !(flags & LINEAGE_CORPUS_CREATE)) {
		snprintf(s->err, sizeof(s->err), "%s: no such corpus", where);
		rc = LINEAGE_ENOTFOUND;
	}
	if (rc == 0) {
		int of = (flags & LINEAGE_CORPUS_READONLY) ? SQLITE_OPEN_READONLY
		                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		if (sqlite3_open_v2(where, &s->db, of | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
			rc = fail(s, LINEAGE_EDB, "cannot open");
	}
	if (rc == 0) {
		sqlite3_busy_timeout(s->db, 60000);
		int64_t app = 0, tables = 0;
		rc = pragma_int(s, "PRAGMA application_id", &app);
		if (rc == 0) rc = pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables);
		if (rc == 0 && tables > 0 && app != APP_ID) {
			snprintf(s->err, sizeof(s->err),
			         "%s: not a lineage corpus (an SQLite database of something else); "
			         "left untouched",
			         where);
			rc = LINEAGE_EDB;
		}
		/* an empty file (an add killed before it stored anything) read as an
		 * empty corpus: the schema in SQLite's temporary database, the file
		 * itself untouched */
		if (rc == 0 && tables == 0 && (flags & LINEAGE_CORPUS_READONLY)) rc = temp_schema(s);
		if (rc == 0 && !(flags & LINEAGE_CORPUS_READONLY)) {
			rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			             " PRAGMA journal_size_limit=67108864");
			if (rc == 0 && tables == 0) {
				char sql[128];
				snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d", APP_ID,
				         SCHEMA_VERSION);
				rc = exec(s, "BEGIN IMMEDIATE");
				if (rc == 0) rc = exec(s, schema);
				if (rc == 0) rc = exec(s, sql);
				if (rc == 0)
					rc = exec(s, "COMMIT");
				else
					exec(s, "ROLLBACK");
			}
		}
		int64_t version = 0;
		if (rc == 0) rc = pragma_int(s, "PRAGMA user_version", &version);
		if (rc == 0 && version > SCHEMA_VERSION) {
			snprintf(s->err, sizeof(s->err), "%s: corpus schema %lld is newer than this lineage (%d)",
			         where, (long long)version, SCHEMA_VERSION);
			rc = LINEAGE_EDB;
		}
		if (rc == 0 && version >= 1 && version < SCHEMA_VERSION && (flags & LINEAGE_CORPUS_READONLY)) {
			snprintf(s->err, sizeof(s->err),
			         "%s: corpus schema %lld needs an upgrade: open it for writing once (lineage add)",
			         where, (long long)version);
			rc = LINEAGE_EDB;
		} else if (rc == 0 && version >= 1 && version < SCHEMA_VERSION) {
			rc = exec(s, "BEGIN IMMEDIATE");
			if (rc == 0 && version == 1) rc = exec(s, migrate_1_2);
			if (rc == 0 && version <= 2) rc = exec(s, migrate_2_3);
			if (rc == 0 && version <= 3) rc = exec(s, migrate_3_4);
			if (rc == 0 && version <= 3) rc = rebuild_bands(s);
			if (rc == 0 && version <= 4) rc = exec(s, migrate_4_5);
			if (rc == 0) rc = exec(s, migrate_5_6);
			if (rc == 0)
				rc = exec(s, "COMMIT");
			else
				exec(s, "ROLLBACK");
		}
		/* the band table outgrows SQLite's default 2 MB page cache early */
		if (rc == 0) rc = exec(s, "PRAGMA cache_size=-65536");
	}
	for (int i = 0; rc == 0 && i < Q_COUNT; i++) {
		if ((flags & LINEAGE_CORPUS_READONLY) && !reader_query(i)) continue;
		if (sqlite3_prepare_v3(s->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK)
			rc = fail(s, LINEAGE_EDB, "damaged corpus");
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s", s->err);
		*code = s->code;
		sq_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Opening takes locks (creating the schema, switching to WAL) that another
 * process creating or opening the same corpus may hold; SQLite then answers
 * "busy" without waiting, so the whole open is tried again for a while. */
static int sq_open(ln_store **out, const char *where, unsigned flags, char *err, size_t errlen)
{
	int rc = 0;
	/* writers open one at a time: an advisory lock on the file (flock does
	 * not mix with the fcntl locks SQLite takes), so that creating the schema
	 * and switching to WAL never race another process doing the same */
	int lockfd = -1;
	if (!(flags & LINEAGE_CORPUS_READONLY)) {
		bool exists;
		ln_store probe;
		memset(&probe, 0, sizeof(probe));
		rc = check_header(&probe, where, &exists);
		if (rc != 0) {
			snprintf(err, errlen, "%s", probe.err);
			return rc;
		}
		if (exists || (flags & LINEAGE_CORPUS_CREATE)) {
			lockfd = open(where, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			if (lockfd >= 0 && flock(lockfd, LOCK_EX) != 0) {
				close(lockfd);
				lockfd = -1;
			}
		}
	}
	for (int attempt = 0; attempt < 400; attempt++) {
		int code = 0;
		rc = open_once(out, where, flags, err, errlen, &code);
		if (rc == 0 || (code != SQLITE_BUSY && code != SQLITE_LOCKED)) break;
		struct timespec ts = {0, (long)(10 + attempt % 7 * 5) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (lockfd >= 0) {
		/* release the flock but keep the descriptor until the store closes:
		 * closing it now would drop the POSIX locks SQLite holds on the file
		 * (in WAL mode, the shared lock that tells other connections this one
		 * still uses the WAL) */
		flock(lockfd, LOCK_UN);
		if (rc == 0)
			(*out)->lockfd = lockfd;
		else
			close(lockfd);
	}
	return rc;
}

static int sq_begin(ln_store *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

static int sq_begin_read(ln_store *s)
{
	return exec(s, "BEGIN DEFERRED");
}

static int sq_commit(ln_store *s)
{
	return exec(s, "COMMIT");
}

static void sq_rollback(ln_store *s)
{
	exec(s, "ROLLBACK");
}

static int step_done(ln_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, what);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int sq_find_sample(ln_store *s, const char *sha256, int64_t *id)
{
	sqlite3_stmt *st = s->q[Q_FIND];
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW) return 0;
	return rc == SQLITE_DONE ? LINEAGE_ENOTFOUND : fail(s, LINEAGE_EDB, "lookup");
}

static int sq_insert_sample(ln_store *s, const ln_sample_row *r, int64_t *id)
{
	sqlite3_stmt *st = s->q[Q_SAMPLE];
	const char *txt[] = {r->sha256, r->md5, r->path, r->format, r->arch, r->imphash, r->ssdeep, r->tlsh};
	for (int i = 0; i < 8; i++) bind_text(st, i + 1, txt[i]);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->size);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)r->nfunctions);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)r->ninsn);
	bind_text(st, 12, r->labels.family);
	bind_text(st, 13, r->labels.actor);
	bind_text(st, 14, r->labels.tags);
	bind_text(st, 15, r->labels.source);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 17, r->labels.library != 0);
	int rc = step_done(s, st, "storing the sample");
	if (rc == 0) *id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int sq_insert_function(ln_store *s, int64_t sample, const ln_function_row *f, int64_t *id)
{
	sqlite3_stmt *st = s->q[Q_FUNC];
	sqlite3_bind_int64(st, 1, sample);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)f->address);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)f->size);
	sqlite3_bind_int(st, 4, (int)f->ninsn);
	sqlite3_bind_int(st, 5, (int)f->nblocks);
	sqlite3_bind_int(st, 6, (int)f->flags);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)f->exact_hash);
	sqlite3_bind_blob(st, 8, f->minhash, LINEAGE_MINHASH_K * sizeof(uint32_t), SQLITE_STATIC);
	bind_text(st, 9, f->name);
	if (f->sig)
		sqlite3_bind_blob(st, 10, f->sig, sizeof(*f->sig), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	int rc = step_done(s, st, "storing a function");
	if (rc == 0) *id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int sq_insert_band(ln_store *s, uint64_t key, int64_t function)
{
	sqlite3_stmt *st = s->q[Q_BAND];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
	sqlite3_bind_int64(st, 2, function);
	return step_done(s, st, "storing an LSH band");
}

static int sq_insert_feature(ln_store *s, uint64_t key, int64_t function)
{
	sqlite3_stmt *st = s->q[Q_FEAT];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
	sqlite3_bind_int64(st, 2, function);
	return step_done(s, st, "storing a feature");
}

static int sq_set_labels(ln_store *s, int64_t sample, const lineage_labels *l)
{
	sqlite3_stmt *st = s->q[Q_LABELS];
	sqlite3_bind_int64(st, 1, sample);
	bind_text(st, 2, l->family);
	bind_text(st, 3, l->actor);
	bind_text(st, 4, l->tags);
	bind_text(st, 5, l->source);
	sqlite3_bind_int(st, 6, l->library != 0);
	return step_done(s, st, "updating labels");
}

/* The band and feature rows of a sample's functions: their keys come from
 * the stored MinHash and signature (the index tables have no index by
 * function). */
static int remove_bands(ln_store *s, int64_t sample)
{
	sqlite3_stmt *fs, *del, *delf;
	if (sqlite3_prepare_v2(s->db, "SELECT id, minhash, sig FROM functions WHERE sample = ?1", -1, &fs, NULL) !=
	    SQLITE_OK)
		return fail(s, LINEAGE_EDB, "remove");
	if (sqlite3_prepare_v2(s->db, "DELETE FROM bands WHERE key = ?1 AND function = ?2", -1, &del, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(fs);
		return fail(s, LINEAGE_EDB, "remove");
	}
	if (sqlite3_prepare_v2(s->db, "DELETE FROM feats WHERE key = ?1 AND function = ?2", -1, &delf, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(fs);
		sqlite3_finalize(del);
		return fail(s, LINEAGE_EDB, "remove");
	}
	sqlite3_bind_int64(fs, 1, sample);
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(fs)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(fs, 0);
		const void *blob = sqlite3_column_blob(fs, 1);
		if (blob && sqlite3_column_bytes(fs, 1) == LINEAGE_MINHASH_K * (int)sizeof(uint32_t)) {
			uint32_t mh[LINEAGE_MINHASH_K];
			memcpy(mh, blob, sizeof(mh));
			for (unsigned band = 0; ret == 0 && band < LN_LSH_BANDS; band++) {
				sqlite3_bind_int64(del, 1, (sqlite3_int64)ln_lsh_band_key(mh, band));
				sqlite3_bind_int64(del, 2, id);
				ret = step_done(s, del, "remove");
			}
		}
		blob = sqlite3_column_blob(fs, 2);
		if (blob && sqlite3_column_bytes(fs, 2) == (int)sizeof(lineage_function_sig)) {
			lineage_function_sig sig;
			memcpy(&sig, blob, sizeof(sig));
			uint64_t keys[LN_SIG_KEYS];
			unsigned nk = ln_sig_keys(&sig, keys);
			for (unsigned k = 0; ret == 0 && k < nk; k++) {
				sqlite3_bind_int64(delf, 1, (sqlite3_int64)keys[k]);
				sqlite3_bind_int64(delf, 2, id);
				ret = step_done(s, delf, "remove");
			}
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) ret = fail(s, LINEAGE_EDB, "remove");
	sqlite3_finalize(fs);
	sqlite3_finalize(del);
	sqlite3_finalize(delf);
	return ret;
}

static int sq_remove_sample(ln_store *s, int64_t sample)
{
	int rc = remove_bands(s, sample);
	if (rc) return rc;
	sqlite3_stmt *st;
	const char *sql[] = {"DELETE FROM functions WHERE sample = ?1", "DELETE FROM traits WHERE sample = ?1",
	                     "DELETE FROM samples WHERE id = ?1"};
	for (int i = 0; i < 3; i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return fail(s, LINEAGE_EDB, "remove");
		sqlite3_bind_int64(st, 1, sample);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) return fail(s, LINEAGE_EDB, "remove");
	}
	return 0;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* A sample from a row of (id, sha256, path, format, arch, family, actor,
 * tags, source, size, nfunctions, added, library, ninsn). */
static void sample_from_row(sqlite3_stmt *st, lineage_corpus_sample *x)
{
	*x = (lineage_corpus_sample){
	        .id = sqlite3_column_int64(st, 0),
	        .sha256 = col(st, 1),
	        .path = col(st, 2),
	        .format = col(st, 3),
	        .arch = col(st, 4),
	        .labels = {col(st, 5), col(st, 6), col(st, 7), col(st, 8), sqlite3_column_int(st, 12)},
	        .size = (uint64_t)sqlite3_column_int64(st, 9),
	        .nfunctions = (uint64_t)sqlite3_column_int64(st, 10),
	        .added = sqlite3_column_int64(st, 11),
	        .ninsn = (uint64_t)sqlite3_column_int64(st, 13),
	};
}

static int sq_each_sample(ln_store *s, const char *family, int (*cb)(const lineage_corpus_sample *, void *), void *arg)
{
	sqlite3_stmt *st;
	const char *sql =
	        family ? "SELECT id, sha256, path, format, arch, family, actor, tags, source, size, nfunctions,"
	                 " added, library, ninsn FROM samples WHERE family = ?1 ORDER BY id"
	               : "SELECT id, sha256, path, format, arch, family, actor, tags, source, size, nfunctions,"
	                 " added, library, ninsn FROM samples ORDER BY id";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return fail(s, LINEAGE_EDB, "list");
	if (family) sqlite3_bind_text(st, 1, family, -1, SQLITE_TRANSIENT);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lineage_corpus_sample x;
		sample_from_row(st, &x);
		if ((ret = cb(&x, arg)) != 0) break;
	}
	sqlite3_finalize(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "list");
}

/* A row of (id, sample, address, ninsn, flags, name, minhash, nblocks, sig):
 * pointers valid until the next step. */
static void hit_row(sqlite3_stmt *st, ln_hit *h)
{
	const void *blob = sqlite3_column_blob(st, 6);
	bool mh_ok = blob && sqlite3_column_bytes(st, 6) == LINEAGE_MINHASH_K * (int)sizeof(uint32_t);
	*h = (ln_hit){
	        .function = sqlite3_column_int64(st, 0),
	        .sample = sqlite3_column_int64(st, 1),
	        .address = (uint64_t)sqlite3_column_int64(st, 2),
	        .ninsn = (uint32_t)sqlite3_column_int(st, 3),
	        .flags = (uint32_t)sqlite3_column_int(st, 4),
	        .name = (const char *)sqlite3_column_text(st, 5),
	        .minhash = mh_ok ? blob : NULL,
	        .nblocks = (uint32_t)sqlite3_column_int(st, 7),
	        .sig = sqlite3_column_bytes(st, 8) == (int)sizeof(lineage_function_sig) ? sqlite3_column_blob(st, 8)
	                                                                                : NULL,
	};
}

/* Rows of (id, sample, address, ninsn, flags, name, minhash), at most cap. */
static int hits(ln_store *s, sqlite3_stmt *st, uint64_t key, size_t cap, int (*cb)(const ln_hit *, void *), void *arg)
{
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(cap ? cap : INT64_MAX));
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ln_hit h;
		hit_row(st, &h);
		if ((ret = cb(&h, arg)) != 0) break;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static int sq_find_exact(ln_store *s, uint64_t hash, size_t cap, int (*cb)(const ln_hit *, void *), void *arg)
{
	return hits(s, s->q[Q_EXACT], hash, cap, cb, arg);
}

static int ids(ln_store *s, sqlite3_stmt *st, uint64_t key, size_t cap, int (*cb)(int64_t, void *), void *arg);

static int sq_find_band(ln_store *s, uint64_t key, size_t cap, int (*cb)(int64_t, void *), void *arg)
{
	return ids(s, s->q[Q_NEAR], key, cap, cb, arg);
}

static int sq_find_feature(ln_store *s, uint64_t key, size_t cap, int (*cb)(int64_t, void *), void *arg)
{
	return ids(s, s->q[Q_FFIND], key, cap, cb, arg);
}

/* The function ids of one index bucket, at most cap. */
static int ids(ln_store *s, sqlite3_stmt *st, uint64_t key, size_t cap, int (*cb)(int64_t, void *), void *arg)
{
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(cap ? cap : INT64_MAX));
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb(sqlite3_column_int64(st, 0), arg)) != 0) break;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static int sq_get_function(ln_store *s, int64_t id, int (*cb)(const ln_hit *, void *), void *arg)
{
	return hits(s, s->q[Q_FN], (uint64_t)id, 1, cb, arg);
}

static int sq_get_sample(ln_store *s, int64_t id, int (*cb)(const lineage_corpus_sample *, void *), void *arg)
{
	sqlite3_stmt *st = s->q[Q_GET];
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		lineage_corpus_sample x;
		sample_from_row(st, &x);
		ret = cb(&x, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	if (rc == SQLITE_ROW) return 0;
	return rc == SQLITE_DONE ? LINEAGE_ENOTFOUND : fail(s, LINEAGE_EDB, "query");
}

static int sq_stats(ln_store *s, lineage_corpus_stats *out)
{
	memset(out, 0, sizeof(*out));
	int64_t v[5];
	const char *sql[] = {"SELECT count(*) FROM samples", "SELECT count(DISTINCT family) FROM samples",
	                     "SELECT count(DISTINCT actor) FROM samples", "SELECT count(*) FROM functions",
	                     "SELECT count(DISTINCT exact_hash) FROM functions"};
	for (int i = 0; i < 5; i++) {
		int rc = pragma_int(s, sql[i], &v[i]);
		if (rc) return rc;
	}
	out->samples = (uint64_t)v[0];
	out->families = (uint64_t)v[1];
	out->actors = (uint64_t)v[2];
	out->functions = (uint64_t)v[3];
	out->distinct_hashes = (uint64_t)v[4];
	int64_t pages = 0, psize = 0;
	pragma_int(s, "PRAGMA page_count", &pages);
	pragma_int(s, "PRAGMA page_size", &psize);
	out->bytes = (uint64_t)(pages * psize);
	return 0;
}

static int sq_insert_trait(ln_store *s, int64_t sample, const char *token, uint32_t kind, const char *detail)
{
	sqlite3_stmt *st = s->q[Q_TRAIT];
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sample);
	sqlite3_bind_int(st, 3, (int)kind);
	bind_text(st, 4, detail);
	return step_done(s, st, "storing a trait");
}

static int sq_find_trait(ln_store *s, const char *token, size_t cap,
                         int (*cb)(int64_t sample, uint32_t kind, const char *detail, void *), void *arg)
{
	sqlite3_stmt *st = s->q[Q_TFIND];
	sqlite3_bind_text(st, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, cap ? (sqlite3_int64)cap : -1);
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = cb(sqlite3_column_int64(st, 0), (uint32_t)sqlite3_column_int(st, 1), col(st, 2), arg);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static int sq_traits_version(ln_store *s, int64_t sample, int *version)
{
	sqlite3_stmt *st = s->q[Q_TVER];
	sqlite3_bind_int64(st, 1, sample);
	int rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW) return 0;
	return rc == SQLITE_DONE ? LINEAGE_ENOTFOUND : fail(s, LINEAGE_EDB, "query");
}

static int sq_set_traits_version(ln_store *s, int64_t sample, int version)
{
	sqlite3_stmt *st = s->q[Q_TSET];
	sqlite3_bind_int64(st, 1, sample);
	sqlite3_bind_int(st, 2, version);
	return step_done(s, st, "storing traits");
}

static int sq_clear_traits(ln_store *s, int64_t sample)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM traits WHERE sample = ?1", -1, &st, NULL) != SQLITE_OK)
		return fail(s, LINEAGE_EDB, "storing traits");
	sqlite3_bind_int64(st, 1, sample);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "storing traits");
}

static int sq_put_ioc(ln_store *s, const lineage_feed_ioc *r, const char *host, int *added)
{
	sqlite3_stmt *st = s->q[Q_IOCPUT];
	int64_t before = sqlite3_total_changes64(s->db);
	sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
	bind_text(st, 1, r->type);
	bind_text(st, 2, r->value);
	bind_text(st, 3, host);
	sqlite3_bind_int(st, 4, (int)r->port);
	sqlite3_bind_text(st, 5, r->source ? r->source : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->feed ? r->feed : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->actor ? r->actor : "", -1, SQLITE_STATIC);
	bind_text(st, 8, r->group_id);
	bind_text(st, 9, r->group_name);
	bind_text(st, 10, r->first_seen);
	bind_text(st, 11, r->last_seen);
	sqlite3_bind_int(st, 12, r->confidence);
	bind_text(st, 13, r->description);
	int rc = step_done(s, st, "storing a feed indicator");
	/* an upsert that updated keeps the last rowid */
	*added = rc == 0 && sqlite3_total_changes64(s->db) > before && sqlite3_last_insert_rowid(s->db) != last;
	return rc;
}

static int sq_find_ioc(ln_store *s, const char *value, int (*cb)(const lineage_feed_ioc *, void *), void *arg)
{
	sqlite3_stmt *st = s->q[value ? Q_IOCFIND : Q_IOCALL];
	if (value) sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		lineage_feed_ioc r = {.type = col(st, 0),
		                      .value = col(st, 1),
		                      .port = (uint32_t)sqlite3_column_int(st, 2),
		                      .source = col(st, 3),
		                      .feed = col(st, 4),
		                      .actor = col(st, 5),
		                      .group_id = col(st, 6),
		                      .group_name = col(st, 7),
		                      .first_seen = col(st, 8),
		                      .last_seen = col(st, 9),
		                      .confidence = sqlite3_column_int(st, 10),
		                      .description = col(st, 11)};
		const char **opt[] = {&r.actor,      &r.group_id,  &r.group_name,
		                      &r.first_seen, &r.last_seen, &r.description};
		for (size_t k = 0; k < sizeof(opt) / sizeof(opt[0]); k++)
			if (!**opt[k]) *opt[k] = NULL; /* stored as '' or NULL: not given */
		ret = cb(&r, arg);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static int sq_each_trait(ln_store *s, const char *prefix,
                         int (*cb)(int64_t sample, const char *token, uint32_t kind, const char *detail, void *),
                         void *arg)
{
	char end[256];
	size_t n = strlen(prefix);
	if (!n || n >= sizeof(end)) return LINEAGE_EINVAL;
	memcpy(end, prefix, n + 1);
	end[n - 1]++; /* the first token after every one with the prefix */
	sqlite3_stmt *st = s->q[Q_TPREFIX];
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_TRANSIENT);
	int rc, ret = 0;
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = cb(sqlite3_column_int64(st, 1), col(st, 0), (uint32_t)sqlite3_column_int(st, 2), col(st, 3), arg);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static int sq_each_function(ln_store *s, int64_t sample, int (*cb)(const ln_hit *, uint64_t exact_hash, void *),
                            void *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT id, sample, address, ninsn, flags, name, minhash, nblocks, sig, exact_hash"
	                       " FROM functions WHERE sample = ?1 ORDER BY address",
	                       -1, &st, NULL) != SQLITE_OK)
		return fail(s, LINEAGE_EDB, "query");
	sqlite3_bind_int64(st, 1, sample);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ln_hit h;
		hit_row(st, &h);
		if ((ret = cb(&h, (uint64_t)sqlite3_column_int64(st, 9), arg)) != 0) break;
	}
	sqlite3_finalize(st);
	if (ret) return ret;
	return rc == SQLITE_DONE ? 0 : fail(s, LINEAGE_EDB, "query");
}

static const char *sq_errmsg(ln_store *s)
{
	return s->err;
}

const ln_store_ops ln_store_sqlite = {
        .name = "sqlite",
        .open = sq_open,
        .close = sq_close,
        .begin = sq_begin,
        .begin_read = sq_begin_read,
        .commit = sq_commit,
        .rollback = sq_rollback,
        .find_sample = sq_find_sample,
        .insert_sample = sq_insert_sample,
        .insert_function = sq_insert_function,
        .insert_band = sq_insert_band,
        .insert_feature = sq_insert_feature,
        .set_labels = sq_set_labels,
        .remove_sample = sq_remove_sample,
        .each_sample = sq_each_sample,
        .stats = sq_stats,
        .find_exact = sq_find_exact,
        .find_band = sq_find_band,
        .find_feature = sq_find_feature,
        .get_function = sq_get_function,
        .get_sample = sq_get_sample,
        .insert_trait = sq_insert_trait,
        .find_trait = sq_find_trait,
        .traits_version = sq_traits_version,
        .set_traits_version = sq_set_traits_version,
        .clear_traits = sq_clear_traits,
        .put_ioc = sq_put_ioc,
        .find_ioc = sq_find_ioc,
        .each_trait = sq_each_trait,
        .errmsg = sq_errmsg,
        .each_function = sq_each_function,
};
