/* lineage import-iocs FILE...: threat-intelligence feeds into the corpus;
 * lineage export --stix: the corpus as a STIX 2.1 bundle. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void import_usage(FILE *f)
{
	fprintf(f, "usage: lineage import-iocs [options] FILE...\n\n"
	           "Store the indicators of threat-intelligence feeds in the corpus: STIX 2.1 bundles, MISP\n"
	           "event JSON or CSV (detected from the content). Each keeps its source, actor, first and last\n"
	           "seen and confidence; actors are resolved to ATT&CK groups through their aliases. Importing a\n"
	           "feed again updates its entries.\n\n"
	           "  --db PATH          the corpus (default ./lineage.db; created when missing)\n"
	           "  -h, --help         this help\n\n"
	           "Exit status: 0 every feed imported, 1 a feed could not be read or parsed (the others were\n"
	           "imported), 2 usage, 3 internal error, 4 the corpus cannot be opened or written.\n");
}

int cmd_import_iocs(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *db = "lineage.db";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h': import_usage(stdout); return CLI_EXIT_OK;
		default: import_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("import-iocs: no feed given");
		import_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_corpus *corpus;
	if (lineage_corpus_open(&corpus, ctx, db, LINEAGE_CORPUS_CREATE) != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		return CLI_EXIT_DB;
	}
	lineage_kb *kb = NULL;
	if (lineage_kb_load(&kb, ctx, NULL) != 0)
		fprintf(stderr, "lineage: warning: %s: actors are not resolved to ATT&CK groups\n",
		        lineage_errmsg(ctx));
	int failed = 0, db_failed = 0;
	for (int i = optind; i < argc; i++) {
		lineage_import_stats st;
		int rc = lineage_corpus_import_iocs(corpus, ctx, argv[i], kb, &st);
		if (rc != 0) {
			cli_error("%s", lineage_errmsg(ctx));
			failed = 1;
			if (rc == LINEAGE_EDB) db_failed = 1;
			if (rc == LINEAGE_ENOMEM) break;
			continue;
		}
		printf("%s: %s, %zu indicators (%zu new, %zu updated), %zu values skipped, %zu actors (%zu resolved to "
		       "ATT&CK groups)\n",
		       argv[i], st.format, st.read, st.added, st.existing, st.skipped, st.actors, st.resolved);
	}
	lineage_kb_free(kb);
	lineage_corpus_close(corpus);
	lineage_ctx_free(ctx);
	if (db_failed) return CLI_EXIT_DB;
	return failed ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}

static void export_usage(FILE *f)
{
	fprintf(f, "usage: lineage export --stix [options]\n\n"
	           "Write the corpus as a STIX 2.1 bundle: samples (file + malware), families (malware,\n"
	           "variant-of), actors (intrusion-set with the ATT&CK group, attributed-to), indicators found\n"
	           "in the samples and imported from feeds (indicates).\n\n"
	           "  --stix             STIX 2.1 JSON (the only format so far; required)\n"
	           "  --db PATH          the corpus (default ./lineage.db)\n"
	           "  -o, --output FILE  write to FILE instead of standard output\n"
	           "  -h, --help         this help\n\n"
	           "Exit status: 0 written, 1 the output cannot be written, 2 usage, 3 internal error, 4 the\n"
	           "corpus cannot be read.\n");
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
	                                         {"stix", no_argument, 0, 'S'},
	                                         {"output", required_argument, 0, 'o'},
	                                         {"help", no_argument, 0, 'h'},
	                                         {0, 0, 0, 0}};
	const char *db = "lineage.db", *out = NULL;
	bool stix = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'S': stix = true; break;
		case 'o': out = optarg; break;
		case 'h': export_usage(stdout); return CLI_EXIT_OK;
		default: export_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (!stix || optind < argc) {
		cli_error(stix ? "export: unexpected argument '%s'" : "export: give the format (--stix)%s",
		          stix ? argv[optind] : "");
		export_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	lineage_ctx *ctx;
	if (lineage_ctx_new(&ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_corpus *corpus;
	if (lineage_corpus_open(&corpus, ctx, db, LINEAGE_CORPUS_READONLY) != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		lineage_ctx_free(ctx);
		return CLI_EXIT_DB;
	}
	lineage_kb *kb = NULL;
	if (lineage_kb_load(&kb, ctx, NULL) != 0)
		fprintf(stderr, "lineage: warning: %s: actors are exported as labelled\n", lineage_errmsg(ctx));
	char *json = NULL;
	int rc = lineage_corpus_export_stix(corpus, ctx, kb, &json), ret = CLI_EXIT_OK;
	if (rc != 0) {
		cli_error("%s", lineage_errmsg(ctx));
		ret = rc == LINEAGE_EDB ? CLI_EXIT_DB : CLI_EXIT_INTERNAL;
	} else {
		FILE *f = out ? fopen(out, "w") : stdout;
		if (!f || fputs(json, f) < 0 || fputc('\n', f) < 0 || (out ? fclose(f) : fflush(f)) != 0) {
			cli_error("%s: cannot write", out ? out : "standard output");
			ret = CLI_EXIT_INPUT;
		}
	}
	free(json);
	lineage_kb_free(kb);
	lineage_corpus_close(corpus);
	lineage_ctx_free(ctx);
	return ret;
}
