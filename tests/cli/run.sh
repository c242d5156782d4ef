#!/usr/bin/env bash
# CLI golden tests: each case runs the lineage command and checks its exit
# code, stdout and stderr (exactly, against tests/cli/golden/, or by pattern).
#   usage: run.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fixtures=$2
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

# check NAME EXPECTED_EXIT -- command...   (stdout -> $work/out, stderr -> $work/err)
check() {
  local name=$1 want=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; sed 's/^/  stderr: /' "$work/err" | head -5; fail=$((fail + 1)); return 1
  fi
  return 0
}
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
has() { grep -q -- "$2" "$work/$1"; }

# usage errors: exit 2 with a message
check no_args 2 -- "$bin" && has err 'usage: lineage' && ok no_args || bad no_args "no usage on stderr"
check unknown_cmd 2 -- "$bin" frobnicate && has err "unknown command 'frobnicate'" && ok unknown_cmd || bad unknown_cmd "message"
check scan_no_input 2 -- "$bin" scan && has err 'scan: no input' && ok scan_no_input || bad scan_no_input "message"
check scan_bad_budget 2 -- "$bin" scan --max-time abc /bin/true && has err "invalid value 'abc' for --max-time" \
  && ok scan_bad_budget || bad scan_bad_budget "message"
check version 0 -- "$bin" --version && has out '^lineage [0-9]' && ok version || bad version "output"
check scan_help 0 -- "$bin" scan --help && has out 'usage: lineage scan' && ok scan_help || bad scan_help "output"

# a missing file: reported by name, exit 1
check missing 1 -- "$bin" scan "$work/nope" && has err "lineage: $work/nope: No such file or directory" \
  && ok missing || bad missing "message"

# a raw blob: exact golden JSON (fixed content, so fixed hashes)
printf 'lineage golden raw blob: not an executable\n%.0s' {1..12} >"$work/raw.bin"
(cd "$work" && "$bin" scan --json raw.bin) >"$work/raw.json" 2>"$work/err"
if diff -u "$golden/raw.json" "$work/raw.json" >"$work/diff"; then ok golden_raw_json; else bad golden_raw_json "$(head -20 "$work/diff")"; fi
(cd "$work" && "$bin" scan raw.bin) >"$work/raw.txt" 2>&1
if diff -u "$golden/raw.txt" "$work/raw.txt" >"$work/diff"; then ok golden_raw_text; else bad golden_raw_text "$(head -20 "$work/diff")"; fi

# a folder with a good file, a bad (truncated) PE and a nested folder: the bad
# one is reported, the rest go on, exit 1
mkdir -p "$work/dir/sub"
cp "$work/raw.bin" "$work/dir/sub/a.bin"
printf 'MZ' >"$work/dir/b.exe"
printf 'PE\0\0' >>"$work/dir/b.exe"
cp "$fixtures/kin_a-gcc-O2" "$work/dir/c.elf"
check dir_mixed 1 -- "$bin" scan --json --no-functions "$work/dir"
n_docs=$(grep -c '"schema_version":1' "$work/out")
if [ "$n_docs" = 3 ] && grep -q '"error"' "$work/out" && has err "b.exe" && grep -q '"format":"elf"' "$work/out"; then
  ok dir_mixed
else
  bad dir_mixed "expected 3 documents (one error naming b.exe, one elf): got $n_docs; $(head -3 "$work/err")"
fi

# every fixture scans, JSON parses, and the facts agree with binutils
for f in "$fixtures"/kin_a-gcc-O2 "$fixtures"/kin_b-clang-Os "$fixtures"/kin_a-mingw64-O2.exe "$fixtures"/kin_b-mingw32-O0.exe; do
  name=$(basename "$f")
  "$bin" scan --json "$f" >"$work/f.json" 2>"$work/err"; rc=$?
  if [ $rc != 0 ]; then bad "fixture_$name" "exit $rc: $(head -2 "$work/err")"; continue; fi
  case $name in *.exe) od=x86_64-w64-mingw32-objdump ;; *) od=objdump ;; esac
  want_entry=$($od -f "$f" | sed -n 's/^start address 0x0*\([0-9a-f]*\)$/0x\1/p')
  python3 - "$work/f.json" "$want_entry" <<'PY' && ok "fixture_$name" || bad "fixture_$name" "JSON facts"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
assert d["entry"] == sys.argv[2], (d["entry"], sys.argv[2])
assert d["code"]["functions"] > 0, d["code"]
assert len(d["sections"]) > 3
assert any(i["name"] in ("printf", "puts", "__printf_chk", "__mingw_printf", "__stdio_common_vfprintf", "vfprintf")
           for i in d["imports"] if i["name"]), [i["name"] for i in d["imports"]]
assert len(d["file"]["sha256"]) == 64
PY
done

# --blocks: basic blocks with typed successors; the switch of fixture_dispatch
# lists its cases; every successor is a block of the same function
"$bin" scan --json --blocks "$fixtures/features-gcc-O2" >"$work/b.json" 2>"$work/err"
python3 - "$work/b.json" <<'PY' && ok scan_blocks || bad scan_blocks "block list"
import json, sys
d = json.load(open(sys.argv[1]))
fns = {f["name"]: f for f in d["code"]["function_list"] if f["name"]}
for f in d["code"]["function_list"]:
    starts = {b["start"] for b in f["block_list"]}
    assert len(f["block_list"]) == f["blocks"], f["address"]
    assert f["address"] in starts
    for b in f["block_list"]:
        for e in b["successors"]:
            assert e["target"] in starts and e["kind"] in ("fall", "jump", "cond", "switch"), (f["address"], e)
sw = [e for b in fns["fixture_dispatch"]["block_list"] for e in b["successors"] if e["kind"] == "switch"]
assert len(sw) >= 10, sw
assert "noreturn" in fns["fixture_fail"]["flags"]
PY

# compare: the shared unit pairs exactly across the two programs; one file is a usage error
"$bin" compare --json "$fixtures/kin_a-clang-O2" "$fixtures/kin_b-clang-O2" >"$work/c.json" 2>"$work/err"
python3 - "$work/c.json" <<'PY' && ok compare_json || bad compare_json "pairs"
import json, sys
d = json.load(open(sys.argv[1]))
p = [x for x in d["pairs"] if x.get("name_a") == "fixture_kin_checksum"]
assert p and p[0]["kind"] == "exact" and p[0]["name_b"] == "fixture_kin_checksum", p
assert 0 < d["score"] <= 1 and d["exact"] >= 1
PY
check compare_usage 2 -- "$bin" compare "$fixtures/kin_a-clang-O2" && has err 'two files are needed' \
  && ok compare_usage || bad compare_usage "message"

# docs: every long option in a command's --help is documented in docs/cli/<cmd>.md
for cmd in scan compare; do
  doc=$here/../../docs/cli/$cmd.md
  missing=$("$bin" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do grep -q -- "$o" "$doc" 2>/dev/null || echo "$o"; done)
  [ -z "$missing" ] && ok "docs_$cmd" || bad "docs_$cmd" "undocumented: $missing"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
