"""Compiled loops of the full report (numba): the title cosines of a chunk of rows against the columns their
dates meet, without making the whole sparse product.

scipy's product of a chunk computes every pair that shares a word (two passes: its size, then its entries) and
keeps them all, though most pairs have a cosine under the floor or dates that never meet. Here each row's
words are looked up in the columns' posting lists, within the columns whose start comes before the row's end
(columns are in start order), and only the pairs at the floor whose dates meet are kept. The sums are made in
the order scipy makes them (the row's words in order, each word's columns in order, float32), so the cosines
are the same, bit for bit (tests/overlap/test_kernels.py compares them).

Compiled at the first call and cached on disk (numba's cache, beside this module) for the next processes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class ProfileFilter:
    """What title a pair needs by its profile: needed[profile] (minus the tolerance), the profile being `given`
    with bits[t] added for each signal t the two rows' signatures share."""

    bits: np.ndarray    # int64, one per signal
    given: int
    needed: np.ndarray  # float64, by profile


@njit(nogil=True, cache=True)
def pair_titles(l_indptr: np.ndarray, l_indices: np.ndarray, l_data: np.ndarray, r_indptr: np.ndarray,
                r_indices: np.ndarray, r_data: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The title cosine of each pair (left row left[k], right row right[k]) of two CSR matrices, summed as
    scipy's product sums it (the left row's words in order, float32): the same value as title_entries gives."""
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
def _title_entries(l_indptr: np.ndarray, l_indices: np.ndarray, l_data: np.ndarray, a: int, b: int,
                   c_indptr: np.ndarray, c_rows: np.ndarray, c_data: np.ndarray, lo: int, hi: int,
                   l_starts: np.ndarray, l_ends: np.ndarray, r_starts: np.ndarray, r_ends: np.ndarray,
                   upper: bool, floor: float, l_signs: np.ndarray, r_signs: np.ndarray, bits: np.ndarray,
                   given: int, needed: np.ndarray, acc: np.ndarray, keys: np.ndarray, values: np.ndarray
                   ) -> tuple[int, int]:
    """title_entries from row a on, into keys and values: (how many were written, the row to go on from, b
    when done). Stops before a row whose columns might not fit in what is left of the buffers. acc: hi - lo
    zeros (left zero)."""
    signals = l_signs.shape[1]
    w = hi - lo
    n = 0
    for r in range(a, b):
        first = lo
        if upper and r + 1 > first:
            first = r + 1
        # the columns that start before the row ends (r_starts is sorted)
        last = lo + np.searchsorted(r_starts[lo:hi], l_ends[r])
        if first >= last:
            continue
        if n + (last - first) > len(keys):
            return n, r
        # sums without asking which columns were touched (no branch per addition), then one pass over the range
        for p in range(l_indptr[r], l_indptr[r + 1]):
            word = l_indices[p]
            weight = l_data[p]
            s, e = c_indptr[word], c_indptr[word + 1]
            if s == e:
                continue
            q0 = s + np.searchsorted(c_rows[s:e], first)
            q1 = s + np.searchsorted(c_rows[s:e], last)
            for q in range(q0, q1):
                acc[c_rows[q] - lo] += weight * c_data[q]
        for c in range(first, last):
            value = acc[c - lo]
            if np.float64(value) >= floor and l_starts[r] < r_ends[c] and r_starts[c] < l_ends[r]:
                if signals:
                    profile = given
                    for t in range(signals):
                        if l_signs[r, t] & r_signs[c, t]:
                            profile |= bits[t]
                    if np.float64(value) < needed[profile]:
                        acc[c - lo] = 0
                        continue
                keys[n] = (r - a) * w + (c - lo)
                values[n] = value
                n += 1
            acc[c - lo] = 0
    return n, b


def title_entries(left_titles, a: int, b: int, right_postings, lo: int, hi: int,  # noqa: ANN001
                  l_starts: np.ndarray, l_ends: np.ndarray, r_starts: np.ndarray, r_ends: np.ndarray,
                  upper: bool, floor: float, profile: "ProfileFilter | None" = None, l_signs: np.ndarray | None = None,
                  r_signs: np.ndarray | None = None, buffer: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (row r of [a, b), column c of [lo, hi)) whose half-open date ranges meet, with c > r when
    upper, and whose title cosine is at least floor: as keys (r - a) * (hi - lo) + (c - lo), in row order, and
    their cosines (float32, as scipy's product gives them).

    left_titles: the left side's title vectors (CSR); right_postings: the right side's (CSC with sorted
    indices: per word, its rows in increasing order), whose rows are in start order (r_starts sorted).

    With a profile filter, a pair is kept only if its cosine also reaches what its profile needs, the profile
    being read from the rows' signatures (l_signs, r_signs: one column per signal): rows that share a value
    share a bit, so the profile read has every signal the pair has (and maybe more) and, as what a profile
    needs does not grow with its signals, no pair that reaches what its exact profile needs is dropped.
    """
    if profile is None:
        l_signs = r_signs = np.zeros((0, 0), dtype=np.uint64)
        bits, given, needed = np.zeros(0, dtype=np.int64), 0, np.zeros(1, dtype=np.float64)
    else:
        bits, given, needed = profile.bits, profile.given, profile.needed
    acc = np.zeros(hi - lo, dtype=np.float32)
    parts_keys, parts_values = [], []
    start = a
    size = max(buffer, hi - lo)
    while True:
        keys = np.empty(size, dtype=np.int64)
        values = np.empty(size, dtype=np.float32)
        n, start_next = _title_entries(left_titles.indptr, left_titles.indices, left_titles.data, start, b,
                                       right_postings.indptr, right_postings.indices, right_postings.data, lo, hi,
                                       l_starts, l_ends, r_starts, r_ends, upper, floor, l_signs, r_signs, bits,
                                       given, needed, acc, keys, values)
        if start != a:  # keys count rows from a
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
