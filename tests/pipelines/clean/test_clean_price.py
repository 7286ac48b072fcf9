"""Price: a EUR amount and a kind people can filter on; francs are never passed off as euros."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.price import listing_prices, parse_price
from schemas.clean import PRICE_KINDS


@pytest.mark.parametrize(
    ("text", "eur", "kind"),
    [
        ("gratuit", 0.0, "free"), ("Gratis", 0.0, "free"), ("free", 0.0, "free"), ("0", 0.0, "free"),
        ("Entrée libre", 0.0, "free"), ("kosteloos", 0.0, "free"),
        ("5 €", 5.0, "fixed"), ("10 EUR", 10.0, "fixed"), ("€ 7,50", 7.5, "fixed"), ("€5", 5.0, "fixed"),
        ("PAF : 3 €", 3.0, "fixed"), ("15 euros la séance, 100 euros le cycle", 15.0, "fixed"), ("12", 12.0, "fixed"),
        ("CHF 20", None, "fixed"), ("Fr. 30.- par soirée", None, "fixed"), ("25.- CHF", None, "fixed"),
        ("participation libre", None, "sliding"), ("prix libre", None, "sliding"), ("vrije bijdrage", None, "sliding"),
        ("pay what you can", None, "sliding"), ("selon revenus (de 10 à 40 €)", 10.0, "sliding"),
        ("naar draagkracht", None, "sliding"),
        ("cotisation annuelle 20 €", 20.0, "membership"), ("lidgeld 15 euro/jaar", 15.0, "membership"),
        ("membership", None, "membership"),
        ("à voir sur place", None, "unknown"), (None, None, "unknown"),
    ],
)
def test_parse_price(text, eur, kind):
    assert parse_price(text) == (eur, kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Feel free to come along", "unknown"), ("Parking gratuit devant la salle", "unknown"),
     ("La participation est gratuite.", "free"), ("Free of charge, all welcome.", "free")],
)
def test_prose_reads_only_unambiguous_cues(text, kind):
    assert parse_price(text, prose=True)[1] == kind


def test_listing_prices_bare_number_in_switzerland_is_francs():
    out = listing_prices(pd.Series(["20", "20", None], dtype="str"), pd.Series([None, None, "Gratuit."], dtype="str"),
                         pd.Series(["CH", "BE", "BE"], dtype="str"))
    assert math.isnan(out["price_eur"].iloc[0]) and out["price_kind"].iloc[0] == "fixed"
    assert out["price_eur"].iloc[1] == 20.0
    assert out["price_eur"].iloc[2] == 0.0 and out["price_kind"].iloc[2] == "free"
    assert out["price_eur_origin"].tolist() == ["unknown", "parsed", "parsed"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.booleans(), st.booleans())
def test_parse_price_never_raises_and_stays_valid(text, prose, swiss):
    eur, kind = parse_price(text, prose=prose, swiss=swiss)
    assert kind in PRICE_KINDS
    assert eur is None or 0 <= eur <= 10_000
