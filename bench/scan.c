/* bench/scan: speed of lineage's code analysis (load, function discovery,
 * disassembly, fingerprints) next to Zydis's raw linear decode of the same
 * executable bytes, measured in the same run so the ratio means something on
 * a noisy machine.
 *   usage: bench_scan [--repeat N] FILE...   (default: large libraries of this machine) */
#include <Zydis/Zydis.h>
#include <lineage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: on a shared machine it moves less than wall time
 * with the neighbours' load; both sides are measured the same way, best of N. */
static long long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return 0;
	fseek(f, 0, SEEK_END);
	long long n = ftell(f);
	fclose(f);
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Linear sweep with full operand decoding over every executable section. */
static uint64_t zydis_sweep(const lineage_binary *b, uint64_t *bytes)
{
	ZydisDecoder d;
	if (b->bits == 64)
		ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	else
		ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	uint64_t n = 0;
	*bytes = 0;
	for (size_t i = 0; i < b->nsections; i++) {
		const lineage_section *s = &b->sections[i];
		if (!(s->flags & LINEAGE_SEC_EXEC) || !s->size || s->offset + s->size > b->size) continue;
		const uint8_t *p = b->data + s->offset;
		uint64_t off = 0, len = s->size;
		*bytes += len;
		ZydisDecodedInstruction insn;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		while (off < len) {
			if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, p + off, len - off, &insn, ops))) {
				off += insn.length;
				n++;
			} else {
				off++;
			}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	int repeat = 7, first = 1;
	if (argc > 2 && !strcmp(argv[1], "--repeat")) {
		repeat = atoi(argv[2]);
		first = 3;
	}
	static const char *defaults[] = {"/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
	                                 "/usr/lib/x86_64-linux-gnu/libc.so.6",
	                                 "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0",
	                                 "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
	                                 "/usr/lib/gcc/x86_64-w64-mingw32/12-win32/libstdc++-6.dll",
	                                 "/usr/lib/gcc/i686-w64-mingw32/12-win32/libstdc++-6.dll",
	                                 "/usr/bin/cmake"};
	const char **files = (const char **)argv + first;
	int nfiles = argc - first;
	if (nfiles <= 0) {
		files = defaults;
		nfiles = (int)(sizeof(defaults) / sizeof(defaults[0]));
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx)) return 3;
	printf("%-28s %9s %8s %9s %11s %11s %10s %6s\n", "file", "code MB", "funcs", "lineage", "funcs/s", "zydis raw",
	       "lineage", "ratio");
	printf("%-28s %9s %8s %9s %11s %11s %10s %6s\n", "", "", "", "MB/s", "", "MB/s", "insns/s", "");
	double tot_l = 0, tot_z = 0, tot_bytes = 0, tot_all = 0, tot_file = 0;
	for (int i = 0; i < nfiles; i++) {
		double best_l = 1e9, best_z = 1e9, best_all = 1e9;
		size_t nf = 0;
		uint64_t ninsn = 0, code_bytes = 0;
		for (int r = 0; r < repeat; r++) {
			lineage_sample *s;
			double t0 = now();
			if (lineage_sample_load_file(&s, ctx, files[i]) != 0) {
				fprintf(stderr, "skip %s: %s\n", files[i], lineage_errmsg(ctx));
				break;
			}
			lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_CODE);
			double t1 = now();
			lineage_sample_functions(s, &nf);
			ninsn = lineage_sample_instructions(s);
			if (t1 - t0 < best_l) best_l = t1 - t0;
			double t2 = now();
			uint64_t zn = zydis_sweep(lineage_sample_binary(s), &code_bytes);
			double t3 = now();
			(void)zn;
			if (t3 - t2 < best_z) best_z = t3 - t2;
			lineage_sample_free(s);
			/* the whole of `lineage scan`: also the file hashes */
			double t4 = now();
			if (lineage_sample_load_file(&s, ctx, files[i]) == 0) {
				lineage_sample_analyze(s, ctx, LINEAGE_ANALYZE_ALL);
				double t5 = now();
				if (t5 - t4 < best_all) best_all = t5 - t4;
				lineage_sample_free(s);
			}
		}
		if (best_l >= 1e9 || !code_bytes) continue;
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		double mb = (double)code_bytes / 1e6;
		printf("%-28.28s %9.2f %8zu %9.1f %11.0f %11.1f %10.0f %6.2f\n", base, mb, nf, mb / best_l,
		       (double)nf / best_l, mb / best_z, (double)ninsn / best_l, best_z / best_l);
		tot_l += best_l;
		tot_all += best_all;
		tot_file += (double)file_size(files[i]) / 1e6;
		tot_z += best_z;
		tot_bytes += mb;
	}
	if (tot_l > 0)
		printf("\ntotal: lineage %.1f MB/s of code, zydis raw decode %.1f MB/s; lineage/raw = %.2f (target >= "
		       "0.50)\n",
		       tot_bytes / tot_l, tot_bytes / tot_z, tot_z / tot_l);
	if (tot_all > 0)
		printf("whole scan with file hashes (sha256, md5, imphash, ssdeep, TLSH): %.1f MB/s of file, %.1f MB/s "
		       "of "
		       "code\n",
		       tot_file / tot_all, tot_bytes / tot_all);
	lineage_ctx_free(ctx);
	return 0;
}
