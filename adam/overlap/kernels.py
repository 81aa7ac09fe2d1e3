"""Compiled loops of the full report (numba): the candidate pairs of a chunk of rows against the columns their
dates meet, found from posting lists, without making the sparse products of the chunk.

scipy's product of a chunk computes every pair that shares a word (two passes: its size, then its entries) and
keeps them all, though most pairs have a cosine under the floor or dates that never meet; the pairs that share
a donor and an implementer, or start alike, came from more products and sorts. Here each row's words are
looked up in the columns' posting lists, within the columns whose start comes before the row's end (columns
are in start order), and only the pairs that can matter are kept (chunk_candidates). The title sums are made in
the order scipy makes them (the row's words in order, each word's columns in order, float32), so the cosines
are the same, bit for bit (tests/overlap/test_kernels.py compares them).

Compiled at the first call and cached on disk (numba's cache, beside this module) for the next processes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit


@dataclass(frozen=True)
class ProfileFilter:
    """What title a pair needs by its profile: needed[profile] (the tolerance already taken off), the profile
    being `given` with bits[t] added for each signal t whose signatures the two rows share."""

    bits: np.ndarray    # int64, one per signature column
    given: int
    needed: np.ndarray  # float64, by profile


@dataclass(frozen=True)
class Enumerate:
    """Which pairs chunk_candidates enumerates besides those of a title cosine of `at_least`: the pairs that
    share a donor and an implementer (both), and, when `alike` (a number of days, -1: not), the pairs whose
    known starts are within that many days and that share a donor or an implementer. donor and implementer
    are the signature columns of those signals."""

    at_least: float
    both: bool
    alike: int
    donor: int
    implementer: int


@njit(nogil=True, cache=True)
def pair_titles(l_indptr: np.ndarray, l_indices: np.ndarray, l_data: np.ndarray, r_indptr: np.ndarray,
                r_indices: np.ndarray, r_data: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The title cosine of each pair (left row left[k], right row right[k]) of two CSR matrices, summed as
    scipy's product sums it (the left row's words in order, float32): the value chunk_candidates gives."""
    out = np.zeros(len(left), dtype=np.float32)
    for k in range(len(left)):
        r, c = left[k], right[k]
        total = np.float32(0)
        for p in range(l_indptr[r], l_indptr[r + 1]):
            word = l_indices[p]
            for q in range(r_indptr[c], r_indptr[c + 1]):
                if r_indices[q] == word:
                    total += l_data[p] * r_data[q]
                    break
        out[k] = total
    return out


@njit(nogil=True, cache=True)
def _needs(r: int, c: int, l_signs: np.ndarray, r_signs: np.ndarray, bits: np.ndarray, given: int,
           needed: np.ndarray) -> float:
    """What title the pair (r, c) needs by the profile its signatures give."""
    profile = given
    for t in range(len(bits)):
        if l_signs[r, t] & r_signs[c, t]:
            profile |= bits[t]
    return needed[profile]


@njit(nogil=True, cache=True)
def _candidates(lt_indptr: np.ndarray, lt_indices: np.ndarray, lt_data: np.ndarray, a: int, b: int,
                rp_indptr: np.ndarray, rp_rows: np.ndarray, rp_data: np.ndarray, lo: int, hi: int,
                l_starts: np.ndarray, l_ends: np.ndarray, r_starts: np.ndarray, r_ends: np.ndarray, upper: bool,
                floor: float, at_least: float, l_signs: np.ndarray, r_signs: np.ndarray, bits: np.ndarray,
                given: int, needed: np.ndarray, ld_indptr: np.ndarray, ld_indices: np.ndarray,
                rd_indptr: np.ndarray, rd_rows: np.ndarray, both: bool, l_raw: np.ndarray, r_raw: np.ndarray,
                alike: int, donor_t: int, implementer_t: int, skip: np.ndarray, acc: np.ndarray,
                state: np.ndarray, keys: np.ndarray, values: np.ndarray) -> tuple[int, int]:
    """chunk_candidates from row a on, into keys and values: (how many were written, the row to go on from, b
    when done). Stops before a row whose columns might not fit in what is left of the buffers. acc and state:
    hi - lo zeros (left zero). skip: sorted keys (counted from row a) of pairs to leave out."""
    w = hi - lo
    n = 0
    at = 0
    for r in range(a, b):
        first = lo
        if upper and r + 1 > first:
            first = r + 1
        # the columns that start before the row ends (r_starts is sorted)
        last = lo + np.searchsorted(r_starts[lo:hi], l_ends[r])
        if n + (last - first) > len(keys):
            return n, r
        # the pairs to leave out are marked as if already kept (the last loop clears the marks of the range)
        while at < len(skip) and skip[at] < (r - a + 1) * w:
            c = lo + skip[at] - (r - a) * w
            if first <= c < last:
                state[c - lo] = 1
            at += 1
        if first >= last:
            continue
        # title sums without asking which columns were touched (no branch per addition)
        for p in range(lt_indptr[r], lt_indptr[r + 1]):
            word = lt_indices[p]
            weight = lt_data[p]
            s, e = rp_indptr[word], rp_indptr[word + 1]
            if s == e:
                continue
            q0 = s + np.searchsorted(rp_rows[s:e], first)
            q1 = s + np.searchsorted(rp_rows[s:e], last)
            for q in range(q0, q1):
                acc[rp_rows[q] - lo] += weight * rp_data[q]
        # the pairs that share a donor and an implementer (by the implementers' signatures), then those that start
        # alike and share a donor or an implementer, whatever their title: kept if their title (0 under the floor)
        # reaches what their profile needs; marked in state so that none comes twice
        for part in range(2):
            if part == 0:
                if not both:
                    continue
                spans = ld_indptr[r + 1] - ld_indptr[r]
            else:
                if alike < 0 or l_raw[r] < 0:
                    continue
                spans = 1
            for span in range(spans):
                if part == 0:
                    donor = ld_indices[ld_indptr[r] + span]
                    s, e = rd_indptr[donor], rd_indptr[donor + 1]
                    q0 = s + np.searchsorted(rd_rows[s:e], first)
                    q1 = s + np.searchsorted(rd_rows[s:e], last)
                else:
                    q0 = max(first, lo + np.searchsorted(r_starts[lo:hi], l_raw[r] - alike))
                    q1 = min(last, lo + np.searchsorted(r_starts[lo:hi], l_raw[r] + alike, side="right"))
                for q in range(q0, q1):
                    c = rd_rows[q] if part == 0 else q
                    k = c - lo
                    if state[k]:
                        continue
                    if part == 0:
                        if implementer_t >= 0 and not (l_signs[r, implementer_t] & r_signs[c, implementer_t]):
                            continue
                    else:
                        if r_raw[c] < 0 or abs(r_raw[c] - l_raw[r]) > alike:
                            continue
                        if not ((l_signs[r, donor_t] & r_signs[c, donor_t])
                                or (l_signs[r, implementer_t] & r_signs[c, implementer_t])):
                            continue
                    if not (l_starts[r] < r_ends[c] and r_starts[c] < l_ends[r]):
                        continue
                    value = acc[k]
                    if np.float64(value) < floor:
                        value = np.float32(0)
                    if np.float64(value) < _needs(r, c, l_signs, r_signs, bits, given, needed):
                        continue
                    state[k] = 1
                    keys[n] = (r - a) * w + k
                    values[n] = value
                    n += 1
        # the pairs of a title at at_least that reach what their profile needs (not already kept)
        for c in range(first, last):
            k = c - lo
            value = acc[k]
            acc[k] = 0
            if state[k]:
                state[k] = 0
                continue
            if np.float64(value) >= at_least and l_starts[r] < r_ends[c] and r_starts[c] < l_ends[r]:
                if np.float64(value) < _needs(r, c, l_signs, r_signs, bits, given, needed):
                    continue
                keys[n] = (r - a) * w + k
                values[n] = value
                n += 1
    return n, b


def chunk_candidates(left, a: int, b: int, right, lo: int, hi: int, upper: bool, floor: float,  # noqa: ANN001
                     what: Enumerate, profile: ProfileFilter | None, skip: np.ndarray | None = None,
                     buffer: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (row r of [a, b) of the left side, column c of [lo, hi) of the right side) whose half-open date
    ranges meet, with c > r when upper, that are of a title cosine of what.at_least, or share a donor and an
    implementer (what.both), or start alike and share a donor or an implementer (what.alike), and whose title
    (0 under the floor) reaches what their profile needs: as keys (r - a) * (hi - lo) + (c - lo), each pair
    once, and their title cosines (float32, as scipy's product gives them).

    The sides (candidates._Side) give: rows in start order (starts, ends, raw_starts), title vectors (CSR) and,
    on the right, their posting lists (CSC with sorted indices: per word, its rows in increasing order), the
    donors (CSR, and on the right as posting lists) and per row the signatures of the profile's signals (signs).
    The profile is read from the signatures: rows that share a value share a bit, so the profile read has every
    signal the pair has (and maybe more) and, as what a profile needs does not grow with its signals, no pair
    that reaches what its exact profile needs is dropped; nor is a pair sharing a donor and an implementer (the
    implementers compared by signature: a superset). The pairs of skip (sorted keys) are left out.
    """
    skip = np.zeros(0, dtype=np.int64) if skip is None else skip
    if profile is None:
        bits, given, needed = np.zeros(left.signs.shape[1], dtype=np.int64), 0, np.full(1, -np.inf)
    else:
        bits, given, needed = profile.bits, profile.given, profile.needed
    lt, rp = left.m["titles"], right.postings
    ld, rd = left.donors, right.donor_postings
    empty = np.zeros(0, dtype=np.int32)
    acc = np.zeros(hi - lo, dtype=np.float32)
    state = np.zeros(hi - lo, dtype=np.uint8)
    parts_keys, parts_values = [], []
    start = a
    size = max(buffer, 2 * (hi - lo))
    while True:
        keys = np.empty(size, dtype=np.int64)
        values = np.empty(size, dtype=np.float32)
        n, start_next = _candidates(
            lt.indptr, lt.indices, lt.data, start, b, rp.indptr, rp.indices, rp.data, lo, hi,
            left.starts, left.ends, right.starts, right.ends, upper, floor, max(floor, what.at_least),
            left.signs, right.signs, bits, given, needed,
            ld.indptr if what.both else empty, ld.indices if what.both else empty,
            rd.indptr if what.both else empty, rd.indices if what.both else empty, what.both,
            left.raw_starts, right.raw_starts, what.alike, what.donor, what.implementer,
            skip[np.searchsorted(skip, (start - a) * (hi - lo)):] - (start - a) * (hi - lo), acc, state, keys,
            values)
        if start != a:  # the kernel counted rows from start
            keys[:n] += (start - a) * (hi - lo)
        parts_keys.append(keys[:n])
        parts_values.append(values[:n])
        if start_next >= b:
            break
        start = start_next
        size *= 2
    if len(parts_keys) == 1:
        return parts_keys[0], parts_values[0]
    return np.concatenate(parts_keys), np.concatenate(parts_values)


def postings(matrix: sp.csr_matrix) -> sp.csc_matrix:
    """Per column of a CSR matrix, its rows in increasing order (what chunk_candidates looks up)."""
    out = matrix.tocsc()
    out.sort_indices()
    return out


_MASK32 = np.uint64(0xFFFFFFFF)


@njit(nogil=True, cache=True, inline="always")
def _rotl32(x: np.uint64, r: int) -> np.uint64:
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _MASK32


@njit(nogil=True, cache=True)
def murmur3_32(data: np.ndarray, start: int, end: int) -> int:
    """MurmurHash3 (x86, 32 bits, seed 0) of data[start:end] as a signed integer: mmh3.hash(bytes, 0)."""
    c1, c2 = np.uint64(0xCC9E2D51), np.uint64(0x1B873593)
    h = np.uint64(0)
    length = end - start
    blocks = start + (length // 4) * 4
    for p in range(start, blocks, 4):
        k = (np.uint64(data[p]) | (np.uint64(data[p + 1]) << np.uint64(8)) | (np.uint64(data[p + 2]) << np.uint64(16))
             | (np.uint64(data[p + 3]) << np.uint64(24)))
        k = (k * c1) & _MASK32
        k = _rotl32(k, 15)
        k = (k * c2) & _MASK32
        h ^= k
        h = _rotl32(h, 13)
        h = (h * np.uint64(5) + np.uint64(0xE6546B64)) & _MASK32
    rest = length & 3
    if rest:
        k = np.uint64(0)
        if rest == 3:
            k ^= np.uint64(data[blocks + 2]) << np.uint64(16)
        if rest >= 2:
            k ^= np.uint64(data[blocks + 1]) << np.uint64(8)
        k ^= np.uint64(data[blocks])
        k = (k * c1) & _MASK32
        k = _rotl32(k, 15)
        k = (k * c2) & _MASK32
        h ^= k
    h ^= np.uint64(length)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _MASK32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _MASK32
    h ^= h >> np.uint64(16)
    value = np.int64(h)
    return value - (np.int64(1) << 32) if value >= (np.int64(1) << 31) else value


@njit(nogil=True, cache=True)
def ascii_word_columns(data: np.ndarray, n_features: int, stop_hashes: np.ndarray, stop_words: np.ndarray,
                       stop_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (text, column) of every word of data, the texts' lower-cased ASCII joined by the separator byte 124
    ("|"), the bytes of words being [a-z0-9] and every other byte a space (32): a word's column is the one
    text._column gives (signed MurmurHash3, seed 0, absolute value modulo n_features); words of one letter and
    stop words are left out (stop_hashes: the sorted hashes of the ASCII stop words, stop_words their bytes
    joined, in the same order, from stop_offsets)."""
    rows = np.empty(len(data) // 2 + 1, dtype=np.int64)
    cols = np.empty(len(data) // 2 + 1, dtype=np.int64)
    n = 0
    text = 0
    p = 0
    size = len(data)
    while p < size:
        byte = data[p]
        if byte == 32:
            p += 1
            continue
        if byte == 124:
            text += 1
            p += 1
            continue
        start = p
        while p < size and data[p] != 32 and data[p] != 124:
            p += 1
        if p - start <= 1:
            continue
        h = murmur3_32(data, start, p)
        at = np.searchsorted(stop_hashes, h)
        stop = False
        while at < len(stop_hashes) and stop_hashes[at] == h and not stop:
            s, e = stop_offsets[at], stop_offsets[at + 1]
            if e - s == p - start:
                stop = True
                for q in range(e - s):
                    if stop_words[s + q] != data[start + q]:
                        stop = False
                        break
            at += 1
        if stop:
            continue
        if h == -2147483648:
            column = (2147483647 - (n_features - 1)) % n_features
        else:
            column = abs(h) % n_features
        rows[n] = text
        cols[n] = column
        n += 1
    return rows[:n], cols[:n]
