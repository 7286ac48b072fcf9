"""The nightly flow: crawl every source, then clean → classify → dedupe → warehouse → export.

It only orchestrates: every decision lives in `spiders/`, `pipelines/` and `warehouse/`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from filelock import FileLock, Timeout
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from flows.tasks import CrawlFailed, crawl_source
from pipelines.chunks import CHUNK_ROWS, listing_chunks, row_chunks
from pipelines.classify import apply_corrections, classified_chunk
from pipelines.clean import CleanResult, cleaned_chunk
from pipelines.compact import concatenated
from pipelines.dedupe import dedupe_listings
from pipelines.engine import release_freed_memory
from pipelines.export import CSV_NAME, ExportError, export_listings, promote_staged, write_exports
from pipelines.health import assess_health, key_field_coverage, unknown_by_source
from pipelines.interop import write_hsds, write_jsonld
from pipelines.landing import as_raw_frame, read_landing, validate_raw
from pipelines.paths import RunPaths, ensure_data_dir_usable
from pipelines.report import write_report
from schemas.quarantine import combined_quarantine
from spiders.demo_web import SITES_DIR, free_base_port
from spiders.demo_web.server import DemoWeb
from spiders.registry import Source, active_profile, load_sources
from spiders.runner import LISTINGS_FILE, QUARANTINE_FILE, CrawlResult
from warehouse import load as wl
from warehouse.reporting import directory_rows, run_report, source_history
from warehouse.store import Warehouse

NIGHT_ZONE = ZoneInfo("Europe/Brussels")
CRAWL_TIMEOUT_SECONDS = 900.0
stage_task = task(cache_policy=NO_CACHE, persist_result=False)
clean_chunk = stage_task(cleaned_chunk, name="clean")
classify_chunk = stage_task(classified_chunk, name="classify")


class NothingUsable(RuntimeError):
    """Every source failed: the night produced nothing to publish."""


class RunAlreadyActive(RuntimeError):
    """Another nightly run holds the data folder."""


@contextmanager
def exclusive_run(paths: RunPaths, run_id: str):
    """One nightly run per data folder at a time; the second refuses at once, saying who runs."""
    paths.root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(paths.root / "nightly.lock", timeout=0)
    owner = paths.root / "nightly.owner"
    try:
        lock.acquire()
    except Timeout:
        who = owner.read_text(encoding="utf-8") if owner.is_file() else "unknown"
        raise RunAlreadyActive(f"another nightly run is using {paths.root} ({who}); wait for it to finish") from None
    try:
        owner.write_text(f"pid {os.getpid()}, night {run_id}, since {datetime.now(UTC).isoformat(timespec='seconds')}", encoding="utf-8")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def refuse_if_running(paths: RunPaths) -> None:
    """Refuse at once, before Prefect starts, when another run holds the data folder (the flow
    still takes the lock itself: this only spares the operator a server start to hear no)."""
    with exclusive_run(paths, "check"):
        pass


@dataclass
class StageTimer:
    """Durations per stage, and the current stage in a small state file operators can watch."""

    state_file: Path | None = None
    run_id: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str):
        self.mark(stage)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)

    def mark(self, stage: str) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        state = {"run_id": self.run_id, "stage": stage, "pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        self.state_file.write_text(json.dumps(state), encoding="utf-8")


def tonight() -> str:
    return datetime.now(NIGHT_ZONE).date().isoformat()


@contextmanager
def demo_web_for(profile: str):
    """Serve the bundled demo web for the duration of the crawl (demo profile only)."""
    if profile != "demo":
        yield None
        return
    root = Path(os.environ.get("GROUPDIR_DEMO_ROOT") or SITES_DIR)
    port = free_base_port(root=root)
    with DemoWeb(root=root, port=port):
        yield port


def crawl_all(sources: list[Source], paths: RunPaths, run_id: str, profile: str) -> list[CrawlResult]:
    """Every source crawled in its own task; a failing or hanging one never stops the others."""
    landing = paths.landing(run_id)
    with demo_web_for(profile) as demo_port:
        futures = [
            crawl_source.submit(source, landing, paths.http_cache, profile, demo_port, CRAWL_TIMEOUT_SECONDS)
            for source in sources
        ]
        return [_crawl_outcome(future, source, landing) for future, source in zip(futures, sources, strict=True)]


def _crawl_outcome(future, source: Source, landing: Path) -> CrawlResult:
    future.wait()
    state = future.state
    if state.is_completed():
        return future.result()
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, CrawlFailed):
        return outcome.result
    result = CrawlResult(spider=source.id, out_dir=landing / source.id, returncode=None, seconds=0.0, error=f"{state.name}: {state.message}")
    (landing / source.id).mkdir(parents=True, exist_ok=True)
    for name in (LISTINGS_FILE, QUARANTINE_FILE):
        (landing / source.id / name).touch()
    result.save()
    return result


def landed_results(paths: RunPaths, run_id: str) -> list[CrawlResult]:
    """The crawl results a past night left in its landing folder (for replay)."""
    landing = paths.landing(run_id)
    if not landing.is_dir():
        raise FileNotFoundError(f"no landing folder for run {run_id!r} at {landing}")
    return [CrawlResult.load(d) for d in sorted(landing.iterdir()) if (d / "result.json").is_file()]


@stage_task(name="land")
def land(results: list[CrawlResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw, unreadable = read_landing(r.listings_path for r in results)
    spider_q, _ = read_landing(r.quarantine_path for r in results)
    valid, rejected = validate_raw(as_raw_frame(raw)) if not raw.empty else (as_raw_frame(raw), unreadable.iloc[0:0])
    quarantine = combined_quarantine(spider_q, unreadable, rejected)
    return valid, quarantine


@flow(name="groupdir-nightly", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def nightly(
    profile: str | None = None,
    night: str | None = None,
    sources: list[str] | None = None,
    removal_after: int = 3,
    review_threshold: float = 0.6,
    excel_friendly: bool = False,
    replay: bool = False,
    data_dir: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, Any]:
    """One night: crawl (or replay a landed night), process, publish warehouse, export and report.

    Clean and classify run as one task per chunk of `chunk_rows` rows, side by side on the task
    runner's workers (see `nightly_with`)."""
    paths = RunPaths(Path(data_dir)) if data_dir else RunPaths.default()
    run_id = night or tonight()
    ensure_data_dir_usable(paths)
    with exclusive_run(paths, run_id):
        return _night(profile or active_profile(), run_id, paths, sources, removal_after, review_threshold,
                      excel_friendly, replay, chunk_rows)


def _night(profile: str, run_id: str, paths: RunPaths, sources: list[str] | None, removal_after: int,
           review_threshold: float, excel_friendly: bool, replay: bool, chunk_rows: int) -> dict[str, Any]:
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    timer = StageTimer(paths.root / "run-state.json", run_id)
    registry = [s for s in load_sources(profile, enabled_only=True) if not sources or s.id in sources]

    with timer("crawl"):
        results = landed_results(paths, run_id) if replay else crawl_all(registry, paths, run_id, profile)
    crawl_summary = pd.DataFrame([r.summary() for r in results])
    with timer("land"):
        raw, quarantine = land(results)
    raw_rows, chunks = len(raw), listing_chunks(raw, chunk_rows)
    warehouse = Warehouse(paths.warehouse)
    with warehouse.writing() as con:
        with timer("warehouse"):  # the raw records land first, so that no later stage holds them
            wl.start_run(con, run_id, started_at=started_at, profile=profile)
            wl.land_raw(con, run_id, raw)
        del raw
        release_freed_memory()  # the raw frame's pages go back before the chunks are cleaned
        with timer("clean"):
            countries = {s.id: s.country for s in registry}
            futures = [clean_chunk.submit(chunk, today=date.fromisoformat(run_id), source_countries=countries) for chunk in chunks]
            del chunks
            cleaned = CleanResult.combined([f.result() for f in futures])
        quarantine = pd.concat([quarantine, cleaned.quarantine], ignore_index=True)
        coverage, quality = key_field_coverage(cleaned.clean), wl.quality_frame(cleaned.clean, quarantine)
        with timer("classify"):
            futures = [classify_chunk.submit(chunk, threshold=review_threshold) for chunk in row_chunks(cleaned.clean, chunk_rows)]
            del cleaned
            classified = concatenated([f.result() for f in futures])
            del futures
        release_freed_memory()

        crawl_summary["coverage"] = crawl_summary["source_id"].map(coverage)
        health = assess_health(crawl_summary, source_history(con, before_run=run_id))
        crawled_ok = health.loc[health["status"] == "ok", "source_id"].tolist()
        with timer("dedupe"):
            deduped = stage_task(dedupe_listings, name="dedupe")(
                classified,
                previous_sources=wl.previous_sources(con),
                previous_aliases=wl.previous_aliases(con),
                overrides=wl.load_overrides(con),
            )
            del classified
            listings = apply_corrections(deduped.listings, wl.load_corrections(con))
        release_freed_memory()
        with timer("warehouse"):
            wl.upsert_sources(con, registry_frame(registry, profile))
            wl.record_source_runs(con, run_id, health)
            wl.load_quarantine(con, run_id, quarantine)
            seen = wl.stage_listings(con, listings)
            formats = listings.loc[listings["format"].notna(), "format"].value_counts().to_dict()
            needs_review = int(listings["needs_review"].sum()) if len(listings) else 0
            sources_of, aliases = deduped.sources, deduped.aliases
            merged = {"clusters_merged": deduped.clusters_merged, "records_merged": deduped.records_merged}
            del listings, deduped  # staged: the frame goes before the load's heavy statements
            release_freed_memory()
            changes = wl.apply_staged_listings(con, run_id, date.fromisoformat(run_id), sources_of, aliases,
                                               crawled_ok=crawled_ok, removal_after=removal_after)
            del sources_of, aliases
            wl.record_quality(con, run_id, quality)
        failed = health.loc[health["status"] == "failed", "source_id"].tolist()
        usable = bool(crawled_ok) or bool(health["status"].isin(["degraded", "empty"]).any())
        with timer("snapshot"):
            wl.snapshot_parquet(con, run_id, paths.snapshots(run_id))
        # The export is written to a staging folder while the warehouse is still staged, and moved
        # into place only once the warehouse is published: a run killed or out of disk space
        # before then publishes neither, and the warehouse's run row knows the export's outcome.
        with timer("export"):
            exported, export_error = stage_exports(directory_rows(con), paths, excel_friendly, logger)
        warned = bool(failed) or len(crawled_ok) < len(health) or export_error is not None
        status = "Failed" if not usable else ("Completed with warnings" if warned else "Completed")
        summary = {
            "run_id": run_id, "profile": profile, "status": status, "listings": seen, "raw": raw_rows,
            "quarantined": len(quarantine), "failed_sources": failed, "new": len(changes.new), "changed": len(changes.changed),
            "removed": len(changes.removed), "cancelled": len(changes.cancelled), **merged, "wire_bytes": int(crawl_summary["wire_bytes"].sum()) if len(crawl_summary) else 0,
            "exported_rows": exported.rows if exported else 0, "export_error": export_error,
            "unknown": unknown_by_source(quality),
        }
        wl.finish_run(con, run_id, finished_at=datetime.now(UTC), status=status, summary=summary)
    if exported:
        promote_staged(paths.export_staging, paths.exports)
    summary.update(
        stage_seconds=timer.seconds,
        sources=health.astype("object").where(health.notna(), None).to_dict("records"),
        formats=formats,
        needs_review=needs_review,
        paths={"warehouse": str(paths.warehouse), "export": str(paths.exports / CSV_NAME) if exported else None},
    )
    with warehouse.reader() as con:
        report = run_report(con, run_id, stage_seconds=timer.seconds, exported_rows=summary["exported_rows"],
                            **merged)
    summary["paths"]["report"] = str(write_report(report, paths.reports))
    create_markdown_artifact(key="groupdir-run-report", markdown=_markdown(report), description=f"groupdir night {run_id}")
    timer.mark("finished")
    if failed:
        logger.warning("sources failed tonight (their listings are kept): %s", ", ".join(failed))
    if not usable:
        raise NothingUsable(f"every source failed on {run_id}: {', '.join(failed)}")
    return summary


def stage_exports(directory: pd.DataFrame, paths: RunPaths, excel_friendly: bool, logger) -> tuple[Any, str | None]:
    """The CSV contract, its JSON twin, the HSDS tables and the JSON-LD feed, written whole to the
    export staging folder; on failure nothing is staged, the previous files stay and the reason is
    returned (the warehouse is still published)."""
    staging = paths.export_staging
    shutil.rmtree(staging, ignore_errors=True)
    try:
        export = export_listings(directory)
        write_hsds(export, staging / "hsds")
        write_jsonld(export, staging / "listings.jsonld")
        return write_exports(export, staging, excel_friendly=excel_friendly, previous=paths.exports / CSV_NAME), None
    except (ExportError, OSError) as exc:  # OSError: disk full or read-only while writing HSDS / JSON-LD
        shutil.rmtree(staging, ignore_errors=True)
        logger.error("export not published, the previous one stays: %s", exc)
        return None, str(exc)


def nightly_with(max_parallel: int = 4, task_runner: str = "thread"):
    """The nightly flow crawling up to `max_parallel` sources at once (one per site at a time).

    `task_runner="dask"` runs the tasks on a Dask cluster (prefect-dask): a local cluster of
    `max_parallel` single-threaded worker processes, so the chunks of clean and classify use every
    core, unless `GROUPDIR_DASK_ADDRESS` names an existing scheduler. See docs/SCALING.md.
    """
    if task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        address = os.environ.get("GROUPDIR_DASK_ADDRESS")
        local = {"n_workers": max(1, max_parallel), "processes": True, "threads_per_worker": 1, "dashboard_address": None}
        runner = DaskTaskRunner(address=address) if address else DaskTaskRunner(cluster_kwargs=local)
        return nightly.with_options(task_runner=runner)
    if task_runner != "thread":
        raise ValueError(f"unknown task runner {task_runner!r}: thread or dask")
    return nightly.with_options(task_runner=ThreadPoolTaskRunner(max_workers=max(1, max_parallel)))


def registry_frame(sources: list[Source], profile: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"source_id": s.id, "name": s.name, "organisation": s.organisation, "country": s.country,
             "languages": ";".join(s.languages), "adapter": s.adapter, "start_urls": " ".join(s.start_urls),
             "enabled": s.enabled, "contact": s.contact, "profile": profile}
            for s in sources
        ]
    )


def _markdown(report) -> str:
    from pipelines.report import render_markdown

    return render_markdown(report)
