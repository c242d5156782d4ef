#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run lineage on real
# binaries of this machine (ELF programs and libraries, and the Windows DLLs
# that Debian's mingw-w64 packages ship).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
samples=(/usr/bin/ls /usr/lib/x86_64-linux-gnu/libz.so.1
  /usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll /usr/lib/gcc/x86_64-w64-mingw32/12-win32/libgcc_s_seh-1.dll)
have=()
for s in "${samples[@]}"; do [ -f "$s" ] && have+=("$s"); done
echo "\$ build/lineage scan ${have[*]}"
exec build/lineage scan "${have[@]}"
