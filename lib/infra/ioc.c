/* Network and host indicators in text (ioc.h).
 *
 * The scan walks the text once, left to right. Where a token can start it
 * tries, in this order: a named pipe, a user agent, a URL, an e-mail address,
 * an IPv6 address, then the run of [A-Za-z0-9._-] as a dotted quad or a
 * domain name. What is recognized is consumed, so a URL's host is not
 * reported again as a domain. Each recognizer starts only where its kind of
 * token starts (the previous character is outside its alphabet) and reads a
 * bounded stretch, so the scan is linear in the length of the text. Nothing
 * recurses and nothing reads past len.
 *
 * Strings of binaries are full of names that look like host names: file
 * names whose extension is also a top-level domain (libc.so, setup.py,
 * README.md), code identifiers (self.name, this.app), reverse-DNS names
 * (com.example.app), ELF sections (.data.rel.ro), and numbers that look like
 * addresses (version 1.0.0.0, the OID 2.5.4.3). Precision comes first: a
 * bare name (outside a URL or an e-mail address) must pass the case, context
 * and suffix policies of domain_check() below, a bare dotted quad those of
 * quad_plausible().
 *
 * The Public Suffix List comes from libpsl (the newest of its built-in and
 * the system's list, loaded once). */
#include "ioc.h"

#include <arpa/inet.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/util.h"

/* ---- characters (ASCII only: other bytes end every token) ---- */

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
static inline bool is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}
static inline bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}
static inline bool is_alpha(unsigned char c)
{
	return is_upper(c) || is_lower(c);
}
static inline bool is_alnum(unsigned char c)
{
	return is_digit(c) || is_alpha(c);
}
static inline bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline unsigned char to_lower(unsigned char c)
{
	return is_upper(c) ? (unsigned char)(c + 32) : c;
}
/* A domain-or-address token. */
static inline bool is_dom(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_';
}
/* An e-mail local part. */
static inline bool is_local(unsigned char c)
{
	return is_dom(c) || c == '%' || c == '+';
}
/* Where a URL, a pipe name or a quoted user agent ends. */
static inline bool is_stop(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>';
}
static inline bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* t[i..] starts with lit (lowercase), case-insensitively. */
static bool ci_at(const char *t, size_t n, size_t i, const char *lit)
{
	size_t k = 0;
	for (; lit[k]; k++)
		if (i + k >= n || to_lower((unsigned char)t[i + k]) != (unsigned char)lit[k]) return false;
	return true;
}

/* ---- bounded string building ---- */

typedef struct sbuf {
	char *p;
	size_t cap, len;
	bool over; /* sticky: nothing more is written once something did not fit */
} sbuf;

static void sb_init(sbuf *b, char *p, size_t cap)
{
	*b = (sbuf){p, cap, 0, cap == 0};
	if (cap) p[0] = 0;
}
static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->over || n >= b->cap - b->len) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}
static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}
static void sb_putc(sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

/* ---- the Public Suffix List ---- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx;

static void psl_init(void)
{
	/* psl_latest() picks the newer of the built-in list and the system's
	 * (/usr/share/publicsuffix); it lives as long as the process. */
	psl_ctx_t *latest = psl_latest(NULL);
	psl_ctx = latest ? (const psl_ctx_t *)latest : psl_builtin();
}

static const psl_ctx_t *psl(void)
{
	pthread_once(&psl_once, psl_init);
	return psl_ctx;
}

/* Without any list (a libpsl built with neither), the old generic TLDs and
 * any two-letter country code are taken as suffixes. */
static bool fallback_tld(const char *tld)
{
	static const char *const gtlds[] = {"biz", "com", "edu", "gov", "info", "int", "mil", "net", "org"};
	size_t n = strlen(tld);
	if (n == 2) return is_lower((unsigned char)tld[0]) && is_lower((unsigned char)tld[1]);
	for (size_t i = 0; i < sizeof(gtlds) / sizeof(gtlds[0]); i++)
		if (!strcmp(gtlds[i], tld)) return true;
	return false;
}

/* A top-level label the ICANN section knows (no default "*" rule). */
static bool tld_known(const char *tld)
{
	const psl_ctx_t *p = psl();
	if (!p) return fallback_tld(tld);
	return psl_is_public_suffix2(p, tld, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) == 1;
}

/* A name that is itself an ICANN public suffix (co.uk, kawasaki.jp's children). */
static bool icann_suffix(const char *name)
{
	const psl_ctx_t *p = psl();
	if (!p) return !strchr(name, '.') && fallback_tld(name);
	return psl_is_public_suffix2(p, name, PSL_TYPE_ICANN) == 1;
}

/* ---- well-known names and addresses ---- */

/* Public services whose appearance in two programs says nothing about
 * kinship: OS vendors' update, telemetry, PKI (CRL, OCSP, CA certificates,
 * time stamping) and XML schema hosts, public DNS resolvers, the big CDNs and
 * clouds, and the free-software projects whose addresses every Linux
 * program carries. A name matches when it is one of these or a subdomain.
 * `hosting` marks services that host anybody's content: there the name is
 * common but a URL with a path is someone's own and keeps no COMMON flag.
 * Sorted by strcmp (bsearch). */
typedef struct common_name {
	const char *name;
	bool hosting;
} common_name;

static const common_name common_names[] = {
        {"adobe.com", false},
        {"akamai.net", false},
        {"akamaiedge.net", false},
        {"akamaihd.net", true},
        {"akamaitechnologies.com", false},
        {"amazonaws.com", true},
        {"android.com", false},
        {"apache.org", false},
        {"apple.com", false},
        {"azureedge.net", true},
        {"bing.com", false},
        {"bitbucket.org", true},
        {"chromium.org", false},
        {"cloudflare-dns.com", false},
        {"cloudflare.com", false},
        {"cloudfront.net", true},
        {"comodo.com", false},
        {"comodoca.com", false},
        {"debian.org", false},
        {"digicert.com", false},
        {"dns.google", false},
        {"dropbox.com", true},
        {"entrust.net", false},
        {"freedesktop.org", false},
        {"github.com", true},
        {"githubusercontent.com", true},
        {"gitlab.com", true},
        {"globalsign.com", false},
        {"globalsign.net", false},
        {"gnome.org", false},
        {"gnu.org", false},
        {"godaddy.com", false},
        {"google.com", false},
        {"googleapis.com", true},
        {"googleusercontent.com", true},
        {"gstatic.com", false},
        {"iana.org", false},
        {"ietf.org", false},
        {"kde.org", false},
        {"kernel.org", false},
        {"launchpad.net", false},
        {"letsencrypt.org", false},
        {"live.com", true},
        {"microsoft.com", false},
        {"mozilla.org", false},
        {"msftconnecttest.com", false},
        {"msftncsi.com", false},
        {"msocsp.com", false},
        {"opendns.com", false},
        {"openssh.com", false},
        {"openssl.org", false},
        {"openxmlformats.org", false},
        {"pki.goog", false},
        {"purl.org", false},
        {"python.org", false},
        {"quad9.net", false},
        {"sectigo.com", false},
        {"sourceforge.net", true},
        {"symantec.com", false},
        {"symcb.com", false},
        {"symcd.com", false},
        {"thawte.com", false},
        {"ubuntu.com", false},
        {"unicode.org", false},
        {"usertrust.com", false},
        {"verisign.com", false},
        {"w3.org", false},
        {"windows.com", false},
        {"windows.net", true},
        {"windowsupdate.com", false},
        {"xmlsoap.org", false},
};

static int cmp_common(const void *key, const void *item)
{
	return strcmp(key, ((const common_name *)item)->name);
}

/* The entry a lowercase host name falls under, or NULL. */
static const common_name *common_lookup(const char *host)
{
	for (const char *s = host; s; s = strchr(s, '.')) {
		if (*s == '.') s++;
		const common_name *c = bsearch(s, common_names, sizeof(common_names) / sizeof(common_names[0]),
		                               sizeof(common_names[0]), cmp_common);
		if (c) return c;
		if (!strchr(s, '.')) break;
	}
	return NULL;
}

/* Public DNS resolvers (Google, Cloudflare, Quad9, OpenDNS, Level 3). */
static const uint32_t common_v4[] = {
        0x01000001, /* 1.0.0.1 */
        0x01010101, /* 1.1.1.1 */
        0x04020201, /* 4.2.2.1 */
        0x04020202, /* 4.2.2.2 */
        0x08080404, /* 8.8.4.4 */
        0x08080808, /* 8.8.8.8 */
        0x09090909, /* 9.9.9.9 */
        0x95707070, /* 149.112.112.112 */
        0xD043DCDC, /* 208.67.220.220 */
        0xD043DEDE, /* 208.67.222.222 */
};
static const uint8_t common_v6[][16] = {
        {0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x44}, /* 2001:4860:4860::8844 */
        {0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x88}, /* 2001:4860:4860::8888 */
        {0x26, 0x06, 0x47, 0x00, 0x47, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x01}, /* 2606:4700:4700::1001 */
        {0x26, 0x06, 0x47, 0x00, 0x47, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11}, /* 2606:4700:4700::1111 */
        {0x26, 0x20, 0x00, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x09},       /* 2620:fe::9 */
        {0x26, 0x20, 0x00, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xfe},       /* 2620:fe::fe */
        {0x26, 0x20, 0x01, 0x19, 0x00, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x35}, /* 2620:119:35::35 */
        {0x26, 0x20, 0x01, 0x19, 0x00, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x53}, /* 2620:119:53::53 */
};

/* ---- flags ---- */

static bool in_v4(uint32_t a, uint32_t net, unsigned bits)
{
	return (a >> (32 - bits)) == (net >> (32 - bits));
}

uint32_t ln_ioc_ipv4_flags(uint32_t a)
{
	uint32_t f = 0;
	if (in_v4(a, 0x0A000000, 8) || in_v4(a, 0xAC100000, 12) || in_v4(a, 0xC0A80000, 16) || in_v4(a, 0x64400000, 10))
		f |= LN_IOC_F_PRIVATE;
	if (in_v4(a, 0x7F000000, 8)) f |= LN_IOC_F_LOOPBACK;
	if (in_v4(a, 0xA9FE0000, 16)) f |= LN_IOC_F_LINKLOCAL;
	if (in_v4(a, 0xE0000000, 4)) f |= LN_IOC_F_MULTICAST;
	/* this network, reserved (240/4 with the broadcast address), IETF
	 * protocol assignments, the 6to4 relay anycast, benchmarking */
	if (in_v4(a, 0x00000000, 8) || in_v4(a, 0xF0000000, 4) || in_v4(a, 0xC0000000, 24) ||
	    in_v4(a, 0xC0586300, 24) || in_v4(a, 0xC6120000, 15))
		f |= LN_IOC_F_RESERVED;
	if (in_v4(a, 0xC0000200, 24) || in_v4(a, 0xC6336400, 24) || in_v4(a, 0xCB007100, 24)) f |= LN_IOC_F_DOC;
	for (size_t i = 0; i < sizeof(common_v4) / sizeof(common_v4[0]); i++)
		if (a == common_v4[i]) f |= LN_IOC_F_COMMON;
	return f;
}

static uint32_t v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t ln_ioc_ipv6_flags(const uint8_t a[16])
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
	uint32_t f = 0;
	if (!memcmp(a, zero, 15)) {
		if (a[15] == 1) return LN_IOC_F_LOOPBACK;
		return LN_IOC_F_RESERVED; /* the unspecified address, ::/96 */
	}
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) return ln_ioc_ipv4_flags(v4_at(a + 12));
	if (!memcmp(a, zero, 12)) return LN_IOC_F_RESERVED;                       /* IPv4-compatible, deprecated */
	if (a[0] == 0x20 && a[1] == 0x02) return ln_ioc_ipv4_flags(v4_at(a + 2)); /* 6to4 */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		f |= LN_IOC_F_DOC;
	else if (a[0] == 0x3f && a[1] == 0xff && a[2] < 0x10)
		f |= LN_IOC_F_DOC; /* 3fff::/20 (RFC 9637) */
	else if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02)
		f |= LN_IOC_F_RESERVED; /* 2001::/23 */
	else if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1)
		f |= LN_IOC_F_PRIVATE; /* 64:ff9b:1::/48, local-use NAT64 */
	else if ((a[0] & 0xfe) == 0xfc)
		f |= LN_IOC_F_PRIVATE;
	else if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		f |= LN_IOC_F_LINKLOCAL;
	else if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		f |= LN_IOC_F_PRIVATE; /* site-local, deprecated */
	else if (a[0] == 0xff)
		f |= LN_IOC_F_MULTICAST;
	else if (a[0] == 0x5f && a[1] == 0x00)
		f |= LN_IOC_F_RESERVED; /* SRv6 SIDs */
	else if ((a[0] & 0xe0) != 0x20)
		f |= LN_IOC_F_RESERVED; /* outside 2000::/3 */
	for (size_t i = 0; i < sizeof(common_v6) / sizeof(common_v6[0]); i++)
		if (!memcmp(a, common_v6[i], 16)) f |= LN_IOC_F_COMMON;
	return f;
}

/* name ends with the label sequence suf ("example.com") or equals it. */
static bool under(const char *name, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	if (n < m || memcmp(name + n - m, suf, m)) return false;
	return n == m || name[n - m - 1] == '.';
}

uint32_t ln_ioc_domain_flags(const char *domain)
{
	if (!domain) return 0;
	char d[256];
	size_t n = strlen(domain);
	if (n && domain[n - 1] == '.') n--;
	if (!n || n >= sizeof(d)) return 0;
	for (size_t i = 0; i < n; i++) d[i] = (char)to_lower((unsigned char)domain[i]);
	d[n] = 0;
	uint32_t f = 0;
	if (!strcmp(d, "localhost") || !strcmp(d, "localhost.localdomain")) return LN_IOC_F_LOOPBACK;
	if (under(d, n, "localhost")) f |= LN_IOC_F_LOOPBACK | LN_IOC_F_DOC;
	if (under(d, n, "example") || under(d, n, "test") || under(d, n, "invalid") || under(d, n, "example.com") ||
	    under(d, n, "example.net") || under(d, n, "example.org"))
		f |= LN_IOC_F_DOC;
	/* placeholders of manuals and help texts, registered or not */
	static const char *const placeholders[] = {
	        "bar.com",       "baz.com",      "company.com",     "domain.com",     "foo.com",
	        "mycompany.com", "mydomain.com", "yourcompany.com", "yourdomain.com", "your-domain.com"};
	for (size_t k = 0; k < sizeof(placeholders) / sizeof(placeholders[0]); k++)
		if (under(d, n, placeholders[k])) f |= LN_IOC_F_DOC;
	if (common_lookup(d)) f |= LN_IOC_F_COMMON;
	return f;
}

/* ---- numbers ---- */

/* Exactly a dotted quad: four decimal numbers 0..255, no leading zeros. */
static bool quad_exact(const char *s, size_t n, uint32_t *addr)
{
	uint32_t a = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || s[i] != '.') return false;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < n && is_digit((unsigned char)s[i]) && i - st < 4) v = v * 10 + (unsigned)(s[i++] - '0');
		size_t len = i - st;
		if (len == 0 || len > 3 || v > 255 || (len > 1 && s[st] == '0')) return false;
		a = a << 8 | v;
	}
	if (i != n) return false;
	*addr = a;
	return true;
}

static bool v6_exact(const char *s, size_t n, uint8_t a[16])
{
	char buf[64];
	if (n < 2 || n >= sizeof(buf)) return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex((unsigned char)s[i]) && s[i] != ':' && s[i] != '.') return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return inet_pton(AF_INET6, buf, a) == 1;
}

/* ":port" at t[i]: 1..5 digits, 1..65535, not followed by a token character.
 * Returns the end, or 0. */
static size_t port_at(const char *t, size_t n, size_t i, uint16_t *port)
{
	if (i >= n || t[i] != ':') return 0;
	size_t k = i + 1;
	unsigned v = 0;
	while (k < n && is_digit((unsigned char)t[k]) && k - i <= 5) v = v * 10 + (unsigned)(t[k++] - '0');
	if (k == i + 1 || k - i > 6 || v == 0 || v > 65535) return 0;
	if (k < n && (is_dom((unsigned char)t[k]) || t[k] == ':')) {
		/* "1.2.3.4:80." at the end of a sentence is fine */
		if (!(t[k] == '.' && (k + 1 == n || !is_alnum((unsigned char)t[k + 1])))) return 0;
	}
	*port = (uint16_t)v;
	return k;
}

/* A single printf conversion and nothing else ("%s", "%08lx", "%ls"). */
static bool printf_only(const char *s, size_t n)
{
	size_t i = 0;
	if (n < 2 || s[0] != '%') return false;
	i = 1;
	while (i < n && strchr("-+ #0", s[i])) i++;
	while (i < n && is_digit((unsigned char)s[i])) i++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit((unsigned char)s[i])) i++;
	}
	while (i < n && strchr("hlLqjzt", s[i])) i++;
	return i + 1 == n && is_alpha((unsigned char)s[i]);
}

/* ---- host names ---- */

enum { CTX_BARE, CTX_URL, CTX_EMAIL, CTX_PARSE };
enum { M_STRICT = 1, M_PARSE = 2 };

/* Top-level domains under which a bare name (outside a URL or an e-mail
 * address) is taken as it is: the old generic ones and the country codes
 * that are seldom a file extension, an instruction mnemonic or a word of code
 * (not .so .py .pl .sh .md .rs .in .am .cc .mk .pm .ps .la .ml .go .id .ph
 * .at .lt .gt .ge .ne .si .sx .ss .sd .vi .tr ...). The other ~1400 suffixes
 * of the list, the new generic ones above all, are English words that name
 * things in code (.zero .next .store .data .map .call .group .host .name
 * .info .app .run .page .top .link) or file extensions (.zip .mov .ads .inc
 * .icu .properties .build .ninja): a bare name under them needs the context
 * of bare_context_ok(). Sorted by strcmp. */
static const char *const bare_tlds[] = {
        "ae",  "au", "az", "bd",  "bg", "biz", "br",  "by", "ch", "cn", "com", "cz",  "de", "dk",
        "edu", "ee", "eg", "es",  "eu", "fi",  "gov", "gr", "hk", "io", "it",  "jp",  "kp", "kr",
        "kz",  "lk", "lv", "mil", "mn", "mx",  "net", "ng", "nl", "np", "nz",  "org", "pk", "ru",
        "sa",  "se", "sg", "su",  "th", "tw",  "ua",  "uk", "uz", "vn", "za",
};

/* Top-level domains under which a bare name with a hyphen in its
 * registrable label is a host ("evil-corp.xyz", "login-secure.top",
 * "evil-corp.example"): the generic ones most abused by malware that are
 * neither file extensions nor words of configuration keys and unit names
 * ("multi-user.target", "file-handle.seek", "commit-graph.auto" are not
 * hosts). Sorted. */
static const char *const hyphen_tlds[] = {
        "bond",    "buzz",   "cfd", "club",    "cyou", "example", "invalid", "live", "lol",
        "monster", "online", "pw",  "quest",   "rest", "sbs",     "shop",    "site", "space",
        "tech",    "top",    "vip", "website", "win",  "work",    "xyz",
};

/* First labels of host names: a bare name under any suffix that starts
 * with one of these ("mail.evil.top", "update.evil-corp.example"). Sorted. */
static const char *const host_prefixes[] = {
        "admin",  "api",     "assets", "auth",   "autodiscover", "beta",      "blog",  "c2",    "cdn",     "chat",
        "cloud",  "cpanel",  "dl",     "dns",    "download",     "downloads", "ftp",   "gate",  "gateway", "git",
        "imap",   "img",     "irc",    "keys",   "keyserver",    "login",     "mail",  "media", "mirror",  "mx",
        "ns",     "ns1",     "ns2",    "ns3",    "ntp",          "owa",       "panel", "pgp",   "pop",     "pop3",
        "portal", "proxy",   "remote", "secure", "server",       "sftp",      "smtp",  "srv",   "static",  "telemetry",
        "update", "updates", "vpn",    "web",    "webmail",      "ww",        "www",   "www1",  "www2",
};

/* Hosts that Go module paths and similar build metadata carry by the
 * thousand, packed without separators in Go binaries' string data
 * ("negativegithub.com/...", "1k8s.io/..."): a bare name that ends with one
 * of these glued to other letters is cut back to it (glue_suffix()). */
static const char *const glue_hosts[] = {
        "bitbucket.org",
        "cloud.google.com",
        "containerd.io",
        "docker.io",
        "gcr.io",
        "github.com",
        "gitlab.com",
        "go.etcd.io",
        "go.opencensus.io",
        "go.opentelemetry.io",
        "go.uber.org",
        "golang.org",
        "google.golang.org",
        "googleapis.com",
        "googlesource.com",
        "gopkg.in",
        "grpc.io",
        "k8s.io",
        "kubernetes.io",
        "opencensus.io",
        "opentelemetry.io",
        "sigs.k8s.io",
};

static int cmp_str(const void *key, const void *item)
{
	return strcmp(key, *(const char *const *)item);
}

static bool in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	char buf[32];
	if (len >= sizeof(buf)) return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	return bsearch(buf, list, n, sizeof(char *), cmp_str) != NULL;
}
#define IN_LIST(list, s, len) in_list(list, sizeof(list) / sizeof(list[0]), s, len)

/* Labels that are file stems, extensions or code identifiers rather than
 * host names ("setup.py", "self.name", "index.html.de"). Sorted. */
static const char *const junk_labels[] = {
        "__init__", "a",    "am",     "app",  "args",   "b",      "bak",  "bin",  "build", "c",     "cc",      "cfg",
        "cmake",    "conf", "config", "core", "cpp",    "css",    "ctx",  "data", "db",    "debug", "default", "dll",
        "doc",      "docs", "el",     "en",   "env",    "exe",    "file", "gz",   "h",     "htm",   "html",    "in",
        "index",    "info", "ini",    "init", "item",   "js",     "json", "lib",  "log",   "main",  "md",      "module",
        "msg",      "node", "o",      "obj",  "old",    "opts",   "orig", "os",   "out",   "page",  "path",    "php",
        "pl",       "pm",   "po",     "py",   "rc",     "readme", "rel",  "res",  "rs",    "run",   "sample",  "self",
        "setup",    "sh",   "so",     "src",  "static", "sys",    "tar",  "test", "tests", "the",   "this",    "tmp",
        "txt",      "util", "utils",  "www",  "x",      "xml",    "y",    "yaml", "yml",   "z",     "zip",
};

/* Special-use names (RFC 2606, RFC 6761): valid, flagged, not in the PSL. */
static bool special_tld(const char *tld)
{
	return !strcmp(tld, "example") || !strcmp(tld, "test") || !strcmp(tld, "invalid") || !strcmp(tld, "localhost");
}

/* First labels of code rather than host names: reverse-DNS identifiers
 * (Java packages, D-Bus names, Apple bundle identifiers: org.gnome.foo) and
 * namespaces of compilers' intrinsics and scripts (llvm.x86.avx, self.x).
 * Sorted. */
static const char *const code_firsts[] = {
        "com", "console", "document", "edu", "gov",  "io",  "java", "javax", "llvm",   "math",
        "net", "nvvm",    "org",      "os",  "self", "std", "sys",  "this",  "window",
};

/* The policy for a bare name (see domain_check()): d is lowercase, lab[]
 * its label starts (lab[nlab] = strlen + 1), reg its registrable label. */
static bool bare_ok(const char *d, const size_t *lab, size_t nlab, size_t reg, bool lower_only, bool special)
{
	const char *tld = d + lab[nlab - 1];
	size_t tl = lab[nlab] - lab[nlab - 1] - 1, fl = lab[1] - 1;
	const char *rl = d + lab[reg];
	size_t rlen = lab[reg + 1] - lab[reg] - 1;
	/* identifiers of code: llvm.nvvm.suld.1d.array.i16.zero, amoadd.d.aq */
	if (nlab > 6) return false;
	for (size_t k = 1; k + 1 < nlab; k++)
		if (lab[k + 1] - lab[k] - 1 == 1) return false;
	if (nlab >= 3 && IN_LIST(code_firsts, d, fl)) return false;
	/* reverse-lookup zones (in-addr.arpa) name no one's host */
	if (tl == 4 && !memcmp(tld, "arpa", 4)) return false;
	/* numbers: "0123456789.ee"; very short names: "le.org", "mm.com" */
	bool alldig = true;
	for (size_t k = 0; k < rlen; k++) alldig &= is_digit((unsigned char)rl[k]) || rl[k] == '-';
	if (alldig && (rlen < 3 || rlen > 4)) return false;
	if (nlab == 2 && (rlen < 3 || IN_LIST(junk_labels, rl, rlen))) return false;
	for (size_t k = 1; k + 1 < nlab; k++) /* "index.html.de", "foo.conf.example" */
		if (IN_LIST(junk_labels, d + lab[k], lab[k + 1] - lab[k] - 1)) return false;
	/* under a country code (.io is generic in practice), three labels or
	 * more are LLVM's and solvers' option names ("smt.arith.nl") unless a
	 * host prefix comes first */
	bool cc = tl == 2 && reg + 2 == nlab && memcmp(tld, "io", 2);
	if (!special && IN_LIST(bare_tlds, tld, tl) && !(cc && nlab >= 3)) return true;
	if (nlab >= 3 && IN_LIST(host_prefixes, d, fl)) return true;
	/* a hyphen has no place in most languages' identifiers */
	if (lower_only && rlen >= 5 && memchr(rl, '-', rlen) && IN_LIST(hyphen_tlds, tld, tl)) return true;
	return false;
}

/* Check a host name s[0..n) (no trailing dot) in a context; write its
 * lowercase form to out (cap >= 254) and its flags.
 *
 * Every context: labels of [A-Za-z0-9-], 1..63 characters, no hyphen at
 * either end, 2 labels or more, 253 characters at most, a top-level label
 * the ICANN section of the PSL knows (or a special-use one), and not itself
 * a public suffix. M_STRICT: the registrable label has four letters or more.
 *
 * A bare name (CTX_BARE) also must be all lowercase, all uppercase, or
 * lowercase and Capitalized labels under a lowercase TLD ("Microsoft.com",
 * not "README.md", "System.Net", "getValue.call"), and pass bare_ok(): at
 * most 6 labels, no one-character label inside, not a reverse-DNS
 * identifier (org.gnome.foo) or an .arpa zone, a registrable label of three
 * characters or more when there are two labels, and a TLD of bare_tlds[]
 * unless the first label is a host prefix ("www.", "mail.") or the
 * registrable label has a hyphen (and the TLD is not a file extension). */
static bool domain_check(const char *s, size_t n, int ctx, unsigned mode, char *out, uint32_t *flags)
{
	size_t lab[128]; /* label starts, then n + 1 */
	size_t nlab = 0;
	bool any_upper = false, any_lower = false, case_ok = true;
	if (n < 3 || n > 253) return false;
	size_t st = 0;
	for (size_t k = 0; k <= n; k++) {
		if (k < n && s[k] != '.') {
			unsigned char c = (unsigned char)s[k];
			if (!is_alnum(c) && c != '-') return false;
			continue;
		}
		size_t ll = k - st;
		if (ll == 0 || ll > 63 || s[st] == '-' || s[k - 1] == '-' || nlab >= 127) return false;
		/* label case: lower, UPPER, Capitalized or mixed */
		size_t up = 0, lo = 0;
		for (size_t j = st; j < k; j++) {
			up += is_upper((unsigned char)s[j]);
			lo += is_lower((unsigned char)s[j]);
		}
		any_upper |= up > 0;
		any_lower |= lo > 0;
		bool capitalized = up == 1 && is_upper((unsigned char)s[st]);
		if (up && lo && !capitalized) case_ok = false;
		if (up > 1 && !lo) case_ok = false; /* an UPPER label next to lowercase ones */
		if (k == n && up) case_ok = false;  /* the TLD */
		lab[nlab++] = st;
		st = k + 1;
	}
	lab[nlab] = n + 1;
	if (nlab < 2) return false;
	if (ctx == CTX_BARE && any_upper && any_lower && !case_ok) return false;
	for (size_t k = 0; k < n; k++) out[k] = (char)to_lower((unsigned char)s[k]);
	out[n] = 0;

	const char *tld = out + lab[nlab - 1];
	size_t tl = n - lab[nlab - 1];
	if (tl < 2) return false;
	bool digits = true;
	for (size_t k = 0; k < tl; k++) digits &= is_digit((unsigned char)tld[k]);
	if (digits) return false;
	bool special = special_tld(tld);
	if (!special && !tld_known(tld)) return false;

	/* the registrable label: the one left of the longest ICANN suffix */
	size_t reg = nlab - 2;
	if (!special) {
		if (icann_suffix(out)) return false;
		for (size_t k = 1; k < nlab; k++)
			if (icann_suffix(out + lab[k])) {
				reg = k - 1;
				break;
			}
	}
	const char *rl = out + lab[reg];
	size_t rlen = lab[reg + 1] - lab[reg] - 1;

	if (mode & M_STRICT) {
		size_t letters = 0;
		for (size_t k = 0; k < rlen; k++) letters += is_alpha((unsigned char)rl[k]);
		if (letters < 4) return false;
	}
	if (ctx == CTX_BARE && !bare_ok(out, lab, nlab, reg, !any_upper, special)) return false;
	*flags = ln_ioc_domain_flags(out);
	return true;
}

/* ---- recognizers ----
 *
 * Each looks at t[i..n) in mode (M_STRICT, M_PARSE), fills *o (type, value,
 * host, port, flags, and start/len in t) and returns true when it found an
 * indicator. *next is where the scan goes on (0: the next character). In
 * M_PARSE the context heuristics of bare tokens are off. */

static void ioc_reset(ln_ioc *o)
{
	o->type = 0;
	o->flags = 0;
	o->port = 0;
	o->start = 0;
	o->len = 0;
	o->value[0] = 0;
	o->host[0] = 0;
}

/* \\.\pipe\NAME and \\SERVER\pipe\NAME. */
static bool rec_pipe(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	(void)mode;
	if (i + 1 >= n || t[i] != '\\' || t[i + 1] != '\\' || (i && t[i - 1] == '\\')) return false;
	size_t k = i + 2;
	if (k < n && t[k] == '.')
		k++;
	else {
		size_t s = k;
		while (k < n && k - s < 256 && (is_dom((unsigned char)t[k]) || t[k] == '%')) k++;
		if (k == s) return false;
	}
	if (k + 6 > n || t[k] != '\\' || !ci_at(t, n, k + 1, "pipe") || t[k + 5] != '\\') return false;
	size_t ns = k + 6, ne = ns;
	while (ne < n && ne - ns < 256 && !is_stop((unsigned char)t[ne])) ne++;
	while (ne > ns && (t[ne - 1] == '.' || t[ne - 1] == ',' || t[ne - 1] == ';')) ne--;
	if (ne == ns || printf_only(t + ns, ne - ns) || ne - i >= sizeof(o->value)) return false;
	ioc_reset(o);
	o->type = LN_IOC_PIPE;
	memcpy(o->value, t + i, ne - i);
	o->value[ne - i] = 0;
	o->start = i;
	o->len = ne - i;
	*next = ne;
	return true;
}

/* A value is printable: no control characters, valid UTF-8. */
static bool printable_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
			i++;
			continue;
		}
		size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		if (!len || c >= 0xf5 || i + len > n) return false;
		for (size_t k = 1; k < len; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80) return false;
		unsigned char c1 = (unsigned char)s[i + 1];
		if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
		    (c == 0xf4 && c1 >= 0x90))
			return false;
		i += len;
	}
	return true;
}

/* "User-Agent: VALUE" anywhere (the value to the end of its line), or a
 * "Mozilla/5.0 ..." or "Opera/9.80 ..." agent string (to the end of the
 * line, or of the quotes around it). */
static bool rec_ua(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	(void)mode;
	size_t vs;
	char quote = 0;
	unsigned char p = i ? (unsigned char)t[i - 1] : 0;
	if (is_alnum(p) || p == '-' || p == '/' || p == '_') return false;
	if ((t[i] == 'U' || t[i] == 'u') && ci_at(t, n, i, "user-agent")) {
		vs = i + 10;
		while (vs < n && (t[vs] == ' ' || t[vs] == '\t')) vs++;
		if (vs >= n || t[vs] != ':') return false;
		vs++;
		while (vs < n && (t[vs] == ' ' || t[vs] == '\t')) vs++;
		if (vs < n && (t[vs] == '"' || t[vs] == '\'')) quote = t[vs++];
		while (vs < n && (t[vs] == ' ' || t[vs] == '\t')) vs++; /* the value never starts with a blank */
	} else if ((t[i] == 'M' && ci_at(t, n, i, "mozilla/") && !strncmp(t + i, "Mozilla/", 8)) ||
	           (t[i] == 'O' && n - i > 6 && !strncmp(t + i, "Opera/", 6))) {
		size_t v = i + (t[i] == 'M' ? 8 : 6);
		if (v + 2 >= n || !is_digit((unsigned char)t[v]) || t[v + 1] != '.' ||
		    !is_digit((unsigned char)t[v + 2]))
			return false;
		vs = i;
		if (p == '"' || p == '\'') quote = (char)p;
	} else
		return false;
	size_t ve = vs;
	while (ve < n) {
		unsigned char c = (unsigned char)t[ve];
		if (c == '\r' || c == '\n' || c == 0 || (quote && c == (unsigned char)quote)) break;
		if (c == '\\' && ve + 1 < n && (t[ve + 1] == 'r' || t[ve + 1] == 'n')) break; /* escaped in a script */
		ve++;
	}
	size_t end = ve;
	while (ve > vs && is_space((unsigned char)t[ve - 1])) ve--;
	size_t len = ve - vs, letters = 0;
	for (size_t k = vs; k < ve; k++) letters += is_alpha((unsigned char)t[k]);
	if (len < 4 || len >= sizeof(o->value) || t[vs] == '%' || letters < 3 || !printable_utf8(t + vs, len) ||
	    ci_at(t, ve, vs, "user-agent"))
		return false;
	ioc_reset(o);
	o->type = LN_IOC_USER_AGENT;
	memcpy(o->value, t + vs, len);
	o->value[len] = 0;
	o->start = vs;
	o->len = len;
	*next = end;
	return true;
}

/* Words before a number that make it a version ("version 1.2.3.4"). */
static bool version_before(const char *t, size_t i)
{
	static const char *const words[] = {"build",    "chapter", "clause",  "edition", "firmware", "release", "rev",
	                                    "revision", "sec",     "section", "v",       "ver",      "version"};
	size_t k = i;
	while (k > 0 && i - k < 3 && (t[k - 1] == ' ' || t[k - 1] == ':' || t[k - 1] == '=' || t[k - 1] == '\t')) k--;
	size_t we = k;
	while (k > 0 && we - k < 10 && is_alpha((unsigned char)t[k - 1])) k--;
	if (we == k || we - k >= 10 || (k > 0 && is_alnum((unsigned char)t[k - 1]))) return false;
	char w[12];
	for (size_t j = k; j < we; j++) w[j - k] = (char)to_lower((unsigned char)t[j]);
	w[we - k] = 0;
	for (size_t j = 0; j < sizeof(words) / sizeof(words[0]); j++)
		if (!strcmp(words[j], w)) return true;
	return false;
}

/* A bare dotted quad that is more likely an address than a version, a
 * section number or an OID: not after "version", "section" and the like;
 * not 1.x.x.x or 2.x.x.x (the OID arcs: 2.5.4.3, 1.3.101.112) nor all four
 * numbers below ten (1.0.0.0) unless a public resolver (1.1.1.1); no 0 first
 * but 0.0.0.0; a public x.y.0.0 only as a network (followed by "/"). */
static bool quad_plausible(const char *t, size_t n, size_t i, size_t e, uint32_t a)
{
	if (version_before(t, i)) return false;
	if (a == 0) return true;
	uint32_t f = ln_ioc_ipv4_flags(a);
	if (f & LN_IOC_F_COMMON) return true;
	uint32_t b0 = a >> 24;
	if (b0 <= 2) return false;
	bool small = b0 < 10 && ((a >> 16) & 0xff) < 10 && ((a >> 8) & 0xff) < 10 && (a & 0xff) < 10;
	if (small) return false;
	if ((a & 0xffff) == 0 && !f && !(e < n && t[e] == '/')) return false;
	return true;
}

static void format_v4(char *out, size_t cap, uint32_t a)
{
	snprintf(out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* IPv6 without brackets at t[i] (a hex digit or "::"). */
static bool rec_v6(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	(void)next;
	size_t j = i, colons = 0;
	while (j < n && j - i < 46 && (is_hex((unsigned char)t[j]) || t[j] == ':' || t[j] == '.'))
		colons += t[j++] == ':';
	if (colons < 2 || j - i >= 46) return false;
	if (j < n && (is_dom((unsigned char)t[j]) || t[j] == ':')) return false;
	while (j > i && t[j - 1] == '.') j--;
	if (j > i + 1 && t[j - 1] == ':' && t[j - 2] != ':') j--; /* "at 2001:db8::1: ..." */
	uint8_t a[16];
	static const uint8_t unspecified[16];
	if (!v6_exact(t + i, j - i, a) || !memcmp(a, unspecified, 16)) return false;
	if (!(mode & M_PARSE)) {
		/* junk: the unspecified address alone, byte lists (00:11:...:77),
		 * C++ scopes and times that parse by chance (outside 2000::/3 and
		 * not a special-purpose block) */
		static const uint8_t zero[16];
		if (!memcmp(a, zero, 16)) return false;
		size_t groups = 0, two = 0, gl = 0;
		for (size_t k = i; k <= j; k++) {
			if (k == j || t[k] == ':') {
				if (gl) groups++;
				two += gl == 2;
				gl = 0;
			} else
				gl++;
		}
		if (groups == 8 && two == 8) return false;
		/* "2668::", "::3": one group is a prefix only before "/len" */
		bool loop = !memcmp(a, zero, 15) && a[15] == 1;
		if (groups < 2 && !loop && !(j < n && t[j] == '/')) return false;
		/* ::/96 but ::1 and mapped ::ffff:a.b.c.d; outside 2000::/3 but
		 * the special-purpose blocks */
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(a, zero, 12) && !loop) return false;
		if (!memcmp(a, zero, 10) && memcmp(a, mapped, 12) && !loop) return false;
		uint32_t f = ln_ioc_ipv6_flags(a);
		if ((f & LN_IOC_F_RESERVED) && a[0] != 0x20) return false;
	}
	ioc_reset(o);
	o->type = LN_IOC_IPV6;
	inet_ntop(AF_INET6, a, o->value, sizeof(o->value));
	o->flags = ln_ioc_ipv6_flags(a);
	o->start = i;
	o->len = j - i;
	return true;
}

/* "[2001:db8::1]" with an optional ":port". */
static bool rec_v6_bracket(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	size_t j = i + 1;
	while (j < n && j - i < 47 && (is_hex((unsigned char)t[j]) || t[j] == ':' || t[j] == '.')) j++;
	if (j >= n || t[j] != ']') return false;
	size_t dummy = 0;
	if (!rec_v6(t, j, i + 1, mode, o, &dummy) || o->start + o->len != j) return false;
	size_t e = j + 1;
	uint16_t port = 0;
	size_t pe = port_at(t, n, e, &port);
	if (pe)
		e = pe;
	else if (e < n && is_alnum((unsigned char)t[e]))
		return false;
	o->port = port;
	o->start = i;
	o->len = e - i;
	*next = e;
	return true;
}

/* URLs of certificates are followed by DER bytes that happen to be
 * printable: "http://crl.example.com/ca.crl0", ".../cps.htm0U". A path that
 * ends with such a file name and one to three more characters starting with
 * '0' (a SEQUENCE's tag) is cut after the name. */
static size_t der_tail(const char *t, size_t ps, size_t pe)
{
	static const char *const exts[] = {".cer0", ".crl0", ".crt0", ".der0", ".htm0", ".html0", ".p7c0", ".pdf0"};
	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
		size_t m = strlen(exts[k]);
		for (size_t tail = 0; tail < 3; tail++) {
			if (pe - ps < m + tail) break;
			size_t at = pe - tail - m;
			if (ci_at(t, pe, at, exts[k])) return at + m - 1;
		}
	}
	return pe;
}

static const char *const schemes[] = {"ftp", "http", "https", "ws", "wss"};

/* scheme://[userinfo@]host[:port][/path?query#fragment] */
static bool rec_url(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	size_t k = i;
	while (k < n && k - i < 6 && is_alpha((unsigned char)t[k])) k++;
	if (k + 3 > n || t[k] != ':' || t[k + 1] != '/' || t[k + 2] != '/') return false;
	char scheme[8];
	size_t sl = k - i;
	for (size_t j = 0; j < sl; j++) scheme[j] = (char)to_lower((unsigned char)t[i + j]);
	scheme[sl] = 0;
	bool known = false;
	for (size_t j = 0; j < sizeof(schemes) / sizeof(schemes[0]); j++) known |= !strcmp(schemes[j], scheme);
	if (!known) return false;
	*next = k + 3; /* not a URL: go on after the "://" */

	size_t a = k + 3, ae = a;
	while (ae < n && !is_stop((unsigned char)t[ae]) && t[ae] != '/' && t[ae] != '?' && t[ae] != '#' &&
	       t[ae] != '\\')
		ae++;
	size_t hs = a;
	for (size_t j = a; j < ae; j++)
		if (t[j] == '@') hs = j + 1;
	size_t he;
	char host[256];
	uint32_t flags = 0;
	uint32_t hosttype;
	if (hs < ae && t[hs] == '[') {
		he = hs + 1;
		while (he < ae && t[he] != ']') he++;
		uint8_t v6[16];
		if (he >= ae || !v6_exact(t + hs + 1, he - hs - 1, v6)) return false;
		he++;
		char tmp[64];
		inet_ntop(AF_INET6, v6, tmp, sizeof(tmp));
		snprintf(host, sizeof(host), "[%s]", tmp);
		flags = ln_ioc_ipv6_flags(v6);
		hosttype = LN_IOC_IPV6;
	} else {
		he = hs;
		while (he < ae && t[he] != ':') he++;
		size_t hl = he - hs;
		if (hl && t[hs + hl - 1] == '.') hl--;
		if (!hl || hl > 253 || memchr(t + hs, '%', hl)) return false;
		uint32_t addr;
		bool digits = true;
		for (size_t j = hs; j < hs + hl; j++) digits &= is_digit((unsigned char)t[j]) || t[j] == '.';
		if (digits) {
			if (!quad_exact(t + hs, hl, &addr)) return false;
			format_v4(host, sizeof(host), addr);
			flags = ln_ioc_ipv4_flags(addr);
			hosttype = LN_IOC_IPV4;
		} else if (hl == 9 && ci_at(t, n, hs, "localhost")) {
			memcpy(host, "localhost", 10);
			flags = LN_IOC_F_LOOPBACK;
			hosttype = LN_IOC_DOMAIN;
		} else {
			/* the scheme is context enough, even in M_STRICT */
			if (!domain_check(t + hs, hl, CTX_URL, mode & ~(unsigned)M_STRICT, host, &flags)) return false;
			hosttype = LN_IOC_DOMAIN;
		}
	}
	uint16_t port = 0;
	if (he < ae) {
		if (t[he] != ':') return false;
		size_t pe = port_at(t, ae, he, &port);
		if (pe != ae && !(he + 1 == ae || t[he + 1] == '%')) return false; /* "host:" or "host:%d" */
	}
	size_t pe = ae;
	while (pe < n && !is_stop((unsigned char)t[pe])) {
		/* a list of URLs: "https://a/x,https://b/y" */
		if ((t[pe] == ',' || t[pe] == ';' || t[pe] == '|') && pe + 1 < n &&
		    (ci_at(t, n, pe + 1, "http") || ci_at(t, n, pe + 1, "ftp:") || ci_at(t, n, pe + 1, "ws")))
			break;
		/* another URL glued to it in packed string data ("/v2/https://..."),
		 * not one in its query ("?u=https://...") */
		if ((t[pe] == 'h' || t[pe] == 'H') && t[pe - 1] != '=' && t[pe - 1] != '?' && t[pe - 1] != '&' &&
		    (ci_at(t, n, pe, "http://") || ci_at(t, n, pe, "https://")))
			break;
		pe++;
	}
	pe = der_tail(t, ae, pe);
	/* trailing punctuation of the sentence around it, unbalanced closers;
	 * a DER tail that the punctuation hid ("ca.crl0:::") after it */
	for (;;) {
		if (pe == ae) break;
		size_t cut = der_tail(t, ae, pe);
		if (cut != pe) {
			pe = cut;
			continue;
		}
		char c = t[pe - 1];
		if (strchr(".,;:!?", c)) {
			pe--;
			continue;
		}
		char open = c == ')' ? '(' : c == ']' ? '[' : c == '}' ? '{' : 0;
		if (!open) break;
		size_t no = 0, nc = 0;
		for (size_t j = a; j < pe; j++) {
			no += t[j] == open;
			nc += t[j] == c;
		}
		if (nc <= no) break;
		pe--;
	}
	const common_name *cn = hosttype == LN_IOC_DOMAIN ? common_lookup(host) : NULL;
	if (cn && cn->hosting && pe > ae && !(pe - ae == 1 && t[ae] == '/')) flags &= ~(uint32_t)LN_IOC_F_COMMON;

	ioc_reset(o);
	sbuf b;
	sb_init(&b, o->value, sizeof(o->value));
	sb_puts(&b, scheme);
	sb_puts(&b, "://");
	sb_putn(&b, t + a, hs - a);
	sb_puts(&b, host);
	sb_putn(&b, t + he, ae - he);
	sb_putn(&b, t + ae, pe - ae);
	*next = pe;
	if (b.over) {
		/* too long for a value: the host alone */
		ioc_reset(o);
		o->type = hosttype;
		snprintf(o->value, sizeof(o->value), "%s", host);
		if (hosttype == LN_IOC_IPV6) {
			size_t hl = strlen(host);
			memmove(o->value, host + 1, hl - 2);
			o->value[hl - 2] = 0;
		}
		o->flags = flags;
		o->start = hs;
		o->len = he - hs;
		return !(mode & M_PARSE);
	}
	o->type = LN_IOC_URL;
	snprintf(o->host, sizeof(o->host), "%s", host);
	o->flags = flags;
	o->port = port;
	o->start = i;
	o->len = pe - i;
	return true;
}

/* local@domain */
static bool rec_email(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	(void)next;
	size_t j = i;
	while (j < n && j - i <= 64 && is_local((unsigned char)t[j])) j++;
	if (j >= n || t[j] != '@' || j - i > 64 || j == i) return false;
	if (!is_alnum((unsigned char)t[i]) && t[i] != '_') return false;
	if (t[j - 1] == '.' || memchr(t + i, '%', j - i) || (i && (unsigned char)t[i - 1] >= 0x80)) return false;
	for (size_t k = i; k + 1 < j; k++)
		if (t[k] == '.' && t[k + 1] == '.') return false;
	size_t ds = j + 1, de = ds;
	while (de < n && de - ds < 254 && (is_alnum((unsigned char)t[de]) || t[de] == '.' || t[de] == '-')) de++;
	if (de < n && (t[de] == '_' || t[de] == '@' || (unsigned char)t[de] >= 0x80)) return false;
	while (de > ds && t[de - 1] == '.') de--;
	char dom[256];
	uint32_t flags;
	if (!domain_check(t + ds, de - ds, CTX_EMAIL, mode, dom, &flags)) return false;
	if (!(mode & M_PARSE)) {
		/* SSH's extension names (RFC 4251 6: "name@domain") are not mailboxes:
		 * "chacha20-poly1305@openssh.com", "curve25519-sha256@libssh.org".
		 * A one-character local part or host label is mostly chance: "Z@a.gi". */
		if (!strcmp(dom, "openssh.com") || !strcmp(dom, "libssh.org")) {
			*next = de; /* nor is its domain alone an indicator */
			return false;
		}
		if (j - i < 2) return false;
		const char *dot = strchr(dom, '.');
		if (dot && dot - dom < 2 && !strchr(dot + 1, '.')) return false;
	}
	ioc_reset(o);
	o->type = LN_IOC_EMAIL;
	snprintf(o->value, sizeof(o->value), "%.*s@%s", (int)(j - i), t + i, dom);
	snprintf(o->host, sizeof(o->host), "%s", dom);
	o->flags = flags;
	o->start = i;
	o->len = de - i;
	return true;
}

/* The longest glue host the token s[0..n) ends with, glued to letters or
 * digits or under other labels ("negativegithub.com", "7github.com",
 * "arrayportforward.k8s.io"): its length; 0 when none or the token is one.
 * *glued: what precedes it is a letter or a digit. */
static size_t glue_suffix(const char *s, size_t n, bool *glued)
{
	size_t best = 0;
	for (size_t k = 0; k < sizeof(glue_hosts) / sizeof(glue_hosts[0]); k++) {
		size_t m = strlen(glue_hosts[k]);
		if (n <= m || m <= best) continue;
		size_t j = 0;
		while (j < m && to_lower((unsigned char)s[n - m + j]) == (unsigned char)glue_hosts[k][j]) j++;
		if (j == m) {
			best = m;
			*glued = is_alnum((unsigned char)s[n - m - 1]);
		}
	}
	return best;
}

/* What follows a bare name tells code from hosts: a call, an index or an
 * assignment ("x.name(", "a.info[", "b.io="), a CSS rule ("rect.net {"),
 * and Go's standard packages glued after a sentence in Go's string data
 * ("in the future." + "net/http: ...", "io/fs"). */
static bool bare_followers_ok(const char *t, size_t n, size_t j)
{
	static const char *const go_pkgs[] = {"io/fs",   "io/ioutil", "net/http",      "net/mail", "net/netip",
	                                      "net/rpc", "net/smtp",  "net/textproto", "net/url"};
	if (j >= n) return true;
	if (t[j] == '(' || t[j] == '[' || t[j] == '=' || t[j] == '$') return false;
	size_t k = j;
	while (k < n && k - j < 8 && (t[k] == ' ' || t[k] == '\t')) k++;
	if (k < n && t[k] == '{') return false;
	if (t[j] == '/') {
		size_t d = j;
		while (d > 0 && t[d - 1] != '.') d--;
		for (size_t g = 0; g < sizeof(go_pkgs) / sizeof(go_pkgs[0]); g++) {
			size_t m = strlen(go_pkgs[g]);
			if (d + m <= n && !memcmp(t + d, go_pkgs[g], m) &&
			    (d + m == n || !is_alnum((unsigned char)t[d + m])))
				return false;
		}
	}
	return true;
}

/* The run of [A-Za-z0-9._-] at t[i]: a dotted quad or a domain name, with
 * an optional ":port". */
static bool rec_token(const char *t, size_t n, size_t i, unsigned mode, ln_ioc *o, size_t *next)
{
	bool parse = mode & M_PARSE;
	unsigned char p = i ? (unsigned char)t[i - 1] : 0, pp = i > 1 ? (unsigned char)t[i - 2] : 0;
	size_t j = i;
	while (j < n && is_dom((unsigned char)t[j])) j++;
	size_t s = i, e = j;
	if (e > s && t[e - 1] == '.') e--;
	if (!parse) {
		if (p == '%') {
			/* "%s.evil.example": a printf conversion stands for the first label */
			while (s < e && t[s] != '.') s++;
			if (s == e) return false;
			s++;
		} else if (t[s] == '.' && p == '*')
			s++; /* "*.example.com" */
		if (e <= s) return false;
		/* a path component, not a host ("/usr/lib/libfoo.so", "a\b.dll"); "//host" and "\\host" are hosts */
		if ((p == '/' && pp != '/') || (p == '\\' && pp != '\\') || p == '$') return false;
		/* part of a word in another script ("\xc3\xa9vil.com") */
		if (p >= 0x80 || (j < n && (unsigned char)t[j] >= 0x80)) return false;
		/* "1.2.3.4.%d", "evil.com.in-addr" */
		if (e < j && j < n && !is_space((unsigned char)t[j]) && !strchr("\"'`)]},;:", t[j])) return false;
		/* glued to what came before it in packed string data: a length or
		 * flag byte ("7github.com", "z.github.com"), or another literal in
		 * Go's string data, where nothing separates them
		 * ("negativegithub.com", "nilcertificates.k8s.io"): cut back to the
		 * glue host when glued to letters or digits, after one or two
		 * characters, or anywhere in a text of 64 characters or more */
		bool glued = false;
		size_t g = glue_suffix(t + s, e - s, &glued);
		if (g && (n >= 64 || glued || e - s - g <= 2))
			s = e - g;
		else if (g && is_digit((unsigned char)t[s]) && is_alpha((unsigned char)t[s + 1]))
			s++; /* "5monitoring.googleapis.com" */
		size_t w = s;
		while (w < e && w - s < 6 && t[w] != '.') w++;
		if (w - s >= 4 && w - s <= 5 && ci_at(t, e, w - 3, "www.")) s = w - 3; /* "7www.entrust.net" */
	}
	if (e <= s || !is_alnum((unsigned char)t[s])) return false;
	bool digits = true;
	for (size_t k = s; k < e; k++) digits &= is_digit((unsigned char)t[k]) || t[k] == '.';
	uint16_t port = 0;
	size_t end = e;
	if (e == j) {
		size_t pe = port_at(t, n, e, &port);
		if (pe) end = pe;
	}
	if (parse && e < j) end = j; /* the root's dot of "evil.com." */
	if (digits) {
		uint32_t a;
		if (!quad_exact(t + s, e - s, &a)) return false;
		if (!parse && !quad_plausible(t, n, s, e, a)) return false;
		ioc_reset(o);
		o->type = LN_IOC_IPV4;
		format_v4(o->value, sizeof(o->value), a);
		o->flags = ln_ioc_ipv4_flags(a);
	} else {
		char dom[256];
		uint32_t flags;
		if (memchr(t + s, '_', e - s)) return false;
		if (!parse && !bare_followers_ok(t, n, j)) return false;
		if (parse && e - s == 9 && ci_at(t, n, s, "localhost")) {
			memcpy(dom, "localhost", 10);
			flags = LN_IOC_F_LOOPBACK;
		} else if (!domain_check(t + s, e - s, parse ? CTX_PARSE : CTX_BARE, mode, dom, &flags))
			return false;
		ioc_reset(o);
		o->type = LN_IOC_DOMAIN;
		memcpy(o->value, dom, strlen(dom) + 1);
		o->flags = flags;
	}
	o->port = port;
	o->start = s;
	o->len = end - s;
	*next = end;
	return true;
}

/* ---- defanged text ---- */

/* The defanged forms undone: [.] (.) {.} [dot] (dot) {dot} -> ".", [:] -> ":",
 * [://] -> "://", [at] (at) [@] (@) -> "@", hxxp/hxxps -> http/https and fxp
 * -> ftp before ":" or "[". Writes at most n bytes to out; map[k] is the
 * offset in t of out[k] (map[m] = n), chg[k] marks bytes of a marker. Either
 * may be NULL. Returns the length written. */
static size_t refang(const char *t, size_t n, char *out, size_t *map, uint8_t *chg)
{
	static const struct {
		const char *from, *to;
	} marks[] = {
	        {"[.]", "."},     {"(.)", "."}, {"{.}", "."},  {"[dot]", "."}, {"(dot)", "."}, {"{dot}", "."},
	        {"[://]", "://"}, {"[:]", ":"}, {"[at]", "@"}, {"(at)", "@"},  {"[@]", "@"},   {"(@)", "@"},
	};
	size_t m = 0;
	for (size_t i = 0; i < n;) {
		const char *to = NULL;
		size_t fl = 0;
		char c = t[i];
		if (c == '[' || c == '(' || c == '{') {
			for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
				if (ci_at(t, n, i, marks[k].from)) {
					to = marks[k].to;
					fl = strlen(marks[k].from);
					break;
				}
		} else if ((c == 'h' || c == 'H') && (!i || !is_alpha((unsigned char)t[i - 1])) &&
		           ci_at(t, n, i, "hxxp")) {
			size_t k = i + 4;
			if (k < n && (t[k] == 's' || t[k] == 'S')) k++;
			if (k < n && (t[k] == ':' || t[k] == '[')) {
				to = "http";
				fl = 4;
			}
		} else if ((c == 'f' || c == 'F') && (!i || !is_alpha((unsigned char)t[i - 1])) &&
		           ci_at(t, n, i, "fxp") && i + 3 < n && (t[i + 3] == ':' || t[i + 3] == '[')) {
			to = "ftp";
			fl = 3;
		}
		if (!to) {
			if (map) map[m] = i;
			if (chg) chg[m] = 0;
			out[m++] = c;
			i++;
			continue;
		}
		for (size_t k = 0; to[k]; k++) {
			if (map) map[m] = i;
			if (chg) chg[m] = 1;
			out[m++] = to[k];
		}
		i += fl;
	}
	if (map) map[m] = n;
	return m;
}

static bool maybe_defanged(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (c == '[' || c == '(' || c == '{') return true;
		if ((c == 'x' || c == 'X') && i + 2 < n && (t[i + 1] == 'x' || t[i + 1] == 'X') &&
		    (t[i + 2] == 'p' || t[i + 2] == 'P'))
			return true;
		if ((c == 'f' || c == 'F') && ci_at(t, n, i, "fxp")) return true;
	}
	return false;
}

/* ---- the scan ---- */

typedef struct scanner {
	const char *t;
	size_t n;
	const size_t *map;  /* refanged text: offsets in the caller's text, or NULL */
	const uint8_t *chg; /* refanged text: bytes of a defanging marker */
	unsigned mode;
	ln_ioc_cb cb;
	void *arg;
	ln_ioc ioc;
} scanner;

static int emit(scanner *s)
{
	ln_ioc *o = &s->ioc;
	if (s->map) {
		size_t a = o->start, b = o->start + o->len;
		for (size_t k = a; k < b; k++)
			if (s->chg[k]) {
				o->flags |= LN_IOC_F_DEFANGED;
				break;
			}
		o->start = s->map[a];
		o->len = s->map[b] - s->map[a];
	}
	return s->cb(o, s->arg);
}

static int scan_run(scanner *s)
{
	const char *t = s->t;
	size_t n = s->n;
	bool strict = s->mode & M_STRICT;
	ln_ioc *o = &s->ioc;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)t[i], p = i ? (unsigned char)t[i - 1] : 0;
		size_t next = 0;
		bool found = false;
		if (c == '\\')
			found = rec_pipe(t, n, i, s->mode, o, &next);
		else if (c == '[') {
			if (!strict) found = rec_v6_bracket(t, n, i, s->mode, o, &next);
		} else if (c == ':') {
			if (!strict && p != ':' && !is_dom(p) && i + 1 < n && t[i + 1] == ':')
				found = rec_v6(t, n, i, s->mode, o, &next);
		} else if (is_alnum(c) || c == '.') {
			if (c == 'U' || c == 'u' || c == 'M' || c == 'O') found = rec_ua(t, n, i, s->mode, o, &next);
			/* a scheme may follow a digit: DER's length bytes ("6http://crl...") */
			if (!found && !next && !is_alpha(p) && is_alpha(c)) found = rec_url(t, n, i, s->mode, o, &next);
			if (!found && !next && !is_local(p)) found = rec_email(t, n, i, s->mode, o, &next);
			if (!found && !next && !strict && is_hex(c) && !is_dom(p) && p != ':')
				found = rec_v6(t, n, i, s->mode, o, &next);
			if (!found && !next && !is_dom(p)) found = rec_token(t, n, i, s->mode, o, &next);
		}
		if (found) {
			if (!next) next = o->start + o->len;
			int rc = emit(s);
			if (rc) return rc;
		}
		i = next > i ? next : i + 1;
	}
	return 0;
}

int ln_ioc_scan(const char *text, size_t len, unsigned opts, ln_ioc_cb cb, void *arg)
{
	if (!text || !len || !cb) return 0;
	/* Every indicator has one of . : @ \ (a user agent "Mozilla/5.0" has its
	 * dot); defanged ones may have their dots and at signs in brackets. */
	bool defanged = opts & LN_IOC_SCAN_DEFANGED, any = false;
	for (size_t i = 0; i < len && !any; i++) {
		char c = text[i];
		any = c == '.' || c == ':' || c == '@' || c == '\\' || (defanged && (c == '[' || c == '(' || c == '{'));
	}
	if (!any) return 0;
	scanner s = {.t = text, .n = len, .mode = (opts & LN_IOC_SCAN_STRICT) ? M_STRICT : 0, .cb = cb, .arg = arg};
	if (!defanged || !maybe_defanged(text, len) || len > SIZE_MAX / 16) return scan_run(&s);
	char *buf = ln_malloc(len + 1);
	size_t *map = ln_malloc((len + 1) * sizeof(size_t));
	uint8_t *chg = ln_malloc(len + 1);
	int rc;
	if (!buf || !map || !chg) {
		rc = scan_run(&s); /* out of memory: the text as written */
		goto done;
	}
	size_t m = refang(text, len, buf, map, chg);
	if (m != len || memcmp(buf, text, len)) {
		s.t = buf;
		s.n = m;
		s.map = map;
		s.chg = chg;
	}
	rc = scan_run(&s);
done:
	ln_free(buf);
	ln_free(map);
	ln_free(chg);
	return rc;
}

/* ---- one value ---- */

static bool hex_value(const char *s, size_t n, size_t want, ln_ioc *o, uint32_t type)
{
	if (n != want) return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex((unsigned char)s[i])) return false;
	for (size_t i = 0; i < n; i++) o->value[i] = (char)to_lower((unsigned char)s[i]);
	o->value[n] = 0;
	o->type = type;
	return true;
}

/* The recognizer of type at the start of r, covering all of it. */
static bool parse_as(const char *r, size_t n, int type, ln_ioc *o)
{
	size_t next = 0;
	bool ok = false;
	switch (type) {
	case LN_IOC_IPV4:
	case LN_IOC_DOMAIN: ok = rec_token(r, n, 0, M_PARSE, o, &next) && o->type == (uint32_t)type; break;
	case LN_IOC_IPV6:
		ok = r[0] == '[' ? rec_v6_bracket(r, n, 0, M_PARSE, o, &next) : rec_v6(r, n, 0, M_PARSE, o, &next);
		break;
	case LN_IOC_URL: ok = rec_url(r, n, 0, M_PARSE, o, &next) && o->type == LN_IOC_URL; break;
	case LN_IOC_EMAIL: ok = rec_email(r, n, 0, M_PARSE, o, &next); break;
	case LN_IOC_PIPE: ok = rec_pipe(r, n, 0, M_PARSE, o, &next); break;
	case LN_IOC_USER_AGENT:
		/* guessed: an agent string or a header; the whole value */
		ok = rec_ua(r, n, 0, M_PARSE, o, &next) && o->start + o->len == n;
		return ok;
	default: return false;
	}
	return ok && o->start == 0 && o->len == n;
}

/* One value r[0..n) of a type (-1: guessed; not a hash, a mutex). */
static bool parse_text(const char *r, size_t n, int type, ln_ioc *o)
{
	if (type >= 0) {
		if (parse_as(r, n, type, o)) return true;
		/* a URL without its scheme, as feeds often give them: http:// */
		char u[4097 + 8];
		if (type != LN_IOC_URL || n + 8 > sizeof(u)) return false;
		for (size_t k = 0; k + 2 < n; k++)
			if (r[k] == ':' && r[k + 1] == '/' && r[k + 2] == '/') return false;
		memcpy(u, "http://", 7);
		memcpy(u + 7, r, n);
		return parse_as(u, n + 7, type, o);
	}
	static const int order[] = {LN_IOC_IPV4, LN_IOC_IPV6,   LN_IOC_URL,       LN_IOC_EMAIL,
	                            LN_IOC_PIPE, LN_IOC_DOMAIN, LN_IOC_USER_AGENT};
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		if (parse_as(r, n, order[k], o)) return true;
	return false;
}

bool ln_ioc_parse(const char *value, int type, ln_ioc *out)
{
	if (!out) return false;
	memset(out, 0, sizeof(*out));
	if (!value || type < -1 || type >= LN_IOC_NTYPES) return false;
	size_t total = strlen(value), n = total;
	const char *s = value;
	while (n && is_space((unsigned char)*s)) s++, n--;
	while (n && is_space((unsigned char)s[n - 1])) n--;
	if (!n || n > 4096) return false;
	bool ok = false;

	if (type == LN_IOC_MUTEX || type == LN_IOC_USER_AGENT) {
		if (type == LN_IOC_USER_AGENT && ci_at(s, n, 0, "user-agent:")) {
			s += 11, n -= 11;
			while (n && is_space((unsigned char)*s)) s++, n--;
		}
		if (!n || n >= sizeof(out->value) || !printable_utf8(s, n)) return false;
		memcpy(out->value, s, n);
		out->value[n] = 0;
		out->type = (uint32_t)type;
		ok = true;
		goto done;
	}
	if (type == -1 || type == LN_IOC_MD5) ok = hex_value(s, n, 32, out, LN_IOC_MD5);
	if (!ok && (type == -1 || type == LN_IOC_SHA1)) ok = hex_value(s, n, 40, out, LN_IOC_SHA1);
	if (!ok && (type == -1 || type == LN_IOC_SHA256)) ok = hex_value(s, n, 64, out, LN_IOC_SHA256);
	if (ok || type == LN_IOC_MD5 || type == LN_IOC_SHA1 || type == LN_IOC_SHA256) goto done;

	/* as written first (a scanned URL may hold "[.]" in its path), then
	 * with the defanged forms undone */
	ok = parse_text(s, n, type, out);
	if (!ok && type != LN_IOC_PIPE && type != LN_IOC_USER_AGENT) {
		char r[4097];
		uint8_t chg[4097];
		size_t m = refang(s, n, r, NULL, chg);
		bool changed = false;
		for (size_t k = 0; k < m; k++) changed |= chg[k] != 0;
		if (changed && parse_text(r, m, type, out)) {
			ok = true;
			out->flags |= LN_IOC_F_DEFANGED;
		}
	}
done:
	if (!ok) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	out->start = 0;
	out->len = total;
	return true;
}

/* ---- names ---- */

static const char *const type_names[LN_IOC_NTYPES] = {"ipv4",  "ipv6", "domain", "url",  "email", "user-agent",
                                                      "mutex", "pipe", "md5",    "sha1", "sha256"};

const char *ln_ioc_type_name(uint32_t type)
{
	return type < LN_IOC_NTYPES ? type_names[type] : "unknown";
}

int ln_ioc_type_from_name(const char *name)
{
	static const struct {
		const char *name;
		int type;
	} aliases[] = {
	        {"ip-dst", LN_IOC_IPV4},
	        {"ip-src", LN_IOC_IPV4},
	        {"ipv4-addr", LN_IOC_IPV4},
	        {"ipv6-addr", LN_IOC_IPV6},
	        {"hostname", LN_IOC_DOMAIN},
	        {"domain-name", LN_IOC_DOMAIN},
	        {"uri", LN_IOC_URL},
	        {"email-src", LN_IOC_EMAIL},
	        {"email-dst", LN_IOC_EMAIL},
	        {"email-addr", LN_IOC_EMAIL},
	        {"named pipe", LN_IOC_PIPE},
	        {"named-pipe", LN_IOC_PIPE},
	        {"useragent", LN_IOC_USER_AGENT},
	};
	if (!name) return -1;
	for (int t = 0; t < LN_IOC_NTYPES; t++)
		if (!strcasecmp(name, type_names[t])) return t;
	for (size_t k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++)
		if (!strcasecmp(name, aliases[k].name)) return aliases[k].type;
	return -1;
}

static const char *const flag_names[] = {"private",  "loopback",      "link-local", "multicast",
                                         "reserved", "documentation", "common",     "defanged"};

const char *ln_ioc_flag_name(uint32_t flag)
{
	for (unsigned b = 0; b < sizeof(flag_names) / sizeof(flag_names[0]); b++)
		if (flag == 1u << b) return flag_names[b];
	return NULL;
}

const char *ln_ioc_flag_names(uint32_t flags, char *buf, size_t cap)
{
	sbuf b;
	if (!buf || !cap) return buf;
	sb_init(&b, buf, cap);
	for (unsigned k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
		if (!(flags & (1u << k))) continue;
		if (b.len) sb_puts(&b, ", ");
		sb_puts(&b, flag_names[k]);
	}
	return buf;
}

/* ---- registrable domain, defanging ---- */

bool ln_ioc_registrable(const char *host, char *buf, size_t cap)
{
	if (buf && cap) buf[0] = 0;
	if (!host || !buf || !cap) return false;
	char h[256];
	size_t n = strlen(host);
	if (n && host[n - 1] == '.') n--;
	if (!n || n >= sizeof(h)) return false;
	bool digits = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return false; /* addresses in brackets, junk */
		h[i] = (char)to_lower(c);
		digits &= is_digit(c) || c == '.';
	}
	h[n] = 0;
	if (digits) return false;
	const char *r = NULL;
	const psl_ctx_t *p = psl();
	if (p)
		r = psl_registrable_domain(p, h);
	else {
		char *last = strrchr(h, '.');
		if (last) {
			r = h;
			for (char *d = last - 1; d > h; d--)
				if (*d == '.') {
					r = d + 1;
					break;
				}
		}
	}
	if (!r || strlen(r) >= cap) return false;
	memcpy(buf, r, strlen(r) + 1);
	return true;
}

/* The dots of s[0..n) as "[.]". */
static void put_defanged_dots(sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			sb_puts(b, "[.]");
		else
			sb_putc(b, s[i]);
	}
}

char *ln_ioc_defang(uint32_t type, const char *value, char *buf, size_t cap)
{
	sbuf b;
	if (!buf || !cap) return buf;
	sb_init(&b, buf, cap);
	if (!value) return buf;
	size_t n = strlen(value);
	switch (type) {
	case LN_IOC_URL: {
		const char *sep = strstr(value, "://");
		if (!sep) {
			put_defanged_dots(&b, value, n);
			break;
		}
		size_t sl = (size_t)(sep - value);
		if (sl == 4 && !strncasecmp(value, "http", 4))
			sb_puts(&b, "hxxp");
		else if (sl == 5 && !strncasecmp(value, "https", 5))
			sb_puts(&b, "hxxps");
		else if (sl == 3 && !strncasecmp(value, "ftp", 3))
			sb_puts(&b, "fxp");
		else
			sb_putn(&b, value, sl);
		sb_puts(&b, "://");
		const char *a = sep + 3, *ae = a;
		while (*ae && *ae != '/' && *ae != '?' && *ae != '#') ae++;
		const char *hs = a;
		for (const char *q = a; q < ae; q++)
			if (*q == '@') hs = q + 1;
		sb_putn(&b, a, (size_t)(hs - a));
		const char *he = hs;
		if (*hs == '[') {
			while (he < ae && *he != ']') he++;
			sb_putn(&b, hs, (size_t)(he - hs));
		} else {
			while (he < ae && *he != ':') he++;
			put_defanged_dots(&b, hs, (size_t)(he - hs));
		}
		sb_puts(&b, he);
		break;
	}
	case LN_IOC_DOMAIN: put_defanged_dots(&b, value, n); break;
	case LN_IOC_IPV4: {
		const char *last = strrchr(value, '.');
		if (!last) {
			sb_puts(&b, value);
			break;
		}
		sb_putn(&b, value, (size_t)(last - value));
		sb_puts(&b, "[.]");
		sb_puts(&b, last + 1);
		break;
	}
	case LN_IOC_EMAIL: {
		const char *at = strrchr(value, '@');
		if (!at) {
			sb_puts(&b, value);
			break;
		}
		sb_putn(&b, value, (size_t)(at - value));
		sb_puts(&b, "[@]");
		put_defanged_dots(&b, at + 1, strlen(at + 1));
		break;
	}
	default: sb_puts(&b, value); break;
	}
	return buf;
}
