#!/usr/bin/env bash
# Source checks that need no build: banned calls in lib/ (curl's checksrc
# habit), public headers compile alone as C99, formatting (clang-format).
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
# 1. lib/ allocates only through lib/util/alloc.c and never uses unbounded string calls
bad=$(grep -nE '(^|[^_a-zA-Z])(malloc|calloc|realloc|free|strcpy|strcat|sprintf|vsprintf|atoi|atol|gets)\(' \
  $(find lib -name '*.c' ! -path lib/util/alloc.c) | grep -v '^\s*/\*' || true)
if [ -n "$bad" ]; then echo "banned calls in lib/ (use ln_malloc/ln_free, snprintf, strtol):"; echo "$bad"; fail=1; fi
# 2. every public header compiles alone as C99 with -pedantic
for h in include/lineage.h include/lineage/*.h; do
  if ! echo "#include \"$h\"" | ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -I. -x c -fsyntax-only - 2>/tmp/lint.$$; then
    echo "$h does not compile alone as C99:"; head -5 /tmp/lint.$$; fail=1
  fi
done
rm -f /tmp/lint.$$
# 3. formatting
if command -v clang-format >/dev/null; then
  files=$(git ls-files 'lib/*.c' 'lib/*.h' 'cli/*.c' 'cli/*.h' 'include/*.h' 'bench/*.c' 'fuzz/*.c' 'fuzz/*.h' \
    'tests/unit/*.c' 'tests/tools/*.c' 2>/dev/null)
  unformatted=$(for f in $files; do clang-format "$f" | cmp -s - "$f" || echo "$f"; done)
  if [ -n "$unformatted" ]; then echo "not clang-formatted (run clang-format -i):"; echo "$unformatted"; fail=1; fi
fi
if [ $fail = 0 ]; then echo "lint: ok"; fi
exit $fail
