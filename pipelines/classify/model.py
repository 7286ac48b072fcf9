"""The statistical half: TF-IDF features and a multinomial logistic regression, trained on the
train split of the shipped labelled set (never on dev, never downloaded).

Features (each block TF-IDF weighted with sublinear term frequency and L2-normalised, as
scikit-learn's `TfidfVectorizer` does):
- word unigrams and bigrams of the whole normalised text (title, description, facilitator...);
- word unigrams of the title, kept apart (the title says what the activity is);
- character 3- and 4-grams of the title's words, so typos and inflections still share features.

The featuriser is vectorised with pyarrow compute kernels (tokenising, n-grams, vocabulary
look-up) and scipy sparse matrices: scikit-learn's vectorisers tokenise row by row in Python,
which was two thirds of the stage's time. Training takes well under a second, so the model is
fitted at first use and cached, keyed by the labelled set's hash: editing `labelled.jsonl`
retrains.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from pipelines.classify.rules import Texts
from schemas.classified import FORMATS

LABELLED_PATH = Path(__file__).with_name("labelled.jsonl")
MODEL_TEXT_CHARS = 1200
"""Texts are cut here: the first paragraphs say what the activity is, and the cost grows with length."""
WORD_SEPARATORS = r"[^\p{L}\p{N}_'-]+"
CHAR_NGRAMS = (3, 4)
LONGEST_WORD = 24
"""Title words are cut here before character n-grams (URLs and glued words add nothing)."""
REGULARISATION_C = 10.0
STOP_WORDS_TEXT = """
le la les l de des du d un une et en au aux a pour par sur avec dans qui que qu est son sa ses vos votre nos notre ce
cette ces on se s ne n pas plus ou leur leurs y il elle ils elles vous nous je j tout tous toute toutes
de het een en van voor met in op te is je we wij die dat er om aan bij of zijn naar ook ons onze jouw u uw hun
the a an and of for to in on with by at is are we you your our or from this that it as be who
"""
STOP_WORDS = pa.array(sorted(set(STOP_WORDS_TEXT.split())), type=pa.string())
"""Function words of the three languages: they carry no format, and the model leaned on them."""


# --- vectorised n-grams ----------------------------------------------------------------------


def _tokens(column: pa.Array, *, drop_stop_words: bool = False) -> tuple[pa.Array, np.ndarray]:
    """Every word of every row (flattened) and the row each came from."""
    lists = pc.split_pattern_regex(column, WORD_SEPARATORS)
    rows = pc.list_parent_indices(lists).to_numpy()
    words = pc.utf8_trim(pc.list_flatten(lists), "'-")
    keep = pc.greater(pc.utf8_length(words), 0)
    if drop_stop_words:
        keep = pc.and_(keep, pc.invert(pc.is_in(words, value_set=STOP_WORDS)))
    return words.filter(keep), rows[keep.to_numpy(zero_copy_only=False)]


def _char_grams(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Character n-grams of each word padded with spaces (scikit-learn's `char_wb`)."""
    words, rows = _tokens(column)
    return _grams_of_words(words, rows)


def _grams_of_words(words: pa.Array, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    padded = pc.binary_join_element_wise(" ", pc.utf8_slice_codeunits(words, 0, LONGEST_WORD), " ", "")
    lengths = pc.utf8_length(padded).to_numpy()
    grams, gram_rows = [], []
    low, high = CHAR_NGRAMS
    for n in range(low, high + 1):
        for offset in range(0, LONGEST_WORD + 2 - n + 1):
            fits = lengths >= offset + n
            if not fits.any():
                break
            grams.append(pc.utf8_slice_codeunits(padded.filter(pa.array(fits)), offset, offset + n))
            gram_rows.append(rows[fits])
    if not grams:
        return pa.array([], pa.string()), np.zeros(0, np.int64)
    return pa.chunked_array(grams, type=pa.string()).combine_chunks(), np.concatenate(gram_rows)


@dataclass(frozen=True)
class Block:
    """One TF-IDF block: a vocabulary of grams, optionally the pairs of consecutive grams
    (word bigrams, kept as sorted integer keys so no bigram string is ever built), idf weights."""

    name: str
    vocabulary: pa.Array
    pairs: np.ndarray | None  # sorted keys first * len(vocabulary) + second, or None (no bigrams)
    idf: np.ndarray

    @property
    def width(self) -> int:
        return len(self.vocabulary) + (0 if self.pairs is None else len(self.pairs))

    def feature_names(self) -> list[str]:
        names = self.vocabulary.to_numpy(zero_copy_only=False).astype(str)
        if self.pairs is None:
            return list(names)
        size = len(names)
        return list(names) + [f"{names[k // size]} {names[k % size]}" for k in self.pairs]

    def columns(self, grams: pa.Array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every known feature occurrence."""
        ids = pc.fill_null(pc.index_in(grams, value_set=self.vocabulary), -1).to_numpy(zero_copy_only=False)
        known = ids >= 0
        out_rows, out_columns = [rows[known]], [ids[known].astype(np.int64)]
        if self.pairs is not None and len(ids) > 1:
            first, second = ids[:-1].astype(np.int64), ids[1:].astype(np.int64)
            both = (first >= 0) & (second >= 0) & (rows[:-1] == rows[1:])
            keys = first[both] * len(self.vocabulary) + second[both]
            at = np.searchsorted(self.pairs, keys)
            found = at < len(self.pairs)
            found[found] = self.pairs[at[found]] == keys[found]
            out_rows.append(rows[:-1][both][found])
            out_columns.append(len(self.vocabulary) + at[found])
        return np.concatenate(out_rows), np.concatenate(out_columns)

    def counts(self, grams: pa.Array, rows: np.ndarray, n_rows: int) -> sp.csr_matrix:
        row, column = self.columns(grams, rows)
        return sp.coo_matrix((np.ones(len(column)), (row, column)), shape=(n_rows, self.width)).tocsr()

    def char_counts(self, words: pa.Array, rows: np.ndarray, n_rows: int) -> sp.csr_matrix:
        """Character n-gram counts computed once per distinct word (titles repeat their words):
        (rows x words) @ (words x n-grams)."""
        distinct = pc.unique(words)
        word_of = pc.index_in(words, value_set=distinct).to_numpy(zero_copy_only=False).astype(np.int64)
        grams, gram_word = _grams_of_words(distinct, np.arange(len(distinct)))
        per_word = self.counts(grams, gram_word, len(distinct))
        occurrences = sp.coo_matrix((np.ones(len(word_of)), (rows, word_of)), shape=(n_rows, len(distinct))).tocsr()
        return sp.csr_matrix(occurrences @ per_word)

    def tfidf(self, grams: pa.Array, rows: np.ndarray, n_rows: int, *, of_words: bool = False) -> sp.csr_matrix:
        matrix = self.char_counts(grams, rows, n_rows) if of_words else self.counts(grams, rows, n_rows)
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]  # summed duplicates = counts
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)

    @classmethod
    def fit(cls, name: str, grams: pa.Array, rows: np.ndarray, n_rows: int, *, with_pairs: bool) -> Block:
        vocabulary = pc.unique(grams).sort()
        provisional = cls(name, vocabulary, None, np.ones(len(vocabulary)))
        pairs = None
        if with_pairs:
            ids = pc.index_in(grams, value_set=vocabulary).to_numpy(zero_copy_only=False).astype(np.int64)
            same = rows[:-1] == rows[1:]
            pairs = np.unique(ids[:-1][same] * len(vocabulary) + ids[1:][same])
            provisional = cls(name, vocabulary, pairs, np.ones(len(vocabulary) + len(pairs)))
        row, column = provisional.columns(grams, rows)
        occurrences = np.unique(row * provisional.width + column)
        document_frequency = np.bincount(occurrences % provisional.width, minlength=provisional.width)
        idf = np.log((1 + n_rows) / (1 + document_frequency)) + 1.0
        return cls(name, vocabulary, pairs, idf)


BLOCKS = {"text_words": True, "title_words": False, "title_chars": False, "facets": False}
"""Feature blocks and whether each also counts pairs of consecutive grams (word bigrams)."""


def _block_inputs(texts: Texts, *, grams_of_titles: bool = True) -> dict[str, tuple[pa.Array, np.ndarray]]:
    """Each block's (grams, row of each gram); the title's character n-grams as its words when
    `grams_of_titles` is false (they are expanded per distinct word, see `Block.char_counts`)."""
    full = texts.full if texts.full is not None else texts.text
    text = pc.utf8_slice_codeunits(full, 0, MODEL_TEXT_CHARS)  # the title comes first
    return {
        "text_words": _tokens(text, drop_stop_words=True),
        "title_words": _tokens(texts.title, drop_stop_words=True),
        "title_chars": _char_grams(texts.title) if grams_of_titles else _tokens(texts.title),
        "facets": _tokens(texts.facets if texts.facets is not None else pa.array([""] * len(texts.title), pa.string())),
    }


@dataclass(frozen=True)
class Featuriser:
    blocks: tuple[Block, ...]

    @classmethod
    def fit(cls, texts: Texts) -> Featuriser:
        n_rows = len(texts.title)
        inputs = _block_inputs(texts)
        return cls(tuple(Block.fit(name, *inputs[name], n_rows, with_pairs=pairs) for name, pairs in BLOCKS.items()))

    def transform(self, texts: Texts) -> sp.csr_matrix:
        n_rows = len(texts.title)
        inputs = _block_inputs(texts, grams_of_titles=False)
        return sp.hstack([block.tfidf(*inputs[block.name], n_rows, of_words=block.name == "title_chars")
                          for block in self.blocks], format="csr")

    def feature_names(self) -> list[str]:
        return [f"{block.name}:{name}" for block in self.blocks for name in block.feature_names()]

    @property
    def readable_width(self) -> int:
        """Columns before the character n-grams (words and word pairs)."""
        return sum(block.width for block in self.blocks if block.name not in ("title_chars", "facets"))

    @cached_property
    def display_names(self) -> np.ndarray:
        return np.array([name.split(":", 1)[1] for name in self.feature_names()], dtype=object)


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatModel:
    featuriser: Featuriser
    classifier: LogisticRegression
    digest: str  # sha256 of the labelled set it was trained on (first 8 hex digits)
    trained_rows: int

    def probabilities(self, texts: Texts) -> np.ndarray:
        """rows x FORMATS probabilities (columns in `FORMATS` order)."""
        n_rows = len(texts.title)
        if n_rows == 0:
            return np.zeros((0, len(FORMATS)))
        scores = self.featuriser.transform(texts) @ self.classifier.coef_.T + self.classifier.intercept_
        scores = np.asarray(scores)
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        proba /= proba.sum(axis=1, keepdims=True)
        classes = list(self.classifier.classes_)
        return np.column_stack([proba[:, classes.index(f)] if f in classes else np.zeros(n_rows) for f in FORMATS])

    def telling_features(self, texts: Texts, rows: np.ndarray, formats: np.ndarray, top: int = 3) -> np.ndarray:
        """Per selected row, the words that raised its format's score most (readable features
        only: words and word pairs, not character n-grams), e.g. "words 'retraite', 'gite'"."""
        if len(rows) == 0:
            return np.zeros(0, dtype=object)
        matrix = self.featuriser.transform(texts.subset(rows))
        classes = list(self.classifier.classes_)
        class_of_row = np.array([classes.index(f) if f in classes else 0 for f in formats])
        row_of_entry = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        contribution = matrix.data * self.classifier.coef_[class_of_row[row_of_entry], matrix.indices]
        readable = matrix.indices < self.featuriser.readable_width
        keep = (contribution > 0) & readable
        entry_rows, entry_columns, entry_values = row_of_entry[keep], matrix.indices[keep], contribution[keep]
        order = np.lexsort((-entry_values, entry_rows))
        names = self.featuriser.display_names
        chosen: list[list[str]] = [[] for _ in range(len(rows))]
        for r, c in zip(entry_rows[order], entry_columns[order], strict=True):
            if len(chosen[r]) < top and names[c] not in chosen[r]:
                chosen[r].append(names[c])
        return np.array(["words " + ", ".join(f"'{w}'" for w in words) if words else "" for words in chosen], dtype=object)

    def strongest_features(self, format_name: str, top: int = 15) -> list[str]:
        """The features that most raise `format_name` (for docs and analysts)."""
        names = self.featuriser.feature_names()
        weights = self.classifier.coef_[list(self.classifier.classes_).index(format_name)]
        return [str(names[i]) for i in np.argsort(-weights)[:top]]


def read_labelled(path: Path = LABELLED_PATH) -> pd.DataFrame:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows)


def labelled_digest(path: Path = LABELLED_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def train_model(examples: pd.DataFrame, digest: str = "custom") -> FormatModel:
    """A model fitted on labelled rows (any split the caller chose; `format` is the target)."""
    from pipelines.classify.rules import listing_texts

    texts = listing_texts(examples.reset_index(drop=True))
    featuriser = Featuriser.fit(texts)
    # Every example is seen twice, with and without the clean stage's facets, so a listing whose
    # schedule or entry could not be read is judged on its words alone (not pushed out of scope).
    blind = dataclasses.replace(texts, facets=pa.array([""] * len(texts.title), pa.string()))
    features = sp.vstack([featuriser.transform(texts), featuriser.transform(blind)], format="csr")
    target = np.concatenate([examples["format"].to_numpy()] * 2)
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=1000, class_weight="balanced", solver="newton-cg")
    classifier.fit(features, target)
    return FormatModel(featuriser=featuriser, classifier=classifier, digest=digest, trained_rows=len(examples))


@cache
def _model_for(path: Path, digest: str) -> FormatModel:
    labelled = read_labelled(path)
    return train_model(labelled[labelled["split"] == "train"].reset_index(drop=True), digest)


def format_model(path: Path = LABELLED_PATH) -> FormatModel:
    """The model trained on the train split of `path`; retrained only when the file changes."""
    return _model_for(path, labelled_digest(path))
