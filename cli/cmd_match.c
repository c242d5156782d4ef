/* lineage match FILE|DIR...: which known families share code with each file,
 * how much, the verdict, and the matched functions as evidence. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct match_opts {
	lineage_ctx *ctx;
	lineage_corpus *corpus;
	lineage_match_options mo;
	bool json, pretty, all, defang;
	size_t nfiles, related;
	int db_failed;
	const char *html; /* --html PATH: the page, or the folder of pages (html_dir) */
	bool html_dir;
} match_opts;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: lineage match [options] FILE|DIR...\n\n"
	        "  --db PATH          the corpus (default ./lineage.db)\n"
	        "  --json             one JSON document per file, one per line (docs/json-schema.md)\n"
	        "  --pretty           indent the JSON\n"
	        "  --threshold T      the code score that supports a verdict alone (default %.2f)\n"
	        "  --near T           near-duplicate threshold on the estimated Jaccard similarity (default %.2f)\n"
	        "  --all              every matched function as evidence (default: the 10 heaviest per family)\n"
	        "  --defang           write network indicators defanged (hxxp://c2[.]example[.]net)\n"
	        "  --html PATH        also write a self-contained HTML report: PATH is the page for one file,\n"
	        "                     a folder of <sha256>.html pages for several files or a folder\n"
	        "  --axes LIST        the evidence axes that count, comma-separated: code, crypto, destruction,\n"
	        "                     infrastructure, artifacts (default: all)\n"
	        "  --exclude-self     leave a file's own stored copy out (match a corpus member against the rest)\n"
	        "  --rules DIR        rule folder: YARA (.yar) and capability (.yml) rules (default: the\n"
	        "                     installed rules/)\n"
	        "  -h, --help         this help\n\n"
	        "Exit status: 0 when every file was matched (whatever the verdict), 1 when a file failed,\n"
	        "2 on a bad command line, 3 when the rules cannot be loaded, 4 when the corpus cannot be read.\n",
	        LINEAGE_VERDICT_THRESHOLD, LINEAGE_NEAR_THRESHOLD);
}

/* An infrastructure trait's detail with its value defanged: the token
 * ("infra:TYPE:VALUE") says what to defang, wherever the detail writes it. */
static const char *defang_detail(const char *token, const char *detail, char *buf, size_t cap)
{
	const char *type = token + 6, *colon = strncmp(token, "infra:", 6) ? NULL : strchr(type, ':');
	if (!colon) return detail;
	char tname[32], fanged[1100];
	snprintf(tname, sizeof(tname), "%.*s", (int)(colon - type), type);
	if (!strcmp(tname, "registrable")) snprintf(tname, sizeof(tname), "domain");
	const char *value = colon + 1, *at = strstr(detail, value);
	if (!at || !*value) return detail;
	lineage_ioc_defang(tname, value, fanged, sizeof(fanged));
	snprintf(buf, cap, "%.*s%s%s", (int)(at - detail), detail, fanged, at + strlen(value));
	return buf;
}

/* Feed entries naming the query's indicators: who says so, about which actor. */
static void print_feeds(const lineage_match *m, bool defang)
{
	for (size_t i = 0; i < m->nfeeds && i < 10; i++) {
		const lineage_match_feed *x = &m->feeds[i];
		char buf[1100];
		const char *v = defang ? lineage_ioc_defang(x->type, x->value, buf, sizeof(buf)) : x->value;
		if (!i) printf("  feeds     indicators named by imported threat-intelligence feeds\n");
		printf("    %s %s: %s (%s)", x->type, v, x->entry.source, x->entry.feed);
		if (x->entry.actor) printf(", actor %s", x->entry.actor);
		if (x->entry.group_id)
			printf(" = %s %s", x->entry.group_id, x->entry.group_name ? x->entry.group_name : "");
		if (x->entry.confidence >= 0) printf(", confidence %d", x->entry.confidence);
		if (x->entry.first_seen || x->entry.last_seen)
			printf(", seen %s .. %s", x->entry.first_seen ? x->entry.first_seen : "?",
			       x->entry.last_seen ? x->entry.last_seen : "?");
		if (x->family != SIZE_MAX)
			printf("; the actor of %s: +%.3f\n", lineage_match_family_name(m, &m->families[x->family]),
			       x->weight);
		else
			printf("\n");
	}
	if (m->nfeeds > 10) printf("    ... %zu more (--json lists them)\n", m->nfeeds - 10);
}

/* The verdict's family with its ATT&CK software and actor with its ATT&CK
 * group: "Wiper [S0041] (actor: Guardians of Peace = G0032 Lazarus Group)". */
static const char *who(const lineage_match *m, const lineage_match_family *f, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", m->verdict);
	bool other = f->software_id && strcmp(f->software_name, m->verdict);
	if (f->software_id && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " [%s%s%s]", f->software_id, other ? " " : "",
		                      other ? f->software_name : "");
	if (f->actor[0] && n < cap) {
		if (f->group_id && !strcmp(f->group_name, f->actor))
			snprintf(buf + n, cap - n, " (actor: %s, %s)", f->actor, f->group_id);
		else if (f->group_id)
			snprintf(buf + n, cap - n, " (actor: %s = %s %s)", f->actor, f->group_id, f->group_name);
		else
			snprintf(buf + n, cap - n, " (actor: %s)", f->actor);
	}
	return buf;
}

static void print_text(const lineage_sample *s, const lineage_match *m, bool all, bool defang)
{
	char name[512];
	const lineage_binary *b = lineage_sample_binary(s);
	printf("%s\n  sha256 %s  %s %s  %zu functions, %zu of them library code\n", b->path,
	       lineage_sample_hashes(s)->sha256, lineage_format_name(b->format), lineage_arch_name(b->arch),
	       m->functions, m->library_functions);
	size_t vf = 0; /* the verdict's family, or the nearest */
	for (size_t i = 0; m->verdict && i < m->nfamilies; i++)
		if (!strcmp(lineage_match_family_name(m, &m->families[i]), m->verdict)) {
			vf = i;
			break;
		}
	const lineage_match_family *vfam = m->nfamilies ? &m->families[vf] : NULL;
	double thr = 0, sc = 0;
	if (m->verdict) {
		int a = lineage_axis_from_name(m->verdict_axis);
		sc = lineage_match_axis_score(vfam, a);
		thr = lineage_match_axis_threshold(m, a);
	}
	if (m->verdict && strcmp(m->verdict_axis, "code") && sc >= thr) {
		printf("  verdict   %s (%s score %.3f >= %.2f: %zu traits shared, code score %.3f; confidence %.2f)\n",
		       who(m, vfam, name, sizeof(name)), m->verdict_axis, sc, thr, vfam->ntraits, vfam->score,
		       m->confidence);
	} else if (m->verdict && vfam->score >= m->threshold && vfam->shared_insns >= LINEAGE_VERDICT_MIN_INSNS) {
		printf("  verdict   %s (code score %.3f >= %.2f: %zu functions, %llu instructions shared outside "
		       "library code; confidence %.2f)\n",
		       who(m, vfam, name, sizeof(name)), vfam->score, m->threshold, vfam->nfunctions - vfam->nlibrary,
		       (unsigned long long)vfam->shared_insns, m->confidence);
	} else if (m->verdict) {
		printf("  verdict   %s (no axis alone, the axes together: log-odds %+.1f >= 0; confidence %.2f)\n",
		       who(m, vfam, name, sizeof(name)), vfam->evidence - vfam->axis_evidence[LINEAGE_AXIS_ARTIFACTS],
		       m->confidence);
	} else if (m->ambiguous) {
		printf("  verdict   no known relative: ambiguous (%s, confidence %.2f < %.2f",
		       lineage_match_family_name(m, vfam), vfam->confidence, LINEAGE_VERDICT_CONFIDENCE);
		for (size_t i = 1; i < m->nfamilies && i < 3; i++)
			printf(", %s %.2f", lineage_match_family_name(m, &m->families[i]), m->families[i].confidence);
		printf(")\n");
	} else if (m->nfamilies) {
		printf("  verdict   no known relative (probability %.2f; nearest: %s, confidence %.2f: the strong axes "
		       "give log-odds %+.1f < 0)\n",
		       m->confidence, lineage_match_family_name(m, vfam), vfam->confidence,
		       vfam->evidence - vfam->axis_evidence[LINEAGE_AXIS_ARTIFACTS]);
	} else {
		printf("  verdict   no known relative (nothing shared with the corpus)\n");
	}
	if (vfam) { /* the evidence for the verdict, or the nearest candidate, axis by axis */
		printf("  axes      %s:", lineage_match_family_name(m, vfam));
		for (int a = 0; a < LINEAGE_NAXES; a++) {
			double v = lineage_match_axis_score(vfam, a);
			printf(" %s %.3f", lineage_axis_name(a), v);
			if (vfam->axis_evidence[a] > 0) printf(" (%+.1f)", vfam->axis_evidence[a]);
		}
		printf("; log-odds %+.1f\n", vfam->evidence);
	}
	for (size_t i = 0; i < m->ncontradictions; i++) {
		const lineage_match_contradiction *c = &m->contradictions[i];
		printf("  contra.   %s points to %s (%s score %.3f, %.3f for %s)%s\n", lineage_axis_name(c->axis),
		       lineage_match_family_name(m, &m->families[c->family]), lineage_axis_name(c->axis), c->score,
		       c->against_score, lineage_match_family_name(m, &m->families[c->against]),
		       c->false_flag ? ": a possible false flag (artifacts are cheap to plant; the strong axes say "
		                       "otherwise)"
		                     : "");
	}
	size_t nf = m->nfamilies < 5 ? m->nfamilies : 5;
	if (nf)
		printf("  families  %-28s %6s %6s %7s %7s %7s %7s %8s %9s %6s\n", "", "conf.", "code", "crypto",
		       "destr.", "infra.", "artif.", "samples", "functions", "exact");
	for (size_t i = 0; i < nf; i++) {
		const lineage_match_family *f = &m->families[i];
		printf("    %zu. %-32.32s %6.3f %6.3f %7.3f %7.3f %7.3f %7.3f %8zu %9zu %6zu\n", i + 1,
		       lineage_match_family_name(m, f), f->confidence, f->score, f->crypto_score, f->destruction_score,
		       f->infrastructure_score, f->artifacts_score, f->nsamples, f->nfunctions, f->nexact);
	}
	for (size_t i = 0; i < m->nactors && i < 3; i++) {
		const lineage_match_actor *x = &m->actors[i];
		printf("%s %s", i ? "," : "  actors   ", x->actor);
		if (x->group_id && x->group_name && strcmp(x->group_name, x->actor))
			printf(" [%s %s]", x->group_id, x->group_name);
		else if (x->group_id)
			printf(" [%s]", x->group_id);
		printf(" %.2f (%zu famil%s)", x->confidence, x->nfamilies, x->nfamilies == 1 ? "y" : "ies");
	}
	if (m->nactors) printf("\n");
	/* the traits shared with the verdict's (or the nearest) family, per axis */
	static const char *const axes[] = {"crypto", "destruction", "infrastructure", "artifacts"};
	static const char *const axis_labels[] = {"crypto", "destruct.", "infra.", "artifacts"};
	for (size_t ax = 0; ax < 4; ax++) {
		size_t tshown = 0;
		for (size_t i = 0; i < m->ntraits && tshown < 8; i++) {
			const lineage_match_trait *t = &m->traits[i];
			if (t->family != vf || strcmp(t->axis, axes[ax])) continue;
			if (!tshown++)
				printf("  %-9s %s: shared traits, kind, weight (kind weight / families holding it), a "
				       "sample\n",
				       axis_labels[ax], lineage_match_family_name(m, &m->families[vf]));
			char buf[2400];
			const char *detail =
			        defang && ax == 2 ? defang_detail(t->token, t->detail, buf, sizeof(buf)) : t->detail;
			printf("    %-8s %5.3f %u fam.  %s  (%.16s %s)\n", lineage_trait_kind_name(t->kind), t->weight,
			       t->nfamilies, detail, m->samples[t->sample].sha256, m->samples[t->sample].path);
		}
	}
	print_feeds(m, defang);
	for (size_t i = 0; i < m->nlibraries && i < 5; i++)
		printf("  library   %s: %zu functions (%.1f%% of the code) marked as library code\n",
		       m->libraries[i].family, m->libraries[i].nfunctions, 100 * m->libraries[i].score);
	size_t shown_s = 0;
	for (size_t i = 0; i < m->nsamples && shown_s < 3; i++) {
		const lineage_match_sample *x = &m->samples[i];
		if (x->library || !x->nfunctions) continue;
		if (!shown_s++) printf("  closest samples\n");
		printf("    %.3f  %.16s  %-20.20s %s\n", x->score, x->sha256, x->family[0] ? x->family : "-", x->path);
	}
	/* the evidence of the leading family (or of the nearest one) */
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < m->nevidence; i++) {
		const lineage_match_evidence *e = &m->evidence[i];
		if (e->family != 0) continue;
		total++;
		if (!all && shown >= 10) continue;
		if (!shown++)
			printf("  evidence  %s: query -> known function, kind (exact, near, simil[ar]) and similarity, "
			       "instructions, families, weight\n",
			       lineage_match_family_name(m, &m->families[0]));
		printf("    0x%-12llx -> 0x%-12llx %s %.2f %5u %3u %5.2f  %s%s%s%s\n",
		       (unsigned long long)e->query_address, (unsigned long long)e->known_address,
		       e->exact     ? "exact"
		       : e->similar ? "simil"
		                    : "near ",
		       e->similarity, e->ninsn, e->nfamilies, e->weight, e->library ? "[library] " : "",
		       e->query_name ? e->query_name : "", e->known_name && e->query_name ? " / " : "",
		       e->known_name ? e->known_name : "");
	}
	if (shown < total) printf("    ... %zu more (--all)\n", total - shown);
}

/* --html: PATH is a folder of pages (made when missing) with several files, a
 * folder among them, or when it is a folder already; else the one page. */
static bool html_prepare(match_opts *o, char **paths, int n)
{
	struct stat st;
	if (!o->html) return true;
	o->html_dir = n > 1 || (stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) ||
	              (stat(o->html, &st) == 0 && S_ISDIR(st.st_mode));
	if (!o->html_dir || mkdir(o->html, 0777) == 0) return true;
	int e = errno;
	if (e == EEXIST && stat(o->html, &st) == 0 && S_ISDIR(st.st_mode)) return true;
	cli_error("%s: cannot make the report folder: %s", o->html, strerror(e));
	return false;
}

/* The HTML report of one file; "report: PATH" on stderr, so that stdout
 * keeps the text or the JSON. Returns 1 on failure (reported). */
static int write_html(const match_opts *o, const lineage_sample *s, const lineage_match *m)
{
	char path[4096], *page = NULL;
	int n = o->html_dir ? snprintf(path, sizeof(path), "%s/%s.html", o->html, lineage_sample_hashes(s)->sha256)
	                    : snprintf(path, sizeof(path), "%s", o->html);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		cli_error("%s: report path too long", o->html);
		return 1;
	}
	if (lineage_report_match_html(&page, o->ctx, s, m, o->defang ? LINEAGE_REPORT_DEFANG : 0) != 0) {
		cli_error("%s: out of memory writing the HTML report", lineage_sample_binary(s)->path);
		return 1;
	}
	size_t len = strlen(page);
	FILE *f = fopen(path, "w");
	int bad = !f || fwrite(page, 1, len, f) != len, e = errno;
	if (f && fclose(f) != 0 && !bad) bad = 1, e = errno;
	free(page);
	if (bad) {
		cli_error("%s: cannot write the HTML report: %s", path, strerror(e));
		return 1;
	}
	fprintf(stderr, "report: %s\n", path);
	return 0;
}

static int match_one(const char *path, const char *err, void *arg)
{
	match_opts *o = arg;
	o->nfiles++;
	lineage_sample *s = cli_load(o->ctx, path, err, o->json);
	if (!s) return 1;
	lineage_match *m = NULL;
	int rc = lineage_corpus_match(&m, o->corpus, o->ctx, s, &o->mo);
	if (rc != 0) {
		cli_error("%s", lineage_errmsg(o->ctx));
		if (o->json) cli_json_error(path, rc, lineage_errmsg(o->ctx));
		if (rc == LINEAGE_EDB) o->db_failed = 1;
		lineage_sample_free(s);
		return 1;
	}
	o->related += m->verdict != NULL;
	if (o->json) {
		char *j = NULL;
		uint32_t fl = (o->pretty ? LINEAGE_REPORT_PRETTY : 0) | (o->defang ? LINEAGE_REPORT_DEFANG : 0);
		if (lineage_report_match_json(&j, s, m, o->all ? 0 : 10, fl) != 0) {
			cli_error("%s: out of memory writing JSON", path);
			rc = 1;
		} else {
			puts(j);
		}
		free(j);
	} else {
		if (o->nfiles > 1) putchar('\n');
		print_text(s, m, o->all, o->defang);
	}
	fflush(stdout);
	if (o->html && write_html(o, s, m)) rc = 1;
	lineage_match_free(m);
	lineage_sample_free(s);
	return rc != 0;
}

static bool parse_unit(const char *opt, const char *v, double *out)
{
	char *end;
	errno = 0;
	double t = strtod(v, &end);
	if (errno || *end || !(t > 0 && t <= 1)) {
		cli_error("match: invalid value '%s' for %s (0 < T <= 1)", v, opt);
		return false;
	}
	*out = t;
	return true;
}

/* --axes code,crypto,...: the axes that count. */
static bool parse_axes(const char *arg, unsigned *out)
{
	unsigned mask = 0;
	const char *p = arg;
	while (*p) {
		size_t n = strcspn(p, ",");
		char name[32];
		int a = -1;
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = 0;
			a = !strcmp(name, "all") ? LINEAGE_NAXES : lineage_axis_from_name(name);
		}
		if (a < 0) {
			cli_error("match: --axes: unknown axis '%.*s' (code, crypto, destruction, infrastructure, "
			          "artifacts, "
			          "all)",
			          (int)n, p);
			return false;
		}
		mask |= a == LINEAGE_NAXES ? ~0u : LINEAGE_AXIS_MASK(a);
		p += n + (p[n] == ',');
	}
	if (!mask) {
		cli_error("match: --axes: no axis given");
		return false;
	}
	*out = mask;
	return true;
}

int cmd_match(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"db", required_argument, 0, 'd'},
	        {"json", no_argument, 0, 'J'},
	        {"pretty", no_argument, 0, 'P'},
	        {"threshold", required_argument, 0, 't'},
	        {"near", required_argument, 0, 'n'},
	        {"all", no_argument, 0, 'A'},
	        {"exclude-self", no_argument, 0, 'X'},
	        {"rules", required_argument, 0, 'R'},
	        {"defang", no_argument, 0, 'D'},
	        {"axes", required_argument, 0, 'a'},
	        {"html", required_argument, 0, 'H'},
	        {"help", no_argument, 0, 'h'},
	        {0, 0, 0, 0},
	};
	match_opts o = {0};
	const char *db = "lineage.db", *rules_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'J': o.json = true; break;
		case 'P': o.pretty = o.json = true; break;
		case 'A': o.all = true; break;
		case 'X': o.mo.exclude_self = 1; break;
		case 'R': rules_dir = optarg; break;
		case 'D': o.defang = true; break;
		case 'H': o.html = optarg; break;
		case 't':
			if (!parse_unit("--threshold", optarg, &o.mo.verdict_threshold)) return CLI_EXIT_USAGE;
			break;
		case 'n':
			if (!parse_unit("--near", optarg, &o.mo.near_threshold)) return CLI_EXIT_USAGE;
			break;
		case 'a':
			if (!parse_axes(optarg, &o.mo.axes)) return CLI_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("match: no file given");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!html_prepare(&o, argv + optind, argc - optind)) return CLI_EXIT_INPUT;
	if (lineage_ctx_new(&o.ctx) != 0) return CLI_EXIT_INTERNAL;
	lineage_rules *rules = NULL;
	if (!cli_rules(o.ctx, rules_dir, &rules)) {
		lineage_ctx_free(o.ctx);
		return CLI_EXIT_INTERNAL;
	}
	if (lineage_corpus_open(&o.corpus, o.ctx, db, LINEAGE_CORPUS_READONLY) != 0) {
		fprintf(stderr, "lineage: %s\n", lineage_errmsg(o.ctx));
		lineage_ctx_free(o.ctx);
		lineage_rules_free(rules);
		return CLI_EXIT_DB;
	}
	/* actors named by feeds meet the corpus's labels through ATT&CK's aliases */
	lineage_kb *kb = NULL;
	if (lineage_kb_load(&kb, o.ctx, NULL) != 0)
		fprintf(stderr, "lineage: warning: %s: actor names compared as written\n", lineage_errmsg(o.ctx));
	o.mo.kb = kb;
	int failed = cli_walk(argv + optind, argc - optind, match_one, &o);
	lineage_kb_free(kb);
	lineage_corpus_close(o.corpus);
	lineage_ctx_free(o.ctx);
	lineage_rules_free(rules);
	if (o.db_failed) return CLI_EXIT_DB;
	return failed ? CLI_EXIT_INPUT : CLI_EXIT_OK;
}
