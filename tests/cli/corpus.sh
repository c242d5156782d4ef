#!/usr/bin/env bash
# End-to-end tests of `lineage add` and `lineage corpus`: re-adding is a
# no-op, kill -9 during an add leaves every sample whole or absent and the
# corpus opens, two concurrent adds lose nothing, foreign files are refused
# and left untouched, odd labels survive.
#   usage: corpus.sh LINEAGE FIXTURES_DIR
set -uo pipefail
bin=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# every stored sample has as many function rows as it says, bands belong to
# functions, and SQLite finds the file sound
check_db() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
if not db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'samples'").fetchone()[0]:
    print(0)  # killed before the schema was written: an empty corpus
    sys.exit(0)
for sid, n, got in db.execute("SELECT s.id, s.nfunctions, (SELECT count(*) FROM functions f WHERE f.sample = s.id) FROM samples s"):
    assert n == got, (sid, n, got)
assert db.execute("SELECT count(*) FROM bands WHERE function NOT IN (SELECT id FROM functions)").fetchone()[0] == 0
print(db.execute("SELECT count(*) FROM samples").fetchone()[0])
PY
}

# samples: the fixtures and some system libraries
mkdir -p "$work/a" "$work/b"
cp "$fixtures"/kin_a-* "$fixtures"/features-gcc-* "$work/a/"
cp "$fixtures"/kin_b-* "$fixtures"/features-clang-* "$work/b/"
for l in libz.so.1 libcrypto.so.3 libsqlite3.so.0 libstdc++.so.6; do
  [ -f /lib/x86_64-linux-gnu/$l ] && cp /lib/x86_64-linux-gnu/$l "$work/b/"
done
na=$(ls "$work/a" | wc -l) nb=$(ls "$work/b" | wc -l)

# add, then add again: the second is a no-op
db=$work/c.db
"$bin" add -q --db "$db" --family kin "$work/a" >"$work/out" 2>&1
if grep -q "$na added, 0 already stored, 0 failed" "$work/out"; then ok add; else bad add "$(cat "$work/out")"; fi
"$bin" add -q --db "$db" --family other "$work/a" >"$work/out" 2>&1
if grep -q "0 added, $na already stored" "$work/out"; then ok readd_noop; else bad readd_noop "$(cat "$work/out")"; fi
if [ "$("$bin" corpus --db "$db" families)" = "$(printf '%6d  kin' "$na")" ]; then ok families; else bad families "labels changed by a re-add"; fi

# odd labels survive the round trip
odd="Guardians of Peace'; DROP TABLE samples;-- \"Ω\""
sha=$(sha256sum "$work/a/kin_a-gcc-O2" | cut -d' ' -f1)
"$bin" corpus --db "$db" label "$sha" --family "$odd" --actor "$odd" && \
  "$bin" corpus --db "$db" list --family "$odd" | grep -qF "$sha" && ok odd_labels || bad odd_labels "label round trip"

# kill -9 in the middle of adds, many times: the corpus opens and is whole
killed=0
for i in 1 2 3 4 5 6; do
  kdb=$work/k.db
  "$bin" add -q -j 2 --db "$kdb" --family k "$work/b" "$work/a" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 $pid 2>/dev/null && killed=$((killed + 1))
  wait $pid 2>/dev/null
  if ! check_db "$kdb" >"$work/n" 2>"$work/err"; then bad "kill9_$i" "$(tail -3 "$work/err")"; continue; fi
  # lineage reads it as it is, whatever the moment of the kill
  if ! "$bin" corpus --db "$kdb" stats >/dev/null 2>"$work/err"; then bad "kill9_$i" "stats: $(cat "$work/err")"; continue; fi
  # the survivor accepts the rest, and ends complete
  "$bin" add -q --db "$kdb" --family k "$work/b" "$work/a" >/dev/null 2>&1
  n=$(check_db "$kdb")
  if [ "$n" = $((na + nb)) ]; then ok "kill9_$i"; else bad "kill9_$i" "$n samples after completing, want $((na + nb))"; fi
  rm -f "$kdb"*
done
[ $killed -gt 0 ] || bad kill9 "no add was still running when killed"

# two concurrent adds into one corpus: nothing lost
cdb=$work/cc.db
for round in 1 2 3; do
  rm -f "$cdb"*
  "$bin" add -q -j 1 --db "$cdb" --family a "$work/a" >"$work/c1" 2>&1 &
  p1=$!
  "$bin" add -q -j 1 --db "$cdb" --family b "$work/b" >"$work/c2" 2>&1 &
  p2=$!
  wait $p1; r1=$?
  wait $p2; r2=$?
  n=$(check_db "$cdb")
  if [ $r1 = 0 ] && [ $r2 = 0 ] && [ "$n" = $((na + nb)) ]; then
    ok "concurrent_$round"
  else
    bad "concurrent_$round" "exit $r1/$r2, $n samples, want $((na + nb)): $(cat "$work/c1" "$work/c2" | grep lineage: | head -2)"
  fi
done

# an empty file (an add killed before its first write) reads as an empty corpus and stays empty
: >"$work/empty.db"
if "$bin" corpus --db "$work/empty.db" stats >"$work/out" 2>&1 && grep -q "^samples *0" "$work/out" \
  && [ ! -s "$work/empty.db" ]; then ok empty_db; else bad empty_db "$(cat "$work/out")"; fi

# a foreign file is refused (exit 4) and left as it was
printf 'not a corpus\n' >"$work/f.db"
"$bin" add -q --db "$work/f.db" "$work/a" >"$work/out" 2>&1; rc=$?
if [ $rc = 4 ] && grep -q "not a lineage corpus" "$work/out" && [ "$(cat "$work/f.db")" = "not a corpus" ]; then
  ok foreign
else
  bad foreign "exit $rc: $(head -2 "$work/out")"
fi

# remove
"$bin" corpus --db "$db" remove "$sha" && ! "$bin" corpus --db "$db" list | grep -q "$sha" && ok remove || bad remove "still listed"
"$bin" corpus --db "$db" remove "$sha" 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "$sha" "$work/err" && ok remove_missing || bad remove_missing "exit $rc"

# docs: every long option of add and corpus is in the manual
here=$(cd "$(dirname "$0")" && pwd)
for cmd in add corpus; do
  doc=$here/../../docs/cli/$cmd.md
  missing=$("$bin" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do grep -q -- "$o" "$doc" 2>/dev/null || echo "$o"; done)
  [ -f "$doc" ] && [ -z "$missing" ] && ok "docs_$cmd" || bad "docs_$cmd" "undocumented: $missing"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
