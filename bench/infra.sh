#!/usr/bin/env bash
# Infrastructure axis cost (bench/infra.c) next to what an analyst would
# otherwise run to pull network indicators out of a binary, on the same files,
# measured in the same run:
#   (a) lineage infrastructure stage after code: LINEAGE_ANALYZE_CODE |
#       LINEAGE_ANALYZE_CRYPTO timed together ("code+crypto"), then
#       LINEAGE_ANALYZE_INFRA on the same sample (the strings scanned for
#       indicators, stack strings and socket addresses decoded in the
#       candidate functions, strings decoded with the crypto axis's XOR keys);
#       its share of code+crypto + infra
#   (b) lineage bytes only: LINEAGE_ANALYZE_INFRA on a fresh sample (the
#       strings alone; no disassembly, no keys)
#   reference: `strings -a -n 4 FILES | grep -aEo IOC | wc -l`, then the same
#       with `strings -a -n 4 -e l` (UTF-16LE), one pipeline each over the
#       whole list, each timed whole; IOC: URLs, dotted quads, e-mail
#       addresses and host names under common TLDs (below), LC_ALL=C
# Files: the disk tools and the unrelated programs and libraries of
# tests/destruct/expected.tsv (the "tool" and "unrelated" lines) that exist,
# the infrastructure fixtures $FIXTURES/infra-*-O2* (FIXTURES defaults to
# build/fixtures when it exists), and a few real programs carrying URLs and
# addresses (dirmngr, gpg, ssh, git, perl, libcurl) when present; each file
# once (symbolic links resolved).
# Wall time; the reference and lineage runs alternate, RUNS times, and the
# medians are printed. The pipelines' time includes their process starts and
# reading the files; lineage's excludes loading the files and compiling the
# rules (both printed apart). Indicator counts are information only, not a
# score: the grep pipeline counts matching lines, repeats and version numbers
# ("1.2.3.4") included; lineage counts distinct, validated indicators (type,
# value, port), host ones (user agents, mutexes, pipes) and ones decoded from
# code included. Nothing scanned is ever run.
#   usage: bench/infra.sh
#   env:   RUNS=3  RULES=rules  FIXTURES=build/fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
rules=${RULES:-$root/rules}
fixtures=${FIXTURES:-}
[ -z "$fixtures" ] && [ -d build/fixtures ] && fixtures=build/fixtures
for c in cmake strings grep; do command -v $c >/dev/null || bash scripts/install-deps.sh; done
cmake -S . -B build -DLINEAGE_BUILD_BENCH=ON >/dev/null
cmake --build build -j2 --target bench_infra >/dev/null

# the analyst's regex: URLs, dotted quads, e-mail addresses, domains
read -r ioc <<'EOF'
(https?|ftp)://[^ "'<>]+|([0-9]{1,3}\.){3}[0-9]{1,3}|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[a-z0-9.-]+\.(com|net|org|info|biz|io|co|me|cc|tv|ru|su|cn|de|uk|fr|nl|eu|us|jp|kr|in|br|ir|kp|top|xyz|onion|gov|edu|mil|int)
EOF

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=()
declare -A seen=()
ntool=0 nunrel=0 nfix=0 nreal=0
add() { # add FILE: 0 when added, 1 when missing or already listed
	local f
	[ -f "$1" ] || return 1
	f=$(readlink -f "$1")
	[ -n "${seen[$f]:-}" ] && return 1
	seen[$f]=1
	files+=("$f")
}
while read -r k f; do
	add "$f" || continue
	if [ "$k" = tool ]; then ntool=$((ntool + 1)); else nunrel=$((nunrel + 1)); fi
done < <(awk '($1 == "tool" || $1 == "unrelated") && !s[$2]++ {print $1, $2}' tests/destruct/expected.tsv)
if [ -n "$fixtures" ]; then
	for f in "$fixtures"/infra-*-O2*; do add "$f" && nfix=$((nfix + 1)); done
fi
for f in /usr/bin/dirmngr /usr/bin/gpg /usr/bin/ssh /usr/bin/git /usr/bin/perl /usr/lib/x86_64-linux-gnu/libcurl*; do
	add "$f" && nreal=$((nreal + 1))
done
printf '%s\n' "${files[@]}" >"$work/list"
echo "infra benchmark: $ntool disk and file tools + $nunrel unrelated programs and libraries + $nfix infrastructure" \
	"fixtures${fixtures:+ ($fixtures)} + $nreal programs with network indicators," \
	"$(du -cLb "${files[@]}" | tail -1 | awk '{printf "%.1f MB", $1 / 1e6}'); $runs runs" >&2

now() { date +%s.%N; }
pipeline() { # pipeline STRINGS-OPTIONS...: indicator lines of the files
	strings "$@" "${files[@]}" | { LC_ALL=C grep -aEo "$ioc" || true; } | wc -l
}
: >"$work/ref.t"
: >"$work/lineage.r"
start=$(now)
for ((r = 1; r <= runs; r++)); do
	t0=$(now)
	pipeline -a -n 4 >"$work/ascii.n"
	t1=$(now)
	pipeline -a -n 4 -e l >"$work/utf16.n"
	t2=$(now)
	echo "$t0 $t1 $t2 $(cat "$work/ascii.n") $(cat "$work/utf16.n")" |
		awk '{printf "%.6f %.6f %d %d\n", $2 - $1, $3 - $2, $4, $5}' >>"$work/ref.t"
	build/bench/bench_infra --runs 1 --rules "$rules" --list "$work/list" >"$work/bench.out"
	grep '^RESULT ' "$work/bench.out" >>"$work/lineage.r"
done
end=$(now)
# distinct values of the reference's matches, once, untimed (information)
distinct=$({
	strings -a -n 4 "${files[@]}"
	strings -a -n 4 -e l "${files[@]}"
} | { LC_ALL=C grep -aEo "$ioc" || true; } | LC_ALL=C sort -u | wc -l)

# the per-file table and the indicator breakdown of the last lineage run
sed -n '/^file /,/^$/p' "$work/bench.out"
grep '^lineage infra:' "$work/bench.out" | sed 's/median of 1 runs/per-file figures of the last run/'
grep -E '^    \((a|b)\) by ' "$work/bench.out" | sed 's/^    /  /'
awk -v runs="$runs" -v distinct="$distinct" -v wall="$(echo "$start $end" | awk '{printf "%.0f", $2 - $1}')" '
function med(v, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
FNR == NR { sa[++ns] = $1; sl[ns] = $2; sb[ns] = $1 + $2; la = $3; ll = $4; next }
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); val[kv[1]] = kv[2] }
	ld[++nl] = val["load_sec"]; cc[nl] = val["cc_sec"]; inf[nl] = val["infra_sec"]; by[nl] = val["bytes_sec"]
	bytes = val["bytes"]; files = val["files"]
	na = val["a_iocs"]; nan = val["a_net"]; nb = val["b_iocs"]; nbn = val["b_net"]
	fa = val["a_stack"] + val["a_xor"] + val["a_integer"]
}
END {
	ta = med(sa, ns); tl = med(sl, ns); ts = med(sb, ns); tld = med(ld, nl)
	tcc = med(cc, nl); tin = med(inf, nl); tby = med(by, nl); mb = bytes / 1e6
	printf "\n%d files, %.1f MB; median of %d runs (wall time)\n", files, mb, runs
	printf "%-50s %9s %9s %11s\n", "", "seconds", "MB/s", "indicators"
	printf "%-50s %9.3f %9.1f %11d\n", "strings -a -n 4 | grep -aEo IOC (ASCII)", ta, mb / ta, la
	printf "%-50s %9.3f %9.1f %11d\n", "strings -a -n 4 -e l | grep -aEo IOC (UTF-16LE)", tl, mb / tl, ll
	printf "%-50s %9.3f %9.1f %11d\n", "reference, both encodings", ts, mb / ts, la + ll
	printf "%-50s %9.3f %9.1f %11s\n", "lineage load (read + parse)", tld, mb / tld, "-"
	printf "%-50s %9.3f %9.1f %11s\n", "lineage code+crypto (disassembly, crypto axis)", tcc, mb / tcc, "-"
	printf "%-50s %9.3f %9.1f %11d\n", "(a) lineage infrastructure stage after code+crypto", tin, mb / tin, na
	printf "%-50s %9.3f %9.1f %11d\n", "(b) lineage infrastructure stage, bytes only", tby, mb / tby, nb
	printf "\nlineage/reference throughput (both encodings): (a) %.2f   (b) %.2f\n", ts / tin, ts / tby
	printf "infrastructure stage share of code+crypto + infra: %.1f%% (median %.3f s of %.3f s)\n", \
		100 * tin / (tcc + tin), tin, tcc + tin
	printf "indicators (information only): lineage (a) %d distinct (%d network, %d first found in code), " \
		"(b) %d (%d network);\n  reference %d lines (%d ASCII + %d UTF-16LE), %d distinct values; total runtime %d s\n", \
		na, nan, fa, nb, nbn, la + ll, la, ll, distinct, wall
}' "$work/ref.t" "$work/lineage.r"
