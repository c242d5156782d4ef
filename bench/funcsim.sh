#!/usr/bin/env bash
# Function-similarity benchmark (bench/funcsim.c): compiles real code nobody
# here wrote (zlib, Lua 5.4, bzip2, Mbed TLS from Debian's source packages)
# with gcc and clang at -O0 -O1 -O2 -O3 -Os (x86-64 ELF executables, -g0,
# symbols kept: they are the ground truth), then ranks each query function's
# true match among 100 others and prints Recall@1, MRR@10 and AUC for XO, XC
# and XC+XO.
# The weights of lineage_function_similarity() were fitted on Lua alone;
# --fit lua refits them here on Lua, and Lua is left out of every figure.
# Cached under build/bench-funcsim/ (sources reused from build/realcode/src
# when the test suite fetched them). Nothing compiled here is ever run.
#   usage: bench/funcsim.sh [bench_funcsim options]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$root/build/bench-funcsim
src=$root/build/realcode/src
jobs=$(nproc)
start=$(date +%s)

for t in zlib/zlib.h lua/src/lvm.c bzip2/bzlib.c mbedtls/library/aes.c; do
	[ -f "$src/$t" ] || {
		bash scripts/fetch-realcode.sh "$src"
		break
	}
done
for c in gcc clang cmake; do
	command -v $c >/dev/null || bash scripts/install-deps.sh
done

cmake -S . -B build -DLINEAGE_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$jobs" --target bench_funcsim >/dev/null

# compile PROJECT CC OPT: objects in parallel, then one executable.
compile() {
	local proj=$1 cc=$2 opt=$3 srcs=() flags=(-"$opt" -g0 -w) libs=() f
	local out=$work/bin/$proj-$cc-$opt obj=$work/obj/$proj-$cc-$opt
	[ -f "$out" ] && [ "$out" -nt "$root/bench/funcsim.sh" ] && return 0
	case $proj in
	zlib)
		for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
			inftrees trees uncompr zutil; do srcs+=("$src/zlib/$f.c"); done
		srcs+=("$src/zlib/test/minigzip.c") flags+=(-I"$src/zlib")
		;;
	lua)
		for f in "$src"/lua/src/*.c; do [[ $f == */luac.c ]] || srcs+=("$f"); done
		flags+=(-DLUA_USE_LINUX) libs+=(-ldl -lm)
		;;
	bzip2)
		for f in blocksort huffman crctable randtable compress decompress bzlib bzip2; do
			srcs+=("$src/bzip2/$f.c")
		done
		;;
	mbedtls)
		srcs=("$src"/mbedtls/library/*.c) flags+=(-I"$src/mbedtls/include")
		mkdir -p "$work/stub"
		echo 'int main(void) { return 0; }' >"$work/stub/main.c"
		srcs+=("$work/stub/main.c")
		;;
	esac
	rm -rf "$obj"
	mkdir -p "$obj" "$work/bin"
	local i=0 list=()
	for f in "${srcs[@]}"; do
		list+=("$f" "$obj/$i.o")
		i=$((i + 1))
	done
	if ! printf '%s\n' "${list[@]}" | xargs -d '\n' -n2 -P"$jobs" \
		sh -c "$cc ${flags[*]} -c \"\$0\" -o \"\$1\"" >"$obj/log" 2>&1 ||
		! "$cc" -o "$out.tmp" "$obj"/*.o "${libs[@]}" >>"$obj/log" 2>&1; then
		echo "funcsim: $proj $cc -$opt failed:" >&2
		tail -20 "$obj/log" >&2
		exit 1
	fi
	mv "$out.tmp" "$out"
	rm -rf "$obj"
}

args=()
for proj in lua zlib bzip2 mbedtls; do
	for cc in gcc clang; do
		for opt in O0 O1 O2 O3 Os; do
			compile $proj $cc $opt
			args+=("$proj:$cc:$opt:$work/bin/$proj-$cc-$opt")
		done
	done
done
echo "compiled $((${#args[@]})) binaries in $work/bin ($(($(date +%s) - start)) s so far)"
echo
build/bench/bench_funcsim --fit lua "$@" "${args[@]}"
echo
echo "funcsim: $(($(date +%s) - start)) s"
