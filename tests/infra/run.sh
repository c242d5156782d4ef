#!/usr/bin/env bash
# Ground truth of the infrastructure axis (tests/infra/groundtruth.py): per-form
# recall (ascii, utf16, stack, xor, integer) of the network indicators planted in
# the inert fixtures of tests/fixtures/src/infra, and false positives (anything
# reported that no "//@expect" line names, the negative control included).
# Builds nothing: the fixtures come from tests/fixtures/build.sh (the CTest
# fixture "fixtures"). Then tests/infra/precision.py: precision (>= 95%) on the
# real programs and libraries of tests/infra/real.tsv, hand-labelled. Nothing
# scanned is ever run.
#   usage: run.sh LINEAGE FIXTURES_DIR
#   env:   GT_REPORT_ONLY=1 (print everything, exit 0)  GT_JOBS=2
# The runner checks itself against a fake lineage with: groundtruth.py --selftest
set -euo pipefail
bin=${1:?usage: run.sh LINEAGE FIXTURES_DIR}
fixtures=${2:?usage: run.sh LINEAGE FIXTURES_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "no lineage at $bin" >&2; exit 2; }
rc=0
python3 "$here/groundtruth.py" "$bin" "$fixtures" || rc=$?
# precision on real programs and libraries of this machine, hand-labelled (tests/infra/real.tsv)
python3 "$here/precision.py" "$bin" || { r=$?; [ $rc -ne 0 ] || rc=$r; }
[ -z "${GT_REPORT_ONLY:-}" ] || rc=0
exit $rc
