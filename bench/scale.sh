#!/usr/bin/env bash
# Corpus scale and LSH recall (issue 3), on real binaries of this machine:
#  1. bench_lsh_recall: of the true near-duplicate function pairs (Jaccard of
#     instruction 3-grams >= 0.5) between two builds of the same code, the
#     share the corpus's LSH banding (21 bands of 3 rows) returns as
#     candidates, next to other bandings measured in the same run.
#  2. bench_corpus_scale: add throughput, match latency and memory as the
#     corpus grows from 10k to 1M+ stored functions, next to a brute-force
#     scan of every stored MinHash.
# Builds into build-bench/ (RelWithDebInfo, benchmarks on); the corpus goes to
# $LINEAGE_SCALE_DB (default /tmp/lineage-scale.db) and is removed at the end
# unless KEEP_DB=1. Nothing analyzed is ever run.
#   usage: bench/scale.sh [recall|scale|all]   (default all)
#   env:   STEPS=10k,30k,100k,300k,1M  RUNS=3  MAX_A=3000 (functions of each first binary of a
#          recall pair, sampled)  INSTALL=1 (apt-get install llvm-14's library when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
what=${1:-all}
bdir=$root/build-bench
db=${LINEAGE_SCALE_DB:-/tmp/lineage-scale.db}
steps=${STEPS:-10k,30k,100k,300k,1M}
runs=${RUNS:-3}
start=$(date +%s)

command -v cmake >/dev/null || bash scripts/install-deps.sh
cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINEAGE_BUILD_BENCH=ON -DLINEAGE_BUILD_TESTS=OFF >/dev/null
cmake --build "$bdir" -j"$(nproc)" --target bench_lsh_recall bench_corpus_scale >/dev/null

if [ "$what" = all ] || [ "$what" = recall ]; then
	# Pairs of builds of the same code: zlib, Lua, bzip2 and Mbed TLS built
	# by gcc and clang at -O0..-O3 and -Os (bench/funcsim.sh builds them into
	# build/bench-funcsim/bin), the test suite's real-code builds (gcc,
	# clang, mingw-w64; scripts/test.sh builds build/realcode/bin), then
	# libraries and programs of this machine built twice by different
	# toolchains (GCC 12's own runtime and compiler, for Linux and for
	# mingw-w64).
	fs=$root/build/bench-funcsim/bin
	rc=$root/build/realcode/bin
	[ -d "$fs" ] || echo "note: $fs is missing (bench/funcsim.sh builds it)" >&2
	[ -d "$rc" ] || echo "note: $rc is missing (scripts/test.sh builds it)" >&2
	pairs=()
	add_pair() { if [ -f "$1" ] && [ -f "$2" ]; then pairs+=("$1" "$2"); fi; }
	for p in zlib lua bzip2 mbedtls; do
		for c in gcc clang; do
			add_pair "$fs/$p-$c-O1" "$fs/$p-$c-O2"
			add_pair "$fs/$p-$c-O2" "$fs/$p-$c-O3"
			add_pair "$fs/$p-$c-O2" "$fs/$p-$c-Os"
			add_pair "$fs/$p-$c-O0" "$fs/$p-$c-O2"
		done
		add_pair "$fs/$p-gcc-O2" "$fs/$p-clang-O2"
	done
	add_pair "$rc/libz-gcc-O2.so" "$rc/zlib1-mingw64-O2.dll"
	add_pair "$rc/lua-gcc-O2" "$rc/lua-mingw64-O2.exe"
	add_pair "$rc/libbz2-gcc-Os.so" "$rc/libbz2-mingw64-Os.dll"
	m64=/usr/lib/gcc/x86_64-w64-mingw32/12-win32
	add_pair /usr/lib/x86_64-linux-gnu/libstdc++.so.6 "$m64/libstdc++-6.dll"
	add_pair /usr/lib/x86_64-linux-gnu/libgomp.so.1 "$m64/libgomp-1.dll"
	add_pair /usr/lib/x86_64-linux-gnu/libquadmath.so.0 "$m64/libquadmath-0.dll"
	add_pair /usr/lib/x86_64-linux-gnu/libgfortran.so.5 "$m64/libgfortran-5.dll"
	add_pair /usr/lib/gcc/x86_64-linux-gnu/12/cc1 "$m64/cc1"
	echo "== LSH recall: $((${#pairs[@]} / 2)) pairs of binaries" >&2
	"$bdir/bench/bench_lsh_recall" --max-a "${MAX_A:-3000}" "${pairs[@]}"
	echo
fi

if [ "$what" = all ] || [ "$what" = scale ]; then
	# Big real binaries: LLVM's library when it is not there yet (Debian 12).
	if [ "${INSTALL:-1}" = 1 ] && ! ls /usr/lib/x86_64-linux-gnu/libLLVM-1*.so.1 >/dev/null 2>&1; then
		apt-get install -y libllvm14 >/dev/null 2>&1 ||
			{ apt-get update >/dev/null && apt-get install -y libllvm14 >/dev/null; } || true
	fi
	# held out of the corpus: a large, a medium and a small query
	queries=(/usr/lib/x86_64-linux-gnu/libcrypto.so.3 /usr/lib/x86_64-linux-gnu/libsqlite3.so.0
		/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll)
	qargs=()
	for q in "${queries[@]}"; do [ -f "$q" ] && qargs+=(-q "$q"); done
	# every ELF and PE file of these folders, smallest first (the bench skips
	# the rest and the queries' copies; re-adds of one file are no-ops)
	list=$(mktemp)
	trap 'rm -f "$list"' EXIT
	dirs=()
	for d in /usr/lib/x86_64-linux-gnu /usr/bin /usr/sbin /usr/libexec /usr/lib/gcc /usr/lib/llvm-* \
		/usr/x86_64-w64-mingw32/lib /usr/i686-w64-mingw32/lib /usr/lib/jvm /usr/lib/python3*; do
		[ -d "$d" ] && dirs+=("$d")
	done
	find "${dirs[@]}" -type f -size +2k -size -400M -printf '%s %p\n' 2>/dev/null | sort -n -k1,1 -k2 |
		cut -d' ' -f2- >"$list"
	echo "== corpus scale: $(wc -l <"$list") files listed, corpus $db" >&2
	"$bdir/bench/bench_corpus_scale" --db "$db" --list "$list" --steps "$steps" --runs "$runs" "${qargs[@]}"
	[ "${KEEP_DB:-0}" = 1 ] || rm -f "$db" "$db-wal" "$db-shm"
fi
echo "bench/scale.sh: $(($(date +%s) - start)) s" >&2
