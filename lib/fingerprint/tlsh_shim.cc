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
		if (!h || !*h || strlen(h) >= cap) return -1;
		strcpy(out, h);
		return 0;
	} catch (...) {
		return -1;
	}
}
