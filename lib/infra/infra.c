/* The infrastructure stage: indicators in the sample's strings (ASCII and
 * UTF-16LE), named objects and user agents by the API their function passes
 * them to, strings built on the stack by immediate stores, strings decoded
 * with the constant keys of the XOR loops the crypto axis found, and IPv4
 * addresses stored as integers into a socket address before connect(); then
 * the traits the corpus keeps: each indicator (rare ones weigh like key
 * material, well-known services and private ranges like a common
 * algorithm). */
#include "infra.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <Zydis/Zydis.h>

#include "ioc.h"
#include "../core/core.h"
#include "../crypto/crypto.h"
#include "../destruct/destruct.h"
#include "../format/format.h"

#define MAX_PLACES      8 /* places kept per indicator */
#define MAX_XOR_KEYS    8 /* distinct XOR keys tried */
#define MAX_XOR_KEY_LEN 32
#define MAX_XOR_BYTES   (32u << 20) /* bytes decoded per key and phase, all sections */
#define FRAME_SPAN      8192        /* frame displacements tracked: [-4096, 4096) */
#define MAX_FN_INSNS    20000       /* instructions of one function read for stack stores */

/* An indicator at one place, before merging. */
typedef struct raw {
	uint32_t type, flags, port;
	const char *value, *host;
	lineage_ioc_place pl;
} raw;

/* APIs whose arguments say what a string is. */
enum { API_MUTEX = 1, API_AGENT = 2, API_SOCKET = 4 };

typedef struct ix {
	lineage_sample *s;
	const lineage_binary *bin;
	ln_arena *a;
	ln_vec raws;
	bool oom;
	/* the place being scanned: form, function, the text's start */
	lineage_ioc_place cur;
	uint64_t base_off, base_va;
	bool base_has_va, wide;
	const ln_string *str;
	size_t nstr;
	ln_map slots;
	uint8_t *fapis;      /* per function: API_* it calls */
	uint8_t *calleeapis; /* per function: API_* its direct callees call */
	const char **fsock;  /* per function: the socket API it calls (context), or NULL */
	uint64_t deadline;
	ZydisDecoder dec;
	ln_vec pieces; /* uint64_t: file offsets of 16-byte constants copied to the stack out of order */
} ix;

static bool late(const ix *x)
{
	return x->deadline && ln_now_ms() > x->deadline;
}

/* An instruction's file offset, for a place found in code. */
static void place_offset(const ix *x, lineage_ioc_place *pl)
{
	const uint8_t *p;
	uint64_t avail;
	if (pl->has_va && !pl->has_offset && lineage_binary_va_bytes(&p, &avail, x->bin, pl->va) == 0) {
		pl->offset = (uint64_t)(p - x->bin->data);
		pl->has_offset = 1;
	}
}

static int push_raw(ix *x, uint32_t type, uint32_t flags, uint32_t port, const char *value, const char *host,
                    const lineage_ioc_place *pl)
{
	raw *r = ln_vec_push(&x->raws);
	if (!r) return LINEAGE_ENOMEM;
	r->type = type;
	r->flags = flags;
	r->port = port;
	r->value = ln_arena_strdup(x->a, value);
	r->host = host && *host ? ln_arena_strdup(x->a, host) : NULL;
	r->pl = *pl;
	if (!r->value || (host && *host && !r->host)) return LINEAGE_ENOMEM;
	return 0;
}

/* ln_ioc_scan's callback: the indicator at its place in the current text. */
static int on_ioc(const ln_ioc *ioc, void *arg)
{
	ix *x = arg;
	lineage_ioc_place pl = x->cur;
	uint64_t delta = x->wide ? 2 * (uint64_t)ioc->start : ioc->start;
	if (pl.has_offset) pl.offset = x->base_off + delta;
	if (x->base_has_va) {
		pl.va = x->base_va + delta;
		pl.has_va = 1;
	}
	return push_raw(x, ioc->type, ioc->flags, ioc->port, ioc->value, ioc->host, &pl);
}

/* ---- Strings --------------------------------------------------------- */

static long string_at_va(const ix *x, uint64_t va)
{
	return ln_sample_string_at(x->s, va);
}

static int api_kind(const char *api, const char **sock)
{
	static const char *const mutex[] = {"CreateMutexA",   "CreateMutexW", "CreateMutexExA",
	                                    "CreateMutexExW", "OpenMutexA",   "OpenMutexW"};
	static const char *const agent[] = {"InternetOpenA", "InternetOpenW", "WinHttpOpen"};
	static const char *const socket_apis[] = {"connect", "WSAConnect", "sendto",          "WSASendTo",
	                                          "bind",    "inet_ntoa",  "WSAConnectByList"};
	for (size_t i = 0; i < sizeof(mutex) / sizeof(mutex[0]); i++)
		if (!strcmp(api, mutex[i])) return API_MUTEX;
	for (size_t i = 0; i < sizeof(agent) / sizeof(agent[0]); i++)
		if (!strcmp(api, agent[i])) return API_AGENT;
	for (size_t i = 0; i < sizeof(socket_apis) / sizeof(socket_apis[0]); i++)
		if (!strcmp(api, socket_apis[i])) {
			*sock = socket_apis[i];
			return API_SOCKET;
		}
	return 0;
}

/* Which of the APIs above each function calls, and its callees. */
static int map_apis(ix *x)
{
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(x->s, &nf);
	if (!nf) return 0;
	x->fapis = ln_arena_alloc(x->a, nf);
	x->calleeapis = ln_arena_alloc(x->a, nf);
	x->fsock = ln_arena_alloc(x->a, nf * sizeof(*x->fsock));
	if (!x->fapis || !x->calleeapis || !x->fsock) return LINEAGE_ENOMEM;
	char buf[256];
	for (size_t i = 0; i < nf; i++)
		for (uint32_t c = 0; c < fns[i].ncalls; c++) {
			const char *api = ln_call_api(x->s, &x->slots, &fns[i], &fns[i].calls[c], buf, sizeof(buf));
			const char *sock = NULL;
			int k = api ? api_kind(api, &sock) : 0;
			x->fapis[i] |= (uint8_t)k;
			if (sock && !x->fsock[i]) x->fsock[i] = sock;
		}
	for (size_t i = 0; i < nf; i++)
		for (uint32_t c = 0; c < fns[i].ncalls; c++) {
			const lineage_function *g = fns[i].calls[c].target
			                                    ? lineage_sample_function_at(x->s, fns[i].calls[c].target)
			                                    : NULL;
			if (g && g->address == fns[i].calls[c].target) x->calleeapis[i] |= x->fapis[g - fns];
		}
	return 0;
}

/* Strings a mutex or agent API's caller references: they are what it names. */
static int context_strings(ix *x)
{
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(x->s, &nf);
	for (size_t i = 0; i < nf && x->fapis; i++) {
		int k = x->fapis[i] & (API_MUTEX | API_AGENT);
		if (!k) continue;
		const lineage_function *f = &fns[i];
		char buf[256];
		const char *ctxname = NULL;
		for (uint32_t c = 0; c < f->ncalls && !ctxname; c++) {
			const char *api = ln_call_api(x->s, &x->slots, f, &f->calls[c], buf, sizeof(buf));
			const char *sock = NULL;
			if (api && api_kind(api, &sock) & k) ctxname = ln_arena_strdup(x->a, api);
		}
		for (uint32_t n = 0; n < f->nnotes; n++) {
			if (f->notes[n].kind != LINEAGE_NOTE_REF) continue;
			long si = string_at_va(x, f->notes[n].value);
			if (si < 0) continue;
			const ln_string *t = &x->str[si];
			uint64_t want;
			const uint8_t *p;
			uint64_t avail;
			/* the reference is to the string's start */
			if (lineage_binary_va_bytes(&p, &avail, x->bin, f->notes[n].value) != 0) continue;
			want = (uint64_t)(p - x->bin->data);
			/* the string from where it is referenced (the scan may have joined a
			 * byte or two before it) */
			uint64_t skip = (want - t->offset) / (t->wide ? 2 : 1);
			if ((t->wide && (want - t->offset) % 2) || skip >= t->len) continue;
			const char *text = t->text + skip;
			size_t len = t->len - skip;
			if (len < 3 || len > 255) continue;
			ln_ioc ioc;
			uint32_t type = (k & API_MUTEX) ? LN_IOC_MUTEX : LN_IOC_USER_AGENT;
			if (type == LN_IOC_USER_AGENT && (strstr(text, "://") || !strchr(text, '/'))) continue;
			if (type == LN_IOC_MUTEX && (strchr(text, '%') || strstr(text, "://"))) continue;
			if (!ln_ioc_parse(text, (int)type, &ioc)) continue;
			lineage_ioc_place pl = {.form = t->wide ? "utf16" : "ascii",
			                        .offset = want,
			                        .has_offset = 1,
			                        .function = f->address,
			                        .context = ctxname};
			pl.has_va = ln_binary_offset_va(x->bin, want, &pl.va);
			int rc = push_raw(x, type, ioc.flags, 0, ioc.value, NULL, &pl);
			if (rc) return rc;
		}
	}
	return 0;
}

/* The function referencing each string first (string index -> function address). */
static int string_users(ix *x, uint64_t **users)
{
	*users = NULL;
	if (!x->nstr) return 0;
	uint64_t *u = ln_arena_alloc(x->a, x->nstr * sizeof(uint64_t));
	if (!u) return LINEAGE_ENOMEM;
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(x->s, &nf);
	for (size_t i = 0; i < nf; i++)
		for (uint32_t n = 0; n < fns[i].nnotes; n++)
			if (fns[i].notes[n].kind == LINEAGE_NOTE_REF) {
				long si = string_at_va(x, fns[i].notes[n].value);
				if (si >= 0 && !u[si]) u[si] = fns[i].address;
			}
	*users = u;
	return 0;
}

/* How a string at a file offset is read: 0 normally; strict in code (bytes
 * of instructions, immediates split across them); -1 in a vector constant
 * pool (.rodata.cst16: pieces of strings copied to the stack, adjacent by
 * chance). */
static int string_place(const ix *x, uint64_t off)
{
	for (size_t i = 0; i < x->bin->nsections; i++) {
		const lineage_section *sec = &x->bin->sections[i];
		if (off < sec->offset || off - sec->offset >= sec->size) continue;
		if (sec->name && (!strncmp(sec->name, ".rodata.cst", 11) || !strncmp(sec->name, ".literal", 8)))
			return -1;
		if (sec->flags & (LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE)) return LN_IOC_SCAN_STRICT;
		return 0;
	}
	return 0;
}

/* The string holds a 16-byte constant that the code copies out of order. */
static bool holds_piece(const ix *x, const ln_string *t)
{
	size_t i = ln_lower_u64(x->pieces.items, x->pieces.len, t->offset);
	return i < x->pieces.len && LN_VEC_AT(&x->pieces, uint64_t, i) - t->offset < t->size;
}

static int scan_strings(ix *x, size_t min_len)
{
	uint64_t *users;
	int rc = string_users(x, &users);
	bool mutex_names = false; /* Global\ and Local\ names: mutexes when the file can make them */
	for (size_t i = 0; i < x->bin->nimports; i++)
		if (x->bin->imports[i].name && !strncmp(x->bin->imports[i].name, "CreateMutex", 11)) mutex_names = true;
	for (size_t i = 0; rc == 0 && i < x->nstr; i++) {
		const ln_string *t = &x->str[i];
		if (t->len < min_len) continue;
		if ((i & 1023) == 0 && late(x)) break;
		x->cur = (lineage_ioc_place){.form = t->wide ? "utf16" : "ascii", .has_offset = 1};
		x->cur.function = users ? users[i] : 0;
		x->base_off = t->offset;
		x->base_has_va = ln_binary_offset_va(x->bin, t->offset, &x->base_va);
		x->wide = t->wide;
		int how = string_place(x, t->offset);
		if (how < 0 || holds_piece(x, t)) continue;
		rc = ln_ioc_scan(t->text, t->len, (unsigned)how, on_ioc, x);
		if (rc == 0 && mutex_names && (!strncmp(t->text, "Global\\", 7) || !strncmp(t->text, "Local\\", 6)) &&
		    t->len < 256) {
			ln_ioc ioc;
			if (ln_ioc_parse(t->text, LN_IOC_MUTEX, &ioc)) {
				lineage_ioc_place pl = x->cur;
				pl.offset = t->offset;
				pl.va = x->base_va;
				pl.has_va = x->base_has_va;
				rc = push_raw(x, LN_IOC_MUTEX, ioc.flags, 0, ioc.value, NULL, &pl);
			}
		}
	}
	return rc;
}

/* ---- Stack strings and socket addresses ------------------------------ */

typedef struct reg_val {
	uint64_t v;
	bool known;
	uint64_t va; /* the instruction that carries the constant */
} reg_val;

typedef struct store {
	int base; /* 0 stack pointer, 1 frame pointer */
	int32_t disp;
	uint32_t size;
	uint64_t value; /* the low 8 bytes */
	uint64_t va;
} store;

typedef struct vstore {
	int base;
	int64_t disp;
	uint64_t src;
} vstore;

typedef struct frame {
	uint8_t bytes[2][FRAME_SPAN];
	uint8_t set[2][FRAME_SPAN];
	uint64_t va[2][FRAME_SPAN];
	int lo[2], hi[2]; /* touched range */
	reg_val gpr[32];  /* by Zydis register id of the widest register - RAX */
	uint8_t xmm[16][16];
	uint64_t xmm_src[16]; /* the address it was loaded from */
	bool xmm_known[16];
	ln_vec vstores; /* vstore: 16-byte constants stored to the frame */
	ln_vec stores;
	uint64_t last_push, last_push_va;
	bool last_push_known;
} frame;

static int gpr_index(const ix *x, ZydisRegister r)
{
	ZydisRegister w = ZydisRegisterGetLargestEnclosing(x->dec.machine_mode, r);
	if (w >= ZYDIS_REGISTER_RAX && w <= ZYDIS_REGISTER_R15) return (int)(w - ZYDIS_REGISTER_RAX);
	if (w >= ZYDIS_REGISTER_EAX && w <= ZYDIS_REGISTER_EDI) return (int)(w - ZYDIS_REGISTER_EAX);
	return -1;
}

static int xmm_index(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15) return (int)(r - ZYDIS_REGISTER_XMM0);
	return -1;
}

static int frame_base(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_RSP:
	case ZYDIS_REGISTER_ESP: return 0;
	case ZYDIS_REGISTER_RBP:
	case ZYDIS_REGISTER_EBP: return 1;
	default: return -1;
	}
}

static void frame_write(frame *fr, int base, int64_t disp, const uint8_t *p, uint32_t n, uint64_t va)
{
	for (uint32_t i = 0; i < n; i++) {
		int64_t k = disp + i + FRAME_SPAN / 2;
		if (k < 0 || k >= FRAME_SPAN) continue;
		fr->bytes[base][k] = p[i];
		fr->set[base][k] = 1;
		fr->va[base][k] = va;
		if ((int)k < fr->lo[base]) fr->lo[base] = (int)k;
		if ((int)k >= fr->hi[base]) fr->hi[base] = (int)k + 1;
	}
}

static void clobber_call(frame *fr)
{
	static const int volatile_regs[] = {0, 1, 2, 6, 7, 8, 9, 10, 11}; /* rax rcx rdx rsi rdi r8-r11 */
	for (size_t i = 0; i < sizeof(volatile_regs) / sizeof(volatile_regs[0]); i++)
		fr->gpr[volatile_regs[i]].known = false;
	memset(fr->xmm_known, 0, sizeof(fr->xmm_known));
}

static bool byteswap_call(const char *api, int *bits)
{
	if (!strcmp(api, "htonl") || !strcmp(api, "ntohl")) {
		*bits = 32;
		return true;
	}
	if (!strcmp(api, "htons") || !strcmp(api, "ntohs")) {
		*bits = 16;
		return true;
	}
	return false;
}

static uint64_t bswap_n(uint64_t v, int bits)
{
	return bits == 16 ? (uint64_t)__builtin_bswap16((uint16_t)v) : (uint64_t)__builtin_bswap32((uint32_t)v);
}

/* One decoded instruction's effect on the tracked registers and frame. */
static void step(ix *x, frame *fr, const lineage_function *f, const ZydisDecodedInstruction *zi,
                 const ZydisDecodedOperand *o, uint64_t va)
{
	ZydisMnemonic m = zi->mnemonic;
	uint8_t nops = zi->operand_count_visible;
	if (m == ZYDIS_MNEMONIC_CALL) {
		char buf[256];
		const char *api = NULL;
		uint32_t lo = 0, hi = f->ncalls; /* calls are sorted by site */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (f->calls[mid].site < va)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < f->ncalls && f->calls[lo].site == va)
			api = ln_call_api(x->s, &x->slots, f, &f->calls[lo], buf, sizeof(buf));
		int bits;
		reg_val arg = {0, false, 0};
		if (api && byteswap_call(api, &bits)) {
			if (x->bin->bits == 32)
				arg = (reg_val){fr->last_push, fr->last_push_known, fr->last_push_va};
			else
				arg = x->bin->format == LINEAGE_FORMAT_PE ? fr->gpr[1] : fr->gpr[7]; /* rcx / rdi */
		}
		clobber_call(fr);
		if (arg.known) fr->gpr[0] = (reg_val){bswap_n(arg.v, bits), true, arg.va};
		fr->last_push_known = false;
		return;
	}
	if (m == ZYDIS_MNEMONIC_PUSH && nops >= 1) {
		fr->last_push_known = o[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
		fr->last_push = o[0].imm.value.u & 0xffffffffu;
		fr->last_push_va = va;
		return;
	}
	if (nops < 1) return;
	const ZydisDecodedOperand *d = &o[0];
	if (d->type == ZYDIS_OPERAND_TYPE_REGISTER) {
		int g = gpr_index(x, d->reg.value), v = xmm_index(d->reg.value);
		if (g >= 0) {
			reg_val nv = {0, false, 0};
			if ((m == ZYDIS_MNEMONIC_MOV) && nops >= 2) {
				if (o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
					nv = (reg_val){o[1].imm.value.u, true, va};
				else if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER && gpr_index(x, o[1].reg.value) >= 0)
					nv = fr->gpr[gpr_index(x, o[1].reg.value)];
			} else if (m == ZYDIS_MNEMONIC_XOR && nops >= 2 && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			           o[1].reg.value == d->reg.value) {
				nv = (reg_val){0, true, va};
			}
			if (nv.known && d->size < 64) nv.v &= d->size == 32 ? 0xffffffffu : (1ull << d->size) - 1;
			if (d->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) fr->gpr[g] = nv;
		} else if (v >= 0 && (d->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) {
			fr->xmm_known[v] = false;
			bool vmov = m == ZYDIS_MNEMONIC_MOVDQA || m == ZYDIS_MNEMONIC_MOVDQU ||
			            m == ZYDIS_MNEMONIC_MOVAPS || m == ZYDIS_MNEMONIC_MOVUPS ||
			            m == ZYDIS_MNEMONIC_VMOVDQA || m == ZYDIS_MNEMONIC_VMOVDQU ||
			            m == ZYDIS_MNEMONIC_VMOVAPS || m == ZYDIS_MNEMONIC_VMOVUPS;
			if (vmov && nops >= 2 && o[1].type == ZYDIS_OPERAND_TYPE_MEMORY && d->size == 128) {
				ZyanU64 addr;
				const uint8_t *p;
				uint64_t avail;
				if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(zi, &o[1], va, &addr)) &&
				    (o[1].mem.base == ZYDIS_REGISTER_RIP || o[1].mem.base == ZYDIS_REGISTER_NONE) &&
				    o[1].mem.index == ZYDIS_REGISTER_NONE &&
				    lineage_binary_va_bytes(&p, &avail, x->bin, addr) == 0 && avail >= 16) {
					memcpy(fr->xmm[v], p, 16);
					fr->xmm_src[v] = addr;
					fr->xmm_known[v] = true;
				}
			}
		}
		return;
	}
	if (d->type != ZYDIS_OPERAND_TYPE_MEMORY || nops < 2 || !(d->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) return;
	int base = frame_base(d->mem.base);
	if (base < 0 || d->mem.index != ZYDIS_REGISTER_NONE) return;
	bool mov = m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVDQA || m == ZYDIS_MNEMONIC_MOVDQU ||
	           m == ZYDIS_MNEMONIC_MOVAPS || m == ZYDIS_MNEMONIC_MOVUPS || m == ZYDIS_MNEMONIC_VMOVDQA ||
	           m == ZYDIS_MNEMONIC_VMOVDQU || m == ZYDIS_MNEMONIC_VMOVAPS || m == ZYDIS_MNEMONIC_VMOVUPS;
	if (!mov) return;
	uint8_t bytes[16];
	uint64_t origin = va; /* where the constant is in the code */
	uint32_t n = d->size / 8;
	if (n == 0 || n > 16) return;
	if (o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && n <= 8) {
		uint64_t v = o[1].imm.value.u;
		memcpy(bytes, &v, 8);
	} else if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER && gpr_index(x, o[1].reg.value) >= 0 && n <= 8) {
		reg_val r = fr->gpr[gpr_index(x, o[1].reg.value)];
		if (!r.known) return;
		memcpy(bytes, &r.v, 8);
		origin = r.va;
	} else if (o[1].type == ZYDIS_OPERAND_TYPE_REGISTER && xmm_index(o[1].reg.value) >= 0 && n == 16) {
		int v = xmm_index(o[1].reg.value);
		if (!fr->xmm_known[v]) return;
		memcpy(bytes, fr->xmm[v], 16);
		vstore *vs = ln_vec_push(&fr->vstores);
		if (!vs) {
			x->oom = true;
			return;
		}
		*vs = (vstore){base, d->mem.disp.has_displacement ? d->mem.disp.value : 0, fr->xmm_src[v]};
	} else {
		return;
	}
	int64_t disp = d->mem.disp.has_displacement ? d->mem.disp.value : 0;
	if (x->bin->bits == 32 && base == 0 && disp == 0 && n == 4) { /* the first argument's slot */
		uint32_t v32;
		memcpy(&v32, bytes, 4);
		fr->last_push = v32;
		fr->last_push_known = true;
		fr->last_push_va = origin;
	}
	frame_write(fr, base, disp, bytes, n, va);
	store *st = ln_vec_push(&fr->stores);
	if (!st) {
		x->oom = true;
		return;
	}
	uint64_t low = 0;
	memcpy(&low, bytes, n < 8 ? n : 8);
	*st = (store){base, (int32_t)disp, n, low, origin};
}

/* Texts of the frame: runs of printable bytes (and UTF-16LE runs). */
static int frame_strings(ix *x, frame *fr, const lineage_function *f)
{
	char text[FRAME_SPAN / 2 + 1];
	for (int b = 0; b < 2; b++) {
		for (int i = fr->lo[b]; i < fr->hi[b];) {
			if (!fr->set[b][i] || fr->bytes[b][i] < 0x20 || fr->bytes[b][i] > 0x7e) {
				i++;
				continue;
			}
			bool wide = i + 1 < fr->hi[b] && fr->set[b][i + 1] && fr->bytes[b][i + 1] == 0;
			int step_n = wide ? 2 : 1, j = i;
			size_t n = 0;
			while (j + step_n - 1 < fr->hi[b] && fr->set[b][j] && fr->bytes[b][j] >= 0x20 &&
			       fr->bytes[b][j] <= 0x7e && (!wide || (fr->set[b][j + 1] && fr->bytes[b][j + 1] == 0)) &&
			       n < sizeof(text) - 1) {
				text[n++] = (char)fr->bytes[b][j];
				j += step_n;
			}
			text[n] = 0;
			if (n >= 6) {
				x->cur = (lineage_ioc_place){.form = "stack", .function = f->address};
				x->base_has_va = false;
				x->wide = false;
				size_t before = x->raws.len;
				int rc = ln_ioc_scan(text, n, LN_IOC_SCAN_STRICT, on_ioc, x);
				if (rc) return rc;
				for (size_t k = before; k < x->raws.len;
				     k++) { /* the store that wrote the first byte */
					raw *r = &LN_VEC_AT(&x->raws, raw, k);
					r->pl.va = fr->va[b][i];
					r->pl.has_va = 1;
					place_offset(x, &r->pl);
				}
			}
			i = j > i ? j : i + 1;
		}
	}
	return 0;
}

static const store *store_at(const frame *fr, int base, int64_t disp, uint32_t size)
{
	const store *st = fr->stores.items;
	const store *hit = NULL;
	for (size_t i = 0; i < fr->stores.len; i++)
		if (st[i].base == base && st[i].disp == disp && st[i].size == size) hit = &st[i]; /* the last one */
	return hit;
}

/* struct sockaddr_in written by constants: family 2, port, address. */
static int socket_addresses(ix *x, frame *fr, const lineage_function *f, const char *sock)
{
	const store *st = fr->stores.items;
	if (fr->stores.len > 4096) return 0; /* not a function that fills in one address */
	for (size_t i = 0; i < fr->stores.len; i++) {
		if ((st[i].value & 0xffff) != 2 ||
		    (st[i].size != 2 && st[i].size != 4 && st[i].size != 8 && st[i].size != 16))
			continue;
		if (st[i].size == 4 && st[i].value == 2) continue; /* an int 2 (socket()'s AF_INET argument), no port */
		uint32_t port = 0, addr = 0;
		bool have_addr = false;
		uint64_t va = st[i].va;
		if (st[i].size >= 4) port = __builtin_bswap16((uint16_t)(st[i].value >> 16));
		if (st[i].size >= 8) {
			addr = (uint32_t)(st[i].value >> 32);
			have_addr = true;
		}
		if (st[i].size == 2) {
			const store *p = store_at(fr, st[i].base, st[i].disp + 2, 2);
			if (p) port = __builtin_bswap16((uint16_t)p->value);
		}
		if (!have_addr) {
			const store *a = store_at(fr, st[i].base, st[i].disp + 4, 4);
			if (a) {
				addr = (uint32_t)a->value;
				have_addr = true;
				va = a->va;
			}
		}
		if (!have_addr) continue;
		/* network order in memory: the first byte is the first number */
		uint8_t b0 = addr & 0xff, b1 = (addr >> 8) & 0xff, b2 = (addr >> 16) & 0xff, b3 = addr >> 24;
		if (b0 == 0 || b0 >= 224 || (b1 | b2 | b3) == 0) continue; /* no host, or a network's number */
		char text[32];
		snprintf(text, sizeof(text), "%u.%u.%u.%u", b0, b1, b2, b3);
		ln_ioc ioc;
		if (!ln_ioc_parse(text, LN_IOC_IPV4, &ioc)) continue;
		lineage_ioc_place pl = {
		        .form = "integer", .va = va, .has_va = 1, .function = f->address, .context = sock};
		place_offset(x, &pl);
		int rc = push_raw(x, LN_IOC_IPV4, ioc.flags, port, ioc.value, NULL, &pl);
		if (rc) return rc;
	}
	return 0;
}

/* Bytes of a function that look like stores of immediates to the frame
 * (C6/C7 with a [rbp+d] or [rsp+d] operand) or a 64-bit immediate with
 * printable bytes: worth decoding for stack strings. */
static bool stack_store_candidate(const ix *x, const lineage_function *f)
{
	unsigned hits = 0;
	for (uint32_t b = 0; b < f->nblocks; b++) {
		const uint8_t *p;
		uint64_t avail;
		if (lineage_binary_va_bytes(&p, &avail, x->bin, f->blocks[b].start) != 0) continue;
		uint64_t n = f->blocks[b].size < avail ? f->blocks[b].size : avail;
		for (uint64_t i = 0; i + 2 < n; i++) {
			if ((p[i] == 0xc6 || p[i] == 0xc7) &&
			    (p[i + 1] == 0x45 || p[i + 1] == 0x85 ||
			     ((p[i + 1] == 0x44 || p[i + 1] == 0x84) && p[i + 2] == 0x24)))
				hits++;
			else if ((p[i] == 0x48 || p[i] == 0x49) && p[i + 1] >= 0xb8 && p[i + 1] <= 0xbf &&
			         i + 10 <= n) {
				unsigned pr = 0;
				for (int k = 2; k < 10; k++) pr += p[i + k] >= 0x20 && p[i + k] <= 0x7e;
				if (pr >= 6) hits += 4;
			} else if (p[i] == 0x0f && (p[i + 1] == 0x28 || p[i + 1] == 0x10 || p[i + 1] == 0x6f) &&
			           (p[i + 2] & 0xc7) == 0x05 && i + 7 <= n) {
				/* a 16-byte load of constant data (movaps/movups/movdqa xmm, [rip+d]):
				 * a string's piece on its way to the stack when it reads as text */
				int32_t d;
				memcpy(&d, p + i + 3, 4);
				uint64_t at = x->bin->bits == 64 ? f->blocks[b].start + i + 7 + (uint64_t)(int64_t)d
				                                 : (uint64_t)(uint32_t)d;
				const uint8_t *q;
				uint64_t qa;
				unsigned pr = 0;
				if (lineage_binary_va_bytes(&q, &qa, x->bin, at) == 0 && qa >= 16)
					for (int k = 0; k < 16; k++) pr += q[k] >= 0x20 && q[k] <= 0x7e;
				if (pr >= 12) hits += 4;
			}
			if (hits >= 4) return true;
		}
	}
	return false;
}

static int scan_code(ix *x)
{
	size_t nf;
	const lineage_function *fns = lineage_sample_functions(x->s, &nf);
	if (!nf || (x->bin->arch != LINEAGE_ARCH_X86 && x->bin->arch != LINEAGE_ARCH_X86_64)) return 0;
	frame *fr = ln_calloc(1, sizeof(*fr));
	if (!fr) return LINEAGE_ENOMEM;
	ln_vec_init(&fr->stores, sizeof(store));
	ln_vec_init(&fr->vstores, sizeof(vstore));
	for (int b = 0; b < 2; b++) fr->lo[b] = FRAME_SPAN, fr->hi[b] = 0;
	int rc = 0;
	for (size_t i = 0; i < nf && rc == 0 && !x->oom; i++) {
		const lineage_function *f = &fns[i];
		if (f->flags & (LINEAGE_FUNC_THUNK | LINEAGE_FUNC_LIBRARY)) continue;
		if ((i & 255) == 0 && late(x)) break;
		bool sock = x->fapis && ((x->fapis[i] | x->calleeapis[i]) & API_SOCKET);
		if (!sock && !stack_store_candidate(x, f)) continue;
		memset(fr->gpr, 0, sizeof(fr->gpr));
		memset(fr->xmm_known, 0, sizeof(fr->xmm_known));
		fr->last_push_known = false;
		ln_vec_clear(&fr->stores);
		ln_vec_clear(&fr->vstores);
		uint32_t decoded = 0;
		for (uint32_t b = 0; b < f->nblocks && decoded < MAX_FN_INSNS; b++) {
			const uint8_t *p;
			uint64_t avail;
			if (lineage_binary_va_bytes(&p, &avail, x->bin, f->blocks[b].start) != 0) continue;
			uint64_t len = f->blocks[b].size < avail ? f->blocks[b].size : avail, off = 0;
			ZydisDecodedInstruction zi;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			while (off < len && decoded < MAX_FN_INSNS) {
				if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&x->dec, p + off, len - off, &zi, ops))) break;
				step(x, fr, f, &zi, ops, f->blocks[b].start + off);
				off += zi.length;
				decoded++;
			}
		}
		rc = frame_strings(x, fr, f);
		/* 16-byte constants stored at other distances than they lie apart in
		 * the file: pieces of one string (gcc copies "...28 bytes" as [0,16)
		 * and [12,28)); the file's bytes read as a string that never exists */
		const vstore *vs = fr->vstores.items;
		for (size_t a = 0; a < fr->vstores.len && rc == 0; a++)
			for (size_t b = a + 1; b < fr->vstores.len; b++) {
				if (vs[a].base != vs[b].base || vs[b].src - vs[a].src + 32 > 64) continue;
				if ((int64_t)(vs[b].src - vs[a].src) == vs[b].disp - vs[a].disp) continue;
				const uint8_t *p;
				uint64_t avail;
				for (int k = 0; k < 2; k++) {
					uint64_t src = k ? vs[b].src : vs[a].src;
					uint64_t *o = lineage_binary_va_bytes(&p, &avail, x->bin, src) == 0
					                      ? ln_vec_push(&x->pieces)
					                      : NULL;
					if (o) *o = (uint64_t)(p - x->bin->data);
				}
			}
		if (rc == 0 && sock) {
			const char *ctxname = x->fsock[i];
			if (!ctxname) /* a callee makes the call */
				for (uint32_t c = 0; c < f->ncalls && !ctxname; c++) {
					const lineage_function *g =
					        lineage_sample_function_at(x->s, f->calls[c].target);
					if (g && g->address == f->calls[c].target) ctxname = x->fsock[g - fns];
				}
			rc = socket_addresses(x, fr, f, ctxname);
		}
		for (int b = 0; b < 2; b++) {
			if (fr->hi[b] > fr->lo[b]) memset(fr->set[b] + fr->lo[b], 0, (size_t)(fr->hi[b] - fr->lo[b]));
			fr->lo[b] = FRAME_SPAN, fr->hi[b] = 0;
		}
	}
	if (x->oom && rc == 0) rc = LINEAGE_ENOMEM;
	ln_vec_free(&fr->stores);
	ln_vec_free(&fr->vstores);
	ln_free(fr);
	return rc;
}

/* ---- XOR-encoded strings --------------------------------------------- */

static int unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h);
	if (n % 2 || n / 2 > cap || !n) return 0;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1) return 0;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* File offsets of the data the code references, sorted: where data objects
 * start. A decoded string ends where the next object starts. */
static uint64_t *data_refs(ix *x, size_t *count)
{
	*count = 0;
	size_t nf, n = 0;
	const lineage_function *fns = lineage_sample_functions(x->s, &nf);
	for (size_t i = 0; i < nf; i++)
		for (uint32_t k = 0; k < fns[i].nnotes; k++) n += fns[i].notes[k].kind == LINEAGE_NOTE_REF;
	uint64_t *r = ln_malloc((n ? n : 1) * sizeof(uint64_t));
	if (!r) return NULL;
	n = 0;
	for (size_t i = 0; i < nf; i++)
		for (uint32_t k = 0; k < fns[i].nnotes; k++) {
			const uint8_t *p;
			uint64_t avail;
			if (fns[i].notes[k].kind == LINEAGE_NOTE_REF &&
			    lineage_binary_va_bytes(&p, &avail, x->bin, fns[i].notes[k].value) == 0)
				r[n++] = (uint64_t)(p - x->bin->data);
		}
	ln_sort(r, n, sizeof(uint64_t), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || r[k - 1] != r[i]) r[k++] = r[i];
	*count = k;
	return r;
}

/* Some reference falls in [off, off + size). */
static bool refs_within(const uint64_t *refs, size_t nrefs, uint64_t off, uint64_t size)
{
	size_t i = ln_lower_u64(refs, nrefs, off);
	return i < nrefs && refs[i] - off < size;
}

/* Scan one decoded string, split where referenced data objects start. */
static int scan_decoded(ix *x, const ln_string *t, uint64_t base, const uint64_t *refs, size_t nrefs)
{
	uint64_t start = base + t->offset, end = start + t->size;
	size_t lo = ln_lower_u64(refs, nrefs, start + 1); /* the first reference after the string's start */
	uint64_t from = start;
	for (size_t k = lo;; k++) {
		uint64_t to = k < nrefs && refs[k] < end ? refs[k] : end;
		size_t unit = t->wide ? 2 : 1, a = (size_t)((from - start) / unit), b = (size_t)((to - start) / unit);
		if (b > t->len) b = t->len;
		if (b > a && b - a >= 6) {
			x->base_off = from;
			x->base_has_va = ln_binary_offset_va(x->bin, from, &x->base_va);
			x->wide = t->wide;
			int rc = ln_ioc_scan(t->text + a, b - a, LN_IOC_SCAN_STRICT, on_ioc, x);
			if (rc) return rc;
		}
		if (to >= end) return 0;
		from = to;
	}
}

/* Decode the sections that hold data with each key the crypto axis found in
 * an XOR loop, at each phase of the key, and look for indicators in what
 * reads as text. Bytes that are 0 stay 0 (padding between objects, and a
 * string's end), and a string ends where the code references the next data
 * object. */
static int scan_xor(ix *x)
{
	size_t nc;
	const lineage_crypto_finding *cf = lineage_sample_crypto(x->s, &nc);
	const char *keys[MAX_XOR_KEYS];
	size_t nkeys = 0;
	for (size_t i = 0; i < nc && nkeys < MAX_XOR_KEYS; i++) {
		if (strcmp(cf[i].family, "xor") || !cf[i].value) continue;
		bool dup = false;
		for (size_t k = 0; k < nkeys; k++) dup |= !strcmp(keys[k], cf[i].value);
		if (!dup) keys[nkeys++] = cf[i].value;
	}
	if (!nkeys) return 0;
	size_t nrefs;
	uint64_t *refs = data_refs(x, &nrefs);
	if (!refs) return LINEAGE_ENOMEM;
	int rc = 0;
	for (size_t k = 0; k < nkeys && rc == 0; k++) {
		uint8_t key[MAX_XOR_KEY_LEN];
		int klen = unhex(keys[k], key, sizeof(key));
		if (!klen) continue;
		for (int phase = 0; phase < klen && rc == 0; phase++) {
			uint64_t budget = MAX_XOR_BYTES;
			for (size_t si = 0; si < x->bin->nsections && rc == 0 && budget; si++) {
				const lineage_section *sec = &x->bin->sections[si];
				if ((sec->flags & (LINEAGE_SEC_EXEC | LINEAGE_SEC_CODE)) || !sec->size ||
				    sec->offset >= x->bin->size)
					continue;
				if (!refs_within(refs, nrefs, sec->offset, sec->size)) continue; /* data no code uses */
				if (late(x)) break;
				uint64_t n = sec->size < budget ? sec->size : budget;
				if (n > x->bin->size - sec->offset) n = x->bin->size - sec->offset;
				budget -= n;
				uint8_t *dec = ln_malloc(n ? n : 1);
				ln_arena *tmp = ln_arena_new();
				if (!dec || !tmp) {
					ln_free(dec);
					ln_arena_free(tmp);
					rc = LINEAGE_ENOMEM;
					break;
				}
				const uint8_t *src = x->bin->data + sec->offset;
				for (uint64_t i = 0; i < n; i++)
					dec[i] = src[i] ? src[i] ^ key[(i + (uint64_t)phase) % (uint64_t)klen] : 0;
				ln_string *strs;
				size_t ns;
				bool trunc;
				if (!ln_strings_scan(&strs, &ns, &trunc, dec, (size_t)n, 6, 1u << 16, tmp))
					rc = LINEAGE_ENOMEM;
				for (size_t i = 0; rc == 0 && i < ns; i++) {
					x->cur = (lineage_ioc_place){.form = "xor", .has_offset = 1, .key = keys[k]};
					rc = scan_decoded(x, &strs[i], sec->offset, refs, nrefs);
				}
				ln_arena_free(tmp);
				ln_free(dec);
			}
		}
	}
	ln_free(refs);
	return rc;
}

/* ---- Merging and traits ---------------------------------------------- */

static int cmp_raw(const void *a, const void *b)
{
	const raw *x = a, *y = b;
	if (x->type != y->type) return x->type < y->type ? -1 : 1;
	int r = strcmp(x->value, y->value);
	if (r) return r;
	if (x->port != y->port) return x->port < y->port ? -1 : 1;
	bool xo = x->pl.has_offset, yo = y->pl.has_offset;
	if (xo != yo) return xo ? -1 : 1;
	if (x->pl.offset != y->pl.offset) return x->pl.offset < y->pl.offset ? -1 : 1;
	return x->pl.va < y->pl.va ? -1 : x->pl.va > y->pl.va;
}

static uint32_t trait_kind(const lineage_indicator *in)
{
	if (in->flags & (LINEAGE_IOC_PRIVATE | LINEAGE_IOC_LOOPBACK | LINEAGE_IOC_LINKLOCAL | LINEAGE_IOC_MULTICAST |
	                 LINEAGE_IOC_RESERVED | LINEAGE_IOC_COMMON))
		return LINEAGE_TRAIT_COMMON;
	return strcmp(in->type, "user-agent") ? LINEAGE_TRAIT_MATERIAL : LINEAGE_TRAIT_VARIANT;
}

static const char *host_type(const char *host)
{
	ln_ioc h;
	if (ln_ioc_parse(host, LN_IOC_IPV4, &h)) return "ipv4";
	if (ln_ioc_parse(host, LN_IOC_IPV6, &h)) return "ipv6";
	return "domain";
}

static int draw_traits(lineage_sample *s, const lineage_indicator *ind, size_t n)
{
	ln_vec v;
	ln_vec_init(&v, sizeof(lineage_trait));
	char token[1100], detail[1100];
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const lineage_indicator *in = &ind[i];
		uint32_t kind = trait_kind(in);
		const char *form = in->nplaces ? in->places[0].form : "ascii";
		snprintf(token, sizeof(token), "infra:%s:%s", in->type, in->value);
		if (in->port)
			snprintf(detail, sizeof(detail), "%s %s port %u (%s)", in->type, in->value, in->port, form);
		else
			snprintf(detail, sizeof(detail), "%s %s (%s)", in->type, in->value, form);
		ok = ln_trait_push(&v, s->arena, "infrastructure", kind, token, detail);
		if (ok && in->host) { /* the host of a URL or e-mail meets the same host written alone */
			/* a mail domain is often a public mail service: it says less than the address */
			uint32_t hk = strcmp(in->type, "email") || kind == LINEAGE_TRAIT_COMMON ? kind
			                                                                        : LINEAGE_TRAIT_VARIANT;
			snprintf(token, sizeof(token), "infra:%s:%s", host_type(in->host), in->host);
			snprintf(detail, sizeof(detail), "host %s (in %s)", in->host,
			         strcmp(in->type, "url") ? "an e-mail address" : "a URL");
			ok = ln_trait_push(&v, s->arena, "infrastructure", hk, token, detail);
		}
		const char *h = in->host ? in->host : in->value;
		if (ok && in->registrable && strcmp(in->registrable, h) && kind != LINEAGE_TRAIT_COMMON &&
		    !(in->flags & LINEAGE_IOC_DOC)) {
			snprintf(token, sizeof(token), "infra:registrable:%s", in->registrable);
			snprintf(detail, sizeof(detail), "registrable domain %s (of %s)", in->registrable, h);
			ok = ln_trait_push(&v, s->arena, "infrastructure", LINEAGE_TRAIT_VARIANT, token, detail);
		}
	}
	int rc = ok ? ln_sample_add_traits(s, v.items, v.len) : LINEAGE_ENOMEM;
	ln_vec_free(&v);
	return rc;
}

static int merge(ix *x)
{
	raw *r = x->raws.items;
	size_t n = x->raws.len;
	ln_sort(r, n, sizeof(raw), cmp_raw);
	ln_vec out;
	ln_vec_init(&out, sizeof(lineage_indicator));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t j = i;
		while (j < n && r[j].type == r[i].type && r[j].port == r[i].port && !strcmp(r[j].value, r[i].value))
			j++;
		lineage_indicator *in = ln_vec_push(&out);
		size_t keep = j - i < MAX_PLACES ? j - i : MAX_PLACES;
		lineage_ioc_place *pl = in ? ln_arena_alloc(x->a, keep * sizeof(*pl)) : NULL;
		if (!in || !pl) {
			rc = LINEAGE_ENOMEM;
			break;
		}
		memset(in, 0, sizeof(*in));
		in->type = ln_ioc_type_name(r[i].type);
		in->value = r[i].value;
		in->port = r[i].port;
		for (size_t k = i; k < j; k++) {
			in->flags |= r[k].flags;
			if (!in->host && r[k].host) in->host = r[k].host;
		}
		/* the places: one of each form first, then file order */
		size_t np = 0;
		for (size_t k = i; k < j && np < keep; k++) {
			bool seen = false;
			for (size_t q = 0; q < np; q++) seen |= !strcmp(pl[q].form, r[k].pl.form);
			if (!seen) pl[np++] = r[k].pl;
		}
		/* one place found twice (a string, and the string an API gets): what each knows */
		for (size_t k = i; k < j; k++)
			for (size_t q = 0; q < np; q++)
				if (!strcmp(pl[q].form, r[k].pl.form) && pl[q].offset == r[k].pl.offset &&
				    pl[q].va == r[k].pl.va) {
					if (!pl[q].context) pl[q].context = r[k].pl.context;
					if (!pl[q].function) pl[q].function = r[k].pl.function;
				}
		for (size_t k = i; k < j && np < keep; k++) {
			bool taken = false;
			for (size_t q = 0; q < np; q++)
				taken |= !strcmp(pl[q].form, r[k].pl.form) && pl[q].offset == r[k].pl.offset &&
				         pl[q].va == r[k].pl.va;
			if (!taken) pl[np++] = r[k].pl;
		}
		in->places = pl;
		in->nplaces = np;
		in->count = 0; /* distinct places */
		for (size_t k = i; k < j; k++)
			in->count += k == i || strcmp(r[k].pl.form, r[k - 1].pl.form) ||
			             r[k].pl.offset != r[k - 1].pl.offset || r[k].pl.va != r[k - 1].pl.va;
		const char *h = in->host ? in->host : (r[i].type == LN_IOC_DOMAIN ? in->value : NULL);
		char reg[256];
		if (h && ln_ioc_registrable(h, reg, sizeof(reg)) && !(in->registrable = ln_arena_strdup(x->a, reg)))
			rc = LINEAGE_ENOMEM;
		i = j;
	}
	if (rc == 0) {
		x->s->indicators = ln_vec_to_arena(&out, x->a, &x->s->nindicators);
		if (out.len && !x->s->indicators) rc = LINEAGE_ENOMEM;
	}
	ln_vec_free(&out);
	if (rc == 0) rc = draw_traits(x->s, x->s->indicators, x->s->nindicators);
	return rc;
}

int ln_infra_run(lineage_sample *s, lineage_ctx *ctx)
{
	ix x = {.s = s, .bin = &s->bin, .a = s->arena};
	ln_vec_init(&x.raws, sizeof(raw));
	if (ctx->limits.max_time_ms) x.deadline = ln_now_ms() + ctx->limits.max_time_ms;
	if (s->bin.bits == 64)
		ZydisDecoderInit(&x.dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	else
		ZydisDecoderInit(&x.dec, ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32);
	x.str = ln_sample_strings(s, &x.nstr);
	size_t min_len = ctx->limits.min_string_length < 4 ? 4 : ctx->limits.min_string_length;
	int rc = ln_slots_build(&x.slots, &s->bin) ? 0 : LINEAGE_ENOMEM;
	if (rc == 0) rc = map_apis(&x);
	ln_vec_init(&x.pieces, sizeof(uint64_t));
	if (rc == 0) rc = scan_code(&x); /* first: it finds the pieces the string scan skips */
	ln_sort(x.pieces.items, x.pieces.len, sizeof(uint64_t), cmp_u64);
	if (rc == 0) rc = scan_strings(&x, min_len);
	if (rc == 0) rc = context_strings(&x);
	if (rc == 0 && (s->analyzed & LINEAGE_ANALYZE_CRYPTO)) rc = scan_xor(&x);
	if (rc == 0) rc = merge(&x);
	ln_map_free(&x.slots);
	ln_vec_free(&x.raws);
	ln_vec_free(&x.pieces);
	if (rc) return ln_ctx_error(ctx, rc, "%s: infrastructure: %s", s->bin.path, lineage_strerror(rc));
	return 0;
}

bool ln_infra_token(const char *token, const char **type, const char **value)
{
	if (strncmp(token, "infra:", 6)) return false;
	const char *t = token + 6, *c = strchr(t, ':');
	if (!c) return false;
	for (uint32_t i = 0; i < LN_IOC_MD5; i++) { /* the types a sample's indicators have (not hashes) */
		const char *name = ln_ioc_type_name(i);
		if (strlen(name) == (size_t)(c - t) && !strncmp(t, name, (size_t)(c - t))) {
			*type = name;
			*value = c + 1;
			return true;
		}
	}
	return false;
}

const lineage_indicator *lineage_sample_indicators(const lineage_sample *s, size_t *count)
{
	*count = s->nindicators;
	return s->indicators;
}

const char *lineage_ioc_flag_name(uint32_t flag)
{
	return ln_ioc_flag_name(flag);
}

char *lineage_ioc_defang(const char *type, const char *value, char *buf, size_t cap)
{
	int t = ln_ioc_type_from_name(type);
	if (t < 0) {
		snprintf(buf, cap, "%s", value);
		return buf;
	}
	return ln_ioc_defang((uint32_t)t, value, buf, cap);
}
