#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for a short while on its
# seed corpus (fuzz/corpus/<parser>/). Longer runs: FUZZ_SECONDS=600.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINEAGE_BUILD_FUZZERS=ON \
  -DLINEAGE_BUILD_TESTS=OFF -DLINEAGE_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)"
shopt -s nullglob
for f in build-fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); parser=${name#fuzz_}
  seeds=fuzz/corpus/$parser
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
  echo "fuzz $name: ${secs}s"
  log=build-fuzz/$name.log
  mkdir -p build-fuzz/artifacts
  if ! "$f" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/artifacts/ "$work" >"$log" 2>&1; then
    # the finding: libFuzzer's report without its dictionary statistics
    grep -v '^"' "$log" | tail -60
    echo "fuzz $name: finding kept in build-fuzz/artifacts/ (full log $log)" >&2
    rm -rf "$work"
    exit 1
  fi
  tail -3 "$log"
  rm -rf "$work"
done
