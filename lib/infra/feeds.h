/* Internal: threat-intelligence feeds in (STIX 2.1 bundles, MISP event
 * JSON, CSV) and a STIX 2.1 bundle out. Parsing makes plain records; the
 * corpus stores them (lineage import-iocs) and lineage match meets them. */
#ifndef LN_FEEDS_H
#define LN_FEEDS_H

#include "ioc.h"
#include "../util/util.h"

/* One indicator of a feed. Strings are in the arena given to the parser;
 * optional ones are NULL when the feed does not say. */
typedef struct ln_feed_ioc {
	uint32_t type;          /* LN_IOC_* */
	const char *value;      /* normalized (ln_ioc_parse) */
	uint16_t port;          /* 0 or the port given with it (ip-dst|port, a URL's) */
	const char *source;     /* who says so: the STIX identity's name (created_by_ref), the MISP
	                           Orgc name, the CSV "source" column; else the feed file's base name */
	const char *feed;       /* the feed file's base name */
	const char *actor;      /* the actor as the feed names it ("Guardians of Peace"), or NULL */
	const char *first_seen; /* RFC 3339 ("2014-11-24T00:00:00Z") or NULL */
	const char *last_seen;
	int confidence;          /* 0..100, or -1 when unknown */
	const char *description; /* the feed's name/comment/info for it, or NULL */
} ln_feed_ioc;

/* Feed formats. */
enum { LN_FEED_AUTO = 0, LN_FEED_STIX, LN_FEED_MISP, LN_FEED_CSV };

/* Parse a feed held in memory. name is the file's path (for messages and
 * the default source). Values that are not indicators lineage knows (file
 * names, registry keys, unparseable values) are counted in *skipped.
 * Returns 0, LINEAGE_EFORMAT (err gets "NAME: what is wrong [at line N]"),
 * or LINEAGE_ENOMEM. Records are appended to out (ln_feed_ioc). */
int ln_feed_parse(const char *name, const uint8_t *data, size_t size, int format, ln_arena *a, ln_vec *out,
                  size_t *skipped, char *err, size_t errcap);

/* ---- STIX 2.1 export ---------------------------------------------------- */

/* An actor as exported: an intrusion-set, with its ATT&CK group when the
 * name resolves (lineage/kb.h). */
typedef struct ln_stix_actor {
	const char *name;           /* the ATT&CK group's name when resolved, else the label as given */
	const char *attack_id;      /* "G0032" or NULL */
	const char *const *aliases; /* the group's aliases */
	size_t naliases;
} ln_stix_actor;

/* A corpus sample: a file SCO (hashes, name) and a malware SDO (is_family
 * false) with sample_refs to it; its family a malware SDO (is_family true)
 * it is a variant-of; the family (or, without one, the sample) authored-by
 * its actor (the relationship STIX 2.1 defines from malware to an
 * intrusion-set; attributed-to is for campaigns and intrusion-sets). */
typedef struct ln_stix_sample {
	const char *sha256, *md5; /* md5 may be "" */
	const char *name;         /* the file's base name, or NULL */
	const char *family;       /* NULL or "" when unlabeled */
	size_t actor;             /* index into the actors, or SIZE_MAX */
	const char *added;        /* RFC 3339 time it entered the corpus: created/modified */
} ln_stix_sample;

/* An indicator: an indicator SDO with a STIX pattern, indicating each of
 * its samples (and the actor, when a feed names one). */
typedef struct ln_stix_indicator {
	uint32_t type;         /* LN_IOC_* */
	const char *value;     /* normalized */
	const size_t *samples; /* indexes into the samples that carry it */
	size_t nsamples;
	size_t actor;           /* a feed's actor, index into actors, or SIZE_MAX */
	const char *first_seen; /* valid_from; NULL: the export time */
	const char *last_seen;  /* valid_until, or NULL */
	int confidence;         /* -1: not given */
	const char *source;     /* the feed that says so, or NULL for an indicator found in samples */
} ln_stix_indicator;

typedef struct ln_stix_export {
	const ln_stix_sample *samples;
	size_t nsamples;
	const ln_stix_indicator *indicators;
	size_t nindicators;
	const ln_stix_actor *actors;
	size_t nactors;
	const char *now; /* RFC 3339 with milliseconds, "2026-11-30T12:00:00.000Z" */
} ln_stix_export;

/* The bundle as JSON text (malloc'd, the caller frees), or NULL on OOM.
 * Identifiers are UUIDv5 (SCOs, the STIX namespace, from their id
 * contributing properties) and UUIDv4 (SDOs, SROs, the bundle). */
char *ln_stix_write(const ln_stix_export *x);

/* A STIX pattern for one indicator ("[ipv4-addr:value = '192.0.2.1']"),
 * quotes and backslashes escaped; into buf, NULL when it does not fit. */
char *ln_stix_pattern(uint32_t type, const char *value, char *buf, size_t cap);

#endif
