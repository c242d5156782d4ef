#!/usr/bin/env bash
# Crypto axis throughput (bench/crypto.c) next to YARA's command line on the
# same files with the same rules, measured in the same run:
#   (a) lineage rules only: LINEAGE_ANALYZE_CRYPTO, the rules of rules/crypto
#       through libyara plus lineage's data scans, on the bytes
#   (b) lineage full: LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_CRYPTO (function
#       discovery, disassembly, constants and code shapes, imports, rules)
#   yara: the same rules/crypto/*.yar compiled once by yarac, then
#       `yara -C compiled --scan-list FILES` (one process, one thread)
# Files: the real crypto libraries of tests/crypto/expected.tsv (the "lib"
# lines) and 30 programs of /usr/bin, several of them carrying crypto.
# Wall time; the yara and lineage runs alternate, RUNS times, and the medians
# are printed. yara's time includes its process start and loading the compiled
# rules; lineage's excludes compiling the rules (printed apart). "rule hits"
# are distinct (file, rule) pairs: yara's match lines, lineage's findings from
# "rule:" sources (lineage may drop or merge matches after YARA; its data
# scans and code add findings of their own). Nothing scanned is ever run.
#   usage: bench/crypto.sh
#   env:   RUNS=3  RULES=rules/crypto
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
rules=${RULES:-$root/rules/crypto}
for c in cmake yara yarac nm; do command -v $c >/dev/null || bash scripts/install-deps.sh; done
cmake -S . -B build -DLINEAGE_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target bench_crypto >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=()
while read -r f; do [ -f "$f" ] && files+=("$f"); done < <(awk -F'\t' '$1 == "lib" && !seen[$2]++ {print $2}' tests/crypto/expected.tsv)
nlib=${#files[@]}
for b in ls cp mv sort cksum md5sum sha1sum sha256sum sha512sum b2sum base64 grep sed mawk find tar bash dash \
	make diff less strace gzip xz zstd ssh git openssl gpg perl; do
	[ -f /usr/bin/$b ] && files+=("$(readlink -f /usr/bin/$b)")
done
printf '%s\n' "${files[@]}" >"$work/list"
: >"$work/empty"
mapfile -t yars < <(find "$rules" -name '*.yar' | sort)
yarac -w "${yars[@]}" "$work/rules.yarc"
echo "crypto benchmark: $nlib crypto libraries + $((${#files[@]} - nlib)) programs of /usr/bin," \
	"$(du -cLb "${files[@]}" | tail -1 | awk '{printf "%.1f MB", $1 / 1e6}'); ${#yars[@]} rule files; $runs runs" >&2

now() { date +%s.%N; }
: >"$work/yara.t"
: >"$work/lineage.r"
for ((r = 1; r <= runs; r++)); do
	t0=$(now)
	yara -w -C "$work/rules.yarc" --scan-list "$work/list" >"$work/yara.out"
	t1=$(now)
	echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$work/yara.t"
	build/bench/bench_crypto --runs 1 --rules "$rules" "${files[@]}" >"$work/bench.out"
	grep '^RESULT ' "$work/bench.out" >>"$work/lineage.r"
done
t0=$(now)
yara -w -C "$work/rules.yarc" --scan-list "$work/empty" >/dev/null
t1=$(now)
ystart=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')

# the per-file table of the last lineage run
sed -n '/^file /,/^$/p' "$work/bench.out"
grep '^lineage crypto:' "$work/bench.out" | sed 's/median of 1 runs/per-file figures of the last run/'
yhits=$(grep -c . "$work/yara.out" || true)
awk -v runs="$runs" -v yhits="$yhits" -v ystart="$ystart" '
function med(v, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
FNR == NR { y[++ny] = $1; next }
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); val[kv[1]] = kv[2] }
	a[++nl] = val["a_sec"]; b[nl] = val["b_sec"]
	bytes = val["bytes"]; files = val["files"]; fa = val["a_findings"]; hits = val["a_rule_hits"]; fb = val["b_findings"]
}
END {
	ty = med(y, ny); ta = med(a, nl); tb = med(b, nl); mb = bytes / 1e6
	printf "\n%d files, %.1f MB; median of %d runs (wall time)\n", files, mb, runs
	printf "%-40s %9s %9s %9s %10s\n", "", "seconds", "MB/s", "findings", "rule hits"
	printf "%-40s %9.3f %9.1f %9s %10d\n", "yara -C (same rules, one thread)", ty, mb / ty, "-", yhits
	printf "%-40s %9.3f %9.1f %9s %10s\n", "  the same less process start", ty - ystart, mb / (ty - ystart), "-", "-"
	printf "%-40s %9.3f %9.1f %9d %10d\n", "(a) lineage rules only (bytes)", ta, mb / ta, fa, hits
	printf "%-40s %9.3f %9.1f %9d %10s\n", "(b) lineage full (code + bytes)", tb, mb / tb, fb, "-"
	printf "\nlineage/yara throughput: (a) %.2f   (b) %.3f   (yara process start + rule load: %s s;\n", \
		ty / ta, ty / tb, ystart
	printf "less that: (a) %.2f   (b) %.3f)\n", (ty - ystart) / ta, (ty - ystart) / tb
}' "$work/yara.t" "$work/lineage.r"
