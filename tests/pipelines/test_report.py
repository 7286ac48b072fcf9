"""The run report: every section, inline SVG charts, nothing external, hostile text escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from pipelines.report import RunReport, render_html, render_markdown, write_report

HOSTILE = "<script>alert(1)</script>"


def make_report(status: str = "Completed with warnings", **changes) -> RunReport:
    runs = ["2026-11-30", "2026-12-01", "2026-12-02"]
    fields = dict(
        run_id="2026-12-02",
        started_at=datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
        finished_at=datetime(2026, 12, 2, 3, 4, 12, tzinfo=UTC),
        status=status,
        sources=pd.DataFrame([
            {"source_id": "deuil-liege", "status": "ok", "items": 42, "quarantined": 1, "pages": 12, "wire_bytes": 81_000,
             "seconds": 3.2, "error": None, "health_notes": ""},
            {"source_id": "association-en-panne", "status": "failed", "items": 0, "quarantined": 0, "pages": 1,
             "wire_bytes": 300, "seconds": 0.4, "error": "HTTP 500 on the listing page", "health_notes": ""},
            {"source_id": "praatcafe-gent", "status": "degraded", "items": 5, "quarantined": 0, "pages": 3,
             "wire_bytes": 9_000, "seconds": 1.1, "error": None, "health_notes": "items 5 vs median 20 of last 3 runs"},
        ]),
        changes=pd.DataFrame([
            {"listing_id": "gd_000000000001", "title": HOSTILE, "change": "new"},
            {"listing_id": "gd_000000000002", "title": "Café deuil du jeudi", "change": "changed"},
            {"listing_id": "gd_000000000003", "title": "Praatgroep mantelzorgers", "change": "removed"},
            {"listing_id": "gd_000000000004", "title": "Cercle de parole | proches", "change": "cancelled"},
        ]),
        formats=pd.DataFrame({"format": ["talking_group", "support_group", "workshop"], "count": [120, 80, 15]}),
        regions=pd.DataFrame({"country": ["BE", "BE", "FR"], "region": ["Liège", HOSTILE, "Nord"], "count": [40, 3, 22]}),
        quarantine_reasons=pd.DataFrame({"stage": ["raw", "clean"], "reason": ["title missing", "start_time 25:00"], "count": [4, 2]}),
        review_queue=7,
        exported_rows=215,
        stage_seconds={"crawl": 180.5, "clean": 4.2, "classify": 2.1, "dedupe": 3.3, "export": 0.8},
        format_history=pd.DataFrame([{"run_id": r, "format": f, "count": c + i}
                                     for i, r in enumerate(runs) for f, c in (("talking_group", 118), ("workshop", 14))]),
        region_history=pd.DataFrame([{"run_id": r, "region": g, "count": c + i}
                                     for i, r in enumerate(runs) for g, c in (("Liège", 38), (HOSTILE, 1), ("Price $5$", 2))]),
        source_history=pd.DataFrame([{"run_id": r, "source_id": s, "items": n, "status": st}
                                     for r in runs for s, n, st in (("deuil-liege", 42, "ok"), ("association-en-panne", 0, "failed"))]),
        clusters_merged=12,
        records_merged=30,
    )
    fields.update(changes)
    return RunReport(**fields)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(make_report())


@pytest.mark.parametrize("section", ["summary", "sources", "changes", "formats", "regions", "quarantine", "review", "stages", "charts"])
def test_html_report_has_every_section(page, section):
    assert f'<section id="{section}">' in page


@pytest.mark.parametrize(
    "shown",
    ["Completed with warnings", "association-en-panne", "HTTP 500 on the listing page", "items 5 vs median 20 of last 3 runs",
     "Café deuil du jeudi", "Praatgroep mantelzorgers", "talking_group", "start_time 25:00", "<b>7</b> listing(s) wait",
     "<b>215</b>", "+1</b>", "crawl</td>"],
)
def test_html_report_shows_the_facts(page, shown):
    assert shown in page


@pytest.mark.parametrize("chart", ["formats", "regions", "sources"])
def test_charts_are_inline_svg_with_text(page, chart):
    block = page.split(f'id="chart-{chart}">', 1)[1].split("</div>", 1)[0]
    assert block.startswith("<svg") and "</svg>" in block
    assert "<text" in block  # labels stay text (searchable, accessible)


def test_report_is_standalone(page):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "<link" not in page and "<script" not in page.lower().replace(
        "&lt;script", "")


def test_hostile_title_is_escaped_everywhere(page):
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = render_markdown(make_report())
    assert HOSTILE not in markdown and "&lt;script&gt;" in markdown


def test_markdown_is_short_and_tabular():
    markdown = render_markdown(make_report())
    assert markdown.startswith("## groupdir night 2026-12-02: Completed with warnings")
    assert "| association-en-panne | failed | 0 | 0 | HTTP 500 on the listing page" in markdown
    assert "| talking_group | 120 |" in markdown
    assert "| removed | gd_000000000003 | Praatgroep mantelzorgers |" in markdown
    assert r"| cancelled | gd_000000000004 | Cercle de parole \| proches |" in markdown
    assert len(markdown.splitlines()) < 40


@pytest.mark.parametrize(("status", "colour"), [("Completed", "#2e7d32"), ("Completed with warnings", "#ef6c00"), ("Failed", "#c62828")])
def test_banner_colour_follows_the_status(status, colour):
    page = render_html(make_report(status=status))
    assert f'class="banner" style="background: {colour}">{status}' in page


def test_first_run_without_history_still_renders():
    empty = pd.DataFrame()
    report = make_report(
        status="Failed", changes=pd.DataFrame(columns=["listing_id", "title", "change"]), format_history=empty,
        region_history=empty, source_history=empty, quarantine_reasons=pd.DataFrame(columns=["stage", "reason", "count"]),
        formats=pd.DataFrame(columns=["format", "count"]), regions=pd.DataFrame(columns=["country", "region", "count"]),
    )
    page = render_html(report)
    assert page.count("No history yet.") == 3 and "Nothing quarantined." in page
    assert "the CSV was not replaced" in page


def test_write_report_is_atomic_and_named_after_the_run(tmp_path):
    (tmp_path / "2026-12-02.html").write_text("old", encoding="utf-8")
    path = write_report(make_report(), tmp_path)
    assert path == tmp_path / "2026-12-02.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["2026-12-02.html"]  # no temp file left


def test_write_report_refuses_an_unsafe_run_id(tmp_path):
    with pytest.raises(ValueError, match="safe file name"):
        write_report(make_report(run_id="../escape"), tmp_path)
    assert not list(tmp_path.parent.glob("escape*"))
