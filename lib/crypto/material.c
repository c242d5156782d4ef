/* Key material and custom variants: RSA keys in CryptoAPI and CNG blobs, PEM
 * and DER, identified by the SHA-256 of the modulus so that one key stored
 * in two forms has one id; custom Base64 alphabets, reported as they are. */
#include "crypto.h"

#include <openssl/evp.h>
#include <stdio.h>

/* ------------------------------------------------------------------- DER */

typedef struct der {
	const uint8_t *p;
	size_t n;
} der;

/* Read one element: its tag and contents. */
static bool der_next(der *in, uint8_t *tag, der *body)
{
	if (in->n < 2) return false;
	*tag = in->p[0];
	size_t len = in->p[1], hdr = 2;
	if (len & 0x80) {
		size_t nb = len & 0x7f;
		if (nb == 0 || nb > 4 || in->n < 2 + nb) return false;
		len = 0;
		for (size_t i = 0; i < nb; i++) len = len << 8 | in->p[2 + i];
		hdr += nb;
	}
	if (len > in->n - hdr) return false;
	body->p = in->p + hdr;
	body->n = len;
	in->p += hdr + len;
	in->n -= hdr + len;
	return true;
}

static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_DSA[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t OID_EDWARDS[] = {0x2b, 0x65}; /* 1.3.101.110-113: X25519, X448, Ed25519, Ed448 */

/* The family of a public-key algorithm OID, or NULL. */
static const char *oid_family(der oid)
{
	if (oid.n == sizeof(OID_RSA) && !memcmp(oid.p, OID_RSA, oid.n)) return "rsa";
	if (oid.n == sizeof(OID_EC) && !memcmp(oid.p, OID_EC, oid.n)) return "ecc";
	if (oid.n == sizeof(OID_DSA) && !memcmp(oid.p, OID_DSA, oid.n)) return "dsa";
	if (oid.n == 3 && !memcmp(oid.p, OID_EDWARDS, 2) && oid.p[2] >= 110 && oid.p[2] <= 113) return "ecc";
	return NULL;
}

typedef struct keyinfo {
	const char *family; /* rsa, ecc, dsa */
	const uint8_t *mod; /* RSA modulus, big-endian; else the key's DER */
	size_t modlen;
	bool priv;
} keyinfo;

/* INTEGER contents without sign padding. */
static void strip(const uint8_t **p, size_t *n)
{
	while (*n > 1 && **p == 0) {
		(*p)++;
		(*n)--;
	}
}

/* RSAPublicKey ::= SEQUENCE { n, e }; RSAPrivateKey ::= SEQUENCE { 0, n, e, ... } */
static bool rsa_key(der seq, keyinfo *k)
{
	uint8_t tag;
	der outer, x;
	if (!der_next(&seq, &tag, &outer) || tag != 0x30) return false;
	if (!der_next(&outer, &tag, &x) || tag != 0x02) return false;
	if (x.n == 1 && x.p[0] == 0) { /* private: version 0 */
		k->priv = true;
		if (!der_next(&outer, &tag, &x) || tag != 0x02) return false;
	}
	if (x.n < 64) return false; /* a modulus, not a small integer */
	k->family = "rsa";
	k->mod = x.p;
	k->modlen = x.n;
	strip(&k->mod, &k->modlen);
	return true;
}

/* SubjectPublicKeyInfo, PKCS#8 PrivateKeyInfo, or a bare RSA key. */
static bool der_key(const uint8_t *p, size_t n, keyinfo *k)
{
	der all = {p, n}, top, seq;
	uint8_t tag;
	if (!der_next(&all, &tag, &top) || tag != 0x30) return false;
	size_t total = (size_t)(all.p - p);
	seq = top;
	der first, alg, oid;
	if (!der_next(&seq, &tag, &first)) return false;
	if (tag == 0x02 && first.n == 1 && first.p[0] == 0) { /* PKCS#8 or RSAPrivateKey */
		der save = seq;
		if (der_next(&seq, &tag, &alg) && tag == 0x30) { /* PKCS#8 */
			k->priv = true;
			der a = alg;
			if (!der_next(&a, &tag, &oid) || tag != 0x06) return false;
			der oct;
			const char *fam = oid_family(oid);
			if (!fam) return false;
			if (!strcmp(fam, "rsa")) {
				if (!der_next(&seq, &tag, &oct) || tag != 0x04 || !rsa_key(oct, k)) return false;
				k->priv = true;
				return true;
			}
			k->family = fam; /* EC, DSA, Edwards: the key's DER identifies it */
			k->mod = p;
			k->modlen = total;
			return true;
		}
		seq = save;
		(void)seq;
		return rsa_key((der){p, total}, k);
	}
	if (tag == 0x30) { /* SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING */
		der a = first, bits;
		if (!der_next(&a, &tag, &oid) || tag != 0x06) return false;
		if (!der_next(&seq, &tag, &bits) || tag != 0x03 || bits.n < 2 || bits.p[0] != 0) return false;
		const char *fam = oid_family(oid);
		if (!fam) return false;
		if (!strcmp(fam, "rsa")) return rsa_key((der){bits.p + 1, bits.n - 1}, k);
		k->family = fam;
		k->mod = bits.p + 1;
		k->modlen = bits.n - 1;
		return true;
	}
	if (tag == 0x02 && first.n >= 64) return rsa_key((der){p, total}, k); /* RSAPublicKey */
	return false;
}

/* ------------------------------------------------------------ findings */

static void key_finding(ln_crypto *c, const keyinfo *k, const char *form, uint64_t off, uint32_t size,
                        const char *source)
{
	unsigned char h[32];
	unsigned hl = 0;
	if (!EVP_Digest(k->mod, k->modlen, h, &hl, EVP_sha256(), NULL)) return;
	char id[80];
	snprintf(id, sizeof(id), "%s:sha256:%s", k->family, ln_crypto_hex(c, h, 16));
	const char *desc;
	if (!strcmp(k->family, "rsa"))
		desc = ln_crypto_fmt(c, "RSA-%zu %s key (%s)", k->modlen * 8, k->priv ? "private" : "public", form);
	else
		desc = ln_crypto_fmt(c, "%s %s key (%s)", !strcmp(k->family, "ecc") ? "EC" : "DSA",
		                     k->priv ? "private" : "public", form);
	lineage_crypto_finding *f = ln_crypto_add(c, k->family, k->family, "blob", source, desc, id);
	if (!f) return;
	f->flags |= LINEAGE_CRYPTO_MATERIAL;
	ln_crypto_at_offset(c, f, off, size);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A PEM block at p: decode its body (up to the END line) into out. */
static size_t pem_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap, char *label, size_t lcap)
{
	static const char begin[] = "-----BEGIN ";
	if (n < sizeof(begin) || memcmp(p, begin, sizeof(begin) - 1)) return 0;
	size_t i = sizeof(begin) - 1, l = 0;
	while (i < n && p[i] != '-' && l + 1 < lcap) label[l++] = (char)p[i++];
	label[l] = 0;
	while (i < n && p[i] == '-') i++;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (; i < n && p[i] != '-'; i++) {
		int v = ln_base64_value(p[i]);
		if (v < 0) {
			if (p[i] == '=' || p[i] == '\r' || p[i] == '\n' || p[i] == ' ' || p[i] == '\\') continue;
			if (p[i] == 'n' && i && p[i - 1] == '\\') continue;
			return 0;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap) return 0;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o;
}

void ln_crypto_blob(ln_crypto *c, const char *kind, uint64_t off)
{
	const lineage_binary *bin = c->bin;
	if (off >= bin->size) return;
	const uint8_t *p = bin->data + off;
	size_t n = bin->size - off;
	keyinfo k = {0};
	if (!strcmp(kind, "capi")) {
		/* BLOBHEADER {type, version, reserved, alg} + RSAPUBKEY {magic, bitlen, pubexp} + modulus (LE) */
		size_t at = 0;
		if (n >= 20 && (p[0] == 6 || p[0] == 7) && p[1] == 2 &&
		    (!memcmp(p + 8, "RSA1", 4) || !memcmp(p + 8, "RSA2", 4)))
			at = 8;
		else if (n < 12 || (memcmp(p, "RSA1", 4) && memcmp(p, "RSA2", 4)))
			return;
		uint32_t bitlen = le32(p + at + 4);
		if (bitlen < 256 || bitlen > 16384 || bitlen % 8 || n < at + 12 + bitlen / 8) return;
		size_t ml = bitlen / 8;
		uint8_t *be = ln_malloc(ml);
		if (!be) {
			c->oom = true;
			return;
		}
		for (size_t i = 0; i < ml; i++) be[i] = p[at + 12 + ml - 1 - i];
		k = (keyinfo){"rsa", be, ml, p[at + 3] == '2'};
		strip(&k.mod, &k.modlen);
		key_finding(c, &k,
		            at ? (k.priv ? "CryptoAPI PRIVATEKEYBLOB" : "CryptoAPI PUBLICKEYBLOB")
		               : "CryptoAPI RSAPUBKEY",
		            off, (uint32_t)(at + 12 + ml), "rule:capi-key-blob");
		ln_free(be);
	} else if (!strcmp(kind, "bcrypt")) {
		/* BCRYPT_RSAKEY_BLOB {magic, BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2} + e + n (BE) */
		if (n < 24) return;
		uint32_t bits = le32(p + 4), ce = le32(p + 8), cm = le32(p + 12);
		if (bits < 256 || bits > 16384 || ce == 0 || ce > 16 || cm != (bits + 7) / 8 ||
		    n < 24 + (size_t)ce + cm)
			return;
		k = (keyinfo){"rsa", p + 24 + ce, cm, p[3] != '1'};
		strip(&k.mod, &k.modlen);
		key_finding(c, &k, "BCRYPT_RSAKEY_BLOB", off, 24 + ce + cm, "rule:bcrypt-key-blob");
	} else if (!strcmp(kind, "pem")) {
		uint8_t buf[8192];
		char label[64];
		size_t m = pem_decode(p, n < 16384 ? n : 16384, buf, sizeof(buf), label, sizeof(label));
		if (!m) return;
		if (strstr(label, "CERTIFICATE")) {
			unsigned char h[32];
			unsigned hl = 0;
			if (!EVP_Digest(buf, m, h, &hl, EVP_sha256(), NULL)) return;
			lineage_crypto_finding *f =
			        ln_crypto_add(c, "rsa", "x509", "blob", "rule:pem",
			                      ln_crypto_fmt(c, "PEM certificate (%zu bytes of DER)", m),
			                      ln_crypto_fmt(c, "cert:sha256:%s", ln_crypto_hex(c, h, 32)));
			if (!f) return;
			f->flags |= LINEAGE_CRYPTO_MATERIAL;
			ln_crypto_at_offset(c, f, off, (uint32_t)m);
			return;
		}
		if (strstr(label, "DSA PRIVATE KEY") || strstr(label, "EC PRIVATE KEY")) {
			/* traditional OpenSSL forms: the DER itself identifies the key */
			k = (keyinfo){strstr(label, "DSA") ? "dsa" : "ecc", buf, m, true};
		} else if (!der_key(buf, m, &k)) {
			return;
		}
		key_finding(c, &k, ln_crypto_fmt(c, "PEM %s", label), off, (uint32_t)m, "rule:pem");
	} else if (!strcmp(kind, "der")) {
		if (!der_key(p, n < 65536 ? n : 65536, &k)) return;
		key_finding(c, &k, "DER", off, 0, "rule:der-key");
	}
}

/* ------------------------------------------------------ Base64 alphabets */

static const char STD64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Published alphabets that are not the standard one: reported by name, not
 * as material (many unrelated programs carry them). */
static const struct {
	const char *alphabet, *name;
} known64[] = {
        {"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "base64-crypt"},
        {"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "base64-bcrypt"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./", "base64-crypt-alt"},
        {"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/", "base64-xx"},
};

static bool alnum(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* A candidate alphabet: a C string of 64 distinct printable characters
 * (65 with '=' for padding), at least 60 of them letters or digits. The standard and URL-safe alphabets are the rules' business. */
static bool alphabet_at(const uint8_t *p, size_t len)
{
	if (len != 64 && !(len == 65 && p[64] == '=')) return false;
	uint8_t seen[256] = {0};
	unsigned al = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f || seen[p[i]]++) return false;
		al += alnum(p[i]);
	}
	if (al < 60) return false;
	return memcmp(p, STD64, 64) != 0 && memcmp(p, URL64, 64) != 0;
}

void ln_crypto_alphabets(ln_crypto *c)
{
	const lineage_binary *bin = c->bin;
	/* the data sections, or all of a raw blob */
	lineage_section whole = {.offset = 0, .size = bin->size, .flags = LINEAGE_SEC_ALLOC};
	bool raw = bin->format == LINEAGE_FORMAT_RAW;
	size_t nsec = raw ? 1 : bin->nsections;
	for (size_t s = 0; s < nsec && !c->oom; s++) {
		const lineage_section *sec = raw ? &whole : &bin->sections[s];
		if ((sec->flags & LINEAGE_SEC_EXEC) || !sec->size || sec->offset >= bin->size) continue;
		if (!(sec->flags & LINEAGE_SEC_ALLOC)) continue;
		uint64_t len = sec->size < bin->size - sec->offset ? sec->size : bin->size - sec->offset;
		const uint8_t *p = bin->data + sec->offset;
		uint64_t i = 0;
		unsigned found = 0;
		while (i < len && found < 16) {
			if (p[i] <= 0x20 || p[i] >= 0x7f) {
				i++;
				continue;
			}
			uint64_t j = i;
			while (j < len && p[j] > 0x20 && p[j] < 0x7f) j++;
			/* the string must end with its NUL and start after one (or at the section's start) */
			if (j < len && p[j] == 0 && (i == 0 || p[i - 1] == 0) && alphabet_at(p + i, j - i)) {
				char a[66];
				memcpy(a, p + i, j - i);
				a[j - i] = 0;
				const char *known = NULL;
				for (size_t k = 0; k < sizeof(known64) / sizeof(known64[0]) && !known; k++)
					if (!memcmp(a, known64[k].alphabet, 64)) known = known64[k].name;
				lineage_crypto_finding *f =
				        ln_crypto_add(c, "base64", known ? known : "base64-custom", "alphabet",
				                      "data:base64-alphabet",
				                      known ? "published non-standard Base64 alphabet"
				                            : "custom Base64 alphabet (64 distinct characters)",
				                      a);
				if (!f) return;
				if (!known) f->flags |= LINEAGE_CRYPTO_MATERIAL;
				ln_crypto_at_offset(c, f, sec->offset + i, (uint32_t)(j - i));
				found++;
			}
			i = j;
		}
	}
}
