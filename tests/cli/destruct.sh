#!/usr/bin/env bash
# End-to-end tests of the destruction axis: `lineage scan` names the methods
# with ATT&CK and MBC ids and evidence that can be checked by hand (the
# instruction carrying an IOCTL, read back with objdump; the embedded driver's
# bytes, hashed with sha256sum), bad capability rules give exit 3 naming the
# file and line, and `lineage match` attributes a program that shares only how
# it would destroy data (family_b: other code, same script wording, command and
# extension list) through its destruction score.
#   usage: destruct.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
scan() { "$bin" scan --json --no-functions "$fx/$1" >"$work/$1.json" 2>"$work/err" || bad "scan_$1" "exit $?"; }

# which IOCTL reaches which DeviceIoControl: the evidence's instruction carries the code (objdump)
for f in destruct-disk_layout-mingw64-O2.exe destruct-disk_layout-mingw32-O0.exe; do
  scan $f
  va=$(python3 - "$work/$f.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["capabilities"] if x["id"] == "disk.layout-destroy"][0]
assert c["attack"] == ["T1561.002"] and c["mbc"] == ["F0014"] and c["role"] == "method", c
e = [x for x in c["evidence"] if x["feature"] == "constant"][0]
assert e["value"] == "0x7c100" and e["detail"] == "IOCTL_DISK_DELETE_DRIVE_LAYOUT", e
assert e["reaches"]["call"] == "DeviceIoControl" and int(e["reaches"]["va"], 16) > int(e["va"], 16), e
seq = [x["name"] for x in d["ioctls"]]
assert "IOCTL_DISK_DELETE_DRIVE_LAYOUT" in seq and "IOCTL_DISK_GET_DRIVE_GEOMETRY_EX" in seq, seq
print(e["va"])
PY
  )
  dump=x86_64-w64-mingw32-objdump
  if [ -n "$va" ] && $dump -d --start-address="$va" --stop-address=$((va + 16)) "$fx/$f" | grep -qi '\$0x7c100'; then
    ok "ioctl_reaches_$f"
  else
    bad "ioctl_reaches_$f" "no 0x7c100 immediate at '$va'"
  fi
done

# 0x24050 is the CD-ROM geometry query: named as such, not a disk size query
f=destruct-cdrom_geometry-mingw64-O2.exe
scan $f
python3 - "$work/$f.json" <<'PY' && ok cdrom_not_disk || bad cdrom_not_disk "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["capabilities"], [c["id"] for c in d["capabilities"]]
assert [x["name"] for x in d["ioctls"]] == ["IOCTL_CDROM_GET_DRIVE_GEOMETRY_EX"], d["ioctls"]
PY

# Linux: BLKDISCARD's x86-64 value, reaching ioctl
f=destruct-blk_discard-clang-O2
scan $f
python3 - "$work/$f.json" <<'PY' && ok blkdiscard || bad blkdiscard "see above"
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["capabilities"] if x["id"] == "linux.block-discard"][0]
ev = {e["detail"]: e for e in c["evidence"] if e["feature"] == "constant"}
assert ev["BLKDISCARD"]["value"] == "0x1277" and ev["BLKDISCARD"]["reaches"]["call"] == "ioctl", ev
PY

# a wide string: the GLOBALROOT path is UTF-16 in the file
f=destruct-globalroot-mingw64-O2.exe
scan $f
python3 - "$work/$f.json" <<'PY' && ok wide_string || bad wide_string "see above"
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["capabilities"] if x["id"] == "raw-disk.open"][0]
s = [e for e in c["evidence"] if e["feature"] == "string"][0]
assert s["wide"] and "GLOBALROOT" in s["value"] and s["detail"] == "UTF-16LE", s
PY

# an embedded driver in a resource and in the overlay: found, hashed, its capabilities listed
sys_sha=$(sha256sum "$fx/destruct-driver-rawdisk_stub.sys" | cut -d' ' -f1)
for f in destruct-embedded_resource-mingw64-O2.exe destruct-embedded_overlay-mingw32-O2.exe; do
  scan $f
  python3 - "$work/$f.json" "$sys_sha" <<'PY' && ok "embedded_$f" || bad "embedded_$f" "see above"
import json, sys
d, sha = json.load(open(sys.argv[1])), sys.argv[2]
m = [x for x in d["embedded"] if x["kind"] == "driver"]
assert len(m) == 1 and m[0]["sha256"] == sha and m[0]["format"] == "pe", d["embedded"]
want = "resource RCDATA/101" if "resource" in sys.argv[1] else "overlay"
assert m[0]["where"] == want, m
i = d["embedded"].index(m[0])
inner = [c["id"] for c in d["capabilities"] if c["embedded"] == i]
assert "driver.raw-disk" in inner, inner
own = [c["id"] for c in d["capabilities"] if c["embedded"] is None]
assert "driver.embedded" in own, own
PY
done

# a disk tool: what it can do, never "wiper"
if [ -x /usr/sbin/blkdiscard ]; then
  "$bin" scan /usr/sbin/blkdiscard >"$work/t.txt" 2>&1
  grep -q 'method  linux.block-discard' "$work/t.txt" && ! grep -qiE 'wiper|malicious' "$work/t.txt" &&
    ok disk_tool_text || bad disk_tool_text "$(cat "$work/t.txt")"
fi

# a bad capability rule: exit 3, the file and line named
mkdir -p "$work/r"
printf -- '- rule: x\n  name: X\n  match:\n    rule: nowhere\n' >"$work/r/bad.yml"
"$bin" scan --rules "$work/r" "$fx/destruct-control-gcc-O2" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 3 ] && grep -q "$work/r/bad.yml:4: rule x: no rule 'nowhere'" "$work/err" && ok bad_rule ||
  bad bad_rule "exit $rc: $(cat "$work/err")"

# an analyst's own rule, loaded without rebuilding
printf -- "rule: local.marker\nname: Local marker\nattack: T1485\nmatch:\n  string: 'lineage_fixture_again'\n" >"$work/r/bad.yml"
"$bin" scan --json --no-functions --rules "$work/r" "$fx/destruct-family_a-gcc-O2" | python3 -c '
import json, sys
ids = [c["id"] for c in json.load(sys.stdin)["capabilities"]]
assert ids == ["local.marker"], ids' && ok own_rule || bad own_rule "not used alone"

# match: family_a is family Wiper-X; family_b (other code, the same wording and extension list) is
# attributed through its destruction score; the control program is not
db=$work/d.db
"$bin" add -q --db "$db" --family Wiper-X "$fx/destruct-family_a-gcc-O2" >/dev/null 2>&1 || bad add family_a
"$bin" add -q --db "$db" --family Other "$fx/destruct-file_wipe-gcc-O2" >/dev/null 2>&1 || bad add file_wipe
"$bin" match --db "$db" --json "$fx/destruct-family_b-gcc-O2" "$fx/destruct-control-gcc-O2" >"$work/m.jsonl" 2>"$work/err"
rc=$?
python3 - "$work/m.jsonl" <<'PY' && [ $rc = 0 ] && ok match_destruction || bad match_destruction "exit $rc"
import json, sys
b, c = [json.loads(l) for l in open(sys.argv[1])]
v = b["verdict"]
assert v["family"] == "Wiper-X" and v["axis"] == "destruction", v
f = [x for x in b["families"] if x["family"] == "Wiper-X"][0]
assert f["destruction_score"] >= v["destruction_threshold"] and f["score"] < 0.2, f
kinds = {t["kind"] for t in b["traits"] if t["family"] == "Wiper-X" and t["axis"] == "destruction"}
assert kinds == {"variant", "common"}, kinds
ext = [t for t in b["traits"] if t["token"].startswith("destruction:extensions:")]
assert ext and ext[0]["weight"] == 0.25, ext
assert c["verdict"]["family"] is None, c["verdict"]
PY
"$bin" match --db "$db" "$fx/destruct-family_b-gcc-O2" >"$work/m.txt" 2>&1
grep -q 'verdict   Wiper-X (destruction score' "$work/m.txt" && grep -q 'destruct. Wiper-X: shared traits' "$work/m.txt" &&
  ok match_text || bad match_text "$(cat "$work/m.txt")"

echo "destruct: $pass passed, $fail failed"
[ $fail = 0 ]
