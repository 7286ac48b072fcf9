"""The `groupdir` command as analysts use it (Typer's runner, no Prefect engine needed)."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()

ROWS = [
    {"id": "a1", "title": "Groupe de parole pour personnes endeuillées", "description": "<p>Un espace d&#39;écoute, sans inscription.</p>",
     "schedule_text": "tous les 1ers mardis du mois de 19h30 à 21h", "location_text": "Rue Haute 12, 4000 Liège", "price_text": "gratuit",
     "language": "fr"},
    {"id": "a2", "title": "Conférence : le deuil chez l'enfant", "description": "Conférence suivie d'un drink. Entrée 5 €.",
     "location_text": "1000 Bruxelles"},
    {"id": "a3", "title": "", "description": "no title at all"},
    {"id": "a4", "title": "=HYPERLINK(\"http://evil.example\")", "description": "Praatgroep voor mantelzorgers, elke tweede donderdag van 20u tot 22u",
     "location_text": "Kerkstraat 3, 9000 Gent"},
]


def _write_input(path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in ROWS]
    lines.insert(2, "{this is not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_process_writes_one_row_per_valid_input_and_quarantines_the_rest(tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.csv"
    _write_input(source)
    result = runner.invoke(app, ["process", str(source), "-o", str(output)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a1", "a2", "a4"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["a1"]["format"] == "talking_group"
    assert by_id["a1"]["weekday"] == "1" and by_id["a1"]["start_time"] == "19:30"
    assert by_id["a1"]["postcode"] == "4000" and by_id["a1"]["region_code"] == "BE-WLG"
    assert "<p>" not in by_id["a1"]["description"] and "écoute" in by_id["a1"]["description"]
    assert by_id["a2"]["format"] == "out_of_scope"
    assert by_id["a4"]["title"].startswith("'="), "a formula must be neutralised in the CSV"
    quarantine = list(csv.DictReader((tmp_path / "out.quarantine.csv").open(encoding="utf-8")))
    reasons = " | ".join(q["reason"] for q in quarantine)
    assert len(quarantine) == 2, reasons
    assert "not valid JSON" in reasons and "title" in reasons


def test_sources_lists_the_demo_registry():
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 0, result.output
    assert "entraide-wallonie" in result.output and "meeting_guide" in result.output


def test_process_with_nothing_to_quarantine_writes_an_empty_quarantine_file(tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.csv"
    source.write_text(json.dumps(ROWS[0], ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["process", str(source), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in csv.DictReader(output.open(encoding="utf-8"))] == ["a1"]


def test_the_morning_summary_shows_unknowns_per_source_and_field(tmp_path, capsys):
    from flows.cli import print_summary

    summary = {"run_id": "2026-12-01", "status": "Completed", "listings": 3, "new": 3, "changed": 0, "removed": 0,
               "cancelled": 0, "raw": 3, "records_merged": 0, "clusters_merged": 0, "quarantined": 0, "needs_review": 0,
               "exported_rows": 3, "wire_bytes": 10, "formats": {"support_group": 3}, "stage_seconds": {"crawl": 1.0},
               "sources": [], "paths": {"warehouse": str(tmp_path / "groupdir.duckdb")},
               "unknown": {"asso": {"weekday": 2, "postcode": 0}}}
    print_summary(summary)
    out = capsys.readouterr().out
    assert "rows without a value, per source and field" in out
    line = next(ln for ln in out.splitlines() if "asso" in ln)
    assert line.replace("│", " ").replace("┃", " ").split() == ["asso", "2", "0"]
