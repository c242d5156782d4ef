#!/usr/bin/env bash
# Acceptance test of function discovery on real code.
#
# 1. Real C programs and libraries nobody here wrote (zlib, Lua 5.4, bzip2,
#    Mbed TLS) are fetched and built with gcc, clang and mingw-w64 at several
#    optimization levels (scripts/fetch-realcode.sh, scripts/build-realcode.sh).
#    Each binary has a stripped copy.
# 2. For each binary, the function starts lineage finds in the STRIPPED copy
#    are compared with the symbol table of the UNSTRIPPED file, read by
#    binutils (the oracle, not our code):
#      truth      functions of 16 bytes or more: ELF `nm -S` types T/t/W/w with
#                 their size; PE `nm -n` types T/t, size = distance to the next
#                 symbol in the same section (or the section's end). Aliases are
#                 one start. gcc's split-off "foo.cold" parts are not function
#                 starts (they are reached by jumps from foo) and are left out.
#      all starts every code symbol of any size (also <16-byte functions,
#                 local labels, .text section symbols): a found start equal to
#                 one of them is correct.
#      recall     |truth ∩ found| / |truth|
#      precision  |found ∩ all starts| / |found|, found starts inside the
#                 symbol-less .plt/.plt.sec/.plt.got sections left out.
#    Fails when a file is under 97% recall or 97% precision, or fewer than 20
#    files were evaluated.
# 3. Exports: on shared libraries of this machine (glibc, libz, libcrypto,
#    mingw-w64's DLLs) every exported function (ELF .dynsym FUNC/IFUNC,
#    PE export table, forwarders excluded) must be a function start.
# Full lists of missed and false starts are written to REALCODE_DIR/logs.
#   usage: funcs.sh LINEAGE_FUNCS REALCODE_DIR
#   LINEAGE_FUNCS prints "0xADDRESS SIZE SOURCES" per function (tests/tools/funcs.c)
set -euo pipefail
export LC_ALL=C
tool=${1:?usage: funcs.sh LINEAGE_FUNCS REALCODE_DIR}
realcode=${2:?usage: funcs.sh LINEAGE_FUNCS REALCODE_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
min_pct=97
min_files=20

bash "$root/scripts/fetch-realcode.sh" "$realcode/src"
bash "$root/scripts/build-realcode.sh" "$realcode/src" "$realcode/bin"
logs=$realcode/logs
rm -rf "$logs"
mkdir -p "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Addresses are compared as decimal strings (exact: they are below 2^53);
# awk here may be mawk, without strtonum.
awklib='
function hex2n(h,   i, c, n) {
	h = tolower(h); sub(/^0x/, "", h); n = 0
	for (i = 1; i <= length(h); i++) {
		c = index("0123456789abcdef", substr(h, i, 1))
		if (!c) return -1
		n = n * 16 + c - 1
	}
	return n
}
function n2hex(n,   s, d) {
	if (n == 0) return "0x0"
	for (s = ""; n > 0; n = (n - d) / 16) { d = n % 16; s = substr("0123456789abcdef", d + 1, 1) s }
	return "0x" s
}
function dec(n) { return sprintf("%.0f", n) }
function load_sections(file,   line, f) {
	nsec = 0
	while ((getline line < file) > 0) {
		split(line, f, " ")
		nsec++; sec_lo[nsec] = f[1] + 0; sec_hi[nsec] = f[2] + 0; sec_name[nsec] = f[3]; sec_code[nsec] = f[4] + 0
	}
	close(file)
}
function section_of(a,   i) {
	for (i = 1; i <= nsec; i++) if (a >= sec_lo[i] && a < sec_hi[i]) return i
	return 0
}
'

# file_kind FILE: elf, pe64 or pe32 (empty when neither); sets nm and objdump.
file_kind() {
	local magic
	magic=$(head -c4 "$1" | od -An -tx1 | tr -d ' \n')
	case $magic in
	7f454c46) kind=elf nm=nm objdump=objdump ;;
	4d5a*)
		if x86_64-w64-mingw32-objdump -f "$1" | grep -q 'file format pei-i386'; then
			kind=pe32 nm=i686-w64-mingw32-nm objdump=i686-w64-mingw32-objdump
		else
			kind=pe64 nm=x86_64-w64-mingw32-nm objdump=x86_64-w64-mingw32-objdump
		fi
		;;
	*) kind= ;;
	esac
}

# sections FILE OUT: "start end name is_code" per section, decimal.
sections() {
	"$objdump" -h -w "$1" | awk "$awklib"'
		$1 ~ /^[0-9]+$/ && NF >= 7 {
			s = hex2n($4); print dec(s), dec(s + hex2n($3)), $2, (index($0, "CODE") ? 1 : 0)
		}' >"$2"
}

# oracle FILE SECTIONS PREFIX: from the unstripped file's symbol table write
# PREFIX.truth (starts of functions >= 16 bytes), PREFIX.all (every code
# symbol start) and PREFIX.names ("addr name", sorted by address).
oracle() {
	local f=$1 secs=$2 p=$3
	if [ "$kind" = elf ]; then
		"$nm" -S --defined-only "$f"
	else
		"$nm" -n --defined-only "$f"
	fi | awk "$awklib"'
		NF >= 4 && $3 ~ /^[TtWw]$/ { print dec(hex2n($1)), dec(hex2n($2)), $3, $4; next }
		NF == 3 && $2 ~ /^[TtWw]$/ { print dec(hex2n($1)), -1, $2, $3 }' |
		sort -n -s -k1,1 | awk -v secs="$secs" -v kind="$kind" -v p="$p" "$awklib"'
		BEGIN { load_sections(secs) }
		{
			a = $1 + 0; s = section_of(a)
			# local assembler labels (.l_start in the mingw crt) are inside functions
			if (!s || !sec_code[s] || $4 ~ /^\.l_/) next
			n++; addr[n] = a; size[n] = $2 + 0; nm[n] = $4; sec[n] = s
			# the constructor tables mingw places in .text end the code before
			# them but are not functions
			label[n] = ($4 ~ /^_*(CTOR|DTOR)_LIST__$/ || ($4 ~ /^\./ && $4 !~ /^\.text/))
		}
		END {
			for (i = 1; i <= n; i++) {
				a = addr[i]
				if (kind != "elf") {
					# COFF has no sizes: up to the next distinct symbol
					for (j = i + 1; j <= n && addr[j] == a; j++);
					if (j <= n && sec[j] == sec[i]) size[i] = addr[j] - a; else size[i] = sec_hi[sec[i]] - a
				}
				if (label[i]) continue
				key = dec(a)
				if (!(key in best)) { nk++; order[nk] = key; best[key] = nm[i] }
				else if (best[key] ~ /^\./ && nm[i] !~ /^\./) best[key] = nm[i]
				if (size[i] >= 16 && nm[i] !~ /^\./ && nm[i] !~ /\.cold(\.[0-9]+)?$/ && !(key in truth)) {
					truth[key] = 1; print key > (p ".truth")
				}
			}
			for (i = 1; i <= nk; i++) { print order[i] > (p ".all"); print order[i], best[order[i]] > (p ".names") }
		}'
	touch "$p.all" "$p.names" "$p.truth"
	sort -u -o "$p.all" "$p.all"
	sort -u -o "$p.truth" "$p.truth"
}

# found FILE SECTIONS PREFIX: lineage's starts in FILE -> PREFIX.found (keys),
# PREFIX.src ("key sources"); starts inside PLT sections are dropped.
found() {
	local f=$1 secs=$2 p=$3
	"$tool" "$f" >"$p.raw" 2>"$p.err" || return 1
	awk -v secs="$secs" -v p="$p" "$awklib"'
		BEGIN { load_sections(secs) }
		NF >= 1 {
			a = hex2n($1); s = section_of(a)
			if (s && sec_name[s] ~ /^\.plt(\.sec|\.got)?$/) next
			print dec(a) > (p ".found"); print dec(a), $3 > (p ".src")
		}' "$p.raw"
	touch "$p.found" "$p.src"
	sort -u -o "$p.found" "$p.found"
}

# describe NAMES [SRC]: for each key on stdin (sorted by address),
# "0xADDR  symbol+0xOFF  [sources]".
describe() {
	awk -v names="$1" -v src="${2:-}" "$awklib"'
		BEGIN {
			while ((getline line < names) > 0) { split(line, f, " "); n++; sa[n] = f[1] + 0; sn[n] = f[2] }
			if (src != "") while ((getline line < src) > 0) { split(line, f, " "); so[f[1]] = f[2] }
		}
		{
			a = $1 + 0; lo = 1; hi = n; k = 0
			while (lo <= hi) { m = int((lo + hi) / 2); if (sa[m] <= a) { k = m; lo = m + 1 } else hi = m - 1 }
			where = k ? (sa[k] == a ? sn[k] : sn[k] "+" n2hex(a - sa[k])) : "-"
			printf "    %-18s %s%s\n", n2hex(a), where, ($1 in so ? "  [sources " so[$1] "]" : "")
		}'
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", 100 * a / b }'; }
ok_pct() { [ "$2" -gt 0 ] && [ $(($1 * 100)) -ge $((min_pct * $2)) ]; }

fail=0
evaluated=0
tot_truth=0 tot_found=0 tot_hit=0 tot_correct=0
echo
echo "function discovery on stripped binaries (oracle: symbol table of the unstripped file)"
printf '%-28s %-5s %7s %7s %7s %8s %9s\n' file fmt truth found hit recall% precision%
for stripped in "$realcode"/bin/*.stripped; do
	f=${stripped%.stripped}
	name=$(basename "$f")
	p=$tmp/$name
	file_kind "$f"
	if [ -z "$kind" ]; then
		echo "$name: neither ELF nor PE" >&2
		fail=1
		continue
	fi
	sections "$f" "$p.secs"
	oracle "$f" "$p.secs" "$p"
	if ! found "$stripped" "$p.secs" "$p"; then
		printf '%-28s %-5s %7s  lineage_funcs failed: %s\n' "$name" "$kind" "$(wc -l <"$p.truth")" \
			"$(head -c 200 "$p.err")"
		fail=1
		continue
	fi
	nt=$(wc -l <"$p.truth")
	nf=$(wc -l <"$p.found")
	hit=$(comm -12 "$p.truth" "$p.found" | wc -l)
	correct=$(comm -12 "$p.found" "$p.all" | wc -l)
	evaluated=$((evaluated + 1))
	tot_truth=$((tot_truth + nt)) tot_found=$((tot_found + nf))
	tot_hit=$((tot_hit + hit)) tot_correct=$((tot_correct + correct))
	verdict=
	if ! ok_pct "$hit" "$nt" || ! ok_pct "$correct" "$nf"; then verdict=FAIL fail=1; fi
	printf '%-28s %-5s %7d %7d %7d %8s %9s %s\n' "$name" "$kind" "$nt" "$nf" "$hit" "$(pct "$hit" "$nt")" \
		"$(pct "$correct" "$nf")" "$verdict"
	[ -s "$p.err" ] && echo "  $name: $(head -1 "$p.err")"
	comm -23 "$p.truth" "$p.found" | sort -n | describe "$p.names" >"$logs/$name.missed"
	comm -23 "$p.found" "$p.all" | sort -n | describe "$p.names" "$p.src" >"$logs/$name.false"
	if [ -n "$verdict" ]; then
		{
			echo "  $name: $(wc -l <"$logs/$name.missed") missed, first 20 (all in $logs/$name.missed):"
			head -20 "$logs/$name.missed"
			echo "  $name: $((nf - correct)) false starts, first 20 (all in $logs/$name.false):"
			head -20 "$logs/$name.false"
		} >>"$tmp/failures"
	fi
done
printf '%-28s %-5s %7d %7d %7d %8s %9s\n' "total ($evaluated files)" "" "$tot_truth" "$tot_found" "$tot_hit" \
	"$(pct "$tot_hit" "$tot_truth")" "$(pct "$tot_correct" "$tot_found")"
[ -f "$tmp/failures" ] && cat "$tmp/failures"
if [ "$evaluated" -lt $min_files ]; then
	echo "only $evaluated files evaluated (need $min_files)"
	fail=1
fi

# Exports of this machine's shared libraries: every exported function must be
# among the function starts.
echo
echo "exported functions of system libraries"
printf '%-60s %8s %8s\n' library exports missing
mingw_lib() { ls -d /usr/lib/gcc/"$1"/*-win32/"$2" 2>/dev/null | sort -V | tail -1; }
libs=(/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6
	/lib/x86_64-linux-gnu/libcrypto.so.3 /lib/x86_64-linux-gnu/libsqlite3.so.0
	/usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll /usr/i686-w64-mingw32/lib/libwinpthread-1.dll
	"$(mingw_lib x86_64-w64-mingw32 libgcc_s_seh-1.dll)" "$(mingw_lib x86_64-w64-mingw32 libstdc++-6.dll)"
	"$(mingw_lib i686-w64-mingw32 libgcc_s_dw2-1.dll)" "$(mingw_lib i686-w64-mingw32 libstdc++-6.dll)")
nlibs=0
for lib in "${libs[@]}"; do
	[ -n "$lib" ] && [ -f "$lib" ] || continue
	f=$(readlink -f "$lib")
	name=$(basename "$lib")
	file_kind "$f"
	p=$tmp/export-$kind-$name
	sections "$f" "$p.secs"
	if [ "$kind" = elf ]; then
		readelf --dyn-syms -W "$f" | awk '$1 ~ /^[0-9]+:$/ && ($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" {
			print $2, $8 }'
	else
		"$objdump" -p "$f" | awk '
			/^ImageBase/ { print "base", $2; next }
			/Export RVA$/ { match($0, /\[ *[0-9]+\]/); i = substr($0, RSTART + 1, RLENGTH - 2) + 0
				print "rva", i, $(NF - 2); next }
			/^\[Ordinal\/Name Pointer\] Table/ { names = 1; next }
			names && /^\t\[ *[0-9]+\] / { match($0, /\[ *[0-9]+\]/); i = substr($0, RSTART + 1, RLENGTH - 2) + 0
				print "name", i, $NF; next }
			names && !/^\t/ { names = 0 }'
	fi | awk -v kind="$kind" -v secs="$p.secs" -v p="$p" "$awklib"'
		BEGIN { load_sections(secs) }
		kind == "elf" { a = hex2n($1); if (a > 0) { nx++; xa[nx] = a; xn[nx] = $2 } next }
		$1 == "base" { base = hex2n($2); next }
		$1 == "rva" { nx++; xa[nx] = hex2n($3); idx[nx] = $2; next }
		$1 == "name" { ename[$2] = $3 }
		END {
			for (i = 1; i <= nx; i++) {
				a = xa[i]
				if (kind != "elf") { a += base; xn[i] = (idx[i] in ename) ? ename[idx[i]] : "#" idx[i] }
				s = section_of(a)
				if (!s || !sec_code[s]) continue
				key = dec(a)
				if (!(key in seen)) { seen[key] = 1; print key > (p ".exports"); print key, xn[i] > (p ".names") }
			}
		}'
	touch "$p.exports" "$p.names"
	sort -u -o "$p.exports" "$p.exports"
	sort -n -o "$p.names" "$p.names"
	nlibs=$((nlibs + 1))
	nx=$(wc -l <"$p.exports")
	if ! found "$f" "$p.secs" "$p"; then
		printf '%-60s %8d  lineage_funcs failed: %s\n' "$lib" "$nx" "$(head -c 200 "$p.err")"
		fail=1
		continue
	fi
	comm -23 "$p.exports" "$p.found" | sort -n | describe "$p.names" >"$logs/$name.$kind.missed-exports"
	nmiss=$(wc -l <"$logs/$name.$kind.missed-exports")
	verdict=
	if [ "$nx" = 0 ] || [ "$nmiss" != 0 ]; then verdict=FAIL fail=1; fi
	printf '%-60s %8d %8d %s\n' "$lib" "$nx" "$nmiss" "$verdict"
	if [ "$nmiss" != 0 ]; then
		echo "  first 20 missed exports (all in $logs/$name.$kind.missed-exports):"
		head -20 "$logs/$name.$kind.missed-exports"
	fi
done
if [ $nlibs = 0 ]; then
	echo "no system library found"
	fail=1
fi

echo
if [ $fail = 0 ]; then
	echo "function discovery: PASS ($evaluated files, $nlibs libraries)"
else
	echo "function discovery: FAIL (logs in $logs)"
fi
exit $fail
