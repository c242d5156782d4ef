/* lineage scan FILE|DIR...: what each file contains, no corpus needed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct scan_opts {
	bool json;
	uint32_t report_flags;
	lineage_ctx *ctx;
	int nfiles;
	bool defang;
} scan_opts;

static void scan_usage(FILE *f)
{
	fprintf(f, "usage: lineage scan [options] FILE|DIR...\n\n"
	           "  --json             one JSON document per file, one per line (docs/json-schema.md)\n"
	           "  --pretty           indent the JSON\n"
	           "  --no-functions     leave the function list out of the JSON\n"
	           "  --minhash          include each function's MinHash signature in the JSON\n"
	           "  --blocks           include each function's basic blocks and edges in the JSON\n"
	           "  --max-time MS      wall-time budget per file in milliseconds (default 60000)\n"
	           "  --max-insns N      instruction budget per file (default 100000000)\n"
	           "  --min-len N        shortest string searched for network indicators (default 4)\n"
	           "  --defang           write network indicators defanged (hxxp://c2[.]example[.]net)\n"
	           "  --rules DIR        rule folder: YARA (.yar) and capability (.yml) rules (default: the\n"
	           "                     installed rules/)\n"
	           "  -h, --help         this help\n\n"
	           "Exit status: 0 every file scanned, 1 a file could not be scanned (the rest were), 2 usage,\n"
	           "3 the rules cannot be loaded.\n");
}

static void print_hashes(const lineage_file_hashes *h, const lineage_binary *b)
{
	printf("  sha256     %s\n", h->sha256);
	printf("  md5        %s\n", h->md5);
	if (h->imphash[0]) printf("  imphash    %s\n", h->imphash);
	if (h->ssdeep[0]) printf("  ssdeep     %s\n", h->ssdeep);
	if (h->tlsh[0]) printf("  tlsh       %s\n", h->tlsh);
	(void)b;
}

static void print_sections(const lineage_binary *b)
{
	printf("  sections   %zu\n", b->nsections);
	for (size_t i = 0; i < b->nsections && i < 64; i++) {
		const lineage_section *s = &b->sections[i];
		if (!(s->flags & LINEAGE_SEC_ALLOC) && b->format == LINEAGE_FORMAT_ELF) continue;
		printf("    %-16.16s 0x%08llx %10llu  %c%c%c  entropy %.2f\n", s->name && *s->name ? s->name : "(none)",
		       (unsigned long long)s->vaddr, (unsigned long long)s->vsize,
		       s->flags & LINEAGE_SEC_READ ? 'r' : '-', s->flags & LINEAGE_SEC_WRITE ? 'w' : '-',
		       s->flags & LINEAGE_SEC_EXEC ? 'x' : '-', s->entropy);
	}
	if (b->nsections > 64) printf("    ... %zu more\n", b->nsections - 64);
}

static void print_imports(const lineage_binary *b)
{
	printf("  imports    %zu", b->nimports);
	/* libraries in first-seen order with their counts */
	const char *seen[16];
	size_t counts[16], nseen = 0, other = 0;
	for (size_t i = 0; i < b->nimports; i++) {
		const char *lib = b->imports[i].library && *b->imports[i].library ? b->imports[i].library : "?";
		size_t j = 0;
		while (j < nseen && strcmp(seen[j], lib)) j++;
		if (j < nseen)
			counts[j]++;
		else if (nseen < 16) {
			seen[nseen] = lib;
			counts[nseen++] = 1;
		} else
			other++;
	}
	for (size_t j = 0; j < nseen; j++) printf("%s%s (%zu)", j ? ", " : ": ", seen[j], counts[j]);
	if (other) printf(", %zu from other libraries", other);
	printf("\n");
}

static void print_artifacts(const lineage_binary *b)
{
	if (b->format == LINEAGE_FORMAT_PE) {
		const lineage_pe_info *pe = &b->pe;
		time_t t = (time_t)pe->timestamp;
		struct tm tm;
		char iso[32] = "?";
		if (gmtime_r(&t, &tm)) strftime(iso, sizeof(iso), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("  compiled   %s (0x%08x), linker %u.%u%s\n", iso, pe->timestamp, pe->linker_major,
		       pe->linker_minor, pe->is_dll ? ", DLL" : "");
		if (pe->nrich) printf("  rich       %zu entries, hash %s\n", pe->nrich, pe->rich_hash);
		if (pe->pdb_path) printf("  pdb        %s %s age %u\n", pe->pdb_path, pe->pdb_guid, pe->pdb_age);
		if (pe->ntls_callbacks) printf("  tls        %zu callbacks\n", pe->ntls_callbacks);
		if (b->nresources) {
			uint32_t langs[8];
			size_t nl = 0;
			for (size_t i = 0; i < b->nresources; i++) {
				size_t j = 0;
				while (j < nl && langs[j] != b->resources[i].lang) j++;
				if (j == nl && nl < 8) langs[nl++] = b->resources[i].lang;
			}
			printf("  resources  %zu, languages", b->nresources);
			for (size_t j = 0; j < nl; j++) printf(" 0x%04x", langs[j]);
			printf("\n");
		}
	} else if (b->format == LINEAGE_FORMAT_ELF) {
		const lineage_elf_info *e = &b->elf;
		if (e->interpreter) printf("  interp     %s\n", e->interpreter);
		if (e->soname) printf("  soname     %s\n", e->soname);
		if (e->build_id) printf("  build-id   %s\n", e->build_id);
		if (e->nneeded) {
			printf("  needed    ");
			for (size_t i = 0; i < e->nneeded; i++) printf(" %s", e->needed[i]);
			printf("\n");
		}
		printf("  symbols    %zu%s\n", b->nsymbols, e->stripped ? " (stripped: no .symtab)" : "");
	}
	if (b->overlay_size)
		printf("  overlay    %llu bytes at 0x%llx\n", (unsigned long long)b->overlay_size,
		       (unsigned long long)b->overlay_offset);
}

/* One line per finding: family, algorithm, what fired, where. */
static void print_crypto(const lineage_sample *s)
{
	size_t n;
	const lineage_crypto_finding *f = lineage_sample_crypto(s, &n);
	if (!n) {
		printf("  crypto     none found\n");
		return;
	}
	printf("  crypto    ");
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(f[i].family, f[i - 1].family)) printf(" %s", f[i].family);
	printf("\n");
	size_t shown = 0;
	for (size_t i = 0; i < n && shown < 60; i++, shown++) {
		printf("    %-9s %-14s %s", f[i].family, f[i].algorithm, f[i].description);
		if (f[i].value) printf(": %s", f[i].value);
		if (f[i].count > 1 && strcmp(f[i].kind, "instruction")) printf(" (%u hits)", f[i].count);
		printf("\n      %s", f[i].source);
		if (f[i].flags & LINEAGE_CRYPTO_HAS_OFFSET) printf(", offset 0x%llx", (unsigned long long)f[i].offset);
		if (f[i].flags & LINEAGE_CRYPTO_HAS_VA) printf(", va 0x%llx", (unsigned long long)f[i].va);
		if (f[i].function)
			printf(", in 0x%llx%s%s", (unsigned long long)f[i].function, f[i].function_name ? " " : "",
			       f[i].function_name ? f[i].function_name : "");
		for (uint32_t k = 0; k < f[i].nusers && k < 4; k++) {
			const lineage_function *fn = lineage_sample_function_at(s, f[i].users[k]);
			printf("%s0x%llx%s%s", k ? ", " : ", used by ", (unsigned long long)f[i].users[k],
			       fn && fn->name ? " " : "", fn && fn->name ? fn->name : "");
		}
		if (f[i].nusers > 4) printf(" and %u more", f[i].nusers - 4);
		printf("\n");
	}
	if (n > shown) printf("    ... %zu more findings (--json lists all)\n", n - shown);
}

static void print_evidence(const lineage_evidence *e)
{
	printf("      %-8s %s", e->feature, e->value ? e->value : "");
	if (e->detail) printf(" (%s)", e->detail);
	if (e->flags & LINEAGE_EVIDENCE_HAS_VA)
		printf(" at 0x%llx", (unsigned long long)e->va);
	else if (e->flags & LINEAGE_EVIDENCE_HAS_OFFSET)
		printf(" at offset 0x%llx", (unsigned long long)e->offset);
	if (e->reaches) printf(" -> %s at 0x%llx", e->reaches, (unsigned long long)e->reaches_va);
	printf("\n");
}

/* The capabilities (destruction axis): methods first, then the support
 * capabilities, each with its ATT&CK/MBC ids and the evidence that fired. */
static void print_capabilities(const lineage_sample *s)
{
	size_t n, ne, ni;
	const lineage_capability *c = lineage_sample_capabilities(s, &n);
	const lineage_embedded *m = lineage_sample_embedded(s, &ne);
	const lineage_ioctl_use *io = lineage_sample_ioctls(s, &ni);
	if (!n && !ne && !ni) {
		printf("  capabilities none found\n");
		return;
	}
	size_t methods = 0;
	for (size_t i = 0; i < n; i++) methods += !c[i].support;
	printf("  capabilities %zu (%zu destruction method%s, %zu supporting)", n, methods, methods == 1 ? "" : "s",
	       n - methods);
	if (n) printf("; what the code can do, not what it is for");
	printf("\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if ((int)c[i].support != pass) continue;
			printf("    %-7s %s  %s", c[i].support ? "support" : "method", c[i].id, c[i].name);
			for (size_t k = 0; k < c[i].nattack; k++) printf("%s%s", k ? " " : " [", c[i].attack[k]);
			for (size_t k = 0; k < c[i].nmbc; k++)
				printf("%s%s", k || c[i].nattack ? " " : " [", c[i].mbc[k]);
			printf("%s\n", c[i].nattack || c[i].nmbc ? "]" : "");
			if (c[i].embedded >= 0 && (size_t)c[i].embedded < ne)
				printf("      in the embedded %s at offset 0x%llx (%s)\n", m[c[i].embedded].kind,
				       (unsigned long long)m[c[i].embedded].offset, m[c[i].embedded].where);
			if (c[i].function_scope && c[i].function)
				printf("      in 0x%llx%s%s%s\n", (unsigned long long)c[i].function,
				       c[i].function_name ? " " : "", c[i].function_name ? c[i].function_name : "",
				       c[i].nfunctions > 1 ? " and other functions" : "");
			for (size_t k = 0; k < c[i].nevidence && k < 8; k++) print_evidence(&c[i].evidence[k]);
			if (c[i].nevidence > 8) printf("      ... %zu more (--json lists them)\n", c[i].nevidence - 8);
		}
	for (size_t i = 0; i < ni;) {
		size_t j = i;
		printf("  ioctls     in 0x%llx:", (unsigned long long)io[i].function);
		for (; j < ni && io[j].function == io[i].function; j++) printf(" %s%s", j > i ? "> " : "", io[j].name);
		printf("\n");
		i = j;
	}
	for (size_t i = 0; i < ne; i++)
		printf("  embedded   %s %s, %llu bytes at offset 0x%llx, sha256 %s, %zu capabilit%s\n", m[i].kind,
		       m[i].where, (unsigned long long)m[i].size, (unsigned long long)m[i].offset, m[i].sha256,
		       m[i].ncapabilities, m[i].ncapabilities == 1 ? "y" : "ies");
}

/* Network and host indicators (the infrastructure axis): each with its
 * flags and where it was found. */
static void print_indicators(const lineage_sample *s, bool defang)
{
	size_t n;
	const lineage_indicator *in = lineage_sample_indicators(s, &n);
	if (!n) {
		printf("  indicators none found\n");
		return;
	}
	size_t shown = n < 40 ? n : 40;
	printf("  indicators %zu\n", n);
	for (size_t i = 0; i < shown; i++) {
		char buf[1100], flags[160] = "";
		const char *v = defang ? lineage_ioc_defang(in[i].type, in[i].value, buf, sizeof(buf)) : in[i].value;
		size_t fl = 0;
		for (uint32_t b = 1; b && b <= LINEAGE_IOC_DEFANGED; b <<= 1)
			if (in[i].flags & b)
				fl += (size_t)snprintf(flags + fl, fl < sizeof(flags) ? sizeof(flags) - fl : 0, "%s%s",
				                       fl ? ", " : " [", lineage_ioc_flag_name(b));
		if (fl && fl < sizeof(flags)) snprintf(flags + fl, sizeof(flags) - fl, "]");
		printf("    %-10s %s", in[i].type, v);
		if (in[i].port && strcmp(in[i].type, "url")) printf(" port %u", in[i].port);
		printf("%s\n", flags);
		for (size_t k = 0; k < in[i].nplaces && k < 3; k++) {
			const lineage_ioc_place *p = &in[i].places[k];
			printf("      %-7s", p->form);
			if (p->has_offset) printf(" offset 0x%llx", (unsigned long long)p->offset);
			if (p->has_va) printf(" va 0x%llx", (unsigned long long)p->va);
			if (p->function) printf(" in 0x%llx", (unsigned long long)p->function);
			if (p->context) printf(" (%s)", p->context);
			if (p->key) printf(" key %s", p->key);
			printf("\n");
		}
		if (in[i].count > 3) printf("      ... found %zu times\n", in[i].count);
	}
	if (n > shown) printf("    ... %zu more (--json lists all)\n", n - shown);
}

/* The artifacts axis's traits: what attribution compares of the build. */
static void print_artifact_traits(const lineage_sample *s)
{
	size_t n, shown = 0;
	const lineage_trait *t = lineage_sample_traits(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].axis, "artifacts")) continue;
		if (!shown++) printf("  artifacts  traits of the build (cheap to forge: supporting evidence only)\n");
		printf("    %-8s %s\n", lineage_trait_kind_name(t[i].kind), t[i].detail);
	}
}

static void print_text(const lineage_sample *s, bool defang)
{
	const lineage_binary *b = lineage_sample_binary(s);
	printf("%s\n", b->path);
	if (b->format == LINEAGE_FORMAT_RAW)
		printf("  format     raw (not PE or ELF), %llu bytes\n", (unsigned long long)b->size);
	else
		printf("  format     %s %s (%d-bit), %llu bytes\n", lineage_format_name(b->format),
		       lineage_arch_name(b->arch), b->bits, (unsigned long long)b->size);
	print_hashes(lineage_sample_hashes(s), b);
	if (b->format == LINEAGE_FORMAT_RAW) {
		print_crypto(s); /* shellcode and dumps: the byte patterns still apply */
		print_capabilities(s);
		print_indicators(s, defang);
		return;
	}
	if (b->has_entry) printf("  entry      0x%llx\n", (unsigned long long)b->entry);
	print_sections(b);
	print_imports(b);
	printf("  exports    %zu\n", b->nexports);
	size_t nf;
	lineage_sample_functions(s, &nf);
	const char *cut = lineage_sample_budget_hit(s);
	printf("  functions  %zu (%llu instructions)%s%s\n", nf, (unsigned long long)lineage_sample_instructions(s),
	       cut ? ", cut by the budget: " : "", cut ? cut : "");
	print_artifacts(b);
	print_artifact_traits(s);
	print_crypto(s);
	print_capabilities(s);
	print_indicators(s, defang);
	for (size_t i = 0; i < b->nwarnings && i < 20; i++)
		printf("  warning    %s: %s\n", b->warnings[i].area, b->warnings[i].message);
	if (b->nwarnings > 20) printf("  warning    ... %zu more\n", b->nwarnings - 20);
}

static int scan_one(const char *path, const char *err, void *arg)
{
	scan_opts *o = arg;
	o->nfiles++;
	lineage_sample *s = cli_load(o->ctx, path, err, o->json);
	if (!s) return 1;
	if (o->json) {
		char *j = NULL;
		if (lineage_report_scan_json(&j, s, o->report_flags) != 0) {
			cli_error("%s: out of memory writing JSON", path);
			lineage_sample_free(s);
			return 1;
		}
		puts(j);
		free(j);
	} else {
		if (o->nfiles > 1) putchar('\n');
		print_text(s, o->defang);
	}
	fflush(stdout);
	lineage_sample_free(s);
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, 0, 'j'},
	                                         {"pretty", no_argument, 0, 'p'},
	                                         {"no-functions", no_argument, 0, 'F'},
	                                         {"minhash", no_argument, 0, 'm'},
	                                         {"blocks", no_argument, 0, 'B'},
	                                         {"max-time", required_argument, 0, 't'},
	                                         {"max-insns", required_argument, 0, 'i'},
	                                         {"rules", required_argument, 0, 'R'},
	                                         {"min-len", required_argument, 0, 'L'},
	                                         {"defang", no_argument, 0, 'D'},
	                                         {"help", no_argument, 0, 'h'},
	                                         {0, 0, 0, 0}};
	scan_opts o = {.report_flags = LINEAGE_REPORT_FUNCTIONS};
	const char *rules_dir = NULL;
	lineage_limits lim;
	lineage_limits_default(&lim);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j': o.json = true; break;
		case 'p': o.report_flags |= LINEAGE_REPORT_PRETTY; break;
		case 'F': o.report_flags &= ~(uint32_t)LINEAGE_REPORT_FUNCTIONS; break;
		case 'm': o.report_flags |= LINEAGE_REPORT_MINHASH; break;
		case 'B': o.report_flags |= LINEAGE_REPORT_BLOCKS; break;
		case 'R': rules_dir = optarg; break;
		case 'D':
			o.defang = true;
			o.report_flags |= LINEAGE_REPORT_DEFANG;
			break;
		case 'L': {
			long v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < 4 || v > 4096) {
				cli_error("scan: invalid value '%s' for --min-len (4 to 4096)", optarg);
				return CLI_EXIT_USAGE;
			}
			lim.min_string_length = (uint32_t)v;
			break;
		}
		case 't':
		case 'i': {
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*end || !*optarg || v == 0 || (c == 't' && v > 86400000ull)) {
				cli_error("scan: invalid value '%s' for --%s", optarg,
				          c == 't' ? "max-time" : "max-insns");
				return CLI_EXIT_USAGE;
			}
			if (c == 't')
				lim.max_time_ms = (uint32_t)v;
			else
				lim.max_instructions = v;
			break;
		}
		case 'h': scan_usage(stdout); return CLI_EXIT_OK;
		default: scan_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("scan: no input: give files or folders");
		scan_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (lineage_ctx_new(&o.ctx) != 0 || lineage_ctx_set_limits(o.ctx, &lim) != 0) {
		cli_error("out of memory");
		lineage_ctx_free(o.ctx);
		return CLI_EXIT_INTERNAL;
	}
	lineage_rules *rules = NULL;
	if (!cli_rules(o.ctx, rules_dir, &rules)) {
		lineage_ctx_free(o.ctx);
		return CLI_EXIT_INTERNAL;
	}
	int failed = cli_walk(argv + optind, argc - optind, scan_one, &o);
	lineage_ctx_free(o.ctx);
	lineage_rules_free(rules);
	return failed ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}
