"""`make bench`: every stage's throughput and peak memory at 10k / 100k / 1M listings, DuckDB's own
ingest of the same rows as the physical reference, and the crawl's pages/s and incremental night.

Figures are printed and written to data/bench/latest.json; nothing here passes or fails.
Each size runs in its own process so peak memory is that size's alone.
`BENCH_SIZES=10000,100000` limits the sizes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

import psutil

from pipelines.engine import release_freed_memory

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CHUNK_ROWS = 50_000
NIGHT = date(2026, 12, 1)
RUN_ID = NIGHT.isoformat()
WORKERS = os.cpu_count() or 1


class PeakRSS:
    """Samples the resident memory of this process and its worker processes in a thread; `peak_mb`
    since the last reset (the machine's memory is what the night needs, wherever it runs)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with suppress(psutil.Error):  # a worker that just ended
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def reset(self) -> None:
        self.peak = self.rss()

    @property
    def peak_mb(self) -> float:
        return round(max(self.peak, self.rss()) / 2**20, 1)

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def measured(name: str, rows: int, results: dict, rss: PeakRSS):
    """Time and peak memory of a stage; a stage measured in two parts (load: raw records first,
    listings later) adds its seconds and keeps its highest peak."""
    rss.reset()
    start_mb = rss.peak / 2**20
    started = time.perf_counter()
    yield
    part = time.perf_counter() - started
    note = f"  (second part: {part:.2f} s)" if name in results else ""
    before = results.get(name, {"seconds": 0.0, "peak_rss_mb": 0.0})
    seconds, peak = before["seconds"] + part, max(before["peak_rss_mb"], rss.peak_mb)
    results[name] = {"seconds": round(seconds, 3), "rows_per_s": round(rows / seconds) if seconds else None, "peak_rss_mb": peak}
    print(f"  {name:<10} {seconds:8.2f} s  {rows / seconds if seconds else 0:>12,.0f} rows/s  peak {peak:8.1f} MB"
          f"  (from {start_mb:,.0f} MB){note}", flush=True)


def _warm_worker() -> None:
    """Load the classifier once per worker process, as a Dask worker keeps it between chunks."""
    from pipelines.classify.model import format_model

    format_model()


def stage_workers(initializer=None) -> ProcessPoolExecutor:
    """One worker process per core for one stage: the clean workers' language models and caches
    (about 0.3 GB a worker) are gone before the classify workers load theirs."""
    return ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=initializer)


def results_in_order(pool: Executor, stage, chunks: list) -> list:
    """`stage(chunk)` of every chunk on the workers, in chunk order; `chunks` is emptied.

    A chunk then lives only in its pending call and goes when its result is back. Each result
    arrives as freshly unpickled buffers while the chunk it replaces is freed in the middle of the
    heap, which glibc keeps unless told: handing it back at once keeps the main process at the
    size of its data (at 1M rows, 1.2 GB less at the end of classify)."""
    futures = [pool.submit(stage, chunk) for chunk in chunks]
    chunks.clear()
    results = []
    for future in futures:
        results.append(future.result())
        release_freed_memory()
    return results


def _freeing(stage, *args, **kwargs):
    """`stage(...)` in a worker, which then hands what the chunk freed back to the system (Dask's
    workers do the same through `MALLOC_TRIM_THRESHOLD_`)."""
    try:
        return stage(*args, **kwargs)
    finally:
        release_freed_memory()


def _clean_chunk(chunk):
    from pipelines.clean import cleaned_chunk

    return _freeing(cleaned_chunk, chunk, today=NIGHT)


def _classify_chunk(chunk):
    from pipelines.classify import classified_chunk

    return _freeing(classified_chunk, chunk)


def duckdb_ingest(raw_path: Path, db_path: Path, n: int) -> dict:
    """DuckDB's own `read_json` of the raw rows into a table, in a process of its own so that its
    buffers neither count in nor linger into the pipeline's memory."""
    script = (
        "import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "started = time.perf_counter()\n"
        "con.execute(\"CREATE OR REPLACE TABLE raw AS SELECT * FROM read_json(?, format='newline_delimited')\", [sys.argv[1]])\n"
        "print(time.perf_counter() - started)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(raw_path), str(db_path)], capture_output=True, text=True, check=True)
    seconds = float(done.stdout.strip().splitlines()[-1])
    print(f"  {'duckdb_ingest':<10} {seconds:8.2f} s  {n / seconds:>12,.0f} rows/s  (reference, own process)", flush=True)
    return {"seconds": round(seconds, 3), "rows_per_s": round(n / seconds)}


def bench_size(n: int, workdir: Path) -> dict:
    """Every stage on `n` synthetic rows; clean and classify by chunk on one worker process per core
    (the pattern the Dask task runner runs, `pipelines.chunks`), the others on the whole night."""
    import pandas as pd

    from benchmarks.synthetic import synthetic_raw
    from pipelines.chunks import listing_chunks
    from pipelines.compact import concatenated
    from pipelines.dedupe import dedupe_listings
    from pipelines.export import export_listings, write_exports
    from pipelines.landing import validate_raw
    from warehouse import load as wl
    from warehouse.reporting import directory_rows
    from warehouse.store import Warehouse

    raw = synthetic_raw(n, seed=42)
    raw_path = workdir / f"raw-{n}.jsonl"
    raw.to_json(raw_path, orient="records", lines=True, force_ascii=False)
    print(f"{n:,} rows ({raw_path.stat().st_size / 2**20:.0f} MB of JSON Lines)", flush=True)
    release_freed_memory()  # what generating the rows left behind is not the pipeline's memory
    rss = PeakRSS()
    stages: dict = {}

    stages["duckdb_ingest"] = duckdb_ingest(raw_path, workdir / f"ref-{n}.duckdb", n)
    started = time.perf_counter()
    wh = Warehouse(workdir / f"bench-{n}.duckdb")
    with wh.writing() as con:
        with measured("validate", n, stages, rss):
            raw, _ = validate_raw(raw)
        # the raw records land first, so that no later stage holds them
        with measured("load", n, stages, rss):
            wl.start_run(con, RUN_ID, started_at=pd.Timestamp.now(tz="UTC").to_pydatetime(), profile="bench")
            wl.land_raw(con, RUN_ID, raw)
        crawled_ok = raw["source_id"].unique().tolist()
        chunks = listing_chunks(raw, CHUNK_ROWS)
        del raw
        release_freed_memory()  # the raw frame's pages: kept, they sat under clean's first chunks (0.8 GB at 1M)
        with stage_workers() as pool, measured("clean", n, stages, rss):
            cleaned = [result.clean for result in results_in_order(pool, _clean_chunk, chunks)]
        with stage_workers(_warm_worker) as pool, measured("classify", n, stages, rss):
            classified = results_in_order(pool, _classify_chunk, cleaned)
        with measured("classify", n, stages, rss):
            classified = concatenated(classified)
            release_freed_memory()
        with measured("dedupe", n, stages, rss):
            deduped = dedupe_listings(classified)
            del classified
            release_freed_memory()
        with measured("load", n, stages, rss):
            listings_after_dedupe = wl.stage_listings(con, deduped.listings)
            sources, aliases = deduped.sources, deduped.aliases
            del deduped  # staged: the frame goes before the load's heavy statements, as in the flow
            release_freed_memory()
            wl.apply_staged_listings(con, RUN_ID, NIGHT, sources, aliases, crawled_ok=crawled_ok)
            del sources, aliases
            release_freed_memory()
            directory = directory_rows(con)
    with measured("export", len(directory), stages, rss):
        export = export_listings(directory)
        del directory
        write_exports(export, workdir / f"export-{n}")
    end_to_end = time.perf_counter() - started
    rss.stop()
    stage_seconds = {k: v["seconds"] for k, v in stages.items() if k != "duckdb_ingest"}
    return {
        "rows": n,
        "end_to_end_seconds": round(end_to_end, 2),
        "peak_rss_mb": max(v["peak_rss_mb"] for k, v in stages.items() if k != "duckdb_ingest"),
        "duckdb_ingest_seconds": stages["duckdb_ingest"]["seconds"],
        "multiple_of_duckdb_ingest": round(end_to_end / stages["duckdb_ingest"]["seconds"], 1),
        "stage_seconds": stage_seconds,
        "stages": stages,
        "listings_after_dedupe": listings_after_dedupe,
        "exported": len(export),
    }


def bench_crawl(workdir: Path) -> dict:
    """Pages/s on a large generated html site with politeness lifted, and the incremental night."""
    from benchmarks.crawl_site import bench_crawl as run

    return run(workdir)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--size":  # child process: one size
        with tempfile.TemporaryDirectory(prefix="groupdir-bench-") as tmp:
            print(json.dumps(bench_size(int(sys.argv[2]), Path(tmp))), file=sys.stderr)
        return
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", ",".join(map(str, DEFAULT_SIZES))).split(",") if s]
    out_dir = REPO / "data" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="groupdir-bench-crawl-") as tmp:
        results["crawl"] = bench_crawl(Path(tmp))
    for n in sizes:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--size", str(n)], cwd=REPO, stderr=subprocess.PIPE, text=True, check=False)
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"size {n}: failed\n{proc.stderr[-3000:]}")
            results["sizes"][str(n)] = {"rows": n, "error": proc.stderr[-1000:]}
            continue
        results["sizes"][str(n)] = json.loads(lines[-1])
    (out_dir / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print_table(results)


def print_table(results: dict) -> None:
    crawl = results.get("crawl", {})
    if crawl:
        print(f"\ncrawl: {crawl.get('pages')} pages at {crawl.get('pages_per_s')} pages/s; second night "
              f"{crawl.get('second_bytes_fraction', 0):.1%} of the bytes, {crawl.get('second_time_fraction', 0):.1%} of the time")
    stages = ["validate", "clean", "classify", "dedupe", "load", "export"]
    print("\n" + f"{'rows':>10} " + " ".join(f"{s:>9}" for s in stages) + f" {'total s':>8} {'peak MB':>8} {'duckdb s':>8} {'x duckdb':>8}")
    for size in results["sizes"].values():
        if "error" in size:
            print(f"{size['rows']:>10,} failed")
            continue
        cells = " ".join(f"{size['stage_seconds'].get(s, 0):>9.2f}" for s in stages)
        print(f"{size['rows']:>10,} {cells} {size['end_to_end_seconds']:>8.1f} {size['peak_rss_mb']:>8.0f} "
              f"{size['duckdb_ingest_seconds']:>8.2f} {size['multiple_of_duckdb_ingest']:>8.1f}")
    print("(seconds per stage; figures, not pass/fail) → data/bench/latest.json")


if __name__ == "__main__":
    main()
