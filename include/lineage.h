/**
 * @file lineage.h
 * @brief lineage: attribute malicious binaries by code kinship and other evidence.
 * Umbrella header; includes only the headers under lineage/.
 */
#ifndef LINEAGE_H
#define LINEAGE_H

#include "lineage/errors.h"
#include "lineage/binary.h"
#include "lineage/disasm.h"
#include "lineage/sample.h"
#include "lineage/rules.h"
#include "lineage/crypto.h"
#include "lineage/capability.h"
#include "lineage/traits.h"
#include "lineage/kb.h"
#include "lineage/report.h"
#include "lineage/corpus.h"
#include "lineage/kinship.h"
#include "lineage/cluster.h"
#include "lineage/infra.h"
#include "lineage/yara.h"

#endif
