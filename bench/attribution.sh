#!/usr/bin/env bash
# The combined verdict's acceptance benchmark (docs/attribution.md, "Measured"):
#  1. bench/families/gen.py writes, for each seed, synthetic, inert families (code of their own and traits
#     on every axis; variants that keep some of each, from most of it to a sliver, built by gcc, clang and
#     mingw-w64 at -O0/-O2/-Os), false flags (one family's code, another's artifacts) and unrelated
#     programs, some with one borrowed function or indicator;
#  2. they are built into $FAMILIES/seedN (never run; a build newer than its source is kept);
#  3. bench_attribution, once per seed (two at a time), stores 5 of each family's variants in a fresh
#     corpus and queries the other 8, the false flags and the unrelated programs under each axis
#     combination, prints the figures and dumps each query's evidence;
#  4. bench/attribution.py pools the seeds: the figures over all of them; the Platt constants
#     (CALIB_SCALE, CALIB_BIAS of lib/kinship/match.c) fitted on the training seeds' queries, with the
#     bias free and with the bias fixed at 0; the held-out (test seeds) ECE, log-loss and reliability of
#     each, and of the library as built; the reliability diagram ($PNG) of the library as built.
# To calibrate: put the chosen constants into lib/kinship/match.c, rebuild, run again: the held-out
# figures it prints "as built" are then the library's own.
#
# Environment: LINEAGE_BUILD (default build-bench: the CMake build holding bench/bench_attribution),
# FAMILIES (default build/bench-families), PNG (default build/bench/reliability.png), TRAIN_SEEDS
# (default "7 8"), TEST_SEEDS (default "9 10"); REALCODE=1 also runs bench/kinship.sh's corpus (fixtures,
# realcode, system; built beforehand by bench/kinship.sh into build/fixtures and build/realcode) through
# the same comparison.
#   usage: bash bench/attribution.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LINEAGE_BUILD:-build-bench}
fam=${FAMILIES:-build/bench-families}
png=${PNG:-build/bench/reliability.png}
train=${TRAIN_SEEDS:-7 8}
test=${TEST_SEEDS:-9 10}
[ -x "$bin/bench/bench_attribution" ] || { echo "build $bin first (cmake --build $bin)" >&2; exit 1; }

seeds="$train $test"
for s in $seeds; do
  python3 bench/families/gen.py --out "$fam/seed$s" --seed "$s" >&2
  mkdir -p "$fam/seed$s/bin" "$fam/seed$s/pdb"
done

# one build: DIR NAME ROLE FAMILY AFAMILY VARIANT PROFILE COMPILER OPT SOURCE DEF PDB
build_one() {
  local name=$2 c=$8 o=$9 src=${10} def=${11} pdb=${12} fam=$1 cmd ext= flags extra=()
  case $c in
    gcc) cmd=gcc ;; clang) cmd=clang ;;
    mingw64) cmd=x86_64-w64-mingw32-gcc ext=.exe ;; mingw32) cmd=i686-w64-mingw32-gcc ext=.exe ;;
  esac
  local out="$fam/bin/$name$ext"
  [ "$out" -nt "$src" ] && return 0
  flags=(-"$o" -g0 -w -fno-inline-functions-called-once)
  [[ $c == mingw* ]] || flags+=(-fno-stack-protector)
  [ "$def" = - ] || extra+=("$def")
  # ld --pdb writes the PDB beside the build and only its file name into the CodeView record
  [ "$pdb" = - ] || { mkdir -p "$fam/pdb/$name"; extra+=("-Wl,--pdb=$fam/pdb/$name/$pdb"); }
  "$cmd" "${flags[@]}" -o "$out" "$src" "${extra[@]}"
}
export -f build_one
t0=$SECONDS
for s in $seeds; do
  cut -f1-11 "$fam/seed$s/plan.tsv" | awk -v d="$(realpath "$fam/seed$s")" '{ print d "\t" $0 }'
done | tr '\t' '\n' | xargs -d '\n' -n 12 -P 2 bash -c 'build_one "$@"' build_one
echo "built $(cat "$fam"/seed*/plan.tsv | wc -l) programs in $fam ($((SECONDS - t0)) s)" >&2

# each seed's manifest (ROLE FAMILY AFAMILY VARIANT PROFILE PATH) and run, two at a time
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_seed() {
  local d=$fam/seed$1
  awk -F'\t' -v d="$d/bin" '{ ext = ($7 ~ /^mingw/) ? ".exe" : ""; print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" d "/" $1 ext }' \
    "$d/plan.tsv" >"$d/manifest.tsv"
  "$bin/bench/bench_attribution" --dump "$d/evidence.tsv" "$work/attribution$1.db" <"$d/manifest.tsv" >"$d/report.txt"
}
t0=$SECONDS
pids=() n=0
for s in $seeds; do
  run_seed "$s" &
  pids+=($!)
  if [ $((++n % 2)) = 0 ]; then for p in "${pids[@]}"; do wait "$p"; done; pids=(); fi
done
for p in "${pids[@]}"; do wait "$p"; done
for s in $seeds; do
  echo "== seed $s ($( [[ " $train " == *" $s "* ]] && echo training || echo held-out))"
  cat "$fam/seed$s/report.txt"
  echo
done
echo "(analysis and matching of all seeds: $((SECONDS - t0)) s)"
mkdir -p "$(dirname "$png")"
args=()
for s in $train; do args+=(--train "$fam/seed$s/evidence.tsv"); done
for s in $test; do args+=(--test "$fam/seed$s/evidence.tsv"); done
python3 bench/attribution.py "${args[@]}" --png "$png"

if [ "${REALCODE:-0}" = 1 ]; then
  echo
  echo "== bench/kinship.sh's corpus (real code, leave-one-out), all axes against code alone"
  # bench/kinship.sh's manifest (its line function and list), without building anything
  m=$work/kinship.tsv
  fx=build/fixtures rc=build/realcode/bin lib=/usr/lib/x86_64-linux-gnu
  w64=/usr/lib/gcc/x86_64-w64-mingw32 w32=/usr/lib/gcc/i686-w64-mingw32
  eval "$(sed -n '/^line() {/,/^}/p' bench/kinship.sh)"
  eval "$(sed -n '/^{$/,/^} >"\$m"/p' bench/kinship.sh)"
  "$bin/bench/bench_attribution" --dump "$work/kinship-evidence.tsv" "$work/kinship.db" <"$m"
fi
