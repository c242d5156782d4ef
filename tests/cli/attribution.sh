#!/usr/bin/env bash
# End-to-end tests of the combined verdict (docs/attribution.md): the
# artifacts axis (scan lists a PE's PDB GUID and path, an ELF's build id);
# two halfway axes that decide together where neither decides alone; the open
# set ("no known relative" with its probability and the nearest candidates);
# a planted false flag: a program of one family carrying the PDB GUID of
# another's build (patched into its CodeView record, as an attacker would)
# keeps its code family as the verdict, and the artifacts are reported as a
# contradiction marked as a possible false flag. Built files are never run.
#   usage: attribution.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../fixtures/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
db=$work/a.db

# PE builds with a CodeView record (--pdb writes the GUID and the file name)
cc=x86_64-w64-mingw32-gcc
(cd "$work" && $cc -O2 -o kin_a.exe "$src/kin_a.c" "$src/shared/kin.c" -Wl,--pdb=kin_a.pdb &&
  $cc -O2 -o kin_b.exe "$src/kin_b.c" "$src/shared/kin.c" -Wl,--pdb=kin_b.pdb &&
  $cc -O2 -o decoy.exe "$src/features.c" -Wl,--pdb=decoy.pdb &&
  $cc -O2 -o keyed.exe "$src/keyed_a.c" -Wl,--pdb=keyed.pdb) >"$work/cc.log" 2>&1 ||
  bad build_pe "$(head -5 "$work/cc.log")"

# scan: the artifacts axis's traits, in text and JSON
"$bin" scan --json --no-functions "$work/decoy.exe" >"$work/s.json" 2>"$work/err"
python3 - "$work/s.json" "$work/decoy.exe" <<'PY' && ok scan_artifacts_pe || bad scan_artifacts_pe "$(head -3 "$work/err")"
import json, sys, uuid
d = json.load(open(sys.argv[1]))
raw = open(sys.argv[2], "rb").read()
i = raw.index(b"RSDS")
guid = "{" + str(uuid.UUID(bytes_le=raw[i + 4:i + 20])).upper() + "}"
kinds = {a["token"].split(":")[1]: a["kind"] for a in d["artifacts"]}
assert kinds.get("pdbguid") == "material" and kinds.get("pdb") == "variant", kinds
assert kinds.get("imphash") == "build" and kinds.get("sections") == "common", kinds
g = [a for a in d["artifacts"] if a["token"].startswith("artifacts:pdbguid:")][0]
assert g["token"] == "artifacts:pdbguid:" + guid, (g, guid)
assert any(a["token"] == "artifacts:pdb:decoy.pdb" for a in d["artifacts"]), d["artifacts"]
PY
bid=$(readelf -n "$fx/kin_a-gcc-O2" | sed -n 's/.*Build ID: //p')
"$bin" scan "$fx/kin_a-gcc-O2" >"$work/s.txt" 2>&1
grep -q "^  artifacts  traits of the build" "$work/s.txt" && grep -q "material GNU build id $bid" "$work/s.txt" &&
  ok scan_artifacts_elf || bad scan_artifacts_elf "build id $bid: $(grep -A3 artifacts "$work/s.txt")"

# the corpus: Kin (kin_a builds), Decoy (features.c, with its PDB record), the runtime as library code
"$bin" add -q --db "$db" --family Kin --actor "Test Actor" "$fx/kin_a-gcc-O2" "$fx/kin_a-clang-O2" \
  "$work/kin_a.exe" >/dev/null 2>&1 &&
  "$bin" add -q --db "$db" --family Decoy --actor "Other Actor" "$work/decoy.exe" "$fx/features-gcc-O2" \
    >/dev/null 2>&1 &&
  "$bin" add -q --db "$db" --library runtime "$fx/runtime_probe-gcc-O2" "$fx/runtime_probe-mingw64-O2.exe" \
    >/dev/null 2>&1 || bad corpus "add failed"

# a false flag: kin_b with Decoy's PDB GUID patched in (the same build, says the CodeView record)
python3 - "$work/decoy.exe" "$work/kin_b.exe" "$work/flag.exe" <<'PY' || bad plant "patch"
import sys
d, k = open(sys.argv[1], "rb").read(), bytearray(open(sys.argv[2], "rb").read())
i, j = d.index(b"RSDS"), k.index(b"RSDS")
k[j + 4:j + 24] = d[i + 4:i + 24]  # GUID and age
open(sys.argv[3], "wb").write(bytes(k))
PY
"$bin" match --db "$db" --json "$work/flag.exe" >"$work/f.json" 2>"$work/err"
python3 - "$work/f.json" <<'PY' && ok false_flag_json || bad false_flag_json "$(head -c 600 "$work/f.json")"
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
assert v["family"] == "Kin" and v["axis"] == "code" and v["confidence"] > 0.5, v
fam = {f["family"]: f for f in d["families"]}
assert fam["Decoy"]["artifacts_score"] >= 0.5 and fam["Decoy"]["axes"]["code"]["score"] < 0.05, fam["Decoy"]
assert not fam["Decoy"]["supported"], fam["Decoy"]
assert fam["Decoy"]["axes"]["artifacts"]["evidence"] <= 1.5, fam["Decoy"]
c = [x for x in d["contradictions"] if x["axis"] == "artifacts"]
assert c and c[0]["family"] == "Decoy" and c[0]["against"] == "Kin" and c[0]["false_flag"], d["contradictions"]
assert any(t["axis"] == "artifacts" and t["kind"] == "material" for t in d["traits"] if t["family"] == "Decoy")
# the actors, ranked: each with its families and their confidences summed
a = d["actors"]
assert a[0]["actor"] == "Test Actor" and a[0]["families"] == ["Kin"] and a[0]["attack_group"] is None, a
assert abs(a[0]["confidence"] - fam["Kin"]["confidence"]) < 1e-3, a
assert [x["actor"] for x in a] == ["Test Actor", "Other Actor"], a
PY
"$bin" match --db "$db" "$work/flag.exe" >"$work/f.txt" 2>&1
grep -q "^  verdict   Kin (actor: Test Actor) (code score" "$work/f.txt" &&
  grep -q "^  contra.   artifacts points to Decoy (artifacts score .*: a possible false flag" "$work/f.txt" &&
  ok false_flag_text || bad false_flag_text "$(head -8 "$work/f.txt")"

# artifacts alone never decide: Decoy's GUID planted in a program with none of its code (keyed_a.c)
python3 - "$work/decoy.exe" "$work/keyed.exe" "$work/lone.exe" <<'PY' || bad plant_lone "patch"
import sys
d, k = open(sys.argv[1], "rb").read(), bytearray(open(sys.argv[2], "rb").read())
i, j = d.index(b"RSDS"), k.index(b"RSDS")
k[j + 4:j + 24] = d[i + 4:i + 24]
open(sys.argv[3], "wb").write(bytes(k))
PY
if [ -f "$work/lone.exe" ]; then
  "$bin" match --db "$db" --json "$work/lone.exe" >"$work/l.json" 2>"$work/err"
  python3 - "$work/l.json" <<'PY' && ok artifacts_never_decide || bad artifacts_never_decide "$(head -c 600 "$work/l.json")"
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
assert v["family"] is None and not v["known_relative"] and v["confidence"] > 0.5, v
f = d["families"][0]
assert f["family"] == "Decoy" and f["artifacts_score"] >= 0.5 and not f["supported"], f
PY
fi

# two halfway axes: with the code threshold at 0.70, kin_b's code (0.58) and crypto (0.30) decide only together
q=$fx/kin_b-gcc-O2
for axes in code crypto code,crypto; do
  "$bin" match --db "$db" --json --threshold 0.7 --axes "$axes" "$q" >"$work/ax-$axes.json" 2>"$work/err" ||
    bad "axes_$axes" "exit $?: $(head -2 "$work/err")"
done
python3 - "$work" <<'PY' && ok axes_combine || bad axes_combine "see above"
import json, sys
w = sys.argv[1]
r = {a: json.load(open(f"{w}/ax-{a}.json")) for a in ("code", "crypto", "code,crypto")}
for a in ("code", "crypto"):
    v = r[a]["verdict"]
    assert v["family"] is None, (a, v, r[a]["families"][:1])
v = r["code,crypto"]["verdict"]
f = r["code,crypto"]["families"][0]
assert v["family"] == "Kin" and f["supported"], (v, f)
assert 0 < f["axes"]["code"]["evidence"] < 4 and 0 < f["axes"]["crypto"]["evidence"] < 4, f["axes"]
# an axis left out is shown with its score and no evidence
c = r["code"]["families"][0]["axes"]["crypto"]
assert c["score"] > 0 and c["evidence"] == 0, c
PY

# the open set: unrelated code is "no known relative", with the probability and the nearest candidates
"$bin" match --db "$db" --json /usr/lib/x86_64-linux-gnu/libz.so.1 >"$work/u.json" 2>"$work/err"
python3 - "$work/u.json" <<'PY' && ok open_set || bad open_set "$(head -c 400 "$work/u.json")"
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
assert v["family"] is None and v["confidence"] >= 0.9, v
assert all(not f["supported"] and f["confidence"] < 0.1 for f in d["families"]), d["families"]
PY
"$bin" match --db "$db" /usr/lib/x86_64-linux-gnu/libz.so.1 >"$work/u.txt" 2>&1
grep -Eq "^  verdict   no known relative \(probability 0\.9[0-9]|^  verdict   no known relative \(probability 1\.00|^  verdict   no known relative \(nothing shared" "$work/u.txt" &&
  ok open_set_text || bad open_set_text "$(sed -n 3p "$work/u.txt")"

# a bad --axes is refused
"$bin" match --db "$db" --axes code,colour "$q" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 2 ] && grep -q "unknown axis 'colour'" "$work/err" && ok axes_bad || bad axes_bad "exit $rc: $(cat "$work/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
