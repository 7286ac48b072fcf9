"""The morning run report: did last night work, what changed, is the CSV safe to import.

One standalone HTML file per run (no external resource: charts are inline SVG drawn by
matplotlib), and a short Markdown version for the Prefect artifact. Every value coming from the
data is escaped by jinja2's autoescape; the SVG charts are the only markup inserted as is, and
matplotlib escapes the text it writes into them.
"""

from __future__ import annotations

import html
import io
import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from matplotlib.figure import Figure

from pipelines.export import fsync_dir, temporary_sibling

TEMPLATES = Path(__file__).parent / "templates"
STATUS_COLOURS = {
    "Completed": "#2e7d32", "Completed with warnings": "#ef6c00", "Failed": "#c62828",
    "ok": "#2e7d32", "degraded": "#ef6c00", "empty": "#757575", "failed": "#c62828",
}
CHANGE_KINDS = ("new", "changed", "removed", "cancelled")
MAX_CHANGES_SHOWN = 50
TOP_REGIONS = 10
RUN_ID = re.compile(r"^[\w.-]+$")


@dataclass
class RunReport:
    run_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # Completed | Completed with warnings | Failed
    sources: pd.DataFrame  # source_id, status (ok|empty|failed|degraded), items, quarantined, pages, wire_bytes, seconds, error, health_notes
    changes: pd.DataFrame  # listing_id, title, change (new|changed|removed|cancelled)
    formats: pd.DataFrame  # format, count (current active listings)
    regions: pd.DataFrame  # country, region, count
    quarantine_reasons: pd.DataFrame  # stage, reason, count
    review_queue: int
    exported_rows: int
    stage_seconds: dict[str, float]
    format_history: pd.DataFrame  # run_id, format, count
    region_history: pd.DataFrame  # run_id, region, count
    source_history: pd.DataFrame  # run_id, source_id, items, status
    clusters_merged: int = 0
    records_merged: int = 0
    bytes_first_fetch: int | None = None


def records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as plain dicts with every expected column (None where missing), for the templates."""
    frame = frame.reindex(columns=list(columns)) if frame is not None else pd.DataFrame(columns=list(columns))
    return [{k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v) for k, v in row.items()}
            for row in frame.astype("object").to_dict("records")]


def _bars(rows: list[dict], value: str = "count") -> list[dict]:
    """Rows with `share` (0–100) of the largest value, for the inline CSS bars."""
    top = max((float(r[value] or 0) for r in rows), default=0) or 1
    return [{**r, "share": round(100 * float(r[value] or 0) / top, 1)} for r in rows]


def _change_counts(changes: pd.DataFrame) -> dict[str, int]:
    counts = changes["change"].value_counts() if len(changes) and "change" in changes else pd.Series(dtype="int64")
    return {kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS}


def _sources_rows(report: RunReport) -> list[dict]:
    columns = ("source_id", "status", "items", "quarantined", "pages", "wire_bytes", "seconds", "error", "health_notes")
    rows = records(report.sources, columns)
    return [{**r, "colour": STATUS_COLOURS.get(str(r["status"]), "#757575")} for r in rows]


def context(report: RunReport) -> dict[str, Any]:
    """Everything the templates show, computed once (the templates only lay it out)."""
    changes = report.changes if report.changes is not None else pd.DataFrame(columns=["listing_id", "title", "change"])
    sources = _sources_rows(report)
    return {
        "r": report,
        "duration": (report.finished_at - report.started_at).total_seconds(),
        "status_colour": STATUS_COLOURS.get(report.status, "#757575"),
        "sources": sources,
        "source_counts": {s: sum(1 for r in sources if r["status"] == s) for s in ("ok", "degraded", "empty", "failed")},
        "change_counts": _change_counts(changes),
        "changes": {
            kind: records(changes[changes["change"] == kind].head(MAX_CHANGES_SHOWN), ("listing_id", "title", "change"))
            for kind in CHANGE_KINDS
        } if len(changes) else dict.fromkeys(CHANGE_KINDS, []),
        "max_changes": MAX_CHANGES_SHOWN,
        "formats": _bars(records(_sorted(report.formats), ("format", "count"))),
        "regions": _bars(records(_sorted(report.regions), ("country", "region", "count"))),
        "quarantine": _bars(records(_sorted(report.quarantine_reasons), ("stage", "reason", "count"))),
        "quarantined": int(report.quarantine_reasons["count"].sum()) if len(report.quarantine_reasons) else 0,
        "stages": _bars([{"stage": k, "seconds": round(float(v), 2)} for k, v in report.stage_seconds.items()], "seconds"),
        "total_items": int(pd.to_numeric(report.sources.get("items"), errors="coerce").fillna(0).sum()) if len(report.sources) else 0,
    }


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("count", ascending=False, kind="stable") if frame is not None and len(frame) else frame


# --- charts -----------------------------------------------------------------------------------
def _label(value: Any) -> str:
    """Chart text as plain text: a '$' would switch matplotlib to mathtext."""
    return str(value).replace("$", r"\$")


def svg(fig: Figure) -> Markup:
    """The figure as an inline <svg> element: text kept as text, no date, stable ids."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "groupdir"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    if re.search(r"<script|<foreignObject|\son\w+=", text, re.IGNORECASE):
        raise ValueError("refusing to inline an SVG chart holding active content")
    return Markup(text)  # noqa: S704 - matplotlib output, text escaped by matplotlib, checked above


def _history_chart(history: pd.DataFrame, series: str, title: str, top: int | None = None) -> Markup | None:
    if history is None or history.empty:
        return None
    table = history.pivot_table(index="run_id", columns=series, values="count", aggfunc="sum").sort_index().fillna(0)
    if top:
        table = table[table.iloc[-1].sort_values(ascending=False).index[:top]]
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    for column in table.columns:
        ax.plot(range(len(table)), table[column].to_numpy(), marker="o", label=_label(column))
    ax.set_xticks(range(len(table)), [_label(i) for i in table.index], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("listings")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return svg(fig)


def _source_health_chart(history: pd.DataFrame) -> Markup | None:
    """One dot per source and run: colour = status, size = items, so a failing source stands out."""
    if history is None or history.empty:
        return None
    runs = sorted(history["run_id"].astype("str").unique())
    sources = sorted(history["source_id"].astype("str").unique())
    x = history["run_id"].astype("str").map({r: i for i, r in enumerate(runs)})
    y = history["source_id"].astype("str").map({s: i for i, s in enumerate(sources)})
    items = pd.to_numeric(history["items"], errors="coerce").fillna(0)
    fig = Figure(figsize=(8, 0.9 + 0.35 * len(sources)))
    ax = fig.add_subplot()
    for status, colour in ((s, STATUS_COLOURS[s]) for s in ("ok", "degraded", "empty", "failed")):
        mask = history["status"].astype("str") == status
        if mask.any():
            sizes = 60 + 240 * items[mask] / max(float(items.max()), 1.0)
            ax.scatter(x[mask], y[mask], s=sizes, c=colour, label=status, alpha=0.85,
                       marker="X" if status == "failed" else "o", edgecolors="white")
    ax.set_xticks(range(len(runs)), [_label(r) for r in runs], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(sources)), [_label(s) for s in sources], fontsize=8)
    ax.set_xlim(-0.5, len(runs) - 0.5)
    ax.set_ylim(-0.7, len(sources) - 0.3)
    ax.set_title("Source health per run (dot size = items)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return svg(fig)


def charts(report: RunReport) -> dict[str, Markup | None]:
    return {
        "formats": _history_chart(report.format_history, "format", "Listings per format over runs"),
        "regions": _history_chart(report.region_history, "region", f"Listings per province / region over runs (top {TOP_REGIONS})", TOP_REGIONS),
        "sources": _source_health_chart(report.source_history),
    }


# --- rendering --------------------------------------------------------------------------------
def _markdown_cell(value: Any) -> str:
    """Safe inside a Markdown table cell: one line, no pipe, no raw HTML."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return html.escape(re.sub(r"\s+", " ", text)).replace("|", r"\|")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """HTML templates autoescaped; the Markdown one escapes each cell itself (`cell` filter)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), disabled_extensions=("md.j2",), default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["cell"] = _markdown_cell
    env.filters["thousands"] = lambda v: f"{int(v):,}".replace(",", " ") if v is not None else ""
    env.filters["seconds"] = lambda v: f"{float(v):.1f}" if v is not None else ""
    return env


def render_markdown(report: RunReport) -> str:
    """The short version for the Prefect markdown artifact (tables, no charts)."""
    return _environment().get_template("report.md.j2").render(**context(report))


def render_html(report: RunReport) -> str:
    """The standalone page (inline CSS and SVG, nothing fetched), every data value escaped."""
    return _environment().get_template("report.html.j2").render(**context(report), charts=charts(report))


def write_report(report: RunReport, reports_dir: Path) -> Path:
    """reports_dir/RUN_ID.html, replaced atomically (a reader never sees half a report)."""
    if not RUN_ID.match(report.run_id):
        raise ValueError(f"run id {report.run_id!r} is not a safe file name")
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / f"{report.run_id}.html"
    page = render_html(report)
    with temporary_sibling(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    fsync_dir(reports_dir)
    return path
