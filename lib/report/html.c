/* The match report as one self-contained HTML page: inline CSS, an inline SVG
 * graph, no script and no external resource (a Content-Security-Policy meta
 * element forbids any fetch besides). Everything that comes from a sample or
 * the corpus (paths, symbol names, trait details, feed entries, labels) is
 * escaped; ids and links are built from indexes only, never from that text. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "lineage.h"
#include "../util/util.h"

#define FAMILY_ROWS    30  /* families in the table and the axis tables */
#define SAMPLE_ROWS    200 /* samples in the samples table */
#define CODE_ROWS      25  /* matched functions per family in the code table */
#define TRAIT_ROWS     40  /* shared traits per family and axis */
#define FEED_ROWS      200 /* feed entries */
#define SBS_FUNCTIONS  10  /* side-by-side views of the top family's heaviest functions */
#define SBS_LINES      400 /* instructions shown per function in a side-by-side view */
#define SBS_LINES_TEXT "400"
#define GRAPH_FAMILY   8 /* families in the graph */
#define GRAPH_SAMPLES  3 /* samples per family in the graph */

/* ---- a growing buffer; the first failed allocation sticks ------------- */

typedef struct hbuf {
	char *p;
	size_t len, cap;
	int oom;
} hbuf;

static void put(hbuf *b, const char *s, size_t n)
{
	if (b->oom) return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1) cap *= 2;
		char *p = ln_realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void puts_(hbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void pf(hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pf(hbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if ((size_t)n < sizeof(tmp)) {
		put(b, tmp, (size_t)n);
		return;
	}
	char *big = ln_malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	put(b, big, (size_t)n);
	ln_free(big);
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n) return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80) return 0;
	if (len == 2 && c < 0xc2) return 0;                  /* overlong */
	if (len == 3 && c == 0xe0 && s[1] < 0xa0) return 0;  /* overlong */
	if (len == 3 && c == 0xed && s[1] >= 0xa0) return 0; /* surrogate */
	if (len == 4 && (c > 0xf4 || (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))) return 0;
	return len;
}

/* Text as HTML (element content and double- or single-quoted attribute
 * values alike): markup characters as entities, control bytes and invalid
 * UTF-8 as U+FFFD; at most max characters (0: all), an ellipsis when cut. */
static void esc_max(hbuf *b, const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s), chars = 0;
	for (size_t i = 0; i < n;) {
		if (max && chars == max) {
			puts_(b, "&#x2026;");
			return;
		}
		chars++;
		unsigned c = s[i];
		switch (c) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		case '\'': puts_(b, "&#39;"); break;
		case '\t': puts_(b, " "); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				puts_(b, "&#xfffd;");
			} else {
				size_t l = utf8_len(s + i, n - i);
				if (!l) {
					puts_(b, "&#xfffd;");
					i++;
					continue;
				}
				put(b, (const char *)s + i, l);
				i += l;
				continue;
			}
		}
		i++;
	}
}

static void esc(hbuf *b, const char *text)
{
	esc_max(b, text, 0);
}

/* ---- the match, read for the page ------------------------------------ */

typedef struct page {
	hbuf *b;
	lineage_ctx *ctx;
	const lineage_sample *q;
	const lineage_match *m;
	uint32_t flags;
	size_t nfam;        /* families shown (FAMILY_ROWS at most) */
	size_t vf;          /* the verdict's family, or the nearest; SIZE_MAX when none */
	size_t *rows;       /* per family and axis: evidence rows shown (nfam * LINEAGE_NAXES) */
	size_t *feed_first; /* per family: its first feed row shown, or SIZE_MAX */
	size_t *sbs;        /* evidence indexes with a side-by-side view */
	size_t nsbs;
} page;

/* The axis of a trait ("crypto", ...), or -1. */
static int trait_axis(const lineage_match_trait *t)
{
	return t->axis ? lineage_axis_from_name(t->axis) : -1;
}

/* Whether the link "#AXIS-fN" has a target: evidence rows of family N on the
 * axis, or (infrastructure) a feed entry naming its actor. */
static const char *axis_anchor(const page *p, size_t fam, int axis, char *buf, size_t cap)
{
	if (fam >= p->nfam) return NULL;
	if (p->rows[fam * LINEAGE_NAXES + (size_t)axis]) {
		snprintf(buf, cap, "%s-f%zu", lineage_axis_name(axis), fam);
		return buf;
	}
	if (axis == LINEAGE_AXIS_INFRASTRUCTURE && p->feed_first[fam] != SIZE_MAX) {
		snprintf(buf, cap, "feed%zu", p->feed_first[fam]);
		return buf;
	}
	return NULL;
}

/* The strongest axis of a family with rows to show, for a row's "evidence" link. */
static const char *best_anchor(const page *p, size_t fam, char *buf, size_t cap)
{
	const lineage_match_family *f = &p->m->families[fam];
	int best = -1;
	for (int a = 0; a < LINEAGE_NAXES; a++) {
		char tmp[48];
		if (!axis_anchor(p, fam, a, tmp, sizeof(tmp))) continue;
		if (best < 0 || f->axis_evidence[a] > f->axis_evidence[best]) best = a;
	}
	return best < 0 ? NULL : axis_anchor(p, fam, best, buf, cap);
}

/* A link around escaped text when the anchor exists, else the text alone. */
static void link_text(hbuf *b, const char *anchor, const char *text)
{
	if (anchor) pf(b, "<a href=\"#%s\">", anchor);
	esc(b, text);
	if (anchor) puts_(b, "</a>");
}

static void family_link(const page *p, size_t fam)
{
	if (fam < p->nfam) pf(p->b, "<a href=\"#fam%zu\">", fam);
	esc(p->b, lineage_match_family_name(p->m, &p->m->families[fam]));
	if (fam < p->nfam) puts_(p->b, "</a>");
}

static void sample_link(const page *p, size_t s)
{
	const lineage_match_sample *x = &p->m->samples[s];
	if (s < SAMPLE_ROWS) pf(p->b, "<a href=\"#smp%zu\" title=\"", s);
	if (s < SAMPLE_ROWS) {
		esc(p->b, x->path);
		puts_(p->b, "\">");
	}
	puts_(p->b, "<code>");
	esc_max(p->b, x->sha256, 16);
	puts_(p->b, "</code>");
	if (s < SAMPLE_ROWS) puts_(p->b, "</a>");
}

/* An indicator value, defanged when asked. */
static void ioc_value(const page *p, const char *type, const char *value)
{
	char buf[1100];
	esc(p->b,
	    p->flags & LINEAGE_REPORT_DEFANG && value ? lineage_ioc_defang(type, value, buf, sizeof(buf)) : value);
}

/* An infrastructure trait's token or detail with its value defanged: the token
 * ("infra:TYPE:VALUE") says what to defang, wherever the text writes it. */
static void infra_text(const page *p, const char *token, const char *text)
{
	if (!(p->flags & LINEAGE_REPORT_DEFANG) || !token || !text || strncmp(token, "infra:", 6) != 0) {
		esc(p->b, text);
		return;
	}
	const char *type = token + 6, *colon = strchr(type, ':');
	if (!colon || !colon[1]) {
		esc(p->b, text);
		return;
	}
	char tname[32], fanged[1100];
	snprintf(tname, sizeof(tname), "%.*s", (int)(colon - type), type);
	if (!strcmp(tname, "registrable")) snprintf(tname, sizeof(tname), "domain");
	const char *value = colon + 1, *at = strstr(text, value);
	if (!at) {
		esc(p->b, text);
		return;
	}
	lineage_ioc_defang(tname, value, fanged, sizeof(fanged));
	size_t pre = (size_t)(at - text);
	char *head = ln_malloc(pre + 1);
	if (!head) {
		p->b->oom = 1;
		return;
	}
	memcpy(head, text, pre);
	head[pre] = 0;
	esc(p->b, head);
	ln_free(head);
	esc(p->b, fanged);
	esc(p->b, at + strlen(value));
}

/* ---- the page's parts -------------------------------------------------- */

static const char style[] =
        "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#1c2329;background:#fff;font-size:14px}"
        "h1{font-size:22px;margin:0 0 8px}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #cfd8dc}"
        "h3{font-size:16px;margin:18px 0 6px}table{border-collapse:collapse;margin:6px 0 12px}"
        "th,td{border:1px solid #cfd8dc;padding:3px 7px;text-align:left;vertical-align:top}"
        "td.w{overflow-wrap:anywhere;min-width:12em}th{background:#eceff1}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}tr.group th{background:#e3f2fd}"
        "code,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:12.5px}a{color:#0d47a1}"
        ".meta td:first-child{font-weight:bold;background:#f5f7f8}"
        ".verdict{padding:16px 20px;margin:16px 0;border-left:10px solid;font-size:17px}"
        ".verdict .big{font-size:30px;font-weight:bold;display:block;margin-bottom:6px}"
        ".known{background:#d7f0d9;border-color:#1b5e20}.unknown{background:#e8e1f5;border-color:#4a2a8a}"
        ".contra{background:#ffdede;border:3px solid #b71c1c;padding:10px 16px;margin:12px 0}"
        ".contra h2{border:none;color:#b71c1c;margin-top:4px}.ff{color:#b71c1c;font-weight:bold}"
        ".note{color:#546e7a}.warn{color:#b71c1c}"
        ".sbs td{font-family:'DejaVu Sans Mono',monospace;font-size:12px;padding:0 6px;border:none;"
        "white-space:pre}.sbs td.ln{color:#90a4ae;text-align:right}.sbs tr.same td{background:#c8f0cb}"
        ".sbs tr.chg td{background:#fff1d6}.sbs tr.one td{background:#f6f6f6}.sbs th{border:none}"
        ".sbs{border:1px solid #cfd8dc}svg text{font-family:'DejaVu Sans',Arial,sans-serif}";

static void head_section(page *p)
{
	hbuf *b = p->b;
	const lineage_binary *bin = lineage_sample_binary(p->q);
	const lineage_file_hashes *h = lineage_sample_hashes(p->q);
	const lineage_match *m = p->m;
	puts_(b,
	      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "img-src data:\">\n<title>lineage: ");
	esc(b, bin->path);
	puts_(b, " &#x2014; ");
	esc(b, m->verdict ? m->verdict : "no known relative");
	pf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
	puts_(b, "<header id=\"file\"><h1>lineage match report</h1>\n<table class=\"meta\">\n<tr><td>file</td><td>"
	         "<code>");
	esc(b, bin->path);
	pf(b, "</code></td></tr>\n<tr><td>sha256</td><td><code>%s</code></td></tr>\n", h->sha256);
	pf(b, "<tr><td>format</td><td>%s %s, %llu bytes</td></tr>\n", lineage_format_name(bin->format),
	   lineage_arch_name(bin->arch), (unsigned long long)bin->size);
	pf(b,
	   "<tr><td>code</td><td>%zu functions considered, %zu of them library code, %llu instructions outside "
	   "library code</td></tr>\n",
	   m->functions, m->library_functions, (unsigned long long)m->query_insns);
	const char *budget = lineage_sample_budget_hit(p->q);
	if (budget) {
		puts_(b, "<tr><td>budget</td><td class=\"warn\">analysis cut by the ");
		esc(b, budget);
		puts_(b, " budget: a partial result</td></tr>\n");
	}
	pf(b, "<tr><td>tool</td><td>lineage %s</td></tr>\n</table></header>\n", lineage_version());
}

/* "Wiper [S0041 Wiper] actor Guardians of Peace [G0032 Lazarus Group]" */
static void who(page *p, size_t fam)
{
	hbuf *b = p->b;
	const lineage_match_family *f = &p->m->families[fam];
	if (f->software_id) {
		puts_(b, " <span class=\"attack\">[ATT&amp;CK ");
		esc(b, f->software_id);
		puts_(b, " ");
		esc(b, f->software_name);
		puts_(b, "]</span>");
	}
	if (f->actor && f->actor[0]) {
		puts_(b, f->software_id ? ", actor " : "actor ");
		esc(b, f->actor);
		if (f->group_id) {
			puts_(b, " <span class=\"attack\">[ATT&amp;CK ");
			esc(b, f->group_id);
			puts_(b, " ");
			esc(b, f->group_name);
			puts_(b, "]</span>");
		}
	}
}

static void verdict_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	char anchor[48];
	if (m->verdict && p->vf != SIZE_MAX) {
		const lineage_match_family *f = &m->families[p->vf];
		int ax = m->verdict_axis ? lineage_axis_from_name(m->verdict_axis) : -1;
		puts_(b, "<section id=\"verdict\" class=\"verdict known\"><span class=\"big\">Verdict: ");
		family_link(p, p->vf);
		puts_(b, "</span>");
		who(p, p->vf);
		pf(b, "%sconfidence <a href=\"#fam%zu\"><b>%.2f</b></a>",
		   f->software_id || (f->actor && f->actor[0]) ? "<br>" : "", p->vf, m->confidence);
		if (ax >= 0) {
			const char *a = axis_anchor(p, p->vf, ax, anchor, sizeof(anchor));
			puts_(b, "; deciding axis ");
			if (a) pf(b, "<a href=\"#%s\">", a);
			pf(b, "<b>%s</b>", lineage_axis_name(ax));
			if (a) puts_(b, "</a>");
			double sc = lineage_match_axis_score(f, ax), thr = lineage_match_axis_threshold(m, ax);
			if (sc >= thr)
				pf(b, " (score %.3f &#x2265; %.2f)", sc, thr);
			else
				pf(b, " (no axis alone: the axes together give log-odds %+.1f)",
				   f->evidence - f->axis_evidence[LINEAGE_AXIS_ARTIFACTS]);
		}
		puts_(b, "</section>\n");
	} else {
		pf(b,
		   "<section id=\"verdict\" class=\"verdict unknown\"><span class=\"big\">Verdict: no known "
		   "relative</span>probability %.2f that the file has no known relative",
		   m->confidence);
		if (m->ambiguous)
			pf(b,
			   "; <b>ambiguous</b>: several families are supported by the strong axes and none reaches "
			   "confidence %.2f",
			   LINEAGE_VERDICT_CONFIDENCE);
		if (!m->nfamilies) {
			puts_(b, "; nothing is shared with the corpus");
		} else {
			puts_(b, "; nearest candidates: ");
			for (size_t i = 0; i < m->nfamilies && i < 3; i++) {
				if (i) puts_(b, ", ");
				family_link(p, i);
				pf(b, " (confidence %.2f)", m->families[i].confidence);
			}
		}
		puts_(b, "</section>\n");
	}
}

static void contradictions_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	if (!m->ncontradictions) return;
	char anchor[48];
	pf(b,
	   "<section id=\"contradictions\" class=\"contra\"><h2>Contradictions: %zu axis%s point%s elsewhere</h2>\n"
	   "<table>\n<tr><th>axis</th><th>points to</th><th>score</th><th>against</th><th>its score</th>"
	   "<th>reading</th></tr>\n",
	   m->ncontradictions, m->ncontradictions == 1 ? "" : "es", m->ncontradictions == 1 ? "s" : "");
	for (size_t i = 0; i < m->ncontradictions; i++) {
		const lineage_match_contradiction *c = &m->contradictions[i];
		pf(b, "<tr id=\"con%zu\"><td>", i);
		link_text(b, axis_anchor(p, c->family, c->axis, anchor, sizeof(anchor)), lineage_axis_name(c->axis));
		puts_(b, "</td><td>");
		family_link(p, c->family);
		pf(b, "</td><td class=\"n\">%.3f</td><td>", c->score);
		family_link(p, c->against);
		pf(b, "</td><td class=\"n\">%.3f</td><td>%s</td></tr>\n", c->against_score,
		   c->false_flag
		           ? "<span class=\"ff\">possible false flag</span>: artifacts are cheap to plant and the "
		             "strong axes say otherwise"
		           : "the axes disagree");
	}
	puts_(b, "</table></section>\n");
}

static void families_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	puts_(b, "<section id=\"families\"><h2>Families</h2>\n");
	if (!m->nfamilies) {
		puts_(b, "<p>No family shares code or traits with this file.</p></section>\n");
		return;
	}
	puts_(b,
	      "<p class=\"note\">Each axis: its score (0..1) and its evidence in log-odds; the confidence is a softmax "
	      "over the families and &#x201c;no known relative&#x201d;. Scores link to the evidence rows.</p>\n"
	      "<table>\n<tr><th>#</th><th>family</th><th>actor / ATT&amp;CK</th><th>confidence</th>"
	      "<th>log-odds</th><th>supported</th>");
	for (int a = 0; a < LINEAGE_NAXES; a++) pf(b, "<th>%s</th>", lineage_axis_name(a));
	puts_(b, "<th>samples</th><th>functions</th><th>exact</th><th>evidence</th></tr>\n");
	for (size_t i = 0; i < p->nfam; i++) {
		const lineage_match_family *f = &m->families[i];
		char anchor[48];
		pf(b, "<tr id=\"fam%zu\"%s><td class=\"n\">%zu</td><td>", i,
		   i == p->vf && m->verdict ? " class=\"vf\"" : "", i + 1);
		esc(b, lineage_match_family_name(m, f));
		puts_(b, "</td><td>");
		esc(b, f->actor);
		if (f->software_id || f->group_id) puts_(b, "<br><span class=\"attack\">");
		if (f->software_id) {
			esc(b, f->software_id);
			puts_(b, " ");
			esc(b, f->software_name);
		}
		if (f->software_id && f->group_id) puts_(b, "; ");
		if (f->group_id) {
			esc(b, f->group_id);
			puts_(b, " ");
			esc(b, f->group_name);
		}
		if (f->software_id || f->group_id) puts_(b, "</span>");
		pf(b, "</td><td class=\"n\">%.2f</td><td class=\"n\">%+.1f</td><td>%s</td>", f->confidence, f->evidence,
		   f->supported ? "yes" : "no");
		for (int a = 0; a < LINEAGE_NAXES; a++) {
			const char *an = axis_anchor(p, i, a, anchor, sizeof(anchor));
			puts_(b, "<td class=\"n\">");
			if (an) pf(b, "<a href=\"#%s\">", an);
			pf(b, "%.3f", lineage_match_axis_score(f, a));
			if (an) puts_(b, "</a>");
			pf(b, "<br><span class=\"note\">%+.1f</span></td>", f->axis_evidence[a]);
		}
		pf(b, "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td>", f->nsamples,
		   f->nfunctions, f->nexact);
		link_text(b, best_anchor(p, i, anchor, sizeof(anchor)), "evidence");
		puts_(b, "</td></tr>\n");
	}
	puts_(b, "</table>\n");
	if (m->nfamilies > p->nfam)
		pf(b, "<p class=\"note\">%zu more families: <code>lineage match --json</code> lists them.</p>\n",
		   m->nfamilies - p->nfam);
	for (size_t i = 0; i < m->nlibraries && i < 10; i++) {
		if (!i) puts_(b, "<p>Library code recognized: ");
		if (i) puts_(b, ", ");
		esc(b, m->libraries[i].family);
		pf(b, " (%zu functions)", m->libraries[i].nfunctions);
	}
	if (m->nlibraries) puts_(b, "</p>\n");
	/* the actors: the families labelled with each, their confidences summed */
	for (size_t i = 0; i < m->nactors && i < FAMILY_ROWS; i++) {
		const lineage_match_actor *x = &m->actors[i];
		if (!i)
			puts_(b, "<h3>Actors</h3>\n<table id=\"actors\">\n<tr><th>actor</th><th>ATT&amp;CK group</th>"
			         "<th>confidence</th><th>families</th></tr>\n");
		pf(b, "<tr id=\"actor%zu\"><td>", i);
		esc(b, x->actor);
		puts_(b, "</td><td>");
		esc(b, x->group_id);
		puts_(b, " ");
		esc(b, x->group_name);
		pf(b, "</td><td class=\"n\">%.2f</td><td>", x->confidence);
		if (x->family < m->nfamilies) family_link(p, x->family);
		if (x->nfamilies > 1) pf(b, " and %zu more", x->nfamilies - 1);
		puts_(b, "</td></tr>\n");
	}
	if (m->nactors) puts_(b, "</table>\n");
	puts_(b, "</section>\n");
}

static void code_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	puts_(b, "<section id=\"axis-code\"><h2>Code: matched functions</h2>\n");
	size_t shown = 0;
	for (size_t fam = 0; fam < p->nfam; fam++) {
		size_t rows = p->rows[fam * LINEAGE_NAXES + LINEAGE_AXIS_CODE];
		if (!rows) continue;
		if (!shown++)
			puts_(b, "<table>\n<tr><th>query function</th><th>known sample</th><th>known function</th>"
			         "<th>kind</th><th>similarity</th><th>instructions</th><th>families</th><th>weight</th>"
			         "<th>side by side</th></tr>\n");
		const lineage_match_family *f = &m->families[fam];
		pf(b, "<tr class=\"group\" id=\"code-f%zu\"><th colspan=\"9\">", fam);
		family_link(p, fam);
		pf(b, ": code score %.3f, %zu functions matched (%zu exact, %zu library code)</th></tr>\n", f->score,
		   f->nfunctions, f->nexact, f->nlibrary);
		size_t k = 0, total = 0;
		for (size_t i = 0; i < m->nevidence; i++) {
			const lineage_match_evidence *e = &m->evidence[i];
			if (e->family != fam) continue;
			total++;
			if (k >= rows) continue;
			k++;
			pf(b, "<tr id=\"ev%zu\"><td><code>0x%llx</code> ", i, (unsigned long long)e->query_address);
			esc(b, e->query_name);
			puts_(b, "</td><td>");
			sample_link(p, e->sample);
			pf(b, "</td><td><code>0x%llx</code> ", (unsigned long long)e->known_address);
			esc(b, e->known_name);
			pf(b,
			   "</td><td>%s%s</td><td class=\"n\">%.2f</td><td class=\"n\">%u</td><td class=\"n\">%u</td>"
			   "<td class=\"n\">%.2f</td><td>",
			   e->exact     ? "exact"
			   : e->similar ? "similar"
			                : "near",
			   e->library ? " (library)" : "", e->similarity, e->ninsn, e->nfamilies, e->weight);
			for (size_t s = 0; s < p->nsbs; s++)
				if (p->sbs[s] == i) pf(b, "<a href=\"#sbs%zu\">view</a>", i);
			puts_(b, "</td></tr>\n");
		}
		if (total > rows)
			pf(b,
			   "<tr><td colspan=\"9\" class=\"note\">&#x2026; %zu more (<code>--json "
			   "--all</code>)</td></tr>\n",
			   total - rows);
	}
	if (shown)
		puts_(b, "</table>\n");
	else
		puts_(b, "<p>No function is shared with a known family.</p>\n");
	puts_(b, "</section>\n");
}

static void trait_section(page *p, int axis)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	static const char *const titles[LINEAGE_NAXES] = {"Code", "Crypto", "Destruction", "Infrastructure",
	                                                  "Artifacts"};
	const char *name = lineage_axis_name(axis);
	pf(b, "<section id=\"axis-%s\"><h2>%s: shared traits</h2>\n", name, titles[axis]);
	size_t shown = 0;
	for (size_t fam = 0; fam < p->nfam; fam++) {
		size_t rows = p->rows[fam * LINEAGE_NAXES + (size_t)axis];
		if (!rows) continue;
		if (!shown++)
			puts_(b, "<table>\n<tr><th>kind</th><th>weight</th><th>families holding it</th><th>trait</th>"
			         "<th>token</th><th>known sample</th></tr>\n");
		pf(b, "<tr class=\"group\" id=\"%s-f%zu\"><th colspan=\"6\">", name, fam);
		family_link(p, fam);
		pf(b, ": %s score %.3f</th></tr>\n", name, lineage_match_axis_score(&m->families[fam], axis));
		size_t k = 0;
		for (size_t i = 0; i < m->ntraits && k < rows; i++) {
			const lineage_match_trait *t = &m->traits[i];
			if (t->family != fam || trait_axis(t) != axis) continue;
			k++;
			pf(b,
			   "<tr id=\"tr%zu\"><td>%s</td><td class=\"n\">%.3f</td><td class=\"n\">%u</td><td "
			   "class=\"w\">",
			   i, lineage_trait_kind_name(t->kind), t->weight, t->nfamilies);
			infra_text(p, t->token, t->detail);
			puts_(b, "</td><td class=\"w\"><code>");
			infra_text(p, t->token, t->token);
			puts_(b, "</code></td><td class=\"w\">");
			sample_link(p, t->sample);
			puts_(b, " <code>");
			esc(b, m->samples[t->sample].path);
			puts_(b, "</code></td></tr>\n");
		}
	}
	if (shown)
		puts_(b, "</table>\n");
	else
		pf(b, "<p>No %s trait is shared with a known family.</p>\n", name);
	puts_(b, "</section>\n");
}

static void feeds_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	puts_(b, "<section id=\"feeds\"><h2>Feeds: entries naming the file&#x2019;s indicators</h2>\n");
	if (!m->nfeeds) {
		puts_(b, "<p>No imported feed names an indicator of this file.</p></section>\n");
		return;
	}
	puts_(b, "<table>\n<tr><th>indicator</th><th>feed entry</th><th>source (feed)</th><th>actor</th>"
	         "<th>ATT&amp;CK group</th><th>confidence</th><th>seen</th><th>names the actor of</th>"
	         "<th>description</th></tr>\n");
	for (size_t i = 0; i < m->nfeeds && i < FEED_ROWS; i++) {
		const lineage_match_feed *x = &m->feeds[i];
		pf(b, "<tr id=\"feed%zu\"><td class=\"w\">", i);
		esc(b, x->type);
		puts_(b, " <code>");
		ioc_value(p, x->type, x->value);
		puts_(b, "</code></td><td class=\"w\">");
		esc(b, x->entry.type);
		puts_(b, " <code>");
		ioc_value(p, x->entry.type, x->entry.value);
		puts_(b, "</code>");
		if (x->entry.port) pf(b, " port %u", x->entry.port);
		puts_(b, "</td><td>");
		esc(b, x->entry.source);
		puts_(b, " (");
		esc(b, x->entry.feed);
		puts_(b, ")</td><td>");
		esc(b, x->entry.actor);
		puts_(b, "</td><td>");
		esc(b, x->entry.group_id);
		puts_(b, " ");
		esc(b, x->entry.group_name);
		puts_(b, "</td><td class=\"n\">");
		if (x->entry.confidence >= 0) pf(b, "%d", x->entry.confidence);
		puts_(b, "</td><td>");
		if (x->entry.first_seen || x->entry.last_seen) {
			esc(b, x->entry.first_seen ? x->entry.first_seen : "?");
			puts_(b, " &#x2026; ");
			esc(b, x->entry.last_seen ? x->entry.last_seen : "?");
		}
		puts_(b, "</td><td>");
		if (x->family != SIZE_MAX && x->family < m->nfamilies) {
			family_link(p, x->family);
			pf(b, " +%.3f", x->weight);
		}
		puts_(b, "</td><td class=\"w\">");
		esc(b, x->entry.description);
		puts_(b, "</td></tr>\n");
	}
	puts_(b, "</table>\n");
	if (m->nfeeds > FEED_ROWS)
		pf(b, "<p class=\"note\">%zu more (<code>--json</code>).</p>\n", m->nfeeds - FEED_ROWS);
	puts_(b, "</section>\n");
}

static void samples_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	puts_(b, "<section id=\"samples\"><h2>Known samples met</h2>\n");
	if (!m->nsamples) {
		puts_(b, "<p>None.</p></section>\n");
		return;
	}
	puts_(b, "<table>\n<tr><th>sha256</th><th>family</th><th>actor</th><th>code score</th><th>known coverage</th>"
	         "<th>functions</th><th>exact</th><th>path</th></tr>\n");
	for (size_t i = 0; i < m->nsamples && i < SAMPLE_ROWS; i++) {
		const lineage_match_sample *x = &m->samples[i];
		pf(b, "<tr id=\"smp%zu\"><td><code>", i);
		esc_max(b, x->sha256, 64);
		puts_(b, "</code></td><td>");
		esc(b, x->family && x->family[0] ? x->family : "(unlabeled)");
		if (x->library) puts_(b, " (library)");
		puts_(b, "</td><td>");
		esc(b, x->actor);
		pf(b,
		   "</td><td class=\"n\">%.3f</td><td class=\"n\">%.3f</td><td class=\"n\">%zu</td><td class=\"n\">%zu"
		   "</td><td class=\"w\"><code>",
		   x->score, x->known_coverage, x->nfunctions, x->nexact);
		esc(b, x->path);
		puts_(b, "</code></td></tr>\n");
	}
	puts_(b, "</table>\n");
	if (m->nsamples > SAMPLE_ROWS)
		pf(b, "<p class=\"note\">%zu more (<code>--json</code>).</p>\n", m->nsamples - SAMPLE_ROWS);
	puts_(b, "</section>\n");
}

/* ---- the graph: the query in the middle, families around, their samples
 * outside; edge width and label by score --------------------------------- */

static double family_strength(const lineage_match_family *f, int *axis)
{
	double best = 0;
	*axis = LINEAGE_AXIS_CODE;
	for (int a = 0; a < LINEAGE_NAXES; a++)
		if (lineage_match_axis_score(f, a) > best) {
			best = lineage_match_axis_score(f, a);
			*axis = a;
		}
	return best > 1 ? 1 : best;
}

static const char *anchor_of(double c)
{
	return c > 0.35 ? "start" : c < -0.35 ? "end" : "middle";
}

typedef struct gnode {
	double x, y, c, s; /* position, and the direction from the middle */
	size_t index;      /* family or sample */
	size_t parent;     /* a sample's family node */
} gnode;

static void graph_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	gnode fam[GRAPH_FAMILY], smp[GRAPH_FAMILY * GRAPH_SAMPLES];
	size_t nf = p->nfam < GRAPH_FAMILY ? p->nfam : GRAPH_FAMILY, ns = 0;
	/* the families on an ellipse around the query at (0, 0), their samples
	 * (non-library ones of the family's label, best first) further out */
	double x0 = -60, x1 = 60, y0 = -60, y1 = 60;
	for (size_t i = 0; i < nf; i++) {
		const lineage_match_family *f = &m->families[i];
		double ang = -M_PI / 2 + 2 * M_PI * (double)i / (double)nf;
		fam[i] = (gnode){270 * cos(ang), 175 * sin(ang), cos(ang), sin(ang), i, i};
		size_t k0 = ns;
		for (size_t k = 0; k < m->nsamples && ns - k0 < GRAPH_SAMPLES; k++) {
			const lineage_match_sample *x = &m->samples[k];
			bool mine = f->family && f->family[0] ? x->family && !strcmp(x->family, f->family)
			                                      : k == f->best_sample;
			if (!mine || x->library) continue;
			double a2 = ang + ((double)(ns - k0) - 1) * 0.3;
			smp[ns++] = (gnode){420 * cos(a2), 265 * sin(a2), cos(a2), sin(a2), k, i};
		}
	}
	for (size_t i = 0; i < nf + ns; i++) {
		const gnode *g = i < nf ? &fam[i] : &smp[i - nf];
		double wx = i < nf ? 110 : 120; /* room for the labels */
		x0 = fmin(x0, g->x - wx), x1 = fmax(x1, g->x + wx), y0 = fmin(y0, g->y - 40), y1 = fmax(y1, g->y + 60);
	}
	double W = x1 - x0, H = y1 - y0;
	puts_(b, "<section id=\"graph\"><h2>Nearest families and samples</h2>\n"
	         "<p class=\"note\">The file in the middle; around it the nearest families (edge width and label: the "
	         "family&#x2019;s strongest axis score, and its confidence); outside, their samples (edge: the "
	         "sample&#x2019;s code score). Nodes link to the tables.</p>\n");
	pf(b,
	   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"%.0f %.0f %.0f %.0f\" "
	   "role=\"img\" aria-label=\"graph of the nearest families and samples\">\n"
	   "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafbfc\" stroke=\"#cfd8dc\"/>\n",
	   W, H, x0, y0, W, H, x0, y0, W, H);
	/* edges first, nodes over them */
	for (size_t i = 0; i < ns; i++) {
		const gnode *g = &smp[i], *f = &fam[g->parent];
		double sc = m->samples[g->index].score;
		pf(b,
		   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b0bec5\" stroke-width=\"%.1f\"/>\n"
		   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#546e7a\" text-anchor=\"middle\">%.2f</text>\n",
		   f->x, f->y, g->x, g->y, 1 + 6 * (sc > 1 ? 1 : sc), (f->x + g->x) / 2, (f->y + g->y) / 2 - 3, sc);
	}
	for (size_t i = 0; i < nf; i++) {
		const lineage_match_family *f = &m->families[i];
		int ax;
		double st = family_strength(f, &ax);
		pf(b,
		   "<line x1=\"0\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\" "
		   "stroke-opacity=\"0.8\"/>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#263238\" "
		   "text-anchor=\"middle\">%s %.2f &#xb7; conf. %.2f</text>\n",
		   fam[i].x, fam[i].y, m->verdict && i == p->vf ? "#1b5e20" : "#78909c", 1 + 11 * st, fam[i].x / 2,
		   fam[i].y / 2 - 6, lineage_axis_name(ax), st, f->confidence);
	}
	for (size_t i = 0; i < ns; i++) {
		const gnode *g = &smp[i];
		const lineage_match_sample *x = &m->samples[g->index];
		if (g->index < SAMPLE_ROWS) pf(b, "<a href=\"#smp%zu\">", g->index);
		pf(b,
		   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"#eceff1\" stroke=\"%s\" stroke-width=\"2\"><title>",
		   g->x, g->y, m->verdict && g->parent == p->vf ? "#1b5e20" : "#78909c");
		esc(b, x->path);
		pf(b,
		   "</title></circle><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"%s\" fill=\"#37474f\">",
		   g->x + 13 * g->c, g->y + 13 * g->s + 4, anchor_of(g->c));
		esc_max(b, x->sha256, 12);
		puts_(b, "</text>");
		puts_(b, g->index < SAMPLE_ROWS ? "</a>\n" : "\n");
	}
	for (size_t i = 0; i < nf; i++) {
		const lineage_match_family *f = &m->families[i];
		bool verdict = m->verdict && i == p->vf;
		pf(b,
		   "<a href=\"#fam%zu\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"22\" fill=\"%s\" stroke=\"%s\" "
		   "stroke-width=\"3\"><title>",
		   i, fam[i].x, fam[i].y, verdict ? "#d7f0d9" : "#ffffff", verdict ? "#1b5e20" : "#78909c");
		esc(b, lineage_match_family_name(m, f));
		pf(b,
		   "</title></circle><text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\" "
		   "text-anchor=\"middle\" fill=\"#1c2329\">",
		   fam[i].x, fam[i].y + 38);
		esc_max(b, lineage_match_family_name(m, f), 22);
		puts_(b, "</text></a>\n");
	}
	pf(b,
	   "<a href=\"#file\"><circle cx=\"0\" cy=\"0\" r=\"34\" fill=\"#263238\"/><text x=\"0\" y=\"-2\" "
	   "font-size=\"13\" fill=\"#ffffff\" text-anchor=\"middle\">query</text><text x=\"0\" y=\"12\" "
	   "font-size=\"10\" fill=\"#ffffff\" text-anchor=\"middle\">%.10s</text></a>\n",
	   lineage_sample_hashes(p->q)->sha256);
	if (!nf)
		puts_(b, "<text x=\"0\" y=\"52\" font-size=\"12\" text-anchor=\"middle\" fill=\"#546e7a\">nothing "
		         "shared</text>\n");
	puts_(b, "</svg>\n</section>\n");
}

/* ---- side by side: the two functions' normalized instructions, aligned by
 * their longest common subsequence of lines --------------------------------- */

typedef struct lines {
	char *text; /* owns the lines */
	const char **v;
	size_t n, total;
} lines;

static void lines_free(lines *l)
{
	ln_free(l->text);
	ln_free((void *)l->v);
	memset(l, 0, sizeof(*l));
}

/* Split a function's normalized text into at most SBS_LINES lines. */
static int lines_of(lines *out, const lineage_binary *bin, const lineage_function *fn)
{
	memset(out, 0, sizeof(*out));
	int rc = lineage_function_normalized_text(&out->text, bin, fn);
	if (rc != 0) return rc;
	size_t n = 0;
	for (const char *s = out->text; *s; s++) n += *s == '\n';
	out->total = n;
	out->v = ln_calloc(n < SBS_LINES ? n + 1 : SBS_LINES + 1, sizeof(char *));
	if (!out->v) {
		lines_free(out);
		return LINEAGE_ENOMEM;
	}
	for (char *s = out->text; *s && out->n < SBS_LINES;) {
		char *nl = strchr(s, '\n');
		out->v[out->n++] = s;
		if (!nl) break;
		*nl = 0;
		s = nl + 1;
	}
	return 0;
}

static void sbs_row(hbuf *b, const char *cls, const lines *a, size_t i, const lines *k, size_t j)
{
	pf(b, "<tr class=\"%s\">", cls);
	if (i != SIZE_MAX) {
		pf(b, "<td class=\"ln\">%zu</td><td>", i + 1);
		esc(b, a->v[i]);
		puts_(b, "</td>");
	} else {
		puts_(b, "<td class=\"ln\"></td><td></td>");
	}
	if (j != SIZE_MAX) {
		pf(b, "<td class=\"ln\">%zu</td><td>", j + 1);
		esc(b, k->v[j]);
		puts_(b, "</td>");
	} else {
		puts_(b, "<td class=\"ln\"></td><td></td>");
	}
	puts_(b, "</tr>\n");
}

/* Rows: identical lines ("same") where the alignment pairs them, the lines
 * between two of them paired up as changed ("chg"), the rest one-sided. */
static int sbs_table(hbuf *b, const lines *a, const lines *k)
{
	size_t na = a->n, nb = k->n, w = nb + 1;
	uint16_t *dp = ln_calloc((na + 1) * w, sizeof(uint16_t));
	if (!dp) return LINEAGE_ENOMEM;
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			dp[i * w + j] = !strcmp(a->v[i], k->v[j]) ? (uint16_t)(dp[(i + 1) * w + j + 1] + 1)
			                : dp[(i + 1) * w + j] >= dp[i * w + j + 1] ? dp[(i + 1) * w + j]
			                                                           : dp[i * w + j + 1];
	size_t same = dp[0];
	pf(b, "<p>%zu of %zu / %zu instructions identical (highlighted)%s.</p>\n", same, a->total, k->total,
	   a->total > na || k->total > nb ? "; the first " SBS_LINES_TEXT " of each shown" : "");
	puts_(b, "<table class=\"sbs\">\n<tr><th></th><th>query</th><th></th><th>known</th></tr>\n");
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && !strcmp(a->v[i], k->v[j]) && dp[i * w + j] == dp[(i + 1) * w + j + 1] + 1) {
			sbs_row(b, "same", a, i++, k, j++);
			continue;
		}
		/* the run up to the next pair on each side */
		size_t i2 = i, j2 = j;
		while (i2 < na || j2 < nb) {
			if (i2 < na && j2 < nb && !strcmp(a->v[i2], k->v[j2]) &&
			    dp[i2 * w + j2] == dp[(i2 + 1) * w + j2 + 1] + 1)
				break;
			if (j2 >= nb || (i2 < na && dp[(i2 + 1) * w + j2] >= dp[i2 * w + j2 + 1]))
				i2++;
			else
				j2++;
		}
		while (i < i2 || j < j2) {
			bool l = i < i2, r = j < j2;
			sbs_row(b, l && r ? "chg" : "one", a, l ? i : SIZE_MAX, k, r ? j : SIZE_MAX);
			i += l;
			j += r;
		}
	}
	puts_(b, "</table>\n");
	ln_free(dp);
	return 0;
}

/* A known sample re-loaded from its stored path, once per page. */
typedef struct known {
	lineage_sample *s;
	char *why; /* why it is not there, or NULL */
	int tried;
} known;

static int load_known(page *p, known *k, const lineage_match_sample *x)
{
	if (k->tried) return 0;
	k->tried = 1;
	char why[1200] = "";
	int rc = 0;
	if (!p->ctx) {
		snprintf(why, sizeof(why), "not loaded (no context given)");
	} else if ((rc = lineage_sample_load_file(&k->s, p->ctx, x->path)) != 0 ||
	           (rc = lineage_sample_analyze(k->s, p->ctx, LINEAGE_ANALYZE_CODE | LINEAGE_ANALYZE_HASHES)) != 0) {
		snprintf(why, sizeof(why), "the file is gone or unreadable: %s", lineage_errmsg(p->ctx));
		lineage_sample_free(k->s);
		k->s = NULL;
		if (rc == LINEAGE_ENOMEM) return rc;
	} else if (strcmp(lineage_sample_hashes(k->s)->sha256, x->sha256) != 0) {
		snprintf(why, sizeof(why), "the file at the stored path is no longer the stored sample (sha256 %s)",
		         lineage_sample_hashes(k->s)->sha256);
		lineage_sample_free(k->s);
		k->s = NULL;
	}
	if (why[0] && !(k->why = ln_strdup(why))) return LINEAGE_ENOMEM;
	return 0;
}

static const lineage_function *function_exactly_at(const lineage_sample *s, uint64_t va)
{
	const lineage_function *fn = lineage_sample_function_at(s, va);
	return fn && fn->address == va ? fn : NULL;
}

static int sbs_one(page *p, known *ks, size_t ei)
{
	hbuf *b = p->b;
	const lineage_match_evidence *e = &p->m->evidence[ei];
	const lineage_match_sample *x = &p->m->samples[e->sample];
	int rc = load_known(p, &ks[e->sample], x);
	if (rc != 0) return rc;
	pf(b, "<article id=\"sbs%zu\"><h3><code>0x%llx</code> ", ei, (unsigned long long)e->query_address);
	esc(b, e->query_name);
	pf(b, " &#x2194; <code>0x%llx</code> ", (unsigned long long)e->known_address);
	esc(b, e->known_name);
	pf(b, "</h3>\n<p><a href=\"#ev%zu\">%s, similarity %.2f, %u instructions</a>; known sample ", ei,
	   e->exact     ? "exact"
	   : e->similar ? "similar"
	                : "near",
	   e->similarity, e->ninsn);
	sample_link(p, e->sample);
	puts_(b, " <code>");
	esc(b, x->path);
	puts_(b, "</code></p>\n");
	const lineage_function *qf = function_exactly_at(p->q, e->query_address);
	const lineage_function *kf = ks[e->sample].s ? function_exactly_at(ks[e->sample].s, e->known_address) : NULL;
	lines a = {0}, k = {0};
	if (!qf) puts_(b, "<p class=\"warn\">The query function is not among the file&#x2019;s functions.</p>\n");
	if (ks[e->sample].why) {
		puts_(b, "<p class=\"warn\">Known function not shown: ");
		esc(b, ks[e->sample].why);
		puts_(b, "</p>\n");
	} else if (!kf) {
		puts_(b, "<p class=\"warn\">Known function not found at that address in the re-analysed sample.</p>\n");
	}
	if (qf) rc = lines_of(&a, lineage_sample_binary(p->q), qf);
	if (!rc && kf) rc = lines_of(&k, lineage_sample_binary(ks[e->sample].s), kf);
	if (!rc && (qf || kf)) rc = sbs_table(b, &a, &k);
	lines_free(&a);
	lines_free(&k);
	puts_(b, "</article>\n");
	return rc;
}

static int sbs_section(page *p)
{
	hbuf *b = p->b;
	const lineage_match *m = p->m;
	puts_(b, "<section id=\"side-by-side\"><h2>Matched functions side by side</h2>\n");
	if (!p->nsbs) {
		puts_(b, "<p>No matched function to show.</p></section>\n");
		return 0;
	}
	puts_(b, "<p class=\"note\">The heaviest functions of ");
	family_link(p, m->evidence[p->sbs[0]].family);
	puts_(b, ": the query&#x2019;s normalized instructions next to the known function&#x2019;s (re-analysed from "
	         "the stored path); identical lines highlighted in green, differing ones in orange.</p>\n");
	known *ks = ln_calloc(m->nsamples ? m->nsamples : 1, sizeof(known));
	if (!ks) return LINEAGE_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < p->nsbs && rc == 0; i++) rc = sbs_one(p, ks, p->sbs[i]);
	for (size_t i = 0; i < m->nsamples; i++) {
		lineage_sample_free(ks[i].s);
		ln_free(ks[i].why);
	}
	ln_free(ks);
	puts_(b, "</section>\n");
	return rc;
}

/* ---- layout: which rows are shown, hence which anchors exist ------------ */

static int plan(page *p)
{
	const lineage_match *m = p->m;
	p->nfam = m->nfamilies < FAMILY_ROWS ? m->nfamilies : FAMILY_ROWS;
	p->vf = m->nfamilies ? 0 : SIZE_MAX;
	for (size_t i = 0; m->verdict && i < m->nfamilies; i++)
		if (!strcmp(lineage_match_family_name(m, &m->families[i]), m->verdict)) {
			p->vf = i;
			break;
		}
	p->rows = ln_calloc(p->nfam * LINEAGE_NAXES + 1, sizeof(size_t));
	p->feed_first = ln_calloc(p->nfam + 1, sizeof(size_t));
	p->sbs = ln_calloc(SBS_FUNCTIONS, sizeof(size_t));
	if (!p->rows || !p->feed_first || !p->sbs) return LINEAGE_ENOMEM;
	for (size_t i = 0; i < m->nevidence; i++) {
		size_t f = m->evidence[i].family;
		if (f < p->nfam && p->rows[f * LINEAGE_NAXES] < CODE_ROWS) p->rows[f * LINEAGE_NAXES]++;
	}
	for (size_t i = 0; i < m->ntraits; i++) {
		int a = trait_axis(&m->traits[i]);
		size_t f = m->traits[i].family;
		if (a > LINEAGE_AXIS_CODE && f < p->nfam && p->rows[f * LINEAGE_NAXES + (size_t)a] < TRAIT_ROWS)
			p->rows[f * LINEAGE_NAXES + (size_t)a]++;
	}
	for (size_t f = 0; f < p->nfam; f++) p->feed_first[f] = SIZE_MAX;
	for (size_t i = m->nfeeds < FEED_ROWS ? m->nfeeds : FEED_ROWS; i-- > 0;)
		if (m->feeds[i].family < p->nfam) p->feed_first[m->feeds[i].family] = i;
	/* the side-by-side views: the verdict's (or the nearest) family's heaviest
	 * functions among the rows shown; library code only when it has no other */
	if (p->vf != SIZE_MAX && p->vf < p->nfam) {
		for (int lib = 0; lib < 2 && !p->nsbs; lib++) {
			size_t k = 0;
			for (size_t i = 0; i < m->nevidence && p->nsbs < SBS_FUNCTIONS; i++) {
				const lineage_match_evidence *e = &m->evidence[i];
				if (e->family != p->vf) continue;
				if (++k > CODE_ROWS) break;
				if (e->library == lib) p->sbs[p->nsbs++] = i;
			}
		}
	}
	return 0;
}

int lineage_report_match_html(char **out, lineage_ctx *ctx, const lineage_sample *q, const lineage_match *m,
                              uint32_t flags)
{
	*out = NULL;
	hbuf b = {0};
	page p = {.b = &b, .ctx = ctx, .q = q, .m = m, .flags = flags};
	int rc = plan(&p);
	if (rc != 0) goto done;
	head_section(&p);
	verdict_section(&p);
	contradictions_section(&p);
	families_section(&p);
	graph_section(&p);
	code_section(&p);
	trait_section(&p, LINEAGE_AXIS_CRYPTO);
	trait_section(&p, LINEAGE_AXIS_DESTRUCTION);
	trait_section(&p, LINEAGE_AXIS_INFRASTRUCTURE);
	feeds_section(&p);
	trait_section(&p, LINEAGE_AXIS_ARTIFACTS);
	rc = sbs_section(&p);
	if (rc != 0) goto done;
	samples_section(&p);
	pf(&b,
	   "<footer><p class=\"note\">Written by lineage %s. This page is self-contained: no script, no network "
	   "access, no external resource.%s</p></footer>\n</body>\n</html>\n",
	   lineage_version(), flags & LINEAGE_REPORT_DEFANG ? " Network indicators are defanged." : "");
	if (b.oom) rc = LINEAGE_ENOMEM;
done:
	ln_free(p.rows);
	ln_free(p.feed_first);
	ln_free(p.sbs);
	if (rc != 0) {
		ln_free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
}
