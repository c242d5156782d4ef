/* libFuzzer target for the crypto axis's parsers of hostile bytes: key blobs
 * (CryptoAPI, CNG), PEM and DER keys, Base64 alphabets and API-hash words,
 * reached through the rules on a raw blob. Seeds: fuzz/corpus/keys/ (key
 * material carved from the test fixtures). Also replayed in CTest. */
#include "fuzz_sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_sample(data, size, "fuzz.bin");
}
