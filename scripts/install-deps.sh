#!/usr/bin/env bash
# Install the Debian packages lineage needs, only those that are missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libzydis-dev libcjson-dev libxxhash-dev libssl-dev
  libfuzzy-dev libtlsh-dev libcmocka-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 binutils-mingw-w64
  libclang-rt-14-dev clang-format ssdeep tlsh-tools file python3 ca-certificates bzip2 libsqlite3-0 libsqlite3-dev
  libyara-dev yara libyaml-dev libpsl-dev publicsuffix fdisk parted e2fsprogs coreutils util-linux
  chromium tesseract-ocr fonts-dejavu-core)
# chromium (headless) renders the HTML reports and tesseract-ocr reads their screenshots (tests/cli/html.sh);
# fonts-dejavu-core is the font the pages ask for.
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
