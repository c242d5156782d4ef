#!/usr/bin/env bash
# Family identification by code kinship, next to ssdeep and TLSH on the same
# queries in the same run (bench/kinship.c prints the tables).
#
# Families of real code:
#   fixtures  kin: two programs sharing a source unit (tests/fixtures), built
#             by gcc, clang, x86_64- and i686-w64-mingw32-gcc at -O0/-O2/-Os
#   realcode  zlib, Lua, bzip2, Mbed TLS from Debian's source packages, built
#             by the same compilers at several levels (scripts/build-realcode.sh),
#             stripped; the system's libz and libbz2 join their families
#   system    binaries of this machine that share code: GNU coreutils programs
#             (gnulib), the GCC drivers of the native and mingw-w64 compilers,
#             GNU bfd as a shared library and statically linked into the
#             mingw-w64 binutils, and the GCC runtime DLLs of mingw-w64 (x86-64
#             and i686, win32 and posix thread models) per library
# Unrelated files (never stored; the answer must be "no known relative"):
# the features fixture (12 builds), and libraries and programs of this machine
# from other code bases. The runtime probe fixture is stored as library code.
# Nothing here is ever executed.
#   usage: bench/kinship.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
bash tests/fixtures/build.sh build/fixtures >/dev/null
bash scripts/fetch-realcode.sh build/realcode/src >/dev/null
bash scripts/build-realcode.sh build/realcode/src build/realcode/bin >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
m=$work/manifest
fx=build/fixtures rc=build/realcode/bin lib=/usr/lib/x86_64-linux-gnu
w64=/usr/lib/gcc/x86_64-w64-mingw32 w32=/usr/lib/gcc/i686-w64-mingw32

# line KIND GROUP FAMILY PATH...: manifest lines for the files that exist
line() {
	local kind=$1 group=$2 fam=$3 f
	shift 3
	for f in "$@"; do [ -f "$f" ] && printf '%s\t%s\t%s\t%s\n' "$kind" "$group" "$fam" "$f"; done
	return 0
}
{
	line F fixtures kin "$fx"/kin_a-* "$fx"/kin_b-*
	line L fixtures runtime "$fx"/runtime_probe-*
	line U fixtures - "$fx"/features-*
	line F realcode zlib "$rc"/libz-*.stripped "$rc"/zlib1-*.stripped "$rc"/minigzip-*.stripped \
		"$rc"/example-*.stripped $lib/libz.so.1
	line F realcode lua "$rc"/lua-*.stripped "$rc"/luac-*.stripped "$rc"/liblua-*.stripped
	line F realcode bzip2 "$rc"/bzip2-*.stripped "$rc"/bzip2recover-*.stripped "$rc"/libbz2-*.stripped \
		$lib/libbz2.so.1.0
	line F realcode mbedtls "$rc"/libmbedtls-*.stripped "$rc"/mbedtls-*.stripped
	line F system coreutils /usr/bin/{ls,cp,mv,rm,chmod,chown,dd,df,du,install,ln,mkdir,sort,tail,head,cat}
	line F system gcc-driver /usr/bin/x86_64-linux-gnu-gcc-12 /usr/bin/x86_64-w64-mingw32-gcc-12-win32 \
		/usr/bin/i686-w64-mingw32-gcc-12-win32
	line F system bfd $lib/libbfd-2.40-system.so /usr/bin/x86_64-w64-mingw32-{objdump,nm,objcopy,size,ar} \
		/usr/bin/i686-w64-mingw32-{objdump,nm}
	for dll in libgomp-1 libquadmath-0 libssp-0 libatomic-1; do
		line F system "${dll%-*}" $w64/12-win32/$dll.dll $w64/12-posix/$dll.dll $w32/12-win32/$dll.dll \
			$w32/12-posix/$dll.dll
	done
	line U system - /usr/bin/dash /usr/bin/bash $lib/libsqlite3.so.0 $lib/libcrypto.so.3 $lib/libssl.so.3 \
		$lib/liblzma.so.5 $lib/libgmp.so.10 $lib/libmpfr.so.6 $lib/libxml2.so.2 $lib/libpcre2-8.so.0 \
		$lib/libgcrypt.so.20 $lib/libnettle.so.8 $lib/libsodium.so.23 $lib/libzstd.so.1 \
		$lib/libcjson.so.1 $lib/libxxhash.so.0 $lib/libfuzzy.so.2 $lib/libcmocka.so.0 \
		/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll /usr/i686-w64-mingw32/lib/libwinpthread-1.dll
} >"$m"
echo "kinship benchmark: $(grep -c . "$m") files (bench/kinship.sh lists them)" >&2
build/bench/bench_kinship "$work/kinship.db" <"$m"
