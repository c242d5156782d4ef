/**
 * @file lineage/capability.h
 * @brief Capabilities: what a binary can do, by the capability rules
 * (docs/rules.md), each with its ATT&CK and MBC ids and the evidence that
 * fired. The destruction axis is built on them: how a binary can destroy
 * data (raw disk writes, partition and boot record destruction, file
 * wiping, recovery inhibition, log clearing, service stopping, abused
 * raw-disk drivers), and how each method is built.
 *
 * A capability says what the code can do, not what it is for: a disk
 * partitioner can delete a drive layout too. lineage reports capabilities;
 * it never calls a file a wiper on capability alone.
 */
#ifndef LINEAGE_CAPABILITY_H
#define LINEAGE_CAPABILITY_H

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Evidence flags. */
enum {
	LINEAGE_EVIDENCE_HAS_OFFSET = 1u << 0, /**< offset is a file offset */
	LINEAGE_EVIDENCE_HAS_VA = 1u << 1,     /**< va is a mapped address */
	LINEAGE_EVIDENCE_WIDE = 1u << 2,       /**< a string found as UTF-16LE */
	LINEAGE_EVIDENCE_RESOLVED = 1u << 3    /**< an import resolved at run time (a name string or an API hash) */
};

/** One feature that made a capability rule match. */
typedef struct lineage_evidence {
	const char *feature; /**< "import", "call", "string", "constant", "yara", "rule", "embedded" */
	const char *value;   /**< the API name, the string's text, the constant ("0x7c100"), the YARA
	                      *   rule, the rule id, the embedded file's place */
	const char *detail;  /**< NULL, or more: a constant's name ("IOCTL_DISK_DELETE_DRIVE_LAYOUT"),
	                      *   "resolved at run time from a string", "in a callee" */
	const char *reaches; /**< constant: the API called next in the function (which IOCTL reaches
	                      *   which DeviceIoControl), or NULL */
	uint64_t offset;     /**< file offset (LINEAGE_EVIDENCE_HAS_OFFSET) */
	uint64_t va;         /**< address (LINEAGE_EVIDENCE_HAS_VA): the call site, the instruction
	                      *   carrying the constant, the string */
	uint64_t reaches_va; /**< the call site of reaches */
	uint32_t flags;      /**< LINEAGE_EVIDENCE_* */
} lineage_evidence;

/** A capability rule that matched. */
typedef struct lineage_capability {
	const char *id;            /**< "disk.layout-destroy" */
	const char *name;          /**< "Deletes or rewrites a disk's partition layout" */
	const char *description;   /**< NULL or a paragraph */
	const char *axis;          /**< "destruction" */
	int support;               /**< 1: a building block (raw disk access, file enumeration) rather
	                          *   than a method in itself */
	const char *const *attack; /**< ATT&CK technique ids ("T1561.002") */
	size_t nattack;
	const char *const *mbc; /**< MBC behavior ids ("F0014") */
	size_t nmbc;
	const char *rule_file; /**< the rule's file */
	int function_scope;
	uint64_t function;                /**< function scope: the first function it matched in */
	const char *function_name;        /**< its symbol, or NULL */
	uint32_t nfunctions;              /**< function scope: functions it matched in */
	int embedded;                     /**< -1, or the index of the embedded file it was found in */
	const lineage_evidence *evidence; /**< of the first match */
	size_t nevidence;
} lineage_capability;

/** A file embedded in the sample (a resource, the overlay, data) that was
 *  itself analysed. */
typedef struct lineage_embedded {
	uint64_t offset; /**< in the sample */
	uint64_t size;
	const char *where;  /**< "resource RCDATA/101", "overlay", "data" */
	const char *format; /**< "pe" or "elf" */
	const char *kind;   /**< "driver", "dll", "exe" (PE) or "elf" */
	char sha256[65];
	size_t ncapabilities; /**< capabilities found in it (listed with the sample's, embedded set) */
} lineage_embedded;

/** One IOCTL or FSCTL code of the shipped table passed to a device-control
 *  call: the destruction fingerprint's IOCTL sequence. */
typedef struct lineage_ioctl_use {
	const char *name;  /**< "FSCTL_LOCK_VOLUME", "BLKDISCARD" */
	uint64_t code;     /**< its value for the sample's architecture */
	uint64_t va;       /**< the instruction carrying it */
	const char *call;  /**< "DeviceIoControl", "ioctl", ... the call it reaches */
	uint64_t call_va;  /**< that call's site */
	uint64_t function; /**< the containing function */
} lineage_ioctl_use;

/** The capabilities of an analysed sample (LINEAGE_ANALYZE_CAPABILITIES),
 *  sorted by axis, then id; those of embedded files follow the sample's
 *  own. Borrowed from the sample. */
LINEAGE_API const lineage_capability *lineage_sample_capabilities(const lineage_sample *s, size_t *count);
/** Embedded files found and analysed. */
LINEAGE_API const lineage_embedded *lineage_sample_embedded(const lineage_sample *s, size_t *count);
/** Device-control codes reaching device-control calls, in address order. */
LINEAGE_API const lineage_ioctl_use *lineage_sample_ioctls(const lineage_sample *s, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
