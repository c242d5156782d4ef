#!/usr/bin/env bash
# End-to-end tests of `lineage match --html`: a corpus of kin_a builds (family
# Kin, actor "Test Actor") and the runtime probes (library code); kin_b's page
# has the verdict, the families table, the matched functions with the
# addresses nm gives, fixture_kin_checksum side by side with as many
# instructions on each side as objdump finds in each file, links that all
# resolve and nothing that leaves the page; unrelated code gets "no known
# relative"; a stored file that is gone is said so; --defang leaves no live
# indicator; several files give a folder of <sha256>.html pages. Then the page
# is rendered by headless Chromium: the screenshot is not blank, shows the
# verdict banner's colour, and OCR (tesseract) reads the family, the verdict
# words and "confidence" in it; the DOM Chromium builds has the same elements
# and the same verdict text as the file. Chromium and tesseract come from
# scripts/install-deps.sh: without them the test fails, it does not skip.
# Built files are never run.
#   usage: html.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# checks of one page's source: parsed, self-contained, every #link resolves; prints nothing when fine
cat >"$work/page.py" <<'PY'
import sys, re
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.hrefs, self.errors = [], [], [], []
        self.text = {}   # id -> text inside the element
        self.open_ids = []
        self.style = ""
        self.in_style = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "iframe", "object", "embed", "link", "img", "base", "frame"):
            self.errors.append("element <%s> %s" % (tag, a))
        for k, v in attrs:
            v = v or ""
            if k in ("src", "srcset", "data", "action", "formaction", "poster", "background"):
                self.errors.append("attribute %s=%r on <%s>" % (k, v, tag))
            if k.startswith("on"):
                self.errors.append("event handler %s on <%s>" % (k, tag))
            if k in ("href", "xlink:href"):
                self.hrefs.append(v)
                if not v.startswith("#"):
                    self.errors.append("link leaves the page: %r" % v)
            if k == "style" and ("url(" in v or "@import" in v):
                self.errors.append("style with a resource: %r" % v)
            if re.match(r"\s*(https?:|//|file:|ftp:)", v) and not (k == "xmlns" and tag == "svg"):
                self.errors.append("external reference %s=%r on <%s>" % (k, v, tag))
        if tag == "style":
            self.in_style = True
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in VOID:
            self.stack.append((tag, a.get("id")))
            if a.get("id"):
                self.text[a["id"]] = ""
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)
    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
    def handle_data(self, d):
        if self.in_style:
            self.style += d
        for t, i in self.stack:
            if i:
                self.text[i] += d

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    return p

if __name__ == "__main__":
    p = parse(sys.argv[1])
    errs = list(p.errors)
    if p.stack:
        errs.append("unclosed: %s" % p.stack)
    if "url(" in p.style or "@import" in p.style:
        errs.append("the style sheet loads a resource")
    dup = {i for i in p.ids if p.ids.count(i) > 1}
    if dup:
        errs.append("duplicate ids: %s" % sorted(dup)[:5])
    missing = sorted({h[1:] for h in p.hrefs if h.startswith("#")} - set(p.ids))
    if missing:
        errs.append("links without a target: %s" % missing[:10])
    if len(p.hrefs) < 3:
        errs.append("only %d links" % len(p.hrefs))
    for e in errs[:20]:
        print(e)
    sys.exit(1 if errs else 0)
PY
page_ok() { python3 "$work/page.py" "$1" >"$work/page.err" 2>&1; }

db=$work/c.db
"$bin" add -q --db "$db" --family Kin --actor "Test Actor" "$fx"/kin_a-gcc-O2 "$fx"/kin_a-clang-O2 \
  "$fx"/kin_a-mingw64-O2.exe >/dev/null 2>&1 || bad add "kin_a"
"$bin" add -q --db "$db" --library runtime "$fx"/runtime_probe-* >/dev/null 2>&1 || bad add "probes"

# kin_b: the page beside the JSON; stdout stays one JSON document, the page's path on stderr
q=$fx/kin_b-gcc-O2 k=$fx/kin_a-gcc-O2
"$bin" match --db "$db" --json --html "$work/kin.html" "$q" >"$work/m.json" 2>"$work/err"
rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$work/m.json")" = 1 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/m.json" \
  && grep -qx "report: $work/kin.html" "$work/err" && [ -s "$work/kin.html" ] && ok html_with_json \
  || bad html_with_json "exit $rc: $(cat "$work/err")"
"$bin" match --db "$db" --html "$work/kin2.html" "$q" >"$work/out" 2>"$work/err"
grep -q "^  verdict   Kin (actor: Test Actor)" "$work/out" && grep -qx "report: $work/kin2.html" "$work/err" \
  && ! grep -q "report:" "$work/out" && ok html_with_text || bad html_with_text "$(head -3 "$work/out") $(cat "$work/err")"
page_ok "$work/kin.html" && ok html_self_contained || bad html_self_contained "$(cat "$work/page.err")"

# the contents, against nm and objdump: fixture_kin_checksum's addresses, and its instructions on each side
sym() { nm -S "$1" | awk -v n="$2" '$4 == n {print $1, $2}'; }
insns() { # instructions objdump finds in the symbol's range, alignment padding (nop) left out
  set -- "$1" $(sym "$1" "$2")
  objdump -d --no-show-raw-insn --start-address=$((0x$2)) --stop-address=$((0x$2 + 0x$3)) "$1" |
    grep -E '^ +[0-9a-f]+:' | grep -vc 'nop'
}
python3 - "$work/page.py" "$work/kin.html" "$(sym "$q" fixture_kin_checksum)" "$(sym "$k" fixture_kin_checksum)" \
  "$(insns "$q" fixture_kin_checksum)" "$(insns "$k" fixture_kin_checksum)" <<'PY' && ok html_contents || bad html_contents "see above"
import re, sys, importlib.util
spec = importlib.util.spec_from_file_location("page", sys.argv[1]); page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page)
src = open(sys.argv[2], encoding="utf-8").read()
p = page.parse(sys.argv[2])
qa, ka = int(sys.argv[3].split()[0], 16), int(sys.argv[4].split()[0], 16)
nq, nk = int(sys.argv[5]), int(sys.argv[6])
v = " ".join(p.text["verdict"].split())
assert v.startswith("Verdict: Kin") and "actor Test Actor" in v and "confidence 1.00" in v, v
assert "deciding axis code" in v, v
# the verdict links to its family row and to the code evidence; the row's scores link to their tables
vb = src[src.index('id="verdict"'):src.index("</section>", src.index('id="verdict"'))]
assert 'href="#fam0"' in vb and 'href="#code-f0"' in vb, vb
row = src[src.index('<tr id="fam0"'):src.index("</tr>", src.index('<tr id="fam0"'))]
assert ">Kin<" in row and 'href="#code-f0"' in row and 'href="#crypto-f0"' in row, row
assert "Test Actor" in p.text["fam0"], p.text["fam0"]
for h in ("confidence", "log-odds", "code", "crypto", "destruction", "infrastructure", "artifacts"):
    assert "<th>%s</th>" % h in src, h
assert "Library code recognized: runtime" in src
# the code table: the row for fixture_kin_checksum at nm's addresses, linking to its side-by-side view
rows = [i for i in p.ids if i.startswith("ev")]
hit = [i for i in rows if "fixture_kin_checksum" in p.text[i]]
assert hit, rows
t = p.text[hit[0]]
assert "0x%x" % qa in t and "0x%x" % ka in t and "exact" in t, t
ev = hit[0]
sbs = "sbs" + ev[2:]
assert sbs in p.ids and ('href="#%s"' % sbs) in src, sbs
# side by side: every instruction of both functions, all identical (the same source, the same compiler)
art = src[src.index('<article id="%s">' % sbs):src.index("</article>", src.index('<article id="%s">' % sbs))]
assert ('href="#%s"' % ev) in art and "fixture_kin_checksum" in art
cells = re.findall(r'<tr class="(\w+)"><td class="ln">(\d*)</td><td>(.*?)</td><td class="ln">(\d*)</td><td>(.*?)</td></tr>', art)
left = [c[2] for c in cells if c[1] and not c[2].startswith("nop")]
right = [c[4] for c in cells if c[3] and not c[4].startswith("nop")]
assert len(left) == nq and len(right) == nk, (len(left), nq, len(right), nk)
assert all(c[0] == "same" and c[2] == c[4] for c in cells), [c for c in cells if c[0] != "same"][:3]
assert "%d of %d / %d instructions identical" % (len(cells), len(cells), len(cells)) in art
# the graph: the query and the family, with a link to its row
svg = src[src.index("<svg"):src.index("</svg>")]
assert ">query<" in svg and ">Kin<" in svg and 'href="#fam0"' in svg, svg[:300]
PY

# no known relative: the probability and the nearest candidate
u=$fx/features-gcc-O2
"$bin" match --db "$db" --html "$work/unk.html" "$u" >/dev/null 2>"$work/err"
rc=$?
python3 - "$work/page.py" "$work/unk.html" <<'PY' && [ $rc = 0 ] && page_ok "$work/unk.html" && ok html_no_relative \
  || bad html_no_relative "exit $rc: $(cat "$work/err" "$work/page.err")"
import sys, importlib.util
spec = importlib.util.spec_from_file_location("page", sys.argv[1]); page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page)
p = page.parse(sys.argv[2])
v = " ".join(p.text["verdict"].split())
assert v.startswith("Verdict: no known relative") and "probability" in v and "nearest candidates: Kin" in v, v
PY

# a stored file that is gone: the page says so where the known function would be
mkdir -p "$work/gone"
cp "$k" "$work/gone/kin_a"
"$bin" add -q --db "$work/gone.db" --family Kin "$work/gone/kin_a" >/dev/null 2>&1 || bad add "gone"
rm -f "$work/gone/kin_a"
"$bin" match --db "$work/gone.db" --html "$work/gone.html" "$q" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 0 ] && grep -q "Known function not shown: the file is gone or unreadable" "$work/gone.html" \
  && grep -q "$work/gone/kin_a" "$work/gone.html" && page_ok "$work/gone.html" && ok html_known_gone \
  || bad html_known_gone "exit $rc: $(cat "$work/err" "$work/page.err")"

# --defang: the shared relay URL and address (infrastructure kinship) written defanged, nowhere live
"$bin" add -q --db "$work/infra.db" --family RelayKit --actor "Lazarus Group" "$fx/infra-kin_a-gcc-O2" >/dev/null 2>&1
"$bin" match --db "$work/infra.db" --defang --html "$work/infra.html" "$fx/infra-kin_b-clang-O2" >/dev/null 2>&1
grep -q 'hxxp://relay\[\.\]lineage-kin\[\.\]example' "$work/infra.html" && grep -q '198\.51\.100\[\.\]99' "$work/infra.html" \
  && ! grep -q 'http://relay' "$work/infra.html" && ! grep -q '198\.51\.100\.99' "$work/infra.html" \
  && grep -q 'id="infrastructure-f0"' "$work/infra.html" && page_ok "$work/infra.html" && ok html_defang \
  || bad html_defang "$(grep -o '[a-z]*://relay[^<]*' "$work/infra.html" | head -3) $(cat "$work/page.err")"

# several files: a folder of <sha256>.html pages, each path printed
"$bin" match --db "$db" --html "$work/pages" "$q" "$u" >/dev/null 2>"$work/err"
rc=$?
sq=$(sha256sum "$q" | cut -d' ' -f1) su=$(sha256sum "$u" | cut -d' ' -f1)
[ $rc = 0 ] && [ -s "$work/pages/$sq.html" ] && [ -s "$work/pages/$su.html" ] && [ "$(ls "$work/pages" | wc -l)" = 2 ] \
  && grep -qx "report: $work/pages/$sq.html" "$work/err" && grep -qx "report: $work/pages/$su.html" "$work/err" \
  && ok html_several || bad html_several "exit $rc: $(cat "$work/err"; ls "$work/pages")"
mkdir -p "$work/in"
cp "$q" "$work/in/"
"$bin" match --db "$db" --html "$work/pages2" "$work/in" >/dev/null 2>"$work/err"
[ -s "$work/pages2/$sq.html" ] && ok html_folder_argument || bad html_folder_argument "$(cat "$work/err")"
# a page that cannot be written: named, exit 1
"$bin" match --db "$db" --html "$work/no/such/dir/x.html" "$q" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "no/such/dir/x.html: cannot write the HTML report" "$work/err" && ok html_unwritable \
  || bad html_unwritable "exit $rc: $(cat "$work/err")"

# ---- rendered by headless Chromium ----
chrome=$(command -v chromium || command -v chromium-browser || true)
ocr=$(command -v tesseract || true)
[ -n "$chrome" ] || bad chromium "chromium is not installed (Debian's chromium package; scripts/install-deps.sh installs it)"
[ -n "$ocr" ] || bad tesseract "tesseract is not installed (Debian's tesseract-ocr; scripts/install-deps.sh installs it)"
headless() { # headless Chromium without a profile of its own, sandbox or network
  timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
    --disable-extensions --hide-scrollbars "$@" 2>>"$work/chrome.log"
}
# a PNG read back (python's zlib, no imaging library): distinct colours and pixels of the banner's colour
cat >"$work/png.py" <<'PY'
import struct, sys, zlib
def rows(path, limit):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(d):
        n, t = struct.unpack(">I4s", d[pos:pos + 8]); body = d[pos + 8:pos + 8 + n]; pos += 12 + n
        if t == b"IHDR": hdr = struct.unpack(">IIBBBBB", body)
        elif t == b"IDAT": idat += body
    w, h, depth, ctype, _, _, inter = hdr
    assert depth == 8 and inter == 0 and ctype in (2, 6), hdr
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, i = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0
    for y in range(min(h, limit)):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield [bytes(line[x:x + 3]) for x in range(0, stride, bpp)]
        prev = line
path, banner = sys.argv[1], bytes.fromhex(sys.argv[2])
colours, hits = set(), 0
for r in rows(path, 700):
    colours.update(r); hits += r.count(banner)
assert len(colours) >= 50, "blank: %d colours" % len(colours)
assert hits >= 20000, "the verdict banner's colour %s on %d pixels" % (sys.argv[2], hits)
print(len(colours), hits)
PY
# words, not lines: OCR may read a two-column layout in another order ("decid' Families ing axis code")
shot() { # page png banner_colour words...: the screenshot, its colours, and what OCR reads in it
  local page=$1 png=$2 colour=$3; shift 3
  rm -f "$png"
  headless --screenshot="$png" --window-size=1280,2400 "file://$page" >/dev/null
  [ -s "$png" ] || { echo "no screenshot (see $work/chrome.log: $(tail -2 "$work/chrome.log"))"; return 1; }
  python3 "$work/png.py" "$png" "$colour" >"$work/png.out" 2>&1 || { tail -1 "$work/png.out"; return 1; }
  OMP_THREAD_LIMIT=1 "$ocr" "$png" - >"$png.txt" 2>/dev/null
  local w missing=""
  for w in "$@"; do grep -qiF -- "$w" "$png.txt" || missing="$missing '$w'"; done
  [ -z "$missing" ] || { echo "OCR did not read:$missing; it read: $(head -c 400 "$png.txt" | tr '\n' ' ')"; return 1; }
}
if [ -n "$chrome" ] && [ -n "$ocr" ]; then
  msg=$(shot "$work/kin.html" "$work/kin.png" d7f0d9 "Verdict: Kin" "Test Actor" "confidence" "axis code" \
    "Families" "fixture_kin_checksum") && ok html_screenshot_verdict || bad html_screenshot_verdict "$msg"
  echo "     OCR of the kin page: $(grep -m3 -iE 'verdict|confidence' "$work/kin.png.txt" 2>/dev/null | tr '\n' '|')"
  msg=$(shot "$work/unk.html" "$work/unk.png" e8e1f5 "Verdict: no known relative" "probability" "Kin" \
    "confidence") && ok html_screenshot_no_relative || bad html_screenshot_no_relative "$msg"
  echo "     OCR of the unrelated page: $(grep -m2 -iE 'verdict|probability' "$work/unk.png.txt" 2>/dev/null | tr '\n' '|')"
  # the DOM Chromium builds: the same elements (no markup the parser had to repair) and the same verdict
  headless --dump-dom "file://$work/kin.html" >"$work/dom.html"
  python3 - "$work/page.py" "$work/kin.html" "$work/dom.html" <<'PY' && ok html_dom || bad html_dom "see above"
import sys, importlib.util
spec = importlib.util.spec_from_file_location("page", sys.argv[1]); page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page)
a, b = page.parse(sys.argv[2]), page.parse(sys.argv[3])
assert b.ids == a.ids, (len(a.ids), len(b.ids), [x for x in a.ids if x not in b.ids][:5])
norm = lambda s: " ".join(s.split())
assert norm(b.text["verdict"]) == norm(a.text["verdict"]), (b.text["verdict"], a.text["verdict"])
assert not b.errors, b.errors[:3]
assert "fixture_kin_checksum" in b.text["side-by-side"]
PY
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
