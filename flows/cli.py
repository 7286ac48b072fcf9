"""`groupdir`: the command line of the pipeline (nightly run, offline processing, analysts' tools)."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.prefect_env import configure as configure_prefect
from pipelines.chunks import CHUNK_ROWS
from pipelines.paths import DataDirUnusable, RunPaths, ensure_data_dir_usable

app = typer.Typer(help="groupdir: support-group listings from association websites to a directory.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure a stage against its labelled set.", no_args_is_help=True)
review_app = typer.Typer(help="Analysts' decisions: review queue, corrections, links and splits.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(review_app, name="review")
# piped or logged output (cron mails, CI logs) is read whole: no 80-column truncation there
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def _paths(data_dir: Path | None) -> RunPaths:
    if data_dir is not None:
        os.environ["GROUPDIR_DATA_DIR"] = str(data_dir)
    return RunPaths(data_dir) if data_dir else RunPaths.default()


class TaskRunner(StrEnum):
    thread = "thread"
    dask = "dask"


DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default: data/ or $GROUPDIR_DATA_DIR).")]


@app.command()
def run(
    profile: Annotated[str, typer.Option(help="Registry profile: demo (bundled offline web) or live.")] = "demo",
    night: Annotated[str | None, typer.Option(help="Night to run as (YYYY-MM-DD); re-running a night is safe.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these source ids (repeatable).")] = None,
    max_parallel: Annotated[int, typer.Option(help="Sources crawled at once (one per site at a time).")] = 4,
    removal_after: Annotated[int, typer.Option(help="Consecutive successful crawls a listing may be absent before removal.")] = 3,
    review_threshold: Annotated[float, typer.Option(help="Format confidence under which a listing waits for review.")] = 0.6,
    excel_friendly: Annotated[bool, typer.Option(help="CSV with a UTF-8 BOM and ';' separator.")] = False,
    task_runner: Annotated[TaskRunner, typer.Option(help="dask: tasks on a local Dask cluster of --max-parallel worker processes (or $GROUPDIR_DASK_ADDRESS), docs/SCALING.md.")] = TaskRunner.thread,
    chunk_rows: Annotated[int, typer.Option(help="Rows per clean/classify task; chunks run side by side on the dask runner.")] = CHUNK_ROWS,
    data_dir: DataDir = None,
) -> None:
    """Run the nightly job end to end and print its summary."""
    paths = _paths(data_dir)
    try:
        ensure_data_dir_usable(paths)
    except DataDirUnusable as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(3) from None
    configure_prefect()
    import duckdb

    from flows.nightly import RunAlreadyActive, nightly_with, refuse_if_running

    try:
        refuse_if_running(paths)
        summary = nightly_with(max_parallel, task_runner=task_runner.value)(
            profile=profile, night=night, sources=source, removal_after=removal_after,
            review_threshold=review_threshold, excel_friendly=excel_friendly, data_dir=str(paths.root),
            chunk_rows=chunk_rows,
        )
    except RunAlreadyActive as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(2) from None
    except (OSError, duckdb.IOException) as exc:  # disk full or read-only in the middle of the night
        err.print(
            f"[red]failed writing to {paths.root}:[/red] {exc}\n"
            "Nothing half-written was published: the warehouse is swapped in only once complete and the "
            "export files only once each is whole. Free space or fix the rights, then re-run the night (safe)."
        )
        raise typer.Exit(3) from None
    print_summary(summary)


@app.command()
def replay(
    run_id: Annotated[str, typer.Argument(help="The night to replay from its raw landing (no crawling).")],
    data_dir: DataDir = None,
) -> None:
    """Re-process a landed night after a downstream fix, without crawling again."""
    paths = _paths(data_dir)
    configure_prefect()
    from flows.nightly import nightly_with

    print_summary(nightly_with(1)(night=run_id, replay=True, data_dir=str(paths.root)))


@app.command()
def process(
    input_path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of raw listings.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write (quarantine goes next to it).")],
    review_threshold: Annotated[float, typer.Option(help="Format confidence under which a row needs review.")] = 0.6,
) -> None:
    """Clean, classify and validate a file of raw listings, one output row per input row."""
    from pipelines.process import process_file

    result = process_file(input_path, output, threshold=review_threshold)
    console.print(f"{result.rows_out} rows → {result.output}; {result.quarantined} quarantined → {result.quarantine_path}")


@app.command()
def crawl(
    source_id: Annotated[str | None, typer.Argument(help="A registered source id.")] = None,
    adapter: Annotated[str | None, typer.Option(help="Try an unregistered site: tec, meeting_guide, jsonld, ical, html.")] = None,
    url: Annotated[str | None, typer.Option(help="Start URL for --adapter (jsonld: listing page, sitemap or detail page).")] = None,
    options: Annotated[str | None, typer.Option(help="Adapter options as JSON (e.g. CSS selectors for html).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="JSON Lines of raw listings to write.")] = None,
    profile: Annotated[str, typer.Option(help="Registry profile.")] = "demo",
) -> None:
    """Crawl one source (or try an unknown site) and write its raw listings."""
    import shutil
    import tempfile

    from spiders.registry import get_source
    from spiders.runner import crawl as run_crawl

    if (source_id is None) == (adapter is None):
        raise typer.BadParameter("give either SOURCE_ID or --adapter with --url")
    if adapter and not url:
        raise typer.BadParameter("--adapter needs --url")
    out_dir = Path(tempfile.mkdtemp(prefix="groupdir-crawl-"))
    spider_args = {"url": url, **({"options": options} if options else {})} if adapter else {}
    web = None
    if source_id and profile == "demo" and get_source(source_id, profile).demo_site:
        from spiders.demo_web import free_base_port
        from spiders.demo_web.server import DemoWeb

        web = DemoWeb(port=free_base_port()).start()
    try:
        result = run_crawl(adapter or source_id, out_dir, spider_args=spider_args, profile=profile,
                           demo_port=web.port if web else None, settings={"HTTPCACHE_ENABLED": False})
    finally:
        if web:
            web.stop()
    target = output or Path(f"{adapter or source_id}.jsonl")
    shutil.copyfile(result.listings_path, target)
    console.print(f"{result.spider}: {result.status}, {max(result.items, 0)} listings → {target}, "
                  f"{result.quarantined} quarantined ({result.quarantine_path}), {result.pages} pages")
    if result.status == "failed":
        err.print(f"[red]failed:[/red] {result.failure_reason}")
        raise typer.Exit(1)


@app.command()
def sources(profile: Annotated[str, typer.Option(help="Registry profile.")] = "demo") -> None:
    """List the registered sources of a profile."""
    from spiders.registry import load_sources

    table = Table("id", "adapter", "country", "languages", "enabled", "organisation", "start")
    for s in load_sources(profile):
        table.add_row(s.id, s.adapter, s.country, ",".join(s.languages), "yes" if s.enabled else "no",
                      s.organisation + (" (unverified)" if s.unverified else ""), s.start_urls[0])
    console.print(table)


@app.command()
def query(
    sql: Annotated[str | None, typer.Argument(help="SQL to run read-only against the published warehouse.")] = None,
    file: Annotated[Path | None, typer.Option("--file", exists=True, dir_okay=False, help="Read the SQL from a file.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead of a table.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Query the published DuckDB file (read-only; the nightly run may be writing meanwhile)."""
    from warehouse.query import run_query

    if (sql is None) == (file is None):
        raise typer.BadParameter("give SQL or --file")
    text = file.read_text(encoding="utf-8") if file else sql
    frame = run_query(_paths(data_dir).warehouse, text)
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    table = Table(*[str(c) for c in frame.columns])
    for row in frame.head(200).itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    if len(frame) > 200:
        console.print(f"… {len(frame) - 200} more rows (use --csv)")


DemoWarehouse = Annotated[Path | None, typer.Option(
    help="Also score a demo night's warehouse (e.g. data/groupdir.duckdb after make run) against the demo web's truth.")]


@evaluate_app.command("clean")
def evaluate_clean(demo: DemoWarehouse = None) -> None:
    """Per-field accuracy and coverage of the clean stage on its development set (and a demo night)."""
    from pipelines.evaluation.clean import evaluate_clean as run
    from pipelines.evaluation.clean import evaluate_demo_clean, format_clean_report, format_demo_clean_report

    console.print(format_clean_report(run()), markup=False)
    if demo is not None:
        console.print(format_demo_clean_report(evaluate_demo_clean(demo)), markup=False)


@evaluate_app.command("classify")
def evaluate_classify(
    split: Annotated[str, typer.Option(help="dev (held out) or train.")] = "dev",
    demo: DemoWarehouse = None,
) -> None:
    """Precision, recall, F1, confusion matrix and throughput of the classifier (and a demo night)."""
    from pipelines.evaluation.classify import evaluate_classify as run
    from pipelines.evaluation.classify import (
        evaluate_demo_web,
        format_classify_report,
        format_demo_classify_report,
    )

    console.print(format_classify_report(run(split)), markup=False)
    if demo is not None:
        console.print(format_demo_classify_report(evaluate_demo_web(demo)), markup=False)


@evaluate_app.command("dedupe")
def evaluate_dedupe(demo: DemoWarehouse = None) -> None:
    """Pairwise precision, recall and F1 of deduplication on the labelled pairs (and a demo night)."""
    from pipelines.evaluation.dedupe import evaluate_dedupe as run
    from pipelines.evaluation.dedupe import (
        evaluate_demo_dedupe,
        format_dedupe_report,
        format_demo_dedupe_report,
    )

    console.print(format_dedupe_report(run()), markup=False)
    if demo is not None:
        console.print(format_demo_dedupe_report(evaluate_demo_dedupe(demo)), markup=False)


@review_app.command("list")
def review_list(data_dir: DataDir = None, csv: Annotated[bool, typer.Option("--csv")] = False) -> None:
    """Listings waiting for an analyst (format confidence under the threshold)."""
    query(sql="SELECT * FROM v_review_queue", file=None, csv=csv, data_dir=data_dir)


@review_app.command("correct")
def review_correct(
    listing_id: str,
    field: Annotated[str, typer.Argument(help="format, facilitator_type, attendance, entry, rhythm, audience, topics or approved")],
    value: str,
    analyst: Annotated[str, typer.Option(help="Who decides (kept with the decision).")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Correct a listing's format or facet (or approve it); applied on every later run."""
    from warehouse.load import add_correction
    from warehouse.store import Warehouse

    with Warehouse(_paths(data_dir).warehouse).writing() as con:
        add_correction(con, listing_id=listing_id, field=field, value=value, analyst=analyst, note=note)
    console.print(f"{listing_id}: {field} = {value} (by {analyst}); applies from the next run")


@review_app.command("link")
def review_link(record_a: str, record_b: str, analyst: Annotated[str, typer.Option()], note: str = "", data_dir: DataDir = None) -> None:
    """Force two source records into one listing."""
    _override("link", record_a, record_b, analyst, note, data_dir)


@review_app.command("split")
def review_split(record_a: str, record_b: str, analyst: Annotated[str, typer.Option()], note: str = "", data_dir: DataDir = None) -> None:
    """Keep two source records in different listings."""
    _override("split", record_a, record_b, analyst, note, data_dir)


def _override(action: str, record_a: str, record_b: str, analyst: str, note: str, data_dir: Path | None) -> None:
    from warehouse.load import add_override
    from warehouse.store import Warehouse

    with Warehouse(_paths(data_dir).warehouse).writing() as con:
        add_override(con, action=action, record_id_a=record_a, record_id_b=record_b, analyst=analyst, note=note)
    console.print(f"{action} {record_a} {record_b} (by {analyst}); applies from the next run")


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="Cron of the nightly run.")] = "0 3 * * *",
    timezone: Annotated[str, typer.Option(help="Time zone of the cron.")] = "Europe/Brussels",
    profile: Annotated[str, typer.Option(help="Registry profile the scheduled runs use.")] = "demo",
) -> None:
    """Serve the nightly deployment against the Prefect server in $PREFECT_API_URL (see make serve)."""
    configure_prefect()
    from flows.deploy import serve_nightly

    serve_nightly(cron=cron, timezone=timezone, profile=profile)


@app.command("demo-web")
def demo_web() -> None:
    """Serve the bundled demo web on 127.0.0.1 until Ctrl-C."""
    import time

    from spiders.demo_web import free_base_port
    from spiders.demo_web.server import DemoWeb

    with DemoWeb(port=free_base_port()) as web:
        for slug, url in web.urls.items():
            console.print(f"{slug:28s} {url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def print_summary(summary: dict) -> None:
    """The few lines an operator reads in the morning."""
    table = Table("source", "status", "listings", "quarantined", "pages", "bytes", "seconds", "notes", title=f"groupdir night {summary['run_id']}")
    for s in summary["sources"]:
        table.add_row(s["source_id"], s["status"], str(s["items"]), str(s["quarantined"]), str(s["pages"]),
                      f"{s['wire_bytes']:,}", f"{s['seconds']:.1f}", (s.get("error") or s.get("health_notes") or "")[:90])
    console.print(table)
    console.print(
        f"[bold]{summary['status']}[/bold]: {summary['listings']} listings ({summary['new']} new, {summary['changed']} changed, "
        f"{summary['removed']} removed, {summary['cancelled']} cancelled), {summary['raw']} raw records, "
        f"{summary['records_merged']} records merged into {summary['clusters_merged']} clusters, "
        f"{summary['quarantined']} quarantined, {summary['needs_review']} need review, {summary['exported_rows']} exported, "
        f"{summary['wire_bytes']:,} bytes downloaded."
    )
    console.print("formats: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["formats"].items())))
    unknown = summary.get("unknown") or {}
    fields = list(next(iter(unknown.values()), {}))
    if fields:
        gaps = Table("source", *fields)
        for source, counts in unknown.items():
            gaps.add_row(source, *(str(counts[f]) for f in fields))
        console.print("rows without a value, per source and field:")
        console.print(gaps)
    console.print("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in summary["stage_seconds"].items()))
    for name, path in summary["paths"].items():
        console.print(f"{name}: {path}")
    if summary.get("export_error"):
        err.print(f"[red]export not published:[/red] {summary['export_error']}")
    summary_path = Path(summary["paths"]["warehouse"]).parent / "last_run.json"
    summary_path.write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    app()
