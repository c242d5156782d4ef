#!/usr/bin/env bash
# Destruction axis cost (bench/destruct.c) next to GNU strings on the same
# files, measured in the same run:
#   (a) lineage capability stage after code: LINEAGE_ANALYZE_CODE timed alone,
#       then LINEAGE_ANALYZE_CAPABILITIES on the same sample (the file's
#       strings, one Aho-Corasick pass, the YARA pass, the capability rules at
#       file and function scope, embedded files, IOCTL uses); its share of
#       code + capabilities
#   (b) lineage bytes only: LINEAGE_ANALYZE_CAPABILITIES on a fresh sample
#       (strings, YARA hits, file-scope rules; no disassembly)
#   strings: `strings -a -n 4 FILES` then `strings -a -n 4 -e l FILES`
#       (ASCII and UTF-16LE extraction, the least the capability stage has
#       to do), one process each over the whole list, output discarded
# Files: the disk tools and the unrelated programs and libraries of
# tests/destruct/expected.tsv (the "tool" and "unrelated" lines) that exist.
# Wall time; the strings and lineage runs alternate, RUNS times, and the
# medians are printed. strings' time includes its process start and reading
# the files; lineage's excludes loading the files and compiling the rules
# (both printed apart). Nothing scanned is ever run.
#   usage: bench/destruct.sh
#   env:   RUNS=3  RULES=rules
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
rules=${RULES:-$root/rules}
for c in cmake strings; do command -v $c >/dev/null || bash scripts/install-deps.sh; done
cmake -S . -B build -DLINEAGE_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target bench_destruct >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=()
ntool=0
while read -r k f; do
	[ -f "$f" ] || continue
	files+=("$f")
	[ "$k" = tool ] && ntool=$((ntool + 1))
done < <(awk '($1 == "tool" || $1 == "unrelated") && !seen[$2]++ {print $1, $2}' tests/destruct/expected.tsv)
printf '%s\n' "${files[@]}" >"$work/list"
echo "destruct benchmark: $ntool disk and file tools + $((${#files[@]} - ntool)) unrelated programs and libraries," \
	"$(du -cLb "${files[@]}" | tail -1 | awk '{printf "%.1f MB", $1 / 1e6}'); $runs runs" >&2

now() { date +%s.%N; }
: >"$work/strings.t"
: >"$work/lineage.r"
start=$(now)
for ((r = 1; r <= runs; r++)); do
	t0=$(now)
	strings -a -n 4 "${files[@]}" >/dev/null
	t1=$(now)
	strings -a -n 4 -e l "${files[@]}" >/dev/null
	t2=$(now)
	echo "$t0 $t1 $t2" | awk '{printf "%.6f %.6f\n", $2 - $1, $3 - $2}' >>"$work/strings.t"
	build/bench/bench_destruct --runs 1 --rules "$rules" --list "$work/list" >"$work/bench.out"
	grep '^RESULT ' "$work/bench.out" >>"$work/lineage.r"
done
end=$(now)

# the per-file table of the last lineage run
sed -n '/^file /,/^$/p' "$work/bench.out"
grep '^lineage destruct:' "$work/bench.out" | sed 's/median of 1 runs/per-file figures of the last run/'
awk -v runs="$runs" -v wall="$(echo "$start $end" | awk '{printf "%.0f", $2 - $1}')" '
function med(v, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
FNR == NR { sa[++ns] = $1; sl[ns] = $2; sb[ns] = $1 + $2; next }
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); val[kv[1]] = kv[2] }
	ld[++nl] = val["load_sec"]; co[nl] = val["code_sec"]; ca[nl] = val["caps_sec"]; by[nl] = val["bytes_sec"]
	cs[nl] = val["code_sec"] + val["caps_sec"]
	bytes = val["bytes"]; files = val["files"]; na = val["a_caps"]; nm = val["a_methods"]; nb = val["b_caps"]
	ne = val["embedded"]; ni = val["ioctls"]
}
END {
	ta = med(sa, ns); tl = med(sl, ns); ts = med(sb, ns); tld = med(ld, nl)
	tco = med(co, nl); tca = med(ca, nl); tby = med(by, nl); tcs = med(cs, nl); mb = bytes / 1e6
	printf "\n%d files, %.1f MB; median of %d runs (wall time)\n", files, mb, runs
	printf "%-44s %9s %9s %13s\n", "", "seconds", "MB/s", "capabilities"
	printf "%-44s %9.3f %9.1f %13s\n", "strings -a -n 4 (ASCII)", ta, mb / ta, "-"
	printf "%-44s %9.3f %9.1f %13s\n", "strings -a -n 4 -e l (UTF-16LE)", tl, mb / tl, "-"
	printf "%-44s %9.3f %9.1f %13s\n", "strings, both encodings", ts, mb / ts, "-"
	printf "%-44s %9.3f %9.1f %13s\n", "lineage load (read + parse)", tld, mb / tld, "-"
	printf "%-44s %9.3f %9.1f %13s\n", "lineage code (disassembly)", tco, mb / tco, "-"
	printf "%-44s %9.3f %9.1f %13d\n", "(a) lineage capability stage after code", tca, mb / tca, na
	printf "%-44s %9.3f %9.1f %13d\n", "(b) lineage capability stage, bytes only", tby, mb / tby, nb
	printf "\nlineage/strings throughput (both encodings): (a) %.2f   (b) %.2f\n", ts / tca, ts / tby
	printf "capability stage share of code + capabilities: %.1f%% (median %.3f s of %.3f s)\n", \
		100 * tca / (tco + tca), tca, tcs
	printf "(a) found %d capabilities (%d methods), %d embedded files, %d IOCTL uses; total runtime %d s\n", \
		na, nm, ne, ni, wall
}' "$work/strings.t" "$work/lineage.r"
