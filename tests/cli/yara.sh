#!/usr/bin/env bash
# End-to-end tests of `lineage yara FAMILY` on fixtures built at test time.
# A corpus of several families (Kin: kin_a and kin_b, which share a source
# unit; Keyed; Features; RC4; Wiper; InfraKin), reference library code and
# unlabeled samples. For each family a rule is generated, and the yara
# command-line tool (not libyara through lineage: an independent scanner)
# checks that it hits every sample of the family and nothing else in the
# corpus; the rules of Kin and Keyed are generated with --verify over the
# system binaries of this machine and must hit nothing there either. objdump
# checks the wildcards of every rule: every call to another function, every
# RIP-relative displacement and every absolute address inside the image is
# ?? in the patterns. Then bad inputs and their exit codes.
#   usage: yara.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
command -v yara >/dev/null || { echo "FAIL: the yara command-line tool is missing (scripts/install-deps.sh)"; exit 1; }
command -v objdump >/dev/null || { echo "FAIL: objdump is missing"; exit 1; }

db=$work/c.db
members=$work/members.tsv # path TAB family, every stored sample
: >"$members"
store() { # FAMILY|-|library:NAME FILE...
  local fam=$1 args=()
  shift
  case $fam in
  -) args=() ;;
  library:*) args=(--library "${fam#library:}") ;;
  *) args=(--family "$fam" --actor "Test Actor") ;;
  esac
  "$bin" add -q --db "$db" "${args[@]}" "$@" >/dev/null 2>&1 || bad "add $fam" "exit $?"
  for f in "$@"; do printf '%s\t%s\n' "$f" "${fam#library:}" >>"$members"; done
}
store Kin "$fx"/kin_a-* "$fx"/kin_b-*
store Keyed "$fx"/keyed_a-* "$fx"/keyed_b-*
store Features "$fx"/features-*
store RC4 "$fx"/crypto-rc4-*
store Wiper "$fx"/destruct-family_a-* "$fx"/destruct-family_b-*
store InfraKin "$fx"/infra-kin_a-* "$fx"/infra-kin_b-*
store library:runtime "$fx"/runtime_probe-*
store - "$fx"/crypto-aes_table-gcc-O2 "$fx"/crypto-xtea-mingw64-O2.exe "$fx"/destruct-file_wipe-gcc-O2
cut -f1 "$members" >"$work/corpus.list"
before=$(sha256sum "$db" | cut -d' ' -f1)

# the system binaries of this machine: /usr/bin, the shared libraries, the mingw-w64 DLLs
sys=(/usr/bin /usr/lib/x86_64-linux-gnu/*.so*)
mapfile -t dlls < <(find /usr/lib/gcc/*-w64-mingw32 -name '*.dll' -type f 2>/dev/null | sort)
sys+=("${dlls[@]}")
find "${sys[@]}" -maxdepth 0 -type f >"$work/sys.list" 2>/dev/null
find /usr/bin -type f >>"$work/sys.list" 2>/dev/null
sort -u -o "$work/sys.list" "$work/sys.list"
[ "${#dlls[@]}" -gt 0 ] || bad system_dlls "no mingw-w64 DLL under /usr/lib/gcc/*-w64-mingw32"

# check_rule FAMILY RULE JSON [system]: the yara tool hits exactly the family's samples
check_rule() {
  local fam=$1 rule=$2 json=$3 system=${4:-}
  yara -w --scan-list "$rule" "$work/corpus.list" 2>"$work/yerr" | awk '{print $2}' | sort >"$work/hits"
  [ -s "$work/yerr" ] && bad "yara_$fam" "$(head -3 "$work/yerr")"
  awk -F'\t' -v f="$fam" '$2 == f {print $1}' "$members" | sort >"$work/want"
  if cmp -s "$work/hits" "$work/want"; then
    ok "yara_${fam}_corpus ($(wc -l <"$work/want") family samples hit, nothing else among $(wc -l <"$work/corpus.list") corpus files)"
  else
    bad "yara_${fam}_corpus" "missed: $(comm -13 "$work/hits" "$work/want" | xargs -r -n1 basename | tr '\n' ' ') hit outside: $(comm -23 "$work/hits" "$work/want" | tr '\n' ' ')"
  fi
  if [ -n "$system" ]; then
    yara -w --scan-list "$rule" "$work/sys.list" >"$work/syshits" 2>/dev/null
    [ ! -s "$work/syshits" ] && ok "yara_${fam}_system (0 hits in $(wc -l <"$work/sys.list") system files)" \
      || bad "yara_${fam}_system" "$(head -5 "$work/syshits")"
  fi
  python3 - "$json" "$rule" "$fam" <<'PY' || bad "yara_${fam}_json" "see above"
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
fam = sys.argv[3]
v = d["verification"]
assert d["schema_version"] == 1 and d["family"] == fam and d["rule"] == text, "rule text differs from -o FILE"
assert v["false_positives"] == 0 and v["samples_hit"] == v["samples_read"] == v["family_samples"], v
assert v["recall"] == 1, v
n = len(d["strings"])
assert 1 <= n <= 48, n
m = re.search(r"condition:\s*(.*?)\s*}\s*$", text, re.S)
assert m and m.group(1).endswith("%d of ($f*)" % d["condition"]["min_hits"]), m and m.group(1)
for s in d["strings"]:
    assert s["hex"].count("??") == s["length"] - s["fixed"] and s["fixed"] >= 16, s
    assert ("$%s = { %s }" % (s["id"][1:], s["hex"])) in text, s["id"]
    assert s["samples_hit"] >= 1, s
for key in ("family = \"%s\"" % fam, "actor = \"Test Actor\"", "generated_by = \"lineage ", "date = \"",
            "samples = %d" % v["samples_read"]):
    assert key in text, key
print("recall %-9s %2d/%-2d = %.3f  false positives %d  (%d strings, %d of them required; %d corpus files, %d extra files)"
      % (fam, v["samples_hit"], v["samples_read"], v["recall"], v["false_positives"], n,
         d["condition"]["min_hits"], v["corpus_files"], v["extra_files"]))
PY
}

for fam in Kin Keyed Features RC4 Wiper InfraKin; do
  verify=()
  [ "$fam" = Kin ] || [ "$fam" = Keyed ] && verify=(--verify "${sys[@]}")
  SOURCE_DATE_EPOCH=1700000000 "$bin" yara --db "$db" --json -o "$work/$fam.yar" "$fam" "${verify[@]}" \
    >"$work/$fam.json" 2>"$work/$fam.err"
  rc=$?
  [ $rc = 0 ] && grep -q "recall" "$work/$fam.err" && ok "yara_${fam}_exit" || bad "yara_${fam}_exit" "exit $rc: $(head -5 "$work/$fam.err")"
  check_rule "$fam" "$work/$fam.yar" "$work/$fam.json" "${verify[*]:+system}"
done
grep -q 'date = "2023-11-14"' "$work/Kin.yar" && ok yara_source_date_epoch || bad yara_source_date_epoch "$(grep date "$work/Kin.yar")"

# the wildcards, checked against objdump: calls to other functions, RIP-relative displacements and (PE)
# absolute addresses inside the image are ?? in every pattern of every rule
python3 - "$work"/*.json <<'PY' && ok yara_wildcards_objdump || bad yara_wildcards_objdump "see above"
import json, re, subprocess, sys
strings = [s for f in sys.argv[1:] for s in json.load(open(f))["strings"]]
checked = {"call": 0, "rip": 0, "abs": 0, "strings": len(strings)}
for s in strings:
    path, start, n = s["path"], int(s["address"], 16), s["length"]
    pat = s["hex"].split()
    lo = hi = None
    head = subprocess.run(["objdump", "-p", path], capture_output=True, text=True).stdout
    m1, m2 = re.search(r"ImageBase\s+([0-9a-f]+)", head), re.search(r"SizeOfImage\s+([0-9a-f]+)", head)
    if m1 and m2:
        lo = int(m1.group(1), 16); hi = lo + int(m2.group(1), 16)
    out = subprocess.run(["objdump", "-d", "--insn-width=16", "--start-address=%#x" % start,
                          "--stop-address=%#x" % (start + n), path], capture_output=True, text=True).stdout
    own = s.get("name")
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$", line)
        if not m:
            continue
        va, raw, asm = int(m.group(1), 16), m.group(2).split(), m.group(3)
        off = va - start
        if off < 0 or off + len(raw) > n:
            continue
        def wild(a, b, what):
            got = pat[off + a: off + b]
            assert got == ["??"] * (b - a), "%s: %s at %#x (%s): %s" % (path, what, va, asm, got)
        if raw[0] == "e8" and len(raw) == 5:
            t = re.search(r"<([^>+]+)", asm)
            if t and own and t.group(1).lstrip("_") != own.lstrip("_"):
                wild(1, 5, "call rel32"); checked["call"] += 1
        if "(%rip)" in asm and "$" not in asm:
            wild(len(raw) - 4, len(raw), "RIP displacement"); checked["rip"] += 1
        if lo is not None:
            # the addresses objdump prints as operands (not branch targets: <sym> is dropped), where their
            # little-endian encoding is in the instruction's bytes
            text = "".join(raw)
            for num in re.findall(r"0x([0-9a-f]+)", re.sub(r"<[^>]*>", "", asm)):
                v = int(num, 16)
                if not (lo <= v < hi and v >= 0x10000) or v >= 1 << 32:
                    continue
                k = text.rfind(v.to_bytes(4, "little").hex())
                if k >= 0 and k % 2 == 0:
                    wild(k // 2, k // 2 + 4, "absolute address %#x" % v); checked["abs"] += 1
print("wildcards checked:", checked)
assert sum(checked.values()) > 0, "nothing position-dependent in the patterns: the check proved nothing"
PY

# the corpus is only read
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ] && ok yara_readonly || bad yara_readonly "corpus changed"

# bad inputs: an unknown family (named, exit 1; JSON error document), no corpus (exit 4), usage (exit 2)
"$bin" yara --db "$db" NoSuchFamily >"$work/out" 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "no family 'NoSuchFamily'" "$work/err" && [ ! -s "$work/out" ] && ok yara_unknown_family \
  || bad yara_unknown_family "exit $rc: $(cat "$work/err")"
"$bin" yara --db "$db" --json NoSuchFamily >"$work/out" 2>/dev/null
rc=$?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["code"] == -6 and "NoSuchFamily" in d["error"]["message"], d' "$work/out" \
  && [ $rc = 1 ] && ok yara_unknown_family_json || bad yara_unknown_family_json "exit $rc: $(cat "$work/out")"
"$bin" yara --db "$work/missing.db" Kin >/dev/null 2>"$work/err"
rc=$?
[ $rc = 4 ] && grep -q "missing.db" "$work/err" && [ ! -e "$work/missing.db" ] && ok yara_missing_db || bad yara_missing_db "exit $rc: $(cat "$work/err")"
printf 'not a corpus' >"$work/junk.db"
"$bin" yara --db "$work/junk.db" Kin >/dev/null 2>"$work/err"
rc=$?
[ $rc = 4 ] && ok yara_not_a_corpus || bad yara_not_a_corpus "exit $rc: $(cat "$work/err")"
for args in "" "--max-strings 0 Kin" "--min-hits x Kin" "--max-strings 2 --min-hits 3 Kin" "Kin Keyed" "--bogus Kin"; do
  # shellcheck disable=SC2086
  "$bin" yara --db "$db" $args >/dev/null 2>&1
  rc=$?
  [ $rc = 2 ] && ok "yara_usage '$args'" || bad "yara_usage '$args'" "exit $rc"
done
"$bin" yara --db "$db" runtime >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "no code of its own" "$work/err" && ok yara_library_only || bad yara_library_only "exit $rc: $(cat "$work/err")"
"$bin" yara --db "$db" -o "$work/no/such/dir/r.yar" Features >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "r.yar" "$work/err" && ok yara_output_unwritable || bad yara_output_unwritable "exit $rc"
"$bin" yara --db "$db" Features --verify "$work/nothing-here" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -q "nothing-here" "$work/err" && ok yara_verify_missing || bad yara_verify_missing "exit $rc: $(cat "$work/err")"

# a sample whose file is gone: named and skipped; the rule covers the rest, exit 1
db2=$work/gone.db
cp "$fx/kin_a-gcc-O2" "$work/moved-gcc" && cp "$fx/kin_a-clang-O2" "$work/moved-clang"
"$bin" add -q --db "$db2" --family Kin "$work/moved-gcc" "$work/moved-clang" "$fx/kin_b-gcc-O2" >/dev/null 2>&1
"$bin" add -q --db "$db2" --family Features "$fx"/features-gcc-O2 "$fx"/features-clang-O2 >/dev/null 2>&1
rm -f "$work/moved-clang"
"$bin" yara --db "$db2" --json Kin >"$work/g.json" 2>"$work/err"
rc=$?
python3 - "$work/g.json" "$work/moved-clang" <<'PY' && [ $rc = 1 ] && grep -q "moved-clang.*gone" "$work/err" \
  && ok yara_sample_gone || bad yara_sample_gone "exit $rc: $(cat "$work/err")"
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verification"]
assert v["family_samples"] == 3 and v["samples_read"] == 2 and v["samples_hit"] == 2 and v["false_positives"] == 0, v
g = [s for s in d["samples"] if s["path"] == sys.argv[2]]
assert g and g[0]["status"] == "gone" and "No such file" in g[0]["message"], g
PY

# docs: every long option of --help is in docs/cli/yara.md, and the command is in lineage(1)
here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../../docs/cli/yara.md
missing=$("$bin" yara --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do grep -q -- "$o" "$doc" 2>/dev/null || echo "$o"; done)
[ -z "$missing" ] && grep -q '\[yara.md\](yara.md)' "$here/../../docs/cli/lineage.md" && ok docs_yara || bad docs_yara "undocumented: $missing"

echo "yara: $pass passed, $fail failed"
[ "$fail" = 0 ]
