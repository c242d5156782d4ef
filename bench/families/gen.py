#!/usr/bin/env python3
"""Synthetic, inert malware families for the attribution benchmark (bench/attribution.sh).

Writes C sources and a build plan. Everything follows from --seed: the same seed gives byte-identical
sources and plan.

A family has its own code (generated functions: arithmetic, table and loop shapes drawn from the family's
random stream, tens of instructions each) and its own traits on every evidence axis:
  crypto          a multi-byte XOR key in a decoding loop over a data blob; a custom Base64 alphabet
  destruction     command-line and script wording that the destruction rules fire on (vssadmin, wevtutil,
                  bcdedit, wbadmin, a self-deleting batch line, a dd command) with the family's own words,
                  and a targeted-extension list: strings only, printed, never run
  infrastructure  URLs, domains and pipes under the documentation names (.example, .test, example.com/.net/.org),
                  IPv4 addresses in 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24, a mutex name (PE)
  artifacts       a PDB file name (ld --pdb), the export directory's DLL name (a .def file), a section name
A variant keeps each family function (unchanged, or rewritten in part) and each trait with the probabilities
of its profile; a trait it does not keep is dropped or replaced by a fresh one (keys rotated, infrastructure
moved); it adds functions of its own, and is built by gcc, clang, x86_64- or i686-w64-mingw32-gcc at -O0, -O2
or -Os. Profiles of the queried variants:
  full     most code and most traits
  code     most code, traits rotated or moved
  traits   little code, most traits: only the other axes can attribute it
  drifted  about a third of each
  faint    little of either: the hardest cases
  falseflag  family A's code with family B's artifacts (PDB name, export name, section): the answer is A
Some pairs of families are sisters (one actor's tool kit): they share a code module of two functions, one
command line and the extension list. Harder queried profiles, for the middle of the confidence range:
  sliver   10-30% of the family's code (at least one function), few traits
  onetrait one variant-level trait of the family (its XOR key, extension list, one command line or user agent:
           weight 0.25 each) and about 15% of its code (at least one function), the rest fresh
  sister   (a family with a sister; otherwise sliver) the module shared with the sister and a quarter of its
           own code: a partial match of the sister too
Unrelated programs have code of their own and no family trait; some carry a weak overlap: a common algorithm
(CRC-32, the standard Base64 alphabet), a family's section name, a generic destruction command line, their
own (unshared) infrastructure; some borrow from a family: two of its functions (a leaked source), one of them
(a helper passed around), one of its command lines (a copied script), or one of its variant-level indicators
(its user agent, XOR key or extension list). Their answer stays "no known relative". (Borrowing one of a family's rare
addresses is not a weak overlap: the infrastructure axis rightly decides on it, so it is not generated.)

Inert: the generated programs compute on their arguments and print; the indicators are strings that are printed,
the mutex is only created behind a flag that is never set. Nothing built is ever run.

Plan (tab-separated, one build per line):
  NAME ROLE FAMILY ARTIFACTS_FAMILY VARIANT PROFILE COMPILER OPT SOURCE DEF PDB
ROLE: S stored (labelled), Q queried (FAMILY is the right answer), U unrelated (the answer is "no known
relative"), X false flag (queried; FAMILY is the right answer, ARTIFACTS_FAMILY the planted one).
  usage: gen.py --out DIR [--seed N] [--families F] [--variants V] [--stored S] [--unrelated U] [--false-flags X]
"""
import argparse
import os
import random
import string

COMPILERS = ["gcc", "clang", "mingw64", "mingw32"]
OPTS = ["O0", "O2", "Os"]
EXTENSIONS = [".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf", ".jpg", ".png", ".zip", ".rar", ".7z",
              ".sql", ".mdb", ".accdb", ".pst", ".ost", ".bak", ".vmdk", ".vhd", ".vhdx", ".txt", ".csv", ".psd",
              ".dwg", ".dbf", ".sqlite", ".mp4"]
DOC_NETS = ["192.0.2", "198.51.100", "203.0.113"]
DOC_SUFFIXES = ["example", "test", "example.com", "example.net", "example.org"]
SYLLABLES = ["ka", "ro", "mi", "zu", "te", "na", "vo", "li", "xe", "qu", "da", "fo", "gi", "hu", "ja", "pe", "sy",
             "wo", "be", "cu", "ny", "ox", "ri", "tu"]

# Probabilities per profile: a family function kept, a kept one rewritten in part, a trait kept.
PROFILES = {
    "base": (1.00, 0.00, 1.00),
    "stored": (0.85, 0.20, 0.80),
    "full": (0.80, 0.25, 0.80),
    "code": (0.85, 0.20, 0.08),
    "traits": (0.10, 0.30, 0.60),
    "drifted": (0.35, 0.40, 0.35),
    "faint": (0.15, 0.40, 0.20),
    "falseflag": (0.85, 0.20, 0.05),
    "sliver": (0.20, 0.30, 0.10),
    "onetrait": (0.15, 0.30, 0.00),
    "sister": (0.25, 0.30, 0.15),
}
QUERY_PROFILES = ["full", "code", "traits", "drifted", "faint", "sliver", "onetrait", "sister"]
# The variant-level traits (weight 0.25 each): one of them plus a little code is the onetrait profile.
VARIANT_TRAITS = ["xor", "exts", "words", "ua"]


def word(rng, n=3):
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def k32(rng):
    return "0x%08xu" % rng.getrandbits(32)


# ---- code: random functions of arithmetic, table and loop statements ----

def statement(rng, tables):
    s, t = rng.randint(1, 15), rng.randint(1, 15)
    m = rng.randint(5, 23)
    kind = rng.randrange(12)
    if kind == 0:
        return "x = x * %s + (y >> %d);" % (k32(rng), s)
    if kind == 1:
        return "y ^= (x << %d) | (z >> %d);" % (s, t)
    if kind == 2:
        return "z += (x & %s) - (y | %s);" % (k32(rng), k32(rng))
    if kind == 3:
        return "for (size_t i = 0; i < n; i++) {\n\t\tx = x * %s + p[i];\n\t\ty ^= x >> %d;\n\t}" % (k32(rng), s)
    if kind == 4:
        name = "T%d" % len(tables)
        tables.append("\tstatic const uint32_t %s[%d] = {%s};" % (name, m, ", ".join(k32(rng) for _ in range(m))))
        return ("for (unsigned i = 0; i < %du; i++) {\n\t\tz += %s[(x + i) %% %du] ^ y;\n"
                "\t\tx = (x << %d) | (x >> %d);\n\t}" % (m, name, m, s, 32 - s))
    if kind == 5:
        return "if (x & %s)\n\t\ty += z * %s;\n\telse\n\t\tz ^= y + %s;" % (k32(rng), k32(rng), k32(rng))
    if kind == 6:
        return ("switch ((x >> %d) %% 5u) {\n\tcase 0: x += %s; break;\n\tcase 1: y ^= %s; break;\n"
                "\tcase 2: z = z * %s + 1u; break;\n\tcase 3: x = y - z; break;\n\tdefault: z ^= x >> %d;\n\t}"
                % (s, k32(rng), k32(rng), k32(rng), t))
    if kind == 7:
        return "for (unsigned i = 0; i < %du; i++)\n\t\ty = (y >> 1) ^ (%s & (0u - (y & 1u)));" % (m, k32(rng))
    if kind == 8:
        return "x = (x ^ (x >> %d)) * %s;" % (s, k32(rng))
    if kind == 9:
        return ("for (size_t i = 0; i + 1 < n; i += 2)\n\t\tz = (z << %d) ^ (uint32_t)(p[i] | p[i + 1] << 8) ^ %s;"
                % (s, k32(rng)))
    if kind == 10:
        return "y = y + ((x * %s) >> %d) + z;" % (k32(rng), s)
    return "if (y > %s) {\n\t\tx ^= y;\n\t\ty = x - z * %du;\n\t}" % (k32(rng), m)


class Func:
    """A generated function: its name, statements and tables, rewritable in part."""

    def __init__(self, rng, name):
        self.name = name
        self.init = (k32(rng), k32(rng), k32(rng))
        self.tables = []
        self.body = [statement(rng, self.tables) for _ in range(rng.randint(9, 15))]

    def rewritten(self, rng):
        f = Func.__new__(Func)
        f.name, f.init, f.tables, f.body = self.name, self.init, list(self.tables), list(self.body)
        for i in range(len(f.body)):
            if rng.random() < 0.3:
                f.body[i] = statement(rng, f.tables)
        return f

    def source(self):
        return ("__attribute__((noinline)) uint32_t %s(uint32_t a, uint32_t b, const uint8_t *p, size_t n)\n{\n"
                "%s\n\tuint32_t x = a ^ %s, y = b + %s, z = %s;\n\t%s\n\treturn x ^ y ^ z;\n}\n"
                % (self.name, "\n".join(self.tables), self.init[0], self.init[1], self.init[2],
                   "\n\t".join(self.body)))


def crc32_source(rng):
    """A common algorithm: CRC-32 bitwise or from a table built at run time (no family's own code)."""
    if rng.random() < 0.5:
        return ("__attribute__((noinline)) uint32_t crc32_update(uint32_t c, const uint8_t *p, size_t n)\n{\n"
                "\tc = ~c;\n\tfor (size_t i = 0; i < n; i++) {\n\t\tc ^= p[i];\n"
                "\t\tfor (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));\n\t}\n"
                "\treturn ~c;\n}\n")
    return ("static uint32_t crc_table[256];\n"
            "__attribute__((noinline)) uint32_t crc32_update(uint32_t c, const uint8_t *p, size_t n)\n{\n"
            "\tif (!crc_table[1])\n\t\tfor (uint32_t i = 0; i < 256; i++) {\n\t\t\tuint32_t r = i;\n"
            "\t\t\tfor (int k = 0; k < 8; k++) r = r & 1u ? (r >> 1) ^ 0xedb88320u : r >> 1;\n"
            "\t\t\tcrc_table[i] = r;\n\t\t}\n\tc = ~c;\n"
            "\tfor (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);\n\treturn ~c;\n}\n")


# ---- traits ----

def xor_key(rng):
    alphabet = string.ascii_letters + string.digits + "#$%&*+-=?@^_~"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 12)))


def b64_alphabet(rng):
    chars = list(string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/")
    rng.shuffle(chars)
    return "".join(chars)


def wording(rng, tag):
    """Command lines and script lines the destruction rules recognize, in the family's own words."""
    t = rng.choice
    return [
        "vssadmin.exe delete shadows /all /quiet & rem %s-%d" % (tag, rng.randint(10, 999)),
        "wevtutil cl %s & wevtutil cl Security & echo %s" % (t(["System", "Application", "Setup"]), tag),
        "bcdedit /set {default} recoveryenabled no > %%TEMP%%\\%s.log" % tag,
        "wbadmin delete catalog -quiet & del /q %%TEMP%%\\%s_%d.dat" % (tag, rng.randint(1, 99)),
        ":%s_again\r\ndel \"%%s\"\r\nif exist \"%%s\" goto %s_again" % (tag, tag),
        "dd if=/dev/zero of=/dev/sda bs=%dk count=%d # %s" % (rng.choice([4, 64, 512, 1024]),
                                                               rng.randint(8, 4096), tag),
    ]


def ext_list(rng):
    return sorted(rng.sample(EXTENSIONS, rng.randint(6, 10)))


def infra_items(rng, tag, used_ips):
    suffix = rng.choice(DOC_SUFFIXES)
    dom = "%s-%s.%s" % (tag, word(rng, 2), suffix)
    while True:
        ip = "%s.%d" % (rng.choice(DOC_NETS), rng.randint(2, 254))
        if ip not in used_ips:
            used_ips.add(ip)
            break
    return [
        ("url", "http://%s.%s/%s/%s.php" % (word(rng, 2), dom, word(rng, 2), word(rng, 2))),
        ("domain", "%s.%s" % (rng.choice(["update", "cdn", "mail", "relay", "backup", "sync"]), dom)),
        ("ip", "%s:%d" % (ip, rng.choice([443, 8080, 8443, 4444, 53, 80]))),
        ("pipe", "\\\\.\\pipe\\%s_%s" % (tag, word(rng, 2))),
        ("mutex", "Global\\%s%s_%04x" % (tag.capitalize(), word(rng, 1), rng.getrandbits(16))),
    ]


def user_agent(rng, tag):
    """The family's own HTTP user agent: a variant-level indicator (weight 0.25), never material."""
    return "Mozilla/5.0 (compatible; %s/%d.%d; +%s)" % (tag.capitalize(), rng.randint(1, 9), rng.randint(0, 99),
                                                        word(rng, 2))


def artifact_items(rng, tag):
    return {
        "pdb": "%s_%s.pdb" % (tag, rng.choice(["core", "ldr", "svc", "drv", "x64", "main"])),
        "export": "%s%s.dll" % (tag, rng.choice(["svc", "host", "mgr", "util"])),
        "section": "." + tag[:6],
    }


class Family:
    def __init__(self, rng, idx, used_ips, used_tags):
        while True:
            self.tag = word(rng, 3)
            if self.tag not in used_tags:
                used_tags.add(self.tag)
                break
        self.name = "fam%02d_%s" % (idx, self.tag)
        self.funcs = [Func(rng, "f_%08x" % rng.getrandbits(32)) for _ in range(rng.randint(7, 10))]
        self.traits = {
            "xor": xor_key(rng) if rng.random() < 0.8 else None,
            "b64": b64_alphabet(rng) if rng.random() < 0.6 else None,
            "crc": rng.random() < 0.3,
            "words": wording(rng, self.tag),
            "exts": ext_list(rng),
            "infra": infra_items(rng, self.tag, used_ips),
            "ua": user_agent(rng, self.tag),
            "art": artifact_items(rng, self.tag),
        }
        self.sister, self.shared = None, []  # the sister family and the code module taken from it


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n") + '"'


def program(rng, funcs, traits, compiler):
    """The C source of one program: its functions, its traits, a main that reaches them and prints."""
    pe = compiler.startswith("mingw")
    out = ["/* Generated by bench/families/gen.py: an inert synthetic program for the attribution benchmark.",
           " * It computes on its arguments and prints; every indicator is a string that is only printed. Built,",
           " * never run. */",
           "#include <stddef.h>", "#include <stdint.h>", "#include <stdio.h>", "#include <string.h>"]
    if pe and traits.get("mutex"):
        out.append("#include <windows.h>")
    out.append("")
    out.append("volatile int armed = 0; /* never set: the mutex below is never created */")
    calls = []
    for f in funcs:
        out.append(f.source())
        calls.append("\tacc ^= %s(acc, (uint32_t)n, buf, n);" % f.name)
    if traits.get("crc"):
        out.append(crc32_source(rng))
        calls.append("\tacc ^= crc32_update(acc, buf, n);")
    if traits.get("xor"):
        key = traits["xor"]
        plain = ("config %s %d" % (word(rng, 3), rng.randint(100, 999))).encode()
        blob = [c ^ ord(key[i % len(key)]) for i, c in enumerate(plain)]
        out.append("const char cfg_key[] = %s;" % c_string(key))
        out.append("const uint8_t cfg_blob[%d] = {%s};" % (len(blob), ", ".join("0x%02x" % b for b in blob)))
        out.append("__attribute__((noinline)) void cfg_unmask(uint8_t *o, const uint8_t *in, size_t len)\n{\n"
                   "\tfor (size_t i = 0; i < len; i++) o[i] = in[i] ^ (uint8_t)cfg_key[i %% %d];\n}\n" % len(key))
        calls.append("\tcfg_unmask(dec, cfg_blob, sizeof(cfg_blob));\n\tacc ^= dec[0];")
    if traits.get("b64"):
        out.append("const char b64_alphabet[65] = %s;" % c_string(traits["b64"]))
        out.append("__attribute__((noinline)) size_t b64_encode(const uint8_t *in, size_t len, char *o)\n{\n"
                   "\tsize_t k = 0;\n\tfor (size_t i = 0; i + 2 < len; i += 3) {\n"
                   "\t\tuint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];\n"
                   "\t\tfor (int s = 18; s >= 0; s -= 6) o[k++] = b64_alphabet[(v >> s) & 63];\n\t}\n"
                   "\to[k] = 0;\n\treturn k;\n}\n")
        calls.append("\tacc ^= (uint32_t)b64_encode(buf, n, text);")
    texts = list(traits.get("words", [])) + list(traits.get("exts", []))
    if traits.get("ua"):
        texts.append("User-Agent: " + traits["ua"])
    net = [v for k, v in traits.get("infra", []) if k != "mutex"]
    if texts or net:
        out.append("static const char *const plan[] = {\n%s\n};" % ",\n".join("\t" + c_string(t) for t in texts + net))
        out.append("__attribute__((noinline)) void print_plan(FILE *f)\n{\n"
                   "\tfor (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) fprintf(f, \"# [not run] %s\\n\","
                   " plan[i]);\n}\n")
        calls.append("\tprint_plan(stdout);")
    if pe and traits.get("mutex"):
        out.append("__attribute__((noinline)) void single_instance(void)\n{\n"
                   "\tif (armed) CreateMutexA(NULL, FALSE, %s);\n}\n" % c_string(traits["mutex"]))
        calls.append("\tsingle_instance();")
    if traits.get("section"):
        out.append('__attribute__((section("%s"), used)) const char build_marker[] = "%s";'
                   % (traits["section"], word(rng, 2)))
    export = funcs[0].name if funcs else None
    out.append("int main(int argc, char **argv)\n{\n\tuint8_t buf[64], dec[64];\n\tchar text[128];\n"
               "\tsize_t n = (size_t)argc * 7u % 64u;\n\tuint32_t acc = (uint32_t)argc;\n\t(void)argv;\n"
               "\t(void)dec;\n\t(void)text;\n"
               "\tfor (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)(argc * 31 + (int)i);\n"
               + "\n".join(calls) + "\n\tprintf(\"%u\\n\", acc);\n\treturn (int)(acc & 1u);\n}\n")
    return "\n".join(out), export


def variant_traits(rng, fam, keep, fresh_tag, used_ips, artifacts_of=None, only=None):
    """The traits a variant carries: each of the family's kept with probability keep, else dropped or
    replaced by a fresh one. only: keep exactly that one variant-level trait of the family (one of
    VARIANT_TRAITS; for "words", one command line) and nothing else of its own."""
    ft = fam.traits
    if only:
        t = variant_traits(rng, fam, 0.0, fresh_tag, used_ips)
        if only == "words":
            t["words"] = [rng.choice(ft["words"][1:4])] + t["words"][:2]
        else:
            t[only] = ft[only]
        return t
    t = {}
    for k, make in (("xor", xor_key), ("b64", b64_alphabet)):
        if ft[k]:
            t[k] = ft[k] if rng.random() < keep else (make(rng) if rng.random() < 0.5 else None)
    t["crc"] = ft["crc"]
    own = wording(rng, fresh_tag)
    t["words"] = [w if rng.random() < keep else own[i] for i, w in enumerate(ft["words"]) if rng.random() < 0.9]
    t["exts"] = ft["exts"] if rng.random() < keep else (ext_list(rng) if rng.random() < 0.5 else [])
    t["ua"] = ft["ua"] if rng.random() < keep else (user_agent(rng, fresh_tag) if rng.random() < 0.5 else None)
    fresh = infra_items(rng, fresh_tag, used_ips)
    t["infra"] = [item if rng.random() < keep else fresh[i] for i, item in enumerate(ft["infra"])
                  if rng.random() < 0.9]
    mutex = [v for k, v in t["infra"] if k == "mutex"]
    t["mutex"] = mutex[0] if mutex else None
    art = (artifacts_of or fam).traits["art"]
    akeep = 1.0 if artifacts_of else keep
    fresh_art = artifact_items(rng, fresh_tag)
    for k in ("pdb", "export", "section"):
        t[k] = art[k] if rng.random() < akeep else (fresh_art[k] if rng.random() < 0.5 else None)
    return t


def variant_funcs(rng, fam, code_keep, rewrite, at_least=0, module=()):
    """A variant's code: each family function kept with probability code_keep (at least at_least of them),
    the functions of module (a sister's shared module) always, and 2-5 functions of its own."""
    own = [f for f in fam.funcs if f not in module]
    kept = [f for f in own if rng.random() < code_keep]
    if len(kept) < at_least:
        kept += rng.sample([f for f in own if f not in kept], at_least - len(kept))
    funcs = []
    for f in list(module) + kept:
        funcs.append(f.rewritten(rng) if rng.random() < rewrite else f)
    funcs += [Func(rng, "f_%08x" % rng.getrandbits(32)) for _ in range(rng.randint(2, 5))]
    rng.shuffle(funcs)
    return funcs


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--families", type=int, default=14)
    ap.add_argument("--variants", type=int, default=13)
    ap.add_argument("--stored", type=int, default=5)
    ap.add_argument("--unrelated", type=int, default=48)
    ap.add_argument("--false-flags", type=int, default=8)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    src = os.path.join(a.out, "src")
    os.makedirs(src, exist_ok=True)
    used_ips, used_tags = set(), set()
    fams = [Family(rng, i, used_ips, used_tags) for i in range(a.families)]
    # sister families (one actor's tool kit): a shared code module, one shared command line, the same
    # extension list; what tells them apart is the rest
    for i in range(0, len(fams) - 1, 2):
        if rng.random() < 0.8:
            a_, b_ = fams[i], fams[i + 1]
            b_.shared = rng.sample(a_.funcs, 2)
            b_.funcs += b_.shared
            a_.sister, b_.sister, a_.shared = b_, a_, b_.shared
            b_.traits["words"][0] = a_.traits["words"][0]
            b_.traits["exts"] = a_.traits["exts"]
    plan = []

    def emit(name, role, fam, afam, v, profile, funcs, traits, compiler):
        opt = rng.choice(OPTS)
        text, export = program(rng, funcs, traits, compiler)
        path = os.path.join(src, name + ".c")
        write_if_changed(path, text)
        pe = compiler.startswith("mingw")
        deff = pdb = "-"
        if pe and traits.get("export") and export:
            deff = os.path.join(src, name + ".def")
            write_if_changed(deff, 'NAME "%s"\nEXPORTS\n  %s\n' % (traits["export"], export))
        if pe and traits.get("pdb"):
            pdb = traits["pdb"]
        plan.append("\t".join([name, role, fam, afam, str(v), profile, compiler, opt, path, deff, pdb]))

    half = min(a.stored, a.variants)
    for fi, fam in enumerate(fams):
        for v in range(a.variants):
            if v < half:
                profile = "base" if v == 0 else "stored"
            else:
                profile = QUERY_PROFILES[(v - half + fi) % len(QUERY_PROFILES)]
            if profile == "sister" and not fam.sister:
                profile = "sliver"
            ck, rw, tk = PROFILES[profile]
            tag = word(rng, 3)
            if profile == "sliver":  # 10-30% of the family's code
                ck = rng.uniform(0.10, 0.30)
            if profile == "sister":  # the module shared with the sister, a quarter of its own code
                funcs = variant_funcs(rng, fam, ck, rw, at_least=1, module=fam.shared)
            else:
                funcs = variant_funcs(rng, fam, ck, rw, at_least=1 if profile in ("sliver", "onetrait") else 0)
            only = rng.choice([k for k in VARIANT_TRAITS if fam.traits[k]]) if profile == "onetrait" else None
            traits = variant_traits(rng, fam, tk, tag, used_ips, only=only)
            emit("%s-v%d" % (fam.name, v), "S" if v < half else "Q", fam.name, fam.name, v, profile, funcs, traits,
                 rng.choice(COMPILERS))
    for x in range(a.false_flags):
        fa = fams[x % len(fams)]
        fb = fams[(x * 5 + 3) % len(fams)]
        if fb is fa:
            fb = fams[(x + 1) % len(fams)]
        ck, rw, tk = PROFILES["falseflag"]
        funcs = variant_funcs(rng, fa, ck, rw)
        traits = variant_traits(rng, fa, tk, word(rng, 3), used_ips, artifacts_of=fb)
        emit("flag%02d-%s-as-%s" % (x, fa.tag, fb.tag), "X", fa.name, fb.name, a.variants + x, "falseflag", funcs,
             traits, rng.choice(["mingw64", "mingw32"]))
    for u in range(a.unrelated):
        funcs = [Func(rng, "f_%08x" % rng.getrandbits(32)) for _ in range(rng.randint(6, 12))]
        traits = {}
        overlap = rng.random()
        weak = "none"
        donor = rng.choice(fams)
        if overlap < 0.12:
            traits["crc"], weak = True, "crc32"
        elif overlap < 0.18:
            traits["b64"], weak = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "base64"
        elif overlap < 0.28:
            traits["section"], weak = donor.traits["art"]["section"], "section"
        elif overlap < 0.34:
            traits["words"], weak = ["vssadmin.exe delete shadows /all /quiet"], "vssadmin"
        elif overlap < 0.42:
            tag = word(rng, 3)
            traits["infra"], weak = infra_items(rng, tag, used_ips)[:3], "own-infra"
            traits["xor"] = xor_key(rng)
        elif overlap < 0.52:  # code copied from a family (a leaked source, a shared snippet)
            funcs += [f.rewritten(rng) if rng.random() < 0.5 else f for f in rng.sample(donor.funcs, 2)]
            weak = "borrowed-code"
        elif overlap < 0.64:  # one library-like function of a family (a helper passed around)
            funcs.append(rng.choice(donor.funcs))
            weak = "borrowed-func"
        elif overlap < 0.72:  # one of a family's command lines (a copied script)
            traits["words"] = [rng.choice(donor.traits["words"])]
            weak = "borrowed-script"
        elif overlap < 0.86:  # one of a family's variant-level indicators: its user agent, XOR key or extensions
            k = rng.choice([k for k in ("ua", "xor", "exts") if donor.traits[k]])
            traits[k], weak = donor.traits[k], "borrowed-" + k
        emit("unrel%02d" % u, "U", "-", "-", u, weak, funcs, traits, rng.choice(COMPILERS))
    with open(os.path.join(a.out, "plan.tsv"), "w") as f:
        f.write("\n".join(plan) + "\n")
    print("generated %d families x %d variants, %d false flags, %d unrelated programs in %s"
          % (a.families, a.variants, a.false_flags, a.unrelated, a.out))


if __name__ == "__main__":
    main()
