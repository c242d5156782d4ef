/* The lineage command (placeholder until the scan command lands). */
#include <lineage.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("lineage %s\n", lineage_version());
	return 0;
}
