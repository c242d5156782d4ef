/* Where lineage's shipped files are found (the rules, the knowledge bases):
 * the environment variable when set; the source tree for a program run from
 * the build tree it was built in; else share/lineage/NAME beside the
 * executable's prefix, else under the configured install prefix. */
#include "core.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LINEAGE_SOURCE_DIR
#define LINEAGE_SOURCE_DIR ""
#endif
#ifndef LINEAGE_INSTALL_DATADIR
#define LINEAGE_INSTALL_DATADIR ""
#endif
#ifndef LINEAGE_BUILD_DIR
#define LINEAGE_BUILD_DIR ""
#endif

bool ln_is_dir(const char *p)
{
	struct stat st;
	return *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *ln_shipped_dir(char *buf, size_t cap, const char *env, const char *name)
{
	const char *e = getenv(env);
	if (e && *e) return e;
	char exe[PATH_MAX], src[PATH_MAX];
	snprintf(src, sizeof(src), "%s/%s", LINEAGE_SOURCE_DIR, name);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		size_t bl = strlen(LINEAGE_BUILD_DIR);
		if (bl && strncmp(exe, LINEAGE_BUILD_DIR, bl) == 0 && (exe[bl] == '/' || !exe[bl]) && ln_is_dir(src) &&
		    (size_t)snprintf(buf, cap, "%s", src) < cap)
			return buf;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			if ((size_t)snprintf(buf, cap, "%.*s/../share/lineage/%s", (int)(cap / 2), exe, name) < cap &&
			    ln_is_dir(buf))
				return buf;
		}
	}
	if ((size_t)snprintf(buf, cap, "%s/lineage/%s", LINEAGE_INSTALL_DATADIR, name) < cap && ln_is_dir(buf))
		return buf;
	size_t len = strnlen(src, cap - 1); /* the source tree's, even when absent: its name is the message */
	memcpy(buf, src, len);
	buf[len] = 0;
	return buf;
}
