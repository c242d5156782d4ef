#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen-crypto-rules.py - generate lineage's crypto byte patterns and constants.

Outputs (paths relative to the repository root):
  rules/crypto/*.yar      YARA rules (libyara 4.2 syntax), one rule per table/layout
  lib/crypto/consts.inc   immediate-constant sets (X-macro include, see below)

Usage:
  python3 scripts/gen-crypto-rules.py            # (re)write both outputs
  python3 scripts/gen-crypto-rules.py --check    # only run the self-tests
  python3 scripts/gen-crypto-rules.py --out DIR  # write below DIR instead of the repo root

Python 3 standard library only.  The output is deterministic.

Where a table has a mathematical definition it is computed here from that
definition (with integer arithmetic, so every value is exact and checkable):
  AES        S-box = affine map of the inverse in GF(2^8)/0x11B; Te0..3, Td0..3, rcon
  ARIA       S1/X1 = AES S-box and inverse; X2 = inverse of S2; 32-bit forms;
             C1..C3 = fractional part of 1/pi (integer pi)
  Camellia   SBOX2..4 from SBOX1 (rotations / input rotation); SP tables;
             sigma = fractional sqrt of the primes 2..13
  SEED       SS0..SS3 from S0/S1 and the masks of the G function; KC = rotations
             of the golden-ratio word
  Twofish    q0/q1 from the nibble permutations t0..t3 of the specification;
             MDS tables = MDS matrix (GF(2^8)/0x169) x q; exp/log tables (0x14D)
  DES        SP tables of five library layouts, libxcrypt's merged S-boxes and
             psbox, all from the FIPS S-boxes, P and each layout's bit placement;
             E and FP (= inverse IP) from their definitions
  Blowfish   P and S = hexadecimal digits of pi (Machin formula, integers)
  MD5        T[i] = floor(|sin i| * 2^32), sin by an integer Taylor series
  SHA-1/2    K and IV = fractional square/cube roots of primes (integer roots);
             SHA-512/t IVs by running SHA-512 itself (FIPS 180-4 5.3.6)
  RIPEMD-160 K = 2^30 * square/cube roots; message word order from rho and pi
  CRC        all tables from their polynomials (slicing-by-4/8, zlib's braids)
  ChaCha     sigma/tau words from the "expand 32-byte k"/"expand 16-byte k" strings
  TEA, RC5   delta, P32 Q32 P64 Q64 from phi and e (integers); S[i] = P + i*Q
  ECC        curve constants are checked here: G on the curve and n*G = infinity;
             Ed25519 d, 2d, sqrt(-1) and the base point are computed from the curve.
Where a table is arbitrary data (DES S-boxes and PC1/PC2/IP/P, CAST-128 S-boxes,
Camellia SBOX1, SEED S0/S1, ARIA S2, the Twofish nibble tables, RIPEMD-160
rotation amounts, ref10's limb forms, the curve parameters) the constants are
written below as data.  Each one, and every derived table, was compared with the
tables of independent real implementations from the Debian 12 source packages
(openssl 3.0, libgcrypt 1.10, nettle 3.8, mbedtls 2.28, botan 2.19, libcrypto++ 8.7,
libsodium 1.0.18, krb5 1.20, libxcrypt 4.4, zlib 1.2.13, xz 5.4, bzip2 1.0.8): 146
table comparisons, all equal; see the "cross-checked:" comment next to each table.
Layouts taken from assembly (OpenSSL's doubled AES words, interleaved Camellia
tables, doubled SHA-2 K rows, broadcast SHA-1 K) were checked to occur whole in
the installed libcrypto.so.3.  Only constants (facts) were taken, no code.
`--check` runs known-answer self-tests of the derivations.

consts.inc format (see the crypto spec):
  LN_CSET(name, family, algorithm, min_distinct, description)
  LN_CVAL(set_name, value)      value: 0x...u (32-bit) or 0x...ull (64-bit)
"""

import argparse
import os
import sys

# ---------------------------------------------------------------------------
# small helpers

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def rotl32(v, r):
    r &= 31
    return ((v << r) | (v >> (32 - r))) & M32 if r else v


def rotl8(v, r):
    r &= 7
    return ((v << r) | (v >> (8 - r))) & 0xFF if r else v


def bswap32(v):
    return int.from_bytes(v.to_bytes(4, "little"), "big")


def isqrt(n):
    import math
    return math.isqrt(n)


def icbrt(n):
    """floor(cube root of n) for n >= 0, exact."""
    if n < 0:
        raise ValueError
    x = 1 << ((n.bit_length() + 2) // 3)
    while True:
        y = (2 * x + n // (x * x)) // 3
        if y >= x:
            break
        x = y
    while x * x * x > n:
        x -= 1
    while (x + 1) ** 3 <= n:
        x += 1
    return x


def primes(n):
    out, c = [], 2
    while len(out) < n:
        if all(c % p for p in out if p * p <= c):
            out.append(c)
        c += 1
    return out


def hexdata(*chunks):
    return bytes.fromhex("".join(chunks))


# ---------------------------------------------------------------------------
# integer transcendental constants

def pi_fixed(bits):
    """floor(pi * 2^bits) (exact: Machin formula with 64 guard bits)."""
    guard = 64
    one = 1 << (bits + guard)

    def atan_inv(x):
        total, term, k, x2 = 0, one // x, 1, x * x
        sign = 1
        while term:
            total += sign * (term // k)
            term //= x2
            k += 2
            sign = -sign
        return total

    pi = 16 * atan_inv(5) - 4 * atan_inv(239)
    return pi >> guard


def e_fixed(bits):
    guard = 64
    one = 1 << (bits + guard)
    total, term, k = 0, one, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> guard


def sin_abs_times(n, shift):
    """floor(|sin(n)| * 2^shift) for a positive integer n, exact (Taylor series)."""
    prec = 320
    one = 1 << prec
    total, k = 0, 0
    num, den = n, 1                         # n^(2k+1), (2k+1)!
    while True:
        term = (num * one) // den
        if term == 0 and k > 2 * n:
            break
        total += term if k % 2 == 0 else -term
        k += 1
        num *= n * n
        den *= (2 * k) * (2 * k + 1)
    # each truncated term is off by < 1 unit of 2^-prec, so the sum by < k units; the
    # result is exact if the scaled value is farther than that from a multiple of 2^-shift
    v = abs(total)
    res = (v << shift) >> prec
    frac = (v << shift) & (one - 1)
    margin = k << shift
    assert margin < frac < one - margin, "sin too close to a grid point"
    return res


# ---------------------------------------------------------------------------
# GF(2^8)

def gf_mul(a, b, poly=0x11B):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= poly
        b >>= 1
    return r


def gf_inv(a, poly=0x11B):
    if a == 0:
        return 0
    r, e, base = 1, 254, a
    while e:
        if e & 1:
            r = gf_mul(r, base, poly)
        base = gf_mul(base, base, poly)
        e >>= 1
    return r


# ---------------------------------------------------------------------------
# AES

def aes_tables():
    sbox = []
    for x in range(256):
        b = gf_inv(x)
        sbox.append(b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63)
    inv = [0] * 256
    for i, s in enumerate(sbox):
        inv[s] = i
    # "Gladman"/nettle word convention: Te0[x] little-endian bytes = (2s, s, s, 3s)
    # OpenSSL's Te0 (0xc66363a5) is the byte swap of this (its Te_i = bswap32 of ours)
    te0 = [gf_mul(s, 2) | s << 8 | s << 16 | gf_mul(s, 3) << 24 for s in sbox]
    td0 = [gf_mul(s, 14) | gf_mul(s, 9) << 8 | gf_mul(s, 13) << 16 | gf_mul(s, 11) << 24
           for s in inv]
    te = [[rotl32(v, 8 * k) for v in te0] for k in range(4)]
    td = [[rotl32(v, 8 * k) for v in td0] for k in range(4)]
    rcon, r = [], 1
    for _ in range(10):
        rcon.append(r)
        r = gf_mul(r, 2)
    return sbox, inv, te, td, rcon


AES_SBOX, AES_INV, AES_TE, AES_TD, AES_RCON = aes_tables()

# ---------------------------------------------------------------------------
# DES (FIPS 46-3).  S-boxes: rows of 16, natural FIPS order.
# cross-checked: the SP tables of openssl (DES_SPtrans), libgcrypt (sbox1..8),
# mbedtls (SB1..8), nettle (keymap.h), krb5 (des_SP_table), botan (DES_SPBOX1..8) and
# libcrypto++ (Spbox), and libxcrypt's m_sbox/psbox, are all reproduced exactly from
# these S-boxes and P (see des_sp_classic / des_sp_placed and the placements below);
# the S-boxes, P, PC-1, PC-2 and IP also equal libxcrypt gen-des-tables.c.

DES_S = [[int(v) for v in row.split()] for row in (
    "14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 "
    "4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13",
    "15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 "
    "0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9",
    "10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 "
    "13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12",
    "7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 "
    "10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14",
    "2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 "
    "4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3",
    "12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 "
    "9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13",
    "4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 "
    "1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12",
    "13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 "
    "7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11")]
DES_P = [int(v) for v in
         "16 7 20 21 29 12 28 17 1 15 23 26 5 18 31 10 2 8 24 14 32 27 3 9 19 13 30 6 22 11 4 25".split()]
DES_PC1 = [int(v) for v in (
    "57 49 41 33 25 17 9 1 58 50 42 34 26 18 10 2 59 51 43 35 27 19 11 3 60 52 44 36 "
    "63 55 47 39 31 23 15 7 62 54 46 38 30 22 14 6 61 53 45 37 29 21 13 5 28 20 12 4").split()]
DES_PC2 = [int(v) for v in (
    "14 17 11 24 1 5 3 28 15 6 21 10 23 19 12 4 26 8 16 7 27 20 13 2 "
    "41 52 31 37 47 55 30 40 51 45 33 48 44 49 39 56 34 53 46 42 50 36 29 32").split()]
DES_IP = [int(v) for v in (
    "58 50 42 34 26 18 10 2 60 52 44 36 28 20 12 4 62 54 46 38 30 22 14 6 64 56 48 40 32 24 16 8 "
    "57 49 41 33 25 17 9 1 59 51 43 35 27 19 11 3 61 53 45 37 29 21 13 5 63 55 47 39 31 23 15 7").split()]
DES_FP = [DES_IP.index(i) + 1 for i in range(1, 65)]            # FP = IP^-1
DES_E = [((4 * i + j - 1) % 32) + 1 for i in range(8) for j in range(6)]


def des_s_in(i, x):
    """S-box i applied to the 6-bit input x (b1 = MSB): row = b1b6, column = b2..b5."""
    return DES_S[i][(((x >> 4) & 2) | (x & 1)) * 16 + ((x >> 1) & 15)]


def des_p(v):
    o = 0
    for j, p in enumerate(DES_P):
        if v >> (32 - p) & 1:
            o |= 1 << (31 - j)
    return o


def des_sp_classic():
    """Outerbridge d3des SP1..SP8: P(S_i(x) << 28-4i) rotated left by 1, x = 6-bit input."""
    return [[rotl32(des_p(des_s_in(i, x) << (28 - 4 * i)), 1) for x in range(64)] for i in range(8)]


def des_sp_placed(order, positions, reverse_index):
    """Tables that place the 4 S-box output bits (bit0..bit3) at given word bit positions.
    order[k] = S-box of table k; reverse_index: the table index is the 6-bit input with
    its bits reversed (OpenSSL / nettle index their tables this way)."""
    out = []
    for k, i in enumerate(order):
        tab = []
        for x in range(64):
            xi = int("{:06b}".format(x)[::-1], 2) if reverse_index else x
            s = des_s_in(i, xi)
            tab.append(sum(((s >> b) & 1) << positions[k][b] for b in range(4)))
        out.append(tab)
    return out


# Bit placements (word bit, 0 = least significant, that receives S-box output bit 0..3,
# per table) found by matching against the real tables; every table cross-checked exact.
DES_SP_OPENSSL = des_sp_placed(
    range(8),
    [[1, 25, 19, 11], [20, 4, 30, 15], [8, 0, 18, 26], [3, 12, 22, 28],
     [5, 27, 16, 10], [21, 13, 31, 6], [9, 24, 14, 2], [23, 17, 29, 7]], True)
DES_SP_NETTLE = des_sp_placed(
    [7, 5, 3, 1, 6, 4, 2, 0],
    [[19, 13, 25, 3], [17, 9, 27, 2], [31, 8, 18, 24], [16, 0, 26, 11],
     [5, 20, 10, 30], [1, 23, 12, 6], [4, 28, 14, 22], [29, 21, 15, 7]], True)
DES_SP_KRB5 = des_sp_placed(
    [6, 0, 2, 4, 3, 5, 7, 1],
    [[25, 10, 20, 0], [1, 9, 15, 23], [26, 2, 16, 8], [29, 7, 18, 24],
     [31, 22, 12, 6], [13, 21, 3, 28], [11, 17, 5, 27], [14, 30, 4, 19]], False)
DES_SP_CLASSIC = des_sp_classic()
# FreeBSD/libxcrypt tables: m_sbox[i][a<<6|b] = S_2i(a) << 4 | S_2i+1(b) (12-bit index,
# two S-boxes per byte) and psbox[i][x] = P(x << 24-8i) (P applied to one output byte)
# cross-checked: both equal libxcrypt alg-des-tables.c exactly.
DES_M_SBOX = [[des_s_in(2 * i, j >> 6) << 4 | des_s_in(2 * i + 1, j & 63) for j in range(4096)]
              for i in range(4)]
DES_PSBOX = [[des_p(x << (24 - 8 * i)) for x in range(256)] for i in range(4)]

# ---------------------------------------------------------------------------
# Blowfish: P[18] and S[4][256] are the hexadecimal digits of pi after "3."
# cross-checked: openssl bf_pi.h, libgcrypt blowfish.c, nettle blowfish.c, libxcrypt
# crypt-bcrypt.c (BF_init_state) - identical.


def blowfish_tables():
    nwords = 18 + 4 * 256
    frac = pi_fixed(32 * nwords) - (3 << (32 * nwords))
    words = [(frac >> (32 * (nwords - 1 - i))) & M32 for i in range(nwords)]
    return words[:18], [words[18 + 256 * k: 18 + 256 * (k + 1)] for k in range(4)]


BF_P, BF_S = blowfish_tables()

# ---------------------------------------------------------------------------
# Twofish.  Nibble permutations t0..t3 of q0 and q1 (Twofish paper, section 4.3.5).
# cross-checked: the derived q0/q1 equal libgcrypt twofish.c, nettle twofish.c,
# botan twofish_tab.cpp, libcrypto++ tftables.cpp; MDS tables equal libgcrypt mds[4][256],
# botan MDS0..3 and libcrypto++ mds[4][256]; the RS-code exp/log tables (GF(2^8)/0x14D)
# equal botan EXP_TO_POLY/POLY_TO_EXP and libgcrypt exp_to_poly/poly_to_exp.

TWOFISH_T = {
    0: ["817D6F320B59ECA4", "ECB81235F4A6709D", "BA5E6D90C8F32471", "D7F4126E9B3085CA"],
    1: ["28BDF76E31940AC5", "1E2B4C376DA5F908", "4C75169A0ED82B3F", "B951C3DE647F208A"],
}


def twofish_q(which):
    t = [[int(c, 16) for c in row] for row in TWOFISH_T[which]]

    def ror4(x):
        return ((x >> 1) | (x << 3)) & 15

    out = []
    for x in range(256):
        a, b = x >> 4, x & 15
        a, b = a ^ b, (a ^ ror4(b) ^ (8 * a)) & 15
        a, b = t[0][a], t[1][b]
        a, b = a ^ b, (a ^ ror4(b) ^ (8 * a)) & 15
        a, b = t[2][a], t[3][b]
        out.append(16 * b + a)
    return out


TF_Q0, TF_Q1 = twofish_q(0), twofish_q(1)
TF_MDS_M = [[0x01, 0xEF, 0x5B, 0x5B], [0x5B, 0xEF, 0xEF, 0x01],
            [0xEF, 0x5B, 0x01, 0xEF], [0xEF, 0x01, 0xEF, 0x5B]]


def twofish_mds():
    # table i: input byte i passed through its last q (q1, q0, q1, q0) then MDS column i
    qs = [TF_Q1, TF_Q0, TF_Q1, TF_Q0]
    out = []
    for i in range(4):
        tab = []
        for x in range(256):
            y = qs[i][x]
            tab.append(sum(gf_mul(TF_MDS_M[r][i], y, 0x169) << (8 * r) for r in range(4)))
        out.append(tab)
    return out


TF_MDS = twofish_mds()


def twofish_exp_log():
    exp, v = [], 1
    for _ in range(255):
        exp.append(v)
        v = gf_mul(v, 2, 0x14D)
    log = [0] * 256
    for i, e in enumerate(exp):
        log[e] = i
    return exp, log


TF_EXP, TF_LOG = twofish_exp_log()

# ---------------------------------------------------------------------------
# Camellia.  SBOX1 is data (RFC 3713 2.4.4).
# cross-checked: mbedtls camellia.c FSb (source of this copy), libgcrypt camellia.c
# (sp1110 byte), nettle camellia-table.c, openssl camellia.c Camellia_SBOX, botan
# camellia.cpp and libcrypto++ camellia.cpp s1; SBOX2..4 and all SP tables derived here
# match mbedtls FSb2..FSb4, openssl, libgcrypt, nettle, libcrypto++ (SP) and botan
# (64-bit) exactly; sigma equals openssl camellia.c SIGMA.

CAMELLIA_SBOX1 = hexdata(
    "70822cecb327c0e5e4855735ea0cae4123ef6b934519a521ed0e4f4e1d6592bd"
    "86b8af8f7ceb1fce3e30dc5f5ec50b1aa6e139cad5475d3dd9015ad651566c4d"
    "8b0d9a66fbccb02d74122b20f0b18499df4ccbc2347e76056db7a931d11704d7"
    "14583a61de1b111c320f9c165318f222fe44cfb2c3b57a912408e8a860fc6950"
    "aad0a07da1896297545b1e95e0ff64d210c40048a3f775db8a03e6da093fdd94"
    "875c8302cd4a90337367f6f39d7fbfe2529bd826c837c63b81966f4b13be632e"
    "e979a78c9f6ebc8e29f5f9b62ffdb4597898066ae74671bad425ab4288a28dfa"
    "7207b955f8eeac0a36492a683c38f1a44028d37bbbc943c115e3adf477c7809e")


def camellia_tables():
    s1 = list(CAMELLIA_SBOX1)
    s2 = [rotl8(v, 1) for v in s1]
    s3 = [rotl8(v, 7) for v in s1]
    s4 = [s1[rotl8(x, 1)] for x in range(256)]
    # 32-bit SP tables of the NTT reference code (libgcrypt, nettle, openssl):
    # bytes given by the name: sp1110 = s1 in bytes 3,2,1; sp0222 = s2 in bytes 2,1,0;
    # sp3033 = s3 in bytes 3,1,0; sp4404 = s4 in bytes 3,2,0 (byte 3 = most significant)
    sp1110 = [v << 24 | v << 16 | v << 8 for v in s1]
    sp0222 = [v << 16 | v << 8 | v for v in s2]
    sp3033 = [v << 24 | v << 8 | v for v in s3]
    sp4404 = [v << 24 | v << 16 | v for v in s4]
    # 64-bit tables (botan): S-box j of the F function followed by the P function,
    # z1 (most significant byte) .. z8; y1..y8 = s1 s2 s3 s4 s2 s3 s4 s1
    pmap = {1: (1, 2, 3, 5, 8), 2: (2, 3, 4, 5, 6), 3: (1, 3, 4, 6, 7), 4: (1, 2, 4, 7, 8),
            5: (2, 3, 4, 6, 7, 8), 6: (1, 3, 4, 5, 7, 8), 7: (1, 2, 4, 5, 6, 8),
            8: (1, 2, 3, 5, 6, 7)}        # y_j -> the z_k it is xored into
    boxes = {1: s1, 2: s2, 3: s3, 4: s4, 5: s2, 6: s3, 7: s4, 8: s1}
    sp64 = []
    for j in range(1, 9):
        tab = []
        for x in range(256):
            y = boxes[j][x]
            tab.append(sum(y << (8 * (8 - k)) for k in pmap[j]))
        sp64.append(tab)
    return s1, s2, s3, s4, (sp1110, sp0222, sp3033, sp4404), sp64


CAM_S1, CAM_S2, CAM_S3, CAM_S4, CAM_SP32, CAM_SP64 = camellia_tables()


def camellia_sigma():
    out = []
    for p in (2, 3, 5, 7, 11, 13):
        r = isqrt(p << (2 * 68))          # sqrt(p) * 2^68
        # hex places 2..17 after the point: drop the first fractional hex digit
        out.append(r & ((1 << 64) - 1))
    return out


CAMELLIA_SIGMA = camellia_sigma()

# ---------------------------------------------------------------------------
# SEED (RFC 4269).  S0/S1 are data; SS0..SS3 follow from them and the G-function masks.
# cross-checked: S0/S1 from libcrypto++ seed.cpp equal the bytes recovered from the SS
# tables of openssl seed.c (SS), libgcrypt seed.c (SS0..3) and botan seed.cpp
# (SEED_S0..3); the SS tables derived here equal all three exactly.

SEED_S0 = hexdata(
    "a985d6d3541dac255d43181e51fcca632844209de0e2c817a58f037bbb13d2ee"
    "708c3fa832ddf674ec950b575c5bbd01241c739810ccf2d92ce772839bd186c9"
    "6050a3eb0db69e4fb75ac678a612afd561c3b441527d8d081f9900190453f7e1"
    "fd762f27b08b0eaba26e934d697c090abfeff3c58714fe64de2e4b1a06216b66"
    "02f5928a0cb37ed07a4796e52680addfa13037ae36152238f4a7454c81e98497"
    "35cbce3c7111c78975fbdaf8945982c4ff493967c0cfd7b80f8e4223916cdba4"
    "34f148c26f3d2d40be3ebcc1aaba4e553bdc687f9cd84a5677a0ed46b52b65fa"
    "e3b9b19f5ef9e6b231ea6d5fe4f0cd88163a58d462290733e81b0579906a2a9a")
SEED_S1 = hexdata(
    "38e82da6cfdeb3b8af6055c7446f6b5bc36233b529a0e2a7d39111061cbc364b"
    "ef886ca817c416f4c245e1d63f3d8e98284ef63ea5f90ddfd82b667a272ff172"
    "42d441c07367ac8bf7ad801fca2caa34d20beee95d9418f857ae08c513cd86b9"
    "ff7dc131f58a6ab1d120d7022204687107db9d9961bee659dd5190dc9aa3abd0"
    "810f471ae3ec8dbf967b5ca2a163234dc89e9c3a0c2eba6e9f5af292f34978cc"
    "15fb70757f351003646dc674d5b4ea097619fe4012e0bd05fa01f02a5ea95643"
    "8514899bb0e5487997fc1e82218c1b5f7754b21d254f0046ed5852eb7edac9fd"
    "3095653cb6e4bb7c0e5039263284699337e724a4cb530a87d94c838fce3b4ab7")


def seed_tables():
    m0, m1, m2, m3 = 0xFC, 0xF3, 0xCF, 0x3F
    s0, s1 = list(SEED_S0), list(SEED_S1)

    def word(y, z0, z1, z2, z3):
        return (y & z3) << 24 | (y & z2) << 16 | (y & z1) << 8 | (y & z0)

    ss0 = [word(s0[x], m0, m1, m2, m3) for x in range(256)]
    ss1 = [word(s1[x], m1, m2, m3, m0) for x in range(256)]
    ss2 = [word(s0[x], m2, m3, m0, m1) for x in range(256)]
    ss3 = [word(s1[x], m3, m0, m1, m2) for x in range(256)]
    kc = [rotl32(0x9E3779B9, i) for i in range(16)]
    return ss0, ss1, ss2, ss3, kc


SEED_SS0, SEED_SS1, SEED_SS2, SEED_SS3, SEED_KC = seed_tables()

# ---------------------------------------------------------------------------
# ARIA (RFC 5794).  S1 = AES S-box, X1 = its inverse; S2 is data, X2 = S2^-1.
# cross-checked: S2 from mbedtls aria.c (aria_sb2) equals openssl aria.c, botan
# aria.cpp and libcrypto++ ariatab.cpp (low byte of S2 words); the 32-bit tables
# derived here equal openssl/botan/libcrypto++ S1 S2 X1 X2; X2 equals mbedtls aria_is2.

ARIA_S2 = hexdata(
    "e24e54fc94c24acc620d6a463c4d8bd15efa64cbb497be2bbc772e03d31959c1"
    "1d06416b55f09969ea9c18ae63dfe7bb007366fb964c85e43a0945aa0fee10eb"
    "2d7ff429accfad918d78c895f92fcecd087a88385c832a2847dbb8c793a41253"
    "ff870e3136215848018e377432cae9b1b7ab0cd7c4564226079860d9b6b91140"
    "ec208cbda0c984044923f14f501f13dcd8c09e57e3c37b653b028f3ee82592e5"
    "15ddfd17a9bfd49a7ec53967fe769d43a7e1d0f568f21b347005a38ad57986a8"
    "30c6514b1ea627f635d26e2416825fdae675a2ef2cb21c9f5d6f800a72449b6c"
    "900b5b337d5a52f361a1f7b0d63f7c6ded14e0a53d22b3f889de711aafbab581")


def aria_tables():
    s1, x1 = AES_SBOX, AES_INV
    s2 = list(ARIA_S2)
    x2 = [0] * 256
    for i, v in enumerate(s2):
        x2[v] = i
    w_s1 = [v << 16 | v << 8 | v for v in s1]
    w_s2 = [v << 24 | v << 8 | v for v in s2]
    w_x1 = [v << 24 | v << 16 | v for v in x1]
    w_x2 = [v << 24 | v << 16 | v << 8 for v in x2]
    # C1..C3: the first 384 bits of the fractional part of 1/pi
    bits = 384
    inv_pi = (1 << (2 * bits + 64)) // pi_fixed(bits + 64)     # 2^bits / pi
    c = [(inv_pi >> (128 * (2 - i))) & ((1 << 128) - 1) for i in range(3)]
    return s2, x2, (w_s1, w_s2, w_x1, w_x2), c


ARIA_S2L, ARIA_X2, ARIA_W, ARIA_C = aria_tables()

# ---------------------------------------------------------------------------
# CAST-128 (RFC 2144) S-boxes S1..S8, data.  CAST-256 (RFC 2612) uses S1..S4.
# cross-checked: openssl cast_s.h (source of this copy), nettle cast128_sboxes.h,
# libgcrypt cast5.c, botan cast_sboxes.h and libcrypto++ casts.cpp: identical.

CAST_S1 = hexdata(
    "30fb40d49fa0ff0b6beccd2f3f258c7a1e213f2f9c004dd36003e540cf9fc949"
    "bfd4af2788bbbdb5e203409098d096756e63a0e015c361d2c2e7661d22d4ff8e"
    "28683b6fc07fd059ff2379c8775f50e243c340d3df2f8656887ca41aa2d2bd2d"
    "a1c9e0d6346c481961b76d8722540f2f2abe32e1aa54166b22568e3aa2d341d0"
    "66db40c8a784392f004dff2f2db9d2de97943fac4a97c1d8527644b7b5f437a7"
    "b82cbaefd751d1596ff7f0ed5a097a1f827b68d090ecf52e22b0c054bc8e5935"
    "4b6d2f7f50bb64a2d2664910bee5812db7332290e93b159fb48ee4114bff345d"
    "fd45c240ad31973fc4f6d02e55fc8165d5b1caada1ac2daea2d4b76dc19b0c50"
    "882240f20c6e4f38a4e4bfd74f5ba272564c1d2fc59c5319b949e354b04669fe"
    "b1b6ab8ac71358dd6385c545110f935d57538ad56a390493e63d37e02a54f6b3"
    "3a787d5f6276a0b519a6fcdf7a42206a29f9d4d5f61b1891bb72275eaa508167"
    "38901091c6b505eb84c7cb8c2ad75a0f874a1427a2d1936b2ad286afaa56d291"
    "d7894360425c750d93b39e26187184c96c00b32d73e2bb14a0bebc3c54623779"
    "64459eab3f328b827718cf8259a2cea604ee002e89fe78e63fab0950325ff6c2"
    "81383f056963c5c876cb5ad6d49974c9ca180dcf380782d5c7fa5cf68ac31511"
    "35e79e1347da91d0f40f9086a7e2419e31366241051ef495aa573b044a805d8d"
    "548300d000322a3cbf64cddfba57a68e75c6372b50afd341a7c13275915a0bf5"
    "6b54bfab2b0b1426ab4cc9d7449ccd82f7fbf265ab85c5f31b55db94aad4e324"
    "cfa4bd3f2deaa3e29e204d02c8bd25aceadf55b3d5bd9e98e31231b22ad5ad6c"
    "954329deadbe4528d8710f69aa51c90faa786bf622513f1eaa51a79b2ad344cc"
    "7b5a41f0d37cfbad1b06950541ece491b4c332e6032268d4c9600accce387e6d"
    "bf6bb16c6a70fb780d03d9c9d4df39dee01063da4736f4645ad328d8b347cc96"
    "75bb0fc398511bfb4ffbcc35b58bcf6ae11f0abcbfc5fe4aa70aec10ac39570a"
    "3f04442f6188b153e0397a2e5727cb799ceb418f1cacd68d2ad37c960175cb9d"
    "c69dff09c75b65f0d9db40d8ec0e77794744ead4b11c3274dd24cb9e7e1c54bd"
    "f01144f9d2240eb19675b3fda3ac3755d47c27af51c85f4d56907596a5bb15e6"
    "580304f0ca042cf1011a37ea8dbfaadb35ba3e4a3526ffa0c37b4d09bc306ed9"
    "98a526665648f725ff5e569d0ced63d07c63b2cf700b45e1d5ea50f185a92872"
    "af1fbda7d4234870a7870bf32d3b4d7942e041980cd0ede726470db8f881814c"
    "474d6ad77c0c5e5cd1231959381b7298f5d2f4dbab8386536e2f1e2383719c9e"
    "bd91e0469a56456edc39200c20c8c571962bda1ce1e696ffb141ab087cca89b9"
    "1a69e78302cc4843a2f7c579429ef47d427b169c5ac9f049dd8f0f005c8165bf")
CAST_S2 = hexdata(
    "1f201094ef0ba75b69e3cf7e393f4380fe61cf7aeec5207a55889c9472fc0651"
    "ada7ef794e1d7235d55a63cede0436ba99c430ef5f0c079418dcdb7da1d6eff3"
    "a0b52f7b59e83605ee15b094e9ffd909dc440086ef944459ba83ccb3e0c3cdfb"
    "d1da41813b092ab1f997f1c1a5e6cf7b01420ddbe4e7ef5b25a1ff41e180f806"
    "1fc41080179bee7ad37ac6a9fe5830a498de8b7f77e83f4e7992926924fa9f7b"
    "e113c85bacc40083d7503525f7ea615f621431540d554b635d681121c866c359"
    "3d63cf73cee234c0d4d87e875c672b21071f618139f7627f361e3084e4eb573b"
    "602f64a4d63acd9c1bbc46359e81032d2701f50c99847ab4a0e3df79ba6cf38c"
    "108430942537a95ef46f6ffea1ff3b1f208cfb6a8f458c74d9e0a2274ec73a34"
    "fc884f693e4de8dfef0e00883559648d8a45388c1d804366721d9bfda58684bb"
    "e8256333844e8212128d8098fed33fb4ce280ae127e19ba5d5a6c252e49754bd"
    "c5d655ddeb66706477840b4da1b6a80184db26a9e0b5671421f043b7e5d05860"
    "54f03084066ff472a31aa153dadc4755b5625dbf68561be683ca6b942d6ed23b"
    "eccf01dba6d3d0bab6803d5caf77a70933b4a34c397bc8d65ee22b955f0e5304"
    "81ed6f6120e74364b45e1378de18639b881ca122b96726d18049a7e822b7da7b"
    "5e552d255272d23779d2951cc60d894c488cb4021ba4fe5ba4b09f6b1ca815cf"
    "a20c30058871df63b9de2fcb0cc6c9e90beeff53e3214517b45428359f63293c"
    "ee41e7296e1d2d7c500452861e6685f3f33401c630a22c9531a7085060930f13"
    "73f98417a1269859ec645c4452c877a9cdff33a6a02b17417cbad9a22180036f"
    "50d99c08cb3f4861c26bd76564a3f6ab8034267625a75e7be4e6d1fc20c710e6"
    "cdf0b68017844d3b31eef84d7e0824e42ccb49eb846a3bae8ff77888ee5d60f6"
    "7af756732fdd5cdba11631c130f66f43b3faec54157fd7faef8579ccd152de58"
    "db2ffd5e8f32ce19306af97a02f03ef899319ad5c242fa0fa7e3ebb0c68e4906"
    "b8da230c80823028dcdef3c8d35fb171088a1bc8bec0c56061a3c9e8bca8f54d"
    "c72feffa22822e9982c570b4d8d94e898b1c34bc301e16e6273be979b0ffeaa6"
    "61d9b8c600b24869b7ffce3f08dc283b43daf65af7e197987619b72f8f1c9ba4"
    "dc8637a016a7d3b19fc393b7a7136eebc6bcc63e1a513742ef6828bc520365d6"
    "2d6a77ab3527ed4b821fd216095c6e2edb92f2fb5eea29cb145892f591584f7f"
    "5483697b2667a8cc851960488c4bacea833860d40d23e0f96c387e8a0ae6d249"
    "b284600cd835731ddcb1c647ac4c56ea3ebd81b3230eabb06438bc87f0b5b1fa"
    "8f5ea2b3fc1846420a036b7a4fb089bd649da589a345415e5c0383233e5d3bb9"
    "43d795727e6dd07c06dfdf1e6c6cc4ef7160a53973bfbe70838776054523ecf1")
CAST_S3 = hexdata(
    "8defc24025fa5d9feb903dbfe810c90747607fff369fe44b8c1fc644aececa90"
    "beb1f9bfeefbcaeae8cf195051df07ae920e8806f0ad0548e13c8d83927010d5"
    "11107d9f07647db9b2e3e4d43d4f285eb9afa820fade82e0a067268b8272792e"
    "553fb2c0489ae22bd4ef9794125e3fbc21fffcee825b1bfd9255c5ed1257a240"
    "4e1a8302bae07fff528246e78e57140e3373f7bf8c9f8188a6fc4ee8c982b5a5"
    "a8c01db7579fc26467094f31f2bd3f5f40fff7c11fb78dfc8e6bd2c1437be59b"
    "99b03dbfb5dbc64b638dc0e655819d99a197c81c4a012d6ec5884a28ccc36f71"
    "b843c2136c0743f18309893c0feddd5f2f7fe850d7c07f7e02507fbf5afb9a04"
    "a747d2d01651192eaf70bf3e58c313805f98302e727cc3c40a0fb4020f7fef82"
    "8c96fdad5d2c2aae8ee99a4950da88b88427f4a01eac5790796fb4498252dc15"
    "efbd7d9ba672597dada840d845f54504fa5d7403e83ec3054f91751a925669c2"
    "23efe941a903f12e60270df20276e4b694fd6574927985b28276dbcb02778176"
    "f8af918d4e48f79e8f616ddfe29d840e842f7d83340ce5c896bbb68293b4b148"
    "ef303cab984faf28779faf9b92dc560d224d1e208437aa887d29dc962756d3dc"
    "8b907ceeb51fd240e7c07ce3e566b4a1c3e9615e3cf8209d6094d1e3cd9ca341"
    "5c76460e00ea983bd4d67881fd47572cf76cedd9bda8229c127dadaa438a074e"
    "1f97c090081bdb8a93a07ebeb938ca1597b03cff3dc2c0f88d1ab2ec64380e51"
    "68cc7bfbd90f2788124901815de5ffd4dd7ef86a76a2e214b9a40368925d958f"
    "4b39fffaba39aee9a4ffd30bfaf7933b6d498623193cbcfa27627545825cf47a"
    "61bd8ba0d11e42d1cead04f4127ea39210428db78272a9729270c4a8127de50b"
    "285ba1c83c62f44f35c0eaa5e805d231428929fbb4fcdf824fb66a530e7dc15b"
    "1f081fab108618aefcfd086df9ff2889694bcc11236a5cae12deca4d2c3f8cc5"
    "d2d02dfef8ef5896e4cf52da95155b67494a488cb9b6a80c5c8f82bc89d36b45"
    "3a609437ec00c9a9447152530a874b49d773bc407c34671c02717ef64feb5536"
    "a2d02fffd2bf60c4d43f03c050b4ef6d07478cd1006e1888a2e53f55b9e6d4bc"
    "a204801697573833d7207d67de0f8f3d72f87b33abcc4f337688c55d7b00a6b0"
    "947b0001570075d2f9bb88f88942019e4264a5ff856302e072dbd92bee971b69"
    "6ea22fde5f08ae2baf7a616de5c98767cf1febd261efc8c2f1ac2571cc8239c2"
    "67214cb8b1e583d1b7dc3e627f10bdcef90a5c380ff0443d606e6dc660543a49"
    "5727c1482be98a1d8ab4173820e1be24af96da0f6845842599833be5600d457d"
    "282f93508334b362d91d11202b6d8da0642b1e319c305a0052bce6881b03588a"
    "f7baefd54142ed9ca4315c1183323ec5dfef4636a133c501e9d3531cee353783")
CAST_S4 = hexdata(
    "9db304201fb6e9dea7be7befd273a2984a4f7bdb64ad8c5785510443fa020ed1"
    "7e287affe60fb663095f35a179ebf120fd059d436497b7b1f3641f63241e4adf"
    "28147f5f4fa2b8cdc94300400cc32220fdd30b30c0a5374f1d2d00d924147b15"
    "ee4d111a0fca516771ff904c2d195ffe1a05645f0c13fefe081b08ca05170121"
    "80530100e83e5efeac9af4f87fe72701d2b8ee5f06df4261bb9e9b8a7293ea25"
    "ce84ffdff57188013dd64b04a26f263b7ed48400547eebe6446d4ca06cf3d6f5"
    "2649abdfaea0c7f536338cc1503f7e93d377206111b638e172500e03f80eb2bb"
    "abe0502eec8d77de57971e81e14f6746c93354006920318f081dbb99ffc304a5"
    "4d3518057f3d5ce3a6c866c65d5bcca9daec6fea9f926f919f46222f3991467d"
    "a5bf6d8e1143c44f43958302d0214eeb022083b83fb6180c18f8931e281658e6"
    "26486e3e8bd78a707477e4c1b506e07cf32d0a2579098b02e4eabb8128123b23"
    "69dead381574ca16df871b62211c40b7a51a9ef90014377b041e8ac809114003"
    "bd59e4d2e3d156d54fe876d52f91a340557be8de00eae4a70ce5c2ec4db4bba6"
    "e756bdffdd3369acec17b0350657232799afc8b056c8c3916b65811c5e146119"
    "6e85cb75be07c002c2325577893ff4ec5bbfc92dd0ec3b25b7801ab78d6d3b24"
    "20c763efc366a5fc9c3828800ace3205aac9548aeca1d7c7041afa321d16625a"
    "6701902c9b757a5431d477f79126b03136cc6fdbc70b8b46d9e66a4856e55a79"
    "026a4ceb52437eff2f8f76b40df980a58674cde3edda04eb17a9be042c18f4df"
    "b7747f9dab2af7b4efc34d202e096b7c1741a254e5b6a035213d42f62c1c7c26"
    "61c2f50f6552daf9d2c231f825130f69d8167fa20418f2c8001a96a60d1526ab"
    "63315c215e0a72ec49bafefd187908d98d0dbd86311170a73e9b640ccc3e10d7"
    "d5cad3b60caec388f73001e16c728aff71eae2a11f9af36ecfcbd12fc1de8417"
    "ac07be6bcb44a1d88b9b0f56013988c3b1c52fcab4be31cdd878280612a3a4e2"
    "6f7de53258fd7eb6d01ee90024adffc2f4990fc59711aac5001d7b9582e5e7d2"
    "109873f600613096c32d9521ada121ff299084157fbb977faf9eb3db29c9ed2a"
    "5ce2a465a730f32cd0aa3fe88a5cc091d49e2ce70ce454a9d60acd86015f1919"
    "77079103dea03af678a8565edee356df21f05cbe8b75e387b3c50651b8a5c3ef"
    "d8eeb6d2e523be77c21545292f69efdfafe67afbf470c4b2f3e0eb5bd6cc9876"
    "39e4460c1fda85381987832fca007367a99144f8296b299e492fc2959266beab"
    "b5676e699bd3dddadf7e052fdb25701c1b5e51eef65324e66afce36c0316cc04"
    "8644213eb7dc59d07965291fccd6fd4341823979932bcdf6b657c34d4edfd282"
    "7ae5290c3cb9536b851e20fe9833557e13ecf0b0d3ffb3723f85c5c10aef7ed2")
CAST_S5 = hexdata(
    "7ec90c042c6e74b99b0e66dfa6337911b86a7fff1dd358f544dd9d441731167f"
    "08fbf1fae7f511ccd2051b00735aba002ab722d8386381cbacf6243a69befd7a"
    "e6a2e77ff0c720cdc4494816ccf5c1803885164015b0a848e68b18cb4caadeff"
    "5f480a010412b2aa259814fc41d0efe24e40b48d248eb6fb8dba1cfe41a99b02"
    "1a550a04ba8f65cb7251f4e795a51725c106ecd797a5980ac539b9aa4d79fe6a"
    "f2f3f76368af8040ed0c9e5611b4958be1eb5a888709e6b0d7e071564e29fea7"
    "6366e52d02d1c000c4ac8e059377f5710c05372a578535f22261be02d642a0c9"
    "df13a28074b55bd2682199c0d421e5ec53fb3ce8c8adedb328a87fc93d959981"
    "5c1ff900fe38d3990c4eff0b062407eaaa2f4fb14fb9697690c79505b0a8a774"
    "ef55a1ffe59ca2c2a6b62d27e66a4263df65001f0ec50966dfdd55bc29de0655"
    "911e739a17af897532c7911c89f894680d01e980524755f403b63cc90cc844b2"
    "bcf3f0aa87ac36e9e53a742601b3d82b1a9e744964ee2d7ecddbb1da01c94910"
    "b868bf800d26f3fd9342ede704a5c284636737b650f5b616f24766e38eca36c1"
    "136e05dbfef18391fb887a37d6e7f7d4c7fb7dc93063fcdfb6f589deec2941da"
    "26e46695b7566419f654efc5d08d58b748925401c1bacb7fe5ff550fb6083049"
    "5bb5d0e887d72e5aab6a6ee1223a66cec62bf3cd9e0885f968cb3e47086c010f"
    "a21de820d18b69def3f65777fa02c3f6407edac3cbb3d5501793084db0d70eba"
    "0ab378d5d951fb0cded7da564124bbe494ca0b560f5755d1e0e1e56e6184b5be"
    "580a249f94f74bc0e327888e9f7b5561c3dc028005687715646c6bd744904db3"
    "66b4f0a3c0f1648a697ed5af49e92ff6309e374f2cb6356a858085734991f840"
    "76f0ae02083be84d28421c9a44489406736e4cb8c10929108bc95fc67d869cf4"
    "134f616f2e77118db31b2be1aa90b4723ca5d7177d161bba9cad9010af462ba2"
    "9fe459d245d34559d9f2da13dbc65487f3e4f94e176d486f097c13ea631da5c7"
    "445f7382175683f4cdc66a9770be0288b3cdcf726e5dd2f320936079459b80a5"
    "be60e2dba9c23101eba5315c224e42f21c5c1572f6721b2c1ad2fff38c25404e"
    "324ed72f4067b7fd0523138e5ca3bc78dc0fd66e75922283784d6b1758ebb16e"
    "44094f853f481d87fcfeae7b77b5ff768c2302bfaaf475565f46b02a2b092801"
    "3d38f5f70ca81f3652af4a8a66d5e7c0df3b0874950551101b5ad7a8f61ed5ad"
    "6cf6e47920758184d0cefa6588f7be584a0468260ff6f8f3a09c7f705346aba0"
    "5ce96c28e176eda36bac307f376829d285360fa917e3fe2a24b79767f5a96b20"
    "d6cd259568ff1ebf7555442cf19f06bef9e0659aeeb9491d34010718bb30cab8"
    "e822fe1588570983750e6249da627e555e76ffa8b15345466d47de08efe9e7d4")
CAST_S6 = hexdata(
    "f6fa8f9d2cac6ce14ca34867e2337f7c95db08e7016843b4eced5cbc325553ac"
    "bf9f0960dfa1e2ed83f0579d63ed86b91ab6a6b8de5ebe39f38ff7328989b138"
    "33f14961c01937bdf506c6dae4625e7ea308ea994e23e33c79cbd7cc48a14367"
    "a3149619fec94bd5a114174aeaa01866a084db2d09a8486fa888614a2900af98"
    "01665991e1992863c8f30c602e78ef3cd0d51932cf0fec14f7ca07d2d0a82072"
    "fd41197e9305a6b0e86be3da74bed3cd372da53c4c7f4448dab5d4406dba0ec3"
    "083919a79fbaeed949dbcfb04e670c535c3d9c0164bdb9412c0e636aba7dd9cd"
    "ea6f7388e70bc76235f29adb5c4cdd8df0d48d8cb88153e208a198661ae2eac8"
    "284caf89aa9282239334be533b3a21bf16434be39aea3906efe8c36ef890cdd9"
    "80226daec340a4a3df7e9c09a694a8075b7c5ecc221db3a69a69a02f68818a54"
    "ceb2296f53c0843afe89365525bfe68ab4628abccf222ebf25ac6f48a9a99387"
    "53bddb65e76ffbe7e967fd780ba935638e342bc1e8a11be94980740dc8087dfc"
    "8de4bf99a11101a07fd37975da5a26c0e81f994f9528cd89fd339fedb87834bf"
    "5f04456d22258698c9c4c83b2dc156be4f628daa57f55ec5e2220abed2916ebf"
    "4ec75b9524f2c3c042d15d99cd0d7fa07b6e27ffa8dc8af07345c106f41e232f"
    "35162386e6ea89263333b094157ec6f2372b74af692573e4e9a9d848f3160289"
    "3a62ef1da787e238f3a5f67674364853209510634576698db6fad407592af950"
    "36f735234cfb6e877da4cec06c152daacb0396a8c50dfe5dfcd707ab0921c42f"
    "89dff0bb5fe2be78448f4f33754613c92b05d08d48b9d585dc049441c8098f9b"
    "7dede786c39a3373424100056a0917510ef3c8a6890072d628207682a9a9f7be"
    "bf32679dd45b5b75b353fd00cbb0e358830f220a1f8fb214d372cf08cc3c4a13"
    "8cf63166061c87be88c98f886062e39747cf8e7ab6c852833cc2acfb3fc06976"
    "4e8f025264d8314dda3870e31e665459c10908f0513021a56c5b68b7822f8aa0"
    "3007cd3e74719eefdc872681073340d47e432fd90c5ec2418809286cf592d891"
    "08a930f6957ef305b7fbffbdc266e96f6fe4ac98b173ecc0bc60b42a953498da"
    "fba1ae122d4bd7360f25faaba4f3fcebe2969123257f0c3d9348af49361400bc"
    "e8816f4a3814f200a3f940439c7a54c2bc704f57da41e7f9c25ad33a54f4a084"
    "b17f550559357cbeedbd15c87f97c5abba5ac7b5b6f6deaf3a479c3a5302da25"
    "653d7e6a54268d4951a477ea5017d55bd7d25d8844136c760404a8c8b8e5a121"
    "b81a928a60ed586997c55b96eaec991b2993591301fdb7f1088e8dfa9ab6f6f5"
    "3b4cbf9f4a5de3abe6051d35a0e1d855d36b4cf1f544edebb0e93524bebb8fbd"
    "a2d762cf49c92f5438b5f3317128a45448392905a65b1db8851c97bdd675cf2f")
CAST_S7 = hexdata(
    "85e04019332bf567662dbfffcfc656932a8d7f6fab9bc912de6008a12028da1f"
    "0227bce74d64291618fac30050f18b822cb2cb11b232e75c4b3695f2b28707de"
    "a05fbcf6cd4181e9e150210ce24ef1bdb168c381fde4e7895c79b0d81e8bfd43"
    "4d49500138be4341913cee1d92a79c3f089766bebaeeadf41286becfb6eacb19"
    "2660c2007565bde464241f7a8248dca9c3b3ad66281360860bd8dfa8356d1cf2"
    "107789beb3b2e9ce0502aa8f0bc0351e166bf52aeb12ff82e3486911d34d7516"
    "4e7b3aff5f43671b9cf6e0374981ac83334266ce8c9341b7d0d854c0cb3a6c88"
    "47bc28294725ba37a66ad22b7ad61f1e0c5cbafa4437f107b6e7996242d2d816"
    "0a961288e1a5c06e13749e6772fc081ab1d139f7f9583745cf19df58bec3f756"
    "c06eba3007211b2445c28829c95e317fbc8ec51138bc46e9c6e6fa14bae8584a"
    "ad4ebc46468f508b7829435ff124183b821dba9faff60ff4ea2c4e6d16e39264"
    "92544a8b009b4fc3aba68ced9ac96f7806a5b79ab2856e6e1aec3ca9be838688"
    "0e0804e955f1be56e7e5363bb3a1f25df7debb8561fe033c167462333c034c28"
    "da6d0c7479aac56c3ce4e1ad51f0c80298f8f35a1626a49feed82b291d382fe3"
    "0c4fb99abb3257783ec6d97b6e77a6a9cb658b5cd45230c72bd1408b60c03eb7"
    "b9068d78a33754f4f430c87dc8a71302b96d8c32ebd4e7bebe8b9d2d7979fb06"
    "e72253088b75cf7711ef8da4e083c8588d6b786f5a6317a6fa5cf7a05dda0033"
    "f28ebfb0f5b9c310a0eac28008b9767aa3d9d2b079d34217021a718d9ac6336a"
    "2711fd60438050e3069908a83d7fedc4826d2bef4eeb8476488dcf2536c9d566"
    "28e74e41c2610aca3d49a9cfbae3b9dfb65f8de692aeaf643ac7d5e69ea80509"
    "f22b017da4173f70dd1e16c315e0d7f950b1b8872b9f4fd5625aba826a017962"
    "2ec01b9c15488aa9d716e74040055a2c93d29a22e32dbf9a058745b93453dc1e"
    "d699296e496cff6f1c9f4986dfe2ed07b87242d119de7eae053e561a15ad6f8c"
    "66626c1c7154c24cea082b2a93eb293917dcb0f058d4f2ae9ea294fb52cf564c"
    "9883fe662ec40581763953c301d6692ed3a0c108a1e7160ee4f2dfa6693ed285"
    "749046984c2b0edd4f7576565d393378a132234f3d321c5dc3f5e1944b269301"
    "c79f022f3c997e7e5e4f95043ffafbbd76f7ad0e296693f43d1fce6fc61e45be"
    "d3b5ab34f72bf9b71b0434c04e72b5675592a33db5229301cfd2a87f60aeb767"
    "1814386b30bcc33d38a0c07dfd1606f2c363519b589dd3905479f8e61cb8d647"
    "97fd61a9ea7759f42d57539d569a58cfe84e63ad462e1b786580f87ef3817914"
    "91da55f440a230f3d1988f35b6e318d23ffa50bc3d40f021c3c0bdae4958c24c"
    "518f36b284b1d3700fedce83878ddadaf2a279c794e01be890716f4b954b8aa3")
CAST_S8 = hexdata(
    "e216300dbbddfffca7ebdabd356480957789f8b7e6c1121b0e241600052ce8b5"
    "11a9cfb0e5952f11ece7990a9386d1742a42931c76e38111b12def3a37ddddfc"
    "de9adeb10a0cc32cbe19702984a00940bb243a0fb4d137cfb44e79f0049eedfd"
    "0b15a15d480d31688bbbde5a669ded42c7ece8313f8f95e772df191b7580330d"
    "940742515c7dcdfaabbe6d63aa402164b301d40a02e7d1ca53571dae7a3182a2"
    "12a8ddecfdaa335d176f43e871fb46d438129022ce949ad4b84769ad965bd862"
    "82f3d05566fb976715b80b4e1d5b47a04cfde06fc28ec4b857e8726e647a78fc"
    "99865d44608bd5936c200e0339dc5ff65d0b00a3ae63aff27e8bd63270108c0c"
    "bbd350492998df04980cf42a9b6df4919e7edd530691854858cb7e073b74ef2e"
    "522fffb1d24708cc1c7e27cda4eb215b3cf1d2e219b47a38424f761835856039"
    "9d17dee727eb35e6c9aff67b36baf5b809c467cdc18910b1e11dbf7b06cd1af8"
    "7170c6082d5e3354d4de495a64c6d006bcc0c62c3dd00db3708f8f3477d51b42"
    "264f620f24b8d2bf15c1b79e46a52564f8d7e54e3e3781607895cda5859c15a5"
    "e6459788c37bc75fdb07ba0c0676a3ab7f229b1e31842e7b24259fd7f8bef472"
    "835ffcb86df4c1f296f5b195fd0af0fcb0fe134ce2506d3d4f9b12eaf215f225"
    "a223736f9fb4c42825d0497934c713f8c4618187ea7a6e987cd16efc1436876c"
    "f1544107bedeee1456e9af27a04aa4413cf7c89992ecbae6dd67016d151682eb"
    "a842eedffdba60b4f1907b7520e3030f24d8c29ee139673befa63fb871873054"
    "b6f2cf3b9f326442cb15a4ccb01a4504f1e47d8d844a1be5bae7dfdc42cbda70"
    "cd7dae0a57e85b7ad53f5af620cf4d8ccea4d42879d130a43486ebfb33d3cddc"
    "77853b5337effcb5c5068778e580b3e64e68b8f4c5c8b37e0d809ea2398feb7c"
    "132a4f9443b7950e2fee7d1c223613bddd06caa237df932bc4248289acf3ebc3"
    "5715f6b7ef3478ddf267616fc148cbe49052815e5e410fabb48a24652eda7fa4"
    "e87b40e4e98ea0845889e9e1efd390fcdd07d35bdb48569438d7e5b257720101"
    "730edebc5b64311394917e4f503c2fba646f12827523d24ae0779695f9c17a8f"
    "7a5b2121d187b89629263a4dba510cdf81f47c9fad1163edea7b59651a00726e"
    "1140309200da6d774a0cdd61ad1f4603605bdfb09eedc36422ebe6a8cee7d28a"
    "a0e736a05564a6b910853209c7eb8f372de705ca8951570fdf09822bbd691a6c"
    "aa12e4f287451c0fe0f6a27a3ada48194cf1764f0d771c2b67cdb156350d8384"
    "5938fa0f42399ef336997b070e84093d4aa93e618360d87b1fa98b0c1149382c"
    "e97625a50614d1b70e25244b0c768347589e8d820d2059d1a466bb1ef8da0a82"
    "04f19130ba6e4ec0992651641ee7230d50b2ad80eaee68018db2a283ea8bf59e")
CAST_S = [[int.from_bytes(t[i:i + 4], "big") for i in range(0, 1024, 4)]
          for t in (CAST_S1, CAST_S2, CAST_S3, CAST_S4, CAST_S5, CAST_S6, CAST_S7, CAST_S8)]

# ---------------------------------------------------------------------------
# hashes


def md5_tables():
    t = [sin_abs_times(i, 32) for i in range(1, 65)]
    shifts = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
    index = ([i for i in range(16)] + [(5 * i + 1) % 16 for i in range(16)] +
             [(3 * i + 5) % 16 for i in range(16)] + [(7 * i) % 16 for i in range(16)])
    return t, shifts, index


MD5_T, MD5_SHIFTS, MD5_INDEX = md5_tables()
MD_IV = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
SHA1_IV = MD_IV + [0xC3D2E1F0]


def frac_root(p, bits, cube):
    if cube:
        return icbrt(p << (3 * bits)) & ((1 << bits) - 1)
    return isqrt(p << (2 * bits)) & ((1 << bits) - 1)


PRIMES = primes(80)
SHA256_K = [frac_root(p, 32, True) for p in PRIMES[:64]]
SHA512_K = [frac_root(p, 64, True) for p in PRIMES[:80]]
SHA256_IV = [frac_root(p, 32, False) for p in PRIMES[:8]]
SHA512_IV = [frac_root(p, 64, False) for p in PRIMES[:8]]
SHA384_IV = [frac_root(p, 64, False) for p in PRIMES[8:16]]
SHA224_IV = [v & M32 for v in SHA384_IV]          # FIPS 180-4: the low 32 bits
SHA1_K = [isqrt(n << 60) for n in (2, 3, 5, 10)]  # 2^30 * sqrt(2), sqrt(3), sqrt(5), sqrt(10)


def sha512_compress(h, block):
    def rotr(x, n):
        return ((x >> n) | (x << (64 - n))) & M64
    w = [int.from_bytes(block[i:i + 8], "big") for i in range(0, 128, 8)]
    for i in range(16, 80):
        s0 = rotr(w[i - 15], 1) ^ rotr(w[i - 15], 8) ^ (w[i - 15] >> 7)
        s1 = rotr(w[i - 2], 19) ^ rotr(w[i - 2], 61) ^ (w[i - 2] >> 6)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & M64)
    a, b, c, d, e, f, g, hh = h
    for i in range(80):
        t1 = (hh + (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) + ((e & f) ^ (~e & g)) +
              SHA512_K[i] + w[i]) & M64
        t2 = ((rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & M64
        a, b, c, d, e, f, g, hh = (t1 + t2) & M64, a, b, c, (d + t1) & M64, e, f, g
    return [(x + y) & M64 for x, y in zip(h, (a, b, c, d, e, f, g, hh))]


def sha512_digest(msg, iv):
    ml = len(msg)
    msg = msg + b"\x80" + b"\0" * ((111 - ml) % 128) + (8 * ml).to_bytes(16, "big")
    h = list(iv)
    for i in range(0, len(msg), 128):
        h = sha512_compress(h, msg[i:i + 128])
    return h


def sha512t_iv(t):
    iv = [v ^ 0xA5A5A5A5A5A5A5A5 for v in SHA512_IV]
    return sha512_digest(("SHA-512/%d" % t).encode(), iv)


SHA512_256_IV = sha512t_iv(256)
SHA512_224_IV = sha512t_iv(224)

# RIPEMD-160 (Dobbertin, Bosselaers, Preneel).  K from roots; word order from rho/pi;
# rotation amounts are data.  cross-checked: openssl rmd_local.h (KL*/KR*, WL*/WR*,
# SL*/SR* macros) and libcrypto++ ripemd.cpp.
RMD_KL = [0, isqrt(2 << 60), isqrt(3 << 60), isqrt(5 << 60), isqrt(7 << 60)]
RMD_KR = [icbrt(2 << 90), icbrt(3 << 90), icbrt(5 << 90), icbrt(7 << 90), 0]
_RHO = [7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8]


def _rmd_order(start):
    out, cur = [], list(start)
    for _ in range(5):
        out += cur
        cur = [_RHO[v] for v in cur]
    return out


RMD_R = _rmd_order(range(16))
RMD_RP = _rmd_order([(9 * i + 5) % 16 for i in range(16)])
RMD_S = [int(v) for v in (
    "11 14 15 12 5 8 7 9 11 13 14 15 6 7 9 8 7 6 8 13 11 9 7 15 7 12 15 9 11 7 13 12 "
    "11 13 6 7 14 9 13 15 14 8 13 6 5 12 7 5 11 12 14 15 14 15 9 8 9 14 5 6 8 6 5 12 "
    "9 15 5 11 6 8 13 12 5 12 13 14 11 8 5 6").split()]
RMD_SP = [int(v) for v in (
    "8 9 9 11 13 15 15 5 7 7 8 11 14 14 12 6 9 13 15 7 12 8 9 11 7 7 12 7 6 15 13 11 "
    "9 7 15 11 8 6 6 14 12 13 5 14 13 13 7 5 15 5 8 11 14 14 6 14 6 9 12 9 12 5 15 8 "
    "8 5 12 9 12 5 14 6 8 13 6 5 15 13 11 11").split()]

# ChaCha / Salsa20
SIGMA32 = [int.from_bytes(b"expand 32-byte k"[i:i + 4], "little") for i in range(0, 16, 4)]
TAU16 = [int.from_bytes(b"expand 16-byte k"[i:i + 4], "little") for i in range(0, 16, 4)]

# TEA delta = floor(2^32 / phi); RC5/RC6 P = Odd((e-2) 2^w), Q = Odd((phi-1) 2^w)


def odd(num, shift):
    """nearest odd integer to num / 2^shift"""
    q = num >> shift
    return q if q & 1 else q + 1 if (num - (q << shift)) * 2 >= (1 << shift) else q - 1


SQRT5_X = isqrt(5 << 256)                                  # sqrt(5) * 2^128
TEA_DELTA = (SQRT5_X - (1 << 128)) >> (128 + 1 - 32)      # (sqrt5-1)/2 * 2^32
RC5_P32 = odd(e_fixed(128) - (2 << 128), 128 - 32)
RC5_Q32 = odd((SQRT5_X - (1 << 128)) >> 1, 128 - 32)
RC5_P64 = odd(e_fixed(128) - (2 << 128), 128 - 64)
RC5_Q64 = odd((SQRT5_X - (1 << 128)) >> 1, 128 - 64)
# initial expanded key S[i] = P + i*Q (t = 2r+2 words for RC5, 2r+4 = 44 for RC6-32/20)
RC5_S32 = [(RC5_P32 + i * RC5_Q32) & M32 for i in range(44)]
RC5_S64 = [(RC5_P64 + i * RC5_Q64) & M64 for i in range(44)]

# ---------------------------------------------------------------------------
# CRC tables


def crc_table_reflected(poly, width):
    out = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        out.append(c)
    return out


def crc_table_msb(poly, width):
    top, mask = 1 << (width - 1), (1 << width) - 1
    out = []
    for i in range(256):
        c = i << (width - 8)
        for _ in range(8):
            c = ((c << 1) ^ poly) & mask if c & top else (c << 1) & mask
        out.append(c)
    return out


def crc_slices(t0, width, reflected, n):
    """slicing-by-n tables: table k = CRC of the byte followed by k zero bytes"""
    tabs = [t0]
    mask = (1 << width) - 1
    for _ in range(1, n):
        prev = tabs[-1]
        if reflected:
            tabs.append([(v >> 8) ^ t0[v & 0xFF] for v in prev])
        else:
            tabs.append([((v << 8) & mask) ^ t0[v >> (width - 8)] for v in prev])
    return tabs


# name, algorithm, width, polynomial (as used in the table loop), reflected, description
CRC_DEFS = [
    ("crc32", "crc32", 32, 0xEDB88320, True, "CRC-32 (zlib, PNG, Ethernet), reflected 0xEDB88320"),
    ("crc32c", "crc32c", 32, 0x82F63B78, True, "CRC-32C (Castagnoli, iSCSI, SSE4.2), reflected 0x82F63B78"),
    ("crc32_msb", "crc32-bzip2", 32, 0x04C11DB7, False, "CRC-32 MSB-first 0x04C11DB7 (bzip2, cksum, MPEG-2)"),
    ("crc16", "crc16", 16, 0xA001, True, "CRC-16 (ARC, Modbus), reflected 0xA001"),
    ("crc16_ccitt", "crc16-ccitt", 16, 0x1021, False, "CRC-16-CCITT MSB-first 0x1021 (XMODEM, CCITT-FALSE)"),
    ("crc16_ccitt_refl", "crc16-ccitt", 16, 0x8408, True, "CRC-16-CCITT reflected 0x8408 (Kermit, X.25, HDLC)"),
    ("crc24", "crc24", 24, 0x864CFB, False, "CRC-24 MSB-first 0x864CFB (OpenPGP radix-64)"),
    ("crc64_ecma", "crc64-ecma", 64, 0xC96C5795D7870F42, True, "CRC-64/XZ (ECMA-182 reflected 0xC96C5795D7870F42)"),
    ("crc64_ecma_msb", "crc64-ecma", 64, 0x42F0E1EBA9EA3693, False, "CRC-64/ECMA-182 MSB-first 0x42F0E1EBA9EA3693"),
    ("crc64_iso", "crc64-iso", 64, 0xD800000000000000, True, "CRC-64/ISO (ISO 3309) reflected 0xD800000000000000"),
]
CRC_TABLES = {}
for _n, _a, _w, _p, _r, _d in CRC_DEFS:
    CRC_TABLES[_n] = (crc_table_reflected if _r else crc_table_msb)(_p, _w)

# ---------------------------------------------------------------------------
# public key: curve constants (SEC 2 / FIPS 186-4 / RFC 7748 / RFC 8032), checked below
# (self-test: G on the curve, n*G = infinity).  cross-checked: all p, a, b, n, G equal
# libgcrypt ecc-curves.c; Ed25519 L and base point equal libgcrypt and RFC 8032.

CURVES = {
    "p256": dict(
        p=2**256 - 2**224 + 2**192 + 2**96 - 1, a=-3,
        b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5, size=32),
    "p384": dict(
        p=2**384 - 2**128 - 2**96 + 2**32 - 1, a=-3,
        b=0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
        n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
        gx=0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
        gy=0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
        size=48),
    "p521": dict(
        p=2**521 - 1, a=-3,
        b=0x0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
        n=0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
        gx=0x00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
        gy=0x011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
        size=66),
    "secp256k1": dict(
        p=2**256 - 2**32 - 977, a=0, b=7,
        n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
        gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
        gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8, size=32),
}


def ec_mul(k, pt, p, a):
    def add(P, Q):
        if P is None:
            return Q
        if Q is None:
            return P
        if P[0] == Q[0] and (P[1] + Q[1]) % p == 0:
            return None
        if P == Q:
            lam = (3 * P[0] * P[0] + a) * pow(2 * P[1], -1, p) % p
        else:
            lam = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
        x = (lam * lam - P[0] - Q[0]) % p
        return (x, (lam * (P[0] - x) - P[1]) % p)
    r = None
    while k:
        if k & 1:
            r = add(r, pt)
        pt = add(pt, pt)
        k >>= 1
    return r


def check_curves():
    for name, c in CURVES.items():
        p, a, b, x, y = c["p"], c["a"], c["b"], c["gx"], c["gy"]
        assert (y * y - (x ** 3 + a * x + b)) % p == 0, name + ": G not on curve"
        assert ec_mul(c["n"], (x, y), p, a) is None, name + ": n*G != O"


P25519 = 2**255 - 19
ED25519_D = (-121665 * pow(121666, -1, P25519)) % P25519
ED25519_D2 = 2 * ED25519_D % P25519
SQRTM1_25519 = pow(2, (P25519 - 1) // 4, P25519)
ED25519_L = 2**252 + 27742317777372353535851937790883648493
ED25519_BY = 4 * pow(5, -1, P25519) % P25519


def ed25519_bx():
    y = ED25519_BY
    u, v = (y * y - 1) % P25519, (ED25519_D * y * y + 1) % P25519
    x2 = u * pow(v, -1, P25519) % P25519
    x = pow(x2, (P25519 + 3) // 8, P25519)
    if (x * x - x2) % P25519:
        x = x * SQRTM1_25519 % P25519
    assert (x * x - x2) % P25519 == 0
    return x if x % 2 == 0 else P25519 - x       # RFC 8032: the even root


ED25519_BX = ed25519_bx()


def fe51(v):
    """radix 2^51 limbs (5 x u64), as in ref10/donna 64-bit and libsodium fe_51"""
    return [(v >> (51 * i)) & ((1 << 51) - 1) for i in range(5)]


# ref10 radix-2^25.5 forms (10 x int32, limb widths 26,25,26,...) are not canonical
# (signed limbs as produced by ref10's own arithmetic), so they are data.
# cross-checked: libsodium fe_25_5/constants.h and openssl crypto/ec/curve25519.c are
# identical; self-test: each evaluates to the computed constant mod p.
REF10_D = [-10913610, 13857413, -15372611, 6949391, 114729,
           -8787816, -6275908, -3247719, -18696448, -12055116]
REF10_D2 = [-21827239, -5839606, -30745221, 13898782, 229458,
            15978800, -12551817, -6495438, 29715968, 9444199]
REF10_SQRTM1 = [-32595792, -7943725, 9377950, 3500415, 12389472,
                -272473, -25146209, -2005654, 326686, 11406482]


def fe25_5_value(limbs):
    pos, v = 0, 0
    for i, limb in enumerate(limbs):
        v += limb << pos
        pos += 26 if i % 2 == 0 else 25
    return v % P25519


# ---------------------------------------------------------------------------
# byte layouts

def u8(vals):
    return bytes(v & 0xFF for v in vals)


def le(vals, size):
    return b"".join((v & ((1 << (8 * size)) - 1)).to_bytes(size, "little") for v in vals)


def be(vals, size):
    return b"".join((v & ((1 << (8 * size)) - 1)).to_bytes(size, "big") for v in vals)


def dup_le(vals, size):
    """each entry stored twice (OpenSSL x86_64 AES assembly: .long x,x)"""
    return b"".join((v.to_bytes(size, "little")) * 2 for v in vals)


def hilo32_le(vals64):
    """64-bit values as {hi, lo} pairs of little-endian 32-bit words (32-bit code)"""
    return b"".join((v >> 32).to_bytes(4, "little") + (v & M32).to_bytes(4, "little")
                    for v in vals64)


def rows_doubled(data, row_bytes):
    """each row of row_bytes repeated twice (OpenSSL sha256/sha512 AVX2 K tables)"""
    return b"".join(data[i:i + row_bytes] * 2 for i in range(0, len(data), row_bytes))


def signed_le32(vals):
    return b"".join((v & M32).to_bytes(4, "little") for v in vals)


# ---------------------------------------------------------------------------
# rules

class Rule:
    def __init__(self, name, family, algorithm, kind, description, strings,
                 condition="any of them", meta=None):
        self.name, self.family, self.algorithm = name, family, algorithm
        self.kind, self.description = kind, description
        self.strings = strings            # list of (id, value); value: bytes | Hex | Text
        self.condition = condition
        self.meta = meta or {}


class Hex(str):
    """a raw YARA hex string body (may contain ?? and [n-m] jumps)"""


class Text:
    def __init__(self, s, mods="ascii"):
        self.s, self.mods = s, mods


FILES = {}          # file name -> (title, [Rule])
FILE_TITLES = {
    "aes.yar": "AES (Rijndael): S-boxes, T-tables, round constants",
    "des.yar": "DES / 3DES: S-boxes, combined SP tables, permutation tables",
    "blowfish.yar": "Blowfish: P-array and S-boxes (hex digits of pi), bcrypt",
    "twofish.yar": "Twofish: q0/q1 permutations, MDS tables, RS exp/log tables",
    "camellia.yar": "Camellia: S-boxes, SP tables (32- and 64-bit), key-schedule sigma",
    "seed.yar": "SEED: S-boxes, SS tables, key-schedule constants",
    "aria.yar": "ARIA: S-boxes S2/X2, 32-bit S-box tables, key-schedule constants",
    "cast.yar": "CAST-128 / CAST-256: S-boxes",
    "rc5-rc6.yar": "RC5 / RC6: precomputed initial key table P + i*Q",
    "hashes.yar": "MD5, SHA-1, SHA-2, RIPEMD-160: constant tables and initial values",
    "chacha-salsa.yar": "ChaCha / Salsa20: sigma and tau constants",
    "crc.yar": "CRC-16/24/32/64 lookup tables (plain and slicing)",
    "base64.yar": "Base64 alphabets and decoding tables",
    "pubkey.yar": "RSA / DSA / ECC: OIDs, DigestInfo prefixes, curve constants, key blobs",
}
RULE_NAMES = set()


def add(fname, rule):
    assert rule.name not in RULE_NAMES, "duplicate rule " + rule.name
    assert rule.name.replace("_", "").isalnum() and rule.name[0].isalpha()
    RULE_NAMES.add(rule.name)
    FILES.setdefault(fname, []).append(rule)


def window(data, start, length):
    w = data[start:start + length]
    assert len(w) == length, (start, length, len(data))
    return w


def table_strings(data, esize, length=32, skip=0, mid=True, extra=()):
    """$head: `length` bytes from entry `skip`; $mid: from the middle entry; plus extra
    entry offsets.  Two offsets let a table be found when only part of it is stored."""
    n = len(data) // esize
    offs = [skip * esize]
    if mid and n >= 16:
        offs.append((n // 2) * esize)
    offs += [e * esize for e in extra]
    out, names = [], ["head", "mid"] + ["at%d" % e for e in extra]
    for name, o in zip(names, offs):
        if o + length > len(data):
            o = len(data) - length
        out.append(("$" + name, window(data, o, length)))
    return out


def table_rule(fname, name, family, algorithm, description, data, esize, **kw):
    add(fname, Rule(name, family, algorithm, "table", description,
                    table_strings(data, esize, **kw)))


def layouts32(fname, base, family, algorithm, description, vals, kinds=("le", "be"), **kw):
    for k in kinds:
        if k == "le":
            data, what = le(vals, 4), "32-bit little-endian"
        elif k == "be":
            data, what = be(vals, 4), "32-bit big-endian"
        elif k == "dup":
            data, what = dup_le(vals, 4), "each 32-bit entry stored twice, little-endian (OpenSSL x86_64 asm)"
        elif k == "u64le":
            data, what = le(vals, 8), "32-bit values in 64-bit little-endian slots"
        else:
            raise ValueError(k)
        table_rule(fname, "%s_%s" % (base, k), family, algorithm,
                   "%s (%s)" % (description, what), data, 8 if k in ("dup", "u64le") else 4, **kw)


def layouts64(fname, base, family, algorithm, description, vals, kinds=("le", "be"), **kw):
    for k in kinds:
        if k == "le":
            data, what, es = le(vals, 8), "64-bit little-endian", 8
        elif k == "be":
            data, what, es = be(vals, 8), "64-bit big-endian", 8
        elif k == "hilo":
            data, what, es = hilo32_le(vals), "as {hi, lo} 32-bit little-endian word pairs", 8
        else:
            raise ValueError(k)
        table_rule(fname, "%s_%s" % (base, k), family, algorithm,
                   "%s (%s)" % (description, what), data, es, **kw)


# --- AES -------------------------------------------------------------------

def gen_aes():
    f = "aes.yar"
    aria_guard = [("$aria_s2", window(u8(ARIA_S2L), 0, 32))]
    add(f, Rule("aes_sbox", "aes", "aes", "table",
                "AES forward S-box (bytes); not reported when ARIA's S2 is present (ARIA reuses it)",
                table_strings(u8(AES_SBOX), 1) + aria_guard,
                "($head or $mid) and not $aria_s2"))
    add(f, Rule("aes_inv_sbox", "aes", "aes", "table",
                "AES inverse S-box (bytes); not reported when ARIA's S2 is present (ARIA reuses it)",
                table_strings(u8(AES_INV), 1) + aria_guard,
                "($head or $mid) and not $aria_s2"))
    for nm, tab, what in (("sbox", AES_SBOX, "forward"), ("inv_sbox", AES_INV, "inverse")):
        table_rule(f, "aes_%s_u32_le" % nm, "aes", "aes",
                   "AES %s S-box, one byte per 32-bit little-endian word" % what, le(tab, 4), 4)
        table_rule(f, "aes_%s_x4" % nm, "aes", "aes",
                   "AES %s S-box, byte replicated in all four bytes of a 32-bit word "
                   "(OpenSSL Te4/Td4 style)" % what, le([v * 0x01010101 for v in tab], 4), 4)
    for k in range(4):
        layouts32(f, "aes_te%d" % k, "aes", "aes",
                  "AES encryption T-table Te%d (Te0 little-endian bytes = 2s,s,s,3s; "
                  "OpenSSL's Te%d is the other byte order)" % (k, k), AES_TE[k])
        layouts32(f, "aes_td%d" % k, "aes", "aes",
                  "AES decryption T-table Td%d (Td0 little-endian bytes = 14x,9x,13x,11x of "
                  "the inverse S-box; OpenSSL's Td%d is the other byte order)" % (k, k), AES_TD[k])
    layouts32(f, "aes_te0", "aes", "aes", "AES encryption T-table Te0", AES_TE[0], kinds=("dup",))
    layouts32(f, "aes_td0", "aes", "aes", "AES decryption T-table Td0", AES_TD[0], kinds=("dup",))
    add(f, Rule("aes_rcon", "aes", "aes", "table",
                "AES key-schedule round constants 01..36 (bytes, 32-bit low byte, 32-bit high byte)",
                [("$u8", u8(AES_RCON)), ("$u32_low", le(AES_RCON, 4)),
                 ("$u32_high", le([v << 24 for v in AES_RCON], 4))]))


# --- DES -------------------------------------------------------------------

def gen_des():
    f = "des.yar"
    fips = [v for box in DES_S for v in box]
    inidx = [des_s_in(i, x) for i in range(8) for x in range(64)]

    def sbox_strings(data, esize):
        return [("$s1", window(data, 0, 32 * esize)), ("$s5", window(data, 4 * 64 * esize, 32 * esize))]

    add(f, Rule("des_sbox_u8", "des", "des", "table",
                "DES S-boxes S1..S8, 8x64 bytes in FIPS order (row-major 4x16)",
                sbox_strings(u8(fips), 1)))
    add(f, Rule("des_sbox_u8_input_order", "des", "des", "table",
                "DES S-boxes S1..S8, 8x64 bytes indexed directly by the 6-bit S-box input",
                sbox_strings(u8(inidx), 1)))
    add(f, Rule("des_sbox_u32_le", "des", "des", "table",
                "DES S-boxes S1..S8 in FIPS order as 32-bit little-endian integers",
                [("$s1", window(le(fips, 4), 0, 64)), ("$s5", window(le(fips, 4), 4 * 256, 64))]))
    add(f, Rule("des_sbox_nibbles", "des", "des", "table",
                "DES S-boxes S1..S8 in FIPS order, two 4-bit entries per byte (high nibble first)",
                [("$s1", bytes(fips[2 * i] << 4 | fips[2 * i + 1] for i in range(16))),
                 ("$s5", bytes(fips[256 + 2 * i] << 4 | fips[256 + 2 * i + 1] for i in range(16)))]))
    for nm, tabs, what in (
            ("classic", DES_SP_CLASSIC, "Outerbridge d3des layout: libgcrypt sbox1..8, mbedtls SB1..8, "
                                        "botan, libcrypto++, PolarSSL"),
            ("openssl", DES_SP_OPENSSL, "OpenSSL/SSLeay DES_SPtrans layout"),
            ("nettle", DES_SP_NETTLE, "nettle/Dana How des_keymap layout"),
            ("krb5", DES_SP_KRB5, "MIT krb5 des_SP_table layout")):
        flat = [v for t in tabs for v in t]
        for k in ("le", "be"):
            data = le(flat, 4) if k == "le" else be(flat, 4)
            strings = [("$t%d" % (i + 1), window(data, 256 * i + 4, 48)) for i in (0, 3, 6)]
            add(f, Rule("des_sp_%s_%s" % (nm, k), "des", "des", "table",
                        "DES combined S-box+P tables, %s (32-bit %s-endian)" %
                        (what, "little" if k == "le" else "big"), strings))
    add(f, Rule("des_m_sbox", "des", "des", "table",
                "DES S-boxes merged in pairs, 4 x 4096 bytes (FreeBSD / libxcrypt m_sbox)",
                [("$m0", window(u8(DES_M_SBOX[0]), 64, 32)), ("$m2", window(u8(DES_M_SBOX[2]), 64, 32))]))
    for k in ("le", "be"):
        flat = [v for t in DES_PSBOX for v in t]
        data = le(flat, 4) if k == "le" else be(flat, 4)
        add(f, Rule("des_psbox_%s" % k, "des", "des", "table",
                    "DES permutation P applied to each output byte, 4 x 256 words (FreeBSD / "
                    "libxcrypt psbox) (32-bit %s-endian)" % ("little" if k == "le" else "big"),
                    [("$p0", window(data, 4, 64)), ("$p2", window(data, 2048 + 4, 64))]))
    perms = (("pc1", DES_PC1, "PC-1 key permutation"), ("pc2", DES_PC2, "PC-2 key compression"),
             ("ip", DES_IP, "initial permutation IP"), ("fp", DES_FP, "final permutation IP^-1"),
             ("e", DES_E, "expansion E"), ("p", DES_P, "permutation P"))
    for nm, tab, what in perms:
        strings = [("$one_based", u8(tab)), ("$zero_based", u8([v - 1 for v in tab])),
                   ("$one_based_u32", le(tab, 4)[:min(4 * len(tab), 96)]),
                   ("$zero_based_u32", le([v - 1 for v in tab], 4)[:min(4 * len(tab), 96)])]
        add(f, Rule("des_%s" % nm, "des", "des", "table",
                    "DES %s table (bytes or 32-bit little-endian, 1- or 0-based)" % what, strings))


# --- Blowfish ----------------------------------------------------------------

def gen_blowfish():
    f = "blowfish.yar"
    # little-endian only: the big-endian layout is the raw byte stream of pi's hex digits,
    # which other designs embed too (abseil's Randen round keys, BLAKE-256)
    for k in ("le",):
        enc = (lambda v: le(v, 4)) if k == "le" else (lambda v: be(v, 4))
        add(f, Rule("blowfish_p_%s" % k, "blowfish", "blowfish", "table",
                    "Blowfish initial P-array P0..P15 (hex digits of pi; compilers may drop "
                    "P16/P17 when they are only used as immediates; BLAKE-256 uses the same 16 "
                    "words) (32-bit %s-endian)" % ("little" if k == "le" else "big"),
                    [("$p", enc(BF_P[:16]))]))
        add(f, Rule("blowfish_s_%s" % k, "blowfish", "blowfish", "table",
                    "Blowfish initial S-boxes S0..S3 (hex digits of pi) (32-bit %s-endian)" %
                    ("little" if k == "le" else "big"),
                    [("$s%d" % i, enc(BF_S[i][:8])) for i in range(4)] +
                    [("$s0mid", enc(BF_S[0][128:136]))]))
    add(f, Rule("blowfish_bcrypt_magic", "blowfish", "blowfish", "string",
                "bcrypt (Blowfish-based password hash) magic \"OrpheanBeholderScryDoubt\"",
                [("$a", Text("OrpheanBeholderScryDoubt", "ascii wide")),
                 ("$words_le", le([int.from_bytes(b"OrpheanBeholderScryDoubt"[i:i + 4], "big")
                                   for i in range(0, 24, 4)], 4))]))


# --- Twofish -----------------------------------------------------------------

def gen_twofish():
    f = "twofish.yar"
    table_rule(f, "twofish_q0", "twofish", "twofish", "Twofish fixed permutation q0 (bytes)", u8(TF_Q0), 1)
    table_rule(f, "twofish_q1", "twofish", "twofish", "Twofish fixed permutation q1 (bytes)", u8(TF_Q1), 1)
    for i in range(4):
        layouts32(f, "twofish_mds%d" % i, "twofish", "twofish",
                  "Twofish MDS table %d (MDS column %d times q%d)" % (i, i, 1 if i % 2 == 0 else 0),
                  TF_MDS[i])
    table_rule(f, "twofish_rs_exp", "twofish", "twofish",
               "Twofish RS-code GF(2^8)/0x14D antilog table (bytes, from x^8)", u8(TF_EXP), 1, skip=8)
    table_rule(f, "twofish_rs_log", "twofish", "twofish",
               "Twofish RS-code GF(2^8)/0x14D log table (bytes, from log(1))", u8(TF_LOG[1:]), 1)


# --- Camellia ----------------------------------------------------------------

def gen_camellia():
    f = "camellia.yar"
    for i, t in enumerate((CAM_S1, CAM_S2, CAM_S3, CAM_S4)):
        table_rule(f, "camellia_sbox%d" % (i + 1), "camellia", "camellia",
                   "Camellia SBOX%d (bytes)" % (i + 1), u8(t), 1)
    # entries are three copies of one byte and a zero byte: the big-endian table is the
    # little-endian one shifted by a byte, so one layout finds both
    for nm, t in zip(("sp1110", "sp0222", "sp3033", "sp4404"), CAM_SP32):
        layouts32(f, "camellia_%s" % nm, "camellia", "camellia",
                  "Camellia 32-bit SP table %s (NTT reference / OpenSSL / libgcrypt / nettle; "
                  "also matches the big-endian table one byte off)" % nm, t, kinds=("le",))
    sp1110, sp0222, sp3033, sp4404 = CAM_SP32
    add(f, Rule("camellia_sp_interleaved_le", "camellia", "camellia", "table",
                "Camellia SP tables interleaved in pairs {SBOX1_1110, SBOX4_4404} and "
                "{SBOX2_0222, SBOX3_3033} (OpenSSL x86_64 assembly, 32-bit LE)",
                [("$a", window(le([v for i in range(256) for v in (sp1110[i], sp4404[i])], 4), 8, 48)),
                 ("$b", window(le([v for i in range(256) for v in (sp0222[i], sp3033[i])], 4), 8, 48))]))
    for j, t in enumerate(CAM_SP64):
        layouts64(f, "camellia_sp64_%d" % (j + 1), "camellia", "camellia",
                  "Camellia 64-bit S+P table for F-function byte %d (botan layout)" % (j + 1), t)
    sig = CAMELLIA_SIGMA
    add(f, Rule("camellia_sigma", "camellia", "camellia", "constant",
                "Camellia key-schedule constants Sigma1..Sigma6 (64-bit LE, big-endian, "
                "{hi,lo} 32-bit LE pairs)",
                [("$le", le(sig, 8)), ("$be", be(sig, 8)), ("$hilo", hilo32_le(sig))]))


# --- SEED --------------------------------------------------------------------

def gen_seed():
    f = "seed.yar"
    table_rule(f, "seed_s0", "seed", "seed", "SEED S-box S0 (bytes)", SEED_S0, 1)
    table_rule(f, "seed_s1", "seed", "seed", "SEED S-box S1 (bytes)", SEED_S1, 1)
    for i, t in enumerate((SEED_SS0, SEED_SS1, SEED_SS2, SEED_SS3)):
        layouts32(f, "seed_ss%d" % i, "seed", "seed", "SEED G-function table SS%d" % i, t)
    for k in ("le", "be"):
        data = le(SEED_KC, 4) if k == "le" else be(SEED_KC, 4)
        add(f, Rule("seed_kc_%s" % k, "seed", "seed", "constant",
                    "SEED key-schedule constants KC1..KC15 (rotations of 0x9E3779B9) "
                    "(32-bit %s-endian)" % ("little" if k == "le" else "big"),
                    [("$kc", window(data, 4, 32))]))


# --- ARIA --------------------------------------------------------------------

def gen_aria():
    f = "aria.yar"
    table_rule(f, "aria_s2", "aria", "aria", "ARIA S-box S2 (bytes)", u8(ARIA_S2L), 1)
    table_rule(f, "aria_x2", "aria", "aria", "ARIA inverse S-box X2 (bytes)", u8(ARIA_X2), 1)
    for nm, t in zip(("s1", "s2", "x1", "x2"), ARIA_W):
        layouts32(f, "aria_%s_w32" % nm, "aria", "aria",
                  "ARIA 32-bit S-box table %s (OpenSSL / botan / libcrypto++; entries are three "
                  "copies of a byte and a zero byte, so this also matches the big-endian table "
                  "one byte off)" % nm.upper(), t, kinds=("le",))
    words = [(c >> (32 * (3 - i))) & M32 for c in ARIA_C for i in range(4)]
    add(f, Rule("aria_c", "aria", "aria", "constant",
                "ARIA key-schedule constants C1..C3 (fraction of 1/pi): big-endian bytes, "
                "32-bit little-endian words",
                [("$be", be(words, 4)[:32]), ("$le", le(words, 4)[:32]),
                 ("$be2", be(words, 4)[16:48]), ("$le2", le(words, 4)[16:48])]))


# --- CAST --------------------------------------------------------------------

def gen_cast():
    f = "cast.yar"
    for i, t in enumerate(CAST_S):
        layouts32(f, "cast_s%d" % (i + 1), "cast", "cast128",
                  "CAST-128 S-box S%d%s" % (i + 1, " (also CAST-256)" if i < 4 else ""), t)


# --- hashes --------------------------------------------------------------------

def gen_hashes():
    f = "hashes.yar"
    # BLAKE2b/BLAKE2s start from the SHA-512/SHA-256 IVs and carry no K table (and their
    # sigma table is often compiled away), so those two IV rules need the K table too
    k256_guard = [("$k_le", le(SHA256_K[:8], 4)), ("$k_be", be(SHA256_K[:8], 4)),
                  ("$k_le_mid", le(SHA256_K[32:40], 4)), ("$k_be_mid", be(SHA256_K[32:40], 4))]
    k512_guard = [("$k_le", le(SHA512_K[:4], 8)), ("$k_be", be(SHA512_K[:4], 8)),
                  ("$k_le_mid", le(SHA512_K[40:44], 8)), ("$k_be_mid", be(SHA512_K[40:44], 8)),
                  ("$k_hilo", hilo32_le(SHA512_K[:4]))]
    layouts32(f, "md5_t", "md5", "md5", "MD5 sine table T[1..64]", MD5_T)
    add(f, Rule("md5_shifts", "md5", "md5", "table",
                "MD5 per-step rotation amounts 7,12,17,22,... (bytes or 32-bit little-endian)",
                [("$u8", u8(MD5_SHIFTS)), ("$u32", le(MD5_SHIFTS, 4)[:128])]))
    add(f, Rule("md5_index", "md5", "md5", "table",
                "MD5 message-word order of rounds 2..4 (bytes or 32-bit little-endian)",
                [("$u8", u8(MD5_INDEX[16:])), ("$u32", le(MD5_INDEX[16:], 4)[:96])]))
    for k in ("le", "be"):
        enc = (lambda v, s=4: le(v, s)) if k == "le" else (lambda v, s=4: be(v, s))
        e = "little" if k == "le" else "big"
        add(f, Rule("sha1_k_%s" % k, "sha1", "sha1", "constant",
                    "SHA-1 round constants K0..K3 (32-bit %s-endian)" % e, [("$k", enc(SHA1_K))]))
        add(f, Rule("sha1_iv_%s" % k, "sha1", "sha1", "constant",
                    "SHA-1 initial hash value H0..H4 (32-bit %s-endian); RIPEMD-160 uses the "
                    "same five words" % e, [("$iv", enc(SHA1_IV))], meta={"also": "ripemd"}))
        layouts32(f, "sha256_k", "sha2", "sha256", "SHA-224/256 round constants K[0..63]",
                  SHA256_K, kinds=(k,))
        add(f, Rule("sha256_iv_%s" % k, "sha2", "sha256", "constant",
                    "SHA-256 initial hash value (32-bit %s-endian), reported only with the "
                    "SHA-256 K table in the same file (BLAKE2s starts from the same IV)" % e,
                    [("$iv", enc(SHA256_IV))] + k256_guard, "$iv and any of ($k*)"))
        add(f, Rule("sha224_iv_%s" % k, "sha2", "sha224", "constant",
                    "SHA-224 initial hash value (32-bit %s-endian)" % e, [("$iv", enc(SHA224_IV))]))
        layouts64(f, "sha512_k", "sha2", "sha512", "SHA-384/512 round constants K[0..79]",
                  SHA512_K, kinds=(k,))
        for nm, iv, alg, what in (("sha512", SHA512_IV, "sha512", "SHA-512"),
                                  ("sha384", SHA384_IV, "sha384", "SHA-384"),
                                  ("sha512_256", SHA512_256_IV, "sha512", "SHA-512/256"),
                                  ("sha512_224", SHA512_224_IV, "sha512", "SHA-512/224")):
            guard = nm == "sha512"
            add(f, Rule("%s_iv_%s" % (nm, k), "sha2", alg, "constant",
                        "%s initial hash value (64-bit %s-endian)%s" %
                        (what, e, ", reported only with the SHA-512 K table in the same file "
                                  "(BLAKE2b starts from the same IV)" if guard else ""),
                        [("$iv", enc(iv, 8)[:48])] + (k512_guard if guard else []),
                        "$iv and any of ($k*)" if guard else "any of them"))
        add(f, Rule("ripemd160_kr_%s" % k, "ripemd", "ripemd160", "constant",
                    "RIPEMD-160 right-line constants K'0..K'3 (cube roots; also RIPEMD-128/256 "
                    "right line minus the last) (32-bit %s-endian)" % e,
                    [("$kr", enc(RMD_KR[:4]))]))
    layouts64(f, "sha512_k", "sha2", "sha512", "SHA-384/512 round constants K[0..79]",
              SHA512_K, kinds=("hilo",))
    add(f, Rule("sha512_iv_hilo", "sha2", "sha512", "constant",
                "SHA-512 / SHA-384 initial hash value as {hi, lo} 32-bit little-endian pairs "
                "(SHA-512's only with the SHA-512 K table in the same file)",
                [("$sha512", hilo32_le(SHA512_IV)[:48]), ("$sha384", hilo32_le(SHA384_IV)[:48])] +
                k512_guard, "$sha384 or ($sha512 and any of ($k*))"))
    add(f, Rule("sha1_k_simd", "sha1", "sha1", "constant",
                "SHA-1 round constants, each broadcast to a 128-bit vector (OpenSSL K_XX_XX, "
                "SIMD code)", [("$x4", le([v for v in SHA1_K for _ in range(4)], 4)[:32]),
                               ("$x8", le([v for v in SHA1_K for _ in range(8)], 4)[16:48])]))
    add(f, Rule("sha256_k_rows2", "sha2", "sha256", "table",
                "SHA-256 round constants with each 16-byte row stored twice (OpenSSL AVX2 K256)",
                [("$a", window(rows_doubled(le(SHA256_K, 4), 16), 0, 48)),
                 ("$b", window(rows_doubled(le(SHA256_K, 4), 16), 256, 48))]))
    add(f, Rule("sha512_k_rows2", "sha2", "sha512", "table",
                "SHA-512 round constants with each 16-byte row stored twice (OpenSSL AVX2 K512)",
                [("$a", window(rows_doubled(le(SHA512_K, 8), 16), 0, 48)),
                 ("$b", window(rows_doubled(le(SHA512_K, 8), 16), 640, 48))]))
    add(f, Rule("ripemd160_word_order", "ripemd", "ripemd160", "table",
                "RIPEMD-160 message-word order r (rounds 2..5) and r' (bytes or 32-bit LE)",
                [("$r", u8(RMD_R[16:64])), ("$rp", u8(RMD_RP[:48])),
                 ("$r32", le(RMD_R[16:40], 4)), ("$rp32", le(RMD_RP[:24], 4))]))
    add(f, Rule("ripemd160_shifts", "ripemd", "ripemd160", "table",
                "RIPEMD-160 rotation amounts s and s' (bytes or 32-bit LE)",
                [("$s", u8(RMD_S[:48])), ("$sp", u8(RMD_SP[:48])),
                 ("$s32", le(RMD_S[:24], 4)), ("$sp32", le(RMD_SP[:24], 4))]))


# --- ChaCha / Salsa20 ------------------------------------------------------------

def gen_chacha():
    f = "chacha-salsa.yar"
    meta = {"also": "salsa"}
    add(f, Rule("chacha_sigma", "chacha", "chacha20", "string",
                "\"expand 32-byte k\" (ChaCha and Salsa20 256-bit-key constant; the family "
                "cannot be told from the string alone)",
                [("$a", Text("expand 32-byte k"))], meta=meta))
    add(f, Rule("chacha_tau", "chacha", "chacha20", "string",
                "\"expand 16-byte k\" (ChaCha and Salsa20 128-bit-key constant)",
                [("$a", Text("expand 16-byte k"))], meta=meta))
    add(f, Rule("chacha_sigma_simd", "chacha", "chacha20", "constant",
                "ChaCha/Salsa20 sigma words each broadcast to a 128-bit or 256-bit vector (SIMD code)",
                [("$x4", le([v for v in SIGMA32 for _ in range(4)], 4)[:32]),
                 ("$x8", le([v for v in SIGMA32 for _ in range(8)], 4)[16:48])], meta=meta))


# --- RC5 / RC6 ---------------------------------------------------------------------

def gen_rc5():
    f = "rc5-rc6.yar"
    for k in ("le", "be"):
        e = "little" if k == "le" else "big"
        enc32 = (lambda v: le(v, 4)) if k == "le" else (lambda v: be(v, 4))
        enc64 = (lambda v: le(v, 8)) if k == "le" else (lambda v: be(v, 8))
        add(f, Rule("rc5_s_init_%s" % k, "rc5", "rc5", "table",
                    "RC5/RC6 initial expanded key S[i] = P + i*Q (P32 0xB7E15163, Q32 0x9E3779B9; "
                    "or the 64-bit P64/Q64), as compilers precompute it (%s-endian); RC6 uses the "
                    "same table" % e,
                    [("$s32_0", enc32(RC5_S32[:8])), ("$s32_1", enc32(RC5_S32[1:9])),
                     ("$s32_vec", enc32(RC5_S32[:4])),        # SIMD start vector (clang -Os)
                     ("$s64_0", enc64(RC5_S64[:4])), ("$s64_1", enc64(RC5_S64[1:5]))],
                    meta={"also": "rc6"}))


# --- CRC -------------------------------------------------------------------------

def gen_crc():
    f = "crc.yar"
    for name, alg, width, poly, refl, desc in CRC_DEFS:
        t = CRC_TABLES[name]
        if width == 16:
            kinds = (("le", le(t, 2), 2, "16-bit little-endian"), ("be", be(t, 2), 2, "16-bit big-endian"),
                     ("u32_le", le(t, 4), 4, "in 32-bit little-endian words"))
        elif width in (24, 32):
            kinds = (("le", le(t, 4), 4, "32-bit little-endian"), ("be", be(t, 4), 4, "32-bit big-endian"))
            if width == 32:
                kinds += (("u64_le", le(t, 8), 8, "in 64-bit little-endian words"),)
        else:
            kinds = (("le", le(t, 8), 8, "64-bit little-endian"), ("be", be(t, 8), 8, "64-bit big-endian"))
        for k, data, es, what in kinds:
            length = 32 if es <= 4 else 48
            if name == "crc64_iso":
                length = 64                   # entries are mostly zero bytes
            table_rule(f, "%s_table_%s" % (name, k), "crc", alg, "%s lookup table (%s)" % (desc, what),
                       data, es, skip=1, length=length)
    # slicing-by-4/8 tables (table k = CRC of the byte followed by k zero bytes)
    for name, nslices, sizes in (("crc32", 8, 4), ("crc32c", 8, 4), ("crc64_ecma", 4, 8)):
        d = [x for x in CRC_DEFS if x[0] == name][0]
        tabs = crc_slices(CRC_TABLES[name], d[2], d[4], nslices)
        for k in ("le", "be"):
            enc = (lambda v: le(v, sizes)) if k == "le" else (lambda v: be(v, sizes))
            add(f, Rule("%s_slicing_%s" % (name, k), "crc", d[1], "table",
                        "%s slicing-by-%d tables 1..%d (%d-bit %s-endian; xz, libgcrypt, "
                        "Intel slicing-by-8)" % (d[5], nslices, nslices - 1, 8 * sizes,
                                                 "little" if k == "le" else "big"),
                        [("$t%d" % i, window(enc(tabs[i]), sizes, 32 if sizes == 4 else 48))
                         for i in range(1, nslices)]))
    # zlib >= 1.2.12 braided CRC-32 tables: braid k of W words x N braids = slice N*W-1-k
    tabs = crc_slices(CRC_TABLES["crc32"], 32, True, 40)
    add(f, Rule("crc32_zlib_braid_le", "crc", "crc32", "table",
                "CRC-32 braided tables of zlib >= 1.2.12 (N=5 braids, W=8 or W=4, 32-bit LE)",
                [("$w8_%d" % k, window(le(tabs[39 - k], 4), 4, 32)) for k in range(8)] +
                [("$w4_%d" % k, window(le(tabs[19 - k], 4), 4, 32)) for k in range(4)]))
    # libgcrypt's OpenPGP CRC-24: byte-swapped 24-bit entries, slicing-by-4
    tabs = crc_slices(CRC_TABLES["crc24"], 24, False, 4)
    sw = [[bswap32(v << 8) for v in t] for t in tabs]
    add(f, Rule("crc24_table_bswap_le", "crc", "crc24", "table",
                "CRC-24 (OpenPGP) tables with byte-reversed entries, slicing-by-4 (libgcrypt)",
                [("$t%d" % i, window(le(sw[i], 4), 4, 32)) for i in range(4)]))


# --- base64 --------------------------------------------------------------------------

B64_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64_URL = B64_STD[:62] + "-_"
B64_CRYPT = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64_BCRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def b64_decode_hex(alpha):
    """hex string for the significant part of a 256-entry decoding table: entries for the
    alphabet's characters are their index, every other entry is a wildcard"""
    lo = min(ord(c) for c in alpha)
    hi = max(ord(c) for c in alpha)
    parts = []
    gap = 0
    for ch in range(lo, hi + 1):
        c = chr(ch)
        if c in alpha:
            if gap:
                parts.append("??" if gap == 1 else "[%d]" % gap)
                gap = 0
            parts.append("%02x" % alpha.index(c))
        else:
            gap += 1
    return Hex(" ".join(parts))


def gen_base64():
    f = "base64.yar"
    for nm, alpha, alg, what in (("std", B64_STD, "base64", "standard (RFC 4648)"),
                                 ("url", B64_URL, "base64url", "URL-safe (RFC 4648 section 5)"),
                                 ("crypt", B64_CRYPT, "base64", "crypt(3) \"./0-9A-Za-z\" (DES/MD5/SHA crypt)"),
                                 ("bcrypt", B64_BCRYPT, "base64", "bcrypt \"./A-Za-z0-9\"")):
        add(f, Rule("base64_alphabet_%s" % nm, "base64", alg, "alphabet",
                    "Base64 alphabet, %s" % what, [("$a", Text(alpha, "ascii wide"))]))
    for nm, alpha, alg in (("std", B64_STD, "base64"), ("url", B64_URL, "base64url")):
        add(f, Rule("base64_decode_table_%s" % nm, "base64", alg, "table",
                    "Base64 %s decoding table (byte per character, any filler for invalid "
                    "characters)" % ("standard" if nm == "std" else "URL-safe"),
                    [("$t", b64_decode_hex(alpha))]))


# --- public key ----------------------------------------------------------------------

def oid_der(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = [40 * parts[0] + parts[1]]
    for v in parts[2:]:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        body += enc[::-1]
    return bytes(body)


def hexs(b):
    return " ".join("%02x" % x for x in b)


# (rule suffix, family, algorithm, dotted OID, description)
OIDS = [
    ("rsa_encryption", "rsa", "rsa", "1.2.840.113549.1.1.1", "rsaEncryption"),
    ("md5_with_rsa", "rsa", "rsa", "1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("sha1_with_rsa", "rsa", "rsa", "1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("rsaes_oaep", "rsa", "rsa", "1.2.840.113549.1.1.7", "id-RSAES-OAEP"),
    ("rsassa_pss", "rsa", "rsa", "1.2.840.113549.1.1.10", "id-RSASSA-PSS"),
    ("sha256_with_rsa", "rsa", "rsa", "1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("sha384_with_rsa", "rsa", "rsa", "1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("sha512_with_rsa", "rsa", "rsa", "1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("dsa", "dsa", "dsa", "1.2.840.10040.4.1", "id-dsa"),
    ("dsa_with_sha1", "dsa", "dsa", "1.2.840.10040.4.3", "id-dsa-with-sha1"),
    ("ec_public_key", "ecc", "ecc", "1.2.840.10045.2.1", "id-ecPublicKey"),
    ("ecdsa_with_sha256", "ecc", "ecdsa", "1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("prime256v1", "ecc", "p256", "1.2.840.10045.3.1.7", "prime256v1 / secp256r1 (P-256)"),
    ("secp384r1", "ecc", "p384", "1.3.132.0.34", "secp384r1 (P-384)"),
    ("secp521r1", "ecc", "p521", "1.3.132.0.35", "secp521r1 (P-521)"),
    ("secp256k1", "ecc", "secp256k1", "1.3.132.0.10", "secp256k1"),
    ("x25519", "ecc", "curve25519", "1.3.101.110", "id-X25519"),
    ("ed25519", "ecc", "ed25519", "1.3.101.112", "id-Ed25519"),
]

# PKCS#1 v1.5 DigestInfo DER prefixes (RFC 8017 9.2 note 1)
DIGESTINFO = [
    ("md5", "3020300c06082a864886f70d020505000410"),
    ("sha1", "3021300906052b0e03021a05000414"),
    ("sha224", "302d300d06096086480165030402040500041c"),
    ("sha256", "3031300d060960864801650304020105000420"),
    ("sha384", "3041300d060960864801650304020205000430"),
    ("sha512", "3051300d060960864801650304020305000440"),
    ("sha512_224", "302d300d06096086480165030402050500041c"),
    ("sha512_256", "3031300d060960864801650304020605000420"),
    ("ripemd160", "3021300906052b2403020105000414"),
]


def limbs_msfirst(v, size, limb):
    """most significant limb first, each limb little-endian (LE host, MS-limb-first arrays)"""
    b = v.to_bytes(size, "big")
    return b"".join(b[i:i + limb][::-1] for i in range(0, size, limb))


def gen_pubkey():
    f = "pubkey.yar"
    for nm, fam, alg, dotted, what in OIDS:
        body = oid_der(dotted)
        strings = [("$der", bytes([0x06, len(body)]) + body)]
        if len(body) >= 8:                  # bare contents (OpenSSL obj_dat.h, NSS): long OIDs only
            strings.append(("$raw", body))
        add(f, Rule("oid_%s" % nm, fam, alg, "oid", "DER OBJECT IDENTIFIER %s (%s)" % (dotted, what),
                    strings))
    add(f, Rule("rsa_pkcs1_digestinfo", "rsa", "rsa", "constant",
                "PKCS#1 v1.5 signature DigestInfo DER prefixes (MD5, SHA-1, SHA-2, RIPEMD-160)",
                [("$" + nm, bytes.fromhex(h)) for nm, h in DIGESTINFO]))
    # curve parameters: big-endian bytes, little-endian bytes (= LE limbs of any size on a
    # little-endian host), most-significant-limb-first arrays of LE 64/32-bit limbs
    for cname, c in CURVES.items():
        size = c["size"]
        for pname in ("b", "n", "gx", "gy"):
            if cname == "secp256k1" and pname == "b":
                continue
            v = c[pname]
            bev = v.to_bytes(size, "big")
            strings = [("$be", bev[-32:]), ("$le", bev[::-1][:32])]
            if size % 8 == 0:
                strings.append(("$ms64", limbs_msfirst(v, size, 8)[-32:]))
                strings.append(("$ms32", limbs_msfirst(v, size, 4)[-32:]))
            # hexadecimal text (libgcrypt): the low 48 digits (the high ones are often ff..)
            strings.append(("$hex", Text(("%x" % v)[-48:], "ascii nocase")))
            add(f, Rule("ecc_%s_%s" % (cname, pname), "ecc", cname, "constant",
                        "%s curve parameter %s (big-endian, little-endian, MS-limb-first "
                        "64/32-bit limbs: low 32 bytes; or hexadecimal text)" % (cname.upper() if cname[0] == "p" else cname,
                                                           pname), strings))
    # P-256 generator in the Montgomery domain (R = 2^256), little-endian (OpenSSL ecp_nistz256)
    c = CURVES["p256"]
    gm = [(c["gx"] << 256) % c["p"], (c["gy"] << 256) % c["p"]]
    add(f, Rule("ecc_p256_g_montgomery", "ecc", "p256", "constant",
                "P-256 generator in the Montgomery domain (x*2^256 mod p), little-endian "
                "(OpenSSL ecp_nistz256 precomputed table)",
                [("$x", gm[0].to_bytes(32, "little")), ("$y", gm[1].to_bytes(32, "little"))]))
    # Curve25519 / Ed25519
    consts = (("d", ED25519_D, REF10_D, "Edwards d = -121665/121666"),
              ("d2", ED25519_D2, REF10_D2, "2*d"),
              ("sqrtm1", SQRTM1_25519, REF10_SQRTM1, "sqrt(-1) mod p"))
    for nm, v, ref10, what in consts:
        add(f, Rule("ecc_25519_%s" % nm, "ecc", "ed25519", "constant",
                    "Curve25519/Ed25519 field constant %s: big-endian, little-endian bytes, "
                    "radix-2^51 limbs (5 x u64), ref10 radix-2^25.5 limbs (10 x int32)" % what,
                    [("$be", v.to_bytes(32, "big")), ("$le", v.to_bytes(32, "little")),
                     ("$fe51", le(fe51(v), 8)[:32]), ("$fe25", signed_le32(ref10)[:32]),
                     ("$hex", Text(("%x" % v)[-48:], "ascii nocase"))]))
    for nm, v, what in (("l", ED25519_L, "group order L = 2^252 + 27742317777372353535851937790883648493"),
                        ("bx", ED25519_BX, "base point x"), ("by", ED25519_BY, "base point y = 4/5")):
        # L = 2^252 + small: only its low 16 bytes are distinctive
        low = 16 if nm == "l" else 32
        strings = [("$be", v.to_bytes(32, "big")[32 - low:]), ("$le", v.to_bytes(32, "little")[:low])]
        if nm != "l":
            strings.append(("$fe51", le(fe51(v), 8)[:32]))
        strings.append(("$hex", Text(("%x" % v)[-48:], "ascii nocase")))
        add(f, Rule("ecc_ed25519_%s" % nm, "ecc", "ed25519", "constant",
                    "Ed25519 %s (big-endian, little-endian%s)" %
                    (what, ", radix-2^51 limbs" if nm != "l" else ""), strings))
    # Diffie-Hellman MODP groups (RFC 2409/3526): pi-derived middle of every Oakley prime
    add(f, Rule("dh_modp_prime", "bignum", "dh", "constant",
                "Oakley/MODP Diffie-Hellman prime (RFC 2409/3526: 2^n - 2^(n-64) - 1 + 2^64 * "
                "(floor(2^(n-130) pi) + k)), leading bytes, big-endian or little-endian",
                [("$be", bytes.fromhex("ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1")),
                 ("$le", bytes.fromhex("ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1")[::-1]),
                 ("$hex", Text("ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1", "ascii nocase"))]))

    # ---- key blobs ----
    capi = [("capi_rsa_public_keyx", "06", "a400", "RSA1", "rsa", "rsa", "CryptoAPI PUBLICKEYBLOB, CALG_RSA_KEYX, RSAPUBKEY \"RSA1\""),
            ("capi_rsa_public_sign", "06", "2400", "RSA1", "rsa", "rsa", "CryptoAPI PUBLICKEYBLOB, CALG_RSA_SIGN, RSAPUBKEY \"RSA1\""),
            ("capi_rsa_private_keyx", "07", "a400", "RSA2", "rsa", "rsa", "CryptoAPI PRIVATEKEYBLOB, CALG_RSA_KEYX, \"RSA2\""),
            ("capi_rsa_private_sign", "07", "2400", "RSA2", "rsa", "rsa", "CryptoAPI PRIVATEKEYBLOB, CALG_RSA_SIGN, \"RSA2\""),
            ("capi_dss_public", "06", "2200", "DSS1", "dsa", "dsa", "CryptoAPI PUBLICKEYBLOB, CALG_DSS_SIGN, \"DSS1\""),
            ("capi_dss_private", "07", "2200", "DSS2", "dsa", "dsa", "CryptoAPI PRIVATEKEYBLOB, CALG_DSS_SIGN, \"DSS2\"")]
    for nm, btype, alg_id, magic, fam, alg, what in capi:
        hdr = bytes([int(btype, 16), 0x02, 0, 0]) + int(alg_id, 16).to_bytes(4, "little") + magic.encode()
        tail = ""
        if magic.startswith("RSA"):
            # bitlen 512..16384 (multiple of 256: low byte 0), public exponent 3 / 17 / 65537
            tail = " 00 (02|04|06|08|0c|10|18|20|30|40) 00 00 (03 00 00 00|11 00 00 00|01 00 01 00)"
        add(f, Rule(nm, fam, alg, "blob", "%s header (BLOBHEADER + magic)" % what,
                    [("$h", Hex(hexs(hdr) + tail))], meta={"blob": "capi"}))
    symm = [("aes", "aes", "660e", "10", "CALG_AES_128"), ("aes", "aes", "660f", "18", "CALG_AES_192"),
            ("aes", "aes", "6610", "20", "CALG_AES_256"), ("des", "des", "6601", "08", "CALG_DES"),
            ("des", "3des", "6603", "18", "CALG_3DES"), ("des", "3des", "6609", "10", "CALG_3DES_112"),
            ("rc4", "rc4", "6801", "(05|08|0d|10|20)", "CALG_RC4")]
    by_fam = {}
    for fam, alg, alg_id, ksz, calg in symm:
        by_fam.setdefault((fam, alg), []).append((alg_id, ksz, calg))
    for (fam, alg), items in by_fam.items():
        strings = [("$%s" % calg.lower(), Hex("08 02 00 00 " + hexs(int(alg_id, 16).to_bytes(4, "little")) +
                                                " " + ksz + " 00 00 00"))
                   for alg_id, ksz, calg in items]
        add(f, Rule("capi_plaintextkeyblob_%s" % alg, fam, alg, "blob",
                    "CryptoAPI PLAINTEXTKEYBLOB header with %s and key length (an embedded "
                    "symmetric key follows)" % "/".join(c for _, _, c in items),
                    strings, meta={"blob": "capi"}))
    bc = [("bcrypt_rsa_public", "RSA1", "BCRYPT_RSAPUBLIC_MAGIC"),
          ("bcrypt_rsa_private", "RSA2", "BCRYPT_RSAPRIVATE_MAGIC"),
          ("bcrypt_rsa_full_private", "RSA3", "BCRYPT_RSAFULLPRIVATE_MAGIC")]
    for nm, magic, what in bc:
        # Magic, BitLength (512..16384), cbPublicExp (1..4 bytes), cbModulus = BitLength/8
        h = (hexs(magic.encode()) + " 00 (02|04|06|08|0c|10|18|20|30|40) 00 00 (01|02|03|04) 00 00 00 "
             "(40|80|c0|00|80) (00|01|02|03|04|06|08) 00 00")
        add(f, Rule(nm, "rsa", "rsa", "blob",
                    "CNG BCRYPT_RSAKEY_BLOB, %s \"%s\" with a plausible BitLength/cbPublicExp/cbModulus"
                    % (what, magic), [("$h", Hex(h))], meta={"blob": "bcrypt"}))
    ecc_magics = [("ECK1", "20", "p256", "BCRYPT_ECDH_PUBLIC_P256_MAGIC"), ("ECK2", "20", "p256", "BCRYPT_ECDH_PRIVATE_P256_MAGIC"),
                  ("ECK3", "30", "p384", "BCRYPT_ECDH_PUBLIC_P384_MAGIC"), ("ECK4", "30", "p384", "BCRYPT_ECDH_PRIVATE_P384_MAGIC"),
                  ("ECK5", "42", "p521", "BCRYPT_ECDH_PUBLIC_P521_MAGIC"), ("ECK6", "42", "p521", "BCRYPT_ECDH_PRIVATE_P521_MAGIC"),
                  ("ECS1", "20", "p256", "BCRYPT_ECDSA_PUBLIC_P256_MAGIC"), ("ECS2", "20", "p256", "BCRYPT_ECDSA_PRIVATE_P256_MAGIC"),
                  ("ECS3", "30", "p384", "BCRYPT_ECDSA_PUBLIC_P384_MAGIC"), ("ECS4", "30", "p384", "BCRYPT_ECDSA_PRIVATE_P384_MAGIC"),
                  ("ECS5", "42", "p521", "BCRYPT_ECDSA_PUBLIC_P521_MAGIC"), ("ECS6", "42", "p521", "BCRYPT_ECDSA_PRIVATE_P521_MAGIC")]
    for curve in ("p256", "p384", "p521"):
        items = [m for m in ecc_magics if m[2] == curve]
        add(f, Rule("bcrypt_ecc_%s" % curve, "ecc", curve, "blob",
                    "CNG BCRYPT_ECCKEY_BLOB for %s: %s followed by cbKey" %
                    (curve.upper(), ", ".join("%s \"%s\"" % (w, m) for m, _, _, w in items)),
                    [("$%s" % m.lower(), Hex(hexs(m.encode()) + " %s 00 00 00" % k)) for m, k, _, _ in items],
                    meta={"blob": "bcrypt"}))
    add(f, Rule("bcrypt_dsa", "dsa", "dsa", "blob",
                "CNG BCRYPT_DSA_KEY_BLOB \"DSPB\"/\"DSPV\" with cbKey 64..128",
                [("$pub", Hex(hexs(b"DSPB") + " (40|60|80) 00 00 00")),
                 ("$priv", Hex(hexs(b"DSPV") + " (40|60|80) 00 00 00"))], meta={"blob": "bcrypt"}))
    add(f, Rule("bcrypt_key_data_blob", "cng", "key-data-blob", "blob",
                "CNG BCRYPT_KEY_DATA_BLOB_HEADER \"KDBM\" version 1 with a 8..64-byte key "
                "(an embedded symmetric key follows)",
                [("$h", Hex(hexs(b"KDBM") + " 01 00 00 00 (08|10|18|20|40) 00 00 00"))],
                meta={"blob": "bcrypt"}))
    # PEM armour: a BEGIN line followed by a line break and the start of the base64 body
    pem = [("pem_rsa_private_key", "RSA PRIVATE KEY", "rsa", "rsa", ("MI", "Proc-Type:")),
           ("pem_rsa_public_key", "RSA PUBLIC KEY", "rsa", "rsa", ("MI",)),
           ("pem_public_key", "PUBLIC KEY", "rsa", "rsa", ("MI", "MF", "MC", "MH")),
           ("pem_private_key", "PRIVATE KEY", "rsa", "rsa", ("MI", "MC", "MF", "MH")),
           ("pem_encrypted_private_key", "ENCRYPTED PRIVATE KEY", "rsa", "rsa", ("MI",)),
           ("pem_ec_private_key", "EC PRIVATE KEY", "ecc", "ecc", ("MH", "MI", "Proc-Type:")),
           ("pem_dsa_private_key", "DSA PRIVATE KEY", "dsa", "dsa", ("MI", "Proc-Type:")),
           ("pem_openssh_private_key", "OPENSSH PRIVATE KEY", "rsa", "rsa", ("b3BlbnNzaC1rZXktdjE",)),
           ("pem_certificate", "CERTIFICATE", "rsa", "rsa", ("MI",))]
    for nm, label, fam, alg, starts in pem:
        strings = []
        for i, st in enumerate(starts):
            strings.append(("$lf%d" % i, Text("-----BEGIN %s-----\\n%s" % (label, st), "ascii wide")))
            strings.append(("$crlf%d" % i, Text("-----BEGIN %s-----\\r\\n%s" % (label, st), "ascii wide")))
        generic = label in ("PUBLIC KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "CERTIFICATE",
                            "OPENSSH PRIVATE KEY")
        add(f, Rule(nm, fam, alg, "blob",
                    "PEM \"-----BEGIN %s-----\" followed by a line break and base64 data%s" %
                    (label, " (key type decided by the key itself)" if generic else ""),
                    strings, meta={"blob": "pem"}))
    # base64 of DER RSA public keys without armour (very common in malware configuration)
    add(f, Rule("rsa_spki_base64", "rsa", "rsa", "blob",
                "base64 of a DER SubjectPublicKeyInfo with rsaEncryption (1024/2048/3072/4096-bit)",
                [("$k1024", Text("MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ", "ascii wide")),
                 ("$k2048", Text("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "ascii wide")),
                 ("$k3072", Text("MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEA", "ascii wide")),
                 ("$k4096", Text("MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA", "ascii wide"))],
                meta={"blob": "pem"}))
    rsa_alg = "30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00"
    add(f, Rule("der_rsa_spki", "rsa", "rsa", "blob",
                "DER SubjectPublicKeyInfo with rsaEncryption and an RSAPublicKey BIT STRING",
                [("$long", Hex("30 82 ?? ?? " + rsa_alg + " 03 82 ?? ?? 00 30 82 ?? ?? 02 82")),
                 ("$short", Hex("30 81 ?? " + rsa_alg + " 03 81 ?? 00 30 81 ?? 02 81"))],
                meta={"blob": "der"}))
    add(f, Rule("der_rsa_pkcs1_public", "rsa", "rsa", "blob",
                "DER PKCS#1 RSAPublicKey (modulus 1024..4096 bits, exponent 3/17/65537)",
                [("$m1024", Hex("30 81 89 02 81 81 00 [128] 02 (01 03|01 11|03 01 00 01)")),
                 ("$m2048", Hex("30 82 01 0a 02 82 01 01 00 [256] 02 (01 03|01 11|03 01 00 01)")),
                 ("$m3072", Hex("30 82 01 8a 02 82 01 81 00 [384] 02 (01 03|01 11|03 01 00 01)")),
                 ("$m4096", Hex("30 82 02 0a 02 82 02 01 00 [512] 02 (01 03|01 11|03 01 00 01)"))],
                meta={"blob": "der"}))
    add(f, Rule("der_rsa_private", "rsa", "rsa", "blob",
                "DER PKCS#1 RSAPrivateKey or PKCS#8 PrivateKeyInfo with rsaEncryption",
                [("$pkcs1", Hex("30 82 ?? ?? 02 01 00 02 82 (01|02|03|04) (01|81) 00")),
                 ("$pkcs1s", Hex("30 82 02 (5b|5c|5d|5e) 02 01 00 02 81 81 00")),
                 ("$pkcs8", Hex("30 82 ?? ?? 02 01 00 " + rsa_alg + " 04 82 ?? ?? 30 82"))],
                meta={"blob": "der"}))
    add(f, Rule("der_ec_private", "ecc", "ecc", "blob",
                "DER SEC1 ECPrivateKey with named curve P-256, secp256k1, P-384 or P-521",
                [("$p256", Hex("30 77 02 01 01 04 20 [32] a0 0a 06 08 2a 86 48 ce 3d 03 01 07")),
                 ("$k1", Hex("30 74 02 01 01 04 20 [32] a0 07 06 05 2b 81 04 00 0a")),
                 ("$p384", Hex("30 81 a4 02 01 01 04 30 [48] a0 07 06 05 2b 81 04 00 22")),
                 ("$p521", Hex("30 81 dc 02 01 01 04 42 [66] a0 07 06 05 2b 81 04 00 23"))],
                meta={"blob": "der"}))
    add(f, Rule("der_x509_certificate", "rsa", "rsa", "blob",
                "DER X.509 v3 certificate start (Certificate, TBSCertificate, version 3, serial)",
                [("$c", Hex("30 82 ?? ?? 30 82 ?? ?? a0 03 02 01 02 02 (01|02|03|04|05|06|07|08|09|0a|0b|0c|0d|0e|0f|10|11|12|13|14|15)"))],
                meta={"blob": "der"}))


# ---------------------------------------------------------------------------
# immediate-constant sets (lib/crypto/consts.inc)
#
# min_distinct: how many distinct values of the set one function must contain.  Sets
# overlap on purpose (MD4 K in SHA-1/RIPEMD, SHA-256 K = SHA-512 K high halves, 0x9E3779B9
# in TEA/RC5/SEED, the MD4/MD5/SHA-1 IV); the C side resolves overlaps.

CSETS = []      # (name, family, algorithm, min_distinct, description, [(value, bits)])


def cset(name, family, algorithm, min_distinct, description, values, bits=32):
    vals = []
    for v in values:
        if (v, bits) not in vals:
            vals.append((v, bits))
    assert 1 <= min_distinct <= len(vals), name
    CSETS.append((name, family, algorithm, min_distinct, description, vals))


def gen_consts():
    # The SHA-256/SHA-512 IVs are also BLAKE2s/2b's, so they are folded into the round-
    # constant set of their algorithm with a min_distinct above the IV's size (an IV alone
    # makes no finding).  The MD4/MD5/SHA-1/RIPEMD-160 IV words are folded into MD5's set
    # the same way, and 0xC3D2E1F0 joins SHA-1's and RIPEMD-160's sets; the shared IVs
    # also have their own weak sets md_iv/sha1_iv.  Checked against the C side's rule
    # "drop a set whose hits are a subset of a larger set's hits": MD4 inside SHA-1/RIPEMD,
    # SHA-1 inside RIPEMD and RIPEMD inside SHA-1 one-shot functions are dropped.
    cset("md5_t", "md5", "md5", 6, "MD5 sine-derived round constants T[1..64] and the "
         "MD4/MD5 initial values (which alone never reach min_distinct)", MD5_T + MD_IV)
    cset("md4_k", "md4", "md4", 2, "MD4 round-2/3 constants (2^30 sqrt 2, 2^30 sqrt 3; also in "
         "SHA-1 and RIPEMD, whose larger sets cover them)", [0x5A827999, 0x6ED9EBA1])
    # The shared IV sets themselves (lib/crypto/consts.c drops them when a round-constant
    # set names the hash, so they only speak when nothing else does)
    cset("md_iv", "md5", "md5", 4, "MD4/MD5/SHA-1/RIPEMD initial chaining values A..D (shared "
         "by four families: weak alone)", MD_IV)
    cset("sha1_iv", "sha1", "sha1", 5, "SHA-1 initial hash value H0..H4 (RIPEMD-160 uses the same)",
         SHA1_IV)
    cset("sha1_k", "sha1", "sha1", 3, "SHA-1 round constants K0..K3 and the initial H4 "
         "0xC3D2E1F0", SHA1_K + [0xC3D2E1F0])
    cset("sha256_k", "sha2", "sha256", 9, "SHA-224/256 round constants K[0..63] and the SHA-256 "
         "initial value (BLAKE2s shares the IV: 8 values, below min_distinct)", SHA256_K + SHA256_IV)
    cset("sha224_iv", "sha2", "sha224", 4, "SHA-224 initial hash value", SHA224_IV)
    cset("sha512_k", "sha2", "sha512", 9, "SHA-384/512 round constants K[0..79] and the SHA-512 "
         "initial value, 64-bit (BLAKE2b shares the IV: 8 values, below min_distinct)",
         SHA512_K + SHA512_IV, bits=64)
    # 32-bit code holds each 64-bit constant as two 32-bit halves; the high halves of K[0..63]
    # are SHA-256's K, so the 32-bit set needs more hits than a SHA-256 function can give
    cset("sha512_k32", "sha2", "sha512", 72, "SHA-384/512 round constants as 32-bit halves "
         "(32-bit code; the high halves of K[0..63] are SHA-256's K, hence min_distinct 72)",
         [w for v in SHA512_K for w in (v >> 32, v & M32)])
    cset("sha384_iv", "sha2", "sha384", 4, "SHA-384 initial hash value (64-bit)", SHA384_IV, bits=64)
    cset("sha384_iv32", "sha2", "sha384", 9, "SHA-384 initial hash value as 32-bit halves (the "
         "low halves are SHA-224's IV, hence min_distinct 9)",
         [w for v in SHA384_IV for w in (v >> 32, v & M32)])
    cset("sha512_256_iv", "sha2", "sha512", 4, "SHA-512/256 initial hash value (64-bit)",
         SHA512_256_IV, bits=64)
    cset("sha512_224_iv", "sha2", "sha512", 4, "SHA-512/224 initial hash value (64-bit)",
         SHA512_224_IV, bits=64)
    cset("ripemd160_k", "ripemd", "ripemd160", 4, "RIPEMD-160 left and right round constants "
         "(2^30 square and cube roots; RIPEMD-128/256 use a subset) and the initial H4 0xC3D2E1F0",
         [v for v in RMD_KL + RMD_KR if v] + [0xC3D2E1F0])
    cset("chacha_sigma", "chacha", "chacha20", 3, "\"expand 32-byte k\" words (ChaCha and "
         "Salsa20 share them)", SIGMA32)
    # -Os and memcpy of the constant string give 64-bit immediates holding two words
    cset("chacha_sigma64", "chacha", "chacha20", 2, "\"expand 32-byte k\" / \"expand 16-byte k\" "
         "as 64-bit immediates holding two adjacent words (movabs)",
         [SIGMA32[i] | SIGMA32[i + 1] << 32 for i in range(3)] +
         [TAU16[i] | TAU16[i + 1] << 32 for i in range(3)], bits=64)
    cset("chacha_tau", "chacha", "chacha20", 3, "\"expand 16-byte k\" words (ChaCha and "
         "Salsa20 128-bit keys)", TAU16)
    cset("tea_delta", "tea", "tea", 2, "TEA/XTEA delta 0x9E3779B9 and 32*delta 0xC6EF3720 "
         "(decryption start sum); XXTEA uses the delta only",
         [TEA_DELTA, (32 * TEA_DELTA) & M32])
    cset("rc5_pq32", "rc5", "rc5", 2, "RC5/RC6 key-schedule magic P32 (e) and Q32 (phi) and the "
         "initial S[i] = P32 + i*Q32 (i < 44) that compilers precompute; RC6 uses the same",
         [RC5_P32, RC5_Q32] + RC5_S32[1:])
    cset("rc5_pq64", "rc5", "rc5", 2, "RC5-64 key-schedule magic P64 and Q64 and S[i] = P64 + i*Q64",
         [RC5_P64, RC5_Q64] + RC5_S64[1:], bits=64)
    cset("camellia_sigma", "camellia", "camellia", 3, "Camellia key-schedule Sigma1..6, 32-bit "
         "halves", [w for s in CAMELLIA_SIGMA for w in (s >> 32, s & M32)])
    cset("camellia_sigma64", "camellia", "camellia", 2, "Camellia key-schedule Sigma1..6 (64-bit)",
         CAMELLIA_SIGMA, bits=64)
    cset("seed_kc", "seed", "seed", 3, "SEED key-schedule constants KC0..KC15 (rotations of "
         "0x9E3779B9)", SEED_KC)
    cset("aria_c", "aria", "aria", 3, "ARIA key-schedule constants C1..C3 (1/pi), 32-bit words",
         [(c >> (32 * (3 - i))) & M32 for c in ARIA_C for i in range(4)])
    cset("aria_c64", "aria", "aria", 2, "ARIA key-schedule constants C1..C3, 64-bit halves",
         [(c >> (64 * (1 - i))) & M64 for c in ARIA_C for i in range(2)], bits=64)
    cset("blowfish_p", "blowfish", "blowfish", 4, "Blowfish initial P-array (pi digits) as "
         "immediates (BLAKE-256 uses the first 16 words too)", BF_P)
    # CRC polynomials: one value is a strong sign (except the 16-bit ones, see below)
    for name, alg, width, vals, desc in (
            ("crc32_poly", "crc32", 32, [0xEDB88320], "CRC-32 reflected polynomial"),
            ("crc32_poly_msb", "crc32-bzip2", 32, [0x04C11DB7], "CRC-32 normal (MSB-first) polynomial"),
            ("crc32c_poly", "crc32c", 32, [0x82F63B78, 0x1EDC6F41], "CRC-32C polynomial, reflected and normal"),
            ("crc64_ecma_poly", "crc64-ecma", 64, [0xC96C5795D7870F42, 0x42F0E1EBA9EA3693],
             "CRC-64/ECMA-182 polynomial, reflected (xz) and normal"),
            ("crc64_iso_poly", "crc64-iso", 64, [0xD800000000000000], "CRC-64/ISO reflected polynomial"),
            ("crc24_poly", "crc24", 32, [0x864CFB, 0xB704CE], "CRC-24/OpenPGP polynomial and init"),
    ):
        cset(name, "crc", alg, 1, desc, vals, bits=64 if width == 64 else 32)
    # 16-bit polynomials are small numbers that also occur as flag combinations (glibc's
    # adjtime uses ADJ_OFFSET_SS_READ = 0xA001), so one alone is no finding: these sets need
    # both forms (generic CRC code); a lone 16-bit polynomial in a shift/xor loop is for
    # the C side's code-shape analysis
    cset("crc16_poly", "crc", "crc16", 2, "CRC-16/ARC polynomial, reflected 0xA001 and normal "
         "0x8005 (both needed: each alone is a common flag value)", [0xA001, 0x8005])
    cset("crc16_ccitt_poly", "crc", "crc16-ccitt", 2, "CRC-16-CCITT polynomial, normal 0x1021 "
         "and reflected 0x8408 (both needed)", [0x1021, 0x8408])
    cset("adler32", "adler", "adler32", 2, "Adler-32: BASE 65521 (0xFFF1; 0xFFF0 from "
         "'a >= BASE'), NMAX 5552 (0x15B0; 0x15AF from 'len >= NMAX'), reciprocal "
         "multipliers for x % 65521 (gcc/clang x86: 0x80078071 32-bit, 0xF00E10D2FC5CD 64-bit)",
         [0xFFF1, 0xFFF0, 0x15B0, 0x15AF, 0x80078071, 0xF00E10D2FC5CD])
    cset("curve25519_a24", "ecc", "curve25519", 1, "Curve25519 ladder constant a24 = 121665 "
         "(or 121666 = (A+2)/4) and A = 486662", [121665, 121666, 486662])


# ---------------------------------------------------------------------------
# self-tests (known answers and internal consistency)

def selftest():
    assert AES_SBOX[:4] == [0x63, 0x7C, 0x77, 0x7B] and AES_SBOX[255] == 0x16
    assert AES_INV[0] == 0x52 and AES_TE[0][0] == 0xA56363C6 and AES_TD[0][0] == 0x50A7F451
    assert AES_RCON == [1, 2, 4, 8, 16, 32, 64, 128, 0x1B, 0x36]
    assert sorted(AES_SBOX) == list(range(256))
    for box in DES_S:
        for r in range(4):
            assert sorted(box[16 * r:16 * r + 16]) == list(range(16))
    assert sorted(DES_PC1) == sorted(set(range(1, 65)) - set(range(8, 65, 8)))
    assert len(set(DES_PC2)) == 48 and max(DES_PC2) <= 56 and sorted(DES_P) == list(range(1, 33))
    assert DES_FP[:4] == [40, 8, 48, 16] and DES_E[:8] == [32, 1, 2, 3, 4, 5, 4, 5]
    assert DES_SP_CLASSIC[0][:4] == [0x01010400, 0, 0x00010000, 0x01010404]
    assert DES_SP_OPENSSL[0][:2] == [0x02080800, 0x00080000]
    assert DES_SP_NETTLE[0][:2] == [0x02080008, 0x02082000]
    assert DES_SP_KRB5[0][:2] == [0x00100000, 0x02100001] and DES_PSBOX[0][1] == 0x4000
    assert BF_P[0] == 0x243F6A88 and BF_P[17] == 0x8979FB1B and BF_S[0][0] == 0xD1310BA6
    assert BF_S[3][255] == 0x3AC372E6
    assert TF_Q0[:4] == [0xA9, 0x67, 0xB3, 0xE8] and TF_Q1[:4] == [0x75, 0xF3, 0xC6, 0xF4]
    assert sorted(TF_Q0) == list(range(256)) and sorted(TF_Q1) == list(range(256))
    assert TF_MDS[0][0] == 0xBCBC3275 and TF_EXP[8] == 0x4D
    assert CAM_S1[:4] == [112, 130, 44, 236] and sorted(CAM_S1) == list(range(256))
    assert CAMELLIA_SIGMA[0] == 0xA09E667F3BCC908B and CAMELLIA_SIGMA[5] == 0xB05688C2B3E6C1FD
    assert SEED_SS0[0] == 0x2989A1A8 and SEED_KC[1] == 0x3C6EF373
    assert sorted(SEED_S0) == list(range(256)) and sorted(SEED_S1) == list(range(256))
    assert sorted(ARIA_S2) == list(range(256)) and ARIA_X2[0] == 0x30
    assert ARIA_C[0] == 0x517CC1B727220A94FE13ABE8FA9A6EE0
    assert CAST_S[0][0] == 0x30FB40D4 and CAST_S[7][248] == 0x04F19130 and CAST_S[7][255] == 0xEA8BF59E
    assert MD5_T[0] == 0xD76AA478 and MD5_T[63] == 0xEB86D391
    assert SHA256_K[0] == 0x428A2F98 and SHA256_K[63] == 0xC67178F2
    assert SHA512_K[0] == 0x428A2F98D728AE22 and SHA512_K[79] == 0x6C44198C4A475817
    assert [v >> 32 for v in SHA512_K[:64]] == SHA256_K
    assert SHA256_IV[0] == 0x6A09E667 and SHA224_IV[0] == 0xC1059ED8
    assert SHA384_IV[0] == 0xCBBB9D5DC1059ED8 and SHA512_IV[7] == 0x5BE0CD19137E2179
    assert SHA512_256_IV[0] == 0x22312194FC2BF72C and SHA512_224_IV[0] == 0x8C3D37C819544DA2
    # SHA-512 known answer: "abc"
    assert sha512_digest(b"abc", SHA512_IV)[0] == 0xDDAF35A193617ABA
    assert SHA1_K == [0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6]
    assert RMD_KL[4] == 0xA953FD4E and RMD_KR[:4] == [0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9]
    assert RMD_R[16:20] == [7, 4, 13, 1] and RMD_RP[:4] == [5, 14, 7, 0] and RMD_RP[64:68] == [12, 15, 10, 4]
    assert SIGMA32 == [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    assert TAU16 == [0x61707865, 0x3120646E, 0x79622D36, 0x6B206574]
    assert (TEA_DELTA, RC5_P32, RC5_Q32) == (0x9E3779B9, 0xB7E15163, 0x9E3779B9)
    assert (RC5_P64, RC5_Q64) == (0xB7E151628AED2A6B, 0x9E3779B97F4A7C15)
    assert RC5_S32[1] == 0x5618CB1C and RC5_S32[25] == 0x2B4C3474
    assert CRC_TABLES["crc32"][1] == 0x77073096 and CRC_TABLES["crc32"][255] == 0x2D02EF8D
    assert CRC_TABLES["crc32c"][1] == 0xF26B8303 and CRC_TABLES["crc32_msb"][1] == 0x04C11DB7
    assert CRC_TABLES["crc16"][1] == 0xC0C1 and CRC_TABLES["crc16_ccitt"][1] == 0x1021
    assert CRC_TABLES["crc64_ecma"][1] == 0xB32E4CBE03A75F6F
    assert CRC_TABLES["crc64_iso"][1] == 0x01B0000000000000
    check_curves()
    assert ED25519_D == 0x52036CEE2B6FFE738CC740797779E89800700A4D4141D8AB75EB4DCA135978A3
    assert ED25519_BX == 0x216936D3CD6E53FEC0A4E231FDD6DC5C692CC7609525A7B2C9562D608F25D51A
    for limbs, v in ((REF10_D, ED25519_D), (REF10_D2, ED25519_D2), (REF10_SQRTM1, SQRTM1_25519)):
        assert fe25_5_value(limbs) == v
    assert fe51(ED25519_D)[0] == 929955233495203
    assert oid_der("1.2.840.113549.1.1.1") == bytes.fromhex("2a864886f70d010101")
    assert b64_decode_hex(B64_STD).startswith("3e [3] 3f 34 35")


# ---------------------------------------------------------------------------
# output

HEADER = """/*
 * {title}
 *
 * GENERATED by scripts/gen-crypto-rules.py - do not edit; change the generator and run
 *   python3 scripts/gen-crypto-rules.py
 * Tables are computed from their definitions where one exists, otherwise taken as
 * constants cross-checked against several independent implementations (see the
 * generator's comments).  Each rule carries meta family/algorithm/kind/description
 * (lineage crypto spec); key-blob rules also carry blob = capi|bcrypt|pem|der.
 * Strings are prefixes/middles of each table (32-64 bytes), `any of them` unless noted.
 */

"""


def yara_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def fmt_hex(b):
    hx = ["%02x" % x for x in b]
    lines = [" ".join(hx[i:i + 32]) for i in range(0, len(hx), 32)]
    if len(lines) == 1:
        return "{ " + lines[0] + " }"
    return "{\n            " + "\n            ".join(lines) + "\n        }"


def emit_rule(r):
    out = ["rule %s" % r.name, "{", "    meta:"]
    meta = [("family", r.family), ("algorithm", r.algorithm), ("kind", r.kind),
            ("description", r.description)] + sorted(r.meta.items())
    for k, v in meta:
        out.append('        %s = "%s"' % (k, yara_escape(v)))
    out.append("    strings:")
    for sid, val in r.strings:
        if isinstance(val, Text):
            out.append('        %s = "%s" %s' % (sid, val.s, val.mods))   # val.s is YARA-escaped
        elif isinstance(val, Hex):
            out.append("        %s = { %s }" % (sid, val))
        else:
            out.append("        %s = %s" % (sid, fmt_hex(val)))
    out += ["    condition:", "        " + r.condition, "}", ""]
    return "\n".join(out)


def emit_consts():
    out = ["/* lib/crypto/consts.inc - GENERATED by scripts/gen-crypto-rules.py, do not edit.",
           " *",
           " * Immediate-constant sets for the crypto axis (X-macro include):",
           " *   LN_CSET(name, family, algorithm, min_distinct, description)",
           " *   LN_CVAL(set_name, value)   value: 0x...u (32-bit) or 0x...ull (64-bit)",
           " * min_distinct = distinct values of the set one function must contain for a finding.",
           " * Each constant is listed once; the C side also tries the negation of an immediate.",
           " * Sets overlap on purpose (e.g. md4_k within sha1_k, sha256_k = sha512_k_hi[0..63]);",
           " * the C side resolves overlaps.",
           " */",
           "#ifndef LN_CSET",
           "#define LN_CSET(name, family, algorithm, min_distinct, description)",
           "#endif",
           "#ifndef LN_CVAL",
           "#define LN_CVAL(set_name, value)",
           "#endif",
           ""]
    for name, fam, alg, mind, desc, vals in CSETS:
        out.append('LN_CSET(%s, "%s", "%s", %d, "%s")' % (name, fam, alg, mind, yara_escape(desc)))
        for v, bits in vals:
            out.append("LN_CVAL(%s, 0x%0*xull)" % (name, 16, v) if bits == 64
                       else "LN_CVAL(%s, 0x%08xu)" % (name, v))
        out.append("")
    out += ["#undef LN_CSET", "#undef LN_CVAL", ""]
    return "\n".join(out)


def generate():
    for g in (gen_aes, gen_des, gen_blowfish, gen_twofish, gen_camellia, gen_seed, gen_aria,
              gen_cast, gen_rc5, gen_hashes, gen_chacha, gen_crc, gen_base64, gen_pubkey, gen_consts):
        g()
    # no byte string may be shared by two rules of different families
    seen = {}
    for fname, rules in FILES.items():
        for r in rules:
            for sid, val in r.strings:
                if isinstance(val, (bytes, bytearray)) and sid != "$aria_s2":   # guard string
                    key = bytes(val)
                    if key in seen and seen[key][1] != r.family:
                        raise AssertionError("string of %s equals one of %s" % (r.name, seen[key][0]))
                    seen.setdefault(key, (r.name, r.family))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                    help="repository root to write into (default: this script's repo)")
    ap.add_argument("--check", action="store_true", help="run the self-tests only")
    args = ap.parse_args()
    selftest()
    generate()
    if args.check:
        print("self-tests passed: %d rules, %d constant sets" %
              (sum(len(v) for v in FILES.values()), len(CSETS)))
        return 0
    rdir = os.path.join(args.out, "rules", "crypto")
    cdir = os.path.join(args.out, "lib", "crypto")
    os.makedirs(rdir, exist_ok=True)
    os.makedirs(cdir, exist_ok=True)
    for fname in sorted(FILES):
        text = HEADER.format(title=FILE_TITLES[fname]) + "\n".join(emit_rule(r) for r in FILES[fname])
        with open(os.path.join(rdir, fname), "w") as fh:
            fh.write(text)
    with open(os.path.join(cdir, "consts.inc"), "w") as fh:
        fh.write(emit_consts())
    counts = ", ".join("%s %d" % (f[:-4], len(FILES[f])) for f in sorted(FILES))
    print("wrote %d rules (%s) and %d constant sets" %
          (sum(len(v) for v in FILES.values()), counts, len(CSETS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
