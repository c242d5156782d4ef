/* Signature similarity shared by match.c and cluster.c (sigsim.h). */
#include "sigsim.h"

#include <string.h>

bool ln_sigsim_distinctive(const lineage_function_sig *a, const lineage_function_sig *b)
{
	/* Structure alone (sizes, imports, field offsets) is shared by too much
	 * unrelated code to stand as kinship. */
	static const unsigned parts[] = {LINEAGE_SIG_DATA, LINEAGE_SIG_CONSTS};
	for (size_t i = 0; i < 2; i++) {
		unsigned p = parts[i];
		if (a->nfeatures[p] < 2 || b->nfeatures[p] < 2) continue;
		if (lineage_sig_part_similarity(a->part[p], b->part[p]) >= 0.5) return true;
	}
	return false;
}

/* The fields lineage_function_similarity() reads, in a lineage_function. */
static void as_function(lineage_function *out, const ln_sigsim_fn *f)
{
	memset(out, 0, sizeof(*out));
	out->ninsn = f->ninsn;
	out->nblocks = f->nblocks;
	memcpy(out->minhash, f->minhash, sizeof(out->minhash));
	out->sig = *f->sig;
}

double ln_sigsim_similarity(const ln_sigsim_fn *a, const ln_sigsim_fn *b)
{
	if (!a->sig || !a->minhash || !b->sig || !b->minhash || !ln_sigsim_distinctive(a->sig, b->sig)) return 0;
	lineage_function x, y;
	as_function(&x, a);
	as_function(&y, b);
	return lineage_function_similarity(&x, &y);
}
