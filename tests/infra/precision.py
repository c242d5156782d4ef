#!/usr/bin/env python3
"""Precision of the infrastructure axis on real binaries: every indicator `lineage scan` reports on the programs
and libraries of tests/infra/real.tsv (hand-labelled: ok, a real indicator; junk, data that reads like one).

  precision = ok reported / (ok + junk reported)
  recall    = labelled ok indicators still reported / labelled ok indicators (a regression check)

A VALUE may hold `*` (fnmatch): `https://bugs.debian.org/*` labels every bug link of a file, so that a newer build
of the same package (Debian 12 point releases add links) is still judged. Indicators no line labels are printed
("unlabelled": label them) and left out of the precision; more than 10% of them means the list no longer describes
this machine's files, and fails. Files that are not on this machine are skipped; at least 100 labelled indicators
must be reported, so that the test cannot pass on nothing. Exit status 1 when precision < 95%, recall < 100%, too much
is unlabelled or too little remains; 2 on a setup error. Nothing scanned is ever run.
  usage: precision.py LINEAGE_BIN
"""
import fnmatch
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    lineage = sys.argv[1]
    labels = {}
    for line in open(os.path.join(HERE, "real.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f, t, v, lab = line.rstrip("\n").split("\t")[:4]
        if lab == "none":  # a file with nothing to report: scanned, so that junk there shows
            labels.setdefault(f, {})
            continue
        if lab not in ("ok", "junk"):
            print(f"real.tsv: bad label {lab!r} for {v}", file=sys.stderr)
            return 2
        labels.setdefault(f, {})[(t, v)] = lab
    files = [f for f in labels if os.path.exists(f)]
    skipped = [f for f in labels if f not in files]

    def scan(f):
        r = subprocess.run([lineage, "scan", "--json", "--no-functions", f], capture_output=True, text=True)
        if r.returncode != 0:
            return f, None
        return f, json.loads(r.stdout.splitlines()[0])["indicators"]

    ok = junk = unlabelled = found_ok = want_ok = 0
    problems = []
    with ThreadPoolExecutor(int(os.environ.get("GT_JOBS", "2"))) as ex:
        for f, inds in ex.map(scan, files):
            if inds is None:
                print(f"scan failed: {f}", file=sys.stderr)
                return 2
            got = {(i["type"], i["value"]) for i in inds}
            for key in sorted(got):
                lab = labels[f].get(key)
                if lab is None:  # a pattern line
                    lab = next((l for (t, v), l in labels[f].items() if t == key[0] and "*" in v
                                and fnmatch.fnmatchcase(key[1], v)), None)
                if lab == "ok":
                    ok += 1
                elif lab == "junk":
                    junk += 1
                    problems.append(f"junk        {key[0]} {key[1]} in {f}")
                else:
                    unlabelled += 1
                    problems.append(f"unlabelled  {key[0]} {key[1]} in {f}")
            for key, lab in labels[f].items():
                if lab == "ok" and "*" not in key[1]:
                    want_ok += 1
                    if key in got:
                        found_ok += 1
                    else:
                        problems.append(f"missed      {key[0]} {key[1]} in {f}")
    reported = ok + junk + unlabelled
    precision = ok / (ok + junk) if ok + junk else 0.0
    recall = found_ok / want_ok if want_ok else 0.0
    for p in problems:
        print(p)
    print(f"real binaries: {len(files)} files ({len(skipped)} not on this machine), {reported} indicators reported: "
          f"{ok} ok, {junk} junk, {unlabelled} unlabelled; precision {100 * precision:.1f}% (>= 95%), "
          f"recall of the labelled ones {found_ok}/{want_ok}")
    if ok + junk < 100:
        print("too few labelled indicators reported on this machine to judge (< 100)")
        return 1
    if unlabelled > 0.10 * reported:
        print("more than 10% unlabelled: tests/infra/real.tsv no longer describes this machine's files")
        return 1
    return 0 if precision >= 0.95 and found_ok == want_ok else 1


if __name__ == "__main__":
    sys.exit(main())
