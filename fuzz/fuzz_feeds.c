/* libFuzzer target for the threat-intelligence feed parsers
 * (lib/infra/feeds.c): any bytes as a feed, read with format detection and
 * as each of STIX 2.1, MISP and CSV. What a feed yields is then exported
 * as a STIX bundle (lib/infra/stix.c) and read back, which must succeed with
 * as many records: our own output is always a valid feed. Seeds:
 * fuzz/corpus/feeds/ (the fixture feeds). Also replayed in CTest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Export the records as indicators and read the bundle back. */
static void round_trip(const ln_vec *v)
{
	size_t n = v->len < 256 ? v->len : 256;
	if (!n) return;
	ln_stix_indicator *ind = calloc(n, sizeof(*ind));
	ln_stix_actor *actors = calloc(n, sizeof(*actors));
	if (!ind || !actors) goto done;
	size_t nactors = 0;
	for (size_t i = 0; i < n; i++) {
		const ln_feed_ioc *r = &LN_VEC_AT(v, ln_feed_ioc, i);
		ind[i] = (ln_stix_indicator){.type = r->type,
		                             .value = r->value,
		                             .actor = SIZE_MAX,
		                             .first_seen = r->first_seen,
		                             .last_seen = r->last_seen,
		                             .confidence = r->confidence,
		                             .source = r->source};
		if (r->actor) {
			actors[nactors] = (ln_stix_actor){.name = r->actor};
			ind[i].actor = nactors++;
		}
	}
	ln_stix_export x = {.indicators = ind,
	                    .nindicators = n,
	                    .actors = actors,
	                    .nactors = nactors,
	                    .now = "2026-01-01T00:00:00.000Z"};
	char *text = ln_stix_write(&x);
	if (!text) goto done;
	ln_arena *a = ln_arena_new();
	ln_vec back;
	ln_vec_init(&back, sizeof(ln_feed_ioc));
	size_t skipped;
	char err[256];
	if (a) {
		int rc = ln_feed_parse("export.json", (const uint8_t *)text, strlen(text), LN_FEED_AUTO, a, &back,
		                       &skipped, err, sizeof(err));
		if (rc != 0 || back.len != n) abort();
		for (size_t i = 0; i < n; i++)
			if (LN_VEC_AT(&back, ln_feed_ioc, i).type != ind[i].type) abort();
	}
	ln_vec_free(&back);
	ln_arena_free(a);
	free(text);
done:
	free(ind);
	free(actors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int format = LN_FEED_AUTO; format <= LN_FEED_CSV; format++) {
		ln_arena *a = ln_arena_new();
		if (!a) return 0;
		ln_vec v;
		ln_vec_init(&v, sizeof(ln_feed_ioc));
		size_t skipped;
		char err[256];
		int rc = ln_feed_parse("fuzz.feed", data, size, format, a, &v, &skipped, err, sizeof(err));
		if (rc == 0 && format == LN_FEED_AUTO) round_trip(&v);
		ln_vec_free(&v);
		ln_arena_free(a);
	}
	return 0;
}
