/* The analysis context, its limits and error messages. */
#include "core.h"

#include "../rules/set.h"

#include "../crypto/crypto.h"

#include <stdarg.h>
#include <stdio.h>

void lineage_limits_default(lineage_limits *out)
{
	out->max_file_size = 512ull << 20;
	out->max_sections = 4096;
	out->max_imports = 65536;
	out->max_exports = 262144;
	out->max_symbols = 2000000;
	out->max_resources = 65536;
	out->max_relocs = 8000000;
	out->max_functions = 500000;
	out->max_instructions = 100000000;
	out->max_function_instructions = 200000;
	out->max_time_ms = 60000;
	out->max_code_bytes = 128ull << 20;
	out->min_string_length = 4;
}

int lineage_ctx_new(lineage_ctx **out)
{
	*out = NULL;
	lineage_ctx *c = ln_calloc(1, sizeof(*c));
	if (!c) return LINEAGE_ENOMEM;
	lineage_limits_default(&c->limits);
	*out = c;
	return 0;
}

void lineage_ctx_free(lineage_ctx *ctx)
{
	if (!ctx) return;
	ln_map_cache_free(&ctx->map_cache);
	ln_rules_release(ctx);
	ln_free(ctx);
}

int lineage_ctx_set_limits(lineage_ctx *ctx, const lineage_limits *limits)
{
	if (!ctx || !limits || !limits->max_file_size || !limits->max_functions || !limits->max_instructions)
		return LINEAGE_EINVAL;
	ctx->limits = *limits;
	return 0;
}

const lineage_limits *lineage_ctx_limits(const lineage_ctx *ctx)
{
	return &ctx->limits;
}

const char *lineage_errmsg(const lineage_ctx *ctx)
{
	return ctx ? ctx->errmsg : "";
}

int ln_ctx_error(lineage_ctx *ctx, int code, const char *fmt, ...)
{
	if (ctx) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *lineage_strerror(int code)
{
	switch (code) {
	case LINEAGE_OK: return "success";
	case LINEAGE_ENOMEM: return "out of memory";
	case LINEAGE_EIO: return "input/output error";
	case LINEAGE_EFORMAT: return "malformed input";
	case LINEAGE_ETOOBIG: return "a configured limit was reached";
	case LINEAGE_EINVAL: return "invalid argument";
	case LINEAGE_ENOTFOUND: return "not found";
	case LINEAGE_EUNSUPPORTED: return "unsupported";
	case LINEAGE_EDB: return "database error";
	default: return "unknown error";
	}
}

const char *lineage_version(void)
{
	return LINEAGE_VERSION_STRING;
}
