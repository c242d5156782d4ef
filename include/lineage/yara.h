/**
 * @file lineage/yara.h
 * @brief YARA rules written for a corpus family from the code its samples
 * share and no other family has, and verified by libyara against the whole
 * corpus (and any other files the caller names) before they are returned.
 *
 * How a rule is built (docs/cli/yara.md):
 *  1. the family's samples are read again from the paths they were stored
 *     with (the corpus keeps no bytes): a file that is gone or changed since
 *     it was added is reported and skipped;
 *  2. their functions of LINEAGE_MIN_MATCH_INSNS instructions or more become
 *     candidates, except library and runtime code (flags, runtime names,
 *     reference library samples) and functions whose exact hash the corpus
 *     also finds in another family;
 *  3. each candidate gives one byte pattern: an instruction-aligned window of
 *     the function's code with every position-dependent operand byte
 *     wildcarded (relocated slots, absolute and RIP-relative addresses, call
 *     and jump targets outside the function, immediates that point into the
 *     image); windows with few fixed bytes, few distinct values or no run of
 *     four fixed bytes are dropped;
 *  4. libyara scans every stored sample file and the extra files with all
 *     candidates: a candidate that hits any file outside the family is
 *     dropped;
 *  5. a greedy cover over the family's samples picks the strings: each pick
 *     hits the most samples still short of the condition's count, longer and
 *     more varied patterns first on ties;
 *  6. the rule is compiled and scanned over the same files again: the
 *     figures returned (recall, false positives) are that scan's.
 */
#ifndef LINEAGE_YARA_H
#define LINEAGE_YARA_H

#include "corpus.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default and largest number of strings in a rule. */
#define LINEAGE_YARA_MAX_STRINGS   48
#define LINEAGE_YARA_STRINGS_LIMIT 512
/** Default count of strings the condition asks for ("2 of ($f*)"). */
#define LINEAGE_YARA_MIN_HITS 2
/** A pattern keeps at least this many fixed (not wildcarded) bytes. */
#define LINEAGE_YARA_MIN_FIXED 16
/** Longest pattern, bytes. */
#define LINEAGE_YARA_MAX_PATTERN 64

/** Options of lineage_yara_generate(); zero means the default. */
typedef struct lineage_yara_options {
	size_t max_strings; /**< at most this many strings (0: LINEAGE_YARA_MAX_STRINGS) */
	/** The condition's count: every sample must hold this many of the
	 *  strings. 0: LINEAGE_YARA_MIN_HITS, lowered to what every covered
	 *  sample reaches when the family's code cannot give more (at least 1);
	 *  a value set here is kept (only capped at the number of strings found),
	 *  and samples that cannot reach it are missed. */
	unsigned min_hits;
	/** Files outside the corpus that the rule must not hit (system binaries,
	 *  goodware): every candidate that hits one is dropped. Regular files;
	 *  the caller walks folders. Borrowed for the call. */
	const char *const *verify;
	size_t nverify;
	const char *date; /**< the meta date ("2025-01-31"); NULL: today (UTC) */
	/** Per-file scan timeout of libyara, seconds (0: 60). */
	int scan_timeout;
} lineage_yara_options;

/** One string of a rule: where its bytes come from and what it hits. */
typedef struct lineage_yara_string {
	const char *id;     /**< "$f0" */
	const char *hex;    /**< the hex string body "55 48 89 E5 ?? ..." */
	const char *sha256; /**< the family sample it was taken from */
	const char *path;   /**< that sample's stored path */
	const char *name;   /**< the function's symbol name, or NULL */
	uint64_t address;   /**< the function's address in that sample */
	uint64_t offset;    /**< the pattern's address (within the function) */
	uint32_t length;    /**< bytes */
	uint32_t fixed;     /**< bytes that are not wildcards */
	size_t samples_hit; /**< family samples the final scan found it in */
} lineage_yara_string;

/** What became of one sample of the family. */
enum {
	LINEAGE_YARA_SAMPLE_HIT = 0,     /**< read, and the rule hits it */
	LINEAGE_YARA_SAMPLE_MISSED = 1,  /**< read, and the rule does not hit it */
	LINEAGE_YARA_SAMPLE_GONE = 2,    /**< its stored path cannot be read: skipped */
	LINEAGE_YARA_SAMPLE_CHANGED = 3, /**< the file there has another sha256 now: skipped */
	LINEAGE_YARA_SAMPLE_FAILED = 4   /**< it could not be analysed (the message says why): skipped */
};

typedef struct lineage_yara_sample {
	const char *sha256, *path;
	int status;          /**< LINEAGE_YARA_SAMPLE_* */
	unsigned hits;       /**< strings of the rule found in it */
	size_t candidates;   /**< patterns its code gave (before verification) */
	const char *message; /**< why it was skipped, or NULL */
} lineage_yara_sample;

/** A file outside the family that the final rule hits (should never happen:
 *  every string was verified alone), or that could not be scanned. */
typedef struct lineage_yara_file {
	const char *path;
	const char *family;  /**< its corpus family, "" for an unlabeled sample, NULL for an extra file */
	const char *message; /**< the scan error, or NULL for a hit */
} lineage_yara_file;

/** A generated and verified rule. Everything belongs to it. */
typedef struct lineage_yara_rule {
	const char *name;   /**< the rule's identifier ("lineage_Kin") */
	const char *text;   /**< the whole rule, ready to write to a .yar file */
	const char *family; /**< as asked */
	const char *actor;  /**< of the family's samples ("" when none) */
	const lineage_yara_string *strings;
	size_t nstrings;
	unsigned min_hits;                  /**< the condition's count */
	const char *format;                 /**< the condition's file-format check ("uint16(0) == 0x5A4D") */
	const lineage_yara_sample *samples; /**< the family's samples, by corpus id */
	size_t nsamples;
	size_t samples_read; /**< family samples read and analysed (the recall's denominator) */
	size_t samples_hit;  /**< of those, hit by the rule */
	size_t candidates;   /**< distinct patterns taken from the family's code */
	size_t rejected;     /**< of those, dropped for hitting a file outside the family */
	size_t excluded;     /**< functions left out before: library, runtime or found in another family */
	size_t corpus_files; /**< other corpus files scanned */
	size_t extra_files;  /**< extra (verify) files scanned */
	const lineage_yara_file *false_positives; /**< files outside the family the final rule hits */
	size_t nfalse_positives;
	const lineage_yara_file *unscanned; /**< files outside the family that could not be scanned */
	size_t nunscanned;
} lineage_yara_rule;

/**
 * Write and verify a YARA rule for @p family (lineage/yara.h's file comment
 * says how). Reads the family's sample files from their stored paths and
 * scans every stored sample file and @p opt's extra files with libyara.
 * @param[out] out the rule, owned by the caller (lineage_yara_rule_free);
 *             NULL on failure.
 * @param opt NULL for the defaults.
 * @return 0 with a rule (check samples_hit against samples_read and
 *         nfalse_positives); LINEAGE_ENOTFOUND when no sample carries the
 *         family label, or when no string could be built (every sample file
 *         gone, or no code unique to the family survived verification);
 *         LINEAGE_EINVAL for bad options; LINEAGE_EDB; LINEAGE_ENOMEM. The
 *         context holds the message.
 * libyara's global state is taken and given back under the same lock as the
 * rule set's (lineage_rules_load): safe beside other lineage threads; a
 * caller that also uses libyara directly must not call yr_finalize while this
 * runs.
 */
LINEAGE_API int lineage_yara_generate(lineage_yara_rule **out, lineage_corpus *c, lineage_ctx *ctx, const char *family,
                                      const lineage_yara_options *opt);

/** Free a rule; NULL is a no-op. */
LINEAGE_API void lineage_yara_rule_free(lineage_yara_rule *r);

#ifdef __cplusplus
}
#endif
#endif
