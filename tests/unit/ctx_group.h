/* The group fixture most unit tests share: one lineage context for the
 * whole group (include after cmocka.h and lineage.h). */
#ifndef LINEAGE_TEST_CTX_GROUP_H
#define LINEAGE_TEST_CTX_GROUP_H

static lineage_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	return lineage_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	lineage_ctx_free(ctx);
	return 0;
}

#endif
