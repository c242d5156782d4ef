#!/usr/bin/env bash
# Ground truth of the crypto axis (tests/crypto/groundtruth.py): recall per
# algorithm family over real libraries of this machine and the crypto fixtures,
# false algorithms over the fixtures and unrelated binaries. Builds nothing: the
# fixtures come from tests/fixtures/build.sh (the CTest fixture "fixtures").
# Nothing scanned is ever run.
#   usage: run.sh LINEAGE FIXTURES_DIR
#   env:   GT_REPORT_ONLY=1 (print everything, exit 0)  GT_JOBS=2
set -euo pipefail
bin=${1:?usage: run.sh LINEAGE FIXTURES_DIR}
fixtures=${2:?usage: run.sh LINEAGE FIXTURES_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "no lineage at $bin" >&2; exit 2; }
command -v nm >/dev/null || { echo "nm (binutils) is needed for the exported names" >&2; exit 2; }
exec python3 "$here/groundtruth.py" "$bin" "$fixtures"
