#!/usr/bin/env bash
# End-to-end tests of the crypto axis: `lineage scan` locates algorithms,
# keys, alphabets and API hashes in fixtures built at test time (checked
# against nm and the fixtures' sources), bad rule folders give exit 3 naming
# the file and line, and `lineage match` attributes a program that shares only
# key material (keyed_b: other code, same custom alphabet and XOR key) through
# its crypto score.
#   usage: crypto.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fx=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../fixtures/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# scan JSON of one file into $work/NAME.json
scan() { "$bin" scan --json --no-functions "$fx/$1" >"$work/$1.json" 2>"$work/err" || bad "scan_$1" "exit $?"; }

# a T-table's place: the rule's address is the table's symbol, its users include the encryption function
f=crypto-aes_table-gcc-O2
scan $f
python3 - "$work/$f.json" "$(nm "$fx/$f" | awk '$3 == "Te0" {print $1}')" \
  "$(nm "$fx/$f" | awk '$3 == "aes_encrypt" {print $1}')" <<'PY' && ok aes_table_location || bad aes_table_location "see above"
import json, sys
d = json.load(open(sys.argv[1]))
te0, enc = int(sys.argv[2], 16), int(sys.argv[3], 16)
c = d["crypto"]
assert [x["family"] for x in c["families"]] == ["aes"], c["families"]
t = [x for x in c["findings"] if x["source"].startswith("rule:aes_te0")]
assert t, "no Te0 finding"
t = t[0]
assert int(t["va"], 16) == te0, (t["va"], hex(te0))
assert t["function"] is None and int(t["offset"], 16) > 0
assert enc in [int(u["address"], 16) for u in t["users"]], t["users"]
PY

# the same RSA key in PEM and in DER has one key id; two fixtures with different keys have two
for f in crypto-pem_der-gcc-O2 crypto-rsa_blob-gcc-O2 crypto-rsa_blob-mingw32-O2.exe crypto-bcrypt_blob-mingw64-O2.exe; do scan $f; done
python3 - "$work" <<'PY' && ok rsa_key_ids || bad rsa_key_ids "see above"
import json, sys
w = sys.argv[1]
def keys(name):
    d = json.load(open(f"{w}/{name}.json"))
    return {(x["source"], x["value"]) for x in d["crypto"]["findings"] if x["kind"] == "blob" and x["value"]}
pem = keys("crypto-pem_der-gcc-O2")
ids = {v for _, v in pem}
assert len(pem) >= 2 and len(ids) == 1, pem  # rule:pem and rule:der-key, one key
assert next(iter(ids)).startswith("rsa:sha256:")
a, b = keys("crypto-rsa_blob-gcc-O2"), keys("crypto-rsa_blob-mingw32-O2.exe")
assert a and {v for _, v in a} == {v for _, v in b}, (a, b)  # one key, two builds
assert any(s == "rule:capi-key-blob" for s, _ in a), a
c = keys("crypto-bcrypt_blob-mingw64-O2.exe")
assert c and any(s == "rule:bcrypt-key-blob" for s, _ in c), c
assert not ({v for _, v in c} & {v for _, v in a}) and not ({v for _, v in a} & ids)
d = json.load(open(f"{w}/crypto-rsa_blob-gcc-O2.json"))
assert any("RSA-2048 public key" in x["description"] for x in d["crypto"]["findings"])
PY

# the custom alphabet is reported exactly as the source spells it; the XOR key is "k3y!"
alpha=$(sed -n 's/^const char custom_alphabet\[65\] = "\(.*\)";/\1/p' "$src/crypto/base64_custom.c")
for f in crypto-base64_custom-clang-Os crypto-xor_multi-mingw64-O2.exe crypto-xor_single-gcc-O0; do scan $f; done
python3 - "$work" "$alpha" <<'PY' && ok material_values || bad material_values "see above"
import json, sys
w, alpha = sys.argv[1], sys.argv[2]
def find(name, fam):
    d = json.load(open(f"{w}/{name}.json"))
    return [x for x in d["crypto"]["findings"] if x["family"] == fam]
a = find("crypto-base64_custom-clang-Os", "base64")
assert len(alpha) == 64 and [x["value"] for x in a] == [alpha], (a, alpha)
assert a[0]["material"] and a[0]["kind"] == "alphabet"
x = find("crypto-xor_multi-mingw64-O2.exe", "xor")
assert [y["value"] for y in x] == ["6b337921"], x  # "k3y!"
assert x[0]["function"] and x[0]["function"]["name"] in ("xor_decode", None), x
s = find("crypto-xor_single-gcc-O0", "xor")
assert [y["value"] for y in s] == ["5a"] and not s[0]["material"], s  # one byte: a variant, not material
PY

# API hashing: ROR13 hashes resolve to their names; the hash loop is found in code
f=crypto-api_hash-mingw32-O2.exe
scan $f
python3 - "$work/$f.json" <<'PY' && ok api_hash_names || bad api_hash_names "see above"
import json, sys
c = json.load(open(sys.argv[1]))["crypto"]["findings"]
h = [x for x in c if x["source"] == "const:api-hash-ror13"]
assert h and {"LoadLibraryA", "GetProcAddress"} <= set(h[0]["value"].split(",")), h
assert any(x["source"] == "code:ror13-hash-loop" for x in c), c
PY

# CryptoAPI: the algorithm ids passed to the API, in the function that calls it
f=crypto-cryptoapi-mingw64-O2.exe
scan $f
python3 - "$work/$f.json" <<'PY' && ok cryptoapi_calg || bad cryptoapi_calg "see above"
import json, sys
c = json.load(open(sys.argv[1]))["crypto"]["findings"]
vals = {x["value"] for x in c if x["source"] == "api:cryptoapi"}
assert {"CALG_SHA_256", "CALG_AES_256"} <= vals, vals
assert all(x["library"] for x in c if x["kind"] in ("api", "import"))
assert any(x["source"] == "import:CryptEncrypt" for x in c)
PY

# a control program carries nothing
scan crypto-nocrypto-clang-O2
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["crypto"]; assert c=={"families":[],"findings":[]}, c' \
  "$work/crypto-nocrypto-clang-O2.json" && ok nocrypto_empty || bad nocrypto_empty "findings in a control"

# text output: the crypto line lists the families, each finding its source and place
"$bin" scan "$fx/crypto-rc4-gcc-O2" >"$work/t.txt" 2>&1
grep -q '^  crypto     rc4$' "$work/t.txt" && grep -q 'code:rc4-ksa, offset 0x' "$work/t.txt" &&
  ok text_output || bad text_output "$(grep -A3 crypto "$work/t.txt")"

# a raw blob (shellcode-like bytes): ROR13 hashes pushed as immediates are still found
python3 - "$work/sc.bin" <<'PY'
import struct, sys
def ror(x, n): return ((x >> n) | (x << (32 - n))) & 0xffffffff
def h(s):
    v = 0
    for ch in s.encode(): v = (ror(v, 13) + ch) & 0xffffffff
    return v
blob = b"\x90" * 7 + b"".join(b"\x68" + struct.pack("<I", h(n)) for n in ("LoadLibraryA", "VirtualAlloc")) + b"\xc3"
open(sys.argv[1], "wb").write(blob)
PY
"$bin" scan --json "$work/sc.bin" | python3 -c '
import json, sys
c = json.load(sys.stdin)["crypto"]["findings"]
assert any(x["family"] == "api-hash" and x["algorithm"] == "ror13" and "VirtualAlloc" in x["value"] for x in c), c' &&
  ok raw_blob_api_hash || bad raw_blob_api_hash "not found"

# rules that cannot be loaded: exit 3, the message names the folder, or the file and line
"$bin" scan --rules "$work/none" "$fx/crypto-rc4-gcc-O2" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 3 ] && grep -q "$work/none: no such rules folder" "$work/err" && ok rules_missing || bad rules_missing "exit $rc: $(cat "$work/err")"
mkdir -p "$work/bad" && printf 'rule ok_rule { condition: true }\nrule broken {\n strings: $a = "x"\n condition: $b\n}\n' >"$work/bad/b.yar"
"$bin" match --db "$work/none.db" --rules "$work/bad" "$fx/crypto-rc4-gcc-O2" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 3 ] && grep -Eq "$work/bad/b.yar:[45]: undefined string" "$work/err" && ok rules_broken || bad rules_broken "exit $rc: $(cat "$work/err")"
# an analyst's own rule folder is used as given (a rule without a family is not crypto)
mkdir -p "$work/mine" && printf 'rule mine { meta: family = "xor" algorithm = "marker" kind = "string" description = "test marker"\n strings: $a = "k3y!" condition: $a }\n' >"$work/mine/m.yar"
"$bin" scan --json --rules "$work/mine" "$fx/crypto-xor_multi-gcc-O2" | python3 -c '
import json, sys
c = json.load(sys.stdin)["crypto"]["findings"]
assert any(x["source"] == "rule:mine" for x in c), c
assert not any(x["source"].startswith("rule:") and x["source"] != "rule:mine" for x in c), c' &&
  ok rules_own_folder || bad rules_own_folder "own rule not used alone"

# match on material: keyed_a is family Keyed; keyed_b (different code, same alphabet and XOR key) is
# attributed through its crypto score; kin_b shares no material and is not
db=$work/k.db
"$bin" add -q --db "$db" --family Keyed "$fx/keyed_a-gcc-O2" >/dev/null 2>&1 || bad add keyed_a
"$bin" add -q --db "$db" --family Kin "$fx/kin_a-gcc-O2" >/dev/null 2>&1 || bad add kin_a
"$bin" match --db "$db" --json "$fx/keyed_b-gcc-O2" "$fx/kin_b-gcc-O2" >"$work/m.jsonl" 2>"$work/err"
rc=$?
python3 - "$work/m.jsonl" <<'PY' && [ $rc = 0 ] && ok match_material || bad match_material "exit $rc"
import json, sys
k, b = [json.loads(l) for l in open(sys.argv[1])]
v = k["verdict"]
assert v["family"] == "Keyed" and v["axis"] == "crypto", v
f = [x for x in k["families"] if x["family"] == "Keyed"][0]
assert f["crypto_score"] >= v["crypto_threshold"] and f["score"] < 0.2, f
kinds = {t["kind"] for t in k["traits"] if t["family"] == "Keyed"}
assert "material" in kinds, k["traits"]
al = [t for t in k["traits"] if t["token"].startswith("crypto:material:alphabet:")]
assert al and al[0]["families"] == 1 and al[0]["weight"] == 0.9, al
assert b["verdict"]["family"] == "Kin" and b["verdict"]["axis"] == "code", b["verdict"]
assert not any(t["kind"] == "material" for t in b["traits"]), b["traits"]
PY
"$bin" match --db "$db" "$fx/keyed_b-gcc-O2" >"$work/m.txt" 2>&1
grep -q 'verdict   Keyed (crypto score' "$work/m.txt" && grep -q '    material 0.900 1 fam.  custom Base64 alphabet' "$work/m.txt" &&
  ok match_text || bad match_text "$(cat "$work/m.txt")"

# a corpus stored before traits existed gets them when the sample is added again
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DELETE FROM traits"); c.execute("UPDATE samples SET traits = 0"); c.commit()
PY
"$bin" add -q --db "$db" --family Keyed "$fx/keyed_a-gcc-O2" >/dev/null 2>&1
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM traits").fetchone()[0])' "$db")
[ "$n" -gt 0 ] && ok traits_renewed || bad traits_renewed "$n traits"

echo "crypto: $pass passed, $fail failed"
[ $fail = 0 ]
