#!/usr/bin/env bash
# End-to-end tests of the infrastructure axis: `lineage scan` reports network
# indicators with evidence that can be checked by hand (an integer address's
# instruction read back with objdump, XOR-encoded bytes decoded with the
# reported key, a UTF-16 string read at its offset), --defang and --min-len;
# `lineage match` attributes a program that shares only infrastructure
# (kin_b: other code, same relay URL, address and pipe); the feed round trip:
# import a STIX bundle, a MISP event and a CSV, match a fixture, see the feed's
# actor resolved to its ATT&CK group in the evidence, export STIX and validate
# it; bad feeds are reported with the file and the problem.
#   usage: infra.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
here=$(cd "$(dirname "$0")" && pwd)
feeds=$here/../fixtures/feeds
check_stix=$here/../infra/stix_check.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
scan() { "$bin" scan --json --no-functions "$@" >"$work/scan.json" 2>"$work/err" || bad "scan $*" "exit $?"; }

# an address stored as an integer: the instruction at the reported address carries it, and it reaches connect
for f in infra-sockaddr_integer-gcc-O2 infra-sockaddr_integer-mingw64-O2.exe; do
  scan "$fx/$f"
  va=$(python3 - "$work/scan.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
i = [x for x in d["indicators"] if x["value"] == "198.51.100.200"][0]
assert i["type"] == "ipv4" and i["port"] == 8443 and "documentation" in i["flags"], i
o = [p for p in i["occurrences"] if p["form"] == "integer"][0]
assert o["context"] == "connect" and "function" in o, o
print(o["va"])
PY
  )
  case $f in *.exe) dump=x86_64-w64-mingw32-objdump ;; *) dump=objdump ;; esac
  # 198.51.100.200 in network order is the little-endian word 0xc86433c6
  if [ -n "$va" ] && $dump -d --start-address="$va" --stop-address=$((va + 16)) "$fx/$f" | grep -qi 'c86433c6'; then
    ok "integer_address_$f"
  else
    bad "integer_address_$f" "no 0x...c86433c6 immediate at '$va'"
  fi
done

# XOR-encoded: the bytes at the reported offset, XORed with the reported key, are the indicator
for f in infra-xor_strings-gcc-O0 infra-xor_strings-mingw32-O2.exe; do
  scan "$fx/$f"
  python3 - "$work/scan.json" "$fx/$f" <<'PY' && ok "xor_bytes_$f" || bad "xor_bytes_$f" "see above"
import json, sys
d = json.load(open(sys.argv[1])); data = open(sys.argv[2], "rb").read()
want = {"https://files.evil-corp.example/stage2.bin": "5a", "203.0.113.99": "6b337921"}
for v, key in want.items():
    i = [x for x in d["indicators"] if x["value"] == v][0]
    o = [p for p in i["occurrences"] if p["form"] == "xor"][0]
    k = bytes.fromhex(o["key"]); assert o["key"] == key, o
    dec = bytes(b ^ k[n % len(k)] for n, b in enumerate(data[o["offset"]:o["offset"] + len(v)]))
    assert dec.decode() == v, (dec, v)
    assert v.encode() not in data, "stored in clear"
PY
done

# UTF-16: the bytes at the offset are the wide string; the mutex is the one CreateMutexW gets
scan "$fx/infra-utf16_strings-mingw64-O0.exe"
python3 - "$work/scan.json" "$fx/infra-utf16_strings-mingw64-O0.exe" <<'PY' && ok utf16_offset || bad utf16_offset "see above"
import json, sys
d = json.load(open(sys.argv[1])); data = open(sys.argv[2], "rb").read()
i = [x for x in d["indicators"] if x["type"] == "url"][0]
o = [p for p in i["occurrences"] if p["form"] == "utf16"][0]
v = i["value"]
assert data[o["offset"]:o["offset"] + 2 * len(v)].decode("utf-16-le") == v, v
m = [x for x in d["indicators"] if x["type"] == "mutex"][0]
assert m["value"] == "Local\\LineageFixtureMutexW", m
assert any(p.get("context") == "CreateMutexW" for p in m["occurrences"]), m
PY

# the negative control: nothing
scan "$fx/infra-negative_control-gcc-O2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["indicators"] == [], d["indicators"]' "$work/scan.json" \
  && ok negative_control || bad negative_control "indicators reported"

# text output, --defang, --min-len
"$bin" scan --defang "$fx/infra-ascii_strings-gcc-O2" >"$work/out" 2>&1
grep -q 'hxxp://c2\[\.\]example\[\.\]net:8080/gate\.php' "$work/out" && grep -q '192\.0\.2\[\.\]10' "$work/out" \
  && ! grep -q 'http://c2' "$work/out" && ok defang_text || bad defang_text "$(grep -A2 indicators "$work/out" | head -5)"
"$bin" scan --json --defang --no-functions "$fx/infra-ascii_strings-gcc-O2" | grep -q 'ops\[@\]example\[\.\]org' \
  && ok defang_json || bad defang_json "no defanged e-mail"
"$bin" scan --min-len 3 /bin/true >/dev/null 2>"$work/err"; rc=$?
[ $rc = 2 ] && grep -q "invalid value '3' for --min-len" "$work/err" && ok min_len_usage || bad min_len_usage "exit $rc"
scan --min-len 30 "$fx/infra-ascii_strings-gcc-O2"
python3 - "$work/scan.json" <<'PY' && ok min_len || bad min_len "see above"
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["value"] for x in d["indicators"]}
assert "192.0.2.10" not in v and "https://update.evil-corp.example/download/patch.bin" in v, v
PY

# attribution by infrastructure alone: kin_b shares kin_a's relay URL, address and pipe, not its code
db=$work/kin.db
"$bin" add --db "$db" --family RelayKit --actor "Lazarus Group" "$fx/infra-kin_a-gcc-O2" >/dev/null 2>&1 &&
  "$bin" add --db "$db" --family Benign "$fx/infra-negative_control-gcc-O2" >/dev/null 2>&1 || bad add_kin "add failed"
"$bin" match --db "$db" --json "$fx/infra-kin_b-clang-O2" >"$work/m.json" 2>"$work/err"
python3 - "$work/m.json" <<'PY' && ok kin_by_infrastructure || bad kin_by_infrastructure "see above"
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
assert v["family"] == "RelayKit" and v["axis"] == "infrastructure", v
f = d["families"][0]
assert f["infrastructure_score"] >= v["infrastructure_threshold"] and f["score"] < 0.2, f
t = {x["token"] for x in d["traits"] if x["axis"] == "infrastructure"}
assert "infra:url:http://relay.lineage-kin.example/p.php" in t and "infra:ipv4:198.51.100.99" in t, t
PY
"$bin" match --db "$db" "$fx/infra-kin_b-clang-O2" >"$work/out" 2>&1
grep -q 'verdict   RelayKit (actor: Lazarus Group, G0032) (infrastructure score' "$work/out" && grep -q '^  infra\.' "$work/out" \
  && ok kin_text || bad kin_text "$(head -12 "$work/out")"
# labels resolved to ATT&CK: a family named as ATT&CK software (S0041 "Wiper", the 2013 Dark Seoul wiper), an actor
# named by an alias of its group
"$bin" add --db "$work/attack.db" --family Wiper --actor "Guardians of Peace" "$fx/infra-kin_a-gcc-O2" >/dev/null 2>&1
"$bin" match --db "$work/attack.db" "$fx/infra-kin_b-gcc-O2" >"$work/out" 2>&1
grep -q 'verdict   Wiper \[S0041\] (actor: Guardians of Peace = G0032 Lazarus Group)' "$work/out" \
  && ok attack_names_text || bad attack_names_text "$(sed -n 3p "$work/out")"
"$bin" match --db "$work/attack.db" --json "$fx/infra-kin_b-gcc-O2" >"$work/m.json" 2>/dev/null
python3 - "$work/m.json" <<'PY' && ok attack_names_json || bad attack_names_json "see above"
import json, sys
d = json.load(open(sys.argv[1]))
v, f = d["verdict"], d["families"][0]
assert v["attack_software"] == {"id": "S0041", "name": "Wiper"}, v
assert v["attack_group"] == {"id": "G0032", "name": "Lazarus Group"} == f["attack_group"], (v, f)
PY
"$bin" match --db "$db" --json "$fx/infra-negative_control-mingw64-O2.exe" >"$work/m.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]["axis"] != "infrastructure", d["verdict"]' \
  "$work/m.json" && ok control_not_by_infrastructure || bad control_not_by_infrastructure "decided by infrastructure"

# feeds: STIX 2.1 bundle, MISP event, CSV; actors resolved to ATT&CK groups
db=$work/feeds.db
"$bin" add --db "$db" --family FeedKin --actor "Lazarus Group" "$fx/infra-ascii_strings-gcc-O2" >/dev/null 2>&1 || bad add_feedkin "add failed"
"$bin" import-iocs --db "$db" "$feeds/example-cert.stix.json" "$feeds/example-isac.misp.json" "$feeds/example-partner.csv" \
  >"$work/imp" 2>"$work/err"; rc=$?
[ $rc = 0 ] && grep -q 'example-cert.stix.json: stix, 5 indicators (5 new, 0 updated)' "$work/imp" \
  && grep -q 'example-isac.misp.json: misp,' "$work/imp" && grep -q 'example-partner.csv: csv,' "$work/imp" \
  && grep -q '(1 resolved to ATT&CK groups)' "$work/imp" && ok import_feeds || bad import_feeds "exit $rc: $(cat "$work/imp" "$work/err")"
"$bin" import-iocs --db "$db" "$feeds/example-cert.stix.json" >"$work/imp" 2>&1
grep -q '5 indicators (0 new, 5 updated)' "$work/imp" && ok import_again || bad import_again "$(cat "$work/imp")"
"$bin" match --db "$db" --json "$fx/infra-ascii_strings-mingw64-O2.exe" >"$work/m.json" 2>"$work/err"
python3 - "$work/m.json" <<'PY' && ok feed_actor_in_evidence || bad feed_actor_in_evidence "see above"
import json, sys
d = json.load(open(sys.argv[1]))
fe = d["feeds"]
stix = [x for x in fe if x["value"] == "198.51.100.23"]
assert stix and stix[0]["actor"] == "Guardians of Peace" and stix[0]["attack_group"]["id"] == "G0032", fe
assert stix[0]["attack_group"]["name"] == "Lazarus Group" and stix[0]["source"] == "Example CERT", stix
assert stix[0]["first_seen"] and stix[0]["confidence"] is not None, stix
misp = [x for x in fe if x["value"] == "ops@example.org"]
assert misp and misp[0]["actor"] == "HIDDEN COBRA" and misp[0]["attack_group"]["id"] == "G0032", fe
assert misp[0]["source"] == "Example ISAC", misp
url = [x for x in fe if x["type"] == "url"]  # the URL's host meets the feed's URL of the same host
assert url and url[0]["feed_value"].startswith("http://c2.example.net"), fe
# the feed names the actor of a family met: it counts for that family, and says so
assert any(x["family"] == "FeedKin" and x["weight"] > 0 for x in fe), fe
f = [x for x in d["families"] if x["family"] == "FeedKin"][0]
assert f["infrastructure_score"] > 0.5, f
PY
"$bin" match --db "$db" --defang "$fx/infra-ascii_strings-mingw64-O2.exe" >"$work/out" 2>&1
grep -q 'ipv4 198\.51\.100\[\.\]23: Example CERT (example-cert.stix.json), actor Guardians of Peace = G0032 Lazarus Group' "$work/out" \
  && ok feed_text || bad feed_text "$(grep -A4 feeds "$work/out")"

# the stored entries, all or by value (a URL found through its host)
"$bin" corpus --db "$db" iocs >"$work/out" 2>&1 && grep -q "^ipv4 *198.51.100.23	Guardians of Peace (G0032 Lazarus Group)	confidence 85	2014-11-24" "$work/out" \
  && ok corpus_iocs || bad corpus_iocs "$(head -3 "$work/out")"
"$bin" corpus --db "$db" iocs c2.example.net >"$work/out" 2>&1 && [ "$(wc -l <"$work/out")" = 1 ] && grep -q '^url *http://c2.example.net:8080/gate.php port 8080' "$work/out" \
  && ok corpus_iocs_value || bad corpus_iocs_value "$(cat "$work/out")"

# export STIX 2.1 and validate it; every required property is checked by stix_check.py
"$bin" export --stix --db "$db" -o "$work/bundle.json" 2>"$work/err"; rc=$?
[ $rc = 0 ] && python3 "$check_stix" --strict "$work/bundle.json" >"$work/chk" 2>&1 && ok export_valid \
  || bad export_valid "exit $rc: $(head -5 "$work/chk" "$work/err")"
python3 - "$work/bundle.json" <<'PY' && ok export_content || bad export_content "see above"
import json, sys
b = json.load(open(sys.argv[1]))
objs = b["objects"]; by = {o["id"]: o for o in objs}
sets = [o for o in objs if o["type"] == "intrusion-set"]
laz = [o for o in sets if o["name"] == "Lazarus Group"]
assert laz and laz[0]["external_references"][0]["external_id"] == "G0032", sets
assert "Guardians of Peace" in laz[0].get("aliases", []), laz
rels = [(by[r["source_ref"]]["type"], r["relationship_type"], by[r["target_ref"]]["type"]) for r in objs if r["type"] == "relationship"]
for want in [("indicator", "indicates", "malware"), ("malware", "variant-of", "malware"),
             ("intrusion-set", "attributed-to", "threat-actor"), ("malware", "authored-by", "intrusion-set"),
             ("indicator", "indicates", "intrusion-set")]:
    assert want in rels, (want, set(rels))
pats = [o["pattern"] for o in objs if o["type"] == "indicator"]
assert "[ipv4-addr:value = '198.51.100.23']" in pats and "[email-addr:value = 'ops@example.org']" in pats, pats
files = [o for o in objs if o["type"] == "file"]
assert len(files) == 1 and len(files[0]["hashes"]["SHA-256"]) == 64, files
PY
# the exported bundle imports again
"$bin" import-iocs --db "$work/re.db" "$work/bundle.json" >"$work/imp" 2>&1 && grep -q ': stix, ' "$work/imp" \
  && ok export_reimport || bad export_reimport "$(cat "$work/imp")"

# bad feeds: named, with the problem; the others still imported; exit 1
printf '{"type": "bundle", "objects": [' >"$work/broken.json"
printf 'value,type\n"192.0.2.1,ipv4\n' >"$work/broken.csv"
"$bin" import-iocs --db "$work/bad.db" "$work/broken.json" "$feeds/example-partner.csv" "$work/broken.csv" >"$work/out" 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "broken.json" "$work/err" && grep -q "broken.csv.*line 2" "$work/err" \
  && grep -q 'example-partner.csv: csv' "$work/out" && ok bad_feeds || bad bad_feeds "exit $rc: $(cat "$work/err")"
"$bin" import-iocs --db "$work/bad.db" "$work/nope.json" 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "nope.json: cannot open" "$work/err" && ok missing_feed || bad missing_feed "exit $rc"
"$bin" export --db "$db" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 2 ] && grep -q 'give the format' "$work/err" && ok export_usage || bad export_usage "exit $rc"

# docs: every long option is in the manual
for cmd in import-iocs export; do
  doc=$here/../../docs/cli/$cmd.md
  missing=$("$bin" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do grep -q -- "$o" "$doc" 2>/dev/null || echo "$o"; done)
  [ -f "$doc" ] && [ -z "$missing" ] && ok "docs_$cmd" || bad "docs_$cmd" "undocumented: $missing"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
