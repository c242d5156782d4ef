// TLSH distance for the kinship benchmark (the TLSH library is C++).
#include <tlsh.h>

extern "C" int bench_tlsh_diff(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b) return -1;
	try {
		Tlsh x, y;
		if (x.fromTlshStr(a) != 0 || y.fromTlshStr(b) != 0) return -1;
		return x.totalDiff(&y);
	} catch (...) {
		return -1;
	}
}
