"""Frames held dictionary-encoded between stages give back exactly what went in."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.compact import as_text, compact, concatenated, expanded


def night(rows: int, offset: int = 0, version: str = "v1") -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": pd.array([f"src:{offset + i}" for i in range(rows)], dtype="str"),
        "format": pd.array([("support_group", "talking_group", None)[i % 3] for i in range(rows)], dtype="str"),
        "classifier_version": pd.array([version] * rows, dtype="str"),
        "empty": pd.array([None] * rows, dtype="str"),
        "weekday": pd.array([i % 7 for i in range(rows)], dtype="Int64"),
        "format_confidence": [i / rows for i in range(rows)],
        "needs_review": [i % 2 == 0 for i in range(rows)],
    }, index=range(100 + offset, 100 + offset + rows))


def is_encoded(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.CategoricalDtype)


def test_repeated_text_is_encoded_and_the_rest_left_as_it_is():
    frame = night(12)
    small = compact(frame)
    assert [c for c in small.columns if is_encoded(small[c])] == ["format", "classifier_version", "empty"]
    pd.testing.assert_index_equal(small.index, frame.index)
    assert small["format"].isna().sum() == 4  # nulls stay nulls, not a category
    assert small["weekday"].dtype == "Int64" and small["needs_review"].dtype == bool


def test_encoding_is_undone_exactly():
    frame = night(12)
    pd.testing.assert_frame_equal(expanded(compact(frame)), frame)  # values, nulls, dtypes, index


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_only_columns_with_few_enough_distinct_values_are_encoded(share):
    small = compact(night(10), share=share)
    assert is_encoded(small["record_id"]) is (share == 1.0)  # ten distinct values in ten rows
    assert is_encoded(small["classifier_version"]) is (share > 0)


def test_chunks_encoded_apart_concatenate_to_the_plain_night():
    chunks = [night(6, 0, "v1"), night(6, 6, "v2"), night(4, 12, "v2")]  # different values per chunk
    small = [compact(c) for c in chunks]
    whole = concatenated(small)
    pd.testing.assert_frame_equal(expanded(whole), pd.concat(chunks, ignore_index=True))
    assert is_encoded(whole["classifier_version"])  # encoded in every chunk: still encoded
    assert set(whole["classifier_version"].cat.categories) == {"v1", "v2"}


def test_a_column_encoded_in_some_chunks_only_comes_back_as_text():
    chunks = [night(6, 0), night(6, 6)]
    mixed = [compact(chunks[0]), chunks[1]]
    whole = concatenated(mixed)
    assert whole["format"].dtype == "str"
    pd.testing.assert_frame_equal(whole, pd.concat(chunks, ignore_index=True))


def test_a_value_written_into_an_encoded_column_needs_it_as_text():
    column = compact(night(6))["classifier_version"]
    text = as_text(column)
    text.iloc[0] = "v9"  # a categorical would refuse a new value, or lose it as null
    assert text.dtype == "str" and list(text[:2]) == ["v9", "v1"]
    pd.testing.assert_series_equal(as_text(night(6)["format"]), night(6)["format"])
