#!/usr/bin/env bash
# Fetch real C source trees that nobody on this project wrote, for the
# function-discovery acceptance test (tests/e2e/funcs.sh, built by
# scripts/build-realcode.sh):
#   DEST/zlib DEST/lua DEST/bzip2 DEST/mbedtls
#       pristine upstream tarballs of Debian's source packages zlib, lua5.4,
#       bzip2 and mbedtls (apt-get source --download-only)
# Only apt-get is used, with the machine's own apt sources (deb-src is
# switched on in them when missing): a fresh Debian machine reaches its
# mirrors, while other registries may sit behind TLS it cannot verify.
# Idempotent: a tree that DEST already has is kept. Nothing fetched is run.
#   usage: fetch-realcode.sh DEST
set -euo pipefail
dest=${1:?usage: fetch-realcode.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# name:Debian source package:a file the tree must have
deb_trees=(zlib:zlib:zlib.h lua:lua5.4:src/lvm.c bzip2:bzip2:bzlib.c mbedtls:mbedtls:library/aes.c)

have() { [ -f "$dest/$1/.fetched" ]; }

need_fetch=0
for t in "${deb_trees[@]}"; do have "${t%%:*}" || need_fetch=1; done
if [ $need_fetch = 0 ]; then
	echo "realcode sources already in $dest: $(cat "$dest"/*/.fetched | tr '\n' ' ')"
	exit 0
fi

apt_updated=0
apt_update() {
	if [ $apt_updated = 0 ]; then
		apt-get update -qq -o DPkg::Lock::Timeout=600
		apt_updated=1
	fi
}
# Install Debian packages that are missing (only those).
ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	echo "installing: ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
}

# apt-get source needs deb-src entries. Add "deb-src" to the Types: lines of
# the machine's deb822 Debian sources (or mirror the deb lines of a classic
# sources.list), once; the hosts stay those the machine is set up with.
enable_deb_src() {
	local f=/etc/apt/sources.list.d/debian.sources changed=0
	if [ -f "$f" ]; then
		if awk '/^Types:/ && !/deb-src/ {f = 1} END {exit !f}' "$f"; then
			sed -i -E '/^Types:/{/deb-src/!s/$/ deb-src/}' "$f"
			changed=1
		fi
	elif [ -f /etc/apt/sources.list ] && ! grep -Eqs '^deb-src ' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list; then
		sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list \
			>/etc/apt/sources.list.d/lineage-deb-src.list
		changed=1
	fi
	if [ $changed = 1 ]; then
		echo "enabled deb-src in the apt sources"
		apt_updated=0
	fi
}

work=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One Debian source package: download it, unpack the upstream tarball only
# (Debian's patches change build paths, e.g. lua5.4's luaconf.h).
fetch_deb() {
	local name=$1 pkg=$2 check=$3 dl="$work/$1" orig top
	have "$name" && return 0
	mkdir -p "$dl/x"
	if ! (cd "$dl" && apt-get source --download-only -qq "$pkg" >/dev/null 2>&1); then
		enable_deb_src
		apt_update
		(cd "$dl" && apt-get source --download-only -qq "$pkg" >/dev/null)
	fi
	orig=$(ls "$dl"/*.orig.tar.* | head -1)
	tar --no-same-owner -xf "$orig" -C "$dl/x"
	top=$(ls "$dl/x" | head -1)
	[ -f "$dl/x/$top/$check" ] || { echo "fetch-realcode: $pkg: no $check in $orig" >&2; exit 1; }
	rm -rf "${dest:?}/$name"
	mv "$dl/x/$top" "$dest/$name"
	echo "$pkg $(basename "$orig")" >"$dest/$name/.fetched"
	echo "fetched $pkg ($(basename "$orig")) into $dest/$name"
}

ensure_pkgs bzip2 # zlib's upstream tarball is .tar.bz2
for t in "${deb_trees[@]}"; do
	IFS=: read -r name pkg check <<<"$t"
	fetch_deb "$name" "$pkg" "$check"
done
echo "realcode sources in $dest: $(cat "$dest"/*/.fetched | tr '\n' ' ')"
