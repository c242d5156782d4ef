// The TLSH library is C++; this is the one C++ file, a C entry point to it.
#include <tlsh.h>

#include <string.h>

extern "C" __attribute__((visibility("hidden"))) int ln_tlsh_hash(char *out, size_t cap, const unsigned char *data,
								 unsigned long long len)
{
	out[0] = 0;
	if (len < 256 || len > 0xffffffffull) return -1;
	try {
		Tlsh t;
		t.final(data, (unsigned int)len);
		char buf[TLSH_STRING_BUFFER_LEN];
		const char *h = t.getHash(buf, sizeof(buf));
		size_t n = h ? strlen(h) : 0;
		if (!n || n >= cap) return -1;
		memcpy(out, h, n + 1);
		return 0;
	} catch (...) {
		return -1;
	}
}
