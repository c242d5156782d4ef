#!/usr/bin/env bash
# Build real programs and libraries from the trees scripts/fetch-realcode.sh
# fetched (zlib, Lua 5.4, bzip2, Mbed TLS) with gcc and clang
# (ELF, x86-64) and mingw-w64 (PE, x86-64 and i686) at -O0/-O2/-Os/-O3, for
# the function-discovery acceptance test (tests/e2e/funcs.sh). Normal builds:
# -g0, no section tricks. Each binary OUT/NAME keeps its symbol table (the
# test's oracle) and gets a stripped copy OUT/NAME.stripped (the test's
# input). Nothing built here is ever run.
# Cached: skipped while OUT/.stamp is newer than this script and the sources.
#   usage: build-realcode.sh SRC OUT
set -euo pipefail
src=${1:?usage: build-realcode.sh SRC OUT}
out=${2:?usage: build-realcode.sh SRC OUT}
src=$(cd "$src" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# count GLOB...: how many of the paths exist
count() {
	local n=0 f
	for f in "$@"; do [ -e "$f" ] && n=$((n + 1)); done
	echo $n
}

stamp=$out/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt "$self" ]; then
	fresh=1
	for f in "$src"/*/.fetched; do [ "$stamp" -nt "$f" ] || fresh=0; done
	if [ $fresh = 1 ]; then
		echo "realcode binaries up to date in $out ($(count "$out"/*.stripped) files)"
		exit 0
	fi
fi
for d in zlib/zlib.h lua/src/lvm.c bzip2/bzlib.c mbedtls/library/aes.c; do
	[ -f "$src/$d" ] || { echo "build-realcode: $src/$d missing (run scripts/fetch-realcode.sh)" >&2; exit 1; }
done
for c in gcc clang x86_64-w64-mingw32-gcc i686-w64-mingw32-gcc strip x86_64-w64-mingw32-strip \
	i686-w64-mingw32-strip; do
	command -v "$c" >/dev/null || { echo "build-realcode: missing $c (scripts/install-deps.sh)" >&2; exit 1; }
done

# PROG COMPILER OPT. Compilers: gcc, clang (ELF x86-64), mingw64 (PE x86-64),
# mingw32 (PE i686). The slow Mbed TLS builds come first so that the two
# parallel lanes end together.
jobs=(
	"mbedtls mingw64 O2" "mbedtls clang Os" "mbedtls gcc O0" "mbedtls mingw32 O3"
	"lua gcc O2" "lua clang O0" "lua gcc Os" "lua clang O3" "lua mingw64 O2" "lua mingw32 Os"
	"luac gcc O3" "luac clang Os" "luac mingw32 O3" "liblua clang O2"
	"zlib gcc O2" "zlib clang Os" "zlib gcc O0" "zlib mingw64 O2" "zlib mingw32 O0"
	"minigzip gcc O3" "minigzip clang O2" "minigzip mingw64 O3" "example clang O0" "example mingw32 O2"
	"bzip2 gcc O2" "bzip2 clang O0" "bzip2 mingw32 O2" "bzip2 mingw64 O0" "bzip2recover clang O3"
	"libbz2 gcc Os" "libbz2 mingw64 Os"
)

# Build one binary and its stripped copy; the compiler's output goes to a log
# that is shown only on failure.
build_one() {
	local prog=$1 cc=$2 opt=$3 cmd strip pe=0 shared=0 name
	local flags=(-"$opt" -g0 -w) srcs=() libs=()
	case $cc in
	gcc) cmd=gcc strip=strip ;;
	clang) cmd=clang strip=strip ;;
	mingw64) cmd=x86_64-w64-mingw32-gcc strip=x86_64-w64-mingw32-strip pe=1 ;;
	mingw32) cmd=i686-w64-mingw32-gcc strip=i686-w64-mingw32-strip pe=1 ;;
	esac
	local z=$src/zlib l=$src/lua/src b=$src/bzip2 f
	local zlib=() lua=() bz=()
	for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees \
		trees uncompr zutil; do zlib+=("$z/$f.c"); done
	for f in "$l"/*.c; do [[ $f == */lua.c || $f == */luac.c ]] || lua+=("$f"); done
	for f in blocksort huffman crctable randtable compress decompress bzlib; do bz+=("$b/$f.c"); done
	case $prog in
	mbedtls) srcs=("$src/mbedtls/library/"*.c) flags+=(-I"$src/mbedtls/include") shared=1 ;;
	lua) srcs=("${lua[@]}" "$l/lua.c") ;;
	luac) srcs=("${lua[@]}" "$l/luac.c") ;;
	liblua) srcs=("${lua[@]}") shared=1 ;;
	zlib) srcs=("${zlib[@]}") shared=1 ;;
	minigzip | example) srcs=("${zlib[@]}" "$z/test/$prog.c") flags+=(-I"$z") ;;
	bzip2 | bzip2recover) srcs=("${bz[@]}" "$b/$prog.c") ;;
	libbz2) srcs=("${bz[@]}") shared=1 ;;
	esac
	if [ $pe = 1 ]; then
		# bzlib.h declares function pointers on Windows unless BZ_EXPORT is set
		[[ $prog == *bz* ]] && flags+=(-DBZ_EXPORT)
		[ "$prog" = mbedtls ] && libs=(-lws2_32 -ladvapi32 -lbcrypt)
		case $prog in
		mbedtls) name=mbedtls ;;
		zlib) name=zlib1 ;;
		*) name=$prog ;;
		esac
		if [ $shared = 1 ]; then name=$name-$cc-$opt.dll; else name=$name-$cc-$opt.exe; fi
	else
		case $prog in
		mbedtls) name=libmbedtls ;;
		zlib) name=libz ;;
		*) name=$prog ;;
		esac
		[[ $prog == lua* || $prog == liblua ]] && flags+=(-DLUA_USE_LINUX) libs+=(-ldl -lm)
		if [ $shared = 1 ]; then name=$name-$cc-$opt.so; else name=$name-$cc-$opt; fi
		[ $shared = 1 ] && flags+=(-fPIC)
	fi
	[ $shared = 1 ] && flags+=(-shared)
	local log=$out/.log/$name.log
	local t0=$SECONDS
	if ! "$cmd" "${flags[@]}" -o "$out/$name" "${srcs[@]}" "${libs[@]}" >"$log" 2>&1 ||
		! "$strip" --strip-all -o "$out/$name.stripped" "$out/$name" >>"$log" 2>&1; then
		echo "build-realcode: $name failed:" >&2
		tail -20 "$log" >&2
		return 1
	fi
	echo "  built $name ($((SECONDS - t0)) s)"
}
export -f build_one
export src out

start=$(date +%s)
rm -f "$stamp"
find "$out" -maxdepth 1 -type f \( -name '*-gcc-O?*' -o -name '*-clang-O?*' -o -name '*-mingw64-O?*' \
	-o -name '*-mingw32-O?*' \) -delete
rm -rf "$out/.log"
mkdir -p "$out/.log"
printf '%s\n' "${jobs[@]}" | xargs -P2 -L1 bash -c 'build_one "$@"' build_one
n=$(count "$out"/*.stripped)
npe=$(count "$out"/*.exe.stripped "$out"/*.dll.stripped)
if [ "$n" != ${#jobs[@]} ]; then
	echo "build-realcode: built $n of ${#jobs[@]}" >&2
	exit 1
fi
touch "$stamp"
echo "built $n binaries ($npe PE, $((n - npe)) ELF) in $out in $(($(date +%s) - start)) s"
