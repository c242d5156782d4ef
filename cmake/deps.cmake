# Dependencies come from Debian's packages (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(YARA REQUIRED IMPORTED_TARGET yara)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)

find_path(ZYDIS_INCLUDE Zydis/Zydis.h REQUIRED)
find_library(ZYDIS_LIB Zydis REQUIRED)
find_library(ZYCORE_LIB Zycore REQUIRED)
find_path(FUZZY_INCLUDE fuzzy.h REQUIRED)
find_library(FUZZY_LIB fuzzy REQUIRED)
find_path(TLSH_INCLUDE tlsh.h REQUIRED)
find_library(TLSH_LIB tlsh REQUIRED)

set(LINEAGE_DEPS PkgConfig::CJSON PkgConfig::XXHASH PkgConfig::CRYPTO PkgConfig::SQLITE PkgConfig::YARA PkgConfig::YAML PkgConfig::PSL
  ${ZYDIS_LIB} ${ZYCORE_LIB} ${FUZZY_LIB} ${TLSH_LIB})
set(LINEAGE_CJSON PkgConfig::CJSON)
