/* Crypto findings from the rule set's YARA matches (lib/rules): a rule's
 * meta says what it finds (family, algorithm, kind, description, and blob for
 * key material); rules without a family belong to the other axes. */
#include "crypto.h"

#include "../rules/set.h"

int ln_crypto_rules(ln_crypto *c)
{
	lineage_sample *s = c->s;
	for (size_t i = 0; i < s->nyhits && !c->oom; i++) {
		const ln_yhit *h = &s->yhits[i];
		const char *family = ln_yara_meta(h->rule, "family");
		if (!family || !h->length) continue;
		const char *algorithm = ln_yara_meta(h->rule, "algorithm");
		const char *kind = ln_yara_meta(h->rule, "kind");
		const char *blob = ln_yara_meta(h->rule, "blob");
		const char *mat = ln_yara_meta(h->rule, "material");
		bool material = mat && (!strcmp(mat, "yes") || !strcmp(mat, "true"));
		if (blob) {
			ln_crypto_blob(c, blob, h->offset);
			continue;
		}
		/* a rule may say its bytes are material (an analyst's rule for one
		 * family's key or configuration): they become its value */
		const char *value = NULL;
		if (material && h->offset < c->bin->size) {
			size_t len = h->length < 64 ? h->length : 64;
			if (len > c->bin->size - h->offset) len = (size_t)(c->bin->size - h->offset);
			value = ln_crypto_hex(c, c->bin->data + h->offset, len);
		}
		lineage_crypto_finding *f = ln_crypto_add(c, family, algorithm ? algorithm : family,
		                                          kind ? kind : "table", ln_crypto_fmt(c, "rule:%s", h->name),
		                                          ln_yara_meta(h->rule, "description"), value);
		if (!f) break;
		if (material) f->flags |= LINEAGE_CRYPTO_MATERIAL;
		ln_crypto_at_offset(c, f, h->offset, h->length);
	}
	return c->oom ? ln_ctx_error(c->ctx, LINEAGE_ENOMEM, "%s: out of memory", c->bin->path) : 0;
}
