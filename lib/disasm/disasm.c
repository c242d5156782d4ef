/* Function discovery and disassembly (stub until implemented). */
#include "disasm.h"

int ln_disasm_run(ln_disasm_out *out, const lineage_binary *bin, ln_arena *a, const lineage_limits *lim)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

int lineage_function_normalized_text(char **out, const lineage_binary *bin, const lineage_function *fn)
{
	*out = ln_strdup("");
	return *out ? 0 : LINEAGE_ENOMEM;
}
