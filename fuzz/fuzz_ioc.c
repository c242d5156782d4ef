/* libFuzzer target for the indicator recognizers (lib/infra/ioc.c): any
 * bytes as a string of a binary (ln_ioc_scan with each option set) and as a
 * feed's value (ln_ioc_parse guessing and with each type); every indicator
 * found is defanged and must parse again as its type. Seeds:
 * fuzz/corpus/ioc/. Also replayed in CTest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_ioc(const ln_ioc *o, void *arg)
{
	size_t len = *(const size_t *)arg;
	char buf[2048];
	ln_ioc again;
	if (o->type >= LN_IOC_NTYPES || o->start > len || o->len > len - o->start) abort();
	if (strnlen(o->value, sizeof(o->value)) >= sizeof(o->value) || !o->value[0]) abort();
	if (strnlen(o->host, sizeof(o->host)) >= sizeof(o->host)) abort();
	ln_ioc_defang(o->type, o->value, buf, sizeof(buf));
	ln_ioc_defang(o->type, o->value, buf, 7);
	/* a value the scan reports is a value of its type */
	if (!ln_ioc_parse(o->value, (int)o->type, &again)) abort();
	if (o->host[0]) {
		char reg[256];
		ln_ioc_registrable(o->host, reg, sizeof(reg));
	}
	ln_ioc_flag_names(o->flags, buf, sizeof(buf));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned opts[] = {0, LN_IOC_SCAN_STRICT, LN_IOC_SCAN_DEFANGED,
	                                LN_IOC_SCAN_STRICT | LN_IOC_SCAN_DEFANGED};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		ln_ioc_scan((const char *)data, size, opts[i], on_ioc, &size);

	/* as one value: NUL-terminated, cut where a NUL is */
	char *s = malloc(size + 1);
	if (!s) return 0;
	memcpy(s, data, size);
	s[size] = 0;
	ln_ioc o;
	char buf[1024];
	for (int type = -1; type < LN_IOC_NTYPES; type++)
		if (ln_ioc_parse(s, type, &o)) {
			if (type >= 0 && o.type != (uint32_t)type) abort();
			ln_ioc_defang(o.type, o.value, buf, sizeof(buf));
		}
	ln_ioc_domain_flags(s);
	ln_ioc_registrable(s, buf, sizeof(buf));
	ln_ioc_type_from_name(s);
	free(s);
	return 0;
}
