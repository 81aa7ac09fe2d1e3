"""Text similarity: hashed TF-IDF vectors (cosine by sparse products) and a fuzzy title ratio for the evidence.

Hashing needs no fitted vocabulary, so a draft's new words still count; the IDF comes from document
frequencies over the register (words that are everywhere, like "project" or "COVID-19", weigh little).
"""
from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Sequence

import mmh3
import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz

from adam.overlap.stopwords import ENGLISH_STOP_WORDS
from adam.textfold import fold

N_FEATURES = 2**18
# Words of project titles that say nothing about the subject.
DOMAIN_STOP_WORDS = frozenset({
    "project", "projects", "programme", "program", "support", "phase", "ii", "iii", "iv", "activity",
    "activities", "de", "la", "le", "les", "des", "du", "et", "en", "el", "los", "las", "y", "para", "por",
    "pour", "dans", "au", "aux", "a", "of", "na", "и", "в", "на", "по", "для",
})


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Lower case without accents: "Türkiye" and "turkiye" read alike (adam.textfold.fold)."""
    return fold(text)


@lru_cache(maxsize=200_000)
def _tokens(text: str) -> tuple[str, ...]:
    stop = stop_words()
    return tuple(t for t in _TOKEN.findall(normalise_text(text)) if t not in stop and len(t) > 1)


def tokens(text: str) -> tuple[str, ...]:
    # Cached: the save-time check tokenises the same register titles again and again.
    return _tokens(text) if len(text) < 2000 else _tokens.__wrapped__(text)


def counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Binary word presence per text (rows), hashed: the matrix scikit-learn's HashingVectorizer(analyzer=tokens,
    alternate_sign=False, norm=None, binary=True) gives, without importing scikit-learn (tests compare them)."""
    if not texts:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float64)
    # The separator of _bulk_counts is no word character: a space in its place leaves the words as they were.
    return _bulk_counts([t.replace(_SEPARATOR, " ") if _SEPARATOR in t else t for t in texts])


_SEPARATOR = "\x1f"  # the unit separator: no word character, untouched by folding, absent from real text
_BULK_TOKEN = re.compile(r"[^\W_]+|\x1f", re.UNICODE)
# ASCII text lower-cased: the word characters are [a-z0-9]; every other byte becomes a space, the separator a bar.
_ASCII_WORDS = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 124 if c == 0x1F else 32 for c in range(256))
_COLUMNS: dict[str | bytes, int] = {}  # a word's hashed column, -1 for a word left out (stop word, one letter)


def _column(word: str) -> int:
    """The column HashingVectorizer gives a word (signed 32-bit MurmurHash3, seed 0, absolute value modulo
    N_FEATURES), or -1 for a word tokens() leaves out."""
    if word in stop_words() or len(word) <= 1:
        return -1
    h = mmh3.hash(word, 0)  # scikit-learn's murmurhash3_32(word, seed=0): the same function, signed
    return (2147483647 - (N_FEATURES - 1)) % N_FEATURES if h == -2147483648 else abs(h) % N_FEATURES


def _words(texts: list[str]) -> list:
    """The words of the texts in order, with a separator word between two texts: for ASCII texts as bytes (the
    word characters of lower-cased ASCII are [a-z0-9]: the same words as tokens() finds), else as str."""
    if all(t.isascii() for t in texts):
        return (" \x1f ".join(texts).lower().encode("ascii").translate(_ASCII_WORDS)).split()
    # Folding works character by character and the separator is no word character and a starter of its own:
    # folding the joined texts is joining the folded ones.
    return _BULK_TOKEN.findall(normalise_text(_SEPARATOR.join(texts)))


# From this many ASCII texts on, _bulk_counts finds and hashes their words by a compiled loop (numba: loaded at
# the first such call, which costs about half a second once per process; fewer texts do not repay it).
COMPILED_FROM = 20_000


@lru_cache(maxsize=1)
def _ascii_stop_words() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ASCII stop words as kernels.ascii_word_columns reads them: sorted hashes, bytes joined, offsets."""
    words = sorted((mmh3.hash(w, 0), w.encode("ascii")) for w in stop_words() if w.isascii())
    hashes = np.array([h for h, _ in words], dtype=np.int64)
    joined = np.frombuffer(b"".join(w for _, w in words), dtype=np.uint8)
    offsets = np.cumsum([0] + [len(w) for _, w in words]).astype(np.int64)
    return hashes, joined, offsets


def _compiled_ascii_counts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(text, column) of every word tokens() keeps in ASCII texts, by kernels.ascii_word_columns."""
    from adam.overlap.kernels import ascii_word_columns

    data = np.frombuffer(_SEPARATOR.join(texts).lower().encode("ascii").translate(_ASCII_WORDS), dtype=np.uint8)
    return ascii_word_columns(data, N_FEATURES, *_ascii_stop_words())


def _bulk_counts(texts: list[str]) -> sp.csr_matrix:
    """counts() of many texts at once, the same matrix as HashingVectorizer over tokens() gives: the words of
    the joined texts are found in one pass (_words; the ASCII texts apart from the others), each distinct word is
    looked up and hashed once, and a word's text is the number of separators before it."""
    plain = np.fromiter((t.isascii() for t in texts), dtype=bool, count=len(texts))
    rows, cols = [], []
    for group in (np.flatnonzero(plain), np.flatnonzero(~plain)):
        if len(group) == 0:
            continue
        if len(group) >= COMPILED_FROM and plain[group[0]]:
            # many ASCII texts: the words are found and hashed by a compiled loop over the joined bytes
            text_rows, columns = _compiled_ascii_counts([texts[k] for k in group.tolist()])
            rows.append(group[text_rows])
            cols.append(columns)
            continue
        words = _words([texts[k] for k in group.tolist()])
        vocabulary = dict.fromkeys(words)
        for word in vocabulary:
            column = _COLUMNS.get(word)
            if column is None:
                column = _COLUMNS[word] = _column(word.decode("ascii") if isinstance(word, bytes) else word)
            vocabulary[word] = column
        vocabulary[b"|"] = vocabulary[_SEPARATOR] = -2
        columns = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int64, count=len(words))
        keep = columns >= 0
        rows.append(group[np.cumsum(columns == -2)[keep]])  # a word's text: the separators before it
        cols.append(columns[keep])
    rows_, cols_ = np.concatenate(rows), np.concatenate(cols)
    matrix = sp.csr_matrix((np.ones(len(rows_), dtype=np.float64), (rows_, cols_)), shape=(len(texts), N_FEATURES))
    matrix.sum_duplicates()
    matrix.sort_indices()
    matrix.data.fill(1.0)
    return matrix


class Idf:
    """Inverse document frequencies over a corpus of hashed binary rows; unseen words get the highest weight."""

    def __init__(self, matrix: sp.csr_matrix | None = None):
        self.df = np.zeros(N_FEATURES, dtype=np.float32)
        self.n = 0
        if matrix is not None:
            self.add(matrix)

    def add(self, matrix: sp.csr_matrix) -> None:
        self.df += np.bincount(matrix.indices, minlength=N_FEATURES).astype(np.float32)
        self.n += matrix.shape[0]

    def weights(self) -> np.ndarray:
        return (np.log((1.0 + self.n) / (1.0 + self.df)) + 1.0).astype(np.float32)

    def transform(self, matrix: sp.csr_matrix, weights: np.ndarray | None = None) -> sp.csr_matrix:
        w = self.weights() if weights is None else weights
        weighted = sp.csr_matrix(matrix.astype(np.float32).multiply(w))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ weighted)


def title_ratio(a: str, b: str) -> float:
    """Fuzzy title similarity 0-1 (rapidfuzz token_set_ratio on normalised text), tolerant of typos and dropped words."""
    if not a.strip() or not b.strip():
        return 0.0
    return fuzz.token_set_ratio(normalise_text(a), normalise_text(b)) / 100.0


def same_language(a: str | None, b: str | None) -> bool:
    """Text is compared within one language; unknown languages are assumed comparable."""
    return not a or not b or a.split("-")[0].lower() == b.split("-")[0].lower()
