#!/usr/bin/env python3
"""Ground truth of the infrastructure axis: per-form recall and false positives of `lineage scan`.

Fixtures: FIXTURES_DIR/infra-<name>-<compiler>-<opt>[.exe], built by tests/fixtures/build.sh from
tests/fixtures/src/infra/<name>.c with gcc and clang (ELF; not for "//@pe-only" sources) and mingw64 and
mingw32 (PE; not for "//@elf-only" sources) at -O0 and -O2. Every build the sources call for must exist.
Each source says what must be found in its builds, one line per indicator and form:
    //@expect TYPE VALUE FORM [port=N] [only=TOKEN,...]
    //@expect-none                      (a negative control: nothing may be reported)
  TYPE   ipv4 ipv6 domain url email user-agent mutex pipe
  VALUE  the normalized value as `lineage scan --json` reports it; it may hold spaces (a user agent): the
         line is read from both ends, TYPE first, then the options and FORM from the right
  FORM   ascii utf16 stack xor integer: the indicator must have an occurrence of that form
  port=N the indicator's port must be N (otherwise any port, or none, will do)
  only=  the line holds only for builds matching one of the tokens: a compiler (gcc clang mingw64 mingw32),
         a level (O0 O2), both joined by "-" (clang-O2), or elf / pe
A case is one expect line in one build it holds for: a hit when `lineage scan --json` lists an indicator
of that type and value (and port) with an occurrence of that form. Any indicator whose type and value are
on none of the source's expect lines (form, port and only= aside) is a false positive.

Exit status 1 when a form's recall is below 100% or on any false positive; 2 on a setup error (a missing
build, an unreadable expect line, a scan that fails). GT_REPORT_ONLY=1 always exits 0 after printing.
  usage: groundtruth.py LINEAGE_BIN FIXTURES_DIR
         groundtruth.py --selftest     (checks this script against a fake lineage; needs no build)
  env:   GT_REPORT_ONLY=1  GT_JOBS=2
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "fixtures", "src", "infra")
TYPES = ("ipv4", "ipv6", "domain", "url", "email", "user-agent", "mutex", "pipe")
FORMS = ("ascii", "utf16", "stack", "xor", "integer")
ELF_CC, PE_CC, OPTS = ("gcc", "clang"), ("mingw64", "mingw32"), ("O0", "O2")
TOKENS = set(ELF_CC + PE_CC + OPTS + ("elf", "pe")) | {f"{c}-{o}" for c in ELF_CC + PE_CC for o in OPTS}


class SetupError(Exception):
    pass


def parse_expect(text, where):
    """'TYPE VALUE FORM [port=N] [only=...]' -> dict."""
    words = text.split()
    if len(words) < 3:
        raise SetupError(f"{where}: expected '//@expect TYPE VALUE FORM [port=N] [only=...]'")
    typ, rest = words[0], text.strip()[len(words[0]):].strip()
    port, only = None, None
    while True:
        head, _, last = rest.rpartition(" ")
        if re.fullmatch(r"port=\d+", last) and port is None:
            port = int(last[5:])
        elif last.startswith("only=") and only is None:
            only = [t for t in last[5:].split(",") if t]
            bad = [t for t in only if t not in TOKENS]
            if bad or not only:
                raise SetupError(f"{where}: unknown only= token(s) {', '.join(bad) or '(none)'}")
        else:
            break
        rest = head.strip()
    value, _, form = rest.rpartition(" ")
    value = value.strip()
    if typ not in TYPES:
        raise SetupError(f"{where}: unknown type '{typ}' (one of {' '.join(TYPES)})")
    if form not in FORMS:
        raise SetupError(f"{where}: unknown form '{form}' (one of {' '.join(FORMS)})")
    if not value:
        raise SetupError(f"{where}: no value")
    return {"type": typ, "value": value, "form": form, "port": port, "only": only}


def load_sources(src):
    """{name: {"expect": [...], "none": bool, "compilers": [...]}} from src/*.c."""
    out = {}
    for path in sorted(glob.glob(os.path.join(src, "*.c"))):
        name = os.path.basename(path)[:-2]
        exp, none, pe_only, elf_only = [], False, False, False
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.startswith("//@expect-none"):
                    none = True
                elif line.startswith("//@expect "):
                    exp.append(parse_expect(line[len("//@expect "):], f"{path}:{n}"))
                elif line.startswith("//@expect"):
                    raise SetupError(f"{path}:{n}: unreadable expect line")
                elif line.startswith("//@pe-only"):
                    pe_only = True
                elif line.startswith("//@elf-only"):
                    elf_only = True
        if none and exp:
            raise SetupError(f"{path}: both //@expect-none and //@expect lines")
        if not none and not exp:
            raise SetupError(f"{path}: no //@expect or //@expect-none line")
        compilers = ([] if pe_only else list(ELF_CC)) + ([] if elf_only else list(PE_CC))
        out[name] = {"expect": exp, "none": none, "compilers": compilers}
    if not out:
        raise SetupError(f"no fixture sources in {src}")
    return out


def applies(e, comp, opt):
    if not e["only"]:
        return True
    fmt = "elf" if comp in ELF_CC else "pe"
    return any(t in (comp, opt, f"{comp}-{opt}", fmt) for t in e["only"])


def builds(sources, fixtures):
    """[(path, name, compiler, opt)] of every build the sources call for."""
    out = []
    for name, s in sources.items():
        for c in s["compilers"]:
            for o in OPTS:
                ext = ".exe" if c in PE_CC else ""
                out.append((os.path.join(fixtures, f"infra-{name}-{c}-{o}{ext}"), name, c, o))
    return out


def scan(lineage, path):
    r = subprocess.run([lineage, "scan", "--json", "--no-functions", path], capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"lineage scan {path}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def indicator_port(ind):
    try:
        return int(ind.get("port") or 0)
    except (TypeError, ValueError):
        return 0


def forms_of(ind):
    return {o.get("form") for o in ind.get("occurrences") or [] if isinstance(o, dict)}


def evaluate(sources, cases, docs):
    """-> (rows {(form, type): [found, cases]}, misses, fps, no_key); cases: [(path, name, comp, opt)]."""
    rows, misses, fps, no_key = {}, [], [], []
    for path, name, comp, opt in cases:
        doc = docs[path]
        if "indicators" not in doc:
            no_key.append(path)
        inds = [i for i in doc.get("indicators") or [] if isinstance(i, dict)]
        src = sources[name]
        for e in src["expect"]:
            if not applies(e, comp, opt):
                continue
            key = (e["form"], e["type"])
            row = rows.setdefault(key, [0, 0])
            row[1] += 1
            same = [i for i in inds if i.get("type") == e["type"] and i.get("value") == e["value"]]
            hit = any((e["port"] is None or indicator_port(i) == e["port"]) and e["form"] in forms_of(i)
                      for i in same)
            if hit:
                row[0] += 1
                continue
            if not same:
                why = "not reported"
            else:
                why = "reported as " + "; ".join(
                    f"{','.join(sorted(f or '?' for f in forms_of(i))) or 'no occurrences'}"
                    f"{' port ' + str(indicator_port(i)) if indicator_port(i) else ' without a port'}"
                    for i in same)
            misses.append((e, path, why))
        allowed = {(e["type"], e["value"]) for e in src["expect"]}
        for i in inds:
            if (i.get("type"), i.get("value")) not in allowed:
                fps.append((path, i))
    return rows, misses, fps, no_key


def report(rows, misses, fps, no_key, nfiles, seconds):
    print(f"{nfiles} fixture builds scanned in {seconds:.1f} s")
    if no_key:
        print(f"warning: {len(no_key)} scan(s) without an \"indicators\" key (is the infrastructure axis in "
              f"this lineage?), e.g. {no_key[0]}")
    print(f"\n{'form':8} {'type':11} {'found':>6} {'cases':>6} {'recall':>7}")
    bad = []
    for form in FORMS:
        keys = sorted(k for k in rows if k[0] == form)
        if not keys:
            continue
        for k in keys:
            f, n = rows[k]
            print(f"{form:8} {k[1]:11} {f:6} {n:6} {100 * f / n:6.1f}%")
        f, n = sum(rows[k][0] for k in keys), sum(rows[k][1] for k in keys)
        flag = "" if f == n else "  < 100%"
        if f != n:
            bad.append(form)
        print(f"{form:8} {'(all)':11} {f:6} {n:6} {100 * f / n:6.1f}%{flag}")
    f, n = sum(r[0] for r in rows.values()), sum(r[1] for r in rows.values())
    print(f"{'all':20} {f:6} {n:6} {100 * f / max(1, n):6.1f}%")
    for e, path, why in misses:
        port = f" port={e['port']}" if e["port"] is not None else ""
        print(f"miss  {e['form']:7} {e['type']} {e['value']}{port} in {path} ({why})")
    print(f"\nfalse positives (indicators no expect line names): {len(fps)}")
    for path, i in fps:
        port = f" port={indicator_port(i)}" if indicator_port(i) else ""
        forms = ",".join(sorted(str(f) for f in forms_of(i))) or "no occurrences"
        print(f"fp    {i.get('type')} {i.get('value')}{port} ({forms}) in {path}")
    return bad


def run(lineage, fixtures, jobs, report_only):
    try:
        sources = load_sources(SRC)
    except SetupError as e:
        print(e, file=sys.stderr)
        return 2
    cases = builds(sources, fixtures)
    missing = [c[0] for c in cases if not os.path.isfile(c[0])]
    if missing:
        print(f"{len(missing)} infrastructure fixture build(s) missing (tests/fixtures/build.sh "
              f"{fixtures}), e.g. {missing[0]}", file=sys.stderr)
        return 2
    docs, errors, lock, queue = {}, [], threading.Lock(), [c[0] for c in cases]

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            try:
                doc = scan(lineage, path)
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(str(e))
                continue
            with lock:
                docs[path] = doc

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
    rows, misses, fps, no_key = evaluate(sources, cases, docs)
    bad = report(rows, misses, fps, no_key, len(cases), time.time() - t0)
    if (bad or fps) and not report_only:
        return 1
    return 0


# --selftest: this script against a fake lineage that prints prepared JSON, end to end (subprocesses,
# exit codes, printed lines), so that a wrong count cannot hide behind the real axis' own misses.
FAKE_LINEAGE = """#!{python}
import json, os, sys
docs = json.load(open({docs!r}))
path = sys.argv[-1]
if os.path.basename(path) not in docs:
    sys.exit("fake lineage: no document for " + path)
print(json.dumps(docs[os.path.basename(path)]))
"""


def perfect_docs(sources, cases):
    """The scan documents of a perfect axis: every applicable expect line as one occurrence."""
    docs = {}
    for path, name, comp, opt in cases:
        inds = {}
        for e in sources[name]["expect"]:
            if not applies(e, comp, opt):
                continue
            k = (e["type"], e["value"], e["port"] or 0)
            ind = inds.setdefault(k, {"type": e["type"], "value": e["value"], "flags": ["documentation"],
                                      "occurrences": []})
            if e["port"]:
                ind["port"] = e["port"]
            ind["occurrences"].append({"form": e["form"], "offset": 4096, "va": "0x401000"})
        docs[os.path.basename(path)] = {"format": "elf", "indicators": list(inds.values())}
    return docs


def selftest():
    sources = load_sources(SRC)
    tmp = tempfile.mkdtemp(prefix="gt-infra-")
    failures = []
    try:
        fixtures = os.path.join(tmp, "fixtures")
        os.mkdir(fixtures)
        cases = builds(sources, fixtures)
        for c in cases:
            open(c[0], "wb").close()
        docs_path, fake = os.path.join(tmp, "docs.json"), os.path.join(tmp, "lineage")
        with open(fake, "w", encoding="utf-8") as f:
            f.write(FAKE_LINEAGE.format(python=sys.executable, docs=docs_path))
        os.chmod(fake, 0o755)

        def check(label, docs, want_rc, want=(), unwanted=(), env=None):
            with open(docs_path, "w", encoding="utf-8") as f:
                json.dump(docs, f)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), fake, fixtures], capture_output=True,
                               text=True, env=dict(os.environ, GT_JOBS="3", **(env or {})), timeout=300)
            out = r.stdout + r.stderr
            ok = r.returncode == want_rc and all(re.search(w, out, re.M) for w in want) and \
                not any(re.search(u, out, re.M) for u in unwanted)
            print(f"{'ok  ' if ok else 'FAIL'} {label} (exit {r.returncode}, want {want_rc})")
            if not ok:
                failures.append(label)
                print("  " + out.replace("\n", "\n  "))

        perfect = perfect_docs(sources, cases)
        ncases = sum(1 for p, n, c, o in cases for e in sources[n]["expect"] if applies(e, c, o))
        check("a perfect axis: 100% everywhere, no false positive", perfect, 0,
              want=[rf"^all +{ncases} +{ncases} +100\.0%$", r"^false positives .*: 0$"], unwanted=[r"^miss", r"^fp"])

        # only= is honoured: the mutex of utf16_strings is expected on PE builds only
        docs = json.loads(json.dumps(perfect))
        elf = "infra-utf16_strings-gcc-O2"
        assert not any(i["type"] == "mutex" for i in docs[elf]["indicators"]), "only= not applied"

        # a stack occurrence lost, a port wrong, a form swapped, an indicator nobody expects
        docs = json.loads(json.dumps(perfect))
        b = "infra-stack_strings-mingw32-O2.exe"
        for i in docs[b]["indicators"]:
            if i["value"] == "beacon.lineage-test.example":
                i["occurrences"] = [{"form": "ascii"}]
        b2 = "infra-sockaddr_integer-gcc-O0"
        for i in docs[b2]["indicators"]:
            if i["value"] == "203.0.113.77":
                i["port"] = 0
        docs["infra-negative_control-clang-O2"]["indicators"].append(
            {"type": "domain", "value": "setup.py", "occurrences": [{"form": "ascii"}]})
        docs["infra-stack_strings-gcc-O2"]["indicators"].append(
            {"type": "domain", "value": "beacon.lineage-tge-test.example", "occurrences": [{"form": "ascii"}]})
        # the same value with another port, or in another form, is no false positive
        docs["infra-ascii_strings-gcc-O0"]["indicators"].append(
            {"type": "ipv4", "value": "198.51.100.23", "occurrences": [{"form": "stack"}]})
        check("misses and false positives are counted and printed", docs, 1,
              want=[r"^miss  stack   domain beacon\.lineage-test\.example in .*stack_strings-mingw32-O2\.exe "
                    r"\(reported as ascii without a port\)$",
                    r"^miss  integer ipv4 203\.0\.113\.77 port=4444 in .*sockaddr_integer-gcc-O0 \(reported as "
                    r"integer without a port\)$",
                    r"^stack +\(all\) .*< 100%$", r"^integer +\(all\) .*< 100%$",
                    r"^false positives .*: 2$", r"^fp    domain setup\.py \(ascii\) in .*negative_control-clang-O2$",
                    r"^fp    domain beacon\.lineage-tge-test\.example \(ascii\) in .*stack_strings-gcc-O2$"],
              unwanted=[r"^ascii +\(all\) .*< 100%", r"^fp .*198\.51\.100\.23"])
        check("GT_REPORT_ONLY=1 exits 0", docs, 0, want=[r"^false positives .*: 2$"], env={"GT_REPORT_ONLY": "1"})

        # a lineage without the axis: no "indicators" key, every case a miss, a warning
        docs = {k: {"format": "elf"} for k in perfect}
        check("no indicators key: all misses", docs, 1,
              want=[rf"^all +0 +{ncases} +0\.0%$", r"without an \"indicators\" key", r"\(not reported\)$"])

        # a false positive alone fails the run
        docs = json.loads(json.dumps(perfect))
        docs["infra-xor_strings-mingw64-O0.exe"]["indicators"].append(
            {"type": "url", "value": "https://files.evil-corp.example/stage2.bi", "occurrences": [{"form": "xor"}]})
        check("a false positive alone exits 1", docs, 1, want=[r"^false positives .*: 1$"], unwanted=[r"^miss"])

        # a missing build and a failing scan are setup errors
        os.rename(cases[0][0], cases[0][0] + ".away")
        check("a missing build exits 2", perfect, 2, want=[r"build\(s\) missing"])
        os.rename(cases[0][0] + ".away", cases[0][0])
        docs = dict(perfect)
        del docs[os.path.basename(cases[-1][0])]
        check("a failing scan exits 2", docs, 2, want=[r"fake lineage: no document"])

        # the expect-line reader
        e = parse_expect("user-agent Mozilla/4.0 (compatible; MSIE 7.0; X) ascii only=pe,clang-O2 port=80", "t")
        assert e == {"type": "user-agent", "value": "Mozilla/4.0 (compatible; MSIE 7.0; X)", "form": "ascii",
                     "port": 80, "only": ["pe", "clang-O2"]}, e
        e = parse_expect(r"pipe \\.\pipe\x utf16", "t")
        assert e["value"] == r"\\.\pipe\x" and e["port"] is None and e["only"] is None, e
        for bad in ("ipv4 192.0.2.1 text", "host example.com ascii", "ipv4 192.0.2.1 ascii only=gcc-O3",
                    "ipv4 ascii"):
            try:
                parse_expect(bad, "t")
            except SetupError:
                continue
            failures.append(f"parse_expect accepted '{bad}'")
        assert applies({"only": ["mingw64", "mingw32"]}, "mingw32", "O0")
        assert not applies({"only": ["mingw64", "mingw32"]}, "gcc", "O0")
        assert applies({"only": ["clang-O2"]}, "clang", "O2") and not applies({"only": ["clang-O2"]}, "clang", "O0")
        assert applies({"only": ["O0"]}, "gcc", "O0") and applies({"only": ["elf"]}, "clang", "O2")
        print(f"{'FAIL' if failures else 'ok  '} the expect-line reader")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"selftest: {len(failures)} failure(s): {'; '.join(failures)}")
        return 1
    print("selftest: all passed")
    return 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        return selftest()
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    return run(sys.argv[1], sys.argv[2], int(os.environ.get("GT_JOBS", "2")),
               os.environ.get("GT_REPORT_ONLY") == "1")


if __name__ == "__main__":
    sys.exit(main())
