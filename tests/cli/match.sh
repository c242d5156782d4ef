#!/usr/bin/env bash
# End-to-end tests of `lineage match` on fixtures built at test time: a corpus
# of kin_a builds (family Kin) and the runtime probes (library code); kin_b is
# attributed to Kin with evidence that nm confirms; unrelated code is "no
# known relative"; bad inputs and bad corpora give documented exit codes.
#   usage: match.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fixtures=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

db=$work/c.db
"$bin" add -q --db "$db" --family Kin --actor "Test Actor" "$fixtures"/kin_a-gcc-O2 "$fixtures"/kin_a-clang-O2 \
  "$fixtures"/kin_a-mingw64-O2.exe >/dev/null 2>&1 || bad add "kin_a"
"$bin" add -q --db "$db" --library runtime "$fixtures"/runtime_probe-* >/dev/null 2>&1 || bad add "probes"
before=$(sha256sum "$db" | cut -d' ' -f1)

# kin_b-gcc-O2 is Kin; fixture_kin_checksum is exact evidence at the addresses nm gives in both files
q=$fixtures/kin_b-gcc-O2 k=$fixtures/kin_a-gcc-O2
"$bin" match --db "$db" --json "$q" >"$work/m.json" 2>"$work/err"
rc=$?
python3 - "$work/m.json" "$(sha256sum "$k" | cut -d' ' -f1)" \
  "$(nm "$q" | awk '$3 == "fixture_kin_checksum" {print $1}')" \
  "$(nm "$k" | awk '$3 == "fixture_kin_checksum" {print $1}')" <<'PY' && [ $rc = 0 ] && ok match_json || bad match_json "exit $rc"
import json, sys
d = json.load(open(sys.argv[1]))
sha, qa, ka = sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4], 16)
assert d["schema_version"] == 2
v = d["verdict"]
assert v["family"] == "Kin" and v["known_relative"] and v["actor"] == "Test Actor", v
assert v["score"] >= v["threshold"] > 0, v
# code decides, with a high confidence, the family's axes and evidence agree
f = d["families"][0]
assert v["axis"] == "code" and v["confidence"] >= 0.9 and v["confidence"] == f["confidence"], (v, f)
assert f["supported"] and f["axes"]["code"]["score"] == f["score"] and f["axes"]["code"]["evidence"] > 4, f
assert abs(sum(a["evidence"] for a in f["axes"].values()) - 4 - f["evidence"]) < 1e-3, f
assert sum(x["confidence"] for x in d["families"]) <= 1.0001, d["families"]
assert d["families"][0]["family"] == "Kin" and d["families"][0]["best_sample"] == sha, d["families"]
assert any(l["family"] == "runtime" for l in d["libraries"]), d["libraries"]
e = [x for x in d["evidence"] if int(x["query_address"], 16) == qa]
assert e, "fixture_kin_checksum not in the evidence"
e = e[0]
assert e["kind"] == "exact" and e["known_sample"] == sha and int(e["known_address"], 16) == ka, e
assert e["weight"] == 1 and not e["library"] and e["families"] == 1, e
assert all(x["weight"] == 0 for x in d["evidence"] if x["library"])
PY

# the text form says the same
"$bin" match --db "$db" "$q" >"$work/out" 2>&1
grep -q "verdict   Kin (actor: Test Actor)" "$work/out" && grep -q "fixture_kin_checksum" "$work/out" \
  && ok match_text || bad match_text "$(head -5 "$work/out")"

# a stored file matches itself whole; --exclude-self leaves that copy out
ks=$(sha256sum "$k" | cut -d' ' -f1)
"$bin" match --db "$db" --json "$k" >"$work/self.json" 2>/dev/null
"$bin" match --db "$db" --json --exclude-self "$k" >"$work/noself.json" 2>/dev/null
python3 - "$work/self.json" "$work/noself.json" "$ks" <<'PY' && ok match_exclude_self || bad match_exclude_self "best samples"
import json, sys
a, b, sha = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert a["samples"][0]["sha256"] == sha and a["verdict"]["score"] == 1, a["samples"][:1]
assert all(x["sha256"] != sha for x in b["samples"]) and b["verdict"]["family"] == "Kin", b["samples"][:2]
PY

# unrelated code (features.c, zlib): no known relative, exit 0
for u in "$fixtures/features-gcc-O2" "$fixtures/features-mingw64-O2.exe" /lib/x86_64-linux-gnu/libz.so.1; do
  "$bin" match --db "$db" --json "$u" >"$work/u.json" 2>"$work/err"
  rc=$?
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]["family"] is None and not d["verdict"]["known_relative"], d["verdict"]' "$work/u.json" \
    && [ $rc = 0 ] && ok "match_unrelated_$(basename "$u")" || bad "match_unrelated_$(basename "$u")" "exit $rc: $(head -c 300 "$work/u.json")"
done

# a folder with a truncated PE: every file answered, the bad one named, exit 1
mkdir -p "$work/dir"
cp "$fixtures/kin_b-clang-O2" "$fixtures/features-clang-O2" "$work/dir/"
printf 'MZ' >"$work/dir/truncated.exe"
"$bin" match --db "$db" --json "$work/dir" >"$work/d.json" 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$work/d.json")" = 3 ] && grep -q '"error"' "$work/d.json" && grep -q "truncated" "$work/err" \
  && ok match_dir || bad match_dir "exit $rc, $(wc -l <"$work/d.json") lines: $(cat "$work/err")"

# the corpus is only read
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ] && ok match_readonly || bad match_readonly "corpus changed"

# no corpus, a foreign file, usage errors
"$bin" match --db "$work/none.db" "$q" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 4 ] && grep -q "none.db: no such corpus" "$work/err" && [ ! -e "$work/none.db" ] && ok match_no_db \
  || bad match_no_db "exit $rc: $(cat "$work/err")"
echo "notes" >"$work/notes.txt"
"$bin" match --db "$work/notes.txt" "$q" >/dev/null 2>"$work/err"
rc=$?
[ $rc = 4 ] && grep -q "not a lineage corpus" "$work/err" && [ "$(cat "$work/notes.txt")" = notes ] \
  && ok match_foreign_db || bad match_foreign_db "exit $rc: $(cat "$work/err")"
"$bin" match --db "$db" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "no file given" "$work/err" && ok match_usage || bad match_usage "$(cat "$work/err")"
"$bin" match --db "$db" --threshold 2 "$q" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "invalid value '2' for --threshold" "$work/err" && ok match_bad_threshold \
  || bad match_bad_threshold "$(cat "$work/err")"

# docs: every long option of --help is in docs/cli/match.md
doc=$here/../../docs/cli/match.md
missing=$("$bin" match --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do grep -q -- "$o" "$doc" || echo "$o"; done)
[ -z "$missing" ] && ok docs_match || bad docs_match "undocumented: $missing"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
