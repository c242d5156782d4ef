/* The environment the corpus-level unit tests share (include after cmocka.h
 * and lineage.h): a context, the fixtures folder (LINEAGE_FIXTURES, set by
 * CTest) and a scratch folder removed at the end. Define TEST_DIR before
 * including it to name the scratch folder. */
#ifndef LINEAGE_TEST_FIXTURE_ENV_H
#define LINEAGE_TEST_FIXTURE_ENV_H

#include <stdio.h>
#include <stdlib.h>

#ifndef TEST_DIR
#define TEST_DIR "/tmp/lineage-unit-XXXXXX"
#endif

static lineage_ctx *ctx;
static char dir[] = TEST_DIR;
static const char *fx;

static int setup(void **state)
{
	(void)state;
	fx = getenv("LINEAGE_FIXTURES");
	if (!fx || !mkdtemp(dir)) return -1;
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
