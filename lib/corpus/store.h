/* The storage interface of the corpus. lib/corpus/corpus.c speaks only to
 * these operations; each backend (SQLite now, PostgreSQL later) implements
 * them. Rows are plain values; a backend copies what it keeps. */
#ifndef LN_STORE_H
#define LN_STORE_H

#include "lineage/corpus.h"
#include "lineage/infra.h"
#include "../util/util.h"

typedef struct ln_store ln_store;

typedef struct ln_sample_row {
	const char *sha256, *md5, *path, *format, *arch, *imphash, *ssdeep, *tlsh;
	uint64_t size, nfunctions, ninsn;
	lineage_labels labels;
} ln_sample_row;

typedef struct ln_function_row {
	uint64_t address, size;
	uint32_t ninsn, nblocks, flags;
	uint64_t exact_hash;
	const uint32_t *minhash; /* LINEAGE_MINHASH_K values */
	const lineage_function_sig *sig;
	const char *name; /* or NULL */
} ln_function_row;

/* A stored function met by a query; pointers valid during the callback. */
typedef struct ln_hit {
	int64_t function, sample;
	uint64_t address;
	uint32_t ninsn, flags, nblocks;
	const char *name;                /* or NULL */
	const uint32_t *minhash;         /* LINEAGE_MINHASH_K values, or NULL when damaged */
	const lineage_function_sig *sig; /* or NULL (stored before schema 3) */
} ln_hit;

typedef struct ln_store_ops {
	const char *name;
	/* 0, or LINEAGE_EDB / LINEAGE_EIO with err set; nothing is written to a
	 * file that is not a lineage corpus */
	int (*open)(ln_store **out, const char *where, unsigned flags, char *err, size_t errlen);
	void (*close)(ln_store *s);
	/* a write transaction that excludes other writers until commit/rollback */
	int (*begin)(ln_store *s);
	/* a read transaction: one consistent snapshot for many lookups, and no
	 * lock taken and released around each of them; ended by rollback */
	int (*begin_read)(ln_store *s);
	int (*commit)(ln_store *s);
	void (*rollback)(ln_store *s);
	/* 0 and *id, or LINEAGE_ENOTFOUND */
	int (*find_sample)(ln_store *s, const char *sha256, int64_t *id);
	int (*insert_sample)(ln_store *s, const ln_sample_row *r, int64_t *id);
	int (*insert_function)(ln_store *s, int64_t sample, const ln_function_row *f, int64_t *id);
	/* one MinHash LSH band of a function: key mixes the band index and its rows */
	int (*insert_band)(ln_store *s, uint64_t key, int64_t function);
	/* one signature feature of a function (ln_sig_keys) */
	int (*insert_feature)(ln_store *s, uint64_t key, int64_t function);
	int (*set_labels)(ln_store *s, int64_t sample, const lineage_labels *l);
	int (*remove_sample)(ln_store *s, int64_t sample);
	int (*each_sample)(ln_store *s, const char *family, int (*cb)(const lineage_corpus_sample *, void *),
	                   void *arg);
	int (*stats)(ln_store *s, lineage_corpus_stats *out);
	/* queries: the functions with an exact hash, or the ids of the functions
	 * in one LSH band bucket (read one with get_function), at most cap of
	 * them (0: all); a non-zero return from cb stops the walk and is
	 * returned */
	int (*find_exact)(ln_store *s, uint64_t hash, size_t cap, int (*cb)(const ln_hit *, void *), void *arg);
	int (*find_band)(ln_store *s, uint64_t key, size_t cap, int (*cb)(int64_t function, void *), void *arg);
	int (*find_feature)(ln_store *s, uint64_t key, size_t cap, int (*cb)(int64_t function, void *), void *arg);
	/* one function by id: cb is called once, or not when it is gone */
	int (*get_function)(ln_store *s, int64_t function, int (*cb)(const ln_hit *, void *), void *arg);
	/* one sample by id: 0 after cb, or LINEAGE_ENOTFOUND */
	int (*get_sample)(ln_store *s, int64_t id, int (*cb)(const lineage_corpus_sample *, void *), void *arg);
	/* traits (lineage/traits.h): store one of a sample; the samples with a
	 * token (at most cap, 0: all); the version a sample's traits were drawn
	 * with (0: none stored) and its update */
	int (*insert_trait)(ln_store *s, int64_t sample, const char *token, uint32_t kind, const char *detail);
	int (*find_trait)(ln_store *s, const char *token, size_t cap,
	                  int (*cb)(int64_t sample, uint32_t kind, const char *detail, void *), void *arg);
	int (*traits_version)(ln_store *s, int64_t sample, int *version);
	int (*set_traits_version)(ln_store *s, int64_t sample, int version);
	int (*clear_traits)(ln_store *s, int64_t sample); /* before storing them again */
	/* the traits whose token starts with prefix, by token */
	int (*each_trait)(ln_store *s, const char *prefix,
	                  int (*cb)(int64_t sample, const char *token, uint32_t kind, const char *detail, void *),
	                  void *arg);
	/* feeds (lineage/infra.h): store or update one indicator (*added 1 when
	 * new); the ones whose value or host is value (NULL: all), by id */
	int (*put_ioc)(ln_store *s, const lineage_feed_ioc *r, const char *host, int *added);
	int (*find_ioc)(ln_store *s, const char *value, int (*cb)(const lineage_feed_ioc *, void *), void *arg);
	/* the backend's last error message */
	const char *(*errmsg)(ln_store *s);
	/* the functions of one sample, by address, each with its exact hash
	 * (lib/kinship/cluster.c walks the corpus sample by sample) */
	int (*each_function)(ln_store *s, int64_t sample, int (*cb)(const ln_hit *, uint64_t exact_hash, void *),
	                     void *arg);
} ln_store_ops;

extern const ln_store_ops ln_store_sqlite;

/* LSH banding of the MinHash values: 21 bands of 3 rows (63 of the 64). Two
 * functions with Jaccard similarity J share a band with probability
 * 1-(1-J^3)^21: 0.94 at J=0.5 (the default near threshold), 0.99 at 0.6,
 * 0.75 at 0.4, 0.44 at 0.3, 0.16 at 0.2. (16 bands of 4 rows would find
 * only 0.64 of the pairs at J=0.5.) */
#define LN_LSH_BANDS 21
#define LN_LSH_ROWS  3
/* Functions shorter than this have too few n-grams for a meaningful near
 * duplicate: only their exact hash is indexed. */
#define LN_LSH_MIN_INSNS 10
uint64_t ln_lsh_band_key(const uint32_t *minhash, unsigned band);

/* The feature index: keys from the parts of a function's signature that are
 * both robust across compilers and selective (the read-only data it
 * references, its call-graph neighbours' features, its imported callees):
 * the two smallest hashes of each. Functions sharing a key are candidates
 * for lineage_function_similarity. Returns the number of keys (at most
 * LN_SIG_KEYS). */
#define LN_SIG_KEYS 6
unsigned ln_sig_keys(const lineage_function_sig *sig, uint64_t keys[LN_SIG_KEYS]);

/* The backend behind a corpus, for queries (lib/kinship/match.c). */
void ln_corpus_store(lineage_corpus *c, const ln_store_ops **ops, ln_store **st);

#endif
