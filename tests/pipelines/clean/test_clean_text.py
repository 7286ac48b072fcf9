"""Text hygiene: no markup, entity, mojibake or control character reaches a person."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.text import clean_text_column, unique_rows_map


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Groupe &amp; <b>parole</b></p>", "Groupe & parole"),
        ("&lt;b&gt;Café&lt;/b&gt; deuil", "Café deuil"),  # escaped twice by the site
        ("Groupe d'entraide anxiÃ©tÃ©", "Groupe d'entraide anxiété"),
        ("dâ€™entraide â€“ Liège", "d’entraide – Liège"),
        ("Cafe\u0301 des aidants", "Café des aidants"),  # NFC
        ("  Praat\x00groep\u200b  rouw \n\t ", "Praat groep rouw"),
        ("<script>alert(1)</script>Atelier", "Atelier"),
        ("   ", None),
        ("<p> </p>", None),
        ("a < b", "a < b"),
    ],
)
def test_clean_text_column_gives_plain_text(raw, expected):
    out = clean_text_column(pd.Series([raw], dtype="str"), 300).iloc[0]
    assert (None if pd.isna(out) else out) == expected


def test_long_text_is_bounded():
    out = clean_text_column(pd.Series(["mot " * 3000], dtype="str"), 5000).iloc[0]
    assert len(out) == 5000 and out.endswith("…")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_no_markup_or_control_characters_survive(text):
    out = clean_text_column(pd.Series(["<div>" + text + "</div>"], dtype="str"), 300).iloc[0]
    if not pd.isna(out):
        assert "<div" not in out and "</div" not in out
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in out)
        assert out == out.strip() and "  " not in out and len(out) <= 300


def test_unique_rows_map_calls_once_per_distinct_row():
    calls = []
    keys = pd.DataFrame({"a": ["x", "x", None, "y"], "b": [1, 1, 2, 1]})
    out = unique_rows_map(keys, lambda a, b: calls.append((a, b)) or f"{a}-{b}")
    assert out.tolist() == ["x-1", "x-1", "None-2", "y-1"]
    assert len(calls) == 3
