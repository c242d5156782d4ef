/* lineage: attribute malicious binaries. Subcommand dispatch. */
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lineage <command> [options] [args]\n\n"
	           "commands:\n"
	           "  scan FILE|DIR...    what a file contains: format, sections, imports, functions, artifacts,\n"
	           "                      crypto, capabilities (how it can destroy data, with ATT&CK ids),\n"
	           "                      network indicators\n"
	           "  add FILE|DIR...     store samples in the corpus with their labels (--family, --actor)\n"
	           "  corpus ACTION       list, families, stats, label, remove\n"
	           "  match FILE|DIR...   which known families each file is kin to (code, crypto, destruction,\n"
	           "                      infrastructure and feeds): verdict and evidence\n"
	           "  import-iocs FILE... store threat-intelligence feeds (STIX 2.1, MISP, CSV) in the corpus\n"
	           "  export --stix       the corpus as a STIX 2.1 bundle\n"
	           "  cluster             group the corpus's unlabeled samples into candidate families by shared\n"
	           "                      code, library code discounted, with the evidence of each group\n"
	           "  compare A B         the functions two files share, paired, with a score (no corpus needed)\n"
	           "  yara FAMILY         a YARA rule from code only the family's samples have, verified against\n"
	           "                      the corpus (and --verify files): recall and false positives\n"
	           "  version             print the version\n\n"
	           "Run 'lineage <command> --help' for a command's options. Manual: docs/cli/.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "scan")) return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(cmd, "add")) return cmd_add(argc - 1, argv + 1);
	if (!strcmp(cmd, "corpus")) return cmd_corpus(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare")) return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "match")) return cmd_match(argc - 1, argv + 1);
	if (!strcmp(cmd, "import-iocs")) return cmd_import_iocs(argc - 1, argv + 1);
	if (!strcmp(cmd, "export")) return cmd_export(argc - 1, argv + 1);
	if (!strcmp(cmd, "yara")) return cmd_yara(argc - 1, argv + 1);
	if (!strcmp(cmd, "cluster")) return cmd_cluster(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("lineage %s\n", lineage_version());
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	cli_error("unknown command '%s'", cmd);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
