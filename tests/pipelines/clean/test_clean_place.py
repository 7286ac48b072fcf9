"""Place: address parts, country from postcode form and city, region tables, online or in person."""

import pandas as pd
import pytest

from pipelines.clean.place import (
    attendance_modes,
    coordinates,
    http_urls,
    listing_places,
    parse_address,
    regions,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Salle polyvalente, Rue Haute 12, 4000 Liège", ("Rue Haute 12", "4000", "Liège", "BE")),
        ("Maison des Associations, 12 rue de la Paix, 75011 Paris (3e étage)", ("12 rue de la Paix", "75011", "Paris", "FR")),
        ("12, rue du Fort, L-1724 Luxembourg", ("12 rue du Fort", "1724", "Luxembourg", "LU")),
        ("Avenue Louise 500, B-1050 Ixelles", ("Avenue Louise 500", "1050", "Ixelles", "BE")),
        ("Faubourg du Lac 5, 2000 Neuchâtel", ("Faubourg du Lac 5", "2000", "Neuchâtel", "CH")),  # 2000 is also Antwerp
        ("Grote Markt 3, 2000 Antwerpen", ("Grote Markt 3", "2000", "Antwerpen", "BE")),
        ("Chemin des Fleurs 3, 1234 Vessy, Suisse", ("Chemin des Fleurs 3", "1234", "Vessy", "CH")),
        ("CH-1201 Genève", (None, "1201", "Genève", "CH")),
        ("Rue de Bruxelles 10, 1300 Wavre", ("Rue de Bruxelles 10", "1300", "Wavre", "BE")),
        ("Salle communale, Bastogne", (None, None, "Bastogne", "BE")),
        ("En ligne (Zoom)", (None, None, None, None)),
        ("Tél. 0470-12 34 56", (None, None, None, None)),
        (None, (None, None, None, None)),
    ],
)
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("country", "postcode", "code", "name"),
    [
        ("BE", "1000", "BE-BRU", None), ("BE", "1348", "BE-WBR", "Brabant wallon"), ("BE", "1800", "BE-VBR", "Vlaams-Brabant"),
        ("BE", "2000", "BE-VAN", "Antwerpen"), ("BE", "3000", "BE-VBR", "Vlaams-Brabant"), ("BE", "3500", "BE-VLI", "Limburg"),
        ("BE", "4000", "BE-WLG", "Liège"), ("BE", "5000", "BE-WNA", "Namur"), ("BE", "6000", "BE-WHT", "Hainaut"),
        ("BE", "6700", "BE-WLX", "Luxembourg"), ("BE", "7500", "BE-WHT", "Hainaut"), ("BE", "8000", "BE-VWV", "West-Vlaanderen"),
        ("BE", "9999", "BE-VOV", "Oost-Vlaanderen"), ("BE", "0999", None, None),
        ("FR", "75011", "FR-75", "Paris"), ("FR", "01000", "FR-01", "Ain"), ("FR", "20000", "FR-2A", "Corse-du-Sud"),
        ("FR", "20200", "FR-2B", "Haute-Corse"), ("FR", "97400", "FR-974", "La Réunion"), ("FR", "98000", None, None),
        ("CH", "1201", "CH-GE", "Genève"), ("CH", "1003", "CH-VD", "Vaud"), ("CH", "8001", "CH-ZH", "Zürich"),
        ("CH", "5999", None, None),
        ("LU", "1724", "LU-LU", "Luxembourg (canton)"), ("LU", "4002", "LU-ES", "Esch-sur-Alzette"), ("LU", "9530", "LU-WI", "Wiltz"),
        (None, "4000", None, None),
    ],
)
def test_regions(country, postcode, code, name):
    got_code, got_name = regions(pd.Series([country], dtype="str"), pd.Series([postcode], dtype="str"))
    assert (None if pd.isna(got_code.iloc[0]) else got_code.iloc[0]) == code
    if name:
        assert got_name.iloc[0] == name


@pytest.mark.parametrize(
    ("mode", "categories", "text", "link", "place", "expected"),
    [
        ("OnlineEventAttendanceMode", None, "", False, True, ("online", "structured")),
        ("https://schema.org/MixedEventAttendanceMode", None, "", False, False, ("hybrid", "structured")),
        ("in_person", None, "en ligne", False, False, ("in_person", "structured")),
        (None, "O;ONL", "", False, False, ("online", "structured")),
        (None, None, "Groupe en ligne", False, False, ("online", "parsed")),
        (None, None, "Réunion en visio", False, False, ("online", "parsed")),
        (None, None, "in het echt en online", False, True, ("hybrid", "parsed")),
        (None, None, "sur place ou en visio", False, True, ("hybrid", "parsed")),
        (None, None, "Séance hybride", False, False, ("hybrid", "parsed")),
        (None, None, "", True, False, ("online", "parsed")),
        (None, None, "", False, True, ("in_person", "parsed")),
        (None, None, "Atelier", False, False, ("unknown", "unknown")),
    ],
)
def test_attendance_modes(mode, categories, text, link, place, expected):
    value, origin = attendance_modes(pd.Series([mode], dtype="str"), pd.Series([categories], dtype="str"),
                                     pd.Series([text], dtype="str"), pd.Series([link]), pd.Series([place]))
    assert (value.iloc[0], origin.iloc[0]) == expected


def test_urls_and_coordinates():
    urls = http_urls(pd.Series(["https://zoom.us/j/1", "javascript:alert(1)", "ftp://x.example", "http://a b.example"], dtype="str"))
    assert urls.iloc[0] == "https://zoom.us/j/1" and urls.iloc[1:].isna().all()
    lat = coordinates(pd.Series(["50,63", "91", "0", "abc", None], dtype="str"), -90, 90)
    assert lat.iloc[0] == pytest.approx(50.63) and lat.iloc[1:].isna().all()


def _frame(**columns):
    names = ("title", "description", "schedule_text", "location_text", "street", "postcode", "city", "country",
             "latitude", "longitude", "online_url", "attendance_mode", "categories")
    return pd.DataFrame({c: [columns.get(c)] for c in names}, dtype="str")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (dict(title="Groupe", postcode="L-2449", city="Luxembourg"),
         dict(postcode="2449", country="LU", region_code="LU-LU", postcode_origin="structured", country_origin="parsed")),
        (dict(title="Groupe", postcode="4000", country="Belgique", location_text="Rue Haute 12, 4000 Liège"),
         dict(postcode="4000", country="BE", country_origin="structured", region_code="BE-WLG", attendance="in_person")),
        (dict(title="Groupe", description="Nous nous retrouvons à la salle paroissiale, Rue Haute 3, 7000 Mons."),
         dict(postcode="7000", city="Mons", country="BE", postcode_origin="parsed")),
        (dict(title="Cercle", description="Sur Zoom : https://us02web.zoom.us/j/123 (lien)"),
         dict(online_url="https://us02web.zoom.us/j/123", attendance="online")),
        (dict(title="Cercle", online_url="javascript:alert(1)", location_text="En ligne"), dict(attendance="online")),
    ],
)
def test_listing_places(columns, expected):
    out = listing_places(_frame(**columns)).iloc[0]
    for key, value in expected.items():
        assert out[key] == value, key
    if "online_url" not in expected:
        assert pd.isna(out["online_url"])


@pytest.mark.parametrize(
    ("location", "source_country", "country", "region_code"),
    [
        ("Place du Marché 9, 1227 Carouge", "CH", "CH", "CH-GE"),  # a Swiss association: Swiss postcode
        ("Rue Saint-Piat 6, 7500 Tournai", "FR", "BE", "BE-WHT"),  # a Lille agenda announcing a Belgian group
        ("Place du Marché 9, 1227 Carouge", None, "BE", "BE-BRU"),  # nothing to tell: the Belgian reading
        ("Rue du Fort 12, 4011 Esch-sur-Alzette", "LU", "LU", None),
        ("Place de la Gare 1, 1700 Fribourg", "BE", "CH", "CH-FR"),  # a city the tables know wins over the source
    ],
)
def test_a_bare_four_digit_postcode_is_read_in_the_sources_country(location, source_country, country, region_code):
    out = listing_places(_frame(title="Groupe", location_text=location), pd.Series([source_country], dtype="str")).iloc[0]
    assert out["country"] == country
    if region_code:
        assert out["region_code"] == region_code
