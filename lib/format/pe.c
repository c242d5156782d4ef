/* PE32/PE32+ loader (stub until implemented). */
#include "format.h"

#include <stdio.h>

bool ln_pe_detect(const ln_buf *b)
{
	uint16_t mz;
	return ln_rd_u16le(b, 0, &mz) && mz == 0x5a4d;
}

int ln_pe_load(ln_load *ld)
{
	snprintf(ld->err, sizeof(ld->err), "PE loader not implemented");
	return LINEAGE_EUNSUPPORTED;
}
