/* libFuzzer target for the ELF loader (and everything after it: disassembly,
 * fingerprints, file hashes). Also built with fuzz/replay.c to replay
 * fuzz/corpus/elf/ in CTest. */
#include "fuzz_sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_sample(data, size, "fuzz.elf");
}
