"""Hostile and broken rows through clean → classify (`groupdir process`): nothing raises, every row
is either an output row or a quarantined one with its reason, and nothing a browser or a
spreadsheet would run reaches the CSV."""

from __future__ import annotations

import csv
import json
import re

import pytest

from pipelines.process import process_file

BASE = {"description": "Groupe de parole mensuel pour personnes endeuillées.", "location_text": "Rue Haute 12, 4000 Liège",
        "schedule_text": "tous les 1ers mardis du mois à 19h30", "language": "fr"}
HOSTILE = {
    "script": {"title": "<script>alert(1)</script>Groupe de parole deuil",
               "description": "<img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">Infos</a> Écoute mutuelle."},
    "formulas": {"title": "=HYPERLINK(\"http://evil.example\",\"Groupe\")", "description": "+cmd|' /C calc'!A0",
                 "organizer": "@SUM(1+1)", "price_text": "-2+3"},
    "sql": {"title": "Robert'); DROP TABLE listings;-- groupe de parole"},
    "control characters": {"title": "Groupe\x00 de\x07 parole\x1b[31m deuil", "description": "ligne\u2028deux\r\ntrois\x0b"},
    "1 MB title": {"title": "Groupe de parole " * 62_000},
    "emoji": {"title": "Groupe de parole 🌈💬 LGBTQIA+"},
    "right-to-left": {"title": "\u202eGroupe de parole\u202c مجموعة دعم"},
    "mojibake": {"title": "Groupe dâ€™entraide pour aidants", "description": "Ã‰coute et partage"},
    "number as title": {"title": 12345},
    "array as description": {"title": "Groupe de parole", "description": ["a", "b"]},
    "object as start": {"title": "Groupe de parole", "start": {"date": "mardi"}},
    "missing title": {"title": None},
    "31 February and 25:00": {"title": "Groupe de parole", "start": "2027-02-31T25:00:00",
                              "schedule_text": "le 31 février 2027 à 25h00"},
    "endless RRULE": {"title": "Groupe de parole", "start": "2026-12-01T19:30:00", "rrule": "FREQ=SECONDLY;INTERVAL=1"},
    "exploding RRULE": {"title": "Groupe de parole", "start": "2026-12-01T19:30:00", "rrule": "FREQ=MINUTELY;COUNT=100000000"},
    "garbage RRULE": {"title": "Groupe de parole", "rrule": "FREQ=NEVER;BYDAY=XX;UNTIL=tomorrow"},
}
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e]")


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    source, output = folder / "hostile.jsonl", folder / "out.csv"
    lines = [json.dumps({**BASE, "id": name, **row}, ensure_ascii=False) for name, row in HOSTILE.items()]
    lines.append(json.dumps({**BASE, "id": "script", "title": "Doublon du même id"}))  # a duplicate id
    body = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    body += b'{"id": "bad-bytes", "title": "Groupe \xff\xfe de parole"}\n{"id": "truncated", "title": "Grou\n'
    source.write_bytes(body)
    result = process_file(source, output)
    rows = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    quarantine = list(csv.DictReader(result.quarantine_path.open(encoding="utf-8", newline="")))
    return result, rows, quarantine


def test_every_row_is_kept_or_quarantined_with_a_reason(processed):
    result, rows, quarantine = processed
    assert len({r["record_id"] for r in rows}) == len(rows), "a duplicated id must not overwrite a row"
    assert result.rows_in == len(HOSTILE) + 3
    assert len(rows) + len(quarantine) == result.rows_in
    assert all(q["reason"].strip() for q in quarantine)
    reasons = " | ".join(q["reason"] for q in quarantine)
    assert "title" in reasons and "JSON" in reasons


def test_no_markup_formula_or_control_character_reaches_the_csv(processed):
    _, rows, quarantine = processed
    for row in rows + quarantine:
        for column, cell in row.items():
            if column in ("payload", "raw"):
                continue
            assert "<script" not in cell.lower() and "onerror" not in cell.lower() and "javascript:" not in cell.lower(), (column, cell)
            assert not FORMULA_START.match(cell), (column, cell[:80])
            assert not CONTROL.search(cell), (column, cell[:80])
    for q in quarantine:  # the payload is kept for analysts, but a spreadsheet must not run it either
        assert not FORMULA_START.match(q["payload"])


def test_hostile_text_is_cleaned_not_dropped(processed):
    _, rows, _ = processed
    by_id = {r["id"]: r for r in reversed(rows)}  # the first row of a duplicated id
    assert by_id["script"]["title"] == "Groupe de parole deuil"
    assert "Écoute mutuelle" in by_id["script"]["description"] and "Infos" in by_id["script"]["description"]
    assert by_id["mojibake"]["title"] == "Groupe d’entraide pour aidants"
    assert "🌈" in by_id["emoji"]["title"]
    assert len(by_id["1 MB title"]["title"]) <= 300 and by_id["1 MB title"]["title"].startswith("Groupe de parole")


def test_impossible_dates_and_exploding_rrules_give_no_schedule_from_nowhere(processed):
    """An RRULE of 10^8 occurrences would never finish if it were expanded: the module's fixture
    runs under pytest's timeout, so reaching this test is the proof it was not."""
    _, rows, _ = processed
    by_id = {r["id"]: r for r in rows}
    impossible = by_id["31 February and 25:00"]
    assert impossible["start_time"] == "" and impossible["rrule"] == "" and impossible["next_occurrence"] == ""
    for name in ("endless RRULE", "exploding RRULE"):
        assert by_id[name]["rrule"] in HOSTILE[name]["rrule"] and by_id[name]["next_occurrence"]
    assert by_id["garbage RRULE"]["rrule"] != HOSTILE["garbage RRULE"]["rrule"]
