/* Small file helpers the unit tests share (include after cmocka.h). */
#ifndef LINEAGE_TEST_FILES_H
#define LINEAGE_TEST_FILES_H

#include <stdio.h>

/* Write text to path (created or truncated); fails the test when it cannot. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#endif
