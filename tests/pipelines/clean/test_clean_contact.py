"""Contact: E.164 phones, checked lower-case e-mails, canonical websites."""

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.contact import canonical_website, email_address, listing_contacts, phone_e164


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("Tél. 04 123 45 67", "BE", "+3241234567"),
        ("0470/12.34.56", "BE", "+32470123456"),
        ("+32 (0)2 123 45 67", "BE", "+3221234567"),
        ("0032 2 123 45 67", "BE", "+3221234567"),
        ("01 23 45 67 89", "FR", "+33123456789"),
        ("appeler le 022 345 67 89", "CH", "+41223456789"),
        ("+352 621 123 456", "LU", "+352621123456"),
        ("04 123 45 67", "XX", "+3241234567"),  # unknown country: Belgian reading
        ("Le 12/03/2027 à 19h30", "BE", None),
        ("Rue Haute 12, 4000 Liège", "BE", None),
        (None, "BE", None),
    ],
)
def test_phone_e164(text, region, expected):
    assert phone_e164(text, region) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Info@Groupe-Parole.EXAMPLE", "info@groupe-parole.example"),
        ("écrire à contact [at] cercle.example", "contact@cercle.example"),
        ("mailto:x@y.example?subject=Groupe", "x@y.example"),
        ("a@b", None), ("pas de mail", None), ("user@@bad..example", None), (None, None),
    ],
)
def test_email_address(text, expected):
    assert email_address(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("www.Groupe.EXAMPLE/page?utm_source=fb&id=3#top", "https://www.groupe.example/page?id=3"),
        ("HTTP://X.example", "http://x.example/"),
        ("https://asbl.example/agenda?fbclid=abc", "https://asbl.example/agenda"),
        ("javascript:alert(1)", None), ("ftp://x.example", None), ("not a url", None), (None, None),
    ],
)
def test_canonical_website(url, expected):
    assert canonical_website(url) == expected


def test_listing_contacts_structured_first_then_text():
    frame = pd.DataFrame(
        {"phone": ["02 123 45 67", None, None], "email": [None, "bad", None],
         "contact_text": ["0470/12.34.56", "Écrire à info@asbl.example", None],
         "description": [None, None, "Infos : 01 23 45 67 89, accueil@cercle.example"],
         "website": ["asbl.example", None, "javascript:void(0)"]},
        dtype="str",
    )
    out = listing_contacts(frame, pd.Series(["BE", "BE", "FR"], dtype="str"))
    assert out["phone"].tolist()[::2] == ["+3221234567", "+33123456789"]
    assert out["phone_origin"].tolist() == ["structured", "unknown", "parsed"]
    assert out["email"].tolist()[1:] == ["info@asbl.example", "accueil@cercle.example"]
    assert out["email_origin"].tolist() == ["unknown", "parsed", "parsed"]
    assert out["website"].iloc[0] == "https://asbl.example/" and out["website"].iloc[1:].isna().all()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 +()/.-", max_size=30) | st.text(max_size=60), st.sampled_from(["BE", "FR", "CH", "LU", "??"]))
def test_phone_e164_never_raises_and_is_e164(text, region):
    phone_e164.cache_clear()
    out = phone_e164(text, region)
    assert out is None or re.fullmatch(r"\+\d{6,15}", out)


def test_accented_addresses_in_contact_text_are_found():
    """Internationalised addresses (accented local part and domain) are read, lower-cased, as written."""
    frame = pd.DataFrame({"phone": [None], "email": [None], "contact_text": ["écrire à zoé@café.example"],
                          "description": [None], "website": [None]}, dtype="str")
    assert listing_contacts(frame, pd.Series(["FR"], dtype="str"))["email"].iloc[0] == "zoé@café.example"
