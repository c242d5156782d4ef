/* Internal: network and host indicators recognized in text (the
 * infrastructure axis, lib/infra). A string of a binary, a decoded string or
 * a feed's value goes in; typed, normalized indicators come out, each with
 * flags for ranges and names that are not anyone's infrastructure (private,
 * reserved, documentation, well-known public services). */
#ifndef LN_IOC_H
#define LN_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Indicator types; ln_ioc_type_name() gives the names used in JSON, feeds
 * and trait tokens. */
enum {
	LN_IOC_IPV4 = 0,   /* "ipv4": 192.0.2.10 */
	LN_IOC_IPV6,       /* "ipv6": canonical form of inet_ntop, 2001:db8::1 */
	LN_IOC_DOMAIN,     /* "domain": a host name, lowercase, no trailing dot */
	LN_IOC_URL,        /* "url": scheme lowercase, host normalized, rest as written */
	LN_IOC_EMAIL,      /* "email": local@domain, domain lowercase */
	LN_IOC_USER_AGENT, /* "user-agent": the agent string without a "User-Agent: " prefix */
	LN_IOC_MUTEX,      /* "mutex": as written (Global\Name) */
	LN_IOC_PIPE,       /* "pipe": \\.\pipe\name, as written (server part kept) */
	LN_IOC_MD5,        /* "md5", "sha1", "sha256": file hashes, lowercase hex (feeds only) */
	LN_IOC_SHA1,
	LN_IOC_SHA256,
	LN_IOC_NTYPES
};

/* Flags of an indicator. */
enum {
	LN_IOC_F_PRIVATE = 1u << 0,   /* RFC 1918, fc00::/7, 100.64/10 (CGN) */
	LN_IOC_F_LOOPBACK = 1u << 1,  /* 127/8, ::1, localhost */
	LN_IOC_F_LINKLOCAL = 1u << 2, /* 169.254/16, fe80::/10 */
	LN_IOC_F_MULTICAST = 1u << 3, /* 224/4, ff00::/8 */
	LN_IOC_F_RESERVED = 1u << 4,  /* 0/8, 240/4, broadcast, unspecified, other IANA special-purpose */
	LN_IOC_F_DOC = 1u << 5,       /* documentation: 192.0.2/24, 198.51.100/24, 203.0.113/24,
	                                 2001:db8::/32, 3fff::/20; example.com/.net/.org and the .example,
	                                 .test, .invalid, .localhost names (RFC 2606, RFC 6761); the
	                                 placeholders of manuals (foo.com, bar.com, mycompany.com ...) */
	LN_IOC_F_COMMON = 1u << 6,    /* well-known public service: public DNS resolvers, OS vendors'
	                                 update/PKI/schema hosts, big CDNs; shared by thousands of
	                                 programs, never evidence of kinship */
	LN_IOC_F_DEFANGED = 1u << 7   /* written defanged in the input (hxxp, [.]) */
};

typedef struct ln_ioc {
	uint32_t type;   /* LN_IOC_* */
	uint32_t flags;  /* LN_IOC_F_* */
	uint16_t port;   /* 0, or the port written with it (192.0.2.1:8080, a URL's port) */
	size_t start;    /* where it was found in the text (bytes) */
	size_t len;      /* bytes of the text it covers */
	char value[512]; /* normalized, NUL-terminated; URLs longer than this are cut and not reported */
	char host[256];  /* URL and e-mail: the host part (domain or address), normalized; else "" */
} ln_ioc;

/* How strict recognition is. */
enum {
	LN_IOC_SCAN_STRICT = 1u << 0,  /* text decoded by guessing (XOR keys, stack stores): only forms
	                                 that random bytes cannot produce by chance (a URL with a
	                                 scheme, a dotted quad, a domain of >= 2 labels under a known
	                                 suffix with >= 4 letters in its registrable label, an e-mail
	                                 address whose domain is such a domain, a pipe, a user agent
	                                 after "Mozilla/", "Opera/" or "User-Agent:"); no IPv6 */
	LN_IOC_SCAN_DEFANGED = 1u << 1 /* also accept defanged forms (hxxp://, [.], (.), [:], [at]) */
};

/* Called per indicator found; nonzero stops the scan and is returned. */
typedef int (*ln_ioc_cb)(const ln_ioc *ioc, void *arg);

/* Find the indicators in one string (not NUL-terminated; len bytes; other
 * bytes than ASCII end every token), in text order. A URL's or e-mail's
 * host is not reported again as a domain of its own. Mutexes are not
 * recognized here (they need code context), pipes are. Precision comes
 * first: a bare host name (outside a URL or an e-mail address) is reported
 * under the common TLDs, or with a "www."-like first label, and never when
 * it looks like a file name, code or a reverse-DNS identifier (ioc.c has
 * the policy); a bare dotted quad not after "version" and the like, not an
 * OID (1.x, 2.x) nor all four numbers below ten. Defanged forms give
 * LN_IOC_F_DEFANGED, start and len in the text as written. Thread-safe.
 * Returns 0 or the callback's nonzero value. */
int ln_ioc_scan(const char *text, size_t len, unsigned opts, ln_ioc_cb cb, void *arg);

/* Parse one indicator value as given by a feed or an analyst (defanged
 * forms accepted). type is LN_IOC_* or -1 to guess from the value.
 * On success fills out (start 0, len strlen) and returns true.
 * The whole value (spaces around it trimmed) must be one indicator of the
 * type; the context heuristics of ln_ioc_scan do not apply ("setup.py",
 * "1.0.0.0" and "localhost" are accepted). Guessing tries hashes (32, 40,
 * 64 hex digits), IPv4, IPv6, URL, e-mail, pipe, domain, user agent (only
 * after "Mozilla/", "Opera/" or "User-Agent:"); never a mutex. With a type
 * given: LN_IOC_MUTEX and LN_IOC_USER_AGENT take any printable UTF-8 value
 * up to 511 bytes as it is (the latter without a "User-Agent:" prefix); a
 * value of LN_IOC_URL without a scheme gets "http://". An IPv4 type never
 * takes an IPv6 address nor the reverse (feeds' "ip-dst" may be either:
 * pass -1 or try both). */
bool ln_ioc_parse(const char *value, int type, ln_ioc *out);

/* "ipv4", "ipv6", "domain", "url", "email", "user-agent", "mutex", "pipe",
 * "md5", "sha1", "sha256" ("unknown" out of range); ln_ioc_type_from_name()
 * also takes, case-insensitively, the MISP and STIX spellings ("ip-dst",
 * "ip-src", "hostname", "domain-name", "uri", "email-src", "email-dst",
 * "email-addr", "ipv4-addr", "ipv6-addr", "mutex", "named pipe",
 * "user-agent") and returns -1 for others, composite MISP names
 * ("ip-dst|port", "domain|ip") included. "ip-dst" and "ip-src" give
 * LN_IOC_IPV4 though their values may be IPv6. */
const char *ln_ioc_type_name(uint32_t type);
int ln_ioc_type_from_name(const char *name);

/* Flags of an address (host byte order for v4; 16 bytes for v6). */
uint32_t ln_ioc_ipv4_flags(uint32_t addr);
uint32_t ln_ioc_ipv6_flags(const uint8_t addr[16]);
/* Flags of a normalized domain (DOC, LOOPBACK, COMMON). COMMON: the name or
 * a parent is in ioc.c's table of public services (Microsoft, Apple,
 * Google, the CAs, schema hosts, CDNs and clouds). */
uint32_t ln_ioc_domain_flags(const char *domain);

/* The registrable domain of a normalized host (libpsl: "c2.evil.co.uk" ->
 * "evil.co.uk"; the private section counts, so "evil.s3.amazonaws.com" is
 * its own), written into buf; false (buf "") when the host has none (an
 * address, a public suffix itself, a single label) or buf is too small. */
bool ln_ioc_registrable(const char *host, char *buf, size_t cap);

/* The defanged form of a normalized value: URL "hxxp://evil[.]example[.]com/"
 * (hxxp, hxxps, fxp; the dots of the host only), domain
 * "evil[.]example[.]com" (every dot), IPv4 "192.0.2[.]1" (the last dot),
 * e-mail "user[@]example[.]com"; other types (IPv6 included) are copied.
 * Cut to cap, always NUL-terminated when cap > 0. Returns buf. */
char *ln_ioc_defang(uint32_t type, const char *value, char *buf, size_t cap);

/* The names of flags set, ", "-separated into buf ("private, documentation"). */
const char *ln_ioc_flag_names(uint32_t flags, char *buf, size_t cap);
/* One flag's name: "private", "loopback", "link-local", "multicast",
 * "reserved", "documentation", "common", "defanged"; NULL for anything but
 * one of these bits. */
const char *ln_ioc_flag_name(uint32_t flag);

#endif
