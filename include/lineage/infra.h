/**
 * @file lineage/infra.h
 * @brief The infrastructure axis: network and host indicators a binary
 * carries (addresses, domains, URLs, e-mail addresses, user agents, mutexes,
 * named pipes), found in its strings (ASCII and UTF-16LE), in strings built
 * on the stack by immediate stores, in strings decoded with the constant XOR
 * keys of its decoding loops, and in addresses stored as integers into a
 * socket address before connect(); threat-intelligence feeds (STIX 2.1,
 * MISP, CSV) kept in the corpus; and a STIX 2.1 export of the corpus.
 * docs/infrastructure.md has the details.
 */
#ifndef LINEAGE_INFRA_H
#define LINEAGE_INFRA_H

#include "corpus.h"
#include "kb.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Indicator flags: ranges and names that are nobody's infrastructure. */
enum {
	LINEAGE_IOC_PRIVATE = 1u << 0,   /**< RFC 1918, fc00::/7, 100.64.0.0/10 */
	LINEAGE_IOC_LOOPBACK = 1u << 1,  /**< 127.0.0.0/8, ::1, localhost */
	LINEAGE_IOC_LINKLOCAL = 1u << 2, /**< 169.254.0.0/16, fe80::/10 */
	LINEAGE_IOC_MULTICAST = 1u << 3, /**< 224.0.0.0/4, ff00::/8 */
	LINEAGE_IOC_RESERVED = 1u << 4,  /**< other IANA special-purpose ranges */
	LINEAGE_IOC_DOC = 1u << 5,       /**< documentation ranges and example names (RFC 5737, 3849,
	                                      2606, 6761) */
	LINEAGE_IOC_COMMON = 1u << 6,    /**< a well-known public service (public DNS resolvers, OS
	                                      vendors' and PKI hosts, big CDNs) */
	LINEAGE_IOC_DEFANGED = 1u << 7   /**< written defanged in the input */
};

/** Where an indicator was found. */
typedef struct lineage_ioc_place {
	const char *form;    /**< "ascii", "utf16", "stack" (built by immediate stores), "xor" (decoded
	                      *   with a loop's constant key), "integer" (an address constant in code) */
	uint64_t offset;     /**< file offset of the string, the encoded bytes, or the instruction (stack,
	                      *   integer) (has_offset) */
	uint64_t va;         /**< the string's address, or the instruction's (stack, integer) (has_va) */
	uint64_t function;   /**< the function that references, builds or stores it, 0 when unknown */
	const char *key;     /**< "xor": the key in hex; else NULL */
	const char *context; /**< the API the function calls with it ("CreateMutexA", "connect",
	                      *   "InternetOpenA"), or NULL */
	int has_offset, has_va;
} lineage_ioc_place;

/** An indicator of a sample (one per type, value and port). */
typedef struct lineage_indicator {
	const char *type;                /**< "ipv4", "ipv6", "domain", "url", "email", "user-agent", "mutex",
	                          *   "pipe" */
	const char *value;               /**< normalized: lowercase host names, canonical IPv6 */
	const char *host;                /**< URL and e-mail: the host; else NULL */
	const char *registrable;         /**< a host name's registrable domain (Public Suffix List), or NULL */
	uint32_t port;                   /**< 0, or the port it is used with (192.0.2.1:8080, a URL's, a
	                          *   socket address's) */
	uint32_t flags;                  /**< LINEAGE_IOC_* */
	const lineage_ioc_place *places; /**< the first places found, file order */
	size_t nplaces;
	size_t count; /**< places in all (more than nplaces when many) */
} lineage_indicator;

/** The indicators of an analysed sample (LINEAGE_ANALYZE_INFRA), by type then
 *  value; borrowed from the sample. */
LINEAGE_API const lineage_indicator *lineage_sample_indicators(const lineage_sample *s, size_t *count);

/** A flag's name ("private", "loopback", "link-local", "multicast", "reserved",
 *  "documentation", "common", "defanged"), or NULL. */
LINEAGE_API const char *lineage_ioc_flag_name(uint32_t flag);

/** The defanged form of an indicator value of a type ("hxxp://c2[.]example[.]net/",
 *  "192.0.2[.]1", "ops[@]example[.]org"), written into @p buf (NUL-terminated,
 *  cut to @p cap); returns buf. */
LINEAGE_API char *lineage_ioc_defang(const char *type, const char *value, char *buf, size_t cap);

/* ---- Feeds in the corpus --------------------------------------------- */

/** What lineage_corpus_import_iocs() did. */
typedef struct lineage_import_stats {
	size_t read;        /**< indicators in the feed that lineage knows */
	size_t added;       /**< stored now */
	size_t existing;    /**< already stored from the same source (updated) */
	size_t skipped;     /**< values of other kinds (registry keys, file names) or unparseable */
	size_t actors;      /**< distinct actors named */
	size_t resolved;    /**< of those, resolved to an ATT&CK group */
	const char *format; /**< "stix", "misp" or "csv" (static) */
} lineage_import_stats;

/**
 * Import a feed file (STIX 2.1 bundle, MISP event JSON or CSV, detected from
 * its content) into the corpus, in one transaction. Each indicator keeps its
 * source, actor, first and last seen and confidence; actors are resolved to
 * ATT&CK groups through their aliases when @p kb is given. Importing the same
 * feed again updates its entries (nothing is duplicated).
 * @return 0, LINEAGE_EIO (unreadable), LINEAGE_EFORMAT (the message names the
 *         file and what is wrong), LINEAGE_EDB, LINEAGE_ENOMEM.
 */
LINEAGE_API int lineage_corpus_import_iocs(lineage_corpus *c, lineage_ctx *ctx, const char *path, const lineage_kb *kb,
                                           lineage_import_stats *stats);

/** A feed's indicator as stored. Strings are valid during the callback only. */
typedef struct lineage_feed_ioc {
	const char *type, *value; /**< as lineage_indicator */
	uint32_t port;
	const char *source;                 /**< who says so (the feed's producer) */
	const char *feed;                   /**< the feed file's base name */
	const char *actor;                  /**< as the feed names it, or NULL */
	const char *group_id;               /**< the ATT&CK group it resolves to ("G0032"), or NULL */
	const char *group_name;             /**< its ATT&CK name ("Lazarus Group"), or NULL */
	const char *first_seen, *last_seen; /**< RFC 3339 or NULL */
	int confidence;                     /**< 0..100, -1 when the feed does not say */
	const char *description;
} lineage_feed_ioc;

/** Call @p cb for each stored feed indicator (@p value NULL), or those whose
 *  value or host equals @p value; a non-zero return stops the walk and is
 *  returned. */
LINEAGE_API int lineage_corpus_each_feed_ioc(lineage_corpus *c, lineage_ctx *ctx, const char *value,
                                             int (*cb)(const lineage_feed_ioc *, void *), void *arg);

/**
 * Write the corpus as a STIX 2.1 bundle: each sample (a file with its hashes
 * and a malware object), its family (a malware family it is a variant-of),
 * its actor (an intrusion-set, with its ATT&CK group when @p kb resolves it,
 * attributed-to), and the indicators found in the samples and imported from
 * feeds (indicates). @param[out] json malloc'd text, the caller frees.
 */
LINEAGE_API int lineage_corpus_export_stix(lineage_corpus *c, lineage_ctx *ctx, const lineage_kb *kb, char **json);

#ifdef __cplusplus
}
#endif
#endif
