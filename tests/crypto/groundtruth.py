#!/usr/bin/env python3
"""Ground truth of the crypto axis: recall and false algorithms of `lineage scan`.

Three sets of files, all scanned in one run (tests/crypto/expected.tsv lists them):
  libraries   real libraries of this machine; the families each must show come from
              its exported names (nm -D --defined-only) through a table of patterns
              (libgcrypt: the algorithm names it registers, from its strings)
  fixtures    FIXTURES_DIR/crypto-<name>-<compiler>-<opt>[.exe]; the families come
              from the first line of tests/fixtures/src/crypto/<name>.c, `//@family a,b`;
              any other family reported there is a false algorithm
  unrelated   binaries with no cryptographic algorithm: any family reported there is a
              false algorithm, except xor, base64 and bignum (encodings and arithmetic,
              printed apart)
A family counts as found in a file when a finding of it has library:false (the file's own
code or data, not an import), except in the CryptoAPI and CNG fixtures, whose algorithms
are API calls. Recall per family = files where found / files expected to have it.

Exit status 1 when a family with at least 3 expected cases has recall < 95% or a false
algorithm is found, 2 on a setup error (no fixtures, lineage failed); GT_REPORT_ONLY=1
always exits 0 after printing everything.
  usage: groundtruth.py LINEAGE_BIN FIXTURES_DIR
  env:   GT_REPORT_ONLY=1  GT_JOBS=2 (parallel lineage processes)  GT_EXPECTED=path.tsv
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_SRC = os.path.join(HERE, "..", "fixtures", "src", "crypto")
FAMILIES = ("aes des blowfish twofish camellia seed aria cast rc5 rc6 tea "
            "rc4 chacha salsa md4 md5 sha1 sha2 ripemd crc adler api-hash "
            "rsa dsa ecc bignum clmul cryptoapi cng base64 xor").split()
ENCODINGS = {"xor", "base64", "bignum"}  # not algorithm claims in unrelated files
MIN_CASES, MIN_RECALL = 3, 0.95
FIXTURE_RE = re.compile(r"^crypto-(.+)-(gcc|clang|mingw64|mingw32)-(O\w+)(\.exe)?$")


# Families whose implementations are made of multi-precision arithmetic: a
# bignum finding in their fixtures is the same code, not a false algorithm.
PUBKEY = {"rsa", "dsa", "ecc"}


def load_table(path):
    libs, overrides, unrelated, info = {}, {}, [], {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            col = line.split("\t")
            kind = col[0]
            if kind == "lib" and len(col) == 5:
                if col[4] not in FAMILIES:
                    sys.exit(f"{path}:{n}: unknown family {col[4]!r}")
                libs.setdefault(col[1], []).append((col[2], re.compile(col[3]), col[4]))
            elif kind == "fixture" and len(col) >= 3:
                fams = {x for x in col[2].split(",") if x}
                overrides[col[1]] = (fams, len(col) > 3 and col[3] == "library")
            elif kind == "unrelated" and len(col) == 2:
                unrelated.append(col[1])
            elif kind == "info" and len(col) >= 2:
                info[col[1]] = col[2] if len(col) > 2 else ""
            else:
                sys.exit(f"{path}:{n}: bad line: {line!r}")
    return libs, overrides, unrelated, info


def exported_names(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True)
    names = set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            names.add(parts[2].split("@")[0])
    return names


def printable_strings(path):
    with open(path, "rb") as f:
        data = f.read()
    return {m.group().decode("ascii") for m in re.finditer(rb"[\x20-\x7e]{3,}", data)}


def library_expectations(libs):
    """path -> {family: evidence name}; missing libraries are skipped."""
    exp, skipped = {}, []
    for path, rules in libs.items():
        if not os.path.isfile(path):
            skipped.append(path)
            continue
        names = {}
        fams = {}
        for source, rx, fam in rules:
            if source not in names:
                names[source] = sorted(exported_names(path) if source == "exports" else printable_strings(path))
            if fam in fams:
                continue
            hit = next((s for s in names[source] if rx.match(s)), None)
            if hit is not None:
                fams[fam] = hit
        exp[path] = fams
    return exp, skipped


def fixture_expectations(fixdir, overrides):
    """path -> (name, build, families, library_ok)."""
    out, stale = {}, set()
    for fn in sorted(os.listdir(fixdir)):
        m = FIXTURE_RE.match(fn)
        if not m:
            continue
        name = m.group(1)
        src = os.path.join(FIXTURE_SRC, name + ".c")
        if not os.path.isfile(src):
            stale.add(name)
            continue
        with open(src, encoding="utf-8", errors="replace") as f:
            first = f.readline().strip()
        if not first.startswith("//@family"):
            sys.exit(f"{src}: first line is not //@family")
        fams = {x.strip() for x in first[len("//@family"):].split(",") if x.strip()}
        lib_ok = False
        if name in overrides:
            fams, lib_ok = overrides[name]
        for x in fams:
            if x not in FAMILIES:
                sys.exit(f"{src}: unknown family {x!r}")
        build = fn[len("crypto-" + name) + 1:]
        out[os.path.join(fixdir, fn)] = (name, build, fams, lib_ok)
    return out, stale


def scan(lineage, files, jobs):
    """Run lineage over files in `jobs` processes; path -> crypto object."""
    groups = [[] for _ in range(max(1, jobs))]
    sizes = [0] * len(groups)
    for f in sorted(files, key=lambda p: -os.path.getsize(p)):
        i = sizes.index(min(sizes))
        groups[i].append(f)
        sizes[i] += os.path.getsize(f)
    docs, errors = {}, []
    lock = threading.Lock()

    def run(group):
        if not group:
            return
        p = subprocess.run([lineage, "scan", "--json", "--no-functions"] + group, capture_output=True, text=True)
        with lock:
            for line in p.stdout.splitlines():
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError as e:
                    errors.append(f"bad JSON from lineage: {e}")
                    continue
                path = d.get("file", {}).get("path")
                docs[path] = d.get("crypto") or {"families": [], "findings": []}
            if p.returncode not in (0, 1):
                errors.append(f"lineage exited {p.returncode}: {p.stderr.strip()[:500]}")
            elif p.stderr.strip():
                errors.extend(p.stderr.strip().splitlines()[:20])

    threads = [threading.Thread(target=run, args=(g,)) for g in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return docs, errors


def by_family(crypto):
    """family -> (own findings, library findings)."""
    out = {}
    for f in crypto.get("findings", []):
        own, lib = out.setdefault(f["family"], ([], []))
        (lib if f.get("library") else own).append(f)
    return out


def where(f):
    return f"{f.get('source')} va={f.get('va')}" + (f" off={f.get('offset')}" if f.get("va") is None else "")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: groundtruth.py LINEAGE_BIN FIXTURES_DIR")
    lineage, fixdir = sys.argv[1], sys.argv[2]
    report_only = os.environ.get("GT_REPORT_ONLY") == "1"
    jobs = int(os.environ.get("GT_JOBS", "2"))
    table = os.environ.get("GT_EXPECTED", os.path.join(HERE, "expected.tsv"))
    t0 = time.time()
    libs, overrides, unrelated, info = load_table(table)
    lib_exp, lib_skipped = library_expectations(libs)
    if not os.path.isdir(fixdir):
        print(f"error: no fixtures folder {fixdir}")
        return 0 if report_only else 2
    fix_exp, stale = fixture_expectations(fixdir, overrides)
    unrel = [p for p in unrelated if os.path.isfile(p)]
    unrel_missing = [p for p in unrelated if not os.path.isfile(p)]
    infos = [p for p in info if os.path.isfile(p)]
    files = list(dict.fromkeys(list(lib_exp) + list(fix_exp) + unrel + infos))
    docs, errors = scan(lineage, files, jobs)
    elapsed = time.time() - t0

    # per family: expected/found for libraries and fixtures, false positives, encodings
    st = {f: {"le": 0, "lf": 0, "fe": 0, "ff": 0, "fp": 0, "enc": 0} for f in FAMILIES}
    misses, falses, encs, imports_only, extras, failed = [], [], [], [], [], []
    for path, fams in sorted(lib_exp.items()):
        c = docs.get(path)
        if c is None:
            failed.append(path)
        fam = by_family(c or {})
        for x in sorted(fams):
            st[x]["le"] += 1
            if fam.get(x, ([], []))[0]:
                st[x]["lf"] += 1
            else:
                misses.append((path, x, f"expected from {fams[x]}"))
        extra = sorted(x for x, (own, _) in fam.items() if own and x not in fams)
        if extra:
            extras.append((path, extra))
    fix_miss = {}  # (name, family) -> [builds]
    for path, (name, build, fams, lib_ok) in sorted(fix_exp.items()):
        c = docs.get(path)
        if c is None:
            failed.append(path)
        fam = by_family(c or {})
        for x in sorted(fams):
            st[x]["fe"] += 1
            own, lib = fam.get(x, ([], []))
            if own or (lib_ok and lib):
                st[x]["ff"] += 1
            else:
                fix_miss.setdefault((name, x), []).append(build)
        for x, (own, lib) in sorted(fam.items()):
            if x in fams:
                continue
            if x == "bignum" and fams & PUBKEY:
                continue  # public-key code is big-number code: not a second algorithm
            if own:
                if x in st:
                    st[x]["fp"] += 1
                falses.append((path, x, own))
            elif lib:
                imports_only.append((path, x, lib))
    for path in unrel:
        c = docs.get(path)
        if c is None:
            failed.append(path)
        for x, (own, lib) in sorted(by_family(c or {}).items()):
            if not own:
                continue
            if x in ENCODINGS:
                st[x]["enc"] += 1
                encs.append((path, x, own))
            else:
                if x in st:
                    st[x]["fp"] += 1
                falses.append((path, x, own))

    # the table
    print(f"crypto ground truth: {len(lib_exp)} libraries, {len(fix_exp)} fixture builds "
          f"({len({v[0] for v in fix_exp.values()})} sources), {len(unrel)} unrelated files, "
          f"{len(infos)} informational; scanned in {elapsed:.1f} s with {jobs} processes")
    hdr = f"{'family':<10} {'libraries':>9} {'fixtures':>9} {'expected':>8} {'found':>6} {'recall':>7} {'false':>6} {'enc/arith':>9}"
    print()
    print(hdr)
    print("-" * len(hdr))
    tot = {k: 0 for k in ("le", "lf", "fe", "ff", "fp", "enc")}
    bad_recall = []
    for x in FAMILIES:
        s = st[x]
        exp, found = s["le"] + s["fe"], s["lf"] + s["ff"]
        if not exp and not s["fp"] and not s["enc"]:
            continue
        for k in tot:
            tot[k] += s[k]
        rec = f"{100.0 * found / exp:6.1f}%" if exp else "      -"
        if exp >= MIN_CASES and found < MIN_RECALL * exp:
            bad_recall.append(x)
            rec += "<"
        lcol = f"{s['lf']}/{s['le']}" if s["le"] else "-"
        fcol = f"{s['ff']}/{s['fe']}" if s["fe"] else "-"
        enc = str(s["enc"]) if x in ENCODINGS else "-"
        print(f"{x:<10} {lcol:>9} {fcol:>9} {exp:>8} {found:>6} {rec:>8} {s['fp']:>6} {enc:>9}")
    print("-" * len(hdr))
    exp, found = tot["le"] + tot["fe"], tot["lf"] + tot["ff"]
    print(f"{'total':<10} {tot['lf']:>4}/{tot['le']:<4} {tot['ff']:>4}/{tot['fe']:<4} {exp:>8} {found:>6} "
          f"{(100.0 * found / exp if exp else 0):7.1f}% {tot['fp']:>6} {tot['enc']:>9}")
    print("(libraries, fixtures: found/expected; false: files with a false algorithm of that family, fixtures "
          "and unrelated files; enc/arith: unrelated files with xor/base64/bignum; '<' marks recall under "
          f"{MIN_RECALL:.0%} with >= {MIN_CASES} cases)")

    print(f"\nmisses ({len(misses) + sum(len(b) for b in fix_miss.values())}):")
    for path, x, why in misses:
        print(f"  {path}  {x}  ({why})")
    for (name, x), builds in sorted(fix_miss.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        n = sum(1 for v in fix_exp.values() if v[0] == name)
        print(f"  crypto-{name}-*  {x}  ({len(builds)}/{n}: {' '.join(builds)})")

    print(f"\nfalse algorithms ({len(falses)} file/family pairs):")
    for path, x, own in sorted(falses, key=lambda t: (t[1], t[0])):
        more = f" (+{len(own) - 1} more)" if len(own) > 1 else ""
        print(f"  {path}  {x}  {where(own[0])}{more}")

    print(f"\nencodings and arithmetic in unrelated files ({len(encs)}; not algorithm claims, not failures):")
    for path, x, own in sorted(encs, key=lambda t: (t[1], t[0])):
        more = f" (+{len(own) - 1} more)" if len(own) > 1 else ""
        print(f"  {path}  {x}  {where(own[0])}{more}")

    print(f"\nfixtures: families from imports only (library:true; not scored) ({len(imports_only)}):")
    for path, x, lib in sorted(imports_only, key=lambda t: (t[1], t[0])):
        print(f"  {os.path.basename(path)}  {x}  {lib[0].get('source')}" + (f" (+{len(lib) - 1})" if len(lib) > 1 else ""))

    print("\nlibraries: families found beyond what their exports name (not scored):")
    for path, extra in extras:
        print(f"  {path}: {' '.join(extra)}")

    if infos:
        print("\ninformational files (not scored): own families / imported families")
        for path in infos:
            fam = by_family(docs.get(path) or {})
            own = " ".join(sorted(x for x, (o, _) in fam.items() if o)) or "-"
            lib = " ".join(sorted(x for x, (o, l) in fam.items() if l and not o)) or "-"
            print(f"  {path}: {own} / {lib}   [{info[path]}]")

    notes = []
    if lib_skipped:
        notes.append("libraries not installed, skipped: " + " ".join(lib_skipped))
    if unrel_missing:
        notes.append("unrelated files missing, skipped: " + " ".join(unrel_missing))
    if stale:
        notes.append("fixtures without a source (stale builds), skipped: " + " ".join(sorted(stale)))
    if failed:
        notes.append("lineage gave no result for: " + " ".join(failed))
    notes += errors
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)

    problems = []
    if not fix_exp:
        problems.append(f"no crypto fixtures in {fixdir} (tests/fixtures/build.sh builds them)")
    if failed:
        problems.append(f"{len(failed)} files not scanned")
    if bad_recall:
        problems.append("recall under 95%: " + " ".join(bad_recall))
    if falses:
        problems.append(f"{len(falses)} false algorithms")
    print()
    if problems:
        print("FAIL: " + "; ".join(problems) + (" (GT_REPORT_ONLY=1: exit 0)" if report_only else ""))
        if report_only:
            return 0
        return 2 if (not fix_exp or failed) and not bad_recall and not falses else 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
