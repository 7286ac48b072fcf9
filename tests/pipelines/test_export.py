"""The CSV contract: column list, safe cells, privacy scrub, atomic publishing and the diff."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from pipelines.export import (
    ExportError,
    _csv_to,
    export_listings,
    is_mobile,
    neutralise_formulas,
    organisation_only,
    personal_email,
    scrubbed_person_names,
    write_exports,
)
from schemas.export import EXPORT_COLUMNS, EXPORT_VERSION

PINNED_COLUMNS = [
    "listing_id", "title", "description",
    "format", "format_label_fr", "format_label_nl", "format_label_en",
    "facilitator_type", "audience", "topics", "language", "organizer",
    "rhythm", "weekday", "week_of_month", "frequency", "start_time", "end_time",
    "start_date", "end_date", "session_count", "rrule", "next_occurrence", "timezone",
    "attendance", "street", "postcode", "city", "region_code", "region", "country",
    "latitude", "longitude", "online_url",
    "price_eur", "price_kind", "price_text",
    "phone", "email", "website", "entry",
    "source_count", "source_urls", "first_seen", "last_seen", "export_version",
]


def directory_row(n: int, **changes) -> dict:
    """One row of the warehouse view v_directory (CanonicalListing + first_seen, last_seen, status)."""
    row = {
        "listing_id": f"gd_{n:012x}", "record_id": f"asso:{n}", "source_id": "asso",
        "listing_url": f"https://asso.example/groupes/{n}", "fetched_at": "2026-12-01T03:00:00+00:00",
        "content_hash": f"h{n}", "title": f"Groupe de parole deuil {n}",
        "description": "Un espace pour parler de la perte d'un proche, sans inscription.",
        "organizer": "Vivre son Deuil Liège asbl", "facilitator_text": "Animé par Marie Dupont, psychologue",
        "schedule_text": "chaque mardi 19h30-21h30", "location_text": "Rue de l'Exemple 1, 4000 Liège",
        "price_text": "Gratuit", "contact_text": "Tél. 04 200 09 01", "categories": "deuil", "language": "fr",
        "rhythm": "recurring", "weekday": 1, "week_of_month": pd.NA, "frequency": "weekly",
        "start_time": "19:30", "end_time": "21:30", "start_date": pd.NA, "end_date": pd.NA,
        "session_count": pd.NA, "rrule": "FREQ=WEEKLY;BYDAY=TU", "next_occurrence": "2026-12-08T19:30:00+01:00",
        "timezone": "Europe/Brussels", "attendance": "in_person", "street": "Rue de l'Exemple 1",
        "postcode": "4000", "city": "Liège", "country": "BE", "region_code": "BE-WLG", "region": "Liège",
        "latitude": 50.6326, "longitude": 5.5797, "online_url": pd.NA, "price_eur": 0.0, "price_kind": "free",
        "phone": "+3242000901", "email": "contact@deuil-liege.example", "website": "https://deuil-liege.example/",
        "entry": "open", "status": "active", "format": "talking_group", "format_confidence": 0.93,
        "format_evidence": "groupe de parole", "facilitator_type": "mental_health_professional",
        "audience": "adults;relatives", "topics": "grief", "needs_review": False, "classifier_version": "1",
        "source_count": 1, "source_urls": f"https://asso.example/groupes/{n}",
        "first_seen": pd.Timestamp("2026-11-20"), "last_seen": pd.Timestamp("2026-12-02"),
    }
    row.update(changes)
    return row


def directory(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def read_csv_rows(path: Path, **kw) -> list[dict]:
    with path.open(encoding=kw.pop("encoding", "utf-8"), newline="") as fh:
        return list(csv.DictReader(fh, **kw))


def test_export_columns_are_pinned_and_every_row_validates():
    export = export_listings(directory(directory_row(1), directory_row(2)))
    assert list(EXPORT_COLUMNS) == PINNED_COLUMNS, "column change: bump EXPORT_VERSION and write the CHANGELOG"
    assert list(export.columns) == PINNED_COLUMNS
    assert len(export) == 2
    assert set(export["export_version"]) == {EXPORT_VERSION}
    assert export.loc[0, "format_label_fr"] == "Groupe de parole"
    assert export.loc[0, "format_label_nl"] == "Praatgroep / gespreksgroep"
    assert export.loc[0, "first_seen"] == "2026-11-20"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"status": "removed"}, "removed listing"),
        ({"status": "cancelled"}, "cancelled listing"),
        ({"format": "out_of_scope"}, "not a group"),
        ({"needs_review": True}, "held for review"),
        ({"format": None}, "no format"),
    ],
)
def test_unpublishable_rows_are_dropped_and_counted(changes, why):
    export = export_listings(directory(directory_row(1), directory_row(2, **changes)))
    assert export["listing_id"].tolist() == ["gd_000000000001"], why
    assert export.attrs["dropped"] == 1


def test_facilitator_text_and_bookkeeping_columns_are_never_exported():
    export = export_listings(directory(directory_row(1)))
    assert not {"facilitator_text", "contact_text", "format_evidence", "record_id", "status"} & set(export.columns)
    assert "Dupont" not in export.to_csv()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Groupe animé par Marie Dupont, le mardi.", "Groupe animé par Marie, le mardi."),
        ("Cercle animé·e par Dr Claire Fontaine et Jan Peeters.", "Cercle animé·e par Dr Claire et Jan."),
        ("Groupe animé(e)s par Mme Lemaire.", "Groupe animé(e)s par Mme L."),
        ("Animatrice : Sophie MARTIN-LEROY", "Animatrice : Sophie"),
        ("Rencontre avec la psychologue Claire Martin.", "Rencontre avec la psychologue Claire."),
        ("Claire Martin, psychologue, vous accueille.", "Claire, psychologue, vous accueille."),
        ("Accueil animée par Hélène d'Ormesson.", "Accueil animée par Hélène."),
        ("Praatgroep begeleid door Jan Peeters.", "Praatgroep begeleid door Jan."),
        ("Praatgroep o.l.v. Anne-Sophie Van den Berghe (psycholoog).", "Praatgroep o.l.v. Anne-Sophie (psycholoog)."),
        ("Begeleid door dhr. Peeters en mevr. De Smet.", "Begeleid door dhr. P. en mevr. S."),
        ("A circle led by Anna Smith and Tom O'Brien.", "A circle led by Anna and Tom."),
        ("Facilitated by Dr. Anna Smith-Jones.", "Facilitated by Dr. Anna."),
    ],
)
def test_person_names_after_facilitation_cues_keep_the_first_name_only(text, expected):
    assert scrubbed_person_names(pd.Series([text], dtype="str")).iloc[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Groupe animé par des bénévoles de l'association.",
        "Animé par Marie, bénévole.",
        "Animé par Marie de 18h à 20h.",
        "Praatgroep begeleid door ervaringsdeskundigen.",
        "Led by volunteers with lived experience.",
    ],
)
def test_text_without_a_full_name_is_left_alone(text):
    assert scrubbed_person_names(pd.Series([text], dtype="str")).iloc[0] == text


@pytest.mark.parametrize(
    ("organizer", "kept"),
    [
        ("Dr Marie Dupont", False),
        ("Marie DUPONT", False),
        ("Claire Martin, psychologue", False),
        ("Mevr. De Smet", False),
        ("Similes Bruxelles asbl", True),
        ("Centre de santé mentale Le Méridien", True),
        ("Rouwzorg Vlaanderen vzw", True),
    ],
)
def test_organizer_is_an_organisation_never_a_private_person(organizer, kept):
    result = organisation_only(pd.Series([organizer], dtype="str")).iloc[0]
    assert (result == organizer) if kept else pd.isna(result)


@pytest.mark.parametrize(
    ("email", "personal"),
    [
        ("marie.dupont@webmail.example", True),
        ("jan_peeters@webmail.example", True),
        ("contact@webmail.example", False),
        ("marie.dupont@deuil-liege.example", False),
    ],
)
def test_personal_email_is_firstname_lastname_at_a_webmail(email, personal):
    flagged = personal_email(pd.Series([email], dtype="str"), webmail=frozenset({"webmail.example"}))
    assert bool(flagged.iloc[0]) is personal


@pytest.mark.parametrize(
    ("phone", "phone_origin", "contact_text", "kept"),
    [
        ("+32470000123", "parsed", "Infos à l'accueil", False),        # BE mobile read from the description
        ("+32470000123", "structured", None, True),                    # the source's own contact field
        ("+32470000123", "parsed", "GSM du groupe : 0470 00 01 23", True),  # the source's contact block
        ("+33612000123", "parsed", None, False),                       # FR mobile
        ("+33712000123", "parsed", None, False),                       # FR 07, unassigned: prefix rule
        ("+41791000123", "parsed", None, False),                       # CH mobile
        ("+352621000123", "parsed", None, False),                      # LU mobile
        ("+3242000901", "parsed", None, True),                         # landline: always kept
    ],
)
def test_mobile_numbers_only_when_given_as_the_groups_contact(phone, phone_origin, contact_text, kept):
    row = directory_row(1, phone=phone, phone_origin=phone_origin, contact_text=contact_text)
    exported = export_listings(directory(row)).loc[0, "phone"]
    assert (exported == phone) if kept else pd.isna(exported)


def test_private_mobile_and_mailbox_are_cut_from_the_description():
    row = directory_row(1, description="Infos : 0470 00 01 23 ou marie.dupont@gmail.com, ou le 04 200 09 01.")
    description = export_listings(directory(row)).loc[0, "description"]
    assert "0470" not in description and "dupont" not in description
    assert "04 200 09 01" in description


def test_personal_email_stays_when_it_is_the_only_contact():
    alone = directory_row(1, phone=None, website=None, email="marie.dupont@gmail.com")
    with_phone = directory_row(2, email="marie.dupont@gmail.com")
    export = export_listings(directory(alone, with_phone)).set_index("listing_id")
    assert export.loc["gd_000000000001", "email"] == "marie.dupont@gmail.com"
    assert pd.isna(export.loc["gd_000000000002", "email"])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=1+1", "'=1+1"), ("+32 4 000 00 00", "'+32 4 000 00 00"), ("-2", "'-2"), ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
     ("\t=cmd", "'\t=cmd"), ("\r=cmd", "'\r=cmd"), ("Groupe = partage", "Groupe = partage")],
)
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralise_formulas(pd.Series([cell], dtype="str")).iloc[0] == expected


def test_numeric_series_are_never_neutralised():
    numbers = pd.Series([-2.5, 4.0, None])
    assert neutralise_formulas(numbers) is numbers


def test_published_csv_neutralises_text_and_keeps_numbers_numeric(tmp_path):
    row = directory_row(1, title="=HYPERLINK(\"https://evil.example\")", price_text="-2 € de réduction",
                        description="@SUM(1+1)", latitude=48.39, longitude=-4.486, city="Brest", country="FR",
                        region_code="FR-29", region="Finistère", postcode="29200", weekday=0, price_eur=0.0)
    paths = write_exports(export_listings(directory(row)), tmp_path)
    cells = read_csv_rows(paths.csv)[0]
    assert cells["title"].startswith("'=") and cells["price_text"] == "'-2 € de réduction"
    assert cells["description"] == "'@SUM(1+1)"
    assert cells["longitude"] == "-4.486" and cells["latitude"] == "48.39"
    assert cells["weekday"] == "0" and cells["price_eur"] == "0.0" and cells["week_of_month"] == ""
    assert json.loads(paths.json.read_text(encoding="utf-8"))["listings"][0]["title"].startswith("=HYPERLINK")


def test_no_markup_survives_and_cells_are_single_line(tmp_path):
    row = directory_row(1, title="<b>Groupe</b> de parole", description="Ligne 1\r\nLigne 2 <script>alert(1)</script>\tfin",
                        organizer="<img src=x onerror=alert(1)>Similes asbl")
    paths = write_exports(export_listings(directory(row)), tmp_path)
    text = paths.csv.read_bytes().decode("utf-8")
    assert not re.search(r"<[A-Za-z/!?]", text)
    lines = text.split("\r\n")
    assert len([line for line in lines if line]) == 2  # header + one record: no line break inside a cell
    cells = read_csv_rows(paths.csv)[0]
    assert cells["title"] == "Groupe de parole" and cells["organizer"] == "Similes asbl"


def test_quoting_round_trips_commas_quotes_and_semicolons(tmp_path):
    title = 'Groupe "Entre nous", deuil; proches'
    paths = write_exports(export_listings(directory(directory_row(1, title=title))), tmp_path)
    assert read_csv_rows(paths.csv)[0]["title"] == title


def test_excel_friendly_has_bom_semicolons_and_decimal_commas(tmp_path):
    paths = write_exports(export_listings(directory(directory_row(1))), tmp_path, excel_friendly=True)
    raw = paths.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"listing_id;title;")
    cells = read_csv_rows(paths.csv, encoding="utf-8-sig", delimiter=";")[0]
    assert cells["latitude"] == "50,6326" and cells["city"] == "Liège"


def test_failing_validation_leaves_the_published_files_byte_identical(tmp_path):
    write_exports(export_listings(directory(directory_row(1), directory_row(2))), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = export_listings(directory(directory_row(3)))
    broken.loc[0, "format"] = "out_of_scope"
    with pytest.raises(ExportError, match="format"):
        write_exports(broken, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file left either


def test_invalid_directory_row_fails_the_export_with_a_clear_reason():
    with pytest.raises(ExportError, match="latitude"):
        export_listings(directory(directory_row(1, latitude=123.0)))


def test_diff_lists_added_changed_and_removed_listings(tmp_path):
    first = write_exports(export_listings(directory(directory_row(1), directory_row(2), directory_row(3))), tmp_path)
    assert (first.added, first.changed, first.removed) == (3, 0, 0)
    tonight = directory(
        directory_row(1, last_seen=pd.Timestamp("2026-12-03"), next_occurrence="2026-12-15T19:30:00+01:00"),
        directory_row(2, start_time="20:00"),
        directory_row(4),
    )
    second = write_exports(export_listings(tonight), tmp_path)
    diff = read_csv_rows(second.diff)
    assert {(d["listing_id"], d["change"]) for d in diff} == {
        ("gd_000000000002", "changed"), ("gd_000000000003", "removed"), ("gd_000000000004", "added"),
    }
    assert next(d for d in diff if d["change"] == "changed")["changed_columns"] == "start_time"
    assert (second.rows, second.added, second.changed, second.removed) == (3, 1, 1, 1)


def test_the_same_night_twice_writes_identical_bytes(tmp_path):
    rows = directory(directory_row(2), directory_row(1))
    write_exports(export_listings(rows), tmp_path)
    first = (tmp_path / "listings.csv").read_bytes(), (tmp_path / "listings.json").read_bytes()
    again = write_exports(export_listings(rows), tmp_path)
    assert ((tmp_path / "listings.csv").read_bytes(), (tmp_path / "listings.json").read_bytes()) == first
    assert (again.added, again.changed, again.removed) == (0, 0, 0)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_published_files_get_the_mode_of_any_new_file(tmp_path, umask):
    """The site's web server reads the files as another user: a temporary file's 0600 must not
    be published with them."""
    previous = os.umask(umask)
    try:
        write_exports(export_listings(directory(directory_row(1))), tmp_path)
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == dict.fromkeys(("listings.csv", "listings.json", "listings.diff.csv"), 0o666 & ~umask)


def test_empty_directory_exports_a_header_only_csv(tmp_path):
    paths = write_exports(export_listings(directory(directory_row(1)).iloc[0:0]), tmp_path)
    assert paths.csv.read_text(encoding="utf-8").strip() == ",".join(PINNED_COLUMNS)
    assert paths.rows == 0


AWKWARD_CELLS = ["plain", "", None, " lead", "trail ", 'q"uote', "com,ma", "semi;colon", "nl\nx", "cr\rx", "tab\tx",
                 "'=1", "é ü €", "#hash", "\\back"]


def awkward_frame() -> pd.DataFrame:
    n = len(AWKWARD_CELLS)
    return pd.DataFrame({
        "text": pd.Series(AWKWARD_CELLS, dtype="str"),
        "real": [1.0, 0.1 + 0.2, float("nan"), 1e-7, 1e20, 50.8503, -4.35, 12345678.9, 5.0, 0.0, -0.0, 1 / 3, 2.5e-5,
                 float("inf"), 1e16][:n],
        "count": pd.array([1, None, 3, 0, -5, 10**12, *range(7, 16)][:n], dtype="Int64"),
    })


@pytest.mark.parametrize(("sep", "bom"), [(",", False), (";", True), (";", False)])
def test_csv_bytes_are_those_of_the_csv_module_with_minimal_quoting(tmp_path, sep, bom):
    """The writer behind every CSV (DuckDB's, for speed) must not move a byte of the contract:
    quotes only where needed, empty and null cells alike, CRLF, decimal comma with ';'."""
    frame = awkward_frame()
    frame.to_csv(tmp_path / "reference.csv", index=False, sep=sep, decimal="," if sep == ";" else ".",
                 encoding="utf-8-sig" if bom else "utf-8", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    _csv_to(frame, tmp_path / "written.csv", sep=sep, bom=bom)
    assert (tmp_path / "written.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()


def test_json_document_holds_every_row_in_order_with_nulls(tmp_path):
    export = export_listings(directory(directory_row(2), directory_row(1, title='Groupe "Entre nous" / é\\', latitude=None)))
    paths = write_exports(export, tmp_path)
    document = json.loads(paths.json.read_text(encoding="utf-8"))
    assert (document["export_version"], document["rows"], document["columns"]) == (EXPORT_VERSION, 2, PINNED_COLUMNS)
    assert [row["listing_id"] for row in document["listings"]] == ["gd_000000000001", "gd_000000000002"]
    first = document["listings"][0]
    assert list(first) == PINNED_COLUMNS
    assert (first["title"], first["latitude"], first["longitude"]) == ('Groupe "Entre nous" / é\\', None, 5.5797)
    assert isinstance(first["weekday"], int) and first["weekday"] == export.loc[0, "weekday"]


@pytest.mark.parametrize(("e164", "mobile_line"), [
    ("+32470123456", True), ("+3242000901", False), ("+33612345678", True), ("+33142345678", False),
    ("+41791234567", True), ("+41221234567", False), ("+352621123456", True), ("+35226123456", False),
    ("+390612345678", False), ("+393123456789", True),  # outside the four countries: parsed (Italy keeps its 0)
])
def test_mobile_lines_are_told_from_fixed_ones_in_and_outside_the_four_countries(e164, mobile_line):
    assert is_mobile(e164) is mobile_line
