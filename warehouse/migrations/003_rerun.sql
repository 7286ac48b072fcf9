-- What the latest night's apply_listings started from, so re-running that night starts from the
-- same state (warehouse/load.py). Internal: analysts never need this schema.
CREATE SCHEMA rerun;
CREATE TABLE rerun.applied (
    "run_id" VARCHAR NOT NULL,
    "night" DATE NOT NULL
);
COMMENT ON TABLE rerun.applied IS 'the latest run applied to listings (rerun.* holds the state before it)';
COMMENT ON COLUMN rerun.applied."run_id" IS 'runs.run_id of the latest applied run';
COMMENT ON COLUMN rerun.applied."night" IS 'its night';
CREATE TABLE rerun.listings AS SELECT * FROM listings WITH NO DATA;
CREATE TABLE rerun.listing_sources AS SELECT * FROM listing_sources WITH NO DATA;
CREATE TABLE rerun.listing_aliases AS SELECT * FROM listing_aliases WITH NO DATA;
