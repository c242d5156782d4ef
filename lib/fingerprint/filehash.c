/* Whole-file fingerprints: sha256, md5, imphash (pefile's definition), ssdeep
 * (libfuzzy) and TLSH. */
#include "fingerprint.h"

#include <ctype.h>
#include <strings.h>
#include <fuzzy.h>
#include <openssl/evp.h>
#include <stdio.h>

int ln_tlsh_hash(char *out, size_t cap, const unsigned char *data, unsigned long long len);

static bool digest(char *hex, const EVP_MD *md, const void *p, size_t n)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(p, n, out, &len, md, NULL)) return false;
	ln_hex(hex, out, len);
	return true;
}

/* pefile: library name lower-cased without .dll/.ocx/.sys, function name
 * lower-cased, "ord%u" for ordinals; "lib.func" joined by commas. Delay-load
 * imports are not part of it. */
static int imphash(char out[33], const lineage_binary *bin)
{
	out[0] = 0;
	if (bin->format != LINEAGE_FORMAT_PE || !bin->nimports) return 0;
	size_t cap = 0;
	for (size_t i = 0; i < bin->nimports; i++) {
		const lineage_import *im = &bin->imports[i];
		cap += strlen(im->library) + (im->name ? strlen(im->name) : 16) + 3;
	}
	char *s = ln_malloc(cap + 1);
	if (!s) return LINEAGE_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < bin->nimports; i++) {
		const lineage_import *im = &bin->imports[i];
		if (im->flags & LINEAGE_IMPORT_DELAY) continue;
		if (n) s[n++] = ',';
		size_t ll = strlen(im->library);
		const char *dot = strrchr(im->library, '.');
		if (dot && (!strcasecmp(dot, ".dll") || !strcasecmp(dot, ".ocx") || !strcasecmp(dot, ".sys")))
			ll = (size_t)(dot - im->library);
		for (size_t j = 0; j < ll; j++) s[n++] = (char)tolower((unsigned char)im->library[j]);
		s[n++] = '.';
		if (im->name) {
			for (const char *c = im->name; *c; c++) s[n++] = (char)tolower((unsigned char)*c);
		} else {
			n += (size_t)snprintf(s + n, cap + 1 - n, "ord%u", im->ordinal);
		}
	}
	s[n] = 0;
	if (n) digest(out, EVP_md5(), s, n);
	ln_free(s);
	return 0;
}

int ln_fp_file(lineage_file_hashes *out, const lineage_binary *bin)
{
	memset(out, 0, sizeof(*out));
	digest(out->sha256, EVP_sha256(), bin->data, (size_t)bin->size);
	digest(out->md5, EVP_md5(), bin->data, (size_t)bin->size);
	int rc = imphash(out->imphash, bin);
	if (rc) return rc;
	if (bin->size <= UINT32_MAX) {
		char fz[FUZZY_MAX_RESULT];
		if (fuzzy_hash_buf(bin->data, (uint32_t)bin->size, fz) == 0 && strlen(fz) < sizeof(out->ssdeep))
			memcpy(out->ssdeep, fz, strlen(fz) + 1);
	}
	ln_tlsh_hash(out->tlsh, sizeof(out->tlsh), bin->data, bin->size);
	return 0;
}
