#!/usr/bin/env bash
# Quick start 2 and CI: install what is missing, build, and run every test:
# the CTest suite (-Werror build), the same suite under ASan+UBSan, and a
# short libFuzzer smoke of every parser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

echo "== release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== fuzz smoke (libFuzzer, clang)"
bash scripts/fuzz-smoke.sh

echo "== ASan+UBSan build and the same tests"
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLINEAGE_SANITIZE=ON \
  -DLINEAGE_BUILD_BENCH=OFF -DLINEAGE_REALCODE_DIR="$PWD/build/realcode" >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
