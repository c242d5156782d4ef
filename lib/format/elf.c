/* ELF32/ELF64 loader (stub until implemented). */
#include "format.h"

#include <stdio.h>

bool ln_elf_detect(const ln_buf *b)
{
	const uint8_t *p = ln_rd_ptr(b, 0, 4);
	return p && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

int ln_elf_load(ln_load *ld)
{
	snprintf(ld->err, sizeof(ld->err), "ELF loader not implemented");
	return LINEAGE_EUNSUPPORTED;
}
