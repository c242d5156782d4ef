#!/usr/bin/env python3
"""Ground truth of the destruction axis: per-method recall and false positives of `lineage scan`.

Files, all scanned in one run (tests/destruct/expected.tsv lists the real ones):
  fixtures    FIXTURES_DIR/destruct-<name>-<compiler>-<opt>[.exe]: inert programs written for the
              tests (tests/fixtures/src/destruct/<name>.c); the capabilities each must show are
              its `//@expect ID...` lines (`//@expect -`: none); embedded-file hosts are listed in
              tests/fixtures/src/destruct/embedded.expect (`GLOB ID...`). A method (role
              "method") reported on a fixture that does not expect it is a false positive.
  tools       legitimate disk tools of this machine (fdisk, sfdisk, parted, shred, dd, mke2fs,
              e2fsck, wipefs, blkdiscard, libfdisk, libparted...): the capabilities each must show
              (what it can do), hand-labelled; the text output must never call one a wiper or
              malicious. Other capabilities are printed, not counted.
  unrelated   programs and libraries with no business destroying data: any method reported is a
              false positive.
Recall per capability = files where found / files expected to have it.

Exit status 1 when a capability with at least 2 expected cases has recall < 95%, or on any false
positive, or when a disk tool misses a capability or is called a wiper; 2 on a setup error.
GT_REPORT_ONLY=1 always exits 0 after printing everything.
  usage: groundtruth.py LINEAGE_BIN FIXTURES_DIR
  env:   GT_REPORT_ONLY=1  GT_JOBS=2
"""
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "fixtures", "src", "destruct")
FIXTURE_RE = re.compile(r"^destruct-(.+)-(gcc|clang|mingw64|mingw32)-(O\w+)(\.exe)?$")
MIN_CASES, MIN_RECALL = 2, 0.95
WORDS = re.compile(r"\b(wiper|malicious|malware)\b", re.I)


def fixture_expectations():
    exp = {}
    for path in glob.glob(os.path.join(SRC, "*.c")):
        name = os.path.basename(path)[:-2]
        ids = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("//@expect"):
                    ids += [t for t in line.split()[1:] if t != "-"]
        exp[name] = set(ids)
    globs = []
    p = os.path.join(SRC, "embedded.expect")
    if os.path.exists(p):
        with open(p, encoding="utf-8") as f:
            for line in f:
                col = line.split()
                if col and not col[0].startswith("#"):
                    globs.append((col[0], set(t for t in col[1:] if t != "-")))
    return exp, globs


def load_table(path):
    tools, unrelated = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            col = line.split()
            if col[0] == "tool" and len(col) >= 2:
                tools.append((col[1], set(col[2:])))
            elif col[0] == "unrelated" and len(col) == 2:
                unrelated.append(col[1])
            else:
                sys.exit(f"{path}:{n}: expected 'tool PATH ID...' or 'unrelated PATH'")
    return tools, unrelated


def scan(lineage, path, text=False):
    args = [lineage, "scan"] + ([] if text else ["--json", "--no-functions"]) + [path]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"lineage scan {path}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout if text else json.loads(r.stdout)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lineage, fixtures = sys.argv[1], sys.argv[2]
    report_only = os.environ.get("GT_REPORT_ONLY") == "1"
    jobs = int(os.environ.get("GT_JOBS", "2"))
    exp, globs = fixture_expectations()
    tools, unrelated = load_table(os.path.join(HERE, "expected.tsv"))
    tools = [(p, ids) for p, ids in tools if os.path.exists(p)]
    unrelated = [p for p in unrelated if os.path.exists(p)]
    cases = []  # (kind, path, expected ids)
    for path in sorted(glob.glob(os.path.join(fixtures, "destruct-*"))):
        base = os.path.basename(path)
        m = FIXTURE_RE.match(base)
        want = None
        if m and m.group(1) in exp:
            want = exp[m.group(1)]
        for g, ids in globs:
            if fnmatch.fnmatch(base, g):
                want = ids
        if want is not None:
            cases.append(("fixture", path, want))
    if not cases:
        print(f"no destruction fixtures in {fixtures}", file=sys.stderr)
        return 2
    cases += [("tool", p, ids) for p, ids in tools]
    cases += [("unrelated", p, set()) for p in unrelated]

    results, errors, lock = {}, [], threading.Lock()
    queue = list(cases)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                c = queue.pop()
            try:
                doc = scan(lineage, c[1])
                text = scan(lineage, c[1], text=True) if c[0] == "tool" else ""
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(str(e))
                continue
            with lock:
                results[c[1]] = (doc, text)

    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        return 2

    found_n, want_n, misses, fps, tool_bad = {}, {}, [], [], []
    for kind, path, want in cases:
        doc, text = results[path]
        caps = doc.get("capabilities", [])
        got = {c["id"] for c in caps}
        methods = {c["id"] for c in caps if c["role"] == "method"}
        for i in want:
            want_n[i] = want_n.get(i, 0) + 1
            if i in got:
                found_n[i] = found_n.get(i, 0) + 1
            else:
                misses.append((kind, path, i))
        if kind == "fixture":
            for i in sorted(methods - want):
                fps.append((kind, path, i))
        elif kind == "unrelated":
            for i in sorted(methods):
                fps.append((kind, path, i))
        elif kind == "tool":
            extra = sorted(got - want)
            print(f"tool  {path}: {', '.join(sorted(got)) or 'nothing'}" +
                  (f"  (not labelled: {', '.join(extra)})" if extra else ""))
            if WORDS.search(text):
                tool_bad.append(f"{path}: the text output says '{WORDS.search(text).group(0)}'")

    nfix = sum(1 for c in cases if c[0] == "fixture")
    print(f"\n{len(cases)} files scanned in {time.time() - t0:.1f} s: {nfix} fixture builds, "
          f"{len(tools)} disk tools, {len(unrelated)} unrelated")
    print(f"\n{'capability':34} {'found':>7} {'cases':>6} {'recall':>7}")
    bad = []
    for i in sorted(want_n):
        r = found_n.get(i, 0) / want_n[i]
        flag = ""
        if want_n[i] >= MIN_CASES and r < MIN_RECALL:
            flag = "  < 95%"
            bad.append(i)
        print(f"{i:34} {found_n.get(i, 0):7} {want_n[i]:6} {100 * r:6.1f}%{flag}")
    total_f, total_w = sum(found_n.values()), sum(want_n.values())
    print(f"{'all':34} {total_f:7} {total_w:6} {100 * total_f / max(1, total_w):6.1f}%")
    for kind, path, i in misses:
        print(f"miss  {i} in {kind} {path}")
    print(f"\nfalse positives (methods where none is expected): {len(fps)}")
    for kind, path, i in fps:
        print(f"fp    {i} in {kind} {path}")
    for t in tool_bad:
        print(f"words {t}")
    tool_miss = [m for m in misses if m[0] == "tool"]
    failed = bool(bad or fps or tool_bad or tool_miss)
    if failed and not report_only:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
