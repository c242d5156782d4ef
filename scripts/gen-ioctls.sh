#!/usr/bin/env bash
# Generate lib/destruct/ioctls.inc and data/ioctls.md: the data-destruction
# ioctl/FSCTL codes of the destruction axis, per OS and (for Linux) per
# architecture, computed from the real headers -- never typed from memory.
#
# Linux: each architecture's kernel UAPI headers (Debian linux-libc-dev for
#   amd64, linux-libc-dev-<arch>-cross for the others) are compiled with
#   clang --target=<triple> -nostdinc against /usr/<triplet>/include; the value
#   of every macro is read back from the emitted LLVM IR.  Compiling (not just
#   preprocessing) matters: _IOR(0x12,114,size_t) and friends depend on the
#   target's sizeof, and _IOC_* layouts differ (mips/powerpc/sparc/alpha).
# Windows: the mingw-w64 headers (winioctl.h, ntddscsi.h, ntddcdrm.h) are
#   compiled with x86_64-w64-mingw32-gcc -S and i686-w64-mingw32-gcc -S; the
#   two must agree (CTL_CODE has no type sizes) or the script fails.
#
# Usage: scripts/gen-ioctls.sh            (rewrites both outputs)
# Installs the packages it needs with apt-get, only those missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out_inc="$here/lib/destruct/ioctls.inc"
out_md="$here/data/ioctls.md"

# debian-arch : clang triple : header dir (/usr/<dir>/include) : package
archs=(
  "amd64:x86_64-linux-gnu:-:linux-libc-dev"
  "arm64:aarch64-linux-gnu:aarch64-linux-gnu:linux-libc-dev-arm64-cross"
  "armel:arm-linux-gnueabi:arm-linux-gnueabi:linux-libc-dev-armel-cross"
  "armhf:armv7-linux-gnueabihf:arm-linux-gnueabihf:linux-libc-dev-armhf-cross"
  "i386:i686-linux-gnu:i686-linux-gnu:linux-libc-dev-i386-cross"
  "m68k:m68k-linux-gnu:m68k-linux-gnu:linux-libc-dev-m68k-cross"
  "mips:mips-linux-gnu:mips-linux-gnu:linux-libc-dev-mips-cross"
  "mips64:mips64-linux-gnuabi64:mips64-linux-gnuabi64:linux-libc-dev-mips64-cross"
  "mips64el:mips64el-linux-gnuabi64:mips64el-linux-gnuabi64:linux-libc-dev-mips64el-cross"
  "mipsel:mipsel-linux-gnu:mipsel-linux-gnu:linux-libc-dev-mipsel-cross"
  "powerpc:powerpc-linux-gnu:powerpc-linux-gnu:linux-libc-dev-powerpc-cross"
  "ppc64:powerpc64-linux-gnu:powerpc64-linux-gnu:linux-libc-dev-ppc64-cross"
  "ppc64el:powerpc64le-linux-gnu:powerpc64le-linux-gnu:linux-libc-dev-ppc64el-cross"
  "riscv64:riscv64-linux-gnu:riscv64-linux-gnu:linux-libc-dev-riscv64-cross"
  "s390x:s390x-linux-gnu:s390x-linux-gnu:linux-libc-dev-s390x-cross"
  "sparc64:sparc64-linux-gnu:sparc64-linux-gnu:linux-libc-dev-sparc64-cross"
)

linux_fs=(BLKROSET BLKROGET BLKRRPART BLKGETSIZE BLKFLSBUF BLKRASET BLKRAGET
  BLKSSZGET BLKBSZGET BLKBSZSET BLKGETSIZE64 BLKDISCARD BLKSECDISCARD BLKZEROOUT
  BLKDISCARDZEROES FS_IOC_GETFLAGS FS_IOC_SETFLAGS)
linux_mtd=(MEMGETINFO MEMERASE MEMWRITEOOB MEMREADOOB MEMLOCK MEMUNLOCK MEMERASE64
  MEMWRITE OTPLOCK MEMISLOCKED MEMGETBADBLOCK MEMSETBADBLOCK)
windows=(
  IOCTL_DISK_GET_DRIVE_GEOMETRY IOCTL_DISK_GET_DRIVE_GEOMETRY_EX
  IOCTL_DISK_GET_DRIVE_LAYOUT IOCTL_DISK_GET_DRIVE_LAYOUT_EX
  IOCTL_DISK_SET_DRIVE_LAYOUT IOCTL_DISK_SET_DRIVE_LAYOUT_EX
  IOCTL_DISK_DELETE_DRIVE_LAYOUT IOCTL_DISK_CREATE_DISK IOCTL_DISK_GET_LENGTH_INFO
  IOCTL_DISK_GET_PARTITION_INFO IOCTL_DISK_GET_PARTITION_INFO_EX
  IOCTL_DISK_SET_PARTITION_INFO IOCTL_DISK_SET_PARTITION_INFO_EX
  IOCTL_DISK_UPDATE_PROPERTIES IOCTL_DISK_FORMAT_TRACKS IOCTL_DISK_VERIFY
  IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS IOCTL_VOLUME_OFFLINE IOCTL_VOLUME_ONLINE
  FSCTL_LOCK_VOLUME FSCTL_UNLOCK_VOLUME FSCTL_DISMOUNT_VOLUME
  FSCTL_GET_RETRIEVAL_POINTERS FSCTL_MOVE_FILE FSCTL_GET_VOLUME_BITMAP
  FSCTL_ALLOW_EXTENDED_DASD_IO FSCTL_SET_ZERO_DATA FSCTL_DELETE_USN_JOURNAL
  FSCTL_GET_NTFS_VOLUME_DATA
  IOCTL_STORAGE_ERASE IOCTL_STORAGE_MEDIA_REMOVAL IOCTL_STORAGE_EJECT_MEDIA
  IOCTL_STORAGE_GET_DEVICE_NUMBER
  IOCTL_CDROM_GET_DRIVE_GEOMETRY_EX
  IOCTL_SCSI_PASS_THROUGH IOCTL_SCSI_PASS_THROUGH_DIRECT
  IOCTL_ATA_PASS_THROUGH IOCTL_ATA_PASS_THROUGH_DIRECT
)

# ---- dependencies -----------------------------------------------------------
pkgs=(clang gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 mingw-w64-common python3)
for a in "${archs[@]}"; do pkgs+=("${a##*:}"); done
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
pkgver() { dpkg-query -W -f='${Version}' "$1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$out_inc")" "$(dirname "$out_md")"

# C file: one unsigned global per macro, guarded so absent macros are skipped.
emit_c() { # emit_c file headers... -- names...
  local f=$1; shift
  : >"$f"
  while [ "$1" != "--" ]; do echo "#include <$1>" >>"$f"; shift; done
  shift
  for n in "$@"; do
    printf '#ifdef %s\nunsigned int v_%s = (unsigned int)(%s);\n#endif\n' "$n" "$n" "$n" >>"$f"
  done
}

# ---- Linux ------------------------------------------------------------------
res=$(clang -print-resource-dir)/include # target-independent stddef.h etc.
emit_c "$tmp/linux.c" stddef.h linux/fs.h mtd/mtd-abi.h -- "${linux_fs[@]}" "${linux_mtd[@]}"
: >"$tmp/linux.tsv"
: >"$tmp/linux-pkgs.tsv"
for a in "${archs[@]}"; do
  IFS=: read -r arch triple dir pkg <<<"$a"
  if [ "$dir" = "-" ]; then
    inc=(-isystem "/usr/include/$triple" -isystem /usr/include)
    hdr="/usr/include"
  else
    inc=(-isystem "/usr/$dir/include")
    hdr="/usr/$dir/include"
  fi
  clang --target="$triple" -nostdinc -isystem "$res" "${inc[@]}" -S -emit-llvm \
    -o "$tmp/$arch.ll" "$tmp/linux.c"
  # @v_NAME = dso_local global i32 -2146954638, align 4
  sed -nE 's/^@v_([A-Za-z0-9_]+) = .*global i32 (-?[0-9]+),.*/\1 \2/p' "$tmp/$arch.ll" |
    while read -r n v; do echo "linux	$arch	$n	$((v & 0xffffffff))"; done >>"$tmp/linux.tsv"
  printf '%s\t%s\t%s\t%s\t%s\n' "$arch" "$triple" "$pkg" "$(pkgver "$pkg")" "$hdr" >>"$tmp/linux-pkgs.tsv"
done

# ---- Windows ----------------------------------------------------------------
emit_c "$tmp/win.c" windows.h winioctl.h ntddscsi.h ntddcdrm.h -- "${windows[@]}"
: >"$tmp/win-x64.tsv"
: >"$tmp/win-x86.tsv"
for cc in x86_64 i686; do
  "$cc-w64-mingw32-gcc" -S -O0 -o "$tmp/win-$cc.s" "$tmp/win.c"
  # v_NAME:\n\t.long 458912   (i686 prefixes an underscore)
  python3 - "$tmp/win-$cc.s" >"$tmp/win-$cc.tsv" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
for n, v in re.findall(r'^_?v_(\w+):\s*\n\s*\.long\s+(-?\d+)', s, re.M):
    print(f"windows\tany\t{n}\t{int(v) & 0xffffffff}")
EOF
done
if ! cmp -s "$tmp/win-x86_64.tsv" "$tmp/win-i686.tsv"; then
  echo "gen-ioctls: Windows values differ between x86_64 and i686 mingw-w64" >&2
  diff "$tmp/win-x86_64.tsv" "$tmp/win-i686.tsv" >&2 || true
  exit 1
fi
# Record the header each Windows macro is defined in (first match, winioctl.h first).
mw=/usr/share/mingw-w64/include
: >"$tmp/win-src.tsv"
for n in "${windows[@]}"; do
  src=$(grep -lE "^[[:space:]]*#[[:space:]]*define[[:space:]]+$n\b" \
    "$mw/winioctl.h" "$mw/ntddscsi.h" "$mw/ntddcdrm.h" "$mw/ntddstor.h" 2>/dev/null | head -1 || true)
  printf '%s\t%s\n' "$n" "${src#"$mw"/}" >>"$tmp/win-src.tsv"
done

# ---- outputs ----------------------------------------------------------------
cat "$tmp/win-x86_64.tsv" "$tmp/linux.tsv" >"$tmp/all.tsv"
python3 - "$tmp" "$out_inc" "$out_md" "$(pkgver mingw-w64-common)" \
  "$(pkgver clang)" "${linux_fs[*]}" "${linux_mtd[*]}" "${windows[*]}" <<'EOF'
import sys, collections
tmp, out_inc, out_md, mingw_ver, clang_ver, lfs, lmtd, wnames = sys.argv[1:9]
lfs, lmtd, wnames = lfs.split(), lmtd.split(), wnames.split()
rows = [l.split('\t') for l in open(f'{tmp}/all.tsv').read().splitlines() if l]
rows = sorted({(o, a, n, int(v)) for o, a, n, v in rows})
pk = [l.split('\t') for l in open(f'{tmp}/linux-pkgs.tsv').read().splitlines() if l]
wsrc = dict(l.split('\t') for l in open(f'{tmp}/win-src.tsv').read().splitlines() if l)
archs = [p[0] for p in pk]

with open(out_inc, 'w') as f:
    f.write('/* Generated by scripts/gen-ioctls.sh -- do not edit; regenerate with\n'
            ' *   scripts/gen-ioctls.sh\n'
            ' * Data-destruction ioctl / FSCTL codes: LN_IOCTL(os, arch, name, value).\n'
            ' * os: "windows" (arch "any": CTL_CODE values are the same on every Windows\n'
            ' * architecture; checked by compiling with x86_64 and i686 mingw-w64) or\n'
            ' * "linux" (arch: Debian architecture name).  Sorted by os, arch, name.\n'
            ' * Sources (values read back from compiled code, never typed by hand):\n'
            f' *   windows: mingw-w64-common {mingw_ver} /usr/share/mingw-w64/include\n'
            ' *            (winioctl.h, ntddscsi.h, ntddcdrm.h), x86_64/i686-w64-mingw32-gcc -S\n'
            f' *   linux:   <linux/fs.h>, <mtd/mtd-abi.h> compiled with clang {clang_ver}\n'
            ' *            --target=<triple> -nostdinc against each architecture\'s headers:\n')
    for arch, triple, pkg, ver, hdr in pk:
        f.write(f' *     {arch:<9} {pkg} {ver} ({hdr}, {triple})\n')
    f.write(' */\n')
    for o, a, n, v in rows:
        f.write(f'LN_IOCTL("{o}", "{a}", "{n}", 0x{v:X}u)\n')

# ---- markdown
lin = collections.defaultdict(dict)
win = {}
for o, a, n, v in rows:
    if o == 'linux': lin[n][a] = v
    else: win[n] = v
md = []
md.append('# Data-destruction ioctl / FSCTL codes\n')
md.append('Generated by `scripts/gen-ioctls.sh` together with `lib/destruct/ioctls.inc` '
          '(X-macro `LN_IOCTL(os, arch, name, value)`); do not edit, rerun the script.\n'
          'Every value is read back from code compiled against the real headers, never typed by hand.\n')
md.append('## Sources\n')
md.append(f'- Windows: mingw-w64 headers, package `mingw-w64-common` {mingw_ver} '
          '(`/usr/share/mingw-w64/include`), compiled with `x86_64-w64-mingw32-gcc -S` and '
          '`i686-w64-mingw32-gcc -S`; the two agree, so one table (arch `any`).')
md.append(f'- Linux: `<linux/fs.h>` and `<mtd/mtd-abi.h>` compiled with clang {clang_ver} '
          '`--target=<triple> -nostdinc` against each architecture\'s kernel UAPI headers '
          '(compiling, not only preprocessing, gives the target\'s `sizeof` inside `_IOR/_IOW`):\n')
md.append('| arch | clang target | package | version | headers |')
md.append('|---|---|---|---|---|')
for arch, triple, pkg, ver, hdr in pk:
    md.append(f'| {arch} | {triple} | {pkg} | {ver} | {hdr} |')
md.append('')
md.append('## Windows (DeviceIoControl), all architectures\n')
md.append('| name | value | header |')
md.append('|---|---|---|')
for n in wnames:
    if n in win:
        md.append(f'| {n} | 0x{win[n]:X} | {wsrc.get(n) or "?"} |')
absent = [n for n in wnames if n not in win]
if absent:
    md.append('\nNot defined in these headers (so not in the .inc): ' + ', '.join(absent) + '.')
facts = {'IOCTL_DISK_GET_DRIVE_GEOMETRY_EX': 0x700A0, 'IOCTL_DISK_DELETE_DRIVE_LAYOUT': 0x7C100,
         'FSCTL_GET_RETRIEVAL_POINTERS': 0x90073, 'FSCTL_LOCK_VOLUME': 0x90018,
         'FSCTL_DISMOUNT_VOLUME': 0x90020, 'FSCTL_MOVE_FILE': 0x90074,
         'IOCTL_CDROM_GET_DRIVE_GEOMETRY_EX': 0x24050}
md.append('\nChecks against known values: ' + '; '.join(
    f'{n} 0x{v:X} {"confirmed" if win.get(n) == v else "MISMATCH (got %s)" % (hex(win[n]) if n in win else "none")}'
    for n, v in facts.items()) + '.')
md.append('Note: IOCTL_CDROM_GET_DRIVE_GEOMETRY_EX (0x24050, device type FILE_DEVICE_CD_ROM) is a '
          'different code from IOCTL_DISK_GET_DRIVE_GEOMETRY_EX (0x700A0); at least one public rule '
          'set labels 0x24050 as the disk one.\n')
md.append('## Linux (ioctl), per architecture\n')
md.append('Values are grouped: each distinct value is followed by the architectures that use it. '
          'A name with a single group is the same everywhere.\n')
md.append('| name | header | value (architectures) |')
md.append('|---|---|---|')
differ = []
for n in lfs + lmtd:
    if n not in lin: continue
    groups = collections.defaultdict(list)
    for a in archs:
        if a in lin[n]: groups[lin[n][a]].append(a)
    hdr = 'linux/fs.h' if n in lfs else 'mtd/mtd-abi.h'
    if len(groups) == 1 and len(next(iter(groups.values()))) == len(archs):
        cell = f'0x{next(iter(groups)):X} (all)'
    else:
        cell = '<br>'.join(f'0x{v:X} ({" ".join(g)})' for v, g in
                           sorted(groups.items(), key=lambda kv: -len(kv[1])))
        differ.append(n)
    miss = [a for a in archs if a not in lin[n]]
    if miss: cell += f'<br>absent: {" ".join(miss)}'
    md.append(f'| {n} | {hdr} | {cell} |')
absent = [n for n in lfs + lmtd if n not in lin]
if absent:
    md.append('\nNot defined in any architecture\'s headers: ' + ', '.join(absent) + '.')
md.append('\n### Architecture differences\n')
md.append('Names whose value is not the same on every architecture: ' + ', '.join(differ) + '.\n')
md.append('Why: the `_IOC` encoding differs. asm-generic (x86, arm, arm64, riscv64, s390x, m68k): '
          'none=0, write=1<<30, read=2<<30, 14-bit size. mips, powerpc and sparc: 13-bit size, '
          'none=1<<29, read=2<<29 (0x40000000), write=4<<29 (0x80000000) -- so an `_IO` code '
          'such as BLKDISCARD 0x1277 becomes 0x20001277 and read/write directions swap their top '
          'bits. Independently, codes whose size argument is `size_t`, `long` or a struct holding a '
          'pointer (BLKBSZGET/BLKBSZSET/BLKGETSIZE64, FS_IOC_GETFLAGS/SETFLAGS, '
          'MEMWRITEOOB/MEMREADOOB) differ between 32-bit and 64-bit ABIs '
          '(e.g. BLKGETSIZE64 0x80081272 on amd64, 0x80041272 on i386). '
          'Note the header uses `size_t` for BLKBSZGET/BLKGETSIZE64 although the kernel reads an '
          'int/u64; binaries use the header value, which is what is listed.\n')
open(out_md, 'w').write('\n'.join(md))
print(f'gen-ioctls: {len(rows)} entries -> {out_inc}')
EOF
