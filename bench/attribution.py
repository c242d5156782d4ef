#!/usr/bin/env python3
"""Calibration and figures of the combined verdict (bench/attribution.sh): pools the seeds' runs, fits the Platt
constants of lib/kinship/match.c on the training seeds and measures the stated confidence on the held-out seeds;
writes the reliability diagram.

Input: the dumps of bench_attribution (--dump), one per seed: one line per query and axis combination with the
stated confidence (lineage_match.confidence: the verdict's, or the probability of "no known relative"), whether it
was right, whether the answer was ambiguous, and every ranked family's combined log-odds and support
(lineage_match_family.evidence, .supported; before calibration).

The model (match.c, confidences()): each family's calibrated log-odds is a * evidence + c, "no known relative"
is 0, a softmax turns them into probabilities. a and c are fitted by maximum likelihood on the all-axes queries
of the training seeds: the likelihood of each query's right answer (its family, or "no known relative" for
unrelated queries and for queries whose family is not among the ranked ones), with a weak Gaussian prior (a
around 1 with sd 3, c around 0 with sd 10) so that a split without a single error still gives finite constants.
Two fits: (a) a and c free; (b) c fixed at 0, so that log-odds 0 (the support threshold of decide()) stays even
odds. The verdict is decide()'s: the first family when the strong axes support it, unless the second is
supported too and the first's confidence is under 0.5 (ambiguous: no verdict); the ranking does not depend on
a and c, so the stated confidence and the answer under any constants are computed exactly from the dump.

Printed: the figures per axis combination, profile and kind of unrelated program, over every seed (the library
as built); the fitted constants; on the held-out seeds, for the uncalibrated model (1, 0), each fit and the
library as built: the ECE in 10 bins, the log-loss of the stated confidence, the mean negative log-likelihood of
the right answer, the accuracy and count of the bins 0.8-0.9 and 0.9-1.0; the ECE per axis combination; the
reliability table. The PNG shows the library as built on the held-out seeds: per bin the share right (bars) with
its value and count, the mean stated confidence, the uncalibrated model (hollow markers) and the diagonal. Only
the standard library (zlib, struct) is used.
  usage: attribution.py --train EVIDENCE.tsv [--train ...] --test EVIDENCE.tsv [--test ...] --png OUT.png
"""
import argparse
import math
import os
import re
import struct
import zlib

ALL = 4  # the all-axes combination
COMBOS = ["code", "code+crypto", "code+crypto+destruction", "code+crypto+destr+infra", "all five"]
PROFILES = ["full", "code", "traits", "drifted", "faint", "sliver", "onetrait", "sister"]
NBINS = 10
VERDICT_CONFIDENCE = 0.5  # LINEAGE_VERDICT_CONFIDENCE


def read(path, seed):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            fams = []
            for x in p[9:]:
                name, ev, sup = x.rsplit(":", 2)
                fams.append((name, float(ev), sup == "1"))
            rows.append({"combo": int(p[0]), "role": p[1], "variant": int(p[2]), "family": p[3],
                         "verdict": p[4], "profile": p[5], "confidence": float(p[6]), "right": p[7] == "1",
                         "ambiguous": p[8] == "1", "fams": fams, "seed": seed})
    return rows


def probs(fams, a, c):
    """Softmax over the families' calibrated log-odds and "none" (0): (family probabilities, none)."""
    z = [a * ev + c for _, ev, _ in fams]
    top = max(z + [0.0])
    ex = [math.exp(v - top) for v in z]
    none = math.exp(-top)
    s = sum(ex) + none
    return [v / s for v in ex], none / s


def answer_of(r, a, c):
    """decide() under the constants (a, c): (stated confidence, right, ambiguous)."""
    p, none = probs(r["fams"], a, c)
    f = r["fams"]
    if f and f[0][2]:
        if p[0] < VERDICT_CONFIDENCE and len(f) > 1 and f[1][2]:
            return none, r["role"] == "U", True
        return p[0], r["role"] != "U" and f[0][0] == r["family"], False
    return none, r["role"] == "U", False


def answer(r):
    """Index of the right answer among the ranked families, or -1 for "none"."""
    if r["role"] == "U":
        return -1
    for i, (name, _, _) in enumerate(r["fams"]):
        if name == r["family"]:
            return i
    return -1


PRIOR = ((1.0, 3.0), (0.0, 10.0))  # (mean, sd) of a and c


def nll(rows, a, c, prior=True):
    s = 0.0
    for r in rows:
        p, none = probs(r["fams"], a, c)
        y = answer(r)
        s -= math.log(max(p[y] if y >= 0 else none, 1e-300))
    if prior:
        s += ((a - PRIOR[0][0]) / PRIOR[0][1]) ** 2 / 2 + ((c - PRIOR[1][0]) / PRIOR[1][1]) ** 2 / 2
    return s


def fit(rows, free_bias=True):
    """Newton's method on (a, c), or on a alone with c = 0, with step halving."""
    a, c = 1.0, 0.0
    cur = nll(rows, a, c)
    for _ in range(200):
        g = [(a - PRIOR[0][0]) / PRIOR[0][1] ** 2, (c - PRIOR[1][0]) / PRIOR[1][1] ** 2]
        h = [[1 / PRIOR[0][1] ** 2, 0.0], [0.0, 1 / PRIOR[1][1] ** 2]]
        for r in rows:
            p, _ = probs(r["fams"], a, c)
            y = answer(r)
            feats = [(ev, 1.0) for _, ev, _ in r["fams"]]
            mean = [sum(pi * f[k] for pi, f in zip(p, feats)) for k in range(2)]
            for k in range(2):
                g[k] += mean[k] - (feats[y][k] if y >= 0 else 0.0)
                for m in range(2):
                    h[k][m] += sum(pi * f[k] * f[m] for pi, f in zip(p, feats)) - mean[k] * mean[m]
        if free_bias:
            det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
            if det <= 0:
                break
            da = (h[1][1] * g[0] - h[0][1] * g[1]) / det
            dc = (h[0][0] * g[1] - h[1][0] * g[0]) / det
        else:
            if h[0][0] <= 0:
                break
            da, dc = g[0] / h[0][0], 0.0
        step = 1.0
        while step > 1e-6:
            na, nc = a - step * da, c - step * dc
            new = nll(rows, na, nc)
            if new <= cur:
                break
            step /= 2
        if step <= 1e-6:
            break
        a, c, done = na, nc, cur - new < 1e-9
        cur = new
        if done:
            break
    return a, c


def reliability(pairs):
    """(ECE, bins): pairs of (confidence, right); bins of (count, mean confidence, accuracy)."""
    bins = [[0, 0.0, 0] for _ in range(NBINS)]
    for conf, right in pairs:
        b = min(NBINS - 1, max(0, int(conf * NBINS)))
        bins[b][0] += 1
        bins[b][1] += conf
        bins[b][2] += right
    n = len(pairs)
    out, e = [], 0.0
    for cnt, sc, sr in bins:
        if cnt:
            out.append((cnt, sc / cnt, sr / cnt))
            e += cnt / n * abs(sc / cnt - sr / cnt)
        else:
            out.append((0, 0.0, 0.0))
    return e, out


def log_loss(pairs):
    """Mean binary log-loss of the stated confidence against right or wrong."""
    eps = 1e-12
    return -sum(math.log(max(c, eps)) if y else math.log(max(1 - c, eps)) for c, y in pairs) / max(len(pairs), 1)


def built_constants():
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "kinship", "match.c")
    with open(src) as f:
        text = f.read()
    a = float(re.search(r"#define CALIB_SCALE\s+\(?\s*([-0-9.eE+]+)", text).group(1))
    c = float(re.search(r"#define CALIB_BIAS\s+\(?\s*([-0-9.eE+]+)", text).group(1))
    return a, c


def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    -"


def figures(rows):
    """The attribution figures over every seed, the library as built."""
    print("\nattribution over every seed (the library as built): known = queried variants of stored families; "
          "verdict right over known and unrelated queries; wrong = verdicts naming a family that is not the "
          "answer, over every query; NKR = no verdict (ambiguous answers included); ambig. = ambiguous answers")
    print("  %-26s %6s %7s %7s %6s %7s %7s %6s %6s" % ("axes", "known", "P@1", "right", "wrong", "NKR unr",
                                                     "NKR kn", "ambig", "queries"))
    for k, name in enumerate(COMBOS):
        q = [r for r in rows if r["combo"] == k]
        kn = [r for r in q if r["role"] == "Q"]
        un = [r for r in q if r["role"] == "U"]
        top = sum(1 for r in kn if r["fams"] and r["fams"][0][0] == r["family"])
        right = sum(r["right"] for r in kn + un)
        wrong = sum(1 for r in q if r["verdict"] != "-" and r["verdict"] != r["family"])
        print("  %-26s %6d %7s %7s %6d %7s %7s %6d %6d" % (
            name, len(kn), pct(top, len(kn)), pct(right, len(kn) + len(un)), wrong,
            pct(sum(r["verdict"] == "-" for r in un), len(un)), pct(sum(r["verdict"] == "-" for r in kn), len(kn)),
            sum(r["ambiguous"] for r in q), len(q)))
    print("\n  known-family queries by profile: verdict right (ambiguous), code alone -> all five")
    for prof in PROFILES:
        line = []
        for k in range(len(COMBOS)):
            q = [r for r in rows if r["combo"] == k and r["role"] == "Q" and r["profile"] == prof]
            if not q:
                break
            line.append("%s (%d)" % (pct(sum(r["right"] for r in q), len(q)).strip(), sum(r["ambiguous"] for r in q)))
        if line:
            n = sum(1 for r in rows if r["combo"] == 0 and r["role"] == "Q" and r["profile"] == prof)
            print("  %-9s %4d   %s" % (prof, n, "  ".join("%-12s" % x for x in line)))
    kinds = sorted({r["profile"] for r in rows if r["role"] == "U"})
    print("\n  unrelated programs by overlap: \"no known relative\" (wrong verdicts), code alone -> all five")
    for kind in kinds:
        line = []
        for k in range(len(COMBOS)):
            q = [r for r in rows if r["combo"] == k and r["role"] == "U" and r["profile"] == kind]
            line.append("%s (%d)" % (pct(sum(r["verdict"] == "-" for r in q), len(q)).strip(),
                                     sum(r["verdict"] != "-" for r in q)))
        n = sum(1 for r in rows if r["combo"] == 0 and r["role"] == "U" and r["profile"] == kind)
        print("  %-16s %4d   %s" % (kind, n, "  ".join("%-12s" % x for x in line)))
    print("\n  false flags (A's code, B's artifacts): A / B / none, code alone -> all five")
    line = []
    for k in range(len(COMBOS)):
        q = [r for r in rows if r["combo"] == k and r["role"] == "X"]
        a_ = sum(r["verdict"] == r["family"] for r in q)
        none = sum(r["verdict"] == "-" for r in q)
        line.append("%d/%d/%d" % (a_, len(q) - a_ - none, none))
    print("  %d queries: %s" % (sum(1 for r in rows if r["combo"] == 0 and r["role"] == "X"), "  ".join(line)))
# ---- PNG: a 3x5 pixel font, lines, rectangles; zlib + crc32 from the standard library ----

FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111", "J": "001001001101010",
    "K": "101101110101101", "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011", "R": "110101110101101",
    "S": "011100010001110", "T": "111010010010010", "U": "101101101101111", "V": "101101101101010",
    "W": "101101111111101", "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
    ".": "000000000000010", ",": "000000000010100", ":": "000010000010000", "=": "000111000111000",
    "-": "000000111000000", "(": "001010010010001", ")": "100010010010100", "/": "001001010100100",
    "%": "101001010100101", "+": "000010111010000", " ": "000000000000000",
}


class Image:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b"\xff" * (w * h * 3))

    def set(self, x, y, rgb):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(rgb)

    def rect(self, x0, y0, x1, y1, rgb, fill=True):
        for y in range(min(y0, y1), max(y0, y1) + 1):
            for x in range(min(x0, x1), max(x0, x1) + 1):
                if fill or y in (y0, y1) or x in (x0, x1):
                    self.set(x, y, rgb)

    def line(self, x0, y0, x1, y1, rgb, dash=0):
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(n + 1):
            if dash and (k // dash) % 2:
                continue
            self.set(round(x0 + (x1 - x0) * k / n), round(y0 + (y1 - y0) * k / n), rgb)

    def text(self, x, y, s, rgb=(0, 0, 0), scale=2):
        for ch in s.upper():
            g = FONT.get(ch, FONT[" "])
            for r in range(5):
                for col in range(3):
                    if g[r * 3 + col] == "1":
                        self.rect(x + col * scale, y + r * scale, x + col * scale + scale - 1,
                                  y + r * scale + scale - 1, rgb)
            x += 4 * scale

    def png(self, path):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))

        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def diagram(path, built, uncal, ece_built, n, consts):
    W, H, X0, Y0, X1, Y1 = 760, 620, 90, 90, 720, 530
    img = Image(W, H)
    px = lambda v: round(X0 + v * (X1 - X0))
    py = lambda v: round(Y1 - v * (Y1 - Y0))
    for k in range(11):
        img.line(px(k / 10), Y0, px(k / 10), Y1, (225, 225, 225))
        img.line(X0, py(k / 10), X1, py(k / 10), (225, 225, 225))
        img.text(px(k / 10) - 10, Y1 + 10, "%.1f" % (k / 10))
        img.text(X0 - 40, py(k / 10) - 5, "%.1f" % (k / 10))
    for b, (cnt, conf, acc) in enumerate(built):
        if not cnt:
            continue
        x0, x1 = px(b / NBINS) + 4, px((b + 1) / NBINS) - 4
        img.rect(x0, py(acc), x1, Y1, (70, 120, 200))
        img.rect(x0, py(acc), x1, Y1, (20, 50, 120), fill=False)
        img.rect(px(conf) - 3, py(conf) - 3, px(conf) + 3, py(conf) + 3, (230, 140, 20))  # mean confidence
        top = min(py(acc), Y1 - 14)
        for k, label in enumerate(("%.2f" % acc, "N%d" % cnt)):  # the share right, and the count
            img.text((x0 + x1) // 2 - 4 * 2 * len(label) // 2, top - 28 + 14 * k, label)
    for cnt, conf, acc in uncal:
        if cnt:
            img.rect(px(conf) - 4, py(acc) - 4, px(conf) + 4, py(acc) + 4, (200, 40, 40), fill=False)
    img.line(X0, Y1, X1, Y0, (90, 90, 90), dash=6)
    img.rect(X0, Y0, X1, Y1, (0, 0, 0), fill=False)
    img.text(X0, 16, "LINEAGE: RELIABILITY OF THE STATED CONFIDENCE, ALL AXES, HELD-OUT SEEDS")
    img.text(X0, 36, "ECE %.3f OVER %d QUERIES, CALIB A=%.3g C=%.3g" % (ece_built, n, consts[0], consts[1]))
    img.text(X0 + 200, Y1 + 32, "STATED CONFIDENCE (BIN)")
    img.text(8, Y0 - 22, "RIGHT (SHARE)")
    ly = Y1 + 56
    img.rect(X0, ly, X0 + 14, ly + 10, (70, 120, 200))
    img.text(X0 + 22, ly, "SHARE RIGHT PER BIN (ABOVE: SHARE, N)")
    img.rect(X0 + 330, ly + 1, X0 + 338, ly + 9, (230, 140, 20))
    img.text(X0 + 346, ly, "MEAN CONFIDENCE")
    img.rect(X0 + 500, ly, X0 + 510, ly + 10, (200, 40, 40), fill=False)
    img.text(X0 + 518, ly, "UNCALIBRATED")
    img.png(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", action="append", required=True, help="a training seed's dump")
    ap.add_argument("--test", action="append", required=True, help="a held-out seed's dump")
    ap.add_argument("--png", required=True)
    o = ap.parse_args()
    train_rows = [r for i, p in enumerate(o.train) for r in read(p, "train%d" % i)]
    test_rows = [r for i, p in enumerate(o.test) for r in read(p, "test%d" % i)]
    rows = train_rows + test_rows
    built = built_constants()
    # the model against the library: the same stated confidence and answer under the built constants
    drift = max((abs(answer_of(r, *built)[0] - r["confidence"]) for r in rows), default=0)
    differ = sum(1 for r in rows if answer_of(r, *built)[1:] != (r["right"], r["ambiguous"]))
    figures(rows)

    train = [r for r in train_rows if r["combo"] == ALL]
    held = [r for r in test_rows if r["combo"] == ALL]
    fa = fit(train, True)
    fb = fit(train, False)
    print("\ncalibration: Platt scaling fitted on %d training queries (%d seeds), all five axes; held out: %d "
          "queries (%d seeds)" % (len(train), len(o.train), len(held), len(o.test)))
    for name, (a, c) in (("(a) scale and bias", fa), ("(b) scale, bias 0", fb)):
        print("  %-20s CALIB_SCALE %.4f  CALIB_BIAS %.4f   (training NLL %.2f; uncalibrated %.2f)"
              % (name, a, c, nll(train, a, c, False), nll(train, 1.0, 0.0, False)))
    print("  the library as built: CALIB_SCALE %g CALIB_BIAS %g (largest difference between its stated confidence "
          "and the model's: %.1e; answers that differ: %d)" % (built[0], built[1], drift, differ))

    models = [("uncalibrated (1, 0)", (1.0, 0.0)), ("(a) %.3g, %.3g" % fa, fa), ("(b) %.3g, 0" % fb[0], fb),
              ("as built %g, %g" % built, built)]
    print("\nheld-out queries (%d), all five axes: ECE (10 bins), log-loss of the stated confidence, mean NLL of "
          "the right answer, bins 0.8-0.9 and 0.9-1.0 (count, share right), ambiguous answers" % len(held))
    print("  %-22s %6s %8s %7s %18s %18s %6s" % ("constants", "ECE", "logloss", "NLL", "0.8-0.9", "0.9-1.0",
                                               "ambig"))
    for name, (a, c) in models:
        ans = [answer_of(r, a, c) for r in held]
        pairs = [(x[0], x[1]) for x in ans]
        e, bins = reliability(pairs)
        cols = []
        for b in (8, 9):
            n, cf, ac = bins[b]
            cols.append("%4d %5.3f (%.3f)" % (n, ac, cf) if n else "%18s" % "-")
        print("  %-22s %6.3f %8.3f %7.3f %s %s %6d" % (name, e, log_loss(pairs), nll(held, a, c, False) / len(held),
                                                       cols[0], cols[1], sum(x[2] for x in ans)))
    print("  (bins: count, share right (mean stated confidence))")

    print("\nheld-out ECE per axis combination")
    print("  %-26s %7s %s" % ("axes", "queries", " ".join("%22s" % m[0] for m in models)))
    for k, name in enumerate(COMBOS):
        h = [r for r in test_rows if r["combo"] == k]
        es = []
        for _, (a, c) in models:
            es.append(reliability([answer_of(r, a, c)[:2] for r in h])[0])
        print("  %-26s %7d %s" % (name, len(h), " ".join("%22.3f" % x for x in es)))

    allbins = [reliability([answer_of(r, a, c)[:2] for r in held])[1] for _, (a, c) in models]
    print("\nheld-out reliability, all five axes: bin, queries, mean confidence, share right")
    print("  %-9s %s" % ("", "  ".join("%22s" % m[0] for m in models)))
    for b in range(NBINS):
        cols = []
        for bins in allbins:
            n, cf, ac = bins[b]
            cols.append("%4d %7.3f %7.3f" % (n, cf, ac) if n else "%22s" % "-")
        print("  %.1f-%.1f   %s" % (b / NBINS, (b + 1) / NBINS, "  ".join(cols)))
    e_b, bins_b = reliability([(r["confidence"], r["right"]) for r in held])
    diagram(o.png, bins_b, allbins[0], e_b, len(held), built)
    print("\nreliability diagram (the library as built, held-out seeds): %s" % o.png)


if __name__ == "__main__":
    main()
