/* Shared pieces of the lineage command. The CLI uses the public API only. */
#ifndef CLI_H
#define CLI_H

#include <lineage.h>
#include <stdbool.h>
#include <stdio.h>

/* Documented exit codes (docs/cli/lineage.md). */
enum {
	CLI_EXIT_OK = 0,       /* every input processed */
	CLI_EXIT_INPUT = 1,    /* at least one input failed (reported; the rest went on) */
	CLI_EXIT_USAGE = 2,    /* bad command line */
	CLI_EXIT_INTERNAL = 3, /* out of memory or an internal error */
	CLI_EXIT_DB = 4        /* the corpus cannot be opened, is not a corpus, or a write failed */
};

/* Call fn for every regular file under each path (folders recurse without
 * following symbolic links to folders). A path that cannot be read is
 * reported through fn with err set. Returns the number of failures reported
 * by fn (fn returns nonzero for a failure). */
typedef int (*cli_file_fn)(const char *path, const char *err, void *arg);
int cli_walk(char **paths, int npaths, cli_file_fn fn, void *arg);

/* Print "lineage: <file>: <problem>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A minimal JSON document {"schema_version","file":{"path"},"error":{code,message}}
 * on stdout, so that a pipeline sees every input. */
void cli_json_error(const char *path, int code, const char *msg);

/* Load and analyze a file met by cli_walk (err: the walk's error, or NULL).
 * A failure is reported on stderr, and as a JSON error document when json is
 * set; NULL then. */
lineage_sample *cli_load(lineage_ctx *ctx, const char *path, const char *err, bool json);
/* Load the rules (dir NULL: the default set) into ctx; false after
 * reporting why (the caller exits with CLI_EXIT_INTERNAL). */
bool cli_rules(lineage_ctx *ctx, const char *dir, lineage_rules **out);

int cmd_scan(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_import_iocs(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_yara(int argc, char **argv);
int cmd_cluster(int argc, char **argv);

#endif
