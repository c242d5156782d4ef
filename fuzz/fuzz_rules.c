/* libFuzzer target for the capability rule parser (lib/rules/parse.c): any
 * bytes as a rule file. Seeds: fuzz/corpus/rules/. Also replayed in CTest. */
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ln_arena *a = ln_arena_new();
	if (!a) return 0;
	ln_vec v;
	ln_vec_init(&v, sizeof(ln_rule));
	char err[256];
	ln_rules_parse_buffer(&v, a, "fuzz.yml", data, size, err, sizeof(err));
	ln_vec_free(&v);
	ln_arena_free(a);
	return 0;
}
