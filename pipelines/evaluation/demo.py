"""The demo web's own truth, joined to what a demo night produced.

`spiders/demo_web/truth.jsonl` is written by the demo web's generator from its content files: for
every page it publishes, the group, format, weekday, start time, postcode, country and language
it describes. It was not written with the labelled sets, so it is the stages' second, more
independent measure (`groupdir evaluate clean|classify|dedupe --demo data/groupdir.duckdb`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from spiders.demo_web import SITES_DIR

TRUTH_PATH = SITES_DIR.parent / "truth.jsonl"


def demo_truth(path: Path = TRUTH_PATH) -> pd.DataFrame:
    """One row per published page, indexed by (source id, path and query of its URL)."""
    truth = pd.read_json(path, lines=True, dtype=False)  # as written: "19:30" is a time of day, not a date
    return truth.set_index(["source_id", "url_path"])


def with_truth(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows of `frame` (with `source_id` and `listing_url`) the truth describes, with its
    `columns` as `<c>_truth`. Matched by URL path: the demo web's port changes from run to run,
    and sites without ids give their records hashed ones."""
    truth = demo_truth()[columns].add_suffix("_truth")
    keyed = frame.assign(_path=frame["listing_url"].astype("str").str.extract(r"^[a-z]+://[^/]+([^#]*)", expand=False))
    return keyed.join(truth, on=["source_id", "_path"], how="inner").drop(columns="_path")


def cleaned_demo_night(warehouse: Path) -> pd.DataFrame:
    """The last night's landed raw listings, cleaned again as the night cleaned them."""
    from pipelines.clean import clean_listings
    from spiders.registry import load_sources

    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.sql("SELECT * EXCLUDE (run_id, landed_at) FROM raw_listings"
                      " WHERE run_id = (SELECT max(run_id) FROM raw_listings)").df()
        night = con.sql("SELECT max(run_id) FROM raw_listings").fetchall()[0][0]
    countries = {s.id: s.country for s in load_sources("demo")}
    return clean_listings(raw, today=dt.date.fromisoformat(night), source_countries=countries).clean
