/* Unit tests of lib/infra/ioc.c: recognizers of network and host indicators
 * in text, normalization, defanging, flags of ranges and names, one-value
 * parsing. Expected values are the indicators as written in the inputs, the
 * IANA special-purpose registries (RFC 6890 and successors) and the Public
 * Suffix List; the negatives are junk seen in the strings of real programs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "infra/ioc.h"

/* ---- helpers ---- */

#define MAXHITS 32
typedef struct hits {
	ln_ioc v[MAXHITS];
	size_t n;
} hits;

static hits H;

static int collect(const ln_ioc *o, void *arg)
{
	hits *h = arg;
	if (h->n < MAXHITS) h->v[h->n++] = *o;
	return 0;
}

/* Scan text from an exact-size heap copy (no terminator: ASan sees any read
 * past len). */
static size_t scan(const char *text, unsigned opts)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	H.n = 0;
	assert_int_equal(ln_ioc_scan(copy, len, opts, collect, &H), 0);
	free(copy);
	return H.n;
}

static void expect_one_(const char *text, unsigned opts, uint32_t type, const char *value, const char *file, int line)
{
	size_t n = scan(text, opts);
	if (n != 1 || H.v[0].type != type || strcmp(H.v[0].value, value)) {
		print_error("%s:%d: scanning \"%s\": wanted %s \"%s\", got %zu:", file, line, text,
		            ln_ioc_type_name(type), value, n);
		for (size_t i = 0; i < n; i++) print_error(" %s \"%s\"", ln_ioc_type_name(H.v[i].type), H.v[i].value);
		print_error("\n");
		fail();
	}
}
#define expect_one(text, opts, type, value) expect_one_(text, opts, type, value, __FILE__, __LINE__)

static void expect_none_(const char *text, unsigned opts, const char *file, int line)
{
	size_t n = scan(text, opts);
	if (n) {
		print_error("%s:%d: scanning \"%s\": wanted nothing, got:", file, line, text);
		for (size_t i = 0; i < n; i++) print_error(" %s \"%s\"", ln_ioc_type_name(H.v[i].type), H.v[i].value);
		print_error("\n");
		fail();
	}
}
#define expect_none(text, opts) expect_none_(text, opts, __FILE__, __LINE__)

static uint32_t v4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static uint32_t v6flags(const char *s)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	return ln_ioc_ipv6_flags(a);
}

/* ---- names ---- */

static void test_type_names(void **state)
{
	(void)state;
	static const char *const names[] = {"ipv4",  "ipv6", "domain", "url",  "email", "user-agent",
	                                    "mutex", "pipe", "md5",    "sha1", "sha256"};
	for (uint32_t t = 0; t < LN_IOC_NTYPES; t++) {
		assert_string_equal(ln_ioc_type_name(t), names[t]);
		assert_int_equal(ln_ioc_type_from_name(names[t]), (int)t);
	}
	assert_non_null(ln_ioc_type_name(LN_IOC_NTYPES));
	assert_int_equal(ln_ioc_type_from_name("IPv4"), LN_IOC_IPV4);
	assert_int_equal(ln_ioc_type_from_name("ip-dst"), LN_IOC_IPV4);
	assert_int_equal(ln_ioc_type_from_name("ip-src"), LN_IOC_IPV4);
	assert_int_equal(ln_ioc_type_from_name("ipv4-addr"), LN_IOC_IPV4);
	assert_int_equal(ln_ioc_type_from_name("ipv6-addr"), LN_IOC_IPV6);
	assert_int_equal(ln_ioc_type_from_name("hostname"), LN_IOC_DOMAIN);
	assert_int_equal(ln_ioc_type_from_name("Domain-Name"), LN_IOC_DOMAIN);
	assert_int_equal(ln_ioc_type_from_name("uri"), LN_IOC_URL);
	assert_int_equal(ln_ioc_type_from_name("email-src"), LN_IOC_EMAIL);
	assert_int_equal(ln_ioc_type_from_name("email-dst"), LN_IOC_EMAIL);
	assert_int_equal(ln_ioc_type_from_name("email-addr"), LN_IOC_EMAIL);
	assert_int_equal(ln_ioc_type_from_name("MUTEX"), LN_IOC_MUTEX);
	assert_int_equal(ln_ioc_type_from_name("named pipe"), LN_IOC_PIPE);
	assert_int_equal(ln_ioc_type_from_name("User-Agent"), LN_IOC_USER_AGENT);
	/* composite MISP names are split by the feed parser */
	assert_int_equal(ln_ioc_type_from_name("ip-dst|port"), -1);
	assert_int_equal(ln_ioc_type_from_name("domain|ip"), -1);
	assert_int_equal(ln_ioc_type_from_name("filename"), -1);
	assert_int_equal(ln_ioc_type_from_name(""), -1);
	assert_int_equal(ln_ioc_type_from_name(NULL), -1);
}

static void test_flag_names(void **state)
{
	(void)state;
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_PRIVATE), "private");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_LOOPBACK), "loopback");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_LINKLOCAL), "link-local");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_MULTICAST), "multicast");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_RESERVED), "reserved");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_DOC), "documentation");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_COMMON), "common");
	assert_string_equal(ln_ioc_flag_name(LN_IOC_F_DEFANGED), "defanged");
	assert_null(ln_ioc_flag_name(0));
	assert_null(ln_ioc_flag_name(LN_IOC_F_PRIVATE | LN_IOC_F_DOC));
	assert_null(ln_ioc_flag_name(1u << 20));
	char buf[128];
	assert_string_equal(ln_ioc_flag_names(LN_IOC_F_PRIVATE | LN_IOC_F_DOC, buf, sizeof(buf)),
	                    "private, documentation");
	assert_string_equal(ln_ioc_flag_names(0, buf, sizeof(buf)), "");
	assert_string_equal(ln_ioc_flag_names(0xff, buf, sizeof(buf)),
	                    "private, loopback, link-local, multicast, reserved, documentation, common, defanged");
	char small[12];
	ln_ioc_flag_names(0xff, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small)); /* cut, terminated */
}

/* ---- flags of ranges and names ---- */

static void test_ipv4_flags(void **state)
{
	(void)state;
	assert_int_equal(ln_ioc_ipv4_flags(v4("10.1.2.3")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("172.16.0.1")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("172.31.255.255")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("172.32.0.1")), 0);
	assert_int_equal(ln_ioc_ipv4_flags(v4("192.168.1.1")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("100.64.0.1")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("100.127.255.255")), LN_IOC_F_PRIVATE);
	assert_int_equal(ln_ioc_ipv4_flags(v4("100.128.0.1")), 0);
	assert_int_equal(ln_ioc_ipv4_flags(v4("127.0.0.1")), LN_IOC_F_LOOPBACK);
	assert_int_equal(ln_ioc_ipv4_flags(v4("127.255.0.9")), LN_IOC_F_LOOPBACK);
	assert_int_equal(ln_ioc_ipv4_flags(v4("169.254.169.254")), LN_IOC_F_LINKLOCAL);
	assert_int_equal(ln_ioc_ipv4_flags(v4("224.0.0.251")), LN_IOC_F_MULTICAST);
	assert_int_equal(ln_ioc_ipv4_flags(v4("239.255.255.250")), LN_IOC_F_MULTICAST);
	assert_int_equal(ln_ioc_ipv4_flags(v4("0.0.0.0")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("0.1.2.3")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("240.0.0.1")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("255.255.255.255")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("192.0.0.8")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("198.18.0.1")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("198.19.255.1")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("198.20.0.1")), 0);
	assert_int_equal(ln_ioc_ipv4_flags(v4("192.88.99.1")), LN_IOC_F_RESERVED);
	assert_int_equal(ln_ioc_ipv4_flags(v4("192.0.2.10")), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_ipv4_flags(v4("198.51.100.7")), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_ipv4_flags(v4("203.0.113.200")), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_ipv4_flags(v4("203.0.114.1")), 0);
	const char *resolvers[] = {"8.8.8.8", "8.8.4.4",         "1.1.1.1",        "1.0.0.1",
	                           "9.9.9.9", "149.112.112.112", "208.67.222.222", "208.67.220.220"};
	for (size_t i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++)
		assert_int_equal(ln_ioc_ipv4_flags(v4(resolvers[i])), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_ipv4_flags(v4("8.8.8.9")), 0);
	assert_int_equal(ln_ioc_ipv4_flags(v4("45.33.32.156")), 0);
}

static void test_ipv6_flags(void **state)
{
	(void)state;
	assert_int_equal(v6flags("::"), LN_IOC_F_RESERVED);
	assert_int_equal(v6flags("::1"), LN_IOC_F_LOOPBACK);
	assert_int_equal(v6flags("fc00::1"), LN_IOC_F_PRIVATE);
	assert_int_equal(v6flags("fd12:3456::1"), LN_IOC_F_PRIVATE);
	assert_int_equal(v6flags("fe80::1"), LN_IOC_F_LINKLOCAL);
	assert_int_equal(v6flags("febf::1"), LN_IOC_F_LINKLOCAL);
	assert_int_equal(v6flags("ff02::1"), LN_IOC_F_MULTICAST);
	assert_int_equal(v6flags("2001:db8::1"), LN_IOC_F_DOC);
	assert_int_equal(v6flags("3fff:123::1"), LN_IOC_F_DOC);
	assert_int_equal(v6flags("2001::1"), LN_IOC_F_RESERVED);   /* Teredo, in 2001::/23 */
	assert_int_equal(v6flags("2001:2::1"), LN_IOC_F_RESERVED); /* benchmarking */
	assert_int_equal(v6flags("100::1"), LN_IOC_F_RESERVED);    /* discard-only */
	assert_int_equal(v6flags("::ffff:10.0.0.1"), LN_IOC_F_PRIVATE);
	assert_int_equal(v6flags("::ffff:127.0.0.1"), LN_IOC_F_LOOPBACK);
	assert_int_equal(v6flags("64:ff9b::192.0.2.1"), LN_IOC_F_DOC);
	assert_int_equal(v6flags("2002:c0a8:101::1"), LN_IOC_F_PRIVATE); /* 6to4 of 192.168.1.1 */
	assert_int_equal(v6flags("2001:4860:4860::8888"), LN_IOC_F_COMMON);
	assert_int_equal(v6flags("2606:4700:4700::1111"), LN_IOC_F_COMMON);
	assert_int_equal(v6flags("2620:fe::fe"), LN_IOC_F_COMMON);
	assert_int_equal(v6flags("2a00:1450:4001:80b::200e"), 0);
	assert_int_equal(v6flags("2001:4860:4860::8889"), 0);
	assert_int_equal(v6flags("4000::1"), LN_IOC_F_RESERVED); /* outside 2000::/3 */
}

static void test_domain_flags(void **state)
{
	(void)state;
	assert_int_equal(ln_ioc_domain_flags("example.com"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("c2.example.net"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("a.b.example.org"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("update.evil-corp.example"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("x.test"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("nothing.invalid"), LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("localhost"), LN_IOC_F_LOOPBACK);
	assert_int_equal(ln_ioc_domain_flags("app.localhost"), LN_IOC_F_LOOPBACK | LN_IOC_F_DOC);
	assert_int_equal(ln_ioc_domain_flags("notexample.com"), 0);
	assert_int_equal(ln_ioc_domain_flags("example.com.evil.ru"), 0);
	assert_int_equal(ln_ioc_domain_flags("microsoft.com"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("crl.microsoft.com"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("CRL.Microsoft.COM."), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("ctldl.windowsupdate.com"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("ocsp.digicert.com"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("www.w3.org"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("schemas.xmlsoap.org"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("bucket.s3.amazonaws.com"), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("dns.google"), LN_IOC_F_COMMON);
	/* the table's ends and its neighbours (bsearch) */
	const char *common[] = {"ns.adobe.com",        "akamai.net",         "opendns.com",
	                        "openssl.org",         "openxmlformats.org", "windowsupdate.com",
	                        "schemas.xmlsoap.org", "github.com",         "gitlab.com"};
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		assert_int_equal(ln_ioc_domain_flags(common[i]), LN_IOC_F_COMMON);
	assert_int_equal(ln_ioc_domain_flags("microsoft.com.evil.ru"), 0);
	assert_int_equal(ln_ioc_domain_flags("notmicrosoft.com"), 0);
	assert_int_equal(ln_ioc_domain_flags("microsoft-update.com"), 0);
	assert_int_equal(ln_ioc_domain_flags("evil.ru"), 0);
	assert_int_equal(ln_ioc_domain_flags("www.mycompany.com"), LN_IOC_F_DOC); /* a placeholder */
	assert_int_equal(ln_ioc_domain_flags(""), 0);
	assert_int_equal(ln_ioc_domain_flags(NULL), 0);
}

static void test_registrable(void **state)
{
	(void)state;
	char buf[256];
	assert_true(ln_ioc_registrable("c2.evil.co.uk", buf, sizeof(buf)));
	assert_string_equal(buf, "evil.co.uk");
	assert_true(ln_ioc_registrable("a.b.evil.com", buf, sizeof(buf)));
	assert_string_equal(buf, "evil.com");
	assert_true(ln_ioc_registrable("evil.com", buf, sizeof(buf)));
	assert_string_equal(buf, "evil.com");
	assert_true(ln_ioc_registrable("Update.Evil.COM.", buf, sizeof(buf)));
	assert_string_equal(buf, "evil.com");
	assert_true(ln_ioc_registrable("x.city.kawasaki.jp", buf, sizeof(buf)));
	assert_string_equal(buf, "city.kawasaki.jp"); /* an exception rule of the list */
	assert_true(ln_ioc_registrable("update.evil-corp.example", buf, sizeof(buf)));
	assert_string_equal(buf, "evil-corp.example");
	/* the private section: someone's bucket, someone's pages */
	assert_true(ln_ioc_registrable("evil.s3.amazonaws.com", buf, sizeof(buf)));
	assert_string_equal(buf, "evil.s3.amazonaws.com");
	assert_false(ln_ioc_registrable("co.uk", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(ln_ioc_registrable("com", buf, sizeof(buf)));
	assert_false(ln_ioc_registrable("localhost", buf, sizeof(buf)));
	assert_false(ln_ioc_registrable("192.0.2.1", buf, sizeof(buf)));
	assert_false(ln_ioc_registrable("2001:db8::1", buf, sizeof(buf)));
	assert_false(ln_ioc_registrable("", buf, sizeof(buf)));
	assert_false(ln_ioc_registrable(NULL, buf, sizeof(buf)));
	char tiny[4];
	assert_false(ln_ioc_registrable("evil.com", tiny, sizeof(tiny)));
}

/* ---- scan: addresses ---- */

static void test_scan_ipv4(void **state)
{
	(void)state;
	expect_one("192.0.2.10", 0, LN_IOC_IPV4, "192.0.2.10");
	expect_one("connect to 45.33.32.156 now", 0, LN_IOC_IPV4, "45.33.32.156");
	assert_int_equal(H.v[0].start, 11);
	assert_int_equal(H.v[0].len, 12);
	assert_int_equal(H.v[0].flags, 0);
	assert_int_equal(H.v[0].port, 0);
	expect_one("192.0.2.10:8080", 0, LN_IOC_IPV4, "192.0.2.10");
	assert_int_equal(H.v[0].port, 8080);
	assert_int_equal(H.v[0].len, 15);
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	expect_one("host=\"10.0.0.5:443\"", 0, LN_IOC_IPV4, "10.0.0.5");
	assert_int_equal(H.v[0].port, 443);
	assert_int_equal(H.v[0].flags, LN_IOC_F_PRIVATE);
	expect_one("127.0.0.1", 0, LN_IOC_IPV4, "127.0.0.1");
	assert_int_equal(H.v[0].flags, LN_IOC_F_LOOPBACK);
	expect_one("bind 0.0.0.0", 0, LN_IOC_IPV4, "0.0.0.0");
	expect_one("8.8.8.8", 0, LN_IOC_IPV4, "8.8.8.8");
	assert_int_equal(H.v[0].flags, LN_IOC_F_COMMON);
	expect_one("(1.1.1.1)", 0, LN_IOC_IPV4, "1.1.1.1");
	expect_one("10.0.0.0/8", 0, LN_IOC_IPV4, "10.0.0.0");
	expect_one("at 203.0.113.5.", 0, LN_IOC_IPV4, "203.0.113.5"); /* end of a sentence */
	/* ports out of range are not ports */
	expect_one("45.33.32.156:0", 0, LN_IOC_IPV4, "45.33.32.156");
	assert_int_equal(H.v[0].port, 0);
	expect_one("45.33.32.156:65536", 0, LN_IOC_IPV4, "45.33.32.156");
	assert_int_equal(H.v[0].port, 0);
	expect_one("45.33.32.156:65535", 0, LN_IOC_IPV4, "45.33.32.156");
	assert_int_equal(H.v[0].port, 65535);
	/* two in a row */
	assert_int_equal(scan("45.33.32.156,203.0.113.9", 0), 2);
	assert_string_equal(H.v[1].value, "203.0.113.9");
}

static void test_scan_ipv4_junk(void **state)
{
	(void)state;
	const char *junk[] = {
	        "v1.2.3.4",
	        "GLIBC_2.3.4",
	        "1.2.3.4.5",
	        "01.02.03.04",
	        "%d.%d.%d.%d",
	        "%u.%u.%u.%u",
	        "%s.%s",
	        "version 10.0.0.1",
	        "Version: 45.1.2.3",
	        "ver 12.1.0.4",
	        "2.5.4.3",
	        "1.3.101.112",
	        "OID 2.23.140.1",
	        "1.0.0.0",
	        "4.0.0.0",
	        "0.9.8.1",
	        "256.1.1.1",
	        "1.2.3",
	        "Section 5.2.3.11",
	        "section 13.3.12.1",
	        "libfoo/45.1.2.3",
	        "x-45.33.32.156",
	        "45.33.32.156x",
	        "45.33.32.156-1",
	        "0.0.0.0.%d.%d",
	        "foo_45.33.32.156",
	        "45.33.32.156.in-addr",
	        "72.1.0.0",
	        "1.2.3.4",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
	expect_one("72.1.0.0/16", 0, LN_IOC_IPV4, "72.1.0.0"); /* a network */
}

static void test_scan_ipv6(void **state)
{
	(void)state;
	expect_one("2001:db8::1", 0, LN_IOC_IPV6, "2001:db8::1");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	expect_one("addr 2001:0DB8:0000:0000:0000:0000:0000:0001 end", 0, LN_IOC_IPV6, "2001:db8::1");
	assert_int_equal(H.v[0].start, 5);
	assert_int_equal(H.v[0].len, 39);
	expect_one("2a00:1450:4001:80b::200e", 0, LN_IOC_IPV6, "2a00:1450:4001:80b::200e");
	expect_one("::1", 0, LN_IOC_IPV6, "::1");
	assert_int_equal(H.v[0].flags, LN_IOC_F_LOOPBACK);
	expect_one("::ffff:192.0.2.1", 0, LN_IOC_IPV6, "::ffff:192.0.2.1");
	expect_one("fe80::1%eth0", 0, LN_IOC_IPV6, "fe80::1");
	assert_int_equal(H.v[0].flags, LN_IOC_F_LINKLOCAL);
	expect_one("[2001:db8::1]:443", 0, LN_IOC_IPV6, "2001:db8::1");
	assert_int_equal(H.v[0].port, 443);
	assert_int_equal(H.v[0].start, 0);
	assert_int_equal(H.v[0].len, 17);
	expect_one("[2001:db8::2]", 0, LN_IOC_IPV6, "2001:db8::2");
	assert_int_equal(H.v[0].port, 0);
	expect_one("fd00::/8", 0, LN_IOC_IPV6, "fd00::");
	expect_one("at 2001:db8::1: refused", 0, LN_IOC_IPV6, "2001:db8::1");
	expect_one("2001:4860:4860::8888", 0, LN_IOC_IPV6, "2001:4860:4860::8888");
	assert_int_equal(H.v[0].flags, LN_IOC_F_COMMON);
}

static void test_scan_ipv6_junk(void **state)
{
	(void)state;
	const char *junk[] = {
	        "::",
	        "std::string",
	        "a:b:c",
	        "12:34:56",
	        "00:11:22:33:44:55",
	        "de:ad:be:ef",
	        "::3",
	        "::bc",
	        "2668::",
	        "Foo::Bar::baz",
	        "ab::cd",
	        "1::2",
	        "12:30::",
	        "::7:7:",
	        "00:11:22:33:44:55:66:77",
	        "fe80::1g",
	        "x2001:db8::1",
	        "2001:db8::1x",
	        "1:2:3:4:5:6:7:8:9",
	        "10:20:30",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
}

/* ---- scan: domains ---- */

static void test_scan_domain(void **state)
{
	(void)state;
	expect_one("evil-corp.ru", 0, LN_IOC_DOMAIN, "evil-corp.ru");
	expect_one("connecting to update.evil-corp.example ...", 0, LN_IOC_DOMAIN, "update.evil-corp.example");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	assert_int_equal(H.v[0].start, 14);
	assert_int_equal(H.v[0].len, 24);
	expect_one("c2.example.net", 0, LN_IOC_DOMAIN, "c2.example.net");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	expect_one("evil-corp.example", 0, LN_IOC_DOMAIN, "evil-corp.example");
	expect_one("WWW.EVIL.COM", 0, LN_IOC_DOMAIN, "www.evil.com");
	expect_one("Microsoft.com", 0, LN_IOC_DOMAIN, "microsoft.com");
	assert_int_equal(H.v[0].flags, LN_IOC_F_COMMON);
	expect_one("evil.co.uk.", 0, LN_IOC_DOMAIN, "evil.co.uk");
	expect_one("'cdn.evil.com'", 0, LN_IOC_DOMAIN, "cdn.evil.com");
	expect_one("evil.com:8443", 0, LN_IOC_DOMAIN, "evil.com");
	assert_int_equal(H.v[0].port, 8443);
	expect_one("%s.evil.com", 0, LN_IOC_DOMAIN, "evil.com");
	assert_int_equal(H.v[0].start, 3);
	expect_one("*.evil.com", 0, LN_IOC_DOMAIN, "evil.com");
	expect_one("//evil.com", 0, LN_IOC_DOMAIN, "evil.com");
	expect_one("\\\\fileserver.evil.com\\share", 0, LN_IOC_DOMAIN, "fileserver.evil.com");
	expect_one("evil.com/gate.php", 0, LN_IOC_DOMAIN, "evil.com");
	expect_one("xn--80ak6aa92e.com", 0, LN_IOC_DOMAIN, "xn--80ak6aa92e.com");
	expect_one("mail.evil.top", 0, LN_IOC_DOMAIN, "mail.evil.top"); /* a host prefix */
	expect_one("imap.evil.top", 0, LN_IOC_DOMAIN, "imap.evil.top");
	expect_one("admin.evil.top", 0, LN_IOC_DOMAIN, "admin.evil.top");
	expect_one("www2.evil.top", 0, LN_IOC_DOMAIN, "www2.evil.top");
	expect_one("www.login.app", 0, LN_IOC_DOMAIN, "www.login.app");       /* www. */
	expect_one("secure-login.xyz", 0, LN_IOC_DOMAIN, "secure-login.xyz"); /* a hyphen */
	expect_one("evil.su", 0, LN_IOC_DOMAIN, "evil.su");
	expect_one("WWW.EVIL.RU", 0, LN_IOC_DOMAIN, "www.evil.ru");
	expect_one("pgp.surf.nl", 0, LN_IOC_DOMAIN, "pgp.surf.nl");
	expect_one("go.opentelemetry.io", 0, LN_IOC_DOMAIN, "go.opentelemetry.io");
	expect_one("a.evil.co.uk", 0, LN_IOC_DOMAIN, "a.evil.co.uk");
	expect_none("smt.arith.nl", 0); /* a solver's option under a country code */
	expect_one("163.com", 0, LN_IOC_DOMAIN, "163.com");
	/* glued to a length byte or to other literals in packed string data */
	expect_one("7github.com/spf13/cobra", 0, LN_IOC_DOMAIN, "github.com");
	expect_one("redirect not allowedgithub.com", 0, LN_IOC_DOMAIN, "github.com");
	expect_one("7www.entrust.net/rpa", 0, LN_IOC_DOMAIN, "www.entrust.net");
	assert_int_equal(H.v[0].start, 1);
	/* two */
	assert_int_equal(scan("evil.com and evil.net", 0), 2);
	assert_string_equal(H.v[0].value, "evil.com");
	assert_string_equal(H.v[1].value, "evil.net");
}

static void test_scan_domain_junk(void **state)
{
	(void)state;
	const char *junk[] = {
	        /* file names whose extension is a TLD */
	        "libc.so", "libc.so.6", "setup.py", "README.md", "main.rs", "Makefile.am", "configure.in", "foo.cc",
	        "x.sh", "a.pl", "b.pm", "c.mk", "d.zip", "e.mov", "lib.la", "f.ml", "g.go", "h.ps", "notes.info",
	        "config.example", "basic-auth.test", "a-nlelfu.ads", "const-c.inc", "ucadata.icu", "meson.build",
	        "build.ninja", "gradle.properties", "id_rsa.pub", "index.html.de", "foo.tar.gz", "/usr/lib/libfoo.de",
	        "C:\\Windows\\evil.de", "Makefile.in",
	        /* code */
	        "self.name", "obj.id", "x.info", "this.app", "os.path", "stack.top", "window.top", "x.name(y)",
	        "cond.store", "atomics.store", "array.prototype.map", "llvm.x86.avx2.psll.dq.bs", "amoadd.d.aq",
	        "addq.ph", "cmp.lt", "cmp.eq.zero", "value.ir", "System.Net", "System.IO", "Foo.Bar", "getValue.call",
	        "org.gnome.shell.extensions.app", "com.apple.security.app-sandbox", "org.freedesktop.DBus",
	        "java.lang.String", "x.io=1", "rect.net { fill: red }", "$self.info",
	        /* ELF, units, configuration keys */
	        ".data.rel.ro", ".gnu.version", ".note.gnu.build-id", "multi-user.target", "file-handle.seek",
	        "maintenance.commit-graph.auto", "1.168.192.in-addr.arpa",
	        /* numbers, single labels, suffixes alone */
	        "0123456789.ee", "1.co", "localhost", "co.uk", "com", "evil", "a.b", "le.org", "www.com", "the.com",
	        "setup.ini.de", "abc.zip.de", "xyz.yml.ru",
	        /* printf */
	        "%s.%s", "%s.com", "%d.%d", "%s.%s.%s",
	        /* scripts */
	        "\xc3\xa9vil.com", "evil.com\xe2\x80\x94",
	        /* Go's packages after a sentence in packed string data */
	        "in the future.net/http: cannot rewind",
	        /* bad labels */
	        "-evil.com", "evil-.com", "ev_il.com", "evil..com",
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", /* 64 characters */
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
}

/* ---- scan: URLs, e-mail addresses ---- */

static void test_scan_url(void **state)
{
	(void)state;
	expect_one("http://evil.example.com/gate.php?id=%s&x=1", 0, LN_IOC_URL,
	           "http://evil.example.com/gate.php?id=%s&x=1");
	assert_string_equal(H.v[0].host, "evil.example.com");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	expect_one("HTTPS://C2.Evil.RU:8443/a/B?q", 0, LN_IOC_URL, "https://c2.evil.ru:8443/a/B?q");
	assert_int_equal(H.v[0].port, 8443);
	assert_string_equal(H.v[0].host, "c2.evil.ru");
	expect_one("get \"http://192.0.2.1:8080/x.bin\" now", 0, LN_IOC_URL, "http://192.0.2.1:8080/x.bin");
	assert_int_equal(H.v[0].start, 5);
	assert_int_equal(H.v[0].len, 27);
	assert_string_equal(H.v[0].host, "192.0.2.1");
	assert_int_equal(H.v[0].port, 8080);
	expect_one("http://[2001:db8::1]:8080/p", 0, LN_IOC_URL, "http://[2001:db8::1]:8080/p");
	assert_string_equal(H.v[0].host, "[2001:db8::1]");
	expect_one("ftp://user:pass@files.evil.com/drop", 0, LN_IOC_URL, "ftp://user:pass@files.evil.com/drop");
	assert_string_equal(H.v[0].host, "files.evil.com");
	expect_one("wss://evil.com/ws", 0, LN_IOC_URL, "wss://evil.com/ws");
	expect_one("ws://evil.com", 0, LN_IOC_URL, "ws://evil.com");
	expect_one("http://localhost:8000/", 0, LN_IOC_URL, "http://localhost:8000/");
	assert_int_equal(H.v[0].flags, LN_IOC_F_LOOPBACK);
	/* collision TLDs are fine with a scheme */
	expect_one("http://setup.py/", 0, LN_IOC_URL, "http://setup.py/");
	expect_one("https://evil.zip/a", 0, LN_IOC_URL, "https://evil.zip/a");
	/* the sentence around it */
	expect_one("(see http://evil.com/a_(b)).", 0, LN_IOC_URL, "http://evil.com/a_(b)");
	expect_one("<a href='http://evil.com/x'>", 0, LN_IOC_URL, "http://evil.com/x");
	expect_one("http://evil.com/x,", 0, LN_IOC_URL, "http://evil.com/x");
	/* DER after a certificate's URL; a length byte before it */
	expect_one("6http://crl.evil.com/ca.crl0", 0, LN_IOC_URL, "http://crl.evil.com/ca.crl");
	/* glued to another in packed data; one in a query */
	assert_int_equal(scan("https://a.evil.com/v2/https://b.evil.com/y", 0), 2);
	assert_string_equal(H.v[0].value, "https://a.evil.com/v2/");
	expect_one("https://a.evil.com/r?u=https://b.evil.com/y", 0, LN_IOC_URL,
	           "https://a.evil.com/r?u=https://b.evil.com/y");
	/* a list */
	assert_int_equal(scan("https://a.evil.com/x,https://b.evil.com/y", 0), 2);
	assert_string_equal(H.v[0].value, "https://a.evil.com/x");
	assert_string_equal(H.v[1].value, "https://b.evil.com/y");
	/* the host is not reported again */
	assert_int_equal(scan("http://evil.com/evil.net", 0), 1);
	/* hosting: the name is common, someone's URL there is not */
	expect_one("https://raw.githubusercontent.com/evil/x/main/p.ps1", 0, LN_IOC_URL,
	           "https://raw.githubusercontent.com/evil/x/main/p.ps1");
	assert_int_equal(H.v[0].flags, 0);
	expect_one("http://crl.microsoft.com/pki/crl/products/MicCodSigPCA_08-31-2010.crl", 0, LN_IOC_URL,
	           "http://crl.microsoft.com/pki/crl/products/MicCodSigPCA_08-31-2010.crl");
	assert_int_equal(H.v[0].flags, LN_IOC_F_COMMON);
	/* too long for a value: the host alone */
	char lng[800];
	int k = snprintf(lng, sizeof(lng), "http://long.evil.com/");
	memset(lng + k, 'a', 600);
	lng[k + 600] = 0;
	expect_one(lng, 0, LN_IOC_DOMAIN, "long.evil.com");
}

static void test_scan_url_junk(void **state)
{
	(void)state;
	const char *junk[] = {
	        "http://%s/",       "http://%s:%d/%s",   "http://",          "http:///x", "file://evil/x",
	        "http://intranet/", "http://999.1.1.1/", "https://[zz::1]/", "xhttp://",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
	/* other schemes, bad ports: the host alone */
	expect_one("gopher://evil.com/", 0, LN_IOC_DOMAIN, "evil.com");
	expect_one("http://evil.com:abc/", 0, LN_IOC_DOMAIN, "evil.com");
	/* a printf host: its fixed part is a domain */
	expect_one("http://%s.evil.com/gate", 0, LN_IOC_DOMAIN, "evil.com");
}

static void test_scan_email(void **state)
{
	(void)state;
	expect_one("mail ops@evil-corp.example now", 0, LN_IOC_EMAIL, "ops@evil-corp.example");
	assert_string_equal(H.v[0].host, "evil-corp.example");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	assert_int_equal(H.v[0].start, 5);
	assert_int_equal(H.v[0].len, 21);
	expect_one("<John.Doe+tag@Mail.Evil.RU>", 0, LN_IOC_EMAIL, "John.Doe+tag@mail.evil.ru");
	expect_one("a_b-c@evil.info", 0, LN_IOC_EMAIL, "a_b-c@evil.info"); /* a colliding TLD is fine here */
	expect_one("user@example.com.", 0, LN_IOC_EMAIL, "user@example.com");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC);
	/* a printf local part: the domain alone */
	expect_one("%s@evil.com", 0, LN_IOC_DOMAIN, "evil.com");
	const char *junk[] = {
	        "memcpy@GLIBC_2.14",
	        "foo@@GLIBC_2.2.5",
	        "chacha20-poly1305@openssh.com",
	        "curve25519-sha256@libssh.org",
	        "a@b",
	        "user@localhost",
	        "Jjlq@a.gi",
	        "user@evil_host.com",
	        "user@evil.com_x",
	        "user@evil.com\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
	/* not an address: the domain alone */
	const char *local[] = {".user@evil.com", "user.@evil.com", "us..er@evil.com", "Z@evil.com",
	                       "\xc3\xa9t\xc3\xa9@evil.com"};
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		expect_one(local[i], 0, LN_IOC_DOMAIN, "evil.com");
}

/* ---- scan: user agents, pipes ---- */

static void test_scan_user_agent(void **state)
{
	(void)state;
	const char *ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	                 "Chrome/91.0.4472.124 Safari/537.36";
	expect_one(ua, 0, LN_IOC_USER_AGENT, ua);
	expect_one("Mozilla/4.0 (compatible; MSIE 6.0)  \r\n", 0, LN_IOC_USER_AGENT,
	           "Mozilla/4.0 (compatible; MSIE 6.0)");
	expect_one("Opera/9.80 (Windows NT 6.1; U; en) Presto/2.2.15 Version/10.00", 0, LN_IOC_USER_AGENT,
	           "Opera/9.80 (Windows NT 6.1; U; en) Presto/2.2.15 Version/10.00");
	expect_one("User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)", 0, LN_IOC_USER_AGENT,
	           "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)");
	assert_int_equal(H.v[0].start, 12);
	expect_one("user-agent:BadBot/1.0", 0, LN_IOC_USER_AGENT, "BadBot/1.0");
	/* in a request template: the header's value, and the host of another line */
	assert_int_equal(scan("GET /%s HTTP/1.1\r\nUser-Agent: Updater/2.1 (evil)\r\nHost: c2.evil.com\r\n", 0), 2);
	assert_int_equal(H.v[0].type, LN_IOC_USER_AGENT);
	assert_string_equal(H.v[0].value, "Updater/2.1 (evil)");
	assert_int_equal(H.v[1].type, LN_IOC_DOMAIN);
	assert_string_equal(H.v[1].value, "c2.evil.com");
	/* quoted in a script */
	expect_one("$wc.Headers.Add('ua', 'Mozilla/5.0 (X11; Linux x86_64)');", 0, LN_IOC_USER_AGENT,
	           "Mozilla/5.0 (X11; Linux x86_64)");
	const char *junk[] = {
	        "User-Agent: %s",          "User-Agent: ",         "Mozilla/", "Mozilla/x", "xMozilla/5.0 (X11)",
	        "User-Agent: \r\nHost: x", "MyUser-Agent: foo/1.0"};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
}

static void test_scan_pipe(void **state)
{
	(void)state;
	expect_one("\\\\.\\pipe\\msagent_12", 0, LN_IOC_PIPE, "\\\\.\\pipe\\msagent_12");
	expect_one("open \"\\\\.\\PIPE\\MSSE-%d-server\" failed", 0, LN_IOC_PIPE, "\\\\.\\PIPE\\MSSE-%d-server");
	assert_int_equal(H.v[0].start, 6);
	expect_one("\\\\dc01\\pipe\\lsarpc", 0, LN_IOC_PIPE, "\\\\dc01\\pipe\\lsarpc");
	expect_one("\\\\%s\\pipe\\status_%x", 0, LN_IOC_PIPE, "\\\\%s\\pipe\\status_%x");
	expect_one("\\\\.\\pipe\\a\\b c", 0, LN_IOC_PIPE, "\\\\.\\pipe\\a\\b");
	const char *junk[] = {"\\\\.\\pipe\\", "\\\\.\\pipe\\%s",  "\\\\.\\pipe\\%ls",  "\\.\\pipe\\x",
	                      "\\\\.\\pip\\x", "\\\\\\.\\pipe\\x", "\\\\.\\mailslot\\x"};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) expect_none(junk[i], 0);
}

/* ---- scan: options, defanged text, the callback ---- */

static void test_scan_strict(void **state)
{
	(void)state;
	unsigned S = LN_IOC_SCAN_STRICT;
	expect_one("xx http://abc.ru/x yy", S, LN_IOC_URL, "http://abc.ru/x");
	expect_one("q8!evil-corp.ru", S, LN_IOC_DOMAIN, "evil-corp.ru");
	expect_one("#45.33.32.156", S, LN_IOC_IPV4, "45.33.32.156");
	expect_one("\\\\.\\pipe\\evil", S, LN_IOC_PIPE, "\\\\.\\pipe\\evil");
	expect_one("ops@evilcorp.ru", S, LN_IOC_EMAIL, "ops@evilcorp.ru");
	expect_one("abc.ru", 0, LN_IOC_DOMAIN, "abc.ru");
	expect_none("abc.ru", S);      /* three letters in the registrable label */
	expect_none("x9k2.com", S);    /* three letters */
	expect_none("2001:db8::1", S); /* no IPv6 */
	expect_none("[2001:db8::1]:443", S);
	expect_none("ab@abc.ru", S);
	expect_one("www.evil.co.uk", S, LN_IOC_DOMAIN, "www.evil.co.uk");
}

static void test_scan_defanged(void **state)
{
	(void)state;
	unsigned D = LN_IOC_SCAN_DEFANGED;
	expect_one("hxxp://evil[.]example[.]com/gate", D, LN_IOC_URL, "http://evil.example.com/gate");
	assert_true(H.v[0].flags & LN_IOC_F_DEFANGED);
	assert_int_equal(H.v[0].start, 0);
	assert_int_equal(H.v[0].len, 32);
	expect_one("see hXXps[://]c2(.)evil(.)ru/x", D, LN_IOC_URL, "https://c2.evil.ru/x");
	assert_int_equal(H.v[0].start, 4);
	assert_int_equal(H.v[0].len, 26);
	expect_one("fxp://files[.]evil[.]ru/a", D, LN_IOC_URL, "ftp://files.evil.ru/a");
	expect_one("192.0.2[.]1", D, LN_IOC_IPV4, "192.0.2.1");
	assert_int_equal(H.v[0].flags, LN_IOC_F_DOC | LN_IOC_F_DEFANGED);
	assert_int_equal(H.v[0].len, 11);
	expect_one("evil{.}com", D, LN_IOC_DOMAIN, "evil.com");
	expect_one("evil[dot]com", D, LN_IOC_DOMAIN, "evil.com");
	expect_one("ops[at]evil[.]ru", D, LN_IOC_EMAIL, "ops@evil.ru");
	expect_one("ops[@]evil(.)ru", D, LN_IOC_EMAIL, "ops@evil.ru");
	expect_one("http[:]//evil[.]ru/", D, LN_IOC_URL, "http://evil.ru/");
	/* an indicator written plainly next to a defanged one */
	assert_int_equal(scan("evil.com, bad[.]com", D), 2);
	assert_int_equal(H.v[0].flags & LN_IOC_F_DEFANGED, 0);
	assert_true(H.v[1].flags & LN_IOC_F_DEFANGED);
	assert_int_equal(H.v[1].start, 10);
	assert_int_equal(H.v[1].len, 9);
	/* without the option, defanged forms are not indicators */
	expect_none("hxxp://evil[.]example[.]com/gate", 0);
	expect_none("evil[.]com", 0);
}

static int stop_at_second(const ln_ioc *o, void *arg)
{
	(void)o;
	int *n = arg;
	return ++*n == 2 ? 42 : 0;
}

static void test_scan_callback_and_bounds(void **state)
{
	(void)state;
	int n = 0;
	const char *t = "evil.com evil.net evil.org";
	assert_int_equal(ln_ioc_scan(t, strlen(t), 0, stop_at_second, &n), 42);
	assert_int_equal(n, 2);
	/* only len bytes are read */
	n = 0;
	assert_int_equal(ln_ioc_scan(t, 4, 0, stop_at_second, &n), 0);
	assert_int_equal(n, 0);
	H.n = 0;
	ln_ioc_scan("45.33.32.156789", 12, 0, collect, &H);
	assert_int_equal(H.n, 1);
	assert_string_equal(H.v[0].value, "45.33.32.156");
	assert_int_equal(ln_ioc_scan(NULL, 5, 0, collect, &H), 0);
	assert_int_equal(ln_ioc_scan(t, 0, 0, collect, &H), 0);
	assert_int_equal(ln_ioc_scan(t, strlen(t), 0, NULL, NULL), 0);
	/* no indicator characters at all: nothing */
	expect_none("just some words without any markers", 0);
	expect_none("", 0);
}

/* Texts of every byte value and long runs: nothing crashes, reads stay in
 * bounds (ASan), a 4096-byte text is fast. */
static void test_scan_hostile(void **state)
{
	(void)state;
	char *buf = malloc(4096);
	assert_non_null(buf);
	unsigned seed = 12345;
	const char alphabet[] = "a.:@\\/[]()%-_0123456789fF xX.:hp";
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < 4096; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = round & 1 ? (char)(seed >> 16) : alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		H.n = 0;
		ln_ioc_scan(buf, 4096, 0, collect, &H);
		ln_ioc_scan(buf, 4096, LN_IOC_SCAN_STRICT, collect, &H);
		ln_ioc_scan(buf, 4096, LN_IOC_SCAN_DEFANGED, collect, &H);
	}
	memset(buf, '.', 4096);
	ln_ioc_scan(buf, 4096, LN_IOC_SCAN_DEFANGED, collect, &H);
	memset(buf, 'a', 4096);
	buf[2000] = '.';
	ln_ioc_scan(buf, 4096, 0, collect, &H);
	for (size_t i = 0; i + 7 < 4096; i += 7) memcpy(buf + i, "http://", 7);
	ln_ioc_scan(buf, 4096, 0, collect, &H);
	for (size_t i = 0; i + 3 < 4096; i += 3) memcpy(buf + i, "[.]", 3);
	ln_ioc_scan(buf, 4096, LN_IOC_SCAN_DEFANGED, collect, &H);
	free(buf);
}

/* ---- defanging ---- */

static void test_defang(void **state)
{
	(void)state;
	char buf[512];
	assert_string_equal(ln_ioc_defang(LN_IOC_URL, "http://evil.example.com/a.php?x=1.2", buf, sizeof(buf)),
	                    "hxxp://evil[.]example[.]com/a.php?x=1.2");
	assert_string_equal(ln_ioc_defang(LN_IOC_URL, "https://c2.example.net:8443/", buf, sizeof(buf)),
	                    "hxxps://c2[.]example[.]net:8443/");
	assert_string_equal(ln_ioc_defang(LN_IOC_URL, "ftp://u:p@files.evil.ru/x", buf, sizeof(buf)),
	                    "fxp://u:p@files[.]evil[.]ru/x");
	assert_string_equal(ln_ioc_defang(LN_IOC_URL, "http://[2001:db8::1]:80/a.b", buf, sizeof(buf)),
	                    "hxxp://[2001:db8::1]:80/a.b");
	assert_string_equal(ln_ioc_defang(LN_IOC_URL, "wss://evil.ru", buf, sizeof(buf)), "wss://evil[.]ru");
	assert_string_equal(ln_ioc_defang(LN_IOC_DOMAIN, "update.evil-corp.example", buf, sizeof(buf)),
	                    "update[.]evil-corp[.]example");
	assert_string_equal(ln_ioc_defang(LN_IOC_IPV4, "192.0.2.1", buf, sizeof(buf)), "192.0.2[.]1");
	assert_string_equal(ln_ioc_defang(LN_IOC_EMAIL, "ops.team@example.org", buf, sizeof(buf)),
	                    "ops.team[@]example[.]org");
	assert_string_equal(ln_ioc_defang(LN_IOC_IPV6, "2001:db8::1", buf, sizeof(buf)), "2001:db8::1");
	assert_string_equal(ln_ioc_defang(LN_IOC_MUTEX, "Global\\x.y", buf, sizeof(buf)), "Global\\x.y");
	assert_string_equal(ln_ioc_defang(LN_IOC_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", buf, sizeof(buf)),
	                    "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	/* cut to the buffer, always terminated */
	char small[10];
	ln_ioc_defang(LN_IOC_DOMAIN, "update.evil-corp.example", small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(strncmp(small, "update[.]", strlen(small)), 0);
	assert_ptr_equal(ln_ioc_defang(LN_IOC_DOMAIN, "x.com", buf, 0), buf);
	assert_string_equal(ln_ioc_defang(LN_IOC_DOMAIN, NULL, buf, sizeof(buf)), "");
}

static void test_defang_round_trip(void **state)
{
	(void)state;
	static const struct {
		uint32_t type;
		const char *value;
	} cases[] = {
	        {LN_IOC_URL, "http://evil.example.com/gate.php?id=%s"},
	        {LN_IOC_URL, "https://c2.evil.ru:8443/a/b"},
	        {LN_IOC_URL, "ftp://files.evil.ru/drop.zip"},
	        {LN_IOC_URL, "http://192.0.2.1/x"},
	        {LN_IOC_DOMAIN, "update.evil-corp.example"},
	        {LN_IOC_DOMAIN, "evil.co.uk"},
	        {LN_IOC_IPV4, "203.0.113.77"},
	        {LN_IOC_EMAIL, "ops@evil-corp.example"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[512];
		ln_ioc o;
		ln_ioc_defang(cases[i].type, cases[i].value, buf, sizeof(buf));
		assert_string_not_equal(buf, cases[i].value);
		assert_true(ln_ioc_parse(buf, (int)cases[i].type, &o));
		assert_string_equal(o.value, cases[i].value);
		assert_true(o.flags & LN_IOC_F_DEFANGED);
		assert_true(ln_ioc_parse(buf, -1, &o));
		assert_int_equal(o.type, cases[i].type);
		assert_string_equal(o.value, cases[i].value);
		/* and the scan finds it in defanged text */
		char text[600];
		snprintf(text, sizeof(text), "IOC: %s;", buf);
		H.n = 0;
		ln_ioc_scan(text, strlen(text), LN_IOC_SCAN_DEFANGED, collect, &H);
		assert_int_equal(H.n, 1);
		assert_string_equal(H.v[0].value, cases[i].value);
		assert_int_equal(H.v[0].start, 5);
		assert_int_equal(H.v[0].len, strlen(buf));
	}
}

/* ---- one value ---- */

static void test_parse_guess(void **state)
{
	(void)state;
	ln_ioc o;
	assert_true(ln_ioc_parse("  192.0.2.1 \n", -1, &o));
	assert_int_equal(o.type, LN_IOC_IPV4);
	assert_string_equal(o.value, "192.0.2.1");
	assert_int_equal(o.start, 0);
	assert_int_equal(o.len, 13);
	assert_int_equal(o.flags, LN_IOC_F_DOC);
	assert_true(ln_ioc_parse("192.0.2.1:4444", -1, &o));
	assert_int_equal(o.port, 4444);
	assert_true(ln_ioc_parse("1.0.0.0", -1, &o)); /* given as a value: no version heuristics */
	assert_int_equal(o.type, LN_IOC_IPV4);
	assert_true(ln_ioc_parse("2001:DB8::0:1", -1, &o));
	assert_int_equal(o.type, LN_IOC_IPV6);
	assert_string_equal(o.value, "2001:db8::1");
	assert_true(ln_ioc_parse("[2001:db8::1]:443", -1, &o));
	assert_int_equal(o.port, 443);
	assert_true(ln_ioc_parse("HTTP://Evil.COM/Path", -1, &o));
	assert_int_equal(o.type, LN_IOC_URL);
	assert_string_equal(o.value, "http://evil.com/Path");
	assert_string_equal(o.host, "evil.com");
	assert_true(ln_ioc_parse("Ops@Evil.COM", -1, &o));
	assert_int_equal(o.type, LN_IOC_EMAIL);
	assert_string_equal(o.value, "Ops@evil.com");
	assert_true(ln_ioc_parse("\\\\.\\pipe\\evil", -1, &o));
	assert_int_equal(o.type, LN_IOC_PIPE);
	assert_true(ln_ioc_parse("Update.Evil-Corp.Example.", -1, &o));
	assert_int_equal(o.type, LN_IOC_DOMAIN);
	assert_string_equal(o.value, "update.evil-corp.example");
	assert_true(ln_ioc_parse("setup.py", -1, &o)); /* an analyst's value: a colliding TLD is fine */
	assert_int_equal(o.type, LN_IOC_DOMAIN);
	assert_true(ln_ioc_parse("localhost", -1, &o));
	assert_int_equal(o.type, LN_IOC_DOMAIN);
	assert_int_equal(o.flags, LN_IOC_F_LOOPBACK);
	assert_true(ln_ioc_parse("Mozilla/5.0 (Windows NT 10.0)", -1, &o));
	assert_int_equal(o.type, LN_IOC_USER_AGENT);
	assert_true(ln_ioc_parse("User-Agent: Mozilla/4.0 (compatible)", -1, &o));
	assert_int_equal(o.type, LN_IOC_USER_AGENT);
	assert_string_equal(o.value, "Mozilla/4.0 (compatible)");
	assert_true(ln_ioc_parse("D41D8CD98F00B204E9800998ECF8427E", -1, &o));
	assert_int_equal(o.type, LN_IOC_MD5);
	assert_string_equal(o.value, "d41d8cd98f00b204e9800998ecf8427e");
	assert_true(ln_ioc_parse("da39a3ee5e6b4b0d3255bfef95601890afd80709", -1, &o));
	assert_int_equal(o.type, LN_IOC_SHA1);
	assert_true(ln_ioc_parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", -1, &o));
	assert_int_equal(o.type, LN_IOC_SHA256);
	/* not one indicator */
	const char *bad[] = {"",
	                     "   ",
	                     "evil",
	                     "evil.com evil.net",
	                     "http://evil.com/ x",
	                     "Global\\Mutex",
	                     "co.uk",
	                     "01.02.03.04",
	                     "::",
	                     "hello world",
	                     "d41d8cd98f00b204e9800998ecf8427",
	                     "user@",
	                     "@evil.com",
	                     "evil.com;",
	                     "http://%s/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.type = 99;
		if (ln_ioc_parse(bad[i], -1, &o))
			fail_msg("\"%s\" parsed as %s \"%s\"", bad[i], ln_ioc_type_name(o.type), o.value);
		assert_int_equal(o.value[0], 0);
	}
	assert_false(ln_ioc_parse(NULL, -1, &o));
	assert_false(ln_ioc_parse("evil.com", LN_IOC_NTYPES, &o));
	assert_false(ln_ioc_parse("evil.com", -2, &o));
	assert_false(ln_ioc_parse("evil.com", -1, NULL));
}

static void test_parse_typed(void **state)
{
	(void)state;
	ln_ioc o;
	assert_true(ln_ioc_parse("45.33.32.156", LN_IOC_IPV4, &o));
	assert_false(ln_ioc_parse("45.33.32.156", LN_IOC_DOMAIN, &o));
	assert_false(ln_ioc_parse("45.33.32.156", LN_IOC_IPV6, &o));
	assert_false(ln_ioc_parse("2001:db8::1", LN_IOC_IPV4, &o));
	assert_true(ln_ioc_parse("2001:db8::1", LN_IOC_IPV6, &o));
	assert_false(ln_ioc_parse("evil.com", LN_IOC_IPV4, &o));
	assert_true(ln_ioc_parse("evil.com", LN_IOC_DOMAIN, &o));
	assert_true(ln_ioc_parse("evil.com:443", LN_IOC_DOMAIN, &o));
	assert_int_equal(o.port, 443);
	assert_false(ln_ioc_parse("evil.com", LN_IOC_URL + 100, &o));
	assert_false(ln_ioc_parse("http://evil.com/", LN_IOC_DOMAIN, &o));
	assert_true(ln_ioc_parse("http://evil.com/", LN_IOC_URL, &o));
	/* a URL without its scheme, as feeds give them */
	assert_true(ln_ioc_parse("evil.com/gate.php", LN_IOC_URL, &o));
	assert_string_equal(o.value, "http://evil.com/gate.php");
	assert_false(ln_ioc_parse("evil.com/gate.php", -1, &o));
	assert_true(ln_ioc_parse("ops@evil.com", LN_IOC_EMAIL, &o));
	assert_false(ln_ioc_parse("ops@evil.com", LN_IOC_DOMAIN, &o));
	assert_true(ln_ioc_parse("\\\\srv\\pipe\\x", LN_IOC_PIPE, &o));
	assert_false(ln_ioc_parse("pipe\\x", LN_IOC_PIPE, &o));
	/* hashes: the right length only */
	assert_true(ln_ioc_parse("d41d8cd98f00b204e9800998ecf8427e", LN_IOC_MD5, &o));
	assert_false(ln_ioc_parse("d41d8cd98f00b204e9800998ecf8427e", LN_IOC_SHA1, &o));
	assert_false(ln_ioc_parse("da39a3ee5e6b4b0d3255bfef95601890afd80709", LN_IOC_MD5, &o));
	assert_true(ln_ioc_parse("da39a3ee5e6b4b0d3255bfef95601890afd80709", LN_IOC_SHA1, &o));
	assert_false(ln_ioc_parse("zz39a3ee5e6b4b0d3255bfef95601890afd80709", LN_IOC_SHA1, &o));
	assert_false(
	        ln_ioc_parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", LN_IOC_SHA256, &o));
	/* mutexes and agents: any printable value as it is */
	assert_true(ln_ioc_parse(" Global\\{A1B2}-x ", LN_IOC_MUTEX, &o));
	assert_int_equal(o.type, LN_IOC_MUTEX);
	assert_string_equal(o.value, "Global\\{A1B2}-x");
	assert_true(ln_ioc_parse("Local\\\xd0\x9c\xd1\x8c\xd1\x8e\xd1\x82\xd0\xb5\xd0\xba\xd1\x81", LN_IOC_MUTEX, &o));
	assert_true(ln_ioc_parse("curl/7.68.0", LN_IOC_USER_AGENT, &o));
	assert_string_equal(o.value, "curl/7.68.0");
	assert_true(ln_ioc_parse("User-Agent: WinHTTP Example/1.0", LN_IOC_USER_AGENT, &o));
	assert_string_equal(o.value, "WinHTTP Example/1.0");
	assert_false(ln_ioc_parse("bad\x01mutex", LN_IOC_MUTEX, &o));
	assert_false(ln_ioc_parse("bad\xff\xfe", LN_IOC_MUTEX, &o)); /* not UTF-8 */
	assert_false(ln_ioc_parse("", LN_IOC_MUTEX, &o));
	char lng[600];
	memset(lng, 'm', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = 0;
	assert_false(ln_ioc_parse(lng, LN_IOC_MUTEX, &o));
	lng[511] = 0;
	assert_true(ln_ioc_parse(lng, LN_IOC_MUTEX, &o));
	/* defanged values */
	assert_true(ln_ioc_parse("hxxps://evil[.]com/x", LN_IOC_URL, &o));
	assert_string_equal(o.value, "https://evil.com/x");
	assert_int_equal(o.flags, LN_IOC_F_DEFANGED);
	assert_true(ln_ioc_parse("192.0.2(.)1", LN_IOC_IPV4, &o));
	assert_int_equal(o.flags, LN_IOC_F_DOC | LN_IOC_F_DEFANGED);
	assert_true(ln_ioc_parse("evil[dot]ru", LN_IOC_DOMAIN, &o));
	assert_string_equal(o.value, "evil.ru");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_type_names),        cmocka_unit_test(test_flag_names),
	        cmocka_unit_test(test_ipv4_flags),        cmocka_unit_test(test_ipv6_flags),
	        cmocka_unit_test(test_domain_flags),      cmocka_unit_test(test_registrable),
	        cmocka_unit_test(test_scan_ipv4),         cmocka_unit_test(test_scan_ipv4_junk),
	        cmocka_unit_test(test_scan_ipv6),         cmocka_unit_test(test_scan_ipv6_junk),
	        cmocka_unit_test(test_scan_domain),       cmocka_unit_test(test_scan_domain_junk),
	        cmocka_unit_test(test_scan_url),          cmocka_unit_test(test_scan_url_junk),
	        cmocka_unit_test(test_scan_email),        cmocka_unit_test(test_scan_user_agent),
	        cmocka_unit_test(test_scan_pipe),         cmocka_unit_test(test_scan_strict),
	        cmocka_unit_test(test_scan_defanged),     cmocka_unit_test(test_scan_callback_and_bounds),
	        cmocka_unit_test(test_scan_hostile),      cmocka_unit_test(test_defang),
	        cmocka_unit_test(test_defang_round_trip), cmocka_unit_test(test_parse_guess),
	        cmocka_unit_test(test_parse_typed),
	};
	return cmocka_run_group_tests_name("ioc", tests, NULL, NULL);
}
