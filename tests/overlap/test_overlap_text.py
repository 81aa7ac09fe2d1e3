"""Tokenising (one text or a register in bulk) gives the very matrix scikit-learn's HashingVectorizer gives over
tokens(), without ADAM importing scikit-learn; set shares by bit masks."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from adam.overlap import text
from adam.overlap.candidates import row_masks, row_signatures, shares
from adam.overlap.stopwords import ENGLISH_STOP_WORDS

SAMPLES = ["Strengthening border management for the Drug Control Agency of Tajikistan: pilot phase",
           "Türkiye ÉCOLE Straße İstanbul ǅemal naïve café", "Москва и область: подготовка кадров",
           "ΣΊΣΥΦΟΣ Ελληνικά", "日本語のテキスト", "x\u0308y \u0301abc ﬁnance", "A_B c-d e.f 2021/22 UNODC's",
           "", "a b c", "support project phase ii of", "CAPS lock and\ttabs\nnew lines"]


def identical(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data))


def vectorized(texts: list[str]) -> sp.csr_matrix:
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(n_features=text.N_FEATURES, analyzer=text.tokens, alternate_sign=False,
                                   norm=None, binary=True)
    return vectorizer.transform(texts).tocsr()


def test_the_stop_words_are_scikit_learns_list():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as theirs

    assert ENGLISH_STOP_WORDS == theirs


def test_counts_equal_the_vectorizer_over_each_text_in_every_script():
    texts = [SAMPLES[k % len(SAMPLES)] + f" site{k % 37}" for k in range(600)]
    assert identical(text.counts(texts), vectorized(texts))
    ascii_only = [t for t in texts if t.isascii()] * 3
    assert identical(text.counts(ascii_only), vectorized(ascii_only))
    for sample in SAMPLES:  # one text at a time, as a draft is tokenised
        assert identical(text.counts([sample]), vectorized([sample]))


def test_a_text_holding_the_bulk_separator_reads_as_with_a_space():
    texts = ["border\x1fcontrol training", "\x1f", "Москва\x1fобласть", "plain"]
    assert identical(text.counts(texts), vectorized(texts))
    assert text.counts(["border\x1fcontrol"]).nnz == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=20), st.integers(1, 300))
def test_counts_equal_the_vectorizer_whatever_the_characters(pieces, n):
    texts = [pieces[k % len(pieces)] + " " + pieces[(k * 7) % len(pieces)] for k in range(n)]
    assert identical(text.counts(texts), vectorized(texts))


def test_tokenising_does_not_import_scikit_learn():
    import subprocess
    import sys

    probe = ("import sys; from adam.overlap import text; from adam.overlap.candidates import Corpus; "
             "text.counts(['Border management training', 'Подготовка кадров']); "
             "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_shares_by_bit_masks_equal_the_set_intersections():
    rng = np.random.default_rng(3)
    dense = rng.random((60, 40)) < 0.08
    m = sp.csr_matrix(dense.astype(np.float32))
    assert row_masks(m) is not None  # 40 columns: one bit each
    i, j = rng.integers(0, 60, 500), rng.integers(0, 60, 500)
    assert shares(m, i, j).tolist() == (dense[i] & dense[j]).any(axis=1).tolist()
    wide = sp.csr_matrix((rng.random((60, 200)) < 0.05).astype(np.float32))
    assert len(np.unique(wide.indices)) > 64 and row_masks(wide) is None  # the signatures' path
    sig = row_signatures(wide)
    both = (wide.toarray()[i].astype(bool) & wide.toarray()[j].astype(bool)).any(axis=1)
    assert ((sig[i] & sig[j]) != 0)[both].all()  # a column in common always shows in the signatures
    assert shares(wide, i, j).tolist() == (wide.toarray()[i].astype(bool) & wide.toarray()[j].astype(bool)).any(axis=1).tolist()


def test_many_ascii_texts_go_through_the_compiled_loop_and_give_the_same_matrix(monkeypatch):
    texts = [t for t in SAMPLES if t.isascii()] + ["border\x1fcontrol training", "I a x yy the THE Their"]
    texts = [texts[k % len(texts)] + f" site{k % 37} {k}" for k in range(300)] + ["Москва и область"]
    calls = []
    original = text._compiled_ascii_counts
    monkeypatch.setattr(text, "_compiled_ascii_counts", lambda t: calls.append(len(t)) or original(t))
    monkeypatch.setattr(text, "COMPILED_FROM", 10)
    assert identical(text.counts(texts), vectorized(texts))
    assert calls == [300]  # the ASCII ones; the Russian text went the other way


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), min_size=0, max_size=60), min_size=1,
                max_size=30))
def test_the_compiled_loop_equals_the_vectorizer_on_any_ascii(texts):
    rows, columns = text._compiled_ascii_counts([t.replace("\x1f", " ") for t in texts])
    got = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), text.N_FEATURES))
    got.sum_duplicates()
    got.sort_indices()
    got.data.fill(1.0)
    assert identical(got, vectorized(texts))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=40))
def test_the_compiled_hash_is_murmurhash3(data):
    import mmh3

    from adam.overlap.kernels import murmur3_32

    assert murmur3_32(np.frombuffer(data, dtype=np.uint8), 0, len(data)) == mmh3.hash(data, 0)
