#!/usr/bin/env bash
# Ground truth of the destruction axis (tests/destruct/groundtruth.py): per-method
# recall on the inert fixtures and on legitimate disk tools of this machine, false
# positives on unrelated binaries. Builds nothing: the fixtures come from
# tests/fixtures/build.sh (the CTest fixture "fixtures"). Nothing scanned is ever run.
#   usage: run.sh LINEAGE FIXTURES_DIR
#   env:   GT_REPORT_ONLY=1 (print everything, exit 0)  GT_JOBS=2
set -euo pipefail
bin=${1:?usage: run.sh LINEAGE FIXTURES_DIR}
fixtures=${2:?usage: run.sh LINEAGE FIXTURES_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "no lineage at $bin" >&2; exit 2; }
exec python3 "$here/groundtruth.py" "$bin" "$fixtures"
